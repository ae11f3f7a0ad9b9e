//! Property tests: a source made of pieces chosen to break parsers (front matter fences, raw
//! HTML, references, schemes, nesting, bytes that are not UTF-8) is parsed and rendered
//! without a panic, and what comes out holds only characters XML allows and nothing active.

use std::path::Path;

use chrono_tz::Tz;
use proptest::prelude::*;
use url::Url;

use super::render::render;
use super::source::{BodyKind, parse_entry};
use super::xml_chars::is_xml_char;

/// Pieces a hostile or careless source is made of.
const PIECES: &[&str] = &[
    "---\n",
    "+++\n",
    "title: \"T\"\n",
    "title = 'T'\n",
    "date: 2026-01-02\n",
    "date: 0000-01-01T00:00:00+23:59\n",
    "tags: [a, \u{200b}, \"]]>\"]\n",
    "summary: \"&#0; &#xD800; &#x110000; &bogus;\"\n",
    "id: \"\"\n",
    "link: \" javascript:alert(1)\"\n",
    "\n",
    "\r",
    "\r\n",
    "\u{2028}",
    "\u{feff}",
    "\u{202e}",
    "\u{fffe}",
    "\u{1f600}",
    "e\u{301}",
    "\t",
    "\u{c}",
    "\0",
    "text ",
    "“quoted” — dash ",
    "> ",
    "- ",
    "1. ",
    "    ",
    "```\n",
    "`",
    "*",
    "_",
    "~~",
    "|a|b|\n|-|-|\n",
    "[^1]",
    "[^1]: note\n",
    "[",
    "]",
    "](",
    ")",
    "[x](javascript:alert(1))",
    "[x](\u{a0}javascript:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "![i](data:text/html,<script>x</script>)",
    "<https://example.org/a>",
    "<",
    ">",
    "&",
    "&amp;",
    "&#128512;",
    "&#x1;",
    "&#xFFFE;",
    "]]>",
    "<![CDATA[",
    "<!--",
    "-->",
    "<script>",
    "</script>",
    "<scr<script>ipt>",
    "<style>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:x\">",
    "<a href='&#106;avascript:x'>",
    "<iframe>",
    "<svg><script>x</script></svg>",
    "<math>",
    "<div>",
    "</div>",
    "<p style=\"position:fixed\">",
    "<form><input>",
    // References in names: HTML never decodes them there (a regression hunt).
    "<scr&#1;ipt>",
    "<img src=a &#1;onerror=x>",
    "<img alt=&#1; title=\"a onerror=x b\">",
    "&&#1;#1;",
    "<template>",
    "<? x ?>",
    "<!DOCTYPE x [<!ENTITY e \"y\">]>",
    "&e;",
    "#",
    "## ",
    "===\n",
];

/// Bytes that are not valid UTF-8, or are UTF-16, mixed into some sources.
const RAW: &[&[u8]] = &[
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xe9",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\x80",
];

/// Front matter a source may start with: mostly valid, with hostile values.
const HEADERS: &[&str] = &[
    "---\ntitle: \"A ]]> &amp; <b>b</b> &#0;\"\ndate: 2026-01-02T10:00:00+14:00\n---\n",
    "---\ntitle: \"\u{202e}T\u{200b}\"\ntags: [\" \", \"\u{1f600}\", \"a/../b\", \"&lt;\"]\n---\n",
    "---\ntitle: T\nsummary: \"<script>x</script> &#x110000; ]]>\"\nauthor: \"A <a@b.c>\"\n---\n",
    "+++\ntitle = \"T\\u0001\"\ndate = 1969-12-31T23:59:59-12:00\n+++\n",
    "\u{feff}---\r\ntitle: T\r\n---\r\n",
    "---\ntitle: T\nlink: \"https://films.example/a b\"\n---\n",
    "",
];

fn source() -> impl Strategy<Value = Vec<u8>> {
    (proptest::sample::select(HEADERS), body())
        .prop_map(|(header, body)| [header.as_bytes(), &body].concat())
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        12 => proptest::sample::select(PIECES).prop_map(|p| p.as_bytes().to_vec()),
        1 => proptest::sample::select(RAW).prop_map(<[u8]>::to_vec),
        // Deep nesting: the parser must not recurse once per level.
        1 => (1usize..3000, proptest::sample::select(&["> ", "- ", "[", "<div>", "*"][..]))
            .prop_map(|(n, p)| p.repeat(n).into_bytes()),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

fn cases() -> ProptestConfig {
    ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// What no element of a rendered body may be or hold, whatever its source, as an HTML
/// tokenizer reads the body again.
fn assert_inert(html: &str) {
    use lol_html::{RewriteStrSettings, element, rewrite_str};
    let seen = std::cell::RefCell::new(Vec::new());
    let settings = RewriteStrSettings::new().append_element_content_handler(element!("*", |el| {
        let attributes = el.attributes().iter().map(|a| (a.name(), a.value()));
        seen.borrow_mut()
            .push((el.tag_name(), attributes.collect::<Vec<_>>()));
        Ok(())
    }));
    rewrite_str(html, settings).expect("the body reads as HTML");
    let active = [
        "script", "iframe", "form", "style", "object", "embed", "svg", "math",
    ];
    for (tag, attributes) in seen.into_inner() {
        assert!(!active.contains(&tag.as_str()), "<{tag}> in {html:?}");
        for (name, value) in attributes {
            let value = value.trim().to_ascii_lowercase();
            assert!(
                !name.starts_with("on") && name != "style",
                "{name} in <{tag}>"
            );
            for scheme in ["javascript:", "vbscript:"] {
                assert!(!value.contains(scheme), "{name}={value} in <{tag}>");
            }
            assert!(
                name != "href" || !value.starts_with("data:"),
                "<{tag} href={value}>"
            );
        }
    }
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn any_source_parses_and_renders_without_panic_into_xml_characters(
        bytes in source(),
        text in any::<bool>(),
    ) {
        let (kind, name) = if text {
            (BodyKind::Text, "content/x.txt")
        } else {
            (BodyKind::Markdown, "content/x.md")
        };
        let parsed = parse_entry(&bytes, Path::new(name), name, kind, Tz::Europe__Paris);
        let Ok((entry, _)) = parsed else {
            return Ok(());
        };
        let strings = [&*entry.title, &entry.slug, entry.summary().unwrap_or("")];
        for s in strings.iter().chain(entry.tags.iter().map(|t| &**t).collect::<Vec<_>>().iter()) {
            prop_assert!(s.chars().all(is_xml_char), "{s:?}");
        }
        let url = Url::parse("https://films.example/reviews/x/").unwrap();
        let rendered = render(kind, entry.body(), &url);
        prop_assert!(rendered.html.chars().all(is_xml_char));
        prop_assert!(rendered.first_paragraph.chars().all(is_xml_char));
        assert_inert(&rendered.html);
    }
}

/// Regression hunt: dropping a forbidden reference after the sanitizer joined what was around
/// it into names it had let pass as unknown (`<scr&#1;ipt>` became `<script>`). Replaced by
/// `&#xFFFD;`, each stays the unknown, inert name it was.
#[test]
fn a_forbidden_reference_in_a_name_never_makes_an_active_one() {
    let url = Url::parse("https://films.example/reviews/x/").unwrap();
    for body in [
        "<p><scr&#1;ipt>alert(7)</scr&#1;ipt></p>\n",
        "<p><img src=\"a.png\" &#1;onerror=\"alert(1)\"></p>\n",
        "<div><form&#1;><inp&#1;ut></form&#1;></div>\n",
        "<p><img alt=&#1; title=\"a onerror=alert(2) b\" src=\"/x.png\"></p>\n",
    ] {
        let html = render(BodyKind::Markdown, body, &url).html;
        assert_inert(&html);
        assert!(html.contains("&#xFFFD;"), "{html}");
    }
    // An attribute of another name is no link, whatever its value.
    let html = render(
        BodyKind::Markdown,
        "<p><a hr&#1;ef=\"javascript:alert(9)\">x</a></p>\n",
        &url,
    )
    .html;
    assert!(html.contains("<a hr&#xFFFD;ef="), "{html}");
    assert!(!html.contains(" href="), "{html}");
}
