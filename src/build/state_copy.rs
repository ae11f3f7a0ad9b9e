//! A binary copy of the state file as the last build wrote it, kept in the content cache's
//! side file (see [`super::reuse`]): parsing thousands of records from TOML, and writing them
//! back, was most of the cost of a build after one new review.
//!
//! The copy names the state file by the BLAKE3 digest of its bytes: it is used only while the
//! file holds exactly the bytes it was made from, so an edit by hand, a checkout or a restore
//! from backup is parsed from the TOML as before. The copy also says where each record's TOML
//! text is in the file, so that the next state written serializes only the records that
//! changed.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::reuse::{Instant, date_of};
use crate::error::{Error, Result};
use crate::identity::{Record, State, Written};

/// One record, its dates as numbers.
#[derive(Serialize, Deserialize)]
struct RecordCopy<S> {
    id: S,
    feed: S,
    source: S,
    title: S,
    date: Instant,
    first_seen: Instant,
    fingerprint: S,
    changed: Option<Instant>,
    gone: Option<Instant>,
}

/// The whole copy as written (read back as [`CopyIn`], the same fields in the same order).
#[derive(Serialize)]
struct Copy<'a> {
    /// The BLAKE3 digest of the state file's bytes.
    digest: [u8; 32],
    version: u32,
    site_id: &'a str,
    podcast_guids: BTreeMap<&'a str, &'a str>,
    media_lengths: BTreeMap<&'a str, u64>,
    records: RecordsOut<'a>,
    /// Where each record's text is in the file (start, length), in the records' order.
    texts: TextsOut<'a>,
}

/// The state's records in the order they were written, each encoded as it is reached: listed
/// first, they were a second list of every record (16 MB at 100,000) while the state file was
/// being written.
struct RecordsOut<'a> {
    entries: &'a [std::sync::Arc<Record>],
    order: &'a [usize],
}

impl Serialize for RecordsOut<'_> {
    fn serialize<Z: serde::Serializer>(&self, out: Z) -> std::result::Result<Z::Ok, Z::Error> {
        use serde::ser::{Error as _, SerializeSeq as _};
        let mut seq = out.serialize_seq(Some(self.order.len()))?;
        for &k in self.order {
            let record = self.entries.get(k).ok_or_else(|| {
                Z::Error::custom("the written order names a record the state does not have")
            })?;
            seq.serialize_element(&record_copy(record))?;
        }
        seq.end()
    }
}

/// A record as the copy keeps it, encoded to `out` (see [`streamed_parts`]).
pub(super) fn encode_record(record: &Record, out: impl std::io::Write) -> Option<()> {
    postcard::to_io(&record_copy(record), out).ok().map(|_| ())
}

/// A record as the copy keeps it.
fn record_copy(record: &Record) -> RecordCopy<&str> {
    // Every field named: a field added to `Record` does not compile here until the copy
    // keeps it.
    let Record {
        id,
        feed,
        source,
        title,
        date,
        first_seen,
        fingerprint,
        changed,
        gone,
    } = record;
    RecordCopy {
        id,
        feed: feed.as_ref(),
        source: source.as_ref(),
        title: title.as_ref(),
        date: Instant::of(date),
        first_seen: Instant::of(first_seen),
        fingerprint: fingerprint.as_ref(),
        changed: changed.as_ref().map(Instant::of),
        gone: gone.as_ref().map(Instant::of),
    }
}

/// Where each record's text is, as (start, length) pairs, each encoded as it is reached.
struct TextsOut<'a>(&'a [std::ops::Range<usize>]);

impl Serialize for TextsOut<'_> {
    fn serialize<Z: serde::Serializer>(&self, out: Z) -> std::result::Result<Z::Ok, Z::Error> {
        out.collect_seq(self.0.iter().map(|r| (r.start as u64, r.len() as u64)))
    }
}

/// What a build keeps of the state file it read or wrote, for the copy it saves.
#[derive(Debug)]
pub struct StateText {
    /// The BLAKE3 digest of the file's bytes.
    pub digest: [u8; 32],
    /// The order in which the state's entries were written (indexes).
    pub order: Vec<usize>,
    /// The file's text, when the state was read (a state just written leaves it out), and
    /// where each record's text is in it, in that order.
    file: String,
    records: Vec<std::ops::Range<usize>>,
}

impl StateText {
    /// What [`State::write_toml`] wrote.
    pub(super) fn written(written: Written) -> StateText {
        StateText {
            digest: written.digest,
            order: written.order,
            file: String::new(),
            records: written.records,
        }
    }

    /// The copy of `state` (the state this text is of) written to the side file begun by
    /// this build, if there is one: by the core that staged the state file, while the feeds
    /// render, straight to the file (held whole, it was a second state in memory).
    pub(super) fn copy_into(&self, state: &State, side: &super::sealing::Begun) {
        super::side_file::put_state(side, &copy(state, self));
    }

    /// Each record's text, in the state's order; empty when not known.
    pub(super) fn records(&self) -> Vec<&str> {
        self.records
            .iter()
            .filter_map(|r| self.file.get(r.clone()))
            .collect()
    }
}

/// The copy of `state` as written to a file of `text`, encoded.
#[cfg(test)]
fn encode(state: &State, text: &StateText) -> Option<Vec<u8>> {
    postcard::to_stdvec(&copy(state, text)).ok()
}

/// The copy of `state` as written to a file of `text`, to be encoded.
fn copy<'a>(state: &'a State, text: &'a StateText) -> Copy<'a> {
    // Every field named: a field added to `State` does not compile here until the copy keeps
    // it (a field added to `Record`: in `record_copy`).
    let State {
        version,
        site_id,
        podcast_guids,
        media_lengths,
        entries,
        unsealed: _,
    } = state;
    Copy {
        digest: text.digest,
        version: *version,
        site_id: site_id.as_str(),
        podcast_guids: borrowed_guids(podcast_guids),
        media_lengths: borrowed_lengths(media_lengths),
        records: RecordsOut {
            entries,
            order: &text.order,
        },
        texts: TextsOut(&text.records),
    }
}

/// The copy of a state whose records were encoded one at a time ([`record_copy`], in the
/// written order) as a first build streamed them (see `super::fresh`), in the two parts that
/// go around those records: the state's tables and the records' count before them, and where
/// each record's text is in the file (`texts`) after them. `tables` is the state without its
/// records; `digest` the BLAKE3 digest of the file's bytes.
pub(super) fn streamed_parts(
    digest: [u8; 32],
    tables: &State,
    records: usize,
    texts: &[(u64, u64)],
) -> Option<(Vec<u8>, Vec<u8>)> {
    let guids = borrowed_guids(&tables.podcast_guids);
    let lengths = borrowed_lengths(&tables.media_lengths);
    // The fields of `Copy` before its records, in its order.
    let head = (
        digest,
        tables.version,
        tables.site_id.as_str(),
        guids,
        lengths,
    );
    let mut before = postcard::to_stdvec(&head).ok()?;
    // A sequence's length, as postcard writes it (a varint, as a `u64`'s).
    before.extend(postcard::to_stdvec(&(records as u64)).ok()?);
    Some((before, postcard::to_stdvec(texts).ok()?))
}

/// The state's podcast guids as the copy keeps them.
fn borrowed_guids(guids: &BTreeMap<String, String>) -> BTreeMap<&str, &str> {
    guids
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// The state's media lengths as the copy keeps them.
fn borrowed_lengths(lengths: &BTreeMap<String, u64>) -> BTreeMap<&str, u64> {
    lengths.iter().map(|(k, v)| (k.as_str(), *v)).collect()
}

/// The state file at `path` (`None` when there is none), from `copy` when it was made from
/// exactly these bytes, else parsed; with each record's text when it came from the copy.
pub(super) fn load(path: &Path, copy: Option<&[u8]>) -> Result<(Option<State>, Option<StateText>)> {
    let Some(bytes) = crate::identity::read_state_bytes(path)? else {
        return Ok((None, None));
    };
    let digest = *blake3::hash(&bytes).as_bytes();
    if let Some((state, records)) = copy.and_then(|c| decode(c, &digest)) {
        // The file is the one written with the copy: its records' texts are where they were
        // written.
        let text = String::from_utf8(bytes).ok().map(|file| StateText {
            digest,
            order: (0..records.len()).collect(),
            file,
            records,
        });
        return Ok((Some(state), text));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::State(crate::error::Diagnostic::new(
            path,
            None,
            "the state file is not valid UTF-8; it was left untouched: restore it from version control",
        ))
    })?;
    Ok((Some(State::parse(&text, path)?), None))
}

/// The state the last build wrote, from its copy, whatever the state file now holds: what a
/// state put back (or deleted) is checked against, when the copy is there.
pub(super) fn last_written(copy: &[u8]) -> Option<State> {
    postcard::from_bytes::<CopyIn>(copy)
        .ok()
        .map(CopyIn::into_state)
}

/// The copy as read: [`Copy`] with its records made [`Record`]s as they are decoded.
#[derive(Deserialize)]
struct CopyIn {
    digest: [u8; 32],
    version: u32,
    site_id: String,
    podcast_guids: BTreeMap<String, String>,
    media_lengths: BTreeMap<String, u64>,
    records: RecordsIn,
    texts: Vec<(u64, u64)>,
}

/// The records of a copy, each made a [`Record`] as it is decoded: decoded whole first, they
/// were a second list of thousands, made only to be moved into the first.
struct RecordsIn(Vec<Record>);

impl<'de> Deserialize<'de> for RecordsIn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = RecordsIn;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("the state copy's records")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<RecordsIn, A::Error> {
                use serde::de::Error as _;
                // The length is the file's word: bounded, so a damaged one cannot ask for more.
                let mut records = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
                // One feed name for all its records (they come feed after feed).
                let mut feed: std::sync::Arc<str> = std::sync::Arc::from("");
                while let Some(r) = seq.next_element::<RecordCopy<&'de str>>()? {
                    let bad = || A::Error::custom("a date that is not one");
                    if *feed != *r.feed {
                        feed = r.feed.into();
                    }
                    records.push(Record {
                        id: r.id.into(),
                        feed: std::sync::Arc::clone(&feed),
                        source: r.source.into(),
                        title: r.title.into(),
                        date: r.date.date().ok_or_else(bad)?,
                        first_seen: r.first_seen.date().ok_or_else(bad)?,
                        fingerprint: r.fingerprint.into(),
                        changed: date_of(r.changed).ok_or_else(bad)?,
                        gone: date_of(r.gone).ok_or_else(bad)?,
                    });
                }
                Ok(RecordsIn(records))
            }
        }
        d.deserialize_seq(Visit)
    }
}

/// The state the copy holds, when it was made from a file with this `digest`, and where each
/// record's text is in that file.
fn decode(bytes: &[u8], digest: &[u8; 32]) -> Option<(State, Vec<std::ops::Range<usize>>)> {
    let copy: CopyIn = postcard::from_bytes(bytes).ok()?;
    if &copy.digest != digest || copy.texts.len() != copy.records.0.len() {
        return None;
    }
    let texts = copy
        .texts
        .iter()
        .map(|&(start, len)| {
            let start = usize::try_from(start).ok()?;
            Some(start..start.checked_add(usize::try_from(len).ok()?)?)
        })
        .collect::<Option<Vec<_>>>()?;
    Some((copy.into_state(), texts))
}

impl CopyIn {
    /// The state the copy holds.
    fn into_state(self) -> State {
        State {
            version: self.version,
            site_id: self.site_id,
            podcast_guids: self.podcast_guids,
            media_lengths: self.media_lengths,
            entries: self
                .records
                .0
                .into_iter()
                .map(std::sync::Arc::new)
                .collect(),
            unsealed: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    /// The whole text written for `s` from scratch, as given in parts, and what is kept of it.
    fn written_whole(s: &State) -> (String, StateText) {
        let mut text = String::new();
        let written = s.write_toml(None, |part| {
            text.push_str(part);
            Ok::<(), ()>(())
        });
        let written = StateText::written(written.unwrap());
        assert_eq!(written.digest, *blake3::hash(text.as_bytes()).as_bytes());
        (text, written)
    }

    fn state(titles: &[&str]) -> State {
        let d = DateTime::parse_from_rfc3339("2024-05-01T10:00:00.25+02:00").unwrap();
        let mut s = State::new("tag:example.com,2026:".into());
        s.podcast_guids.insert("show".into(), "a-guid".into());
        s.media_lengths
            .insert("https://cdn.example/1.mp3".into(), 42);
        s.entries = titles
            .iter()
            .enumerate()
            .map(|(k, t)| Record {
                id: format!("urn:x:{k}").into(),
                feed: "reviews".into(),
                source: format!("content/{}.md", 9 - k).into(),
                title: (*t).into(),
                date: d,
                first_seen: d,
                fingerprint: "ab".into(),
                changed: (k == 1).then_some(d),
                gone: (k == 2).then_some(d),
            })
            .map(std::sync::Arc::new)
            .collect();
        s
    }

    #[test]
    fn a_copy_given_a_record_at_a_time_is_the_copy_encoded_whole() {
        for titles in [
            &[][..],
            &["One"][..],
            &["A \"q\"", "Été\nx", "", "Tab\there"][..],
        ] {
            let s = state(titles);
            let (_, written) = written_whole(&s);
            let whole = encode(&s, &written).unwrap();
            let mut records = Vec::new();
            for &k in &written.order {
                postcard::to_io(&record_copy(&s.entries[k]), &mut records).unwrap();
            }
            let texts: Vec<(u64, u64)> = (written.records.iter())
                .map(|r| (r.start as u64, r.len() as u64))
                .collect();
            let mut tables = s.clone();
            tables.entries.clear();
            let (before, after) =
                streamed_parts(written.digest, &tables, titles.len(), &texts).unwrap();
            assert_eq!([before, records, after].concat(), whole, "{titles:?}");
        }
    }

    #[test]
    fn the_copy_is_the_state_the_file_holds_and_its_texts_are_the_ones_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.toml");
        // A title with a line break is a multi-line string, one that looks like a record's
        // start included: the texts are where they were written, not found by searching.
        let broken = state(&["One", "Été\n[[entry]]\nx"]);
        let (text, written) = written_whole(&broken);
        std::fs::write(&path, &text).unwrap();
        let copy = encode(&broken, &written).unwrap();
        let (read, texts) = load(&path, Some(&copy)).unwrap();
        let read = read.unwrap();
        assert_eq!(read, State::parse(&text, &path).unwrap());
        let texts = texts.unwrap();
        assert_eq!(texts.records().len(), 2);
        assert_eq!(read.to_toml_reusing(Some((&read, &texts.records()))), text);
        let titles = ["A \"quoted\" film", "Été [[entry]]", "Plain", "Tab\there"];
        let s = state(&titles);
        let (text, written) = written_whole(&s);
        std::fs::write(&path, &text).unwrap();
        let copy = encode(&s, &written).unwrap();
        let (read, texts) = load(&path, Some(&copy)).unwrap();
        let read = read.unwrap();
        let parsed = State::parse(&text, &path).unwrap();
        assert_eq!(read, parsed, "the copy gives what parsing the file gives");
        let texts = texts.unwrap();
        // Every record's text reused: the same file.
        let again = read.to_toml_reusing(Some((&read, &texts.records())));
        assert_eq!(again, text);
        // One record changed: the same file as written from scratch.
        let mut changed = read.clone();
        std::sync::Arc::make_mut(&mut changed.entries[2]).title = "Another".into();
        assert_eq!(
            changed.to_toml_reusing(Some((&read, &texts.records()))),
            changed.to_toml()
        );
    }

    #[test]
    fn a_file_other_than_the_one_copied_is_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.toml");
        let s = state(&["One", "Two"]);
        let (text, written) = written_whole(&s);
        let copy = encode(&s, &written).unwrap();
        // Edited by hand, with the integrity line removed as the README says.
        let edited: String = text
            .replace("One", "Uno")
            .lines()
            .filter(|l| !l.starts_with("# integrity"))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&path, &edited).unwrap();
        let (read, texts) = load(&path, Some(&copy)).unwrap();
        let read = read.unwrap();
        let first = read.entries.iter().find(|r| &*r.id == "urn:x:0").unwrap();
        assert_eq!(&*first.title, "Uno");
        assert!(texts.is_none());
        // A copy cut short is not used either.
        std::fs::write(&path, &text).unwrap();
        let (read, texts) = load(&path, Some(&copy[..copy.len() / 2])).unwrap();
        assert_eq!(read.unwrap(), State::parse(&text, &path).unwrap());
        assert!(texts.is_none());
        assert_eq!(load(&dir.path().join("none"), Some(&copy)).unwrap().0, None);
    }
}
