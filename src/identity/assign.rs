//! Giving each entry its permanent id and dates, using and updating the state.
//!
//! Matching order for an entry: the same source path; else a vanished record with the same
//! content fingerprint (a rename or move); else a vanished record with the same title and date
//! (renamed and edited in one step); else it is new. An explicit `id` key always wins.

use std::sync::Arc;

use foldhash::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDateTime};

use super::derive_id;
use super::state::{Record, State};
use crate::content::Entry;
use crate::error::Diagnostic;

/// An entry with its permanent id and dates.
#[derive(Debug, Clone, PartialEq)]
pub struct Identified {
    /// Its record in the new state, shared with it: the feed that owns the entry and its id
    /// are the record's (held once: a large site has a hundred thousand of each).
    pub record: Arc<Record>,
    pub entry: Box<Entry>,
    /// Atom `updated`: the `updated` key, else when a content change was first seen.
    pub updated: DateTime<FixedOffset>,
}

impl Identified {
    /// An entry given its feed and id outside [`assign`] (its record made from the entry).
    pub fn new(
        feed: &str,
        entry: Box<Entry>,
        id: &str,
        (published, updated): (DateTime<FixedOffset>, DateTime<FixedOffset>),
    ) -> Identified {
        let record = Record {
            id: id.into(),
            feed: feed.into(),
            source: entry.source.clone(),
            title: entry.title.clone(),
            date: published,
            first_seen: published,
            fingerprint: entry.fingerprint.clone(),
            changed: None,
            gone: None,
        };
        Identified {
            record: Arc::new(record),
            entry,
            updated,
        }
    }

    /// The feed that owns the entry (its source folder's).
    pub fn feed(&self) -> &str {
        &self.record.feed
    }

    /// The permanent id.
    pub fn id(&self) -> &str {
        &self.record.id
    }

    /// The publication date: the `date` key, or when the entry was first seen.
    pub fn published(&self) -> DateTime<FixedOffset> {
        self.record.date
    }
}

/// Something worth telling the user once, when it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note(pub String);

#[derive(Debug)]
pub struct Assigned {
    pub items: Vec<Identified>,
    pub state: State,
    pub notes: Vec<Note>,
    pub errors: Vec<Diagnostic>,
    /// Published entries whose date changed: source, date before, date now.
    pub moved: Vec<(Arc<str>, DateTime<FixedOffset>, DateTime<FixedOffset>)>,
    /// Published entries whose file is gone: they leave the feeds (a warning, cron mails it).
    pub gone: Vec<Diagnostic>,
}

/// `entries` are the publishable entries of each feed (no drafts, nothing in the future);
/// `present` holds the state keys of every source file found, valid or not, so that a file
/// with an error is not mistaken for one that vanished.
#[expect(
    clippy::too_many_lines,
    reason = "the four matching passes share the claims; to be split into one function per pass"
)]
pub fn assign(
    site_id: &str,
    previous: &State,
    entries: Vec<(Arc<str>, Box<Entry>)>,
    present: &foldhash::HashSet<Arc<str>>,
    now: DateTime<FixedOffset>,
) -> Assigned {
    // Shared with `previous`: a record is copied only when this build changes it.
    let mut records: Vec<Arc<Record>> = previous.entries.clone();
    // Keys borrowed from `previous`, whose records are `records` before any is changed.
    let by_source: HashMap<&str, usize> = previous
        .entries
        .iter()
        .enumerate()
        .map(|(i, r)| (r.source.as_ref(), i))
        .collect();
    let mut claimed = vec![false; records.len()];
    let (mut notes, mut errors, mut moved) = (Vec::new(), Vec::new(), Vec::new());

    // Pass 1: same source path; a gone entry's path only when it is back (the same content,
    // title or date): another review saved under its old name does not take its id.
    let mut matched: Vec<Option<usize>> = entries
        .iter()
        .map(|(_, e)| {
            let i = *by_source.get(e.source.as_ref())?;
            let r = &previous.entries[i];
            let back =
                r.fingerprint == e.fingerprint || r.title == e.title || e.date == Some(r.date);
            if r.gone.is_some() && !back {
                return None;
            }
            claimed[i] = true;
            Some(i)
        })
        .collect();

    // Records whose file is gone from disk may have been renamed or moved.
    let orphan = |i: usize, claimed: &[bool]| !claimed[i] && !present.contains(&records[i].source);

    // Orphans indexed for passes 2 and 3, so a build costs lookups, not a scan of every record
    // per new entry. Only records that are orphans now can be one later (claims only grow), and
    // each list keeps record order, so the first unclaimed one is the one a scan would find.
    let mut by_content: HashMap<(&str, &str), Vec<usize>> = HashMap::default();
    let mut by_title_date: HashMap<(&str, &str, NaiveDateTime), Vec<usize>> = HashMap::default();
    for (i, r) in records.iter().enumerate() {
        if orphan(i, &claimed) {
            by_content
                .entry((&r.feed, &r.fingerprint))
                .or_default()
                .push(i);
            by_title_date
                .entry((&r.feed, &r.title, r.date.naive_utc()))
                .or_default()
                .push(i);
        }
    }
    let first_unclaimed = |list: Option<&Vec<usize>>, claimed: &[bool]| {
        list.and_then(|l| l.iter().copied().find(|&i| !claimed[i]))
    };

    // Pass 2: same content in the same feed.
    for (k, (feed, e)) in entries.iter().enumerate() {
        if matched[k].is_some() {
            continue;
        }
        let found = first_unclaimed(
            by_content.get(&(feed.as_ref(), e.fingerprint.as_ref())),
            &claimed,
        );
        if let Some(i) = found {
            claimed[i] = true;
            matched[k] = Some(i);
            notes.push(Note(format!(
                "{} was {} (same content); it keeps its id and dates",
                e.source, records[i].source
            )));
        }
    }

    // Pass 3: renamed and edited at once: same title and explicit date.
    for (k, (feed, e)) in entries.iter().enumerate() {
        if matched[k].is_some() {
            continue;
        }
        let Some(date) = e.date else { continue };
        let key = (feed.as_ref(), e.title.as_ref(), date.naive_utc());
        let candidates = by_title_date.get(&key);
        let found = first_unclaimed(candidates, &claimed);
        if let Some(i) = found {
            // Two removed entries with this title and date: which one this is cannot be told.
            let others = candidates.map_or(0, |l| l.iter().filter(|&&j| !claimed[j]).count() - 1);
            let guess = match others {
                0 => String::new(),
                1 => " (a guess: another removed entry has this title and date too; give them `id` keys to choose)".into(),
                n => format!(
                    " (a guess: {n} other removed entries have this title and date too; give them `id` keys to choose)"
                ),
            };
            claimed[i] = true;
            matched[k] = Some(i);
            notes.push(Note(format!(
                "{} was {} (same title and date, content edited); it keeps its id and dates{guess}",
                e.source, records[i].source
            )));
        }
    }

    // Ids already owned by some record: a new entry may not take one of them.
    let owners = Owned::new(&previous.entries);

    let mut items = Vec::with_capacity(entries.len());
    let mut new_records = Vec::new();
    for ((feed, e), m) in entries.into_iter().zip(matched) {
        let (published, changed, record) = match m {
            Some(i) => {
                let id = match e.id() {
                    Some(explicit) if explicit != &*records[i].id => {
                        notes.push(Note(format!(
                            "{}: id changed from {} to {} by its `id` key; readers will see it as a new item",
                            e.source, records[i].id, explicit
                        )));
                        Some(explicit.to_string())
                    }
                    _ => None,
                };
                let published = e.date.unwrap_or(records[i].date);
                // Most records are unchanged: copied (and changed) only when one is not.
                let r = &records[i];
                let same = r.gone.is_none()
                    && r.fingerprint == e.fingerprint
                    && id.is_none()
                    && r.feed == feed
                    && r.source == e.source
                    && r.title == e.title
                    && r.date == published;
                if same {
                    // One copy of the names, the record's (the entry's were read anew).
                    let mut e = e;
                    e.source = Arc::clone(&r.source);
                    e.title = Arc::clone(&r.title);
                    e.fingerprint = Arc::clone(&r.fingerprint);
                    items.push(identified(Arc::clone(r), e, published, r.changed));
                    continue;
                }
                let r = Arc::make_mut(&mut records[i]);
                if r.gone.take().is_some() {
                    let id = id.as_deref().unwrap_or(&r.id);
                    notes.push(Note(format!("{} is back; it keeps its id {id}", e.source)));
                }
                if r.fingerprint != e.fingerprint {
                    r.changed = Some(now);
                    r.fingerprint = e.fingerprint.clone();
                }
                if let Some(id) = id {
                    r.id = id.into();
                }
                if r.feed != feed {
                    r.feed = feed;
                }
                if r.source != e.source {
                    r.source = e.source.clone();
                }
                if r.title != e.title {
                    r.title = e.title.clone();
                }
                if r.date != published {
                    moved.push((Arc::clone(&e.source), r.date, published));
                }
                r.date = published;
                (published, r.changed, Arc::clone(&records[i]))
            }
            None => {
                let id = match e.id() {
                    Some(explicit) => explicit.to_string(),
                    None => fresh_id(site_id, &feed, &e.slug, &owners, &mut notes, &e.source),
                };
                let record = Arc::new(new_record(id, feed, &e, now));
                new_records.push(Arc::clone(&record));
                (record.date, None, record)
            }
        };
        items.push(identified(record, e, published, changed));
    }

    // Vanished: reported once, kept (their ids stay reserved).
    let mut gone = Vec::new();
    for (i, r) in records.iter_mut().enumerate() {
        if !claimed[i] && r.gone.is_none() && !present.contains(&r.source) {
            let r = Arc::make_mut(r);
            r.gone = Some(now);
            let why = "is gone from the sources; it leaves the feed, and its id";
            let said = format!("{why} {} stays reserved", r.id);
            gone.push(Diagnostic::new(&*r.source, None, said));
        }
    }
    records.extend(new_records);

    // No two entries may share an id, across all feeds.
    let mut seen: HashMap<&str, &str> =
        HashMap::with_capacity_and_hasher(items.len(), Default::default());
    for item in &items {
        if let Some(other) = seen.insert(item.id(), &item.entry.source) {
            let twins = crate::content::slug::look_alike(other, &item.entry.source);
            errors.push(Diagnostic::new(
                &*item.entry.source,
                None,
                format!(
                    "has the same id `{}` as {other}{twins}: give one of them another `slug` or `id`",
                    item.id()
                ),
            ));
        }
    }
    // An explicit id may also collide with a retired entry's id.
    let mut retired: HashMap<&str, Vec<&Arc<Record>>> = HashMap::default();
    for r in records.iter().filter(|r| r.gone.is_some()) {
        retired.entry(&r.id).or_default().push(r);
    }
    for item in &items {
        let clash = retired
            .get(item.id())
            .and_then(|rs| rs.iter().find(|r| r.source != item.entry.source));
        if let Some(r) = clash {
            errors.push(Diagnostic::new(
                &*item.entry.source,
                None,
                format!(
                    "its id `{}` belonged to {}, which was removed; ids are never reused: choose another `id`",
                    item.id(), r.source
                ),
            ));
        }
    }

    Assigned {
        items,
        state: State {
            version: previous.version,
            site_id: previous.site_id.clone(),
            podcast_guids: previous.podcast_guids.clone(),
            media_lengths: previous.media_lengths.clone(),
            entries: records,
            unsealed: false,
        },
        notes,
        errors,
        gone,
        moved,
    }
}

/// The record of an entry first seen now, under `id`, in `feed` (the feed that owns its file).
pub fn new_record(id: String, feed: Arc<str>, e: &Entry, now: DateTime<FixedOffset>) -> Record {
    Record {
        id: id.into(),
        feed,
        source: e.source.clone(),
        title: e.title.clone(),
        date: e.date.unwrap_or(now),
        first_seen: now,
        fingerprint: e.fingerprint.clone(),
        changed: None,
        gone: None,
    }
}

/// The id of an entry of `feed` when no record holds one yet: its `id` key, else derived
/// (what [`assign`] gives an entry of a site without a state file).
pub fn first_id(site_id: &str, feed: &str, e: &Entry) -> String {
    e.id()
        .map_or_else(|| super::derive_id(site_id, feed, &e.slug), str::to_string)
}

/// An entry with its id and dates; `updated` is the `updated` key, else the later of the
/// publication date and when a change of content was first seen.
fn identified(
    record: Arc<Record>,
    entry: Box<Entry>,
    published: DateTime<FixedOffset>,
    changed: Option<DateTime<FixedOffset>>,
) -> Identified {
    let updated = entry
        .updated()
        .unwrap_or_else(|| changed.map_or(published, |c| c.max(published)));
    Identified {
        record,
        entry,
        updated,
    }
}

/// A derived id that no record owns; a retired id is never handed to a new entry.
/// Whether an id is owned by a record of the previous state. A build has a few new entries,
/// if any: the records are searched for the first few ids asked, and only a build that asks
/// for more makes a set of every id (thousands, most builds never needing it).
struct Owned<'a> {
    records: &'a [Arc<Record>],
    asked: std::cell::Cell<usize>,
    set: std::cell::OnceCell<foldhash::HashSet<&'a str>>,
}

impl<'a> Owned<'a> {
    /// Ids searched for one by one before the set is made.
    const SEARCHED: usize = 8;

    fn new(records: &'a [Arc<Record>]) -> Owned<'a> {
        Owned {
            records,
            asked: std::cell::Cell::new(0),
            set: std::cell::OnceCell::new(),
        }
    }

    fn has(&self, id: &str) -> bool {
        if self.asked.get() < Self::SEARCHED {
            self.asked.set(self.asked.get() + 1);
            return self.records.iter().any(|r| &*r.id == id);
        }
        self.set
            .get_or_init(|| self.records.iter().map(|r| &*r.id).collect())
            .contains(id)
    }
}

fn fresh_id(
    site_id: &str,
    feed: &str,
    slug: &str,
    owners: &Owned<'_>,
    notes: &mut Vec<Note>,
    source: &str,
) -> String {
    let base = derive_id(site_id, feed, slug);
    if !owners.has(&base) {
        return base;
    }
    let mut n = 2;
    loop {
        let candidate = derive_id(site_id, feed, &format!("{slug}-{n}"));
        if !owners.has(&candidate) {
            notes.push(Note(format!(
                "{source}: slug `{slug}` belonged to an earlier entry; it gets a new id {candidate}"
            )));
            return candidate;
        }
        n += 1;
    }
}

#[cfg(test)]
#[path = "assign_tests.rs"]
mod tests;
