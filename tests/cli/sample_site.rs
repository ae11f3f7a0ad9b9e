//! The committed sample site (config.toml, content/, feedwright-state.toml) and its committed
//! feeds/ must agree: a stale feeds/ folder fails here.

use crate::common;

use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn list_files(dir: &Path, rel: &Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = rel.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            list_files(&e.path(), &name, out);
        } else {
            out.push(name);
        }
    }
}

#[test]
fn committed_feeds_are_up_to_date() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for item in ["config.toml", "feedwright-state.toml"] {
        std::fs::copy(repo.join(item), dir.path().join(item)).unwrap();
    }
    copy_dir(&repo.join("content"), &dir.path().join("content"));
    copy_dir(&repo.join("static"), &dir.path().join("static"));
    copy_dir(&repo.join("feeds"), &dir.path().join("feeds"));
    let out = assert_cmd::Command::cargo_bin("feedwright")
        .unwrap()
        .current_dir(dir.path())
        .env_remove("FEEDWRIGHT_CONFIG")
        .args(["--now", "2026-11-25T12:00:00Z", "build"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "",
        "feeds/ is stale: run `cargo run --release -- build` and commit feeds/"
    );
    let mut committed = Vec::new();
    list_files(&repo.join("feeds"), Path::new(""), &mut committed);
    let mut fresh = Vec::new();
    list_files(&dir.path().join("feeds"), Path::new(""), &mut fresh);
    assert_eq!(
        committed, fresh,
        "feeds/ holds other files than a build writes"
    );
    for rel in &committed {
        let ours = std::fs::read(repo.join("feeds").join(rel)).unwrap();
        let new = std::fs::read(dir.path().join("feeds").join(rel)).unwrap();
        assert!(ours == new, "feeds/{} is stale", rel.display());
    }
    let state = std::fs::read(dir.path().join("feedwright-state.toml")).unwrap();
    assert_eq!(
        state,
        std::fs::read(repo.join("feedwright-state.toml")).unwrap(),
        "state is stale"
    );
}

#[test]
fn sample_feeds_parse_and_hold_every_sample_entry() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let reviews = common::parse_feed(&repo.join("feeds/reviews.rss"));
    assert_eq!(reviews.entries.len(), 4);
    let atom = common::parse_feed(&repo.join("feeds/reviews.atom"));
    assert_eq!(atom.entries.len(), 4);
    let titles: Vec<_> = reviews
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert!(
        titles.contains(&"“Ballerina” – grace under fire".to_string()),
        "{titles:?}"
    );
    let episodes = common::parse_feed(&repo.join("feeds/episodes.rss"));
    assert_eq!(episodes.entries.len(), 3);
    let podcast = common::parse_feed(&repo.join("feeds/podcast.rss"));
    assert_eq!(podcast.entries.len(), 3);
    let media: Vec<_> = podcast
        .entries
        .iter()
        .flat_map(|e| e.media.iter())
        .collect();
    assert!(media.iter().any(|m| m.content.iter().any(|c| {
        c.url
            .as_ref()
            .unwrap()
            .as_str()
            .ends_with("reel-notes-003.mp3")
    })));
}

/// Whether an external checker is present; under `FEEDWRIGHT_REQUIRE_TOOLS` (set by `.ci/run`)
/// its absence fails the test instead of skipping it.
fn tool_present(program: &str, probe: &[&str]) -> bool {
    let present = std::process::Command::new(program)
        .args(probe)
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        assert!(
            std::env::var_os("FEEDWRIGHT_REQUIRE_TOOLS").is_none(),
            "{program} is missing and FEEDWRIGHT_REQUIRE_TOOLS is set"
        );
        eprintln!("SKIPPED: {program} is not installed (see the README's test section)");
    }
    present
}

/// Every committed XML feed is read by xmllint (libxml2's strict parser), and every feed by
/// feedparser with `bozo = 0` and the podcast feed by podcastparser (issue 13, "done when").
#[test]
fn sample_feeds_pass_xmllint_feedparser_and_podcastparser() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    list_files(&repo.join("feeds"), Path::new("feeds"), &mut files);
    let feeds: Vec<String> = files
        .iter()
        .map(|f| f.display().to_string())
        .filter(|f| f.ends_with(".rss") || f.ends_with(".atom") || f.ends_with(".json"))
        // JSON chapters files, not feeds: tests/cli/podcast_2026.rs reads them.
        .filter(|f| !f.starts_with("feeds/chapters/"))
        .collect();
    assert!(feeds.len() >= 8, "{feeds:?}");
    if tool_present("xmllint", &["--version"]) {
        let xml: Vec<&String> = feeds.iter().filter(|f| !f.ends_with(".json")).collect();
        let out = std::process::Command::new("xmllint")
            .arg("--noout")
            .args(&xml)
            .arg("feeds/index.opml")
            .arg("feeds/feed.xsl")
            .current_dir(repo)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", common::text(&out));
        assert_eq!(out.stderr, b"", "{}", common::text(&out));
    }
    if tool_present("python3", &["-c", "import feedparser, podcastparser"]) {
        let out = std::process::Command::new("python3")
            .arg("tests/tools/parse_feeds.py")
            .args(&feeds)
            .current_dir(repo)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}", common::text(&out));
        assert_eq!(report.lines().count(), feeds.len(), "{report}");
        assert!(
            report.contains("feeds/podcast.rss: feedparser bozo=0 entries=3 podcastparser episodes=3 with_audio=3"),
            "{report}"
        );
    }
}
