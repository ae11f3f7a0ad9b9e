//! Audio and art measured, not typed (issue 17): durations read from real audio files, art
//! checked from its headers, and `doctor` asking a local HTTP server about every media URL.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;

use crate::common::{PODCAST_CONFIG, Site, text};

/// The fixtures and their real durations, measured with ffmpeg by decoding every frame
/// (tests/fixtures/audio/README.md).
const FIXTURES: [(&str, f64); 4] = [
    ("cbr.mp3", 3.056),
    ("vbr-xing.mp3", 6.00),
    ("vbr-noxing.mp3", 6.06),
    ("aac.m4a", 4.04),
];

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audio")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn episode(n: usize, extra: &str) -> String {
    format!("+++\ntitle = \"Episode {n}\"\ndate = 2026-06-{n:02}\n{extra}\n+++\nNotes.\n")
}

fn write_bytes(site: &Site, rel: &str, bytes: &[u8]) {
    let path = site.path(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// `(enclosure url, itunes:duration)` of every item in the podcast feed, read with roxmltree.
fn durations(site: &Site) -> Vec<(String, Option<String>)> {
    let raw = site.read("feeds/podcast.rss");
    let doc = roxmltree::Document::parse(&raw).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("item"))
        .map(|item| {
            let url = item
                .children()
                .find(|c| c.has_tag_name("enclosure"))
                .and_then(|e| e.attribute("url"))
                .unwrap_or_default()
                .to_string();
            let duration = item
                .children()
                .find(|c| c.tag_name().name() == "duration")
                .and_then(|d| d.text())
                .map(str::to_string);
            (url, duration)
        })
        .collect()
}

#[test]
fn durations_are_the_files_real_playing_times() {
    let site = Site::with_config(PODCAST_CONFIG);
    for (n, (name, _)) in FIXTURES.iter().enumerate() {
        write_bytes(&site, &format!("content/episodes/{name}"), &fixture(name));
        site.write(
            &format!("content/episodes/ep{n}.md"),
            &episode(n + 1, &format!("audio = \"{name}\"")),
        );
    }
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!crate::common::stderr(&out).contains("warning"), "{}", text(&out));
    let found = durations(&site);
    assert_eq!(found.len(), 4);
    for (name, real) in FIXTURES {
        let (_, duration) = found
            .iter()
            .find(|(url, _)| url.ends_with(name))
            .unwrap_or_else(|| panic!("no item for {name}: {found:?}"));
        let secs: f64 = duration.as_deref().unwrap().parse().unwrap();
        assert!(
            (secs - real).abs() <= 1.0,
            "{name}: itunes:duration {secs}, really {real} s"
        );
    }
}

#[test]
fn a_hand_written_duration_far_from_the_file_is_replaced_with_a_warning() {
    let site = Site::with_config(PODCAST_CONFIG);
    write_bytes(&site, "content/episodes/vbr.mp3", &fixture("vbr-noxing.mp3"));
    site.write(
        "content/episodes/ep1.md",
        &episode(1, "audio = \"vbr.mp3\"\nduration = \"0:13\""),
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", text(&out));
    let audio = Path::new("content/episodes").join("vbr.mp3");
    let source = Path::new("content/episodes").join("ep1.md");
    assert_eq!(
        crate::common::stderr(&out),
        format!(
            "warning: {}: duration = 13 s is not how long audio file {} plays (6 s, measured from the file); the measured 6 s is written: remove `duration`\n",
            source.display(),
            audio.display()
        ),
        "{}",
        text(&out)
    );
    assert_eq!(durations(&site)[0].1.as_deref(), Some("6"));
    // Within two seconds the measured value is written without a word.
    site.write(
        "content/episodes/ep1.md",
        &episode(1, "audio = \"vbr.mp3\"\nduration = \"0:08\""),
    );
    let out = site.run(&["build"]);
    assert_eq!(crate::common::stderr(&out), "", "{}", text(&out));
    assert_eq!(durations(&site)[0].1.as_deref(), Some("6"));
}

#[test]
fn a_file_that_cannot_be_measured_keeps_its_written_duration_with_a_warning() {
    let site = Site::with_config(PODCAST_CONFIG);
    site.write(
        "content/episodes/broken.mp3",
        &"not audio, only words\n".repeat(100),
    );
    site.write(
        "content/episodes/ep1.md",
        &episode(1, "audio = \"broken.mp3\"\nduration = \"0:42\""),
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", text(&out));
    let audio = Path::new("content/episodes").join("broken.mp3");
    let source = Path::new("content/episodes").join("ep1.md");
    assert_eq!(
        crate::common::stderr(&out),
        format!(
            "warning: {}: audio file {} cannot be measured: it is not an MP3 or M4A file feedwright can read (unsupported feature: core (probe): no suitable format reader found); the written duration = 42 s is kept: check that the file plays, as an MP3 or M4A\n",
            source.display(),
            audio.display()
        ),
        "{}",
        text(&out)
    );
    assert_eq!(durations(&site)[0].1.as_deref(), Some("42"));
}
