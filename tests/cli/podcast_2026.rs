//! CLI tests for the podcast tags of late 2026 (issue 17): one inline chapters list written as a
//! JSON chapters file, Podlove Simple Chapters and show-notes timestamps; several transcripts;
//! `podcast:medium`, `podcast:txt`, `podcast:updateFrequency`, `itunes:new-feed-url`; and the
//! owner e-mail shown only until a date. Output is read back with roxmltree, feed-rs and
//! serde_json.

use crate::common;

use common::{Site, stderr, text};

fn config(extra: &str) -> String {
    format!("{}{extra}\n", common::PODCAST_CONFIG)
}

fn site(extra: &str) -> Site {
    let site = Site::with_config(&config(extra));
    site.write("content/episodes/media/ep1.mp3", &"x".repeat(1000));
    site
}

const VTT: &str =
    "WEBVTT\n\n00:00.000 --> 00:05.000\n<v Ada>Hello.\n\n00:05.000 --> 00:09.500\n<v Ada>Bye.\n";

const CHAPTERS_TOML: &str = r#"chapters = [
  { start = "0:00", title = "Intro" },
  { start = "5:30", title = "Review: Ballerina", url = "https://films.example/ballerina/", image = "art/ballerina.jpg" },
  { start = "41:02", title = "Listener mail" },
]"#;

const TRANSCRIPTS_TOML: &str = r#"transcripts = [
  { file = "transcripts/ep1.vtt", language = "en" },
  { url = "https://cdn.example/ep1.srt", type = "application/x-subrip", rel = "captions" },
  { url = "https://cdn.example/ep1.json" },
]"#;

fn toml_episode(extra: &str) -> String {
    format!(
        "+++\ntitle = \"Pilot\"\ndate = 2026-06-01T10:00:00Z\naudio = \"media/ep1.mp3\"\nduration = \"50:00\"\nimage = \"art/ballerina.jpg\"\n{extra}\n+++\nNotes.\n"
    )
}

/// The first element named `name` in namespace `ns` under `node`, descendants included.
fn find<'a>(node: roxmltree::Node<'a, 'a>, ns: &str, name: &str) -> Vec<roxmltree::Node<'a, 'a>> {
    node.descendants()
        .filter(|n| n.tag_name().namespace() == Some(ns) && n.tag_name().name() == name)
        .collect()
}

const PODCAST: &str = "https://podcastindex.org/namespace/1.0";
const PSC: &str = "http://podlove.org/simple-chapters";
const ITUNES: &str = "http://www.itunes.com/dtds/podcast-1.0.dtd";

/// The expected chapters: (seconds, title, url, image).
const EXPECTED: [(u64, &str, Option<&str>, Option<&str>); 3] = [
    (0, "Intro", None, None),
    (
        330,
        "Review: Ballerina",
        Some("https://films.example/ballerina/"),
        Some("https://cdn.pod.example/media/ballerina.jpg"),
    ),
    (2462, "Listener mail", None, None),
];

fn check_chapters_json(site: &Site, slug: &str) {
    let json: serde_json::Value =
        serde_json::from_str(&site.read(&format!("feeds/chapters/{slug}.json"))).unwrap();
    assert_eq!(json["version"], "1.2.0");
    let list = json["chapters"].as_array().unwrap();
    assert_eq!(list.len(), EXPECTED.len());
    for (c, (start, title, url, img)) in list.iter().zip(EXPECTED) {
        assert_eq!(c["startTime"].as_u64(), Some(start));
        assert_eq!(c["title"], title);
        assert_eq!(c["url"].as_str(), url);
        assert_eq!(c["img"].as_str(), img);
    }
}

#[test]
fn one_chapters_list_in_every_format_and_every_transcript() {
    let site = site(
        r#"medium = "podcast"
txt = [{ purpose = "applepodcastsverify", value = "abc-123" }]
update_frequency = { text = "Weekly", rrule = "FREQ=WEEKLY", complete = false }
new_feed_url = "https://new.pod.example/podcast.rss""#,
    );
    site.write_bytes(
        "content/episodes/art/ballerina.jpg",
        &common::rgb_jpeg_header(1400),
    );
    site.write("content/episodes/transcripts/ep1.vtt", VTT);
    site.write(
        "content/episodes/ep1.md",
        &toml_episode(&format!("{CHAPTERS_TOML}\n{TRANSCRIPTS_TOML}")),
    );
    let out = site.ok(&["build"]);
    assert!(out.contains("wrote feeds/chapters/ep1.json"), "{out}");
    check_chapters_json(&site, "ep1");

    let raw = site.read("feeds/podcast.rss");
    let doc = roxmltree::Document::parse(&raw).unwrap_or_else(|e| panic!("{e}\n{raw}"));
    let item = doc.descendants().find(|n| n.has_tag_name("item")).unwrap();
    let chapters = find(item, PODCAST, "chapters");
    assert_eq!(chapters.len(), 1);
    assert_eq!(
        chapters[0].attribute("url"),
        Some("https://pod.example/feeds/chapters/ep1.json")
    );
    assert_eq!(
        chapters[0].attribute("type"),
        Some("application/json+chapters")
    );

    // Podlove Simple Chapters agree with the list.
    let psc = find(item, PSC, "chapters");
    assert_eq!(psc[0].attribute("version"), Some("1.2"));
    let psc: Vec<_> = find(item, PSC, "chapter");
    let want = ["00:00:00", "00:05:30", "00:41:02"];
    assert_eq!(psc.len(), 3);
    for ((p, (_, title, url, img)), start) in psc.iter().zip(EXPECTED).zip(want) {
        assert_eq!(p.attribute("start"), Some(start));
        assert_eq!(p.attribute("title"), Some(title));
        assert_eq!(p.attribute("href"), url);
        assert_eq!(p.attribute("image"), img);
    }

    // The show notes carry the timestamps, the first at 0:00.
    let lines = "<p>0:00 Intro</p><p>5:30 Review: Ballerina</p><p>41:02 Listener mail</p>";
    let description = item
        .children()
        .find(|n| n.has_tag_name("description"))
        .and_then(|n| n.text())
        .unwrap();
    assert_eq!(description, format!("<p>Notes.</p>{lines}"));
    let content = item
        .children()
        .find(|n| n.has_tag_name("encoded"))
        .and_then(|n| n.text())
        .unwrap();
    assert!(content.ends_with(lines), "{content}");

    // Every transcript, each with its type.
    let transcripts: Vec<_> = find(item, PODCAST, "transcript")
        .iter()
        .map(|t| {
            (
                t.attribute("url").unwrap().to_string(),
                t.attribute("type").unwrap().to_string(),
                t.attribute("rel").map(str::to_string),
            )
        })
        .collect();
    assert_eq!(
        transcripts,
        [
            (
                "https://cdn.pod.example/media/ep1.vtt".to_string(),
                "text/vtt".to_string(),
                None
            ),
            (
                "https://cdn.example/ep1.srt".into(),
                "application/x-subrip".into(),
                Some("captions".into())
            ),
            (
                "https://cdn.example/ep1.json".into(),
                "application/json".into(),
                None
            ),
        ]
    );
    let image = find(item, ITUNES, "image");
    assert_eq!(
        image[0].attribute("href"),
        Some("https://cdn.pod.example/media/ballerina.jpg")
    );

    // Channel tags.
    let channel = doc
        .descendants()
        .find(|n| n.has_tag_name("channel"))
        .unwrap();
    let child = |ns: &str, name: &str| {
        channel
            .children()
            .find(|n| n.tag_name().namespace() == Some(ns) && n.tag_name().name() == name)
    };
    assert_eq!(
        child(PODCAST, "medium").and_then(|n| n.text()),
        Some("podcast")
    );
    let txt = child(PODCAST, "txt").unwrap();
    assert_eq!(
        (txt.attribute("purpose"), txt.text()),
        (Some("applepodcastsverify"), Some("abc-123"))
    );
    let freq = child(PODCAST, "updateFrequency").unwrap();
    assert_eq!(freq.text(), Some("Weekly"));
    assert_eq!(freq.attribute("rrule"), Some("FREQ=WEEKLY"));
    assert_eq!(freq.attribute("complete"), Some("false"));
    assert_eq!(
        child(ITUNES, "new-feed-url").and_then(|n| n.text()),
        Some("https://new.pod.example/podcast.rss")
    );
    assert!(
        child(ITUNES, "summary").is_none(),
        "Apple no longer reads itunes:summary"
    );

    // An independent RSS parser reads the feed.
    let feed = site.rss("podcast");
    assert_eq!(feed.entries.len(), 1);
    assert_eq!(feed.entries[0].title.as_ref().unwrap().content, "Pilot");
}

#[test]
fn yaml_front_matter_takes_the_same_lists() {
    let site = site("");
    site.write_bytes(
        "content/episodes/art/ballerina.jpg",
        &common::rgb_jpeg_header(1400),
    );
    site.write("content/episodes/transcripts/ep1.vtt", VTT);
    site.write(
        "content/episodes/ep1.md",
        r#"---
title: Pilot
date: 2026-06-01T10:00:00Z
audio: media/ep1.mp3
chapters:
  - { start: "0:00", title: Intro }
  - start: "5:30"
    title: "Review: Ballerina"
    url: https://films.example/ballerina/
    image: art/ballerina.jpg
  - { start: 2462, title: Listener mail }
transcripts:
  - file: transcripts/ep1.vtt
    language: en
---
Notes.
"#,
    );
    site.ok(&["build"]);
    check_chapters_json(&site, "ep1");
    let raw = site.read("feeds/podcast.rss");
    assert!(
        raw.contains(r#"<podcast:transcript language="en" type="text/vtt" url="https://cdn.pod.example/media/ep1.vtt"></podcast:transcript>"#),
        "{raw}"
    );
}

#[test]
fn an_external_chapters_url_still_works_either_way() {
    for key in ["chapters", "chapters_url"] {
        let site = site("");
        site.write(
            "content/episodes/ep1.md",
            &toml_episode(&format!(
                "{key} = \"https://cdn.example/ep1.chapters.json\""
            )),
        );
        site.ok(&["build"]);
        let raw = site.read("feeds/podcast.rss");
        assert!(raw.contains(r#"<podcast:chapters type="application/json+chapters" url="https://cdn.example/ep1.chapters.json"></podcast:chapters>"#), "{raw}");
        assert!(!raw.contains("psc:"), "{raw}");
        assert!(!site.path("feeds/chapters").exists());
    }
}

/// Builds one episode with `extra` keys and returns the error output.
fn build_fails(extra: &str) -> String {
    let site = site("");
    site.write("content/episodes/ep1.md", &toml_episode(extra));
    site.write(
        "content/episodes/transcripts/bad.vtt",
        "WEBVTT\n\n00:05.000 --> 00:04.000\nA\n\n00:01.000 --> 00:02.000\nB\n",
    );
    let err = site.fails(1, &["build"]);
    assert!(!site.path("feeds/podcast.rss").exists());
    err
}

/// The error lines of `stderr` (each `error: file:line: message`).
fn errors(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.starts_with("error: ") && !l.contains("problem(s) found"))
        .map(str::to_string)
        .collect()
}

#[test]
fn bad_chapter_lists_fail_at_their_line() {
    let cases = [
        (
            r#"chapters = [
  { start = "0:00", title = "Intro" },
  { start = "9:00", title = "Two" },
  { start = "5:00", title = "Three" },
]"#,
            "error: content/episodes/ep1.md:7: chapter 3 (`Three`) starts at 5:00, not after chapter 2 (`Two`) at 9:00: list the chapters in order, each starting later than the one before",
        ),
        (
            r#"chapters = [{ start = "0:10", title = "Intro" }, { start = "1:00", title = "Two" }]"#,
            "error: content/episodes/ep1.md:7: the first chapter (`Intro`) starts at 0:10, not 0:00: add a chapter at start = \"0:00\" or move this one there",
        ),
        (
            r#"chapters = [{ start = "0:00", title = "Intro" }, { start = "1:75", title = "Two" }]"#,
            "error: content/episodes/ep1.md:7: chapter 2 (`Two`): start `1:75` must be H:MM:SS, MM:SS or a number of seconds",
        ),
        (
            r#"chapters = [{ start = "0:00", title = "Intro" }, { start = "50:00", title = "After" }]"#,
            // The audio is a local file: held to its final duration, once it is measured.
            "error: content/episodes/ep1.md: chapter `After` starts at 50:00, at or after the end of the episode (50:00): fix its start",
        ),
    ];
    for (chapters, expected) in cases {
        let err = build_fails(chapters);
        assert_eq!(errors(&err), [expected], "{err}");
    }
}

#[test]
fn a_bad_vtt_fails_with_its_own_lines() {
    let err = build_fails(r#"transcripts = [{ file = "transcripts/bad.vtt" }]"#);
    assert_eq!(
        errors(&err),
        [
            "error: content/episodes/ep1.md:7: transcript content/episodes/transcripts/bad.vtt:3: cue `00:05.000 --> 00:04.000` ends before it starts: its end time must be later than its start",
            "error: content/episodes/ep1.md:7: transcript content/episodes/transcripts/bad.vtt:6: cue `00:01.000 --> 00:02.000` starts before the cue above it: put the cues in time order",
        ],
        "{err}"
    );
    let err = build_fails(r#"transcripts = [{ file = "transcripts/missing.vtt" }]"#);
    assert_eq!(
        errors(&err),
        [
            "error: content/episodes/ep1.md:7: transcript file content/episodes/transcripts/missing.vtt is not there: fix the path (it is relative to the episode file)"
        ],
        "{err}"
    );
}

#[test]
fn owner_email_is_shown_until_the_date() {
    let site = site(r#"owner_email_until = "2026-12-31""#);
    site.write("content/episodes/ep1.md", &toml_episode(""));
    let before = site.ok_at("2026-12-31T22:00:00Z", &["build"]);
    let raw = site.read("feeds/podcast.rss");
    assert!(
        raw.contains("<itunes:email>ada@pod.example</itunes:email>"),
        "{raw}"
    );
    assert!(!before.contains("owner_email_until"), "{before}");

    let out = site.run_at("2027-01-01T00:00:01Z", &["build"]);
    assert!(out.status.success(), "{}", text(&out));
    let raw = site.read("feeds/podcast.rss");
    assert!(!raw.contains("<itunes:email>"), "{raw}");
    assert!(raw.contains("<itunes:name>Ada Host</itunes:name>"), "{raw}");
    assert!(
        text(&out).contains("feed `podcast`: owner_email_until 2026-12-31 has passed, so itunes:owner is written without its e-mail"),
        "{}",
        text(&out)
    );
    // Later builds give the same bytes: only the date decided.
    let again = site.run_at("2027-03-01T00:00:00Z", &["build"]);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(site.read("feeds/podcast.rss"), raw);
}

#[test]
fn moving_a_locked_feed_and_a_bad_medium_fail() {
    let site = site(
        "locked = true\nnew_feed_url = \"https://new.pod.example/podcast.rss\"\nmedium = \"radio\"",
    );
    site.write("content/episodes/ep1.md", &toml_episode(""));
    let err = site.fails(3, &["build"]);
    let shown = errors(&err);
    assert!(
        shown.iter().any(|e| e.ends_with("feed `podcast`: new_feed_url is set while locked = true: set locked = false for the move, or the new host cannot import the show")),
        "{err}"
    );
    assert!(
        shown.iter().any(|e| e.ends_with("feed `podcast`: medium `radio` is not one of podcast, music, video, film, audiobook, newsletter, blog, publisher, course")),
        "{err}"
    );
}

#[test]
fn fewer_than_three_chapters_warn_for_spotify() {
    let site = site("");
    site.write(
        "content/episodes/ep1.md",
        &toml_episode(
            r#"chapters = [{ start = "0", title = "Intro" }, { start = "60", title = "Two" }]"#,
        ),
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("content/episodes/ep1.md: has 2 chapters; Spotify shows the description's timestamps as chapters only from 3, the first at 0:00"),
        "{}",
        text(&out)
    );
    // Without timestamps in the notes there is nothing for Spotify to read: no warning.
    let site2 = self::site("chapters_in_description = false");
    site2.write(
        "content/episodes/ep1.md",
        &toml_episode(
            r#"chapters = [{ start = "0", title = "Intro" }, { start = "60", title = "Two" }]"#,
        ),
    );
    let out = site2.run(&["build"]);
    assert!(!stderr(&out).contains("Spotify"), "{}", text(&out));
    assert!(
        !site2
            .read("feeds/podcast.rss")
            .contains("<p>0:00 Intro</p>")
    );
}

/// Audit: a WebVTT file whose one timing line had a single dash (`->`) held no cue at all, yet
/// the build published it: captions no player shows.
#[test]
fn a_transcript_without_a_cue_fails_at_its_broken_timing() {
    let site = site("");
    site.write(
        "content/episodes/ep1.md",
        &toml_episode(
            r#"transcripts = [{ file = "transcripts/dash.vtt" }, { file = "transcripts/text.srt" }]"#,
        ),
    );
    site.write(
        "content/episodes/transcripts/dash.vtt",
        "WEBVTT\n\n00:00:00.000 -> 00:00:02.000\nHello.\n",
    );
    site.write("content/episodes/transcripts/text.srt", "Hello.\n");
    let err = site.fails(1, &["build"]);
    assert_eq!(
        errors(&err),
        [
            "error: content/episodes/ep1.md:7: transcript content/episodes/transcripts/dash.vtt:3: `00:00:00.000 -> 00:00:02.000` is not a cue timing line, so the file has no cue at all: write each timing line as `00:00:01.000 --> 00:00:04.000`, with `-->` between the start and the end",
            "error: content/episodes/ep1.md:7: transcript content/episodes/transcripts/text.srt:1: no cue found: a SubRip cue is a number, a `00:00:01,000 --> 00:00:04,000` line and its text",
        ],
        "{err}"
    );
    assert!(!site.path("feeds/podcast.rss").exists());
}

/// The config error of a build with `extra` in `[feed.podcast]`, without its `config.toml:N: `
/// prefix: `config::resolve_feed` names the `media_base_url` line for every problem of the
/// table, not the line of the key at fault, so the line is not pinned here.
fn config_error(extra: &str) -> String {
    let site = site(extra);
    site.write("content/episodes/ep1.md", &toml_episode(""));
    let err = site.fails(3, &["build"]);
    assert!(!site.path("feeds/podcast.rss").exists());
    let line = err
        .lines()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or_else(|| panic!("no error line:\n{err}"));
    let (file, message) = line.split_once(": ").unwrap();
    let config = site.path("config.toml").display().to_string();
    assert!(file.starts_with(&format!("{config}:")), "{err}");
    message.to_string()
}

/// Audit: `{…}`, `urn:uuid:…` and unhyphenated guids were accepted, and apps comparing
/// `podcast:guid` as text took the show for another.
#[test]
fn a_guid_override_must_be_canonical() {
    let good = "917393e3-1b1e-5cef-ace4-edaa54e1f810";
    for guid in [
        format!("{{{good}}}"),
        format!("urn:uuid:{good}"),
        good.replace('-', ""),
    ] {
        assert_eq!(
            config_error(&format!("guid = \"{guid}\"")),
            format!(
                "[feed.podcast] guid `{guid}` is not a UUID in its canonical form (36 characters, 8-4-4-4-12 hex digits with 4 hyphens), which podcast:guid requires: write it as guid = \"{good}\""
            )
        );
    }
    let site = site(&format!("guid = \"{good}\""));
    site.write("content/episodes/ep1.md", &toml_episode(""));
    site.ok(&["build"]);
    assert!(
        site.read("feeds/podcast.rss")
            .contains(&format!("<podcast:guid>{good}</podcast:guid>"))
    );
}

/// Audit: list mediums were accepted, though a list feed holds only `podcast:remoteItem`s and
/// feedwright writes items.
#[test]
fn a_list_medium_is_refused() {
    for medium in [
        "musicL",
        "podcastL",
        "videoL",
        "filmL",
        "audiobookL",
        "newsletterL",
        "blogL",
        "mixed",
    ] {
        assert_eq!(
            config_error(&format!("medium = \"{medium}\"")),
            format!(
                "[feed.podcast] medium `{medium}` is a list medium: a list feed holds only podcast:remoteItem entries pointing into other feeds, never items of its own, and feedwright writes items: set medium to one of podcast, music, video, film, audiobook, newsletter, blog, publisher, course (or remove it: the default is podcast)"
            )
        );
    }
}

/// Audit: `serve` sent `.m4a` as `audio/mp4` while the enclosure said `audio/x-m4a`, so
/// `doctor` run against `serve` reported a type mismatch; and a JSON file in the media folder
/// was sent as a JSON Feed.
#[test]
fn doctor_against_serve_finds_the_enclosure_type() {
    let site = Site::with_config(common::PODCAST_CONFIG);
    let audio = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/aac.m4a"),
    )
    .unwrap();
    site.write_bytes("content/episodes/ep1.m4a", &audio);
    site.write(
        "content/episodes/ep1.md",
        "+++\ntitle = \"Pilot\"\ndate = 2026-06-01T10:00:00Z\naudio = \"ep1.m4a\"\n+++\nNotes.\n",
    );
    let served = crate::serving::Served::start(site.dir.path(), common::NOW);
    // The media folder, served from the output folder while trying the feed out.
    let base = served.url("/media/");
    site.write_bytes("feeds/media/ep1.m4a", &audio);
    site.write_bytes("feeds/media/cover.jpg", &common::rgb_jpeg_header(1400));
    site.write(
        "feeds/media/ep1.json",
        "{\"version\": \"1.2.0\", \"chapters\": []}",
    );
    let config = common::PODCAST_CONFIG
        .replace("https://pod.example/cover.jpg", &format!("{base}cover.jpg"))
        .replace("https://cdn.pod.example/media/", &base);
    // serve rebuilds on the config change; the feed then points at it. It starts watching
    // only after printing its address, so a change made in between is missed: written again.
    let points_at_serve =
        || std::fs::read_to_string(site.path("feeds/podcast.rss")).is_ok_and(|f| f.contains(&base));
    let rebuilt = (0..12).any(|_| {
        site.write("config.toml", &config);
        within(5, points_at_serve)
    });
    assert!(rebuilt, "serve did not rebuild");
    let feed = site.read("feeds/podcast.rss");
    assert!(feed.contains("type=\"audio/x-m4a\""), "{feed}");
    assert_eq!(
        site.ok(&["doctor"]),
        "ok: 2 media URL(s) answer HEAD and byte ranges as podcast apps expect\n"
    );
    let json = served.get("/media/ep1.json", &[]);
    assert_eq!(json.header("content-type"), Some("application/json"));
}

/// Whether `done` holds within `seconds`, asked every 100 ms.
fn within(seconds: u64, done: impl Fn() -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while !done() {
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    true
}
