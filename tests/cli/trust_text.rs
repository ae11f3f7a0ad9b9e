//! CLI tests for the text boundary (issue 13, section 1): whatever a decoder produces (TOML and
//! YAML escapes, Markdown character references), every file written is XML 1.0 that a strict
//! parser reads, each fix is one warning naming the file, line and field; blank titles are
//! errors; every line ending counts; a tag typed precomposed or decomposed is one tag.

use crate::common;

use std::path::Path;

use common::{Site, stderr, text};

/// Every output file under `feeds/` read by a strict parser: XML by roxmltree (which enforces
/// the Char production), JSON by serde_json. Returns how many files were read.
fn assert_outputs_strict(site: &Site) -> usize {
    let mut read = 0;
    for entry in walkdir::WalkDir::new(site.path("feeds")) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let bytes = std::fs::read(path).unwrap();
        let text = String::from_utf8(bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_strict(path, &text);
        read += 1;
    }
    read
}

fn assert_strict(path: &Path, text: &str) {
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => {
            serde_json::from_str::<serde_json::Value>(text)
                .unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()));
        }
        _ => {
            roxmltree::Document::parse(text)
                .unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()));
            let bad = text.chars().find(|&c| {
                !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
            });
            assert_eq!(bad, None, "{}", path.display());
        }
    }
}

const JSON_AND_TAGS: &str = r#"
[site]
title = "Test Reviews"
base_url = "https://films.example/"
id = "tag:films.example,2026:"
timezone = "Europe/Paris"

[[feed]]
name = "reviews"
title = "Reviews"
description = "Film reviews"
source = "content/reviews"
link = "reviews/{slug}/"
formats = ["rss", "atom", "json"]
tags = true
"#;

#[test]
fn a_toml_escape_in_the_title_is_cleaned_with_one_warning() {
    let site = Site::with_config(JSON_AND_TAGS);
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"a\\u0001b\"\ndate = \"2026-02-01\"\n+++\n\nx y &#1; z&#xFFFE;\n",
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(assert_outputs_strict(&site), 3);
    assert_eq!(
        stderr(&out),
        "warning: content/reviews/a.md:2: title: dropped 1 character XML 1.0 does not allow (U+0001); where one stood between two words, U+FFFD (\u{FFFD}) keeps them apart\n\
         warning: content/reviews/a.md: body: dropped 2 character(s) that XML 1.0 does not allow\n",
        "{}",
        text(&out)
    );
    let e = &site.rss("reviews").entries[0];
    assert_eq!(e.title.as_ref().unwrap().content, "a\u{FFFD}b");
    assert_eq!(
        e.content.as_ref().unwrap().body.as_deref(),
        Some("<p>x y  z</p>\n"),
        "Markdown character references are cleaned once rendered"
    );
}

#[test]
fn a_yaml_escape_in_a_tag_is_cleaned_and_the_tag_feed_is_strict_xml() {
    let site = Site::with_config(JSON_AND_TAGS);
    site.write(
        "content/reviews/a.md",
        "---\ntitle: Heat\ndate: 2026-02-01\ntags: [\"noir\\x01\", \"\\0heist\"]\nsummary: \"one\\x02 \\u0093two\\u0094\"\n---\nx\n",
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "warning: content/reviews/a.md:4: tags: dropped 2 characters XML 1.0 does not allow (U+0001, U+0000)\n\
         warning: content/reviews/a.md:5: summary: dropped 1 character XML 1.0 does not allow (U+0002); kept 2 C1 control characters (U+0093, U+0094), which Windows-1252 reads as “ ”: XML allows them, but in a UTF-8 file they are almost always Windows-1252 text read as Latin-1; retype them or convert the original file from Windows-1252 to UTF-8\n",
        "{}",
        text(&out)
    );
    assert!(site.path("feeds/tags/noir.rss").exists());
    assert!(site.path("feeds/tags/heist.rss").exists());
    assert_eq!(assert_outputs_strict(&site), 9);
    let e = &site.rss("reviews").entries[0];
    let tags: Vec<&str> = e.categories.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(tags, ["noir", "heist"]);
}

const PODCAST: &str = r#"
[site]
title = "Test Pod"
base_url = "https://pod.example/"
id = "tag:pod.example,2026:"
language = "en"

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
"#;

#[test]
fn escapes_in_episode_fields_are_cleaned_field_by_field() {
    let site = Site::with_config(PODCAST);
    site.write(
        "content/episodes/ep1.md",
        "+++\ntitle = \"Pilot\"\ndate = 2026-06-01T10:00:00Z\n\
         audio = \"https://cdn.pod.example/ep1.mp3\"\naudio_length = 100\n\
         transcript = { url = \"https://pod.example/ep1.vtt\\u0000\", type = \"text/vtt\", language = \"en\\u0007\" }\n\
         chapters = \"https://pod.example/ep1.json\\u001f\"\n\
         persons = [{ name = \"Ada\\u0001Host\", role = \"host\\u0002\" }, { name = \"\\u0003Bo\" }]\n+++\nNotes.\n",
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", text(&out));
    let warnings = stderr(&out);
    for expected in [
        "warning: content/episodes/ep1.md:6: transcript.url: dropped 1 character XML 1.0 does not allow (U+0000)\n",
        "warning: content/episodes/ep1.md:6: transcript.language: dropped 1 character XML 1.0 does not allow (U+0007)\n",
        "warning: content/episodes/ep1.md:7: chapters: dropped 1 character XML 1.0 does not allow (U+001F)\n",
        "warning: content/episodes/ep1.md:8: persons.name: dropped 2 characters XML 1.0 does not allow (U+0001, U+0003); where one stood between two words, U+FFFD (\u{FFFD}) keeps them apart\n",
        "warning: content/episodes/ep1.md:8: persons.role: dropped 1 character XML 1.0 does not allow (U+0002)\n",
    ] {
        assert!(
            warnings.contains(expected),
            "missing {expected}in:\n{warnings}"
        );
    }
    assert_eq!(
        warnings.lines().count(),
        5,
        "one warning per field:\n{warnings}"
    );
    assert_outputs_strict(&site);
    let raw = site.read("feeds/podcast.rss");
    assert!(
        raw.contains(">Ada\u{FFFD}Host</podcast:person>") && raw.contains(">Bo</podcast:person>"),
        "{raw}"
    );
    assert!(raw.contains("url=\"https://pod.example/ep1.vtt\""), "{raw}");
}

#[test]
fn a_title_of_invisible_characters_is_an_error_at_its_line() {
    let site = Site::new();
    site.write(
        "content/reviews/a.md",
        "+++\ndate = \"2026-02-01\"\ntitle = \"\\u200B \\u2060\\uFEFF\"\n+++\nx\n",
    );
    site.write(
        "content/reviews/b.txt",
        "Date: 2026-02-01\nTitle: \u{200D}\u{200C}\n\nx\n",
    );
    let err = site.fails(1, &["build"]);
    assert_eq!(
        err,
        "error: content/reviews/a.md:3: no title: `title` is empty or holds only spaces and invisible characters (such as U+200B ZERO WIDTH SPACE); write the title readers should see\n\
         error: content/reviews/b.txt:2: no title: `title` is empty or holds only spaces and invisible characters (such as U+200B ZERO WIDTH SPACE); write the title readers should see\n\
         error: 2 problem(s) found; nothing was written, the existing feeds are untouched\n"
    );
    assert!(!site.path("feeds").exists());
}

#[test]
fn lone_cr_line_endings_make_lines_and_paragraphs() {
    let site = Site::new();
    site.write(
        "content/reviews/mac.txt",
        "Title: Heat\rDate: 2026-02-01\rTags: noir\r\rOne.\rTwo.\r",
    );
    site.write(
        "content/reviews/ran.md",
        "+++\rtitle = \"Ran\"\rdate = \"2026-02-02\"\r+++\rFirst\rline.\r\rSecond.\r",
    );
    site.ok(&["build"]);
    let feed = site.rss("reviews");
    let by_title = |t: &str| {
        feed.entries
            .iter()
            .find(|e| e.title.as_ref().unwrap().content == t)
            .unwrap_or_else(|| panic!("no {t} in {:?}", feed.entries))
    };
    let heat = by_title("Heat");
    assert_eq!(
        heat.content.as_ref().unwrap().body.as_deref(),
        Some("<p>One.</p>\n<p>Two.</p>\n")
    );
    assert_eq!(heat.categories[0].term, "noir");
    let ran = by_title("Ran");
    assert_eq!(
        ran.content.as_ref().unwrap().body.as_deref(),
        Some("<p>First\nline.</p>\n<p>Second.</p>\n")
    );
    // Line numbers count CR line breaks too.
    site.write(
        "content/reviews/ran.md",
        "+++\rtitle = \"Ran\"\r\rdate = \"soon\"\r+++\rx\r",
    );
    let err = site.fails(1, &["build"]);
    assert!(
        err.contains("content/reviews/ran.md:4: date `soon` is not a date"),
        "{err}"
    );
}

#[test]
fn a_tag_precomposed_or_decomposed_is_one_tag_and_one_file() {
    let site = Site::with_config(JSON_AND_TAGS);
    site.write(
        "content/reviews/a.md",
        "+++\ntitle = \"A\"\ndate = \"2026-02-01\"\ntags = [\"Ciné\"]\n+++\nx\n",
    );
    site.write(
        "content/reviews/b.md",
        "+++\ntitle = \"B\"\ndate = \"2026-02-02\"\ntags = [\"Cine\u{301}\"]\n+++\nx\n",
    );
    // A file name as macOS writes it, decomposed.
    site.write(
        "content/reviews/cine\u{301}ma.md",
        "+++\ntitle = \"C\"\ndate = \"2026-02-03\"\ntags = [\"Cine\\u0301\"]\n+++\nx\n",
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stderr(&out), "", "no warning about two spellings");
    let mut names: Vec<String> = std::fs::read_dir(site.path("feeds/tags"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["ciné.atom", "ciné.json", "ciné.rss"]);
    let tag = common::parse_feed(&site.path("feeds/tags/ciné.rss"));
    assert_eq!(tag.entries.len(), 3);
    for e in &tag.entries {
        assert_eq!(e.categories[0].term, "Ciné");
    }
    let links: Vec<String> = site
        .rss("reviews")
        .entries
        .iter()
        .map(|e| e.links[0].href.clone())
        .collect();
    assert!(
        links.contains(&"https://films.example/reviews/cin%C3%A9ma/".to_string()),
        "{links:?}"
    );
    assert_outputs_strict(&site);
}

/// A config string is written into every feed and `index.opml`: an escape XML cannot carry is
/// a configuration error at its line (exit 3), before anything is built or written.
#[test]
fn a_config_escape_xml_cannot_carry_is_a_config_error_at_its_line() {
    for (from, to, key, line) in [
        (
            "text = \"Give\"",
            "text = \"Give \\u0001\"",
            "feed[1].podcast.funding[1].text",
            23,
        ),
        (
            "title = \"Test Pod\"",
            "title = \"Test \\b Pod\"",
            "site.title",
            3,
        ),
    ] {
        let site = Site::with_config(&common::PODCAST_CONFIG.replace(from, to));
        site.write(
            "content/episodes/e1.md",
            "+++\ntitle = \"One\"\ndate = 2026-01-01T10:00:00Z\naudio = \"https://cdn.pod.example/e1.mp3\"\naudio_length = 1000\n+++\nNotes.\n",
        );
        let err = site.fails(3, &["build"]);
        let ch = if key == "site.title" { "0008" } else { "0001" };
        assert_eq!(
            err.trim_end(),
            format!(
                "error: {}:{line}: `{key}` holds U+{ch} (a control character), which XML \
                 cannot carry: no feed reader could read a feed with it; remove that escape from \
                 the value",
                site.path("config.toml").display()
            ),
        );
        assert!(!site.path("feeds").exists());
    }
}

/// Audit: the automatic summary held the text of the `<script>` and `<style>` elements removed
/// from the body (`Hello alert(document.cookie) world p{color:red} end.`), in every format, on
/// the page and in a podcast's description; and a `<math>` mutation-XSS payload passed the
/// cleaner unchanged.
#[test]
fn text_the_cleaner_removed_is_in_no_summary() {
    const BODY: &str = "Hello <script>alert(document.cookie)</script> world <style>p{color:red}</style> end.\n\n\
        <math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>\n";
    let site = Site::with_config(&JSON_AND_TAGS.replace("tags = true", "tags = true\nhtml = true"));
    site.write(
        "content/reviews/a.md",
        &format!("+++\ntitle = \"A\"\ndate = \"2026-02-01\"\n+++\n\n{BODY}"),
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stderr(&out),
        "warning: content/reviews/a.md: body: removed 1 <script> element, 1 <style> element, 1 <math> element\n"
    );
    let json: serde_json::Value = serde_json::from_str(&site.read("feeds/reviews.json")).unwrap();
    assert_eq!(json["items"][0]["summary"], "Hello world end.");
    assert_eq!(
        json["items"][0]["content_html"],
        "<p>Hello  world  end.</p>\n<p></p>\n"
    );
    let atom = site.atom("reviews");
    assert_eq!(
        atom.entries[0].summary.as_ref().unwrap().content,
        "Hello world end."
    );
    let rss = site.read("feeds/reviews.rss");
    assert!(
        rss.contains("<description><![CDATA[Hello world end.]]></description>"),
        "{rss}"
    );
    assert!(site.read("feeds/reviews.html").contains("Hello world end."));

    let pod = Site::with_config(PODCAST);
    pod.write(
        "content/episodes/ep1.md",
        &format!(
            "+++\ntitle = \"Pilot\"\ndate = 2026-06-01T10:00:00Z\n\
             audio = \"https://cdn.pod.example/ep1.mp3\"\naudio_length = 100\n+++\n\n{BODY}"
        ),
    );
    pod.ok(&["build"]);
    let feed = pod.rss("podcast");
    assert_eq!(
        feed.entries[0].summary.as_ref().unwrap().content,
        "Hello world end."
    );
    for site in [&site, &pod] {
        for entry in walkdir::WalkDir::new(site.path("feeds")) {
            let entry = entry.unwrap();
            if entry.file_type().is_file() {
                let written = std::fs::read_to_string(entry.path()).unwrap();
                for gone in [
                    "document.cookie",
                    "color:red",
                    "onerror",
                    "<math",
                    "<style>p",
                ] {
                    assert!(
                        !written.contains(gone),
                        "{gone} in {}",
                        entry.path().display()
                    );
                }
            }
        }
    }
}
