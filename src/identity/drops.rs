//! The drop guard: a build that would take many published entries out of a feed at once because
//! their files vanished (a renamed content folder, a bad `git checkout`, a full disk during a
//! sync) is refused before anything is written or pushed. Subscribers never see a feed emptied
//! by accident; a user who meant it says `--allow-drop`.
//!
//! Only entries whose source file is gone count. Entries that age out of a feed's `limit`, or
//! that become drafts, are still in the sources and are not drops.

use std::collections::BTreeMap;

use super::state::State;

pub use crate::config::DEFAULT_MAX_DROP_SHARE;

/// One feed that would lose too many entries.
#[derive(Debug, Clone, PartialEq)]
pub struct Drop {
    pub feed: String,
    /// Entries published before and gone now.
    pub dropped: usize,
    /// Entries published before (not already gone).
    pub published: usize,
    /// A few of the vanished sources, for the message.
    pub examples: Vec<String>,
}

impl std::fmt::Display for Drop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "feed `{}` would drop {} of its {} published entries because their files are gone or invalid ({}{})",
            self.feed,
            self.dropped,
            self.published,
            self.examples.join(", "),
            if self.dropped > self.examples.len() {
                ", …"
            } else {
                ""
            }
        )
    }
}

/// The feeds whose drop is large: all their published entries, or more than `max_share` of
/// them. `previous` is the state the build started from, `next` the one it would write.
/// `left_out` are the sources that are there but were left out as invalid (`--keep-going`):
/// a published entry among them leaves its feed as surely as a deleted one.
pub fn large_drops(
    previous: &State,
    next: &State,
    left_out: &[std::sync::Arc<str>],
    max_share: f64,
) -> Vec<Drop> {
    let left_out: foldhash::HashSet<&str> = left_out.iter().map(|s| &**s).collect();
    // Gone records are few: the previous state's thousands are only looked up for them.
    let gone_now: Vec<&crate::identity::Record> = next
        .entries
        .iter()
        .filter(|r| r.gone.is_some() || left_out.contains(&*r.source))
        .map(|r| &**r)
        .collect();
    if gone_now.is_empty() {
        return Vec::new();
    }
    let asked: std::collections::HashSet<(&str, &str)> =
        gone_now.iter().map(|r| (r.feed.as_ref(), &*r.id)).collect();
    let mut published: BTreeMap<&str, usize> = BTreeMap::new();
    let mut was_live = std::collections::HashSet::new();
    for r in previous.entries.iter().filter(|r| r.gone.is_none()) {
        *published.entry(r.feed.as_ref()).or_default() += 1;
        let key = (r.feed.as_ref(), &*r.id);
        if asked.contains(&key) {
            was_live.insert(key);
        }
    }
    let mut gone: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in gone_now {
        if was_live.contains(&(r.feed.as_ref(), &*r.id)) {
            gone.entry(r.feed.as_ref()).or_default().push(&r.source);
        }
    }
    gone.into_iter()
        .filter_map(|(feed, sources)| {
            let published = published.get(feed).copied().unwrap_or(0);
            let dropped = sources.len();
            // Counted in whole entries, so a share of 0.25 of 4 allows exactly 1.
            let allowed = (published as f64 * max_share).floor() as usize;
            let large = dropped == published || dropped > allowed;
            large.then(|| Drop {
                feed: feed.to_string(),
                dropped,
                published,
                examples: sources.iter().take(3).map(|s| s.to_string()).collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Record;

    fn record(feed: &str, n: usize, gone: bool) -> Record {
        let t = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap();
        Record {
            id: format!("{feed}/{n}").into(),
            feed: feed.into(),
            source: format!("content/{feed}/{n}.md").into(),
            title: format!("{n}").into(),
            date: t,
            first_seen: t,
            fingerprint: "".into(),
            changed: None,
            gone: gone.then_some(t),
        }
    }

    fn state(records: Vec<Record>) -> State {
        State {
            version: 1,
            site_id: "tag:x.example,2026:".into(),
            podcast_guids: BTreeMap::new(),
            media_lengths: BTreeMap::new(),
            entries: records.into_iter().map(std::sync::Arc::new).collect(),
            unsealed: false,
        }
    }

    /// `n` entries of feed `a`, the first `gone` of them vanished in `next`.
    fn drop_of(n: usize, gone: usize, share: f64) -> Vec<Drop> {
        let before = state((0..n).map(|i| record("a", i, false)).collect());
        let after = state((0..n).map(|i| record("a", i, i < gone)).collect());
        large_drops(&before, &after, &[], share)
    }

    #[test]
    fn a_quarter_passes_more_is_refused() {
        assert!(drop_of(4, 1, DEFAULT_MAX_DROP_SHARE).is_empty());
        let refused = drop_of(4, 2, DEFAULT_MAX_DROP_SHARE);
        assert_eq!(refused.len(), 1);
        assert_eq!((refused[0].dropped, refused[0].published), (2, 4));
        assert!(drop_of(100, 25, DEFAULT_MAX_DROP_SHARE).is_empty());
        assert_eq!(drop_of(100, 26, DEFAULT_MAX_DROP_SHARE).len(), 1);
    }

    #[test]
    fn losing_every_entry_is_refused_whatever_the_share() {
        assert_eq!(drop_of(1, 1, 1.0).len(), 1);
        assert_eq!(drop_of(3, 3, 1.0).len(), 1);
        assert!(drop_of(3, 2, 1.0).is_empty());
    }

    #[test]
    fn entries_gone_before_are_not_dropped_again() {
        let before = state(vec![record("a", 0, true), record("a", 1, false)]);
        let after = state(vec![record("a", 0, true), record("a", 1, false)]);
        assert!(large_drops(&before, &after, &[], 0.0).is_empty());
    }

    /// `--keep-going` leaves invalid files out: their published entries leave the feed as
    /// surely as deleted ones, and count the same.
    #[test]
    fn published_entries_left_out_as_invalid_are_dropped() {
        let live = || state((0..4).map(|i| record("a", i, false)).collect());
        let invalid: Vec<std::sync::Arc<str>> =
            vec!["content/a/0.md".into(), "content/a/1.md".into()];
        let refused = large_drops(&live(), &live(), &invalid, DEFAULT_MAX_DROP_SHARE);
        assert_eq!((refused[0].dropped, refused[0].published), (2, 4));
        assert!(large_drops(&live(), &live(), &invalid[..1], DEFAULT_MAX_DROP_SHARE).is_empty());
    }

    #[test]
    fn the_message_names_the_feed_counts_and_files() {
        let refused = drop_of(5, 5, DEFAULT_MAX_DROP_SHARE);
        assert_eq!(
            refused[0].to_string(),
            "feed `a` would drop 5 of its 5 published entries because their files are gone or invalid \
             (content/a/0.md, content/a/1.md, content/a/2.md, …)"
        );
    }
}
