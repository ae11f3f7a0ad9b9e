//! When `serve` rebuilds without being told by a file event: an entry coming due, a run lock
//! released; and where it answers from after `output_dir` changed (black-box audit D4-D6).

use crate::common::{CONFIG, NOW, Site, review};
use crate::serving::{Served, until_line};

use chrono::{Duration, Utc};

fn site_with_heat() -> Site {
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "A heist."),
    );
    site
}

/// D4: an entry dated in the future never appeared until some unrelated file changed, though
/// the README promises it appears once its time comes.
#[test]
fn an_entry_dated_a_few_seconds_ahead_appears_with_no_file_changed() {
    let site = site_with_heat();
    let due = Utc::now() + Duration::seconds(8);
    let date = due.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    site.write(
        "content/reviews/soon.md",
        &review("Scheduled Review", &date, "Comes out later."),
    );
    let served = Served::start_on_the_clock(site.dir.path());
    let first = served.get("/reviews.rss", &[]);
    assert_eq!(first.status, 200);
    // Built before this request, so before `due` when the request came before it.
    if Utc::now() < due {
        assert!(
            !first.text().contains("Scheduled Review"),
            "in the feed before its date"
        );
    }
    let wait = u64::try_from((due - Utc::now()).num_seconds().max(0)).unwrap() + 30;
    assert!(
        served.until_served("/reviews.rss", "Scheduled Review", wait),
        "the entry dated {date} was not served by 30 s after its date"
    );
}

/// D5: after `output_dir` changed in config.toml, serve built into the new folder but kept
/// answering from the old one.
#[test]
fn a_changed_output_dir_is_served_from_then_on() {
    let site = site_with_heat();
    let served = Served::start(site.dir.path(), NOW);
    site.write(
        "config.toml",
        &CONFIG.replace("[site]\n", "[site]\noutput_dir = \"feeds2\"\n"),
    );
    if let Err(seen) = until_line(&served.lines, "serving feeds2 from now on", 30) {
        panic!("no switch to feeds2 announced; serve printed {seen:?}");
    }
    assert!(site.path("feeds2/reviews.rss").is_file());

    // Only the new folder gets the new entry: the answer shows which folder is served.
    site.write(
        "content/reviews/second.md",
        &review("Second Take", "2026-02-01", "Again."),
    );
    assert!(
        served.until_served("/reviews.rss", "Second Take", 30),
        "the new entry, written to feeds2, was not served"
    );
    assert!(!site.read("feeds/reviews.rss").contains("Second Take"));
}

/// D6: a change made while another run held the site's lock was never built: serve printed
/// the lock error, and after the lock was released nothing rebuilt until another edit.
#[test]
fn a_change_made_while_the_lock_is_held_is_built_once_it_is_released() {
    let site = site_with_heat();
    let served = Served::start_with(site.dir.path(), NOW, &[], true);
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(site.path(".feedwright.lock"))
        .unwrap();
    // The first build is over once the address is printed, so the lock is free.
    lock.try_lock().expect("serve holds no lock between builds");
    site.write(
        "content/reviews/locked.md",
        &review("Written Meanwhile", "2026-02-01", "During a cron run."),
    );
    let errors = served.errors.as_ref().unwrap();
    if let Err(seen) = until_line(errors, "another feedwright run is working on this site", 30) {
        panic!("no lock error; serve said {seen:?}");
    }
    assert!(
        !served
            .get("/reviews.rss", &[])
            .text()
            .contains("Written Meanwhile")
    );

    drop(lock);
    assert!(
        served.until_served("/reviews.rss", "Written Meanwhile", 30),
        "the change was not built after the lock was released"
    );
}
