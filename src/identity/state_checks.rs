//! What a state file's records must be beyond their TOML types: one live record a file, and
//! ids and dates that a feed can carry. The state is hand-editable (to pin an id), merged by
//! git, restored from backups: what it says goes into every feed, so it is checked as a
//! source is.

use std::path::Path;

use super::state::State;
use crate::content::MAX_ID;
use crate::error::{Diagnostic, Error, Result};

/// Every check of the records of `state`, parsed from `text` (read from `path`).
pub(super) fn records(text: &str, state: &State, path: &Path) -> Result<()> {
    one_live_record_per_source(text, state, path)?;
    ids_and_dates(text, state, path)
}

/// An id no feed could carry, or a date no feed could write (year 0, a leap second), refused
/// at its record's line rather than published (or failing the output check without naming the
/// state file).
fn ids_and_dates(text: &str, state: &State, path: &Path) -> Result<()> {
    for (k, r) in state.entries.iter().enumerate() {
        let id_problem = if r.id.trim().is_empty() {
            Some("is empty".to_string())
        } else if r.id.len() > MAX_ID {
            Some(format!(
                "is {} bytes, more than the {MAX_ID} an id may have",
                r.id.len()
            ))
        } else if r.id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Some("has spaces or control characters".to_string())
        } else {
            None
        };
        let dates = [
            ("date", Some(r.date)),
            ("first_seen", Some(r.first_seen)),
            ("changed", r.changed),
            ("gone", r.gone),
        ];
        let date_problem = dates.iter().find_map(|(key, d)| {
            let why = crate::content::date::unpublishable((*d)?)?;
            Some(format!("its `{key}` {why}"))
        });
        let Some(problem) = id_problem.map(|p| format!("its id {p}")).or(date_problem) else {
            continue;
        };
        return Err(Error::State(Diagnostic::new(
            path,
            record_lines(text).get(k).copied(),
            format!(
                "the record for {} cannot be published: {problem}; it was left untouched: write what the feeds published (or restore the state file from version control){}",
                crate::error::written_out(&r.source, false),
                sealed_hint(text, " and delete this file's `# integrity:` line")
            ),
        )));
    }
    Ok(())
}

/// Refuses two records of files that are there for one source (a merge of two machines'
/// states, a record pasted twice): one would win silently and its id replace the published
/// one. A gone record may share its source with a live one (another file saved under a
/// removed one's name gets its own id).
fn one_live_record_per_source(text: &str, state: &State, path: &Path) -> Result<()> {
    let mut seen: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
    for (k, r) in state.entries.iter().enumerate() {
        if r.gone.is_some() {
            continue;
        }
        let Some(first) = seen.insert(&r.source, k) else {
            continue;
        };
        let starts = record_lines(text);
        let line = |i: usize| starts.get(i).map_or("?".to_string(), |l| l.to_string());
        let other = &state.entries[first];
        return Err(Error::State(Diagnostic::new(
            path,
            starts.get(k).copied(),
            format!(
                "the records at lines {} and {} are both for {} (ids `{}` and `{}`), and a file has one: delete the record whose id your feeds did not publish{}, or restore the state file from version control; it was left untouched",
                line(first),
                line(k),
                r.source,
                other.id,
                r.id,
                sealed_hint(text, ", and this file's `# integrity:` line")
            ),
        )));
    }
    Ok(())
}

/// `hint` (to delete the integrity line after an edit) for a file that has one.
fn sealed_hint<'h>(text: &str, hint: &'h str) -> &'h str {
    if text.contains(super::state::INTEGRITY) {
        hint
    } else {
        ""
    }
}

/// The line each record starts on (its `[[entry]]`), in the file's order.
fn record_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t: String = l.chars().filter(|c| !c.is_whitespace()).collect();
            t.starts_with("[[entry]]")
        })
        .map(|(i, _)| i + 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Audit: two records of one file (a merge of two machines' states) built with exit 0,
    /// and the second one's id replaced the published one.
    #[test]
    fn two_live_records_of_one_file_are_refused() {
        let record = |id: &str, gone: &str| {
            format!(
                "\n[[entry]]\nid = \"{id}\"\nfeed = \"r\"\nsource = \"a.md\"\ntitle = \"A\"\ndate = \"2026-01-01T00:00:00Z\"\nfirst_seen = \"2026-01-01T00:00:00Z\"\nfingerprint = \"ab\"\n{gone}"
            )
        };
        let head = "version = 1\nsite_id = \"tag:x,2026:\"\n";
        let gone = "gone = \"2026-02-01T00:00:00Z\"\n";
        let text = format!("{head}{}{}", record("one", ""), record("two", ""));
        let e = State::parse(&text, Path::new("s.toml"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "s.toml:13: the records at lines 4 and 13 are both for a.md (ids `one` and `two`), and a file has one: delete the record whose id your feeds did not publish, or restore the state file from version control; it was left untouched"
        );
        // A gone record and the file saved again under its name: two records, by design.
        let text = format!("{head}{}{}", record("one", gone), record("two", ""));
        assert_eq!(
            State::parse(&text, Path::new("s.toml"))
                .unwrap()
                .entries
                .len(),
            2
        );
    }

    /// Audit: an empty, huge or spaced id, and dates no feed can write (year 0, a leap
    /// second) went from a hand-edited state into the feeds.
    #[test]
    fn ids_and_dates_no_feed_can_carry_are_refused() {
        let head = "version = 1\nsite_id = \"tag:x,2026:\"\n";
        let long = "x".repeat(3000);
        for (id, date, why) in [
            ("", "2026-01-01T00:00:00Z", "its id is empty"),
            ("  ", "2026-01-01T00:00:00Z", "its id is empty"),
            (
                long.as_str(),
                "2026-01-01T00:00:00Z",
                "its id is 3000 bytes, more than the 2048 an id may have",
            ),
            (
                "a b",
                "2026-01-01T00:00:00Z",
                "its id has spaces or control characters",
            ),
            (
                "a\\u0001b",
                "2026-01-01T00:00:00Z",
                "its id has spaces or control characters",
            ),
            (
                "ok",
                "0000-01-01T00:00:00Z",
                "its `date` is outside 0001-01-02 to 9999-12-30 (UTC)",
            ),
            (
                "ok",
                "2026-11-02T10:00:60Z",
                "its `date` has second 60 (a leap second)",
            ),
        ] {
            let text = format!(
                "{head}\n[[entry]]\nid = \"{id}\"\nfeed = \"r\"\nsource = \"a.md\"\ntitle = \"A\"\ndate = \"{date}\"\nfirst_seen = \"2026-01-01T00:00:00Z\"\nfingerprint = \"ab\"\n"
            );
            let e = State::parse(&text, Path::new("s.toml"))
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with(&format!(
                    "s.toml:4: the record for a.md cannot be published: {why}"
                )),
                "{id:?} {date}: {e}"
            );
            // The file has no integrity line: none to delete.
            assert!(
                e.ends_with("(or restore the state file from version control)"),
                "{e}"
            );
        }
    }
}
