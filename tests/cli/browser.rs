//! The feed in a real browser. The styled feed (issue 8): Debian's headless `chromium` opens
//! feeds served by `feedwright serve`, and the DOM it renders must show the feed's item titles
//! and the subscribe hint. The feed's own page `<name>.html` (issue 18), at a phone's and a
//! desktop's width: titles, feed URLs, auto-discovery links, no sideways scrolling. Screenshots
//! are kept under target/browser-artifacts/.
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
language = "en-GB"
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

/// Window sizes: a desktop browser, and a phone's screen in CSS pixels (an iPhone 12-15).
const DESKTOP: &str = "1000,900";
const PHONE: &str = "390,844";

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

/// Runs headless chromium on `url` with `mode` (`--dump-dom` or `--screenshot=…`) in a window
/// of `size` (`"width,height"`); returns stdout.
fn chromium_run(bin: &Path, profile: &Path, size: &str, mode: &str, url: &str) -> String {
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
        ])
        .arg(format!("--window-size={size}"))
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
    // A summary of over 4,000 characters (audit: past that the RSS view showed references).
    let long = format!(
        "Forget it, Jake: \\\"it's\\\" 5 < 6 > 4 & more.{}",
        " Long prose.".repeat(400)
    );
    site.write(
        "content/reviews/c.md",
        &format!(
            "+++\ntitle = \"Chinatown\"\ndate = 2026-03-01\nsummary = \"{long}\"\n+++\nThe body.\n"
        ),
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
        let dom = chromium_run(&bin, profile.path(), DESKTOP, "--dump-dom", &url);
        assert!(
            dom.contains("class=\"item-title\""),
            "{path} was not styled by feed.xsl:\n{dom}"
        );
        // The feed's language is the page's (audit: the XSL view had none).
        assert!(
            dom.contains("<html lang=\"en-GB\">"),
            "{path}: no lang:\n{dom}"
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
        // Audit: the RSS view showed a summary's references as text (`&amp;` on screen).
        if !path.starts_with("/archive") {
            assert!(
                dom.contains("Forget it, Jake: \"it's\" 5 &lt; 6 &gt; 4 &amp; more."),
                "{path}: the summary is not shown as written:\n{dom}"
            );
            assert!(
                dom.contains(">2026-03-01</span>") || dom.contains(">01 Mar 2026</span>"),
                "{path}: the date is not shown as a day:\n{dom}"
            );
        }
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
            DESKTOP,
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

const PAGE_CONFIG: &str = r#"
[site]
title = "Browser Reviews"
base_url = "https://films.example/"
id = "tag:films.example,2026:"
language = "en"
timezone = "Europe/Paris"
html = true

[[feed]]
name = "reviews"
title = "Reviews on a phone"
description = "Film reviews, without XSLT"
source = "content/reviews"
formats = ["rss", "atom", "json"]
"#;

/// A word longer than a phone is wide: the page must wrap it, not scroll sideways.
const LONG_WORD: &str = "Supercalifragilisticexpialidociouslylongtitlewithoutanyspaceatallthatnophonescreencouldholdonasingleline";

/// The PNG's width and height, from its IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

/// A page that loads `reviews.html` (and, as a control that the probe can fail, a page wider
/// than a phone) in frames a phone wide, and writes what each frame's layout measured into
/// its own DOM. The script is the probe's: the feed page itself has none and allows none.
const PROBE: &str = r#"<!DOCTYPE html>
<html><head><script>
function probe(frame) {
  var d = frame.contentDocument.documentElement;
  var out = document.createElement('p');
  out.textContent = 'probe ' + frame.id + ' scroll=' + d.scrollWidth + ' client=' + d.clientWidth;
  document.body.appendChild(out);
}
</script></head><body>
<iframe id="page" src="reviews.html" onload="probe(this)" style="width:390px;height:844px;border:0"></iframe>
<iframe id="wide" src="wide.html" onload="probe(this)" style="width:390px;height:200px;border:0"></iframe>
</body></html>
"#;

#[test]
fn feed_html_page_in_headless_chromium_on_a_phone_and_a_desktop() {
    let Some(bin) = chromium() else { return };
    let site = Site::with_config(PAGE_CONFIG);
    site.write(
        "content/reviews/a.md",
        &review("Alien & the Nostromo", "2026-01-01", "In space."),
    );
    site.write(
        "content/reviews/b.md",
        &review(LONG_WORD, "2026-02-01", "Tight."),
    );
    site.write(
        "content/reviews/c.md",
        &review(
            "Chinatown <script>alert(1)</script>",
            "2026-03-01",
            "Forget it.",
        ),
    );
    let served = serving::Served::start(site.dir.path(), common::NOW);
    let reply = served.get("/reviews.html", &[("Accept", "text/html")]);
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let profile = tempfile::tempdir().unwrap();
    let out = artifacts();
    let file_url = format!("file://{}", site.path("feeds/reviews.html").display());

    for (size, url, shot) in [
        (PHONE, served.url("/reviews.html"), "feed-page-phone.png"),
        (DESKTOP, file_url, "feed-page-desktop.png"),
    ] {
        let dom = chromium_run(&bin, profile.path(), size, "--dump-dom", &url);
        for title in [
            "Alien &amp; the Nostromo",
            LONG_WORD,
            "Chinatown &lt;script&gt;alert(1)&lt;/script&gt;",
        ] {
            assert!(
                dom.contains(&format!(">{title}</a></h3>")),
                "{url}: `{title}` missing:\n{dom}"
            );
        }
        assert!(!dom.contains("<script"), "{url} runs a script:\n{dom}");
        for (ext, media_type) in [
            ("rss", "application/rss+xml"),
            ("atom", "application/atom+xml"),
            ("json", "application/feed+json"),
        ] {
            let feed = format!("https://films.example/feeds/reviews.{ext}");
            assert!(
                dom.contains(&format!("readonly=\"readonly\" value=\"{feed}\"")),
                "{url}: no field to copy {feed} from:\n{dom}"
            );
            assert!(
                dom.contains(&format!(
                    "<link rel=\"alternate\" type=\"{media_type}\" href=\"{feed}\""
                )),
                "{url}: no auto-discovery link for {feed}:\n{dom}"
            );
        }
        let png = out.join(shot);
        let _ = std::fs::remove_file(&png);
        chromium_run(
            &bin,
            profile.path(),
            size,
            &format!("--screenshot={}", png.display()),
            &url,
        );
        let bytes =
            std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot {}: {e}", png.display()));
        let width: u32 = size.split(',').next().unwrap().parse().unwrap();
        assert_eq!(png_size(&bytes).0, width, "{}", png.display());
    }

    // No sideways scrolling at a phone's width, measured by the browser's own layout.
    site.write("feeds/layout-probe.html", PROBE);
    site.write(
        "feeds/wide.html",
        "<!DOCTYPE html><html><body><div style=\"width:1200px\">wide</div></body></html>",
    );
    let dom = chromium_run(
        &bin,
        profile.path(),
        DESKTOP,
        "--dump-dom",
        &served.url("/layout-probe.html"),
    );
    let measured = |frame: &str| -> (u32, u32) {
        let line = dom
            .split(&format!("probe {frame} scroll="))
            .nth(1)
            .unwrap_or_else(|| panic!("the probe measured no `{frame}`:\n{dom}"));
        let (scroll, rest) = line.split_once(" client=").unwrap();
        let client = rest.split('<').next().unwrap();
        (scroll.parse().unwrap(), client.parse().unwrap())
    };
    let (scroll, client) = measured("wide");
    assert!(
        scroll > client,
        "the probe sees no overflow where there is some:\n{dom}"
    );
    let (scroll, client) = measured("page");
    // The frame is 390 px wide, less a scroll bar where the browser draws one.
    assert!(client > 300, "{dom}");
    assert_eq!(scroll, client, "reviews.html is wider than a phone:\n{dom}");
}

/// Without a browser: `[site] html` gives every feed its page unless the feed says otherwise,
/// the page is rewritten only when it changes, and `push` uploads it as HTML.
#[test]
fn feed_pages_follow_the_site_key_and_the_feed_override_and_are_pushed() {
    let config = format!(
        "{PAGE_CONFIG}\n[[feed]]\nname = \"notes\"\ntitle = \"Notes\"\nsource = \"content/notes\"\nhtml = false\n\n[publish]\nurl = \"http://127.0.0.1:9/dav/\"\n"
    );
    let site = Site::with_config(&config);
    site.write(
        "content/reviews/a.md",
        &review("Alien & the Nostromo", "2026-01-01", "In space."),
    );
    site.write(
        "content/notes/n.md",
        &review("A note", "2026-01-02", "Hello."),
    );
    let first = site.ok(&["build"]);
    assert!(first.contains("wrote feeds/reviews.html"), "{first}");
    assert!(!site.path("feeds/notes.html").exists(), "{first}");
    let page = site.read("feeds/reviews.html");
    assert!(page.starts_with("<!DOCTYPE html>\n"), "{page}");
    roxmltree::Document::parse(page.strip_prefix("<!DOCTYPE html>\n").unwrap())
        .unwrap_or_else(|e| panic!("reviews.html is not XHTML-compatible: {e}\n{page}"));
    // Nothing changed: nothing is rewritten, the page included (it holds no build time).
    assert_eq!(site.ok(&["build"]), "");
    assert_eq!(site.read("feeds/reviews.html"), page);

    let dry = site.ok(&["push", "--dry-run"]);
    assert!(
        dry.contains(
            "would upload reviews.html -> http://127.0.0.1:9/dav/reviews.html (new: never pushed)"
        ),
        "{dry}"
    );
    assert!(!dry.contains("notes.html"), "{dry}");
    assert_eq!(
        feedwright::media_types::content_type("reviews.html"),
        "text/html; charset=utf-8"
    );
}
