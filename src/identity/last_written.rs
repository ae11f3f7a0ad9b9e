//! Which state file this site's builds wrote last, kept beside it in `.<state file
//! name>.written`: its integrity digest, and the latest time its records hold (when a record
//! was first seen, changed or found gone). A state file that holds no later time than that,
//! with another digest, was put back since (a backup, a `git checkout` of an older commit):
//! the build compares it with the feeds in the output folder, as it does a missing one, before
//! any published id or date can change. One that holds a later time was written by a build
//! elsewhere (another clone's, pulled with git) and is taken as it is. The content cache
//! tells the same from the state file's stat, but only when the last build could write a
//! cache. A state edited by hand has no integrity line (the README says to delete it): taken
//! for one put back only when it is older than the last one written.

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};

use super::State;

/// The integrity line is in the header's first lines.
const HEAD: u64 = 4096;

/// Where the digest of the state file a build wrote last is kept.
pub fn path(state_file: &Path) -> PathBuf {
    let name = state_file
        .file_name()
        .map_or_else(|| "state".into(), |n| n.to_string_lossy());
    state_file.with_file_name(format!(".{name}.written"))
}

/// The digest the state file's integrity line records, if it has one.
fn digest_of(state_file: &Path) -> Option<String> {
    let mut head = String::new();
    let file = std::fs::File::open(state_file).ok()?;
    file.take(HEAD).read_to_string(&mut head).ok()?;
    let (_, hash, _) = super::state::recorded_integrity(&head)?;
    Some(hash.to_string())
}

/// The latest time the records of `state` hold: a build that changes a record moves it on.
fn latest(state: &State) -> Option<DateTime<FixedOffset>> {
    state
        .entries
        .iter()
        .flat_map(|r| [Some(r.first_seen), r.changed, r.gone])
        .flatten()
        .max()
}

/// Whether `state`, read from `state_file`, was put back since a build (or `adopt-ids`) wrote
/// the one recorded beside it. Without that record (a site built before it was kept, or the
/// record removed: `git clean -X`), `stat_changed` says (the content cache's view), for a
/// state with an integrity line; with no cache either (`None`), nothing says it was not: it is
/// compared with the published feeds, which a state in its place passes.
pub fn put_back(state_file: &Path, state: Option<&State>, stat_changed: Option<bool>) -> bool {
    let Some(state) = state else {
        return false;
    };
    let digest = digest_of(state_file);
    // A digest and a time: a few dozen bytes.
    let Some(last) = crate::small_file::read_text(&path(state_file), 4096) else {
        return digest.is_some() && stat_changed.unwrap_or(true);
    };
    let mut parts = last.split_whitespace();
    let (last_digest, last_time) = (parts.next(), parts.next());
    if digest.is_some() && digest.as_deref() == last_digest {
        return false;
    }
    let last_time = last_time.and_then(|t| DateTime::parse_from_rfc3339(t).ok());
    match (latest(state), last_time) {
        // Edited by hand: only an older one is taken for a backup.
        (now, Some(then)) if digest.is_none() => now.is_none_or(|n| n < then),
        (Some(now), Some(then)) => now <= then,
        _ => digest.is_some(),
    }
}

/// Records the state file now in place (`state`) as the one written last. A hint only: when
/// it cannot be written, a state put back later is found by the content cache alone.
pub fn record(state_file: &Path, state: &State) {
    let Some(digest) = digest_of(state_file) else {
        return;
    };
    let time = latest(state).map_or_else(String::new, |t| t.to_rfc3339());
    let line = format!("{digest} {time}\n");
    let file = path(state_file);
    if std::fs::read_to_string(&file).is_ok_and(|old| old == line) {
        return;
    }
    // Not waited for on the disk (a sync of its own cost a cron run milliseconds): after a
    // crash it may say an earlier state, which is then taken for one put back only if the
    // feeds published other ids or dates than it holds.
    crate::output::write_unsynced(&file, &[line.as_bytes()]);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::identity::Record;

    fn file(digest: &str) -> String {
        format!("# feedwright state\n# integrity: 2 records, blake3 {digest}\nversion = 1\n")
    }

    fn state(first_seen: &str) -> State {
        let at = DateTime::parse_from_rfc3339(first_seen).unwrap();
        let mut s = State::new("tag:x,2026:".into());
        s.entries.push(Arc::new(Record {
            id: "a".into(),
            feed: "r".into(),
            source: "a.md".into(),
            title: "A".into(),
            date: at,
            first_seen: at,
            fingerprint: "ab".into(),
            changed: None,
            gone: None,
        }));
        s
    }

    #[test]
    fn an_older_or_same_aged_state_is_put_back_a_newer_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("state.toml");
        let (jan, feb, mar) = (
            state("2026-01-01T00:00:00Z"),
            state("2026-02-01T00:00:00Z"),
            state("2026-03-01T00:00:00Z"),
        );
        // Nothing recorded yet: the cache's view decides; without a cache, it is compared.
        std::fs::write(&f, file("aaaa")).unwrap();
        assert!(!put_back(&f, Some(&feb), Some(false)));
        assert!(put_back(&f, Some(&feb), Some(true)));
        assert!(put_back(&f, Some(&feb), None));
        record(&f, &feb);
        assert_eq!(
            std::fs::read_to_string(path(&f)).unwrap(),
            "aaaa 2026-02-01T00:00:00+00:00\n"
        );
        assert!(!put_back(&f, Some(&feb), Some(true)));
        // Another digest: older or as old is a backup; newer came from a build elsewhere.
        std::fs::write(&f, file("bbbb")).unwrap();
        assert!(put_back(&f, Some(&jan), None));
        assert!(put_back(&f, Some(&feb), None));
        assert!(!put_back(&f, Some(&mar), None));
        // Edited by hand (no integrity line): only an older one is a backup.
        std::fs::write(&f, "# feedwright state\nversion = 1\n").unwrap();
        assert!(!put_back(&f, Some(&feb), Some(true)));
        assert!(put_back(&f, Some(&jan), None));
        assert!(!put_back(&f, None, Some(true)));
    }
}
