//! Audio and art measured, not typed (issue 17): durations read from real audio files, art
//! checked from its headers, and `doctor` asking a local HTTP server about every media URL.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

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
    assert!(
        !crate::common::stderr(&out).contains("warning"),
        "{}",
        text(&out)
    );
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
    write_bytes(
        &site,
        "content/episodes/vbr.mp3",
        &fixture("vbr-noxing.mp3"),
    );
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

/// A real PNG made with the `png` crate: black pixels, `palette` = with a transparent entry.
fn png_image(w: u32, h: u32, colour: png::ColorType, transparent: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(colour);
    encoder.set_depth(png::BitDepth::Eight);
    if colour == png::ColorType::Indexed {
        encoder.set_palette(vec![0, 0, 0, 255, 255, 255]);
        if transparent {
            encoder.set_trns(vec![0]);
        }
    }
    let channels = match colour {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        _ => 1,
    };
    let mut writer = encoder.write_header().unwrap();
    writer
        .write_image_data(&vec![0; (w * h * channels) as usize])
        .unwrap();
    writer.finish().unwrap();
    out
}

/// The start of a PNG: its signature and IHDR, all the check reads (a 3200 px image made in
/// full would only slow the test).
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    v.extend(w.to_be_bytes());
    v.extend(h.to_be_bytes());
    v.extend([8, 2, 0, 0, 0, 0, 0, 0, 0]);
    v.extend(b"\0\0\0\0IEND\xae\x42\x60\x82");
    v
}

/// A CMYK JPEG as Photoshop writes one: an Adobe APP14 marker, then a frame header with four
/// components (the picture data after it is never read).
fn cmyk_jpeg(side: u16) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xEE, 0, 14];
    v.extend(b"Adobe\0\x64\0\0\0\0\0");
    v.extend([0xFF, 0xC0, 0, 20, 8]);
    v.extend(side.to_be_bytes());
    v.extend(side.to_be_bytes());
    v.push(4);
    for id in 1..=4u8 {
        v.extend([id, 0x11, 0]);
    }
    v.extend([0xFF, 0xD9]);
    v
}

#[test]
fn bad_cover_art_fails_with_the_file_the_rule_and_the_fix() {
    let rgb = png::ColorType::Rgb;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "wide.png",
            png_image(1500, 1400, rgb, false),
            "must be square, is 1500x1400 px: crop it to a square",
        ),
        (
            "small.png",
            png_image(1000, 1000, rgb, false),
            "must be 1400 to 3000 px wide, is 1000 px: resize it to between 1400x1400 and 3000x3000 px",
        ),
        (
            "huge.png",
            png_header(3200, 3200),
            "must be 1400 to 3000 px wide, is 3200 px: resize it to between 1400x1400 and 3000x3000 px",
        ),
        (
            "cmyk.jpg",
            cmyk_jpeg(1400),
            "is a CMYK JPEG; Apple needs RGB colour: convert it to RGB and save it again",
        ),
        (
            "palette.png",
            png_image(1400, 1400, png::ColorType::Indexed, true),
            "is a palette PNG with transparency; Apple needs RGB colour without a transparent palette: save it as an RGB PNG or a JPEG",
        ),
        (
            "cover.gif",
            b"GIF89a\x78\x05\x78\x05\0\0\0".to_vec(),
            "is a GIF image; Apple accepts only JPEG and PNG artwork: save it as a .jpg or .png",
        ),
    ];
    for (name, bytes, rule) in cases {
        let config = PODCAST_CONFIG.replace(
            "image = \"https://pod.example/cover.jpg\"",
            &format!("image = \"art/{name}\""),
        );
        let site = Site::with_config(&config);
        write_bytes(&site, &format!("art/{name}"), &bytes);
        site.write(
            "content/episodes/ep1.md",
            &episode(1, "audio = \"https://cdn.example/a.mp3\"\naudio_length = 5"),
        );
        let err = site.fails(3, &["check"]);
        // Named at the `image` key's line.
        let config = site.read("config.toml");
        let line = config
            .lines()
            .position(|l| l.trim_start().starts_with("image ="))
            .unwrap()
            + 1;
        let expected = format!(
            "error: {}:{line}: feed `podcast`: image {}: {rule}\n",
            site.path("config.toml").display(),
            site.path(&format!("art/{name}")).display()
        );
        assert!(
            err.contains(&expected),
            "{name}: missing `{expected}` in:\n{err}"
        );
    }
    // A palette without transparency is RGB colour: accepted.
    let config = PODCAST_CONFIG.replace(
        "image = \"https://pod.example/cover.jpg\"",
        "image = \"art/ok.png\"",
    );
    let site = Site::with_config(&config);
    write_bytes(
        &site,
        "art/ok.png",
        &png_image(1400, 1400, png::ColorType::Indexed, false),
    );
    site.write(
        "content/episodes/ep1.md",
        &episode(1, "audio = \"https://cdn.example/a.mp3\"\naudio_length = 5"),
    );
    site.ok(&["check"]);
}

#[test]
fn bad_episode_art_fails_the_episode() {
    let site = Site::with_config(PODCAST_CONFIG);
    write_bytes(
        &site,
        "content/episodes/art.png",
        &png_image(1400, 1400, png::ColorType::Indexed, true),
    );
    site.write(
        "content/episodes/ep1.md",
        &episode(
            1,
            "audio = \"https://cdn.example/a.mp3\"\naudio_length = 5\nimage = \"art.png\"",
        ),
    );
    let err = site.fails(1, &["build"]);
    let source = Path::new("content/episodes").join("ep1.md");
    let art = Path::new("content/episodes").join("art.png");
    assert_eq!(
        err,
        format!(
            "error: {}:6: episode image {}: is a palette PNG with transparency; Apple needs RGB colour without a transparent palette: save it as an RGB PNG or a JPEG\nerror: 1 problem(s) found; nothing was written, the existing feeds are untouched\n",
            source.display(),
            art.display()
        )
    );
    write_bytes(
        &site,
        "content/episodes/art.png",
        &png_image(1400, 1400, png::ColorType::Rgb, false),
    );
    site.ok(&["build"]);
}

/// How a test media server answers.
#[derive(Clone, Copy, PartialEq)]
enum Behaviour {
    /// HEAD and ranges as a good CDN does.
    Good,
    /// Ignores `Range` (answers 200 with the whole file) and sends no ETag or Last-Modified.
    IgnoresRange,
}

/// A media server on 127.0.0.1 serving `files` (path, type, bytes); returns its URL and the
/// request lines it saw. One request per connection.
fn media_server(
    files: Vec<(&'static str, &'static str, Vec<u8>)>,
    behaviour: Behaviour,
) -> (String, Arc<Mutex<Vec<String>>>) {
    redirecting_server(files, &[], behaviour)
}

/// [`media_server`], which also answers each `(from, to)` in `redirects` with a 302.
fn redirecting_server(
    files: Vec<(&'static str, &'static str, Vec<u8>)>,
    redirects: &'static [(&'static str, &'static str)],
    behaviour: Behaviour,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&log);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            if reader.read_line(&mut first).is_err() {
                continue;
            }
            let mut ranged = false;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                ranged |= line.to_ascii_lowercase().starts_with("range: bytes=0-1");
            }
            let mut parts = first.split_whitespace();
            let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            seen.lock().unwrap().push(format!(
                "{method} {path}{}",
                if ranged { " (range)" } else { "" }
            ));
            if let Some((_, to)) = redirects.iter().find(|(from, _)| *from == path) {
                let _ = write!(
                    stream,
                    "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                continue;
            }
            let Some((_, mime, body)) = files.iter().find(|(p, _, _)| *p == path) else {
                let _ = stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                continue;
            };
            let validators = if behaviour == Behaviour::Good {
                "ETag: \"v1\"\r\nLast-Modified: Mon, 02 Nov 2026 08:00:00 GMT\r\n"
            } else {
                ""
            };
            let (status, range, sent) = if ranged && behaviour == Behaviour::Good {
                (
                    "206 Partial Content",
                    format!("Content-Range: bytes 0-1/{}\r\n", body.len()),
                    &body[..2],
                )
            } else {
                ("200 OK", String::new(), &body[..])
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {mime}\r\nContent-Length: {}\r\n{range}{validators}Accept-Ranges: bytes\r\nConnection: close\r\n\r\n",
                sent.len()
            );
            let _ = stream.write_all(head.as_bytes());
            if method == "GET" {
                let _ = stream.write_all(sent);
            }
        }
    });
    (url, log)
}

/// A podcast whose cover and one local episode are published on `server`.
fn doctor_site(server: &str) -> Site {
    let config = PODCAST_CONFIG
        .replace(
            "image = \"https://pod.example/cover.jpg\"",
            &format!("image = \"{server}/cover.png\""),
        )
        .replace(
            "media_base_url = \"https://cdn.pod.example/media/\"",
            &format!("media_base_url = \"{server}/media/\""),
        );
    let site = Site::with_config(&config);
    write_bytes(&site, "content/episodes/cbr.mp3", &fixture("cbr.mp3"));
    site.write(
        "content/episodes/ep1.md",
        &episode(1, "audio = \"cbr.mp3\""),
    );
    site.ok(&["build"]);
    site
}

fn served_files() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    vec![
        ("/media/cbr.mp3", "audio/mpeg", fixture("cbr.mp3")),
        ("/cover.png", "image/png", png_header(1400, 1400)),
    ]
}

#[test]
fn doctor_passes_a_server_that_answers_ranges() {
    let (url, log) = media_server(served_files(), Behaviour::Good);
    let site = doctor_site(&url);
    let out = site.ok(&["doctor"]);
    assert_eq!(
        out,
        "ok: 2 media URL(s) answer HEAD and byte ranges as podcast apps expect\n"
    );
    let mut seen = log.lock().unwrap().clone();
    seen.sort();
    assert_eq!(
        seen,
        [
            "GET /cover.png (range)",
            "GET /media/cbr.mp3 (range)",
            "HEAD /cover.png",
            "HEAD /media/cbr.mp3"
        ]
    );
}

#[test]
fn doctor_reports_a_server_that_ignores_range_and_exits_5() {
    let (url, _) = media_server(served_files(), Behaviour::IgnoresRange);
    let site = doctor_site(&url);
    let out = site.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let feed = Path::new("feeds").join("podcast.rss");
    let feed = site.path(&feed.to_string_lossy());
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    let expected =
        |file: &str, problem: &str| format!("{}: {url}/{file}: {problem}", feed.display());
    let mut want = vec![];
    for file in ["cover.png", "media/cbr.mp3"] {
        want.push(expected(file, "answers a `Range: bytes=0-1` request with 200 OK, not 206 Partial Content: Apple Podcasts needs byte ranges to play and seek; turn on range requests in the server"));
        want.push(expected(file, "is served without ETag or Last-Modified: apps cannot check cheaply whether it changed; turn either on in the server"));
    }
    want.sort();
    assert_eq!(lines, want);
    assert_eq!(
        crate::common::stderr(&out),
        "error: 4 problem(s) with 2 of 2 media URL(s): podcast apps may fail to download or play them; fix the server as each line says\n"
    );
}

#[test]
fn with_resolve_lengths_remote_art_is_judged_by_its_header() {
    let files = vec![(
        "/cover.png",
        "image/png",
        png_image(1000, 1000, png::ColorType::Rgb, false),
    )];
    let (url, log) = media_server(files, Behaviour::Good);
    let config = format!("{PODCAST_CONFIG}resolve_lengths = true\n").replace(
        "image = \"https://pod.example/cover.jpg\"",
        &format!("image = \"{url}/cover.png\""),
    );
    let site = Site::with_config(&config);
    site.write(
        "content/episodes/ep1.md",
        &episode(1, "audio = \"https://cdn.example/a.mp3\"\naudio_length = 5"),
    );
    let err = site.fails(3, &["build"]);
    assert_eq!(
        err,
        format!(
            "error: {}: feed `podcast`: [feed.podcast] image `{url}/cover.png`: must be 1400 to 3000 px wide, is 1000 px: resize it to between 1400x1400 and 3000x3000 px\nerror: 1 problem(s) in the config; nothing was written, the existing feeds are untouched\n",
            site.path("config.toml").display()
        )
    );
    assert_eq!(log.lock().unwrap().as_slice(), ["GET /cover.png"]);
}

/// A chain of four redirects ending on a signed URL (its query is not shown: anyone with it can
/// fetch the file until it expires), a wrong length and a wrong type.
#[test]
fn doctor_reports_long_redirects_a_wrong_length_and_a_wrong_type() {
    let files = vec![
        (
            "/media/final.mp3?X-Amz-Signature=feedc0de",
            "audio/wav",
            fixture("vbr-xing.mp3"),
        ),
        ("/cover.png", "image/png", png_header(1400, 1400)),
    ];
    let (url, _) = redirecting_server(
        files,
        &[
            ("/media/cbr.mp3", "/r1"),
            ("/r1", "/r2"),
            ("/r2", "/r3"),
            ("/r3", "/media/final.mp3?X-Amz-Signature=feedc0de"),
        ],
        Behaviour::Good,
    );
    let site = doctor_site(&url);
    let out = site.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let feed = site.path("feeds/podcast.rss");
    let line = |problem: &str| format!("{}: {url}/media/cbr.mp3: {problem}", feed.display());
    let (real, served) = (fixture("cbr.mp3").len(), fixture("vbr-xing.mp3").len());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        [
            line(&format!("redirects 4 times before the file (more than 3): some podcast apps give up; link the final URL ({url}/media/final.mp3?…) or shorten the chain")),
            line(&format!("is {served} bytes (Content-Length) but the feed's enclosure says length=\"{real}\": rebuild the feed (set `audio_length` to {served}, or let feedwright measure the file)")),
            line("is served as `audio/wav` but the enclosure says `audio/mpeg`: configure the server to send Content-Type: audio/mpeg"),
            String::new(),
        ]
        .join("\n")
    );
    // A query a redirect added may be a signature that opens the file: never shown.
    assert!(!text(&out).contains("feedc0de"), "{}", text(&out));
}

/// Media beside the notes are published by their file name under `media_base_url`: two
/// different files with one name (each episode's `art.jpg` and `transcript.vtt` in its own
/// folder) would be one URL, and one episode would show the other's. Refused, naming both.
#[test]
fn two_media_files_with_one_name_are_refused() {
    let site = Site::with_config(PODCAST_CONFIG);
    let vtt = |word: &str| format!("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n{word}\n");
    for n in [1, 2] {
        site.write_bytes(
            &format!("content/episodes/ep{n}/art.jpg"),
            &crate::common::rgb_jpeg_header(1400 + n as u16),
        );
        site.write(
            &format!("content/episodes/ep{n}/transcript.vtt"),
            &vtt(&format!("Ep {n}.")),
        );
        site.write(
            &format!("content/episodes/ep{n}/index.md"),
            &episode(
                n,
                &format!(
                    "slug = \"ep{n}\"\naudio = \"https://cdn.example/e{n}.mp3\"\naudio_length = 1000\nduration = \"10:00\"\nimage = \"art.jpg\"\ntranscripts = [{{ file = \"transcript.vtt\" }}]"
                ),
            ),
        );
    }
    let err = site.fails(1, &["build"]);
    assert_eq!(
        err,
        format!(
            "error: content/episodes/ep2/index.md: names the file {}, which would be published at the same URL as {} named by content/episodes/ep1/index.md (media files are published by their file name): rename one of them\n\
             error: content/episodes/ep2/index.md: names the file {}, which would be published at the same URL as {} named by content/episodes/ep1/index.md (media files are published by their file name): rename one of them\n\
             error: 2 problem(s) found; nothing was written, the existing feeds are untouched\n",
            "content/episodes/ep2/art.jpg",
            "content/episodes/ep1/art.jpg",
            "content/episodes/ep2/transcript.vtt",
            "content/episodes/ep1/transcript.vtt",
        )
    );
    assert!(!site.path("feeds/podcast.rss").exists());
    // One file named by both (a shared transcript) is one URL for one file: fine.
    site.remove("content/episodes/ep2/art.jpg");
    site.remove("content/episodes/ep2/transcript.vtt");
    let shared = site
        .read("content/episodes/ep2/index.md")
        .replace("\"art.jpg\"", "\"../ep1/art.jpg\"")
        .replace("\"transcript.vtt\"", "\"../ep1/transcript.vtt\"");
    site.write("content/episodes/ep2/index.md", &shared);
    site.ok(&["build"]);
}

/// Inline chapters are written to `chapters/<slug>.json`: two podcast feeds with an episode
/// of one slug would share the file, and one would lose its chapters. Refused.
#[test]
fn two_podcasts_with_one_episode_slug_do_not_share_a_chapters_file() {
    let second = "\n[[feed]]\nname = \"show2\"\nkind = \"podcast\"\ntitle = \"Show 2\"\ndescription = \"Another.\"\nsource = \"content/show2\"\nlink = \"show2/{slug}/\"\n\n[feed.podcast]\nimage = \"https://pod.example/cover2.jpg\"\ncategory = \"TV & Film\"\nexplicit = false\n";
    let site = Site::with_config(&format!("{PODCAST_CONFIG}{second}"));
    for (folder, word) in [("episodes", "Alpha"), ("show2", "Beta")] {
        site.write(
            &format!("content/{folder}/ep1.md"),
            &episode(
                1,
                &format!("audio = \"https://cdn.example/{folder}.mp3\"\naudio_length = 1000\nduration = \"10:00\"\nchapters = [{{ start = \"0:00\", title = \"{word}\" }}, {{ start = \"5:00\", title = \"End\" }}]"),
            ),
        );
    }
    let err = site.fails(1, &["build"]);
    assert!(
        err.contains("feeds/chapters/ep1.json: two episodes with one slug would share this chapters file (tag:pod.example,2026:podcast/ep1 and tag:pod.example,2026:show2/ep1), and one would lose its chapters: give one of them another `slug`"),
        "{err}"
    );
    assert!(!site.path("feeds/chapters").exists());
}

/// A podcast site whose one episode has remote audio (its length and duration given) and the
/// front-matter lines `extra`.
fn remote_episode(extra: &str) -> Site {
    let site = Site::with_config(PODCAST_CONFIG);
    let keys = format!(
        "audio = \"https://cdn.example/e1.mp3\"\naudio_length = 1000\nduration = \"10:00\"\n{extra}"
    );
    site.write("content/episodes/ep1.md", &episode(1, keys.trim_end()));
    site
}

fn podcast_guid_of(site: &Site) -> String {
    let rss = site.read("feeds/podcast.rss");
    let start = rss.find("<podcast:guid>").expect("a podcast:guid") + "<podcast:guid>".len();
    rss[start..start + 36].to_string()
}

/// R68: a podcast's `podcast:guid` is kept for good. With the state file lost and `feeds_url`
/// changed since, the guid the published feed carries is kept, not a new one computed; and
/// `adopt-ids` pins the guid of a feed published elsewhere.
#[test]
fn the_published_podcast_guid_is_kept_when_the_state_is_lost() {
    let site = remote_episode("");
    site.ok(&["build"]);
    let first = podcast_guid_of(&site);
    let moved = PODCAST_CONFIG.replace(
        "base_url = \"https://pod.example/\"",
        "base_url = \"https://pod.example/\"\nfeeds_url = \"https://other.example/f/\"",
    );
    site.write("config.toml", &moved);
    site.remove("feedwright-state.toml");
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        crate::common::stderr(&out).contains(&format!("note: feed `podcast`: kept the podcast:guid {first} of feeds/podcast.rss (the state file had none)")),
        "{}",
        text(&out)
    );
    assert_eq!(podcast_guid_of(&site), first);

    // A podcast moving in from elsewhere: its published guid is pinned by adopt-ids.
    let site = remote_episode("");
    let old = "<rss version=\"2.0\" xmlns:podcast=\"https://podcastindex.org/namespace/1.0\"><channel><title>Old</title><link>https://old.example/</link><description>d</description><podcast:guid>917393e3-1b1e-5cef-ace4-edaa54e1f810</podcast:guid><item><title>Episode 1</title><link>https://old.example/1</link><guid>old-1</guid><pubDate>Mon, 01 Jun 2026 00:00:00 +0000</pubDate></item></channel></rss>";
    site.write("old.rss", old);
    let out = site.ok(&["adopt-ids", "old.rss"]);
    assert!(
        out.contains("pinned podcast:guid 917393e3-1b1e-5cef-ace4-edaa54e1f810 for feed `podcast`"),
        "{out}"
    );
    site.ok(&["build"]);
    assert_eq!(
        podcast_guid_of(&site),
        "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    );
}

/// A transcript saved as `.txt` beside the episodes is in the source folder: it would be an
/// entry too, an episode titled by its file name. Refused, naming both.
#[test]
fn a_txt_transcript_in_the_source_folder_is_not_published_as_an_episode() {
    let site = remote_episode("transcripts = [{ file = \"transcripts/t.txt\" }]");
    site.write("content/episodes/transcripts/t.txt", "Hello and welcome.\n");
    let err = site.fails(1, &["build"]);
    assert_eq!(
        err,
        "error: content/episodes/transcripts/t.txt: is the transcript of content/episodes/ep1.md, and a `.txt` or `.md` file in a source folder is an entry too: it would be published as an episode; move the transcript out of the source folder, or save it as .vtt or .srt\n\
         error: 1 problem(s) found; nothing was written, the existing feeds are untouched\n"
    );
}

/// A local file's measured playing time replaces a hand-written `duration`, so chapters are
/// held to the measured end: a chapter past a wrong hand-written duration is fine (it was
/// refused), one past the audio's real end is refused.
#[test]
fn chapters_are_held_to_the_measured_duration_of_local_audio() {
    let site = Site::with_config(PODCAST_CONFIG);
    write_bytes(&site, "content/episodes/cbr.mp3", &fixture("cbr.mp3"));
    let notes = |last: &str| {
        episode(
            1,
            &format!(
                "audio = \"cbr.mp3\"\nduration = \"0:01\"\nchapters = [{{ start = \"0:00\", title = \"Intro\" }}, {{ start = \"{last}\", title = \"Last\" }}]"
            ),
        )
    };
    site.write("content/episodes/ep1.md", &notes("0:02"));
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", text(&out));
    site.write("content/episodes/ep1.md", &notes("0:05"));
    let err = site.fails(1, &["build"]);
    assert!(
        err.contains("error: content/episodes/ep1.md: chapter `Last` starts at 0:05, at or after the end of the episode (0:03): fix its start"),
        "{err}"
    );
}

/// A transcript's `language` is written in `podcast:transcript language="…"`: a language tag,
/// as the site's is (R48).
#[test]
fn a_transcript_language_must_be_a_language_tag() {
    let site = remote_episode(
        "transcripts = [{ url = \"https://cdn.example/e1.vtt\", language = \"english please\" }]",
    );
    let err = site.fails(1, &["build"]);
    assert_eq!(
        err,
        "error: content/episodes/ep1.md:7: transcripts: language `english please` is not a language tag: write a code like \"en\", \"fr\" or \"en-GB\" (feeds write it in <language> and xml:lang)\n\
         error: 1 problem(s) found; nothing was written, the existing feeds are untouched\n"
    );
}

/// R65: pages in `podcast:` tags are https. A funding page relative to an http site, and an
/// episode's http transcript, are said (apps fetch http, so the feed is still built).
#[test]
fn podcast_tags_with_http_pages_are_warned_about() {
    // The cover at http too (audit: it was accepted silently).
    let config = PODCAST_CONFIG.replace("https://pod.example/", "http://pod.example/");
    assert!(config.contains("image = \"http://pod.example/cover.jpg\""));
    let site = Site::with_config(&config);
    site.write(
        "content/episodes/ep1.md",
        &episode(1, "audio = \"https://cdn.example/e1.mp3\"\naudio_length = 1000\nduration = \"10:00\"\ntranscripts = [{ url = \"http://cdn.example/e1.vtt\" }]"),
    );
    // Audit: an http episode image was not said, nor a transcript rel the namespace does not
    // define, nor a duration of 0.
    site.write(
        "content/episodes/ep2.md",
        &episode(2, "audio = \"https://cdn.example/e2.mp3\"\naudio_length = 1000\nduration = 0\nimage = \"http://img.example/e2.jpg\"\ntranscripts = [{ url = \"https://cdn.example/e2.vtt\", rel = \"chapters\" }]"),
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", text(&out));
    let said = crate::common::stderr(&out);
    for line in [
        "warning: content/episodes/ep2.md: image `http://img.example/e2.jpg` is not https: podcast apps load episode art over https; give its https address",
        "warning: content/episodes/ep2.md: transcript `https://cdn.example/e2.vtt` has rel = \"chapters\": podcast:transcript defines only \"captions\" (leave rel out for a plain transcript)",
        "warning: content/episodes/ep2.md: duration is 0: apps show the episode as 0:00 long; give its length (\"1:02:03\"), or leave `duration` out",
    ] {
        assert!(said.contains(line), "{line}\n{said}");
    }
    assert!(
        said.contains("feed `podcast`: funding url `http://pod.example/give` is not https, which podcast:funding requires (Podcasting 2.0): give the page's https address"),
        "{said}"
    );
    assert!(
        said.contains("warning: content/episodes/ep1.md: transcript `http://cdn.example/e1.vtt` is not https, which podcast: tags require (Podcasting 2.0): give its https address"),
        "{said}"
    );
    assert!(
        said.contains("feed `podcast`: [feed.podcast] image `http://pod.example/cover.jpg` is not https: podcast apps and directories load covers over https; give its https address"),
        "{said}"
    );
}

/// The enclosure type comes from the file's extension: an M4A file saved as `.mp3` would go
/// out as `audio/mpeg` (R54), and an MP3 saved as `.m4a` as `audio/x-m4a`. Refused, saying
/// which name to give it.
#[test]
fn audio_whose_content_does_not_fit_its_extension_is_refused() {
    for (fixture_name, named, holds, mime, rename) in [
        (
            "aac.m4a",
            "ep1.mp3",
            "MP4 (M4A) audio",
            "audio/mpeg",
            ".m4a",
        ),
        ("cbr.mp3", "ep1.m4a", "MP3 audio", "audio/x-m4a", ".mp3"),
    ] {
        let site = Site::with_config(PODCAST_CONFIG);
        write_bytes(
            &site,
            &format!("content/episodes/{named}"),
            &fixture(fixture_name),
        );
        site.write(
            "content/episodes/ep1.md",
            &episode(1, &format!("audio = \"{named}\"")),
        );
        let err = site.fails(1, &["build"]);
        assert_eq!(
            err,
            format!(
                "error: content/episodes/ep1.md:4: audio file content/episodes/{named} holds {holds}, but its name gives the enclosure type {mime}: rename it to {rename} (players choose how to decode by the type)\n\
                 error: 1 problem(s) found; nothing was written, the existing feeds are untouched\n"
            )
        );
    }
}

/// `check --against` a published podcast feed also compares its `podcast:guid` (R68).
#[test]
fn check_against_a_feed_with_another_podcast_guid_fails() {
    let site = remote_episode("");
    site.ok(&["build"]);
    let ours = podcast_guid_of(&site);
    let same = site.read("feeds/podcast.rss");
    site.write("same.rss", &same);
    let out = site.ok(&["check", "--against", "same.rss"]);
    assert!(
        out.contains("ok: every item of same.rss keeps its id"),
        "{out}"
    );
    site.write(
        "other.rss",
        &same.replace(&ours, "917393e3-1b1e-5cef-ace4-edaa54e1f810"),
    );
    let out = site.run(&["check", "--against", "other.rss"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!(
            "podcast:guid would change: 917393e3-1b1e-5cef-ace4-edaa54e1f810 -> {ours}"
        )),
        "{}",
        text(&out)
    );
    assert!(
        crate::common::stderr(&out).contains("0 id change(s) and 0 duplicate id(s) against other.rss and the podcast:guid changes (directories would take it for another show)"),
        "{}",
        text(&out)
    );
}

/// R61: a podcast episode's title over 255 characters is said (Apple Podcasts cuts it).
#[test]
fn a_podcast_title_over_255_characters_is_warned_about() {
    let site = Site::with_config(PODCAST_CONFIG);
    let title = "Long ".repeat(60);
    site.write(
        "content/episodes/ep1.md",
        &format!("+++\ntitle = \"{}\"\ndate = 2026-06-01\naudio = \"https://cdn.example/e1.mp3\"\naudio_length = 1000\nduration = \"10:00\"\n+++\nNotes.\n", title.trim()),
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        crate::common::stderr(&out).contains("warning: content/episodes/ep1.md: title is 299 characters; Apple Podcasts shows at most 255: shorten it\n"),
        "{}",
        text(&out)
    );
}

/// A name beside the notes that is no file is published as a link relative to the episode's
/// page (a file may be hosted with the site): a typo would be a broken link, so it is said.
#[test]
fn a_media_name_that_is_no_file_is_warned_about() {
    let site = remote_episode("image = \"nope.jpg\"");
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        crate::common::stderr(&out).contains("warning: content/episodes/ep1.md: names content/episodes/nope.jpg, which is not there: it is published as a link relative to the episode's page; check the name, or give an https URL\n"),
        "{}",
        text(&out)
    );
}
