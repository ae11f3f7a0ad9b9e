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
    if first_paragraph.is_empty() {
        // Notes made only of a heading and a list: without a paragraph, the text shown first
        // (the cleaned HTML's: nothing removed is summed up). Empty, a podcast's description
        // was empty and the RSS description the whole body.
        first_paragraph = cut_at_word(&shown_text(&html), SUMMARY_CHARS);
    }
    let mut html = html;
    // A numeric reference in Markdown (`&#x1;`, in text or in an attribute) is written as the
    // character it names, which may be one XML cannot hold; no other way in writes one (named
    // references never name such a character), so bodies without `&#` skip the search.
    static NUMERIC: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"&#"));
    if kind == BodyKind::Markdown && NUMERIC.find(body.as_bytes()).is_some() {
        let (in_html, in_raw_html);
        (html, in_html) = keep_xml_chars(html);
        // Raw HTML's references are written as they came: those are counted on their own.
        (html, in_raw_html) = super::xml_chars::drop_forbidden_references(html);
        let in_first;
        (first_paragraph, in_first) = keep_xml_chars(first_paragraph);
        // The summary's text is also in the HTML: each character is counted once.
        let dropped = in_html.max(in_first) + in_raw_html;
        if dropped > 0 {
            notes.push(format!(
                "body: dropped {dropped} character(s) that XML 1.0 does not allow"
            ));
        }
    }
    let (html, in_html) = super::credentials::without_passwords(html);
    let (first_paragraph, in_first) = super::credentials::without_passwords(first_paragraph);
    if in_html + in_first > 0 {
        notes.push(format!(
            "body: took the user name and password out of {} URL(s), which every reader of the feed would see (change that password)",
            in_html.max(in_first)
        ));
    }
    Rendered {
        html,
        first_paragraph,
        notes,
    }
}

/// The largest body an item carries, as HTML. It is one text in the feed (a CDATA section,
/// or escaped text that parses back to it), and libxml2 refuses a text of more than
/// 10,000,000 bytes unless told otherwise: one such item would make the whole feed unreadable.
/// An 8 MB source of `&` and `<` renders to ~30 MB.
pub const MAX_BODY_HTML: usize = 9_000_000;

/// Why a body rendered to `len` bytes of HTML is refused, if it is (see [`MAX_BODY_HTML`]).
pub fn html_too_large(len: usize) -> Option<String> {
    #[expect(clippy::cast_precision_loss, reason = "a size shown to one decimal")]
    let mb = len as f64 / 1_000_000.0;
    (len > MAX_BODY_HTML).then(|| {
        format!(
            "its body is {mb:.1} MB as HTML, more than the {} MB an item may carry: XML parsers (libxml2, in many readers) refuse a text of over 10 MB, and would reject the whole feed; split it into shorter entries",
            MAX_BODY_HTML / 1_000_000
        )
    })
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

/// The text of cleaned HTML as a reader sees it, its first [`SUMMARY_CHARS`] words or so:
/// tags that separate words (not `<em>`) are spaces, references decoded.
fn shown_text(html: &str) -> String {
    const INLINE: [&str; 12] = [
        "a", "abbr", "b", "code", "del", "em", "i", "mark", "s", "strong", "sub", "sup",
    ];
    let mut text = String::new();
    let mut rest = html;
    // Cleaned HTML: every `<` opens a tag or a comment (text is escaped), attribute values
    // are quoted and hold no `>` unescaped.
    // Runs of white space are kept as one: the bound below counts what is shown, and a list
    // nested 600 deep (a tag and a line break a level) was cut before its only word.
    let push = |text: &mut String, piece: &str| {
        if piece.trim().is_empty() {
            if !text.is_empty() && !text.ends_with(' ') {
                text.push(' ');
            }
        } else {
            text.push_str(piece);
        }
    };
    while let Some(open) = rest.find('<') {
        push(&mut text, &rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = rest[open + 1..open + close].trim_start_matches('/');
        let name = tag.split([' ', '/']).next().unwrap_or_default();
        if !INLINE.contains(&name) {
            push(&mut text, " ");
        }
        rest = &rest[open + close + 1..];
        if text.len() > 8 * SUMMARY_CHARS {
            rest = "";
        }
    }
    text.push_str(rest);
    htmlize::unescape(text).into_owned()
}

/// How many of `chars` (a word longer than a summary) a cut after `max` of them keeps without
/// splitting a character a reader sees as one (`e` and its accent, a flag, a family emoji).
fn whole_characters(chars: &[char], max: usize) -> usize {
    // Hangul syllables written as conjoining jamo: a vowel or final after a leading one.
    let jamo_tail = |c: char| matches!(c, '\u{1160}'..='\u{11FF}' | '\u{D7B0}'..='\u{D7FF}');
    let joins = |before: char, next: char| {
        unicode_normalization::char::is_combining_mark(next)
            || matches!(next, '\u{200D}' | '\u{FE00}'..='\u{FE0F}' | '\u{1F3FB}'..='\u{1F3FF}')
            || matches!(next, '\u{E0020}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}')
            // Thai and Lao SARA AM: letters by category, part of the syllable before them.
            || matches!(next, '\u{0E33}' | '\u{0EB3}')
            || jamo_tail(next)
            || before == '\u{200D}'
    };
    let regional = |c: char| ('\u{1F1E6}'..='\u{1F1FF}').contains(&c);
    let mut n = max.min(chars.len());
    while n > 0 && n < chars.len() && joins(chars[n - 1], chars[n]) {
        n -= 1;
    }
    // Flags are pairs of regional indicators: a cut after an odd run of them splits one.
    let run = chars[..n]
        .iter()
        .rev()
        .take_while(|&&c| regional(c))
        .count();
    if run % 2 == 1 && chars.get(n).is_some_and(|&c| regional(c)) {
        n -= 1;
    }
    n
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
                let chars: Vec<char> = word.chars().take(max + 16).collect();
                out.extend(&chars[..whole_characters(&chars, max)]);
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
#[path = "render_tests.rs"]
mod tests;
