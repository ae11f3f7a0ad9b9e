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

use chrono::{DateTime, FixedOffset};
use foldhash::HashMap;
use serde::{Deserialize, Serialize};

use super::cache::{Key, Stat};
use super::sealing::{Begun, Sealing};
use crate::config::Config;
use crate::content::{BodyKind, Entry};
use crate::error::Diagnostic;

const MAGIC: &[u8] = b"feedwright entries 3\n";

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

/// An entry without its source name, body or episode, and the warnings parsing it gave.
#[derive(Debug, Serialize, Deserialize)]
struct Kept {
    title: String,
    date: Option<Instant>,
    updated: Option<Instant>,
    author: Option<String>,
    summary: Option<String>,
    tags: Vec<String>,
    id: Option<String>,
    slug: String,
    link: Option<String>,
    draft: bool,
    markdown: bool,
    fingerprint: String,
    warnings: Vec<(String, Option<usize>, String)>,
}

impl Kept {
    /// `None` for an entry with episode keys (read again every time), or a warning about a
    /// path that is not UTF-8.
    fn of(entry: &Entry, warnings: &[Diagnostic]) -> Option<Kept> {
        // Every field named: a field added to `Entry` does not compile here until it is kept.
        let Entry {
            source: _,
            title,
            date,
            updated,
            author,
            summary,
            tags,
            id,
            slug,
            link,
            draft,
            kind,
            body: _,
            episode,
            fingerprint,
        } = entry;
        if episode.is_some() {
            return None;
        }
        Some(Kept {
            title: title.clone(),
            date: instant(date.as_ref()),
            updated: instant(updated.as_ref()),
            author: author.clone(),
            summary: summary.clone(),
            tags: tags.clone(),
            id: id.clone(),
            slug: slug.clone(),
            link: link.clone(),
            draft: *draft,
            markdown: *kind == BodyKind::Markdown,
            fingerprint: fingerprint.clone(),
            warnings: warnings
                .iter()
                .map(|d| Some((d.path.to_str()?.to_string(), d.line, d.message.clone())))
                .collect::<Option<_>>()?,
        })
    }

    fn entry(self, source: &str) -> Option<(Entry, Vec<Diagnostic>)> {
        let warnings = self
            .warnings
            .into_iter()
            .map(|(path, line, message)| Diagnostic::new(PathBuf::from(path), line, message))
            .collect();
        let entry = Entry {
            source: source.to_string(),
            title: self.title,
            date: date_of(self.date)?,
            updated: date_of(self.updated)?,
            author: self.author,
            summary: self.summary,
            tags: self.tags,
            id: self.id,
            slug: self.slug,
            link: self.link,
            draft: self.draft,
            kind: if self.markdown {
                BodyKind::Markdown
            } else {
                BodyKind::Text
            },
            // Read again when it is rendered (see `content::load_body`).
            body: String::new(),
            episode: None,
            fingerprint: self.fingerprint,
        };
        Some((entry, warnings))
    }
}

/// One parsed source as the side file keeps it: its state key, the stat its file had, and
/// the entry (encoded, so that an unchanged one is copied to the next side file as it is).
#[derive(Debug, Clone)]
pub enum CachedSource {
    /// Parsed by this build.
    New {
        key: String,
        stat: Stat,
        kept: Vec<u8>,
    },
    /// As the last build kept it: the `at`th line of the side file read (see [`Reuse`]).
    Same { at: usize },
}

/// The side file's lines as written: new ones, and the unchanged ones copied from the side file
/// read at the start (`from`).
struct LinesOut<'a> {
    lines: &'a [CachedSource],
    from: Option<&'a Reuse>,
}

impl Serialize for LinesOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq as _};
        let mut seq = s.serialize_seq(Some(self.lines.len()))?;
        for line in self.lines {
            match line {
                CachedSource::New { key, stat, kept } => {
                    seq.serialize_element(&(key.as_str(), stat, Bytes(kept)))?;
                }
                CachedSource::Same { at } => {
                    let (key, stat, kept) = self
                        .from
                        .and_then(|r| r.line(*at))
                        .ok_or_else(|| S::Error::custom("a kept line without its side file"))?;
                    seq.serialize_element(&(key, stat, Bytes(kept)))?;
                }
            }
        }
        seq.end()
    }
}

fn as_some_bytes<S: serde::Serializer>(bytes: &Option<&[u8]>, s: S) -> Result<S::Ok, S::Error> {
    match bytes {
        Some(b) => s.serialize_some(&Bytes(b)),
        None => s.serialize_none(),
    }
}

struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// A [`CachedSource`] as read, borrowing from the file.
#[derive(Deserialize)]
struct CachedRef<'a> {
    key: &'a str,
    stat: Stat,
    kept: &'a [u8],
}

/// The state copy as written, after the lines (see [`save`]).
#[derive(Serialize)]
struct StateOut<'a>(#[serde(serialize_with = "as_some_bytes")] Option<&'a [u8]>);

/// The side file as read: what [`save`] writes, field after field, in this order.
#[derive(Deserialize)]
struct FileIn<'a> {
    key: &'a str,
    #[serde(borrow)]
    lines: Vec<CachedRef<'a>>,
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
    pub fn load(config: &Config, key: &Key) -> Option<Reuse> {
        let file = path(config);
        let bytes = super::cache::read_hint(&file)?;
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
    let lines: Vec<_> = file
        .lines
        .iter()
        .map(|l| {
            let key = range_in(&bytes, l.key.as_bytes());
            (key, l.stat, range_in(&bytes, l.kept))
        })
        .collect();
    let mut at: HashMap<u64, usize> = HashMap::default();
    at.reserve(file.lines.len());
    for (k, l) in file.lines.iter().enumerate() {
        at.entry(key_hash(l.key))
            .and_modify(|v| *v = usize::MAX)
            .or_insert(k);
    }
    let state = file.state.map(|s| range_in(&bytes, s));
    Some(Reuse {
        bytes,
        lines,
        at,
        state,
    })
}

impl Reuse {
    /// The `at`th line: its key, stat and encoded entry.
    fn line(&self, at: usize) -> Option<(&str, Stat, &[u8])> {
        let (key, stat, kept) = self.lines.get(at)?;
        let key = std::str::from_utf8(self.bytes.get(key.clone())?).ok()?;
        Some((key, *stat, self.bytes.get(kept.clone())?))
    }

    /// The entry of `key` as last parsed, when its file still has the stat it had then, and
    /// its line (kept as it is for the next build).
    pub fn get(&self, key: &str, stat: &Stat) -> Option<((Entry, Vec<Diagnostic>), CachedSource)> {
        let at = *self.at.get(&key_hash(key))?;
        let (was, kept, bytes) = self.line(at)?;
        if was != key || kept != *stat {
            return None;
        }
        let found = postcard::from_bytes::<Kept>(bytes).ok()?.entry(key)?;
        Some((found, CachedSource::Same { at }))
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
) -> Option<CachedSource> {
    if stat.racy(taken) {
        return None;
    }
    let kept = Kept::of(entry, warnings)?;
    Some(CachedSource::New {
        key: key.to_string(),
        stat: *stat,
        kept: postcard::to_stdvec(&kept).ok()?,
    })
}

/// Writes the side file from the lines of one build (see [`line`]) and the state copy that
/// `state` encodes, which runs on another core while the lines are written; removes the file
/// when it cannot be written.
///
/// Streamed to its temp file and hashed on the way, the state copy last: built whole in memory
/// first, the file cost its size in fresh pages and a copy, after the lines had waited for the
/// state copy. Postcard writes a struct as its fields one after the other, so the pieces make
/// exactly the [`FileIn`] that is read back.
/// With `begun`, the key and lines were written already (see [`begin`]).
pub(super) fn save<'s>(
    config: &Config,
    (key, begun): (&Key, &Begun),
    lines: &[CachedSource],
    from: Option<&Reuse>,
    state: impl FnOnce() -> Option<&'s [u8]> + Send,
) {
    let file = path(config);
    let written = match begun.take() {
        Some(out) => end(out, state(), &file),
        None => write_to(&file, key.text(), lines, from, state),
    };
    if written.is_none() {
        forget(config);
    }
}

/// Begins the side file of `config` (see [`Begun`]).
pub(super) fn begin(
    config: &Config,
    key: &Key,
    lines: &[CachedSource],
    from: Option<&Reuse>,
) -> Begun {
    Begun::new(begin_to(&path(config), key.text(), lines, from))
}

fn begin_to(
    file: &Path,
    key: &str,
    lines: &[CachedSource],
    from: Option<&Reuse>,
) -> Option<Sealing> {
    let mut out = Sealing::start(file, MAGIC)?;
    postcard::to_io(key, &mut out).ok()?;
    postcard::to_io(&LinesOut { lines, from }, &mut out).ok()?;
    Some(out)
}

/// The state copy written after the lines, and the file sealed and put in place.
fn end(mut out: Sealing, state: Option<&[u8]>, file: &Path) -> Option<()> {
    postcard::to_io(&StateOut(state), &mut out).ok()?;
    out.finish(file)
}

/// [`save`] to `file`.
fn write_to<'s>(
    file: &Path,
    key: &str,
    lines: &[CachedSource],
    from: Option<&Reuse>,
    state: impl FnOnce() -> Option<&'s [u8]> + Send,
) -> Option<()> {
    let (state, started) = rayon::join(state, || begin_to(file, key, lines, from));
    end(started?, state, file)
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

    /// The bytes of a side file of `lines` as [`save`] writes it.
    fn bytes_of(
        lines: &[CachedSource],
        from: Option<&Reuse>,
        key: &str,
        state: Option<&[u8]>,
    ) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("side");
        write_to(&file, key, lines, from, || state).unwrap();
        std::fs::read(file).unwrap()
    }

    /// A side file of `lines` as [`save`] writes it, read back as [`Reuse::load`] does.
    fn written(lines: &[CachedSource], key: &str) -> Option<Reuse> {
        read(bytes_of(lines, None, key, Some(b"state")), key)
    }

    #[test]
    fn a_line_gives_back_the_entry_and_its_warnings() {
        let text = "+++\ntitle = \"Heat\"\ndate = 2026-01-02T10:00:00.123456789+05:30\nupdated = \"2026-02-01\"\ntags = [\"a b\"]\n+++\nA heist.\n";
        let key = "content/my film\n.md";
        let entry = parsed(text, key);
        assert!(entry.date.is_some() && entry.updated.is_some());
        let warnings = vec![Diagnostic::new(key, Some(2), "said \"x\"\n")];
        let stat = old_stat();
        let line = line(key, &stat, LATER, &entry, &warnings).unwrap();
        let reuse = written(&[line], "k").unwrap();
        assert_eq!(reuse.state_copy(), Some(&b"state"[..]));
        let ((back, said), again) = reuse.get(key, &stat).unwrap();
        assert_eq!(said, warnings);
        assert_eq!(
            back,
            Entry {
                body: String::new(),
                ..entry.clone()
            }
        );
        // The offset is kept, not only the instant (the feeds print it).
        assert_eq!(back.date.unwrap().offset(), entry.date.unwrap().offset());
        assert!(matches!(again, CachedSource::Same { at: 0 }));
        assert_eq!(reuse.line(0).unwrap().0, key);
        // Written again from the side file read: the same line.
        let mut bytes = bytes_of(&[again], Some(&reuse), "k", None);
        let second = read(bytes.clone(), "k").unwrap();
        assert_eq!(second.get(key, &stat).unwrap().0.0, back);
        assert_eq!(second.state_copy(), None);
        assert!(read(bytes.clone(), "other key").is_none());
        let last = bytes.len() - 40;
        bytes[last] ^= 1;
        assert!(
            read(bytes, "k").is_none(),
            "a changed byte fails the digest"
        );
        let other = Stat::read("13 1000000000 1000000000 5 x").unwrap().0;
        assert!(reuse.get(key, &other).is_none(), "another stat");
        assert!(reuse.get("content/other.md", &stat).is_none());
    }

    /// A side file begun while the build runs and ended after it is the one written at once.
    #[test]
    fn a_side_file_begun_early_is_the_one_written_at_once() {
        let text = "+++\ntitle = \"Heat\"\ndate = \"2026-01-02\"\n+++\nA heist.\n";
        let entry = parsed(text, "a.md");
        let lines = [line("a.md", &old_stat(), LATER, &entry, &[]).unwrap()];
        let at_once = bytes_of(&lines, None, "k", Some(b"state"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("side");
        let begun = Begun::new(begin_to(&file, "k", &lines, None));
        assert!(!file.exists(), "nothing in place before it ends");
        end(begun.take().unwrap(), Some(b"state"), &file).unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), at_once);
        assert!(begun.take().is_none(), "ended once");
        // One begun and never ended leaves nothing behind.
        drop(Begun::new(begin_to(
            &dir.path().join("other"),
            "k",
            &lines,
            None,
        )));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_racy_file_or_an_episode_is_not_kept() {
        let text = "+++\ntitle = \"Ep\"\naudio = \"https://cdn.example/1.mp3\"\n+++\nNotes.\n";
        let episode = parsed(text, "e.md");
        let stat = old_stat();
        assert!(line("e.md", &stat, LATER, &episode, &[]).is_none());
        let plain = Entry {
            episode: None,
            ..episode
        };
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
