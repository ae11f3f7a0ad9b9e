//! The parsed half of the content cache: each source's metadata as the last build parsed it,
//! so that a build after an edit or a new file reads and parses only the files whose stat
//! changed, and a binary copy of the state file as that build wrote it (see
//! [`super::state_copy`]), so that the state is not parsed from TOML again. Kept in a side file
//! (`.<state file name>.entries`) read only when the no-change check of [`super::cache`]
//! failed, so that the cron run that finds nothing stays small.
//!
//! Binary (postcard), sealed by a BLAKE3 digest of everything before it, and written for one
//! [`Key`]: a side file of another build, cut short or changed is not used at all.
//!
//! Only what `Entry` holds besides its body is kept, and only for plain entries: a file with
//! episode keys (a few in ten) is always read again, which keeps podcast types out of the
//! cache. A file whose stat is racily clean (see [`Stat::racy`]) is not kept.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use foldhash::HashMap;
use serde::{Deserialize, Serialize};

use super::cache::{Key, Stat};
use crate::config::Config;
use crate::content::{BodyKind, Entry, Head, More};
use crate::error::Diagnostic;

pub(super) const MAGIC: &[u8] = b"feedwright entries 4\n";

/// A date as three numbers: parsing dates back from text was a good part of reading the file.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(super) struct Instant {
    secs: i64,
    nanos: u32,
    offset: i32,
}

impl Instant {
    pub(super) fn of(t: &DateTime<FixedOffset>) -> Instant {
        Instant {
            secs: t.timestamp(),
            nanos: t.timestamp_subsec_nanos(),
            offset: t.offset().local_minus_utc(),
        }
    }

    /// The date, offset and all; `None` for numbers no date has.
    pub(super) fn date(self) -> Option<DateTime<FixedOffset>> {
        let offset = FixedOffset::east_opt(self.offset)?;
        Some(DateTime::from_timestamp(self.secs, self.nanos)?.with_timezone(&offset))
    }
}

fn instant(t: Option<&DateTime<FixedOffset>>) -> Option<Instant> {
    t.map(Instant::of)
}

/// The date of an optional [`Instant`]: `None` when the numbers are not a date.
pub(super) fn date_of(t: Option<Instant>) -> Option<Option<DateTime<FixedOffset>>> {
    match t {
        None => Some(None),
        Some(t) => t.date().map(Some),
    }
}

/// An entry without its source name, body or episode, and the warnings parsing it gave; its
/// texts borrowed from the entry when written, from the side file when read (each becomes
/// the entry's own once, with no copy in between).
#[derive(Debug, Serialize, Deserialize)]
struct Kept<'a> {
    title: &'a str,
    date: Option<Instant>,
    updated: Option<Instant>,
    author: Option<&'a str>,
    summary: Option<&'a str>,
    #[serde(borrow)]
    tags: Vec<&'a str>,
    id: Option<&'a str>,
    slug: &'a str,
    link: Option<&'a str>,
    draft: bool,
    markdown: bool,
    fingerprint: &'a str,
    #[serde(borrow)]
    warnings: Vec<(&'a str, Option<usize>, &'a str)>,
}

impl<'a> Kept<'a> {
    /// `None` for an entry with episode keys (read again every time), or a warning about a
    /// path that is not UTF-8.
    fn of(entry: &'a Entry, warnings: &'a [Diagnostic]) -> Option<Kept<'a>> {
        // Every field named: a field added to `Entry` does not compile here until it is kept.
        let Entry {
            source: _,
            title,
            date,
            tags,
            slug,
            draft,
            kind,
            fingerprint,
            more: _,
        } = entry;
        let More {
            updated,
            author,
            summary,
            id,
            link,
            body: _,
            episode,
        } = entry.more_or_none();
        if episode.is_some() {
            return None;
        }
        Some(Kept {
            title,
            date: instant(date.as_ref()),
            updated: instant(updated.as_ref()),
            author: author.as_deref(),
            summary: summary.as_deref(),
            tags: tags.iter().map(|t| &**t).collect(),
            id: id.as_deref(),
            slug,
            link: link.as_deref(),
            draft: *draft,
            markdown: *kind == BodyKind::Markdown,
            fingerprint,
            warnings: warnings
                .iter()
                .map(|d| Some((d.path.to_str()?, d.line, d.message.as_str())))
                .collect::<Option<_>>()?,
        })
    }

    /// The entry of `source` (its name shared with the caller's).
    fn entry(self, source: &Arc<str>) -> Option<(Entry, Vec<Diagnostic>)> {
        let warnings = self
            .warnings
            .into_iter()
            .map(|(path, line, message)| Diagnostic::new(path, line, message))
            .collect();
        let head = Head {
            source: Arc::clone(source),
            title: self.title.into(),
            date: date_of(self.date)?,
            tags: self.tags.into_iter().map(Arc::from).collect(),
            slug: self.slug.to_string(),
            draft: self.draft,
            kind: if self.markdown {
                BodyKind::Markdown
            } else {
                BodyKind::Text
            },
            fingerprint: self.fingerprint.into(),
        };
        let more = More {
            updated: date_of(self.updated)?,
            author: self.author.map(str::to_string),
            summary: self.summary.map(str::to_string),
            id: self.id.map(str::to_string),
            link: self.link.map(Box::from),
            // Read again when it is rendered (see `content::load_body`).
            body: String::new(),
            episode: None,
        };
        let entry = Entry::new(head, more);
        Some((entry, warnings))
    }
}

/// One parsed source's line of the side file, for the next one: its state key, the stat its
/// file had and the entry (see [`Kept`]), one after the other.
#[derive(Debug, Clone)]
pub(super) enum Line {
    /// Parsed by this build: encoded on the core that parsed it.
    New(Vec<u8>),
    /// As the last build kept it: the `at`th line of the side file read (see [`Reuse`]), copied
    /// as it is by the next side file's writer.
    Same(usize),
}

/// A byte string, as postcard writes one (its length, then the bytes).
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// A [`Line`] as read, borrowing from the file.
#[derive(Deserialize)]
struct CachedRef<'a> {
    key: &'a str,
    stat: Stat,
    kept: &'a [u8],
}

/// The side file as read: what [`super::side_file`] writes, field after field, in this order.
#[derive(Deserialize)]
struct FileIn<'a> {
    key: &'a str,
    /// One per source file found, in the scan's order: `None` for one not kept.
    #[serde(borrow)]
    lines: Vec<Option<CachedRef<'a>>>,
    state: Option<&'a [u8]>,
}

/// The side file's path: beside the state file, named after it.
pub(super) fn path(config: &Config) -> PathBuf {
    super::cache::path(config).with_extension("entries")
}

/// The entries the last build parsed, by state key, each with the stat its file had.
pub struct Reuse {
    bytes: Vec<u8>,
    /// Where each line's key and encoded entry are in `bytes`, in the file's order.
    lines: Vec<(Range<usize>, Stat, Range<usize>)>,
    /// Each key's line, by a hash of the key (the line's key is compared on use; two keys
    /// with one hash are both left out, and their files read again).
    at: HashMap<u64, usize>,
    state: Option<Range<usize>>,
}

/// A key's hash, the same in every run (the side file is read by another process).
fn key_hash(key: &str) -> u64 {
    use std::hash::BuildHasher as _;
    foldhash::fast::FixedState::with_seed(0x6665_6564_7772_6974).hash_one(key)
}

/// Where `part` (a slice of `whole`) is in it.
fn range_in(whole: &[u8], part: &[u8]) -> Range<usize> {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    start..start + part.len()
}

impl Reuse {
    /// The side file, when it is whole and was written for the same inputs (`key`).
    ///
    /// The file is removed once read, on another core while the build goes on: the build
    /// writes the next one, or removes it anyway when it fails (see [`super::cache::forget`]).
    /// Renamed over an old side file, the new one cost a few milliseconds more (the file
    /// system starts writing out a file renamed over another), and its old blocks are freed
    /// here while there is time.
    pub fn load(config: &Config, key: &Key, limit: u64) -> Option<Reuse> {
        let file = path(config);
        let bytes = super::hint_file::read(&file, limit)?;
        rayon::spawn(move || {
            let _ = std::fs::remove_file(file);
        });
        read(bytes, key.text())
    }
}

/// A side file's bytes, when they are whole and written for `key`.
fn read(bytes: Vec<u8>, key: &str) -> Option<Reuse> {
    let body = bytes.strip_prefix(MAGIC)?;
    let (body, digest) = body.split_at_checked(body.len().checked_sub(32)?)?;
    // Hashed on every core: megabytes, read while nothing else runs.
    let mut hasher = blake3::Hasher::new();
    hasher.update_rayon(body);
    (hasher.finalize().as_bytes() == digest).then_some(())?;
    let file: FileIn<'_> = postcard::from_bytes(body).ok()?;
    (file.key == key).then_some(())?;
    let kept: Vec<&CachedRef<'_>> = file.lines.iter().flatten().collect();
    let lines: Vec<_> = kept
        .iter()
        .map(|l| {
            let key = range_in(&bytes, l.key.as_bytes());
            (key, l.stat, range_in(&bytes, l.kept))
        })
        .collect();
    let mut at: HashMap<u64, usize> = HashMap::default();
    at.reserve(kept.len());
    for (k, l) in kept.iter().enumerate() {
        at.entry(key_hash(l.key))
            .and_modify(|v| *v = usize::MAX)
            .or_insert(k);
    }
    let state = file.state.map(|s| range_in(&bytes, s));
    drop(kept);
    Some(Reuse {
        bytes,
        lines,
        at,
        state,
    })
}

impl Reuse {
    /// The `at`th line as the file holds it (`Some`, the key, the stat and the encoded entry,
    /// one after the other): the next side file copies it as it is.
    pub(super) fn line_bytes(&self, at: usize) -> Option<&[u8]> {
        let (key, _, kept) = self.lines.get(at)?;
        // The key's length is a varint of 7 bits a byte, after the `Some` byte.
        let length_bytes = (usize::BITS - (key.len() | 1).leading_zeros()).div_ceil(7) as usize;
        let start = key.start.checked_sub(length_bytes + 1)?;
        let line = self.bytes.get(start..kept.end)?;
        let (tag, length) = postcard::take_from_bytes::<(u8, u64)>(line).ok()?.0;
        (tag == 1 && length == key.len() as u64).then_some(line)
    }

    /// The `at`th line: its key, stat and encoded entry.
    pub(super) fn line(&self, at: usize) -> Option<(&str, Stat, &[u8])> {
        let (key, stat, kept) = self.lines.get(at)?;
        let key = std::str::from_utf8(self.bytes.get(key.clone())?).ok()?;
        Some((key, *stat, self.bytes.get(kept.clone())?))
    }

    /// The entry of `key` as last parsed, when its file still has the stat it had then, and
    /// its line (kept as it is for the next build).
    pub(super) fn get(
        &self,
        key: &Arc<str>,
        stat: &Stat,
    ) -> Option<((Entry, Vec<Diagnostic>), Line)> {
        let at = *self.at.get(&key_hash(key))?;
        let (was, kept, bytes) = self.line(at)?;
        if was != &**key || kept != *stat {
            return None;
        }
        let found = postcard::from_bytes::<Kept>(bytes).ok()?.entry(key)?;
        Some((found, Line::Same(at)))
    }

    /// Writes the side file back as it was read, for a build refused by an identity guard:
    /// the copy of the state the last build wrote in it is what the next run checks a state
    /// put back against (removed, a second run would not know what the first said).
    pub fn keep_for_next_run(&self, config: &Config) {
        crate::output::write_unsynced(&path(config), &[&self.bytes]);
    }

    /// The encoded copy of the state file the last build wrote (see [`super::state_copy`]).
    pub(super) fn state_copy(&self) -> Option<&[u8]> {
        self.state.clone().map(|r| &self.bytes[r])
    }
}

/// One parsed source, as a line of the side file; `None` when it is not kept (episode keys,
/// a racily clean stat).
pub(super) fn line(
    key: &str,
    stat: &Stat,
    taken: i64,
    entry: &Entry,
    warnings: &[Diagnostic],
) -> Option<Line> {
    if stat.racy(taken) {
        return None;
    }
    let kept = postcard::to_stdvec(&Kept::of(entry, warnings)?).ok()?;
    // `Some`, as the side file's lines are options (a file not kept is `None`).
    let line = Some((key, stat, Bytes(&kept)));
    Some(Line::New(postcard::to_stdvec(&line).ok()?))
}

pub(super) fn forget(config: &Config) {
    let _ = std::fs::remove_file(path(config));
}

/// The file of a source key (relative to the config's folder, or absolute under an extra root).
pub(super) fn file_of(root: &Path, key: &str) -> PathBuf {
    root.join(key)
}

#[cfg(test)]
mod tests {
    use super::super::side_file::{end, put_state, start_at};
    use super::*;

    /// When the stats below were taken: long after the file last changed.
    const LATER: i64 = 2_000_000_000_000_000_000;

    /// A file last changed at the start of 1970 plus a second.
    fn old_stat() -> Stat {
        Stat::read("12 1000000000 1000000000 5 x").unwrap().0
    }

    fn parsed(text: &str, key: &str) -> Entry {
        crate::content::parse_entry(
            text.as_bytes(),
            Path::new(key),
            key,
            BodyKind::Markdown,
            chrono_tz::UTC,
        )
        .unwrap()
        .0
    }

    /// The bytes of a side file of `lines` as [`super::super::side_file`] writes it.
    fn bytes_of(
        lines: Vec<Line>,
        from: Option<Arc<Reuse>>,
        key: &str,
        state: Option<&[u8; 5]>,
    ) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("side");
        let mut out = start_at(&file, key, lines.len(), from).unwrap();
        for line in lines {
            out.line(Some(line)).unwrap();
        }
        let begun = out.begun();
        if let Some(state) = state {
            // A byte array is encoded as its bytes: the copy read back is `state`.
            put_state(&begun, state);
        }
        let (out, written) = begun.take().unwrap();
        end(out, written, &file).unwrap();
        std::fs::read(file).unwrap()
    }

    /// A side file of `lines` as [`super::super::side_file`] writes it, read back as [`Reuse::load`] does.
    fn written(lines: Vec<Line>, key: &str) -> Option<Reuse> {
        read(bytes_of(lines, None, key, Some(b"state")), key)
    }

    #[test]
    fn a_line_gives_back_the_entry_and_its_warnings() {
        let text = "+++\ntitle = \"Heat\"\ndate = 2026-01-02T10:00:00.123456789+05:30\nupdated = \"2026-02-01\"\ntags = [\"a b\"]\n+++\nA heist.\n";
        let key = "content/my film\n.md";
        let entry = parsed(text, key);
        assert!(entry.date.is_some() && entry.updated().is_some());
        let warnings = vec![Diagnostic::new(key, Some(2), "said \"x\"\n")];
        let stat = old_stat();
        let line = line(key, &stat, LATER, &entry, &warnings).unwrap();
        let first = bytes_of(vec![line.clone()], None, "k", Some(b"state"));
        let reuse = Arc::new(written(vec![line], "k").unwrap());
        assert_eq!(reuse.state_copy(), Some(&b"state"[..]));
        let ((back, said), again) = reuse.get(&Arc::from(key), &stat).unwrap();
        assert_eq!(said, warnings);
        let mut bodiless = entry.clone();
        bodiless.drop_body();
        assert_eq!(back, bodiless);
        // The offset is kept, not only the instant (the feeds print it).
        assert_eq!(back.date.unwrap().offset(), entry.date.unwrap().offset());
        assert!(matches!(again, Line::Same(0)));
        assert_eq!(reuse.line(0).unwrap().0, key);
        // Written again from the side file read: the same line.
        let copied = bytes_of(
            vec![again.clone()],
            Some(Arc::clone(&reuse)),
            "k",
            Some(b"state"),
        );
        assert_eq!(copied, first, "an unchanged line is copied byte for byte");
        let mut bytes = bytes_of(vec![again], Some(Arc::clone(&reuse)), "k", None);
        let second = read(bytes.clone(), "k").unwrap();
        assert_eq!(second.get(&Arc::from(key), &stat).unwrap().0.0, back);
        assert_eq!(second.state_copy(), None);
        assert!(read(bytes.clone(), "other key").is_none());
        let last = bytes.len() - 40;
        bytes[last] ^= 1;
        assert!(
            read(bytes, "k").is_none(),
            "a changed byte fails the digest"
        );
        let other = Stat::read("13 1000000000 1000000000 5 x").unwrap().0;
        assert!(reuse.get(&Arc::from(key), &other).is_none(), "another stat");
        assert!(reuse.get(&Arc::from("content/other.md"), &stat).is_none());
    }

    /// An unchanged line is copied as the file holds it, whatever the length of its key.
    #[test]
    fn a_line_is_copied_byte_for_byte() {
        let stat = old_stat();
        for length in [1, 127, 128, 200, 20_000] {
            let key = format!("{}.md", "k".repeat(length));
            let entry = parsed("+++\ntitle = \"T\"\n+++\nBody.\n", &key);
            let line = line(&key, &stat, LATER, &entry, &[]).unwrap();
            let first = bytes_of(vec![line.clone()], None, "k", None);
            let reuse = Arc::new(read(first.clone(), "k").unwrap());
            let (_, again) = reuse.get(&Arc::from(key.as_str()), &stat).unwrap();
            assert!(reuse.line_bytes(0).is_some(), "{length}");
            assert_eq!(
                bytes_of(vec![again], Some(reuse), "k", None),
                first,
                "{length}"
            );
        }
    }

    /// Lines written as the sources are read, with files not kept among them: the kept ones
    /// are found by their key; a side file short of a line, or never ended, leaves nothing.
    #[test]
    fn a_side_file_is_written_line_by_line() {
        let text = "+++\ntitle = \"Heat\"\ndate = \"2026-01-02\"\n+++\nA heist.\n";
        let (a, b) = (parsed(text, "a.md"), parsed(text, "b.md"));
        let stat = old_stat();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("side");
        let mut out = start_at(&file, "k", 3, None).unwrap();
        let line_of = |key, entry| line(key, &stat, LATER, entry, &[]);
        out.line(line_of("a.md", &a)).unwrap();
        out.line(None).unwrap();
        out.line(line_of("b.md", &b)).unwrap();
        assert!(out.line(None).is_none(), "one line more than files");
        let begun = out.begun();
        assert!(!file.exists(), "nothing in place before it ends");
        put_state(&begun, b"state");
        put_state(&begun, b"twice");
        let (out, written) = begun.take().unwrap();
        end(out, written, &file).unwrap();
        assert!(begun.take().is_none(), "ended once");
        let reuse = read(std::fs::read(&file).unwrap(), "k").unwrap();
        assert_eq!(
            reuse.state_copy(),
            Some(&b"state"[..]),
            "the tail is written once"
        );
        assert_eq!(
            &*reuse.get(&Arc::from("b.md"), &stat).unwrap().0.0.title,
            "Heat"
        );
        assert!(matches!(
            reuse.get(&Arc::from("b.md"), &stat).unwrap().1,
            Line::Same(1)
        ));
        assert!(reuse.get(&Arc::from("a.md"), &stat).is_some());
        // Short of a line: not begun; begun and never ended: the temp file is gone.
        let short = start_at(&dir.path().join("short"), "k", 2, None).unwrap();
        assert!(!short.begun().is_begun());
        let mut whole = start_at(&dir.path().join("other"), "k", 1, None).unwrap();
        whole.line(None).unwrap();
        drop(whole.begun());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_racy_file_or_an_episode_is_not_kept() {
        let text = "+++\ntitle = \"Ep\"\naudio = \"https://cdn.example/1.mp3\"\n+++\nNotes.\n";
        let episode = parsed(text, "e.md");
        let stat = old_stat();
        assert!(line("e.md", &stat, LATER, &episode, &[]).is_none());
        let mut plain = episode;
        plain.more_mut().episode = None;
        assert!(line("e.md", &stat, LATER, &plain, &[]).is_some());
        assert!(
            line("e.md", &stat, 1_000_000_001, &plain, &[]).is_none(),
            "racy"
        );
    }

    #[test]
    fn numbers_that_are_no_date_are_refused() {
        let bad = Instant {
            secs: 0,
            nanos: 0,
            offset: 100_000,
        };
        assert_eq!(bad.date(), None);
        assert_eq!(date_of(Some(bad)), None);
        assert_eq!(date_of(None), Some(None));
        let d = DateTime::parse_from_rfc3339("1969-12-31T23:59:59.5-03:00").unwrap();
        let back = Instant::of(&d).date().unwrap();
        assert_eq!((back, back.offset()), (d, d.offset()));
    }
}
