//! CLI tests for issue 8: JSON Feed, tag feeds, RFC 5005 archives, the browser stylesheet,
//! the OPML index and `feedwright serve`. Real binary, temp site, every feed read back by
//! feed-rs (an independent parser) and, for JSON, by serde_json against the spec's fields.

use crate::common;
use crate::serving;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::{Site, parse_feed, review, stderr, text};
use serde_json::Value;

const EXTRAS_CONFIG: &str = r#"
[site]
title = "Test Reviews"
base_url = "https://films.example/"
id = "tag:films.example,2026:"
timezone = "Europe/Paris"
author = { name = "Ada Critic", email = "ada@films.example" }
stylesheet = true
opml = true

[[feed]]
name = "reviews"
title = "Reviews"
description = "Film reviews"
source = "content/reviews"
link = "reviews/{slug}/"
formats = ["rss", "atom", "json"]
limit = 3
tags = true
archive = true

[publish]
hubs = ["https://hub.example/"]
"#;

fn tagged(title: &str, date: &str, tags: &[&str]) -> String {
    let tags: Vec<String> = tags.iter().map(|t| format!("{t:?}")).collect();
    format!(
        "+++\ntitle = \"{title}\"\ndate = \"{date}\"\ntags = [{}]\n+++\nAbout {title}.\n",
        tags.join(", ")
    )
}

/// `n` reviews dated a day apart from 2026-01-01.
fn site_with_reviews(config: &str, n: usize) -> Site {
    let site = Site::with_config(config);
    for i in 0..n {
        let date = format!("2026-{:02}-{:02} 12:00", 1 + i / 28, 1 + i % 28);
        site.write(
            &format!("content/reviews/r{i:02}.md"),
            &review(&format!("Review {i:02}"), &date, "Body."),
        );
    }
    site
}

fn ids(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries.iter().map(|e| e.id.clone()).collect()
}

fn json(site: &Site, rel: &str) -> Value {
    serde_json::from_str(&site.read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn json_feed_has_the_required_fields_and_the_same_items_as_rss_and_atom() {
    let config = EXTRAS_CONFIG
        .replace("tags = true\narchive = true\n", "")
        .replace("limit = 3", "limit = 10");
    let site = Site::with_config(&config);
    site.write(
        "content/reviews/2026-05-01-heat.md",
        "+++\ntitle = \"Heat & <friends>\"\ndate = \"2026-05-01 21:30\"\ntags = [\"crime\"]\nsummary = \"A long night.\"\n\
         audio = \"https://cdn.films.example/heat.mp3\"\naudio_length = 1234\nduration = \"1:02:03\"\n+++\nSee *this*.\n",
    );
    site.write(
        "content/reviews/2026-04-01-past-lives.md",
        "---\ntitle: Past Lives\ndate: 2026-04-01T10:00:00Z\nauthor: Guest Writer\n---\nFirst paragraph.\n",
    );
    let out = site.ok(&["build"]);
    assert!(out.contains("wrote feeds/reviews.json"), "{out}");

    // An independent parser reads it as a feed, with the ids, titles and dates of RSS and Atom.
    let from_json = parse_feed(&site.path("feeds/reviews.json"));
    let (rss, atom) = (site.rss("reviews"), site.atom("reviews"));
    assert_eq!(ids(&from_json), ids(&rss));
    assert_eq!(ids(&from_json), ids(&atom));
    for (j, a) in from_json.entries.iter().zip(&atom.entries) {
        assert_eq!(
            j.title.as_ref().unwrap().content,
            a.title.as_ref().unwrap().content
        );
        assert_eq!(j.published, a.published);
        assert_eq!(j.updated, a.updated);
    }

    // R85-R88, R94 field by field.
    let feed = json(&site, "feeds/reviews.json");
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(feed["title"], "Reviews");
    assert_eq!(feed["home_page_url"], "https://films.example/");
    assert_eq!(feed["feed_url"], "https://films.example/feeds/reviews.json");
    assert_eq!(
        feed["hubs"],
        serde_json::json!([{"type": "WebSub", "url": "https://hub.example/"}])
    );
    assert_eq!(feed["authors"][0]["name"], "Ada Critic");
    let items = feed["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let heat = &items[0];
    assert_eq!(heat["id"], "tag:films.example,2026:reviews/heat");
    assert_eq!(heat["url"], "https://films.example/reviews/heat/");
    assert_eq!(heat["title"], "Heat & <friends>");
    assert_eq!(heat["content_html"], "<p>See <em>this</em>.</p>\n");
    assert!(
        heat.get("content_text").is_none(),
        "R86: HTML only in content_html"
    );
    assert_eq!(heat["summary"], "A long night.");
    assert_eq!(
        heat["date_published"], "2026-05-01T21:30:00+02:00",
        "R87: RFC 3339, as in Atom"
    );
    assert_eq!(heat["tags"], serde_json::json!(["crime"]));
    assert_eq!(
        heat["attachments"],
        serde_json::json!([{"url": "https://cdn.films.example/heat.mp3", "mime_type": "audio/mpeg", "size_in_bytes": 1234, "duration_in_seconds": 3723}])
    );
    assert!(heat.get("authors").is_none(), "the feed's author covers it");
    assert_eq!(
        items[1]["authors"],
        serde_json::json!([{"name": "Guest Writer"}])
    );
    for item in items {
        for key in ["date_published", "date_modified"] {
            chrono::DateTime::parse_from_rfc3339(item[key].as_str().unwrap()).unwrap();
        }
    }
    // JSON is not XML: no stylesheet instruction in it, but the XML feeds have one.
    assert!(!site.read("feeds/reviews.json").contains("xml-stylesheet"));
}

#[test]
fn tag_feeds_have_safe_stable_names_even_for_hostile_tags() {
    let config = EXTRAS_CONFIG.replace("archive = true\n", "");
    let site = Site::with_config(&config);
    site.write(
        "content/reviews/a.md",
        &tagged("Alien", "2026-01-01", &["Horror", "../../x", "Sci-Fi"]),
    );
    site.write(
        "content/reviews/b.md",
        &tagged("Heat", "2026-02-01", &["crime", "sci fi"]),
    );
    site.write(
        "content/reviews/c.md",
        &tagged("Hereditary", "2026-03-01", &["horror", "★★★"]),
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", text(&out));

    let mut names: Vec<String> = std::fs::read_dir(site.path("feeds/tags"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let stars = names
        .iter()
        .find(|n| n.starts_with("tag-"))
        .expect("a tag of symbols gets a hash name")
        .clone();
    let stem = stars.split('.').next().unwrap();
    let mut expected: Vec<String> = ["crime", "horror", "sci-fi", "x", stem]
        .iter()
        .flat_map(|s| ["atom", "json", "rss"].map(|e| format!("{s}.{e}")))
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    // The hostile tag stayed inside tags/: nothing was written next to the site or above it.
    assert!(!site.path("x.rss").exists() && !site.path("feeds/x.rss").exists());
    assert!(!site.dir.path().parent().unwrap().join("x.rss").exists());

    // Same slug, different spelling: one feed with the items of both, and a warning.
    let horror = site.rss("tags/horror");
    let titles: Vec<_> = horror
        .entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect();
    assert_eq!(titles, ["Hereditary", "Alien"]);
    let err = stderr(&out);
    assert!(
        err.contains("warning: feed `reviews`: tags `Horror` (in “Alien”), `horror` (in “Hereditary”) share the file name tags/horror.*"),
        "{err}"
    );
    assert!(
        err.contains(
            "tags `Sci-Fi` (in “Alien”), `sci fi` (in “Heat”) share the file name tags/sci-fi.*"
        ),
        "{err}"
    );

    // Ids are the entry ids; self links point at the tag feed; the hostile tag's feed parses.
    let main = site.rss("reviews");
    let alien = main
        .entries
        .iter()
        .find(|e| e.title.as_ref().unwrap().content == "Alien")
        .unwrap();
    assert!(ids(&horror).contains(&alien.id));
    let x = site.atom("tags/x");
    assert_eq!(ids(&x), vec![alien.id.clone()]);
    assert_eq!(x.title.as_ref().unwrap().content, "Reviews: ../../x");
    let raw = site.read("feeds/tags/x.rss");
    assert!(
        raw.contains("<atom:link href=\"https://films.example/feeds/tags/x.rss\" rel=\"self\""),
        "{raw}"
    );
    assert!(
        raw.contains("<?xml-stylesheet type=\"text/xsl\" href=\"../feed.xsl\"?>"),
        "{raw}"
    );
    assert_eq!(
        json(&site, "feeds/tags/x.json")["feed_url"],
        "https://films.example/feeds/tags/x.json"
    );

    // Stable: a rebuild with one more tag changes no existing tag file name or byte.
    let before: Vec<_> = names
        .iter()
        .map(|n| site.read(&format!("feeds/tags/{n}")))
        .collect();
    site.write(
        "content/reviews/d.md",
        &tagged("Tár", "2025-01-01", &["drama"]),
    );
    site.ok(&["build"]);
    for (n, b) in names.iter().zip(&before) {
        assert_eq!(&site.read(&format!("feeds/tags/{n}")), b, "{n} changed");
    }
    assert!(site.path("feeds/tags/drama.rss").exists());
}

#[test]
fn tags_on_two_feeds_and_archives_without_a_limit_are_config_errors() {
    let two = format!(
        "{EXTRAS_CONFIG}\n[[feed]]\nname = \"episodes\"\ntitle = \"E\"\nsource = \"content/episodes\"\ntags = true\n"
    )
    .replace("[publish]\nhubs = [\"https://hub.example/\"]\n", "");
    let site = Site::with_config(&two);
    let err = site.fails(3, &["build"]);
    assert!(
        err.contains("[[feed]] `reviews` and `episodes` both set tags = true"),
        "{err}"
    );

    let site = Site::with_config(&EXTRAS_CONFIG.replace("limit = 3", "limit = 0"));
    let err = site.fails(3, &["build"]);
    assert!(err.contains("sets archive = true but limit = 0"), "{err}");
}

/// Follows `prev-archive` from the main feed: every document of the chain, newest first.
fn archive_chain(site: &Site, ext: &str) -> Vec<(String, feed_rs::model::Feed)> {
    let mut chain = Vec::new();
    let mut rel = format!("reviews.{ext}");
    loop {
        let feed = parse_feed(&site.path(&format!("feeds/{rel}")));
        let prev = feed
            .links
            .iter()
            .find(|l| l.rel.as_deref() == Some("prev-archive"))
            .map(|l| {
                l.href
                    .strip_prefix("https://films.example/feeds/")
                    .expect("absolute, in feeds/")
                    .to_string()
            });
        chain.push((rel, feed));
        match prev {
            Some(p) => rel = p,
            None => return chain,
        }
    }
}

fn link<'a>(feed: &'a feed_rs::model::Feed, rel: &str) -> Option<&'a str> {
    feed.links
        .iter()
        .find(|l| l.rel.as_deref() == Some(rel))
        .map(|l| l.href.as_str())
}

#[test]
fn archive_chain_holds_every_item_once_and_full_pages_never_change() {
    let config = EXTRAS_CONFIG.replace("tags = true\n", "");
    let site = site_with_reviews(&config, 10);
    site.ok(&["build"]);

    for ext in ["rss", "atom"] {
        let chain = archive_chain(&site, ext);
        let names: Vec<_> = chain.iter().map(|(n, _)| n.as_str()).collect();
        // 10 items, limit 3: 3 in the feed, 7 archived as pages of 3 from the oldest: 3, 3, 1.
        assert_eq!(
            names,
            [
                format!("reviews.{ext}"),
                format!("archive/reviews/3.{ext}"),
                format!("archive/reviews/2.{ext}"),
                format!("archive/reviews/1.{ext}")
            ]
        );
        let counts: Vec<_> = chain.iter().map(|(_, f)| f.entries.len()).collect();
        assert_eq!(counts, [3, 1, 3, 3]);
        let mut seen = BTreeMap::new();
        for (name, feed) in &chain {
            for id in ids(feed) {
                assert!(
                    seen.insert(id.clone(), name.clone()).is_none(),
                    "{id} appears twice"
                );
            }
        }
        assert_eq!(seen.len(), 10, "every item exactly once");
        // Page 1 holds the oldest items.
        let oldest: BTreeSet<_> = ids(&chain[3].1).into_iter().collect();
        assert!(
            oldest.contains("tag:films.example,2026:reviews/r00"),
            "{oldest:?}"
        );

        // Links resolve to files that exist; current points at the feed; next-archive back up.
        for (name, feed) in &chain[1..] {
            let raw = site.read(&format!("feeds/{name}"));
            assert!(raw.contains("<fh:archive/>"), "R83 {name}");
            assert!(
                raw.contains("xmlns:fh=\"http://purl.org/syndication/history/1.0\""),
                "R81 {name}"
            );
            assert_eq!(
                link(feed, "current"),
                Some(format!("https://films.example/feeds/reviews.{ext}").as_str())
            );
            assert_eq!(
                link(feed, "self"),
                Some(format!("https://films.example/feeds/{name}").as_str())
            );
            for rel in ["prev-archive", "next-archive", "current", "self"] {
                if let Some(href) = link(feed, rel) {
                    let file = href.strip_prefix("https://films.example/feeds/").unwrap();
                    assert!(
                        site.path(&format!("feeds/{file}")).exists(),
                        "{name} {rel} -> {href}"
                    );
                }
            }
        }
        assert_eq!(
            link(&chain[1].1, "next-archive"),
            None,
            "the newest archive has no next"
        );
        assert_eq!(
            link(&chain[3].1, "prev-archive"),
            None,
            "the oldest archive has no prev"
        );
        assert_eq!(
            link(&chain[3].1, "next-archive"),
            Some(format!("https://films.example/feeds/archive/reviews/2.{ext}").as_str())
        );
        assert!(
            !site
                .read(&format!("feeds/reviews.{ext}"))
                .contains("fh:archive"),
            "the feed is no archive"
        );
    }
    // JSON has no archive pages; its feed keeps the newest `limit`.
    assert_eq!(
        json(&site, "feeds/reviews.json")["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Byte-stable: a rebuild changes nothing; a new entry changes no full page.
    let full = [
        "archive/reviews/1.rss",
        "archive/reviews/1.atom",
        "archive/reviews/2.rss",
        "archive/reviews/2.atom",
    ];
    let before: Vec<_> = full
        .iter()
        .map(|f| std::fs::read(site.path(&format!("feeds/{f}"))).unwrap())
        .collect();
    assert_eq!(site.ok_at("2026-12-01T00:00:00Z", &["build"]), "");
    site.write(
        "content/reviews/r10.md",
        &review("Review 10", "2026-06-01", "Body."),
    );
    site.write(
        "content/reviews/r11.md",
        &review("Review 11", "2026-06-02", "Body."),
    );
    let out = site.ok(&["build"]);
    assert!(
        !out.contains("archive/reviews/1.") && !out.contains("archive/reviews/2."),
        "{out}"
    );
    for (f, b) in full.iter().zip(&before) {
        assert_eq!(
            &std::fs::read(site.path(&format!("feeds/{f}"))).unwrap(),
            b,
            "{f} changed"
        );
    }
    // 12 items: 9 archived, pages 1-3 full, page 4 the (empty) newest one.
    let chain = archive_chain(&site, "atom");
    let counts: Vec<_> = chain.iter().map(|(_, f)| f.entries.len()).collect();
    assert_eq!(counts, [3, 0, 3, 3, 3]);
    assert_eq!(
        chain.iter().map(|(_, f)| f.entries.len()).sum::<usize>(),
        12
    );
}

#[test]
fn an_archived_entry_edited_later_is_also_in_the_feed() {
    // R84: an edited entry is also placed in the subscription document.
    let config = EXTRAS_CONFIG.replace("tags = true\n", "");
    let site = site_with_reviews(&config, 5);
    site.ok(&["build"]);
    site.write(
        "content/reviews/r00.md",
        &review("Review 00 (revised)", "2026-01-01 12:00", "New body."),
    );
    site.ok_at("2026-11-21T09:00:00Z", &["build"]);
    let feed = site.atom("reviews");
    let titles: Vec<_> = feed
        .entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect();
    assert_eq!(
        titles,
        ["Review 04", "Review 03", "Review 02", "Review 00 (revised)"]
    );
    let page = parse_feed(&site.path("feeds/archive/reviews/1.atom"));
    assert!(
        page.entries
            .iter()
            .any(|e| e.title.as_ref().unwrap().content == "Review 00 (revised)")
    );
}

#[test]
fn stylesheet_is_written_and_referenced_and_feeds_still_parse() {
    let site = site_with_reviews(EXTRAS_CONFIG, 4);
    site.write(
        "content/reviews/r00.md",
        &tagged("Alien", "2026-01-01", &["horror"]),
    );
    site.ok(&["build"]);
    let xsl = site.read("feeds/feed.xsl");
    assert!(xsl.contains("<xsl:stylesheet version=\"1.0\""));
    assert!(xsl.contains("Copy this URL into your reader"));
    for (file, href) in [
        ("reviews.rss", "feed.xsl"),
        ("reviews.atom", "feed.xsl"),
        ("tags/horror.atom", "../feed.xsl"),
        ("archive/reviews/1.rss", "../../feed.xsl"),
    ] {
        let raw = site.read(&format!("feeds/{file}"));
        let second = raw.lines().nth(1).unwrap();
        assert_eq!(
            second,
            format!("<?xml-stylesheet type=\"text/xsl\" href=\"{href}\"?>"),
            "{file}"
        );
        let feed = parse_feed(&site.path(&format!("feeds/{file}")));
        assert!(!feed.entries.is_empty(), "{file}");
        // And the stylesheet is really where the href says.
        let target = site
            .path(&format!("feeds/{file}"))
            .parent()
            .unwrap()
            .join(href);
        assert!(target.exists(), "{}", target.display());
    }
    // Without the key, no instruction and no file.
    let plain = site_with_reviews(&EXTRAS_CONFIG.replace("stylesheet = true\n", ""), 2);
    plain.ok(&["build"]);
    assert!(!plain.read("feeds/reviews.rss").contains("xml-stylesheet"));
    assert!(!plain.path("feeds/feed.xsl").exists());
}

#[test]
fn opml_lists_every_feed_once() {
    let config = format!(
        "{}\n[[feed]]\nname = \"episodes\"\ntitle = \"Episodes & notes\"\nsource = \"content/episodes\"\nformats = [\"atom\"]\n",
        EXTRAS_CONFIG.replace("[publish]\nhubs = [\"https://hub.example/\"]\n", "")
    );
    let site = Site::with_config(&config);
    site.write(
        "content/reviews/a.md",
        &tagged("Alien", "2026-01-01", &["horror", "sci-fi"]),
    );
    site.write(
        "content/episodes/e1.md",
        &review("Episode 1", "2026-01-02", "Notes."),
    );
    site.ok(&["build"]);
    let opml = site.read("feeds/index.opml");
    assert!(
        opml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">"),
        "{opml}"
    );
    let urls: Vec<&str> = opml
        .split("xmlUrl=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert_eq!(
        urls,
        [
            "https://films.example/feeds/reviews.rss",
            "https://films.example/feeds/tags/horror.rss",
            "https://films.example/feeds/tags/sci-fi.rss",
            "https://films.example/feeds/episodes.atom",
        ]
    );
    // Every listed URL is a file the build wrote.
    for u in &urls {
        let rel = u.strip_prefix("https://films.example/feeds/").unwrap();
        parse_feed(&site.path(&format!("feeds/{rel}")));
    }
    assert!(opml.contains("text=\"Episodes &amp; notes\""), "{opml}");
    assert!(opml.contains("<outline text=\"Reviews by tag\""), "{opml}");
}

/// A tag whose only entry was withdrawn (made a draft, removed, tagged otherwise) kept its
/// feed as it was: `tags/lawsuit.*` went on publishing the withdrawn review's full text. The
/// feed is written again with no item, is left out of the OPML list, and stays byte-identical.
#[test]
fn a_tag_no_entry_has_any_more_is_emptied_not_left_publishing() {
    let config = EXTRAS_CONFIG.replace("[publish]\nhubs = [\"https://hub.example/\"]\n", "");
    let site = Site::with_config(&config);
    site.write(
        "content/reviews/a.md",
        &tagged("Alien", "2026-01-01", &["horror"]),
    );
    let libel =
        tagged("Libel", "2026-01-02", &["Lawsuit"]).replace("About Libel.", "Defamatory text.");
    site.write("content/reviews/libel.md", &libel);
    site.ok(&["build"]);
    assert!(
        site.read("feeds/tags/lawsuit.rss")
            .contains("Defamatory text.")
    );
    let draft = libel.replace(
        "tags = [\"Lawsuit\"]\n",
        "tags = [\"Lawsuit\"]\ndraft = true\n",
    );
    site.write("content/reviews/libel.md", &draft);
    let out = site.ok(&["build"]);
    for ext in ["rss", "atom", "json"] {
        let text = site.read(&format!("feeds/tags/lawsuit.{ext}"));
        assert!(!text.contains("Defamatory"), "{ext}: {text}");
        assert!(
            out.contains(&format!("wrote feeds/tags/lawsuit.{ext}")),
            "{out}"
        );
    }
    let rss = parse_feed(&site.path("feeds/tags/lawsuit.rss"));
    assert!(rss.entries.is_empty());
    assert_eq!(rss.title.unwrap().content, "Reviews: lawsuit");
    assert!(
        parse_feed(&site.path("feeds/tags/lawsuit.atom"))
            .entries
            .is_empty()
    );
    assert_eq!(
        json(&site, "feeds/tags/lawsuit.json")["items"],
        serde_json::json!([])
    );
    assert!(!site.read("feeds/index.opml").contains("lawsuit"));
    // Nothing changes on the next build; a file that is not a tag feed's is left alone.
    site.write("feeds/tags/notes.txt", "mine");
    site.write("feeds/tags/Not A Slug.rss", "mine");
    let again = site.ok(&["--verbose", "build"]);
    assert!(!again.contains("wrote"), "{again}");
    assert_eq!(site.read("feeds/tags/notes.txt"), "mine");
    assert_eq!(site.read("feeds/tags/Not A Slug.rss"), "mine");
    // Tagged again, the feed holds the entry again.
    site.write("content/reviews/libel.md", &libel);
    site.ok(&["build"]);
    assert_eq!(
        parse_feed(&site.path("feeds/tags/lawsuit.rss"))
            .entries
            .len(),
        1
    );
}

/// Spec sweep (R39, RFC 4287 §4.2.15): a feed whose last entry was withdrawn said it was
/// updated on 1970-01-01, back in time; it says the last change the state recorded.
#[test]
fn an_emptied_feed_is_updated_when_its_entries_last_changed_not_in_1970() {
    let config = EXTRAS_CONFIG
        .replace("[publish]\nhubs = [\"https://hub.example/\"]\n", "")
        .replace("archive = true\n", "");
    let site = Site::with_config(&config);
    let libel = tagged("Libel", "2026-11-01 10:00", &["lawsuit"]);
    site.write("content/reviews/libel.md", &libel);
    site.ok_at("2026-11-25T09:00:00Z", &["build"]);
    let updated = |rel: &str| site.atom(rel).updated.unwrap().to_rfc3339();
    assert_eq!(updated("tags/lawsuit"), "2026-11-01T09:00:00+00:00");
    // Untagged an hour later: the tag feed is emptied then.
    site.write(
        "content/reviews/libel.md",
        &libel.replace("\"lawsuit\"", ""),
    );
    site.ok_at("2026-11-25T10:00:00Z", &["build"]);
    assert!(site.atom("tags/lawsuit").entries.is_empty());
    assert_eq!(updated("tags/lawsuit"), "2026-11-25T10:00:00+00:00");
    assert_eq!(updated("reviews"), "2026-11-25T10:00:00+00:00");
    // Emptied, it stays as it is while other entries come and go.
    site.write(
        "content/reviews/other.md",
        &tagged("Other", "2026-11-02 10:00", &["drama"]),
    );
    let out = site.ok_at("2026-11-25T10:30:00Z", &["build"]);
    assert!(!out.contains("tags/lawsuit"), "{out}");
    site.remove("content/reviews/other.md");
    site.ok_at("2026-11-25T10:40:00Z", &["build", "--allow-drop"]);
    // Made a draft: the feed is empty, and no older than its last change (the other entry
    // removed at 10:40).
    site.write(
        "content/reviews/libel.md",
        &libel.replace("+++\nAbout", "draft = true\n+++\nAbout"),
    );
    site.ok_at("2026-11-25T11:00:00Z", &["build", "--allow-drop"]);
    assert!(site.atom("reviews").entries.is_empty());
    assert_eq!(updated("reviews"), "2026-11-25T10:40:00+00:00");
    assert_eq!(updated("tags/lawsuit"), "2026-11-25T10:00:00+00:00");
    let again = site.run_at("2026-11-26T11:00:00Z", &["--verbose", "build"]);
    assert!(!text(&again).contains("wrote"), "{}", text(&again));
}

#[test]
fn serve_answers_conditional_gets_with_the_right_types_and_picks_up_a_new_entry() {
    let site = site_with_reviews(
        &EXTRAS_CONFIG.replace("tags = true\narchive = true\n", ""),
        2,
    );
    let served = serving::Served::start(site.dir.path(), common::NOW);

    let first = served.get("/reviews.rss", &[("Accept", "application/rss+xml")]);
    assert_eq!(first.status, 200);
    assert_eq!(
        first.header("content-type"),
        Some("application/rss+xml; charset=utf-8")
    );
    assert_eq!(
        first.body,
        std::fs::read(site.path("feeds/reviews.rss")).unwrap()
    );
    let etag = first.header("etag").unwrap().to_string();
    let last_modified = first.header("last-modified").unwrap().to_string();
    assert!(etag.starts_with('"'), "strong ETag: {etag}");
    assert!(first.header("date").is_some());

    let again = served.get("/reviews.rss", &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()), "R97");
    assert_eq!(
        again.header("cache-control"),
        first.header("cache-control"),
        "R97"
    );
    assert_eq!(
        served
            .get("/reviews.rss", &[("If-Modified-Since", &last_modified)])
            .status,
        304
    );
    assert_eq!(
        served
            .get("/reviews.rss", &[("If-None-Match", "\"stale\"")])
            .status,
        200
    );

    let head = serving::request(served.port, "HEAD", "/reviews.atom", &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("content-type"), Some("application/atom+xml"));
    let atom_len = std::fs::metadata(site.path("feeds/reviews.atom"))
        .unwrap()
        .len()
        .to_string();
    assert_eq!(head.header("content-length"), Some(atom_len.as_str()));

    // A `.json` in the chapters folder is an episode's chapters, not a feed.
    site.write(
        "feeds/chapters/ep-1.json",
        "{\"version\":\"1.2.0\",\"chapters\":[]}",
    );
    for (path, media) in [
        ("/chapters/ep-1.json", "application/json+chapters"),
        ("/reviews.json", "application/feed+json"),
        ("/index.opml", "text/x-opml; charset=utf-8"),
        ("/feed.xsl", "application/xslt+xml"),
        ("/", "text/html; charset=utf-8"),
    ] {
        let r = served.get(path, &[]);
        assert_eq!(
            (r.status, r.header("content-type")),
            (200, Some(media)),
            "{path}"
        );
    }
    for path in [
        "/../config.toml",
        "/%2e%2e/config.toml",
        "/.feedwright-x.tmp",
        "/missing.rss",
    ] {
        let r = served.get(path, &[]);
        assert!(r.status == 400 || r.status == 404, "{path}: {}", r.status);
        assert!(!r.text().contains("[site]"), "{path} leaked the config");
    }

    // A new entry: the server rebuilds within a second or so, and the ETag changes.
    site.write(
        "content/reviews/new.md",
        &review("Fresh Review", "2026-11-01", "Just in."),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = served.get("/reviews.rss", &[("If-None-Match", &etag)]);
        if r.status == 200 && r.text().contains("Fresh Review") {
            assert_ne!(r.header("etag"), Some(etag.as_str()));
            break;
        }
        assert!(Instant::now() < deadline, "the new entry never appeared");
        std::thread::sleep(Duration::from_millis(200));
    }
    let printed: Vec<String> = served.lines.try_iter().collect();
    assert!(
        printed.iter().any(|l| l == "wrote feeds/reviews.rss"),
        "{printed:?}"
    );
}

#[test]
fn docs_example_config_parses_with_every_new_key() {
    // The config block in the README's extras section must stay valid as the keys evolve.
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let doc = readme
        .split("## JSON Feed, tag feeds, archives")
        .nth(1)
        .expect("README has the extras section");
    let block = doc
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the extras section has a toml block");
    let config =
        feedwright::config::Config::parse(block, std::path::Path::new("/site/config.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
    assert!(config.site.stylesheet && config.site.opml);
    let feed = &config.feeds[0];
    assert!(feed.tags && feed.archive);
    assert_eq!(feed.limit, 20);
    assert!(feed.formats.contains(&feedwright::config::Format::Json));
}

/// Audit: with `tags` turned off, the tag feeds stayed public as they were (an entry made a
/// draft again still in them), and nothing was said. They are left, and said to be left.
#[test]
fn tag_feeds_left_when_tags_are_turned_off_are_said() {
    let site = Site::with_config(EXTRAS_CONFIG);
    site.write(
        "content/reviews/a.md",
        &tagged("Heat", "2026-01-01", &["noir"]),
    );
    site.ok(&["build", "--quiet"]);
    let before = site.read("feeds/tags/noir.rss");
    site.write("config.toml", &EXTRAS_CONFIG.replace("tags = true\n", ""));
    let out = site.run(&["build", "--quiet"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "warning: feeds/tags: holds 3 tag feed file(s) no feed writes any more (no feed has `tags = true`): they are left as they were, no longer updated, with entries withdrawn since; delete the folder here and on the server if subscribers should not find them\n"
    );
    assert_eq!(site.read("feeds/tags/noir.rss"), before);
    // Deleted as said, nothing more is said.
    std::fs::remove_dir_all(site.path("feeds/tags")).unwrap();
    site.write(
        "content/reviews/b.md",
        &tagged("Rope", "2026-01-02", &["noir"]),
    );
    let out = site.run(&["build", "--quiet"]);
    assert_eq!(stderr(&out), "", "{}", text(&out));
}
