//! RSS 2.0 renderer (rss crate). Dates are RFC 822 with a 4-digit year in the site timezone
//! (R15, R16); `lastBuildDate` is the newest item change, not the clock (R17).

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use rss::extension::atom::AtomExtension;
use rss::extension::dublincore::DublinCoreExtension;
use rss::{Category, Channel, Guid, Item};

use super::{FeedDoc, GENERATOR};
use crate::config::{Format, Person};

pub fn rfc822(date: DateTime<FixedOffset>, tz: Tz) -> String {
    date.with_timezone(&tz)
        .format("%a, %d %b %Y %H:%M:%S %z")
        .to_string()
}

/// `email (Name)` as RSS `author` wants (R26), or `None` without an email.
fn rss_author(person: &Person) -> Option<String> {
    person
        .email
        .as_ref()
        .map(|email| format!("{email} ({})", person.name))
}

pub fn channel(doc: &FeedDoc) -> Channel {
    let items = doc
        .items
        .iter()
        .map(|it| {
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
                description: Some(if it.summary.is_empty() {
                    it.html.clone()
                } else {
                    it.summary.clone()
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
        })
        .collect();

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
        description: doc.description.clone(),
        language: doc.language.clone(),
        generator: Some(GENERATOR.into()),
        last_build_date: doc.updated().map(|d| rfc822(d, doc.timezone)),
        pub_date: doc.last_published().map(|d| rfc822(d, doc.timezone)),
        atom_ext: (!atom_links.is_empty()).then_some(AtomExtension { links: atom_links }),
        items,
        ..Default::default()
    };
    super::archive::add_to_rss(&mut channel, doc);
    channel
}

pub fn render(doc: &FeedDoc) -> String {
    write_sized(&channel(doc), capacity(doc))
}

/// The XML declaration every feed starts with (R1).
pub(crate) const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

/// A guess at the size of a rendered feed, generous enough that the output buffer never has to
/// grow (and copy ~100 MB) while the crates write into it. Reserved capacity that is never
/// written costs no memory: the pages are only touched when written.
pub(crate) fn capacity(doc: &FeedDoc) -> usize {
    let text: usize = doc
        .items
        .iter()
        .map(|i| i.html.len() + i.summary.len() + i.title.len())
        .sum();
    4096 + text * 2 + doc.items.len() * 2048
}

/// Serialises a channel with 2-space indentation and a UTF-8 declaration (R1).
pub fn write(channel: &Channel) -> String {
    write_sized(channel, 0)
}

/// [`write`] into a buffer of `capacity` bytes (see [`capacity`]).
pub(crate) fn write_sized(channel: &Channel, capacity: usize) -> String {
    let mut bytes = channel
        .pretty_write_to(Vec::with_capacity(capacity), b' ', 2)
        .expect("writing to a Vec cannot fail");
    // The crate writes `<?xml version="1.0" encoding="utf-8"?>` and a line break: the same
    // length as ours, so the declaration is replaced in place instead of copying the document.
    let theirs = b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<";
    if bytes.starts_with(theirs) {
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
