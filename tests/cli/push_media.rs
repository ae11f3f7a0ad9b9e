//! `[publish] media = true` over WebDAV, against the real nginx of `push_nginx`: the podcast's
//! local audio, cover and transcript uploaded where the feed says they are (a 20 MB episode
//! streamed from disk), nothing sent twice, `--prune` deleting only what feedwright wrote; and
//! the upload credentials never sent to a `media_url` on another host.

use crate::common;
use crate::push_nginx::Nginx;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{NOW, PODCAST_CONFIG, Site, text};

const TOKEN_VAR: &str = "FW_TEST_MEDIA_TOKEN";
const TOKEN: &str = "media-test-token-8c2f";
const BIG: usize = 20 * 1024 * 1024 + 123;

fn run(site: &Site, args: &[&str]) -> Output {
    let mut cmd = assert_cmd::Command::cargo_bin("feedwright").unwrap();
    cmd.current_dir(site.dir.path())
        .env_remove("FEEDWRIGHT_CONFIG")
        .env(TOKEN_VAR, TOKEN);
    for var in ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"] {
        cmd.env_remove(var);
    }
    let out = cmd.arg("--now").arg(NOW).args(args).output().unwrap();
    assert!(!text(&out).contains(TOKEN), "the secret was printed");
    out
}

/// A feedwright run's output and its peak resident memory in KiB (see [`common::peak_kib`]).
fn measured(site: &Site, args: &[&str]) -> (String, u64) {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("feedwright"));
    cmd.current_dir(site.dir.path())
        .env_remove("FEEDWRIGHT_CONFIG")
        .env(TOKEN_VAR, TOKEN)
        .args(["--now", NOW])
        .args(args);
    for var in ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"] {
        cmd.env_remove(var);
    }
    let (out, peak) = common::peak_kib(cmd);
    assert!(out.status.success(), "{args:?}:\n{}", text(&out));
    assert!(!text(&out).contains(TOKEN));
    (String::from_utf8(out.stdout).unwrap(), peak)
}

fn ok(site: &Site, args: &[&str]) -> String {
    let out = run(site, args);
    assert!(out.status.success(), "{args:?}:\n{}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// Bytes no two positions of which are likely to agree: a misplaced chunk would show.
fn generated(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// A podcast whose feeds and media are served by nginx at `dav` (so an enclosure URL can be
/// fetched from it), pushed there with a bearer token.
fn podcast_site(dav: &str, publish_extra: &str) -> Site {
    let config = PODCAST_CONFIG
        .replace(
            "base_url = \"https://pod.example/\"",
            &format!("base_url = \"https://pod.example/\"\nfeeds_url = \"{dav}\""),
        )
        .replace(
            "image = \"https://pod.example/cover.jpg\"",
            "image = \"cover.png\"",
        )
        .replace("https://cdn.pod.example/media/", &format!("{dav}media/"));
    let config = format!(
        "{config}\n[publish]\nurl = \"{dav}\"\nauth = \"bearer\"\ntoken_env = \"{TOKEN_VAR}\"\nmedia = true\ntimeout_secs = 5\nretries = 1\nretry_base_ms = 50\n{publish_extra}\n"
    );
    let site = Site::with_config(&config);
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend(1400u32.to_be_bytes());
    png.extend(1400u32.to_be_bytes());
    png.extend([8, 2, 0, 0, 0, 0, 0, 0, 0]);
    std::fs::write(site.path("cover.png"), png).unwrap();
    site.write("content/episodes/ep1.mp3", &"a".repeat(20_000))
        .write("content/episodes/ep1.vtt", "WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n")
        .write(
            "content/episodes/ep1.md",
            "+++\ntitle = \"Pilot\"\ndate = 2026-06-01T10:00:00Z\naudio = \"ep1.mp3\"\ntranscript = { url = \"ep1.vtt\", type = \"text/vtt\" }\n+++\nNotes.\n",
        )
        .write(
            "content/episodes/ep2.md",
            "+++\ntitle = \"Second\"\ndate = 2026-07-01T10:00:00Z\naudio = \"ep2.mp3\"\n+++\nMore.\n",
        );
    std::fs::write(site.path("content/episodes/ep2.mp3"), generated(BIG)).unwrap();
    site
}

/// Every `<enclosure url>` of an RSS document.
fn enclosures(rss: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(rss).unwrap();
    let doc = roxmltree::Document::parse(text).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("enclosure"))
        .filter_map(|n| n.attribute("url").map(String::from))
        .collect()
}

#[test]
fn webdav_media_go_where_the_feed_points_once_and_prune_deletes_only_ours() {
    let Some(nginx) = Nginx::start_or_skip("webdav media") else {
        return;
    };
    let dav = nginx.url("/dav/feeds/");
    let site = podcast_site(&dav, "");
    ok(&site, &["build"]);

    // The big episode is streamed: the push holds far less than the 20 MB file on top of
    // what feedwright needs anyway (reading it whole would add it, twice).
    let (_, check_kib) = measured(&site, &["check"]);
    let (first, push_kib) = measured(&site, &["push"]);
    let _ = writeln!(
        std::io::stderr(),
        "webdav media: peak RSS check {check_kib} KiB, first push {push_kib} KiB"
    );
    assert!(
        push_kib < check_kib + 12 * 1024,
        "push peaked at {push_kib} KiB, check at {check_kib} KiB"
    );
    let names = common::uploaded(&first);
    assert_eq!(
        &names[..4],
        [
            "media/cover.png",
            "media/ep1.mp3",
            "media/ep1.vtt",
            "media/ep2.mp3"
        ],
        "media first: {first}"
    );
    assert!(
        first.contains(&format!(
            "uploaded media/ep2.mp3 -> {dav}media/ep2.mp3 (201 Created)"
        )),
        "{first}"
    );
    // What landed in nginx's root is byte for byte the local file, the big one included.
    for (local, remote) in [
        ("cover.png", "media/cover.png"),
        ("content/episodes/ep1.mp3", "media/ep1.mp3"),
        ("content/episodes/ep1.vtt", "media/ep1.vtt"),
        ("content/episodes/ep2.mp3", "media/ep2.mp3"),
    ] {
        let there = std::fs::read(nginx.file(&format!("/dav/feeds/{remote}"))).unwrap();
        assert!(
            there == std::fs::read(site.path(local)).unwrap(),
            "{remote} differs from {local}"
        );
    }
    // The enclosures of the feed as nginx serves it point at the uploaded audio.
    let (status, rss, _) = nginx.get("/dav/feeds/podcast.rss");
    assert_eq!(status, 200);
    let urls = enclosures(&rss);
    assert_eq!(
        urls,
        [format!("{dav}media/ep2.mp3"), format!("{dav}media/ep1.mp3")]
    );
    for (url, local) in urls.iter().zip(["ep2.mp3", "ep1.mp3"]) {
        let (status, body, _) = nginx.get(url.strip_prefix(&nginx.url("")).unwrap());
        assert_eq!(status, 200, "{url}");
        assert!(
            body == std::fs::read(site.path(&format!("content/episodes/{local}"))).unwrap(),
            "{url}"
        );
    }

    // A second push sends nothing at all.
    let seen = nginx.requests().len();
    // Everything it said (it failed once in a full run under load, saying what was unseen).
    let again = run(&site, &["push"]);
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        "",
        "{}",
        text(&again)
    );
    assert_eq!(
        nginx.requests().len(),
        seen,
        "{:?}",
        &nginx.requests()[seen..]
    );

    // Media are known by size and mtime: other bytes under the same size and mtime are not
    // even read (a cron run never re-hashes 100 MB of audio), so nothing is sent.
    let ep1 = site.path("content/episodes/ep1.mp3");
    let mtime = std::fs::metadata(&ep1).unwrap().modified().unwrap();
    let touch = |bytes: &str| {
        std::fs::write(&ep1, bytes).unwrap();
        let f = std::fs::File::options().write(true).open(&ep1).unwrap();
        f.set_modified(mtime).unwrap();
    };
    touch(&"z".repeat(20_000));
    assert_eq!(ok(&site, &["push"]), "");
    assert_eq!(nginx.requests().len(), seen);
    touch(&"a".repeat(20_000));

    prune_deletes_only_what_feedwright_wrote(&nginx, &site, &dav);
}

fn prune_deletes_only_what_feedwright_wrote(nginx: &Nginx, site: &Site, dav: &str) {
    // Files someone else put there are never deleted.
    for theirs in ["/dav/feeds/theirs.txt", "/dav/feeds/media/theirs.mp3"] {
        std::fs::write(nginx.file(theirs), "not ours").unwrap();
    }
    site.remove("content/episodes/ep2.md");
    ok(site, &["build", "--allow-drop"]);
    let seen = nginx.requests().len();
    let kept = ok(site, &["push"]);
    assert_eq!(common::uploaded(&kept), ["podcast.rss"], "{kept}");
    assert!(
        nginx.file("/dav/feeds/media/ep2.mp3").exists(),
        "no --prune: kept"
    );

    let dry = ok(site, &["push", "--dry-run", "--prune"]);
    assert!(
        dry.contains(&format!(
            "would delete media/ep2.mp3 -> {dav}media/ep2.mp3 (no longer built)"
        )),
        "{dry}"
    );
    assert!(!dry.contains("theirs"), "{dry}");
    assert!(
        nginx.file("/dav/feeds/media/ep2.mp3").exists(),
        "a dry run deletes nothing"
    );

    let pruned = ok(site, &["push", "--prune"]);
    assert!(
        pruned.contains(&format!(
            "deleted media/ep2.mp3 -> {dav}media/ep2.mp3 (204 No Content; no longer built)"
        )),
        "{pruned}"
    );
    let deletes: Vec<String> = nginx.requests()[seen..]
        .iter()
        .filter(|r| r.starts_with("DELETE"))
        .cloned()
        .collect();
    assert_eq!(deletes, ["DELETE /dav/feeds/media/ep2.mp3 204"]);
    assert!(!nginx.file("/dav/feeds/media/ep2.mp3").exists());
    for still in [
        "/dav/feeds/theirs.txt",
        "/dav/feeds/media/theirs.mp3",
        "/dav/feeds/media/ep1.mp3",
        "/dav/feeds/podcast.rss",
    ] {
        assert!(nginx.file(still).exists(), "{still}");
    }
    // Pruned once: the state no longer names it, so the next run has nothing to delete.
    assert_eq!(ok(site, &["push", "--prune"]), "");
}

/// A listener that counts the connections made to it, for a host that must hear nothing.
fn counting_listener() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://127.0.0.1:{}/",
        listener.local_addr().unwrap().port()
    );
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut stream = stream;
            let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
            let _ = stream.read(&mut [0u8; 1024]);
        }
    });
    (url, hits)
}

#[test]
fn webdav_credentials_never_go_to_a_media_url_on_another_host() {
    let (dav, dav_hits) = counting_listener();
    let (other, other_hits) = counting_listener();
    let dav = format!("{dav}dav/feeds/");
    let media_url = format!("{other}media/");
    let site = podcast_site(&dav, &format!("media_url = \"{media_url}\""));
    // The error stands at the table (the line the config reader gives for [publish] values).
    for args in [&["push"][..], &["build", "--push"], &["check"]] {
        let out = run(&site, args);
        assert!(!out.status.success(), "{args:?}: {}", text(&out));
        let line = site
            .read("config.toml")
            .lines()
            .position(|l| l == "[publish]")
            .unwrap()
            + 1;
        assert_eq!(
            common::stderr(&out).trim_end(),
            format!(
                "error: {}:{line}: [publish] media_url `{media_url}` is on another host than url `{dav}`, and the upload credentials (auth with token_env or token_file) go only to url's host: put media_url on the same scheme, host and port as url, or leave media_url unset so media go below url",
                site.path("config.toml").display()
            ),
            "{args:?}"
        );
    }
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        other_hits.load(Ordering::SeqCst),
        0,
        "the other host heard something"
    );
    assert_eq!(dav_hits.load(Ordering::SeqCst), 0);
}
