//! Every build checks its own output: the written bytes are parsed back and held to the RSS 2.0
//! and Atom rules that can be verified mechanically. A violation is a bug or a bad input that
//! slipped through, and fails the build rather than reaching subscribers.

use std::collections::HashSet;

use chrono::DateTime;

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

fn check_rss(xml: &str) -> Vec<String> {
    let mut v = Vec::new();
    let channel = match rss::Channel::read_from(xml.as_bytes()) {
        Ok(c) => c,
        Err(e) => return vec![format!("RSS is not well-formed: {e}")],
    };
    if channel.title.trim().is_empty() {
        v.push("R9: channel title is empty".into());
    }
    if channel.description.trim().is_empty() {
        v.push("R9: channel description is empty".into());
    }
    if !is_absolute_http(&channel.link) {
        v.push(format!(
            "R10: channel link `{}` is not an absolute URL",
            channel.link
        ));
    }
    for d in channel
        .last_build_date
        .iter()
        .chain(channel.pub_date.iter())
    {
        if !is_rfc822(d) {
            v.push(format!("R15: channel date `{d}` is not RFC 822"));
        }
    }
    let mut guids = HashSet::new();
    for item in &channel.items {
        let name = item.title.as_deref().unwrap_or("(untitled)");
        if item.title.is_none() && item.description.is_none() {
            v.push("R11: an item has neither title nor description".into());
        }
        match &item.guid {
            None => v.push(format!("R12: item `{name}` has no guid")),
            Some(g) => {
                if !guids.insert(g.value.clone()) {
                    v.push(format!("R12: guid `{}` appears twice", g.value));
                }
                if g.permalink && !is_absolute_http(&g.value) {
                    v.push(format!(
                        "R14: permalink guid `{}` is not an absolute URL",
                        g.value
                    ));
                }
            }
        }
        match &item.pub_date {
            Some(d) if !is_rfc822(d) => {
                v.push(format!("R15: item `{name}` pubDate `{d}` is not RFC 822"))
            }
            _ => {}
        }
        if let Some(l) = &item.link
            && !is_absolute_http(l)
        {
            v.push(format!("R10: item `{name}` link `{l}` is not absolute"));
        }
        if let Some(enc) = &item.enclosure {
            if enc.length.parse::<u64>().map_or(true, |n| n == 0) || enc.mime_type.is_empty() {
                v.push(format!(
                    "R20: item `{name}` enclosure needs a length and a type"
                ));
            }
            if !is_absolute_http(&enc.url) {
                v.push(format!(
                    "R23: item `{name}` enclosure URL `{}` is not absolute",
                    enc.url
                ));
            }
        }
    }
    if let Some(ext) = &channel.atom_ext {
        for l in &ext.links {
            if !is_absolute_http(&l.href) {
                v.push(format!("R18: atom:link `{}` is not absolute", l.href));
            }
        }
    }
    v
}

fn check_atom(xml: &str) -> Vec<String> {
    let mut v = Vec::new();
    let feed = match atom_syndication::Feed::read_from(xml.as_bytes()) {
        Ok(f) => f,
        Err(e) => return vec![format!("Atom is not well-formed: {e}")],
    };
    if !is_absolute_iri(&feed.id) {
        v.push(format!("R36: feed id `{}` is not an absolute IRI", feed.id));
    }
    if feed.title.value.trim().is_empty() {
        v.push("R29: feed title is empty".into());
    }
    if !feed.links.iter().any(|l| l.rel == "self") {
        v.push("R31: feed has no self link".into());
    }
    for l in &feed.links {
        if !is_absolute_http(&l.href) {
            v.push(format!("R31: link `{}` is not absolute", l.href));
        }
    }
    let feed_has_author = !feed.authors.is_empty();
    let mut ids = HashSet::new();
    for e in &feed.entries {
        let name = e.title.value.as_str();
        if !is_absolute_iri(&e.id) {
            v.push(format!(
                "R36: entry `{name}` id `{}` is not an absolute IRI",
                e.id
            ));
        }
        if !ids.insert(e.id.clone()) {
            v.push(format!("R33: entry id `{}` appears twice", e.id));
        }
        if name.trim().is_empty() {
            v.push(format!("R33: entry `{}` has an empty title", e.id));
        }
        if !feed_has_author && e.authors.is_empty() {
            v.push(format!(
                "R30: entry `{name}` has no author and neither has the feed"
            ));
        }
        if e.content.is_none() && !e.links.iter().any(|l| l.rel == "alternate") {
            v.push(format!(
                "R34: entry `{name}` has neither content nor an alternate link"
            ));
        }
        for l in &e.links {
            if !is_absolute_http(&l.href) {
                v.push(format!(
                    "R10: entry `{name}` link `{}` is not absolute",
                    l.href
                ));
            }
        }
    }
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
}
