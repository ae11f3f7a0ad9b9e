//! Comparing what a build would publish with a feed that is already out there: the guard
//! against floods of duplicates, and the matcher for adopting another tool's GUIDs.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, FixedOffset};

use crate::feed::read::PublishedItem;

/// An entry as a build would publish it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedEntry {
    pub feed: String,
    pub source: String,
    pub id: String,
    pub title: String,
    pub link: String,
    pub published: DateTime<FixedOffset>,
    /// The entry pins its id with an `id` key.
    pub explicit_id: bool,
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

fn same_title(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn same_link(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

pub fn compare(planned: &[PlannedEntry], published: &[PublishedItem]) -> Comparison {
    let mut out = Comparison::default();
    let by_id: HashMap<&str, &PlannedEntry> = planned.iter().map(|p| (p.id.as_str(), p)).collect();
    for item in published {
        if by_id.contains_key(item.id.as_str()) {
            continue;
        }
        let by_link = item
            .link
            .as_deref()
            .and_then(|l| planned.iter().find(|p| same_link(&p.link, l)));
        match by_link.or_else(|| planned.iter().find(|p| same_title(&p.title, &item.title))) {
            Some(p) => out
                .id_changes
                .push((item.title.clone(), item.id.clone(), p.id.clone())),
            None => out.vanished.push((item.title.clone(), item.id.clone())),
        }
    }
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for item in published {
        counts.entry(&item.id).or_default().0 += 1;
    }
    for p in planned {
        counts.entry(&p.id).or_default().1 += 1;
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

/// Matches by link first, then by title and publication date (same day in UTC, since tools
/// write dates in different zones). Each side is used at most once.
pub fn adopt(planned: &[PlannedEntry], published: &[PublishedItem]) -> Adoption {
    let mut used = vec![false; published.len()];
    let mut out = Adoption::default();
    let mut pending = Vec::new();
    for p in planned {
        let hit = published.iter().enumerate().find(|(i, item)| {
            !used[*i] && item.link.as_deref().is_some_and(|l| same_link(l, &p.link))
        });
        match hit {
            Some((i, item)) => {
                used[i] = true;
                out.matched
                    .push((p.source.clone(), item.id.clone(), "link"));
            }
            None => pending.push(p),
        }
    }
    for p in pending {
        let hit = published.iter().enumerate().find(|(i, item)| {
            !used[*i]
                && same_title(&item.title, &p.title)
                && item
                    .published
                    .is_some_and(|d| d.date_naive() == p.published.date_naive() || d == p.published)
        });
        match hit {
            Some((i, item)) => {
                used[i] = true;
                out.matched
                    .push((p.source.clone(), item.id.clone(), "title and date"));
            }
            None => out.unmatched_local.push(p.source.clone()),
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

    fn planned(id: &str, title: &str, link: &str) -> PlannedEntry {
        PlannedEntry {
            feed: "reviews".into(),
            source: format!("c/{title}.md"),
            id: id.into(),
            title: title.into(),
            link: link.into(),
            published: DateTime::parse_from_rfc3339("2024-05-01T10:00:00+02:00").unwrap(),
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
