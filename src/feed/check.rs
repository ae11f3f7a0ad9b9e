//! Every build checks its own output: the written bytes are read back and held to the RSS 2.0
//! and Atom rules that can be verified mechanically. A violation is a bug or a bad input that
//! slipped through, and fails the build rather than reaching subscribers.
//!
//! The check streams over the document with quick-xml (the reader the `rss` and
//! `atom_syndication` crates use) instead of building their `Channel` / `Feed` values: a full
//! feed of every item is ~100 MB, and only a few short fields of each item are looked at. The
//! walk itself verifies well-formedness (one root element, matching end tags, attribute syntax,
//! references that resolve); bodies are checked but never copied.

use std::collections::HashSet;

use std::io::BufRead;

use chrono::DateTime;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};

use crate::config::Format;

/// Checks one rendered feed; returns every rule it breaks.
pub fn check_feed(format: Format, xml: &str) -> Vec<String> {
    match format {
        Format::Rss => check_rss(xml),
        Format::Atom => check_atom(xml),
        Format::Json => super::json::check(xml),
    }
}

fn is_absolute_http(u: &str) -> bool {
    url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
}

fn is_absolute_iri(id: &str) -> bool {
    url::Url::parse(id).is_ok()
}

/// R15/R16: `Wed, 02 Oct 2002 13:00:00 +0000`, weekday agreeing with the date.
pub fn is_rfc822(date: &str) -> bool {
    let parts: Vec<&str> = date.split(' ').collect();
    parts.len() == 6
        && parts[1].len() == 2
        && parts[3].len() == 4
        && (parts[5] == "GMT" || (parts[5].len() == 5 && parts[5].starts_with(['+', '-'])))
        && DateTime::parse_from_rfc2822(date).is_ok()
}

fn is_rfc3339(date: &str) -> bool {
    DateTime::parse_from_rfc3339(date.trim()).is_ok()
}

/// What the walk keeps of an element's own text (the text, CDATA and references directly in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capture {
    /// Nothing: the text is only checked for well-formedness.
    Skip,
    /// The text, with child elements written back as `<name>` markers (as atom_syndication
    /// reads text constructs); for short fields only.
    Text,
    /// Only whether it holds anything but whitespace: for bodies, which are never copied.
    Presence,
}

/// The text of a finished element, as asked for by [`Capture`].
enum Captured<'t> {
    None,
    Text(&'t str),
    Present(bool),
}

/// Receives the elements of a document in order; `depth` is 0 for the root element.
trait Visitor {
    /// An element starts; returns what to keep of its text, or why the document is rejected.
    fn start(&mut self, depth: usize, e: &BytesStart<'_>) -> Result<Capture, String>;
    /// The element started last at `depth` ends.
    fn end(&mut self, depth: usize, text: Captured<'_>);
}

/// Walks a document given in one or more parts, verifying that it is well-formed, and reports
/// every element to a visitor. A part may end anywhere between two pieces of markup (never
/// inside a tag, a reference, a CDATA section or a body): a large feed is checked as it is
/// written, piece by piece, instead of being held whole.
#[derive(Debug, Default)]
struct Walker {
    /// The capture and name of each open element.
    open: Vec<(Capture, Vec<u8>)>,
    /// The innermost open element that captures: its text goes to `text` / `present`.
    capturing: Option<usize>,
    text: String,
    present: bool,
    seen_root: bool,
    /// Bytes in the parts walked so far, for error positions.
    offset: u64,
}

impl Walker {
    /// Walks the next part of the document.
    fn part(&mut self, xml: &[u8], visitor: &mut impl Visitor) -> Result<(), String> {
        let offset = self.offset;
        self.offset += xml.len() as u64;
        let mut reader = quick_xml::Reader::from_reader(xml);
        // End tags are matched here, against elements opened in earlier parts too.
        reader.config_mut().check_end_names = false;
        reader.config_mut().allow_unmatched_ends = true;
        let at = |reader: &quick_xml::Reader<&[u8]>| offset + reader.error_position();
        loop {
            let event = reader
                .read_event()
                .map_err(|e| format!("{e} at byte {}", at(&reader)))?;
            match event {
                Event::Start(e) | Event::Empty(e) if self.open.is_empty() && self.seen_root => {
                    return Err(format!(
                        "a second root element <{}>",
                        String::from_utf8_lossy(e.name().as_ref())
                    ));
                }
                Event::Start(e) => {
                    let (depth, capture) = self.start(&e, false, visitor)?;
                    if capture != Capture::Skip {
                        self.capturing = Some(depth);
                        self.text.clear();
                        self.present = false;
                    }
                    if capture != Capture::Text {
                        // Text that is not kept (bodies): scanned here up to the next markup, in
                        // one pass, rather than as one event per escaped `&lt;` (see
                        // [`scan_body`]).
                        let start = offset + reader.buffer_position();
                        let mut stream = reader.stream();
                        let rest = stream.fill_buf().map_err(|e| e.to_string())?;
                        let (len, found) = scan_body(rest).map_err(|(msg, pos)| {
                            format!("{msg} at byte {}", start + pos as u64)
                        })?;
                        self.present = capture == Capture::Presence && found;
                        stream.consume(len);
                    }
                    self.open.push((capture, e.name().as_ref().to_vec()));
                    self.seen_root = true;
                }
                Event::Empty(e) => {
                    let (depth, capture) = self.start(&e, true, visitor)?;
                    visitor.end(
                        depth,
                        match capture {
                            Capture::Skip => Captured::None,
                            Capture::Text => Captured::Text(""),
                            Capture::Presence => Captured::Present(false),
                        },
                    );
                    self.seen_root = true;
                }
                Event::End(e) => {
                    let name = e.name();
                    let (capture, open_name) = self.open.pop().ok_or_else(|| {
                        format!(
                            "end tag </{}> without a start tag before byte {}",
                            String::from_utf8_lossy(name.as_ref()),
                            offset + reader.buffer_position()
                        )
                    })?;
                    if open_name != name.as_ref() {
                        return Err(format!(
                            "end tag </{}> closes <{}> before byte {}",
                            String::from_utf8_lossy(name.as_ref()),
                            String::from_utf8_lossy(&open_name),
                            offset + reader.buffer_position()
                        ));
                    }
                    let depth = self.open.len();
                    let captured = if self.capturing == Some(depth) {
                        self.capturing = self.open.iter().rposition(|(c, _)| *c != Capture::Skip);
                        match capture {
                            Capture::Text => Captured::Text(&self.text),
                            Capture::Presence => Captured::Present(self.present),
                            Capture::Skip => Captured::None,
                        }
                    } else {
                        Captured::None
                    };
                    visitor.end(depth, captured);
                }
                Event::Text(t) => {
                    let raw: &[u8] = &t;
                    if self.open.is_empty() {
                        if !raw.iter().all(u8::is_ascii_whitespace) {
                            return Err("text outside the root element".into());
                        }
                        continue;
                    }
                    if self.capturing == Some(self.open.len() - 1) {
                        let s = std::str::from_utf8(raw).map_err(|e| e.to_string())?;
                        self.keep(s);
                    }
                }
                Event::CData(t) => {
                    if self.open.is_empty() {
                        return Err("CDATA outside the root element".into());
                    }
                    if self.capturing == Some(self.open.len() - 1) {
                        let s = std::str::from_utf8(&t).map_err(|e| e.to_string())?;
                        self.keep(s);
                    }
                }
                Event::GeneralRef(r) => {
                    if self.open.is_empty() {
                        return Err("a reference outside the root element".into());
                    }
                    let resolved = resolve(&r)?;
                    if self.capturing == Some(self.open.len() - 1) {
                        self.keep(resolved.text(&mut [0; 4]));
                    }
                }
                Event::Eof => return Ok(()),
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
            }
        }
    }

    /// An element starts (and, when `empty`, ends at once): its attributes are checked, it is
    /// written into the text being captured, and the visitor says what to keep of its own text.
    /// Returns its depth and that.
    fn start(
        &mut self,
        e: &BytesStart<'_>,
        empty: bool,
        visitor: &mut impl Visitor,
    ) -> Result<(usize, Capture), String> {
        check_attributes(e)?;
        let depth = self.open.len();
        if let Some(c) = self.capturing
            && c + 1 == depth
            && self.open[c].0 == Capture::Text
        {
            push_markup(&mut self.text, e, empty);
        }
        Ok((depth, visitor.start(depth, e)?))
    }

    /// The document has ended: every element must be closed.
    fn finish(&self) -> Result<(), String> {
        if !self.open.is_empty() {
            return Err(format!(
                "the document ends inside {} open element(s)",
                self.open.len()
            ));
        }
        if !self.seen_root {
            return Err("no root element".into());
        }
        Ok(())
    }

    /// Keeps text of the capturing element, as its capture says.
    fn keep(&mut self, s: &str) {
        let capture = self.open[self.open.len() - 1].0;
        match capture {
            Capture::Text => self.text.push_str(s),
            Capture::Presence => self.present = self.present || !s.trim().is_empty(),
            Capture::Skip => {}
        }
    }
}

/// The text and CDATA sections at the start of `rest`, up to the next other markup (or the
/// end): their length, and whether they hold anything but whitespace. Every `&` in text must
/// start a reference that ends with `;` before any `<` or `&` and resolves, as quick-xml
/// requires of text; a CDATA section must end (the error names the byte offset in `rest`).
/// A body in CDATA is skipped with one search for its end: quick-xml looks for it at every
/// `>`, and a body of HTML has one every few bytes.
fn scan_body(rest: &[u8]) -> Result<(usize, bool), (String, usize)> {
    const CDATA: &[u8] = b"<![CDATA[";
    let mut present = false;
    let mut at = 0;
    loop {
        let next = memchr::memchr2(b'<', b'&', &rest[at..]).map_or(rest.len(), |i| at + i);
        // The document is a `str` and the cut is at an ASCII byte: the slice is UTF-8.
        present =
            present || std::str::from_utf8(&rest[at..next]).map_or(true, |t| !t.trim().is_empty());
        if next < rest.len() && rest[next..].starts_with(CDATA) {
            let start = next + CDATA.len();
            let len = super::find_cdata_end(&rest[start..])
                .ok_or_else(|| ("unclosed CDATA section".to_string(), next))?;
            present = present || has_text(&rest[start..start + len]);
            at = start + len + 3;
            continue;
        }
        if next == rest.len() || rest[next] == b'<' {
            return Ok((next, present));
        }
        // The references an escaper writes, most of an escaped body's: known to resolve to
        // markup characters (not whitespace).
        if let Some(len) = [&b"lt;"[..], b"gt;", b"amp;", b"quot;", b"apos;"]
            .iter()
            .find(|r| rest[next + 1..].starts_with(r))
            .map(|r| r.len())
        {
            present = true;
            at = next + 1 + len;
            continue;
        }
        let name_start = next + 1;
        let end = memchr::memchr3(b';', b'<', b'&', &rest[name_start..])
            .map(|i| name_start + i)
            .filter(|&i| rest[i] == b';')
            .ok_or_else(|| ("unclosed reference".to_string(), next))?;
        let name =
            std::str::from_utf8(&rest[name_start..end]).map_err(|e| (e.to_string(), next))?;
        let resolved = resolve(&BytesRef::new(name)).map_err(|e| (e, next))?;
        present = present || !resolved.text(&mut [0; 4]).trim().is_empty();
        at = end + 1;
    }
}

/// Whether `text` (UTF-8 cut at ASCII bytes) holds anything but whitespace, without decoding
/// all of a long body: only from its first byte that is not ASCII whitespace.
fn has_text(text: &[u8]) -> bool {
    match text.iter().position(|b| !b.is_ascii_whitespace()) {
        None => false,
        Some(i) if text[i].is_ascii() => true,
        Some(i) => std::str::from_utf8(&text[i..]).map_or(true, |t| !t.trim().is_empty()),
    }
}

/// Writes a child element's start tag into captured text, as atom_syndication does.
fn push_markup(text: &mut String, e: &BytesStart<'_>, empty: bool) {
    text.push('<');
    text.push_str(&String::from_utf8_lossy(e));
    text.push_str(if empty { "/>" } else { ">" });
}

enum Resolved {
    Str(&'static str),
    Char(char),
}

impl Resolved {
    /// The text the reference stands for (a character is encoded into `buf`).
    fn text<'b>(&self, buf: &'b mut [u8; 4]) -> &'b str {
        match *self {
            Resolved::Str(s) => s,
            Resolved::Char(c) => c.encode_utf8(buf),
        }
    }
}

/// A reference must be one of XML's five entities or a valid character reference: these
/// documents declare no others.
fn resolve(r: &BytesRef<'_>) -> Result<Resolved, String> {
    if r.is_char_ref()
        && let Some(c) = r.resolve_char_ref().map_err(|e| e.to_string())?
    {
        return Ok(Resolved::Char(c));
    }
    let name = std::str::from_utf8(r).map_err(|e| e.to_string())?;
    resolve_predefined_entity(name)
        .map(Resolved::Str)
        .ok_or_else(|| format!("unknown entity `&{name};`"))
}

/// Every attribute must be well-formed (quoted, `name=value`, not repeated) and its value must
/// only hold references that resolve.
fn check_attributes(e: &BytesStart<'_>) -> Result<(), String> {
    for attr in e.attributes() {
        let attr = attr.map_err(|err| err.to_string())?;
        if attr.value.contains(&b'&') {
            attr.normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| err.to_string())?;
        }
    }
    Ok(())
}

/// The value of attribute `key` of `e`, unescaped and normalised; `None` when absent.
fn attr(e: &BytesStart<'_>, key: &str) -> Result<Option<String>, String> {
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(|err| err.to_string())?;
        if a.key.as_ref() == key.as_bytes() {
            let v = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| err.to_string())?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

/// The namespace declarations (`xmlns:prefix="uri"`) on `e`.
fn namespace_declarations(e: &BytesStart<'_>) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(|err| err.to_string())?;
        if let Some(prefix) = a.key.as_ref().strip_prefix(b"xmlns:") {
            let uri = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| err.to_string())?;
            out.push((
                String::from_utf8_lossy(prefix).into_owned(),
                uri.into_owned(),
            ));
        }
    }
    Ok(out)
}

/// A captured field as the rss crate reads it: trimmed, and absent when empty.
fn rss_text(text: Captured<'_>) -> Option<String> {
    match text {
        Captured::Text(t) => Some(t.trim().to_string()).filter(|t| !t.is_empty()),
        _ => None,
    }
}

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RssField {
    ChannelTitle,
    ChannelLink,
    ChannelDescription,
    ChannelDate,
    ItemTitle,
    ItemLink,
    ItemDescription,
    ItemGuid,
    ItemPubDate,
}

#[derive(Debug, Default)]
struct RssItem {
    title: Option<String>,
    description: bool,
    /// Value and whether it is a permalink.
    guid: Option<(String, bool)>,
    pub_date: Option<String>,
    link: Option<String>,
    /// url, length, type.
    enclosure: Option<(String, String, String)>,
}

#[derive(Debug, Default)]
struct RssCheck {
    /// Depth of the open `<channel>`, if any.
    channel: Option<usize>,
    seen_channel: bool,
    /// Depth of the open `<item>`, if any.
    item: Option<(usize, RssItem)>,
    field: Vec<(usize, RssField)>,
    namespaces: Vec<(String, String)>,
    title: Option<String>,
    link: Option<String>,
    description: Option<String>,
    dates: Vec<String>,
    guids: HashSet<String>,
    item_violations: Vec<String>,
    atom_links: Vec<String>,
}

impl RssCheck {
    fn is_atom(&self, prefix: &[u8], own: &[(String, String)]) -> bool {
        own.iter()
            .chain(self.namespaces.iter().rev())
            .find(|(p, _)| p.as_bytes() == prefix)
            .is_some_and(|(_, uri)| uri == ATOM_NS)
    }

    fn finish_item(&mut self, item: RssItem) {
        let v = &mut self.item_violations;
        let name = item.title.as_deref().unwrap_or("(untitled)");
        if item.title.is_none() && !item.description {
            v.push("R11: an item has neither title nor description".into());
        }
        // A permalink guid is usually the link itself: its URL is parsed once.
        let link_ok = item.link.as_deref().map(is_absolute_http);
        match &item.guid {
            None => v.push(format!("R12: item `{name}` has no guid")),
            Some((value, permalink)) => {
                if !self.guids.insert(value.clone()) {
                    v.push(format!("R12: guid `{value}` appears twice"));
                }
                let guid_ok = || match (&item.link, link_ok) {
                    (Some(link), Some(ok)) if link == value => ok,
                    _ => is_absolute_http(value),
                };
                if *permalink && !guid_ok() {
                    v.push(format!(
                        "R14: permalink guid `{value}` is not an absolute URL"
                    ));
                }
            }
        }
        if let Some(d) = &item.pub_date
            && !is_rfc822(d)
        {
            v.push(format!("R15: item `{name}` pubDate `{d}` is not RFC 822"));
        }
        if let Some(l) = &item.link
            && link_ok == Some(false)
        {
            v.push(format!("R10: item `{name}` link `{l}` is not absolute"));
        }
        if let Some((url, length, mime)) = &item.enclosure {
            if length.parse::<u64>().map_or(true, |n| n == 0) || mime.is_empty() {
                v.push(format!(
                    "R20: item `{name}` enclosure needs a length and a type"
                ));
            }
            if !is_absolute_http(url) {
                v.push(format!(
                    "R23: item `{name}` enclosure URL `{url}` is not absolute"
                ));
            }
        }
    }
}

impl Visitor for RssCheck {
    fn start(&mut self, depth: usize, e: &BytesStart<'_>) -> Result<Capture, String> {
        let name = e.name();
        let name = name.as_ref();
        if depth == 0 {
            if name != b"rss" && name != b"rdf:RDF" {
                return Err("the document does not start with an <rss> element".into());
            }
            self.namespaces.extend(namespace_declarations(e)?);
            return Ok(Capture::Skip);
        }
        if let Some((item_depth, item)) = &mut self.item {
            if depth != *item_depth + 1 {
                return Ok(Capture::Skip);
            }
            let field = match name {
                b"title" => RssField::ItemTitle,
                b"link" => RssField::ItemLink,
                b"description" => RssField::ItemDescription,
                b"pubDate" => RssField::ItemPubDate,
                b"guid" => {
                    let permalink = attr(e, "isPermaLink")?.is_none_or(|v| v != "false");
                    item.guid = Some((String::new(), permalink));
                    RssField::ItemGuid
                }
                b"enclosure" => {
                    item.enclosure = Some((
                        attr(e, "url")?.unwrap_or_default(),
                        attr(e, "length")?.unwrap_or_default(),
                        attr(e, "type")?.unwrap_or_default(),
                    ));
                    return Ok(Capture::Skip);
                }
                _ => return Ok(Capture::Skip),
            };
            self.field.push((depth, field));
            return Ok(if field == RssField::ItemDescription {
                Capture::Presence
            } else {
                Capture::Text
            });
        }
        // Items directly under the root (RSS 0.9 / 1.0) count as the channel's, as in the rss crate.
        if name == b"item" && (depth == 1 || self.channel.is_some_and(|c| depth == c + 1)) {
            self.item = Some((depth, RssItem::default()));
            return Ok(Capture::Skip);
        }
        if depth == 1 && name == b"channel" {
            self.channel = Some(depth);
            self.seen_channel = true;
            self.namespaces.extend(namespace_declarations(e)?);
            return Ok(Capture::Skip);
        }
        if self.channel.is_none_or(|c| depth != c + 1) {
            return Ok(Capture::Skip);
        }
        let field = match name {
            b"title" => RssField::ChannelTitle,
            b"link" => RssField::ChannelLink,
            b"description" => RssField::ChannelDescription,
            b"lastBuildDate" | b"pubDate" => RssField::ChannelDate,
            _ => {
                if let Some((prefix, b"link")) = name
                    .iter()
                    .position(|&b| b == b':')
                    .map(|i| (&name[..i], &name[i + 1..]))
                    && self.is_atom(prefix, &namespace_declarations(e)?)
                {
                    self.atom_links.push(attr(e, "href")?.unwrap_or_default());
                }
                return Ok(Capture::Skip);
            }
        };
        self.field.push((depth, field));
        Ok(Capture::Text)
    }

    fn end(&mut self, depth: usize, text: Captured<'_>) {
        if let Some((d, field)) = self.field.last().copied()
            && d == depth
        {
            self.field.pop();
            match field {
                RssField::ChannelTitle => self.title = rss_text(text),
                RssField::ChannelLink => self.link = rss_text(text),
                RssField::ChannelDescription => self.description = rss_text(text),
                RssField::ChannelDate => self.dates.extend(rss_text(text)),
                _ => {
                    let Some((_, item)) = &mut self.item else {
                        return;
                    };
                    match field {
                        RssField::ItemTitle => item.title = rss_text(text),
                        RssField::ItemLink => {
                            if let Some(l) = rss_text(text) {
                                item.link = Some(l);
                            }
                        }
                        RssField::ItemDescription => {
                            item.description = matches!(text, Captured::Present(true));
                        }
                        RssField::ItemPubDate => item.pub_date = rss_text(text),
                        RssField::ItemGuid => {
                            if let Some((value, _)) = &mut item.guid {
                                *value = rss_text(text).unwrap_or_default();
                            }
                        }
                        _ => {}
                    }
                }
            }
            return;
        }
        if self.item.as_ref().is_some_and(|(d, _)| *d == depth) {
            let (_, item) = self.item.take().expect("checked above");
            self.finish_item(item);
        } else if self.channel == Some(depth) {
            self.channel = None;
        }
    }
}

fn check_rss(xml: &str) -> Vec<String> {
    check_whole(Format::Rss, xml)
}

fn check_whole(format: Format, xml: &str) -> Vec<String> {
    let mut check = StreamCheck::new(format).expect("an XML format");
    check.part(xml.as_bytes());
    check.finish()
}

/// A check of an RSS or Atom document given in parts, as it is written (see [`Walker`]).
pub struct StreamCheck {
    walker: Walker,
    rules: Rules,
    error: Option<String>,
}

enum Rules {
    Rss(Box<RssCheck>),
    Atom(Box<AtomCheck>),
}

impl StreamCheck {
    /// `None` for a format that is checked whole ([`check_feed`]: JSON).
    pub fn new(format: Format) -> Option<Self> {
        let rules = match format {
            Format::Rss => Rules::Rss(Box::default()),
            Format::Atom => Rules::Atom(Box::default()),
            Format::Json => return None,
        };
        Some(StreamCheck {
            walker: Walker::default(),
            rules,
            error: None,
        })
    }

    /// The next part of the document; it must end between two pieces of markup.
    pub fn part(&mut self, xml: &[u8]) {
        if self.error.is_some() {
            return;
        }
        let walked = match &mut self.rules {
            Rules::Rss(v) => self.walker.part(xml, &mut **v),
            Rules::Atom(v) => self.walker.part(xml, &mut **v),
        };
        self.error = walked.err();
    }

    /// Every rule the whole document breaks.
    pub fn finish(self) -> Vec<String> {
        let walked = match self.error {
            Some(e) => Err(e),
            None => self.walker.finish(),
        };
        match self.rules {
            Rules::Rss(check) => rss_rules(*check, walked),
            Rules::Atom(check) => atom_rules(*check, walked),
        }
    }
}

fn rss_rules(check: RssCheck, walked: Result<(), String>) -> Vec<String> {
    if let Err(e) = walked {
        return vec![format!("RSS is not well-formed: {e}")];
    }
    if !check.seen_channel {
        return vec!["RSS is not well-formed: there is no <channel> element".into()];
    }
    let mut v = Vec::new();
    let title = check.title.unwrap_or_default();
    let description = check.description.unwrap_or_default();
    let link = check.link.unwrap_or_default();
    if title.trim().is_empty() {
        v.push("R9: channel title is empty".into());
    }
    if description.trim().is_empty() {
        v.push("R9: channel description is empty".into());
    }
    if !is_absolute_http(&link) {
        v.push(format!("R10: channel link `{link}` is not an absolute URL"));
    }
    for d in &check.dates {
        if !is_rfc822(d) {
            v.push(format!("R15: channel date `{d}` is not RFC 822"));
        }
    }
    v.extend(check.item_violations);
    for href in &check.atom_links {
        if !is_absolute_http(href) {
            v.push(format!("R18: atom:link `{href}` is not absolute"));
        }
    }
    v
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AtomField {
    FeedId,
    FeedTitle,
    FeedUpdated,
    EntryId,
    EntryTitle,
    EntryDate,
}

#[derive(Debug, Default)]
struct AtomEntry {
    id: String,
    title: String,
    has_author: bool,
    has_content: bool,
    has_alternate: bool,
    links: Vec<String>,
    dates: Vec<String>,
}

#[derive(Debug, Default)]
struct AtomCheck {
    id: String,
    title: String,
    has_author: bool,
    has_self: bool,
    links: Vec<String>,
    dates: Vec<String>,
    entry: Option<AtomEntry>,
    /// Entries that ended before any feed author was seen, each with whether its id was seen
    /// before: checked at the end (R30 depends on the feed's author).
    early: Vec<(AtomEntry, bool)>,
    /// What the entries checked as they ended break, in order (they follow every early one).
    entry_violations: Vec<String>,
    ids: HashSet<String>,
    field: Option<(usize, AtomField)>,
}

impl AtomCheck {
    /// An entry that just ended: checked now when the feed's author is known, else at the end.
    /// Its rules are checked as the document is written, not all at once after it.
    fn entry_done(&mut self, entry: AtomEntry) {
        let repeated = !self.ids.insert(entry.id.clone());
        if self.has_author {
            entry_rules(&entry, repeated, true, &mut self.entry_violations);
        } else {
            self.early.push((entry, repeated));
        }
    }
}

/// What one Atom entry breaks; `repeated` when an earlier entry has its id.
fn entry_rules(e: &AtomEntry, repeated: bool, feed_has_author: bool, v: &mut Vec<String>) {
    let name = e.title.as_str();
    if !is_absolute_iri(&e.id) {
        v.push(format!(
            "R36: entry `{name}` id `{}` is not an absolute IRI",
            e.id
        ));
    }
    if repeated {
        v.push(format!("R33: entry id `{}` appears twice", e.id));
    }
    if name.trim().is_empty() {
        v.push(format!("R33: entry `{}` has an empty title", e.id));
    }
    for d in &e.dates {
        if !is_rfc3339(d) {
            v.push(format!("R33: entry `{name}` date `{d}` is not RFC 3339"));
        }
    }
    if !feed_has_author && !e.has_author {
        v.push(format!(
            "R30: entry `{name}` has no author and neither has the feed"
        ));
    }
    if !e.has_content && !e.has_alternate {
        v.push(format!(
            "R34: entry `{name}` has neither content nor an alternate link"
        ));
    }
    for href in &e.links {
        if !is_absolute_http(href) {
            v.push(format!("R10: entry `{name}` link `{href}` is not absolute"));
        }
    }
}

/// A link's `href` and `rel` (`alternate` when absent, RFC 4287 4.2.7.2).
fn atom_link(e: &BytesStart<'_>) -> Result<(String, String), String> {
    Ok((
        attr(e, "href")?.unwrap_or_default(),
        attr(e, "rel")?.unwrap_or_else(|| "alternate".into()),
    ))
}

impl Visitor for AtomCheck {
    fn start(&mut self, depth: usize, e: &BytesStart<'_>) -> Result<Capture, String> {
        let name = e.name();
        let name = name.as_ref();
        let field = match (depth, &mut self.entry, name) {
            (0, _, b"feed") => return Ok(Capture::Skip),
            (0, _, _) => return Err("the document does not start with a <feed> element".into()),
            (1, _, b"entry") => {
                self.entry = Some(AtomEntry::default());
                return Ok(Capture::Skip);
            }
            (1, _, b"id") => AtomField::FeedId,
            (1, _, b"title") => AtomField::FeedTitle,
            (1, _, b"updated") => AtomField::FeedUpdated,
            (1, _, b"author") => {
                self.has_author = true;
                return Ok(Capture::Skip);
            }
            (1, _, b"link") => {
                let (href, rel) = atom_link(e)?;
                self.has_self |= rel == "self";
                self.links.push(href);
                return Ok(Capture::Skip);
            }
            (2, Some(_), b"id") => AtomField::EntryId,
            (2, Some(_), b"title") => AtomField::EntryTitle,
            (2, Some(_), b"updated" | b"published") => AtomField::EntryDate,
            (2, Some(entry), b"author") => {
                entry.has_author = true;
                return Ok(Capture::Skip);
            }
            (2, Some(entry), b"content") => {
                entry.has_content = true;
                return Ok(Capture::Skip);
            }
            (2, Some(entry), b"link") => {
                let (href, rel) = atom_link(e)?;
                entry.has_alternate |= rel == "alternate";
                entry.links.push(href);
                return Ok(Capture::Skip);
            }
            _ => return Ok(Capture::Skip),
        };
        self.field = Some((depth, field));
        Ok(Capture::Text)
    }

    fn end(&mut self, depth: usize, text: Captured<'_>) {
        if let Some((d, field)) = self.field
            && d == depth
        {
            self.field = None;
            let text = match text {
                Captured::Text(t) => t.to_string(),
                _ => String::new(),
            };
            match (field, &mut self.entry) {
                (AtomField::FeedId, _) => self.id = text,
                (AtomField::FeedTitle, _) => self.title = text,
                (AtomField::FeedUpdated, _) => self.dates.push(text),
                (AtomField::EntryId, Some(entry)) => entry.id = text,
                (AtomField::EntryTitle, Some(entry)) => entry.title = text,
                (AtomField::EntryDate, Some(entry)) => entry.dates.push(text),
                _ => {}
            }
            return;
        }
        if depth == 1
            && let Some(entry) = self.entry.take()
        {
            self.entry_done(entry);
        }
    }
}

fn check_atom(xml: &str) -> Vec<String> {
    check_whole(Format::Atom, xml)
}

fn atom_rules(feed: AtomCheck, walked: Result<(), String>) -> Vec<String> {
    if let Err(e) = walked {
        return vec![format!("Atom is not well-formed: {e}")];
    }
    let mut v = Vec::new();
    if !is_absolute_iri(&feed.id) {
        v.push(format!("R36: feed id `{}` is not an absolute IRI", feed.id));
    }
    if feed.title.trim().is_empty() {
        v.push("R29: feed title is empty".into());
    }
    for d in &feed.dates {
        if !is_rfc3339(d) {
            v.push(format!("R29: feed updated `{d}` is not RFC 3339"));
        }
    }
    if !feed.has_self {
        v.push("R31: feed has no self link".into());
    }
    for href in &feed.links {
        if !is_absolute_http(href) {
            v.push(format!("R31: link `{href}` is not absolute"));
        }
    }
    for (e, repeated) in &feed.early {
        entry_rules(e, *repeated, feed.has_author, &mut v);
    }
    v.extend(feed.entry_violations);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc822_shapes() {
        assert!(is_rfc822("Wed, 02 Oct 2002 13:00:00 +0000"));
        assert!(is_rfc822("Wed, 02 Oct 2002 13:00:00 GMT"));
        assert!(!is_rfc822("Wed, 2 Oct 2002 13:00:00 +0000"));
        assert!(!is_rfc822("Wed, 02 Oct 02 13:00:00 +0000"));
        assert!(
            !is_rfc822("Thu, 02 Oct 2002 13:00:00 +0000"),
            "weekday must agree"
        );
    }

    #[test]
    fn bodies_are_scanned_for_bad_references() {
        let feed = |content: &str| {
            format!(
                r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>tag:x,2026:f</id><title>t</title><updated>2026-01-01T00:00:00Z</updated><author><name>a</name></author><link href="https://e.x/" rel="self"/>
<entry><id>tag:x,2026:e</id><title>e</title><updated>2026-01-01T00:00:00Z</updated><link href="https://e.x/e"/><content type="html">{content}</content></entry></feed>"#
            )
        };
        assert_eq!(
            check_atom(&feed("&lt;p&gt;a &amp; b&#x27;&#160;&lt;/p&gt;")),
            Vec::<String>::new()
        );
        for (bad, why) in [
            ("a &bogus; b", "unknown entity"),
            ("a &lt b", "unclosed reference"),
            ("a &#xZZ; b", ""),
            ("a & b", "unclosed reference"),
            ("a &lt", "unclosed reference"),
        ] {
            let all = check_atom(&feed(bad)).join("\n");
            assert!(
                all.contains("not well-formed") && all.contains(why),
                "{bad}: {all}"
            );
        }
        // Text after a scanned body is still read: a broken end tag after it is caught.
        let broken = feed("&lt;p&gt;").replace("</entry>", "</entri>");
        assert!(!check_atom(&broken).is_empty());
        // Bodies in CDATA, split at `]]>` and mixed with text, are skipped whole; one that
        // does not end is caught, and so is broken markup after one.
        for ok in [
            "<![CDATA[<p>a > b]]]]><![CDATA[>c</p>]]>",
            "x <![CDATA[<p>]]> &amp; <![CDATA[</p>]]>",
        ] {
            assert_eq!(check_atom(&feed(ok)), Vec::<String>::new(), "{ok}");
        }
        for bad in [
            "<![CDATA[<p>a</p>",
            "<![CDATA[<p>a</p>]]> & b",
            "<![CDATA[<p>a</p>]]><b>",
        ] {
            let all = check_atom(&feed(bad)).join("\n");
            assert!(all.contains("not well-formed"), "{bad}: {all}");
        }
    }

    #[test]
    fn a_body_of_whitespace_in_cdata_is_no_description() {
        let rss = |description: &str| {
            format!(
                "<rss version=\"2.0\"><channel><title>t</title><link>https://e.x/</link><description>d</description><item><guid>https://e.x/1</guid><description>{description}</description></item></channel></rss>"
            )
        };
        assert!(check_rss(&rss("<![CDATA[<p>x</p>]]>")).is_empty());
        assert!(check_rss(&rss("<![CDATA[é]]>")).is_empty());
        for empty in ["<![CDATA[ \n ]]>", "<![CDATA[\u{a0}]]>", "<![CDATA[]]>"] {
            let v = check_rss(&rss(empty));
            assert!(v.iter().any(|m| m.starts_with("R11")), "{empty:?}: {v:?}");
        }
    }

    #[test]
    fn catches_broken_rss() {
        let xml = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>/rel</link><description>d</description>
<item><title>a</title><guid>x</guid><pubDate>yesterday</pubDate></item>
<item><title>b</title><guid isPermaLink="false">y</guid></item><item><title>c</title><guid isPermaLink="false">y</guid></item></channel></rss>"#;
        let v = check_rss(xml);
        let all = v.join("\n");
        assert!(all.contains("R10"), "{all}");
        assert!(all.contains("R14"), "{all}");
        assert!(all.contains("R15"), "{all}");
        assert!(all.contains("appears twice"), "{all}");
        assert!(
            check_rss("<rss")
                .iter()
                .any(|m| m.contains("not well-formed"))
        );
    }

    #[test]
    fn catches_every_rss_item_rule() {
        let xml = r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title> </title><link>https://e.x/</link><description/>
<lastBuildDate>Wed, 2 Oct 2002 13:00:00 +0000</lastBuildDate>
<atom:link href="feeds/x.rss" rel="self"/>
<item><description>  </description></item>
<item><title>e</title><guid isPermaLink="false">g</guid><link>/rel</link><enclosure url="/a.mp3" length="0" type=""/></item>
</channel></rss>"#;
        let all = check_rss(xml).join("\n");
        for rule in [
            "R9: channel title is empty",
            "R9: channel description is empty",
            "R15: channel date",
            "R11: an item has neither",
            "R12: item `(untitled)` has no guid",
            "R10: item `e` link `/rel`",
            "R20: item `e` enclosure",
            "R23: item `e` enclosure URL `/a.mp3`",
            "R18: atom:link `feeds/x.rss`",
        ] {
            assert!(all.contains(rule), "{rule} missing from:\n{all}");
        }
    }

    #[test]
    fn catches_every_atom_rule() {
        let xml = r#"<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title></title><id>not an iri</id><updated>2026-13-01</updated>
<link href="/home"/>
<entry><title>a</title><id>tag:e.x,2026:a</id><updated>yesterday</updated><link rel="enclosure" href="https://e.x/a.mp3"/></entry>
<entry><title> </title><id>tag:e.x,2026:a</id><content type="html">&lt;p&gt;x&lt;/p&gt;</content><link href="rel/"/></entry>
</feed>"#;
        let all = check_atom(xml).join("\n");
        for rule in [
            "R36: feed id `not an iri`",
            "R29: feed title is empty",
            "R29: feed updated `2026-13-01` is not RFC 3339",
            "R31: feed has no self link",
            "R31: link `/home` is not absolute",
            "R33: entry `a` date `yesterday` is not RFC 3339",
            "R30: entry `a` has no author",
            "R34: entry `a` has neither content nor an alternate link",
            "R33: entry id `tag:e.x,2026:a` appears twice",
            "R33: entry `tag:e.x,2026:a` has an empty title",
            "R10: entry ` ` link `rel/` is not absolute",
        ] {
            assert!(all.contains(rule), "{rule} missing from:\n{all}");
        }
        let ok = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>tag:e.x,2026:f</id><updated>2026-01-01T00:00:00+01:00</updated><author><name>A</name></author><link href="https://e.x/f.atom" rel="self"/></feed>"#;
        assert_eq!(check_atom(ok), Vec::<String>::new());
    }

    /// The document cut before every `<` that follows a line break (between two pieces of
    /// markup in these documents), fed part by part.
    fn check_in_parts(format: Format, xml: &str) -> Vec<String> {
        let mut check = StreamCheck::new(format).unwrap();
        let mut from = 0;
        for (at, _) in xml.match_indices("\n<").chain(xml.match_indices("\n  <")) {
            if at > from {
                check.part(&xml.as_bytes()[from..at]);
                from = at;
            }
        }
        check.part(&xml.as_bytes()[from..]);
        check.finish()
    }

    #[test]
    fn a_document_checked_in_parts_gives_what_it_gives_whole() {
        let item = |guid: &str, date: &str| {
            format!(
                "\n  <item><title>a</title><guid>{guid}</guid><pubDate>{date}</pubDate><description><![CDATA[<p>x</p>]]></description></item>"
            )
        };
        let ok = "Wed, 02 Oct 2002 13:00:00 +0000";
        let rss = |items: String| {
            format!(
                "<rss version=\"2.0\">\n<channel><title>t</title><link>https://e.x/</link><description>d</description>{items}\n</channel>\n</rss>"
            )
        };
        let docs = [
            rss(item("https://e.x/1", ok) + &item("https://e.x/2", ok)),
            rss(item("https://e.x/1", ok) + &item("https://e.x/1", "yesterday")),
            rss(item("https://e.x/1", ok) + "\n  </channel>"),
            rss(item("https://e.x/1", ok)).replace("</rss>", ""),
        ];
        for xml in &docs {
            let whole = check_feed(Format::Rss, xml);
            assert_eq!(check_in_parts(Format::Rss, xml), whole, "{xml}");
        }
        assert!(check_feed(Format::Rss, &docs[0]).is_empty());
        assert_eq!(check_feed(Format::Rss, &docs[1]).len(), 2);
        let atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <id>tag:e.x,2026:f</id>\n  <title>t</title>\n  <updated>2026-01-01T00:00:00Z</updated>\n  <author><name>a</name></author>\n  <link href=\"https://e.x/f.atom\" rel=\"self\"/>\n  <entry><id>tag:e.x,2026:1</id><title>a</title><updated>2026-01-01T00:00:00Z</updated><content type=\"html\">&lt;p&gt;x&lt;/p&gt;</content></entry>\n  <entry><id>tag:e.x,2026:1</id><title>b</title><updated>nope</updated><content type=\"html\">&amp;</content></entry>\n</feed>";
        assert_eq!(
            check_in_parts(Format::Atom, atom),
            check_feed(Format::Atom, atom)
        );
        assert_eq!(check_feed(Format::Atom, atom).len(), 2);
    }

    #[test]
    fn rejects_documents_that_are_not_well_formed() {
        let rss = |items: &str| {
            format!(
                "<rss version=\"2.0\"><channel><title>t</title><link>https://e.x/</link><description>d</description>{items}</channel></rss>"
            )
        };
        assert_eq!(check_rss(&rss("")), Vec::<String>::new());
        for broken in [
            rss("<item><title>a</title></itm>"),
            rss("<item><title>a &nbsp; b</title></item>"),
            rss("<item><title>a &#xZZ; b</title></item>"),
            rss("<item><title>a & b</title></item>"),
            rss("<item><enclosure url=\"a\" url=\"b\"/></item>"),
            rss("<item><title>a</title>").replace("</channel></rss>", ""),
            format!("{}<rss/>", rss("")),
            "<feed/>".to_string(),
            String::new(),
        ] {
            let v = check_rss(&broken);
            assert!(
                v.len() == 1 && v[0].starts_with("RSS is not well-formed"),
                "{broken}: {v:?}"
            );
        }
        assert!(
            check_atom("<feed><entry></feed>")
                .iter()
                .any(|m| m.contains("not well-formed"))
        );
        assert!(
            check_atom("<rss/>")
                .iter()
                .any(|m| m.contains("not well-formed"))
        );
    }
}
