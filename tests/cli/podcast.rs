//! CLI tests for podcast feeds (issue 4): itunes and Podcasting 2.0 tags read back by parsers,
//! enclosures from local files and HEAD requests to a real server on 127.0.0.1, and every
//! podcast rule's error.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Site, stderr, text};

const PODCAST_CONFIG: &str = r#"
[site]
title = "Test Pod"
base_url = "https://pod.example/"
id = "tag:pod.example,2026:"
language = "en"
author = { name = "Ada Host", email = "ada@pod.example" }

[[feed]]
name = "notes"
title = "Show notes"
source = "content/episodes"
link = "episodes/{slug}/"

[[feed]]
name = "podcast"
kind = "podcast"
title = "The Test Pod"
description = "A podcast about tests."
source = "content/episodes"
link = "episodes/{slug}/"

[feed.podcast]
image = "https://pod.example/cover.jpg"
category = "TV & Film"
subcategory = "Film Reviews"
explicit = false
owner = { name = "Ada Host", email = "ada@pod.example" }
type = "episodic"
media_base_url = "https://cdn.pod.example/media/"
locked = true
funding = [{ url = "https://pod.example/give", text = "Give" }]
"#;

fn site() -> Site {
    let site = Site::with_config(PODCAST_CONFIG);
    std::fs::create_dir_all(site.path("content/episodes")).unwrap();
    site
}

fn episode(extra: &str) -> String {
    format!(
        "+++\ntitle = \"Pilot\"\ndate = 2026-06-01T10:00:00Z\n{extra}\n+++\nNotes with [a link](/x).\n"
    )
}

#[test]
fn podcast_feed_has_itunes_and_podcast_tags_read_back_by_parsers() {
    let site = site();
    site.write("content/episodes/media/ep1.mp3", &"x".repeat(12345));
    site.write(
        "content/episodes/ep1.md",
        &episode(
            "episode = 1\nseason = 2\nepisode_type = \"trailer\"\naudio = \"media/ep1.mp3\"\nduration = \"1:02:03\"\nexplicit = true\n\
             transcript = { url = \"https://pod.example/ep1.vtt\", type = \"text/vtt\" }\nchapters = \"https://pod.example/ep1.json\"\n\
             persons = [{ name = \"Ada Host\", role = \"host\", href = \"https://ada.example/\" }]",
        ),
    );
    site.ok(&["build"]);
    assert!(
        !site.path("feeds/podcast.atom").exists(),
        "R44: podcasts are RSS only"
    );

    // Independent parser: enclosure, duration, guid, title.
    let feed = common::parse_feed(&site.path("feeds/podcast.rss"));
    let e = &feed.entries[0];
    assert_eq!(e.id, "tag:pod.example,2026:notes/ep1");
    let media = &e.media[0];
    let content = &media.content[0];
    assert_eq!(
        content.url.as_ref().unwrap().as_str(),
        "https://cdn.pod.example/media/ep1.mp3"
    );
    assert_eq!(content.size, Some(12345), "R21: the local file's size");
    assert_eq!(
        content.content_type.as_ref().unwrap().to_string(),
        "audio/mpeg"
    );
    assert_eq!(media.duration, Some(Duration::from_secs(3723)));

    // The rss crate's reader for the itunes and podcast namespaces.
    let raw = site.read("feeds/podcast.rss");
    let channel = rss::Channel::read_from(raw.as_bytes()).unwrap();
    let it = channel.itunes_ext.as_ref().unwrap();
    assert_eq!(it.categories[0].text, "TV & Film");
    assert_eq!(
        it.categories[0].subcategory.as_ref().unwrap().text,
        "Film Reviews"
    );
    assert_eq!(it.explicit.as_deref(), Some("false"), "R50");
    assert_eq!(it.image.as_deref(), Some("https://pod.example/cover.jpg"));
    assert_eq!(it.r#type.as_deref(), Some("episodic"));
    assert_eq!(
        it.owner.as_ref().unwrap().email.as_deref(),
        Some("ada@pod.example")
    );
    let pod = &channel.extensions["podcast"];
    let guid = pod["guid"][0].value.as_deref().unwrap();
    assert!(
        uuid::Uuid::parse_str(guid).is_ok() && guid.len() == 36,
        "R66: {guid}"
    );
    assert_eq!(pod["locked"][0].value.as_deref(), Some("yes"));
    assert_eq!(pod["locked"][0].attrs["owner"], "ada@pod.example");
    assert_eq!(pod["funding"][0].attrs["url"], "https://pod.example/give");
    let item = &channel.items[0];
    let iit = item.itunes_ext.as_ref().unwrap();
    assert_eq!(iit.episode.as_deref(), Some("1"));
    assert_eq!(iit.season.as_deref(), Some("2"));
    assert_eq!(iit.episode_type.as_deref(), Some("trailer"));
    assert_eq!(iit.explicit.as_deref(), Some("true"));
    assert_eq!(iit.duration.as_deref(), Some("3723"), "R56: whole seconds");
    assert!(raw.contains("<itunes:title>Pilot</itunes:title>"), "{raw}");
    let ipod = &item.extensions["podcast"];
    assert_eq!(ipod["transcript"][0].attrs["type"], "text/vtt");
    assert_eq!(
        ipod["chapters"][0].attrs["type"],
        "application/json+chapters"
    );
    assert_eq!(ipod["person"][0].value.as_deref(), Some("Ada Host"));
    assert_eq!(ipod["person"][0].attrs["role"], "host");
    assert_eq!(ipod["season"][0].value.as_deref(), Some("2"));
    assert_eq!(ipod["episode"][0].value.as_deref(), Some("1"));
    // Show notes: HTML in content:encoded, plain text in description.
    assert_eq!(item.description.as_deref(), Some("Notes with a link."));
    assert!(
        item.content
            .as_deref()
            .unwrap()
            .contains("<a href=\"https://pod.example/x\">")
    );
    assert!(
        raw.contains("xmlns:podcast=\"https://podcastindex.org/namespace/1.0\""),
        "R64"
    );
    assert!(
        raw.contains("xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\""),
        "R45"
    );

    // The notes feed of the same episodes: same id, and the enclosure too (R42 in Atom).
    let notes = site.atom("notes");
    assert_eq!(notes.entries[0].id, e.id);
    let atom_raw = site.read("feeds/notes.atom");
    assert!(atom_raw.contains("rel=\"enclosure\""), "{atom_raw}");
    assert!(atom_raw.contains("length=\"12345\""), "{atom_raw}");
}

#[test]
fn podcast_guid_is_kept_after_a_feed_url_move_and_config_guid_wins() {
    let site = site();
    site.write(
        "content/episodes/ep1.md",
        &episode("audio = \"https://cdn.pod.example/ep1.mp3\"\naudio_length = 100"),
    );
    site.ok(&["build"]);
    let guid_of = |s: &Site| {
        let raw = s.read("feeds/podcast.rss");
        let channel = rss::Channel::read_from(raw.as_bytes()).unwrap();
        channel.extensions["podcast"]["guid"][0]
            .value
            .clone()
            .unwrap()
    };
    let first = guid_of(&site);
    // UUIDv5 of "pod.example/feeds/podcast.rss" in the namespace's UUID (R66).
    let expected = uuid::Uuid::new_v5(
        &uuid::Uuid::parse_str("ead4c236-bf58-58c6-a2c6-a6b28d128cb6").unwrap(),
        b"pod.example/feeds/podcast.rss",
    );
    assert_eq!(first, expected.to_string());
    assert!(site.read("feedwright-state.toml").contains(&first));

    site.write(
        "config.toml",
        &PODCAST_CONFIG.replace(
            "https://pod.example/\"\nid",
            "https://newhost.example/\"\nid",
        ),
    );
    site.ok(&["build"]);
    assert_eq!(guid_of(&site), first, "R68: kept once set");

    let pinned = "0b1c2d3e-4f50-5617-8899-aabbccddeeff";
    site.write(
        "config.toml",
        &PODCAST_CONFIG.replace(
            "locked = true",
            &format!("locked = true\nguid = \"{pinned}\""),
        ),
    );
    site.ok(&["build"]);
    assert_eq!(guid_of(&site), pinned);
}

#[test]
fn episode_without_audio_is_skipped_with_a_warning_or_an_error() {
    let site = site();
    site.write(
        "content/episodes/ep1.md",
        &episode("audio = \"https://cdn.pod.example/ep1.mp3\"\naudio_length = 100"),
    );
    site.write(
        "content/episodes/ep2.md",
        "+++\ntitle = \"Notes only\"\ndate = 2026-06-02\n+++\nx\n",
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains(
            "content/episodes/ep2.md: has no `audio`; left out of podcast feed `podcast`"
        ),
        "{}",
        text(&out)
    );
    assert_eq!(site.rss("podcast").entries.len(), 1);
    assert_eq!(site.rss("notes").entries.len(), 2);

    site.write(
        "config.toml",
        &PODCAST_CONFIG.replace("locked = true", "locked = true\nmissing_audio = \"error\""),
    );
    let err = site.fails(1, &["build"]);
    assert!(err.contains(
        "ep2.md: has no `audio`, and podcast feed `podcast` sets missing_audio = \"error\""
    ));
}

/// A one-route HTTP server on 127.0.0.1 answering HEAD as told; returns its URL and a log of
/// the request lines it saw.
fn head_server(answer: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    std::thread::spawn(move || {
        // Past the client's ten redirects, for a server that sends it round in a loop.
        for stream in listener.incoming().take(16) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            seen.lock().unwrap().push(line.trim().to_string());
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap() == 0 || h == "\r\n" {
                    break;
                }
            }
            if answer == "hang" {
                std::thread::sleep(Duration::from_secs(3));
                continue;
            }
            // `slow:` answers, each after 300 ms.
            let answer = match answer.strip_prefix("slow:") {
                Some(rest) => {
                    std::thread::sleep(Duration::from_millis(300));
                    rest
                }
                None => answer,
            };
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (url, log)
}

fn head_site(audio_url: &str) -> Site {
    let site = Site::with_config(&format!(
        "{PODCAST_CONFIG}resolve_lengths = true\n\n[publish]\ntimeout_secs = 1\n"
    ));
    std::fs::create_dir_all(site.path("content/episodes")).unwrap();
    site.write(
        "content/episodes/ep1.md",
        &episode(&format!("audio = \"{audio_url}\"")),
    );
    site
}

/// Episodes 2 to `last` beside [`head_site`]'s first, each with its own audio at `url`.
fn more_episodes(site: &Site, url: &str, last: usize) {
    for n in 2..=last {
        let notes = episode(&format!("audio = \"{url}/ep{n}.mp3\""));
        site.write(
            &format!("content/episodes/ep{n}.md"),
            &notes.replace("Pilot", &format!("Part {n}")),
        );
    }
}

#[test]
fn remote_length_is_resolved_with_head_once_and_cached() {
    let (url, log) = head_server(
        "HTTP/1.1 200 OK\r\nContent-Length: 987654\r\nContent-Type: audio/mpeg\r\nConnection: close\r\n\r\n",
    );
    let site = head_site(&format!("{url}/ep1.mp3"));
    site.ok(&["build"]);
    let raw = site.read("feeds/podcast.rss");
    let channel = rss::Channel::read_from(raw.as_bytes()).unwrap();
    let enclosure = channel.items[0].enclosure.as_ref().unwrap();
    assert_eq!(enclosure.length, "987654");
    assert_eq!(enclosure.mime_type, "audio/mpeg");
    assert_eq!(log.lock().unwrap().as_slice(), ["HEAD /ep1.mp3 HTTP/1.1"]);
    assert!(site.read("feedwright-state.toml").contains("987654"));
    // Cached: the next build asks nobody.
    site.ok(&["build"]);
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[test]
fn head_without_length_404_and_timeout_are_clear_errors() {
    for (answer, expected) in [
        (
            "HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "gave no Content-Length; add `audio_length`",
        ),
        (
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            "answered 404 Not Found; check the audio URL",
        ),
        ("hang", "timed out after 1 s"),
        // Resource audit: a loop was said as "error following redirect for url".
        (
            "HTTP/1.1 302 Found\r\nLocation: /ep.mp3\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            "was redirected too many times (a redirect loop?); check the URL in a browser",
        ),
        // A login page answered with 200: 18 bytes are no episode's length.
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 18\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n\r\n",
            "answered with a web page (text/html; charset=utf-8), not audio (a login or error page?); check the audio URL, or add `audio_length` by hand",
        ),
    ] {
        let (url, _) = head_server(answer);
        let site = head_site(&format!("{url}/ep.mp3"));
        let err = site.fails(1, &["build"]);
        assert!(err.contains("content/episodes/ep1.md"), "{err}");
        assert!(err.contains(expected), "expected `{expected}` in {err}");
        assert!(
            !site.path("feeds/podcast.rss").exists(),
            "never a length of 0 in a feed"
        );
    }
}

/// Resource audit: a media server that takes connections and never answers held the build
/// one timeout per episode (22 episodes: eleven minutes at the default, past a cron period).
/// The build's questions stop after four timeouts in all; the others say why they were not
/// asked.
#[test]
fn a_server_that_never_answers_costs_a_build_four_timeouts_not_one_per_episode() {
    let (url, log) = head_server("hang");
    let site = head_site(&format!("{url}/ep1.mp3"));
    more_episodes(&site, &url, 8);
    let err = site.fails(1, &["build"]);
    let timed_out = err.matches("timed out after 1 s").count();
    let not_asked = err
        .matches("was not asked: this build already lost 4 s to media servers that did not answer in time; add `audio_length` by hand, or build again later")
        .count();
    assert!((1..=4).contains(&timed_out), "{err}");
    assert_eq!(timed_out + not_asked, 8, "{err}");
    assert!(log.lock().unwrap().len() <= 4, "{err}");
}

/// Regression hunt: the budget counted answers that came, so a back catalogue on a server
/// answering in 100 ms never finished (each build failed, and kept no length). Sixteen
/// answers of 300 ms each, past four timeouts of 1 s in all, are all learnt.
#[test]
fn a_slow_server_that_answers_costs_nothing_from_the_budget() {
    let (url, log) = head_server(
        "slow:HTTP/1.1 200 OK\r\nContent-Length: 987654\r\nContent-Type: audio/mpeg\r\nConnection: close\r\n\r\n",
    );
    let site = head_site(&format!("{url}/ep1.mp3"));
    more_episodes(&site, &url, 16);
    site.ok(&["build"]);
    assert_eq!(log.lock().unwrap().len(), 16);
    let raw = site.read("feeds/podcast.rss");
    assert_eq!(raw.matches("length=\"987654\"").count(), 16, "{raw}");
}

#[test]
fn remote_audio_without_length_and_without_opt_in_is_an_error() {
    let site = site();
    site.write(
        "content/episodes/ep1.md",
        &episode("audio = \"https://cdn.pod.example/ep1.mp3\""),
    );
    let err = site.fails(1, &["check"]);
    assert!(err.contains("has no length: add `audio_length`"), "{err}");
}

#[test]
fn check_reports_every_podcast_rule_at_once() {
    let bad = PODCAST_CONFIG
        .replace("category = \"TV & Film\"", "category = \"Tv & film\"")
        .replace("explicit = false", "explicit = \"yes\"")
        .replace("type = \"episodic\"", "type = \"weekly\"")
        .replace("image = \"https://pod.example/cover.jpg\"", "image = \"cover.png\"")
        .replace("source = \"content/episodes\"\nlink = \"episodes/{slug}/\"\n\n[feed.podcast]", "source = \"content/episodes\"\nlink = \"episodes/{slug}/\"\nformats = [\"rss\", \"atom\"]\n\n[feed.podcast]");
    let site = Site::with_config(&bad);
    // A 1000x800 PNG: wrong size and not square.
    site.write("cover.png", "");
    std::fs::write(site.path("cover.png"), png_header(1000, 800)).unwrap();
    site.write("content/episodes/ep1.md", &episode("audio = \"https://cdn.pod.example/a.mp3\"\naudio_length = 1\nduration = \"1h\"\nexplicit = \"maybe\""));
    site.write("content/episodes/ep2.md", "+++\ntitle = \"Two\"\ndate = 2026-06-02\naudio = \"https://cdn.pod.example/b.mp3\"\n+++\nx\n");
    site.write("content/episodes/ep3.md", "+++\ntitle = \"Three\"\ndate = 2026-06-03\nid = \"urn:x\"\naudio = \"https://cdn.pod.example/c.mp3\"\naudio_length = 5\n+++\nx\n");
    site.write("content/episodes/ep4.md", "+++\ntitle = \"Four\"\ndate = 2026-06-04\nid = \"urn:x\"\naudio = \"https://cdn.pod.example/d.mp3\"\naudio_length = 5\n+++\nx\n");
    let err = site.fails(3, &["check"]);
    for expected in [
        "Apple accepts only RSS for podcasts", // R44: Atom requested for a podcast
        "category `Tv & film` is not one of Apple's",
        "explicit = \"yes\" is not a boolean", // channel explicit
        "type `weekly` must be episodic or serial",
        "must be square, is 1000x800 px",
        "ep1.md:6: duration `1h` must be HH:MM:SS", // episode duration, with its line
        "ep1.md:7: explicit `maybe` is not a boolean",
        "has the same id `urn:x`", // two episodes with one GUID
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
}

#[test]
fn enclosure_without_length_is_rejected_even_for_the_second_problem() {
    let site = site();
    site.write("content/episodes/ep2.md", "+++\ntitle = \"Two\"\ndate = 2026-06-02\naudio = \"https://cdn.pod.example/b.mp3\"\n+++\nx\n");
    let out = site.run(&["check"]);
    assert!(
        stderr(&out).contains("ep2.md:4: enclosure https://cdn.pod.example/b.mp3 has no length"),
        "{}",
        text(&out)
    );
}

#[test]
fn local_cover_must_be_square_png_or_jpeg_in_range() {
    let ok_cfg = PODCAST_CONFIG.replace(
        "image = \"https://pod.example/cover.jpg\"",
        "image = \"art/cover.png\"",
    );
    let site = Site::with_config(&ok_cfg);
    std::fs::create_dir_all(site.path("art")).unwrap();
    std::fs::write(site.path("art/cover.png"), png_header(1400, 1400)).unwrap();
    site.write(
        "content/episodes/ep1.md",
        &episode("audio = \"https://cdn.pod.example/a.mp3\"\naudio_length = 10"),
    );
    site.ok(&["build"]);
    let raw = site.read("feeds/podcast.rss");
    assert!(
        raw.contains("<itunes:image href=\"https://cdn.pod.example/media/cover.png\"/>"),
        "{raw}"
    );
    // A JPEG named .png is refused.
    let mut jpeg = vec![
        0xFFu8, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ];
    jpeg.extend([0u8; 64]);
    std::fs::write(site.path("art/cover.png"), jpeg).unwrap();
    let out = site.run(&["check"]);
    assert!(
        stderr(&out).contains("does not match its real type"),
        "{}",
        text(&out)
    );
}

/// The first bytes of a PNG of the given size: enough for a size check.
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    v.extend(w.to_be_bytes());
    v.extend(h.to_be_bytes());
    v.extend([8, 2, 0, 0, 0, 0, 0, 0, 0]);
    v
}
