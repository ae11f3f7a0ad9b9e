//! Archive pages with the content cache (issue 19): a full page that did not change is neither
//! rendered nor written again (its sources are not even opened), and the build still writes
//! and says what a build without the cache does, the warnings of the bodies it did not render
//! included. R81-R84: a full archive page never changes.

use crate::cache::{ARCHIVE, same_as_without_cache, settle};
use crate::common;

use std::os::unix::fs::MetadataExt;

use common::{NOW, Site, review, text};

/// Reviews r0 (oldest) to r5, two a page: archive pages 1 and 2 are full (r0-r1, r2-r3), the
/// main document holds r4-r5. r0's body has a script, which rendering removes with a warning.
fn archived_site() -> Site {
    let mut bodies = vec!["Old. <script>alert(1)</script>".to_string()];
    bodies.extend((1..6).map(|k| format!("Review {k}.")));
    settled_site(ARCHIVE, &bodies)
}

/// A site whose reviews feed has `keys` added, with review `r{k}` ("Film k", dated the first
/// of month k + 1) for each body; built twice (the second build writes the cache), settled.
fn settled_site(keys: &str, bodies: &[String]) -> Site {
    let config = common::CONFIG.replace(
        "link = \"reviews/{slug}/\"\n",
        &format!("link = \"reviews/{{slug}}/\"\n{keys}"),
    );
    let site = Site::with_config(&config);
    for (k, body) in bodies.iter().enumerate() {
        site.write(
            &format!("content/reviews/r{k}.md"),
            &review(&format!("Film {k}"), &format!("2026-0{}-01", k + 1), body),
        );
    }
    site.ok(&["build"]);
    settle();
    site.ok(&["build"]);
    settle();
    site
}

/// `(inode, modification time)` of a file.
fn stamp(site: &Site, rel: &str) -> (u64, i64, i64) {
    let m = std::fs::metadata(site.path(rel)).unwrap();
    (m.ino(), m.mtime(), m.mtime_nsec())
}

#[test]
fn a_new_review_leaves_full_archive_pages_alone_and_says_what_a_full_build_says() {
    let site = archived_site();
    let first = stamp(&site, "feeds/archive/reviews/1.rss");
    site.write(
        "content/reviews/r6.md",
        &review("Film 6", "2026-08-01", "Newest."),
    );
    assert!(same_as_without_cache(&site, NOW));
    // The script warning of r0, whose page was not rendered, is said all the same (compared
    // with the build without the cache above); the full page was not written again.
    assert_eq!(stamp(&site, "feeds/archive/reviews/1.rss"), first);
    let out = site.run_at(NOW, &["build"]);
    assert!(text(&out).contains("r0.md"), "{}", text(&out));
}

#[test]
fn an_edit_of_an_archived_review_rewrites_its_page_only() {
    let site = archived_site();
    let second = stamp(&site, "feeds/archive/reviews/2.rss");
    site.write(
        "content/reviews/r0.md",
        &review("Film 0", "2026-01-01", "Old, edited."),
    );
    assert!(same_as_without_cache(&site, NOW));
    assert_eq!(stamp(&site, "feeds/archive/reviews/2.rss"), second);
    let page = site.read("feeds/archive/reviews/1.rss");
    assert!(page.contains("Old, edited."), "{page}");
    // A page changed behind feedwright's back is written again, not trusted.
    settle();
    site.ok(&["build"]);
    settle();
    site.write("feeds/archive/reviews/2.rss", "changed by hand");
    assert!(same_as_without_cache(&site, NOW));
    assert!(site.read("feeds/archive/reviews/2.rss").contains("Film 2"));
}

/// With strace where it is installed: a build after a new review does not open the sources
/// of the full pages.
#[test]
fn the_sources_of_full_pages_are_not_opened() {
    let site = archived_site();
    site.write(
        "content/reviews/r6.md",
        &review("Film 6", "2026-08-01", "Newest."),
    );
    let Some(trace) = common::opened_by(&site, &["build"]) else {
        return;
    };
    assert!(trace.contains("r6.md"), "{trace}");
    for old in ["r0.md", "r1.md", "r2.md", "r3.md"] {
        assert!(!trace.contains(old), "{old} was opened:\n{trace}");
    }
}

/// A cache or side file that is not a regular file (a FIFO would block a reader, a folder
/// cannot be read) is ignored: a full build, the same bytes.
#[test]
fn cache_files_that_are_not_files_give_a_full_build() {
    let site = archived_site();
    for name in [
        ".feedwright-state.toml.cache",
        ".feedwright-state.toml.entries",
        ".feedwright-state.toml.bodies",
    ] {
        let path = site.path(name);
        std::fs::remove_file(&path).unwrap();
        let made = std::process::Command::new("mkfifo").arg(&path).status();
        if !made.is_ok_and(|s| s.success()) {
            std::fs::create_dir(&path).unwrap();
        }
    }
    site.write(
        "content/reviews/r6.md",
        &review("Film 6", "2026-08-01", "Newest."),
    );
    // Would hang on the FIFO if it were opened.
    assert!(same_as_without_cache(&site, NOW));
}

/// A 50-item feed (two here) whose items did not change is not rendered either: an edit of a
/// review outside it opens only that review. One whose bodies gave a warning is always
/// rendered, so the warning is said every time.
#[test]
fn a_feed_whose_items_did_not_change_is_not_rendered() {
    let site = settled_site("limit = 2\n", &vec!["Fine.".to_string(); 4]);
    site.write(
        "content/reviews/r0.md",
        &review("Film 0", "2026-01-01", "Edited."),
    );
    assert!(same_as_without_cache(&site, NOW));
    // The edit was too recent for that build to keep: this one records the cache.
    settle();
    site.ok(&["build"]);
    settle();
    site.write(
        "content/reviews/r1.md",
        &review("Film 1", "2026-02-01", "Edited too."),
    );
    if let Some(trace) = common::opened_by(&site, &["build"]) {
        assert!(trace.contains("r1.md"), "{trace}");
        for newest in ["r2.md", "r3.md"] {
            assert!(!trace.contains(newest), "{newest} was opened:\n{trace}");
        }
    }
    // A warning in the feed's newest body: said by every build, cached or not.
    settle();
    site.write(
        "content/reviews/r3.md",
        &review("Film 3", "2026-04-01", "New. <script>x()</script>"),
    );
    assert!(same_as_without_cache(&site, NOW));
    settle();
    site.write(
        "content/reviews/r0.md",
        &review("Film 0", "2026-01-01", "Edited again."),
    );
    assert!(same_as_without_cache(&site, NOW));
    let out = site.run_at(NOW, &["build"]);
    assert!(text(&out).contains("r3.md"), "{}", text(&out));
}

/// A review on a full page that was edited within the subscription window is in the main
/// document too (R84): when its page is left as it is, the main document still carries all of
/// it.
#[test]
fn an_archived_review_edited_in_the_window_is_whole_in_the_main_document() {
    let site = archived_site();
    site.write(
        "content/reviews/r1.md",
        "+++\ntitle = \"Film 1\"\ndate = \"2026-02-01\"\nupdated = \"2026-10-01T00:00:00Z\"\n+++\nReview 1, revised.\n",
    );
    assert!(same_as_without_cache(&site, NOW));
    settle();
    site.ok(&["build"]);
    settle();
    let first = stamp(&site, "feeds/archive/reviews/1.rss");
    site.write(
        "content/reviews/r6.md",
        &review("Film 6", "2026-08-01", "Newest."),
    );
    assert!(same_as_without_cache(&site, NOW));
    assert_eq!(stamp(&site, "feeds/archive/reviews/1.rss"), first);
    let main = site.read("feeds/reviews.rss");
    assert!(main.contains("Review 1, revised."), "{main}");
    assert!(main.contains("<title>Film 1</title>"), "{main}");
}

/// A change that leaves an archived feed's items as they were (a file saved again unchanged)
/// leaves its main document alone too; with `html = true` the feed's page, made from the main
/// document's summaries, is still whole (and JSON Feed is one of the main document's files).
#[test]
fn a_main_document_whose_items_did_not_change_is_left_alone_but_its_page_is_whole() {
    for html in [false, true] {
        let extra = format!("{ARCHIVE}formats = [\"rss\", \"atom\", \"json\"]\nhtml = {html}\n");
        let summaries: Vec<String> = (0..5).map(|k| format!("Summary {k}.")).collect();
        let site = settled_site(&extra, &summaries);
        let main = stamp(&site, "feeds/reviews.json");
        // Saved again, bytes unchanged: the stat changes, nothing else. Twice: a build that
        // left the document alone records it for the next.
        for _ in 0..2 {
            let r0 = site.read("content/reviews/r0.md");
            site.write("content/reviews/r0.md", &r0);
            settle();
            // Only the file saved again is read (strace, where it is installed); with the
            // page, the main document's bodies are rendered for it.
            if let Some(trace) = common::opened_by(&site, &["build"]).filter(|_| !html) {
                assert!(trace.contains("r0.md"), "{trace}");
                for newest in ["r3.md", "r4.md"] {
                    assert!(!trace.contains(newest), "{newest} was opened:\n{trace}");
                }
            }
            settle();
        }
        assert!(same_as_without_cache(&site, NOW));
        assert_eq!(stamp(&site, "feeds/reviews.json"), main, "html = {html}");
        if html {
            let page = site.read("feeds/reviews.html");
            assert!(page.contains("Summary 4."), "{page}");
        }
    }
}

/// After a new review, the feed's other items' bodies are taken as rendered last time (their
/// files are not opened), what rendering them said is said again, and the feed is the one a
/// build without the cache writes.
#[test]
fn a_new_review_renders_only_its_own_body() {
    let mut bodies: Vec<String> = (0..3).map(|k| format!("Review {k}.")).collect();
    bodies.push("Newest. <script>x()</script>".to_string());
    let site = settled_site("limit = 3\n", &bodies);
    site.write(
        "content/reviews/r4.md",
        &review("Film 4", "2026-06-01", "Even newer."),
    );
    settle();
    if let Some(trace) = common::opened_by(&site, &["build"]) {
        assert!(trace.contains("r4.md"), "{trace}");
        for kept in ["r2.md", "r3.md"] {
            assert!(!trace.contains(kept), "{kept} was opened:\n{trace}");
        }
    }
    site.write(
        "content/reviews/r5.md",
        &review("Film 5", "2026-07-01", "Newest of all."),
    );
    settle();
    assert!(same_as_without_cache(&site, NOW));
    let rss = site.read("feeds/reviews.rss");
    assert!(
        rss.contains("Even newer.") && rss.contains("Newest."),
        "{rss}"
    );
    let out = site.run_at(NOW, &["build"]);
    assert!(text(&out).contains("r3.md"), "{}", text(&out));
}
