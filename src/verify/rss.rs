//! The RSS 2.0 rules that can be verified mechanically (R9-R23 of the spec checklist), as a
//! [`Visitor`] of the well-formedness walk: only a few short fields of each item are kept.

use std::collections::HashSet;

use chrono::DateTime;

use super::xml::{Capture, Captured, Tag, Visitor};
use super::{is_absolute_http, not_well_formed};

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

/// R15/R16: `Wed, 02 Oct 2002 13:00:00 +0000`, weekday agreeing with the date.
pub fn is_rfc822(date: &str) -> bool {
    let parts: Vec<&str> = date.split(' ').collect();
    parts.len() == 6
        && parts[1].len() == 2
        && parts[3].len() == 4
        && (parts[5] == "GMT" || (parts[5].len() == 5 && parts[5].starts_with(['+', '-'])))
        && DateTime::parse_from_rfc2822(date).is_ok()
}

/// A captured field as the rss crate reads it: trimmed, and absent when empty.
fn rss_text(text: Captured<'_>) -> Option<String> {
    match text {
        Captured::Text(t) => Some(t.trim().to_string()).filter(|t| !t.is_empty()),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    ChannelTitle,
    ChannelLink,
    ChannelDescription,
    ChannelDate,
    ItemTitle,
    ItemLink,
    ItemDescription,
    ItemGuid,
    ItemPubDate,
}

#[derive(Debug, Default)]
struct Item {
    title: Option<String>,
    description: bool,
    /// Value and whether it is a permalink.
    guid: Option<(String, bool)>,
    pub_date: Option<String>,
    link: Option<String>,
    /// url, length, type.
    enclosure: Option<(String, String, String)>,
}

/// What the walk has seen of an RSS document so far.
#[derive(Debug, Default)]
pub(crate) struct Rules {
    /// Depth of the open `<channel>`, if any.
    channel: Option<usize>,
    seen_channel: bool,
    /// Depth of the open `<item>`, if any.
    item: Option<(usize, Item)>,
    field: Vec<(usize, Field)>,
    title: Option<String>,
    link: Option<String>,
    description: Option<String>,
    dates: Vec<String>,
    guids: HashSet<String>,
    item_violations: Vec<String>,
    atom_links: Vec<String>,
}

impl Rules {
    fn finish_item(&mut self, item: Item) {
        let v = &mut self.item_violations;
        let name = item.title.as_deref().unwrap_or("(untitled)");
        if item.title.is_none() && !item.description {
            v.push("R11: an item has neither title nor description".into());
        }
        // A permalink guid is usually the link itself: its URL is parsed once.
        let link_ok = item.link.as_deref().map(is_absolute_http);
        match &item.guid {
            None => v.push(format!("R12: item `{name}` has no guid")),
            Some((value, permalink)) => {
                if !self.guids.insert(value.clone()) {
                    v.push(format!("R12: guid `{value}` appears twice"));
                }
                let guid_ok = || match (&item.link, link_ok) {
                    (Some(link), Some(ok)) if link == value => ok,
                    _ => is_absolute_http(value),
                };
                if *permalink && !guid_ok() {
                    v.push(format!(
                        "R14: permalink guid `{value}` is not an absolute URL"
                    ));
                }
            }
        }
        if let Some(d) = &item.pub_date
            && !is_rfc822(d)
        {
            v.push(format!("R15: item `{name}` pubDate `{d}` is not RFC 822"));
        }
        if let Some(l) = &item.link
            && link_ok == Some(false)
        {
            v.push(format!("R10: item `{name}` link `{l}` is not absolute"));
        }
        if let Some((url, length, mime)) = &item.enclosure {
            if length.parse::<u64>().map_or(true, |n| n == 0) || mime.is_empty() {
                v.push(format!(
                    "R20: item `{name}` enclosure needs a length and a type"
                ));
            }
            if !is_absolute_http(url) {
                v.push(format!(
                    "R23: item `{name}` enclosure URL `{url}` is not absolute"
                ));
            }
        }
    }

    /// A child of the open item at `depth`: the field it is, if the rules look at it.
    fn item_field(item: &mut Item, tag: &Tag<'_>) -> Option<Field> {
        Some(match tag.name() {
            b"title" => Field::ItemTitle,
            b"link" => Field::ItemLink,
            b"description" => Field::ItemDescription,
            b"pubDate" => Field::ItemPubDate,
            b"guid" => {
                let permalink = tag.attr("isPermaLink").is_none_or(|v| v != "false");
                item.guid = Some((String::new(), permalink));
                Field::ItemGuid
            }
            b"enclosure" => {
                item.enclosure = Some((
                    tag.attr("url").unwrap_or_default(),
                    tag.attr("length").unwrap_or_default(),
                    tag.attr("type").unwrap_or_default(),
                ));
                return None;
            }
            _ => return None,
        })
    }

    /// A child of the open channel: the field it is, if the rules look at it.
    fn channel_field(&mut self, tag: &Tag<'_>) -> Option<Field> {
        let name = tag.name();
        Some(match name {
            b"title" => Field::ChannelTitle,
            b"link" => Field::ChannelLink,
            b"description" => Field::ChannelDescription,
            b"lastBuildDate" | b"pubDate" => Field::ChannelDate,
            _ => {
                if let Some((prefix, b"link")) = name
                    .iter()
                    .position(|&b| b == b':')
                    .map(|i| (&name[..i], &name[i + 1..]))
                    && tag.namespace(prefix).is_some_and(|uri| uri == ATOM_NS)
                {
                    self.atom_links.push(tag.attr("href").unwrap_or_default());
                }
                return None;
            }
        })
    }

    /// Every rule the document breaks, once it was walked (`walked` is the walk's outcome).
    pub(crate) fn finish(self, walked: Result<(), String>) -> Vec<String> {
        if let Err(e) = walked {
            return vec![not_well_formed("RSS", &e)];
        }
        if !self.seen_channel {
            return vec![not_well_formed("RSS", "there is no <channel> element")];
        }
        let mut v = Vec::new();
        let title = self.title.unwrap_or_default();
        let description = self.description.unwrap_or_default();
        let link = self.link.unwrap_or_default();
        if title.trim().is_empty() {
            v.push("R9: channel title is empty".into());
        }
        if description.trim().is_empty() {
            v.push("R9: channel description is empty".into());
        }
        if !is_absolute_http(&link) {
            v.push(format!("R10: channel link `{link}` is not an absolute URL"));
        }
        for d in &self.dates {
            if !is_rfc822(d) {
                v.push(format!("R15: channel date `{d}` is not RFC 822"));
            }
        }
        v.extend(self.item_violations);
        for href in &self.atom_links {
            if !is_absolute_http(href) {
                v.push(format!("R18: atom:link `{href}` is not absolute"));
            }
        }
        v
    }
}

impl Visitor for Rules {
    fn start(&mut self, depth: usize, tag: &Tag<'_>) -> Result<Capture, String> {
        let name = tag.name();
        if depth == 0 {
            if name != b"rss" && name != b"rdf:RDF" {
                return Err("the document does not start with an <rss> element".into());
            }
            return Ok(Capture::Skip);
        }
        if let Some((item_depth, item)) = &mut self.item {
            if depth != *item_depth + 1 {
                return Ok(Capture::Skip);
            }
            let Some(field) = Self::item_field(item, tag) else {
                return Ok(Capture::Skip);
            };
            self.field.push((depth, field));
            return Ok(if field == Field::ItemDescription {
                Capture::Presence
            } else {
                Capture::Text
            });
        }
        // Items directly under the root (RSS 0.9 / 1.0) count as the channel's, as in the rss crate.
        if name == b"item" && (depth == 1 || self.channel.is_some_and(|c| depth == c + 1)) {
            self.item = Some((depth, Item::default()));
            return Ok(Capture::Skip);
        }
        if depth == 1 && name == b"channel" {
            self.channel = Some(depth);
            self.seen_channel = true;
            return Ok(Capture::Skip);
        }
        if self.channel.is_none_or(|c| depth != c + 1) {
            return Ok(Capture::Skip);
        }
        let Some(field) = self.channel_field(tag) else {
            return Ok(Capture::Skip);
        };
        self.field.push((depth, field));
        Ok(Capture::Text)
    }

    fn end(&mut self, depth: usize, text: Captured<'_>) {
        if let Some((d, field)) = self.field.last().copied()
            && d == depth
        {
            self.field.pop();
            self.end_field(field, text);
            return;
        }
        if self.item.as_ref().is_some_and(|(d, _)| *d == depth) {
            if let Some((_, item)) = self.item.take() {
                self.finish_item(item);
            }
        } else if self.channel == Some(depth) {
            self.channel = None;
        }
    }
}

impl Rules {
    /// A field the rules look at ended with `text`.
    fn end_field(&mut self, field: Field, text: Captured<'_>) {
        match field {
            Field::ChannelTitle => self.title = rss_text(text),
            Field::ChannelLink => self.link = rss_text(text),
            Field::ChannelDescription => self.description = rss_text(text),
            Field::ChannelDate => self.dates.extend(rss_text(text)),
            _ => {
                let Some((_, item)) = &mut self.item else {
                    return;
                };
                match field {
                    Field::ItemTitle => item.title = rss_text(text),
                    Field::ItemLink => {
                        if let Some(l) = rss_text(text) {
                            item.link = Some(l);
                        }
                    }
                    Field::ItemDescription => {
                        item.description = matches!(text, Captured::Present(true));
                    }
                    Field::ItemPubDate => item.pub_date = rss_text(text),
                    Field::ItemGuid => {
                        if let Some((value, _)) = &mut item.guid {
                            *value = rss_text(text).unwrap_or_default();
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}
