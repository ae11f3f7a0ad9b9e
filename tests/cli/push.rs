//! `feedwright push` against a real HTTP server on 127.0.0.1, written here: a small HTTP/1.1
//! server that stores PUT bodies, answers ETags and preconditions like a WebDAV host, records
//! every request, and injects faults (500 then success, 503 with Retry-After, a hang past the
//! timeout, 401, 404, a closed port, a server that dies mid-upload). A second instance stands in
//! for a WebSub hub. Issue 5.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::{NOW, Site, review, stderr, text};

const TOKEN: &str = "tok-3f9a7c21-never-print-me";
const TOKEN_VAR: &str = "FW_TEST_PUSH_TOKEN";

// ---------------------------------------------------------------------------------------------
// The test server

#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    at: Instant,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
enum Fault {
    /// Answer with this status, extra headers and body instead of doing the work.
    Status(u16, Vec<(&'static str, String)>, String),
    /// Read the request, then say nothing for this long and close.
    Hang(Duration),
    /// Read the headers and half the body, then close the connection and stop listening.
    Die,
}

#[derive(Debug, Clone)]
struct Rule {
    method: &'static str,
    /// Exact path, or empty for any.
    path: String,
    times: usize,
    fault: Fault,
}

#[derive(Debug, Default, Clone)]
struct Store {
    files: BTreeMap<String, (Vec<u8>, String)>,
    /// With `require_folders`, PUT answers 409 unless its folder was made (MKCOL) or is here.
    folders: BTreeSet<String>,
    require_folders: bool,
    counter: u64,
}

#[derive(Debug, Default)]
struct Inner {
    store: Store,
    requests: Vec<Req>,
    rules: Vec<Rule>,
    dead: bool,
}

struct Server {
    addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
}

impl Server {
    fn start() -> Server {
        Server::start_with("127.0.0.1:0".parse().unwrap(), Store::default())
    }

    /// Starts on `addr` (retrying while the old listener there closes) with `store`.
    fn start_with(addr: SocketAddr, store: Store) -> Server {
        let deadline = Instant::now() + Duration::from_secs(5);
        let listener = loop {
            match TcpListener::bind(addr) {
                Ok(l) => break l,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    thread::sleep(Duration::from_millis(20));
                }
                Err(e) => panic!("bind {addr}: {e}"),
            }
        };
        let addr = listener.local_addr().unwrap();
        let inner = Arc::new(Mutex::new(Inner {
            store,
            ..Default::default()
        }));
        let shared = inner.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                if shared.lock().unwrap().dead {
                    break; // drops the listener: the port now refuses connections
                }
                let Ok(stream) = stream else { continue };
                let shared = shared.clone();
                thread::spawn(move || handle(stream, &shared, addr));
            }
        });
        Server { addr, inner }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn fail(&self, method: &'static str, path: &str, times: usize, fault: Fault) {
        self.inner.lock().unwrap().rules.push(Rule {
            method,
            path: path.to_string(),
            times,
            fault,
        });
    }

    fn requests(&self) -> Vec<Req> {
        self.inner.lock().unwrap().requests.clone()
    }

    fn with(&self, method: &str) -> Vec<Req> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method)
            .collect()
    }

    fn file(&self, path: &str) -> Option<(Vec<u8>, String)> {
        self.inner.lock().unwrap().store.files.get(path).cloned()
    }

    fn store(&self) -> Store {
        self.inner.lock().unwrap().store.clone()
    }

    fn set_store(&self, f: impl FnOnce(&mut Store)) {
        f(&mut self.inner.lock().unwrap().store)
    }
}

fn handle(stream: TcpStream, shared: &Arc<Mutex<Inner>>, addr: SocketAddr) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let Some((method, path, headers)) = common::read_head(&mut reader) else {
        return;
    };
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);

    let fault = {
        let mut inner = shared.lock().unwrap();
        let rule = inner
            .rules
            .iter_mut()
            .find(|r| r.times > 0 && r.method == method && (r.path.is_empty() || r.path == path));
        rule.map(|r| {
            r.times -= 1;
            r.fault.clone()
        })
    };
    if let Some(Fault::Die) = fault {
        let mut half = vec![0; len / 2];
        let _ = reader.read_exact(&mut half);
        let mut inner = shared.lock().unwrap();
        inner.requests.push(Req {
            method,
            path,
            headers,
            body: half,
            at: Instant::now(),
        });
        inner.dead = true;
        drop(inner);
        let _ = TcpStream::connect(addr); // wakes the accept loop so it drops the listener
        let _ = stream.shutdown(std::net::Shutdown::Both);
        return;
    }
    let mut body = vec![0; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let req = Req {
        method,
        path,
        headers,
        body,
        at: Instant::now(),
    };
    shared.lock().unwrap().requests.push(req.clone());

    let (status, extra, answer) = match fault {
        Some(Fault::Status(s, h, b)) => (s, h, b.into_bytes()),
        Some(Fault::Hang(d)) => {
            thread::sleep(d);
            return;
        }
        Some(Fault::Die) => unreachable!(),
        None => serve(&mut shared.lock().unwrap().store, &req),
    };
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        common::reason(status),
        if req.method == "HEAD" {
            0
        } else {
            answer.len()
        }
    );
    for (n, v) in extra {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut stream = stream;
    let _ = stream.write_all(out.as_bytes());
    if req.method != "HEAD" {
        let _ = stream.write_all(&answer);
    }
    let _ = stream.flush();
}

/// What a well-behaved WebDAV host does.
fn serve(store: &mut Store, req: &Req) -> (u16, Vec<(&'static str, String)>, Vec<u8>) {
    let parent = |p: &str| {
        p.trim_end_matches('/')
            .rsplit_once('/')
            .map(|(a, _)| format!("{a}/"))
    };
    match req.method.as_str() {
        "PUT" => {
            let existing = store.files.get(&req.path).map(|(_, e)| e.clone());
            if req.header("if-none-match") == Some("*") && existing.is_some() {
                return (412, vec![], b"exists".to_vec());
            }
            if let Some(want) = req.header("if-match")
                && existing.as_deref() != Some(want)
            {
                return (412, vec![], b"changed".to_vec());
            }
            if store.require_folders {
                let folder = parent(&req.path).unwrap();
                if folder != "/" && !store.folders.contains(&folder) {
                    return (409, vec![], b"no such folder".to_vec());
                }
            }
            store.counter += 1;
            let etag = format!("\"v{}\"", store.counter);
            store
                .files
                .insert(req.path.clone(), (req.body.clone(), etag.clone()));
            let status = if existing.is_some() { 204 } else { 201 };
            (status, vec![("ETag", etag)], vec![])
        }
        "GET" | "HEAD" => match store.files.get(&req.path) {
            Some((body, etag)) => (200, vec![("ETag", etag.clone())], body.clone()),
            None => (404, vec![], b"not found".to_vec()),
        },
        "MKCOL" => {
            if store.folders.contains(&req.path) {
                return (405, vec![], vec![]);
            }
            match parent(&req.path) {
                Some(p) if p == "/" || store.folders.contains(&p) => {
                    store.folders.insert(req.path.clone());
                    (201, vec![], vec![])
                }
                _ => (409, vec![], vec![]),
            }
        }
        // `If-Match` first, as RFC 9110 §13.2.2 orders it: a file that is gone fails it too.
        "DELETE" => match store.files.get(&req.path) {
            _ if req.header("if-match").is_some_and(|want| {
                store.files.get(&req.path).map(|f| f.1.as_str()) != Some(want)
            }) =>
            {
                (412, vec![], b"changed".to_vec())
            }
            None => (404, vec![], vec![]),
            Some(_) => {
                store.files.remove(&req.path);
                (204, vec![], vec![])
            }
        },
        "POST" => (204, vec![], vec![]),
        _ => (405, vec![], vec![]),
    }
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

// ---------------------------------------------------------------------------------------------
// Sites

const TWO_FEEDS: &str = r#"
[site]
title = "Test Reviews"
base_url = "https://films.example/"
id = "tag:films.example,2026:"
timezone = "Europe/Paris"

[[feed]]
name = "reviews"
title = "Reviews"
source = "content/reviews"
link = "reviews/{slug}/"

[[feed]]
name = "notes"
title = "Notes"
source = "content/notes"
link = "notes/{slug}/"
"#;

/// A built site with two feeds whose `[publish]` points at `url`, plus `extra` publish keys.
fn site(url: &str, extra: &str) -> Site {
    let config = format!(
        "{TWO_FEEDS}\n[publish]\nurl = \"{url}\"\nauth = \"bearer\"\ntoken_env = \"{TOKEN_VAR}\"\ntimeout_secs = 1\nretries = 2\nretry_base_ms = 10\n{extra}\n"
    );
    let site = Site::with_config(&config);
    site.write_push_fixture();
    site.ok(&["build"]);
    site
}

fn run(site: &Site, args: &[&str]) -> Output {
    run_env(site, args, &[(TOKEN_VAR, TOKEN)])
}

fn run_env(site: &Site, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::cargo_bin("feedwright").unwrap();
    cmd.current_dir(site.dir.path())
        .env_remove("FEEDWRIGHT_CONFIG")
        .env_remove(TOKEN_VAR);
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.arg("--now").arg(NOW).args(args).output().unwrap();
    let all = text(&out);
    assert!(!all.contains(TOKEN), "the secret was printed:\n{all}");
    out
}

fn ok(site: &Site, args: &[&str]) -> String {
    let out = run(site, args);
    assert!(out.status.success(), "{args:?}:\n{}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn fails(out: &Output, code: i32) -> String {
    assert_eq!(out.status.code(), Some(code), "{}", text(out));
    stderr(out)
}

fn push_state(site: &Site) -> toml::Table {
    match std::fs::read_to_string(site.path("feedwright-push.toml")) {
        Ok(t) => toml::from_str(&t).unwrap(),
        Err(_) => toml::Table::new(),
    }
}

fn pushed(site: &Site) -> Vec<String> {
    push_state(site)
        .get("files")
        .and_then(|f| f.as_table())
        .map(|f| f.keys().cloned().collect())
        .unwrap_or_default()
}

fn recorded(site: &Site, name: &str, key: &str) -> String {
    push_state(site)["files"][name][key]
        .as_str()
        .unwrap()
        .to_string()
}

fn paths(reqs: &[Req]) -> Vec<String> {
    reqs.iter().map(|r| r.path.clone()).collect()
}

const ALL: [&str; 4] = ["notes.atom", "notes.rss", "reviews.atom", "reviews.rss"];

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn first_push_sends_every_file_with_type_length_precondition_and_auth() {
    let server = Server::start();
    let site = site(&server.url("/dav/feeds/"), "");
    let out = ok(&site, &["push"]);

    // The identity guard looked at each published feed first (none yet).
    let gets = server.with("GET");
    assert_eq!(paths(&gets), ALL.map(|n| format!("/dav/feeds/{n}")));
    let puts = server.with("PUT");
    assert_eq!(paths(&puts), ALL.map(|n| format!("/dav/feeds/{n}")));
    for put in &puts {
        let name = put.path.trim_start_matches("/dav/feeds/");
        let local = std::fs::read(site.path(&format!("feeds/{name}"))).unwrap();
        assert_eq!(put.body, local, "{name}: body bytes");
        assert_eq!(
            put.header("content-length"),
            Some(local.len().to_string().as_str())
        );
        let ct = if name.ends_with(".rss") {
            "application/rss+xml; charset=utf-8"
        } else {
            "application/atom+xml"
        };
        assert_eq!(put.header("content-type"), Some(ct), "{name}");
        assert_eq!(put.header("if-none-match"), Some("*"), "{name}");
        assert_eq!(put.header("if-match"), None);
        assert_eq!(
            put.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert!(put.header("user-agent").unwrap().starts_with("feedwright/"));
        // The state records the hash of what was sent and the server's ETag.
        assert_eq!(
            recorded(&site, name, "blake3"),
            blake3::hash(&local).to_hex().to_string()
        );
        assert_eq!(
            recorded(&site, name, "etag"),
            server.file(&put.path).unwrap().1
        );
        assert_eq!(recorded(&site, name, "url"), server.url(&put.path));
        assert!(
            out.contains(&format!(
                "uploaded {name} -> {} (201 Created)",
                server.url(&put.path)
            )),
            "{out}"
        );
    }

    // Spec R104: nothing changed, nothing sent, nothing printed.
    let before = server.requests().len();
    let out = ok(&site, &["push"]);
    assert_eq!(out, "");
    assert_eq!(
        server.requests().len(),
        before,
        "an unchanged run makes no request"
    );

    // Edit one entry of one feed: only that feed's files go, as guarded updates.
    let etag = recorded(&site, "reviews.rss", "etag");
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "A heist, revised."),
    );
    site.ok(&["build"]);
    let out = ok(&site, &["push"]);
    let new: Vec<Req> = server.requests().split_off(before);
    let puts: Vec<&Req> = new.iter().filter(|r| r.method == "PUT").collect();
    assert_eq!(
        puts.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
        ["/dav/feeds/reviews.atom", "/dav/feeds/reviews.rss"],
        "{out}"
    );
    assert_eq!(puts[1].header("if-match"), Some(etag.as_str()));
    assert_eq!(puts[1].header("if-none-match"), None);
    assert!(out.contains("(204 No Content)"), "{out}");
    assert_eq!(
        server.file("/dav/feeds/reviews.rss").unwrap().0,
        site.read("feeds/reviews.rss").into_bytes()
    );
}

#[test]
fn dry_run_lists_files_and_reasons_and_sends_nothing_even_without_the_secret() {
    let server = Server::start();
    let site = site(&server.url("/dav/"), "hubs = [\"https://hub.example/\"]");
    let out = run_env(&site, &["push", "--dry-run"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    for name in ALL {
        assert!(
            stdout.contains(&format!(
                "would upload {name} -> {} (new: never pushed)",
                server.url(&format!("/dav/{name}"))
            )),
            "{stdout}"
        );
    }
    assert!(
        stdout.contains(
            "would ping https://hub.example/ for https://films.example/feeds/reviews.rss"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("dry run: nothing was sent"), "{stdout}");
    assert!(server.requests().is_empty());
    assert!(!site.path("feedwright-push.toml").exists());
}

#[test]
fn a_500_then_success_is_retried_and_recorded() {
    let server = Server::start();
    let site = site(&server.url("/dav/"), "");
    server.fail(
        "PUT",
        "/dav/notes.rss",
        1,
        Fault::Status(500, vec![], "boom".into()),
    );
    let out = run(&site, &["push"]);
    assert!(out.status.success(), "{}", text(&out));
    let puts = server.with("PUT");
    assert_eq!(
        paths(&puts),
        [
            "/dav/notes.atom",
            "/dav/notes.rss",
            "/dav/notes.rss",
            "/dav/reviews.atom",
            "/dav/reviews.rss"
        ]
    );
    assert_eq!(puts[1].body, puts[2].body, "the retry sends the same bytes");
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "PUT {} answered 500 Internal Server Error \"boom\"; retrying",
            server.url("/dav/notes.rss")
        )),
        "{err}"
    );
    assert!(err.contains("(attempt 2 of 3)"), "{err}");
    assert_eq!(pushed(&site), ALL);
}

#[test]
fn a_503_with_retry_after_is_waited_for() {
    let server = Server::start();
    let site = site(&server.url("/dav/"), "");
    server.fail(
        "PUT",
        "/dav/notes.atom",
        1,
        Fault::Status(503, vec![("Retry-After", "1".into())], String::new()),
    );
    let out = run(&site, &["push"]);
    assert!(out.status.success(), "{}", text(&out));
    let puts = server.with("PUT");
    assert_eq!(paths(&puts)[..2], ["/dav/notes.atom", "/dav/notes.atom"]);
    let gap = puts[1].at - puts[0].at;
    assert!(gap >= Duration::from_millis(950), "waited only {gap:?}");
    assert!(stderr(&out).contains("retrying in 1.0 s"), "{}", text(&out));
}

#[test]
fn a_hang_past_the_timeout_is_retried() {
    let server = Server::start();
    let site = site(&server.url("/dav/"), "");
    server.fail(
        "PUT",
        "/dav/notes.atom",
        1,
        Fault::Hang(Duration::from_secs(3)),
    );
    let started = Instant::now();
    let out = run(&site, &["push"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "timeout_secs = 1 was not applied"
    );
    assert_eq!(
        paths(&server.with("PUT"))[..2],
        ["/dav/notes.atom", "/dav/notes.atom"]
    );
    assert!(
        stderr(&out).contains("no answer within the timeout; retrying"),
        "{}",
        text(&out)
    );
    assert_eq!(pushed(&site), ALL);
}

#[test]
fn a_401_is_not_retried_and_the_secret_stays_out_of_the_message() {
    let server = Server::start();
    let site = site(&server.url("/dav/"), "");
    // The server echoes the credentials in its error page, as some do.
    let echo = format!("bad credentials: Authorization: Bearer {TOKEN}");
    server.fail(
        "PUT",
        "",
        99,
        Fault::Status(401, vec![("WWW-Authenticate", "Bearer".into())], echo),
    );
    let out = run(&site, &["push"]);
    let err = fails(&out, 5);
    assert_eq!(server.with("PUT").len(), 1, "a 401 is not retried");
    assert!(err.contains("notes.atom was not uploaded"), "{err}");
    assert!(
        err.contains(&format!("request: PUT {}", server.url("/dav/notes.atom"))),
        "{err}"
    );
    assert!(
        err.contains(
            "answer: 401 Unauthorized \"bad credentials: Authorization: Bearer ***\" (not retried"
        ),
        "{err}"
    );
    assert!(
        err.contains("check: the server refused the credentials"),
        "{err}"
    );
    assert!(
        err.contains("not attempted: notes.rss, reviews.atom, reviews.rss"),
        "{err}"
    );
    assert!(pushed(&site).is_empty());
}

#[test]
fn a_404_names_the_url_and_what_to_check() {
    let server = Server::start();
    let site = site(&server.url("/nowhere/"), "");
    server.fail(
        "PUT",
        "",
        99,
        Fault::Status(404, vec![], "not found".into()),
    );
    let err = fails(&run(&site, &["push"]), 5);
    assert_eq!(server.with("PUT").len(), 1);
    assert!(
        err.contains(&format!("PUT {}", server.url("/nowhere/notes.atom"))),
        "{err}"
    );
    assert!(err.contains("404 Not Found"), "{err}");
    assert!(err.contains("check [publish] url"), "{err}");
}

#[test]
fn a_closed_port_is_retried_then_reported() {
    let port = closed_port();
    let site = site(&format!("http://127.0.0.1:{port}/dav/"), "");
    let err = fails(&run(&site, &["push"]), 5);
    // The first request is the identity guard's GET of the published feed.
    assert!(
        err.contains("cannot check the published notes.atom"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "request: GET http://127.0.0.1:{port}/dav/notes.atom"
        )),
        "{err}"
    );
    assert!(err.contains("(after 3 attempts)"), "{err}");
    assert!(err.contains("check that the server is running"), "{err}");
    assert!(err.contains("nothing was uploaded"), "{err}");
    assert!(pushed(&site).is_empty());
}

#[test]
fn a_server_dying_mid_upload_keeps_what_went_and_the_next_run_sends_the_rest() {
    let server = Server::start();
    let site = site(&server.url("/dav/"), "");
    server.fail("PUT", "/dav/reviews.atom", 1, Fault::Die);
    let err = fails(&run(&site, &["push"]), 5);
    assert!(err.contains("reviews.atom was not uploaded"), "{err}");
    assert!(err.contains("(after 3 attempts)"), "{err}");
    assert!(err.contains("uploaded before the failure and recorded in feedwright-push.toml: notes.atom, notes.rss"), "{err}");
    assert!(err.contains("not attempted: reviews.rss"), "{err}");
    assert_eq!(pushed(&site), ["notes.atom", "notes.rss"]);

    // The host comes back on the same port with what it had stored.
    let again = Server::start_with(server.addr, server.store());
    let out = ok(&site, &["push"]);
    let puts = again.with("PUT");
    assert_eq!(
        paths(&puts),
        ["/dav/reviews.atom", "/dav/reviews.rss"],
        "{out}"
    );
    assert!(puts.iter().all(|p| p.header("if-none-match") == Some("*")));
    assert_eq!(pushed(&site), ALL);
}

#[test]
fn a_412_stops_the_push_and_force_overwrites() {
    let server = Server::start();
    let site = site(&server.url("/dav/"), "");
    ok(&site, &["push"]);
    // Someone else re-uploads reviews.rss (same bytes, new ETag).
    server.set_store(|s| {
        s.counter += 1;
        let v = format!("\"other{}\"", s.counter);
        s.files.get_mut("/dav/reviews.rss").unwrap().1 = v;
    });
    let old_rss_hash = recorded(&site, "reviews.rss", "blake3");
    site.write(
        "content/reviews/ran.md",
        &review("Ran", "2026-02-01", "A king, revised."),
    );
    site.ok(&["build"]);
    let err = fails(&run(&site, &["push"]), 5);
    assert!(err.contains("reviews.rss was not uploaded"), "{err}");
    assert!(err.contains("412 Precondition Failed"), "{err}");
    assert!(err.contains("feedwright push --force"), "{err}");
    assert!(err.contains("the remote copy was left as it is"), "{err}");
    assert_eq!(
        recorded(&site, "reviews.rss", "blake3"),
        old_rss_hash,
        "not recorded"
    );
    assert_ne!(
        server.file("/dav/reviews.rss").unwrap().0,
        site.read("feeds/reviews.rss").into_bytes()
    );

    let before = server.with("PUT").len();
    ok(&site, &["push", "--force"]);
    let puts = server.with("PUT").split_off(before);
    assert_eq!(puts.len(), 4, "--force re-sends everything");
    assert!(
        puts.iter()
            .all(|p| p.header("if-match").is_none() && p.header("if-none-match").is_none())
    );
    assert_eq!(
        server.file("/dav/reviews.rss").unwrap().0,
        site.read("feeds/reviews.rss").into_bytes()
    );
}

/// Audit 2026-12, finding 5: `--prune` deleted without `If-Match`, so a copy someone put
/// there since was deleted; and a `207 Multi-Status` (something failed) counted as deleted.
#[test]
fn prune_deletes_only_the_copy_it_uploaded_and_a_207_is_no_success() {
    let server = Server::start();
    let site = site(&server.url("/dav/"), "");
    ok(&site, &["push"]);
    let etag = |name: &str| recorded(&site, name, "etag");
    let (atom_etag, rss_etag) = (etag("notes.atom"), etag("notes.rss"));
    // Someone removes notes.atom and replaces notes.rss; the notes feed is no longer built.
    server.set_store(|s| {
        s.files.remove("/dav/notes.atom");
        s.files.get_mut("/dav/notes.rss").unwrap().1 = "\"theirs\"".into();
    });
    let config = site.read("config.toml").replace(
        "[[feed]]\nname = \"notes\"\ntitle = \"Notes\"\nsource = \"content/notes\"\nlink = \"notes/{slug}/\"\n",
        "",
    );
    site.write("config.toml", &config);
    site.ok(&["build", "--allow-drop"]);
    let out = run(&site, &["push", "--prune"]);
    let err = fails(&out, 5);
    let deletes = server.with("DELETE");
    let sent: Vec<_> = deletes
        .iter()
        .map(|d| (d.path.as_str(), d.header("if-match")))
        .collect();
    assert_eq!(
        sent,
        [
            ("/dav/notes.atom", Some(atom_etag.as_str())),
            ("/dav/notes.rss", Some(rss_etag.as_str())),
        ]
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("deleted notes.atom -> "), "{stdout}");
    assert!(
        stdout.contains("(already gone; no longer built)"),
        "{stdout}"
    );
    assert!(
        err.starts_with("error: notes.rss was not deleted\n"),
        "{err}"
    );
    assert!(err.contains("412 Precondition Failed"), "{err}");
    assert!(
        err.contains("someone replaced it since the last push; look at it, then `feedwright push --prune --force` deletes it anyway"),
        "{err}"
    );
    assert!(server.file("/dav/notes.rss").is_some(), "left alone");
    assert_eq!(pushed(&site), ["notes.rss", "reviews.atom", "reviews.rss"]);

    // A 207 says something in it failed: not deleted, still recorded.
    server.fail(
        "DELETE",
        "/dav/notes.rss",
        1,
        Fault::Status(
            207,
            vec![],
            "<d:multistatus>403 Forbidden</d:multistatus>".into(),
        ),
    );
    let err = fails(&run(&site, &["push", "--prune", "--force"]), 5);
    assert!(
        err.starts_with("error: notes.rss was not deleted\n"),
        "{err}"
    );
    assert!(
        err.contains("answer: 207 Multi-Status \"<d:multistatus>403"),
        "{err}"
    );
    assert!(
        err.contains("207 Multi-Status: its answer lists what failed"),
        "{err}"
    );
    assert!(pushed(&site).contains(&"notes.rss".to_string()));

    // --force deletes whatever is there.
    ok(&site, &["push", "--prune", "--force"]);
    let last = server.with("DELETE").pop().unwrap();
    assert_eq!(last.header("if-match"), None);
    assert!(server.file("/dav/notes.rss").is_none());
    assert_eq!(pushed(&site), ["reviews.atom", "reviews.rss"]);
}

#[test]
fn missing_folders_are_made_with_mkcol_then_the_put_is_retried_once() {
    let server = Server::start();
    server.set_store(|s| {
        s.require_folders = true;
        s.folders.insert("/dav/".into());
    });
    let site = site(&server.url("/dav/site/feeds/"), "");
    let out = ok(&site, &["push"]);
    let seq: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .take(6)
        .collect();
    assert_eq!(
        seq,
        [
            "PUT /dav/site/feeds/notes.atom",
            "MKCOL /dav/site/feeds/",
            "MKCOL /dav/site/",
            "MKCOL /dav/site/feeds/",
            "PUT /dav/site/feeds/notes.atom",
            "PUT /dav/site/feeds/notes.rss",
        ]
    );
    assert!(
        out.contains(&format!("created folder {}", server.url("/dav/site/"))),
        "{out}"
    );
    assert_eq!(pushed(&site), ALL);
}

#[test]
fn the_identity_guard_refuses_to_change_published_ids_unless_forced() {
    let server = Server::start();
    let site = site(&server.url("/dav/"), "");
    // Another tool published "Heat" under another guid.
    let old = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Reviews</title><link>https://films.example/</link><description>x</description>
<item><title>Heat</title><link>https://films.example/reviews/heat/</link><guid isPermaLink="false">urn:old-tool:17</guid></item>
</channel></rss>"#;
    server.set_store(|s| {
        s.files.insert(
            "/dav/reviews.rss".into(),
            (old.as_bytes().to_vec(), "\"x\"".into()),
        );
    });
    let err = fails(&run(&site, &["push"]), 4);
    assert!(err.contains("refusing to push"), "{err}");
    assert!(
        err.contains("reviews.rss: \"Heat\" would change its id urn:old-tool:17 ->"),
        "{err}"
    );
    assert!(err.contains("feedwright adopt-ids"), "{err}");
    assert!(server.with("PUT").is_empty(), "nothing uploaded");

    ok(&site, &["push", "--force"]);
    assert_eq!(server.with("PUT").len(), 4);
    assert_eq!(
        server.file("/dav/reviews.rss").unwrap().0,
        site.read("feeds/reviews.rss").into_bytes()
    );
}

#[test]
fn basic_auth_reads_the_secret_from_a_file() {
    let server = Server::start();
    let site = site(&server.url("/dav/"), "");
    let config = site.read("config.toml").replace(
        &format!("auth = \"bearer\"\ntoken_env = \"{TOKEN_VAR}\""),
        "auth = \"basic\"\nuser = \"editor\"\ntoken_file = \"secret.txt\"",
    );
    site.write("config.toml", &config)
        .write("secret.txt", "s3cret\n");
    let out = run_env(&site, &["push"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("s3cret"));
    for put in server.with("PUT") {
        // base64("editor:s3cret")
        assert_eq!(
            put.header("authorization"),
            Some("Basic ZWRpdG9yOnMzY3JldA==")
        );
    }
}

/// Resource audit: `token_file` was read whole: a link to /dev/zero grew to 17 GB, a FIFO
/// waited forever, a 10 MB file went into every header. Refused before any request.
#[cfg(unix)]
#[test]
fn a_secret_file_that_is_no_file_or_too_long_is_refused_without_any_request() {
    let server = Server::start();
    let site = site(&server.url("/dav/"), "");
    let config = site.read("config.toml").replace(
        &format!("auth = \"bearer\"\ntoken_env = \"{TOKEN_VAR}\""),
        "auth = \"basic\"\nuser = \"editor\"\ntoken_file = \"secret.txt\"",
    );
    site.write("config.toml", &config);
    let secret = site.path("secret.txt");
    std::os::unix::fs::symlink("/dev/zero", &secret).unwrap();
    let shown = secret.display();
    let err = fails(&run_env(&site, &["push"], &[]), 5);
    assert!(
        err.contains(&format!("error: {shown} (named by [publish] token_file) is a device, not a file: name a file that holds the secret")),
        "{err}"
    );
    std::fs::remove_file(&secret).unwrap();
    site.write("secret.txt", &"x".repeat(20_000));
    let err = fails(&run_env(&site, &["push"], &[]), 5);
    assert!(
        err.contains(&format!("error: {shown} (named by [publish] token_file) is 20000 bytes or more, more than the 16384 an upload secret may have: is it the right file?")),
        "{err}"
    );
    site.write("secret.txt", &format!("{}\n", "x".repeat(16_385)));
    let err = fails(&run_env(&site, &["push"], &[]), 5);
    assert!(
        err.contains(&format!("error: {shown} (named by [publish] token_file) holds 16385 bytes, more than the 16384 an upload secret may have: is it the right one?")),
        "{err}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn a_missing_secret_is_named_without_any_request() {
    let server = Server::start();
    let site = site(&server.url("/dav/"), "");
    let err = fails(&run_env(&site, &["push"], &[]), 5);
    assert!(
        err.contains(&format!(
            "environment variable {TOKEN_VAR} (named by [publish] token_env) is not set"
        )),
        "{err}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn credentials_are_refused_over_plain_http_to_another_host() {
    // 192.0.2.0/24 is reserved for documentation: nothing answers there.
    let site = site("http://192.0.2.10/dav/", "");
    let err = fails(&run(&site, &["push"]), 3);
    assert!(err.contains("plain http:// and auth is set"), "{err}");
    assert!(err.contains("allow_insecure_auth"), "{err}");
    let config = site.read("config.toml") + "allow_insecure_auth = true\n";
    site.write("config.toml", &config);
    let out = ok(&site, &["push", "--dry-run"]);
    assert!(
        out.contains("would upload notes.atom -> http://192.0.2.10/dav/notes.atom"),
        "{out}"
    );
}

#[test]
fn a_stale_output_folder_is_not_pushed() {
    let server = Server::start();
    let site = site(&server.url("/dav/"), "");
    site.write(
        "content/reviews/new.md",
        &review("New", "2026-03-02", "Fresh."),
    );
    let err = fails(&run(&site, &["push"]), 5);
    assert!(
        err.contains("older than the content: feeds/reviews.atom, feeds/reviews.rss)"),
        "{err}"
    );
    assert!(err.contains("feedwright build --push"), "{err}");
    assert!(server.requests().is_empty());

    // build --push writes, then pushes, in one run.
    let out = ok(&site, &["build", "--push"]);
    assert!(out.contains("wrote feeds/reviews.rss"), "{out}");
    assert!(out.contains("uploaded reviews.rss"), "{out}");
    assert_eq!(server.with("PUT").len(), 4);
}

#[test]
fn hubs_get_a_form_ping_per_changed_feed_and_a_failed_ping_is_retried_next_run() {
    let server = Server::start();
    let hub = Server::start();
    let extra = format!(
        "hubs = [\"{}\"]\nhub_param = \"hub.topic\"",
        hub.url("/hub")
    );
    let site = site(&server.url("/dav/"), &extra);
    // The feeds advertise the hub (spec R89).
    assert!(
        site.read("feeds/reviews.rss")
            .contains(&format!("href=\"{}\"", hub.url("/hub")))
    );

    ok(&site, &["push"]);
    let pings = hub.with("POST");
    assert_eq!(pings.len(), 4);
    let mut topics = Vec::new();
    for p in &pings {
        assert_eq!(p.path, "/hub");
        assert_eq!(
            p.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert!(
            p.header("authorization").is_none(),
            "hubs get no credentials"
        );
        let form: Vec<(String, String)> =
            url::form_urlencoded::parse(&p.body).into_owned().collect();
        assert_eq!(form[0], ("hub.mode".to_string(), "publish".to_string()));
        assert_eq!(form[1].0, "hub.topic");
        assert_eq!(form.len(), 2);
        topics.push(form[1].1.clone());
    }
    topics.sort();
    assert_eq!(
        topics,
        ALL.map(|n| format!("https://films.example/feeds/{n}"))
    );

    // Unchanged: nobody is pinged.
    ok(&site, &["push"]);
    assert_eq!(hub.with("POST").len(), 4);

    // A changed feed, and a hub that keeps failing: the upload stands, the ping is kept.
    hub.fail(
        "POST",
        "/hub",
        3,
        Fault::Status(500, vec![], "hub down".into()),
    );
    site.write(
        "content/notes/first.md",
        &review("First note", "2026-03-01", "Hello again."),
    );
    site.ok(&["build"]);
    let out = run(&site, &["push"]);
    let err = fails(&out, 5);
    assert!(
        err.contains("2 file(s) uploaded, but 2 hub ping(s) failed; the upload stands"),
        "{err}"
    );
    assert!(
        err.contains("500 Internal Server Error \"hub down\""),
        "{err}"
    );
    // Audit 2026-12, finding 4: a hub that failed is not tried again in the same run.
    assert_eq!(
        hub.with("POST").len(),
        4 + 3,
        "retried, and the other topic is not tried"
    );
    assert!(
        err.contains(&format!(
            "{}: 1 more ping(s) not tried in this run after it failed; they are owed to the next run",
            hub.url("/hub")
        )),
        "{err}"
    );
    assert_eq!(
        recorded(&site, "notes.rss", "blake3"),
        blake3::hash(site.read("feeds/notes.rss").as_bytes())
            .to_hex()
            .to_string()
    );
    let pending = push_state(&site)["pending_pings"].as_array().unwrap().len();
    assert_eq!(pending, 2);

    // Next run: no upload, only the owed ping.
    let puts = server.with("PUT").len();
    let out = ok(&site, &["push"]);
    assert_eq!(server.with("PUT").len(), puts);
    assert_eq!(hub.with("POST").len(), 9);
    assert!(out.contains("pinged hub"), "{out}");
    assert!(push_state(&site).get("pending_pings").is_none());
    ok(&site, &["push"]);
    assert_eq!(hub.with("POST").len(), 9);

    // --force re-sends unchanged bytes: still nobody to ping (spec R93).
    ok(&site, &["push", "--force"]);
    assert_eq!(server.with("PUT").len(), puts + 4);
    assert_eq!(hub.with("POST").len(), 9);
}

/// Audit 2026-12, finding 4: a dead hub cost (retries + 1) × timeout for every changed
/// document while the site stayed locked. It is tried once per run; the other hubs get
/// every ping, and what the dead one is owed waits for the next run.
#[test]
fn a_dead_hub_is_tried_once_per_run_and_the_others_get_every_ping() {
    let server = Server::start();
    let live = Server::start();
    let dead = format!("http://127.0.0.1:{}/", closed_port());
    let extra = format!("hubs = [\"{dead}\", \"{}\"]", live.url("/hub"));
    let site = site(&server.url("/dav/"), &extra);
    let out = run(&site, &["push"]);
    let err = fails(&out, 5);
    assert!(
        err.contains("4 file(s) uploaded, but 4 hub ping(s) failed; the upload stands"),
        "{err}"
    );
    assert_eq!(err.matches("hub ping failed: POST ").count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "{dead}: 3 more ping(s) not tried in this run after it failed; they are owed to the next run"
        )),
        "{err}"
    );
    assert_eq!(live.with("POST").len(), 4);
    let owed = push_state(&site)["pending_pings"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(owed.len(), 4);
    assert!(
        owed.iter()
            .all(|p| p["hub"].as_str() == Some(dead.as_str()))
    );
    // Still dead on the next run: one try again, nothing re-sent, nothing lost.
    let err = fails(&run(&site, &["push"]), 5);
    assert!(
        err.contains("0 file(s) uploaded, but 4 hub ping(s) failed"),
        "{err}"
    );
    assert_eq!(live.with("POST").len(), 4);
    assert_eq!(server.with("PUT").len(), 4);
}

/// The example config in the README's push section parses, and the defaults its table names
/// are the real ones, so the docs and the config structs cannot drift apart.
#[test]
fn the_documented_config_example_parses() {
    use feedwright::publish::config::{AuthKind, PublishConfig};
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let doc = readme
        .split("## Pushing the feeds to your web server")
        .nth(1)
        .expect("README has the push section")
        .split("\n## ")
        .next()
        .unwrap();
    let start = doc.find("```toml\n").unwrap() + "```toml\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let path = std::path::Path::new("/srv/site/config.toml");
    let config = feedwright::config::Config::parse(&doc[start..end], path).unwrap();
    let p = &config.publish;
    assert_eq!(
        p.url.as_ref().unwrap().as_str(),
        "https://films.example/feeds/"
    );
    assert_eq!(p.auth, AuthKind::Basic);
    assert_eq!(p.user.as_deref(), Some("editor"));
    assert_eq!(p.token_env.as_deref(), Some("FEEDWRIGHT_TOKEN"));
    assert_eq!(p.hubs.len(), 1);
    assert_eq!(
        p.state_file,
        std::path::Path::new("/srv/site/feedwright-push.toml")
    );
    let d = PublishConfig::default();
    for row in [
        format!("| `timeout_secs` | `{}` |", d.timeout.as_secs()),
        format!("| `retries` | `{}` |", d.retries),
        format!("| `retry_base_ms` | `{}` |", d.retry_base.as_millis()),
        format!("| `hub_param` | `\"{}\"` |", d.hub_param),
        format!("| `state_file` | `\"{}\"` |", d.state_file.display()),
    ] {
        assert!(
            doc.contains(&row),
            "the README's push section should have the row {row}"
        );
    }
}

/// With every extra on (stylesheet, archive pages, tag feeds, JSON Feed, OPML), each file goes
/// after what it points at: the stylesheet first, archive pages and tag feeds next, then the
/// main feeds, and the OPML index that lists them last. Every changed feed document is pinged.
#[test]
fn extras_are_uploaded_before_the_main_feeds_and_the_index_after() {
    let server = Server::start();
    let hub = Server::start();
    let config = format!(
        r#"
[site]
title = "Test Reviews"
base_url = "https://films.example/"
id = "tag:films.example,2026:"
stylesheet = true
opml = true

[[feed]]
name = "reviews"
title = "Reviews"
source = "content/reviews"
formats = ["rss", "atom", "json"]
limit = 1
archive = true
tags = true

[publish]
url = "{}"
timeout_secs = 1
retries = 0
hubs = ["{}"]
"#,
        server.url("/dav/"),
        hub.url("/hub")
    );
    let site = Site::with_config(&config);
    for (slug, title, date) in [("heat", "Heat", "2026-01-01"), ("ran", "Ran", "2026-02-01")] {
        site.write(
            &format!("content/reviews/{slug}.md"),
            &format!(
                "+++\ntitle = \"{title}\"\ndate = \"{date}\"\ntags = [\"noir\"]\n+++\nBody.\n"
            ),
        );
    }
    site.ok(&["build"]);
    ok(&site, &["push"]);
    let names: Vec<String> = server
        .with("PUT")
        .iter()
        .map(|r| r.path.trim_start_matches("/dav/").to_string())
        .collect();
    let pos = |n: &str| {
        names
            .iter()
            .position(|x| x == n)
            .unwrap_or_else(|| panic!("{n} not uploaded: {names:?}"))
    };
    let first_main = pos("reviews.atom");
    assert_eq!(pos("feed.xsl"), 0, "{names:?}");
    assert_eq!(
        &names[first_main..],
        ["reviews.atom", "reviews.json", "reviews.rss", "index.opml"]
    );
    let middle = &names[1..first_main];
    assert!(
        middle.iter().any(|n| n.starts_with("archive/")),
        "{names:?}"
    );
    assert!(middle.iter().any(|n| n.starts_with("tags/")), "{names:?}");
    let json = server.with("PUT")[pos("reviews.json")].clone();
    assert_eq!(json.header("content-type"), Some("application/feed+json"));
    // Every feed document was pinged, the stylesheet and the index were not.
    let pinged = hub.with("POST").len();
    assert_eq!(pinged, names.len() - 2, "{names:?}");
}

/// Audit finding 6: a hub that redirected was reported with "set [publish] url to the final
/// location", the upload's address, which was right all along.
#[test]
fn a_hub_that_redirects_is_named_by_its_hubs_entry() {
    let server = Server::start();
    let hub = Server::start();
    let site = site(
        &server.url("/dav/"),
        &format!("hubs = [\"{}\"]", hub.url("/hub")),
    );
    let moved = hub.url("/hub/v2");
    hub.fail(
        "POST",
        "/hub",
        99,
        Fault::Status(307, vec![("Location", moved.clone())], String::new()),
    );
    let err = fails(&run(&site, &["push"]), 5);
    // Not retried, and the hub is not tried again in this run for the other three feeds.
    assert_eq!(hub.with("POST").len(), 1, "a redirect is not retried");
    assert!(
        err.contains(&format!(
            "{}: 3 more ping(s) not tried in this run after it failed",
            hub.url("/hub")
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "POST {} for https://films.example/feeds/notes.atom: 307 Temporary Redirect (to {moved}) after 1 attempt(s); the server redirects: set the hub's entry in [publish] hubs to the final location (pings never follow redirects)",
            hub.url("/hub")
        )),
        "{err}"
    );
    assert!(!err.contains("[publish] url"), "{err}");
}
