//! `feedwright serve` run as a child process, and a minimal HTTP/1.1 client for it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod rebuild;

/// A running `feedwright serve`; killed when dropped.
pub struct Served {
    child: Child,
    pub port: u16,
    /// Lines the server printed after its start line.
    pub lines: mpsc::Receiver<String>,
    /// Lines it printed on stderr, when [`Served::start_with`] was asked to keep them.
    pub errors: Option<mpsc::Receiver<String>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// Starts `feedwright serve --port 0` in `site_dir` and waits for its address.
    pub fn start(site_dir: &Path, now: &str) -> Served {
        Served::start_with(site_dir, now, &[], false)
    }

    /// Like [`Served::start`], with global options before `serve` (e.g. `--verbose`) and, with
    /// `keep_stderr`, the server's stderr lines in [`Served::errors`].
    pub fn start_with(site_dir: &Path, now: &str, options: &[&str], keep_stderr: bool) -> Served {
        Served::spawn(site_dir, Some(now), options, keep_stderr)
    }

    /// Like [`Served::start`] without `--now`: serve reads the system clock, for what depends
    /// on real time passing (an entry coming due).
    pub fn start_on_the_clock(site_dir: &Path) -> Served {
        Served::spawn(site_dir, None, &[], false)
    }

    fn spawn(site_dir: &Path, now: Option<&str>, options: &[&str], keep_stderr: bool) -> Served {
        let mut command = Command::new(env!("CARGO_BIN_EXE_feedwright"));
        if let Some(now) = now {
            command.args(["--now", now]);
        }
        let mut child = command
            .current_dir(site_dir)
            .env_remove("FEEDWRIGHT_CONFIG")
            .args(options)
            .args(["serve", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(if keep_stderr {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .spawn()
            .expect("feedwright serve starts");
        let errors = child.stderr.take().map(lines_of);
        let lines = lines_of(child.stdout.take().unwrap());
        let mut served = Served {
            child,
            port: 0,
            lines,
            errors,
        };
        loop {
            let line = served
                .lines
                .recv_timeout(Duration::from_secs(60))
                .expect("serve prints its address");
            if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
                served.port = rest.split('/').next().unwrap().parse().unwrap();
                return served;
            }
        }
    }

    /// The server's process id, to read its /proc entries.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        request(self.port, "GET", path, headers)
    }

    /// Asks for `path` until its body contains `text`, for up to `secs` seconds; whether it did.
    pub fn until_served(&self, path: &str, text: &str, secs: u64) -> bool {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            let reply = self.get(path, &[]);
            if reply.status == 200 && reply.text().contains(text) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }
}

/// Reads `lines` until one contains `text`, for up to `secs` seconds; if none did, the lines
/// read (for the failure message).
pub fn until_line(
    lines: &mpsc::Receiver<String>,
    text: &str,
    secs: u64,
) -> Result<(), Vec<String>> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(line) if line.contains(text) => return Ok(()),
            Ok(line) => seen.push(line),
            Err(_) => break,
        }
    }
    Err(seen)
}

/// Each line `from` gives, as they come, on a channel.
fn lines_of(from: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// One HTTP response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one request and reads the whole answer (the server closes the connection).
pub fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}
