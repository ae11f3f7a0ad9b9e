//! The committed sample podcast feed read by the parsers podcast apps and directories use
//! (issue 17, "done when"): podcast-partytime, the Podcasting 2.0 parser of Podcast Index
//! (node), and podcastparser, gPodder's (python). Each must find what the feed holds, not
//! merely read it without error. `tests/cli/sample_site.rs` keeps feeds/ equal to a fresh
//! build, so what is checked here is what feedwright writes today.
//!
//! The helper scripts are in tests/cli/podcast_parsers/. A missing node, partytime or
//! podcastparser skips its test with a note, unless `.ci/run` asks for them
//! (`FEEDWRIGHT_REQUIRE_NODE`, `FEEDWRIGHT_REQUIRE_TOOLS`): then it fails.

use crate::common;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

const FEED: &str = "feeds/podcast.rss";
const FEED_URL: &str = "https://reelnotes.example/feeds/podcast.rss";
/// The JSON chapters file the build writes for episode 2, as its `podcast:chapters` names it.
const CHAPTERS_URL: &str = "https://reelnotes.example/feeds/chapters/episode-2.json";
const CHAPTERS_FILE: &str = "feeds/chapters/episode-2.json";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The folder podcast-partytime was installed into with `npm install --prefix`:
/// `FEEDWRIGHT_PARTYTIME_DIR` (set by `.ci/run`), else the folder `.ci/run` uses. None, with
/// a note, when node or the package is missing and `FEEDWRIGHT_REQUIRE_NODE` is not set.
fn partytime_prefix() -> Option<PathBuf> {
    let prefix = std::env::var_os("FEEDWRIGHT_PARTYTIME_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/feedwright-node")))
        .unwrap_or_default();
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let package = prefix.join("node_modules/podcast-partytime/package.json");
    let missing = if !node {
        "node is not installed".to_string()
    } else if !package.is_file() {
        format!(
            "podcast-partytime is not installed in {} (npm install --prefix {} podcast-partytime)",
            prefix.display(),
            prefix.display()
        )
    } else {
        return Some(prefix);
    };
    assert!(
        std::env::var_os("FEEDWRIGHT_REQUIRE_NODE").is_none(),
        "{missing}, and FEEDWRIGHT_REQUIRE_NODE is set"
    );
    eprintln!("SKIPPED: {missing}");
    None
}

/// What partytime found in `feed` (see tests/cli/podcast_parsers/partytime.js).
fn partytime(prefix: &Path, feed: &str) -> Value {
    let out = Command::new("node")
        .arg("tests/cli/podcast_parsers/partytime.js")
        .arg(feed)
        .current_dir(repo())
        .env("NODE_PATH", prefix.join("node_modules"))
        // Its warnings shown (an empty value makes its logger throw).
        .env("PARTYTIME_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::text(&out));
    // partytime warns on stderr about tags it cannot read (an unknown transcript type)...
    assert_eq!(common::stderr(&out), "", "{}", common::text(&out));
    // ...and its logger writes to stdout, before the one line of JSON.
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "partytime logged:\n{stdout}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Every Podcasting 2.0 tag of the sample channel, as partytime reports it. partytime 5 reads
/// no `podcast:updateFrequency` (its source has no such tag), so that one is checked by
/// roxmltree in tests/cli/podcast_2026.rs only.
#[test]
fn partytime_finds_the_channel_tags_of_the_sample_podcast() {
    let Some(prefix) = partytime_prefix() else {
        return;
    };
    let got = partytime(&prefix, FEED);
    assert_eq!(
        got["channel"],
        json!({
            "guid": "5fcef780-17ed-5c72-aff3-9613cfd48e46",
            "locked": true,
            "podcastOwner": "maya@reelnotes.example",
            "medium": "podcast",
            "podcastTxt": [{
                "value": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
                "purpose": "applepodcastsverify",
            }],
            "podcastFunding": [{
                "message": "Support Reel Notes",
                "url": "https://reelnotes.example/support",
            }],
            "itunesImage": "https://media.reelnotes.example/audio/podcast-cover.png",
            "pc20support": {
                "1": ["locked", "funding", "transcript", "chapters"],
                "2": ["person", "season", "episode"],
                "3": ["guid"],
                "4": ["medium"],
                "6": ["txt"],
            },
        })
    );
}

/// Per episode: enclosure, duration, art, season and number, chapters with their type, every
/// transcript with its type, and the people, as partytime reports them.
#[test]
fn partytime_finds_every_episode_tag_of_the_sample_podcast() {
    let Some(prefix) = partytime_prefix() else {
        return;
    };
    let got = partytime(&prefix, FEED);
    let episode = |n: u32, enclosure: Value, duration: u32, image: Value| {
        json!({
            "guid": format!("tag:reelnotes.example,2026:episodes/episode-{n}"),
            "enclosure": enclosure,
            "duration": duration,
            "itunesImage": image,
            "image": image,
            "itunesSeason": 1,
            "itunesEpisode": n,
            "podcastSeason": { "number": 1 },
            "podcastEpisode": { "number": n },
        })
    };
    let mut ep3 = episode(
        3,
        json!({
            "url": "https://media.reelnotes.example/audio/reel-notes-003.mp3",
            "length": 24469,
            "type": "audio/mpeg",
        }),
        6,
        Value::Null,
    );
    ep3["podcastChapters"] = Value::Null;
    ep3["podcastTranscripts"] = Value::Null;
    ep3["podcastPeople"] = json!([
        { "name": "Maya Okafor", "role": "Host", "group": "Cast" },
        { "name": "Lena Park", "role": "Guest", "group": "Cast", "href": "https://lenapark.example/" },
    ]);
    let mut ep2 = episode(
        2,
        json!({
            "url": "https://media.reelnotes.example/audio/reel-notes-002.m4a",
            "length": 31_457_280,
            "type": "audio/x-m4a",
        }),
        3725,
        json!("https://media.reelnotes.example/audio/reel-notes-002.png"),
    );
    ep2["podcastChapters"] = json!({ "url": CHAPTERS_URL, "type": "application/json+chapters" });
    ep2["podcastTranscripts"] = json!([
        {
            "url": "https://media.reelnotes.example/audio/reel-notes-002.vtt",
            "type": "text/vtt",
            "language": "en",
        },
        {
            "url": "https://media.reelnotes.example/audio/reel-notes-002.srt",
            // The feed says application/x-subrip; partytime names every SRT type so.
            "type": "application/srt",
            "language": "en",
            "rel": "captions",
        },
    ]);
    ep2["podcastPeople"] = Value::Null;
    let mut ep1 = episode(
        1,
        json!({
            "url": "https://media.reelnotes.example/audio/reel-notes-001.mp3",
            "length": 24_718_336,
            "type": "audio/mpeg",
        }),
        3090,
        Value::Null,
    );
    ep1["podcastChapters"] = json!({
        "url": "https://media.reelnotes.example/audio/reel-notes-001.chapters.json",
        "type": "application/json+chapters",
    });
    ep1["podcastTranscripts"] = json!([{
        "url": "https://media.reelnotes.example/audio/reel-notes-001.vtt",
        "type": "text/vtt",
        "language": "en",
    }]);
    ep1["podcastPeople"] = json!([
        { "name": "Maya Okafor", "role": "Host", "group": "Cast" },
        { "name": "Tom Reyes", "role": "Host", "group": "Cast" },
    ]);
    let items = got["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{got:#}");
    for (got, want) in items.iter().zip([ep3, ep2, ep1]) {
        assert_eq!(got, &want, "{got:#}\nwanted:\n{want:#}");
    }
}

/// Whether python3 can import podcastparser; under `FEEDWRIGHT_REQUIRE_TOOLS` (set by
/// `.ci/run`, which installs it) its absence fails the test instead of skipping it.
fn podcastparser_present() -> bool {
    let present = Command::new("python3")
        .args(["-c", "import podcastparser"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        assert!(
            std::env::var_os("FEEDWRIGHT_REQUIRE_TOOLS").is_none(),
            "python3 with podcastparser is missing and FEEDWRIGHT_REQUIRE_TOOLS is set"
        );
        eprintln!("SKIPPED: podcastparser is not installed (pip install podcastparser)");
    }
    present
}

/// The chapters of the JSON chapters file in podcastparser's terms (seconds, href, image):
/// what it must read from the item's Podlove Simple Chapters.
fn json_chapters_as_podcastparser_reads_them() -> Value {
    let text = std::fs::read_to_string(repo().join(CHAPTERS_FILE)).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let chapters = doc["chapters"].as_array().unwrap();
    assert_eq!(chapters.len(), 3, "{doc:#}");
    chapters
        .iter()
        .map(|c| {
            let mut one = json!({ "start": c["startTime"], "title": c["title"] });
            if let Some(url) = c.get("url") {
                one["href"] = url.clone();
            }
            if let Some(img) = c.get("img") {
                one["image"] = img.clone();
            }
            one
        })
        .collect()
}

/// podcastparser reads the Podlove chapters, which must be the JSON chapters file's; and the
/// audio, duration and episode art. It reads `podcast:transcript` and `podcast:chapters` only
/// under the namespace's first, GitHub address (0.6.11), not the one feedwright writes
/// (https://podcastindex.org/namespace/1.0, the one the namespace documents): when a later
/// version reports them, they must match the feed.
#[test]
fn podcastparser_finds_the_chapters_audio_and_art_of_the_sample_podcast() {
    if !podcastparser_present() {
        return;
    }
    let out = Command::new("python3")
        .arg("tests/cli/podcast_parsers/podcastparser_read.py")
        .args([FEED, FEED_URL])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(common::stderr(&out), "", "{}", common::text(&out));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        got["cover_url"],
        "https://media.reelnotes.example/audio/podcast-cover.png"
    );
    let episodes = got["episodes"].as_array().unwrap();
    let seen: Vec<Value> = episodes
        .iter()
        .map(|e| {
            json!({
                "guid": e["guid"],
                "enclosures": e["enclosures"],
                "total_time": e["total_time"],
                "episode_art_url": e.get("episode_art_url"),
                "number": e["number"],
                "season": e["season"],
                "chapters": e.get("chapters"),
            })
        })
        .collect();
    let audio = |name: &str, size: u64, mime: &str| {
        json!([{
            "url": format!("https://media.reelnotes.example/audio/{name}"),
            "file_size": size,
            "mime_type": mime,
        }])
    };
    let want = json!([
        {
            "guid": "tag:reelnotes.example,2026:episodes/episode-3",
            "enclosures": audio("reel-notes-003.mp3", 24469, "audio/mpeg"),
            "total_time": 6,
            "episode_art_url": null,
            "number": 3,
            "season": 1,
            "chapters": null,
        },
        {
            "guid": "tag:reelnotes.example,2026:episodes/episode-2",
            "enclosures": audio("reel-notes-002.m4a", 31_457_280, "audio/x-m4a"),
            "total_time": 3725,
            "episode_art_url": "https://media.reelnotes.example/audio/reel-notes-002.png",
            "number": 2,
            "season": 1,
            "chapters": json_chapters_as_podcastparser_reads_them(),
        },
        {
            "guid": "tag:reelnotes.example,2026:episodes/episode-1",
            "enclosures": audio("reel-notes-001.mp3", 24_718_336, "audio/mpeg"),
            "total_time": 3090,
            "episode_art_url": null,
            "number": 1,
            "season": 1,
            "chapters": null,
        },
    ]);
    assert_eq!(Value::Array(seen), want);
    podcastparser_links_match(&episodes[1]);
}

/// Episode 2's transcript and chapters links as podcastparser reports them, when it does: it
/// keeps one transcript (the last tag it reads).
fn podcastparser_links_match(episode_2: &Value) {
    match episode_2.get("transcript_url") {
        Some(url) => assert_eq!(
            url, "https://media.reelnotes.example/audio/reel-notes-002.srt",
            "{episode_2:#}"
        ),
        None => eprintln!("NOTE: podcastparser reported no transcript (podcast namespace URL)"),
    }
    match episode_2.get("chapters_json_url") {
        Some(url) => assert_eq!(url, CHAPTERS_URL, "{episode_2:#}"),
        None => eprintln!("NOTE: podcastparser reported no chapters URL (podcast namespace URL)"),
    }
}
