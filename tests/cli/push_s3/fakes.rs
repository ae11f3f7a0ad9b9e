//! The two misbehaving servers of the S3 tests: a stand-in that answers queued faults (moto
//! cannot be told to answer 503 SlowDown), and a proxy in front of moto that cuts an upload
//! off halfway.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An S3 stand-in that answers the queued faults first, then 404 to GET and 200 to PUT.
pub struct Faulty {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<String>>>,
}

impl Faulty {
    pub fn start(faults: Vec<(u16, &'static str, Option<&'static str>)>) -> Faulty {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            let mut faults = faults.into_iter();
            for stream in listener.incoming().flatten() {
                let Some((line, _)) = common::read_request(&stream) else {
                    continue;
                };
                log.lock().unwrap().push(line.clone());
                let (status, code, retry_after) = match faults.next() {
                    Some(f) => f,
                    None if line.contains("/hub/pubnotify?") => (200, "", None),
                    None if line.starts_with("GET") => (404, "NoSuchKey", None),
                    None => (200, "", None),
                };
                let body = if status == 200 {
                    String::new()
                } else {
                    format!(
                        "<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>{}</Message></Error>",
                        if code == "SlowDown" {
                            "Please reduce your request rate."
                        } else {
                            "Try again."
                        }
                    )
                };
                let mut head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\nETag: \"e1\"\r\n",
                    body.len()
                );
                if let Some(r) = retry_after {
                    head.push_str(&format!("Retry-After: {r}\r\n"));
                }
                let mut s = stream;
                let _ = s.write_all(format!("{head}\r\n{body}").as_bytes());
                let _ = s.shutdown(Shutdown::Both);
            }
        });
        Faulty { port, seen }
    }
}

/// A proxy in front of moto that, when armed, passes a PUT to `path` on with only half of its
/// body and then drops both connections: an upload killed halfway. Or (`lost_answer`) passes
/// the first POST whose line holds `path` on whole (a multipart upload's completion), then
/// closes the client's connection: the server did it, and its answer is lost.
pub struct CutProxy {
    pub port: u16,
    pub armed: Arc<Mutex<bool>>,
}

impl CutProxy {
    pub fn start(upstream: u16, path: &'static str) -> CutProxy {
        CutProxy::with(upstream, path, false)
    }

    pub fn lost_answer(upstream: u16, path: &'static str) -> CutProxy {
        CutProxy::with(upstream, path, true)
    }

    fn with(upstream: u16, path: &'static str, lose_answer: bool) -> CutProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let armed = Arc::new(Mutex::new(false));
        let flag = armed.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let flag = flag.clone();
                std::thread::spawn(move || relay(client, upstream, (path, lose_answer), &flag));
            }
        });
        CutProxy { port, armed }
    }
}

/// Passes requests from `client` to moto one at a time (headers read, body counted), and the
/// answers back.
fn relay(client: TcpStream, upstream: u16, (path, lose_answer): (&str, bool), armed: &Mutex<bool>) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
        return;
    };
    let (mut back_from, mut back_to) = (server.try_clone().unwrap(), client.try_clone().unwrap());
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut back_from, &mut back_to);
        let _ = back_to.shutdown(Shutdown::Both);
    });
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut to = server;
    loop {
        let mut head = Vec::new();
        let mut len = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            if let Some((k, v)) = h.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                len = v.trim().parse().unwrap_or(0);
            }
            head.extend_from_slice(h.as_bytes());
            if h == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let line = String::from_utf8_lossy(&head)
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        let completion = line.starts_with("POST ") && line.contains(path);
        if lose_answer && completion && std::mem::take(&mut *armed.lock().unwrap()) {
            // On a connection of its own, whose answer goes nowhere; the client's is closed
            // once the server has had time to do it.
            if let Ok(mut side) = TcpStream::connect(("127.0.0.1", upstream)) {
                let _ = side.write_all(&head);
                let _ = side.write_all(&body);
                std::thread::sleep(Duration::from_millis(1500));
            }
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
        let cut = *armed.lock().unwrap()
            && !lose_answer
            && line.starts_with("PUT ")
            && line.contains(path);
        if to.write_all(&head).is_err() {
            return;
        }
        if cut {
            let _ = to.write_all(&body[..len / 2]);
            std::thread::sleep(Duration::from_millis(100));
            let _ = to.shutdown(Shutdown::Both);
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
        if to.write_all(&body).is_err() {
            return;
        }
    }
}
