//! Content nobody here wrote, found by an audit with hostile files: names that are not text,
//! names with escape sequences, slugs too long for a file name, media outside the site,
//! dates and links a feed cannot carry. Each is refused where it is written (file and line),
//! and a build that fails replaces no feed.

use crate::common::{PODCAST_CONFIG, Site, review, stderr};

/// An episode with inline chapters (a chapters file named by its slug), its audio remote.
fn episode(n: u32, extra: &str) -> String {
    format!(
        "+++\ntitle = \"Ep {n}\"\ndate = \"2026-01-0{n}\"\nepisode = {n}\naudio = \"https://cdn.pod.example/ep{n}.mp3\"\naudio_length = 12345\naudio_type = \"audio/mpeg\"\nduration = \"10:00\"\nchapters = [{{ start = \"0:00\", title = \"Intro\" }}, {{ start = \"1:00\", title = \"A\" }}, {{ start = \"2:00\", title = \"B\" }}]\n{extra}+++\nNotes.\n"
    )
}

/// A file whose name is not UTF-8 was left out without a word: the feed lost it.
#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_stops_the_build() {
    use std::os::unix::ffi::OsStrExt as _;
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "A heist."),
    );
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.md");
    std::fs::write(
        site.path("content/reviews").join(name),
        review("Cafe", "2026-01-02", "Coffee."),
    )
    .unwrap();
    for command in [&["check"][..], &["build"]] {
        let err = site.fails(1, command);
        assert!(
            err.contains("error: content/reviews/caf\u{fffd}.md: its file name is not valid UTF-8 (\u{fffd} marks the bytes that are not); rename the file: its name is its key in the state file\n"),
            "{err}"
        );
    }
    assert!(!site.path("feeds/reviews.rss").exists());
}

/// A name's escape sequence would recolour the terminal, its line break forge a line of a
/// cron mail: both are written out.
#[test]
fn control_characters_in_a_file_name_are_written_out() {
    let site = Site::new();
    site.write(
        "content/reviews/r\u{1b}[31mred\nerror: forged.md",
        "no front matter\n",
    );
    let err = site.fails(1, &["build"]);
    assert!(
        err.starts_with(
            "error: content/reviews/r\\u{1b}[31mred\\nerror: forged.md:1: no front matter"
        ),
        "{err}"
    );
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert_eq!(
        err.lines().filter(|l| l.contains("forged")).count(),
        1,
        "{err}"
    );
}

/// A `slug` key too long for a file name: `check` and `build` say so with its line, before
/// anything is written (the chapters file it names could not be).
#[test]
fn a_slug_key_too_long_for_a_file_name_is_refused_with_its_line() {
    let site = Site::with_config(PODCAST_CONFIG);
    let slug = "y".repeat(260);
    site.write(
        "content/episodes/ep1.md",
        &episode(1, &format!("slug = \"{slug}\"\n")),
    );
    for command in [&["check"][..], &["build"]] {
        let err = site.fails(1, command);
        assert!(err.starts_with("error: content/episodes/ep1.md:10: slug is 260 bytes long, more than 200: it names files (an episode's chapters file) and file systems refuse long names; write a shorter slug\n"), "{err}");
    }
    assert!(!site.path("feeds").exists());
}

/// A slug derived from a long title (the file name has only a date) is cut at a dash: the
/// chapters file it names can be written.
#[test]
fn a_long_derived_slug_is_cut_to_a_file_name() {
    let site = Site::with_config(PODCAST_CONFIG);
    let title = ["word"; 80].join(" ");
    site.write(
        "content/episodes/2026-01-01.md",
        &episode(1, "").replace("title = \"Ep 1\"", &format!("title = \"{title}\"")),
    );
    site.ok(&["build"]);
    let chapters: Vec<_> = std::fs::read_dir(site.path("feeds/chapters"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(chapters.len(), 1);
    let slug = chapters[0].strip_suffix(".json").unwrap();
    assert!(slug.len() <= 200 && slug.starts_with("word-word") && slug.ends_with("word"));
}

/// A file that cannot be written fails the write before any file is renamed: the feed is not
/// replaced by one that names a chapters file that is not there, and no temp file is left.
#[test]
fn a_file_that_cannot_be_written_replaces_no_feed() {
    let site = Site::with_config(PODCAST_CONFIG);
    site.write("content/episodes/ep1.md", &episode(1, ""));
    site.ok(&["build"]);
    let before = site.read("feeds/podcast.rss");
    site.write("content/episodes/ep2.md", &episode(2, ""));
    // The chapters folder replaced by a file: ep2.json cannot be put in it.
    std::fs::remove_dir_all(site.path("feeds/chapters")).unwrap();
    site.write("feeds/chapters", "not a folder\n");
    let err = site.fails(7, &["build"]);
    assert!(err.contains("feeds/chapters"), "{err}");
    assert_eq!(
        site.read("feeds/podcast.rss"),
        before,
        "the feed was replaced"
    );
    let left: Vec<_> = std::fs::read_dir(site.path("feeds"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// An episode's audio or transcript outside the site folder is neither read nor published:
/// `check` and `build` refuse it (push refused it already; the build published its size).
#[test]
fn media_outside_the_site_folder_is_refused_by_check_and_build() {
    let site = Site::with_config(PODCAST_CONFIG);
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.mp3");
    std::fs::write(&secret, b"ID3 not for the public").unwrap();
    let ep = episode(1, "").replace(
        "audio = \"https://cdn.pod.example/ep1.mp3\"\naudio_length = 12345\n",
        &format!("audio = \"{}\"\n", secret.display()),
    );
    site.write("content/episodes/ep1.md", &ep);
    let said = format!(
        "error: content/episodes/ep1.md: names the file {}, outside the site's folder: a build reads and publishes nothing from there; move it into the folder of config.toml, or name its folder in [site] extra_roots\n",
        secret.display()
    );
    for command in [&["check"][..], &["build"]] {
        let err = site.fails(1, command);
        assert!(err.starts_with(&said), "{err}");
    }
    assert!(!site.path("feeds/podcast.rss").exists());
    // Through a relative path and a transcript too.
    let ep = episode(
        1,
        "transcripts = [{ file = \"../../../../../../../../etc/passwd\", type = \"text/plain\" }]\n",
    );
    site.write("content/episodes/ep1.md", &ep);
    let err = site.fails(1, &["build"]);
    assert!(
        err.contains("(really /etc/passwd), outside the site's folder"),
        "{err}"
    );
}

/// A leap second and a year feeds cannot write are refused at their line, not found as
/// broken dates in the output.
#[test]
fn dates_a_feed_cannot_carry_are_refused_at_their_line() {
    let site = Site::new();
    site.write(
        "content/reviews/leap.md",
        &review("Leap", "2026-03-03T10:30:60+02:00", "x"),
    );
    site.write(
        "content/reviews/zero.md",
        &review("Zero", "0000-06-01", "x"),
    );
    let err = site.fails(1, &["build"]);
    assert_eq!(
        err,
        "error: content/reviews/leap.md:3: date `2026-03-03T10:30:60+02:00` has second 60 (a leap second), which feed readers reject: write :59\n\
         error: content/reviews/zero.md:3: date `0000-06-01` is outside 0001-01-02 to 9999-12-30 (UTC), the dates every feed can write in any timezone: fix the year\n\
         error: 2 problem(s) found; nothing was written, the existing feeds are untouched\n"
    );
}

/// An item links to a web page: a `javascript:` link or an empty key is the entry's error.
#[test]
fn a_link_that_is_not_a_web_page_is_refused() {
    let site = Site::new();
    for (link, said) in [
        (
            "javascript:alert(1)",
            "link `javascript:alert(1)` is a `javascript:` URL, not a web page an item can link to (http or https); fix its `link` key",
        ),
        (
            "mailto:a@b.example",
            "link `mailto:a@b.example` is a `mailto:` URL, not a web page an item can link to (http or https); fix its `link` key",
        ),
        ("", "link is empty; fix its `link` key"),
    ] {
        site.write(
            "content/reviews/a.md",
            &format!("+++\ntitle = \"A\"\ndate = \"2026-01-01\"\nlink = \"{link}\"\n+++\nx\n"),
        );
        let out = site.run(&["build"]);
        assert_eq!(out.status.code(), Some(1));
        // A scheme is refused as the file is read, at its line; an empty link as links are made.
        let at = if link.is_empty() { "" } else { ":4" };
        assert_eq!(
            stderr(&out),
            format!(
                "error: content/reviews/a.md{at}: {said}\nerror: 1 problem(s) found; nothing was written, the existing feeds are untouched\n"
            )
        );
    }
}

/// Audit: a `link` key with a password was published in every format, and so was a body's
/// link with one. The key is refused at its line, as `audio` and `image` are; a body's URLs
/// lose their user name and password, said.
#[test]
fn passwords_in_links_never_reach_a_feed() {
    let site = Site::new();
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\"\ndate = \"2026-01-01\"\nlink = \"https://admin:hunter2@films.example/p/\"\n+++\nx\n",
    );
    let err = site.fails(1, &["build"]);
    assert_eq!(
        err,
        "error: content/reviews/a.md:4: link `https://films.example/p/` holds a user name or password, which the feed would show to everyone: remove them from the URL (and change that password)\n\
         error: 1 problem(s) found; nothing was written, the existing feeds are untouched\n"
    );
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\"\ndate = \"2026-01-01\"\n+++\nSee [the notes](https://u:bodypass@b.example/n) or https://u:bodypass@b.example/n.\n",
    );
    let out = site.run(&["build", "--quiet"]);
    assert!(out.status.success(), "{}", crate::common::text(&out));
    assert_eq!(
        stderr(&out),
        "warning: content/reviews/a.md: body: took the user name and password out of 2 URL(s), which every reader of the feed would see (change that password)\n"
    );
    for name in ["reviews.rss", "reviews.atom"] {
        let feed = site.read(&format!("feeds/{name}"));
        assert!(!feed.contains("bodypass"), "{feed}");
        assert!(feed.contains("https://b.example/n"), "{feed}");
    }
    // Regression hunt: written scheme-relative, or inside an archived page's URL, the
    // password was published; a `summary` key's URL too.
    for link in [
        "//admin:hunter2@films.example/p/",
        "https://web.archive.org/web/2020/https://admin:hunter2@films.example/p/",
    ] {
        site.write(
            "content/reviews/a.md",
            &format!("+++\ntitle = \"A\"\ndate = \"2026-01-01\"\nlink = \"{link}\"\n+++\nx\n"),
        );
        let err = site.fails(1, &["build"]);
        assert!(err.contains("holds a user name or password"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\"\ndate = \"2026-01-01\"\nsummary = \"Notes at https://u:keypass@b.example/n\"\n+++\nx\n",
    );
    let out = site.run(&["build", "--quiet"]);
    assert_eq!(
        stderr(&out),
        "warning: content/reviews/a.md: summary: took the user name and password out of 1 URL(s), which every reader of the feed would see (change that password)\n"
    );
    assert!(!site.read("feeds/reviews.rss").contains("keypass"));
}

/// A body that renders to more than one text an XML parser takes (libxml2 refuses over 10 MB,
/// and with it the whole feed) is the entry's error, not a feed strict readers reject.
#[test]
fn a_body_too_large_for_one_xml_text_is_refused() {
    let site = Site::new();
    // 2 MB of `&` in a plain-text column (a Markdown body that long is refused before it is
    // rendered): 10 MB of `&amp;`.
    let body = "&".repeat(2_000_000);
    site.write(
        "content/reviews/big.txt",
        &format!("Title: Big\nDate: 2026-01-01\n\n{body}"),
    );
    let err = site.fails(1, &["build"]);
    assert_eq!(
        err,
        "error: content/reviews/big.txt: its body is 10.0 MB as HTML, more than the 9 MB an item may carry: XML parsers (libxml2, in many readers) refuse a text of over 10 MB, and would reject the whole feed; split it into shorter entries\n\
         error: 1 problem(s) found; nothing was written, the existing feeds are untouched\n"
    );
}

/// A review whose `link` key points at another site (its Letterboxd page): its own relative
/// images and links are this site's, not that site's.
#[test]
fn relative_urls_of_an_entry_linked_off_site_start_at_base_url() {
    let site = Site::new();
    site.write(
        "content/reviews/x.md",
        "+++\ntitle = \"X\"\ndate = \"2026-01-01\"\nlink = \"https://letterboxd.example/film/x/\"\n+++\n![poster](img/poster.jpg) [more](/about/)\n",
    );
    site.ok(&["build"]);
    let rss = site.read("feeds/reviews.rss");
    assert!(
        rss.contains("<link>https://letterboxd.example/film/x/</link>"),
        "{rss}"
    );
    assert!(
        rss.contains("src=\"https://films.example/img/poster.jpg\""),
        "{rss}"
    );
    assert!(
        rss.contains("href=\"https://films.example/about/\""),
        "{rss}"
    );
    assert!(!rss.contains("letterboxd.example/film/x/img"), "{rss}");
}

/// A Markdown body over 1 MB is refused before the parser sees it: the parser holds a node for
/// every line and span at once (7.8 MB of short lines took 1.1 GB).
#[test]
fn a_markdown_body_over_a_megabyte_is_refused_before_it_is_parsed() {
    let site = Site::new();
    site.write(
        "content/reviews/long.md",
        &review("Long", "2026-01-01", &"x\n".repeat(600_000)),
    );
    let err = site.fails(1, &["build"]);
    assert_eq!(
        err,
        "error: content/reviews/long.md: its Markdown body is 1.1 MB, more than the 1 MB feedwright renders (rendering takes up to 160 times the body's size in memory): split it into shorter entries\n\
         error: 1 problem(s) found; nothing was written, the existing feeds are untouched\n"
    );
    assert!(!site.path("feeds").exists());
}

/// `adopt-ids` pins nothing from a feed whose ids cannot be pinned (two items with one id, an
/// empty one, megabytes) or whose ids it cannot read as readers did (declared entities).
#[test]
fn adopt_ids_refuses_a_feed_whose_ids_cannot_be_pinned() {
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "A heist."),
    );
    site.ok(&["build"]);
    let state = site.read("feedwright-state.toml");
    let feed = |items: &str, doctype: &str| {
        format!(
            "<?xml version=\"1.0\"?>{doctype}<rss version=\"2.0\"><channel><title>t</title><link>https://films.example/</link><description>d</description>{items}</channel></rss>"
        )
    };
    let item = |guid: &str| format!("<item><title>Heat</title><guid>{guid}</guid></item>");
    for (name, text, said) in [
        (
            "dup.xml",
            feed(&format!("{}{}", item("urn:x:1"), item("urn:x:1")), ""),
            "error: dup.xml: two items have the id `urn:x:1`; nothing was pinned: adopt the ids of a feed readers really read\n",
        ),
        (
            "empty.xml",
            feed(&item("   "), ""),
            "error: empty.xml: the item \"Heat\" has an empty id; nothing was pinned: adopt the ids of a feed readers really read\n",
        ),
        (
            "entity.xml",
            feed(&item("&e;1"), "<!DOCTYPE rss [<!ENTITY e \"X\">]>"),
            "error: entity.xml is not a feed: it declares entities (`<!ENTITY`), which readers expand and this reader would not: its ids could not be trusted\n",
        ),
    ] {
        site.write(name, &text);
        let err = site.fails(4, &["adopt-ids", name]);
        assert_eq!(err, said);
        assert_eq!(site.read("feedwright-state.toml"), state, "{name}");
    }
    site.write("huge.xml", &feed(&item(&"g".repeat(3000)), ""));
    let err = site.fails(4, &["adopt-ids", "huge.xml"]);
    assert!(
        err.contains("bytes, more than the 2048 an id may have"),
        "{err}"
    );
}

/// Audit: an item linking to one entry with another entry's id was pinned ("pinned 1 id(s)"),
/// and every build after failed on the clash, which only a hand edit of the state could mend.
#[test]
fn adopt_ids_refuses_an_id_another_entry_has() {
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    site.write("content/reviews/ran.md", &review("Ran", "2026-01-02", "y"));
    site.ok(&["build"]);
    let state = site.read("feedwright-state.toml");
    let ran_id = site
        .rss("reviews")
        .entries
        .iter()
        .find(|e| e.title.as_ref().unwrap().content == "Ran")
        .unwrap()
        .id
        .clone();
    site.write(
        "old.xml",
        &format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><link>https://films.example/</link><description>d</description><item><title>Heat</title><link>https://films.example/reviews/heat/</link><guid>{ran_id}</guid></item></channel></rss>"
        ),
    );
    let err = site.fails(4, &["adopt-ids", "old.xml"]);
    assert_eq!(
        err,
        format!(
            "error: adopt-ids would give content/reviews/heat.md and content/reviews/ran.md the one id `{ran_id}`: nothing was pinned; the published feed's item with that id is one entry, so check which file it is and give the other an `id` key of its own\n"
        )
    );
    assert_eq!(site.read("feedwright-state.toml"), state);
    site.ok(&["build"]);
}

/// An entry dated after now is left out until then, and said (a typo'd year looked like a
/// silent loss).
#[test]
fn an_entry_dated_in_the_future_is_said() {
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    site.write(
        "content/reviews/soon.md",
        &review("Soon", "2099-01-01", "x"),
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "note: content/reviews/soon.md is dated 2099-01-01T00:00:00+01:00, later than now: it is published from then on\n"
    );
    assert_eq!(site.rss("reviews").entries.len(), 1);
}

/// A key's value of megabytes (a summary, a tag, a title) is refused at its line: one text
/// that size made a feed XML parsers refuse, and minutes to write.
#[test]
fn a_value_of_megabytes_is_refused_at_its_line() {
    let site = Site::new();
    let summary = "&".repeat(20_000);
    site.write(
        "content/reviews/a.md",
        &format!("+++\ntitle = \"A\"\ndate = \"2026-01-01\"\nsummary = \"{summary}\"\n+++\nx\n"),
    );
    let err = site.fails(1, &["build"]);
    assert_eq!(
        err,
        "error: content/reviews/a.md:4: summary is 20000 bytes, more than the 16384 a key's value may have: readers show a line here, not a chapter; shorten it\n\
         error: 1 problem(s) found; nothing was written, the existing feeds are untouched\n"
    );
}

/// A reader that went away (`| head`) is no panic: the build's files are written.
#[cfg(unix)]
#[test]
fn a_closed_stdout_is_no_panic() {
    use std::process::{Command, Stdio};
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("feedwright"))
        .current_dir(site.dir.path())
        .args(["--now", crate::common::NOW, "build"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert!(site.path("feeds/reviews.rss").exists());
}

/// A folder where one output goes fails the write before any file is renamed: the feeds stay
/// as they were, all of them.
#[test]
fn a_folder_in_an_output_s_place_replaces_no_feed() {
    let site = Site::with_config(&crate::common::CONFIG.replace(
        "link = \"reviews/{slug}/\"",
        "link = \"reviews/{slug}/\"\nformats = [\"rss\", \"atom\", \"json\"]",
    ));
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    site.ok(&["build"]);
    let before = site.read("feeds/reviews.rss");
    site.remove("feeds/reviews.json");
    std::fs::create_dir(site.path("feeds/reviews.json")).unwrap();
    site.write(
        "content/reviews/more.md",
        &review("More", "2026-01-02", "y"),
    );
    let err = site.fails(7, &["build"]);
    assert!(
        err.contains("feeds/reviews.json: replacing: a folder is there"),
        "{err}"
    );
    assert_eq!(site.read("feeds/reviews.rss"), before);
}

/// A state file restored from a backup since the last build (it does not know an entry that
/// was added and renamed since) would give that entry a new id: compared with the published
/// feeds, as a missing state file is, and refused.
#[test]
fn a_state_file_restored_from_a_backup_changes_no_published_id() {
    use crate::cache::settle;
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    site.ok(&["build"]);
    settle();
    site.ok(&["build"]);
    let backup = site.read("feedwright-state.toml");
    site.write(
        "content/reviews/new-a.md",
        &review("New", "2026-01-02", "y"),
    );
    settle();
    site.ok(&["build"]);
    site.rename("content/reviews/new-a.md", "content/reviews/new-b.md");
    settle();
    // The build that records the state as it wrote it (in the content cache).
    site.ok(&["build"]);
    assert!(site.path(".feedwright-state.toml.cache").exists());
    let guids: Vec<String> = site
        .rss("reviews")
        .entries
        .iter()
        .map(|e| e.id.clone())
        .collect();
    site.write("feedwright-state.toml", &backup);
    let err = site.fails(4, &["build"]);
    assert!(
        err.starts_with("error: the state file feedwright-state.toml changed since the last build wrote it (restored from a backup?) and some published ids would change:\n  \"New\" is tag:films.example,2026:reviews/new-a in feeds/reviews.rss; it would become tag:films.example,2026:reviews/new-b"),
        "{err}"
    );
    let now: Vec<String> = site
        .rss("reviews")
        .entries
        .iter()
        .map(|e| e.id.clone())
        .collect();
    assert_eq!(now, guids, "the feed is untouched");
    // Pinned as the message says (or restored as the last build wrote it), it builds again.
    site.ok(&["adopt-ids", "feeds/reviews.rss"]);
    site.ok(&["build"]);
    let after: Vec<String> = site
        .rss("reviews")
        .entries
        .iter()
        .map(|e| e.id.clone())
        .collect();
    assert_eq!(after, guids);
}

/// Audit: a state file put back after a build that wrote no content cache (a source saved a
/// moment before it, or `--no-cache`) re-dated an undated entry and changed a pinned id with
/// exit 0. The last state written is recorded beside it, cache or not.
#[test]
fn a_state_put_back_is_found_without_the_content_cache() {
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    site.ok(&["build", "--no-cache"]);
    let backup = site.read("feedwright-state.toml");
    site.write(
        "content/reviews/undated.md",
        "+++\ntitle = \"Undated\"\n+++\nNo date.\n",
    );
    site.ok_at("2026-11-25T10:00:00Z", &["build", "--no-cache"]);
    let before = site.read("feeds/reviews.rss");
    site.write("feedwright-state.toml", &backup);
    let out = site.run_at("2026-11-25T11:00:00Z", &["build", "--no-cache"]);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err,
        "error: the state file feedwright-state.toml changed since the last build wrote it (restored from a backup?) and entries without a `date` key would get a new date:\n  content/reviews/undated.md: published 2026-11-25T11:00:00+01:00 in feeds/reviews.rss; it would be dated 2026-11-25T12:00:00+01:00 now: add `date = \"2026-11-25T11:00:00+01:00\"`\nrestore the state file the last build wrote, or pin each date with its `date` key\n"
    );
    assert_eq!(site.read("feeds/reviews.rss"), before);
    // Edited by hand on purpose (its integrity line deleted, as the README says): built.
    let edited = without_integrity_line(&backup);
    site.write("feedwright-state.toml", &edited);
    site.write(
        "content/reviews/undated.md",
        "+++\ntitle = \"Undated\"\ndate = \"2026-11-25T10:00:00+00:00\"\n+++\nNo date.\n",
    );
    site.ok_at("2026-11-25T11:00:00Z", &["build", "--no-cache"]);
}

/// Audit: `check` said one link problem a run (the first file's), after the other files'
/// errors were fixed, without its line; a quoted boolean's error named no key.
#[test]
fn check_says_every_file_s_link_and_type_errors_at_their_lines() {
    let site = Site::new();
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\"\ndate = 2026-11-01\nlink = \"javascript:alert(1)\"\n+++\nx\n",
    );
    site.write(
        "content/reviews/b.md",
        "+++\ntitle = \"B\"\ndate = 2026-11-02\nlink = \"ftp://films.example/b\"\n+++\nx\n",
    );
    site.write(
        "content/reviews/c.md",
        "+++\ntitle = \"C\"\ndate = 2026-11-03\ndraft = \"no\"\nlink = \"the page\"\n+++\nx\n",
    );
    site.write(
        "content/reviews/d.md",
        "+++\ntitle = \"D\"\ntitle = \"E\"\n+++\nx\n",
    );
    let err = site.fails(1, &["check"]);
    assert_eq!(
        err,
        "error: content/reviews/a.md:4: link `javascript:alert(1)` is a `javascript:` URL, not a web page an item can link to (http or https); fix its `link` key\n\
         error: content/reviews/b.md:4: link `ftp://films.example/b` is a `ftp:` URL, not a web page an item can link to (http or https); fix its `link` key\n\
         error: content/reviews/c.md:4: `draft`: invalid type: string \"no\", expected a boolean; write true or false, without quotes: `draft = true`\n\
         error: content/reviews/d.md:3: `title`: duplicate key\n\
         error: 4 problem(s) found; nothing was written, the existing feeds are untouched\n"
    );
    site.write(
        "content/reviews/c.md",
        "+++\ntitle = \"C\"\ndate = 2026-11-03\nlink = \"the page\"\n+++\nx\n",
    );
    let err = site.fails(1, &["check"]);
    assert!(
        err.contains("error: content/reviews/c.md:4: link `the page` has spaces, so it is no URL: write the item's address (or a path on the site)\n"),
        "{err}"
    );
}

/// Audit: an id pinned by hand in the state file (its integrity line deleted, as the README
/// says) changed the published guid without a word.
#[test]
fn an_id_changed_by_editing_the_state_is_said() {
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "x"),
    );
    site.ok(&["build"]);
    let old = "tag:films.example,2026:reviews/heat";
    let state = site.read("feedwright-state.toml");
    assert!(state.contains(&format!("id = \"{old}\"")), "{state}");
    let edited =
        without_integrity_line(&state.replace(&format!("id = \"{old}\""), "id = \"urn:x:heat\""));
    site.write("feedwright-state.toml", &edited);
    let out = site.run(&["--quiet", "build"]);
    assert!(out.status.success(), "{}", crate::common::text(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "warning: feedwright-state.toml: \"Heat\" was {old} in feeds/reviews.rss; the edited state file makes it urn:x:heat: readers will show it as a new entry\n"
        )
    );
    assert_eq!(site.rss("reviews").entries[0].id, "urn:x:heat");
    // Said once: the next build has nothing to say.
    let again = site.run(&["--quiet", "build"]);
    assert_eq!(stderr(&again), "");
}

/// Audit: two clones of one site share content and state through git; clone A gives an
/// entry an `id` key and builds; clone B pulls (a newer state than the one it wrote) and was
/// refused with exit 4 on every run. An older state put back is refused still, with or
/// without its integrity line.
#[test]
fn a_newer_state_from_another_clone_builds_an_older_one_is_refused() {
    let a = Site::new();
    a.write("content/reviews/e1.md", &review("E1", "2026-01-01", "x"));
    a.write("content/reviews/e2.md", &review("E2", "2026-01-02", "y"));
    a.ok(&["build"]);
    let b = Site::with_config(&a.read("config.toml"));
    let pull = |from: &Site, to: &Site| {
        for f in [
            "content/reviews/e1.md",
            "content/reviews/e2.md",
            "feedwright-state.toml",
        ] {
            to.write(f, &from.read(f));
        }
    };
    pull(&a, &b);
    b.ok(&["build"]);
    let backup = b.read("feedwright-state.toml");
    // A: a deliberate id for e2 (its file changed: the state records when).
    a.write(
        "content/reviews/e2.md",
        "+++\ntitle = \"E2\"\ndate = 2026-01-02\nid = \"urn:x:e2-new\"\n+++\ny\n",
    );
    a.ok_at("2026-11-21T09:00:00Z", &["build"]);
    pull(&a, &b);
    b.ok_at("2026-11-21T10:00:00Z", &["build"]);
    assert!(b.read("feeds/reviews.rss").contains("urn:x:e2-new"));
    // B's own older state put back: refused, and without its integrity line too.
    let newer = b.read("feedwright-state.toml");
    b.write("feedwright-state.toml", &backup);
    b.write("content/reviews/e2.md", &review("E2", "2026-01-02", "y"));
    b.write(
        "content/reviews/e3.md",
        "+++\ntitle = \"E3\"\n+++\nundated\n",
    );
    b.write("feedwright-state.toml", &newer);
    b.ok_at("2026-11-22T09:00:00Z", &["build"]);
    let unsealed = without_integrity_line(&backup);
    for old in [backup.as_str(), unsealed.as_str()] {
        b.write("feedwright-state.toml", old);
        let out = b.run_at("2026-11-23T09:00:00Z", &["build", "--no-cache"]);
        assert_eq!(out.status.code(), Some(4), "{}", crate::common::text(&out));
    }
}

/// Audit: an `id` key of 3,000 bytes was published and recorded, then every later build
/// refused the state that held it.
#[test]
fn an_id_key_longer_than_an_id_may_be_is_refused_at_its_line() {
    let site = Site::new();
    let id = "u".repeat(3000);
    site.write(
        "content/reviews/a.md",
        &format!("+++\ntitle = \"A\"\ndate = 2026-01-01\nid = \"{id}\"\n+++\nx\n"),
    );
    let err = site.fails(1, &["build"]);
    assert_eq!(
        err,
        "error: content/reviews/a.md:4: id is 3000 bytes, more than the 2048 an id may have\nerror: 1 problem(s) found; nothing was written, the existing feeds are untouched\n"
    );
}

/// Audit: a site whose feed is JSON only was compared with nothing when its state went
/// missing or was put back: an undated entry was re-dated silently.
#[test]
fn a_json_only_feed_guards_its_published_dates_too() {
    let config = crate::common::CONFIG.replace("[[feed]]", "[[feed]]\nformats = [\"json\"]");
    assert!(config.contains("formats = [\"json\"]"), "{config}");
    let site = Site::with_config(&config);
    site.write("content/reviews/e1.md", &review("E1", "2026-01-01", "x"));
    site.ok(&["build"]);
    let backup = site.read("feedwright-state.toml");
    site.write(
        "content/reviews/e3.md",
        "+++\ntitle = \"E3\"\n+++\nundated\n",
    );
    site.ok_at("2026-11-21T09:00:00Z", &["build"]);
    assert!(site.path("feeds/reviews.json").exists());
    for state in [Some(backup.as_str()), None] {
        match state {
            Some(text) => site.write("feedwright-state.toml", text),
            None => {
                std::fs::remove_file(site.path("feedwright-state.toml")).unwrap();
                &site
            }
        };
        let out = site.run_at("2026-11-22T09:00:00Z", &["build", "--no-cache"]);
        assert_eq!(out.status.code(), Some(4), "{}", crate::common::text(&out));
        assert!(
            stderr(&out).contains(
                "content/reviews/e3.md: published 2026-11-21T10:00:00+01:00 in feeds/reviews.json"
            ),
            "{}",
            crate::common::text(&out)
        );
    }
}

/// A state file's text as a hand edit leaves it: its integrity line deleted (as the README says).
fn without_integrity_line(state: &str) -> String {
    state
        .lines()
        .filter(|l| !l.starts_with("# integrity:"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Audit: `id = "data:text/html,<script>…"` was written into Atom as it was, and no IRI may
/// hold `<` (RFC 4287 ids are IRIs).
#[test]
fn an_id_key_with_characters_no_uri_may_hold_is_refused_at_its_line() {
    let site = Site::new();
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\"\ndate = \"2026-01-01\"\nid = \"data:text/html,<b>\"\n+++\nx\n",
    );
    let err = site.fails(1, &["build"]);
    assert_eq!(
        err,
        "error: content/reviews/a.md:4: id `data:text/html,<b>` holds `<`, which no URI may (RFC 3986): leave it out, or percent-encode it\n\
         error: 1 problem(s) found; nothing was written, the existing feeds are untouched\n"
    );
}

/// Regression hunt: an `id` with DEL was taken, then the state file refused it on every build
/// after; refused at its line, as a space is.
#[test]
fn an_id_key_with_a_control_character_is_refused_at_its_line() {
    let site = Site::new();
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\"\ndate = \"2026-01-01\"\nid = \"a\\u007Fb\"\n+++\nx\n",
    );
    let err = site.fails(1, &["build"]);
    assert_eq!(
        err,
        "error: content/reviews/a.md:4: id `a\\u{7f}b` must be non-empty and contain no spaces or control characters\n\
         error: 1 problem(s) found; nothing was written, the existing feeds are untouched\n"
    );
}
