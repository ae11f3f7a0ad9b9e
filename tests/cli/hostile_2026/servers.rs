//! Hostile servers: S3 stand-ins that answer with endless or secret-echoing error pages or
//! accept every upload (to see which keys are written), and a media server whose redirects
//! loop, leave http or carry credentials, for `doctor`.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{episode, run_within};
use crate::common::{self, PODCAST_CONFIG, Site, stderr, text};

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
                while let Some(line) = common::read_request(&stream).map(|(line, _)| line) {
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
    let (seen, config) = accepting_s3_with_media();
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
        // The build itself reads nothing from there (it published the size before).
        let real = secret.canonicalize().unwrap();
        let err = site.fails(1, &["build"]);
        assert!(
            err.starts_with("error: content/episodes/ep1.md: names the file ")
                && err.contains(
                    "outside the site's folder: a build reads and publishes nothing from there"
                )
                && err.contains(&real.display().to_string()),
            "{how}: {err}"
        );
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
        // The push builds first, and stops where the build does.
        let err = stderr(&out);
        assert!(
            err.contains("outside the site's folder: a build reads and publishes nothing"),
            "{how}: {err}"
        );
        assert_eq!(out.status.code(), Some(1), "{how}: {}", text(&out));
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
                let Some(line) = common::read_request(&stream).map(|(line, _)| line) else {
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
    assert!(!all.contains("redirect-pw-55"), "password shown: {all}");
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

/// A media file name with a space, non-ASCII letters, `%`, `?` and `#`: the enclosure URL
/// escapes each (a bare `?` started a query, `#` a fragment: the link named another file), and
/// the file is uploaded under the key that URL names, so the feed's link finds it.
#[test]
fn odd_media_names_are_uploaded_where_the_feed_points() {
    let (seen, config) = accepting_s3_with_media();
    let site = Site::with_config(&config);
    let name = "ép 1 100%?#.mp3";
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
    assert_eq!(key, "media/ép 1 100%?#.mp3", "{}", text(&out));
    assert_eq!(
        enclosure,
        "https://pod.example/feeds/media/%C3%A9p%201%20100%25%3F%23.mp3"
    );
    assert_eq!(key, linked);
}

/// `%XX` escapes decoded; a `%` that starts none is kept, as servers do.
fn decoded(path: &str) -> String {
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(path).collect();
    String::from_utf8(bytes).unwrap()
}

/// ETags with quotes inside, raw high bytes, or none at all: the push ends (done or with an
/// error, never a panic), and a second push still reads its own state.
#[test]
fn odd_etags_neither_panic_nor_break_the_state() {
    let answers: [fn(&mut std::net::TcpStream); 3] = [
        |s| {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nETag: \"a\\\"b\" \"c\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        },
        |s| {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nETag: \"\xff\xfe\x80\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        },
        |s| {
            let _ =
                s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        },
    ];
    for (i, answer) in answers.into_iter().enumerate() {
        let port = fake_s3(answer);
        let site = s3_site(port);
        for run in 0..2 {
            let (out, _) = push_s3(&site);
            let all = text(&out);
            assert!(!all.contains("panicked"), "etag {i}, run {run}: {all}");
            assert!(
                matches!(out.status.code(), Some(0 | 5)),
                "etag {i}, run {run}: {all}"
            );
        }
    }
}

/// An S3 stand-in that accepts every request (recording what it was sent), and a podcast
/// config that pushes its media there.
fn accepting_s3_with_media() -> (Arc<Mutex<Vec<String>>>, String) {
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
    (seen, config)
}
