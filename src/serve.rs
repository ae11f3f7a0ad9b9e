//! `feedwright serve`: a small HTTP/1.1 file server for the output folder, so a feed reader or
//! a browser on this machine can subscribe to the feeds while they are written, and a watcher
//! that rebuilds when the content changes.
//!
//! The server answers `GET` and `HEAD` with the Content-Type of each format (R95), a strong
//! `ETag` (a hash of the bytes) and `Last-Modified`, and `304 Not Modified` to a matching
//! `If-None-Match` or `If-Modified-Since` (R96, R97). It never serves a path outside the output
//! folder, nor hidden files (temp files of a running build). One thread per connection and
//! `Connection: close`: this is for one person's reader, not for production traffic.
//!
//! Browsers render an XSLT-styled feed only when it arrives with an XML type they know
//! (`text/xml`); Chromium shows `application/rss+xml` as source text. So a request whose
//! `Accept` prefers `text/html` to the feed's type gets RSS and Atom as `text/xml`, with
//! `Vary: Accept`; feed readers get the feed types.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};

use crate::media_types::content_type;

/// A parsed request: method, target path (query removed) and headers (lowercase names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: BTreeMap<String, String>,
}

impl Request {
    pub fn get(target: &str) -> Request {
        Request {
            method: "GET".into(),
            target: target.into(),
            headers: BTreeMap::new(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// A response ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// `HEAD`: send the headers of the `GET` answer without its body.
    pub head: bool,
}

impl Response {
    fn new(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            head: false,
        }
    }

    fn header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    fn text(status: u16, message: &str) -> Response {
        let mut r = Response::new(status).header("Content-Type", "text/plain; charset=utf-8");
        r.body = format!("{message}\n").into_bytes();
        r
    }

    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn reason(&self) -> &'static str {
        match self.status {
            200 => "OK",
            304 => "Not Modified",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            _ => "Internal Server Error",
        }
    }

    /// The response as bytes on the wire.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, self.reason());
        for (n, v) in &self.headers {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
        if self.status != 304 {
            out.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        out.push_str("Connection: close\r\n\r\n");
        let mut bytes = out.into_bytes();
        if !self.head && self.status != 304 {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 IMF-fixdate).
pub fn http_date(t: SystemTime) -> String {
    DateTime::<Utc>::from(t)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

fn parse_http_date(s: &str) -> Option<SystemTime> {
    DateTime::parse_from_rfc2822(s.trim())
        .ok()
        .map(|d| SystemTime::from(d.with_timezone(&Utc)))
}

/// A strong entity tag: the first 128 bits of the BLAKE3 hash of the bytes.
pub fn etag(bytes: &[u8]) -> String {
    format!("\"{}\"", &blake3::hash(bytes).to_hex()[..32])
}

/// Whether an `If-None-Match` value matches `tag`, by weak comparison (R96).
pub fn none_match(header: &str, tag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    header.trim() == "*" || header.split(',').any(|t| opaque(t) == opaque(tag))
}

/// The quality an `Accept` header gives `media` (`type/subtype`, no parameters).
fn quality(accept: &str, media: &str) -> f32 {
    let (kind, _) = media.split_once('/').unwrap_or((media, ""));
    let mut best: Option<(u8, f32)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let pattern = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let specificity = if pattern == media {
            3
        } else if pattern == format!("{kind}/*") {
            2
        } else if pattern == "*/*" {
            1
        } else {
            continue;
        };
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, q));
        }
    }
    best.map_or(0.0, |(_, q)| q)
}

/// Whether the request comes from a browser that would rather have a page than a feed.
fn prefers_html(accept: Option<&str>, media: &str) -> bool {
    let Some(accept) = accept else { return false };
    let base = media.split(';').next().unwrap_or(media).trim();
    quality(accept, "text/html") > quality(accept, base)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The file a request target names inside `root`, or why not: `..`, `.`-prefixed, absolute or
/// backslashed segments are refused before the file system is asked anything.
pub fn resolve(root: &Path, target: &str) -> Result<PathBuf, u16> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let path = path.strip_prefix('/').ok_or(400u16)?;
    let decoded = percent_decode(path).ok_or(400u16)?;
    let mut out = root.to_path_buf();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        if segment.starts_with('.') || segment.contains(['\\', '\0', ':']) {
            return Err(if segment == ".." { 400 } else { 404 });
        }
        let mut components = Path::new(segment).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(_)), None) => out.push(segment),
            _ => return Err(400),
        }
    }
    // A symlink inside the folder must not lead out of it.
    let real_root = root.canonicalize().map_err(|_| 404u16)?;
    match out.canonicalize() {
        Ok(real) if real.starts_with(&real_root) => Ok(real),
        Ok(_) => Err(404),
        Err(_) => Err(404),
    }
}

/// A plain list of a folder's files, so `/` in a browser shows what there is.
fn listing(dir: &Path, target: &str) -> Vec<u8> {
    let mut names: Vec<(String, bool)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let is_dir = e.file_type().ok()?.is_dir();
            (!name.starts_with('.')).then_some((name, is_dir))
        })
        .collect();
    names.sort();
    let base = if target.ends_with('/') {
        String::new()
    } else {
        format!("{}/", target.rsplit('/').next().unwrap_or(""))
    };
    let items: String = names
        .iter()
        .map(|(n, d)| {
            let shown = if *d { format!("{n}/") } else { n.clone() };
            format!(
                "<li><a href=\"{}{}\">{}</a></li>\n",
                crate::content::render::escape_html(&base),
                crate::content::render::escape_html(&shown),
                crate::content::render::escape_html(&shown)
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>feedwright: {t}</title></head>\n<body><h1>{t}</h1>\n<ul>\n{items}</ul></body></html>\n",
        t = crate::content::render::escape_html(target)
    )
    .into_bytes()
}

/// Answers one request from the files under `root`.
pub fn respond(root: &Path, req: &Request) -> Response {
    let head = req.method == "HEAD";
    if req.method != "GET" && !head {
        return Response::text(405, "only GET and HEAD").header("Allow", "GET, HEAD");
    }
    let mut response = answer(root, req);
    response.head = head;
    response
}

fn answer(root: &Path, req: &Request) -> Response {
    let path = match resolve(root, &req.target) {
        Ok(p) => p,
        Err(400) => return Response::text(400, "bad path"),
        Err(_) => return Response::text(404, "not found"),
    };
    let Ok(meta) = std::fs::metadata(&path) else {
        return Response::text(404, "not found");
    };
    let (body, media, vary) = if meta.is_dir() {
        (
            listing(&path, &req.target),
            "text/html; charset=utf-8",
            false,
        )
    } else {
        let Ok(body) = std::fs::read(&path) else {
            return Response::text(404, "not found");
        };
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let media = content_type(name);
        let xml_feed =
            media.starts_with("application/rss+xml") || media.starts_with("application/atom+xml");
        if xml_feed && prefers_html(req.header("accept"), media) {
            (body, "text/xml; charset=utf-8", true)
        } else {
            (body, media, xml_feed)
        }
    };
    let tag = etag(&body);
    // Whole seconds: HTTP dates have no finer resolution, and comparisons must agree.
    let modified = meta
        .modified()
        .ok()
        .and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|d| SystemTime::UNIX_EPOCH + Duration::from_secs(d.as_secs()))
        .unwrap_or(SystemTime::UNIX_EPOCH);

    // The fields a 304 repeats (R97); If-Modified-Since only counts without If-None-Match.
    let mut common = vec![
        ("Date".to_string(), http_date(SystemTime::now())),
        ("ETag".to_string(), tag.clone()),
        ("Last-Modified".to_string(), http_date(modified)),
        ("Cache-Control".to_string(), "no-cache".to_string()),
    ];
    if vary {
        common.push(("Vary".to_string(), "Accept".to_string()));
    }
    let not_modified = match (req.header("if-none-match"), req.header("if-modified-since")) {
        (Some(inm), _) => none_match(inm, &tag),
        (None, Some(ims)) => parse_http_date(ims).is_some_and(|since| modified <= since),
        (None, None) => false,
    };
    let mut response = Response::new(if not_modified { 304 } else { 200 });
    response.headers = common;
    if !not_modified {
        response
            .headers
            .push(("Content-Type".to_string(), media.to_string()));
        response.body = body;
    }
    response
}

/// Reads one request head (at most 16 KiB) from `stream`.
pub fn read_request(stream: impl Read) -> Option<Request> {
    let mut reader = BufReader::new(stream.take(16 * 1024));
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.insert(n.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    Some(Request {
        method,
        target,
        headers,
    })
}

fn handle(root: &Path, mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let response = match read_request(&stream) {
        Some(req) => respond(root, &req),
        None => Response::text(400, "bad request"),
    };
    let _ = stream.write_all(&response.to_bytes());
    let _ = stream.flush();
}

/// The listening server.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    root: PathBuf,
}

impl Server {
    pub fn bind(addr: SocketAddr, root: PathBuf) -> std::io::Result<Server> {
        Ok(Server {
            listener: TcpListener::bind(addr)?,
            root,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves forever on a background thread.
    pub fn spawn(self) -> std::thread::JoinHandle<()> {
        std::thread::spawn(move || {
            for stream in self.listener.incoming().flatten() {
                let root = self.root.clone();
                std::thread::spawn(move || handle(&root, stream));
            }
        })
    }
}

/// What the watcher compares: every file under the watched paths with its size and mtime.
type Fingerprint = Vec<(PathBuf, u64, Option<SystemTime>)>;

/// Polls files and folders for changes (a new, removed, resized or touched file).
#[derive(Debug)]
pub struct Watch {
    paths: Vec<PathBuf>,
    last: Fingerprint,
}

impl Watch {
    pub fn new(paths: Vec<PathBuf>) -> Watch {
        let last = fingerprint(&paths);
        Watch { paths, last }
    }

    /// Whether anything changed since the last call (or since [`Watch::new`]).
    pub fn changed(&mut self) -> bool {
        let now = fingerprint(&self.paths);
        if now == self.last {
            return false;
        }
        self.last = now;
        true
    }
}

fn fingerprint(paths: &[PathBuf]) -> Fingerprint {
    let mut out = Vec::new();
    for path in paths {
        for entry in walkdir::WalkDir::new(path)
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            if let Ok(meta) = entry.metadata()
                && meta.is_file()
            {
                out.push((entry.path().to_path_buf(), meta.len(), meta.modified().ok()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("tags")).unwrap();
        std::fs::write(dir.path().join("reviews.rss"), "<rss/>").unwrap();
        std::fs::write(dir.path().join("tags/horror.atom"), "<feed/>").unwrap();
        std::fs::write(dir.path().join(".feedwright-x.tmp"), "half").unwrap();
        dir
    }

    #[test]
    fn traversal_and_hidden_files_are_refused() {
        let dir = site();
        let root = dir.path();
        assert!(resolve(root, "/reviews.rss").is_ok());
        assert!(resolve(root, "/tags/horror.atom?x=1").is_ok());
        assert!(
            resolve(root, "/tags%2Fhorror.atom").is_ok(),
            "an encoded / separates segments too"
        );
        assert_eq!(resolve(root, "/../etc/passwd"), Err(400));
        assert_eq!(resolve(root, "/tags/../../x"), Err(400));
        assert_eq!(resolve(root, "/%2e%2e/%2e%2e/etc/passwd"), Err(400));
        assert_eq!(resolve(root, "/.feedwright-x.tmp"), Err(404));
        assert_eq!(resolve(root, "/a\\..\\b"), Err(404));
        assert_eq!(resolve(root, "relative"), Err(400));
        assert_eq!(respond(root, &Request::get("/%2e%2e/x")).status, 400);
    }

    #[test]
    fn conditional_get_and_head() {
        let dir = site();
        let first = respond(dir.path(), &Request::get("/reviews.rss"));
        assert_eq!(first.status, 200);
        assert_eq!(
            first.header_value("content-type"),
            Some("application/rss+xml; charset=utf-8")
        );
        assert_eq!(first.header_value("vary"), Some("Accept"));
        let tag = first.header_value("etag").unwrap().to_string();
        assert!(
            tag.starts_with('"') && !tag.starts_with("W/"),
            "strong: {tag}"
        );

        let mut req = Request::get("/reviews.rss");
        req.headers
            .insert("if-none-match".into(), format!("\"other\", W/{tag}"));
        let again = respond(dir.path(), &req);
        assert_eq!(again.status, 304);
        assert_eq!(again.header_value("etag"), Some(tag.as_str()));
        assert!(
            again.header_value("date").is_some() && again.header_value("vary").is_some(),
            "R97"
        );
        assert!(again.body.is_empty() && again.header_value("content-type").is_none());

        let lm = first.header_value("last-modified").unwrap().to_string();
        let mut req = Request::get("/reviews.rss");
        req.headers.insert("if-modified-since".into(), lm);
        assert_eq!(respond(dir.path(), &req).status, 304);
        req.headers.insert(
            "if-modified-since".into(),
            "Mon, 01 Jan 2001 00:00:00 GMT".into(),
        );
        assert_eq!(respond(dir.path(), &req).status, 200);

        let mut head = Request::get("/reviews.rss");
        head.method = "HEAD".into();
        let h = respond(dir.path(), &head);
        let wire = String::from_utf8(h.to_bytes()).unwrap();
        assert!(
            wire.contains("Content-Length: 6\r\n") && wire.ends_with("\r\n\r\n"),
            "{wire}"
        );
        let mut post = Request::get("/reviews.rss");
        post.method = "POST".into();
        assert_eq!(respond(dir.path(), &post).status, 405);
    }

    #[test]
    fn browsers_get_xml_they_can_style() {
        let chrome = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8";
        assert!(prefers_html(
            Some(chrome),
            "application/rss+xml; charset=utf-8"
        ));
        assert!(!prefers_html(
            Some("application/rss+xml, text/html;q=0.1"),
            "application/rss+xml"
        ));
        assert!(!prefers_html(Some("*/*"), "application/atom+xml"));
        assert!(!prefers_html(None, "application/atom+xml"));
        let dir = site();
        let mut req = Request::get("/reviews.rss");
        req.headers.insert("accept".into(), chrome.into());
        assert_eq!(
            respond(dir.path(), &req).header_value("content-type"),
            Some("text/xml; charset=utf-8")
        );
    }

    #[test]
    fn watch_sees_new_and_changed_files() {
        let dir = site();
        let mut w = Watch::new(vec![dir.path().to_path_buf()]);
        assert!(!w.changed());
        std::fs::write(dir.path().join("tags/new.md"), "x").unwrap();
        assert!(w.changed());
        assert!(!w.changed());
        std::fs::write(dir.path().join("tags/new.md"), "xy").unwrap();
        assert!(w.changed());
    }
}
