//! The content cache under `build --push`, the cron job of issue 19: a run that finds nothing
//! changed and everything already pushed ends after the cache's stats and the push state,
//! sending no request; any run that a build without the cache would push (a failed push
//! before, an edit, a media file changed on disk, a lost push state) still pushes, and only
//! what changed. Against a small WebDAV-like server on 127.0.0.1 written here.

use crate::common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command as StdCommand, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{NOW, Site, review, text};

const CACHE: &str = ".feedwright-state.toml.cache";

#[derive(Default)]
struct Shared {
    /// `METHOD /path`, in order.
    requests: Mutex<Vec<String>>,
    files: Mutex<BTreeMap<String, Vec<u8>>>,
    /// Answer 503 to everything.
    down: AtomicBool,
}

/// Stores what is PUT, answers GET from the store, MKCOL and POST with success.
struct Dav {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Dav {
    fn start() -> Dav {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared::default());
        let theirs = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().filter_map(Result::ok) {
                let shared = theirs.clone();
                std::thread::spawn(move || answer(stream, &shared));
            }
        });
        Dav { addr, shared }
    }

    fn url(&self) -> String {
        format!("http://{}/dav/", self.addr)
    }

    fn requests(&self) -> Vec<String> {
        self.shared.requests.lock().unwrap().clone()
    }

    fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::SeqCst);
    }

    fn file(&self, path: &str) -> Option<Vec<u8>> {
        self.shared.files.lock().unwrap().get(path).cloned()
    }
}

fn answer(stream: TcpStream, shared: &Shared) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut len = 0;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':')
            && n.trim().eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    shared
        .requests
        .lock()
        .unwrap()
        .push(format!("{method} {path}"));
    let mut files = shared.files.lock().unwrap();
    let (status, reply, etag) = if shared.down.load(Ordering::SeqCst) {
        (503, Vec::new(), None)
    } else {
        match method.as_str() {
            "PUT" => {
                files.insert(path.clone(), body);
                (201, Vec::new(), Some(format!("\"{}\"", files.len())))
            }
            "GET" | "HEAD" => match files.get(&path) {
                Some(b) => (200, b.clone(), None),
                None => (404, Vec::new(), None),
            },
            "MKCOL" => (201, Vec::new(), None),
            "POST" => (204, Vec::new(), None),
            _ => (405, Vec::new(), None),
        }
    };
    drop(files);
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.len()
    );
    if let Some(e) = etag {
        head.push_str(&format!("ETag: {e}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = stream;
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&reply);
}

/// Waits past the cache's racy-clean window, so that what was just written can be cached.
fn settle() {
    std::thread::sleep(Duration::from_millis(120));
}

fn push_config(config: &str, url: &str) -> String {
    format!("{config}\n[publish]\nurl = \"{url}\"\ntimeout_secs = 2\nretries = 0\n")
}

/// `build --push -v` at `NOW`, with no proxy in the way.
fn push(site: &Site) -> Output {
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("feedwright"));
    cmd.current_dir(site.dir.path())
        .env_remove("FEEDWRIGHT_CONFIG")
        .args(["--now", NOW, "-v", "build", "--push"]);
    for var in ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"] {
        cmd.env_remove(var);
    }
    cmd.output().unwrap()
}

fn pushed_ok(site: &Site) -> Output {
    let out = push(site);
    assert!(out.status.success(), "{}", text(&out));
    out
}

/// Pushes until a run has written the cache (the first run's fresh outputs are racily clean).
fn warm(site: &Site) {
    pushed_ok(site);
    settle();
    pushed_ok(site);
    settle();
    assert!(site.path(CACHE).exists(), "the cache was written");
}

/// What a run printed, stdout then stderr.
fn said(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The files a run opened (strace), or `None` where it cannot trace.
fn traced_push(site: &Site) -> Option<(Output, String)> {
    let out = StdCommand::new("strace")
        .current_dir(site.dir.path())
        .env_remove("FEEDWRIGHT_CONFIG")
        .args(["-f", "-e", "trace=open,openat", "-o", "trace.txt"])
        .arg(assert_cmd::cargo::cargo_bin("feedwright"))
        .args(["--now", NOW, "-v", "build", "--push"])
        .output()
        .ok()?;
    let trace = std::fs::read_to_string(site.path("trace.txt")).ok()?;
    std::fs::remove_file(site.path("trace.txt")).unwrap();
    Some((out, trace))
}

/// Every output file's bytes, by name.
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

fn reviews_site(dav: &Dav) -> Site {
    let site = Site::with_config(&push_config(common::CONFIG, &dav.url()));
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "A heist."),
    )
    .write(
        "content/reviews/ran.md",
        &review("Ran", "2026-02-01", "A king."),
    );
    site
}

#[test]
fn a_no_change_cron_push_sends_nothing_and_reads_nothing_but_a_lost_push_state_resends() {
    let dav = Dav::start();
    let site = reviews_site(&dav);
    let first = pushed_ok(&site);
    assert!(
        common::uploaded(&said(&first).0).contains(&"reviews.rss".to_string()),
        "{}",
        text(&first)
    );
    settle();
    let second = pushed_ok(&site);
    settle();
    let before = dav.requests().len();
    let third = match traced_push(&site) {
        Some((out, trace)) => {
            assert!(!trace.contains("heat.md"), "a source was opened:\n{trace}");
            assert!(
                !trace.contains("reviews.rss"),
                "an output was opened:\n{trace}"
            );
            out
        }
        None => push(&site),
    };
    assert!(third.status.success(), "{}", text(&third));
    assert_eq!(dav.requests().len(), before, "{:?}", dav.requests());
    assert_eq!(said(&third), said(&second));
    assert!(text(&third).contains("nothing changed since the last push; nothing sent"));

    // Without its push state, a push sends everything again.
    site.remove("feedwright-push.toml");
    let again = pushed_ok(&site);
    let names = common::uploaded(&said(&again).0);
    assert_eq!(names, common::uploaded(&said(&first).0), "{}", text(&again));
}

#[test]
fn after_a_failed_push_the_next_cached_run_still_pushes() {
    let dav = Dav::start();
    let site = reviews_site(&dav);
    warm(&site);
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "A heist, retold."),
    );
    settle();
    dav.set_down(true);
    for _ in 0..2 {
        let out = push(&site);
        assert!(!out.status.success(), "{}", text(&out));
        settle();
    }
    // The second failed run found its outputs settled: the cache is there to be trusted.
    assert!(site.path(CACHE).exists());
    dav.set_down(false);
    let out = pushed_ok(&site);
    assert!(
        common::uploaded(&said(&out).0).contains(&"reviews.rss".to_string()),
        "{}",
        text(&out)
    );
    let remote = dav.file("/dav/reviews.rss").unwrap();
    assert_eq!(
        remote,
        std::fs::read(site.path("feeds/reviews.rss")).unwrap()
    );
    settle();
    let before = dav.requests().len();
    pushed_ok(&site);
    settle();
    pushed_ok(&site);
    assert_eq!(dav.requests().len(), before);
}

#[test]
fn an_edit_pushes_exactly_the_files_whose_bytes_changed() {
    let dav = Dav::start();
    let site = reviews_site(&dav);
    warm(&site);
    let old = outputs(&site.path("feeds"));
    site.write(
        "content/reviews/ran.md",
        &review("Ran", "2026-02-01", "A king, and his sons."),
    );
    settle();
    let out = pushed_ok(&site);
    let new = outputs(&site.path("feeds"));
    let changed: Vec<String> = new
        .iter()
        .filter(|(name, bytes)| old.get(*name) != Some(bytes))
        .map(|(name, _)| name.clone())
        .collect();
    assert!(!changed.is_empty());
    let mut uploaded = common::uploaded(&said(&out).0);
    uploaded.sort();
    assert_eq!(uploaded, changed, "{}", text(&out));
}

/// A podcast whose local audio is uploaded with the feeds.
fn podcast_site(dav: &Dav) -> Site {
    let config = common::PODCAST_CONFIG
        .replace(
            "https://cdn.pod.example/media/",
            &format!("{}media/", dav.url()),
        )
        .replace(
            "base_url = \"https://pod.example/\"",
            &format!(
                "base_url = \"https://pod.example/\"\nfeeds_url = \"{}\"",
                dav.url()
            ),
        );
    let site = Site::with_config(&format!(
        "{}media = true\n",
        push_config(&config, &dav.url())
    ));
    site.write("content/episodes/ep1.mp3", &"a".repeat(20_000))
        .write(
            "content/episodes/ep1.md",
            "+++\ntitle = \"Pilot\"\ndate = 2026-06-01T10:00:00Z\naudio = \"ep1.mp3\"\n+++\nNotes.\n",
        );
    site
}

#[test]
fn media_changed_on_disk_is_pushed_and_a_touched_one_is_not() {
    let dav = Dav::start();
    let site = podcast_site(&dav);
    warm(&site);
    assert_eq!(dav.file("/dav/media/ep1.mp3").unwrap(), vec![b'a'; 20_000]);
    // Same length (the feed does not change), other bytes.
    site.write("content/episodes/ep1.mp3", &"b".repeat(20_000));
    settle();
    let out = pushed_ok(&site);
    assert_eq!(
        common::uploaded(&said(&out).0),
        vec!["media/ep1.mp3".to_string()],
        "{}",
        text(&out)
    );
    assert_eq!(dav.file("/dav/media/ep1.mp3").unwrap(), vec![b'b'; 20_000]);
    // Touched: the same bytes are not sent again.
    settle();
    site.write("content/episodes/ep1.mp3", &"b".repeat(20_000));
    settle();
    let before = dav.requests().len();
    pushed_ok(&site);
    settle();
    pushed_ok(&site);
    assert_eq!(dav.requests().len(), before, "{:?}", dav.requests());
}

#[test]
fn a_hub_ping_owed_from_a_failed_run_is_sent_by_the_next_cached_run() {
    let dav = Dav::start();
    let hub = Dav::start();
    let config = format!(
        "{}hubs = [\"http://{}/hub\"]\n",
        push_config(common::CONFIG, &dav.url()),
        hub.addr
    );
    let site = Site::with_config(&config);
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "A heist."),
    );
    warm(&site);
    let pings = || {
        hub.requests()
            .iter()
            .filter(|r| r.starts_with("POST"))
            .count()
    };
    let before = pings();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "A heist, retold."),
    );
    settle();
    hub.set_down(true);
    for _ in 0..2 {
        let out = push(&site);
        assert!(!out.status.success(), "{}", text(&out));
        assert!(text(&out).contains("hub ping failed"), "{}", text(&out));
        settle();
    }
    let owed = site
        .read("feedwright-push.toml")
        .matches("[[pending_pings]]")
        .count();
    assert!(owed > 0);
    assert!(site.path(CACHE).exists());
    hub.set_down(false);
    let downs = pings();
    let out = pushed_ok(&site);
    assert!(text(&out).contains("pinged hub"), "{}", text(&out));
    assert_eq!(pings(), downs + owed, "{:?}", hub.requests());
    assert!(pings() > before);
    assert!(!site.read("feedwright-push.toml").contains("pending_pings"));
    // Owed nothing now: the next runs send nothing anywhere.
    settle();
    let (sent, pinged) = (dav.requests().len(), hub.requests().len());
    pushed_ok(&site);
    settle();
    pushed_ok(&site);
    assert_eq!((dav.requests().len(), hub.requests().len()), (sent, pinged));
}
