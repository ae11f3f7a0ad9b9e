//! JSON Feed 1.1 rules (R85-R88, R94): the file is parsed with serde_json (so it must be JSON,
//! and its strings hold no raw control characters or lone surrogates) and its required fields,
//! ids, dates, URLs and authors are verified. A JSON Feed is rendered whole, so it is verified
//! whole.

use chrono::DateTime;
use serde_json::Value;

use crate::feed::json::VERSION;

fn is_rfc3339(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| DateTime::parse_from_rfc3339(s).is_ok())
}

fn is_absolute_http(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
    })
}

/// Verifies a rendered JSON Feed against the rules of R85-R88 and R94; returns every violation.
pub fn verify(text: &str) -> Vec<String> {
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
    authors(&feed["authors"], "feed", &mut v);
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
        authors(&item["authors"], id, &mut v);
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

fn authors(authors: &Value, whose: &str, v: &mut Vec<String>) {
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
    fn names_each_broken_rule() {
        let text = r#"{"version":"https://jsonfeed.org/version/1","items":[
            {"id":"a","date_published":"yesterday"},{"id":"a","content_text":"x","authors":[{}],
             "attachments":[{"url":"/rel"}]}]}"#;
        let all = verify(text).join("\n");
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
        assert!(verify("[").iter().any(|m| m.contains("not valid JSON")));
    }
}
