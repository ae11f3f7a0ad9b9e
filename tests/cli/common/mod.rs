//! Shared test scaffolding: a temporary site on disk and the real binary run against it.
#![allow(dead_code)]

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub const NOW: &str = "2026-11-20T09:00:00Z";

pub const CONFIG: &str = r#"
[site]
title = "Test Reviews"
base_url = "https://films.example/"
id = "tag:films.example,2026:"
timezone = "Europe/Paris"
author = { name = "Ada Critic", email = "ada@films.example" }

[[feed]]
name = "reviews"
title = "Reviews"
description = "Film reviews"
source = "content/reviews"
link = "reviews/{slug}/"
"#;

/// [`CONFIG`] with a size budget of 1 KB and `feed_line` added to the feed.
pub fn tiny_budget_config(feed_line: &str) -> String {
    CONFIG
        .replace(
            "timezone = \"Europe/Paris\"",
            "timezone = \"Europe/Paris\"\nsize_budget_kb = 1",
        )
        .replace(
            "link = \"reviews/{slug}/\"",
            &format!("link = \"reviews/{{slug}}/\"\n{feed_line}"),
        )
}

/// A podcast feed with local media published under `media_base_url`.
pub const PODCAST_CONFIG: &str = r#"
[site]
title = "Test Pod"
base_url = "https://pod.example/"
id = "tag:pod.example,2026:"
language = "en"
author = { name = "Ada Host", email = "ada@pod.example" }

[[feed]]
name = "podcast"
kind = "podcast"
title = "The Test Pod"
description = "A podcast about tests."
source = "content/episodes"
link = "episodes/{slug}/"

[feed.podcast]
image = "https://pod.example/cover.jpg"
category = "TV & Film"
explicit = false
owner = { name = "Ada Host", email = "ada@pod.example" }
media_base_url = "https://cdn.pod.example/media/"
funding = [{ url = "/give", text = "Give" }]
"#;

/// A site in a temp folder; dropped with the test.
pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Site {
    pub fn new() -> Site {
        Site::with_config(CONFIG)
    }

    pub fn with_config(config: &str) -> Site {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        std::fs::create_dir_all(dir.path().join("content/reviews")).unwrap();
        Site { dir }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        self.write_bytes(rel, text.as_bytes())
    }

    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) -> &Self {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
        self
    }

    /// Two reviews and a note: the content the push tests upload.
    pub fn write_push_fixture(&self) -> &Self {
        self.write(
            "content/reviews/heat.md",
            &review("Heat", "2026-01-01", "A heist."),
        )
        .write(
            "content/reviews/ran.md",
            &review("Ran", "2026-02-01", "A king."),
        )
        .write(
            "content/notes/first.md",
            &review("First note", "2026-03-01", "Hello."),
        )
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path(rel)).unwrap();
    }

    pub fn rename(&self, from: &str, to: &str) {
        let to = self.path(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::rename(self.path(from), to).unwrap();
    }

    /// Runs feedwright with `args` in the site folder, at time `now`.
    pub fn run_at(&self, now: &str, args: &[&str]) -> Output {
        Command::cargo_bin("feedwright")
            .unwrap()
            .current_dir(self.dir.path())
            .env_remove("FEEDWRIGHT_CONFIG")
            .arg("--now")
            .arg(now)
            .args(args)
            .output()
            .unwrap()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_at(NOW, args)
    }

    /// [`Site::run_at`] with the build's stage timings on (`FEEDWRIGHT_TIMINGS`): what each
    /// stage says on stderr tells which way the build went.
    pub fn run_timed(&self, now: &str, args: &[&str]) -> Output {
        Command::cargo_bin("feedwright")
            .unwrap()
            .current_dir(self.dir.path())
            .env_remove("FEEDWRIGHT_CONFIG")
            .env("FEEDWRIGHT_TIMINGS", "1")
            .arg("--now")
            .arg(now)
            .args(args)
            .output()
            .unwrap()
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?} failed:\n{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs and asserts that it exits with `code`; returns stderr.
    pub fn fails(&self, code: i32, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(code), "{args:?}:\n{}", text(&out));
        String::from_utf8(out.stderr).unwrap()
    }

    pub fn ok_at(&self, now: &str, args: &[&str]) -> String {
        let out = self.run_at(now, args);
        assert!(out.status.success(), "{args:?} failed:\n{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn rss(&self, name: &str) -> feed_rs::model::Feed {
        parse_feed(&self.path(&format!("feeds/{name}.rss")))
    }

    pub fn atom(&self, name: &str) -> feed_rs::model::Feed {
        parse_feed(&self.path(&format!("feeds/{name}.atom")))
    }
}

/// Parses a feed file with feed-rs, an independent parser.
pub fn parse_feed(path: &Path) -> feed_rs::model::Feed {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    feed_rs::parser::parse(&bytes[..]).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// stdout and stderr together, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "status: {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn review(title: &str, date: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndate = \"{date}\"\n+++\n{body}\n")
}

/// The header of a square RGB JPEG `side` px wide: all that the art check reads of a picture.
pub fn rgb_jpeg_header(side: u16) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8];
    v.extend(side.to_be_bytes());
    v.extend(side.to_be_bytes());
    v.push(3);
    for id in 1..=3u8 {
        v.extend([id, 0x11, 0]);
    }
    v.extend([0xFF, 0xD9]);
    v
}

/// The names a push reported uploading.
pub fn uploaded(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("uploaded "))
        .filter_map(|l| l.split(" -> ").next())
        .map(String::from)
        .collect()
}

/// Reads one HTTP request from `stream`: its method and target, and its body (by
/// Content-Length); `None` when the client hung up.
pub fn read_request(stream: &std::net::TcpStream) -> Option<(String, Vec<u8>)> {
    let mut reader = std::io::BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut len = 0;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        if h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    let mut words = line.split_whitespace();
    Some((format!("{} {}", words.next()?, words.next()?), body))
}

/// A request's headers, names in lower case.
pub type Headers = Vec<(String, String)>;

/// Reads a request's line and headers from `reader`: method, target, and the headers; `None`
/// when the client hung up first.
pub fn read_head(reader: &mut impl BufRead) -> Option<(String, String, Headers)> {
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    Some((method, path, headers))
}

/// The reason phrase the fake servers send with `status`.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        412 => "Precondition Failed",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Other",
    }
}

/// The files `feedwright --now NOW <args>` opens in `site`, as strace sees them (`trace=open,
/// openat`, threads followed); `None` where strace is missing or cannot trace, which fails
/// the test under `FEEDWRIGHT_REQUIRE_STRACE` (set by `.ci/run`).
pub fn opened_by(site: &Site, args: &[&str]) -> Option<String> {
    let bin = assert_cmd::cargo::cargo_bin("feedwright");
    let traced = std::process::Command::new("strace")
        .current_dir(site.dir.path())
        .args(["-f", "-e", "trace=open,openat", "-o", "trace.txt"])
        .arg(&bin)
        .args(["--now", NOW])
        .args(args)
        .output();
    let why = match traced {
        Err(_) => "strace is not installed".to_string(),
        Ok(out) if !out.status.success() => format!("strace cannot trace here\n{}", text(&out)),
        Ok(_) => return Some(site.read("trace.txt")),
    };
    assert!(
        std::env::var_os("FEEDWRIGHT_REQUIRE_STRACE").is_none(),
        "{why}, and FEEDWRIGHT_REQUIRE_STRACE is set"
    );
    eprintln!("{why}: not checked");
    None
}

/// `cmd`'s output and its peak resident memory in KiB (VmHWM), read from /proc while it runs.
/// Not `wait4`'s counter: Linux carries the memory of the test process that spawned the child
/// across `exec` into it. A poll can only come late, never see too much, so a bound checked
/// on this value may miss a peak but never fails wrongly.
pub fn peak_kib(mut cmd: std::process::Command) -> (Output, u64) {
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        let status = std::fs::read_to_string(&status_file).unwrap_or_default();
        let hwm = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
        peak = peak.max(hwm.unwrap_or(0));
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    (child.wait_with_output().unwrap(), peak)
}
