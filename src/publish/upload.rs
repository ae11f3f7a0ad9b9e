//! Uploading: one `PUT` per change, in order, each carrying its precondition and retried on
//! transient failures; each success is recorded at once ([`super::record`]). The first failure
//! stops the run: what uploaded before it stays recorded, and the message says what was not
//! attempted.

use super::diff::{Change, Reason};
use super::push::{Level, Session, failure_message, retrying};
use super::target::{Condition, Failure, FromDisk, Put, Stored};
use crate::error::Result;

/// Why one upload did not happen.
enum Failed {
    /// The built file could not be read, or is no longer what was hashed.
    Read(String),
    /// The request failed, after this many attempts.
    Request(Failure, u32),
}

/// Uploads `changes` in order; returns the names uploaded and, when one failed, the message
/// that says so. An `Err` is a push state that could not be saved.
pub fn all(s: &mut Session<'_>, changes: &[Change<'_>]) -> Result<(Vec<String>, Option<String>)> {
    let mut uploaded = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        match one(s, c) {
            Ok(stored) => {
                for folder in &stored.created {
                    s.say(Level::Info, &format!("created folder {folder}"));
                }
                super::record::uploaded(s, c, &stored)?;
                uploaded.push(c.file.name.clone());
                let took_over = if c.reason == Reason::TakeOver {
                    "; took over the copy feedwright had not written"
                } else {
                    ""
                };
                s.say(
                    Level::Info,
                    &format!(
                        "uploaded {} -> {} ({}{took_over})",
                        c.file.name, c.location, stored.answer
                    ),
                );
            }
            Err(failed) => {
                let message = failure_text(s, c, failed, &uploaded, &changes[i + 1..]);
                return Ok((uploaded, Some(message)));
            }
        }
    }
    Ok((uploaded, None))
}

/// Files larger than this are sent from disk ([`super::target::Target::upload_from_disk`]) rather than read
/// whole: object storage then holds one part in memory at a time.
pub const FROM_DISK_ABOVE: u64 = 8 * 1024 * 1024;

fn one(s: &mut Session<'_>, c: &Change<'_>) -> std::result::Result<Stored, Failed> {
    if c.unguarded {
        s.say(
            Level::Warn,
            &format!(
                "{} is replaced without If-Match: when it was last pushed the server gave no strong ETag (nor a Last-Modified date) for it, so a change made to it on the server since then is overwritten unseen",
                c.location
            ),
        );
    }
    let target = s.target;
    let mut put = Put {
        name: &c.file.name,
        bytes: &[],
        content_type: c.file.media_type,
        condition: c.condition.clone(),
        cache_control: c.file.cache_control.as_deref(),
    };
    if c.file.len > FROM_DISK_ABOVE {
        let disk = FromDisk {
            path: &c.file.path,
            len: c.file.len,
            hash: &c.file.hash,
        };
        // No look at a 412's remote copy: comparing would mean reading both files whole.
        return retrying(&s.policy, s.log, || target.upload_from_disk(&put, &disk))
            .map_err(|(f, n)| Failed::Request(f, n));
    }
    let bytes = c.file.read().map_err(Failed::Read)?;
    put.bytes = &bytes;
    match retrying(&s.policy, s.log, || target.upload(&put)) {
        Ok(stored) => Ok(stored),
        Err((f, n)) if f.status() == Some(412) => match already_there(s, c, &bytes) {
            Some(stored) => Ok(stored),
            None => Err(Failed::Request(f, n)),
        },
        Err((f, n)) => Err(Failed::Request(f, n)),
    }
}

/// The remote copy, when it is exactly `bytes`: an earlier PUT stored it but its answer was
/// lost (a timeout, a killed run), so the push state never learnt of it and the precondition
/// now fails. That is no conflict; the copy is recorded with the ETag it has now. Anything
/// else (another copy, or no look at it) stays the 412.
fn already_there(s: &mut Session<'_>, c: &Change<'_>, bytes: &[u8]) -> Option<Stored> {
    let target = s.target;
    let fetched = retrying(&s.policy, s.log, || target.fetch(&c.file.name))
        .ok()
        .flatten()?;
    if fetched.bytes != bytes {
        return None;
    }
    s.say(
        Level::Detail,
        &format!(
            "{}: the remote copy is already the one being pushed (an earlier upload's answer was lost)",
            c.location
        ),
    );
    Some(Stored {
        etag: fetched.etag,
        answer: "already there".into(),
        ..Stored::default()
    })
}

/// What a 412 means for this change, and what to do about it.
fn precondition_note(c: &Change<'_>) -> &'static str {
    match (&c.reason, &c.condition) {
        (Reason::TakeOver, _) => {
            "the remote copy changed after it was checked and was left as it is: run the push again"
        }
        (_, Condition::Absent) => {
            "the remote copy was left as it is: feedwright did not write it (or lost the push state that says so); `feedwright push --take-over` replaces it if its items keep their ids, `feedwright push --force` overwrites it unchecked"
        }
        _ => {
            "the remote copy was left as it is: someone changed it since the last push; look at it, then `feedwright push --force` overwrites it"
        }
    }
}

fn failure_text(
    s: &Session<'_>,
    c: &Change<'_>,
    failed: Failed,
    uploaded: &[String],
    rest: &[Change<'_>],
) -> String {
    let headline = format!("{} was not uploaded", c.file.name);
    let mut note = match &failed {
        Failed::Request(f, _) if f.status() == Some(412) => precondition_note(c).to_string(),
        _ => String::from("the remote copy is unchanged or incomplete"),
    };
    if !uploaded.is_empty() {
        note.push_str(&format!(
            "; uploaded before the failure and recorded in {}: {} (the next push sends only what is missing)",
            crate::content::display_path(s.state_file).display(),
            uploaded.join(", ")
        ));
    }
    if !rest.is_empty() {
        let names: Vec<&str> = rest.iter().map(|x| x.file.name.as_str()).collect();
        note.push_str(&format!("; not attempted: {}", names.join(", ")));
    }
    match failed {
        Failed::Request(f, attempts) => failure_message(&headline, &f, attempts, &note),
        Failed::Read(why) => format!("{headline}\n  {why}\n  {note}"),
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::time::Duration;

    use chrono::DateTime;

    use super::super::diff::changes;
    use super::super::files::{Role, Upload};
    use super::super::ping::Hubs;
    use super::super::push::{Overwrite, execute};
    use super::super::retry::Policy;
    use super::super::state::{PushState, hash};
    use super::super::target::{FailureKind, Fetched, Target};
    use super::*;

    /// A target in memory: records uploads, fails the names listed in `fail`.
    #[derive(Default)]
    struct Memory {
        uploads: RefCell<Vec<(String, Condition)>>,
        fail: Vec<&'static str>,
    }

    impl Target for Memory {
        fn location(&self, name: &str) -> String {
            format!("mem:/{name}")
        }
        fn fetch(&self, _: &str) -> std::result::Result<Option<Fetched>, Failure> {
            Ok(None)
        }
        fn delete(&self, _: &str, _: &Condition) -> std::result::Result<String, Failure> {
            Ok("204 No Content".into())
        }
        fn upload(&self, u: &Put<'_>) -> std::result::Result<Stored, Failure> {
            if self.fail.contains(&u.name) {
                return Err(Failure {
                    kind: FailureKind::Status(403),
                    request: format!("PUT mem:/{}", u.name),
                    answer: "403 Forbidden".into(),
                    retry_after: None,
                });
            }
            self.uploads
                .borrow_mut()
                .push((u.name.to_string(), u.condition.clone()));
            Ok(Stored {
                etag: Some(format!("\"{}\"", u.bytes.len())),
                answer: "201 Created".into(),
                ..Stored::default()
            })
        }
    }

    fn file(dir: &std::path::Path, name: &str, bytes: &str) -> Upload {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        Upload {
            name: name.into(),
            path,
            media_type: "application/rss+xml; charset=utf-8",
            len: bytes.len() as u64,
            hash: hash(bytes.as_bytes()),
            role: Role::Main {
                feed: "reviews".into(),
            },
            topic: None,
            cache_control: None,
            mtime: None,
        }
    }

    #[test]
    fn a_failure_keeps_what_uploaded_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let state_file = dir.path().join("push.toml");
        let t = Memory {
            fail: vec!["b.rss"],
            ..Default::default()
        };
        let files = vec![
            file(dir.path(), "a.rss", "a"),
            file(dir.path(), "b.rss", "b"),
            file(dir.path(), "c.rss", "c"),
        ];
        let c = changes(&t, &files, &PushState::default(), Overwrite::Own);
        let mut lines = Vec::new();
        let mut log = |_, l: &str| lines.push(l.to_string());
        let mut session = test_session(&t, &state_file, &mut log);
        let e = execute(&mut session, &c, &[]).unwrap_err().to_string();
        assert!(e.contains("b.rss was not uploaded"), "{e}");
        assert!(
            e.contains("403 Forbidden") && e.contains("permissions"),
            "{e}"
        );
        assert!(e.contains("not attempted: c.rss"), "{e}");
        let saved = PushState::load(&state_file).unwrap();
        assert_eq!(saved.files.keys().collect::<Vec<_>>(), ["a.rss"]);
        assert_eq!(saved.files["a.rss"].etag.as_deref(), Some("\"1\""));
        // The next run sends only what is missing.
        let next = changes(&t, &files, &saved, Overwrite::Own);
        let names: Vec<_> = next.iter().map(|c| c.file.name.as_str()).collect();
        assert_eq!(names, ["b.rss", "c.rss"]);
    }

    /// A session without retries or hubs, starting from an empty push state.
    fn test_session<'a>(
        target: &'a Memory,
        state_file: &'a std::path::Path,
        log: crate::publish::push::Log<'a>,
    ) -> Session<'a> {
        Session {
            target,
            policy: Policy {
                retries: 0,
                base: Duration::ZERO,
                cap: Duration::ZERO,
            },
            hubs: Hubs::new(vec![], "hub.url", Duration::from_secs(1)).unwrap(),
            after: Default::default(),
            state: PushState::default(),
            state_file,
            now: DateTime::parse_from_rfc3339("2026-11-20T09:00:00Z").unwrap(),
            log,
        }
    }

    #[test]
    fn a_file_edited_after_the_build_is_not_sent() {
        let dir = tempfile::tempdir().unwrap();
        let state_file = dir.path().join("push.toml");
        let t = Memory::default();
        let files = vec![file(dir.path(), "a.rss", "a")];
        std::fs::write(dir.path().join("a.rss"), "edited").unwrap();
        let c = changes(&t, &files, &PushState::default(), Overwrite::Own);
        let mut log = |_, _: &str| {};
        let mut session = test_session(&t, &state_file, &mut log);
        let e = execute(&mut session, &c, &[]).unwrap_err().to_string();
        assert!(e.starts_with("a.rss was not uploaded\n  "), "{e}");
        assert!(e.contains("changed on disk while the push ran"), "{e}");
        assert!(t.uploads.borrow().is_empty());
    }
}
