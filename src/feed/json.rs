//! JSON Feed 1.1 renderer (R85-R88, R94): the same ids, dates and content as the RSS and Atom
//! files of the same document, through serde structs written for this project. Dates are
//! RFC 3339 in the site timezone, exactly as in Atom; HTML goes only in `content_html`.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde::Serialize;
use serde_json::Value;

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

fn date(d: DateTime<FixedOffset>, doc: &FeedDoc) -> String {
    in_zone(d, doc.timezone).to_rfc3339_opts(SecondsFormat::Secs, false)
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

fn is_rfc3339(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| DateTime::parse_from_rfc3339(s).is_ok())
}

fn is_absolute_http(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
    })
}

/// Checks a rendered JSON Feed against the rules of R85-R88 and R94; returns every violation.
pub fn check(text: &str) -> Vec<String> {
    let feed: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return vec![format!("JSON Feed is not valid JSON: {e}")],
    };
    let mut v = Vec::new();
    if feed["version"] != VERSION {
        v.push(format!("R85: version is not \"{VERSION}\""));
    }
    if !feed["title"].is_string() {
        v.push("R85: title is missing or not a string".into());
    }
    for key in ["home_page_url", "feed_url"] {
        if !is_absolute_http(&feed[key]) {
            v.push(format!("R88: {key} is missing or not an absolute URL"));
        }
    }
    if feed.get("next_url").is_some() && feed["next_url"] == feed["feed_url"] {
        v.push("R88: next_url equals feed_url".into());
    }
    check_authors(&feed["authors"], "feed", &mut v);
    if let Some(hubs) = feed.get("hubs") {
        let ok = hubs.as_array().is_some_and(|hs| {
            hs.iter()
                .all(|h| h["type"].is_string() && is_absolute_http(&h["url"]))
        });
        if !ok {
            v.push("R94: every hub needs a type and an absolute url".into());
        }
    }
    for key in feed.as_object().into_iter().flat_map(|o| o.keys()) {
        if key.starts_with('_') && key.contains('.') {
            v.push(format!("R88: extension key `{key}` contains a dot"));
        }
    }
    let Some(items) = feed["items"].as_array() else {
        v.push("R85: items is missing or not an array".into());
        return v;
    };
    let mut ids = std::collections::HashSet::new();
    for item in items {
        let Some(id) = item["id"].as_str().filter(|s| !s.is_empty()) else {
            v.push("R86: an item has no string id".into());
            continue;
        };
        if !ids.insert(id.to_string()) {
            v.push(format!("R86: id `{id}` appears twice"));
        }
        if !item["content_html"].is_string() && !item["content_text"].is_string() {
            v.push(format!(
                "R86: item `{id}` has neither content_html nor content_text"
            ));
        }
        for key in ["date_published", "date_modified"] {
            if item.get(key).is_some() && !is_rfc3339(&item[key]) {
                v.push(format!("R87: item `{id}` {key} is not RFC 3339"));
            }
        }
        check_authors(&item["authors"], id, &mut v);
        for a in item["attachments"].as_array().into_iter().flatten() {
            if !is_absolute_http(&a["url"]) || !a["mime_type"].is_string() {
                v.push(format!(
                    "R87: an attachment of `{id}` needs a url and a mime_type"
                ));
            }
        }
    }
    v
}

fn check_authors(authors: &Value, whose: &str, v: &mut Vec<String>) {
    for a in authors.as_array().into_iter().flatten() {
        if a.as_object().is_none_or(|o| o.is_empty()) {
            v.push(format!("R88: an author of `{whose}` is empty"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_each_broken_rule() {
        let text = r#"{"version":"https://jsonfeed.org/version/1","items":[
            {"id":"a","date_published":"yesterday"},{"id":"a","content_text":"x","authors":[{}],
             "attachments":[{"url":"/rel"}]}]}"#;
        let all = check(text).join("\n");
        for rule in [
            "R85: version",
            "R85: title",
            "R88: home_page_url",
            "R86: item `a` has neither",
            "R87: item `a` date_published",
            "appears twice",
            "R88: an author",
            "R87: an attachment",
        ] {
            assert!(all.contains(rule), "{rule} missing from:\n{all}");
        }
        assert!(check("[").iter().any(|m| m.contains("not valid JSON")));
    }
}
