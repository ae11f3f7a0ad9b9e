//! Answers no real S3 server gives, from a scripted stand-in: a redirect to another host (the
//! session token must not follow it) and a success whose body never ends (memory must stay
//! bounded). Audit findings of the twelfth session.

use std::io::Write;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use super::{SECRET, site};
use crate::common::{self, NOW, text};

/// What the stand-in sends for one request line: bytes to write, or a head followed by an
/// endless chunked body.
enum Answer {
    Whole(String),
    Endless(String),
}

/// A server on 127.0.0.1 that answers each request line as `script` says, and logs the lines
/// it was sent.
struct Scripted {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Scripted {
    fn start(script: impl Fn(&str) -> Answer + Send + 'static) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let Some((line, _)) = common::read_request(&stream) else {
                    continue;
                };
                log.lock().unwrap().push(line.clone());
                answer(stream, script(&line));
            }
        });
        Scripted { port, seen }
    }
}

fn answer(mut stream: TcpStream, answer: Answer) {
    match answer {
        Answer::Whole(text) => {
            let _ = stream.write_all(text.as_bytes());
        }
        Answer::Endless(head) => {
            let _ = stream.write_all(head.as_bytes());
            let chunk = format!("{:x}\r\n{}\r\n", 65536, "x".repeat(65536));
            while stream.write_all(chunk.as_bytes()).is_ok() {}
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

fn push_with_token(site: &common::Site, token: &str) -> std::process::Output {
    let mut cmd = assert_cmd::Command::cargo_bin("feedwright").unwrap();
    cmd.current_dir(site.dir.path())
        .env_remove("FEEDWRIGHT_CONFIG")
        .env("AWS_ACCESS_KEY_ID", "AKIATESTKEY")
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_SESSION_TOKEN", token);
    for var in ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"] {
        cmd.env_remove(var);
    }
    cmd.args(["--now", NOW, "push"]).output().unwrap()
}

/// Audit: object_store's client followed a GET's redirect to any host with the session
/// token (its own header, which reqwest does not drop) and a `Referer`.
#[test]
fn a_redirect_is_not_followed_and_the_token_goes_nowhere_else() {
    let elsewhere = Scripted::start(|_| {
        Answer::Whole("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into())
    });
    let to = elsewhere.port;
    let redirecting = Scripted::start(move |_| {
        Answer::Whole(format!(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:{to}/x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ))
    });
    let site = site(&format!("http://127.0.0.1:{}", redirecting.port), "");
    let token = "FwoGZXIvYXdzE-session-token-99";
    let out = push_with_token(&site, token);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains(token), "{}", text(&out));
    assert!(!redirecting.seen.lock().unwrap().is_empty());
    assert_eq!(
        elsewhere.seen.lock().unwrap().len(),
        0,
        "the redirect was followed"
    );
}

/// Audit: the body of a successful answer (CreateMultipartUpload's) was read whole: one that
/// never ended took 4 GB in 10 s.
#[test]
fn a_success_that_never_ends_is_cut_off() {
    let server = Scripted::start(|line| {
        if line.starts_with("GET") || line.starts_with("HEAD") {
            Answer::Whole(
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into(),
            )
        } else if line.starts_with("POST") && line.contains("?uploads") {
            Answer::Endless(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".into(),
            )
        } else {
            Answer::Whole(
                "HTTP/1.1 200 OK\r\nETag: \"e1\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .into(),
            )
        }
    });
    let site = site(&format!("http://127.0.0.1:{}", server.port), "");
    // Audio large enough to go in parts (a multipart upload begins with POST ?uploads).
    site.write("content/episodes/ep1.mp3", &"a".repeat(9 << 20));
    site.ok(&["build"]);
    let out = push_with_token(&site, "t");
    assert!(
        !out.status.success(),
        "{}\n{:?}",
        text(&out),
        server.seen.lock().unwrap()
    );
    // The largest child this test binary waited for; a body read whole reached gigabytes.
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    assert!(usage.ru_maxrss < 1 << 20, "max RSS {} KB", usage.ru_maxrss);
    assert!(
        server
            .seen
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("?uploads")),
        "no multipart upload was begun: {}\n{:?}",
        text(&out),
        server.seen.lock().unwrap()
    );
}

/// Audit: S3 may answer CompleteMultipartUpload with 200 and an error in the body; its text,
/// object_store's, reached the terminal whole (a 2 MB line, under `--quiet` too).
#[test]
fn an_error_in_a_success_s_body_is_one_short_line() {
    let server = Scripted::start(|line| {
        let ok = |body: &str| {
            Answer::Whole(format!(
                "HTTP/1.1 200 OK\r\nETag: \"e1\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ))
        };
        if line.starts_with("GET") || line.starts_with("HEAD") {
            Answer::Whole(
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into(),
            )
        } else if line.starts_with("POST") && line.contains("?uploads") {
            ok(
                "<InitiateMultipartUploadResult><Bucket>pod-feeds</Bucket><Key>k</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>",
            )
        } else if line.starts_with("POST") {
            let long = "m".repeat(100_000);
            ok(&format!(
                "<Error><Code>InternalError</Code><Message>{long}\nsecond line</Message></Error>"
            ))
        } else {
            ok("")
        }
    });
    let site = site(&format!("http://127.0.0.1:{}", server.port), "");
    site.write("content/episodes/ep1.mp3", &"a".repeat(9 << 20));
    site.ok(&["build"]);
    let out = push_with_token(&site, "t");
    assert!(!out.status.success(), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.len() < 4000, "{} bytes of messages", err.len());
    assert!(err.lines().all(|l| l.chars().count() < 600), "{err}");
    assert!(!err.contains("second line\n"), "{err}");
}

/// Audit: a feed grown past the 16 MB read-back cap was pushed, and every later push was
/// refused ("far larger than any feed") until `--force`; the copy is feedwright's own, and
/// the upload replaces it only if it still is.
#[test]
fn a_published_feed_over_the_cap_that_is_ours_is_replaced_unread() {
    let published = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen_published = published.clone();
    let server = Scripted::start(move |line| {
        let huge = seen_published.load(std::sync::atomic::Ordering::SeqCst);
        if (line.starts_with("GET") || line.starts_with("HEAD")) && !huge {
            Answer::Whole(
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into(),
            )
        } else if line.starts_with("GET") {
            Answer::Whole("HTTP/1.1 200 OK\r\nETag: \"e1\"\r\nContent-Length: 17000000\r\nConnection: close\r\n\r\n".into())
        } else {
            Answer::Whole(
                "HTTP/1.1 200 OK\r\nETag: \"e1\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .into(),
            )
        }
    });
    let site = site(&format!("http://127.0.0.1:{}", server.port), "");
    let first = push_with_token(&site, "t");
    assert!(first.status.success(), "{}", text(&first));
    published.store(true, std::sync::atomic::Ordering::SeqCst);
    site.write(
        "content/reviews/heat.md",
        &common::review("Heat", "2026-01-01", "A heist, longer."),
    );
    site.ok(&["build"]);
    let second = push_with_token(&site, "t");
    assert!(second.status.success(), "{}", text(&second));
    assert!(
        String::from_utf8_lossy(&second.stderr).contains(
            "reviews.rss is over 16 MB, too large to read back: its ids were not compared with the build (it is replaced only if it is still the copy feedwright uploaded last)"
        ),
        "{}",
        text(&second)
    );
    let puts = server
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.starts_with("PUT") && l.contains("reviews.rss"))
        .count();
    assert_eq!(puts, 2, "{:?}", server.seen.lock().unwrap());
}
