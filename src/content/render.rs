//! Body text to HTML: Markdown (CommonMark with tables, footnotes and strikethrough) or plain-text
//! paragraphs; relative URLs made absolute against the item's link; active content removed
//! (see [`super::clean`]); characters XML cannot hold dropped; a plain-text summary.

use std::borrow::Cow;
use std::cell::Cell;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, html};
use url::Url;

use super::clean::{Cleaned, clean_html};
use super::links::{absolutize_footnote_refs, resolve, unsafe_scheme};
use super::source::BodyKind;
use super::summary::{Measured, Summary};
use super::xml_chars::strip_illegal;

/// Longest generated summary, in characters, before it is cut at a word boundary.
pub const SUMMARY_CHARS: usize = 280;

#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub html: String,
    /// Plain text of the first paragraph, cut at a word boundary.
    pub first_paragraph: String,
    /// Warnings about what was changed in the body, each a whole sentence without the file's
    /// name (`body: removed 1 <script> element`), at most one per kind of change.
    pub notes: Vec<String>,
}

/// `body` (as [`super::parse_entry`] gives it: without characters XML forbids) as HTML, with
/// its summary and notes on what was changed.
pub fn render(kind: BodyKind, body: &str, item_url: &Url) -> Rendered {
    debug_assert!(
        body.chars().all(super::xml_chars::is_xml_char),
        "bodies are cleaned when read"
    );
    let mut cleaned = Cleaned::default();
    let (html, first) = match kind {
        BodyKind::Markdown => markdown(body, item_url, &mut cleaned),
        // Escaped text in paragraphs: no URL to make absolute.
        BodyKind::Text => plain_text(body),
    };
    let mut notes: Vec<String> = cleaned.note().into_iter().collect();
    let mut first_paragraph = cut_at_word(first.trim(), SUMMARY_CHARS);
    let mut html = html;
    // A numeric reference in Markdown (`&#x1;`, in text or in an attribute) is written as the
    // character it names, which may be one XML cannot hold; no other way in writes one (named
    // references never name such a character), so bodies without `&#` skip the search.
    static NUMERIC: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"&#"));
    if kind == BodyKind::Markdown && NUMERIC.find(body.as_bytes()).is_some() {
        let in_html;
        (html, in_html) = keep_xml_chars(html);
        let in_first;
        (first_paragraph, in_first) = keep_xml_chars(first_paragraph);
        // The summary's text is also in the HTML: each character is counted once.
        let dropped = in_html.max(in_first);
        if dropped > 0 {
            notes.push(format!(
                "body: dropped {dropped} character(s) that XML 1.0 does not allow"
            ));
        }
    }
    Rendered {
        html,
        first_paragraph,
        notes,
    }
}

/// `text` without the characters XML 1.0 forbids, and how many there were.
fn keep_xml_chars(text: String) -> (String, usize) {
    match strip_illegal(&text) {
        (_, 0) => (text, 0),
        (kept, n) => (kept.into_owned(), n),
    }
}

/// Markdown to HTML with every URL absolute and no active content. Link and image destinations
/// are made absolute (or, with a scheme that runs code, the link or image left out, its text
/// kept) as the parser gives them, before they are written; only raw HTML in the body (any tag
/// may hold a URL or a script) or footnote references (written by the HTML writer as
/// `href="#…"`) need a pass over the written HTML.
fn markdown(body: &str, base: &Url, cleaned: &mut Cleaned) -> (String, String) {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH;
    let mut out = String::with_capacity(body.len() * 3 / 2);
    let written = Cell::new(0);
    let mut raw_html = false;
    let mut footnotes = false;
    // One parse feeds both the HTML writer and the summary.
    let mut summary = Summary::default();
    let mut links = Links::default();
    let events = Parser::new_ext(body, options).map(|event| {
        summary.event(&event, written.get());
        match event {
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => links.start(event, base, cleaned),
            Event::End(TagEnd::Link | TagEnd::Image) => links.end(event),
            Event::Html(_) | Event::InlineHtml(_) => {
                raw_html = true;
                event
            }
            Event::FootnoteReference(_) => {
                footnotes = true;
                event
            }
            other => other,
        }
    });
    let writer = Measured {
        out: &mut out,
        len: &written,
    };
    // Writing to a `String` cannot fail.
    let _ = html::write_html_fmt(writer, events);
    if raw_html {
        let clean = clean_html(&out, base);
        cleaned.add(clean.cleaned);
        (clean.html, summary.text(&clean.removed))
    } else if footnotes {
        (absolutize_footnote_refs(out, base), summary.text(&[]))
    } else {
        (out, summary.text(&[]))
    }
}

/// The link and image events of one Markdown body, checked as they pass.
#[derive(Default)]
struct Links {
    /// For each link or image open, innermost in the lowest bit: whether it was left out (and
    /// so is its end). No allocation: links in a body are many, nested ones few. Past 128 open
    /// the oldest are forgotten: their ends are kept, and an end tag without its start does
    /// nothing.
    left_out: u128,
}

/// What takes the place of a left-out link's or image's start and end: an empty text, which
/// writes nothing, so the event stream keeps its shape and the text inside stays.
const NOTHING: Event<'static> = Event::Text(CowStr::Borrowed(""));

impl Links {
    /// A link's or image's start with its destination made absolute against `base`, or
    /// [`NOTHING`] when the destination has a scheme that runs code (counted in `cleaned`).
    /// Kept out of line: inlined into the event loop, it slowed every other event down (a
    /// tenth of the time of a body with links).
    #[inline(never)]
    fn start<'a>(&mut self, event: Event<'a>, base: &Url, cleaned: &mut Cleaned) -> Event<'a> {
        let scheme = match &event {
            Event::Start(Tag::Link { dest_url, .. }) => unsafe_scheme(dest_url, true),
            Event::Start(Tag::Image { dest_url, .. }) => unsafe_scheme(dest_url, false),
            _ => None,
        };
        self.left_out = (self.left_out << 1) | u128::from(scheme.is_some());
        match scheme {
            Some(scheme) => {
                cleaned.url_removed(scheme);
                NOTHING
            }
            None => absolute_destination(event, base),
        }
    }

    /// A link's or image's end, or [`NOTHING`] when its start was left out.
    fn end<'a>(&mut self, event: Event<'a>) -> Event<'a> {
        let left_out = self.left_out & 1 == 1;
        self.left_out >>= 1;
        if left_out { NOTHING } else { event }
    }
}

/// A link's or image's start with its destination made absolute against `base`.
fn absolute_destination<'a>(event: Event<'a>, base: &Url) -> Event<'a> {
    match event {
        // An e-mail autolink's destination is written after `mailto:`: never a path.
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if link_type != LinkType::Email => Event::Start(Tag::Link {
            link_type,
            dest_url: absolute(dest_url, base),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: absolute(dest_url, base),
            title,
            id,
        }),
        other => other,
    }
}

/// A link or image destination made absolute against `base` (see [`resolve`]).
fn absolute<'a>(dest: CowStr<'a>, base: &Url) -> CowStr<'a> {
    match resolve(&dest, base) {
        Cow::Borrowed(same) if same.len() == dest.len() => dest,
        other => CowStr::from(other.into_owned()),
    }
}

fn plain_text(body: &str) -> (String, String) {
    let mut out = String::with_capacity(body.len() + body.len() / 8);
    let mut first = None;
    for line in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if is_separator(line) {
            out.push_str("<hr />\n");
            continue;
        }
        first.get_or_insert(line);
        out.push_str("<p>");
        escape_into(&mut out, line);
        out.push_str("</p>\n");
    }
    (out, first.unwrap_or("").to_string())
}

/// A line that only separates the column from its footer: `—`, `--`, `***`, `___`, `==`, also
/// spaced as a scene break often is (`* * *`).
fn is_separator(line: &str) -> bool {
    let marks: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(marks.as_str(), "—" | "–")
        || (marks.chars().count() >= 2
            && marks
                .chars()
                .all(|c| matches!(c, '-' | '—' | '–' | '*' | '_' | '=')))
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    escape_into(&mut out, text);
    out
}

/// Appends `text` escaped for HTML element content and attribute values.
pub fn escape_into(out: &mut String, text: &str) {
    // Runs between the four ASCII characters are copied whole: a plain-text column is mostly
    // such runs.
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        let with = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => continue,
        };
        out.push_str(&text[start..i]);
        out.push_str(with);
        start = i + 1;
    }
    out.push_str(&text[start..]);
}

/// Cuts `text` to at most `max` characters at a word boundary, adding `…` when cut.
pub fn cut_at_word(text: &str, max: usize) -> String {
    // The text with its whitespace runs made single spaces, built only as far as needed: a
    // first paragraph may be long, the summary is short.
    let mut out = String::with_capacity(text.len().min(4 * max + 4));
    let mut chars = 0;
    for word in text.split_whitespace() {
        let sep = usize::from(!out.is_empty());
        let len = word.chars().count();
        if chars + sep + len > max {
            // The first `max` characters, cut at their last space.
            if sep == 1 && chars < max {
                out.push(' ');
                out.extend(word.chars().take(max - chars - 1));
            } else if sep == 0 {
                out.extend(word.chars().take(max));
            }
            let cut = out.rfind(' ').unwrap_or(out.len());
            return format!("{}…", out[..cut].trim_end_matches([',', ';', ':', ' ']));
        }
        if sep == 1 {
            out.push(' ');
        }
        out.push_str(word);
        chars += sep + len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://example.com/reviews/heat/").unwrap()
    }

    #[test]
    fn markdown_tables_footnotes_and_links() {
        let r = render(
            BodyKind::Markdown,
            "Intro [a](../x/) and ![p](img/p.jpg \"t\")[^1].\n\n|a|b|\n|-|-|\n|1|2|\n\n[^1]: Note [f](#top).\n",
            &url(),
        );
        assert!(r.html.contains("<table>"), "{}", r.html);
        assert!(
            r.html.contains("href=\"https://example.com/reviews/x/\""),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("src=\"https://example.com/reviews/heat/img/p.jpg\""),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("href=\"https://example.com/reviews/heat/#top\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("footnote-definition"), "{}", r.html);
        assert!(
            r.html
                .contains("<a href=\"https://example.com/reviews/heat/#1\">1</a>"),
            "a footnote reference points at the item's page: {}",
            r.html
        );
        assert_eq!(
            r.first_paragraph, "Intro a and p.",
            "footnote markers stay out of the summary"
        );
    }

    /// Audit: `* * *`, a scene break, was a paragraph of stars in a plain-text column.
    #[test]
    fn a_spaced_scene_break_is_a_rule() {
        let url = Url::parse("https://example.com/reviews/heat/").unwrap();
        let r = render(BodyKind::Text, "One.\n* * *\nTwo.\n", &url);
        assert_eq!(r.html, "<p>One.</p>\n<hr />\n<p>Two.</p>\n");
        assert!(!is_separator("a - b") && !is_separator("*") && is_separator(" - - - "));
    }

    /// Audit: a first paragraph of only a poster was summed up by its alt text, "poster".
    #[test]
    fn an_image_alt_text_is_no_summary() {
        let url = Url::parse("https://example.com/reviews/heat/").unwrap();
        let r = render(
            BodyKind::Markdown,
            "![poster](p.jpg)\n\nThe film opens.\n",
            &url,
        );
        assert_eq!(r.first_paragraph, "The film opens.");
        // Beside text, an image's alt text reads as part of the sentence.
        let r = render(BodyKind::Markdown, "A ![still](s.jpg) shot.\n", &url);
        assert_eq!(r.first_paragraph, "A still shot.");
    }

    #[test]
    fn every_kind_of_url_in_markdown_ends_up_absolute() {
        let body = "[q](../x/?a=1&b=2 \"t\") <mail@example.com> <https://x.org/y> [e]()                     [m](mailto:a@b.c) [s](/about)\n\n<img src=\"raw.jpg\"> <a href='../r/'>r</a>\n";
        let html = render(BodyKind::Markdown, body, &url()).html;
        for part in [
            "href=\"https://example.com/reviews/x/?a=1&amp;b=2\" title=\"t\"",
            "href=\"mailto:mail@example.com\"",
            "href=\"https://x.org/y\"",
            "href=\"\"",
            "href=\"mailto:a@b.c\"",
            "href=\"https://example.com/about\"",
            "src=\"https://example.com/reviews/heat/raw.jpg\"",
            "href=\"https://example.com/reviews/r/\"",
        ] {
            assert!(html.contains(part), "{part} in {html}");
        }
        // Without raw HTML or footnotes, the links are made absolute before they are written.
        let plain = render(BodyKind::Markdown, "[a](b/) ![c](d.png)\n", &url()).html;
        assert_eq!(
            plain,
            "<p><a href=\"https://example.com/reviews/heat/b/\">a</a> <img src=\"https://example.com/reviews/heat/d.png\" alt=\"c\" /></p>\n"
        );
    }

    #[test]
    fn links_and_images_that_run_code_keep_only_their_text() {
        let r = render(
            BodyKind::Markdown,
            "[x](javascript:alert(1)) [y](JAVASCRIPT&colon;x) ![z](vbscript:x) [w](data:text/html,x) ![i](data:image/png;base64,AA) <javascript:alert(2)> [ok](b/)\n",
            &url(),
        );
        assert_eq!(
            r.html,
            "<p>x y z w <img src=\"data:image/png;base64,AA\" alt=\"i\" /> javascript:alert(2) <a href=\"https://example.com/reviews/heat/b/\">ok</a></p>\n"
        );
        assert_eq!(
            r.notes,
            ["body: removed 3 javascript: URLs, 1 vbscript: URL, 1 data: URL"]
        );
        // Nested: each end goes with its own start.
        let nested = render(
            BodyKind::Markdown,
            "[![kept](a.png)](javascript:x) [t ![gone](javascript:y) u](/ok)\n",
            &url(),
        );
        assert_eq!(
            nested.html,
            "<p><img src=\"https://example.com/reviews/heat/a.png\" alt=\"kept\" /> <a href=\"https://example.com/ok\">t gone u</a></p>\n"
        );
    }

    #[test]
    fn raw_html_is_cleaned_and_counted_with_markdown_links() {
        let r = render(
            BodyKind::Markdown,
            "Intro [x](javascript:x).\n\n<script>alert(1)</script>\n\n<iframe src=\"https://v.example/e/1\"></iframe>\n",
            &url(),
        );
        assert_eq!(
            r.html,
            "<p>Intro x.</p>\n\n<a href=\"https://v.example/e/1\">https://v.example/e/1</a>\n"
        );
        assert_eq!(
            r.notes,
            ["body: removed 1 <script> element, 1 javascript: URL; turned 1 <iframe> into a link"]
        );
        assert_eq!(r.first_paragraph, "Intro x.");
    }

    /// Audit: the summary held the text of the `<script>` and `<style>` the body lost
    /// (`Hello alert(document.cookie) world p{color:red} end.`).
    #[test]
    fn text_the_cleaner_removed_is_not_in_the_summary() {
        let r = render(
            BodyKind::Markdown,
            "Hello <script>alert(document.cookie)</script> world <style>p{color:red}</style> end.\n",
            &url(),
        );
        assert_eq!(r.html, "<p>Hello  world  end.</p>\n");
        assert_eq!(r.first_paragraph, "Hello world end.");
        // A paragraph of removed text only is no first paragraph; an `<object>`'s fallback
        // goes with it, however many paragraphs it spans.
        let r = render(
            BodyKind::Markdown,
            "<object data=\"film.mp4\">\n\nFallback *text*.\n\n</object>\n\n<svg><title>star</title></svg> <noscript>`x`</noscript>\n\nFirst <math><mi>shown</mi></math> words.\n\nSecond.\n",
            &url(),
        );
        assert_eq!(r.first_paragraph, "First words.");
        assert!(!r.html.contains("Fallback"), "{}", r.html);
    }

    /// Audit: a Unicode space before `javascript:` passed the scheme check, then was trimmed
    /// off as the URL was written: live script links in every feed.
    #[test]
    fn a_unicode_space_before_a_scheme_hides_nothing() {
        let body = "Click <a href=\"&nbsp;javascript:document.title='x'\">here</a>.\n\n\
            <iframe src=\"&#160;javascript:alert(2)\"></iframe>\n\n\
            <form action=\"&#8232;javascript:alert(3)\"><button formaction=\"\u{3000}vbscript:y\">Go</button></form>\n\n\
            [c](<\u{a0}javascript:alert(4)>) <a href=\"&#160;&#160;java&#x09;script:z\">t</a> \
            <a href=\"&#x2028;data:text/html,x\">d</a> <img src=\"\u{2003}javascript:w\">\n";
        let r = render(BodyKind::Markdown, body, &url());
        let lower = r.html.to_ascii_lowercase();
        for scheme in ["javascript", "vbscript", "data:"] {
            assert!(!lower.contains(scheme), "{scheme}: {}", r.html);
        }
        assert!(
            r.notes.iter().any(|n| n.contains("javascript: URL")),
            "{:?}",
            r.notes
        );
    }

    /// Audit: a body that opens with an HTML block (`<div><p>…</p></div>`) was summed up by
    /// the Markdown paragraph after it.
    #[test]
    fn an_html_block_first_is_the_summary() {
        let first = |body: &str| render(BodyKind::Markdown, body, &url()).first_paragraph;
        let cases = [
            (
                "<div><p>The first words.</p></div>\n\nSecond.\n",
                "The first words.",
            ),
            (
                "<div><script>alert(1)</script><p>Real &amp; true</p></div>\n\nNext.\n",
                "Real & true",
            ),
            ("<!-- a note <p>hidden</p> -->\n\nFirst.\n", "First."),
            (
                "<p>un<em>believ</em>able<br>next</p>\n",
                "unbelievable next",
            ),
            ("<div\n class=\"a>b\">Text</div>\n\nLater.\n", "Text"),
            (
                "<object data=\"f.mp4\">\n\nFallback.\n\n</object>\n\nShown.\n",
                "Shown.",
            ),
            (
                "<style>\np { color: red }\n</style>\n\nAfter the style.\n",
                "After the style.",
            ),
            // Audit: a comment opened in an HTML block and closed in the paragraph after.
            (
                "<div><!-- private\n\nmy private draft notes <!-- -->\n\nPublic text.\n",
                "Public text.",
            ),
            // Audit: a panic on a comment's accented text, and a stray quote in a name.
            ("<div><!-- café note --></div>\n\nHello.\n", "Hello."),
            ("<p>Inline <!-- résumé --> x</p>\n", "Inline x"),
            (
                "<div a'=1 title=\"it's>SECRET\" onmouseover=\"it's>x\">Shown</div>\n",
                "Shown",
            ),
        ];
        for (body, want) in cases {
            assert_eq!(first(body), want, "{body}");
        }
    }

    #[test]
    fn references_to_characters_xml_forbids_are_dropped() {
        let r = render(
            BodyKind::Markdown,
            "A&#x1;b &#xFFFE;c &#0; &#x1F3AC;\n\n`&#x1;`\n",
            &url(),
        );
        assert_eq!(
            r.html,
            "<p>Ab c \u{FFFD} \u{1F3AC}</p>\n<p><code>&amp;#x1;</code></p>\n"
        );
        assert_eq!(r.first_paragraph, "Ab c \u{FFFD} \u{1F3AC}");
        assert_eq!(
            r.notes,
            ["body: dropped 2 character(s) that XML 1.0 does not allow"]
        );
        assert!(
            render(BodyKind::Markdown, "fine\n", &url())
                .notes
                .is_empty()
        );
    }

    #[test]
    fn plain_text_paragraphs_keep_typography() {
        let r = render(
            BodyKind::Text,
            "“Heat” — it’s 1995…\nSecond & <last>.\n\n--\nPromo\n",
            &url(),
        );
        assert_eq!(
            r.html,
            "<p>“Heat” — it’s 1995…</p>\n<p>Second &amp; &lt;last&gt;.</p>\n<hr />\n<p>Promo</p>\n"
        );
        assert_eq!(r.first_paragraph, "“Heat” — it’s 1995…");
    }

    #[test]
    fn escaping_keeps_everything_but_the_four_characters() {
        assert_eq!(
            escape_html("“Heat” <1995> & 'Ronin' — \"naïve\" 🎬"),
            "“Heat” &lt;1995&gt; &amp; 'Ronin' — &quot;naïve&quot; 🎬"
        );
        assert_eq!(escape_html(""), "");
        assert_eq!(escape_html("&"), "&amp;");
    }

    /// The definition `cut_at_word` keeps: whitespace made single spaces, then cut.
    fn cut_simply(text: &str, max: usize) -> String {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() <= max {
            return text;
        }
        let byte_max = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
        let cut = text[..byte_max].rfind(' ').unwrap_or(byte_max);
        format!("{}…", text[..cut].trim_end_matches([',', ';', ':', ' ']))
    }

    #[test]
    fn cut_at_word_is_the_simple_cut() {
        let texts = [
            "",
            "  one  ",
            "one two three",
            "a, b; c: d e",
            "word\twith\n tabs  and   runs of spaces",
            "ünïcödé wörds – and “quotes”, here; there",
            "averyveryverylongwordwithoutanyspaces and more",
        ];
        for text in texts {
            for max in 0..50 {
                assert_eq!(
                    cut_at_word(text, max),
                    cut_simply(text, max),
                    "{text:?} {max}"
                );
            }
        }
    }

    #[test]
    fn cut_at_word_boundary() {
        assert_eq!(cut_at_word("one two three", 9), "one two…");
        assert_eq!(cut_at_word("short", 9), "short");
        assert_eq!(cut_at_word("ééééé ééééé", 7), "ééééé…");
    }
}
