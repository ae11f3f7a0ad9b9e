//! What to upload, and why: each built file's hash against the push state. An unchanged file
//! at the same URL is skipped; everything else becomes a [`Change`] with the precondition its
//! upload carries.

use std::fmt;

use super::files::Upload;
use super::push::Overwrite;
use super::state::{PushState, PushedFile};
use super::target::{Condition, Target};

/// Why a file is uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    New,
    Changed {
        since: String,
    },
    /// The state records it at another URL ([publish] url changed).
    Moved {
        from: String,
    },
    Forced,
    /// `--take-over`: a copy feedwright did not write is there, and it passed the guard.
    TakeOver,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::New => f.write_str("new: never pushed"),
            Reason::Changed { since } => write!(f, "changed since the push of {since}"),
            Reason::Moved { from } => write!(f, "last pushed to {from}"),
            Reason::Forced => f.write_str("unchanged, re-sent because of --force"),
            Reason::TakeOver => f.write_str("taking over a copy feedwright did not write"),
        }
    }
}

/// One upload to make.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub file: &'a Upload,
    pub location: String,
    pub reason: Reason,
    pub condition: Condition,
    /// An update with no precondition though it was not forced: when the file was last
    /// pushed, the server gave neither a strong ETag nor a `Last-Modified`.
    pub unguarded: bool,
}

impl Change<'_> {
    /// The WebSub topic to ping after this upload: a feed document whose bytes changed (spec
    /// R93; a `--force` re-send of unchanged bytes pings nobody).
    pub fn topic(&self) -> Option<&String> {
        self.file
            .topic
            .as_ref()
            .filter(|_| self.reason != Reason::Forced)
    }
}

/// What to upload, and why, comparing `files` with the push state.
pub fn changes<'a>(
    target: &dyn Target,
    files: &'a [Upload],
    state: &PushState,
    overwrite: Overwrite,
) -> Vec<Change<'a>> {
    let force = overwrite == Overwrite::Force;
    files
        .iter()
        .filter_map(|file| {
            let location = target.location(&file.name);
            let record = state.files.get(&file.name);
            let here = record.filter(|r| r.url == location);
            let unchanged = here.is_some_and(|r| r.blake3 == file.hash);
            let reason = match (record, here) {
                _ if force && unchanged => Reason::Forced,
                _ if unchanged => return None,
                (_, Some(r)) => Reason::Changed {
                    since: r.pushed_at.clone(),
                },
                (Some(r), None) => Reason::Moved {
                    from: r.url.clone(),
                },
                (None, _) => Reason::New,
            };
            let condition = match here {
                _ if force => Condition::Any,
                Some(r) => guard_of(r),
                None => Condition::Absent,
            };
            Some(Change {
                file,
                location,
                reason,
                unguarded: !force && condition == Condition::Any,
                condition,
            })
        })
        .collect()
}

/// The precondition that replaces exactly the copy `record` describes: its strong ETag, else
/// its date (whole seconds: a change within the same second goes unseen), else none.
pub fn guard_of(record: &PushedFile) -> Condition {
    match (&record.etag, &record.last_modified) {
        (Some(etag), _) => Condition::Matches(etag.clone()),
        (None, Some(date)) => Condition::Unmodified(date.clone()),
        (None, None) => Condition::Any,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::super::files::Role;
    use super::super::state::hash;
    use super::super::target::{Failure, Fetched, Put, Stored};
    use super::*;

    struct Mem;

    impl Target for Mem {
        fn location(&self, name: &str) -> String {
            format!("mem:/{name}")
        }
        fn fetch(&self, _: &str) -> Result<Option<Fetched>, Failure> {
            Ok(None)
        }
        fn upload(&self, _: &Put<'_>) -> Result<Stored, Failure> {
            unreachable!("diffing uploads nothing")
        }
        fn delete(&self, _: &str, _: &Condition) -> Result<String, Failure> {
            unreachable!("diffing deletes nothing")
        }
    }

    fn file(name: &str, bytes: &str) -> Upload {
        Upload {
            name: name.into(),
            path: PathBuf::from(name),
            media_type: "application/rss+xml; charset=utf-8",
            len: bytes.len() as u64,
            hash: hash(bytes.as_bytes()),
            role: Role::Main {
                feed: "reviews".into(),
            },
            topic: Some(format!("https://films.example/feeds/{name}")),
            cache_control: None,
            mtime: None,
        }
    }

    #[test]
    fn changes_compare_hashes_and_pick_conditions() {
        let files = vec![
            file("new.rss", "n"),
            file("same.rss", "s"),
            file("edited.rss", "e2"),
            file("moved.rss", "m"),
        ];
        let mut state = PushState::default();
        let rec = |url: &str, bytes: &str, etag: Option<&str>| PushedFile {
            url: url.into(),
            blake3: hash(bytes.as_bytes()),
            size: 1,
            etag: etag.map(String::from),
            last_modified: None,
            pushed_at: "2026-11-19T09:00:00+00:00".into(),
            mtime: None,
            media: false,
        };
        state
            .files
            .insert("same.rss".into(), rec("mem:/same.rss", "s", Some("\"1\"")));
        state.files.insert(
            "edited.rss".into(),
            rec("mem:/edited.rss", "e1", Some("\"7\"")),
        );
        state
            .files
            .insert("moved.rss".into(), rec("old:/moved.rss", "m", None));
        for overwrite in [Overwrite::Own, Overwrite::TakeOver] {
            let c = changes(&Mem, &files, &state, overwrite);
            let got: Vec<_> = c
                .iter()
                .map(|c| (c.file.name.as_str(), &c.reason, &c.condition))
                .collect();
            assert_eq!(got.len(), 3);
            assert_eq!(got[0], ("new.rss", &Reason::New, &Condition::Absent));
            assert_eq!(got[1].0, "edited.rss");
            assert_eq!(got[1].2, &Condition::Matches("\"7\"".into()));
            assert_eq!(
                got[2].1,
                &Reason::Moved {
                    from: "old:/moved.rss".into()
                }
            );
            assert_eq!(got[2].2, &Condition::Absent);
        }

        let forced = changes(&Mem, &files, &state, Overwrite::Force);
        assert_eq!(forced.len(), 4);
        assert!(forced.iter().all(|c| c.condition == Condition::Any));
        assert_eq!(forced[1].reason, Reason::Forced);
        assert_eq!(forced[1].topic(), None, "an unchanged re-send pings nobody");
        assert!(forced[0].topic().is_some());
    }

    /// Audit 2026-12, finding 2: without a strong ETag an update went out unguarded, silently.
    #[test]
    fn without_a_strong_etag_the_date_guards_and_without_either_the_change_says_so() {
        let files = vec![file("dated.rss", "d2"), file("bare.rss", "b2")];
        let mut state = PushState::default();
        let rec = |name: &str, bytes: &str, date: Option<&str>| PushedFile {
            url: format!("mem:/{name}"),
            blake3: hash(bytes.as_bytes()),
            size: 1,
            etag: None,
            last_modified: date.map(String::from),
            pushed_at: "2026-11-19T09:00:00+00:00".into(),
            mtime: None,
            media: false,
        };
        let date = "Thu, 19 Nov 2026 09:00:00 GMT";
        state
            .files
            .insert("dated.rss".into(), rec("dated.rss", "d1", Some(date)));
        state
            .files
            .insert("bare.rss".into(), rec("bare.rss", "b1", None));
        let c = changes(&Mem, &files, &state, Overwrite::Own);
        assert_eq!(c[0].condition, Condition::Unmodified(date.into()));
        assert!(!c[0].unguarded);
        assert_eq!(c[1].condition, Condition::Any);
        assert!(c[1].unguarded);
        let forced = changes(&Mem, &files, &state, Overwrite::Force);
        assert!(forced.iter().all(|c| !c.unguarded), "--force asked for it");
    }
}
