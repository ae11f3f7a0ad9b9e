//! The styled feed page in a real browser (issue 8): Debian's headless `chromium` opens feeds
//! served by `feedwright serve`, and the DOM it renders must show the feed's item titles and
//! the subscribe hint. Screenshots are kept under target/browser-artifacts/.
//!
//! Without chromium the test says loudly that it skipped; with FEEDWRIGHT_REQUIRE_CHROMIUM=1
//! (set by .ci/run) a missing chromium is a failure.

use crate::common;
use crate::serving;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{Site, review};

const CONFIG: &str = r#"
[site]
title = "Browser Reviews"
base_url = "https://films.example/"
id = "tag:films.example,2026:"
timezone = "Europe/Paris"
stylesheet = true

[[feed]]
name = "reviews"
title = "Reviews in a browser"
description = "Film reviews"
source = "content/reviews"
formats = ["rss", "atom"]
limit = 2
archive = true
"#;

fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
    });
    if found.is_none() {
        if std::env::var("FEEDWRIGHT_REQUIRE_CHROMIUM").as_deref() == Ok("1") {
            panic!(
                "chromium is not installed but FEEDWRIGHT_REQUIRE_CHROMIUM=1: apt-get install -y chromium"
            );
        }
        // Straight to the process's stderr: libtest captures `eprintln!` of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "\n\
             ******************************************************************************\n\
             * SKIPPED tests/browser.rs: `chromium` is not installed.\n\
             * Install it with `apt-get install -y chromium`, or set\n\
             * FEEDWRIGHT_REQUIRE_CHROMIUM=1 to make this a failure (as .ci/run does).\n\
             ******************************************************************************\n"
        );
    }
    found
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs headless chromium on `url` with `mode` (`--dump-dom` or `--screenshot=…`); returns
/// stdout.
fn chromium_run(bin: &Path, profile: &Path, mode: &str, url: &str) -> String {
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1000,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(mode)
        .arg(url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromium starts");
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    // A hung browser must not hang the suite.
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 90 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().unwrap()
}

#[test]
fn feed_page_in_headless_chromium_shows_the_item_titles() {
    let Some(bin) = chromium() else { return };
    let site = Site::with_config(CONFIG);
    site.write(
        "content/reviews/a.md",
        &review("Alien & the Nostromo", "2026-01-01", "In space."),
    );
    site.write(
        "content/reviews/b.md",
        &review("Bound", "2026-02-01", "Tight."),
    );
    site.write(
        "content/reviews/c.md",
        &review("Chinatown", "2026-03-01", "Forget it."),
    );
    let served = serving::Served::start(site.dir.path(), common::NOW);
    let profile = tempfile::tempdir().unwrap();
    let out = artifacts();

    for (path, expected, absent, subscribe, shot) in [
        (
            "/reviews.rss",
            ["Chinatown", "Bound"],
            "Alien",
            "/reviews.rss",
            "feed.png",
        ),
        (
            "/reviews.atom",
            ["Chinatown", "Bound"],
            "Alien",
            "/reviews.atom",
            "feed-atom.png",
        ),
        // An archive page points readers at the feed itself, not at the page.
        (
            "/archive/reviews/1.rss",
            ["Alien & the Nostromo", "Alien & the Nostromo"],
            "Chinatown",
            "/reviews.rss",
            "archive.png",
        ),
    ] {
        let url = served.url(path);
        let dom = chromium_run(&bin, profile.path(), "--dump-dom", &url);
        assert!(
            dom.contains("class=\"item-title\""),
            "{path} was not styled by feed.xsl:\n{dom}"
        );
        for title in expected {
            let escaped = title.replace('&', "&amp;");
            assert!(
                dom.contains(&format!(">{escaped}</a>")),
                "{path}: `{title}` missing:\n{dom}"
            );
        }
        assert!(
            !dom.contains(&format!(">{absent}")),
            "{path} shows `{absent}`"
        );
        assert!(
            dom.contains("Copy this URL into your reader"),
            "{path}: no subscribe hint"
        );
        assert!(
            dom.contains(&format!("value=\"https://films.example/feeds{subscribe}\"")),
            "{path}: the hint shows the public feed URL to subscribe to:\n{dom}"
        );
        let png = out.join(shot);
        let _ = std::fs::remove_file(&png);
        chromium_run(
            &bin,
            profile.path(),
            &format!("--screenshot={}", png.display()),
            &url,
        );
        let bytes =
            std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot {}: {e}", png.display()));
        assert!(
            bytes.starts_with(b"\x89PNG"),
            "{} is not a PNG",
            png.display()
        );
    }

    // The same file fetched as a feed reader does keeps the feed type.
    let reader = served.get(
        "/reviews.rss",
        &[("Accept", "application/rss+xml, application/xml;q=0.9")],
    );
    assert_eq!(
        reader.header("content-type"),
        Some("application/rss+xml; charset=utf-8")
    );
}
