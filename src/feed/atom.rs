//! Atom 1.0 renderer (RFC 4287, atom_syndication crate): permanent ids (R36), `updated` as the
//! newest entry change (R29), self and alternate links (R31), html content (R40, R41).

use atom_syndication::{
    Category, Content, Entry, Feed, Generator, Link, Person as AtomPerson, Text, WriteConfig,
};

use super::{FeedDoc, GENERATOR};
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

pub fn feed(doc: &FeedDoc) -> Feed {
    let tz = doc.timezone;
    let entries = doc
        .items
        .iter()
        .map(|it| Entry {
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
                value: Some(it.html.clone()),
                content_type: Some("html".into()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect();

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
        updated: in_zone(doc.updated().unwrap_or(epoch), tz),
        authors,
        generator: Some(Generator {
            value: GENERATOR.into(),
            ..Default::default()
        }),
        links,
        subtitle: Some(Text::plain(doc.description.clone())),
        lang: doc.language.clone(),
        entries,
        ..Default::default()
    };
    super::archive::add_to_atom(&mut feed, doc);
    feed
}

pub fn render(doc: &FeedDoc) -> String {
    // The declaration goes into the buffer first and the crate writes after it, into a buffer
    // large enough never to grow: no copy of the ~100 MB document afterwards.
    let mut head = Vec::with_capacity(super::rss::capacity(doc));
    head.extend_from_slice(super::rss::DECLARATION.as_bytes());
    head.push(b'\n');
    let start = head.len();
    let mut bytes = feed(doc)
        .write_with_config(
            head,
            WriteConfig {
                write_document_declaration: false,
                indent_size: Some(2),
            },
        )
        .expect("writing to a Vec cannot fail");
    let leading = bytes[start..]
        .iter()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    if leading > 0 {
        bytes.drain(start..start + leading);
    }
    let trailing = bytes[start..]
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    bytes.truncate(bytes.len() - trailing);
    bytes.push(b'\n');
    String::from_utf8(bytes).expect("atom_syndication writes UTF-8")
}
