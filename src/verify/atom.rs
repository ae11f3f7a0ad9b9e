//! The Atom 1.0 rules that can be verified mechanically (R29-R36 of the spec checklist), as a
//! [`Visitor`] of the well-formedness walk. Entries are verified as they end, not kept.

use std::collections::HashSet;

use chrono::DateTime;

use super::xml::{Capture, Captured, Tag, Visitor};
use super::{is_absolute_http, not_well_formed};

fn is_absolute_iri(id: &str) -> bool {
    url::Url::parse(id).is_ok()
}

fn is_rfc3339(date: &str) -> bool {
    DateTime::parse_from_rfc3339(date.trim()).is_ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    FeedId,
    FeedTitle,
    FeedUpdated,
    EntryId,
    EntryTitle,
    EntryDate,
}

#[derive(Debug, Default)]
struct Entry {
    id: String,
    title: String,
    has_author: bool,
    has_content: bool,
    has_alternate: bool,
    links: Vec<String>,
    dates: Vec<String>,
}

/// What the walk has seen of an Atom document so far.
#[derive(Debug, Default)]
pub(crate) struct Rules {
    id: String,
    title: String,
    has_author: bool,
    has_self: bool,
    links: Vec<String>,
    dates: Vec<String>,
    entry: Option<Entry>,
    /// Entries that ended before any feed author was seen, each with whether its id was seen
    /// before: verified at the end (R30 depends on the feed's author).
    early: Vec<(Entry, bool)>,
    /// What the entries verified as they ended break, in order (they follow every early one).
    entry_violations: Vec<String>,
    ids: HashSet<String>,
    field: Option<(usize, Field)>,
}

impl Rules {
    /// An entry that just ended: verified now when the feed's author is known, else at the
    /// end. Its rules are verified as the document is written, not all at once after it.
    fn entry_done(&mut self, entry: Entry) {
        let repeated = !self.ids.insert(entry.id.clone());
        if self.has_author {
            entry_rules(&entry, repeated, true, &mut self.entry_violations);
        } else {
            self.early.push((entry, repeated));
        }
    }

    /// Every rule the document breaks, once it was walked (`walked` is the walk's outcome).
    pub(crate) fn finish(self, walked: Result<(), String>) -> Vec<String> {
        if let Err(e) = walked {
            return vec![not_well_formed("Atom", &e)];
        }
        let mut v = Vec::new();
        if !is_absolute_iri(&self.id) {
            v.push(format!("R36: feed id `{}` is not an absolute IRI", self.id));
        }
        if self.title.trim().is_empty() {
            v.push("R29: feed title is empty".into());
        }
        for d in &self.dates {
            if !is_rfc3339(d) {
                v.push(format!("R29: feed updated `{d}` is not RFC 3339"));
            }
        }
        if !self.has_self {
            v.push("R31: feed has no self link".into());
        }
        for href in &self.links {
            if !is_absolute_http(href) {
                v.push(format!("R31: link `{href}` is not absolute"));
            }
        }
        for (e, repeated) in &self.early {
            entry_rules(e, *repeated, self.has_author, &mut v);
        }
        v.extend(self.entry_violations);
        v
    }
}

/// What one Atom entry breaks; `repeated` when an earlier entry has its id.
fn entry_rules(e: &Entry, repeated: bool, feed_has_author: bool, v: &mut Vec<String>) {
    let name = e.title.as_str();
    if !is_absolute_iri(&e.id) {
        v.push(format!(
            "R36: entry `{name}` id `{}` is not an absolute IRI",
            e.id
        ));
    }
    if repeated {
        v.push(format!("R33: entry id `{}` appears twice", e.id));
    }
    if name.trim().is_empty() {
        v.push(format!("R33: entry `{}` has an empty title", e.id));
    }
    for d in &e.dates {
        if !is_rfc3339(d) {
            v.push(format!("R33: entry `{name}` date `{d}` is not RFC 3339"));
        }
    }
    if !feed_has_author && !e.has_author {
        v.push(format!(
            "R30: entry `{name}` has no author and neither has the feed"
        ));
    }
    if !e.has_content && !e.has_alternate {
        v.push(format!(
            "R34: entry `{name}` has neither content nor an alternate link"
        ));
    }
    for href in &e.links {
        if !is_absolute_http(href) {
            v.push(format!("R10: entry `{name}` link `{href}` is not absolute"));
        }
    }
}

/// A link's `href` and `rel` (`alternate` when absent, RFC 4287 4.2.7.2).
fn link(tag: &Tag<'_>) -> (String, String) {
    (
        tag.attr("href").unwrap_or_default(),
        tag.attr("rel").unwrap_or_else(|| "alternate".into()),
    )
}

impl Visitor for Rules {
    fn start(&mut self, depth: usize, tag: &Tag<'_>) -> Result<Capture, String> {
        let field = match (depth, &mut self.entry, tag.name()) {
            (0, _, b"feed") => return Ok(Capture::Skip),
            (0, _, _) => return Err("the document does not start with a <feed> element".into()),
            (1, _, b"entry") => {
                self.entry = Some(Entry::default());
                return Ok(Capture::Skip);
            }
            (1, _, b"id") => Field::FeedId,
            (1, _, b"title") => Field::FeedTitle,
            (1, _, b"updated") => Field::FeedUpdated,
            (1, _, b"author") => {
                self.has_author = true;
                return Ok(Capture::Skip);
            }
            (1, _, b"link") => {
                let (href, rel) = link(tag);
                self.has_self |= rel == "self";
                self.links.push(href);
                return Ok(Capture::Skip);
            }
            (2, Some(_), b"id") => Field::EntryId,
            (2, Some(_), b"title") => Field::EntryTitle,
            (2, Some(_), b"updated" | b"published") => Field::EntryDate,
            (2, Some(entry), b"author") => {
                entry.has_author = true;
                return Ok(Capture::Skip);
            }
            (2, Some(entry), b"content") => {
                entry.has_content = true;
                return Ok(Capture::Skip);
            }
            (2, Some(entry), b"link") => {
                let (href, rel) = link(tag);
                entry.has_alternate |= rel == "alternate";
                entry.links.push(href);
                return Ok(Capture::Skip);
            }
            _ => return Ok(Capture::Skip),
        };
        self.field = Some((depth, field));
        Ok(Capture::Text)
    }

    fn end(&mut self, depth: usize, text: Captured<'_>) {
        if let Some((d, field)) = self.field
            && d == depth
        {
            self.field = None;
            let text = match text {
                Captured::Text(t) => t.to_string(),
                _ => String::new(),
            };
            match (field, &mut self.entry) {
                (Field::FeedId, _) => self.id = text,
                (Field::FeedTitle, _) => self.title = text,
                (Field::FeedUpdated, _) => self.dates.push(text),
                (Field::EntryId, Some(entry)) => entry.id = text,
                (Field::EntryTitle, Some(entry)) => entry.title = text,
                (Field::EntryDate, Some(entry)) => entry.dates.push(text),
                _ => {}
            }
            return;
        }
        if depth == 1
            && let Some(entry) = self.entry.take()
        {
            self.entry_done(entry);
        }
    }
}
