use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use super::*;

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tags")).unwrap();
    std::fs::write(dir.path().join("reviews.rss"), "<rss/>").unwrap();
    std::fs::write(dir.path().join("tags/horror.atom"), "<feed/>").unwrap();
    std::fs::write(dir.path().join(".feedwright-x.tmp"), "half").unwrap();
    dir
}

fn answer(root: &std::path::Path, req: &Request) -> Response {
    respond(root, req, &Etags::default())
}

fn with(target: &str, headers: &[(&str, &str)]) -> Request {
    let mut req = Request::get(target);
    for (n, v) in headers {
        req.headers.insert(n.to_string(), v.to_string());
    }
    req
}

/// Audit: no `Host`, two, or any name at all were answered; a page of another site whose name
/// points at 127.0.0.1 could read the feeds through a visitor's browser (DNS rebinding).
#[test]
fn a_request_names_this_machine_once() {
    use super::http::host_refusal;
    for host in [
        "127.0.0.1:8080",
        "localhost:8080",
        "LOCALHOST",
        "[::1]:8080",
        "a.localhost",
        "192.168.1.5:80",
    ] {
        assert_eq!(host_refusal(true, &[host], true), None, "{host}");
    }
    let one = Some((400, "a request needs exactly one Host header"));
    assert_eq!(host_refusal(true, &[], true), one);
    assert_eq!(host_refusal(true, &["localhost", "localhost"], false), one);
    assert_eq!(
        host_refusal(false, &[], true),
        None,
        "HTTP/1.0 may leave it out"
    );
    let elsewhere = Some((
        421,
        "this server answers requests for localhost or an IP address only",
    ));
    assert_eq!(
        host_refusal(true, &["rebind.attacker.example:8080"], true),
        elsewhere
    );
    assert_eq!(
        host_refusal(true, &["films.example"], false),
        None,
        "bound to every address"
    );
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
    assert_eq!(answer(root, &Request::get("/%2e%2e/x")).status, 400);
}

/// Hostile-repository audit: an output folder that was `~/.ssh` served `id_rsa`; only files of
/// a type a feed folder holds are answered or listed.
#[test]
fn a_file_of_no_known_type_is_not_served() {
    let dir = site();
    let root = dir.path();
    std::fs::write(root.join("id_rsa"), "KEY").unwrap();
    std::fs::write(root.join("notes.bin"), "X").unwrap();
    assert_eq!(answer(root, &Request::get("/id_rsa")).status, 404);
    assert_eq!(answer(root, &Request::get("/notes.bin")).status, 404);
    assert_eq!(answer(root, &Request::get("/reviews.rss")).status, 200);
    let Body::Bytes(list) = answer(root, &Request::get("/")).body else {
        panic!("a listing is made in memory");
    };
    let list = String::from_utf8(list).unwrap();
    assert!(
        list.contains("reviews.rss") && !list.contains("id_rsa"),
        "{list}"
    );
}

/// Audit: `inner.rss -> .secret` served the hidden file (only the names asked for were
/// checked).
#[cfg(unix)]
#[test]
fn a_link_to_a_hidden_file_is_not_followed() {
    let dir = site();
    let root = dir.path();
    std::fs::write(root.join(".secret"), "SECRET").unwrap();
    std::fs::create_dir(root.join(".hidden")).unwrap();
    std::fs::write(root.join(".hidden/x.rss"), "SECRET").unwrap();
    std::os::unix::fs::symlink(".secret", root.join("inner.rss")).unwrap();
    std::os::unix::fs::symlink(".hidden", root.join("shown")).unwrap();
    assert_eq!(resolve(root, "/inner.rss"), Err(404));
    assert_eq!(resolve(root, "/shown/x.rss"), Err(404));
    std::os::unix::fs::symlink("reviews.rss", root.join("alias.rss")).unwrap();
    assert!(resolve(root, "/alias.rss").is_ok());
    // Listed as what they lead to.
    let Body::Bytes(list) = answer(root, &Request::get("/")).body else {
        panic!("a listing is made in memory");
    };
    let list = String::from_utf8(list).unwrap();
    assert!(
        list.contains("alias.rss") && !list.contains("inner.rss") && !list.contains("shown"),
        "{list}"
    );
}

#[cfg(unix)]
#[test]
fn a_named_pipe_is_not_opened() {
    let dir = site();
    let fifo = dir.path().join("pipe.rss");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    assert_eq!(answer(dir.path(), &Request::get("/pipe.rss")).status, 404);
}

#[test]
fn conditional_get_and_head() {
    let dir = site();
    let first = answer(dir.path(), &Request::get("/reviews.rss"));
    assert_eq!(first.status, 200);
    assert_eq!(
        first.header_value("content-type"),
        Some("application/rss+xml; charset=utf-8")
    );
    assert_eq!(first.header_value("vary"), Some("Accept"));
    assert_eq!(first.header_value("content-length"), Some("6"));
    assert_eq!(first.header_value("accept-ranges"), Some("bytes"));
    let tag = first.header_value("etag").unwrap().to_string();
    assert_eq!(tag, etag(b"<rss/>"), "the hash of the bytes");

    let again = answer(
        dir.path(),
        &with(
            "/reviews.rss",
            &[("if-none-match", &format!("\"other\", W/{tag}"))],
        ),
    );
    assert_eq!(again.status, 304);
    assert_eq!(again.header_value("etag"), Some(tag.as_str()));
    assert!(
        again.header_value("date").is_some() && again.header_value("vary").is_some(),
        "R97"
    );
    assert!(again.body.is_empty() && again.header_value("content-type").is_none());
    assert!(again.header_value("content-length").is_none());

    let lm = first.header_value("last-modified").unwrap().to_string();
    let req = with("/reviews.rss", &[("if-modified-since", &lm)]);
    assert_eq!(answer(dir.path(), &req).status, 304);
    let old = "Mon, 01 Jan 2001 00:00:00 GMT";
    let req = with("/reviews.rss", &[("if-modified-since", old)]);
    assert_eq!(answer(dir.path(), &req).status, 200);

    let mut head = Request::get("/reviews.rss");
    head.method = "HEAD".into();
    let h = answer(dir.path(), &head);
    assert!(h.head && h.status == 200);
    assert_eq!(h.header_value("content-length"), Some("6"));
    let mut post = Request::get("/reviews.rss");
    post.method = "POST".into();
    let p = answer(dir.path(), &post);
    assert_eq!(
        (p.status, p.header_value("allow")),
        (405, Some("GET, HEAD"))
    );
}

/// Black-box audit D9: `If-Modified-Since` in the RFC 850 and asctime forms got 200.
#[test]
fn if_modified_since_in_every_http_date_form() {
    let dir = site();
    let modified = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_103_245);
    std::fs::File::options()
        .write(true)
        .open(dir.path().join("reviews.rss"))
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let status = |since: &str| {
        answer(
            dir.path(),
            &with("/reviews.rss", &[("if-modified-since", since)]),
        )
        .status
    };
    for same in [
        "Tue, 01 Dec 2026 05:34:05 GMT",
        "Tuesday, 01-Dec-26 05:34:05 GMT",
        "Tue Dec  1 05:34:05 2026",
    ] {
        assert_eq!(status(same), 304, "{same}");
    }
    for earlier in [
        "Tue, 01 Dec 2026 05:34:04 GMT",
        "Tuesday, 01-Dec-26 05:34:04 GMT",
        "Tue Dec  1 05:34:04 2026",
    ] {
        assert_eq!(status(earlier), 200, "{earlier}");
    }
}

#[test]
fn ranges_of_a_file() {
    let dir = site();
    std::fs::write(dir.path().join("ep.mp3"), b"0123456789").unwrap();
    let whole = answer(dir.path(), &Request::get("/ep.mp3"));
    let tag = whole.header_value("etag").unwrap().to_string();
    let lm = whole.header_value("last-modified").unwrap().to_string();

    let part = answer(dir.path(), &with("/ep.mp3", &[("range", "bytes=2-4")]));
    assert_eq!(part.status, 206);
    assert_eq!(part.header_value("content-range"), Some("bytes 2-4/10"));
    assert_eq!(part.header_value("content-length"), Some("3"));
    assert_eq!(part.header_value("content-type"), Some("audio/mpeg"));
    assert_eq!(part.header_value("etag"), Some(tag.as_str()));
    assert!(matches!(
        part.body,
        Body::File {
            start: 2,
            len: 3,
            ..
        }
    ));

    let past = answer(dir.path(), &with("/ep.mp3", &[("range", "bytes=10-")]));
    assert_eq!(past.status, 416);
    assert_eq!(past.header_value("content-range"), Some("bytes */10"));

    for (if_range, status) in [(tag.as_str(), 206), (lm.as_str(), 206), ("\"old\"", 200)] {
        let req = with("/ep.mp3", &[("range", "bytes=-2"), ("if-range", if_range)]);
        assert_eq!(answer(dir.path(), &req).status, status, "{if_range}");
    }
    // A 304 wins over the range; HEAD and listings ignore ranges.
    let req = with(
        "/ep.mp3",
        &[("range", "bytes=0-1"), ("if-none-match", &tag)],
    );
    assert_eq!(answer(dir.path(), &req).status, 304);
    let mut head = with("/ep.mp3", &[("range", "bytes=0-1")]);
    head.method = "HEAD".into();
    let h = answer(dir.path(), &head);
    assert_eq!(
        (h.status, h.header_value("content-length")),
        (200, Some("10"))
    );
    let list = answer(dir.path(), &with("/", &[("range", "bytes=0-1")]));
    assert_eq!(list.status, 200);
    assert!(list.header_value("accept-ranges").is_none());
}

#[test]
fn browsers_get_xml_they_can_style() {
    let chrome = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8";
    assert!(http::prefers_html(
        Some(chrome),
        "application/rss+xml; charset=utf-8"
    ));
    assert!(!http::prefers_html(
        Some("application/rss+xml, text/html;q=0.1"),
        "application/rss+xml"
    ));
    assert!(!http::prefers_html(Some("*/*"), "application/atom+xml"));
    assert!(!http::prefers_html(None, "application/atom+xml"));
    let dir = site();
    let req = with("/reviews.rss", &[("accept", chrome)]);
    assert_eq!(
        answer(dir.path(), &req).header_value("content-type"),
        Some("text/xml; charset=utf-8")
    );
}

#[test]
fn the_tag_follows_a_replaced_file() {
    let dir = site();
    let etags = Etags::default();
    let get = || respond(dir.path(), &Request::get("/reviews.rss"), &etags);
    let first = get().header_value("etag").unwrap().to_string();
    assert_eq!(get().header_value("etag"), Some(first.as_str()));
    // Same length, same second: the build renames a new file into place.
    std::fs::write(dir.path().join("new.tmp"), "<RSS/>").unwrap();
    std::fs::rename(dir.path().join("new.tmp"), dir.path().join("reviews.rss")).unwrap();
    assert_eq!(get().header_value("etag"), Some(etag(b"<RSS/>").as_str()));
}

/// A server on a free loopback port with `limits`, serving `dir`.
fn spawn(dir: &std::path::Path, limits: Limits) -> u16 {
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), Root::new(dir.to_path_buf()))
        .unwrap()
        .with_limits(limits)
        .log_requests(true);
    let port = server.local_addr().unwrap().port();
    server.spawn().unwrap();
    port
}

/// Black-box audit D5: the folder changes under a running server (`output_dir` edited).
#[test]
fn a_new_root_is_answered_from_on_the_next_request() {
    let (old, new) = (site(), tempfile::tempdir().unwrap());
    std::fs::write(new.path().join("reviews.rss"), "<rss>new</rss>").unwrap();
    let root = Root::new(old.path().to_path_buf());
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), root.clone()).unwrap();
    let port = server.local_addr().unwrap().port();
    server.spawn().unwrap();
    assert!(get(port, "/reviews.rss").ends_with("<rss/>"));
    root.set(new.path().to_path_buf());
    assert!(get(port, "/reviews.rss").ends_with("<rss>new</rss>"));
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

fn get(port: u16, path: &str) -> String {
    let mut s = connect(port);
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads until the server closes; how long that took and how many bytes came.
fn until_closed(mut s: TcpStream) -> (Duration, usize) {
    let start = Instant::now();
    let mut total = 0;
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return (start.elapsed(), total),
            Ok(n) => total += n,
        }
    }
}

fn short() -> Limits {
    Limits {
        max_connections: 4,
        header_timeout: Duration::from_secs(1),
        stall_timeout: Duration::from_secs(1),
        file_threads: 2,
    }
}

#[test]
fn idle_connections_make_room_for_a_request() {
    let dir = site();
    let port = spawn(
        dir.path(),
        Limits {
            header_timeout: Duration::from_secs(30),
            ..short()
        },
    );
    let idle: Vec<TcpStream> = (0..4).map(|_| connect(port)).collect();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let reply = get(port, "/reviews.rss");
    assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
    assert!(reply.ends_with("<rss/>"), "{reply}");
    assert!(started.elapsed() < Duration::from_secs(2));
    // The oldest idle connection was closed to make room.
    let (waited, _) = until_closed(idle.into_iter().next().unwrap());
    assert!(waited < Duration::from_secs(2), "{waited:?}");
}

#[test]
fn a_reader_that_stops_reading_is_dropped_and_busy_means_503() {
    let dir = site();
    // Larger than loopback's socket buffers and hyper's, so the writes do stall.
    let big = vec![7u8; 48 << 20];
    std::fs::write(dir.path().join("big.mp3"), &big).unwrap();
    let port = spawn(
        dir.path(),
        Limits {
            max_connections: 2,
            ..short()
        },
    );
    let mut stalled = Vec::new();
    for _ in 0..2 {
        let mut s = connect(port);
        s.write_all(b"GET /big.mp3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        stalled.push(s);
    }
    std::thread::sleep(Duration::from_millis(300));
    // Both places are taken by busy downloads: a newcomer is told so at once.
    let busy = get(port, "/reviews.rss");
    assert!(
        busy.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{busy}"
    );
    assert!(busy.contains("Retry-After: 5\r\n"), "{busy}");
    std::thread::sleep(Duration::from_millis(2500));
    for s in stalled {
        let (_, got) = until_closed(s);
        assert!(got < big.len(), "the stalled download was not cut off");
    }
    assert!(get(port, "/reviews.rss").starts_with("HTTP/1.1 200 OK\r\n"));
}

#[test]
fn a_slow_head_is_cut_off() {
    let dir = site();
    let port = spawn(dir.path(), short());
    let mut s = connect(port);
    let started = Instant::now();
    s.write_all(b"GET /reviews.rss HTTP/1.1\r\n").unwrap();
    for _ in 0..6 {
        std::thread::sleep(Duration::from_millis(400));
        if s.write_all(b"X-Slow: 1\r\n").is_err() {
            break;
        }
    }
    // Long past the 1 s limit: the server closed already, so nothing is left to wait for.
    let (waited, _) = until_closed(s);
    assert!(waited < Duration::from_millis(500), "{waited:?}");
    assert!(started.elapsed() < Duration::from_secs(4));
}
