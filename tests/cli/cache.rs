//! The content cache (issue 19): a build that uses it must give the same bytes as one that does
//! not, whatever happened to the sources in between (added, edited, edited back to the same
//! size and modification time, renamed, deleted, touched), after a build killed at any moment,
//! and with a cache file that is corrupt. Each check copies the site as it stands, builds the
//! copy with `--no-cache`, builds the site itself with the cache, and compares every output
//! byte, the state file and what each build printed.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output, Stdio};
use std::time::{Duration, SystemTime};

use common::{NOW, Site, review, text};

const CACHE: &str = ".feedwright-state.toml.cache";
const ENTRIES: &str = ".feedwright-state.toml.entries";
const BODIES: &str = ".feedwright-state.toml.bodies";

/// Every file under `dir` (the cache files and the run lock left out), by path relative to it.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.filter_map(Result::ok) {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if [CACHE, ENTRIES, BODIES, ".feedwright.lock"].contains(&name.as_str()) {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// A copy of the site as it stands, without its cache.
fn copy_of(site: &Site) -> Site {
    let copy = Site::with_config(&site.read("config.toml"));
    for (rel, bytes) in files(site.dir.path()) {
        let to = copy.dir.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, bytes).unwrap();
    }
    copy
}

fn shown(out: &Output) -> (Option<i32>, String, String) {
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Builds a copy without the cache and the site with it, at `now`, and asserts that both wrote
/// the same files and said the same things. Returns whether the build succeeded.
pub(crate) fn same_as_without_cache(site: &Site, now: &str) -> bool {
    let copy = copy_of(site);
    let plain = copy.run_at(now, &["-v", "build", "--no-cache"]);
    let cached = site.run_at(now, &["-v", "build"]);
    assert_eq!(shown(&cached), shown(&plain), "{}", text(&cached));
    let (ours, theirs) = (files(site.dir.path()), files(copy.dir.path()));
    let names = |f: &[(PathBuf, Vec<u8>)]| f.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(names(&ours), names(&theirs));
    for ((path, a), (_, b)) in ours.iter().zip(&theirs) {
        assert!(a == b, "{} differs with the cache", path.display());
    }
    plain.status.success()
}

/// Lets the sources settle past the racily-clean window, so that the next build may write a
/// cache and the one after it use it.
pub(crate) fn settle() {
    std::thread::sleep(Duration::from_millis(120));
}

/// Sets a file's modification time back to `when`; its change time moves on regardless.
fn set_mtime(path: &Path, when: SystemTime) {
    let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.set_times(std::fs::FileTimes::new().set_modified(when))
        .unwrap();
}

#[derive(Debug, Clone)]
enum Op {
    Add(u8, u8),
    Edit(u8, u8),
    /// A different body of the same length, the old modification time put back.
    EditSameStat(u8),
    Rename(u8, u8),
    Delete(u8),
    Touch(u8),
    Settle,
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    prop_oneof![
        (0..6u8, 0..4u8).prop_map(|(f, b)| Op::Add(f, b)),
        (0..6u8, 0..4u8).prop_map(|(f, b)| Op::Edit(f, b)),
        (0..6u8).prop_map(Op::EditSameStat),
        (0..6u8, 0..6u8).prop_map(|(f, t)| Op::Rename(f, t)),
        (0..6u8).prop_map(Op::Delete),
        (0..6u8).prop_map(Op::Touch),
        Just(Op::Settle),
        Just(Op::Settle),
    ]
}

fn name(f: u8) -> String {
    format!("content/reviews/r{f}.md")
}

fn apply(site: &Site, op: &Op) {
    let exists = |f: u8| site.path(&name(f)).exists();
    let body = |f: u8, b: u8| {
        review(
            &format!("Film {f}"),
            &format!("2026-0{}-01", f % 9 + 1),
            &format!("Body {b}{b}."),
        )
    };
    match *op {
        Op::Add(f, b) | Op::Edit(f, b) => {
            site.write(&name(f), &body(f, b));
        }
        Op::EditSameStat(f) if exists(f) => {
            let path = site.path(&name(f));
            let old = std::fs::metadata(&path).unwrap().modified().unwrap();
            let text = site.read(&name(f));
            // Same length: one letter of the title swapped for another.
            let swapped = text.replacen("Film", "Fylm", 1);
            let swapped = if swapped == text {
                text.replacen("Fylm", "Film", 1)
            } else {
                swapped
            };
            site.write(&name(f), &swapped);
            set_mtime(&path, old);
        }
        Op::Rename(f, t) if exists(f) && !exists(t) => site.rename(&name(f), &name(t)),
        Op::Delete(f) if exists(f) => site.remove(&name(f)),
        Op::Touch(f) if exists(f) => set_mtime(&site.path(&name(f)), SystemTime::now()),
        Op::Settle => settle(),
        _ => {}
    }
}

pub(crate) const ARCHIVE: &str = "limit = 2\narchive = true\n";

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(12))]

    /// Any sequence of changes to the sources: every build with the cache is the build
    /// without it, byte for byte.
    #[test]
    fn any_changes_build_as_without_the_cache(
        archive in proptest::bool::ANY,
        ops in proptest::collection::vec(op(), 1..14),
    ) {
        let config = if archive {
            common::CONFIG.replace("link = \"reviews/{slug}/\"\n", &format!("link = \"reviews/{{slug}}/\"\n{ARCHIVE}"))
        } else {
            common::CONFIG.to_string()
        };
        let site = Site::with_config(&config);
        site.write(&name(0), &review("Film 0", "2026-01-01", "First."));
        site.ok(&["build"]);
        settle();
        for op in &ops {
            apply(&site, op);
            same_as_without_cache(&site, NOW);
        }
    }
}

/// The changes a stat alone could miss, one at a time, each after the cache was written.
#[test]
fn an_edit_that_keeps_size_and_mtime_is_still_seen() {
    let site = Site::new();
    site.write(&name(1), &review("Film Heat", "2026-01-01", "A heist."));
    site.ok(&["build"]);
    settle();
    site.ok(&["build"]);
    assert!(
        site.path(CACHE).exists(),
        "a settled build writes the cache"
    );
    let before = std::fs::metadata(site.path(&name(1))).unwrap();
    apply(&site, &Op::EditSameStat(1));
    let after = std::fs::metadata(site.path(&name(1))).unwrap();
    assert_eq!(
        (before.len(), before.modified().unwrap()),
        (after.len(), after.modified().unwrap())
    );
    same_as_without_cache(&site, NOW);
    assert!(
        site.read("feeds/reviews.rss")
            .contains("<title>Fylm Heat</title>")
    );
}

/// What the build depends on besides the sources: the outputs, the config, the time.
#[test]
fn outputs_config_and_time_are_inputs_too() {
    let site = Site::new();
    site.write(&name(1), &review("Heat", "2026-01-01", "A heist."));
    // Dated after NOW: appears once "now" passes its date.
    site.write(&name(2), &review("Ran", "2026-11-25", "A king."));
    // An `updated` after NOW is clamped until then.
    site.write(
        &name(3),
        "+++\ntitle = \"Alien\"\ndate = \"2026-02-01\"\nupdated = \"2026-11-22T00:00:00Z\"\n+++\nIn space.\n",
    );
    let warm = |site: &Site| {
        site.ok(&["build"]);
        settle();
        site.ok(&["build"]);
        assert!(site.path(CACHE).exists());
    };
    warm(&site);
    std::fs::remove_file(site.path("feeds/reviews.atom")).unwrap();
    same_as_without_cache(&site, NOW);
    assert!(site.path("feeds/reviews.atom").exists());
    settle();
    warm(&site);
    std::fs::write(site.path("feeds/reviews.rss"), "edited").unwrap();
    same_as_without_cache(&site, NOW);
    settle();
    warm(&site);
    site.write(
        "config.toml",
        &common::CONFIG.replace("Film reviews", "Films"),
    );
    same_as_without_cache(&site, NOW);
    settle();
    warm(&site);
    // Earlier than the cached build, then past the `updated` key, then past the new entry.
    for now in [
        "2026-11-10T00:00:00Z",
        NOW,
        "2026-11-23T00:00:00Z",
        "2026-11-26T00:00:00Z",
    ] {
        same_as_without_cache(&site, now);
    }
    assert!(site.read("feeds/reviews.rss").contains("Ran"));
}

/// A cache that is cut short, altered, of another version, or not a cache at all: the build
/// is a full one and succeeds.
#[test]
fn a_corrupt_cache_is_a_full_build() {
    let site = Site::new();
    site.write(&name(1), &review("Heat", "2026-01-01", "A heist."));
    site.ok(&["build"]);
    settle();
    site.ok(&["build"]);
    let good = std::fs::read_to_string(site.path(CACHE)).unwrap();
    let bad = [
        String::new(),
        good[..good.len() / 2].to_string(),
        good.replacen("entries 1", "entries 7", 1),
        good.replacen("feedwright cache 1", "feedwright cache 0", 1),
        "\u{0}\u{1}garbage\n".repeat(50),
    ];
    for text in bad {
        // The source changes under a cache that would otherwise say nothing did.
        std::fs::write(site.path(CACHE), &text).unwrap();
        site.write(&name(1), &review("Heat", "2026-01-01", "A robbery."));
        same_as_without_cache(&site, NOW);
        std::fs::write(site.path(CACHE), &text).unwrap();
        site.write(&name(1), &review("Heat", "2026-01-01", "A heist."));
        same_as_without_cache(&site, NOW); // Nothing changed but the cache: still read as no cache (a forged count is not shown).
        settle();
        std::fs::write(site.path(CACHE), &text).unwrap();
        same_as_without_cache(&site, NOW);
    }
}

/// Builds killed with SIGKILL at different moments over a larger site: the next build with the
/// cache is the build without it.
#[cfg(unix)]
#[test]
fn a_build_killed_at_any_moment_leaves_nothing_the_cache_trusts_wrongly() {
    let site = Site::with_config(&common::CONFIG.replace(
        "link = \"reviews/{slug}/\"\n",
        "link = \"reviews/{slug}/\"\nlimit = 0\n",
    ));
    let body = "A paragraph of a review that goes on. ".repeat(40);
    for i in 0..400 {
        site.write(
            &name_big(i),
            &review(&format!("Film {i}"), "2026-01-01", &body),
        );
    }
    site.ok(&["build"]);
    settle();
    site.ok(&["build"]);
    let bin = assert_cmd::cargo::cargo_bin("feedwright");
    for (round, delay) in [0u64, 5, 20, 60, 150, 400].into_iter().enumerate() {
        site.write(
            &name_big(round),
            &review(
                &format!("Film {round}"),
                "2026-01-01",
                &format!("Edit {round}."),
            ),
        );
        if round % 2 == 0 {
            settle();
        }
        let mut child = StdCommand::new(&bin)
            .current_dir(site.dir.path())
            .args(["--now", NOW, "build"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        assert!(same_as_without_cache(&site, NOW), "round {round}");
    }
}

fn name_big(i: usize) -> String {
    format!("content/reviews/film-{i:04}.md")
}

/// With the cache, a build that finds nothing changed opens no source file (seen with strace
/// where it is installed).
#[cfg(target_os = "linux")]
#[test]
fn a_no_change_build_opens_no_source() {
    let site = Site::new();
    site.write(&name(1), &review("Heat", "2026-01-01", "A heist."));
    site.ok(&["build"]);
    settle();
    site.ok(&["build"]);
    let Some(trace) = common::opened_by(&site, &["build"]) else {
        return;
    };
    assert!(trace.contains("config.toml"), "{trace}");
    assert!(!trace.contains("r1.md"), "{trace}");
    assert!(!trace.contains("reviews.rss"), "{trace}");
}

/// A podcast's output depends on files beside the notes (a transcript checked by its cues,
/// an image that is a file or a link) and on the day (`owner_email_until`): each is an input.
#[test]
fn files_beside_the_notes_and_the_owner_email_day_are_inputs_too() {
    let config = common::PODCAST_CONFIG.replace(
        "media_base_url =",
        "owner_email_until = \"2026-11-21\"\nmedia_base_url =",
    );
    let site = Site::with_config(&config);
    site.write(
        "content/episodes/e1.md",
        "+++\ntitle = \"One\"\ndate = 2026-01-01T10:00:00Z\naudio = \"https://cdn.pod.example/e1.mp3\"\n\
         audio_length = 1000\nduration = \"10:00\"\nimage = \"art/e1.jpg\"\n\
         transcripts = [{ file = \"e1.vtt\" }]\n+++\nNotes.\n",
    );
    let vtt = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello.\n";
    site.write("content/episodes/e1.vtt", vtt);
    let warm = |site: &Site| {
        site.ok(&["build"]);
        settle();
        site.ok(&["build"]);
        settle();
    };
    // The image is missing: a link for now, so no cache may be trusted while it could appear.
    warm(&site);
    assert!(!site.path(CACHE).exists());
    site.write_bytes(
        "content/episodes/art/e1.jpg",
        &common::rgb_jpeg_header(1400),
    );
    assert!(same_as_without_cache(&site, NOW));
    warm(&site);
    assert!(site.path(CACHE).exists());
    // A transcript whose cues go backwards is an error, though the notes did not change.
    site.write(
        "content/episodes/e1.vtt",
        &vtt.replace("00:00:02.000", "00:00:00.000"),
    );
    assert!(!same_as_without_cache(&site, NOW));
    site.write("content/episodes/e1.vtt", vtt);
    warm(&site);
    assert!(site.path(CACHE).exists());
    // The day after owner_email_until, the e-mail leaves the feed.
    assert!(site.read("feeds/podcast.rss").contains("ada@pod.example"));
    assert!(same_as_without_cache(&site, "2026-11-22T00:00:01Z"));
    assert!(!site.read("feeds/podcast.rss").contains("<itunes:email>"));
}

/// Whether a build was a cache hit: with `FEEDWRIGHT_TIMINGS`, only a build that found a
/// change goes on past the cache check and says so.
fn was_a_hit(site: &Site) -> bool {
    let out = site.run_timed(NOW, &["build"]);
    assert!(out.status.success(), "{}", text(&out));
    let said = common::stderr(&out);
    assert!(said.contains("timing config, scan"), "{said}");
    !said.contains("timing cache check")
}

/// The cron run right after a change finds nothing to do, though the state file and the feeds
/// it finds were written a moment ago (racily clean): the cache records their bytes' digests
/// as well as their stats. The run after that is a hit too, and both equal a full build.
#[test]
fn the_run_right_after_a_change_is_a_no_change_run() {
    let site = Site::new();
    site.write(&name(1), &review("Heat", "2026-01-01", "A heist."));
    site.ok(&["build"]);
    settle();
    site.write(&name(2), &review("Ran", "2026-02-01", "A king."));
    settle();
    site.ok(&["build"]);
    let cache = site.read(CACHE);
    assert!(
        cache.lines().any(|l| l.starts_with("racy ")),
        "the outputs just written are recorded with their digests:\n{cache}"
    );
    assert!(was_a_hit(&site), "the run right after the change");
    assert!(was_a_hit(&site), "and the one after it");
    assert!(same_as_without_cache(&site, NOW));
    // A feed written over in that window, even to the same length, is not trusted.
    site.write(&name(2), &review("Ran", "2026-02-01", "A sun."));
    settle();
    site.ok(&["build"]);
    let rss = site.read("feeds/reviews.rss");
    site.write("feeds/reviews.rss", &rss.replacen("A sun.", "A fox.", 1));
    assert!(!was_a_hit(&site));
    assert!(site.read("feeds/reviews.rss").contains("A sun."));
}

/// What a build says once, because it changed the state (an entry gone, the site id derived at
/// the first build), is not said again by the no-change runs after it, which end early: as a
/// full build would not say it either.
#[test]
fn what_is_said_once_is_not_said_again_by_the_runs_after() {
    let site = Site::with_config(&common::CONFIG.replace("id = \"tag:films.example,2026:\"\n", ""));
    site.write(&name(1), &review("Heat", "2026-01-01", "A heist."));
    site.write(&name(2), &review("Ran", "2026-02-01", "A king."));
    settle();
    let first = site.run_at(NOW, &["build"]);
    assert!(
        text(&first).contains("[site] id is not set"),
        "{}",
        text(&first)
    );
    for _ in 0..2 {
        let again = site.run_at(NOW, &["build"]);
        assert!(
            !text(&again).contains("[site] id is not set"),
            "{}",
            text(&again)
        );
    }
    site.remove(&name(2));
    settle();
    // The drop guard asks for the flag; the cache is only used under the same options.
    let gone = site.run_at(NOW, &["build", "--allow-drop"]);
    assert!(
        text(&gone).contains("is gone from the sources"),
        "{}",
        text(&gone)
    );
    for _ in 0..2 {
        let again = site.run_at(NOW, &["build", "--allow-drop"]);
        assert!(again.status.success(), "{}", text(&again));
        assert!(!text(&again).contains("is gone"), "{}", text(&again));
    }
    assert!(same_as_without_cache(&site, NOW));
}

/// Audit: a build that ended on the cache replayed "later than now (…), but a build published
/// it already" a day after the entry's date had passed, and left out the note about a
/// scheduled entry that a full build says.
#[test]
fn what_a_build_says_of_future_dates_ends_with_them_and_is_said_from_the_cache() {
    let site = Site::new();
    site.write(
        "content/reviews/old.md",
        "+++\ntitle = \"Old\"\ndate = \"2026-11-20T10:00:00Z\"\n+++\nold\n",
    );
    site.write(
        "content/reviews/sched.md",
        "+++\ntitle = \"Sched\"\ndate = \"2026-11-25T10:30:00Z\"\n+++\nscheduled\n",
    );
    settle();
    // Scheduled: said by the build that writes the cache and by the one that ends on it.
    for _ in 0..3 {
        assert!(same_as_without_cache(&site, "2026-11-25T10:00:00Z"));
        settle();
    }
    let said = site.run_at("2026-11-25T10:00:00Z", &["build"]);
    assert!(
        common::stderr(&said).contains(
            "note: content/reviews/sched.md is dated 2026-11-25T10:30:00+00:00, later than now: it is published from then on"
        ),
        "{}",
        text(&said)
    );
    // Published, then the clock steps back: said while it lasts, and no longer after.
    site.ok_at("2026-11-25T10:40:00Z", &["build"]);
    settle();
    for now in [
        "2026-11-25T10:15:00Z",
        "2026-11-25T10:15:00Z",
        "2026-11-26T03:00:00Z",
    ] {
        assert!(same_as_without_cache(&site, now));
        settle();
    }
    let later = site.run_at("2026-11-26T03:00:00Z", &["build"]);
    assert_eq!(common::stderr(&later), "", "{}", text(&later));
}
