//! Reading an already-published feed (ours or another tool's): just what identity comparisons
//! need from each item.

use chrono::{DateTime, FixedOffset};

/// One item of a published feed.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedItem {
    pub id: String,
    pub title: String,
    pub link: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
}

/// Which kind of document a published feed is: its items' ids are RSS guids or Atom ids,
/// which differ for an entry whose guid is not a URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Rss,
    Atom,
}

/// A published feed: its dialect and its items.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedFeed {
    pub dialect: Dialect,
    pub items: Vec<PublishedItem>,
    /// A podcast's `podcast:guid`: kept for good once published (Podcasting 2.0, R68).
    pub podcast_guid: Option<String>,
}

/// Parses RSS 2.0, Atom 1.0 or JSON Feed text; see [`read_feed`].
pub fn parse_published(text: &str) -> Result<Vec<PublishedItem>, String> {
    read_feed(text).map(|feed| feed.items)
}

/// Most items a feed from elsewhere may hold: the feed crates hold ~1.5 KB for each item
/// however empty (16 MB of `<item/>` took 5.5 GB), so a server could exhaust the memory of
/// the cron host through the push guard. A real feed of 16 MB (the download cap) has far
/// fewer: every item has at least a title or link and an id.
pub const MAX_ITEMS: usize = 50_000;

/// Most elements a feed from elsewhere may hold (each unknown one is kept as an extension,
/// ~150 bytes, by the crates): a 16 MB feed of real items has fewer.
pub const MAX_ELEMENTS: usize = 500_000;

/// [`read_feed`] for a feed from elsewhere (a server's, a file given to `adopt-ids` or
/// `check --against`): refused past [`MAX_ITEMS`] items or [`MAX_ELEMENTS`] elements, counted
/// in one pass before anything is built, so that its memory is bounded by its size.
pub fn read_feed(text: &str) -> Result<PublishedFeed, String> {
    // A JSON Feed (this program's, say): no XML, its values only as long as its text.
    if text.trim_start().starts_with(['{', '[']) {
        return read_json_feed(text);
    }
    let (items, elements) = count_elements(text.as_bytes());
    if items > MAX_ITEMS {
        return Err(too_many_items(items));
    }
    if elements > MAX_ELEMENTS {
        return Err(format!(
            "it holds {elements} elements, more than the {MAX_ELEMENTS} feedwright reads of a feed: is it the right URL or file?"
        ));
    }
    read_feed_whole(text)
}

/// What to say of a feed from elsewhere with more than [`MAX_ITEMS`] items.
fn too_many_items(items: usize) -> String {
    format!(
        "it holds {items} items, more than the {MAX_ITEMS} feedwright reads of a feed: a real feed of 16 MB has fewer; is it the right URL or file?"
    )
}

/// A published feed's bytes as text: UTF-8 (XML's default), UTF-16 with its byte-order mark,
/// or ISO-8859-1 / Latin-1 when its XML declaration says so (each byte one character).
/// Anything else is refused: decoded loosely, a broken byte became U+FFFD in an id, which was
/// then reported as an id that would change.
pub fn decode_feed(bytes: &[u8]) -> Result<String, String> {
    if bytes.starts_with(b"\x1f\x8b") {
        return Err("it is gzip-compressed (a server that compressed it unasked, or a .gz file): give the feed itself".into());
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let utf16 = match bytes {
        [0xff, 0xfe, rest @ ..] => Some((rest, u16::from_le_bytes as fn([u8; 2]) -> u16)),
        [0xfe, 0xff, rest @ ..] => Some((rest, u16::from_be_bytes as fn([u8; 2]) -> u16)),
        _ => None,
    };
    if let Some((rest, unit)) = utf16 {
        let units = rest.chunks_exact(2).map(|p| unit([p[0], p[1]]));
        return char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map(declared_utf8)
            .map_err(|_| "its UTF-16 text is broken (an unpaired surrogate)".to_string());
    }
    let error = match std::str::from_utf8(bytes) {
        Ok(text) => return Ok(text.to_string()),
        Err(e) => e,
    };
    let head = &bytes[..bytes.len().min(200)];
    let declared = String::from_utf8_lossy(head).to_ascii_lowercase();
    let latin1 = ["iso-8859-1", "latin1", "latin-1", "us-ascii"]
        .iter()
        .any(|name| {
            declared.contains(&format!("encoding=\"{name}\""))
                || declared.contains(&format!("encoding='{name}'"))
        });
    if latin1 && declared.starts_with("<?xml") {
        return Ok(declared_utf8(
            bytes.iter().map(|&b| char::from(b)).collect(),
        ));
    }
    Err(format!(
        "it is not UTF-8 (byte {} is not) and its XML declaration names no encoding feedwright reads (UTF-8, UTF-16, ISO-8859-1): is it the right URL or file?",
        error.valid_up_to() + 1
    ))
}

/// `text`, decoded from another encoding, with its XML declaration saying UTF-8: the parser
/// decodes by the declaration, and would decode the text a second time.
fn declared_utf8(text: String) -> String {
    let Some(end) = text.starts_with("<?xml").then(|| text.find("?>")).flatten() else {
        return text;
    };
    let Some(at) = text[..end].find("encoding=") else {
        return text;
    };
    let value = at + "encoding=".len();
    let quote = match text[value..end].chars().next() {
        Some(q @ ('"' | '\'')) => q,
        _ => return text,
    };
    let Some(len) = text[value + 1..end].find(quote) else {
        return text;
    };
    format!("{}\"UTF-8\"{}", &text[..value], &text[value + len + 2..])
}

/// Elements named `item` or `entry` (any prefix), and all elements: every `<` that starts a
/// tag. Text cannot hold a raw `<`, so a CDATA section or comment that does only counts high,
/// never low.
fn count_elements(text: &[u8]) -> (usize, usize) {
    let (mut items, mut elements) = (0, 0);
    for at in memchr::memchr_iter(b'<', text) {
        let rest = &text[at + 1..];
        if !rest
            .first()
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        {
            continue;
        }
        elements += 1;
        let name_end = rest
            .iter()
            .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
            .unwrap_or(rest.len());
        let name = &rest[..name_end];
        let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
        if local == b"item" || local == b"entry" {
            items += 1;
        }
    }
    (items, elements)
}

/// A JSON Feed this program wrote, read as [`read_feed_whole`] reads RSS: its items' ids (an
/// entry's guid, as RSS carries it), titles, links and publication dates. A site whose feeds
/// are JSON only was compared with nothing when its state file went missing.
pub fn read_json_feed(text: &str) -> Result<PublishedFeed, String> {
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("it is not JSON ({e})"))?;
    let items = doc
        .get("items")
        .and_then(serde_json::Value::as_array)
        .ok_or("it has no `items` list")?;
    if items.len() > MAX_ITEMS {
        return Err(too_many_items(items.len()));
    }
    let text_of = |item: &serde_json::Value, key: &str| {
        item.get(key)
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    };
    // JSON Feed 1.1: an id that is a number is read as its text; an item without one is no
    // item this program wrote, and a comparison that skipped it would pass.
    let id_of = |item: &serde_json::Value| match item.get("id") {
        Some(serde_json::Value::String(id)) => Some(id.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    if let Some(at) = items.iter().position(|item| id_of(item).is_none()) {
        return Err(format!(
            "its item {} has no `id` (a string, as JSON Feed asks)",
            at + 1
        ));
    }
    let items = items
        .iter()
        .filter_map(|item| {
            Some(PublishedItem {
                id: id_of(item)?,
                title: text_of(item, "title").unwrap_or_default(),
                link: text_of(item, "url"),
                published: text_of(item, "date_published")
                    .and_then(|d| DateTime::parse_from_rfc3339(&d).ok()),
            })
        })
        .collect();
    Ok(PublishedFeed {
        dialect: Dialect::Rss,
        items,
        podcast_guid: None,
    })
}

/// The id of the first item of a feed this program wrote (RSS `guid`, Atom `id`), found in
/// its first bytes without parsing the rest (a full feed of every review is megabytes);
/// `None` when not found there (no item, another layout).
pub fn first_item_id(head: &str) -> Option<String> {
    let (open, id, close) = if let Some(at) = head.find("<item>").or_else(|| head.find("<item ")) {
        (at, "<guid", "</guid>")
    } else {
        (
            head.find("<entry>").or_else(|| head.find("<entry "))?,
            "<id>",
            "</id>",
        )
    };
    let item = &head[open..];
    let start = item.find(id)?;
    let value_start = start + item[start..].find('>')? + 1;
    let value_end = value_start + item[value_start..].find(close)?;
    let value = item[value_start..value_end].trim();
    let value = value
        .strip_prefix("<![CDATA[")
        .and_then(|v| v.strip_suffix("]]>"))
        .map_or_else(|| htmlize::unescape(value).into_owned(), str::to_string);
    (!value.is_empty()).then_some(value)
}

/// Parses RSS 2.0 or Atom 1.0 text, however many items it has: for the feeds this program
/// wrote into its own output folder (see [`read_feed`] for any other). RSS items without a
/// guid fall back to their link, as readers do.
pub fn read_feed_whole(text: &str) -> Result<PublishedFeed, String> {
    // The crates leave `&name;` of a declared entity as it is: what would be read is not what
    // readers that expand it saw. No feed needs them.
    if text.contains("<!ENTITY") {
        return Err("it declares entities (`<!ENTITY`), which readers expand and this reader would not: its ids could not be trusted".into());
    }
    if let Ok(channel) = rss::Channel::read_from(text.as_bytes()) {
        let items = channel
            .items
            .iter()
            .filter_map(|i| {
                let id = i
                    .guid
                    .as_ref()
                    .map(|g| g.value.clone())
                    .or_else(|| i.link.clone())?;
                Some(PublishedItem {
                    id: id.trim().to_string(),
                    title: i.title.clone().unwrap_or_default().trim().to_string(),
                    link: i.link.clone().map(|l| l.trim().to_string()),
                    published: i
                        .pub_date
                        .as_deref()
                        .and_then(|d| DateTime::parse_from_rfc2822(d.trim()).ok()),
                })
            })
            .collect();
        let podcast_guid = channel
            .extensions
            .get("podcast")
            .and_then(|tags| tags.get("guid"))
            .and_then(|found| found.first())
            .and_then(|guid| guid.value.as_deref())
            .map(|guid| guid.trim().to_string())
            .filter(|guid| !guid.is_empty());
        return Ok(PublishedFeed {
            dialect: Dialect::Rss,
            items,
            podcast_guid,
        });
    }
    let feed = atom_syndication::Feed::read_from(text.as_bytes())
        .map_err(|e| format!("neither RSS 2.0 nor Atom 1.0 ({e})"))?;
    let items = feed
        .entries
        .iter()
        .map(|e| PublishedItem {
            id: e.id.trim().to_string(),
            title: e.title.value.trim().to_string(),
            link: e
                .links
                .iter()
                .find(|l| l.rel == "alternate")
                .or(e.links.first())
                .map(|l| l.href.clone()),
            published: e.published.or(Some(e.updated)),
        })
        .collect();
    Ok(PublishedFeed {
        dialect: Dialect::Atom,
        items,
        podcast_guid: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_item_id_is_read_from_the_head_alone() {
        let rss = "<rss><channel><title>T</title><item><title>A</title><guid isPermaLink=\"false\">tag:x,2026:a&amp;b</guid></item><item><guid>z</guid>";
        assert_eq!(first_item_id(rss).as_deref(), Some("tag:x,2026:a&b"));
        let atom = "<feed><id>tag:x,2026:feed/r</id><entry><title>A</title><id>tag:x,2026:a</id>";
        assert_eq!(first_item_id(atom).as_deref(), Some("tag:x,2026:a"));
        assert_eq!(
            first_item_id("<rss><channel><title>T</title></channel></rss>"),
            None
        );
        assert_eq!(first_item_id("<rss><channel><item><guid>cut"), None);
    }

    #[test]
    fn reads_rss_guid_or_link() {
        let xml = r#"<rss version="2.0"><channel><title>t</title><link>https://x/</link><description>d</description>
<item><title>A</title><link>https://x/a/</link><guid>https://x/a/</guid><pubDate>Wed, 01 May 2024 10:00:00 +0000</pubDate></item>
<item><title>B</title><link>https://x/b/</link></item></channel></rss>"#;
        let items = parse_published(xml).unwrap();
        assert_eq!(items[0].id, "https://x/a/");
        assert!(items[0].published.is_some());
        assert_eq!(items[1].id, "https://x/b/");
    }

    #[test]
    fn reads_a_podcast_guid() {
        let xml = r#"<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><title>t</title><link>https://x/</link><description>d</description>
<podcast:guid> 917393e3-1b1e-5cef-ace4-edaa54e1f810 </podcast:guid></channel></rss>"#;
        let feed = read_feed(xml).unwrap();
        assert_eq!(
            feed.podcast_guid.as_deref(),
            Some("917393e3-1b1e-5cef-ace4-edaa54e1f810")
        );
        let plain = r#"<rss version="2.0"><channel><title>t</title><link>https://x/</link><description>d</description></channel></rss>"#;
        assert_eq!(read_feed(plain).unwrap().podcast_guid, None);
    }

    #[test]
    fn rejects_a_feed_that_declares_entities() {
        let xml = r#"<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e "EXPANDED">]><rss version="2.0"><channel><title>t</title><link>https://x/</link><description>d</description><item><guid>&e;1</guid></item></channel></rss>"#;
        assert!(read_feed(xml).unwrap_err().contains("declares entities"));
    }

    /// 16 MB of empty items took 5.5 GB; they are counted first, prefixed or not.
    #[test]
    fn too_many_items_or_elements_are_refused_before_parsing() {
        let head = r#"<rss version="2.0"><channel><title>t</title><link>https://x/</link><description>d</description>"#;
        let many = format!("{head}{}</channel></rss>", "<item/>".repeat(MAX_ITEMS + 1));
        let e = read_feed(&many).unwrap_err();
        assert!(
            e.starts_with("it holds 50001 items, more than the 50000"),
            "{e}"
        );
        // Still read whole when it is our own output.
        assert_eq!(read_feed_whole(&many).unwrap().items.len(), 0);
        let atom = format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\">{}</feed>",
            "<a:entry/>".repeat(MAX_ITEMS + 1)
        );
        assert!(read_feed(&atom).unwrap_err().contains("50001 items"));
        let wide = format!(
            "{head}<item><guid>g</guid>{}</item></channel></rss>",
            "<x:y/>".repeat(MAX_ELEMENTS)
        );
        assert!(
            read_feed(&wide)
                .unwrap_err()
                .contains("elements, more than")
        );
        assert_eq!(
            count_elements(b"<a><b:item x='1'>t &lt;item</b:item><!-- <c --><entry></a>"),
            (2, 4)
        );
    }

    #[test]
    fn feeds_are_read_in_the_encodings_xml_allows_and_broken_bytes_are_refused() {
        assert_eq!(decode_feed(b"\xef\xbb\xbf<rss/>").unwrap(), "<rss/>");
        let latin = b"<?xml version='1.0' encoding='ISO-8859-1'?><rss><t>Cin\xe9</t></rss>";
        assert_eq!(
            decode_feed(latin).unwrap(),
            "<?xml version='1.0' encoding=\"UTF-8\"?><rss><t>Ciné</t></rss>"
        );
        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("<rss>é</rss>".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode_feed(&utf16).unwrap(), "<rss>é</rss>");
        // A declaration of odd shape is left as it is, never a panic.
        for odd in [
            "<?xml encoding=é?>",
            "<?xml encoding=\"?>",
            "<?xml encoding=",
            "<?xml",
        ] {
            let mut bytes = odd.as_bytes().to_vec();
            bytes.extend(b" encoding='latin1'?>\xe9");
            let _ = decode_feed(&bytes);
        }
        assert!(
            decode_feed(b"\x1f\x8b\x08\x00")
                .unwrap_err()
                .starts_with("it is gzip-compressed")
        );
        let e = decode_feed(b"<rss><guid>film\xff2</guid></rss>").unwrap_err();
        assert!(e.starts_with("it is not UTF-8 (byte 16 is not)"), "{e}");
    }

    #[test]
    fn rejects_other_text() {
        assert!(parse_published("<html/>").is_err());
    }
}
