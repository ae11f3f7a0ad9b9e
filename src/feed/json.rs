//! JSON Feed 1.1 renderer (R85-R88, R94): the same ids, dates and content as the RSS and Atom
//! files of the same document, through serde structs written for this project. Dates are
//! RFC 3339 in the site timezone, exactly as in Atom; HTML goes only in `content_html`.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde::Serialize;

use super::{FeedDoc, FeedItem};
use crate::config::{Format, Person};
use crate::content::date::in_zone;

pub const VERSION: &str = "https://jsonfeed.org/version/1.1";

#[derive(Debug, Serialize)]
pub struct JsonFeed {
    pub version: &'static str,
    pub title: String,
    pub home_page_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed_url: Option<String>,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<JsonAuthor>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hubs: Vec<JsonHub>,
    pub items: Vec<JsonItem>,
}

/// An author: always a `name`, and a `mailto:` URL when there is an email (R88).
#[derive(Debug, Serialize, PartialEq)]
pub struct JsonAuthor {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct JsonHub {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct JsonItem {
    pub id: String,
    pub url: String,
    pub title: String,
    pub content_html: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub date_published: String,
    pub date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<JsonAuthor>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<JsonAttachment>,
}

#[derive(Debug, Serialize)]
pub struct JsonAttachment {
    pub url: String,
    pub mime_type: String,
    pub size_in_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_in_seconds: Option<u64>,
}

fn author(p: &Person) -> JsonAuthor {
    JsonAuthor {
        name: p.name.clone(),
        url: p.email.as_ref().map(|e| format!("mailto:{e}")),
    }
}

/// RFC 3339, with the fractional seconds the date has (as Atom writes it: the same instant in
/// every format).
fn date(d: DateTime<FixedOffset>, doc: &FeedDoc) -> String {
    rfc3339(d, doc.timezone)
}

fn rfc3339(d: DateTime<FixedOffset>, tz: chrono_tz::Tz) -> String {
    in_zone(d, tz).to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn item(it: &FeedItem, doc: &FeedDoc) -> JsonItem {
    JsonItem {
        id: it.id.clone(),
        url: it.link.to_string(),
        title: it.title.clone(),
        content_html: it.html.clone(),
        summary: (!it.summary.is_empty()).then(|| it.summary.clone()),
        date_published: date(it.published, doc),
        date_modified: date(it.updated, doc),
        // The feed's author covers items by the same person, as in Atom.
        authors: it
            .author
            .iter()
            .filter(|a| Some(*a) != doc.author.as_ref())
            .map(author)
            .collect(),
        tags: it.tags.clone(),
        attachments: it
            .enclosure
            .iter()
            .map(|e| JsonAttachment {
                url: e.url.clone(),
                mime_type: e.mime.clone(),
                size_in_bytes: e.length,
                duration_in_seconds: it.episode.as_ref().and_then(|ep| ep.duration),
            })
            .collect(),
    }
}

pub fn feed(doc: &FeedDoc) -> JsonFeed {
    let feed_url = doc.self_url(Format::Json).map(|u| u.to_string());
    JsonFeed {
        version: VERSION,
        title: doc.title.clone(),
        home_page_url: doc.home.to_string(),
        // The feed URL is the WebSub topic (R94).
        hubs: if feed_url.is_some() {
            doc.hubs
                .iter()
                .map(|h| JsonHub {
                    kind: "WebSub",
                    url: h.to_string(),
                })
                .collect()
        } else {
            Vec::new()
        },
        feed_url,
        description: doc.description.clone(),
        language: doc.language.clone(),
        authors: doc.author.iter().map(author).collect(),
        items: doc.items.iter().map(|it| item(it, doc)).collect(),
    }
}

/// Serialises with 2-space indentation and a final newline; the same document gives the same
/// bytes (struct fields in a fixed order, no maps).
pub fn render(doc: &FeedDoc) -> String {
    let mut text = serde_json::to_string_pretty(&feed(doc)).expect("plain structs serialise");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_keep_their_fractional_seconds_as_in_atom() {
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
        let paris = chrono_tz::Europe::Paris;
        assert_eq!(
            super::rfc3339(at("2026-01-01T10:00:00.123+01:00"), chrono_tz::UTC),
            "2026-01-01T09:00:00.123+00:00"
        );
        assert_eq!(
            super::rfc3339(at("2026-01-01T09:00:00Z"), paris),
            "2026-01-01T10:00:00+01:00"
        );
    }
}
