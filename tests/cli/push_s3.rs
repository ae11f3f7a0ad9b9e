//! End to end: `feedwright push` to S3-compatible object storage. A real S3 server on
//! 127.0.0.1 (moto's, `pip install "moto[server]"`), started by each test on a free port and
//! killed at its end; what landed in the bucket is read back with boto3 (moto's own client
//! library, independent of feedwright's). Only the retry test uses a small misbehaving HTTP
//! server, since moto cannot answer 503 SlowDown on demand. Issue 16.
//!
//! Without moto_server the tests say loudly that they were skipped, unless
//! FEEDWRIGHT_REQUIRE_S3=1 (set by .ci/run), which makes them fail instead.

use crate::common;

mod answers;
mod fakes;

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use fakes::{CutProxy, Faulty};

use common::{NOW, PODCAST_CONFIG, Site, review, stderr, text};

const SECRET: &str = "s3-test-secret-7f3a9c";
const BUCKET: &str = "pod-feeds";

/// moto's S3 server in the foreground on a free loopback port; killed when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    /// `None` (after a loud note) when moto_server is not installed.
    fn start(test: &str, env: &[(&str, &str)]) -> Option<Moto> {
        let found = Command::new("moto_server")
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            assert!(
                std::env::var("FEEDWRIGHT_REQUIRE_S3").as_deref() != Ok("1"),
                "FEEDWRIGHT_REQUIRE_S3=1 but moto_server is not installed (pip install \"moto[server]\")"
            );
            eprintln!(
                "SKIPPED {test}: moto_server not found; install it with pip install \"moto[server]\""
            );
            return None;
        }
        let port = free_port();
        let mut cmd = Command::new("moto_server");
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut moto = Moto {
            child: cmd.spawn().unwrap(),
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                moto.child.try_wait().unwrap().is_none(),
                "moto_server exited"
            );
            assert!(Instant::now() < deadline, "moto_server did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(moto)
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Runs one boto3 call (see [`BOTO`]) and returns what it printed.
    fn boto(&self, args: &[&str]) -> String {
        boto(&self.endpoint(), args)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// boto3 as an independent S3 client: make a bucket, HEAD or GET an object, PUT one.
const BOTO: &str = r#"
import sys, json, boto3
from botocore.config import Config
endpoint, op, *args = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test",
                  region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
if op == "mkbucket":
    s3.create_bucket(Bucket=args[0])
elif op == "head":
    h = s3.head_object(Bucket=args[0], Key=args[1])
    print(json.dumps({"type": h.get("ContentType"), "cache": h.get("CacheControl"), "etag": h["ETag"], "size": h["ContentLength"]}))
elif op == "get":
    sys.stdout.buffer.write(s3.get_object(Bucket=args[0], Key=args[1])["Body"].read())
elif op == "put":
    s3.put_object(Bucket=args[0], Key=args[1], Body=open(args[2], "rb").read())
elif op == "keys":
    for o in s3.list_objects_v2(Bucket=args[0]).get("Contents", []):
        print(o["Key"])
"#;

fn boto(endpoint: &str, args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(BOTO)
        .arg(endpoint)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "boto3 {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A podcast (local cover, audio, transcript) and a review feed, pushed to `endpoint`.
fn site(endpoint: &str, extra: &str) -> Site {
    let config = format!(
        "{}\n[[feed]]\nname = \"reviews\"\ntitle = \"Reviews\"\ndescription = \"Film reviews\"\nsource = \"content/reviews\"\nlink = \"reviews/{{slug}}/\"\n\n[publish]\nurl = \"s3://{BUCKET}/feeds/\"\nendpoint = \"{endpoint}\"\ncache_control = \"max-age=300\"\nmedia = true\ntimeout_secs = 5\nretries = 2\nretry_base_ms = 10\n{extra}\n",
        PODCAST_CONFIG
            .replace("language = \"en\"", "language = \"en\"\nopml = true")
            .replace(
                "image = \"https://pod.example/cover.jpg\"",
                "image = \"cover.png\""
            )
            .replace(
                "https://cdn.pod.example/media/",
                "https://pod.example/feeds/media/"
            )
    );
    let site = Site::with_config(&config);
    std::fs::write(site.path("cover.png"), png_header(1400, 1400)).unwrap();
    site.write("content/episodes/ep1.mp3", &"a".repeat(20_000))
        .write("content/episodes/ep1.vtt", "WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n")
        .write(
            "content/episodes/ep1.md",
            "+++\ntitle = \"Pilot\"\ndate = 2026-06-01T10:00:00Z\naudio = \"ep1.mp3\"\ntranscript = { url = \"ep1.vtt\", type = \"text/vtt\" }\n+++\nNotes.\n",
        )
        .write(
            "content/reviews/heat.md",
            &review("Heat", "2026-01-01", "A heist."),
        );
    site.ok(&["build"]);
    site
}

fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    v.extend(w.to_be_bytes());
    v.extend(h.to_be_bytes());
    v.extend([8, 2, 0, 0, 0, 0, 0, 0, 0]);
    v
}

fn run(site: &Site, args: &[&str]) -> Output {
    run_keys(site, args, "AKIATESTKEY", SECRET)
}

fn run_keys(site: &Site, args: &[&str], access: &str, secret: &str) -> Output {
    let mut cmd = assert_cmd::Command::cargo_bin("feedwright").unwrap();
    cmd.current_dir(site.dir.path())
        .env_remove("FEEDWRIGHT_CONFIG")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_ACCESS_KEY_ID", access)
        .env("AWS_SECRET_ACCESS_KEY", secret);
    for var in ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"] {
        cmd.env_remove(var);
    }
    let out = cmd.arg("--now").arg(NOW).args(args).output().unwrap();
    assert!(
        !text(&out).contains(secret),
        "the secret was printed:\n{}",
        text(&out)
    );
    out
}

fn ok(site: &Site, args: &[&str]) -> String {
    let out = run(site, args);
    assert!(out.status.success(), "{args:?}:\n{}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn head(moto: &Moto, key: &str) -> serde_json::Value {
    serde_json::from_str(&moto.boto(&["head", BUCKET, key])).unwrap()
}

#[test]
fn first_push_sends_feeds_and_media_typed_then_only_what_changed_and_prune_deletes_only_ours() {
    let Some(moto) = Moto::start("s3 first push", &[]) else {
        return;
    };
    moto.boto(&["mkbucket", BUCKET]);
    let site = site(&moto.endpoint(), "");
    // A big episode goes in parts; it is hashed once, then known by size and mtime.
    site.write(
        "content/episodes/ep2.mp3",
        &"b".repeat(9 * 1024 * 1024 + 17),
    );
    site.write(
        "content/episodes/ep2.md",
        "+++\ntitle = \"Second\"\ndate = 2026-07-01T10:00:00Z\naudio = \"ep2.mp3\"\n+++\nMore.\n",
    );
    site.ok(&["build"]);

    let dry = ok(&site, &["push", "--dry-run"]);
    assert!(
        dry.contains(&format!(
            "would upload media/ep1.mp3 -> s3://{BUCKET}/feeds/media/ep1.mp3 (new: never pushed)"
        )),
        "{dry}"
    );
    assert!(
        moto.boto(&["keys", BUCKET]).is_empty(),
        "a dry run sends nothing"
    );

    let first = common::uploaded(&ok(&site, &["push"]));
    let media = [
        "media/cover.png",
        "media/ep1.mp3",
        "media/ep1.vtt",
        "media/ep2.mp3",
    ];
    assert_eq!(&first[..4], media, "media first: {first:?}");
    assert_eq!(
        first.last().map(String::as_str),
        Some("index.opml"),
        "{first:?}"
    );
    assert_eq!(
        &first[4..first.len() - 1],
        ["podcast.rss", "reviews.atom", "reviews.rss"],
        "then the main feeds: {first:?}"
    );

    let rss = head(&moto, "feeds/podcast.rss");
    assert_eq!(rss["type"], "application/rss+xml; charset=utf-8");
    assert_eq!(rss["cache"], "max-age=300");
    let mp3 = head(&moto, "feeds/media/ep2.mp3");
    assert_eq!(mp3["type"], "audio/mpeg");
    assert_eq!(mp3["cache"], "public, max-age=31536000, immutable");
    assert_eq!(mp3["size"], 9 * 1024 * 1024 + 17);
    assert_eq!(
        head(&moto, "feeds/media/ep1.vtt")["type"],
        "text/vtt; charset=utf-8"
    );
    assert_eq!(head(&moto, "feeds/media/cover.png")["type"], "image/png");
    assert_eq!(
        moto.boto(&["get", BUCKET, "feeds/podcast.rss"]),
        site.read("feeds/podcast.rss")
    );
    // The feed points where the audio went.
    assert!(
        site.read("feeds/podcast.rss")
            .contains("https://pod.example/feeds/media/ep1.mp3")
    );

    assert_eq!(
        common::uploaded(&ok(&site, &["push"])),
        Vec::<String>::new(),
        "nothing changed"
    );

    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "A heist, revised."),
    );
    site.ok(&["build"]);
    let edit = common::uploaded(&ok(&site, &["push"]));
    assert!(edit.contains(&"reviews.rss".to_string()), "{edit:?}");
    assert!(
        edit.iter()
            .all(|n| n.starts_with("reviews") || n.contains("/reviews")),
        "only the changed feed's files: {edit:?}"
    );

    // A file someone else put in the bucket is never deleted, listed or not.
    std::fs::write(site.path("theirs.txt"), "not ours").unwrap();
    moto.boto(&[
        "put",
        BUCKET,
        "feeds/theirs.txt",
        &site.path("theirs.txt").display().to_string(),
    ]);
    site.remove("content/episodes/ep2.md");
    site.ok(&["build", "--allow-drop"]);
    let dry = ok(&site, &["push", "--dry-run", "--prune"]);
    assert!(
        dry.contains(&format!(
            "would delete media/ep2.mp3 -> s3://{BUCKET}/feeds/media/ep2.mp3 (no longer built)"
        )),
        "{dry}"
    );
    assert!(!dry.contains("theirs.txt"), "{dry}");
    let kept = ok(&site, &["push"]);
    assert!(
        moto.boto(&["keys", BUCKET]).contains("feeds/media/ep2.mp3"),
        "no --prune: kept\n{kept}"
    );
    let pruned = ok(&site, &["push", "--prune"]);
    assert!(pruned.contains("deleted media/ep2.mp3 -> "), "{pruned}");
    let keys = moto.boto(&["keys", BUCKET]);
    assert!(!keys.contains("feeds/media/ep2.mp3"), "{keys}");
    assert!(
        keys.contains("feeds/theirs.txt") && keys.contains("feeds/media/ep1.mp3"),
        "{keys}"
    );
}

#[test]
fn an_object_changed_behind_our_back_stops_the_push_and_force_overwrites() {
    let Some(moto) = Moto::start("s3 412", &[]) else {
        return;
    };
    moto.boto(&["mkbucket", BUCKET]);
    let site = site(&moto.endpoint(), "");
    ok(&site, &["push"]);
    // Someone edits the published feed by hand (its items keep their ids).
    let theirs = site
        .read("feeds/reviews.rss")
        .replace("Film reviews", "Edited by hand");
    std::fs::write(site.path("theirs.rss"), theirs).unwrap();
    moto.boto(&[
        "put",
        BUCKET,
        "feeds/reviews.rss",
        &site.path("theirs.rss").display().to_string(),
    ]);
    let err = push_of_a_new_review_fails(&site, || {});
    assert!(
        err.contains(&format!("PUT s3://{BUCKET}/feeds/reviews.rss")),
        "{err}"
    );
    assert!(err.contains("412 Precondition Failed"), "{err}");
    assert!(
        err.contains("`feedwright push --force` overwrites it"),
        "{err}"
    );
    assert!(
        moto.boto(&["get", BUCKET, "feeds/reviews.rss"])
            .contains("Edited by hand")
    );

    ok(&site, &["push", "--force"]);
    assert_eq!(
        moto.boto(&["get", BUCKET, "feeds/reviews.rss"]),
        site.read("feeds/reviews.rss")
    );
}

#[test]
fn an_upload_cut_off_halfway_leaves_the_previous_feed_in_place() {
    let Some(moto) = Moto::start("s3 cut off", &[]) else {
        return;
    };
    moto.boto(&["mkbucket", BUCKET]);
    let proxy = CutProxy::start(moto.port, "/feeds/reviews.rss");
    let site = site(&format!("http://127.0.0.1:{}", proxy.port), "");
    // The first push goes through whole (the proxy cuts only once armed).
    ok(&site, &["push"]);
    let before = moto.boto(&["get", BUCKET, "feeds/reviews.rss"]);
    push_of_a_new_review_fails(&site, || *proxy.armed.lock().unwrap() = true);
    assert_eq!(
        moto.boto(&["get", BUCKET, "feeds/reviews.rss"]),
        before,
        "the old feed stays"
    );

    *proxy.armed.lock().unwrap() = false;
    let next = common::uploaded(&ok(&site, &["push"]));
    assert!(next.contains(&"reviews.rss".to_string()), "{next:?}");
    assert_eq!(
        moto.boto(&["get", BUCKET, "feeds/reviews.rss"]),
        site.read("feeds/reviews.rss")
    );
}

#[test]
fn wrong_credentials_are_a_clear_error_without_the_secret() {
    // With this variable moto checks every request's keys against its IAM users.
    let Some(moto) = Moto::start("s3 credentials", &[("INITIAL_NO_AUTH_ACTION_COUNT", "1")]) else {
        return;
    };
    moto.boto(&["mkbucket", BUCKET]);
    let site = site(&moto.endpoint(), "");
    let out = run_keys(&site, &["push"], "AKIANOSUCHKEY", SECRET);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("403 Forbidden"), "{err}");
    assert!(err.contains("InvalidAccessKeyId"), "{err}");
    assert!(
        err.contains("check the key pair in the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        "{err}"
    );
    assert!(
        !site.path("feedwright-push.toml").exists()
            || !site.read("feedwright-push.toml").contains("podcast.rss")
    );

    let mut cmd = assert_cmd::Command::cargo_bin("feedwright").unwrap();
    let out = cmd
        .current_dir(site.dir.path())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["--now", NOW, "push"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains("the environment variable AWS_ACCESS_KEY_ID (named by [publish] access_key_env) is not set"),
        "{}",
        text(&out)
    );
}

#[test]
fn slow_down_500_and_503_are_retried_honouring_retry_after() {
    let fake = Faulty::start(vec![
        (503, "SlowDown", Some("1")),
        (500, "InternalError", None),
        (503, "ServiceUnavailable", None),
    ]);
    let site = Site::with_config(&format!(
        "{}\n[publish]\nurl = \"s3://{BUCKET}/f/\"\nendpoint = \"http://127.0.0.1:{}\"\ntimeout_secs = 5\nretries = 3\nretry_base_ms = 10\n",
        common::CONFIG,
        fake.port
    ));
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "A heist."),
    );
    site.ok(&["build"]);
    let started = Instant::now();
    let out = run(&site, &["push"]);
    assert!(out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("503 Service Unavailable \"SlowDown: Please reduce your request rate.\"; retrying in 1.0 s (attempt 2 of 4)"), "{err}");
    assert!(err.contains("500 Internal Server Error"), "{err}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    let seen = fake.seen.lock().unwrap().clone();
    // The guard's first GET met the three faults, then a 404.
    let first = &seen[0];
    assert_eq!(seen.iter().filter(|r| *r == first).count(), 4, "{seen:?}");
    let puts: Vec<_> = seen.iter().filter(|r| r.starts_with("PUT")).collect();
    let mut once = puts.clone();
    once.dedup();
    assert!(!puts.is_empty() && once == puts, "each file once: {seen:?}");
}

#[test]
fn media_without_a_place_to_go_is_a_config_error_naming_the_keys() {
    let site = Site::with_config(&format!(
        "{PODCAST_CONFIG}\n[publish]\nurl = \"s3://{BUCKET}/feeds/\"\nmedia = true\n"
    ));
    let out = site.run(&["check"]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("[publish] media = true, but feed `podcast` publishes its media at https://cdn.pod.example/media/ ([feed.podcast] media_base_url), which is not below [site] feeds_url https://pod.example/feeds/: set [publish] media_url"),
        "{err}"
    );
}

#[test]
fn after_push_gets_the_changed_keys_and_podcast_index_is_told_about_the_podcast_feed() {
    let Some(moto) = Moto::start("s3 after push", &[]) else {
        return;
    };
    moto.boto(&["mkbucket", BUCKET]);
    let index = Faulty::start(vec![]);
    let site = site(
        &moto.endpoint(),
        &format!(
            "after_push = [\"printf '%s\\\\n' \\\"$@\\\" > args.txt; printf '%s' \\\"$FEEDWRIGHT_CHANGED_KEYS\\\" > env.txt\"]\npodcast_index_ping = true\npodcast_index_url = \"http://127.0.0.1:{}/\"",
            index.port
        ),
    );
    let out = ok(&site, &["push"]);
    assert!(
        out.contains("told Podcast Index about https://pod.example/feeds/podcast.rss (200"),
        "{out}"
    );
    let asked = index.seen.lock().unwrap().clone();
    assert_eq!(
        asked,
        ["GET /api/1.0/hub/pubnotify?url=https%3A%2F%2Fpod.example%2Ffeeds%2Fpodcast.rss"],
        "only the podcast feed"
    );
    let args = site.read("args.txt");
    assert!(args.lines().any(|l| l == "feeds/podcast.rss"), "{args}");
    assert!(args.lines().any(|l| l == "feeds/media/ep1.mp3"), "{args}");
    assert_eq!(site.read("env.txt"), args.trim_end());

    // Nothing changed: no hook, no ping.
    std::fs::remove_file(site.path("args.txt")).unwrap();
    ok(&site, &["push"]);
    assert!(!site.path("args.txt").exists());
    assert_eq!(index.seen.lock().unwrap().len(), 1);
}

/// Adds a review, builds, runs `before` (what makes the upload fail), then pushes: the push
/// must end with exit 5 naming the feed not uploaded. Returns what it printed on stderr.
fn push_of_a_new_review_fails(site: &Site, before: impl FnOnce()) -> String {
    site.write(
        "content/reviews/ran.md",
        &review("Ran", "2026-02-01", "A king."),
    );
    site.ok(&["build"]);
    before();
    let out = run(site, &["push"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("reviews.rss was not uploaded"), "{err}");
    err
}

/// Audit: a key or token pasted across two lines panicked the signing library (exit 101);
/// said naming the variable, never its value, before any request.
#[test]
fn a_key_with_a_line_break_is_named_not_sent() {
    let site = site("http://127.0.0.1:9", "");
    let out = run_keys(
        &site,
        &["push"],
        "AKIATESTKEY",
        "wJalrXUtnFEMI/K7MDENG\nbPxRfiCY",
    );
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    // The last line (the build's warnings about the fake audio come before it).
    assert!(
        String::from_utf8_lossy(&out.stderr).ends_with(
            "\nerror: the environment variable AWS_SECRET_ACCESS_KEY holds a line break or another control character (pasted across two lines?): export it again on one line\n"
        ),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains("bPxRfiCY"));
}

/// Audit: when the answer to a multipart upload's completion was lost (the server stored the
/// file), the retry and every later push stopped with 412 and asked for `--force`; the README
/// promises it is recorded. Media over 8 MB go in parts.
#[test]
fn a_lost_answer_to_a_multipart_completion_is_recovered() {
    let Some(moto) = Moto::start("s3 lost answer", &[]) else {
        return;
    };
    moto.boto(&["mkbucket", BUCKET]);
    let proxy = CutProxy::lost_answer(moto.port, "uploadId=");
    let site = site(&format!("http://127.0.0.1:{}", proxy.port), "");
    site.write("content/episodes/ep1.mp3", &"a".repeat(9 << 20));
    site.ok(&["build"]);
    *proxy.armed.lock().unwrap() = true;
    let out = run(&site, &["push"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        !*proxy.armed.lock().unwrap(),
        "the completion's answer was not lost"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("media/ep1.mp3 -> s3://pod-feeds/feeds/media/ep1.mp3 (already there)"),
        "{}",
        text(&out)
    );
    // Recorded: the next push has nothing to send.
    let again = ok(&site, &["push"]);
    assert!(common::uploaded(&again).is_empty(), "{again}");
}
