//! A site's first build without every entry held at once.
//!
//! With no state file and nothing published in the output folder, each entry's new record (its
//! id and dates) depends on that entry alone. So the records are written to the state's text as
//! the sources are read, in the order the state file lists them, and only the entries a later
//! stage reads are kept whole: each feed's newest (twice its `limit`: the picks, and the bodies
//! kept for the next build) and the few that later stages say something of (drafts, entries
//! dated later than now, an `updated` key). The rest of the build runs as for any site on those
//! entries, and stages the state from the text written here (`engine::stage_state`). At 100,000
//! sources, holding every entry and record at once was most of the first build's memory.
//!
//! What this cannot settle alone gives up (`None`), and the build reads the sources again the
//! usual way, which says what is wrong: a file that does not parse or is refused, two entries
//! with one id or one link, podcast media, tag feeds, archives, a feed of every item, feeds
//! that share or nest folders, files not walked in the state's order.

use std::collections::{BinaryHeap, HashMap};
use std::hash::BuildHasher as _;
use std::io::{BufWriter, Read as _, Seek as _};
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};

use super::cache::Scanned;
use super::gather::{self, Gathered, Reusing};
use super::plan::PlanOptions;
use super::problems::Problems;
use super::side_file;
use crate::config::{Config, FeedConfig, FeedKind};
use crate::content::{self, Entry};
use crate::error::{Error, Result};
use crate::identity::{self, RecordStream, State};

/// The state file's text written while the sources were read, and the records' copy for the
/// content cache's side file (see `super::state_copy`).
pub(super) struct Streamed {
    /// Everything before the records: the header, the integrity line, the tables.
    front: String,
    /// The records' text, in an unnamed temp file beside the state file.
    body: std::fs::File,
    /// How many records (every publishable entry has one).
    pub records: usize,
    /// The state without its records (its tables).
    tables: State,
    /// Each record's copy, encoded, in an unnamed temp file (`None`: not kept, the next build
    /// reads the state file itself), and where each record's text is in the file.
    copies: Option<std::fs::File>,
    texts: Vec<(u64, u64)>,
}

impl Streamed {
    /// The state file staged from this text (see [`crate::output::StagedStream`]), and the
    /// copy of it written to the side file `side`.
    pub(super) fn stage(
        mut self,
        state_file: &Path,
        side: &super::sealing::Begun,
    ) -> Result<Option<tempfile::TempPath>> {
        let mut file = crate::output::StagedStream::new(state_file)?;
        let mut digest = blake3::Hasher::new();
        digest.update(self.front.as_bytes());
        file.put(self.front.as_bytes())?;
        let failed = |e| Error::io(state_file, "writing", e);
        give_back(&mut self.body, failed, |part| {
            digest.update(part);
            file.put(part)
        })?;
        let staged = file.finish()?;
        if let Some(copies) = self.copies.take() {
            self.copy_into(*digest.finalize().as_bytes(), copies, side);
        }
        Ok(staged)
    }

    /// The copy of the state staged, of digest `digest`, written to the side file.
    fn copy_into(&self, digest: [u8; 32], mut copies: std::fs::File, side: &super::sealing::Begun) {
        let texts = &self.texts;
        let Some((before, after)) =
            super::state_copy::streamed_parts(digest, &self.tables, self.records, texts)
        else {
            return;
        };
        let Ok(encoded) = copies.metadata().map(|m| m.len()) else {
            return;
        };
        let len = before.len() as u64 + encoded + after.len() as u64;
        side_file::put_state_parts(side, len, |out| {
            use std::io::Write as _;
            out.write_all(&before).ok()?;
            give_back(&mut copies, |e| e, |part| out.write_all(part)).ok()?;
            out.write_all(&after).ok()
        });
    }
}

/// The bytes of a temp file given to `put` a block at a time from its start, each block's
/// room given back to the file system once put (a full disk has room for the state file as
/// long as it had room for this text). A read that fails is `read_failed`'s error.
fn give_back<E>(
    file: &mut std::fs::File,
    read_failed: impl Fn(std::io::Error) -> E,
    mut put: impl FnMut(&[u8]) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    use rustix::fs::{FallocateFlags, fallocate};
    file.seek(std::io::SeekFrom::Start(0))
        .map_err(&read_failed)?;
    let mut block = vec![0; 1 << 16];
    let mut at = 0u64;
    loop {
        let n = file.read(&mut block).map_err(&read_failed)?;
        if n == 0 {
            return Ok(());
        }
        put(&block[..n])?;
        // Not every file system can (then the room comes back when the file is closed).
        let punch = FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE;
        let _ = fallocate(&*file, punch, at, n as u64);
        at += n as u64;
    }
}

/// The sources read for a first build whose state was written as they were (see the module);
/// `None` when this build is not one, or gave up.
pub(super) fn gather(
    config: &Config,
    reusing: Option<Reusing<'_>>,
    now: DateTime<FixedOffset>,
    options: PlanOptions,
) -> Option<(Gathered, Streamed)> {
    let reusing = reusing?;
    let owners = owners(config, reusing, options)?;
    let site_id = super::identify::site_id(config, None, &mut Problems::new(false)).ok()?;
    let state_file = &config.site.state_file;
    let folder = state_file.parent().filter(|p| !p.as_os_str().is_empty());
    let folder = folder.unwrap_or(Path::new("."));
    let temp = || tempfile::tempfile_in(folder).map(|f| BufWriter::with_capacity(1 << 16, f));
    let tables = State::new(site_id.clone());
    let mut reader = Reader {
        config,
        now,
        site_id,
        roots: content::Roots::new(&config.root, &config.site.extra_roots),
        stream: RecordStream::new(&tables, temp().ok()?),
        copies: temp().ok(),
        ids: foldhash::HashSet::default(),
        links: foldhash::HashSet::default(),
    };
    let folders = reusing.scan.folders();
    let files = folders.iter().map(|(_, files)| files.len()).sum();
    let mut side = side_file::start(config, reusing.key, files, None);
    let mut sources = HashMap::new();
    for ((folder, files), feed) in folders.iter().zip(owners) {
        let Some(collected) = reader.folder(reusing, feed, files, &mut side) else {
            // Its writer done with it, so that its temp file is gone before the usual way
            // begins another.
            drop(side.map(side_file::Writing::begun));
            return None;
        };
        sources.insert(folder.clone(), collected);
    }
    let records = reader.stream.records();
    let (front, body, texts) = reader.stream.finish();
    let copies = reader.copies.and_then(|c| c.into_inner().ok());
    let gathered = Gathered {
        previous_state: None,
        previous_text: None,
        sources,
        side_file: side.map_or_else(Default::default, side_file::Writing::begun),
    };
    let streamed = Streamed {
        front,
        body: body.into_inner().ok()?,
        records,
        tables,
        copies,
        texts,
    };
    Some((gathered, streamed))
}

/// The feed that owns each folder the scan walked, in its order, when this build may write
/// its state as it reads (see the module).
fn owners<'c>(
    config: &'c Config,
    reusing: Reusing<'_>,
    options: PlanOptions,
) -> Option<Vec<&'c FeedConfig>> {
    let asked = options.stream_first_build
        && options.stage
        && !options.verify_only
        && !options.keep_entries;
    let nothing_at = |p: &Path| p.symlink_metadata().is_err();
    let state = &config.site.state_file;
    let first = nothing_at(state) && nothing_at(&identity::last_written::path(state));
    let published = config.feeds.iter().any(|f| {
        let files = f.formats.iter().map(|&format| f.file_name(format));
        files
            .map(|name| config.site.output_dir.join(name))
            .any(|p| !nothing_at(&p))
    });
    let plain = config.feeds.iter().all(|f| {
        f.kind == FeedKind::Notes
            && f.podcast.is_none()
            && f.limit > 0
            && !crate::feed::extras::keeps_all_items(f)
    });
    let scan = reusing.scan;
    if !(asked && first && !published && plain && scan.is_clean() && reusing.reuse.is_none()) {
        return None;
    }
    let folders = scan.folders();
    let nested = folders.iter().any(|(a, _)| {
        let mut others = folders.iter().filter(|(b, _)| a != b);
        others.any(|(b, _)| a.starts_with(b))
    });
    // The state lists records by feed, then source: read in that order, they are written as
    // they come.
    let in_order = |files: &[Scanned]| files.windows(2).all(|w| w[0].0 < w[1].0);
    let owners = folders
        .iter()
        .map(|(folder, files)| {
            let mut feeds = config.feeds.iter().filter(|f| &f.source == folder);
            let feed = feeds.next()?;
            (feeds.next().is_none() && in_order(files)).then_some(feed)
        })
        .collect::<Option<Vec<_>>>()?;
    let names_in_order = owners.windows(2).all(|w| w[0].name < w[1].name);
    (!nested && names_in_order).then_some(owners)
}

/// What reading the sources carries from file to file.
struct Reader<'c> {
    config: &'c Config,
    now: DateTime<FixedOffset>,
    site_id: String,
    roots: content::Roots,
    stream: RecordStream<BufWriter<std::fs::File>>,
    /// Each record's copy for the side file (`None` once it could not be written).
    copies: Option<BufWriter<std::fs::File>>,
    /// The hashes of the ids and of the links given so far (two alike: given up).
    ids: foldhash::HashSet<u64>,
    links: foldhash::HashSet<u64>,
}

/// What becomes of an entry read.
enum Taken {
    /// Kept whole: a later stage says something of it.
    Whole(Box<Entry>),
    /// Its record written; kept while it is among its feed's newest.
    Ranked(Ranked),
}

impl Reader<'_> {
    /// The files of one folder read, a batch at a time on every core, their records written
    /// and the entries kept whole that a later stage reads.
    fn folder(
        &mut self,
        reusing: Reusing<'_>,
        feed: &FeedConfig,
        files: &[Scanned],
        side: &mut Option<side_file::Writing>,
    ) -> Option<content::Collected> {
        let name: Arc<str> = Arc::from(feed.name.as_str());
        let mut newest = Newest::new(feed.limit.saturating_mul(2));
        let mut whole = Vec::new();
        let mut warnings = Vec::new();
        let read = (self.config, reusing, false);
        gather::read_in_batches(read, files, side, |at, _, result| {
            let (entry, said) = result.ok()?;
            warnings.extend(said);
            match self.take(feed, &name, entry)? {
                Taken::Whole(entry) => whole.push((at, entry)),
                Taken::Ranked(ranked) => newest.offer(Ranked { at, ..ranked }),
            }
            Some(())
        })?;
        whole.extend(newest.kept.into_iter().map(|r| (r.at, r.entry)));
        whole.sort_unstable_by_key(|(at, _)| *at);
        let mut tags = content::TagNames::default();
        let entries: Vec<Box<Entry>> = whole
            .into_iter()
            .map(|(_, mut entry)| {
                tags.share(&mut entry);
                entry
            })
            .collect();
        Some(content::Collected {
            found: entries.iter().map(|e| Arc::clone(&e.source)).collect(),
            entries,
            errors: Vec::new(),
            warnings,
        })
    }

    /// One entry of `feed` (named `name`): its record written when it has one.
    fn take(&mut self, feed: &FeedConfig, name: &Arc<str>, entry: Box<Entry>) -> Option<Taken> {
        let refused = gather::refused(self.config, &self.roots, &entry);
        if refused.is_some() || entry.episode().is_some() {
            return None;
        }
        if entry.draft || entry.date.is_some_and(|d| d > self.now) {
            // Not published now: no record; `parse` says what it says of them.
            return Some(Taken::Whole(entry));
        }
        let id = identity::first_id(&self.site_id, name, &entry);
        let record = identity::new_record(id, Arc::clone(name), &entry, self.now);
        let link = super::links::link_hash_of(self.config, feed, &entry, record.date).ok()?;
        let hash = foldhash::quality::FixedState::with_seed(0x6964).hash_one(&*record.id);
        if !self.ids.insert(hash) || !self.links.insert(link) {
            return None;
        }
        self.stream.push(&record).ok()?;
        if let Some(copies) = &mut self.copies
            && super::state_copy::encode_record(&record, copies).is_none()
        {
            self.copies = None;
        }
        if entry.updated().is_some() {
            // Identify says of some `updated` keys that they are later than now or than the
            // date; the earliest one later than now is when the output changes.
            return Some(Taken::Whole(entry));
        }
        Some(Taken::Ranked(Ranked {
            published: record.date,
            id: record.id,
            at: 0,
            entry,
        }))
    }
}

/// An entry with its place among its feed's entries, newest first then by id (the order
/// `resolve` picks in), and in its folder's walk.
struct Ranked {
    published: DateTime<FixedOffset>,
    id: Box<str>,
    at: usize,
    entry: Box<Entry>,
}

impl Ranked {
    /// Greater is later in the picking order.
    fn order(&self, other: &Self) -> std::cmp::Ordering {
        (other.published.cmp(&self.published)).then_with(|| self.id.cmp(&other.id))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.order(other).is_eq()
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.order(other)
    }
}

/// A feed's first `n` entries in the picking order, of those offered so far.
struct Newest {
    kept: BinaryHeap<Ranked>,
    n: usize,
}

impl Newest {
    fn new(n: usize) -> Newest {
        let kept = BinaryHeap::with_capacity(n.saturating_add(1).min(1 << 16));
        Newest { kept, n }
    }

    fn offer(&mut self, ranked: Ranked) {
        self.kept.push(ranked);
        if self.kept.len() > self.n {
            // The last in the picking order: no pick, no body kept.
            self.kept.pop();
        }
    }
}

#[cfg(test)]
#[path = "fresh_tests.rs"]
mod tests;
