//! Shell completions, the manual page and coloured diagnostics.

use super::*;

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

#[test]
fn man_pages_render_with_man() {
    let page = feedwright().arg("man").output().unwrap();
    assert!(page.status.success(), "{}", text(&page));
    let roff = stdout(&page);
    assert!(roff.starts_with(".ie \\n(.g .ds Aq"), "{roff}");
    let build = feedwright().args(["man", "build"]).output().unwrap();
    assert!(
        // Audit: the footer said `build `; it names the program and its version.
        stdout(&build).contains(&format!(
            ".TH feedwright-build 1  \"feedwright {}\"",
            env!("CARGO_PKG_VERSION")
        )),
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
    assert!(shown.contains("NAME\n       feedwright"), "{shown}");
    // Justified text: words are compared with runs of spaces and line breaks as one space.
    let words_only = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    for words in [
        "feedwright - Publish RSS 2.0, Atom 1.0 and JSON Feed feeds",
        "feedwright-init(1)",
        "feedwright-completions(1)",
        "FEEDWRIGHT_CONFIG",
        "Exit codes: 0 success",
    ] {
        assert!(
            words_only.contains(words),
            "the page lacks `{words}`:\n{shown}"
        );
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
