//! The build's clock against the state's: a clock that went back (a machine that has not
//! synced its time yet) is refused, a clock that was ahead is put right once the user says the
//! time now is the right one (`--allow-drop`), and an entry an earlier build published is not
//! taken for a scheduled one because the clock stepped back a few minutes.

use std::sync::Arc;

use chrono::{DateTime, Duration, FixedOffset};

use crate::config::Config;
use crate::content;
use crate::error::{Diagnostic, Error, Result};
use crate::identity::{Note, State};

/// Two machines a few minutes apart (a laptop, then the cron host) are no clock gone back.
fn slack() -> Duration {
    Duration::hours(1)
}

/// The latest time the state recorded an entry as first seen or changed.
fn latest(state: &State) -> Option<DateTime<FixedOffset>> {
    state
        .entries
        .iter()
        .flat_map(|r| [Some(r.first_seen), r.changed])
        .flatten()
        .max()
}

/// A clock that went back (a machine without a real-time clock, before its time is synced)
/// makes entries published since look dated in the future: they would leave the feeds as
/// if scheduled, silently (the drop guard counts only vanished files). A build more than an
/// hour earlier than the latest time the state recorded is refused, as a drop is.
pub(super) fn guard(
    config: &Config,
    previous: Option<&State>,
    now: DateTime<FixedOffset>,
) -> Result<()> {
    let Some(latest) = previous.and_then(latest) else {
        return Ok(());
    };
    if now + slack() >= latest {
        return Ok(());
    }
    Err(Error::Identity(format!(
        "refusing to build: the clock says {}, earlier than {}, when the state file {} recorded an entry as first seen or changed
  entries published since would look dated in the future and leave the feeds
nothing was written or pushed. Fix the system clock (a machine that has not synced its time yet?); if the time is right, run again with --allow-drop (once: the times recorded later than now are then set to now)",
        now.to_rfc3339(),
        latest.to_rfc3339(),
        content::display_path(&config.site.state_file).display(),
    )))
}

/// With the clock taken as right (`--allow-drop`) while the state recorded times more than
/// the slack later than now (a build ran with a clock that was ahead): the state with every
/// such time set to now, so that this build dates the entries first seen then as now and
/// the next build is not refused again; what to tell the user; and each published entry
/// whose date moves (dated when first seen: a `date` key's date is the file's).
pub(super) fn accept(
    previous: &State,
    now: DateTime<FixedOffset>,
) -> Option<(State, Note, Vec<Diagnostic>)> {
    let latest = latest(previous)?;
    if now + slack() >= latest {
        return None;
    }
    let mut state = previous.clone();
    let mut moved = Vec::new();
    for record in &mut state.entries {
        let times = [record.changed, record.gone];
        let later = [record.date, record.first_seen]
            .into_iter()
            .chain(times.into_iter().flatten());
        if !later.into_iter().any(|t| t > now) {
            continue;
        }
        let r = Arc::make_mut(record);
        if r.date == r.first_seen && r.date > now && r.gone.is_none() {
            moved.push(Diagnostic::new(&*r.source, None, format!(
                "was dated {} by a build whose clock was ahead; with the clock taken as right (--allow-drop) it is dated {}: readers may show it again",
                r.date.to_rfc3339(),
                now.to_rfc3339()
            )));
            r.date = now;
        }
        for t in [Some(&mut r.first_seen), r.changed.as_mut(), r.gone.as_mut()]
            .into_iter()
            .flatten()
        {
            *t = (*t).min(now);
        }
    }
    let dated = match moved.len() {
        0 => String::new(),
        1 => " (1 entry dated by it is dated now)".to_string(),
        n => format!(" ({n} entries dated by it are dated now)"),
    };
    let note = Note(format!(
        "the state file recorded times up to {}, later than now ({}): taken as a clock that was ahead (--allow-drop), they are set to now{dated}",
        latest.to_rfc3339(),
        now.to_rfc3339(),
    ));
    Some((state, note, capped(moved)))
}

/// Most entries whose date moves said one by one; the others in one line.
const SAID_EACH: usize = 20;

fn capped(mut moved: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if moved.len() > SAID_EACH {
        let more = moved.len() - SAID_EACH;
        moved.truncate(SAID_EACH);
        let said = format!("and {more} other entries dated by that clock are dated now too");
        moved.push(Diagnostic::new("", None, said));
    }
    moved
}

/// [`accept`] when the build was told the clock is right (`--allow-drop`), its note said and
/// each moved date a warning (what changes published entries shows under `--quiet`).
pub(super) fn accepted(
    previous: Option<&State>,
    (now, options): (DateTime<FixedOffset>, super::PlanOptions),
    problems: &mut super::Problems,
) -> Option<State> {
    let (state, note, moved) = accept(previous.filter(|_| options.allow_drop)?, now)?;
    problems.notes.push(note);
    problems.changes.extend(moved);
    Some(state)
}

/// The sources the state records as published (not gone): an entry among them dated later
/// than now was published by a build whose clock was later, and stays in the feeds rather
/// than leaving them as if scheduled. Built only when some entry is dated in the future.
pub(super) struct Published<'a> {
    state: Option<&'a State>,
    sources: Option<foldhash::HashSet<&'a str>>,
}

impl<'a> Published<'a> {
    pub(super) fn new(state: Option<&'a State>) -> Published<'a> {
        Published {
            state,
            sources: None,
        }
    }

    /// Whether `source` was published and is not gone.
    pub(super) fn contains(&mut self, source: &str) -> bool {
        let Some(state) = self.state else {
            return false;
        };
        let sources = self.sources.get_or_insert_with(|| {
            let live = state.entries.iter().filter(|r| r.gone.is_none());
            live.map(|r| &*r.source).collect()
        });
        sources.contains(source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Record;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn state(seen: &str) -> State {
        let seen = at(seen);
        let mut state = State::new("urn:x:".into());
        state.entries.push(Arc::new(Record {
            id: "urn:x:1".into(),
            feed: "r".into(),
            source: "content/a.md".into(),
            title: "A".into(),
            date: seen,
            first_seen: seen,
            fingerprint: "f".into(),
            changed: None,
            gone: None,
        }));
        state
    }

    fn config() -> Config {
        Config::parse(
            "[site]\ntitle = \"T\"\nbase_url = \"https://films.example/\"\n\n[[feed]]\nname = \"r\"\ntitle = \"R\"\ndescription = \"D\"\nsource = \"content\"\nlink = \"r/{slug}/\"\n",
            std::path::Path::new("/site/config.toml"),
        )
        .unwrap()
    }

    /// A clock weeks behind the state is refused; one a few minutes behind (two machines) is
    /// not.
    #[test]
    fn a_clock_gone_back_is_refused_with_an_hour_of_slack() {
        let (config, state) = (config(), state("2026-11-20T12:00:00Z"));
        assert!(guard(&config, Some(&state), at("2026-11-20T11:30:00Z")).is_ok());
        assert!(guard(&config, None, at("1970-01-01T00:00:00Z")).is_ok());
        let e = guard(&config, Some(&state), at("2026-11-01T00:00:00Z")).unwrap_err();
        assert!(
            e.to_string().starts_with("refusing to build: the clock says 2026-11-01T00:00:00+00:00, earlier than 2026-11-20T12:00:00+00:00"),
            "{e}"
        );
    }

    /// Accepted once, a clock that was ahead leaves no time later than now in the state: the
    /// next build is not refused again (it was, on every run, until the clock caught up).
    #[test]
    fn a_clock_that_was_ahead_is_put_right_once_accepted() {
        let (config, ahead) = (config(), state("2030-01-01T00:00:00Z"));
        let now = at("2026-03-01T00:00:00Z");
        assert!(guard(&config, Some(&ahead), now).is_err());
        let (fixed, note, moved) = accept(&ahead, now).unwrap();
        assert_eq!(moved.len(), 1);
        assert_eq!(
            (fixed.entries[0].date, fixed.entries[0].first_seen),
            (now, now)
        );
        assert_eq!(&*fixed.entries[0].id, "urn:x:1");
        assert!(guard(&config, Some(&fixed), now).is_ok());
        assert_eq!(
            note.0,
            "the state file recorded times up to 2030-01-01T00:00:00+00:00, later than now (2026-03-01T00:00:00+00:00): taken as a clock that was ahead (--allow-drop), they are set to now (1 entry dated by it is dated now)"
        );
        // The previous state itself is left as it was (its text is reused by address).
        assert_eq!(ahead.entries[0].first_seen, at("2030-01-01T00:00:00Z"));
        // Within the slack nothing moves.
        assert!(accept(&state("2026-03-01T00:30:00Z"), now).is_none());
    }

    #[test]
    fn published_sources_are_the_records_not_gone() {
        let mut s = state("2026-01-01T00:00:00Z");
        let mut gone = (*s.entries[0]).clone();
        gone.source = "content/b.md".into();
        gone.gone = Some(at("2026-02-01T00:00:00Z"));
        s.entries.push(Arc::new(gone));
        let mut published = Published::new(Some(&s));
        assert!(published.contains("content/a.md"));
        assert!(!published.contains("content/b.md"));
        assert!(!Published::new(None).contains("content/a.md"));
    }
}
