//! A site's first build past its feeds' limits (issue 19: the first build of 100,000 reviews in
//! bounded memory) writes each entry's record as its file is read and keeps only each feed's
//! newest entries: the state file must list every entry, the feeds must be the usual ones, and
//! the next builds must find nothing to change.

use crate::common;

use common::{CONFIG, NOW, Site, review, text};

/// A build at `now` with the stage timings on: its output, and whether its first build wrote
/// the state's records as it read the sources.
fn build_timed(site: &Site, now: &str) -> (std::process::Output, bool) {
    let out = site.run_timed(now, &["build"]);
    let streamed = String::from_utf8_lossy(&out.stderr).contains("records streamed");
    (out, streamed)
}

fn site_of(count: usize, limit: usize) -> Site {
    let config = CONFIG.replace(
        "link = \"reviews/{slug}/\"",
        &format!(
            "link = \"reviews/{{slug}}/\"\nlimit = {limit}\nformats = [\"rss\", \"atom\", \"json\"]"
        ),
    );
    let site = Site::with_config(&config);
    for n in 0..count {
        let date = format!("2026-{:02}-{:02}", 1 + n % 9, 1 + n % 27);
        let body = format!("Review number {n}.");
        site.write(
            &format!("content/reviews/{:02}/r{n:03}.md", n % 7),
            &review(&format!("Film {n}"), &date, &body),
        );
    }
    site.write("content/reviews/undated.txt", "A pasted review, no date.\n");
    site
}

#[test]
fn a_first_build_past_the_limit_records_every_entry_and_the_next_builds_change_nothing() {
    let site = site_of(40, 3);
    let (out, streamed) = build_timed(&site, NOW);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        streamed,
        "the first build streamed its records:\n{}",
        text(&out)
    );
    let state = site.read("feedwright-state.toml");
    assert_eq!(state.matches("\n[[entry]]\n").count(), 41, "{state}");
    assert!(
        state.contains("# integrity: 41 records, blake3 "),
        "{state}"
    );
    // The undated file is dated when first seen: the newest, then the two latest dates.
    let titles: Vec<String> = (site.rss("reviews").entries.iter())
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert_eq!(titles, ["Undated", "Film 26", "Film 17"]);

    let names = [
        "feeds/reviews.rss",
        "feeds/reviews.atom",
        "feeds/reviews.json",
    ];
    let before: Vec<String> = names.iter().map(|n| site.read(n)).collect();
    for (at, hour) in ["10", "11"].iter().enumerate() {
        let now = format!("2026-11-20T{hour}:00:00Z");
        let (out, streamed) = build_timed(&site, &now);
        assert!(out.status.success(), "{}", text(&out));
        assert!(!streamed, "build {} has a state file", at + 2);
        assert_eq!(site.read("feedwright-state.toml"), state);
        let after: Vec<String> = names.iter().map(|n| site.read(n)).collect();
        assert_eq!(after, before);
    }
    site.ok(&["check"]);
}

#[test]
fn a_first_build_streamed_equals_one_that_holds_every_entry() {
    // The same site twice: one built as is, one whose first build cannot stream (a feed file
    // already in the output folder, an empty one, is replaced but makes the build read all).
    let streaming = site_of(30, 2);
    let holding = site_of(30, 2);
    holding.write("feeds/reviews.json", "");
    let (a, streamed) = build_timed(&streaming, NOW);
    let (b, held_streamed) = build_timed(&holding, NOW);
    assert!(streamed && !held_streamed, "{}\n{}", text(&a), text(&b));
    let stdout = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(stdout(&a), stdout(&b));
    for name in [
        "feedwright-state.toml",
        "feeds/reviews.rss",
        "feeds/reviews.atom",
        "feeds/reviews.json",
    ] {
        assert_eq!(streaming.read(name), holding.read(name), "{name}");
    }
}
