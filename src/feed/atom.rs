//! Atom 1.0 renderer (RFC 4287, atom_syndication crate): permanent ids (R36), `updated` as the
//! newest entry change (R29), self and alternate links (R31), html content (R40, R41).

use atom_syndication::{
    Category, Content, Entry, Feed, Generator, Link, Person as AtomPerson, Text, WriteConfig,
};

use super::pieces::{self, Head, Markers};
use super::{FeedDoc, FeedItem, GENERATOR};
use crate::config::{Format, Person};
use crate::content::date::in_zone;

fn person(p: &Person) -> AtomPerson {
    AtomPerson {
        name: p.name.clone(),
        email: p.email.clone(),
        ..Default::default()
    }
}

fn link(href: &str, rel: &str, mime: Option<&str>) -> Link {
    Link {
        href: href.to_string(),
        rel: rel.to_string(),
        mime_type: mime.map(str::to_string),
        ..Default::default()
    }
}

/// One entry of `doc`; with `html_later`, its content is left empty for [`fill_contents`].
fn entry(doc: &FeedDoc, it: &FeedItem, html_later: bool) -> Entry {
    let tz = doc.timezone;
    Entry {
        title: Text::plain(it.title.clone()),
        id: it.atom_id.clone(),
        updated: in_zone(it.updated, tz),
        published: Some(in_zone(it.published, tz)),
        // The feed's author covers entries by the same person (R30).
        authors: it
            .author
            .iter()
            .filter(|a| Some(*a) != doc.author.as_ref())
            .map(person)
            .collect(),
        categories: it
            .tags
            .iter()
            .map(|t| Category {
                term: t.clone(),
                ..Default::default()
            })
            .collect(),
        links: std::iter::once(link(it.link.as_str(), "alternate", Some("text/html")))
            .chain(it.enclosure.iter().map(|e| Link {
                length: Some(e.length.to_string()),
                ..link(&e.url, "enclosure", Some(&e.mime))
            }))
            .collect(),
        summary: (!it.summary.is_empty()).then(|| Text::plain(it.summary.clone())),
        content: Some(Content {
            value: Some(if html_later {
                String::new()
            } else {
                it.html.clone()
            }),
            content_type: Some("html".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The feed of `doc` with every entry.
pub fn feed(doc: &FeedDoc) -> Feed {
    let mut feed = head(doc);
    feed.entries = doc.items.iter().map(|it| entry(doc, it, false)).collect();
    feed
}

/// The feed of `doc` without its entries.
fn head(doc: &FeedDoc) -> Feed {
    let tz = doc.timezone;
    let mut links = vec![link(doc.home.as_str(), "alternate", Some("text/html"))];
    if let Some(u) = doc.self_url(Format::Atom) {
        links.push(link(u.as_str(), "self", Some(Format::Atom.media_type())));
    }
    links.extend(doc.hubs.iter().map(|h| link(h.as_str(), "hub", None)));
    // RFC 4287 needs a feed author unless every entry has one (R30).
    let authors = match &doc.author {
        Some(p) => vec![person(p)],
        None => vec![AtomPerson {
            name: doc.title.clone(),
            ..Default::default()
        }],
    };
    let epoch = chrono::DateTime::UNIX_EPOCH.fixed_offset();

    let mut feed = Feed {
        title: Text::plain(doc.title.clone()),
        id: doc.id.clone(),
        updated: in_zone(
            doc.updated()
                .or_else(|| doc.paging.as_ref().and_then(|p| p.updated_if_empty))
                .or(doc.updated_if_empty)
                .unwrap_or(epoch),
            tz,
        ),
        authors,
        generator: Some(Generator {
            value: GENERATOR.into(),
            ..Default::default()
        }),
        links,
        subtitle: Some(Text::plain(doc.description.clone())),
        lang: doc.language.clone(),
        ..Default::default()
    };
    super::archive::add_to_atom(&mut feed, doc);
    feed
}

/// The start tag of an entry's content, as the crate writes it.
const CONTENT_TAG: &[u8] = b"<content type=\"html\">";

/// A searcher for [`CONTENT_TAG`], built once.
static CONTENT_START: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(CONTENT_TAG));

/// Copies a document (or a piece of one) written with empty entry contents into `out`, each
/// entry's html in its content as CDATA (R40, R41), as the RSS crate writes `content:encoded`.
/// Escaped text (what atom_syndication writes) is a third longer, and escaping it, then
/// checking every reference in it, took a sixth of a full build; a reader's XML parser gives
/// the same text either way. Entry text before the content (title, summary, attribute values)
/// is escaped, so the first content start tag after an entry's start is that entry's. `None`
/// unless there is exactly one content start tag per entry.
fn fill_contents(doc: &[u8], items: &[FeedItem], mut out: Vec<u8>) -> Option<Vec<u8>> {
    let mut rest = doc;
    for it in items {
        let at = CONTENT_START.find(rest)?;
        let (head, tail) = rest.split_at(at + CONTENT_TAG.len());
        out.extend_from_slice(head);
        cdata(&mut out, &it.html);
        rest = tail;
    }
    if CONTENT_START.find(rest).is_some() {
        return None;
    }
    out.extend_from_slice(rest);
    Some(out)
}

/// Appends `text` as CDATA; a `]]>` in it ends one section after `]]` and starts the next
/// with `>`, as quick-xml splits it.
fn cdata(out: &mut Vec<u8>, text: &str) {
    if text.is_empty() {
        return;
    }
    let mut rest = text.as_bytes();
    out.reserve(rest.len() + 16);
    out.extend_from_slice(b"<![CDATA[");
    while let Some(i) = super::find_cdata_end(rest) {
        out.extend_from_slice(&rest[..i + 2]);
        out.extend_from_slice(b"]]><![CDATA[");
        rest = &rest[i + 2..];
    }
    out.extend_from_slice(rest);
    out.extend_from_slice(b"]]>");
}

const CONFIG: WriteConfig = WriteConfig {
    write_document_declaration: false,
    indent_size: Some(2),
};

fn write(feed: &Feed, capacity: usize) -> Vec<u8> {
    feed.write_with_config(Vec::with_capacity(capacity), CONFIG)
        .expect("writing to a Vec cannot fail")
}

pub fn render(doc: &FeedDoc) -> String {
    let mut out = Vec::with_capacity(64 + super::rss::capacity(&doc.items));
    let written = doc_layout(doc).is_some_and(|layout| {
        pieces::write_document(&doc.items, layout, &mut |b| out.extend_from_slice(b))
    });
    if !written {
        out = one_go(doc);
    }
    String::from_utf8(out).expect("atom_syndication writes UTF-8")
}

/// The whole feed written by the crate in one go, with our declaration (R1) and no blank space
/// around the root element.
pub(crate) fn one_go(doc: &FeedDoc) -> Vec<u8> {
    let mut whole = head(doc);
    whole.entries = doc.items.iter().map(|it| entry(doc, it, true)).collect();
    let bare = write(&whole, 4096 + 2048 * doc.items.len());
    let capacity = super::rss::capacity(&doc.items);
    // The crate's own (escaped) contents if ours cannot be put in: never expected.
    let bytes = fill_contents(&bare, &doc.items, Vec::with_capacity(capacity))
        .unwrap_or_else(|| write(&feed(doc), capacity));
    let text = std::str::from_utf8(&bytes)
        .expect("atom_syndication writes UTF-8")
        .trim();
    let mut out = Vec::with_capacity(text.len() + 64);
    out.extend_from_slice(super::rss::DECLARATION.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(text.as_bytes());
    out.push(b'\n');
    out
}

/// How `doc` is written in pieces (see [`pieces::write_documents`]): each entry's text is
/// copied only into its short-lived piece, and the entries go where the feed written without
/// them has its end tag. `None` without entries or when the crate's output does not have the
/// expected shape: the caller writes the feed in one go.
pub(crate) fn doc_layout(doc: &FeedDoc) -> Option<pieces::Layout<'_, FeedItem>> {
    let head = head(doc);
    let bare = write(&head, 4096);
    const MARKERS: Markers = Markers {
        root: b"<feed",
        open: b"<entry>",
        close: b"</entry>",
        end: b"</feed>",
    };
    let cut = Head::new(&bare, &MARKERS).filter(|_| !doc.items.is_empty())?;
    // Our declaration (R1) first, then the crate's output without blank space around it.
    let before = cut.before();
    let lead = before
        .iter()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    let mut first = Vec::with_capacity(64 + before.len());
    first.extend_from_slice(super::rss::DECLARATION.as_bytes());
    first.push(b'\n');
    first.extend_from_slice(&before[lead..]);
    let after = cut.after();
    let trailing = after
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    let mut last = after[..after.len() - trailing].to_vec();
    last.push(b'\n');
    // Each piece's entries, written with empty contents and filled in.
    let pieces: pieces::PieceWriter<'_, FeedItem> = Box::new(move |chunk, buf| {
        let mut feed = head.clone();
        feed.entries = chunk.iter().map(|it| entry(doc, it, true)).collect();
        let bytes = write(&feed, 4096 * chunk.len());
        let buf = pieces::with_room(buf, super::rss::capacity(chunk));
        // A piece whose contents cannot be filled in has no items to give: the whole
        // document is refused and written again in one go.
        fill_contents(&bytes, chunk, buf).unwrap_or_default()
    });
    Some(pieces::Layout::new(bare, MARKERS, (first, last), pieces))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_are_cdata_split_at_every_end_marker() {
        let mut out = Vec::new();
        cdata(&mut out, "<p>a]]>b]]]>c</p>]]>");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<![CDATA[<p>a]]]]><![CDATA[>b]]]]]><![CDATA[>c</p>]]]]><![CDATA[>]]>"
        );
        let mut empty = Vec::new();
        cdata(&mut empty, "");
        assert!(empty.is_empty());
    }

    #[test]
    fn a_piece_without_one_content_per_entry_is_refused() {
        let date = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap();
        let item = FeedItem {
            id: "a".into(),
            atom_id: "tag:x,2026:a".into(),
            title: "A".into(),
            link: url::Url::parse("https://x.example/a").unwrap(),
            published: date,
            updated: date,
            author: None,
            summary: String::new(),
            html: "<p>it's</p>".into(),
            tags: vec![],
            enclosure: None,
            episode: None,
        };
        let one = br#"<entry><content type="html"></content></entry>"#;
        let filled = fill_contents(one, std::slice::from_ref(&item), Vec::new()).unwrap();
        assert_eq!(
            filled,
            br#"<entry><content type="html"><![CDATA[<p>it's</p>]]></content></entry>"#
        );
        assert!(
            fill_contents(b"<entry></entry>", std::slice::from_ref(&item), Vec::new()).is_none()
        );
        let two = [&one[..], &one[..]].concat();
        assert!(fill_contents(&two, std::slice::from_ref(&item), Vec::new()).is_none());
    }
}
