//! CLI tests for stable identity (issue 3): ids and dates survive renames, edits, a deleted state
//! file and a move from another tool.

use crate::common;

use common::{Site, review, stderr, text};

fn ids(site: &Site) -> Vec<(String, String)> {
    site.rss("reviews")
        .entries
        .iter()
        .map(|e| (e.title.clone().unwrap().content, e.id.clone()))
        .collect()
}

fn atom_entry(site: &Site, title: &str) -> feed_rs::model::Entry {
    site.atom("reviews")
        .entries
        .into_iter()
        .find(|e| e.title.as_ref().unwrap().content == title)
        .unwrap_or_else(|| panic!("no entry {title}"))
}

#[test]
fn rename_and_move_keep_id_and_dates() {
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "Body."),
    );
    site.write("content/reviews/undated.txt", "Title: Undated\n\nText.\n");
    site.ok_at("2026-11-01T00:00:00Z", &["build"]);
    let before = ids(&site);
    let undated_date = atom_entry(&site, "Undated").published;

    site.rename(
        "content/reviews/heat.md",
        "content/reviews/2026-01-01-heat-1995.md",
    );
    site.rename(
        "content/reviews/undated.txt",
        "content/reviews/archive/2026/undated-column.txt",
    );
    let out = site.run_at("2026-11-02T00:00:00Z", &["build"]);
    assert!(out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "content/reviews/2026-01-01-heat-1995.md was content/reviews/heat.md (same content)"
        ),
        "{err}"
    );
    assert!(
        err.contains("archive/2026/undated-column.txt was content/reviews/undated.txt"),
        "{err}"
    );
    assert_eq!(ids(&site), before);
    assert_eq!(atom_entry(&site, "Undated").published, undated_date);
    // The renamed file's link follows the new slug; its id does not.
    let heat = atom_entry(&site, "Heat");
    assert_eq!(
        heat.links[0].href,
        "https://films.example/reviews/heat-1995/"
    );
    assert_eq!(heat.id, "tag:films.example,2026:reviews/heat");
}

#[test]
fn title_fix_slug_change_and_body_edit_keep_id_and_move_updated_once() {
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Haet", "2026-01-01 12:00", "Body."),
    );
    site.ok_at("2026-11-01T00:00:00Z", &["build"]);
    let id = atom_entry(&site, "Haet").id;
    assert_eq!(
        atom_entry(&site, "Haet").updated.unwrap().to_rfc3339(),
        "2026-01-01T11:00:00+00:00"
    );

    site.write(
        "content/reviews/heat.md",
        "+++\ntitle = \"Heat\"\ndate = \"2026-01-01 12:00\"\nslug = \"heat-mann\"\n+++\nBody, edited.\n",
    );
    site.ok_at("2026-11-02T10:00:00Z", &["build"]);
    let e = atom_entry(&site, "Heat");
    assert_eq!(e.id, id);
    assert_eq!(
        e.updated.unwrap().to_rfc3339(),
        "2026-11-02T10:00:00+00:00",
        "updated moves to when the change was seen"
    );
    assert_eq!(
        e.published.unwrap().to_rfc3339(),
        "2026-01-01T11:00:00+00:00"
    );

    // Rebuilding later without changes keeps it.
    site.ok_at("2026-11-03T10:00:00Z", &["build"]);
    assert_eq!(
        atom_entry(&site, "Heat").updated.unwrap().to_rfc3339(),
        "2026-11-02T10:00:00+00:00"
    );
}

#[test]
fn undated_file_keeps_its_date_across_three_builds() {
    let site = Site::new();
    site.write(
        "content/reviews/column.txt",
        "A column pasted from an editor.\n",
    );
    for now in [
        "2026-11-01T08:00:00Z",
        "2026-11-02T08:00:00Z",
        "2026-11-03T08:00:00Z",
    ] {
        site.ok_at(now, &["build"]);
        let e = &site.rss("reviews").entries[0];
        assert_eq!(
            e.published.unwrap().to_rfc3339(),
            "2026-11-01T08:00:00+00:00",
            "at {now}"
        );
    }
    let state = site.read("feedwright-state.toml");
    assert!(
        state.contains("first_seen = \"2026-11-01T08:00:00Z\""),
        "{state}"
    );
    assert!(
        state.contains("source = \"content/reviews/column.txt\""),
        "{state}"
    );
}

#[test]
fn explicit_id_wins_and_a_change_is_reported() {
    let site = Site::new();
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\"\ndate = 2026-01-01\nid = \"urn:legacy:42\"\n+++\nx\n",
    );
    site.ok(&["build"]);
    assert_eq!(ids(&site)[0].1, "urn:legacy:42");
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\"\ndate = 2026-01-01\nid = \"urn:legacy:43\"\n+++\nx\n",
    );
    let out = site.run(&["build"]);
    assert!(
        stderr(&out).contains("id changed from urn:legacy:42 to urn:legacy:43"),
        "{}",
        text(&out)
    );
    assert_eq!(ids(&site)[0].1, "urn:legacy:43");
}

#[test]
fn deleted_state_gives_the_same_ids_for_files_not_renamed() {
    let site = Site::with_config(&common::CONFIG.replace("id = \"tag:films.example,2026:\"\n", ""));
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    site.write("content/reviews/ran.md", &review("Ran", "2026-01-02", "x"));
    let out = site.run(&["build"]);
    assert!(
        stderr(&out).contains("[site] id is not set"),
        "{}",
        text(&out)
    );
    let before = ids(&site);
    let feed_before = site.read("feeds/reviews.rss");
    // A second build does not repeat the warning (cron mails every line).
    let out = site.run(&["build"]);
    assert!(
        !stderr(&out).contains("[site] id is not set"),
        "{}",
        text(&out)
    );

    site.remove("feedwright-state.toml");
    site.ok(&["build"]);
    assert_eq!(ids(&site), before);
    assert_eq!(site.read("feeds/reviews.rss"), feed_before);
}

#[test]
fn base_url_move_does_not_change_ids() {
    let site = Site::with_config(&common::CONFIG.replace("id = \"tag:films.example,2026:\"\n", ""));
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    site.ok(&["build"]);
    let before = ids(&site);
    site.write(
        "config.toml",
        &common::CONFIG
            .replace("id = \"tag:films.example,2026:\"\n", "")
            .replace("https://films.example/", "https://www.newdomain.example/"),
    );
    site.ok(&["build"]);
    assert_eq!(ids(&site), before, "R36: ids survive a domain move");
    assert_eq!(
        site.rss("reviews").entries[0].links[0].href,
        "https://www.newdomain.example/reviews/heat/"
    );
}

/// Spec sweep (R79): `tag:…,2099:` and `…,2026-13:` were taken, and then every id carried
/// them for good. Refused at the first build; a state that recorded one keeps it.
#[test]
fn a_tag_date_in_the_future_or_off_the_calendar_is_refused_at_the_first_build() {
    for (date, why) in [
        (
            "2099",
            "its date `2099` is in the future, and a tag: id's date is one on which you held the name (RFC 4151)",
        ),
        (
            "2026-02-30",
            "its date `2026-02-30` is no day of the calendar",
        ),
    ] {
        let id = format!("tag:films.example,{date}:");
        let site = Site::with_config(&common::CONFIG.replace("tag:films.example,2026:", &id));
        site.write(
            "content/reviews/heat.md",
            &review("Heat", "2026-01-01", "x"),
        );
        let line = site
            .read("config.toml")
            .lines()
            .position(|l| l.starts_with("id = "))
            .unwrap()
            + 1;
        assert_eq!(
            site.fails(3, &["build"]),
            format!(
                "error: config.toml:{line}: [site] id `{id}`: {why}; fix it now: the first build gives every entry an id made from it, kept for good\n"
            )
        );
        assert!(!site.path("feedwright-state.toml").exists());
        // Recorded by a state (an older feedwright's first build), it stays the site's.
        site.write(
            "feedwright-state.toml",
            &format!("version = 1\nsite_id = \"{id}\"\n"),
        );
        site.ok(&["build"]);
        assert!(
            site.read("feeds/reviews.atom")
                .contains(&format!("<id>{id}reviews/heat</id>"))
        );
        // Its state lost, the feeds out carry it: no first build, not refused.
        for entry in std::fs::read_dir(site.dir.path()).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.contains("feedwright-state") {
                std::fs::remove_file(site.path(&name)).unwrap();
            }
        }
        site.ok(&["build"]);
    }
}

#[test]
fn corrupt_state_is_an_error_and_left_untouched() {
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    site.ok(&["build"]);
    let feed = site.read("feeds/reviews.rss");
    let broken = "version = 1\nsite_id = \"tag:films.example,2026:\"\n[[entry]]\nid = \n";
    site.write("feedwright-state.toml", broken);
    let err = site.fails(4, &["build"]);
    assert!(err.contains("feedwright-state.toml:4"), "{err}");
    assert!(err.contains("left untouched"), "{err}");
    assert_eq!(site.read("feedwright-state.toml"), broken);
    assert_eq!(site.read("feeds/reviews.rss"), feed);
}

#[test]
fn id_collision_names_both_files() {
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    site.write(
        "content/reviews/2026-02-02-heat.md",
        &review("Heat again", "2026-02-02", "y"),
    );
    let err = site.fails(1, &["build"]);
    assert!(err.contains("content/reviews/heat.md"), "{err}");
    assert!(err.contains("content/reviews/2026-02-02-heat.md"), "{err}");
    assert!(
        err.contains("same id `tag:films.example,2026:reviews/heat`"),
        "{err}"
    );
}

#[test]
fn vanished_entry_is_reported_once_and_its_id_never_reused() {
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    site.write("content/reviews/ran.md", &review("Ran", "2026-01-02", "y"));
    site.ok(&["build"]);
    let heat_id = ids(&site).into_iter().find(|(t, _)| t == "Heat").unwrap().1;
    site.remove("content/reviews/heat.md");
    // One of two is more than the drop guard's quarter (issue 13): said on purpose here.
    let out = site.run(&["build", "--allow-drop"]);
    assert!(
        stderr(&out).contains("warning: content/reviews/heat.md: is gone from the sources"),
        "{}",
        text(&out)
    );
    assert_eq!(ids(&site).len(), 1);
    let out = site.run(&["build"]);
    assert!(
        !stderr(&out).contains("gone"),
        "reported once: {}",
        text(&out)
    );
    // A new, different review with the same slug gets a new id.
    site.write(
        "content/reviews/2026-03-03-heat.md",
        &review("Heat (remake)", "2026-03-03", "new"),
    );
    site.ok(&["build"]);
    let remake = ids(&site)
        .into_iter()
        .find(|(t, _)| t == "Heat (remake)")
        .unwrap()
        .1;
    assert_ne!(remake, heat_id);
}

#[test]
fn check_against_a_feed_built_before_a_rename_without_state() {
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    site.write("content/reviews/ran.md", &review("Ran", "2026-01-02", "y"));
    site.ok(&["build"]);
    std::fs::copy(site.path("feeds/reviews.rss"), site.path("published.rss")).unwrap();
    // Unchanged: safe.
    let out = site.ok(&["check", "--against", "published.rss"]);
    assert!(
        out.contains("every item of published.rss keeps its id"),
        "{out}"
    );
    // Renamed with the state lost: the id would change. Ran removed: it would vanish.
    site.remove("feedwright-state.toml");
    site.rename("content/reviews/heat.md", "content/reviews/heat-1995.md");
    site.remove("content/reviews/ran.md");
    let out = site.run(&["check", "--against", "published.rss"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let so = String::from_utf8_lossy(&out.stdout);
    assert!(so.contains("id would change: \"Heat\": tag:films.example,2026:reviews/heat -> tag:films.example,2026:reviews/heat-1995"), "{so}");
    assert!(so.contains("would vanish: \"Ran\""), "{so}");
    assert!(
        !site.path("feedwright-state.toml").exists(),
        "check writes nothing"
    );
}

#[test]
fn adopt_ids_pins_url_style_guids_from_another_tool() {
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    site.write("content/reviews/ran.md", &review("Ran", "2026-01-02", "y"));
    site.write(
        "content/reviews/new.md",
        &review("Brand new", "2026-01-03", "z"),
    );
    // As Hugo writes it: guid = permalink, no isPermaLink attribute, other URL layout.
    site.write(
        "hugo.xml",
        r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Old</title><link>https://films.example/</link><description>d</description>
<item><title>Heat</title><link>https://films.example/reviews/heat/</link><guid>https://films.example/reviews/heat/</guid><pubDate>Thu, 01 Jan 2026 00:00:00 +0100</pubDate></item>
<item><title>Ran</title><link>https://films.example/posts/2026/ran.html</link><guid>https://films.example/posts/2026/ran.html</guid><pubDate>Fri, 02 Jan 2026 00:00:00 +0000</pubDate></item>
<item><title>Gone Girl</title><link>https://films.example/posts/gone.html</link><guid>https://films.example/posts/gone.html</guid></item>
</channel></rss>"#,
    );
    let out = site.ok(&["adopt-ids", "hugo.xml"]);
    assert!(
        out.contains(
            "matched content/reviews/heat.md -> https://films.example/reviews/heat/ (by link)"
        ),
        "{out}"
    );
    assert!(out.contains("matched content/reviews/ran.md -> https://films.example/posts/2026/ran.html (by title and date)"), "{out}");
    assert!(out.contains("no match for content/reviews/new.md"), "{out}");
    assert!(
        out.contains("published item not found locally: \"Gone Girl\""),
        "{out}"
    );
    site.ok(&["build"]);
    let got = ids(&site);
    assert!(
        got.contains(&("Heat".into(), "https://films.example/reviews/heat/".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&(
            "Ran".into(),
            "https://films.example/posts/2026/ran.html".into()
        )),
        "{got:?}"
    );
    // The guid equal to the item's own link is a permalink; the other is not.
    let raw = site.read("feeds/reviews.rss");
    assert!(
        raw.contains("<guid>https://films.example/reviews/heat/</guid>"),
        "{raw}"
    );
    assert!(
        raw.contains(
            "<guid isPermaLink=\"false\">https://films.example/posts/2026/ran.html</guid>"
        ),
        "{raw}"
    );
    // And the result is safe against the old feed for the adopted items.
    let out = site.run(&["check", "--against", "hugo.xml"]);
    let so = String::from_utf8_lossy(&out.stdout);
    assert!(!so.contains("id would change"), "{so}");
}

#[test]
fn lost_state_with_a_renamed_file_is_reported_not_silently_changed() {
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    site.write("content/reviews/ran.md", &review("Ran", "2026-01-02", "y"));
    site.ok(&["build"]);
    let before = ids(&site);
    let feed = site.read("feeds/reviews.rss");
    site.remove("feedwright-state.toml");
    site.rename("content/reviews/heat.md", "content/reviews/heat-1995.md");
    let out = site.run(&["build"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("state file feedwright-state.toml is missing"),
        "{err}"
    );
    assert!(
        err.contains("\"Heat\" is tag:films.example,2026:reviews/heat in feeds/reviews.rss; it would become tag:films.example,2026:reviews/heat-1995"),
        "{err}"
    );
    assert!(
        err.contains("feedwright adopt-ids feeds/reviews.rss"),
        "{err}"
    );
    assert_eq!(site.read("feeds/reviews.rss"), feed, "nothing written");
    // The way out it names works: the published ids are pinned again.
    site.ok(&["adopt-ids", "feeds/reviews.rss"]);
    site.ok(&["build"]);
    assert_eq!(ids(&site), before);
}

/// Serves `body` once per connection on 127.0.0.1 (a published feed on a real HTTP server).
fn serve_feed(body: String) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/feeds/reviews.rss",
        listener.local_addr().unwrap()
    );
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    url
}

#[test]
fn check_against_and_adopt_ids_read_a_published_feed_over_http() {
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    site.ok(&["build"]);
    let url = serve_feed(site.read("feeds/reviews.rss"));
    let out = site.ok(&["check", "--against", &url]);
    assert!(out.contains("keeps its id (1 compared)"), "{out}");

    // Another site whose published feed has a legacy GUID for the same review.
    let other = Site::new();
    other.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    let legacy = site
        .read("feeds/reviews.rss")
        .replace("tag:films.example,2026:reviews/heat", "legacy-guid-17");
    let url = serve_feed(legacy);
    let out = other.run(&["check", "--against", &url]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let out = other.ok(&["adopt-ids", &url]);
    assert!(
        out.contains("matched content/reviews/heat.md -> legacy-guid-17 (by link)"),
        "{out}"
    );
    other.ok(&["build"]);
    assert_eq!(ids(&other)[0].1, "legacy-guid-17");
    // Atom ids must be absolute IRIs (R36): a stable one is derived from the legacy guid.
    assert_eq!(
        other.atom("reviews").entries[0].id,
        "tag:films.example,2026:guid/legacy-guid-17"
    );
}

/// A published feed of tens of thousands of items printed a line for each (and a megabyte
/// guid whole); one of 16 MB of empty items took 5.5 GB to read. Lines are capped with a
/// count, long ids cut, and a feed past the item limit refused before it is parsed.
#[test]
fn check_against_a_huge_published_feed_is_bounded() {
    let site = Site::new();
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "x"));
    let head = "<rss version=\"2.0\"><channel><title>t</title><link>https://x/</link><description>d</description>";
    let long = "g".repeat(5000);
    let items: String = (0..250)
        .map(|i| format!("<item><title>T{i}</title><guid>{long}{i}</guid></item>"))
        .collect();
    site.write("published.rss", &format!("{head}{items}</channel></rss>"));
    let out = site.ok(&["check", "--against", "published.rss"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 202, "{out}");
    assert_eq!(
        lines[0],
        format!("would vanish: \"T0\" ({}…)", "g".repeat(200))
    );
    assert_eq!(lines[200], "… and 50 more like these");
    assert_eq!(
        lines[201],
        "ok: every item of published.rss keeps its id (250 compared; 250 would vanish from the feeds)"
    );
    let empty = "<item/>".repeat(50_001);
    site.write("huge.rss", &format!("{head}{empty}</channel></rss>"));
    let out = site.run(&["check", "--against", "huge.rss"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: huge.rss is not a feed: it holds 50001 items, more than the 50000 feedwright reads of a feed: a real feed of 16 MB has fewer; is it the right URL or file?\n"
    );
}

/// A published feed with a byte that is not UTF-8 was read loosely: the byte became U+FFFD in
/// its guid, reported as an id that would change. It is refused, naming the byte; a feed that
/// declares ISO-8859-1 is read in it.
#[test]
fn check_against_a_feed_in_another_encoding() {
    let site = Site::new();
    site.write("content/reviews/a.md", &review("Ciné", "2026-01-01", "x"));
    site.ok(&["build"]);
    let ours = site.read("feeds/reviews.rss");
    let latin: Vec<u8> = ours
        .replacen("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"", 1)
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect();
    site.write_bytes("latin.rss", &latin);
    let out = site.ok(&["check", "--against", "latin.rss"]);
    assert_eq!(
        out,
        "ok: every item of latin.rss keeps its id (1 compared)\n"
    );
    let mut broken = ours.into_bytes();
    let at = broken.windows(6).position(|w| w == b"</guid").unwrap();
    broken[at - 1] = 0xff;
    site.write_bytes("broken.rss", &broken);
    let out = site.run(&["check", "--against", "broken.rss"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: broken.rss is not a feed: it is not UTF-8 (byte {at} is not) and its XML declaration names no encoding feedwright reads (UTF-8, UTF-16, ISO-8859-1): is it the right URL or file?\n"
        )
    );
}

/// Audit: a feed file that does not exist was exit 7, "file system error"; it is a wrong
/// command line (exit 2), for `check --against` as for `adopt-ids`.
#[test]
fn a_published_feed_file_that_does_not_exist_is_a_wrong_command_line() {
    let site = Site::new();
    site.write("content/reviews/a.md", &review("Heat", "2026-01-01", "x"));
    for args in [
        &["check", "--against", "gone.rss"][..],
        &["adopt-ids", "gone.rss"],
    ] {
        let out = site.run(args);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(
            stderr(&out).ends_with("error: gone.rss does not exist\nhint: give the path of the saved feed (.rss, .atom or .json), or its URL\n"),
            "{}",
            text(&out)
        );
    }
}

/// Audit: our own JSON Feed was "neither RSS 2.0 nor Atom 1.0 (…)"; it is read like the
/// others (its ids are the RSS guids).
#[test]
fn check_against_reads_a_json_feed() {
    let site = Site::with_config(&format!("{}formats = [\"json\"]\n", common::CONFIG));
    site.write("content/reviews/a.md", &review("Heat", "2026-01-01", "x"));
    site.ok(&["build"]);
    let out = site.ok(&["check", "--against", "feeds/reviews.json"]);
    assert_eq!(
        out,
        "ok: every item of feeds/reviews.json keeps its id (1 compared)\n"
    );
    site.write(
        "content/reviews/a.md",
        &review("Heat", "2026-01-01", "x").replace("+++\n", "+++\nid = \"urn:other\"\n"),
    );
    let out = site.run(&["check", "--against", "feeds/reviews.json"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    site.write("content/reviews/a.md", &review("Heat", "2026-01-01", "x"));
    // A published feed written to a file, then compared.
    let against = |name: &str, json: &str| {
        site.write(name, json);
        site.run(&["check", "--against", name])
    };
    let out = against("bad.json", "{\"items\": 3}\n");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: bad.json is not a feed: it has no `items` list\n"
    );
    // Audit: items whose id was not a string were skipped: "0 compared", exit 0.
    let out = against(
        "null.json",
        "{\"items\": [{\"id\": null, \"title\": \"Heat\"}]}\n",
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: null.json is not a feed: its item 1 has no `id` (a string, as JSON Feed asks)\n"
    );
    // A number is read as its text (JSON Feed 1.1), and compared.
    let out = against(
        "number.json",
        "{\"items\": [{\"id\": 7, \"title\": \"Heat\"}]}\n",
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains("id would change: \"Heat\": 7 -> tag:films.example,2026:reviews/a"),
        "{}",
        text(&out)
    );
}

/// Audit: a changed `[site] timezone` moved every published date written without an offset,
/// and a removed review left the feed, with nothing printed under `--quiet` (both were notes):
/// what changes published entries is a warning, which cron mails.
#[test]
fn moved_dates_and_removed_entries_are_warnings_quiet_shows() {
    let site = Site::new();
    site.write("content/reviews/p.md", &review("P", "2026-06-01", "B."));
    site.write("content/reviews/q.md", &review("Q", "2026-06-02", "B."));
    for name in ["r", "s", "t"] {
        site.write(
            &format!("content/reviews/{name}.md"),
            &review(name, "2026-05-01T10:00:00Z", "B."),
        );
    }
    site.ok(&["--quiet", "build"]);
    let config = site
        .read("config.toml")
        .replace("Europe/Paris", "Asia/Tokyo");
    site.write("config.toml", &config);
    site.remove("content/reviews/t.md");
    let out = site.run(&["--quiet", "build"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "warning: content/reviews/t.md: is gone from the sources; it leaves the feed, and its id tag:films.example,2026:reviews/t stays reserved\n\
         warning: 2 published entries (content/reviews/p.md, …) moved their date by -7h00: was [site] timezone changed? A date written without an offset is read in it; readers may show these entries again\n"
    );
}

/// Audit: with the state file lost, the advised `adopt-ids` pinned the ids but not the dates:
/// an entry without a `date` key was then dated by the next build, silently.
#[test]
fn adopt_ids_after_a_lost_state_keeps_the_published_dates_of_undated_entries() {
    let site = Site::new();
    site.write("content/reviews/jaws.txt", "Column about Jaws.\n");
    site.ok_at("2026-11-01T10:00:00Z", &["--quiet", "build"]);
    let before = site.read("feeds/reviews.rss");
    site.remove("feedwright-state.toml");
    let refused = site.run_at("2026-11-06T10:00:00Z", &["build"]);
    assert_eq!(refused.status.code(), Some(4), "{}", text(&refused));
    site.ok_at("2026-11-06T10:00:00Z", &["adopt-ids", "feeds/reviews.rss"]);
    site.ok_at("2026-11-06T10:00:00Z", &["--quiet", "build"]);
    assert_eq!(site.read("feeds/reviews.rss"), before);
}
