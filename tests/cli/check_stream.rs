//! `feedwright check` renders and checks every file like a staging build, a run of items at a
//! time, but keeps none of it: it reports what `build` would (whole messages), writes nothing
//! (no temp file either), and a full feed is never whole in its memory (issue 19).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::SystemTime;

use crate::common::{self, Site, review, stderr, text};

/// Every file and folder under `root` with its length and modification time.
fn listing(root: &Path) -> BTreeMap<String, (u64, Option<SystemTime>)> {
    let mut all = BTreeMap::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let meta = e.metadata().unwrap();
            let name = e.path().strip_prefix(root).unwrap().display().to_string();
            if meta.is_dir() {
                todo.push(e.path());
            }
            all.insert(name, (meta.len(), meta.modified().ok()));
        }
    }
    all
}

/// `check`'s stderr and exit code, asserting that it left every file as it was.
fn check_writes_nothing(site: &Site) -> (Option<i32>, String, String) {
    let before = listing(site.dir.path());
    let out = site.run(&["check"]);
    assert_eq!(
        listing(site.dir.path()),
        before,
        "check wrote, removed or left a file:\n{}",
        text(&out)
    );
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr(&out),
    )
}

#[test]
fn a_clean_site_is_ok_and_check_writes_nothing_before_or_after_a_build() {
    let site = Site::with_config(&format!("{}limit = 0\n", common::CONFIG));
    for i in 1..=3 {
        site.write(
            &format!("content/reviews/r{i}.md"),
            &review(&format!("R{i}"), &format!("2026-01-0{i}"), "Some *words*."),
        );
    }
    let (code, out, err) = check_writes_nothing(&site);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (Some(0), "ok: 3 entries in 1 feed(s), no problems\n", "")
    );
    assert!(!site.path("feeds").exists());

    site.ok(&["build"]);
    let rss = site.read("feeds/reviews.rss");
    // A changed entry: a staging build would write temp files beside the old feeds.
    site.write(
        "content/reviews/r2.md",
        &review("R2", "2026-01-02", "Other words."),
    );
    let (code, out, err) = check_writes_nothing(&site);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (Some(0), "ok: 3 entries in 1 feed(s), no problems\n", "")
    );
    assert_eq!(site.read("feeds/reviews.rss"), rss);
}

#[test]
fn check_reports_an_entry_problem_in_the_words_build_does() {
    let site = Site::new();
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "x"));
    site.ok(&["build"]);
    site.write("content/reviews/b.md", "+++\ntitle = \"\"\n+++\n");
    let (code, out, err) = check_writes_nothing(&site);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(out, "");
    let build = site.run(&["build"]);
    assert_eq!(build.status.code(), Some(1));
    assert_eq!(err, stderr(&build), "the same whole messages as build");
    assert!(err.contains("b.md:2: no title"), "{err}");
}

#[test]
fn check_warns_of_a_feed_over_the_size_budget_in_the_words_build_does() {
    let site = Site::with_config(&common::CONFIG.replace(
        "timezone = \"Europe/Paris\"",
        "timezone = \"Europe/Paris\"\nsize_budget_kb = 1",
    ));
    site.write(
        "content/reviews/long.md",
        &review("Long", "2026-01-01", &"word ".repeat(1000)),
    );
    let (code, out, err) = check_writes_nothing(&site);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "ok: 1 entries in 1 feed(s), no problems\n");
    let rss = "warning: feeds/reviews.rss: is 6 KB, over the 1 KB budget some readers enforce: lower `limit` for feed `reviews`, or shorten what makes its items long (a body, a title, a summary)";
    let atom = "warning: feeds/reviews.atom: is 6 KB, over the 1 KB budget some readers enforce: lower `limit` for feed `reviews`, or shorten what makes its items long (a body, a title, a summary)";
    assert!(err.contains(rss) && err.contains(atom), "{err}");
    let build = site.run(&["build"]);
    assert!(build.status.success(), "{}", text(&build));
    assert_eq!(err, stderr(&build), "the same whole messages as build");
}

/// Peak resident memory (KB) of the real binary running `args` in `dir`. Measured from a fresh
/// process (this test binary again, running only [`peak_rss_helper`]): a child's peak as
/// `wait4` reports it counts the memory its parent had when it was started, and this test
/// process, after the other tests, may hold more than `check` should.
fn peak_rss_kb(dir: &Path, args: &[&str]) -> i64 {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "check_stream::peak_rss_helper",
            "--ignored",
            "--nocapture",
        ])
        .args(["--test-threads", "1"])
        .env(HELPER_DIR, dir)
        .env(HELPER_ARGS, args.join("\n"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let shown = text(&out);
    let line = shown
        .lines()
        .find_map(|l| Some(l.split_once("peak_rss_kb=")?.1))
        .unwrap_or_else(|| panic!("no measure from the helper:\n{shown}"));
    line.trim().parse().unwrap()
}

const HELPER_DIR: &str = "FEEDWRIGHT_TEST_PEAK_DIR";
const HELPER_ARGS: &str = "FEEDWRIGHT_TEST_PEAK_ARGS";

/// Runs the binary as [`peak_rss_kb`] asks (nothing when run on its own) and prints its peak
/// resident memory as `wait4` reports it.
// The child is reaped by `wait4`, which clippy cannot see.
#[allow(clippy::zombie_processes)]
#[test]
#[ignore = "run by peak_rss_kb in a process of its own"]
fn peak_rss_helper() {
    let (Some(dir), Ok(args)) = (std::env::var_os(HELPER_DIR), std::env::var(HELPER_ARGS)) else {
        return;
    };
    let args: Vec<&str> = args.split('\n').collect();
    let child = Command::new(env!("CARGO_BIN_EXE_feedwright"))
        .current_dir(dir)
        .env_remove("FEEDWRIGHT_CONFIG")
        .args(["--now", common::NOW, "--quiet"])
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain old data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{args:?} failed (status {status})"
    );
    println!("peak_rss_kb={}", usage.ru_maxrss);
}

/// A review of about 6 KB: paragraphs of words with some Markdown, different for each `i`.
fn long_review(i: usize) -> String {
    const WORDS: &[&str] = &[
        "the", "film", "camera", "light", "silence", "city", "night", "frame", "score", "actor",
        "story", "moment", "scene", "memory", "river", "winter", "*quiet*", "**loud**", "and",
    ];
    let mut seed = i as u64 * 2_654_435_761 + 1;
    let mut body = String::new();
    while body.len() < 6_000 {
        for w in 0..60 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            body.push_str(WORDS[(seed >> 33) as usize % WORDS.len()]);
            body.push(if w % 12 == 11 { '.' } else { ' ' });
        }
        body.push_str("\n\n");
    }
    let day = 1 + i % 28;
    let month = 1 + (i / 28) % 12;
    let year = 2000 + i / (28 * 12);
    review(
        &format!("Film {i}"),
        &format!("{year}-{month:02}-{day:02}"),
        &body,
    )
}

/// A full feed (`limit = 0`) of 2,000 reviews of about 6 KB is ~15 MB per format: `check`
/// must not hold the feeds whole, as `build` does not.
#[test]
fn check_of_a_full_feed_holds_no_feed_whole_in_memory() {
    const N: usize = 2_000;
    let site = Site::with_config(&format!("{}limit = 0\n", common::CONFIG));
    for i in 0..N {
        site.write(&format!("content/reviews/r{i:05}.md"), &long_review(i));
    }
    let check = peak_rss_kb(site.dir.path(), &["check"]);
    let build = peak_rss_kb(site.dir.path(), &["build"]);
    let feeds = std::fs::metadata(site.path("feeds/reviews.rss"))
        .unwrap()
        .len()
        + std::fs::metadata(site.path("feeds/reviews.atom"))
            .unwrap()
            .len();
    let feeds_kb = (feeds / 1024) as i64;
    eprintln!("check {check} KB, build {build} KB, feeds {feeds_kb} KB");
    // What a streaming build holds besides its files (the entries, the binary) is the floor,
    // and it is a large share of the feeds' size in a debug build: `check` may hold no more
    // than a third of the feeds beyond what `build` peaks at (it held both feeds whole before:
    // 110 MB against a build's 76 MB, for 31 MB of feeds).
    assert!(
        check < build + feeds_kb / 3,
        "check peaked at {check} KB for {feeds_kb} KB of feeds (build: {build} KB)"
    );
}

/// A feed with JSON Feed too is rendered whole (JSON is not given in parts): `check` still
/// measures every file of it against the budget, as `build` does.
#[test]
fn check_measures_files_rendered_whole_like_build() {
    let site = Site::with_config(&common::tiny_budget_config(
        "formats = [\"rss\", \"atom\", \"json\"]",
    ));
    site.write(
        "content/reviews/long.md",
        &review("Long", "2026-01-01", &"word ".repeat(1000)),
    );
    let (code, _, err) = check_writes_nothing(&site);
    assert_eq!(code, Some(0), "{err}");
    for name in ["reviews.rss", "reviews.atom", "reviews.json"] {
        let size = if name.ends_with("json") { 5 } else { 6 };
        let warning = format!(
            "warning: feeds/{name}: is {size} KB, over the 1 KB budget some readers enforce: lower `limit` for feed `reviews`, or shorten what makes its items long (a body, a title, a summary)\n"
        );
        assert!(err.contains(&warning), "missing {warning} in:\n{err}");
    }
    let build = site.run(&["build"]);
    assert!(build.status.success(), "{}", text(&build));
    assert_eq!(err, stderr(&build), "the same whole messages as build");
}
