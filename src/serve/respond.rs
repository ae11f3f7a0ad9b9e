//! One request answered from the files under the output folder: the path checks, the
//! representation (a file or a folder listing) with its validators, then 304, 206, 416 or 200.
//! A file is never read whole into memory here: the answer names the open file and the byte
//! span to send, and the connection streams it.
//!
//! This runs on the server's file threads (it opens, stats and may hash files), never on the
//! thread that drives the sockets.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use super::http::{
    ByteRange, byte_range, content_type, etag, http_date, if_range_holds, none_match,
    parse_http_date, prefers_html, resolve, tag_of,
};

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

/// What goes after the head: bytes made here, or a span of an open file.
#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Vec<u8>),
    File {
        file: Arc<File>,
        start: u64,
        len: u64,
    },
}

impl Body {
    pub fn len(&self) -> u64 {
        match self {
            Body::Bytes(b) => b.len() as u64,
            Body::File { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A response ready to be sent.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// `HEAD`: send the headers of the `GET` answer without its body.
    pub head: bool,
}

impl Response {
    fn new(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
            head: false,
        }
    }

    fn header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub(crate) fn text(status: u16, message: &str) -> Response {
        let mut r = Response::new(status).header("Content-Type", "text/plain; charset=utf-8");
        r.body = Body::Bytes(format!("{message}\n").into_bytes());
        r.with_length()
    }

    fn with_length(self) -> Response {
        let len = self.body.len();
        self.header("Content-Length", len.to_string())
    }

    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The bytes of a body made in memory (empty for a file body).
    pub fn bytes(&self) -> &[u8] {
        match &self.body {
            Body::Bytes(b) => b,
            Body::File { .. } => &[],
        }
    }
}

/// Entity tags of files already hashed, so a large file is read once to hash it, not on
/// every request. A file is known by its identity and times: the build replaces files by
/// renaming, which gives a new inode, and an edit in place changes the modification time.
#[derive(Debug, Default)]
pub struct Etags {
    known: Mutex<HashMap<FileKey, String>>,
}

/// Enough tags for every feed of a large site; past it the table starts again.
const ETAGS_KEPT: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FileKey {
    path: PathBuf,
    len: u64,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64, i64, i64),
}

impl FileKey {
    fn of(path: &Path, meta: &std::fs::Metadata) -> FileKey {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        FileKey {
            path: path.to_path_buf(),
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            inode: (meta.dev(), meta.ino(), meta.ctime(), meta.ctime_nsec()),
        }
    }
}

impl Etags {
    /// The strong tag of `file`, hashing it in pieces the first time.
    fn get(&self, path: &Path, file: &File, meta: &std::fs::Metadata) -> std::io::Result<String> {
        let key = FileKey::of(path, meta);
        let lock = |m: &Mutex<HashMap<FileKey, String>>| {
            // A poisoned table only means another thread stopped mid-insert; the data is
            // plain strings and still usable.
            m.lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&key)
                .cloned()
        };
        if let Some(tag) = lock(&self.known) {
            return Ok(tag);
        }
        let mut hasher = blake3::Hasher::new();
        let mut reader = Span::new(file, 0, meta.len());
        hasher.update_reader(&mut reader)?;
        let tag = tag_of(&hasher.finalize());
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        if known.len() >= ETAGS_KEPT {
            known.clear();
        }
        known.insert(key, tag.clone());
        Ok(tag)
    }
}

/// Reads `len` bytes of a file from `start` without moving a shared cursor, so one open file
/// can be hashed and streamed by several threads.
pub(crate) struct Span<'a> {
    file: &'a File,
    pos: u64,
    end: u64,
}

impl<'a> Span<'a> {
    pub(crate) fn new(file: &'a File, start: u64, len: u64) -> Span<'a> {
        Span {
            file,
            pos: start,
            end: start.saturating_add(len),
        }
    }
}

impl std::io::Read for Span<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = usize::try_from(self.end - self.pos)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        if want == 0 {
            return Ok(0);
        }
        let n = read_at(self.file, &mut buf[..want], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

/// Answers one request from the files under `root`.
pub fn respond(root: &Path, req: &Request, etags: &Etags) -> Response {
    let head = req.method == "HEAD";
    if req.method != "GET" && !head {
        return Response::text(405, "only GET and HEAD").header("Allow", "GET, HEAD");
    }
    let mut response = match representation(root, req, etags) {
        Ok(found) => answer(req, found),
        Err(response) => response,
    };
    response.head = head;
    response
}

/// A file or listing ready to be answered with, and what the validators say of it.
struct Found {
    body: Body,
    media: &'static str,
    tag: String,
    modified: SystemTime,
    vary: bool,
    /// Files answer ranges; listings are made per request and do not.
    ranges: bool,
}

fn representation(root: &Path, req: &Request, etags: &Etags) -> Result<Found, Response> {
    let not_found = || Response::text(404, "not found");
    let (path, name) = match resolve(root, &req.target) {
        Ok(found) => (found.path, found.name),
        Err(400) => return Err(Response::text(400, "bad path")),
        Err(_) => return Err(not_found()),
    };
    let meta = std::fs::metadata(&path).map_err(|_| not_found())?;
    if meta.is_dir() {
        let body = listing(&path, &req.target);
        return Ok(Found {
            tag: etag(&body),
            body: Body::Bytes(body),
            media: "text/html; charset=utf-8",
            modified: whole_seconds(meta.modified().ok()),
            vary: false,
            ranges: false,
        });
    }
    // Only regular files: opening a named pipe would wait for a writer forever. And only
    // those of a type a feed folder holds (feeds, pages, images, media): an output folder
    // that is some other folder (`~/.ssh`, named in a cloned site's config) shows no key.
    if !meta.is_file() || !served_type(&name) {
        return Err(not_found());
    }
    let file = File::open(&path).map_err(|_| not_found())?;
    // The open file's own metadata: the build may rename a new file into place meanwhile, and
    // what is sent must be what was hashed.
    let meta = file.metadata().map_err(|_| not_found())?;
    let tag = etags
        .get(&path, &file, &meta)
        .map_err(|_| Response::text(500, "the file could not be read"))?;
    // Typed by its name below the folder: a `.json` in `chapters/` is not a feed.
    let media = content_type(&name);
    let xml_feed =
        media.starts_with("application/rss+xml") || media.starts_with("application/atom+xml");
    let browser = xml_feed && prefers_html(req.header("accept"), media);
    Ok(Found {
        body: Body::File {
            file: Arc::new(file),
            start: 0,
            len: meta.len(),
        },
        media: if browser {
            "text/xml; charset=utf-8"
        } else {
            media
        },
        tag,
        modified: whole_seconds(meta.modified().ok()),
        vary: xml_feed,
        ranges: true,
    })
}

/// HTTP dates have no finer resolution than seconds, and comparisons must agree with them.
fn whole_seconds(t: Option<SystemTime>) -> SystemTime {
    t.and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|d| SystemTime::UNIX_EPOCH + Duration::from_secs(d.as_secs()))
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

fn answer(req: &Request, found: Found) -> Response {
    // The fields a 304 repeats (R97); If-Modified-Since only counts without If-None-Match.
    let mut common = vec![
        ("Date".to_string(), http_date(SystemTime::now())),
        ("ETag".to_string(), found.tag.clone()),
        ("Last-Modified".to_string(), http_date(found.modified)),
        ("Cache-Control".to_string(), "no-cache".to_string()),
    ];
    if found.vary {
        common.push(("Vary".to_string(), "Accept".to_string()));
    }
    let not_modified = match (req.header("if-none-match"), req.header("if-modified-since")) {
        (Some(inm), _) => none_match(inm, &found.tag),
        (None, Some(ims)) => parse_http_date(ims).is_some_and(|since| found.modified <= since),
        (None, None) => false,
    };
    if not_modified {
        let mut response = Response::new(304);
        response.headers = common;
        return response;
    }
    if found.ranges {
        common.push(("Accept-Ranges".to_string(), "bytes".to_string()));
    }
    let size = found.body.len();
    // Range applies to GET only (RFC 9110 §14.2); HEAD describes the whole file.
    let range = match req.header("range") {
        Some(range)
            if found.ranges
                && req.method == "GET"
                && req
                    .header("if-range")
                    .is_none_or(|v| if_range_holds(v, &found.tag, found.modified)) =>
        {
            byte_range(range, size)
        }
        _ => ByteRange::Whole,
    };
    let mut response = match (range, found.body) {
        (ByteRange::Unsatisfiable, _) => {
            let mut r = Response::text(416, "range not satisfiable");
            r.headers.splice(0..0, common);
            return r.header("Content-Range", format!("bytes */{size}"));
        }
        (ByteRange::Part { start, len }, Body::File { file, .. }) => {
            let mut r = Response::new(206);
            r.headers = common;
            r.body = Body::File { file, start, len };
            r.header(
                "Content-Range",
                format!("bytes {start}-{}/{size}", start + len - 1),
            )
        }
        (_, body) => {
            let mut r = Response::new(200);
            r.headers = common;
            r.body = body;
            r
        }
    };
    response = response.header("Content-Type", found.media);
    response.with_length()
}

/// Whether a file named `name` is one `serve` answers: one whose type it knows.
fn served_type(name: &str) -> bool {
    content_type(name) != "application/octet-stream"
}

/// A plain list of a folder's files, so `/` in a browser shows what there is.
fn listing(dir: &Path, target: &str) -> Vec<u8> {
    use crate::content::render::escape_html;
    let mut names: Vec<(String, bool)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let kind = e.file_type().ok()?;
            // A link is listed as what it leads to: nothing, or a hidden file, is not listed
            // (it would answer 404).
            let (is_dir, hidden) = if kind.is_symlink() {
                let real = std::fs::canonicalize(e.path()).ok()?;
                let hidden = real
                    .file_name()
                    .is_some_and(|n| n.as_encoded_bytes().starts_with(b"."));
                (real.is_dir(), hidden)
            } else {
                (kind.is_dir(), false)
            };
            let shown = !name.starts_with('.') && !hidden && (is_dir || served_type(&name));
            shown.then_some((name, is_dir))
        })
        .collect();
    names.sort();
    let target = target.split(['?', '#']).next().unwrap_or("");
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
                escape_html(&base),
                escape_html(&shown),
                escape_html(&shown)
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>feedwright: {t}</title></head>\n<body><h1>{t}</h1>\n<ul>\n{items}</ul></body></html>\n",
        t = escape_html(target)
    )
    .into_bytes()
}
