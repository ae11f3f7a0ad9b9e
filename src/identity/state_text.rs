//! The state file's text as this program writes it: records in a fixed order, each record's
//! text reused from the file read when the record did not change, and the integrity line.

use std::sync::Arc;

use rayon::prelude::*;

use super::state::{BodyDigest, HEADER, INTEGRITY, Record, State};

impl State {
    /// Deterministic text: records sorted by feed then source.
    pub fn to_toml(&self) -> String {
        self.to_toml_reusing(None)
    }

    /// The order records are written in: by feed, source and id (the index last, so that the
    /// order is total whatever the records). The records of a state read from a file are in
    /// that order already, with any new ones after them: the longest prefix in order is kept,
    /// and only the rest is sorted (on every core) and merged in.
    fn written_order(&self) -> Vec<usize> {
        let key = |k: usize| {
            let r = &self.entries[k];
            (&r.feed, &r.source, &r.id, k)
        };
        let n = self.entries.len();
        let ordered = (1..n).take_while(|&k| key(k - 1) < key(k)).count() + 1;
        let head = 0..ordered.min(n);
        let mut tail: Vec<usize> = (head.end..n).collect();
        if tail.is_empty() {
            return head.collect();
        }
        tail.par_sort_unstable_by(|&a, &b| key(a).cmp(&key(b)));
        let mut order = Vec::with_capacity(n);
        let (mut a, mut b) = (head.peekable(), tail.into_iter().peekable());
        while let (Some(&x), Some(&y)) = (a.peek(), b.peek()) {
            if key(x) < key(y) {
                order.push(x);
                a.next();
            } else {
                order.push(y);
                b.next();
            }
        }
        order.extend(a);
        order.extend(b);
        order
    }

    /// [`State::to_toml`], taking each record's text from `previous` (a state and the text of
    /// each of its records, in its order) when the record there with the same id is equal:
    /// serializing thousands of records to TOML was most of writing a state after a small
    /// change.
    pub fn to_toml_reusing(&self, previous: Option<(&State, &[&str])>) -> String {
        let mut text = String::new();
        let written = self.write_toml(previous, |part| {
            text.push_str(part);
            Ok::<(), std::convert::Infallible>(())
        });
        let Ok(_) = written;
        text
    }

    /// [`State::to_toml_reusing`] given to `put` a part at a time, as it is made: the text is
    /// never whole in memory. The records are serialised twice, a batch of runs at a time: once
    /// for the integrity line (a digest of everything after it), then again to be given out.
    pub fn write_toml<E>(
        &self,
        previous: Option<(&State, &[&str])>,
        mut put: impl FnMut(&str) -> Result<(), E>,
    ) -> Result<Written, E> {
        let order = self.written_order();
        let texts = Texts::new(previous);
        let body_start = format!("\n{}", self.tables_toml());
        // The integrity line, and where each record is (from the body's start).
        let mut body = Body::new(&body_start);
        let mut body_digest = BodyDigest::new();
        body_digest.update(&body_start);
        let mut records = Vec::with_capacity(order.len());
        let pass = self.each_run(&order, &texts, |run| {
            let (text, shift) = body.place(run);
            records.extend(run.records.iter().map(|r| r.start + shift..r.end + shift));
            body_digest.update(text);
            Ok::<(), std::convert::Infallible>(())
        });
        let Ok(()) = pass;
        let front = format!(
            "{HEADER}{}",
            integrity_line(order.len(), &body_digest.finish())
        );
        for r in &mut records {
            *r = r.start + front.len()..r.end + front.len();
        }
        // The text, and the digest of all of it.
        let mut file = blake3::Hasher::new();
        let mut give = |part: &str| {
            file.update(part.as_bytes());
            put(part)
        };
        give(&front)?;
        give(&body_start)?;
        let mut body = Body::new(&body_start);
        self.each_run(&order, &texts, |run| give(body.place(run).0))?;
        Ok(Written {
            order,
            records,
            digest: *file.finalize().as_bytes(),
        })
    }

    /// The state's tables (everything but its records) as TOML.
    fn tables_toml(&self) -> String {
        let tables = State {
            entries: Vec::new(),
            podcast_guids: self.podcast_guids.clone(),
            media_lengths: self.media_lengths.clone(),
            site_id: self.site_id.clone(),
            version: self.version,
            unsealed: false,
        };
        toml::to_string(&tables).expect("state serialises to TOML")
    }

    /// Each run of the records in `order`, in order: a batch of runs written on every core,
    /// then handed to `f` one by one, then dropped.
    fn each_run<E>(
        &self,
        order: &[usize],
        texts: &Texts<'_>,
        mut f: impl FnMut(&Run) -> Result<(), E>,
    ) -> Result<(), E> {
        for batch in order.chunks(RECORDS_PER_RUN * RUNS_PER_BATCH) {
            let runs: Vec<Run> = batch
                .par_chunks(RECORDS_PER_RUN)
                .map(|ks| self.run(ks, texts))
                .collect();
            runs.iter().try_for_each(&mut f)?;
        }
        Ok(())
    }

    /// The records `ks` written into one buffer.
    fn run(&self, ks: &[usize], texts: &Texts<'_>) -> Run {
        // The line break before the run's first record line is known only once the run before
        // it is written: room is kept for it.
        let mut run = Run {
            text: String::from("\n"),
            records: Vec::with_capacity(ks.len()),
        };
        for (at, &k) in ks.iter().enumerate() {
            let r = &self.entries[k];
            push_record(&mut run, at, texts.of(k, r), r);
        }
        run
    }
}

/// The text of a new state written a record at a time, for a first build that does not hold
/// its records (see `build::fresh`): each record's text goes to `out` as it is given, and the
/// part before them (the integrity line needs the digest of everything after it) is given at
/// the end. The file is that part, then what `out` received: the text [`State::write_toml`]
/// writes for the same records in the same order.
pub struct RecordStream<W> {
    out: W,
    body: Body,
    digest: BodyDigest,
    body_start: String,
    /// Where each record's text is, as (start, length) from the body's start.
    texts: Vec<(u64, u64)>,
}

impl<W: std::io::Write> RecordStream<W> {
    /// A stream of the records of `tables` (a state without records: its site id and tables).
    pub fn new(tables: &State, out: W) -> RecordStream<W> {
        let body_start = format!("\n{}", tables.tables_toml());
        let mut digest = BodyDigest::new();
        digest.update(&body_start);
        RecordStream {
            out,
            body: Body::new(&body_start),
            digest,
            body_start,
            texts: Vec::new(),
        }
    }

    /// The next record, in the written order (by feed, source and id).
    pub fn push(&mut self, record: &Record) -> std::io::Result<()> {
        let mut run = Run {
            text: String::from("\n"),
            records: Vec::new(),
        };
        push_record(&mut run, 0, None, record);
        let (text, shift) = self.body.place(&run);
        let at = run.records[0].clone();
        self.texts
            .push(((at.start + shift) as u64, at.len() as u64));
        self.digest.update(text);
        self.out.write_all(text.as_bytes())
    }

    /// How many records were given.
    pub fn records(&self) -> usize {
        self.texts.len()
    }

    /// The text that goes before the records given, where they went, and where each record's
    /// text is in the file, as (start, length).
    pub fn finish(self) -> (String, W, Vec<(u64, u64)>) {
        let line = integrity_line(self.texts.len(), &self.digest.finish());
        let shift = (HEADER.len() + line.len()) as u64;
        let mut texts = self.texts;
        for t in &mut texts {
            t.0 += shift;
        }
        let front = format!("{HEADER}{line}{}", self.body_start);
        (front, self.out, texts)
    }
}

/// Appends the record `r`, the `at`th of `run`, with its text kept from the state read when
/// `kept` has it.
fn push_record(run: &mut Run, at: usize, kept: Option<&str>, r: &Record) {
    if at > 0 && !run.text.ends_with("\n\n") {
        run.text.push('\n');
    }
    run.text.push_str(RECORD_LINE);
    let start = run.text.len();
    match kept {
        Some(text) => run.text.push_str(text),
        None => run
            .text
            .push_str(&toml::to_string(r).expect("a record serialises to TOML")),
    }
    run.records.push(start..run.text.len());
}

/// The texts of the records of the state a new one is written after, when known.
struct Texts<'a> {
    prior: Option<(&'a State, &'a [&'a str])>,
    by_id: std::sync::OnceLock<foldhash::HashMap<&'a str, usize>>,
}

impl<'a> Texts<'a> {
    fn new(previous: Option<(&'a State, &'a [&'a str])>) -> Texts<'a> {
        Texts {
            prior: previous.filter(|(state, texts)| state.entries.len() == texts.len()),
            by_id: std::sync::OnceLock::new(),
        }
    }

    /// The text the record `r` (at `k` in the new state) had, if it is unchanged. It is
    /// looked for at its own place first: a state read, changed and written again keeps its
    /// records' places. Found there, no map of every id is made.
    fn of(&self, k: usize, r: &Arc<Record>) -> Option<&'a str> {
        let (state, texts) = self.prior?;
        let at = match state.entries.get(k) {
            Some(old) if old.id == r.id => k,
            _ => *self
                .by_id
                .get_or_init(|| {
                    let ids = state.entries.iter().enumerate();
                    ids.map(|(i, r)| (&*r.id, i)).collect()
                })
                .get(&*r.id)?,
        };
        (state.entries[at] == *r).then_some(texts[at])
    }
}

/// How many records one core writes into one buffer at a time.
const RECORDS_PER_RUN: usize = 1024;

/// How many runs are made at once (and held: a few MB) before they are given out.
const RUNS_PER_BATCH: usize = 8;

const RECORD_LINE: &str = "[[entry]]\n";

/// Records written into one buffer: a line break (left out when the text before the run ends
/// in a blank line), then their text, each after its record line, and where each record's
/// text is in it.
struct Run {
    text: String,
    records: Vec<std::ops::Range<usize>>,
}

/// Where the runs go in the body, one after the other.
struct Body {
    len: usize,
    /// Whether the text so far ends in a blank line (a run then starts without its break).
    ends_blank: bool,
}

impl Body {
    fn new(start: &str) -> Body {
        Body {
            len: start.len(),
            ends_blank: start.ends_with("\n\n"),
        }
    }

    /// The part of `run` that follows the text so far, and what to add to a place in the run
    /// to make it a place in the body.
    fn place<'r>(&mut self, run: &'r Run) -> (&'r str, usize) {
        let from = usize::from(self.ends_blank);
        let shift = self.len - from;
        self.ends_blank = run.text.ends_with("\n\n");
        self.len += run.text.len() - from;
        (&run.text[from..], shift)
    }
}

/// What [`State::write_toml`] wrote, besides the text.
pub struct Written {
    /// The state's records in the order they were written (indexes into its entries).
    pub order: Vec<usize>,
    /// Where each record's text is in the text, in that order.
    pub records: Vec<std::ops::Range<usize>>,
    /// The BLAKE3 digest of the whole text.
    pub digest: [u8; 32],
}

/// The integrity line for `records` records whose body has the digest `digest` (see
/// `state::digest`).
pub(super) fn integrity_line(records: usize, digest: &str) -> String {
    format!("{INTEGRITY}{records} records, blake3 {digest}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::state::digest;

    fn record(feed: &str, source: &str, id: &str) -> Record {
        let t = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap();
        Record {
            id: id.into(),
            feed: feed.into(),
            source: source.into(),
            title: String::new().into(),
            date: t,
            first_seen: t,
            fingerprint: "".into(),
            changed: None,
            gone: None,
        }
    }

    /// The text written one record after another into one buffer, each record's text from
    /// `text_of` (its index in the state).
    fn one_buffer(s: &State, text_of: impl Fn(usize) -> String) -> String {
        let mut tables = s.clone();
        tables.entries.clear();
        let mut body = format!("\n{}", toml::to_string(&tables).unwrap());
        let order = s.written_order();
        for &k in &order {
            if !body.ends_with("\n\n") {
                body.push('\n');
            }
            body.push_str("[[entry]]\n");
            body.push_str(&text_of(k));
        }
        let line = integrity_line(order.len(), &digest([body.as_str()]));
        format!("{HEADER}{line}{body}")
    }

    #[test]
    fn records_streamed_one_by_one_are_the_state_written_whole() {
        for n in [0usize, 1, 2, 5, 1500] {
            let mut s = State::new("tag:x,2026:".into());
            for k in 0..n {
                let mut r = record(["a", "b"][k % 2], &format!("c/{k:05}.md"), &k.to_string());
                // Titles TOML writes in other forms: over two lines, with quotes, empty.
                r.title = match k % 4 {
                    0 => format!("Été\n{k}").into(),
                    1 => format!("\"Heat\" {k}").into(),
                    2 => "".into(),
                    _ => format!("T{k}").into(),
                };
                r.changed = (k % 3 == 0).then_some(r.date);
                s.entries.push(Arc::new(r));
            }
            let tables = State::new(s.site_id.clone());
            let mut stream = RecordStream::new(&tables, Vec::new());
            for k in s.written_order() {
                stream.push(&s.entries[k]).unwrap();
            }
            assert_eq!(stream.records(), n);
            let (front, body, texts) = stream.finish();
            let streamed = format!("{front}{}", String::from_utf8(body).unwrap());
            assert_eq!(streamed, s.to_toml(), "{n} records");
            let written = s.write_toml(None, |_| Ok::<(), ()>(())).unwrap();
            let whole: Vec<(u64, u64)> = (written.records.iter())
                .map(|r| (r.start as u64, r.len() as u64))
                .collect();
            assert_eq!(texts, whole);
        }
    }

    #[test]
    fn a_state_written_in_runs_is_the_text_written_in_one_buffer() {
        // One run, several, and several batches of runs.
        for n in [
            0usize,
            1,
            2,
            1023,
            1024,
            1025,
            2100,
            RECORDS_PER_RUN * RUNS_PER_BATCH + 1100,
        ] {
            let mut s = State::new("tag:x,2026:".into());
            s.podcast_guids.insert("show".into(), "a-guid".into());
            for k in 0..n {
                let mut r = record("r", &format!("c/{k:05}.md"), &format!("{k}"));
                // A title over two lines is a multi-line string in TOML.
                r.title = if k % 7 == 0 {
                    format!("Été\n{k}").into()
                } else {
                    format!("T{k}").into()
                };
                s.entries.push(Arc::new(r));
            }
            let fresh = |k: usize| toml::to_string(&*s.entries[k]).unwrap();
            let mut text = String::new();
            let mut parts = 0;
            let written = s.write_toml(None, |part| {
                text.push_str(part);
                parts += 1;
                Ok::<(), ()>(())
            });
            let Written {
                order: _,
                records: ranges,
                digest,
            } = written.unwrap();
            assert_eq!(text, one_buffer(&s, fresh), "{n} records");
            assert_eq!(digest, *blake3::hash(text.as_bytes()).as_bytes());
            assert_eq!(
                parts,
                2 + n.div_ceil(RECORDS_PER_RUN),
                "given a run at a time"
            );
            assert_eq!(State::parse(&text, std::path::Path::new("s")).unwrap(), s);
            let order = s.written_order();
            for (range, &k) in ranges.iter().zip(&order) {
                assert_eq!(text[range.clone()], fresh(k), "record {k} of {n}");
            }
            // Texts kept from an earlier file, some ending in a blank line of their own (the
            // run boundaries then add no line break).
            let kept: Vec<String> = (0..n)
                .map(|k| {
                    if k % 3 == 0 {
                        format!("{}\n", fresh(k))
                    } else {
                        fresh(k)
                    }
                })
                .collect();
            let texts: Vec<&str> = kept.iter().map(String::as_str).collect();
            let reused = s.to_toml_reusing(Some((&s, &texts)));
            assert_eq!(reused, one_buffer(&s, |k| kept[k].clone()), "{n} reused");
        }
    }

    #[test]
    fn the_written_order_is_a_full_sort_whatever_part_is_in_order_already() {
        let sorted_by_key = |s: &State| {
            let mut all: Vec<usize> = (0..s.entries.len()).collect();
            all.sort_by(|&a, &b| {
                let (x, y) = (&s.entries[a], &s.entries[b]);
                (&x.feed, &x.source, &x.id, a).cmp(&(&y.feed, &y.source, &y.id, b))
            });
            all
        };
        // In order, with new records after (before, between and after the others), shuffled,
        // with equal keys, and none or one.
        let mut seed = 7u64;
        for n in [0usize, 1, 2, 5, 40, 300] {
            for appended in [0usize, 1, 3, 17] {
                let mut s = State::new("tag:x,2026:".into());
                for k in 0..n {
                    s.entries.push(Arc::new(record(
                        "r",
                        &format!("c/{:04}.md", k * 2),
                        &format!("{k}"),
                    )));
                }
                for j in 0..appended {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    let at = (seed >> 33) as usize % (2 * n + 2);
                    let feed = if j % 5 == 4 { "a" } else { "r" };
                    s.entries.push(Arc::new(record(
                        feed,
                        &format!("c/{at:04}.md"),
                        &format!("n{j}"),
                    )));
                }
                assert_eq!(s.written_order(), sorted_by_key(&s), "{n} + {appended}");
                s.entries.reverse();
                assert_eq!(
                    s.written_order(),
                    sorted_by_key(&s),
                    "reversed {n} + {appended}"
                );
                let same = Arc::new(record("r", "c/same.md", "x"));
                s.entries.extend([same.clone(), same]);
                assert_eq!(s.written_order(), sorted_by_key(&s), "equal keys");
            }
        }
    }
}
