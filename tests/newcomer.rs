//! A newcomer's first minutes (issue #18): `init`, `new --txt` / `--from`, a mistyped feed,
//! shell completions, the man page and coloured diagnostics. Every test runs the real binary.

mod common;

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use common::{NOW, Site, parse_feed, stderr, text};

fn feedwright() -> Command {
    let mut cmd = Command::cargo_bin("feedwright").unwrap();
    cmd.env_remove("FEEDWRIGHT_CONFIG")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR");
    cmd
}

/// Runs feedwright in `dir` at `NOW`.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    feedwright()
        .current_dir(dir)
        .arg("--now")
        .arg(NOW)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Splits a command line the way a POSIX shell would for plain words, "double" and 'single'
/// quotes: enough for the commands init prints.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (None, ' ') => words.extend(word.take()),
            (None, '"' | '\'') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (Some(q), c) if c == q => quote = None,
            (_, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// Runs the commands listed under "Next:" as a person would, starting in `start`: `cd` moves,
/// `feedwright` runs the binary under test (at the real time, as typed). Returns the folder the
/// commands ended in.
fn run_printed_commands(printed: &str, start: &Path) -> std::path::PathBuf {
    let next = printed.split("\nNext:\n").nth(1).expect("a Next: section");
    let mut dir = start.to_path_buf();
    let mut ran = 0;
    for line in next.lines() {
        let words = shell_words(line.strip_prefix("  ").expect("indented command"));
        match words[0].as_str() {
            "cd" => dir = dir.join(&words[1]),
            "feedwright" => {
                let out = feedwright()
                    .current_dir(&dir)
                    .args(&words[1..])
                    .output()
                    .unwrap();
                assert!(out.status.success(), "{line}:\n{}", text(&out));
                ran += 1;
            }
            other => panic!("unexpected command `{other}` in:\n{printed}"),
        }
    }
    assert_eq!(ran, 3, "three feedwright commands:\n{printed}");
    dir
}

#[test]
fn init_prints_what_it_wrote_and_the_next_three_commands() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["init"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stdout(&out),
        "wrote config.toml
wrote content/reviews/2026-11-20-my-first-review.md

The example entries are drafts: they are never published until you delete their `draft = true` line.

Next:
  feedwright new review \"The title of your review\"
  feedwright check
  feedwright build
"
    );
    assert_eq!(stderr(&out), "");
    let config = std::fs::read_to_string(dir.path().join("config.toml")).unwrap();
    assert!(config.contains("title = \"My Film Reviews\"\n"), "{config}");
    assert!(
        config.contains("id = \"tag:example.com,2026:\"\n"),
        "{config}"
    );
    assert!(!config.contains("[feed.podcast]"), "{config}");
    let end = run_printed_commands(&stdout(&out), dir.path());
    let check = feedwright()
        .current_dir(&end)
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(
        stdout(&check),
        "ok: 0 entries in 1 feed(s), no problems\n",
        "{}",
        text(&check)
    );
    // The example itself is a valid entry: published once its draft line goes.
    let example = end.join("content/reviews/2026-11-20-my-first-review.md");
    let entry = std::fs::read_to_string(&example).unwrap();
    std::fs::write(&example, entry.replace("draft = true\n", "")).unwrap();
    let built = run_in(&end, &["build"]);
    assert!(built.status.success(), "{}", text(&built));
    let feed = parse_feed(&end.join("feeds/reviews.rss"));
    assert_eq!(feed.entries.len(), 1);
    assert_eq!(
        feed.entries[0].title.as_ref().unwrap().content,
        "My first review"
    );
    parse_feed(&end.join("feeds/reviews.atom"));
}

#[test]
fn init_podcast_from_an_empty_folder_gives_feeds_that_pass_check() {
    let parent = tempfile::tempdir().unwrap();
    let out = run_in(
        parent.path(),
        &[
            "init",
            "reel talk",
            "--podcast",
            "--title",
            "Reel \"Talk\"",
            "--url",
            "https://reel.example/films",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stdout(&out),
        "wrote reel talk/config.toml
wrote reel talk/content/reviews/2026-11-20-my-first-review.md
wrote reel talk/content/episodes/2026-11-20-episode-1.md
wrote reel talk/static/cover.png

The example entries are drafts: they are never published until you delete their `draft = true` line.
reel talk/static/cover.png is a placeholder: replace it with your podcast's cover (a square JPEG or PNG, 1400 to 3000 px).

Next:
  cd 'reel talk'
  feedwright new review \"The title of your review\"
  feedwright check
  feedwright build
"
    );
    let site = parent.path().join("reel talk");
    let cover = site.join("static/cover.png");
    assert_eq!(
        feedwright::feed::podcast_rules::check_artwork(&cover),
        Ok(())
    );
    // A real PNG, read by an independent decoder (checksums and all), not only its header.
    let bytes = std::fs::read(&cover).unwrap();
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (1400, 1400));
    assert_eq!(info.color_type, png::ColorType::Rgb);

    let end = run_printed_commands(&stdout(&out), parent.path());
    assert_eq!(end, site);
    let check = feedwright()
        .current_dir(&end)
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(
        stdout(&check),
        "ok: 0 entries in 2 feed(s), no problems\n",
        "{}",
        text(&check)
    );
    assert_eq!(stderr(&check), "");
    let podcast = std::fs::read_to_string(end.join("feeds/podcast.rss")).unwrap();
    assert!(
        podcast.contains("<itunes:image href=\"https://reel.example/films/media/cover.png\"/>"),
        "{podcast}"
    );
    assert!(
        podcast.contains("<title>Reel &quot;Talk&quot;: the podcast</title>"),
        "{podcast}"
    );
    let feed = parse_feed(&end.join("feeds/podcast.rss"));
    assert_eq!(feed.title.unwrap().content, "Reel \"Talk\": the podcast");
    let reviews = parse_feed(&end.join("feeds/reviews.rss"));
    assert_eq!(
        reviews.entries.len(),
        0,
        "the review `new` wrote is a draft"
    );
}

#[test]
fn init_refuses_to_overwrite_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "# mine\n").unwrap();
    let out = run_in(dir.path(), &["init", "--podcast"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "error: config.toml already exists; feedwright init never overwrites a file, so it wrote nothing
hint: start the site in a new or empty folder (`feedwright init FOLDER`), or edit the existing config.toml
"
    );
    assert_eq!(stdout(&out), "");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("config.toml")).unwrap(),
        "# mine\n"
    );
    assert!(!dir.path().join("content").exists());
    assert!(!dir.path().join("static").exists());

    // Any one of its files is enough, and every one that exists is named.
    let other = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(other.path().join("static")).unwrap();
    std::fs::write(other.path().join("static/cover.png"), "my cover").unwrap();
    let out = run_in(other.path(), &["init", "--podcast"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).starts_with("error: static/cover.png already exists;"),
        "{}",
        text(&out)
    );
    assert!(!other.path().join("config.toml").exists());
    assert_eq!(
        std::fs::read(other.path().join("static/cover.png")).unwrap(),
        b"my cover"
    );
}

#[test]
fn init_with_an_unusable_url_is_a_wrong_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["init", "--url", "example.com"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "error: --url `example.com` is not an absolute http(s) URL
hint: give the site's address with its scheme, like --url https://example.com/
"
    );
    assert!(!dir.path().join("config.toml").exists());
}

#[test]
fn a_missing_config_points_at_init() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "error: config.toml: cannot read the config file: No such file or directory (os error 2) (run `feedwright init` to start a site here, or pass --config PATH or set FEEDWRIGHT_CONFIG)\n"
    );
}

#[test]
fn new_txt_writes_header_lines_and_builds() {
    let site = Site::new();
    let out = site.run(&["new", "review", "Heat: “again”", "--txt"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stdout(&out), "content/reviews/2026-11-20-heat-again.txt\n");
    assert_eq!(
        stderr(&out),
        "note: content/reviews/2026-11-20-heat-again.txt is a draft: delete its `Draft: true` line when it is ready to publish\n"
    );
    let path = "content/reviews/2026-11-20-heat-again.txt";
    // NOW is 09:00 UTC; the test site's timezone is Europe/Paris.
    assert_eq!(
        site.read(path),
        "Title: Heat: “again”\nDate: 2026-11-20 10:00\nDraft: true\n\nWrite here.\n"
    );
    site.ok(&["build"]);
    assert_eq!(site.rss("reviews").entries.len(), 0, "a draft");
    site.write(path, &site.read(path).replace("Draft: true\n", ""));
    site.ok(&["build"]);
    let feed = site.rss("reviews");
    assert_eq!(
        feed.entries[0].title.as_ref().unwrap().content,
        "Heat: “again”"
    );
}

/// A column pasted into a file, one paragraph per line, as editors that wrap on screen save it.
const PASTED: &str = "It’s a film that knows exactly what it is.\r\nThe plot… well, there is one.\r\nKeanu is not in it much, and that is fine.\r\nGo and see it.\r\n";

fn body_of(site: &Site) -> String {
    let feed = site.rss("reviews");
    let entry = &feed.entries[0];
    entry.content.as_ref().unwrap().body.clone().unwrap()
}

#[test]
fn new_from_keeps_the_paragraphs_of_a_markdown_paste() {
    let site = Site::new();
    site.write(
        "paste/the-night-porter.txt",
        "\u{feff}\n\nFirst paragraph, *still* Markdown.\n\nSecond paragraph.\n\nThird.\n",
    );
    let out = site.run(&["new", "review", "--from", "paste/the-night-porter.txt"]);
    assert!(out.status.success(), "{}", text(&out));
    let path = "content/reviews/2026-11-20-the-night-porter.md";
    assert_eq!(stdout(&out), format!("{path}\n"));
    assert!(!stderr(&out).contains("warning"), "{}", text(&out));
    let entry = site.read(path);
    assert!(
        entry.starts_with("+++\ntitle = \"The night porter\"\n"),
        "{entry}"
    );
    assert!(
        entry.ends_with(
            "+++\n\nFirst paragraph, *still* Markdown.\n\nSecond paragraph.\n\nThird.\n"
        ),
        "{entry}"
    );
    site.write(path, &entry.replace("draft = true\n", ""));
    site.ok(&["build"]);
    assert_eq!(
        body_of(&site),
        "<p>First paragraph, <em>still</em> Markdown.</p>\n<p>Second paragraph.</p>\n<p>Third.</p>\n"
    );
    // --title wins over the file name; the pasted file is left as it was.
    let out = site.run(&[
        "new",
        "review",
        "--from",
        "paste/the-night-porter.txt",
        "--title",
        "Porter",
    ]);
    assert_eq!(
        stdout(&out),
        "content/reviews/2026-11-20-porter.md\n",
        "{}",
        text(&out)
    );
    assert!(
        site.read("paste/the-night-porter.txt")
            .starts_with('\u{feff}')
    );
}

#[test]
fn new_from_warns_when_markdown_would_join_pasted_lines() {
    let site = Site::new();
    site.write("paste.txt", PASTED);
    let out = site.run(&["new", "review", "Porter", "--from", "paste.txt"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "warning: content/reviews/2026-11-20-porter.md:11: the pasted text has 4 lines and no blank line between them, so Markdown joins them into one paragraph; put a blank line between paragraphs, or write the entry as plain text with --txt, where every line is a paragraph
note: content/reviews/2026-11-20-porter.md is a draft: delete its `draft = true` line when it is ready to publish
"
    );
    // Line 11 is where the pasted text starts.
    let entry = site.read("content/reviews/2026-11-20-porter.md");
    assert_eq!(
        entry.lines().nth(10),
        Some("It’s a film that knows exactly what it is.")
    );
    // The fix the warning gives: as plain text, every line is a paragraph.
    let out = site.run(&["new", "review", "Porter", "--from", "paste.txt", "--txt"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!stderr(&out).contains("warning"), "{}", text(&out));
    site.remove("content/reviews/2026-11-20-porter.md");
    let path = "content/reviews/2026-11-20-porter.txt";
    assert_eq!(
        site.read(path),
        "Title: Porter\nDate: 2026-11-20 10:00\nDraft: true\n\nIt’s a film that knows exactly what it is.\nThe plot… well, there is one.\nKeanu is not in it much, and that is fine.\nGo and see it.\n"
    );
    site.write(path, &site.read(path).replace("Draft: true\n", ""));
    site.ok(&["build"]);
    assert_eq!(body_of(&site).matches("<p>").count(), 4);
}

#[test]
fn new_from_txt_warns_when_plain_text_would_cut_wrapped_paragraphs() {
    let site = Site::new();
    site.write(
        "wrapped.txt",
        "It is a film that knows exactly what it is, and that is both\nits charm and its limit.\n\nGo and see it on the biggest screen you can find, with\nfriends who like noise.\n",
    );
    let out = site.run(&["new", "review", "Wrapped", "--from", "wrapped.txt", "--txt"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).starts_with("warning: content/reviews/2026-11-20-wrapped.txt:5: the pasted paragraphs are wrapped inside sentences, and in a plain-text entry every line is a paragraph of its own; join each paragraph's lines into one, or write the entry as Markdown (leave out --txt), which joins them\n"),
        "{}",
        text(&out)
    );
}

#[test]
fn new_in_an_unknown_feed_is_a_wrong_command_line_with_a_hint() {
    let site = Site::new();
    let out = site.run(&["new", "reveiws", "Heat"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "error: no feed named `reveiws` in config.toml; the feeds are: reviews\nhint: did you mean `reviews`?\n"
    );
    // The singular form is matched too, and suggested as typed.
    let out = site.run(&["new", "reveiw", "Heat"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).ends_with("hint: did you mean `review`?\n"),
        "{}",
        text(&out)
    );
    // Nothing close: no guess.
    let out = site.run(&["new", "podcast", "Heat"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "error: no feed named `podcast` in config.toml; the feeds are: reviews\n"
    );
    assert!(!site.path("content/reviews/2026-11-20-heat.md").exists());
}

#[test]
fn new_never_overwrites() {
    let site = Site::new();
    site.ok(&["new", "review", "Heat"]);
    let path = "content/reviews/2026-11-20-heat.md";
    site.write(path, "mine");
    let out = site.run(&["new", "review", "Heat"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "error: {path} already exists\nhint: feedwright never overwrites a file: rename or move it first, or pick another title\n"
        )
    );
    assert_eq!(site.read(path), "mine");
}

#[test]
fn completions_for_every_shell_name_the_commands() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = feedwright().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}: {}", text(&out));
        let script = stdout(&out);
        for word in ["init", "adopt-ids", "completions", "keep-going", "podcast"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let bash = feedwright().args(["completions", "bash"]).output().unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(&bash.stdout)?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(check.status.success(), "bash -n: {}", text(&check));
    let out = feedwright().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// True when `program` can be run; otherwise says so loudly, and fails when `require` is set
/// (as .ci/run sets it), so a CI without the tool cannot pass silently.
fn have(program: &str, require: &str) -> bool {
    let found = std::process::Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os(require).is_none(),
            "{require} is set but `{program}` cannot run"
        );
        eprintln!("SKIPPED: `{program}` is not installed (apt-get install man-db)");
    }
    found
}

#[test]
fn man_pages_render_with_man() {
    let page = feedwright().arg("man").output().unwrap();
    assert!(page.status.success(), "{}", text(&page));
    let roff = stdout(&page);
    assert!(roff.starts_with(".ie \\n(.g .ds Aq"), "{roff}");
    let build = feedwright().args(["man", "build"]).output().unwrap();
    assert!(
        stdout(&build).contains(".TH feedwright-build 1"),
        "{}",
        text(&build)
    );
    let typo = feedwright().args(["man", "buidl"]).output().unwrap();
    assert_eq!(typo.status.code(), Some(2), "{}", text(&typo));
    assert!(stderr(&typo).ends_with("hint: did you mean `feedwright man build`?\n"));
    if !have("man", "FEEDWRIGHT_REQUIRE_MAN") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("feedwright.1");
    std::fs::write(&file, &page.stdout).unwrap();
    let shown = std::process::Command::new("man")
        .arg("-l")
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap();
    assert!(shown.status.success(), "{}", text(&shown));
    assert_eq!(stderr(&shown), "", "man warns about the page");
    let shown = stdout(&shown);
    for words in [
        "NAME\n       feedwright",
        "Publish RSS 2.0 and Atom 1.0 feeds",
        "feedwright-init(1)",
        "feedwright-completions(1)",
        "FEEDWRIGHT_CONFIG",
        "Exit codes: 0 success",
    ] {
        assert!(shown.contains(words), "the page lacks `{words}`:\n{shown}");
    }
}

/// A failing command's stderr, with `env` set and `args` before the command.
fn unknown_feed_stderr(site: &Site, env: &[(&str, &str)], args: &[&str]) -> String {
    let mut cmd = feedwright();
    cmd.current_dir(site.dir.path())
        .args(args)
        .args(["new", "reveiws", "x"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    stderr(&out)
}

const PLAIN: &str = "error: no feed named `reveiws` in config.toml; the feeds are: reviews\nhint: did you mean `reviews`?\n";

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let site = Site::new();
    // Piped: plain, whatever the terminal type.
    assert_eq!(unknown_feed_stderr(&site, &[("TERM", "xterm")], &[]), PLAIN);
    assert_eq!(
        unknown_feed_stderr(&site, &[], &["--color", "never"]),
        PLAIN
    );
    assert_eq!(
        unknown_feed_stderr(&site, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], &[]),
        PLAIN
    );
    let coloured = unknown_feed_stderr(&site, &[("NO_COLOR", "1")], &["--color", "always"]);
    assert_eq!(
        coloured,
        "\x1b[1m\x1b[31merror:\x1b[0m no feed named `reveiws` in config.toml; the feeds are: reviews\n\x1b[1m\x1b[36mhint:\x1b[0m did you mean `reviews`?\n"
    );
    // Warnings are yellow, notes cyan; only the label changes.
    site.write("paste.txt", PASTED);
    let out = feedwright()
        .current_dir(site.dir.path())
        .args([
            "--color",
            "always",
            "new",
            "review",
            "P",
            "--from",
            "paste.txt",
        ])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(
        err.starts_with("\x1b[1m\x1b[33mwarning:\x1b[0m content/reviews/"),
        "{err:?}"
    );
    assert!(
        err.contains("\n\x1b[1m\x1b[36mnote:\x1b[0m content/reviews/"),
        "{err:?}"
    );
    assert!(!stdout(&out).contains('\x1b'), "stdout stays plain");
}

/// On a real terminal (a pseudo-terminal from `script`), `auto` colours; `NO_COLOR` and
/// `--color never` do not, for our messages and for clap's own usage errors alike.
#[test]
fn colour_on_a_terminal_unless_no_color() {
    if !have("script", "FEEDWRIGHT_REQUIRE_SCRIPT") {
        return;
    }
    let site = Site::new();
    let on_tty = |no_color: bool, args: &str| {
        let command = format!("'{}' {args}", env!("CARGO_BIN_EXE_feedwright"));
        let mut cmd = std::process::Command::new("script");
        cmd.current_dir(site.dir.path())
            .args(["-qec", &command, "/dev/null"])
            .env("TERM", "xterm")
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("FEEDWRIGHT_CONFIG");
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let out = cmd.output().unwrap();
        String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
    };
    let coloured = on_tty(false, "new reveiws x");
    assert!(
        coloured.contains("\x1b[1m\x1b[31merror:\x1b[0m no feed named"),
        "{coloured:?}"
    );
    assert_eq!(on_tty(true, "new reveiws x"), PLAIN);
    assert_eq!(on_tty(false, "--color never new reveiws x"), PLAIN);
    assert!(on_tty(false, "biuld").contains('\x1b'));
    let clap_plain = on_tty(false, "--color=never biuld");
    assert!(
        clap_plain.starts_with("error: unrecognized subcommand 'biuld'\n"),
        "{clap_plain:?}"
    );
}

#[test]
fn clap_usage_errors_follow_color_too() {
    let out = feedwright()
        .args(["--color", "always", "biuld"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(stderr(&out).contains("\x1b["), "{}", text(&out));
    let out = feedwright().args(["biuld"]).output().unwrap();
    assert!(!stderr(&out).contains('\x1b'), "{}", text(&out));
}

/// On a terminal, init asks for the title and the address; given either option, it asks
/// nothing (a script in a terminal must not hang on a question).
#[test]
fn init_asks_only_a_person_at_a_terminal_who_gave_no_options() {
    if !have("script", "FEEDWRIGHT_REQUIRE_SCRIPT") {
        return;
    }
    let parent = tempfile::tempdir().unwrap();
    let on_tty = |args: &str, input: &str| {
        let command = format!("'{}' --now {NOW} {args}", env!("CARGO_BIN_EXE_feedwright"));
        let mut child = std::process::Command::new("script")
            .current_dir(parent.path())
            .args(["-qec", &command, "/dev/null"])
            .env("TERM", "dumb")
            .env_remove("FEEDWRIGHT_CONFIG")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
    };
    let shown = on_tty(
        "init asked",
        "Reel Site\nnot a url\nhttps://reel.example/blog\n",
    );
    assert!(shown.contains("Site title [My Film Reviews]: "), "{shown}");
    assert!(
        shown.contains(
            "`not a url` is not an absolute http(s) URL; type it like https://example.com/\n"
        ),
        "{shown}"
    );
    let config = std::fs::read_to_string(parent.path().join("asked/config.toml")).unwrap();
    assert!(config.contains("\ntitle = \"Reel Site\"\n"), "{config}");
    assert!(
        config.contains("\nbase_url = \"https://reel.example/blog/\"\n"),
        "{config}"
    );

    let shown = on_tty("init given --url https://reel.example/", "");
    assert!(!shown.contains("Site "), "{shown}");
    let config = std::fs::read_to_string(parent.path().join("given/config.toml")).unwrap();
    assert!(
        config.contains("\ntitle = \"My Film Reviews\"\n"),
        "{config}"
    );
}
