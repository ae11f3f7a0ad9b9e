//! A newcomer's first minutes (issue #18): `init`, `new --txt` / `--from`, a mistyped feed,
//! shell completions, the man page and coloured diagnostics. Every test runs the real binary.

use crate::common;
#[path = "newcomer/new_entry.rs"]
mod new_entry;
#[path = "newcomer/shell.rs"]
mod shell;

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
        eprintln!(
            "SKIPPED: `{program}` is not installed (Debian: man-db for man, bsdutils for script)"
        );
    }
    found
}

/// A column pasted into a file, one paragraph per line, as editors that wrap on screen save it.
const PASTED: &str = "It’s a film that knows exactly what it is.\r\nThe plot… well, there is one.\r\nKeanu is not in it much, and that is fine.\r\nGo and see it.\r\n";

#[test]
fn init_prints_what_it_wrote_and_the_next_three_commands() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["init"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stdout(&out),
        "wrote config.toml
wrote content/reviews/2026-11-20-my-first-review.md
wrote .gitignore

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
    let ignore = std::fs::read_to_string(dir.path().join(".gitignore")).unwrap();
    assert_eq!(
        ignore,
        ".feedwright.lock\n.feedwright-state.toml.cache\n.feedwright-state.toml.entries\n.feedwright-state.toml.bodies\n.feedwright-state.toml.written\n"
    );
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
wrote reel talk/.gitignore

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
    assert_eq!(feedwright::verify::podcast::artwork(&cover), Ok(()));
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
    // What the next build would refuse is refused here: a query, an empty title.
    for (args, said) in [
        (
            ["--url", "https://example.com/?utm=1"],
            "error: --url `https://example.com/?utm=1` has a query or a fragment (`?…`, `#…`): give the site's address alone\nhint: give the site's address with its scheme, like --url https://example.com/\n",
        ),
        (
            ["--title", " "],
            "error: --title is empty: feeds and directories show the site's title\nhint: give the title as readers should see it\n",
        ),
    ] {
        let out = run_in(dir.path(), &[&["init"][..], &args[..]].concat());
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert_eq!(stderr(&out), said);
        assert!(!dir.path().join("config.toml").exists());
    }
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

/// A folder that already has its own .gitignore (a fresh git repository): init starts the site
/// there and leaves that file as it is.
#[test]
fn init_keeps_an_existing_gitignore() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".gitignore"), "mine\n").unwrap();
    let out = run_in(dir.path(), &["init"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!stdout(&out).contains(".gitignore"), "{}", stdout(&out));
    let kept = std::fs::read_to_string(dir.path().join(".gitignore")).unwrap();
    assert_eq!(kept, "mine\n");
    // What it lacks is said, so the lock and cache stay out of version control.
    assert!(
        stderr(&out).contains("note: .gitignore is yours and was left as it is: add these lines to it, so that this machine's lock and cache stay out of version control:\n  .feedwright.lock\n  .feedwright-state.toml.cache\n  .feedwright-state.toml.entries\n  .feedwright-state.toml.bodies\n  .feedwright-state.toml.written\n"),
        "{}",
        text(&out)
    );
}

/// A folder of the new site that is a link to elsewhere (`content -> /etc`): init writes
/// nothing there (nor anywhere), as the build would refuse to read it.
#[cfg(unix)]
#[test]
fn init_writes_nothing_through_a_folder_linked_outside_the_site() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("content")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("content/reviews")).unwrap();
    let out = run_in(dir.path(), &["init", "--title", "T"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let real = outside.path().canonicalize().unwrap();
    assert_eq!(
        stderr(&out),
        format!(
            "error: content/reviews really is {}, outside the site's folder: nothing was written there\nhint: move the folder into the site's folder, or name its real folder in [site] extra_roots\n",
            real.display()
        )
    );
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    assert!(!dir.path().join("config.toml").exists());
}

/// Audit: `init afile` said "creating the folder: File exists (os error 17)", exit 7.
#[test]
fn init_in_a_file_says_it_is_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("afile"), "x").unwrap();
    let out = run_in(dir.path(), &["init", "afile"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "error: afile is a file, not a folder\nhint: give init the name of a folder to start the site in (it is made when missing)\n"
    );
}
