//! The state file's text as this program writes it: records in a fixed order, each record's
//! text reused from the file read when the record did not change, and the integrity line.

use std::sync::Arc;

use rayon::prelude::*;

use super::state::{HEADER, INTEGRITY, Record, State, digest};

impl State {
    /// Deterministic text: records sorted by feed then source.
    pub fn to_toml(&self) -> String {
        self.to_toml_reusing(None).text
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
    /// change. Also gives the order the records were written in.
    pub fn to_toml_reusing(&self, previous: Option<(&State, &[&str])>) -> Serialized {
        self.to_toml_parts(previous).join()
    }

    /// [`State::to_toml_reusing`] in the parts it is made of, to be written without being
    /// joined.
    pub fn to_toml_parts(&self, previous: Option<(&State, &[&str])>) -> Parts {
        let order = self.written_order();
        let prior = previous.filter(|(state, texts)| state.entries.len() == texts.len());
        // A record is looked for at its own place in `previous` first: a state read, changed
        // and written again keeps its records' places. Found there, no map of every id is made.
        let by_id: std::sync::OnceLock<foldhash::HashMap<&str, usize>> = std::sync::OnceLock::new();
        let text_of = |k: usize, r: &Arc<Record>| -> Option<&str> {
            let (state, texts) = prior?;
            let at = match state.entries.get(k) {
                Some(old) if old.id == r.id => k,
                _ => *by_id
                    .get_or_init(|| {
                        let ids = state.entries.iter().enumerate();
                        ids.map(|(i, r)| (r.id.as_str(), i)).collect()
                    })
                    .get(r.id.as_str())?,
            };
            (state.entries[at] == *r).then_some(texts[at])
        };
        // The records are written one by one, on every core, and joined as the whole state
        // is written (the tables first, a blank line and a record start before each record):
        // written whole, a large state took fifteen times its size in memory.
        let tables = State {
            entries: Vec::new(),
            podcast_guids: self.podcast_guids.clone(),
            media_lengths: self.media_lengths.clone(),
            site_id: self.site_id.clone(),
            version: self.version,
            unsealed: false,
        };
        let head = toml::to_string(&tables).expect("state serialises to TOML");
        // The records are written a run at a time, on every core, each run into one buffer
        // that the file is then given in: the state is never whole in memory a second time
        // (a record's own string, then the joined text, held three times its size at once).
        let runs: Vec<Run> = order
            .par_chunks(RECORDS_PER_RUN)
            .map(|ks| {
                // The line break before the run's first record line is known only once the
                // run before it is written: room is kept for it.
                let mut run = Run {
                    text: String::from("\n"),
                    records: Vec::with_capacity(ks.len()),
                };
                for (at, &k) in ks.iter().enumerate() {
                    let r = &self.entries[k];
                    if at > 0 && !run.text.ends_with("\n\n") {
                        run.text.push('\n');
                    }
                    run.text.push_str(RECORD_LINE);
                    let start = run.text.len();
                    match text_of(k, r) {
                        Some(text) => run.text.push_str(text),
                        None => run
                            .text
                            .push_str(&toml::to_string(&**r).expect("a record serialises to TOML")),
                    }
                    run.records.push(start..run.text.len());
                }
                run
            })
            .collect();
        Parts::join_runs(format!("\n{head}"), runs, order)
    }
}

/// How many records one core writes into one buffer at a time.
const RECORDS_PER_RUN: usize = 1024;

const RECORD_LINE: &str = "[[entry]]\n";

/// Records written into one buffer: a line break (left out when the text before the run ends
/// in a blank line), then their text, each after its record line, and where each record's
/// text is in it.
struct Run {
    text: String,
    records: Vec<std::ops::Range<usize>>,
}

/// One part of [`Parts`], owned.
pub struct Part {
    text: String,
    from: usize,
}

impl AsRef<[u8]> for Part {
    fn as_ref(&self) -> &[u8] {
        &self.text.as_bytes()[self.from..]
    }
}

/// A state's text as the parts it is written in: the header and integrity line, the tables,
/// then the records a run at a time. [`Parts::join`] gives the whole text.
pub struct Parts {
    /// The parts, in order; each `(text, from)` stands for `text[from..]`.
    parts: Vec<(String, usize)>,
    /// The state's records in the order they were written (indexes into its entries).
    pub order: Vec<usize>,
    /// Where each record's text is in the whole text, in that order.
    pub records: Vec<std::ops::Range<usize>>,
}

impl Parts {
    /// The parts for `body_start` (a blank line and the tables) followed by `runs`.
    fn join_runs(body_start: String, runs: Vec<Run>, order: Vec<usize>) -> Parts {
        let mut parts = Vec::with_capacity(runs.len() + 2);
        // Whether a blank line comes before the next record line: the text before it ends
        // in one already, or a line break is added (every run starts with its record line).
        let mut ends_blank = body_start.ends_with("\n\n");
        parts.push((body_start, 0));
        let mut records = Vec::with_capacity(order.len());
        let mut body_len = parts[0].0.len();
        for run in runs {
            let from = usize::from(ends_blank);
            let shift = body_len - from;
            records.extend(run.records.iter().map(|r| r.start + shift..r.end + shift));
            ends_blank = run.text.ends_with("\n\n");
            body_len += run.text.len() - from;
            parts.push((run.text, from));
        }
        let line = integrity_line(records.len(), parts.iter().map(|(p, from)| &p[*from..]));
        let front = format!("{HEADER}{line}");
        for r in &mut records {
            *r = r.start + front.len()..r.end + front.len();
        }
        parts.insert(0, (front, 0));
        Parts {
            parts,
            order,
            records,
        }
    }

    /// The parts, in order.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().map(|(p, from)| &p[*from..])
    }

    /// The parts, in order, each handed over (and so freed) as it is taken.
    pub fn into_texts(self) -> impl Iterator<Item = Part> {
        self.parts
            .into_iter()
            .map(|(text, from)| Part { text, from })
    }

    /// The whole text.
    pub fn join(self) -> Serialized {
        let mut text = String::with_capacity(self.texts().map(str::len).sum());
        text.extend(self.texts());
        Serialized {
            text,
            order: self.order,
            records: self.records,
        }
    }
}

/// A state as [`State::to_toml_reusing`] wrote it.
pub struct Serialized {
    /// The file's text.
    pub text: String,
    /// The state's records in the order they were written (indexes into its entries).
    pub order: Vec<usize>,
    /// Where each record's text is in `text`, in that order.
    pub records: Vec<std::ops::Range<usize>>,
}

/// The integrity line for `records` records followed by `body`.
pub(super) fn integrity_line<'a>(
    records: usize,
    body: impl IntoIterator<Item = &'a str>,
) -> String {
    format!("{INTEGRITY}{records} records, blake3 {}\n", digest(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(feed: &str, source: &str, id: &str) -> Record {
        let t = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap();
        Record {
            id: id.into(),
            feed: feed.into(),
            source: source.into(),
            title: String::new(),
            date: t,
            first_seen: t,
            fingerprint: String::new(),
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
        let line = integrity_line(order.len(), [body.as_str()]);
        format!("{HEADER}{line}{body}")
    }

    #[test]
    fn a_state_written_in_runs_is_the_text_written_in_one_buffer() {
        for n in [0usize, 1, 2, 1023, 1024, 1025, 2100] {
            let mut s = State::new("tag:x,2026:".into());
            s.podcast_guids.insert("show".into(), "a-guid".into());
            for k in 0..n {
                let mut r = record("r", &format!("c/{k:05}.md"), &format!("{k}"));
                // A title over two lines is a multi-line string in TOML.
                r.title = if k % 7 == 0 {
                    format!("Été\n{k}")
                } else {
                    format!("T{k}")
                };
                s.entries.push(Arc::new(r));
            }
            let fresh = |k: usize| toml::to_string(&*s.entries[k]).unwrap();
            let whole = s.to_toml_parts(None);
            let ranges = whole.records.clone();
            let text = whole.join().text;
            assert_eq!(text, one_buffer(&s, fresh), "{n} records");
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
            let reused = s.to_toml_reusing(Some((&s, &texts))).text;
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
