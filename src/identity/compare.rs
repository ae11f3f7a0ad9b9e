//! Comparing what a build would publish with a feed that is already out there: the guard
//! against floods of duplicates, and the matcher for adopting another tool's GUIDs.
//!
//! A published RSS feed shows each entry's guid, a published Atom feed its Atom id; the two
//! differ for a guid that is not a URI, so a comparison always takes the id of the feed's own
//! dialect ([`Shown`]).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, FixedOffset};

use super::State;
use crate::feed::read::{Dialect, PublishedFeed, PublishedItem};

/// An entry as a build would publish it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedEntry {
    /// Its record in the build's state (shared with it): feed, source, id and title.
    pub record: std::sync::Arc<super::Record>,
    pub link: String,
    /// The entry pins its id with an `id` key.
    pub explicit_id: bool,
}

impl PlannedEntry {
    /// The feed that owns the entry.
    pub fn feed(&self) -> &str {
        &self.record.feed
    }

    /// Its state key (the path of its source).
    pub fn source(&self) -> &str {
        &self.record.source
    }

    pub fn id(&self) -> &str {
        &self.record.id
    }

    pub fn title(&self) -> &str {
        &self.record.title
    }

    /// The publication date.
    pub fn published(&self) -> DateTime<FixedOffset> {
        self.record.date
    }
}

#[derive(Debug, Default, PartialEq)]
pub struct Comparison {
    /// Published items a build would give another id: (title, published id, new id).
    pub id_changes: Vec<(String, String, String)>,
    /// Published items a build would drop: (title, id).
    pub vanished: Vec<(String, String)>,
    /// Ids that appear more than once in the published feed or the build.
    pub duplicates: Vec<String>,
}

impl Comparison {
    pub fn is_safe(&self) -> bool {
        self.id_changes.is_empty() && self.duplicates.is_empty()
    }
}

/// Titles compare without case or surrounding space.
fn title_key(title: &str) -> String {
    title.trim().to_lowercase()
}

/// Links compare without trailing slashes.
fn link_key(link: &str) -> &str {
    link.trim().trim_end_matches('/')
}

/// Looks up the first of several items by a key, in their original order; each is taken once.
struct Index<'a> {
    slots: HashMap<String, Vec<usize>>,
    used: &'a mut [bool],
}

impl Index<'_> {
    fn build<'a, T>(
        items: &[T],
        used: &'a mut [bool],
        key: impl Fn(&T) -> Option<String>,
    ) -> Index<'a> {
        let mut slots: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(k) = key(item) {
                slots.entry(k).or_default().push(i);
            }
        }
        Index { slots, used }
    }

    /// The first unused item under `key` that passes `accept`, marked used.
    fn take(&mut self, key: &str, accept: impl Fn(usize) -> bool) -> Option<usize> {
        let found = self
            .slots
            .get(key)?
            .iter()
            .copied()
            .find(|&i| !self.used[i] && accept(i))?;
        self.used[found] = true;
        Some(found)
    }
}

/// Which of an entry's ids a published document shows. An RSS guid may be any text (a legacy
/// `12345`); the Atom id of such an entry is an IRI derived from it (R36). Comparing one with
/// the other would report every such entry as changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown<'a> {
    /// RSS `guid` (and JSON Feed `id`): the entry's id as it is.
    Guid,
    /// Atom `id`, derived from this site id for a guid that is not a URI.
    AtomId { site_id: &'a str },
}

impl<'a> Shown<'a> {
    /// The ids a document of `dialect` shows; `site_id` is [`feed_site_id`]'s.
    pub fn of(dialect: Dialect, site_id: &'a str) -> Shown<'a> {
        match dialect {
            Dialect::Rss => Shown::Guid,
            Dialect::Atom => Shown::AtomId { site_id },
        }
    }

    pub fn id<'p>(self, entry: &'p PlannedEntry) -> Cow<'p, str> {
        self.of_id(entry.id())
    }

    /// The id a document of this dialect shows for an entry whose id is `id`.
    pub fn of_id(self, id: &str) -> Cow<'_, str> {
        match self {
            Shown::Guid => Cow::Borrowed(id),
            Shown::AtomId { site_id } => match super::atom_id(site_id, id) {
                same if same == id => Cow::Borrowed(id),
                derived => Cow::Owned(derived),
            },
        }
    }

    /// For messages: what was compared with what.
    pub fn describe(self) -> &'static str {
        match self {
            Shown::Guid => "RSS guids",
            Shown::AtomId { .. } => "Atom ids",
        }
    }
}

/// The site id the feeds' Atom ids are derived from: `[site] id` when set, else the one the
/// state recorded at the first build (the same choice the build makes).
pub fn feed_site_id<'a>(configured: Option<&'a str>, state: &'a State) -> &'a str {
    configured.unwrap_or(&state.site_id)
}

/// Compares planned entries with a published feed's items, id for id in the feed's own
/// dialect: RSS guids with guids, Atom ids with Atom ids.
pub fn compare_feed<'p>(
    planned: impl IntoIterator<Item = &'p PlannedEntry>,
    published: &PublishedFeed,
    site_id: &str,
) -> Comparison {
    compare_shown(
        planned,
        &published.items,
        Shown::of(published.dialect, site_id),
    )
}

/// Compares with items whose dialect is not known, taking their ids for RSS guids. Prefer
/// [`compare_feed`]: against an Atom feed this reports every entry with a non-URI guid.
#[cfg(test)]
fn compare(planned: &[PlannedEntry], published: &[PublishedItem]) -> Comparison {
    compare_shown(planned, published, Shown::Guid)
}

/// Compares planned entries, each under the id `shown` picks, with published items.
pub fn compare_shown<'p>(
    planned: impl IntoIterator<Item = &'p PlannedEntry>,
    published: &[PublishedItem],
    shown: Shown<'_>,
) -> Comparison {
    let planned: Vec<(&PlannedEntry, Cow<'p, str>)> =
        planned.into_iter().map(|p| (p, shown.id(p))).collect();
    let mut out = Comparison::default();
    let by_id: HashSet<&str> = planned.iter().map(|(_, id)| id.as_ref()).collect();
    let mut by_link: HashMap<&str, &str> = HashMap::new();
    let mut by_title: HashMap<String, &str> = HashMap::new();
    for (p, id) in &planned {
        by_link.entry(link_key(&p.link)).or_insert(id);
        by_title.entry(title_key(p.title())).or_insert(id);
    }
    for item in published {
        if by_id.contains(item.id.as_str()) {
            continue;
        }
        let found = item
            .link
            .as_deref()
            .and_then(|l| by_link.get(link_key(l)))
            .or_else(|| by_title.get(&title_key(&item.title)));
        match found {
            Some(id) => out
                .id_changes
                .push((item.title.clone(), item.id.clone(), id.to_string())),
            None => out.vanished.push((item.title.clone(), item.id.clone())),
        }
    }
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for item in published {
        counts.entry(&item.id).or_default().0 += 1;
    }
    for (_, id) in &planned {
        counts.entry(id).or_default().1 += 1;
    }
    out.duplicates = counts
        .into_iter()
        .filter(|(_, (a, b))| *a > 1 || *b > 1)
        .map(|(id, _)| id.to_string())
        .collect();
    out
}

/// The result of matching local entries to a published feed's items.
#[derive(Debug, Default, PartialEq)]
pub struct Adoption {
    /// (source, published id, how it matched).
    pub matched: Vec<(String, String, &'static str)>,
    /// Local entries with no published counterpart (they keep their own ids).
    pub unmatched_local: Vec<String>,
    /// Published items no local entry matched: (title, id).
    pub unmatched_published: Vec<(String, String)>,
}

/// The longest id taken from a published feed: ids are URIs or short strings, and one that
/// is megabytes (a broken or hostile feed) would be written into every later feed.
const MAX_ADOPTED_ID: usize = crate::content::MAX_ID;

/// Whether every item of a published feed has an id that can be pinned: not empty, no spaces
/// or control characters (the rule for an `id` key), not over [`MAX_ADOPTED_ID`] bytes, no
/// two items with one id (each would be pinned to two entries, and every build would fail).
/// The error says which id and why.
pub fn adoptable(published: &[PublishedItem]) -> Result<(), String> {
    let shown = |id: &str| {
        let cut: String = id.chars().take(80).collect();
        let more = if cut.len() < id.len() { "…" } else { "" };
        format!("{}{more}", crate::error::written_out(&cut, false))
    };
    let mut seen = std::collections::HashSet::new();
    for item in published {
        let id = item.id.as_str();
        let why = if id.is_empty() {
            Some(format!(
                "the item \"{}\" has an empty id",
                shown(&item.title)
            ))
        } else if id.len() > MAX_ADOPTED_ID {
            Some(format!(
                "the id `{}` is {} bytes, more than the {MAX_ADOPTED_ID} an id may have",
                shown(id),
                id.len()
            ))
        } else if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Some(format!(
                "the id `{}` has spaces or control characters",
                shown(id)
            ))
        } else if !seen.insert(id) {
            Some(format!("two items have the id `{}`", shown(id)))
        } else {
            None
        };
        if let Some(why) = why {
            return Err(why);
        }
    }
    Ok(())
}

/// Matches by link first, then by title and publication date (the same instant, or the same
/// calendar day as each side wrote it, since tools write dates in different zones). Each side
/// is used at most once.
pub fn adopt(planned: &[PlannedEntry], published: &[PublishedItem]) -> Adoption {
    let mut used = vec![false; published.len()];
    let mut out = Adoption::default();
    let mut pending = Vec::new();
    {
        let mut by_link = Index::build(published, &mut used, |i: &PublishedItem| {
            i.link.as_deref().map(|l| link_key(l).to_string())
        });
        for p in planned {
            match by_link.take(link_key(&p.link), |_| true) {
                Some(i) => {
                    out.matched
                        .push((p.source().to_string(), published[i].id.clone(), "link"))
                }
                None => pending.push(p),
            }
        }
    }
    {
        let mut by_title = Index::build(published, &mut used, |i: &PublishedItem| {
            Some(title_key(&i.title))
        });
        for p in pending {
            let same_day = |i: usize| {
                published[i].published.is_some_and(|d| {
                    d == p.published() || d.date_naive() == p.published().date_naive()
                })
            };
            match by_title.take(&title_key(p.title()), same_day) {
                Some(i) => out.matched.push((
                    p.source().to_string(),
                    published[i].id.clone(),
                    "title and date",
                )),
                None => out.unmatched_local.push(p.source().to_string()),
            }
        }
    }
    out.unmatched_published = published
        .iter()
        .zip(used)
        .filter(|(_, u)| !u)
        .map(|(i, _)| (i.title.clone(), i.id.clone()))
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A published feed whose ids cannot be pinned is refused as a whole, saying which id.
    #[test]
    fn ids_that_cannot_be_pinned_refuse_the_feed() {
        let item = |id: &str| PublishedItem {
            id: id.to_string(),
            title: "T".into(),
            link: None,
            published: None,
        };
        assert_eq!(adoptable(&[item("urn:a"), item("urn:b")]), Ok(()));
        assert_eq!(
            adoptable(&[item("urn:a"), item("urn:a")]),
            Err("two items have the id `urn:a`".into())
        );
        assert_eq!(
            adoptable(&[item("")]),
            Err("the item \"T\" has an empty id".into())
        );
        assert_eq!(
            adoptable(&[item("g\u{1}1")]),
            Err("the id `g\\u{1}1` has spaces or control characters".into())
        );
        let huge = "x".repeat(10_000);
        assert!(
            adoptable(&[item(&huge)])
                .unwrap_err()
                .ends_with("…` is 10000 bytes, more than the 2048 an id may have")
        );
    }

    fn planned(id: &str, title: &str, link: &str) -> PlannedEntry {
        let published = DateTime::parse_from_rfc3339("2024-05-01T10:00:00+02:00").unwrap();
        PlannedEntry {
            record: std::sync::Arc::new(crate::identity::Record {
                id: id.into(),
                feed: "reviews".into(),
                source: format!("c/{title}.md").into(),
                title: title.into(),
                date: published,
                first_seen: published,
                fingerprint: "".into(),
                changed: None,
                gone: None,
            }),
            link: link.into(),
            explicit_id: false,
        }
    }

    fn published(id: &str, title: &str, link: Option<&str>) -> PublishedItem {
        PublishedItem {
            id: id.into(),
            title: title.into(),
            link: link.map(str::to_string),
            published: Some(DateTime::parse_from_rfc3339("2024-05-01T08:00:00Z").unwrap()),
        }
    }

    #[test]
    fn detects_changes_and_vanished() {
        let p = vec![
            planned("new-a", "A", "https://x/a/"),
            planned("b", "B", "https://x/b/"),
        ];
        let pubs = vec![
            published("old-a", "A", Some("https://x/a")),
            published("b", "B", None),
            published("c", "C", Some("https://x/c/")),
        ];
        let c = compare(&p, &pubs);
        assert_eq!(
            c.id_changes,
            vec![("A".into(), "old-a".into(), "new-a".into())]
        );
        assert_eq!(c.vanished, vec![("C".into(), "c".into())]);
        assert!(!c.is_safe());
    }

    /// Issue 13 §6: a guid that is not a URI is compared as the Atom id derived from it.
    #[test]
    fn compares_in_the_dialect_of_the_published_feed() {
        let site = "tag:x,2026:";
        let p = vec![
            planned("12345", "A", "https://x/a/"),
            planned("tag:x,2026:reviews/b", "B", "https://x/b/"),
        ];
        let atom = PublishedFeed {
            dialect: Dialect::Atom,
            podcast_guid: None,
            items: vec![
                published("tag:x,2026:guid/12345", "A", Some("https://x/a/")),
                published("tag:x,2026:reviews/b", "B", Some("https://x/b/")),
            ],
        };
        assert_eq!(compare_feed(&p, &atom, site), Comparison::default());
        // The old comparison took the Atom id for a guid, and cried wolf.
        assert_eq!(compare(&p, &atom.items).id_changes.len(), 1);

        let rss = PublishedFeed {
            dialect: Dialect::Rss,
            podcast_guid: None,
            items: atom.items.clone(),
        };
        assert_eq!(
            compare_feed(&p, &rss, site).id_changes,
            vec![("A".into(), "tag:x,2026:guid/12345".into(), "12345".into())]
        );
        let moved = PublishedFeed {
            dialect: Dialect::Atom,
            podcast_guid: None,
            items: vec![published("tag:x,2026:guid/17", "A", Some("https://x/a/"))],
        };
        assert_eq!(
            compare_feed(&p, &moved, site).id_changes,
            vec![(
                "A".into(),
                "tag:x,2026:guid/17".into(),
                "tag:x,2026:guid/12345".into()
            )]
        );
    }

    #[test]
    fn duplicates_count_the_ids_the_feed_shows() {
        let p = vec![
            planned("17", "A", "https://x/a/"),
            planned("tag:x,2026:guid/17", "B", "https://x/b/"),
        ];
        let atom = PublishedFeed {
            dialect: Dialect::Atom,
            podcast_guid: None,
            items: vec![],
        };
        assert_eq!(
            compare_feed(&p, &atom, "tag:x,2026:").duplicates,
            ["tag:x,2026:guid/17"]
        );
        assert!(compare(&p, &[]).duplicates.is_empty());
    }

    #[test]
    fn adopts_by_link_then_title_and_date() {
        let p = vec![
            planned("x1", "A", "https://x/a/"),
            planned("x2", "B", "https://x/new-b/"),
            planned("x3", "D", "https://x/d/"),
        ];
        let pubs = vec![
            published("https://old/b.html", "b", Some("https://old/b.html")),
            published("https://x/a/", "Renamed A", Some("https://x/a/")),
            published("https://old/z.html", "Z", None),
        ];
        let a = adopt(&p, &pubs);
        assert_eq!(
            a.matched[0],
            ("c/A.md".into(), "https://x/a/".into(), "link")
        );
        assert_eq!(
            a.matched[1],
            (
                "c/B.md".into(),
                "https://old/b.html".into(),
                "title and date"
            )
        );
        assert_eq!(a.unmatched_local, vec!["c/D.md".to_string()]);
        assert_eq!(
            a.unmatched_published,
            vec![("Z".into(), "https://old/z.html".into())]
        );
    }
}
