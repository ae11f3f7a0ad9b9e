//! The plain-text summary of a Markdown body, gathered from the same parse that writes its
//! HTML (see [`super::render`]): the first paragraph with text, without the text the cleaner
//! removed from the HTML.

use std::cell::Cell;
use std::ops::Range;

use pulldown_cmark::{Event, Tag, TagEnd};

/// The HTML being written, with its length where the event loop can read it (see [`Summary`]).
pub(super) struct Measured<'a> {
    pub(super) out: &'a mut String,
    pub(super) len: &'a Cell<usize>,
}

impl std::fmt::Write for Measured<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.out.push_str(s);
        self.len.set(self.out.len());
        Ok(())
    }
}

/// The summary: the text of the first paragraph with text. Raw HTML may hide text (the cleaner
/// removes a `<script>` or `<style>` with what is inside, and an `<object>`'s fallback with the
/// object, even across paragraphs), and what is not shown must not be summed up: each piece of
/// text keeps where the writer put it in the HTML, to be left out when the cleaner removed that
/// part. From the first raw HTML on, paragraphs are gathered on in case the first ones hold
/// only such text.
#[derive(Default)]
pub(super) struct Summary {
    text: String,
    /// Each piece of `text`: where it ends in `text`, and where it was written in the HTML.
    pieces: Vec<(usize, usize)>,
    /// Where each paragraph with text ends, in `pieces`.
    paragraphs: Vec<usize>,
    /// Where the paragraph being read starts, in `pieces` and in `text`.
    open: (usize, usize),
    /// How many paragraphs are open.
    depth: usize,
    /// Raw HTML came before or in this paragraph.
    raw_html: bool,
    /// How many images are open, and whether the paragraph being read has text outside them:
    /// a paragraph of only a picture (a poster) is no summary, its alt text is ("poster").
    images: usize,
    plain: bool,
    done: bool,
    /// Inside an HTML block: where its tags end (a tag may span its lines).
    html: Option<HtmlText>,
}

/// Where an HTML block's text is, line by line: outside tags and comments.
#[derive(Default)]
struct HtmlText {
    in_tag: bool,
    in_comment: bool,
    /// Inside a tag, the quote that opened an attribute's value.
    quote: Option<u8>,
    /// Inside a tag, an `=` came last (spaces aside): a quote now opens a value.
    after_eq: bool,
    /// A tag that separates words (`<p>`, `<br>`, not `<em>`) came since the last text.
    space: bool,
}

/// Tags inside a line of text: no space between the words on either side.
const INLINE_TAGS: [&str; 22] = [
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i", "ins", "kbd",
    "mark", "q", "s", "small", "span", "strong", "sub", "sup",
];

impl HtmlText {
    /// The text runs of one line of an HTML block: each with references decoded, its offset
    /// in the line, and whether a word-separating tag came before it.
    fn runs(&mut self, line: &str) -> Vec<(String, usize, bool)> {
        let bytes = line.as_bytes();
        let (mut runs, mut i, mut start) = (Vec::new(), 0, None);
        while i < bytes.len() {
            let b = bytes[i];
            if self.in_comment {
                // By bytes: a comment's text may be any language's (`café`), and a slice of
                // the line there could split a character.
                if bytes[i..].starts_with(b"-->") {
                    self.in_comment = false;
                    i += 2;
                }
            } else if self.in_tag {
                // A quote opens a value only after `=`: in a name (`a'=1`) it is a character
                // of the name, as browsers read it.
                match (self.quote, b) {
                    (Some(q), _) if q == b => self.quote = None,
                    (Some(_), _) => {}
                    (None, b'>') => self.in_tag = false,
                    (None, b'=') => self.after_eq = true,
                    (None, b'"' | b'\'') if self.after_eq => self.quote = Some(b),
                    _ => {}
                }
                if !matches!(b, b'=' | b' ' | b'\t' | b'\n' | b'\r' | 0x0c) {
                    self.after_eq = false;
                }
            } else if b == b'<'
                && bytes
                    .get(i + 1)
                    .is_some_and(|n| n.is_ascii_alphabetic() || b"/!?".contains(n))
            {
                if let Some(s) = start.take() {
                    self.push_run(&mut runs, &line[s..i], s);
                }
                if bytes[i..].starts_with(b"<!--") {
                    self.in_comment = true;
                    i += 3;
                } else {
                    self.in_tag = true;
                    self.space |= !Self::inline(&line[i + 1..]);
                }
            } else if start.is_none() {
                start = Some(i);
            }
            i += 1;
        }
        if let Some(s) = start {
            self.push_run(&mut runs, &line[s..], s);
        }
        runs
    }

    fn push_run(&mut self, runs: &mut Vec<(String, usize, bool)>, text: &str, at: usize) {
        let decoded = htmlize::unescape(text).into_owned();
        runs.push((decoded, at, std::mem::take(&mut self.space)));
    }

    /// Whether the tag that starts `tag` (after its `<`) stays inside a line of text.
    fn inline(tag: &str) -> bool {
        let name = tag.trim_start_matches('/');
        let end = name
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(name.len());
        INLINE_TAGS.contains(&name[..end].to_ascii_lowercase().as_str())
    }
}

/// How much paragraph text [`Summary`] gathers after the first raw HTML: when the cleaner
/// removed it all, the summary is empty.
const SUMMARY_GATHERED: usize = 64 * 1024;

impl Summary {
    /// Reads one event of the body, whose HTML the writer starts at byte `at`.
    pub(super) fn event(&mut self, event: &Event<'_>, at: usize) {
        if self.done {
            return;
        }
        let piece = match event {
            // An HTML block is a paragraph of its own: its text is what a reader sees first
            // (`<div><p>…</p></div>`), and was skipped for the Markdown after it.
            Event::Start(Tag::HtmlBlock) => {
                self.raw_html = true;
                self.depth += 1;
                self.html = Some(HtmlText::default());
                return;
            }
            Event::End(TagEnd::HtmlBlock) if self.depth > 0 => {
                self.html = None;
                self.depth -= 1;
                self.paragraph_end();
                return;
            }
            Event::Html(t) => {
                if let Some(mut scan) = self.html.take() {
                    for (run, offset, space) in scan.runs(t) {
                        self.gather(&run, at + offset, space);
                    }
                    self.html = Some(scan);
                }
                return;
            }
            Event::InlineHtml(_) => {
                self.raw_html = true;
                return;
            }
            Event::Start(Tag::Paragraph) => {
                self.depth += 1;
                return;
            }
            Event::Start(Tag::Image { .. }) => {
                self.images += 1;
                return;
            }
            Event::End(TagEnd::Image) => {
                self.images = self.images.saturating_sub(1);
                return;
            }

            Event::End(TagEnd::Paragraph) if self.depth > 0 => {
                self.depth -= 1;
                self.paragraph_end();
                return;
            }
            Event::Text(t) | Event::Code(t) if self.depth > 0 => t,
            Event::SoftBreak | Event::HardBreak if self.depth > 0 => " ",
            _ => return,
        };
        self.gather(piece, at, false);
    }

    /// Adds one piece of text written at `at`, after a space when `space` (a tag between).
    fn gather(&mut self, piece: &str, at: usize, space: bool) {
        // A summary is a few sentences: a paragraph's text past this is not gathered (a body
        // of one paragraph of millions of lines held them all, twice).
        if self.text.len() - self.open.1 >= SUMMARY_GATHERED {
            return;
        }
        self.plain |= self.images == 0 && !piece.trim().is_empty();
        if space {
            self.text.push(' ');
        }
        self.text.push_str(piece);
        self.pieces.push((self.text.len(), at));
    }

    /// Keeps the paragraph just read if it has text; whether to read on is decided here.
    fn paragraph_end(&mut self) {
        let (pieces, text) = self.open;
        if !std::mem::take(&mut self.plain) || self.text[text..].trim().is_empty() {
            // Nothing to keep: forgotten, as if it was not there.
            self.text.truncate(text);
            self.pieces.truncate(pieces);
            return;
        }
        self.paragraphs.push(self.pieces.len());
        self.open = (self.pieces.len(), self.text.len());
        // Without raw HTML before it, nothing in this paragraph can have been removed.
        self.done = !self.raw_html || self.text.len() > SUMMARY_GATHERED;
    }

    /// The text of the first paragraph with text outside `removed` (byte ranges of the HTML,
    /// in the order they start).
    pub(super) fn text(self, removed: &[Range<usize>]) -> String {
        let mut removed = removed.iter().peekable();
        // The removed ranges read so far, merged where they nest or overlap: the pieces come
        // in the order they were written, so each range is read once.
        let mut gone = 0..0;
        let mut from = 0;
        let mut text_from = 0;
        for &end in &self.paragraphs {
            let mut kept = String::new();
            for &(text_end, at) in &self.pieces[from..end] {
                while let Some(next) = removed.next_if(|r| r.start <= at) {
                    gone = if next.start < gone.end {
                        gone.start..gone.end.max(next.end)
                    } else {
                        next.clone()
                    };
                }
                if !gone.contains(&at) {
                    kept.push_str(&self.text[text_from..text_end]);
                }
                text_from = text_end;
            }
            if !kept.trim().is_empty() {
                return kept;
            }
            from = end;
        }
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After raw HTML, pieces of two paragraphs written at bytes 0, 10, 20 and 30.
    fn summary() -> Summary {
        let mut s = Summary::default();
        for (event, at) in [
            (Event::InlineHtml("<x>".into()), 0),
            (Event::Start(Tag::Paragraph), 0),
            (Event::Text("a ".into()), 0),
            (Event::Text("b".into()), 10),
            (Event::End(TagEnd::Paragraph), 12),
            (Event::Start(Tag::Paragraph), 20),
            (Event::Text("c ".into()), 20),
            (Event::Code("d".into()), 30),
            (Event::End(TagEnd::Paragraph), 40),
        ] {
            s.event(&event, at);
        }
        s
    }

    #[test]
    fn removed_ranges_leave_out_their_pieces() {
        assert_eq!(summary().text(&[]), "a b");
        assert_eq!(summary().text(std::slice::from_ref(&(10..12))), "a ");
        // Nested and overlapping ranges: all of paragraph one goes.
        assert_eq!(summary().text(&[0..5, 1..2, 3..11, 11..12]), "c d");
        assert_eq!(summary().text(&[0..11, 30..31]), "c ");
        assert_eq!(summary().text(std::slice::from_ref(&(0..100))), "");
    }

    #[test]
    fn a_long_paragraph_is_gathered_up_to_the_limit() {
        let mut s = Summary::default();
        s.event(&Event::Start(Tag::Paragraph), 0);
        for at in 0..200_000 {
            s.event(&Event::Text("word ".into()), at);
        }
        s.event(&Event::End(TagEnd::Paragraph), 0);
        // Pieces of five bytes: the one that reaches the limit is the last.
        assert_eq!(s.pieces.len(), SUMMARY_GATHERED.div_ceil(5));
        assert_eq!(s.text.len(), SUMMARY_GATHERED.div_ceil(5) * 5);
        assert!(s.text(&[]).starts_with("word word"));
    }

    #[test]
    fn without_raw_html_first_the_first_paragraph_ends_the_reading() {
        let mut s = Summary::default();
        for event in [
            Event::Start(Tag::Paragraph),
            Event::Text(" ".into()),
            Event::End(TagEnd::Paragraph),
            Event::Start(Tag::Paragraph),
            Event::Text("one".into()),
            Event::End(TagEnd::Paragraph),
            Event::Start(Tag::Paragraph),
            Event::Text("two".into()),
            Event::End(TagEnd::Paragraph),
        ] {
            s.event(&event, 0);
        }
        assert_eq!(
            (s.text.as_str(), s.paragraphs.as_slice()),
            ("one", &[1][..])
        );
    }
}
