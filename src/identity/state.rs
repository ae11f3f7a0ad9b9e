//! The state file: for every entry ever published, its id, source, dates and fingerprint.
//! Plain TOML, sorted, so it can be read, diffed and committed with the content. A file that
//! cannot be parsed is an error and is never overwritten.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Error, Result};

pub const STATE_VERSION: u32 = 1;

const HEADER: &str = "\
# feedwright state: the id and dates of every entry ever published.
# Commit it with your content. Edit only to pin an id on purpose; see the README.
";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub version: u32,
    /// The site id in effect at the first build.
    pub site_id: String,
    /// `podcast:guid` of each podcast feed, computed once and kept (R68).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub podcast_guids: BTreeMap<String, String>,
    /// Byte lengths of remote audio files, learned with HEAD requests.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub media_lengths: BTreeMap<String, u64>,
    #[serde(default, rename = "entry", skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<Record>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub id: String,
    pub feed: String,
    pub source: String,
    pub title: String,
    /// The publication date in use (the `date` key, or the first time it was seen).
    pub date: DateTime<FixedOffset>,
    pub first_seen: DateTime<FixedOffset>,
    pub fingerprint: String,
    /// When a change of content was first seen; absent while unchanged since first seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<DateTime<FixedOffset>>,
    /// When the source was found missing; its id stays reserved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gone: Option<DateTime<FixedOffset>>,
}

impl State {
    pub fn new(site_id: String) -> Self {
        State {
            version: STATE_VERSION,
            site_id,
            podcast_guids: BTreeMap::new(),
            media_lengths: BTreeMap::new(),
            entries: Vec::new(),
        }
    }

    pub fn parse(text: &str, path: &Path) -> Result<State> {
        let state: State = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| crate::config::line_of(text, s.start));
            Error::State(Diagnostic::new(
                path,
                line,
                format!(
                    "the state file cannot be read ({}); it was left untouched: fix it by hand or restore it from version control",
                    e.message().trim()
                ),
            ))
        })?;
        if state.version != STATE_VERSION {
            return Err(Error::State(Diagnostic::new(
                path,
                None,
                format!(
                    "state file version {} is not supported by this feedwright (expects {STATE_VERSION})",
                    state.version
                ),
            )));
        }
        Ok(state)
    }

    /// Deterministic text: records sorted by feed then source.
    pub fn to_toml(&self) -> String {
        let mut sorted = self.clone();
        sorted
            .entries
            .sort_by(|a, b| (&a.feed, &a.source, &a.id).cmp(&(&b.feed, &b.source, &b.id)));
        let body = toml::to_string(&sorted).expect("state serialises to TOML");
        format!("{HEADER}\n{body}")
    }
}

/// Reads the state file; `Ok(None)` when it does not exist yet.
pub fn load_state(path: &Path) -> Result<Option<State>> {
    match std::fs::read_to_string(path) {
        Ok(text) => State::parse(&text, path).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            Err(Error::State(Diagnostic::new(
                path,
                None,
                "the state file is not valid UTF-8; it was left untouched: restore it from version control",
            )))
        }
        Err(e) => Err(Error::io(path, "reading the state file", e)),
    }
}

/// Writes the state atomically, only when its text changed. Returns whether it wrote.
pub fn save_state(path: &Path, state: &State) -> Result<bool> {
    crate::output::write_if_changed(path, state.to_toml().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_sorted() {
        let d = DateTime::parse_from_rfc3339("2024-05-01T10:00:00+02:00").unwrap();
        let rec = |source: &str| Record {
            id: format!("urn:x:{source}"),
            feed: "reviews".into(),
            source: source.into(),
            title: "T".into(),
            date: d,
            first_seen: d,
            fingerprint: "ab".into(),
            changed: None,
            gone: None,
        };
        let mut s = State::new("tag:example.com,2026:".into());
        s.entries = vec![rec("b.md"), rec("a.md")];
        let text = s.to_toml();
        assert!(text.find("a.md").unwrap() < text.find("b.md").unwrap());
        let back = State::parse(&text, Path::new("s.toml")).unwrap();
        assert_eq!(back.entries[0].source, "a.md");
        assert_eq!(back.entries[0].date, d);
    }

    #[test]
    fn corrupt_state_names_file_and_line() {
        let e = State::parse("version = 1\nsite_id = \n", Path::new("/x/state.toml")).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("/x/state.toml:2"), "{msg}");
        assert!(msg.contains("left untouched"));
    }
}
