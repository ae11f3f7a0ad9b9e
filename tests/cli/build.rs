//! CLI tests for the core build (issue 2): real binary, temp site, feeds read back by feed-rs.

use crate::common;

use common::{Site, review, stderr, text};

#[test]
fn builds_rss_and_atom_with_ids_dates_links_and_content() {
    let site = Site::new();
    site.write(
        "content/reviews/2026-05-01-heat.md",
        "+++\ntitle = \"Heat & <friends>\"\ndate = \"2026-05-01 21:30\"\ntags = [\"crime\", \"la\"]\nsummary = \"A long night.\"\n+++\nSee [the stills](stills/) and ![poster](/img/heat.jpg).\n",
    );
    site.write(
        "content/reviews/2026-04-01-past-lives.md",
        "---\ntitle: Past Lives\ndate: 2026-04-01T10:00:00Z\nauthor: Guest Writer\n---\nFirst paragraph here.\n\nSecond.\n",
    );
    let out = site.ok(&["build"]);
    assert!(out.contains("wrote feeds/reviews.rss"), "{out}");
    assert!(out.contains("wrote feeds/reviews.atom"), "{out}");

    let rss = site.rss("reviews");
    assert_eq!(rss.title.unwrap().content, "Reviews");
    assert_eq!(rss.entries.len(), 2);
    let heat = &rss.entries[0];
    assert_eq!(heat.id, "tag:films.example,2026:reviews/heat");
    assert_eq!(heat.title.as_ref().unwrap().content, "Heat & <friends>");
    assert_eq!(heat.links[0].href, "https://films.example/reviews/heat/");
    // 21:30 in Paris in May is 19:30 UTC.
    assert_eq!(
        heat.published.unwrap().to_rfc3339(),
        "2026-05-01T19:30:00+00:00"
    );
    let html = heat.content.as_ref().unwrap().body.as_deref().unwrap();
    assert!(
        html.contains("href=\"https://films.example/reviews/heat/stills/\""),
        "{html}"
    );
    assert!(
        html.contains("src=\"https://films.example/img/heat.jpg\""),
        "{html}"
    );
    assert_eq!(heat.summary.as_ref().unwrap().content, "A long night.");
    let cats: Vec<_> = heat.categories.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(cats, ["crime", "la"]);
    // Summary from the first paragraph when there is no summary key.
    assert_eq!(
        rss.entries[1].summary.as_ref().unwrap().content,
        "First paragraph here."
    );

    let atom = site.atom("reviews");
    assert_eq!(atom.entries.len(), 2);
    assert_eq!(atom.entries[0].id, heat.id, "RSS guid and Atom id agree");
    // Atom content is written as CDATA (R40, R41): a parser reads the same HTML as RSS's.
    let atom_html = atom.entries[0].content.as_ref().unwrap().body.as_deref();
    assert_eq!(atom_html.map(str::trim), Some(html.trim()));
    assert_eq!(
        atom.entries[1].authors[0].name.as_deref(),
        Some("Guest Writer")
    );
    assert_eq!(
        atom.entries[0].authors.len(),
        0,
        "site author is on the feed"
    );
    assert_eq!(atom.authors[0].name.as_deref(), Some("Ada Critic"));
    assert_eq!(
        atom.updated.unwrap().to_rfc3339(),
        "2026-05-01T19:30:00+00:00"
    );

    // Raw text checks that a parser would smooth over.
    let raw = site.read("feeds/reviews.rss");
    assert!(raw.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert!(raw.contains("<guid isPermaLink=\"false\">tag:films.example,2026:reviews/heat</guid>"));
    assert!(
        raw.contains("<pubDate>Fri, 01 May 2026 21:30:00 +0200</pubDate>"),
        "R16: {raw}"
    );
    assert!(
        raw.contains("<lastBuildDate>Fri, 01 May 2026 21:30:00 +0200</lastBuildDate>"),
        "R17"
    );
    assert!(raw.contains("<atom:link href=\"https://films.example/feeds/reviews.rss\" rel=\"self\" type=\"application/rss+xml\"/>"), "R18");
    assert!(
        raw.contains("<author>ada@films.example (Ada Critic)</author>"),
        "R26"
    );
    assert!(
        raw.contains("<dc:creator>Guest Writer</dc:creator>"),
        "R26: bare names go to dc:creator"
    );
    let atom_raw = site.read("feeds/reviews.atom");
    assert!(
        atom_raw.contains("<published>2026-05-01T21:30:00+02:00</published>"),
        "{atom_raw}"
    );
    assert!(atom_raw.contains("rel=\"self\""));
}

#[test]
fn rebuild_is_byte_identical_and_does_not_touch_files() {
    let site = Site::new();
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "Body."));
    site.write("content/reviews/b.txt", "Just text, no header.\n");
    site.ok(&["build"]);
    let before = std::fs::read(site.path("feeds/reviews.rss")).unwrap();
    let mtime = |p: &str| std::fs::metadata(site.path(p)).unwrap().modified().unwrap();
    let (m_rss, m_atom, m_state) = (
        mtime("feeds/reviews.rss"),
        mtime("feeds/reviews.atom"),
        mtime("feedwright-state.toml"),
    );
    std::thread::sleep(std::time::Duration::from_millis(20));
    // A later clock must not change anything either: no wall-clock dates in the output.
    let out = site.ok_at("2026-12-24T23:00:00Z", &["build"]);
    assert_eq!(out, "", "nothing changed, nothing reported");
    assert_eq!(
        std::fs::read(site.path("feeds/reviews.rss")).unwrap(),
        before
    );
    assert_eq!(mtime("feeds/reviews.rss"), m_rss);
    assert_eq!(mtime("feeds/reviews.atom"), m_atom);
    assert_eq!(mtime("feedwright-state.toml"), m_state);
}

#[test]
fn plain_text_column_round_trips_typography_exactly() {
    let site = Site::new();
    let body = "It’s “balletic” — every fight counted in eights… ½ ★ 日本語\nSecond paragraph – with an en dash.\n\n—\nReel Notes goes out every Friday.\n";
    site.write(
        "content/reviews/2026-03-01-ballerina.txt",
        &format!("Title: “Ballerina” – grace\nDATE: 2026-03-01\n\n{body}"),
    );
    site.ok(&["build"]);
    let rss = site.rss("reviews");
    let e = &rss.entries[0];
    assert_eq!(e.title.as_ref().unwrap().content, "“Ballerina” – grace");
    let html = e.content.as_ref().unwrap().body.clone().unwrap();
    assert_eq!(
        html,
        "<p>It’s “balletic” — every fight counted in eights… ½ ★ 日本語</p>\n<p>Second paragraph – with an en dash.</p>\n<hr />\n<p>Reel Notes goes out every Friday.</p>\n"
    );
    let raw = site.read("feeds/reviews.rss");
    assert!(
        raw.contains("“Ballerina” – grace"),
        "stored as UTF-8, not as entities"
    );
}

#[test]
fn untitled_undated_text_file_takes_name_and_first_seen_time() {
    let site = Site::new();
    site.write(
        "content/reviews/2026-02-02-the-night-porter.txt",
        "Il y a des films qu’on regarde.\n",
    );
    site.ok_at("2026-11-20T09:00:00Z", &["build"]);
    site.ok_at("2026-11-21T09:00:00Z", &["build"]);
    let e = &site.rss("reviews").entries[0];
    assert_eq!(e.title.as_ref().unwrap().content, "The night porter");
    assert_eq!(
        e.published.unwrap().to_rfc3339(),
        "2026-11-20T09:00:00+00:00"
    );
}

#[test]
fn cdata_terminator_and_markup_characters_stay_well_formed() {
    let site = Site::new();
    site.write(
        "content/reviews/x.md",
        "+++\ntitle = \"A ]]> B & <C>\"\ndate = 2026-01-01\nsummary = \"S ]]> & <b>\"\n+++\nText with ]]> and `a < b && c`.\n\n<div>raw ]]> kept</div>\n",
    );
    site.ok(&["build"]);
    let rss = site.rss("reviews");
    let e = &rss.entries[0];
    assert_eq!(e.title.as_ref().unwrap().content, "A ]]> B & <C>");
    // The description is HTML: the plain summary escaped (issue 13).
    assert_eq!(
        e.summary.as_ref().unwrap().content,
        "S ]]&gt; &amp; &lt;b&gt;"
    );
    let html = e.content.as_ref().unwrap().body.clone().unwrap();
    assert!(html.contains("]]&gt;") || html.contains("]]>"), "{html}");
    assert!(
        html.contains("<code>a &lt; b &amp;&amp; c</code>"),
        "{html}"
    );
    let atom = site.atom("reviews");
    assert_eq!(
        atom.entries[0].title.as_ref().unwrap().content,
        "A ]]> B & <C>"
    );
    // Raw HTML keeps a literal `]]>`: both formats split their CDATA around it (R40).
    let atom_html = atom.entries[0].content.as_ref().unwrap().body.clone();
    for body in [Some(html), atom_html] {
        assert!(body.unwrap().contains("<div>raw ]]> kept</div>"));
    }
    assert!(site.read("feeds/reviews.atom").contains("]]]]><![CDATA[>"));
}

#[test]
fn drafts_and_future_entries_are_left_out_until_their_time() {
    let site = Site::new();
    site.write("content/reviews/now.md", &review("Now", "2026-11-01", "x"));
    site.write(
        "content/reviews/later.md",
        &review("Later", "2026-12-01 08:00", "x"),
    );
    site.write(
        "content/reviews/draft.md",
        "+++\ntitle = \"Draft\"\ndate = 2026-01-01\ndraft = true\n+++\nx\n",
    );
    site.ok(&["build"]);
    let titles = |s: &Site| -> Vec<String> {
        s.rss("reviews")
            .entries
            .iter()
            .map(|e| e.title.clone().unwrap().content)
            .collect()
    };
    assert_eq!(titles(&site), ["Now"]);
    // The first build after its date publishes it: scheduled publishing under cron.
    site.ok_at("2026-12-01T07:00:01Z", &["build"]);
    assert_eq!(titles(&site), ["Later", "Now"]);
}

#[test]
fn every_error_is_reported_with_file_and_line_and_nothing_is_written() {
    let site = Site::new();
    site.write(
        "content/reviews/good.md",
        &review("Good", "2026-01-01", "x"),
    );
    site.ok(&["build"]);
    let before = site.read("feeds/reviews.rss");
    site.write(
        "content/reviews/no-title.md",
        "+++\ndate = 2026-01-01\n+++\nx\n",
    );
    site.write(
        "content/reviews/bad-date.md",
        "+++\ntitle = \"x\"\n\ndate = \"next tuesday\"\n+++\nx\n",
    );
    site.write(
        "content/reviews/typo.md",
        "---\ntitle: x\ntitel: y\n---\nx\n",
    );
    std::fs::write(
        site.path("content/reviews/latin1.md"),
        b"+++\ntitle = \"caf\xe9\"\n+++\n",
    )
    .unwrap();
    site.write("content/reviews/open.md", "+++\ntitle = \"x\"\n");
    let err = site.fails(1, &["build"]);
    for expected in [
        "content/reviews/no-title.md:1: no title",
        "content/reviews/bad-date.md:4: date `next tuesday` is not a date",
        "content/reviews/typo.md:3: unknown field `titel`",
        "content/reviews/latin1.md:2: not valid UTF-8",
        "content/reviews/open.md:1: the front matter opened with `+++` on line 1 is never closed",
        "5 problem(s) found; nothing was written",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
    assert_eq!(
        site.read("feeds/reviews.rss"),
        before,
        "existing feed untouched"
    );
}

#[test]
fn check_reports_problems_and_writes_nothing() {
    let site = Site::new();
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "x"));
    let out = site.ok(&["check"]);
    assert!(out.contains("ok: 1 entries"), "{out}");
    assert!(!site.path("feeds").exists());
    assert!(!site.path("feedwright-state.toml").exists());
    site.write("content/reviews/b.md", "+++\ntitle = \"\"\n+++\n");
    let err = site.fails(1, &["check"]);
    assert!(err.contains("b.md:2: no title"), "{err}");
}

#[test]
fn illegal_xml_characters_are_dropped_with_a_warning() {
    let site = Site::new();
    site.write(
        "content/reviews/ctl.md",
        "+++\ntitle = \"Bell\u{7}\"\ndate = 2026-01-01\n+++\nNUL\u{0}here\n",
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        stderr(&out).contains("ctl.md:2: dropped 2 characters XML 1.0 does not allow (U+0007, U+0000); where one stood between two words, U+FFFD (\u{FFFD}) keeps them apart"),
        "{}",
        text(&out)
    );
    let e = &site.rss("reviews").entries[0];
    assert_eq!(e.title.as_ref().unwrap().content, "Bell");
    // Between two letters the dropped character leaves U+FFFD, so `NUL` and `here` stay apart.
    let summary = e
        .summary
        .as_ref()
        .map(|s| s.content.clone())
        .unwrap_or_default();
    assert!(summary.contains("NUL\u{FFFD}here"), "{summary}");
}

#[test]
fn bom_and_crlf_sources_are_read() {
    let site = Site::new();
    site.write(
        "content/reviews/w.md",
        "\u{feff}+++\r\ntitle = \"Windows\"\r\ndate = 2026-01-01\r\n+++\r\nLine one.\r\n",
    );
    site.ok(&["build"]);
    let e = &site.rss("reviews").entries[0];
    assert_eq!(e.title.as_ref().unwrap().content, "Windows");
    assert_eq!(
        e.content.as_ref().unwrap().body.as_deref(),
        Some("<p>Line one.</p>\n")
    );
}

#[test]
fn editor_files_and_dotfiles_are_ignored() {
    let site = Site::new();
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "x"));
    site.write("content/reviews/.a.md.swp", "garbage");
    site.write("content/reviews/a.md~", "garbage");
    site.write("content/reviews/.hidden.md", "garbage");
    site.write("content/reviews/poster.jpg", "garbage");
    site.ok(&["build"]);
    assert_eq!(site.rss("reviews").entries.len(), 1);
}

#[test]
fn dates_follow_site_timezone_across_dst_and_midnight() {
    let site = Site::new();
    // Paris: the clocks go back on 2026-10-25; these fall either side of it and of midnight.
    site.write(
        "content/reviews/a.md",
        &review("Before", "2026-10-24 23:59", "x"),
    );
    site.write(
        "content/reviews/b.md",
        &review("After", "2026-10-25 00:30", "x"),
    );
    site.write(
        "content/reviews/c.md",
        &review("Winter", "2026-10-26 00:00", "x"),
    );
    site.ok(&["build"]);
    let raw = site.read("feeds/reviews.rss");
    assert!(
        raw.contains("<pubDate>Sat, 24 Oct 2026 23:59:00 +0200</pubDate>"),
        "{raw}"
    );
    assert!(
        raw.contains("<pubDate>Sun, 25 Oct 2026 00:30:00 +0200</pubDate>"),
        "{raw}"
    );
    assert!(
        raw.contains("<pubDate>Mon, 26 Oct 2026 00:00:00 +0100</pubDate>"),
        "{raw}"
    );
    let rss = site.rss("reviews");
    assert_eq!(
        rss.entries[2].published.unwrap().to_rfc3339(),
        "2026-10-24T21:59:00+00:00"
    );
    // Same bytes whatever the host's TZ.
    let other = assert_cmd::Command::cargo_bin("feedwright")
        .unwrap()
        .current_dir(site.dir.path())
        .env("TZ", "America/Los_Angeles")
        .args(["--now", common::NOW, "build"])
        .output()
        .unwrap();
    assert!(other.status.success());
    assert_eq!(site.read("feeds/reviews.rss"), raw);
}

#[test]
fn same_dates_are_ordered_deterministically() {
    let site = Site::new();
    for name in ["c", "a", "b"] {
        site.write(
            &format!("content/reviews/{name}.md"),
            &review(name, "2026-01-01", "x"),
        );
    }
    site.ok(&["build"]);
    let ids: Vec<_> = site
        .rss("reviews")
        .entries
        .iter()
        .map(|e| e.id.clone())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "ties broken by id");
}

#[test]
fn limit_keeps_newest() {
    let site = Site::with_config(&common::CONFIG.replace("link = ", "limit = 2\nlink = "));
    for d in 1..=4 {
        site.write(
            &format!("content/reviews/r{d}.md"),
            &review(&format!("R{d}"), &format!("2026-01-0{d}"), "x"),
        );
    }
    site.ok(&["build"]);
    let titles: Vec<_> = site
        .rss("reviews")
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert_eq!(titles, ["R4", "R3"]);
}

#[test]
fn config_errors_name_the_key_and_exit_3() {
    let site = Site::with_config(&common::CONFIG.replace("timezone", "timezon"));
    let err = site.fails(3, &["build"]);
    assert!(
        err.contains("config.toml:6: unknown field `timezon`"),
        "{err}"
    );

    let site = Site::new();
    let err = site.fails(3, &["--config", "missing.toml", "build"]);
    assert!(err.contains("missing.toml: cannot read the config file"));
}

#[test]
fn config_in_another_folder_resolves_paths_against_it() {
    let site = Site::new();
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "x"));
    let elsewhere = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("feedwright")
        .unwrap()
        .current_dir(elsewhere.path())
        .env("FEEDWRIGHT_CONFIG", site.path("config.toml"))
        .args(["--now", common::NOW, "build"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(site.path("feeds/reviews.rss").exists());
    assert!(!elsewhere.path().join("feeds").exists());
}

#[test]
fn new_writes_a_dated_entry_that_builds() {
    let site = Site::new();
    let out = site.ok(&["new", "review", "Ballerina: \"From the World\""]);
    let path = out.trim();
    assert_eq!(
        path,
        "content/reviews/2026-11-20-ballerina-from-the-world.md"
    );
    let text = site.read(path);
    assert!(text.starts_with("+++\ntitle = "), "{text}");
    // A draft: a cron build in the meantime publishes nothing half-written.
    site.ok(&["build"]);
    assert_eq!(site.rss("reviews").entries.len(), 0);
    site.write(path, &text.replace("draft = true\n", ""));
    site.ok(&["build"]);
    let e = &site.rss("reviews").entries[0];
    assert_eq!(
        e.title.as_ref().unwrap().content,
        "Ballerina: \"From the World\""
    );
    // The same title again (a week later, or as --txt): the slug is taken, so the new entry
    // gets the next free one; two entries with one slug would get one id and stop every build.
    let again = site.run(&["new", "review", "Ballerina: \"From the World\"", "--txt"]);
    assert!(again.status.success(), "{}", common::text(&again));
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        "content/reviews/2026-11-20-ballerina-from-the-world-2.txt\n"
    );
    assert!(stderr(&again).starts_with(
        "note: content/reviews/2026-11-20-ballerina-from-the-world.md already has the slug you asked for: this entry's is `ballerina-from-the-world-2` (its link and id); set `slug` in either file to change it\n"
    ), "{}", common::text(&again));
    let second = "content/reviews/2026-11-20-ballerina-from-the-world-2.txt";
    site.write(second, &site.read(second).replace("Draft: true\n", ""));
    site.ok(&["build"]);
    assert_eq!(site.rss("reviews").entries.len(), 2);
    // Never overwrites: a file of that name that is not an entry (it does not parse) stays.
    site.write("content/reviews/2026-11-20-taken.md", "not an entry");
    let out = site.run(&["new", "review", "Taken"]);
    assert_eq!(out.status.code(), Some(2), "{}", common::text(&out));
    assert_eq!(
        site.read("content/reviews/2026-11-20-taken.md"),
        "not an entry"
    );
}

/// Audit: `--now ...:60Z` (or year 9999) was recorded for good as entries' dates.
#[test]
fn a_now_no_feed_can_write_is_refused_as_an_argument() {
    let site = Site::new();
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\"\n+++\nNo date.\n",
    );
    for (now, why) in [
        (
            "2026-12-02T00:00:60Z",
            "has second 60 (a leap second), which feed readers reject: write :59",
        ),
        (
            "9999-12-31T23:59:59Z",
            "is outside 0001-01-02 to 9999-12-30 (UTC)",
        ),
    ] {
        let out = site.run_at(now, &["build"]);
        assert_eq!(out.status.code(), Some(2), "{}", common::text(&out));
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.starts_with(&format!(
                "error: invalid value '{now}' for '--now <NOW>': `{now}` {why}"
            )),
            "{err}"
        );
        assert!(!site.path("feedwright-state.toml").exists());
    }
}

#[test]
fn help_explains_commands_and_exit_codes() {
    let site = Site::new();
    let out = site.ok(&["--help"]);
    for word in [
        "build",
        "check",
        "new",
        "adopt-ids",
        "--config",
        "--now",
        "--quiet",
        "Exit codes",
    ] {
        assert!(out.contains(word), "help lacks {word}:\n{out}");
    }
}

#[test]
fn verbose_says_what_was_read_and_left_unchanged() {
    let site = Site::new();
    site.write("content/reviews/a.md", &review("A", "2026-01-01", "x"));
    site.ok(&["build"]);
    let out = site.ok(&["-v", "build"]);
    assert_eq!(
        out,
        "1 entries in 1 feed(s); 0 file(s) written, 2 unchanged\n"
    );
}

#[test]
fn a_feed_over_the_size_budget_is_a_warning_that_suggests_a_lower_limit() {
    let site = Site::with_config(&common::CONFIG.replace(
        "timezone = \"Europe/Paris\"",
        "timezone = \"Europe/Paris\"\nsize_budget_kb = 4",
    ));
    site.write(
        "content/reviews/long.md",
        &review("Long", "2026-01-01", &"word ".repeat(2000)),
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("warning: feeds/reviews.rss: is 10 KB, over the 4 KB budget"),
        "{err}"
    );
    assert!(err.contains("lower `limit` for feed `reviews`"), "{err}");
}

/// Audit: a feed of every item with 30 tags printed a budget warning for each of its 60 tag
/// feed files on every cron run; the main files are said each, the tag feeds in one line.
#[test]
fn tag_feeds_over_the_size_budget_are_one_warning() {
    let site = Site::with_config(&common::tiny_budget_config("tags = true"));
    for (k, tag) in ["drama", "noir", "heist"].iter().enumerate() {
        let words = "word ".repeat(300 * (k + 1));
        let text = review(&format!("R{k}"), &format!("2026-01-0{}", k + 1), &words);
        let text = text.replacen("+++\n", &format!("+++\ntags = [\"{tag}\"]\n"), 1);
        site.write(&format!("content/reviews/r{k}.md"), &text);
    }
    let out = site.run(&["build", "--quiet"]);
    assert!(out.status.success(), "{}", text(&out));
    let fix = "lower `limit` for feed `reviews`, or shorten what makes its items long (a body, a title, a summary)";
    assert_eq!(
        stderr(&out),
        format!(
            "warning: feeds/reviews.rss: is 11 KB, over the 1 KB budget some readers enforce: {fix}\n\
             warning: feeds/reviews.atom: is 11 KB, over the 1 KB budget some readers enforce: {fix}\n\
             warning: feeds/tags/heist.rss: is 5 KB, and 5 other tag feed or archive files of feed `reviews` are over the 1 KB budget some readers enforce too (this one the largest): {fix}\n"
        )
    );
}

/// A feed with only RSS and Atom renders each body while its files are written, a run of
/// items at a time; a feed that also has JSON Feed renders every body first. Both must give the
/// same bytes, over several runs of items, Markdown and text, relative links and summaries.
#[test]
fn bodies_rendered_while_the_feeds_are_written_give_the_same_feeds() {
    let feeds = |name: &str, formats: &str| {
        format!(
            r#"
[[feed]]
name = "{name}"
title = "Reviews"
description = "Film reviews"
source = "content/reviews"
link = "reviews/{{slug}}/"
limit = 0
formats = [{formats}]
"#
        )
    };
    let config = format!(
        "{}{}",
        common::CONFIG.split("[[feed]]").next().unwrap(),
        feeds("late", r#""rss", "atom""#)
    );
    let site = Site::with_config(&config);
    for i in 0..2100 {
        let day = format!("20{:02}-{:02}-{:02}", 10 + i % 15, 1 + i % 12, 1 + i % 28);
        if i % 7 == 3 {
            site.write(
                &format!("content/reviews/note-{i}.txt"),
                &format!("Title: Note {i}\nDate: {day}\n\n“Quoted” — {i} & <b>\n\nMore.\n"),
            );
        } else {
            let summary = if i % 5 == 0 {
                "summary = \"Set.\"\n"
            } else {
                ""
            };
            site.write(
                &format!("content/reviews/r-{i}.md"),
                &format!(
                    "+++\ntitle = \"Review {i}\"\ndate = \"{day}\"\n{summary}+++\nA [link](../r-{}/) and ![still](img/{i}.jpg).\n\nSecond ]]> paragraph.\n",
                    i + 1
                ),
            );
        }
    }
    site.ok(&["build", "--quiet"]);
    let late_rss = site.read("feeds/late.rss");
    let late_atom = site.read("feeds/late.atom");
    // The same feed with JSON Feed too, built on its own.
    let both = format!(
        "{}{}",
        config.split("[[feed]]").next().unwrap(),
        feeds("late", r#""rss", "atom", "json""#)
    );
    site.write("config.toml", &both);
    site.remove("feeds/late.rss");
    site.remove("feeds/late.atom");
    site.ok(&["build", "--quiet"]);
    assert!(site.path("feeds/late.json").exists());
    assert_eq!(site.read("feeds/late.rss"), late_rss);
    assert_eq!(site.read("feeds/late.atom"), late_atom);
    assert_eq!(site.rss("late").entries.len(), 2100);
    assert_eq!(site.atom("late").entries.len(), 2100);
    assert!(late_rss.contains("src=\"https://films.example/reviews/r-1/img/1.jpg\""));
    assert!(late_atom.contains("<summary>Set.</summary>"));
}

/// Regression hunt: a file's problems past 50 are one line ("and 10 more"), and the total a
/// failed build says counted that line as one: two files of 60 said 102, not 120.
#[test]
fn the_total_of_problems_counts_those_not_listed() {
    let site = Site::new();
    let chapters: Vec<String> = (0..60)
        .map(|i| format!("{{ start = \"x{i}\", title = \"C{i}\" }}"))
        .collect();
    for name in ["a", "b"] {
        let text = format!(
            "+++\ntitle = \"{name}\"\ndate = 2026-01-01\nchapters = [{}]\n+++\nBody.\n",
            chapters.join(", ")
        );
        site.write(&format!("content/reviews/{name}.md"), &text);
    }
    let err = site.fails(1, &["check"]);
    assert_eq!(
        err.matches("and 10 more problem(s) in this file, not listed: fix these first")
            .count(),
        2,
        "{err}"
    );
    assert!(
        err.ends_with(
            "error: 120 problem(s) found; nothing was written, the existing feeds are untouched\n"
        ),
        "{err}"
    );
}
