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
        let written: Vec<std::borrow::Cow<'_, str>> = order
            .par_iter()
            .map(|&k| {
                let r = &self.entries[k];
                match text_of(k, r) {
                    Some(text) => std::borrow::Cow::Borrowed(text),
                    None => toml::to_string(r)
                        .expect("a record serialises to TOML")
                        .into(),
                }
            })
            .collect();
        // Room for the header and the integrity line, put in front of the body once its digest
        // is known: the text is not copied into a second buffer of its size.
        let front = HEADER.len() + INTEGRITY.len() + 64;
        let mut body = String::with_capacity(
            front + head.len() + written.iter().map(|r| r.len() + 12).sum::<usize>(),
        );
        body.push('\n');
        body.push_str(&head);
        let mut records = Vec::with_capacity(written.len());
        for record in &written {
            if !body.ends_with("\n\n") {
                body.push('\n');
            }
            body.push_str("[[entry]]\n");
            records.push(body.len()..body.len() + record.len());
            body.push_str(record);
        }
        let line = integrity_line(written.len(), &body);
        let shift = HEADER.len() + line.len();
        let mut text = body;
        text.insert_str(0, &line);
        text.insert_str(0, HEADER);
        let records = records
            .into_iter()
            .map(|r| r.start + shift..r.end + shift)
            .collect();
        Serialized {
            text,
            order,
            records,
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
pub(super) fn integrity_line(records: usize, body: &str) -> String {
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
