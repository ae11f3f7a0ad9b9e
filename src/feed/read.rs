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

/// Parses RSS 2.0 or Atom 1.0 text; see [`read_feed`].
pub fn parse_published(text: &str) -> Result<Vec<PublishedItem>, String> {
    read_feed(text).map(|feed| feed.items)
}

/// Parses RSS 2.0 or Atom 1.0 text. RSS items without a guid fall back to their link, as
/// readers do.
pub fn read_feed(text: &str) -> Result<PublishedFeed, String> {
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

    #[test]
    fn rejects_other_text() {
        assert!(parse_published("<html/>").is_err());
    }
}
