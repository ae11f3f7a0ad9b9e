//! Hostile input against the features of issues 16 to 18: chapter titles that try to break
//! out of XML attributes, CDATA and JSON; absurd chapter starts; transcripts that are huge,
//! binary or outside the site; media files that are FIFOs or folders; servers that redirect
//! in loops, to other schemes or with credentials. Output is read back with roxmltree and
//! serde_json; every run is bounded in time.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{self, PODCAST_CONFIG, Site, stderr, text};

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
        ("99999999999:00", "at or after the episode's end"),
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

/// Reads one request's line and headers, and its body when it states a length; `None` when
/// the client hung up.
fn read_request(stream: &std::net::TcpStream) -> Option<String> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut len = 0;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        if h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    std::io::copy(&mut std::io::Read::take(reader, len), &mut std::io::sink()).ok()?;
    let mut words = line.split_whitespace();
    Some(format!("{} {}", words.next()?, words.next()?))
}

/// An S3 stand-in: GET is 404 (nothing published yet), every other request is answered by
/// `answer`. Runs until the test ends.
fn fake_s3(answer: fn(&mut std::net::TcpStream)) -> u16 {
    fake_s3_seen(answer).0
}

/// [`fake_s3`], and every request line it was sent.
fn fake_s3_seen(answer: fn(&mut std::net::TcpStream)) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                while let Some(line) = read_request(&stream) {
                    log.lock().unwrap().push(line.clone());
                    if line.starts_with("GET") {
                        let body = "<Error><Code>NoSuchKey</Code></Error>";
                        let head = format!(
                            "HTTP/1.1 404 Not Found\r\nContent-Length: {}\r\n\r\n",
                            body.len()
                        );
                        let _ = stream.write_all(format!("{head}{body}").as_bytes());
                    } else {
                        answer(&mut stream);
                        return;
                    }
                }
            });
        }
    });
    (port, seen)
}

const S3_SECRET: &str = "Zq9SECRETvalue-8d1f77ab";

/// A review site pushed to the S3 stand-in on `port`.
fn s3_site(port: u16) -> Site {
    let site = Site::with_config(&format!(
        "{}\n[publish]\nurl = \"s3://bucket/f/\"\nendpoint = \"http://127.0.0.1:{port}\"\ntimeout_secs = 20\nretries = 0\nretry_base_ms = 10\n",
        common::CONFIG
    ));
    site.write(
        "content/reviews/heat.md",
        &common::review("Heat", "2026-01-01", "A heist."),
    );
    site.ok(&["build"]);
    site
}

/// `feedwright push` with the key pair in the environment; its output and peak memory (KiB,
/// polled from /proc, so it can only miss a peak, never invent one).
fn push_s3(site: &Site) -> (Output, u64) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_feedwright"));
    cmd.current_dir(site.dir.path())
        .env_remove("FEEDWRIGHT_CONFIG")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_ACCESS_KEY_ID", "AKIATESTKEY")
        .env("AWS_SECRET_ACCESS_KEY", S3_SECRET)
        .args(["--now", common::NOW, "push"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"] {
        cmd.env_remove(var);
    }
    let mut child = cmd.spawn().unwrap();
    let status = format!("/proc/{}/status", child.id());
    let (mut peak, started) = (0, Instant::now());
    while child.try_wait().unwrap().is_none() {
        let hwm = std::fs::read_to_string(&status)
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
        peak = peak.max(hwm.unwrap_or(0));
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    (child.wait_with_output().unwrap(), peak)
}

/// An error page in chunks (so no Content-Length) that goes on for 1 GiB: only its start is
/// read. It was read whole into memory.
#[test]
fn an_endless_s3_error_page_is_read_only_to_its_cap() {
    let port = fake_s3(|stream| {
        let head = "HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n";
        let _ = stream.write_all(head.as_bytes());
        let start = "<Error><Code>AccessDenied</Code><Message>no";
        let _ = stream.write_all(format!("{:x}\r\n{start}\r\n", start.len()).as_bytes());
        let chunk = format!("{:x}\r\n{}\r\n", 1 << 20, "m".repeat(1 << 20));
        for _ in 0..1024 {
            if stream.write_all(chunk.as_bytes()).is_err() {
                return;
            }
        }
    });
    let site = s3_site(port);
    let (out, peak_kib) = push_s3(&site);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("403 Forbidden"), "{err}");
    eprintln!("PEAK {peak_kib} KiB");
    assert!(peak_kib < 150 * 1024, "peak {peak_kib} KiB: {err}");
}

/// A server that echoes the secret key back, placed so that the 200 characters shown end
/// inside it: the secret is masked before the text is cut, so not even its start shows; and
/// the terminal escape it sends is not passed on.
#[test]
fn a_secret_echoed_in_an_s3_error_page_never_shows_even_in_part() {
    let port = fake_s3(|stream| {
        // Not an S3 error page: shown as its start, cut at 200 characters.
        let body = format!("{} {S3_SECRET} \u{1b}[31mred", "x".repeat(190));
        let head = format!(
            "HTTP/1.1 403 Forbidden\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(format!("{head}{body}").as_bytes());
    });
    let site = s3_site(port);
    let (out, _) = push_s3(&site);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let all = text(&out);
    assert!(!all.contains(&S3_SECRET[..6]), "{all}");
    assert!(!all.contains('\u{1b}'), "{all}");
    assert!(all.contains("403 Forbidden \"xxxxxxxxxx"), "{all}");
}

/// A transcript, chapters file and episode image that name files outside the site's folder
/// (`../`, an absolute path, a link): the build may name them, but `push` never uploads a file
/// from outside the site's folders, as the content walk refuses to read one (discover.rs).
#[test]
fn media_outside_the_site_are_never_uploaded() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, "AWS_SECRET_ACCESS_KEY=not-for-the-world\n").unwrap();
    let (port, seen) = fake_s3_seen(|stream| {
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nETag: \"e1\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    });
    let config = format!(
        "{}\n[publish]\nurl = \"s3://bucket/feeds/\"\nendpoint = \"http://127.0.0.1:{port}\"\nmedia = true\ntimeout_secs = 20\nretries = 0\n",
        PODCAST_CONFIG.replace(
            "https://cdn.pod.example/media/",
            "https://pod.example/feeds/media/"
        )
    );
    for (how, value) in [
        ("absolute", secret.display().to_string()),
        (
            "dot-dot",
            format!(
                "{}{}",
                "../".repeat(20),
                secret.display().to_string().trim_start_matches('/')
            ),
        ),
        ("link", "../../linked/notes.txt".to_string()),
    ] {
        let site = Site::with_config(&config);
        site.write("content/episodes/media/ep1.mp3", &"x".repeat(1000));
        // Outside the content folder, whose walk refuses such links itself.
        std::fs::create_dir(site.path("linked")).unwrap();
        std::os::unix::fs::symlink(&secret, site.path("linked/notes.txt")).unwrap();
        site.write(
            "content/episodes/ep1.md",
            &episode(&format!(
                "transcripts = [{{ file = \"{value}\", type = \"text/plain\" }}]"
            )),
        );
        site.ok(&["build"]);
        seen.lock().unwrap().clear();
        let (out, _) = push_s3(&site);
        let puts: Vec<String> = seen
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with("PUT"))
            .cloned()
            .collect();
        assert!(
            !puts
                .iter()
                .any(|l| l.contains("secret") || l.contains("notes")),
            "{how}: uploaded {puts:?}\n{}",
            text(&out)
        );
        let err = stderr(&out);
        let real = secret.canonicalize().unwrap();
        let named = match how {
            "absolute" => real.display().to_string(),
            _ => format!("content/episodes/{value} (really {})", real.display()),
        };
        assert!(
            err.ends_with(&format!(
                "error: {}: [publish] media = true, but {named} is outside the site's folder; it is not uploaded: move it into the folder of config.toml, or name its folder in [site] extra_roots\n",
                site.path("config.toml").display()
            )),
            "{how}: {err}"
        );
        assert_eq!(out.status.code(), Some(3), "{how}: {}", text(&out));
    }
}

/// A media server whose answers are all wrong in the ways `doctor` must survive: a redirect
/// loop, a redirect to `file:`, a redirect carrying credentials, and a request never answered.
fn hostile_media_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let Some(line) = read_request(&stream) else {
                    return;
                };
                let location = match line.split_whitespace().nth(1).unwrap_or("") {
                    "/loop.mp3" => "/loop.mp3".to_string(),
                    "/file.mp3" => "file:///etc/passwd".to_string(),
                    "/creds.mp3" => {
                        format!("http://leaker:redirect-pw-55@127.0.0.1:{port}/loop.mp3")
                    }
                    // Never answered: held open until the client gives up.
                    _ => {
                        std::thread::sleep(Duration::from_secs(30));
                        return;
                    }
                };
                let _ = stream.write_all(
                    format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .as_bytes(),
                );
            });
        }
    });
    port
}

#[test]
fn doctor_survives_loops_odd_schemes_credentials_and_silence_without_leaking() {
    let port = hostile_media_server();
    let config = format!(
        "{}\n[publish]\nurl = \"https://pub.example/dav/\"\ntimeout_secs = 2\n",
        PODCAST_CONFIG.replace(
            "https://pod.example/cover.jpg",
            &format!("http://127.0.0.1:{port}/loop.png")
        )
    );
    let site = Site::with_config(&config);
    for (n, file) in ["loop", "file", "creds", "silent"].iter().enumerate() {
        site.write(
            &format!("content/episodes/ep{n}.md"),
            &format!(
                "+++\ntitle = \"E{n}\"\ndate = 2026-06-0{}T10:00:00Z\naudio = \"http://127.0.0.1:{port}/{file}.mp3\"\naudio_length = 100\n+++\nNotes.\n",
                n + 1
            ),
        );
    }
    let built = run_within(&site, &["build"], Duration::from_secs(60));
    assert!(built.status.success(), "{}", text(&built));
    let started = Instant::now();
    let out = run_within(&site, &["doctor"], Duration::from_secs(60));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let all = text(&out);
    for secret in ["redirect-pw-55"] {
        assert!(!all.contains(secret), "{secret} shown: {all}");
    }
    assert_eq!(out.status.code(), Some(5), "{all}");
    let at = |file: &str| format!("http://127.0.0.1:{port}/{file}.mp3: ");
    let lines = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        lines.contains(&format!(
            "{}redirects more than 10 times (a loop?)",
            at("loop")
        )),
        "{lines}"
    );
    assert!(
        lines.contains(&format!("{}redirects to file:///etc/passwd, which podcast apps cannot fetch: fix the redirect on the server to point to an http(s) URL", at("file"))),
        "{lines}"
    );
    assert!(
        lines.contains(&format!(
            "{}HEAD http://127.0.0.1:{port}/silent.mp3 timed out",
            at("silent")
        )),
        "{lines}"
    );
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
    for (key, from, to) in [
        (
            "image",
            "https://pod.example/cover.jpg",
            "https://u:cfg-pw-22@pod.example/cover.jpg",
        ),
        (
            "media_base_url",
            "https://cdn.pod.example/media/",
            "https://u:cfg-pw-22@cdn.pod.example/media/",
        ),
    ] {
        let site = Site::with_config(&PODCAST_CONFIG.replace(from, to));
        site.write("content/episodes/media/ep1.mp3", &"x".repeat(1000));
        site.write("content/episodes/ep1.md", &episode(""));
        let out = run_within(&site, &["build"], Duration::from_secs(60));
        let all = text(&out);
        assert!(!all.contains("cfg-pw-22"), "{key}: {all}");
        assert!(
            stderr(&out).contains(&format!("[feed.podcast] {key} `{from}` holds a user name or password, which the feed would show to everyone: remove them from the URL (and change that password)")),
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
        "[site]\ntitle = \"Site ]]> <!-- &amp; \\\"q\\\" 'a' \\u0085 \\u202E\"\nbase_url = \"https://films.example/\"\nid = \"tag:films.example,2026:\"\nlanguage = \"en\\\" onload=\\\"x\"\nhtml = true\n\n[[feed]]\nname = \"reviews\"\ntitle = \"</title><script>alert(1)</script> \\u2028\"\ndescription = \"{long}\"\nsource = \"content/reviews\"\nformats = [\"rss\", \"atom\", \"json\"]\n"
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
    assert!(!page.contains("onload"));
}

/// Media file names with a space, non-ASCII letters and a `%`: each is uploaded under the key
/// its enclosure URL names, so the feed's link finds it.
#[test]
fn odd_media_names_are_uploaded_where_the_feed_points() {
    let (port, seen) = fake_s3_seen(|stream| {
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nETag: \"e1\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    });
    let config = format!(
        "{}\n[publish]\nurl = \"s3://bucket/feeds/\"\nendpoint = \"http://127.0.0.1:{port}\"\nmedia = true\ntimeout_secs = 20\nretries = 0\n",
        PODCAST_CONFIG.replace(
            "https://cdn.pod.example/media/",
            "https://pod.example/feeds/media/"
        )
    );
    let site = Site::with_config(&config);
    let name = "ép 1 100%.mp3";
    site.write(&format!("content/episodes/{name}"), &"x".repeat(1000));
    site.write(
        "content/episodes/ep1.md",
        &format!("+++\ntitle = \"Pilot\"\ndate = 2026-06-01T10:00:00Z\naudio = \"{name}\"\nduration = \"50:00\"\n+++\nNotes.\n"),
    );
    site.ok(&["build"]);
    let raw = site.read("feeds/podcast.rss");
    let doc = roxmltree::Document::parse(&raw).unwrap();
    let enclosure = doc
        .descendants()
        .find(|n| n.has_tag_name("enclosure"))
        .and_then(|n| n.attribute("url"))
        .unwrap()
        .to_string();
    let (out, _) = push_s3(&site);
    assert!(out.status.success(), "{}", text(&out));
    let put = seen
        .lock()
        .unwrap()
        .iter()
        .find(|l| l.starts_with("PUT") && l.contains(".mp3"))
        .cloned()
        .unwrap();
    // Path-style: /bucket/key. The object a reader fetches is the key the enclosure URL's
    // path decodes to, below `feeds/`.
    let key = decoded(put.strip_prefix("PUT /bucket/feeds/").unwrap());
    let linked = decoded(
        enclosure
            .strip_prefix("https://pod.example/feeds/")
            .unwrap(),
    );
    assert_eq!(key, "media/ép 1 100%.mp3", "{}", text(&out));
    assert_eq!(key, linked);
}

/// `%XX` escapes decoded; a `%` that starts none is kept, as servers do.
fn decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
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
                site.write("content/episodes/ep1.vtt", "WEBVTT\n");
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
