//! The well-formedness walk: XML 1.0 (fifth edition) and Namespaces in XML 1.0, checked over a
//! document given in parts as it is written, reporting each element to the format's rules (a
//! [`Visitor`]). A full feed is ~100 MB, so the walk holds no more of it than the part at hand
//! and the open elements; bodies are scanned, never copied.
//!
//! The walk is written here rather than taken from a parser: the parsers that conform
//! (roxmltree, xml-rs) need the whole document or decode it a character at a time, and the one
//! that streams fast (quick-xml) is lenient by design (no `Char` check, names unchecked,
//! `]]>` allowed in text). Its conformance is proven against roxmltree by a differential
//! property test (`tests/cli/trust_verify.rs`). What it checks: every character a `Char` (once, over
//! the bytes as they come, in [`lex::check_chars`]); references well-formed, naming a `Char` or
//! one of the five predefined entities (there is no DTD, and a DOCTYPE is refused); no bare `&`
//! or `<` in text or attribute values; no `]]>` in text; comments, CDATA sections and
//! processing instructions closed; the XML declaration well-formed and first; one root element;
//! matching end tags; no attribute twice; every prefix bound; after the root only comments,
//! processing instructions and white space.

use super::lex::{self, Reference, is_space, shown};
pub(crate) use super::tags::Tag;
use super::tags::{Attr, Scope};

/// What the walk keeps of an element's own text (the text, CDATA and references directly in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Capture {
    /// Nothing: the text is only checked.
    Skip,
    /// The text, with child elements written back as `<name ...>` markers (as atom_syndication
    /// reads text constructs); for short fields only.
    Text,
    /// Only whether it holds anything but white space: for bodies, which are never copied.
    Presence,
}

/// The text of a finished element, as asked for by [`Capture`].
pub(crate) enum Captured<'t> {
    None,
    Text(&'t str),
    Present(bool),
}

/// Receives the elements of a document in order; `depth` is 0 for the root element.
pub(crate) trait Visitor {
    /// An element starts; returns what to keep of its text, or why the document is rejected.
    fn start(&mut self, depth: usize, tag: &Tag<'_>) -> Result<Capture, String>;
    /// The element started last at `depth` ends.
    fn end(&mut self, depth: usize, text: Captured<'_>);
}

/// A visitor with no rules: the walk alone (see [`well_formed`]).
struct NoRules;

impl Visitor for NoRules {
    fn start(&mut self, _: usize, _: &Tag<'_>) -> Result<Capture, String> {
        Ok(Capture::Skip)
    }
    fn end(&mut self, _: usize, _: Captured<'_>) {}
}

/// Where a document breaks the rules, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    /// 1-based.
    pub line: u64,
    /// 1-based, in characters.
    pub column: u64,
    pub message: String,
}

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// Whether `xml` is a well-formed, namespace-well-formed XML 1.0 document (without a DTD).
pub fn well_formed(xml: &[u8]) -> Result<(), XmlError> {
    let mut walker = Walker::default();
    walker.part(xml, &mut NoRules)?;
    walker.finish(&mut NoRules)
}

/// An open element.
#[derive(Debug)]
struct Open {
    /// Where its name ends in [`Walker::names`].
    name_end: usize,
    capture: Capture,
    /// The namespace bindings in force outside it.
    bindings: usize,
}

/// The step a piece of the walk takes: to the byte after what it read, or `None` when the
/// part ends before the piece does (the rest is kept for the next part).
pub(super) type Step = Result<Option<usize>, (usize, String)>;

/// Walks a document given in one or more parts, verifying that it is well-formed, and reports
/// every element to a visitor. A part may end anywhere: markup it cuts is kept and walked
/// with the next part (a build cuts between items, so this copies nothing there).
#[derive(Debug, Default)]
pub(crate) struct Walker {
    /// The end of the previous parts that was not walked yet (markup they cut).
    carry: Vec<u8>,
    /// How much of `carry` was checked for characters already.
    checked: usize,
    /// Where `carry` (the next byte to walk) is in the document.
    offset: u64,
    /// Line breaks in the bytes checked for characters so far.
    newlines: u64,
    /// Characters between the start of the line of `offset` and `offset`.
    line_chars: u64,
    /// The names of the open elements, one after the other.
    names: Vec<u8>,
    open: Vec<Open>,
    scope: Scope,
    attrs: Vec<Attr>,
    /// The innermost open element that captures: its text goes to `text` / `present`.
    capturing: Option<usize>,
    text: String,
    present: bool,
    seen_root: bool,
    /// Whether the document starts with a byte order mark (the declaration may follow it).
    bom: bool,
}

impl Walker {
    /// Walks the next part of the document.
    pub(crate) fn part(&mut self, part: &[u8], visitor: &mut impl Visitor) -> Result<(), XmlError> {
        if self.carry.is_empty() {
            let walked = self.walk(part, false, visitor)?;
            self.carry.extend_from_slice(&part[walked..]);
        } else {
            let mut buf = std::mem::take(&mut self.carry);
            buf.extend_from_slice(part);
            let walked = self.walk(&buf, false, visitor)?;
            buf.drain(..walked);
            self.carry = buf;
        }
        Ok(())
    }

    /// The document has ended: what a part cut must be complete, and every element closed.
    pub(crate) fn finish(&mut self, visitor: &mut impl Visitor) -> Result<(), XmlError> {
        let buf = std::mem::take(&mut self.carry);
        if self.checked < buf.len() {
            let message = "the document ends inside a UTF-8 character".into();
            return Err(self.locate(&buf[..self.checked], self.checked, message));
        }
        self.walk(&buf, true, visitor)?;
        let end = |walker: &Walker, message| walker.locate(&[], 0, message);
        if let Some(open) = self.open.last() {
            let start = self
                .open
                .len()
                .checked_sub(2)
                .map_or(0, |i| self.open[i].name_end);
            let name = shown(&self.names[start..open.name_end]);
            return Err(end(
                self,
                format!("the document ends before <{name}> is closed"),
            ));
        }
        if !self.seen_root {
            return Err(end(self, "the document has no root element".into()));
        }
        Ok(())
    }

    /// Checks the characters of `buf` not checked yet and walks what is whole; returns how
    /// much was walked (the rest is markup cut by the end of the part, unless `last`).
    fn walk(
        &mut self,
        buf: &[u8],
        last: bool,
        visitor: &mut impl Visitor,
    ) -> Result<usize, XmlError> {
        let from = self.checked;
        // A character that is not allowed is reported once the markup before it is walked:
        // the first error in the document is the one reported, however it is cut into parts.
        let (checked, bad_char) = match lex::check_chars(&buf[from..]) {
            Ok(checked) => (checked, None),
            Err((at, message)) => {
                let newlines = bytecount(&buf[from..from + at]);
                (
                    lex::Checked {
                        whole: at,
                        newlines,
                    },
                    Some(message),
                )
            }
        };
        self.newlines += checked.newlines;
        let whole = from + checked.whole;
        self.checked = whole;
        let walked = self
            .scan(&buf[..whole], last && bad_char.is_none(), visitor)
            .map_err(|(at, message)| self.locate(&buf[..whole], at, message))?;
        if let Some(message) = bad_char {
            return Err(self.locate(&buf[..whole], whole, message));
        }
        self.line_chars = match memchr::memrchr(b'\n', &buf[..walked]) {
            Some(i) => chars(&buf[i + 1..walked]),
            None => self.line_chars + chars(&buf[..walked]),
        };
        self.offset += walked as u64;
        self.checked -= walked;
        Ok(walked)
    }

    /// The position of byte `at` of `buf`, which starts at `offset` and ends where the bytes
    /// checked for characters (whose line breaks are counted) end.
    fn locate(&self, buf: &[u8], at: usize, message: String) -> XmlError {
        let at = at.min(buf.len());
        XmlError {
            line: 1 + self.newlines - bytecount(&buf[at..]),
            ..self.column(buf, at, message)
        }
    }

    /// [`Walker::locate`]'s column (the line is left 0 for the caller).
    fn column(&self, buf: &[u8], at: usize, message: String) -> XmlError {
        let column = match memchr::memrchr(b'\n', &buf[..at]) {
            Some(i) => chars(&buf[i + 1..at]),
            None => self.line_chars + chars(&buf[..at]),
        };
        XmlError {
            line: 0,
            column: column + 1,
            message,
        }
    }

    /// Walks `buf` (whole characters, all checked) as far as it can; returns how far.
    fn scan(
        &mut self,
        buf: &[u8],
        last: bool,
        v: &mut impl Visitor,
    ) -> Result<usize, (usize, String)> {
        let mut at = 0;
        while at < buf.len() {
            let step = match buf[at] {
                b'<' => self.markup(buf, at, last, v)?,
                b'&' => self.reference(buf, at, last)?,
                _ => self.text(buf, at, last)?,
            };
            match step {
                Some(next) => at = next,
                None => return Ok(at),
            }
        }
        Ok(at)
    }

    /// Text up to the next markup or reference.
    fn text(&mut self, buf: &[u8], at: usize, last: bool) -> Step {
        let mut from = at;
        loop {
            let next =
                memchr::memchr3(b'<', b'&', b']', &buf[from..]).map_or(buf.len(), |i| from + i);
            if next < buf.len() && buf[next] == b']' {
                let rest = &buf[next..];
                if rest.starts_with(b"]]>") {
                    return Err((next, "`]]>` in text (write `]]&gt;`)".into()));
                }
                // `]` or `]]` cut by the end of the part may start a `]]>`.
                if !last && rest.len() < 3 && b"]]".starts_with(rest) {
                    self.keep_text(&buf[at..next], at)?;
                    return Ok((next > at).then_some(next));
                }
                from = next + 1;
                continue;
            }
            self.keep_text(&buf[at..next], at)?;
            return Ok(Some(next));
        }
    }

    /// Text found at `at`: white space only outside the root element; kept if captured.
    fn keep_text(&mut self, text: &[u8], at: usize) -> Result<(), (usize, String)> {
        if self.open.is_empty() {
            // A byte order mark is no text: it may start the document.
            let text = match text.strip_prefix("\u{FEFF}".as_bytes()) {
                Some(rest) if self.offset + at as u64 == 0 => {
                    self.bom = true;
                    rest
                }
                _ => text,
            };
            let Some(i) = text.iter().position(|&b| !is_space(b)) else {
                return Ok(());
            };
            let c = lex::first_char(&text[i..]).map_or('?', |(c, _)| c);
            let place = if self.seen_root { "after" } else { "before" };
            return Err((at + i, format!("text {place} the root element (`{c}`…)")));
        }
        if self.capturing == Some(self.open.len() - 1) {
            self.keep(text);
        }
        Ok(())
    }

    /// Keeps text of the capturing element (whole characters), as its capture says. A body is
    /// only looked at up to its first character that is not white space.
    fn keep(&mut self, text: &[u8]) {
        match self.open[self.open.len() - 1].capture {
            Capture::Text => self
                .text
                .push_str(std::str::from_utf8(text).unwrap_or_default()),
            Capture::Presence if !self.present => self.present = has_text(text),
            _ => {}
        }
    }

    fn reference(&mut self, buf: &[u8], at: usize, last: bool) -> Step {
        if self.open.is_empty() {
            return Err((at, "a reference outside the root element".into()));
        }
        match lex::reference(&buf[at..]).map_err(|m| (at, m))? {
            Reference::Whole(len, resolved) => {
                if self.capturing == Some(self.open.len() - 1) {
                    self.keep(resolved.text(&mut [0; 4]).as_bytes());
                }
                Ok(Some(at + len))
            }
            Reference::Cut => cut(last, at, "a reference"),
        }
    }

    fn markup(&mut self, buf: &[u8], at: usize, last: bool, v: &mut impl Visitor) -> Step {
        match buf.get(at + 1) {
            None => cut(last, at, "markup"),
            Some(b'/') => self.end_tag(buf, at, last, v),
            Some(b'?') => self.instruction(buf, at, last),
            Some(b'!') => self.declaration(buf, at, last),
            Some(_) => super::tags::start_tag(self, buf, at, last, v),
        }
    }

    /// `<!--`, `<![CDATA[` or `<!DOCTYPE`.
    fn declaration(&mut self, buf: &[u8], at: usize, last: bool) -> Step {
        let rest = &buf[at..];
        let starts = |p: &[u8]| rest.starts_with(p);
        let may_start = |p: &[u8]| rest.len() < p.len() && p.starts_with(rest);
        if starts(b"<!--") {
            return comment(buf, at, last);
        }
        if starts(b"<![CDATA[") {
            return self.cdata(buf, at, last);
        }
        if starts(b"<!DOCTYPE") {
            return Err((
                at,
                "a DOCTYPE declaration (feeds have none: readers may refuse to load a DTD)".into(),
            ));
        }
        if may_start(b"<!--") || may_start(b"<![CDATA[") || may_start(b"<!DOCTYPE") {
            return cut(last, at, "markup");
        }
        let third = lex::first_char(&rest[2..]).map_or(2, |(_, len)| 2 + len);
        let message = format!(
            "`{}` starts no comment or CDATA section",
            shown(&rest[..third])
        );
        Err((at, message))
    }

    fn cdata(&mut self, buf: &[u8], at: usize, last: bool) -> Step {
        if self.open.is_empty() {
            return Err((at, "a CDATA section outside the root element".into()));
        }
        let start = at + 9;
        let Some(len) = crate::feed::find_cdata_end(&buf[start..]) else {
            return cut(last, at, "a CDATA section (`]]>` is missing)");
        };
        if len > MAX_TEXT {
            return Err((
                at,
                format!("a CDATA section of {len} bytes: libxml2 refuses over {MAX_TEXT}"),
            ));
        }
        if self.capturing == Some(self.open.len() - 1) {
            self.keep(&buf[start..start + len]);
        }
        Ok(Some(start + len + 3))
    }

    /// `<?target ...?>`, or the XML declaration.
    fn instruction(&mut self, buf: &[u8], at: usize, last: bool) -> Step {
        let Some(len) = memchr::memmem::find(&buf[at + 2..], b"?>") else {
            return cut(last, at, "a processing instruction (`?>` is missing)");
        };
        let body = &buf[at + 2..at + 2 + len];
        let target = lex::name_len(body);
        if target == 0 {
            return Err((at, "`<?` is not followed by a name".into()));
        }
        if target < body.len() && !is_space(body[target]) {
            return Err((
                at + 2 + target,
                "a processing instruction's name must be followed by white space".into(),
            ));
        }
        let name = &body[..target];
        if name.eq_ignore_ascii_case(b"xml") {
            let first = self.offset + at as u64 == if self.bom { 3 } else { 0 };
            if name != b"xml" || !first {
                return Err((
                    at,
                    "the XML declaration `<?xml ...?>` must come first, in lower case".into(),
                ));
            }
            super::tags::declaration(body).map_err(|m| (at, m))?;
        } else if name.contains(&b':') {
            return Err((
                at,
                format!(
                    "processing instruction target `{}` has a colon",
                    shown(name)
                ),
            ));
        }
        Ok(Some(at + 2 + len + 2))
    }

    fn end_tag(&mut self, buf: &[u8], at: usize, last: bool, v: &mut impl Visitor) -> Step {
        let rest = &buf[at + 2..];
        let n = lex::name_len(rest);
        if n == rest.len() {
            return cut(last, at, "an end tag");
        }
        if n == 0 {
            return Err((at, "`</` is not followed by a name".into()));
        }
        let name = &rest[..n];
        let close = n + rest[n..].iter().take_while(|&&b| is_space(b)).count();
        if close == rest.len() {
            return cut(last, at, "an end tag");
        }
        if rest[close] != b'>' {
            return Err((
                at + 2 + close,
                format!("end tag </{}> holds more than its name", shown(name)),
            ));
        }
        lex::split_qname(name).map_err(|m| (at + 2, m))?;
        let Some(open) = self.open.pop() else {
            return Err((
                at,
                format!("end tag </{}> without a start tag", shown(name)),
            ));
        };
        let start = self.open.last().map_or(0, |o| o.name_end);
        if &self.names[start..open.name_end] != name {
            return Err((
                at,
                format!(
                    "end tag </{}> does not match the start tag <{}>",
                    shown(name),
                    shown(&self.names[start..open.name_end])
                ),
            ));
        }
        self.names.truncate(start);
        self.scope.truncate(open.bindings);
        let depth = self.open.len();
        let captured = if self.capturing == Some(depth) {
            self.capturing = self.open.iter().rposition(|o| o.capture != Capture::Skip);
            match open.capture {
                Capture::Text => Captured::Text(&self.text),
                Capture::Presence => Captured::Present(self.present),
                Capture::Skip => Captured::None,
            }
        } else {
            Captured::None
        };
        v.end(depth, captured);
        Ok(Some(at + 2 + close + 1))
    }

    /// A start tag was read (see [`super::tags::start_tag`]): the element opens (and, when
    /// `empty`, closes at once). `src` runs from `<` to the end of its last attribute.
    pub(super) fn open(
        &mut self,
        src: &[u8],
        name_end: usize,
        empty: bool,
        v: &mut impl Visitor,
    ) -> Result<(), String> {
        let name = &src[1..name_end];
        if self.open.is_empty() && self.seen_root {
            return Err(format!(
                "a second root element <{}> (a document has one)",
                shown(name)
            ));
        }
        let bindings = self.scope.len();
        super::tags::namespaces(src, name, &self.attrs, &mut self.scope)?;
        let depth = self.open.len();
        if let Some(c) = self.capturing
            && c + 1 == depth
            && self.open[c].capture == Capture::Text
        {
            // A child of a text field is kept as markup, as atom_syndication reads it.
            self.text
                .push_str(std::str::from_utf8(src).unwrap_or_default());
            self.text.push_str(if empty { "/>" } else { ">" });
        }
        let tag = Tag {
            src,
            name_end,
            attrs: &self.attrs,
            scope: &self.scope,
        };
        let capture = v.start(depth, &tag)?;
        self.seen_root = true;
        if empty {
            self.scope.truncate(bindings);
            v.end(
                depth,
                match capture {
                    Capture::Skip => Captured::None,
                    Capture::Text => Captured::Text(""),
                    Capture::Presence => Captured::Present(false),
                },
            );
            return Ok(());
        }
        if capture != Capture::Skip {
            self.capturing = Some(depth);
            self.text.clear();
            self.present = false;
        }
        self.names.extend_from_slice(name);
        self.open.push(Open {
            name_end: self.names.len(),
            capture,
            bindings,
        });
        Ok(())
    }

    /// The attribute list [`super::tags::start_tag`] fills (kept to reuse its memory).
    pub(super) fn attrs(&mut self) -> &mut Vec<Attr> {
        self.attrs.clear();
        &mut self.attrs
    }
}

/// A comment: `--` may only end it.
/// libxml2's largest text (`XML_MAX_TEXT_LENGTH`); many readers parse with it.
const MAX_TEXT: usize = 10_000_000;

fn comment(buf: &[u8], at: usize, last: bool) -> Step {
    let start = at + 4;
    let Some(dashes) = memchr::memmem::find(&buf[start..], b"--").map(|i| start + i) else {
        return cut(last, at, "a comment (`-->` is missing)");
    };
    match buf.get(dashes + 2) {
        Some(b'>') => Ok(Some(dashes + 3)),
        Some(_) => Err((dashes, "`--` inside a comment".into())),
        None => cut(last, at, "a comment (`-->` is missing)"),
    }
}

/// The part ends inside `what`: walked with the next part, or an error at the end.
pub(super) fn cut(last: bool, at: usize, what: &str) -> Step {
    if last {
        Err((at, format!("the document ends inside {what}")))
    } else {
        Ok(None)
    }
}

/// Whether `text` (whole characters) holds anything but white space, without decoding all of
/// a long body: only up to its first character that is not white space.
fn has_text(text: &[u8]) -> bool {
    let mut at = 0;
    while let Some((c, len)) = lex::first_char(&text[at..]) {
        if !c.is_whitespace() {
            return true;
        }
        at += len;
    }
    false
}

fn bytecount(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Characters in `bytes` (UTF-8): the bytes that do not continue one.
fn chars(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count() as u64
}
