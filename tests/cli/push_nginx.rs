//! End to end: `feedwright push` against a real nginx with its WebDAV modules on 127.0.0.1.
//! The test writes its own nginx.conf into a temp folder (pid, logs, temp paths, document root
//! all inside it), starts nginx in the foreground and kills it at the end. Issue 5.
//!
//! Without nginx the test says loudly that it was skipped, unless FEEDWRIGHT_REQUIRE_NGINX=1
//! (set by .ci/run), which makes it fail instead.

use crate::common;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{NOW, Site, review, text};

const DAV_EXT: &str = "/usr/lib/nginx/modules/ngx_http_dav_ext_module.so";
const TOKEN_VAR: &str = "FW_TEST_NGINX_TOKEN";
const TOKEN: &str = "nginx-test-token-5d1e";

fn find_nginx() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/local/sbin".into(), "/sbin".into()])
        .map(|d| d.join("nginx"))
        .find(|p| p.is_file())
}

/// nginx running in the foreground on a free loopback port; killed when dropped. Shared with
/// `push_media`.
pub struct Nginx {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Nginx {
    /// nginx started for `test`, or `None` (said loudly) when it is not installed and
    /// FEEDWRIGHT_REQUIRE_NGINX is not 1.
    pub fn start_or_skip(test: &str) -> Option<Nginx> {
        let required = std::env::var("FEEDWRIGHT_REQUIRE_NGINX").is_ok_and(|v| v == "1");
        let nginx = find_nginx();
        let missing = match &nginx {
            None => Some("nginx is not installed".to_string()),
            Some(_) if !Path::new(DAV_EXT).exists() => Some(format!("{DAV_EXT} is missing")),
            Some(_) => None,
        };
        if let Some(why) = missing {
            assert!(
                !required,
                "FEEDWRIGHT_REQUIRE_NGINX=1 but {why}: apt-get install nginx libnginx-mod-http-dav-ext"
            );
            // Straight to the process's stderr: libtest captures `eprintln!` of passing tests.
            let _ = writeln!(
                std::io::stderr(),
                "\n\
                 ******************************************************************************\n\
                 * SKIPPED {test}: {why}.\n\
                 * Install it with `apt-get install nginx libnginx-mod-http-dav-ext`, or set\n\
                 * FEEDWRIGHT_REQUIRE_NGINX=1 to make this a failure (as .ci/run does).\n\
                 ******************************************************************************\n"
            );
            return None;
        }
        Some(Nginx::start(&nginx?))
    }

    fn start(binary: &Path) -> Nginx {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        std::fs::create_dir_all(dir.path().join("www/dav")).unwrap();
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        // `user root` keeps the worker able to write into our root-owned temp folder when the
        // test runs as root (nginx only warns about it otherwise).
        let conf = format!(
            r#"
load_module {DAV_EXT};
user root;
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    types {{
        application/rss+xml rss;
        application/atom+xml atom;
    }}
    server {{
        listen 127.0.0.1:{port};
        root {d}/www;
        location /dav/ {{
            dav_methods PUT DELETE MKCOL COPY MOVE;
            dav_ext_methods PROPFIND OPTIONS;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
            client_max_body_size 64m;
        }}
    }}
}}
"#
        );
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new(binary)
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", binary.display()));
        let mut nginx = Nginx { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = nginx.child.try_wait() {
                panic!("nginx exited with {status}:\n{}", nginx.error_log());
            }
            assert!(
                Instant::now() < deadline,
                "nginx did not listen:\n{}",
                nginx.error_log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        nginx
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The file nginx serves at `path` (`/dav/...`), on disk.
    pub fn file(&self, path: &str) -> PathBuf {
        self.dir
            .path()
            .join("www")
            .join(path.trim_start_matches('/'))
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }

    /// Access log lines: `METHOD /path STATUS`.
    pub fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("access.log"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let request = l.split('"').nth(1)?;
                let status = l.split('"').nth(2)?.split_whitespace().next()?;
                let mut parts = request.split_whitespace();
                Some(format!("{} {} {status}", parts.next()?, parts.next()?))
            })
            .collect()
    }

    /// GETs `path` and waits until nginx has logged it: nginx writes its access log after the
    /// answer is sent, and a test that counts requests right after (a push that must send
    /// nothing) once counted this GET as the push's.
    pub fn get(&self, path: &str) -> (u16, Vec<u8>, Option<String>) {
        let logged = |r: &Vec<String>| {
            r.iter()
                .filter(|l| l.starts_with(&format!("GET {path} ")))
                .count()
        };
        let before = logged(&self.requests());
        let answer = self.get_unlogged(path);
        let deadline = Instant::now() + Duration::from_secs(10);
        while logged(&self.requests()) == before && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        answer
    }

    fn get_unlogged(&self, path: &str) -> (u16, Vec<u8>, Option<String>) {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let r = reqwest::blocking::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .get(self.url(path))
            .send()
            .unwrap();
        let status = r.status().as_u16();
        let ct = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string());
        (status, r.bytes().unwrap().to_vec(), ct)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn feedwright(site: &Site, args: &[&str]) -> Output {
    let out = assert_cmd::Command::cargo_bin("feedwright")
        .unwrap()
        .current_dir(site.dir.path())
        .env_remove("FEEDWRIGHT_CONFIG")
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("all_proxy")
        .env_remove("ALL_PROXY")
        .env(TOKEN_VAR, TOKEN)
        .arg("--now")
        .arg(NOW)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}:\n{}", text(&out));
    assert!(!text(&out).contains(TOKEN));
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn site(url: &str) -> Site {
    let config = format!(
        r#"
[site]
title = "Test Reviews"
base_url = "https://films.example/"
id = "tag:films.example,2026:"

[[feed]]
name = "reviews"
title = "Reviews"
source = "content/reviews"

[[feed]]
name = "notes"
title = "Notes"
source = "content/notes"

[publish]
url = "{url}"
auth = "bearer"
token_env = "{TOKEN_VAR}"
timeout_secs = 5
retries = 1
retry_base_ms = 50
"#
    );
    let site = Site::with_config(&config);
    site.write_push_fixture();
    site
}

const FEEDS: [&str; 4] = ["notes.atom", "notes.rss", "reviews.atom", "reviews.rss"];

#[test]
fn push_to_nginx_webdav() {
    let Some(nginx) = Nginx::start_or_skip("push_to_nginx_webdav") else {
        return;
    };

    // Build and push; every feed comes back byte for byte, with nginx's Content-Type.
    let site = site(&nginx.url("/dav/feeds/"));
    let out = feedwright(&site, &["build", "--push"]);
    for name in FEEDS {
        let (status, body, ct) = nginx.get(&format!("/dav/feeds/{name}"));
        assert_eq!(status, 200, "{name}\n{}", nginx.error_log());
        assert_eq!(
            body,
            site.read(&format!("feeds/{name}")).into_bytes(),
            "{name}"
        );
        let want = if name.ends_with(".rss") {
            "application/rss+xml"
        } else {
            "application/atom+xml"
        };
        assert_eq!(ct.as_deref(), Some(want));
        assert!(stdout(&out).contains(&format!(
            "uploaded {name} -> {}",
            nginx.url(&format!("/dav/feeds/{name}"))
        )));
    }
    let puts: Vec<String> = nginx
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("PUT"))
        .collect();
    assert_eq!(puts, FEEDS.map(|n| format!("PUT /dav/feeds/{n} 201")));
    // nginx gives no ETag with a PUT: the push learns it with a HEAD (spec R101).
    let state = site.read("feedwright-push.toml");
    assert_eq!(state.matches("etag = ").count(), 4, "{state}");

    // A second push sends nothing at all.
    let seen = nginx.requests().len();
    let out = feedwright(&site, &["push"]);
    // Everything it said (it failed once in a full run under load, saying what was unseen).
    assert_eq!(stdout(&out), "", "{}", text(&out));
    assert_eq!(
        nginx.requests().len(),
        seen,
        "{:?}",
        &nginx.requests()[seen..]
    );

    // Edit one entry: only that feed's files are sent, and they are what nginx serves.
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "A heist, revised."),
    );
    let out = feedwright(&site, &["build", "--push"]);
    let new: Vec<String> = nginx.requests()[seen..].to_vec();
    let puts: Vec<&String> = new.iter().filter(|r| r.starts_with("PUT")).collect();
    assert_eq!(
        puts,
        [
            "PUT /dav/feeds/reviews.atom 204",
            "PUT /dav/feeds/reviews.rss 204"
        ],
        "{}\n{new:?}",
        stdout(&out)
    );
    // The identity guard read the published feeds first.
    assert!(
        new.contains(&"GET /dav/feeds/reviews.rss 200".to_string()),
        "{new:?}"
    );
    for name in FEEDS {
        let (_, body, _) = nginx.get(&format!("/dav/feeds/{name}"));
        assert_eq!(
            body,
            site.read(&format!("feeds/{name}")).into_bytes(),
            "{name}"
        );
    }
}
