//! RSS 2.0 renderer (rss crate). Dates are RFC 822 with a 4-digit year in the site timezone
//! (R15, R16); `lastBuildDate` is the newest item change, not the clock (R17).

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use rss::extension::atom::AtomExtension;
use rss::extension::dublincore::DublinCoreExtension;
use rss::{Category, Channel, Guid, Item};

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::pieces::{self, Head, Markers};
use super::{FeedDoc, FeedItem, GENERATOR};
use crate::config::{Format, Person};
use crate::content::render::escape_html;

pub fn rfc822(date: DateTime<FixedOffset>, tz: Tz) -> String {
    // The format parsed once, not for every item (chrono's `to_rfc2822` writes days below 10
    // with one digit).
    static FORMAT: std::sync::LazyLock<Vec<chrono::format::Item<'static>>> =
        std::sync::LazyLock::new(|| {
            chrono::format::StrftimeItems::new("%a, %d %b %Y %H:%M:%S %z").collect()
        });
    crate::content::date::in_zone(date, tz)
        .format_with_items(FORMAT.iter())
        .to_string()
}

/// `email (Name)` as RSS `author` wants (R26), or `None` without an email.
fn rss_author(person: &Person) -> Option<String> {
    person
        .email
        .as_ref()
        .map(|email| format!("{email} ({})", person.name))
}

/// One item of `doc`.
pub(crate) fn item(doc: &FeedDoc, it: &FeedItem) -> Item {
    let author = it.author.as_ref().or(doc.author.as_ref());
    let dc = author
        .filter(|p| p.email.is_none())
        .map(|p| DublinCoreExtension {
            creators: vec![p.name.clone()],
            ..Default::default()
        });
    // The id is a permalink only when it is the item's own URL (R13, R14).
    let permalink = it.id == it.link.as_str();
    Item {
        title: Some(it.title.clone()),
        link: Some(it.link.to_string()),
        // Readers show a description as HTML: the plain-text summary is written escaped.
        description: Some(if it.summary.is_empty() {
            it.html.clone()
        } else {
            escape_html(&it.summary)
        }),
        author: author.and_then(rss_author),
        categories: it
            .tags
            .iter()
            .map(|t| Category {
                name: t.clone(),
                domain: None,
            })
            .collect(),
        guid: Some(Guid {
            value: it.id.clone(),
            permalink,
        }),
        pub_date: Some(rfc822(it.published, doc.timezone)),
        content: Some(it.html.clone()),
        enclosure: it.enclosure.as_ref().map(|e| rss::Enclosure {
            url: e.url.clone(),
            length: e.length.to_string(),
            mime_type: e.mime.clone(),
        }),
        dublin_core_ext: dc,
        ..Default::default()
    }
}

/// The channel of `doc` without its items.
pub(crate) fn head(doc: &FeedDoc) -> Channel {
    let self_link = doc
        .self_url(Format::Rss)
        .map(|u| rss::extension::atom::Link {
            href: u.to_string(),
            rel: "self".into(),
            mime_type: Some(Format::Rss.media_type().into()),
            ..Default::default()
        });
    let atom_links: Vec<_> = self_link
        .into_iter()
        .chain(doc.hubs.iter().map(|h| rss::extension::atom::Link {
            href: h.to_string(),
            rel: "hub".into(),
            ..Default::default()
        }))
        .collect();

    let mut channel = Channel {
        title: doc.title.clone(),
        link: doc.home.to_string(),
        // Plain text, like a title: the RSS profile allows HTML only in an item's description
        // (the W3C validator warns on markup here).
        description: doc.description.clone(),
        language: doc.language.clone(),
        generator: Some(GENERATOR.into()),
        last_build_date: doc.updated().map(|d| rfc822(d, doc.timezone)),
        pub_date: doc.last_published().map(|d| rfc822(d, doc.timezone)),
        atom_ext: (!atom_links.is_empty()).then_some(AtomExtension { links: atom_links }),
        ..Default::default()
    };
    super::archive::add_to_rss(&mut channel, doc);
    channel
}

pub fn render(doc: &FeedDoc) -> String {
    write_items(&head(doc), &doc.items, |it| item(doc, it))
}

/// How `doc` is written in pieces (see [`layout`]).
pub(crate) fn doc_layout(doc: &FeedDoc) -> Option<pieces::Layout<'_, FeedItem>> {
    layout(&head(doc), &doc.items, move |it| item(doc, it))
}

/// The namespaces the rss crate declares for an item (its private `Item::used_namespaces`).
fn item_namespaces(item: &Item, into: &mut BTreeMap<String, String>) {
    let mut add = |prefix: &str, uri: &str| {
        if !into.contains_key(prefix) {
            into.insert(prefix.to_string(), uri.to_string());
        }
    };
    if item.content.is_some() {
        add("content", CONTENT_NS);
    }
    if item.itunes_ext.is_some() {
        add("itunes", rss::extension::itunes::NAMESPACE);
    }
    if item.dublin_core_ext.is_some() {
        add("dc", rss::extension::dublincore::NAMESPACE);
    }
    if item.atom_ext.is_some() {
        add("atom", rss::extension::atom::NAMESPACE);
    }
}

const CONTENT_NS: &str = "http://purl.org/rss/1.0/modules/content/";

/// Writes `head` with one item per element of `items` (made by `item`), in pieces on every core
/// (see [`super::pieces`]): each item's text is copied only into its short-lived piece.
pub(crate) fn write_items(
    head: &Channel,
    items: &[FeedItem],
    item: impl Fn(&FeedItem) -> Item + Sync,
) -> String {
    if let Some(layout) = layout(head, items, &item) {
        let mut out = Vec::with_capacity(capacity(items));
        if pieces::write_document(items, layout, &mut |b| out.extend_from_slice(b)) {
            return String::from_utf8(out).expect("the rss crate writes UTF-8");
        }
    }
    one_go(head, items, item)
}

/// `head` with one item per element of `items`, written by the crate in one go.
pub(crate) fn one_go(
    head: &Channel,
    items: &[FeedItem],
    item: impl Fn(&FeedItem) -> Item,
) -> String {
    let mut channel = head.clone();
    channel.items = items.iter().map(item).collect();
    write_sized(&channel, capacity(items))
}

/// How `head` with one item per element of `items` is written in pieces (see
/// [`pieces::write_documents`]): the head (with our declaration), the items of each piece, the
/// end. The root element declares every namespace an item uses, and it comes first: the
/// namespaces are worked out beforehand from the items without their bodies, and compared with
/// those of the items written. `None` when there are no items or the crate's output does not
/// have the expected shape: the caller writes the document in one go.
pub(crate) fn layout<'d>(
    head: &Channel,
    items: &[FeedItem],
    item: impl Fn(&FeedItem) -> Item + Sync + 'd,
) -> Option<pieces::Layout<'d, FeedItem>> {
    const MARKERS: Markers = Markers {
        root: b"<rss",
        open: b"<item>",
        close: b"</item>",
        end: b"</channel>",
    };
    let write = |channel: &Channel| write_channel(channel, Vec::new());
    let foreseen = items
        .par_iter()
        .map(|it| {
            let mut namespaces = BTreeMap::new();
            item_namespaces(&item(&it.without_body()), &mut namespaces);
            namespaces
        })
        .reduce(BTreeMap::new, union);
    // The channel's own declarations win, as in the crate.
    let mut whole = head.clone();
    let mut namespaces = foreseen.clone();
    namespaces.extend(std::mem::take(&mut whole.namespaces));
    whole.namespaces = namespaces;
    let whole = write(&whole);
    let bare = write(head);
    let (whole_head, bare_head) = Head::new(&whole, &MARKERS).zip(Head::new(&bare, &MARKERS))?;
    if items.is_empty()
        || whole_head.after() != bare_head.after()
        || !whole_head.before().starts_with(CRATE_DECLARATION)
    {
        return None;
    }
    // The crate's declaration is as long as ours (R1): replaced in place.
    let mut first = whole_head.before().to_vec();
    first[..DECLARATION.len()].copy_from_slice(DECLARATION.as_bytes());
    let mut last = whole_head.after().to_vec();
    last.push(b'\n');
    let written = std::sync::Arc::new(std::sync::Mutex::new(BTreeMap::new()));
    let seen = std::sync::Arc::clone(&written);
    let head = head.clone();
    // Each piece's items, with the namespaces they use added to what was seen.
    let pieces: pieces::PieceWriter<'d, FeedItem> = Box::new(move |chunk, buf| {
        let mut channel = head.clone();
        channel.items = chunk.iter().map(&item).collect();
        let mut namespaces = BTreeMap::new();
        for it in &channel.items {
            item_namespaces(it, &mut namespaces);
        }
        if let Ok(mut seen) = seen.lock() {
            *seen = union(std::mem::take(&mut *seen), namespaces);
        }
        write_channel(&channel, pieces::with_room(buf, capacity(chunk)))
    });
    let mut layout = pieces::Layout::new(bare, MARKERS, (first, last), pieces);
    layout.verify = Box::new(move || written.lock().is_ok_and(|w| *w == foreseen));
    Some(layout)
}

/// Every namespace of `a` and `b`; `a`'s URI where both have a prefix.
fn union(mut a: BTreeMap<String, String>, b: BTreeMap<String, String>) -> BTreeMap<String, String> {
    for (prefix, uri) in b {
        a.entry(prefix).or_insert(uri);
    }
    a
}

/// How the crate starts a document: its declaration, as long as ours, and a line break.
const CRATE_DECLARATION: &[u8] = b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<";

/// The XML declaration every feed starts with (R1).
pub(crate) const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

/// A guess at the size of a rendered feed, generous enough that the output buffer never has to
/// grow (and copy ~100 MB) while the crates write into it. Reserved capacity that is never
/// written costs no memory: the pages are only touched when written.
pub(crate) fn capacity(items: &[FeedItem]) -> usize {
    let text: usize = items
        .iter()
        .map(|i| i.html.len() + i.summary.len() + i.title.len())
        .sum();
    4096 + text * 2 + items.len() * 2048
}

/// Serialises a channel with 2-space indentation and a UTF-8 declaration (R1), into a buffer of
/// `capacity` bytes (see [`capacity`]).
fn write_sized(channel: &Channel, capacity: usize) -> String {
    with_declaration(write_channel(channel, Vec::with_capacity(capacity)))
}

/// `channel` as the crate writes it with 2-space indentation, into `buf`, with `&` and `<` in
/// plain-text elements written as the RSS Best Practices Profile asks (see [`plain_text_refs`]).
/// Every RSS document, and every piece of one, is written here.
fn write_channel(channel: &Channel, buf: Vec<u8>) -> Vec<u8> {
    let bytes = channel
        .pretty_write_to(buf, b' ', 2)
        .expect("writing to a Vec cannot fail");
    plain_text_refs(bytes)
}

/// `doc` with `&amp;`, `&lt;` and `&gt;` in element text written `&#x26;`, `&#x3C;` and
/// `&#x3E;`, the forms the RSS Best Practices Profile asks for in plain text (R5; the W3C
/// validator warns on the others) and the same characters to an XML parser. The crate writes
/// the only element that holds HTML, an item's `description`, as CDATA (like
/// `content:encoded`): CDATA sections are left alone, and so are attribute values.
fn plain_text_refs(doc: Vec<u8>) -> Vec<u8> {
    static CDATA: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"<![CDATA["));
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut at = 0;
    while at < doc.len() {
        let cdata = CDATA.find(&doc[at..]).map_or(doc.len(), |i| at + i);
        for amp in memchr::memchr_iter(b'&', &doc[at..cdata]).map(|i| at + i) {
            let (written, with): (&[u8], &[u8]) = match &doc[amp..] {
                rest if rest.starts_with(b"&amp;") => (b"&amp;", b"&#x26;"),
                rest if rest.starts_with(b"&lt;") => (b"&lt;", b"&#x3C;"),
                rest if rest.starts_with(b"&gt;") => (b"&gt;", b"&#x3E;"),
                _ => continue,
            };
            if in_tag(&doc[..amp]) {
                continue;
            }
            let out = out.get_or_insert_with(|| Vec::with_capacity(doc.len() + 256));
            out.extend_from_slice(&doc[copied..amp]);
            out.extend_from_slice(with);
            copied = amp + written.len();
        }
        at = match super::find_cdata_end(&doc[cdata.min(doc.len())..]) {
            Some(end) if cdata < doc.len() => cdata + end + 3,
            _ => doc.len(),
        };
    }
    match out {
        None => doc,
        Some(mut out) => {
            out.extend_from_slice(&doc[copied..]);
            out
        }
    }
}

/// Whether what follows `before` is inside a tag (an attribute value): no `>` since the last
/// `<`. The crate escapes `<` and `>` in text and attribute values, so the last `<` is the
/// start of a tag.
fn in_tag(before: &[u8]) -> bool {
    memchr::memrchr(b'<', before).is_some_and(|lt| memchr::memchr(b'>', &before[lt..]).is_none())
}

/// The crate's output with our declaration (R1) and a final line break.
fn with_declaration(mut bytes: Vec<u8>) -> String {
    // The crate's declaration is as long as ours: replaced in place instead of copying the
    // document.
    if bytes.starts_with(CRATE_DECLARATION) {
        bytes[..DECLARATION.len()].copy_from_slice(DECLARATION.as_bytes());
        bytes.push(b'\n');
        return String::from_utf8(bytes).expect("the rss crate writes UTF-8");
    }
    let body = String::from_utf8(bytes).expect("the rss crate writes UTF-8");
    let body = body.trim_start_matches(|c| c != '<');
    let body = match body.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(body, |(_, r)| r).trim_start(),
        None => body,
    };
    format!("{DECLARATION}\n{body}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_takes_hex_references_cdata_and_attributes_do_not() {
        let doc = concat!(
            "<rss a=\"x &amp; &lt;y&gt;\"><channel><title>A &amp; &lt;B&gt; &quot;C&quot;</title>",
            "<description>d &amp; e</description>",
            "<item><description><![CDATA[<p>&amp; &lt;]]]]><![CDATA[>&amp;</p>]]></description>",
            "<itunes:category text=\"TV &amp; Film\"/><dc:creator>Tom &amp; Jerry</dc:creator>",
            "</item></channel></rss>"
        );
        let expected = concat!(
            "<rss a=\"x &amp; &lt;y&gt;\"><channel><title>A &#x26; &#x3C;B&#x3E; &quot;C&quot;</title>",
            "<description>d &#x26; e</description>",
            "<item><description><![CDATA[<p>&amp; &lt;]]]]><![CDATA[>&amp;</p>]]></description>",
            "<itunes:category text=\"TV &amp; Film\"/><dc:creator>Tom &#x26; Jerry</dc:creator>",
            "</item></channel></rss>"
        );
        let out = plain_text_refs(doc.as_bytes().to_vec());
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        let plain = b"<rss><title>No references</title><x><![CDATA[&amp;".to_vec();
        assert_eq!(plain_text_refs(plain.clone()), plain);
    }
}
