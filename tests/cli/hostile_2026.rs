//! Hostile input against the features of issues 16 to 18: chapter titles that try to break
//! out of XML attributes, CDATA and JSON; absurd chapter starts; transcripts that are huge,
//! binary or outside the site; media files that are FIFOs or folders; servers that redirect
//! in loops, to other schemes or with credentials. Output is read back with roxmltree and
//! serde_json; every run is bounded in time.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{self, PODCAST_CONFIG, Site, stderr, text};

mod servers;

fn site() -> Site {
    let site = Site::with_config(PODCAST_CONFIG);
    site.write("content/episodes/media/ep1.mp3", &"x".repeat(1000));
    site
}

fn episode(extra: &str) -> String {
    format!(
        "+++\ntitle = \"Pilot\"\ndate = 2026-06-01T10:00:00Z\naudio = \"media/ep1.mp3\"\nduration = \"50:00\"\n{extra}\n+++\nNotes.\n"
    )
}

/// Runs feedwright in `site` with `args`, killed after `limit`: a hang is a failure, not a
/// stuck test run.
fn run_within(site: &Site, args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_feedwright"))
        .current_dir(site.dir.path())
        .env_remove("FEEDWRIGHT_CONFIG")
        .args(["--now", "2026-07-01T00:00:00Z"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "feedwright {args:?} still running after {limit:?}: {}",
                text(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Titles that try every way out: of an attribute (quotes), of CDATA (`]]>`), of the markup
/// (`<`, `&`), of a line (U+2028, tab, CR LF: one line in every form, since an XML attribute
/// reads them back as spaces), of the reading direction (U+202E), and characters XML
/// forbids, written as TOML escapes so no clean-up of the raw file sees them.
const HOSTILE_TITLES: [(&str, &str); 6] = [
    (
        r#"Intro ]]> <b>&amp; \"q\" 'a'"#,
        r#"Intro ]]> <b>&amp; "q" 'a'"#,
    ),
    (r"bell\u0001\u0008 here", "bell here"),
    (r"line\u2028sep\u2029para", "line sep para"),
    (r"rtl \u202Egnp.exe", "rtl \u{202E}gnp.exe"),
    (r"tab\tand\r\nbreak", "tab and break"),
    (r"nonchar\uFFFE\uFFFF end", "nonchar end"),
];

#[test]
fn hostile_chapter_titles_stay_well_formed_everywhere() {
    let site = site();
    let list: Vec<String> = HOSTILE_TITLES
        .iter()
        .enumerate()
        .map(|(i, (t, _))| format!("  {{ start = \"{}\", title = \"{t}\" }},", i * 60))
        .collect();
    site.write(
        "content/episodes/ep1.md",
        &episode(&format!("chapters = [\n{}\n]", list.join("\n"))),
    );
    let out = run_within(&site, &["build"], Duration::from_secs(60));
    assert!(out.status.success(), "{}", text(&out));
    let raw = site.read("feeds/podcast.rss");
    let doc = roxmltree::Document::parse(&raw).unwrap_or_else(|e| panic!("{e}: {raw}"));
    let psc: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "chapter")
        .filter_map(|n| n.attribute("title"))
        .collect();
    let want: Vec<String> = HOSTILE_TITLES
        .iter()
        .map(|(_, w)| w.trim().to_string())
        .collect();
    assert_eq!(psc, want);
    let json: serde_json::Value =
        serde_json::from_str(&site.read("feeds/chapters/ep1.json")).unwrap();
    let titles: Vec<&str> = json["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, want);
    // The show notes carry the titles as text: the description must parse as HTML text too.
    let item = doc.descendants().find(|n| n.has_tag_name("item")).unwrap();
    let description = item
        .children()
        .find(|n| n.has_tag_name("description"))
        .and_then(|n| n.text())
        .unwrap();
    assert!(
        description.ends_with(
            "<p>0:00 Intro ]]&gt; &lt;b&gt;&amp;amp; &quot;q&quot; 'a'</p><p>1:00 bell here</p><p>2:00 line sep para</p><p>3:00 rtl \u{202E}gnp.exe</p><p>4:00 tab and break</p><p>5:00 nonchar end</p>"
        ),
        "{description}"
    );
    // Every other output file is well-formed too.
    for name in ["podcast.xml", "podcast.json"] {
        if site.path(&format!("feeds/{name}")).exists() {
            let body = site.read(&format!("feeds/{name}"));
            if name.ends_with(".xml") {
                roxmltree::Document::parse(&body).unwrap();
            } else {
                serde_json::from_str::<serde_json::Value>(&body).unwrap();
            }
        }
    }
}

#[test]
fn absurd_chapter_starts_are_errors_naming_the_chapter_not_panics() {
    for (start, why) in [
        ("-1", "start `-1` must be H:MM:SS"),
        ("1e9", "start `1e9` must be H:MM:SS"),
        ("0:00:00:00", "start `0:00:00:00` must be H:MM:SS"),
        (
            "99999999999999999999",
            "start `99999999999999999999` must be H:MM:SS",
        ),
        // Each part fits a u64, the whole does not: once a panic on overflow.
        (
            "999999999999999999:00:00",
            "start `999999999999999999:00:00` must be H:MM:SS",
        ),
        // Held to the episode's final duration (a local file's is measured), after the notes.
        ("99999999999:00", "at or after the end of the episode"),
    ] {
        let site = site();
        site.write(
            "content/episodes/ep1.md",
            &episode(&format!(
                "chapters = [{{ start = \"0\", title = \"A\" }}, {{ start = \"{start}\", title = \"B\" }}]"
            )),
        );
        let out = run_within(&site, &["build"], Duration::from_secs(60));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{start}: {}", text(&out));
        assert!(!err.contains("panicked"), "{start}: {err}");
        assert!(
            err.contains("content/episodes/ep1.md:") && err.contains(why),
            "{start}: {err}"
        );
    }
}

#[test]
fn a_hundred_thousand_chapters_build_in_time() {
    let site = site();
    let list: String = (0..100_000)
        .map(|i| format!("  {{ start = \"{i}\", title = \"Chapter {i}\" }},\n"))
        .collect();
    site.write(
        "content/episodes/ep1.md",
        &format!(
            "+++\ntitle = \"Pilot\"\ndate = 2026-06-01T10:00:00Z\naudio = \"media/ep1.mp3\"\nduration = \"30:00:00\"\nchapters = [\n{list}]\n+++\nNotes.\n"
        ),
    );
    let out = run_within(&site, &["build"], Duration::from_secs(120));
    assert!(out.status.success(), "{}", text(&out));
    let raw = site.read("feeds/podcast.rss");
    let doc = roxmltree::Document::parse_with_options(
        &raw,
        roxmltree::ParsingOptions {
            nodes_limit: u32::MAX,
            ..Default::default()
        },
    )
    .unwrap();
    let n = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "chapter")
        .count();
    assert_eq!(n, 100_000);
}

/// An audio or chapter URL with a password in it would be published in the feed for anyone
/// to read: refused, and the password is not repeated in the message.
#[test]
fn urls_with_credentials_never_reach_a_feed() {
    for (key, line, what) in [
        (
            "audio",
            "audio = \"https://carol:audio-pw-99@cdn.example/e.mp3\"\naudio_length = 100",
            "audio URL `https://cdn.example/e.mp3`",
        ),
        (
            "image",
            "image = \"https://carol:audio-pw-99@cdn.example/e.jpg\"",
            "image `https://cdn.example/e.jpg`",
        ),
        (
            "transcripts",
            "transcripts = [{ url = \"https://carol:audio-pw-99@cdn.example/e.vtt\" }]",
            "transcript url `https://cdn.example/e.vtt`",
        ),
    ] {
        let site = site();
        site.write(
            "content/episodes/ep1.md",
            &format!("+++\ntitle = \"Pilot\"\ndate = 2026-06-01T10:00:00Z\n{line}\n+++\nNotes.\n"),
        );
        let out = run_within(&site, &["build"], Duration::from_secs(60));
        let all = text(&out);
        assert!(!all.contains("audio-pw-99"), "{key}: {all}");
        assert_eq!(out.status.code(), Some(1), "{key}: {all}");
        assert!(
            stderr(&out).contains(&format!("{what} holds a user name or password, which the feed would show to everyone: remove them from the URL (and change that password)")),
            "{key}: {all}"
        );
        assert!(!site.path("feeds/podcast.rss").exists(), "{key}");
    }
}

/// The same for the podcast's cover and media folder written in config.toml.
#[test]
fn config_urls_with_credentials_never_reach_a_feed() {
    let new_feed = "media_base_url = \"https://cdn.pod.example/media/\"";
    for (key, from, to, shown) in [
        (
            "image",
            "https://pod.example/cover.jpg",
            "https://u:cfg-pw-22@pod.example/cover.jpg",
            "https://pod.example/cover.jpg",
        ),
        (
            "media_base_url",
            "https://cdn.pod.example/media/",
            "https://u:cfg-pw-22@cdn.pod.example/media/",
            "https://cdn.pod.example/media/",
        ),
        (
            "funding",
            "\"/give\"",
            "\"https://u:cfg-pw-22@pod.example/give\"",
            "https://pod.example/give",
        ),
        (
            "new_feed_url",
            new_feed,
            &format!("{new_feed}\nnew_feed_url = \"https://bob:cfg-pw-22@new.example/p.rss\""),
            "https://new.example/p.rss",
        ),
    ] {
        let site = Site::with_config(&PODCAST_CONFIG.replace(from, to));
        site.write("content/episodes/media/ep1.mp3", &"x".repeat(1000));
        site.write("content/episodes/ep1.md", &episode(""));
        let out = run_within(&site, &["build"], Duration::from_secs(60));
        let all = text(&out);
        assert!(!all.contains("cfg-pw-22"), "{key}: {all}");
        assert!(
            stderr(&out).contains(&format!("[feed.podcast] {key} `{shown}` holds a user name or password, which the feed would show to everyone: remove them from the URL (and change that password)")),
            "{key}: {all}"
        );
        assert!(!out.status.success(), "{key}: {all}");
        assert!(!site.path("feeds/podcast.rss").exists(), "{key}");
    }
}

/// The feed page with a site title, feed title and description from config.toml that try to
/// break out of text, attributes and comments, plus a C1 control (legal XML, refused by HTML)
/// and a description of a megabyte: the page stays well-formed and holds the text.
#[test]
fn the_feed_page_stays_well_formed_with_hostile_config_text() {
    let long = "word ".repeat(200_000);
    let config = format!(
        "[site]\ntitle = \"Site ]]> <!-- &amp; \\\"q\\\" 'a' \\u0085 \\u202E\"\nbase_url = \"https://films.example/\"\nid = \"tag:films.example,2026:\"\nlanguage = \"en\"\nhtml = true\n\n[[feed]]\nname = \"reviews\"\ntitle = \"</title><script>alert(1)</script> \\u2028\"\ndescription = \"{long}\"\nsource = \"content/reviews\"\nformats = [\"rss\", \"atom\", \"json\"]\n"
    );
    let site = Site::with_config(&config);
    site.write(
        "content/reviews/heat.md",
        &common::review("Heat <b>", "2026-01-01", "A heist."),
    );
    let out = run_within(&site, &["build"], Duration::from_secs(60));
    assert!(out.status.success(), "{}", text(&out));
    let page = site.read("feeds/reviews.html");
    let xml = page.strip_prefix("<!DOCTYPE html>\n").unwrap();
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}"));
    assert!(doc.descendants().all(|n| n.tag_name().name() != "script"));
    let h1 = doc.descendants().find(|n| n.has_tag_name("h1")).unwrap();
    assert_eq!(
        h1.text(),
        Some("</title><script>alert(1)</script> \u{2028}")
    );
    let site_line = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("site"))
        .unwrap();
    let shown: String = site_line
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(shown, "Site ]]> <!-- &amp; \"q\" 'a'  \u{202E}");
    assert!(page.contains(long.trim()));
}

/// Media that are FIFOs or folders: opening a FIFO for reading waits for a writer forever,
/// so every reader must look at the file's type first. The build ends, with an error.
#[test]
fn fifos_and_folders_as_media_never_hang_the_build() {
    for what in ["cover", "audio", "image", "transcript"] {
        for kind in ["fifo", "folder"] {
            let site = Site::with_config(&PODCAST_CONFIG.replace(
                "image = \"https://pod.example/cover.jpg\"",
                "image = \"cover.jpg\"",
            ));
            site.write_bytes("cover.jpg", &common::rgb_jpeg_header(1400));
            site.write("content/episodes/ep1.mp3", &"x".repeat(1000));
            let target = match what {
                "cover" => "cover.jpg",
                "audio" => "content/episodes/ep1.mp3",
                "image" => "content/episodes/art.jpg",
                _ => "content/episodes/ep1.vtt",
            };
            let path = site.path(target);
            let _ = std::fs::remove_file(&path);
            if kind == "fifo" {
                let made = Command::new("mkfifo").arg(&path).status();
                if !made.is_ok_and(|s| s.success()) {
                    continue;
                }
            } else {
                std::fs::create_dir(&path).unwrap();
            }
            site.write(
                "content/episodes/ep1.md",
                "+++\ntitle = \"Pilot\"\ndate = 2026-06-01T10:00:00Z\naudio = \"ep1.mp3\"\nduration = \"50:00\"\nimage = \"art.jpg\"\ntranscripts = [{ file = \"ep1.vtt\" }]\n+++\nNotes.\n",
            );
            if what != "transcript" {
                site.write(
                    "content/episodes/ep1.vtt",
                    "WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n",
                );
            }
            let out = run_within(&site, &["build"], Duration::from_secs(60));
            assert!(
                !stderr(&out).contains("panicked"),
                "{what} {kind}: {}",
                text(&out)
            );
            if what != "image" {
                assert!(!out.status.success(), "{what} {kind}: {}", text(&out));
            }
            if what == "audio" {
                assert!(
                    stderr(&out).contains("audio file content/episodes/ep1.mp3 is not a regular file: point `audio` at the audio file itself"),
                    "{kind}: {}",
                    text(&out)
                );
            }
        }
    }
}

/// The same escapes from YAML front matter: `\x01` becomes U+FFFD (the YAML clean-up
/// replaces, where the TOML one drops), `\u2028` and `\t` a space.
#[test]
fn yaml_chapter_title_escapes_are_cleaned_too() {
    let site = site();
    site.write(
        "content/episodes/ep1.md",
        "---\ntitle: Pilot\ndate: 2026-06-01T10:00:00Z\naudio: media/ep1.mp3\nduration: \"50:00\"\nchapters:\n  - { start: \"0:00\", title: \"a\\x01b ]]> \\u2028c\\td\\x7f\" }\n---\nNotes.\n",
    );
    let out = run_within(&site, &["build"], Duration::from_secs(60));
    assert!(out.status.success(), "{}", text(&out));
    let raw = site.read("feeds/podcast.rss");
    let doc = roxmltree::Document::parse(&raw).unwrap();
    let title = doc
        .descendants()
        .find(|n| n.tag_name().name() == "chapter")
        .and_then(|n| n.attribute("title"))
        .unwrap();
    assert_eq!(title, "a\u{FFFD}b ]]>  c d\u{7f}");
    let json: serde_json::Value =
        serde_json::from_str(&site.read("feeds/chapters/ep1.json")).unwrap();
    assert_eq!(json["chapters"][0]["title"], "a\u{FFFD}b ]]>  c d\u{7f}");
}
