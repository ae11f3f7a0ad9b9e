//! CLI tests for unattended operation (issue 6): the run lock, quiet output, --keep-going,
//! a kill at any moment, a full disk, and hostile input that must never panic or hang.

use crate::common;

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use common::{Site, review, stderr, text};

fn bin() -> Command {
    Command::cargo_bin("feedwright").unwrap()
}

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".feedwright-") && n.ends_with(".tmp"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_second_run_while_one_holds_the_lock_exits_6_at_once() {
    let site = Site::new();
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "x"));
    let lock: File = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(site.path(".feedwright.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let err = site.fails(6, &["build"]);
    assert!(
        err.contains("another feedwright run is working on this site"),
        "{err}"
    );
    assert!(!site.path("feeds").exists());
    drop(lock);
    // A lock file left behind by a dead process blocks nothing: the kernel lock went with it.
    site.ok(&["build"]);
}

#[test]
fn quiet_hides_progress_but_never_a_warning() {
    let site = Site::new();
    site.write("content/reviews/a.md", &review("Fine", "2026-01-01", "x"));
    let out = site.run(&["--quiet", "build"]);
    assert!(out.status.success());
    assert_eq!(out.stdout, b"", "{}", text(&out));
    assert_eq!(out.stderr, b"", "{}", text(&out));
    // Issue 13: a warning says the feed differs from the content (here a character dropped);
    // cron must mail it, so --quiet does not hide it.
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"Bell\u{7}\"\ndate = 2026-01-01\n+++\nx\n",
    );
    let out = site.run(&["--quiet", "build"]);
    assert!(out.status.success());
    assert_eq!(out.stdout, b"", "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("warning: content/reviews/a.md:2: dropped 1 character XML 1.0"),
        "{stderr}"
    );
    site.write("content/reviews/b.md", "+++\n+++\n");
    let err = site.fails(1, &["-q", "build"]);
    assert!(err.contains("b.md:1: no title"), "{err}");
}

#[test]
fn keep_going_publishes_the_valid_entries_and_still_fails() {
    let site = Site::new();
    site.write(
        "content/reviews/good.md",
        &review("Good", "2026-01-01", "x"),
    );
    site.write(
        "content/reviews/broken.md",
        "+++\ntitle = \"x\"\ndate = \"whenever\"\n+++\n",
    );
    site.fails(1, &["build"]);
    assert!(
        !site.path("feeds/reviews.rss").exists(),
        "all-or-nothing by default"
    );

    let err = site.fails(1, &["build", "--keep-going"]);
    assert!(
        err.contains("broken.md:3: date `whenever` is not a date"),
        "{err}"
    );
    assert!(
        err.contains("--keep-going published every valid entry"),
        "{err}"
    );
    let titles: Vec<_> = site
        .rss("reviews")
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert_eq!(titles, ["Good"]);
    // The content cache is not kept after a build that skipped an entry, and its side file,
    // begun while the sources were read, leaves no temp file behind.
    let left: Vec<_> = std::fs::read_dir(site.path("."))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

fn big_site(n: usize, marker: &str) -> Site {
    let site = Site::with_config(&common::CONFIG.replace("link = ", "limit = 0\nlink = "));
    let body = format!("{marker} ").repeat(300);
    for i in 0..n {
        site.write(
            &format!("content/reviews/r{i:05}.md"),
            &review(
                &format!("Review {i}"),
                &format!("2026-01-01 {:02}:{:02}", (i / 60) % 24, i % 60),
                &body,
            ),
        );
    }
    site
}

#[test]
fn killing_a_build_at_any_moment_leaves_old_or_new_feeds_never_half() {
    let site = big_site(1500, "old");
    site.ok(&["build"]);
    let old_rss = site.read("feeds/reviews.rss");
    let exe = assert_cmd::cargo::cargo_bin("feedwright");
    for (round, delay_ms) in [5u64, 40, 120, 250, 400].into_iter().enumerate() {
        // Change every entry so the build has a lot to write.
        let marker = format!("new{round}");
        for i in (0..1500).step_by(1) {
            let p = format!("content/reviews/r{i:05}.md");
            let text = site
                .read(&p)
                .replace(
                    &format!("new{} ", round.wrapping_sub(1)),
                    &format!("{marker} "),
                )
                .replace("old ", &format!("{marker} "));
            site.write(&p, &text);
        }
        let mut child = StdCommand::new(&exe)
            .current_dir(site.dir.path())
            .args(["--now", common::NOW, "--quiet", "build"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        for name in ["reviews.rss", "reviews.atom"] {
            let feed = common::parse_feed(&site.path(&format!("feeds/{name}")));
            assert_eq!(
                feed.entries.len(),
                1500,
                "{name} after a kill at {delay_ms} ms"
            );
        }
        // The state file is old or new, never torn: `check` reads it.
        site.ok(&["check"]);
    }
    // The next run finishes the job and sweeps any temp file the kills left.
    site.ok(&["build"]);
    assert!(temp_files(&site.path("feeds")).is_empty());
    assert!(temp_files(site.dir.path()).is_empty());
    assert_ne!(site.read("feeds/reviews.rss"), old_rss);
    assert!(site.read("feeds/reviews.rss").contains("new4 "));
}

/// Mounts a tmpfs of `kib` KiB at `dir`; false where this machine does not allow it.
fn mount_tmpfs(dir: &Path, kib: u32) -> bool {
    std::fs::create_dir_all(dir).unwrap();
    StdCommand::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
        .arg(dir)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_full_disk_is_a_clear_error_and_the_old_feeds_stay() {
    let site = big_site(3, "small");
    let feeds = site.path("feeds");
    // A real 64 KiB tmpfs where the machine allows mounting (root); else a simulated full disk.
    let mounted = mount_tmpfs(&feeds, 64);
    if !mounted {
        eprintln!(
            "NOTE: cannot mount a tmpfs here; simulating a full disk with FEEDWRIGHT_TEST_DISK_FULL"
        );
    }
    site.ok(&["build"]);
    let old_rss = site.read("feeds/reviews.rss");
    let old_atom = site.read("feeds/reviews.atom");
    // Now make the feeds far larger than the disk.
    for i in 0..3 {
        site.write(
            &format!("content/reviews/r{i:05}.md"),
            &review(
                &format!("Review {i}"),
                "2026-01-02",
                &"big words ".repeat(20_000),
            ),
        );
    }
    let mut cmd = bin();
    cmd.current_dir(site.dir.path())
        .args(["--now", common::NOW, "build"]);
    if !mounted {
        cmd.env("FEEDWRIGHT_TEST_DISK_FULL", "1");
    }
    let out = cmd.output().unwrap();
    let (after_rss, after_atom) = (
        site.read("feeds/reviews.rss"),
        site.read("feeds/reviews.atom"),
    );
    let leftovers = temp_files(&feeds);
    if mounted {
        let _ = StdCommand::new("umount").arg(&feeds).status();
    }
    assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("No space left on device"), "{err}");
    assert!(err.contains("(the old file is intact)"), "{err}");
    assert!(
        err.ends_with(
            "hint: the disk is full: free some space and run again (the old files are intact)\n"
        ),
        "{err}"
    );
    assert_eq!(after_rss, old_rss, "old feed intact");
    assert_eq!(after_atom, old_atom, "old feed intact");
    assert!(
        leftovers.is_empty(),
        "no half-written temp file: {leftovers:?}"
    );
}

#[cfg(unix)]
#[test]
fn hostile_files_get_clear_messages_never_a_panic_or_hang() {
    let site = Site::new();
    site.write(
        "content/reviews/good.md",
        &review("Good", "2026-01-01", "x"),
    );
    // Symlink loop, a FIFO (reading it would block forever), deep nesting.
    std::fs::create_dir_all(site.path("content/reviews/loop")).unwrap();
    std::os::unix::fs::symlink(
        site.path("content/reviews"),
        site.path("content/reviews/loop/again"),
    )
    .unwrap();
    let fifo = site.path("content/reviews/pipe.md");
    assert!(
        StdCommand::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut deep = String::from("content/reviews");
    for i in 0..120 {
        deep.push_str(&format!("/d{i}"));
    }
    site.write(
        &format!("{deep}/deep.md"),
        &review("Deep", "2026-01-02", "x"),
    );
    site.write(
        "content/reviews/only-front-matter.md",
        "+++\ntitle = \"Just a title\"\ndate = 2026-01-03\n+++\n",
    );
    let out = bin()
        .current_dir(site.dir.path())
        .args(["--now", common::NOW, "build"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("symbolic link loop"), "{err}");
    let titles: Vec<_> = site
        .rss("reviews")
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert_eq!(titles, ["Just a title", "Deep", "Good"]);

    // Binary, empty and huge files are errors that say what is wrong.
    std::fs::write(
        site.path("content/reviews/binary.md"),
        [0u8, 159, 146, 150, 255, 0, 1, 2],
    )
    .unwrap();
    site.write("content/reviews/empty.txt", "");
    let huge = format!(
        "+++\ntitle = \"Huge\"\n+++\n{}",
        "a".repeat(50 * 1024 * 1024)
    );
    site.write("content/reviews/huge.md", &huge);
    let out = bin()
        .current_dir(site.dir.path())
        .args(["--now", common::NOW, "build"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("binary.md:1: not valid UTF-8"), "{err}");
    assert!(err.contains("empty.txt: is empty"), "{err}");
    assert!(err.contains("huge.md: is 50.0 MB"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn feed_names_cannot_escape_the_output_folder() {
    for name in ["../../etc/x", "/abs", "a/b", "ré sumé", ""] {
        let site = Site::with_config(
            &common::CONFIG.replace("name = \"reviews\"", &format!("name = \"{name}\"")),
        );
        let err = site.fails(3, &["build"]);
        assert!(
            err.contains("must be made of ASCII letters, digits"),
            "{err}"
        );
    }
    // Audit: a long name of letters only was told to use letters.
    let long = "r".repeat(300);
    let site = Site::with_config(
        &common::CONFIG.replace("name = \"reviews\"", &format!("name = \"{long}\"")),
    );
    let err = site.fails(3, &["build"]);
    assert!(
        err.contains("is 300 bytes long; 100 at most (it becomes a file name)"),
        "{err}"
    );
}

#[test]
fn progress_shows_on_a_terminal_and_never_when_piped() {
    let site = Site::new();
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "x"));
    let out = site.run(&["build"]);
    assert!(out.status.success());
    assert!(
        !stderr(&out).contains("reading and rendering"),
        "{}",
        text(&out)
    );
    site.write("content/reviews/b.md", &review("B", "2026-01-02", "y"));
    // `script` (util-linux) runs the build on a pseudo-terminal, as a person at a shell would.
    let exe = assert_cmd::cargo::cargo_bin("feedwright");
    let on_tty = StdCommand::new("script")
        .current_dir(site.dir.path())
        .args([
            "-qfec",
            &format!("{} --now {} build", exe.display(), common::NOW),
            "/dev/null",
        ])
        .output();
    let Ok(on_tty) = on_tty else {
        eprintln!("SKIPPED: no `script` command to give the build a terminal");
        return;
    };
    assert!(on_tty.status.success(), "{}", text(&on_tty));
    let screen = String::from_utf8_lossy(&on_tty.stdout);
    assert!(
        screen.contains("reading and rendering the feeds"),
        "{screen}"
    );
    assert!(screen.contains("wrote feeds/reviews.rss"), "{screen}");
}

/// One build run with a clock that was ahead (a bad real-time clock, a restored VM) dated an
/// undated entry in 2030: every later build was refused (exit 4), and `--allow-drop` got one
/// run through, not the next. Accepted once, the clock is put right for good.
#[test]
fn a_clock_that_was_ahead_is_refused_then_put_right_once_by_allow_drop() {
    let site = Site::new();
    site.write("content/reviews/a.md", "+++\ntitle = \"Undated\"\n+++\nx\n");
    // Dated by its key: its date is the file's, and does not move (it was said to).
    site.write(
        "content/reviews/b.md",
        &common::review("Dated", "2029-06-01", "y"),
    );
    site.ok_at("2030-01-01T00:00:00Z", &["--quiet", "build"]);
    let out = site.run_at("2026-03-01T00:00:00Z", &["--quiet", "build"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "error: refusing to build: the clock says 2026-03-01T00:00:00+00:00, earlier than 2030-01-01T00:00:00+00:00, when the state file feedwright-state.toml recorded an entry as first seen or changed\n  \
         entries published since would look dated in the future and leave the feeds\n\
         nothing was written or pushed. Fix the system clock (a machine that has not synced its time yet?); if the time is right, run again with --allow-drop (once: the times recorded later than now are then set to now)\n"
    );
    // Audit: the entry whose date moved was not named, and `--quiet` said nothing.
    let out = site.run_at(
        "2026-03-01T00:00:00Z",
        &["--quiet", "build", "--allow-drop"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "warning: content/reviews/a.md: was dated 2030-01-01T00:00:00+00:00 by a build whose clock was ahead; with the clock taken as right (--allow-drop) it is dated 2026-03-01T00:00:00+00:00: readers may show it again\n\
         warning: content/reviews/b.md: is dated 2029-06-01T00:00:00+02:00, later than now, but a build published it already: it stays in the feeds, readers have it (a date moved forward on purpose cannot hold it back; otherwise, is the system clock behind?)\n"
    );
    // Put right once: only the entry dated by its key is said (it stays, as it was).
    let out = site.run_at("2026-03-01T00:10:00Z", &["--quiet", "build"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(stderr(&out).starts_with("warning: content/reviews/b.md: is dated 2029-06-01"));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", text(&out));
    let rss = site.read("feeds/reviews.rss");
    assert!(
        rss.contains("<pubDate>Sun, 01 Mar 2026 01:00:00 +0100</pubDate>"),
        "{rss}"
    );
    assert!(!rss.contains("2030"), "{rss}");
}

/// A clock stepped back a few minutes (an NTP correction) is within the clock guard's slack:
/// an entry already published, dated between then and now, looked scheduled and left every
/// feed silently. It stays, with a warning that `--quiet` shows.
#[test]
fn a_clock_stepped_back_a_little_keeps_published_entries() {
    let site = Site::new();
    site.write(
        "content/reviews/late.md",
        &review("Late", "2026-02-04T00:05:00Z", "x"),
    );
    site.ok_at("2026-02-04T00:10:00Z", &["--quiet", "build"]);
    let before = site.read("feeds/reviews.rss");
    assert!(before.contains("<title>Late</title>"), "{before}");
    let out = site.run_at("2026-02-04T00:01:00Z", &["--quiet", "build"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "warning: content/reviews/late.md: is dated 2026-02-04T00:05:00+00:00, later than now, but a build published it already: it stays in the feeds, readers have it (a date moved forward on purpose cannot hold it back; otherwise, is the system clock behind?)\n"
    );
    assert_eq!(site.read("feeds/reviews.rss"), before);
    // An entry never published and dated later than now is still a scheduled one.
    site.write(
        "content/reviews/soon.md",
        &review("Soon", "2026-02-04T00:30:00Z", "x"),
    );
    site.ok_at("2026-02-04T00:02:00Z", &["--quiet", "build"]);
    assert!(!site.read("feeds/reviews.rss").contains("Soon"));
}

/// Audit: an entry without a date (dated when first seen) published by a build whose clock
/// was a few minutes later stayed in the feeds without the warning the README promises.
#[test]
fn a_clock_stepped_back_a_little_says_entries_dated_by_first_sight_stay() {
    let site = Site::new();
    site.write("content/reviews/a.txt", "A first paragraph.\n");
    site.write("content/reviews/b.txt", "Another one.\n");
    site.ok_at("2026-02-04T00:10:00Z", &["--quiet", "build"]);
    let before = site.read("feeds/reviews.rss");
    let out = site.run_at("2026-02-04T00:01:00Z", &["--quiet", "build", "--no-cache"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "warning: content/reviews/a.txt: was first seen at 2026-02-04T00:10:00+00:00, later than now (and 1 other entry): published then, it stays in the feeds with that date (is the system clock behind?)\n"
    );
    assert_eq!(site.read("feeds/reviews.rss"), before);
    // Regression hunt: every cached run repeated it, after that time too. Said until then.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = site.run_at("2026-02-04T00:05:00Z", &["--quiet", "build"]);
    assert!(stderr(&out).contains("was first seen at"), "{}", text(&out));
    for now in [
        "2026-02-04T00:10:00Z",
        "2026-02-04T00:11:00Z",
        "2026-02-05T00:00:00Z",
    ] {
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let out = site.run_at(now, &["--quiet", "build"]);
        assert!(out.status.success(), "{}", text(&out));
        assert_eq!(stderr(&out), "", "{now}");
    }
    assert_eq!(site.read("feeds/reviews.rss"), before);
}

/// Audit: `build`, `check` and `push --dry-run` with standard output on a full disk lost what
/// they said and exited 0 (`completions` said it, exit 7); a reader that stops early (`| head`)
/// is no failure.
#[cfg(target_os = "linux")]
#[test]
fn output_lost_to_a_full_disk_is_exit_7_and_a_closed_pipe_is_not() {
    let site = Site::new();
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "x"));
    let run = |args: &[&str], stdout: Stdio| {
        StdCommand::new(assert_cmd::cargo::cargo_bin!("feedwright"))
            .current_dir(site.dir.path())
            .args(["--now", common::NOW])
            .args(args)
            .stdout(stdout)
            .stderr(Stdio::piped())
            .output()
            .unwrap()
    };
    for args in [&["build"][..], &["check"]] {
        let full = File::create("/dev/full").unwrap();
        let out = run(args, Stdio::from(full));
        assert_eq!(out.status.code(), Some(7), "{args:?}: {}", text(&out));
        assert_eq!(
            stderr(&out),
            "error: <stdout>: writing what the command says: No space left on device (os error 28)\nhint: the command's work is done: only what it printed was lost; free some space where its output goes\n"
        );
    }
    // Help and the version too (clap printed them and exited 0 whatever became of them).
    for args in [&["--help"][..], &["--version"]] {
        let out = run(args, Stdio::from(File::create("/dev/full").unwrap()));
        assert_eq!(out.status.code(), Some(7), "{args:?}: {}", text(&out));
        assert_eq!(
            stderr(&out),
            "error: <stdout>: writing: No space left on device (os error 28)\n"
        );
    }
    // A pipe whose reader is gone: the build's lines go nowhere, and that is what was wanted.
    std::fs::remove_dir_all(site.path("feeds")).unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = run(&["build"], Stdio::from(writer));
    assert!(out.status.success(), "{}", text(&out));
    assert!(site.path("feeds/reviews.rss").exists());
}

/// `feedwright --now NOW build` in the site, as uid/gid 65534 with the extra group 33 (the
/// way cron runs it as another user); `None` where this machine cannot switch users.
fn build_as_nobody(site: &Site) -> Option<std::process::Output> {
    let bin = assert_cmd::cargo::cargo_bin("feedwright");
    StdCommand::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--groups=33", "--"])
        .arg(bin)
        .args(["--now", common::NOW, "build"])
        .current_dir(site.dir.path())
        .env_remove("FEEDWRIGHT_CONFIG")
        .output()
        .ok()
        .filter(|o| !stderr(o).starts_with("setpriv"))
}

fn owner(path: &Path) -> (u32, u32) {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).unwrap();
    (m.uid(), m.gid())
}

/// Audit: a replaced feed kept its mode but took the runner's group (and as root, owner), so
/// a web server reading `-rw-r----- editor:www-data` files lost them, silently.
#[test]
fn a_replaced_feed_keeps_its_owner_and_group() {
    use std::os::unix::fs::{PermissionsExt, chown};
    let site = Site::new();
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "x"));
    site.ok(&["build"]);
    let rss = site.path("feeds/reviews.rss");
    // As root (this test's usual case), a file of another user is replaced as theirs.
    if chown(&rss, Some(65534), Some(65534)).is_err() {
        eprintln!("NOTE: not root here: owners cannot be set up; skipped");
        return;
    }
    site.write("content/reviews/b.md", &review("B", "2026-01-02", "x"));
    site.ok(&["build"]);
    assert!(site.read("feeds/reviews.rss").contains("<title>B</title>"));
    assert_eq!(owner(&rss), (65534, 65534));
    // As a user in the file's group, the group is kept.
    let chmod = |p: &Path, mode| std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
    for entry in walkdir(site.dir.path()) {
        chown(&entry, Some(65534), Some(65534)).unwrap();
    }
    chmod(site.dir.path(), 0o755).unwrap();
    chown(&rss, None, Some(33)).unwrap();
    chmod(&rss, 0o640).unwrap();
    site.write("content/reviews/c.md", &review("C", "2026-01-03", "x"));
    chown(site.path("content/reviews/c.md"), Some(65534), Some(65534)).unwrap();
    let Some(out) = build_as_nobody(&site) else {
        eprintln!("NOTE: setpriv cannot switch users here; skipped");
        return;
    };
    assert!(out.status.success(), "{}", text(&out));
    assert!(site.read("feeds/reviews.rss").contains("<title>C</title>"));
    assert_eq!(owner(&rss), (65534, 33));
    assert_eq!(
        std::fs::metadata(&rss).unwrap().permissions().mode() & 0o777,
        0o640
    );
    // A group the user is not in, which alone may read it: refused, the old file kept.
    chown(&rss, None, Some(44)).unwrap();
    let before = site.read("feeds/reviews.rss");
    site.write("content/reviews/d.md", &review("D", "2026-01-04", "x"));
    chown(site.path("content/reviews/d.md"), Some(65534), Some(65534)).unwrap();
    let out = build_as_nobody(&site).unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    assert!(
        stderr(&out).contains("feeds/reviews.rss: replacing (the old file is intact): only its group (gid 44) may read it, and this user is not in that group"),
        "{}",
        stderr(&out)
    );
    assert_eq!(site.read("feeds/reviews.rss"), before);
    assert_eq!(owner(&rss), (65534, 44));
}

/// Every file and folder under `dir`.
fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    let mut at = 0;
    while at < out.len() {
        if out[at].is_dir() {
            for e in std::fs::read_dir(&out[at]).unwrap() {
                out.push(e.unwrap().path());
            }
        }
        at += 1;
    }
    out
}

/// Regression hunt: a feed a web server read through an access control list (`setfacl -m
/// g:www-data:r`) was replaced without it, and the server lost it, silently.
#[test]
fn a_replaced_feed_keeps_its_access_control_list() {
    let site = Site::new();
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "x"));
    site.ok(&["build"]);
    let rss = site.path("feeds/reviews.rss");
    let set = StdCommand::new("setfacl")
        .args(["-m", "g:33:r,o::-"])
        .arg(&rss)
        .output();
    if !set.as_ref().is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var_os("FEEDWRIGHT_REQUIRE_ACL").is_none(),
            "setfacl is needed here: {set:?}"
        );
        eprintln!("NOTE: no setfacl (package acl) or no ACLs on this file system; skipped");
        return;
    }
    let acl = || {
        let out = StdCommand::new("getfacl")
            .args(["-n", "-c"])
            .arg(&rss)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let before = acl();
    assert!(before.contains("group:33:r--"), "{before}");
    site.write("content/reviews/b.md", &review("B", "2026-01-02", "x"));
    site.ok(&["build"]);
    assert!(site.read("feeds/reviews.rss").contains("<title>B</title>"));
    assert_eq!(acl(), before);
}
