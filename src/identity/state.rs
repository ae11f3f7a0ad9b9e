//! The state file: for every entry ever published, its id, source, dates and fingerprint.
//! Plain TOML, sorted, so it can be read, diffed and committed with the content. A file that
//! cannot be parsed is an error and is never overwritten.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Error, Result};

pub(super) const STATE_VERSION: u32 = 1;

pub(super) const HEADER: &str = "\
# feedwright state: the id and dates of every entry ever published.
# Commit it with your content. Edit only to pin an id on purpose, then delete the
# integrity line below (it is written again on the next build); see the README.
";

/// Starts the line after [`HEADER`] that records how many records were written and a digest of
/// everything after it: a file cut at a record boundary still parses, and would otherwise
/// hand its missing entries new ids and dates.
pub(super) const INTEGRITY: &str = "# integrity: ";

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
    /// Shared with the state a build starts from: a build changes a few records of thousands,
    /// and copies only those (`Arc::make_mut`); the others stay one allocation, and compare
    /// equal by address.
    #[serde(default, rename = "entry", skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<Arc<Record>>,
    /// Read from a file without the integrity line (written before it existed). Part of the
    /// equality on purpose: such a state differs from the one a build makes of it, so the
    /// build writes it, with the line, however little changed.
    #[serde(skip)]
    pub unsealed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Boxed, not a `String`: 160 bytes a record, not 192, with 100,000 of them.
    pub id: Box<str>,
    /// Shared with every record of the feed (and each entry's feed name).
    pub feed: Arc<str>,
    /// Shared with the entry of the file, and the scan's name for it.
    pub source: Arc<str>,
    /// Shared with the entry.
    pub title: Arc<str>,
    /// The publication date in use (the `date` key, or the first time it was seen).
    pub date: DateTime<FixedOffset>,
    pub first_seen: DateTime<FixedOffset>,
    /// Shared with the entry.
    pub fingerprint: Arc<str>,
    /// When a change of content was first seen; absent while unchanged since first seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<DateTime<FixedOffset>>,
    /// When the source was found missing; its id stays reserved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gone: Option<DateTime<FixedOffset>>,
}

/// The line that starts each record, as [`State::to_toml`] writes it.
const RECORD_START: &str = "\n[[entry]]\n";

/// `text` parsed one record at a time, on every core: the state of a large site is thousands
/// of records, and parsed whole it took a core and fifteen times its size in memory for as
/// long as the sources took to read. `None` when the text is not laid out as this program
/// writes it (edited by hand into another valid layout, or not valid at all): the caller then
/// parses it whole, which also gives an error its line.
fn by_record(text: &str) -> Option<State> {
    // A multi-line string could hold a line that looks like a record's start.
    if text.contains("\"\"\"") || text.contains("\'\'\'") {
        return None;
    }
    let mut parts = text.split(RECORD_START);
    let mut state: State = toml::from_str(parts.next()?).ok()?;
    if !state.entries.is_empty() {
        return None;
    }
    let records: Vec<&str> = parts.collect();
    state.entries = records
        .par_iter()
        .map(|record| toml::from_str::<Record>(record).ok().map(Arc::new))
        .collect::<Option<Vec<_>>>()?;
    Some(state)
}

/// Each feed's name held once for all its records (parsed, each record had its own copy).
fn share_feed_names(records: &mut [Arc<Record>]) {
    let mut names: Vec<Arc<str>> = Vec::new();
    for r in records {
        match names.iter().find(|n| **n == r.feed) {
            Some(name) if !Arc::ptr_eq(name, &r.feed) => {
                let name = Arc::clone(name);
                Arc::make_mut(r).feed = name;
            }
            Some(_) => {}
            None => names.push(Arc::clone(&r.feed)),
        }
    }
}

impl State {
    pub fn new(site_id: String) -> Self {
        State {
            version: STATE_VERSION,
            site_id,
            podcast_guids: BTreeMap::new(),
            media_lengths: BTreeMap::new(),
            entries: Vec::new(),
            unsealed: false,
        }
    }

    pub fn parse(text: &str, path: &Path) -> Result<State> {
        let parsed = match by_record(text) {
            Some(state) => Ok(state),
            None => toml::from_str(text),
        };
        let mut state: State = parsed.map_err(|e| {
            let line = e.span().map(|s| crate::config::line_of(text, s.start));
            let message = e.message().trim();
            // The date parser's words do not say what a date looks like here.
            let date = ["RFC 3339", "input contains invalid characters", "premature end of input", "input is out of range", "input is not enough"]
                .iter()
                .any(|w| message.contains(w));
            let hint = if date {
                ": a date here is quoted RFC 3339, like date = \"2026-11-25T09:00:00Z\""
            } else {
                ""
            };
            Error::State(Diagnostic::new(
                path,
                line,
                format!(
                    "the state file cannot be read ({message}{hint}); it was left untouched: fix it by hand or restore it from version control"
                ),
            ))
        })?;
        state.unsealed = !check_integrity(text, &state, path)?;
        super::state_checks::records(text, &state, path)?;
        share_feed_names(&mut state.entries);
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
}

/// The first 16 hex digits of the BLAKE3 hash of `body`, carriage returns left out so a
/// checkout that turned line ends into CRLF still matches.
pub(super) fn digest<'a>(body: impl IntoIterator<Item = &'a str>) -> String {
    let mut digest = BodyDigest::new();
    body.into_iter().for_each(|part| digest.update(part));
    digest.finish()
}

/// [`digest`] of a text given in parts.
pub(super) struct BodyDigest(blake3::Hasher);

impl BodyDigest {
    pub(super) fn new() -> BodyDigest {
        BodyDigest(blake3::Hasher::new())
    }

    pub(super) fn update(&mut self, part: &str) {
        let bytes = part.as_bytes();
        // Carriage returns found with `memchr`: a byte-by-byte split of a large state took
        // milliseconds.
        let mut from = 0;
        for at in memchr::memchr_iter(b'\r', bytes) {
            self.0.update(&bytes[from..at]);
            from = at + 1;
        }
        self.0.update(&bytes[from..]);
    }

    pub(super) fn finish(self) -> String {
        self.0.finalize().to_hex()[..16].to_string()
    }
}

/// The recorded record count and digest, and the text they cover; `None` for a file written
/// before the integrity line existed (accepted, and given the line when next written).
pub(super) fn recorded_integrity(text: &str) -> Option<(&str, &str, usize)> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if !line.starts_with('#') {
            return None;
        }
        at += line.len();
        if let Some(rest) = line.strip_prefix(INTEGRITY) {
            let (count, hash) = rest.trim_end().split_once(" records, blake3 ")?;
            return Some((count, hash, at));
        }
    }
    None
}

/// Refuses a state file whose records are not those that were written: fewer (cut short at a
/// record boundary, where it still parses) or changed. `Ok(false)` when the file has no
/// integrity line to check.
fn check_integrity(text: &str, state: &State, path: &Path) -> Result<bool> {
    let Some((count, hash, at)) = recorded_integrity(text) else {
        return Ok(false);
    };
    if digest([&text[at..]]) == hash {
        return Ok(true);
    }
    let found = state.entries.len();
    let line = crate::config::line_of(text, at.saturating_sub(1));
    let what = if count.parse() == Ok(found) {
        format!(
            "its {found} records are not the ones feedwright wrote (the integrity line does not match)"
        )
    } else {
        format!(
            "it holds {found} records but was written with {count}: it was cut short or records were removed"
        )
    };
    Err(Error::State(Diagnostic::new(
        path,
        Some(line),
        format!(
            "the state file cannot be trusted: {what}; it was left untouched: restore it from version control or a backup (entries missing from it would get new ids and dates). If you edited it by hand on purpose, delete this `# integrity:` line and build again"
        ),
    )))
}

/// The largest state file read: a record is a few hundred bytes, so this is a million entries
/// and more. Parsing takes a few times the file's size in memory; a larger file is damaged (a
/// line of hundreds of megabytes) or not a state.
const MAX_STATE_BYTES: u64 = 256 << 20;

/// The bytes of the state file; `Ok(None)` when it does not exist yet. Only a regular file of
/// at most [`MAX_STATE_BYTES`] is read.
pub fn read_state_bytes(path: &Path) -> Result<Option<Vec<u8>>> {
    use crate::small_file::{Refusal, read};
    let refused = |why: String| {
        Error::State(Diagnostic::new(
            path,
            None,
            format!(
                "{why}; it was left untouched: restore it from version control (or delete it, and read what that loses in the README)"
            ),
        ))
    };
    match read(path, MAX_STATE_BYTES) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(Refusal::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(Refusal::Io(e)) => Err(Error::io(path, "reading the state file", e)),
        Err(Refusal::NotRegular(what)) => {
            Err(refused(format!("the state file is {what}, not a file")))
        }
        Err(Refusal::TooBig(len)) => Err(refused(format!(
            "the state file is {} MB, more than the {} MB a state of a million entries takes: it is damaged, or not a state file",
            len >> 20,
            MAX_STATE_BYTES >> 20
        ))),
    }
}

/// Reads the state file; `Ok(None)` when it does not exist yet.
pub fn load_state(path: &Path) -> Result<Option<State>> {
    let Some(bytes) = read_state_bytes(path)? else {
        return Ok(None);
    };
    match String::from_utf8(bytes) {
        Ok(text) => State::parse(&text, path).map(Some),
        Err(_) => Err(Error::State(Diagnostic::new(
            path,
            None,
            "the state file is not valid UTF-8; it was left untouched: restore it from version control",
        ))),
    }
}

/// Writes the state atomically, only when its text changed. Returns whether it wrote.
pub fn save_state(path: &Path, state: &State) -> Result<bool> {
    crate::output::write_if_changed(path, state.to_toml().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::state_text::integrity_line;

    #[test]
    fn round_trip_and_sorted() {
        let d = DateTime::parse_from_rfc3339("2024-05-01T10:00:00+02:00").unwrap();
        let rec = |source: &str| Record {
            id: format!("urn:x:{source}").into(),
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
        s.entries = vec![Arc::new(rec("b.md")), Arc::new(rec("a.md"))];
        let text = s.to_toml();
        assert!(text.find("a.md").unwrap() < text.find("b.md").unwrap());
        let back = State::parse(&text, Path::new("s.toml")).unwrap();
        assert_eq!(&*back.entries[0].source, "a.md");
        assert_eq!(back.entries[0].date, d);
    }

    #[test]
    fn corrupt_state_names_file_and_line() {
        let e = State::parse("version = 1\nsite_id = \n", Path::new("/x/state.toml")).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("/x/state.toml:2"), "{msg}");
        assert!(msg.contains("left untouched"));
    }

    /// A state with what a record can hold: quotes, a record-start look-alike in a title,
    /// non-ASCII, optional dates, and the tables before the records; with `lines`, titles with
    /// line breaks (written as multi-line strings).
    fn varied(lines: bool) -> State {
        let d = DateTime::parse_from_rfc3339("2024-05-01T10:00:00+02:00").unwrap();
        let mut s = State::new("tag:example.com,2026:".into());
        s.podcast_guids.insert("show".into(), "a-guid".into());
        s.media_lengths
            .insert("https://cdn.example/1.mp3".into(), 1234);
        s.entries = (0..40)
            .map(|i| Record {
                id: format!("urn:x:{i}").into(),
                feed: if i % 3 == 0 { "notes" } else { "reviews" }.into(),
                source: format!("content/{i}.md").into(),
                title: match i % 4 {
                    0 => format!("Say \"{i}\" — “quoted”").into(),
                    1 if lines => format!("Title\n[[entry]]\nid = \"{i}\"").into(),
                    1 => format!("Title [[entry]] id = \"{i}\"").into(),
                    2 => format!("Été {i} 'single'").into(),
                    _ => format!("Plain {i}").into(),
                },
                date: d,
                first_seen: d,
                fingerprint: format!("{i:032x}").into(),
                changed: (i % 5 == 0).then_some(d),
                gone: (i % 7 == 0).then_some(d),
            })
            .map(Arc::new)
            .collect();
        s
    }

    #[test]
    fn records_written_one_by_one_are_the_state_written_whole() {
        for lines in [false, true] {
            for records in [0, 1, 40] {
                let mut state = varied(lines);
                state.entries.truncate(records);
                let mut sorted = state.clone();
                sorted
                    .entries
                    .sort_by(|a, b| (&a.feed, &a.source, &a.id).cmp(&(&b.feed, &b.source, &b.id)));
                let whole = toml::to_string(&sorted).unwrap();
                let line = integrity_line(records, &digest([format!("\n{whole}").as_str()]));
                assert_eq!(
                    state.to_toml(),
                    format!("{HEADER}{line}\n{whole}"),
                    "{records} records"
                );
                state.podcast_guids.clear();
                state.media_lengths.clear();
                sorted.podcast_guids.clear();
                sorted.media_lengths.clear();
                let whole = toml::to_string(&sorted).unwrap();
                let line = integrity_line(records, &digest([format!("\n{whole}").as_str()]));
                assert_eq!(
                    state.to_toml(),
                    format!("{HEADER}{line}\n{whole}"),
                    "no tables"
                );
            }
        }
    }

    #[test]
    fn records_parsed_one_by_one_are_the_state_parsed_whole() {
        let state = varied(false);
        let text = state.to_toml();
        let whole: State = toml::from_str(&text).unwrap();
        assert_eq!(by_record(&text), Some(whole.clone()));
        let parsed = State::parse(&text, Path::new("s.toml")).unwrap();
        assert_eq!(parsed, whole);
        // Each feed's name is held once, whatever its records' order.
        let names: Vec<*const u8> = parsed.entries.iter().map(|r| r.feed.as_ptr()).collect();
        let mut distinct = names.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 2, "{names:?}");
        let mut sorted = state;
        sorted
            .entries
            .sort_by(|a, b| (&a.feed, &a.source, &a.id).cmp(&(&b.feed, &b.source, &b.id)));
        assert_eq!(whole, sorted);
    }

    #[test]
    fn a_state_laid_out_another_way_is_parsed_whole() {
        let text = varied(false).to_toml();
        let whole: State = toml::from_str(&text).unwrap();
        // Line ends of another system, a table moved after the records.
        let crlf = text.replace('\n', "\r\n");
        let table_at_end = format!(
            "version = 1\nsite_id = \"tag:example.com,2026:\"\n{}\n[podcast_guids]\nshow = \"a-guid\"\n",
            &text[text.find("[media_lengths]").unwrap()..]
                .replace("\n[podcast_guids]\nshow = \"a-guid\"\n", "\n")
        );
        for (other, unsealed) in [(crlf, false), (table_at_end, true)] {
            assert_eq!(by_record(&other), None);
            let back = State::parse(&other, Path::new("s.toml")).unwrap();
            assert_eq!(back.unsealed, unsealed);
            assert_eq!(back.entries, whole.entries);
        }
        let lines = varied(true).to_toml();
        assert_eq!(by_record(&lines), None);
        let back = State::parse(&lines, Path::new("s.toml")).unwrap();
        assert_eq!(back, toml::from_str::<State>(&lines).unwrap());
        assert!(
            back.entries
                .iter()
                .any(|r| r.title.contains("\n[[entry]]\n"))
        );
        let broken = text.replacen("fingerprint = ", "fingerprint = = ", 1);
        let e = State::parse(&broken, Path::new("/x/state.toml")).unwrap_err();
        assert!(
            e.to_string().contains("/x/state.toml:"),
            "the line is named: {e}"
        );
    }

    #[test]
    fn a_state_cut_at_a_record_boundary_is_refused() {
        let text = varied(false).to_toml();
        assert!(
            text.contains("\n# integrity: 40 records, blake3 "),
            "{text}"
        );
        let cut = &text[..text.rfind("\n[[entry]]\n").unwrap() + 1];
        let e = State::parse(cut, Path::new("/x/state.toml")).unwrap_err();
        assert!(matches!(e, Error::State(_)));
        assert_eq!(
            e.to_string(),
            "/x/state.toml:4: the state file cannot be trusted: it holds 39 records but was written with 40: it was cut short or records were removed; it was left untouched: restore it from version control or a backup (entries missing from it would get new ids and dates). If you edited it by hand on purpose, delete this `# integrity:` line and build again"
        );
        // A record's optional `gone` line lost: the count matches, the digest does not.
        let at = text.find("\ngone = ").unwrap() + 1;
        let end = at + text[at..].find('\n').unwrap() + 1;
        let lost = format!("{}{}", &text[..at], &text[end..]);
        let e = State::parse(&lost, Path::new("/x/state.toml")).unwrap_err();
        assert!(
            e.to_string()
                .contains("its 40 records are not the ones feedwright wrote"),
            "{e}"
        );
    }

    #[test]
    fn a_state_without_integrity_line_is_read_and_gets_one() {
        let text = varied(false).to_toml();
        let at = text.find(INTEGRITY).unwrap();
        let end = at + text[at..].find('\n').unwrap() + 1;
        let old = format!("{}{}", &text[..at], &text[end..]);
        let back = State::parse(&old, Path::new("s.toml")).unwrap();
        assert!(back.unsealed);
        assert_eq!(back.to_toml(), text);
        // Line ends turned into CRLF by a checkout still match.
        let crlf = text.replace('\n', "\r\n");
        let crlf = State::parse(&crlf, Path::new("s.toml")).unwrap();
        assert!(!crlf.unsealed);
        assert_eq!(crlf.entries, back.entries);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Any text in a record's fields (quotes, brackets, line breaks, a record start, other
        /// scripts) survives writing and reading, and reading a record at a time, when it
        /// applies, gives what reading the whole text gives.
        #[test]
        fn any_record_text_round_trips(
            fields in proptest::collection::vec(
                ("[a-z]{1,8}", "\\PC{0,24}", "(\\PC|\n|\\[|\\]|\"|'){0,40}"),
                0..12,
            )
        ) {
            let d = DateTime::parse_from_rfc3339("2024-05-01T10:00:00+02:00").unwrap();
            let mut state = State::new("tag:example.com,2026:".into());
            state.entries = fields
                .into_iter()
                .enumerate()
                .map(|(i, (feed, source, title))| Record {
                    id: format!("urn:x:{i}").into(),
                    feed: feed.into(),
                    source: format!("{source}{i}").into(),
                    title: title.into(),
                    date: d,
                    first_seen: d,
                    fingerprint: format!("{i:032x}").into(),
                    changed: None,
                    gone: None,
                })
                .map(Arc::new)
                .collect();
            let text = state.to_toml();
            let whole: State = toml::from_str(&text).unwrap();
            if let Some(by_record) = by_record(&text) {
                proptest::prop_assert_eq!(&by_record, &whole);
            }
            let back = State::parse(&text, Path::new("s.toml")).unwrap();
            proptest::prop_assert_eq!(back.entries.len(), state.entries.len());
            for r in &state.entries {
                proptest::prop_assert!(back.entries.contains(r));
            }
        }
    }
}
