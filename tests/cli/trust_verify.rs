//! Issue 13, section 2: the build's own verification of its output must be able to fail.
//! A feed holding U+0001 once passed the build's check and was published with exit 0.
//!
//! - The verification fails on broken bytes given to the library (`feedwright::verify`), for
//!   every format, whole and in parts.
//! - It fails end to end: `feedwright build` and `feedwright check` of a site whose config puts
//!   a control character in a feed both fail, name the file and line, and publish nothing.
//! - It conforms: a differential property test mutates valid feeds (control characters, bad
//!   references, stray `&` / `<`, `]]>`, unclosed CDATA, truncation, duplicate attributes,
//!   unbound prefixes...) and asserts that whatever roxmltree (a conforming parser) rejects,
//!   the verification rejects too, and that it accepts what roxmltree accepts apart from a
//!   listed few rules roxmltree does not enforce. 256 cases in the normal suite; set
//!   PROPTEST_CASES to run more.

use crate::common;

use std::path::Path;

use chrono::DateTime;
use chrono_tz::Tz;
use common::{CONFIG, Site, review};
use feedwright::config::Format;
use feedwright::feed::{self, FeedDoc, FeedItem};
use feedwright::verify::{self, xml::well_formed};
use proptest::prelude::*;
use url::Url;

const NOT_WELL_FORMED_RSS: &str = "RSS is not well-formed XML: ";

// --- The library API on broken bytes ---

#[test]
fn the_verification_rejects_each_kind_of_broken_feed() {
    let rss = std::fs::read_to_string(sample("reviews.rss")).unwrap();
    assert_eq!(verify::document(Format::Rss, &rss), Vec::<String>::new());
    let cases = [
        // The bug of issue 13: a control character in a title.
        (
            "<title>",
            "<title>\u{1}",
            "U+0001 (a control character) is not allowed in XML",
        ),
        ("<title>", "<title>&#x1;", "`&#x1;` refers to U+0001"),
        ("<title>", "<title>&nbsp;", "undeclared entity `&nbsp;`"),
        ("<title>", "<title>a & b", "a bare `&`"),
        ("<title>", "<title>]]>", "`]]>` in text"),
        (
            "</channel>",
            "<![CDATA[</channel>",
            "the document ends inside a CDATA section",
        ),
        (
            "version=\"2.0\"",
            "version=\"2.0\" version=\"2.0\"",
            "attribute `version` appears twice",
        ),
        (
            "<channel>",
            "<channel><x:y/>",
            "the prefix `x` of <x:y> is not bound",
        ),
    ];
    for (from, to, message) in cases {
        let broken = rss.replacen(from, to, 1);
        let v = verify::document(Format::Rss, &broken);
        assert_eq!(v.len(), 1, "{to}: {v:?}");
        assert!(
            v[0].starts_with(NOT_WELL_FORMED_RSS) && v[0].contains(message),
            "{to}: {v:?}"
        );
        assert!(roxmltree::Document::parse(&broken).is_err(), "{to}");
    }
    // Cut short: the end of the document is missing.
    let v = verify::document(Format::Rss, &rss[..rss.len() / 2]);
    assert!(v[0].starts_with(NOT_WELL_FORMED_RSS), "{v:?}");
}

#[test]
fn the_verification_rejects_broken_bytes_given_in_parts() {
    let atom = std::fs::read(sample("reviews.atom")).unwrap();
    let mut broken = atom.clone();
    let at = find(&broken, b"<title>") + 7;
    broken.splice(at..at, [0xFF, 0xFE]);
    for cut in [1, at, at + 1, broken.len() - 1] {
        let mut stream = verify::Stream::new(Format::Atom).unwrap();
        stream.part(&broken[..cut]);
        stream.part(&broken[cut..]);
        let v = stream.finish();
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(
            v[0].starts_with("Atom is not well-formed XML: line ")
                && v[0].contains("byte 0xFF is not UTF-8"),
            "{v:?}"
        );
    }
    let mut stream = verify::Stream::new(Format::Atom).unwrap();
    stream.part(&atom);
    assert_eq!(stream.finish(), Vec::<String>::new());
}

#[test]
fn a_json_feed_is_parsed_and_its_fields_verified() {
    let json = std::fs::read_to_string(sample("reviews.json")).unwrap();
    assert_eq!(verify::document(Format::Json, &json), Vec::<String>::new());
    let raw_control = json.replacen("\"title\": \"", "\"title\": \"\u{1}", 1);
    let v = verify::document(Format::Json, &raw_control);
    assert!(
        v.len() == 1 && v[0].starts_with("JSON Feed is not valid JSON: control character"),
        "{v:?}"
    );
    let v = verify::document(Format::Json, &json.replacen("\"items\"", "\"things\"", 1));
    assert_eq!(v, ["R85: items is missing or not an array"]);
    let v = verify::document(Format::Json, &json[..json.len() - 3]);
    assert!(
        v[0].starts_with("JSON Feed is not valid JSON: EOF"),
        "{v:?}"
    );
}

// --- End to end ---

/// The site's config with a control character in the feed's description.
fn broken_config() -> String {
    CONFIG.replace(
        "description = \"Film reviews\"",
        "description = \"Film\\u0001 reviews\"",
    )
}

/// The one way left for a character XML cannot carry into a feed is a config escape: it stops
/// `build` and `check` before anything renders (the output check, tested on broken documents
/// above, is the second wall), and nothing published changes.
#[test]
fn build_and_check_fail_on_a_value_xml_cannot_carry_and_publish_nothing() {
    let site = Site::new();
    site.write(
        "content/reviews/heat.md",
        &review("Heat", "2026-01-01", "A heist."),
    );
    site.ok(&["build"]);
    let before: Vec<(String, Vec<u8>)> = published(&site);
    site.write("config.toml", &broken_config());
    let line = broken_config()
        .lines()
        .position(|l| l.contains("\\u0001"))
        .unwrap()
        + 1;
    let expected = format!(
        "error: {}:{line}: `feed[1].description` holds U+0001 (a control character), which XML \
         cannot carry: no feed reader could read a feed with it; remove that escape from the value\n",
        site.path("config.toml").display()
    );
    for command in ["check", "build"] {
        let out = site.run(&[command]);
        assert_eq!(out.status.code(), Some(3), "{command}");
        assert_eq!(common::stderr(&out), expected, "{command}");
    }
    // Nothing was renamed into place, and no temporary file is left behind.
    assert_eq!(published(&site), before);
}

/// Every file in the site's output folder, by name, with its bytes.
fn published(site: &Site) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(site.path("feeds"))
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let name = e.path().strip_prefix(site.path("feeds")).unwrap();
            (name.display().to_string(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    files.sort();
    files
}

// --- Conformance: a differential property test against roxmltree ---

/// Our messages for what roxmltree 0.21 lets pass although XML 1.0 or Namespaces in XML 1.0
/// forbid it (see `src/verify/xml_tests.rs`): a reference to a surrogate or beyond U+10FFFF
/// (it reads U+FFFD), the XML declaration's content, processing instruction targets, a few
/// namespace declarations, and `xmlns` twice in a tag.
const ROXMLTREE_LENIENT: &[&str] = &[
    "(a surrogate)",
    "beyond U+10FFFF",
    "XML declaration",
    "processing instruction",
    "a prefix cannot be bound to nothing",
    "the prefix `xmlns` cannot be declared",
    "is not a qualified name",
    "attribute `xmlns` appears twice",
];

fn sample(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("feeds")
        .join(name)
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).unwrap()
}

/// Text for titles and bodies: markup characters, `]]>`, quotes, non-ASCII (no control
/// characters: those the renderer writes as they are).
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 <>&;#\"'\\]\\[=/!?\\-é名\u{1F3AC}\n]{0,30}"
}

/// A feed document of 0 to 3 items with such text.
fn doc() -> impl Strategy<Value = FeedDoc> {
    let item = (text(), text(), text());
    (text(), proptest::collection::vec(item, 0..4), any::<bool>()).prop_map(
        |(title, items, stylesheet)| {
            let date = DateTime::parse_from_rfc3339("2026-01-01T00:00:00+01:00").unwrap();
            let url = |p: &str| Url::parse(&format!("https://films.example/{p}")).unwrap();
            FeedDoc {
                id: "tag:films.example,2026:feed/reviews".into(),
                title: format!("Reviews {title}"),
                description: "Film reviews".into(),
                home: url(""),
                self_urls: vec![
                    (Format::Rss, url("feeds/reviews.rss")),
                    (Format::Atom, url("feeds/reviews.atom")),
                ],
                language: Some("en".into()),
                author: None,
                timezone: Tz::Europe__Paris,
                hubs: vec![],
                items: items
                    .into_iter()
                    .enumerate()
                    .map(|(i, (title, summary, html))| FeedItem {
                        id: format!("tag:films.example,2026:reviews/{i}"),
                        atom_id: format!("tag:films.example,2026:reviews/{i}"),
                        title: format!("T{title}"),
                        link: url(&format!("reviews/{i}/")),
                        published: date,
                        updated: date,
                        author: None,
                        summary,
                        html: format!("<p>{html}</p>"),
                        tags: vec!["drama".into()],
                        enclosure: None,
                        episode: None,
                    })
                    .collect(),
                podcast: None,
                paging: None,
                stylesheet: stylesheet.then(|| "feed.xsl".into()),
                updated_if_empty: None,
            }
        },
    )
}

/// A valid feed: rendered from a generated document, or one of the committed samples.
fn valid_feed() -> impl Strategy<Value = (Format, String)> {
    let samples: Vec<(Format, String)> = [
        "reviews.rss",
        "reviews.atom",
        "podcast.rss",
        "episodes.atom",
    ]
    .iter()
    .map(|name| {
        let format = if name.ends_with(".rss") {
            Format::Rss
        } else {
            Format::Atom
        };
        (format, std::fs::read_to_string(sample(name)).unwrap())
    })
    .collect();
    prop_oneof![
        (doc(), any::<bool>()).prop_map(|(doc, rss)| {
            let format = if rss { Format::Rss } else { Format::Atom };
            (format, feed::render(&doc, format))
        }),
        proptest::sample::select(samples),
    ]
}

/// What a mutation puts into a document.
const INSERTS: &[&str] = &[
    "\u{0}",
    "\u{1}",
    "\u{8}",
    "\u{b}",
    "\u{c}",
    "\u{e}",
    "\u{1f}",
    "\u{7f}",
    "\u{fffe}",
    "\u{ffff}",
    "&#0;",
    "&#x1;",
    "&#xD800;",
    "&#x110000;",
    "&#xFFFE;",
    "&#65;",
    "&#x1F3AC;",
    "&#9;",
    "&nbsp;",
    "&#;",
    "&#x;",
    "&amp",
    "&lt;",
    "&",
    "<",
    ">",
    "]]>",
    "]]",
    "]",
    "<![CDATA[",
    "<![CDATA[x]]>",
    "<!--",
    "-->",
    "<!-- c -->",
    "--",
    "<?",
    "?>",
    "<?pi x?>",
    "\"",
    "'",
    "=",
    "/",
    "</",
    "<a>",
    "</a>",
    "<a/>",
    "<zz:a/>",
    " zz:a=\"1\"",
    " a=\"1\"",
    "<!DOCTYPE x>",
    "<?xml version=\"1.0\"?>",
    " ",
    "\n",
    "é",
    ":",
    "xmlns:q=\"\"",
];

/// What an attribute mutation puts into a start tag, after its name.
const ATTRIBUTES: &[&str] = &[
    " zz:x=\"1\"",
    " version=\"x\"",
    " rel=\"x\" rel=\"y\"",
    " xmlns:zz=\"urn:z\" zz:x=\"1\"",
    " xmlns:a=\"urn:a\" xmlns:b=\"urn:a\" a:x=\"1\" b:x=\"2\"",
    " x=\"a<b\"",
    " x=\"a&b\"",
    " x=\"&#x1;\"",
    " x='\"'",
    " x=\"]]>\"",
];

#[derive(Debug, Clone)]
enum Mutation {
    /// One of [`INSERTS`] at a place (an index of the document's character boundaries).
    Insert(prop::sample::Index, &'static str),
    /// One of [`ATTRIBUTES`] into a start tag (an index of the start tags).
    Attribute(prop::sample::Index, &'static str),
    /// The attribute at an index of the attributes, written again after itself.
    DuplicateAttribute(prop::sample::Index),
    /// The element at an index of the start tags renamed with a prefix nothing binds.
    Unbound(prop::sample::Index),
    /// The document cut short at a place.
    Truncate(prop::sample::Index),
    /// A few characters removed at a place.
    Remove(prop::sample::Index, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let index = any::<prop::sample::Index>;
    prop_oneof![
        4 => (index(), proptest::sample::select(INSERTS)).prop_map(|(i, s)| Mutation::Insert(i, s)),
        2 => (index(), proptest::sample::select(ATTRIBUTES)).prop_map(|(i, s)| Mutation::Attribute(i, s)),
        1 => index().prop_map(Mutation::DuplicateAttribute),
        1 => index().prop_map(Mutation::Unbound),
        1 => index().prop_map(Mutation::Truncate),
        1 => (index(), 1..4usize).prop_map(|(i, n)| Mutation::Remove(i, n)),
    ]
}

/// Where start tags' names end (`<name` then an attribute or `>` could follow).
fn start_tags(doc: &str) -> Vec<(usize, usize)> {
    let b = doc.as_bytes();
    (0..b.len())
        .filter(|&i| b[i] == b'<' && b.get(i + 1).is_some_and(u8::is_ascii_alphabetic))
        .map(|i| {
            let len = b[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b':' | b'-' | b'_' | b'.'))
                .count();
            (i + 1, i + 1 + len)
        })
        .collect()
}

fn apply(doc: &mut String, m: &Mutation) {
    let boundaries: Vec<usize> = doc
        .char_indices()
        .map(|(i, _)| i)
        .chain([doc.len()])
        .collect();
    let tags = start_tags(doc);
    match m {
        Mutation::Insert(at, text) => doc.insert_str(*at.get(&boundaries), text),
        Mutation::Truncate(at) => doc.truncate(*at.get(&boundaries)),
        Mutation::Remove(at, n) => {
            let k = at.index(boundaries.len());
            let end = boundaries[(k + n).min(boundaries.len() - 1)];
            doc.replace_range(boundaries[k]..end, "");
        }
        Mutation::Attribute(at, text) if !tags.is_empty() => {
            doc.insert_str(at.get(&tags).1, text);
        }
        Mutation::Unbound(at) if !tags.is_empty() => {
            let (name, _) = *at.get(&tags);
            doc.insert_str(name, "zz:");
        }
        Mutation::DuplicateAttribute(at) => {
            let attrs: Vec<(usize, usize)> = tags
                .iter()
                .filter_map(|&(_, end)| {
                    let rest = &doc[end..];
                    let eq = rest.find('=')?;
                    let quote = rest[eq + 1..].chars().next().filter(|&c| c == '"')?;
                    let close = rest[eq + 2..].find(quote)?;
                    (rest[..eq].starts_with(' ') && !rest[..eq].contains('>'))
                        .then_some((end, end + eq + 2 + close + 1))
                })
                .collect();
            if !attrs.is_empty() {
                let (start, end) = *at.get(&attrs);
                let copy = doc[start..end].to_string();
                doc.insert_str(end, &copy);
            }
        }
        _ => {}
    }
}

/// How many mutated documents both accepted, both rejected, and only roxmltree accepted:
/// printed every 1,000 cases (seen with `--nocapture`), to show the mutations reach both sides.
fn tally(theirs: bool, ours: bool) {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    static COUNTS: [AtomicUsize; 3] = [const { AtomicUsize::new(0) }; 3];
    COUNTS[match (theirs, ours) {
        (true, true) => 0,
        (false, _) => 1,
        (true, false) => 2,
    }]
    .fetch_add(1, Relaxed);
    let [accepted, rejected, lenient] = COUNTS.each_ref().map(|c| c.load(Relaxed));
    if (accepted + rejected + lenient) % 1000 == 0 {
        eprintln!(
            "both accept {accepted}, both reject {rejected}, only roxmltree accepts {lenient}"
        );
    }
}

fn cases() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cases())]

    /// Whatever roxmltree rejects, the verification rejects; what roxmltree accepts, the
    /// verification accepts, but for the rules roxmltree does not enforce.
    #[test]
    fn the_verification_agrees_with_a_conforming_parser(
        (format, valid) in valid_feed(),
        mutations in proptest::collection::vec(mutation(), 0..3),
        cut in any::<prop::sample::Index>(),
    ) {
        prop_assert!(roxmltree::Document::parse(&valid).is_ok());
        prop_assert_eq!(verify::document(format, &valid), Vec::<String>::new());
        let mut doc = valid;
        for m in &mutations {
            apply(&mut doc, m);
        }
        let ours = well_formed(doc.as_bytes());
        let theirs = roxmltree::Document::parse(&doc);
        tally(theirs.is_ok(), ours.is_ok());
        match (theirs, &ours) {
            (Err(theirs), Ok(())) => {
                prop_assert!(false, "roxmltree rejects ({}), verify accepts:\n{:?}", theirs, doc);
            }
            (Ok(_), Err(e)) => prop_assert!(
                ROXMLTREE_LENIENT.iter().any(|m| e.message.contains(m)),
                "verify rejects ({}), roxmltree accepts:\n{:?}", e, doc
            ),
            _ => {}
        }
        // A feed that is not well-formed fails the format's verification with that message
        // (or an earlier one of the format's, such as a root element of another name), whole
        // and cut into two parts anywhere.
        let whole = verify::document(format, &doc);
        if let Err(e) = &ours {
            prop_assert_eq!(whole.len(), 1);
            let message = &whole[0];
            prop_assert!(
                message.contains(&e.to_string())
                    || message.contains("the document does not start with"),
                "{:?}",
                whole
            );
        }
        let at = cut.index(doc.len() + 1);
        let mut stream = verify::Stream::new(format).unwrap();
        stream.part(&doc.as_bytes()[..at]);
        stream.part(&doc.as_bytes()[at..]);
        prop_assert_eq!(stream.finish(), whole);
    }
}
