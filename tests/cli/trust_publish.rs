//! Guards that do not cry wolf (issue 13, section 6), against the real binary and a real HTTP
//! server on 127.0.0.1 written here: it keeps PUT bodies, answers strong ETags and evaluates
//! `If-None-Match: *` and `If-Match` on PUT the way a WebDAV host does (nginx does not, so it
//! cannot show a 412), and records every request.
//!
//! - An entry whose guid is not a URI has a derived Atom id; the push guard and
//!   `check --against` compare RSS guids with RSS guids and Atom ids with Atom ids.
//! - `push --take-over` replaces a file feedwright did not write only when its published items
//!   keep their ids, with `If-Match` on the ETag of the copy it checked; `--force` still
//!   overwrites anything.

use crate::common;

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::thread;

use assert_cmd::Command;
use common::{NOW, Site, review, stderr, text};

// ---------------------------------------------------------------------------------------------
// The test server

#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Inner {
    /// Path -> (body, strong ETag).
    files: BTreeMap<String, (Vec<u8>, String)>,
    requests: Vec<Req>,
    counter: u64,
    /// Someone else rewrites this file right after answering a GET for it.
    churn: Option<String>,
    /// Answer GET and HEAD without an ETag, as some hosts do.
    no_etags: bool,
}

struct Dav {
    addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
}

impl Dav {
    fn start() -> Dav {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let inner = Arc::new(Mutex::new(Inner::default()));
        let shared = inner.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = shared.clone();
                thread::spawn(move || handle(stream, &shared));
            }
        });
        Dav { addr, inner }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Puts a file there as another tool would, with its own ETag.
    fn place(&self, path: &str, body: &str, etag: &str) {
        let mut inner = self.inner.lock().unwrap();
        inner
            .files
            .insert(path.into(), (body.as_bytes().to_vec(), etag.into()));
    }

    fn set(&self, f: impl FnOnce(&mut Inner)) {
        f(&mut self.inner.lock().unwrap());
    }

    fn body(&self, path: &str) -> Option<String> {
        let inner = self.inner.lock().unwrap();
        inner
            .files
            .get(path)
            .map(|(b, _)| String::from_utf8_lossy(b).into_owned())
    }

    fn requests(&self) -> Vec<Req> {
        self.inner.lock().unwrap().requests.clone()
    }

    fn puts(&self) -> Vec<Req> {
        let all = self.requests();
        all.into_iter().filter(|r| r.method == "PUT").collect()
    }
}

fn handle(stream: TcpStream, shared: &Arc<Mutex<Inner>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let Some((method, path, headers)) = common::read_head(&mut reader) else {
        return;
    };
    let req = Req {
        method,
        path,
        headers,
    };
    let len = req
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let (status, etag, answer) = {
        let mut inner = shared.lock().unwrap();
        inner.requests.push(req.clone());
        let answer = serve(&mut inner, &req, body);
        if req.method == "GET" && inner.churn.as_deref() == Some(req.path.as_str()) {
            inner.counter += 1;
            let etag = format!("\"other{}\"", inner.counter);
            if let Some(file) = inner.files.get_mut(&req.path) {
                file.1 = etag;
            }
        }
        answer
    };
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        common::reason(status),
        answer.len()
    );
    if let Some(etag) = etag {
        out.push_str(&format!("ETag: {etag}\r\n"));
    }
    out.push_str("\r\n");
    let mut stream = stream;
    let _ = stream.write_all(out.as_bytes());
    if req.method != "HEAD" {
        let _ = stream.write_all(&answer);
    }
}

fn serve(inner: &mut Inner, req: &Req, body: Vec<u8>) -> (u16, Option<String>, Vec<u8>) {
    match req.method.as_str() {
        "PUT" => {
            let existing = inner.files.get(&req.path).map(|(_, e)| e.clone());
            if req.header("if-none-match") == Some("*") && existing.is_some() {
                return (412, None, b"exists".to_vec());
            }
            if let Some(want) = req.header("if-match")
                && existing.as_deref() != Some(want)
            {
                return (412, None, b"changed".to_vec());
            }
            inner.counter += 1;
            let etag = format!("\"v{}\"", inner.counter);
            inner.files.insert(req.path.clone(), (body, etag.clone()));
            let status = if existing.is_some() { 204 } else { 201 };
            (status, Some(etag), vec![])
        }
        "GET" | "HEAD" => match inner.files.get(&req.path) {
            Some((body, etag)) => {
                let etag = (!inner.no_etags).then(|| etag.clone());
                (200, etag, body.clone())
            }
            None => (404, None, b"not found".to_vec()),
        },
        "POST" => (204, None, vec![]),
        _ => (405, None, vec![]),
    }
}

// ---------------------------------------------------------------------------------------------
// Sites

/// One feed, RSS and Atom, pushed to `url` without credentials.
fn site(url: &str) -> Site {
    let config = format!(
        r#"
[site]
title = "Test Reviews"
base_url = "https://films.example/"
id = "tag:films.example,2026:"
timezone = "Europe/Paris"

[[feed]]
name = "reviews"
title = "Reviews"
source = "content/reviews"
link = "reviews/{{slug}}/"

[publish]
url = "{url}"
timeout_secs = 2
retries = 0
"#
    );
    Site::with_config(&config)
}

/// A review that keeps the guid another tool gave it, which is not a URI.
fn legacy(title: &str, date: &str, id: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndate = \"{date}\"\nid = \"{id}\"\n+++\n{body}\n")
}

/// A site migrated from another tool: "Heat" keeps the guid `12345`, "Ran" has a derived id.
fn migrated(url: &str) -> Site {
    let site = site(url);
    site.write(
        "content/reviews/heat.md",
        &legacy("Heat", "2026-01-01", "12345", "A heist."),
    )
    .write(
        "content/reviews/ran.md",
        &review("Ran", "2026-02-01", "A king."),
    );
    site
}

fn run(site: &Site, args: &[&str]) -> Output {
    let mut cmd = Command::cargo_bin("feedwright").unwrap();
    cmd.current_dir(site.dir.path())
        .env_remove("FEEDWRIGHT_CONFIG");
    for var in ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"] {
        cmd.env_remove(var);
    }
    cmd.arg("--now").arg(NOW).args(args).output().unwrap()
}

fn ok(site: &Site, args: &[&str]) -> String {
    let out = run(site, args);
    assert!(out.status.success(), "{args:?}:\n{}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn fails(site: &Site, args: &[&str], code: i32) -> String {
    let out = run(site, args);
    assert_eq!(out.status.code(), Some(code), "{args:?}:\n{}", text(&out));
    stderr(&out)
}

fn names(reqs: &[Req], prefix: &str) -> Vec<String> {
    reqs.iter()
        .map(|r| r.path.trim_start_matches(prefix).to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Like with like

/// Issue 13 §6: the guard compared the derived Atom id of a non-URI guid with the guid itself,
/// so every push of a migrated site after the first exited 4.
#[test]
fn a_site_with_a_non_uri_guid_pushes_twice() {
    let dav = Dav::start();
    let site = migrated(&dav.url("/dav/"));
    let first = ok(&site, &["build", "--push"]);
    assert!(first.contains("uploaded reviews.atom"), "{first}");
    let atom = dav.body("/dav/reviews.atom").unwrap();
    assert!(
        atom.contains("<id>tag:films.example,2026:guid/12345</id>"),
        "the Atom copy carries the derived id:\n{atom}"
    );
    assert!(
        dav.body("/dav/reviews.rss")
            .unwrap()
            .contains(">12345</guid>")
    );

    // An edit: both feeds change, and the guard looks at both published copies.
    site.write(
        "content/reviews/ran.md",
        &review("Ran", "2026-02-01", "A king, revised."),
    );
    let before = dav.requests().len();
    let second = ok(&site, &["build", "--push"]);
    let seen: Vec<String> = dav.requests()[before..]
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        seen,
        [
            "GET /dav/reviews.atom",
            "GET /dav/reviews.rss",
            "PUT /dav/reviews.atom",
            "PUT /dav/reviews.rss",
        ],
        "{second}"
    );
    assert!(
        dav.body("/dav/reviews.rss")
            .unwrap()
            .contains("A king, revised."),
        "{second}"
    );
    // And `push` on its own, with nothing new, sends nothing and says so quietly.
    let before = dav.requests().len();
    assert_eq!(ok(&site, &["push"]), "");
    assert_eq!(dav.requests().len(), before);
}

/// Issue 13 §6: `check --against` the site's own Atom feed reported the derived Atom id of a
/// non-URI guid as an id change (exit 4); against the RSS feed it was right.
#[test]
fn check_against_either_published_feed_of_a_non_uri_guid_site_reports_no_change() {
    let site = migrated("http://127.0.0.1:9/");
    site.ok(&["build"]);
    std::fs::copy(site.path("feeds/reviews.atom"), site.path("published.atom")).unwrap();
    std::fs::copy(site.path("feeds/reviews.rss"), site.path("published.rss")).unwrap();
    for file in ["published.atom", "published.rss"] {
        let out = site.ok(&["check", "--against", file]);
        assert_eq!(
            out,
            format!("ok: every item of {file} keeps its id (2 compared)\n"),
            "{file}"
        );
    }
    // A real change is still caught, in the id space of the feed compared with.
    let renamed = site.read("published.atom").replace(
        "tag:films.example,2026:guid/12345",
        "tag:films.example,2026:guid/999",
    );
    site.write("published.atom", &renamed);
    let out = site.run(&["check", "--against", "published.atom"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "id would change: \"Heat\": tag:films.example,2026:guid/999 -> tag:films.example,2026:guid/12345\n"
    );
}

// ---------------------------------------------------------------------------------------------
// Taking over files feedwright did not write

/// What the previous tool published for the migrated site: the same guids (adopted or pinned),
/// other markup.
const FOREIGN_RSS: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Reviews</title><link>https://films.example/</link><description>old tool</description>
<item><title>Heat</title><link>https://films.example/reviews/heat/</link><guid isPermaLink="false">12345</guid></item>
<item><title>Ran</title><link>https://films.example/reviews/ran/</link><guid isPermaLink="false">tag:films.example,2026:reviews/ran</guid></item>
</channel></rss>"#;

/// Its Atom feed, whose ids are the Atom ids feedwright derives for those guids.
const FOREIGN_ATOM: &str = r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Reviews</title><id>urn:old</id><updated>2026-02-01T00:00:00Z</updated>
<entry><title>Heat</title><id>tag:films.example,2026:guid/12345</id><link href="https://films.example/reviews/heat/"/><updated>2026-01-01T00:00:00Z</updated></entry>
<entry><title>Ran</title><id>tag:films.example,2026:reviews/ran</id><link href="https://films.example/reviews/ran/"/><updated>2026-02-01T00:00:00Z</updated></entry>
</feed>"#;

#[test]
fn take_over_replaces_foreign_copies_that_keep_their_ids_and_only_those_copies() {
    let dav = Dav::start();
    dav.place("/dav/reviews.rss", FOREIGN_RSS, "\"rss-by-old-tool\"");
    dav.place("/dav/reviews.atom", FOREIGN_ATOM, "\"atom-by-old-tool\"");
    let site = migrated(&dav.url("/dav/"));
    site.ok(&["build"]);

    // Without the flag the first upload meets a file it did not write, and says what to do.
    let err = fails(&site, &["push"], 5);
    assert!(err.contains("reviews.atom was not uploaded"), "{err}");
    assert!(err.contains("412 Precondition Failed"), "{err}");
    assert!(
        err.contains("`feedwright push --take-over` replaces it if its items keep their ids"),
        "{err}"
    );
    assert!(err.contains("not attempted: reviews.rss"), "{err}");
    assert_eq!(dav.body("/dav/reviews.rss").unwrap(), FOREIGN_RSS);

    let before = dav.requests().len();
    let out = ok(&site, &["push", "--take-over"]);
    let seen: Vec<String> = dav.requests()[before..]
        .iter()
        .map(|r| {
            let cond = r.header("if-match").or(r.header("if-none-match"));
            format!("{} {} {}", r.method, r.path, cond.unwrap_or("-"))
        })
        .collect();
    assert_eq!(
        seen,
        [
            "GET /dav/reviews.atom -",
            "GET /dav/reviews.rss -",
            "PUT /dav/reviews.atom \"atom-by-old-tool\"",
            "PUT /dav/reviews.rss \"rss-by-old-tool\"",
        ]
    );
    assert_eq!(
        out,
        format!(
            "uploaded reviews.atom -> {0} (204 No Content; took over the copy feedwright had not written)\n\
             uploaded reviews.rss -> {1} (204 No Content; took over the copy feedwright had not written)\n",
            dav.url("/dav/reviews.atom"),
            dav.url("/dav/reviews.rss")
        )
    );
    assert_eq!(
        dav.body("/dav/reviews.rss").unwrap(),
        site.read("feeds/reviews.rss")
    );
    assert_eq!(
        dav.body("/dav/reviews.atom").unwrap(),
        site.read("feeds/reviews.atom")
    );

    // From now on they are feedwright's: an update goes with the ETag of its own upload.
    site.write(
        "content/reviews/ran.md",
        &review("Ran", "2026-02-01", "A king, revised."),
    );
    let before = dav.puts().len();
    ok(&site, &["build", "--push"]);
    let puts = dav.puts().split_off(before);
    let conditions: Vec<Option<&str>> = puts.iter().map(|p| p.header("if-match")).collect();
    assert_eq!(conditions, [Some("\"v1\""), Some("\"v2\"")]);
    assert_eq!(names(&puts, "/dav/"), ["reviews.atom", "reviews.rss"]);
}

#[test]
fn take_over_refuses_a_foreign_copy_whose_ids_would_change_and_force_still_overwrites() {
    let dav = Dav::start();
    let renumbered = FOREIGN_RSS.replace(">12345</guid>", ">urn:old-tool:17</guid>");
    dav.place("/dav/reviews.rss", &renumbered, "\"old\"");
    let site = migrated(&dav.url("/dav/"));

    let err = fails(&site, &["build", "--push", "--take-over"], 4);
    assert_eq!(
        err,
        "error: refusing to push: subscribers would see duplicates\n  \
         reviews.rss: \"Heat\" would change its id urn:old-tool:17 -> 12345\n\
         nothing was uploaded. Pin the published ids with `feedwright adopt-ids <feed URL>` or an `id` key, or push anyway with `feedwright push --force`\n"
    );
    assert!(dav.puts().is_empty(), "nothing uploaded");
    assert_eq!(dav.body("/dav/reviews.rss").unwrap(), renumbered);

    // The two flags do not mix: one keeps the guard, the other turns it off.
    let out = run(&site, &["push", "--force", "--take-over"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    ok(&site, &["push", "--force"]);
    let puts = dav.puts();
    assert_eq!(names(&puts, "/dav/"), ["reviews.atom", "reviews.rss"]);
    assert!(
        puts.iter()
            .all(|p| p.header("if-match").is_none() && p.header("if-none-match").is_none()),
        "--force sends no precondition"
    );
    assert_eq!(
        dav.body("/dav/reviews.rss").unwrap(),
        site.read("feeds/reviews.rss")
    );
}

/// A lost push state makes every file "not written by feedwright"; `--take-over` adopts the
/// site's own files again, Atom ids of non-URI guids included.
#[test]
fn after_losing_the_push_state_take_over_adopts_the_sites_own_files() {
    let dav = Dav::start();
    let site = migrated(&dav.url("/dav/"));
    ok(&site, &["build", "--push"]);
    site.remove("feedwright-push.toml");
    // A remote copy that is exactly the build is simply recorded (a lost answer, issue 15);
    // one that differs is not feedwright's to replace.
    site.write(
        "content/reviews/ran.md",
        &review("Ran", "2026-02-01", "A king, revisited."),
    );
    ok(&site, &["build"]);

    let err = fails(&site, &["push"], 5);
    assert!(err.contains("reviews.atom was not uploaded"), "{err}");
    assert!(err.contains("or lost the push state that says so"), "{err}");

    let before = dav.puts().len();
    ok(&site, &["push", "--take-over"]);
    let puts = dav.puts().split_off(before);
    assert_eq!(names(&puts, "/dav/"), ["reviews.atom", "reviews.rss"]);
    assert_eq!(puts[0].header("if-match"), Some("\"v1\""));
    assert_eq!(puts[1].header("if-match"), Some("\"v2\""));
    assert!(
        site.read("feedwright-push.toml")
            .contains("[files.\"reviews.rss\"]")
    );
}

#[test]
fn take_over_never_replaces_a_copy_other_than_the_one_it_checked() {
    let dav = Dav::start();
    dav.place("/dav/reviews.rss", FOREIGN_RSS, "\"old\"");
    // The old tool rewrites the feed between feedwright's check and its upload.
    dav.set(|i| i.churn = Some("/dav/reviews.rss".into()));
    let site = migrated(&dav.url("/dav/"));
    let err = fails(&site, &["build", "--push", "--take-over"], 5);
    assert!(err.contains("reviews.rss was not uploaded"), "{err}");
    assert!(
        err.contains("the remote copy changed after it was checked and was left as it is"),
        "{err}"
    );
    assert_eq!(dav.body("/dav/reviews.rss").unwrap(), FOREIGN_RSS);
    let last = dav.puts().pop().unwrap();
    assert_eq!(last.header("if-match"), Some("\"old\""));
}

#[test]
fn take_over_needs_an_etag_to_replace_exactly_the_copy_checked() {
    let dav = Dav::start();
    dav.place("/dav/reviews.rss", FOREIGN_RSS, "\"old\"");
    dav.set(|i| i.no_etags = true);
    let site = migrated(&dav.url("/dav/"));
    let err = fails(&site, &["build", "--push", "--take-over"], 5);
    assert_eq!(
        err,
        format!(
            "error: cannot take over {}: the server sent no strong ETag with it, so it cannot be replaced on the condition that it is still the copy checked; nothing was uploaded. Look at it, then overwrite it with `feedwright push --force`\n",
            dav.url("/dav/reviews.rss")
        )
    );
    assert!(dav.puts().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Where a [publish] error stands

/// Audit finding 7: errors about `[publish] url` and `hubs` named the line of the `[publish]`
/// header; `[site] base_url` errors already named their key's line.
#[test]
fn a_publish_error_names_the_line_of_its_key() {
    let cases = [
        (
            "url = \"dav.films.example/feeds/\"",
            "url",
            "[publish] url `dav.films.example/feeds/` is not an absolute http(s) URL",
        ),
        (
            "url = \"https://dav.films.example/\"\nhubs = [\n  \"https://hub.example/\",\n  \"hub.example\",\n]",
            "hubs",
            "[publish] hubs entry `hub.example` is not an absolute http(s) URL",
        ),
        (
            "url = \"https://dav.films.example/\"\ntimeout_secs = 0",
            "timeout_secs",
            "[publish] timeout_secs must be at least 1",
        ),
        // Audit 2026-12, finding 6: no upper bound.
        (
            "url = \"https://dav.films.example/\"\nretries = 1000000",
            "retries",
            "[publish] retries = 1000000 is more than 20: every retry waits up to 30 s more while the site stays locked; write a number from 0 to 20",
        ),
        (
            "url = \"https://dav.films.example/\"\nregion = \"auto\"",
            "region",
            "[publish] region is for object storage: it needs url = \"s3://bucket/prefix/\"",
        ),
    ];
    for (publish, key, message) in cases {
        // Comments between the header and the key, so the two lines differ.
        let config = format!(
            "{}\n[publish]\n# where the feeds go\n\n{publish}\n",
            common::CONFIG
        );
        let site = Site::with_config(&config);
        let line = config
            .lines()
            .position(|l| l.starts_with(&format!("{key} =")))
            .unwrap()
            + 1;
        let err = site.fails(3, &["build"]);
        assert_eq!(
            err,
            format!(
                "error: {}:{line}: {message}\n",
                site.path("config.toml").display()
            ),
            "{publish}"
        );
    }
}
