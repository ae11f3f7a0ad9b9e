//! Property tests (issue 6): arbitrary input to the front-matter, plain-text and Markdown paths
//! never panics, and whatever is accepted renders to feeds that an independent parser reads.
//! Bounded case counts keep this in the normal suite; raise PROPTEST_CASES to run longer.

use std::path::Path;

use chrono::DateTime;
use chrono_tz::Tz;
use feedwright::config::Format;
use feedwright::content::render::render;
use feedwright::content::{BodyKind, parse_entry};
use feedwright::feed::{self, FeedDoc, FeedItem};
use feedwright::verify;
use proptest::prelude::*;
use url::Url;

fn doc_with(entry: &feedwright::content::Entry) -> FeedDoc {
    let link = Url::parse("https://films.example/reviews/x/").unwrap();
    let rendered = render(entry.kind, entry.body(), &link);
    let date = entry
        .date
        .unwrap_or_else(|| DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap());
    FeedDoc {
        id: "tag:films.example,2026:feed/reviews".into(),
        title: "Reviews".into(),
        description: "d".into(),
        home: Url::parse("https://films.example/").unwrap(),
        self_urls: vec![
            (
                Format::Rss,
                Url::parse("https://films.example/feeds/reviews.rss").unwrap(),
            ),
            (
                Format::Atom,
                Url::parse("https://films.example/feeds/reviews.atom").unwrap(),
            ),
        ],
        language: Some("en".into()),
        author: None,
        timezone: Tz::Europe__Paris,
        hubs: vec![],
        items: vec![FeedItem {
            id: "tag:films.example,2026:reviews/x".into(),
            atom_id: "tag:films.example,2026:reviews/x".into(),
            title: entry.title.to_string(),
            link,
            published: date,
            updated: date,
            author: None,
            summary: entry
                .summary()
                .map_or(rendered.first_paragraph, str::to_string),
            html: rendered.html,
            tags: entry.tags.iter().map(|t| t.to_string()).collect(),
            enclosure: None,
            episode: None,
        }],
        podcast: None,
        paging: None,
        stylesheet: None,
        updated_if_empty: None,
    }
}

fn assert_feeds_read_back(entry: &feedwright::content::Entry) {
    let doc = doc_with(entry);
    for format in [Format::Rss, Format::Atom] {
        let xml = feed::render(&doc, format);
        let violations = verify::document(format, &xml);
        assert!(violations.is_empty(), "{violations:?}\n{xml}");
        let parsed = feed_rs::parser::parse(xml.as_bytes())
            .unwrap_or_else(|e| panic!("{format:?} unreadable: {e}\n{xml}"));
        assert_eq!(parsed.entries.len(), 1);
        let title = parsed.entries[0]
            .title
            .as_ref()
            .map(|t| t.content.clone())
            .unwrap_or_default();
        // feed-rs trims; what survives is the title, byte for byte.
        assert_eq!(title.trim(), entry.title.trim(), "{format:?}");
    }
}

fn cases() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(96),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), txt in any::<bool>()) {
        let kind = if txt { BodyKind::Text } else { BodyKind::Markdown };
        if let Ok((entry, _)) = parse_entry(&bytes, Path::new("x.md"), "x.md", kind, Tz::UTC) {
            assert_feeds_read_back(&entry);
        }
    }

    #[test]
    fn any_toml_front_matter_and_markdown_renders_well_formed(
        title in any::<String>(),
        summary in any::<String>(),
        body in any::<String>(),
    ) {
        let toml_title = toml::Value::String(title.clone()).to_string();
        let toml_summary = toml::Value::String(summary).to_string();
        let text = format!("+++\ntitle = {toml_title}\nsummary = {toml_summary}\ndate = 2026-01-01\n+++\n{body}");
        if let Ok((entry, _)) = parse_entry(text.as_bytes(), Path::new("x.md"), "x.md", BodyKind::Markdown, Tz::UTC) {
            assert_feeds_read_back(&entry);
        }
    }

    #[test]
    fn any_yaml_front_matter_never_panics(front in "[a-z:\\[\\]{}\"'#&*!|>%@` \\n-]{0,200}", body in any::<String>()) {
        let text = format!("---\n{front}\n---\n{body}");
        if let Ok((entry, _)) = parse_entry(text.as_bytes(), Path::new("x.md"), "x.md", BodyKind::Markdown, Tz::UTC) {
            assert_feeds_read_back(&entry);
        }
    }

    #[test]
    fn any_plain_text_column_renders_well_formed(header in "((Title|Date|Tags|Slug|Draft): [^\\n]{0,40}\\n){0,4}", body in any::<String>()) {
        let text = format!("{header}\n{body}");
        if let Ok((entry, _)) = parse_entry(text.as_bytes(), Path::new("2026-01-01-x.txt"), "x.txt", BodyKind::Text, Tz::UTC) {
            assert_feeds_read_back(&entry);
        }
    }

    #[test]
    fn markdown_with_markup_characters_renders_well_formed(body in "([a-z ]|\\]\\]>|<|>|&|\\[|\\]|\\(|\\)|!|#|\\*|`|\\n|<a href=\"|\"|srcset=|\\|){0,120}") {
        let text = format!("+++\ntitle = \"T\"\ndate = 2026-01-01\n+++\n{body}");
        let (entry, _) = parse_entry(text.as_bytes(), Path::new("x.md"), "x.md", BodyKind::Markdown, Tz::UTC).unwrap();
        assert_feeds_read_back(&entry);
    }
}

/// Issue 13 §1: escapes that decode to characters XML forbids, Markdown character references,
/// raw control and C1 characters and every line ending, through the real pipeline: every file
/// it would write is read by a strict XML parser (roxmltree enforces the Char production) or
/// serde_json.
mod text_boundary {
    use super::*;
    use feedwright::build;
    use feedwright::config::Config;

    const CONFIG: &str = r#"
[site]
title = "Props"
base_url = "https://films.example/"
id = "tag:films.example,2026:"
language = "en"
timezone = "Europe/Paris"
stylesheet = true
opml = true

[[feed]]
name = "reviews"
title = "Reviews"
description = "d"
source = "content/reviews"
link = "reviews/{slug}/"
formats = ["rss", "atom", "json"]
tags = true

[[feed]]
name = "podcast"
kind = "podcast"
title = "Pod"
description = "d"
source = "content/episodes"
link = "episodes/{slug}/"

[feed.podcast]
image = "https://films.example/cover.jpg"
category = "TV & Film"
explicit = false
owner = { name = "Ada", email = "ada@films.example" }
"#;

    /// Pieces of a TOML basic string: escapes of every kind of character, and plain text.
    fn toml_piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(r"\u0001".to_string()),
            Just(r"\u0000".to_string()),
            Just(r"\u001F".to_string()),
            Just(r"\uFFFE".to_string()),
            Just(r"\uFFFF".to_string()),
            Just(r"\u0093".to_string()),
            Just(r"\u0085".to_string()),
            Just(r"\u200B".to_string()),
            Just(r"\u0301".to_string()),
            Just(r"\U0001F3AC".to_string()),
            Just(r"\b".to_string()),
            Just(r"\f".to_string()),
            Just(r"\r".to_string()),
            Just(r"\n".to_string()),
            Just(r"\t".to_string()),
            Just(r#"\""#.to_string()),
            Just(r"\\".to_string()),
            Just("\u{93}".to_string()),
            Just(" ".to_string()),
            "[a-zé&<>]{1,3}",
        ]
    }

    /// Pieces of a YAML double-quoted string.
    fn yaml_piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(r"\x01".to_string()),
            Just(r"\0".to_string()),
            Just(r"\x1b".to_string()),
            Just(r"\e".to_string()),
            Just(r"\a".to_string()),
            Just(r"\v".to_string()),
            Just(r"\x93".to_string()),
            Just(r"\N".to_string()),
            Just(r"\_".to_string()),
            Just(r"\L".to_string()),
            Just(r"\P".to_string()),
            Just(r"\uFFFE".to_string()),
            Just(r"\uFFFF".to_string()),
            Just(r"\u0001".to_string()),
            Just(r"\uFEFF".to_string()),
            Just(r"\r".to_string()),
            Just(r#"\""#.to_string()),
            Just(" ".to_string()),
            "[a-zé&<>]{1,3}",
        ]
    }

    /// Pieces of a body: character references, raw controls, C1, every line ending.
    fn body_piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("&#x1;".to_string()),
            Just("&#1;".to_string()),
            Just("&#0;".to_string()),
            Just("&#xFFFE;".to_string()),
            Just("&#xFFFF;".to_string()),
            Just("&#xD800;".to_string()),
            Just("&#x110000;".to_string()),
            Just("&#x85;".to_string()),
            Just("&#147;".to_string()),
            Just("&amp;".to_string()),
            Just("&nbsp;".to_string()),
            Just("\u{1}".to_string()),
            Just("\u{0}".to_string()),
            Just("\u{b}".to_string()),
            Just("\u{FFFE}".to_string()),
            Just("\u{93}".to_string()),
            Just("\u{85}".to_string()),
            Just("\r".to_string()),
            Just("\r\n".to_string()),
            Just("\n".to_string()),
            Just("\n\n".to_string()),
            Just("`".to_string()),
            Just("*".to_string()),
            Just("<b>".to_string()),
            Just("[^1]".to_string()),
            Just(" ".to_string()),
            "[a-zé]{1,4}",
        ]
    }

    fn joined(piece: impl Strategy<Value = String>, max: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(piece, 0..max).prop_map(|p| p.concat())
    }

    /// One of LF, CRLF, CR.
    fn line_ending() -> impl Strategy<Value = &'static str> {
        prop_oneof![Just("\n"), Just("\r\n"), Just("\r")]
    }

    fn is_xml_char(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
    }

    /// Writes `files` into a new site, plans a build with the real pipeline, and checks every
    /// output file with a strict parser.
    fn build_is_strict(files: &[(&str, String)]) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), CONFIG).unwrap();
        // Both source folders exist even when no file of one was generated: a missing source
        // folder is an error, not an empty feed.
        for folder in ["content/reviews", "content/episodes"] {
            std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        }
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let config = Config::load(&dir.path().join("config.toml")).unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-20T09:00:00Z").unwrap();
        let plan =
            build::plan(&config, now).unwrap_or_else(|e| panic!("build failed: {e:?}\n{files:?}"));
        assert!(plan.outputs.len() >= 6, "{:?}", plan.outputs.len());
        for out in &plan.outputs {
            let bytes = out.read().unwrap();
            let text = std::str::from_utf8(&bytes).unwrap();
            if out.name.ends_with(".json") {
                serde_json::from_str::<serde_json::Value>(text)
                    .unwrap_or_else(|e| panic!("{}: {e}\n{text}\n{files:?}", out.name));
                continue;
            }
            roxmltree::Document::parse(text)
                .unwrap_or_else(|e| panic!("{}: {e}\n{text}\n{files:?}", out.name));
            assert!(text.chars().all(is_xml_char), "{}: {text:?}", out.name);
        }
    }

    proptest! {
        #![proptest_config(cases())]

        #[test]
        fn toml_escapes_and_bodies_build_to_strict_xml(
            title in joined(toml_piece(), 8),
            summary in joined(toml_piece(), 8),
            tags in proptest::collection::vec(joined(toml_piece(), 4), 0..3),
            person in joined(toml_piece(), 6),
            chapters in joined(toml_piece(), 4),
            body in joined(body_piece(), 30),
            nl in line_ending(),
            txt_body in joined(body_piece(), 20),
        ) {
            let tags: Vec<String> = tags.iter().map(|t| format!("\"{t}\"")).collect();
            let review = [
                "+++".to_string(),
                // A letter first: a title must show something (blank ones are errors).
                format!("title = \"T{title}\""),
                format!("summary = \"{summary}\""),
                format!("tags = [{}]", tags.join(", ")),
                "date = 2026-01-01".into(),
                "+++".into(),
                body.clone(),
            ]
            .join(nl);
            let episode = [
                "+++".to_string(),
                format!("title = \"E{title}\""),
                "date = 2026-01-02".into(),
                "audio = \"https://cdn.films.example/e.mp3\"".into(),
                "audio_length = 10".into(),
                format!("chapters = \"https://films.example/c{chapters}.json\""),
                format!("persons = [{{ name = \"P{person}\", role = \"host{person}\" }}]"),
                "+++".into(),
                body,
            ]
            .join(nl);
            let column = format!("Title: Plain{nl}Date: 2026-01-03{nl}{nl}{txt_body}");
            build_is_strict(&[
                ("content/reviews/a.md", review),
                ("content/reviews/b.txt", column),
                ("content/episodes/e.md", episode),
            ]);
        }

        #[test]
        fn yaml_escapes_build_to_strict_xml(
            title in joined(yaml_piece(), 8),
            author in joined(yaml_piece(), 6),
            tags in proptest::collection::vec(joined(yaml_piece(), 4), 0..3),
            body in joined(body_piece(), 30),
            nl in line_ending(),
        ) {
            let tags: Vec<String> = tags.iter().map(|t| format!("\"{t}\"")).collect();
            let review = [
                "---".to_string(),
                format!("title: \"T{title}\""),
                format!("author: \"{author}\""),
                format!("tags: [{}]", tags.join(", ")),
                "date: 2026-01-01".into(),
                "---".into(),
                body,
            ]
            .join(nl);
            build_is_strict(&[("content/reviews/a.md", review)]);
        }
    }
}
