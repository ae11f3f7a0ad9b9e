//! `feedwright serve` under clients that misbehave (issue #15): hundreds of idle connections,
//! slow readers of a large file, a request head that never ends, ranges, garbage requests, a
//! port already taken. The real binary on 127.0.0.1, its memory and threads read from /proc.

use crate::common;
use crate::serving;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{NOW, Site, review};
use serving::{Served, request};

fn small_site() -> Site {
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "A heist."),
    );
    site
}

/// A field of /proc/<pid>/status as a number (kB for the memory fields).
fn status(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s
}

/// Reads a response head from `s`, leaving the body in the stream; the head as text.
fn read_head(s: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => panic!("the head ended early: {}", String::from_utf8_lossy(&head)),
        }
    }
    String::from_utf8(head).unwrap()
}

/// Whether the server closed `s` (or answered and is closing it), without waiting.
fn closed(s: &mut TcpStream) -> bool {
    s.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 1024];
    let gone = match s.read(&mut buf) {
        Ok(_) => true,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    };
    s.set_nonblocking(false).unwrap();
    gone
}

/// Byte `i` of the large test file: not constant, so a misplaced chunk shows.
fn pattern(i: usize) -> u8 {
    (i % 251) as u8
}

#[test]
fn five_hundred_idle_connections_hold_no_threads_and_a_request_is_still_answered() {
    let site = small_site();
    let served = Served::start(site.dir.path(), NOW);
    let pid = served.pid();
    // The file watcher starts just after the address is printed.
    std::thread::sleep(Duration::from_millis(500));
    let threads_before = status(pid, "Threads");
    let idle: Vec<TcpStream> = (0..500).map(|_| connect(served.port)).collect();
    // Let the server take them all from the queue.
    std::thread::sleep(Duration::from_millis(700));

    let started = Instant::now();
    let reply = served.get("/reviews.rss", &[]);
    let took = started.elapsed();
    assert_eq!(reply.status, 200);
    assert!(
        reply.text().contains("<title>Heat</title>"),
        "{}",
        reply.text()
    );
    assert!(took < Duration::from_secs(1), "answered after {took:?}");

    let threads = status(pid, "Threads");
    eprintln!(
        "500 idle connections: answered in {took:?}; {threads} threads; {} files open; VmRSS {} kB",
        open_files(pid),
        status(pid, "VmRSS")
    );
    assert_eq!(threads, threads_before, "a connection started a thread");
    let files = open_files(pid);
    assert!(
        files < 256 + 40,
        "{files} files open: connections are not bounded"
    );
    drop(idle);
}

/// 30 clients that read a 100 MB file slowly: the server's memory stays flat, because it
/// streams the file in chunks as each socket drains instead of holding a copy per request.
#[test]
fn slow_readers_of_a_large_file_keep_memory_flat() {
    const SIZE: usize = 100 << 20;
    const CLIENTS: usize = 30;
    let site = small_site();
    let served = Served::start(site.dir.path(), NOW);
    let content: Vec<u8> = (0..SIZE).map(pattern).collect();
    std::fs::write(site.path("feeds/episode.mp3"), &content).unwrap();
    let pid = served.pid();

    let head = request(served.port, "HEAD", "/episode.mp3", &[]);
    assert_eq!(head.status, 200);
    assert_eq!(
        head.header("content-length"),
        Some(SIZE.to_string().as_str())
    );
    assert_eq!(head.header("accept-ranges"), Some("bytes"));
    let tag = feedwright::serve::etag(&content);
    assert_eq!(
        head.header("etag"),
        Some(tag.as_str()),
        "the hash of the bytes"
    );
    let rss_before = status(pid, "VmRSS");
    let hwm_before = status(pid, "VmHWM");

    let port = served.port;
    let readers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            std::thread::spawn(move || {
                let mut s = connect(port);
                s.write_all(b"GET /episode.mp3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .unwrap();
                let head = read_head(&mut s);
                let mut got = Vec::new();
                let mut buf = vec![0u8; 16 * 1024];
                let until = Instant::now() + Duration::from_secs(4);
                while Instant::now() < until {
                    let n = s.read(&mut buf).unwrap();
                    got.extend_from_slice(&buf[..n]);
                    std::thread::sleep(Duration::from_millis(20));
                }
                (head, got)
            })
        })
        .collect();
    let mut rss_peak = rss_before;
    let sampling = Instant::now();
    while sampling.elapsed() < Duration::from_secs(4) {
        rss_peak = rss_peak.max(status(pid, "VmRSS"));
        std::thread::sleep(Duration::from_millis(100));
    }
    for reader in readers {
        let (head, got) = reader.join().unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(
            head.contains(&format!("\r\nContent-Length: {SIZE}\r\n")),
            "{head}"
        );
        assert!(!got.is_empty() && got.len() < SIZE);
        assert!(got.iter().enumerate().all(|(i, b)| *b == pattern(i)));
    }
    let hwm_after = status(pid, "VmHWM");
    // Shown with --nocapture, for the numbers in a report.
    eprintln!(
        "{CLIENTS} slow readers: VmRSS {rss_before} kB before, {rss_peak} kB at most; VmHWM {hwm_before} -> {hwm_after} kB"
    );
    let limit = 50 * 1024;
    assert!(
        rss_peak < rss_before + limit,
        "RSS went from {rss_before} kB to {rss_peak} kB"
    );
    assert!(
        hwm_after < hwm_before.max(rss_before + limit),
        "peak RSS went from {hwm_before} kB to {hwm_after} kB"
    );

    // And a reader at full speed gets every byte.
    let whole = served.get("/episode.mp3", &[]);
    assert_eq!(whole.status, 200);
    assert!(whole.body == content, "the file arrived changed");
}

/// Audit: a client that shuts its sending side once the request is out (`nc -N`) got
/// nothing, or a cut-off file; a half-close only says the request is complete.
#[test]
fn a_client_that_half_closes_after_its_request_gets_the_whole_answer() {
    const SIZE: usize = 8 << 20;
    let site = small_site();
    let served = Served::start(site.dir.path(), NOW);
    let content: Vec<u8> = (0..SIZE).map(pattern).collect();
    std::fs::write(site.path("feeds/big.rss"), &content).unwrap();
    for pause in [0, 300] {
        let mut s = connect(served.port);
        s.write_all(b"GET /big.rss HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        std::thread::sleep(Duration::from_millis(pause));
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let head = read_head(&mut s);
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        let mut body = Vec::new();
        s.read_to_end(&mut body).unwrap();
        assert_eq!(body.len(), SIZE, "after {pause} ms");
        assert!(body == content);
    }
}

#[test]
fn ranges_of_an_enclosure() {
    let site = small_site();
    let served = Served::start(site.dir.path(), NOW);
    let content: Vec<u8> = (0..1000).map(pattern).collect();
    std::fs::create_dir_all(site.path("feeds/media")).unwrap();
    std::fs::write(site.path("feeds/media/ep1.m4a"), &content).unwrap();
    let path = "/media/ep1.m4a";

    let part = served.get(path, &[("Range", "bytes=100-199")]);
    assert_eq!(part.status, 206);
    assert_eq!(part.header("content-range"), Some("bytes 100-199/1000"));
    assert_eq!(part.header("content-length"), Some("100"));
    // The type the enclosure says (Apple's for .m4a).
    assert_eq!(part.header("content-type"), Some("audio/x-m4a"));
    assert_eq!(part.body, &content[100..200]);
    let tag = part.header("etag").unwrap().to_string();

    let tail = served.get(path, &[("Range", "bytes=-10")]);
    assert_eq!((tail.status, tail.body.as_slice()), (206, &content[990..]));
    let open = served.get(path, &[("Range", "bytes=995-")]);
    assert_eq!(open.header("content-range"), Some("bytes 995-999/1000"));

    let past = served.get(path, &[("Range", "bytes=1000-")]);
    assert_eq!(past.status, 416);
    assert_eq!(past.header("content-range"), Some("bytes */1000"));

    let same = served.get(path, &[("Range", "bytes=0-9"), ("If-Range", &tag)]);
    assert_eq!((same.status, same.body.as_slice()), (206, &content[..10]));
    let stale = served.get(path, &[("Range", "bytes=0-9"), ("If-Range", "\"old\"")]);
    assert_eq!((stale.status, stale.body.len()), (200, 1000));
    let fresh = served.get(path, &[("Range", "bytes=0-9"), ("If-None-Match", &tag)]);
    assert_eq!((fresh.status, fresh.body.len()), (304, 0));

    let head = request(served.port, "HEAD", path, &[("Range", "bytes=0-9")]);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("1000"));
    assert_eq!(head.header("accept-ranges"), Some("bytes"));
    assert!(head.body.is_empty());
}

/// A client that sends its request head a byte at a time, never finishing, is dropped after
/// the 10 s header timeout even though bytes keep coming.
#[test]
fn a_slowloris_client_is_dropped_after_the_header_timeout() {
    let site = small_site();
    let served = Served::start(site.dir.path(), NOW);
    let mut s = connect(served.port);
    let started = Instant::now();
    s.write_all(b"GET /reviews.rss HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .unwrap();
    let mut closed_after = None;
    while started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(500));
        if s.write_all(b"X").is_err() || closed(&mut s) {
            closed_after = Some(started.elapsed());
            break;
        }
    }
    let closed_after = closed_after.expect("the slow client was never dropped");
    assert!(
        closed_after >= Duration::from_secs(9) && closed_after < Duration::from_secs(13),
        "dropped after {closed_after:?}"
    );
    // Meanwhile and after, others are served.
    assert_eq!(served.get("/reviews.rss", &[]).status, 200);
}

/// Requests no reader sends: each gets an error status or a closed connection, never a
/// crash, and the server goes on answering.
#[test]
fn garbage_requests_do_not_stop_the_server() {
    let site = small_site();
    let served = Served::start_with(site.dir.path(), NOW, &[], true);
    let long = format!("GET / HTTP/1.1\r\nX-Long: {}\r\n\r\n", "a".repeat(100_000));
    let garbage: Vec<Vec<u8>> = vec![
        b"\r\n\r\n".to_vec(),
        b"GARBAGE\r\n\r\n".to_vec(),
        b"GET\r\n\r\n".to_vec(),
        b"GET /%ff%fe HTTP/1.1\r\n\r\n".to_vec(),
        b"GET /%zz HTTP/1.1\r\n\r\n".to_vec(),
        b"GET * HTTP/1.1\r\n\r\n".to_vec(),
        b"GET http://other.example/reviews.rss HTTP/1.1\r\n\r\n".to_vec(),
        b"GET /reviews.rss HTTP/1.1\r\nRange: bytes=99999999999999999999999-\r\n\r\n".to_vec(),
        b"GET /reviews.rss HTTP/1.1\r\nIf-Modified-Since: \xff\xfe\r\n\r\n".to_vec(),
        b"GET /reviews.rss HTTP/9.9\r\n\r\n".to_vec(),
        b"GET /\0 HTTP/1.1\r\n\r\n".to_vec(),
        b"DELETE /reviews.rss HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello".to_vec(),
        b"GET /reviews.rss HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec(),
        long.into_bytes(),
        vec![0xff; 5000],
    ];
    // At once: a head that never ends waits out the 10 s header timeout.
    let port = served.port;
    let answers: Vec<_> = garbage
        .into_iter()
        .map(|raw| {
            std::thread::spawn(move || {
                let mut s = connect(port);
                let _ = s.write_all(&raw);
                let mut answer = Vec::new();
                let _ = s.read_to_end(&mut answer);
                (raw, String::from_utf8_lossy(&answer).into_owned())
            })
        })
        .collect();
    for answer in answers {
        let (raw, answer) = answer.join().unwrap();
        let raw = String::from_utf8_lossy(&raw[..raw.len().min(80)]).into_owned();
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 "),
            "{raw:?} -> {answer}"
        );
        assert!(!answer.contains("[site]"), "{raw:?} -> {answer}");
    }
    assert_eq!(served.get("/reviews.rss", &[]).status, 200);
    let errors: Vec<String> = served.errors.as_ref().unwrap().try_iter().collect();
    assert!(
        errors.iter().all(|l| !l.contains("panicked")),
        "{errors:#?}"
    );
}

#[test]
fn verbose_logs_each_request_in_the_common_log_format() {
    let site = small_site();
    let served = Served::start_with(site.dir.path(), NOW, &["--verbose"], true);
    let reply = served.get("/reviews.rss?x=1", &[]);
    assert_eq!(reply.status, 200);
    assert_eq!(request(served.port, "PUT", "/x", &[]).status, 405);
    let errors = served.errors.as_ref().unwrap();
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while lines.len() < 2 && Instant::now() < deadline {
        // Only the request lines: the first build may print notes.
        if let Ok(l) = errors.recv_timeout(Duration::from_millis(100))
            && l.starts_with("127.0.0.1 - - [")
        {
            lines.push(l);
        }
    }
    let shape = |line: &str, request: &str, tail: &str| {
        // 127.0.0.1 - - [30/Nov/2026:06:56:25 +0000] "GET / HTTP/1.1" 200 6
        let rest = line
            .strip_prefix("127.0.0.1 - - [")
            .unwrap_or_else(|| panic!("{line}"));
        let (time, rest) = rest.split_once("] ").unwrap_or_else(|| panic!("{line}"));
        chrono::DateTime::parse_from_str(time, "%d/%b/%Y:%H:%M:%S %z")
            .unwrap_or_else(|e| panic!("{time}: {e}"));
        assert_eq!(rest, format!("\"{request}\" {tail}"), "{line}");
    };
    let size = std::fs::metadata(site.path("feeds/reviews.rss"))
        .unwrap()
        .len();
    shape(
        &lines[0],
        "GET /reviews.rss?x=1 HTTP/1.1",
        &format!("200 {size}"),
    );
    shape(&lines[1], "PUT /x HTTP/1.1", "405 18");
}

#[test]
fn a_port_in_use_is_a_clear_error_with_its_own_exit_code() {
    let site = small_site();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = site.run(&["serve", "--port", &port]);
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let expected = format!(
        "error: 127.0.0.1:{port}: cannot listen there (another program may use the port: pick another --port, or 0 for a free one): "
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // Audit: the build ran and wrote the feeds before the port was found taken.
    assert!(!site.path("feeds").exists(), "nothing is written");
    // An address the machine does not have is said so, not blamed on another program.
    let out = site.run(&["serve", "--bind", "192.0.2.1", "--port", "0"]);
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("error: 192.0.2.1:0: cannot listen there (this machine has no such address: give --bind one it has, or leave it out for 127.0.0.1): "),
        "{stderr}"
    );
}
