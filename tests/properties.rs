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
    let rendered = render(entry.kind, &entry.body, &link);
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
            title: entry.title.clone(),
            link,
            published: date,
            updated: date,
            author: None,
            summary: entry.summary.clone().unwrap_or(rendered.first_paragraph),
            html: rendered.html,
            tags: entry.tags.clone(),
            enclosure: None,
            episode: None,
        }],
        podcast: None,
        paging: None,
        stylesheet: None,
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
