//! The first two stages of a build: [`gather`] reads the previous state and every source
//! folder (each file read and parsed on every core, see [`content::collect`]); [`parse`] sorts
//! what was read into the publishable entries of the feed that owns each file. Nothing here
//! gives ids or renders anything.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use rayon::prelude::*;

use super::cache::Scan;
use super::problems::Problems;
use super::reuse::{self, Reuse};
use super::sealing::Begun;
use super::side_file;
use super::state_copy::{self, StateText};
use crate::config::{Config, FeedConfig};
use crate::content::{self, Entry};
use crate::error::{Diagnostic, Result};
use crate::feed;
use crate::identity::State;

/// What was on disk when the build started.
pub(super) struct Gathered {
    /// The state file's records, if there is one.
    pub previous_state: Option<State>,
    /// Its records' texts, when it was read from the content cache's copy of it.
    pub previous_text: Option<StateText>,
    /// Each distinct source folder's parsed files.
    pub sources: HashMap<PathBuf, content::Collected>,
    /// The content cache's side file with each parsed file's line written (see
    /// [`side_file::Writing`]), when the sources were found by a clean [`Scan`].
    pub side_file: Begun,
}

/// What the content cache gives a build that could not end early: the sources found with
/// their stats, and the entries the last build parsed (see [`super::reuse`]).
#[derive(Clone, Copy)]
pub struct Reusing<'a> {
    /// The content cache's key for this build (its side file is begun with it).
    pub key: &'a super::cache::Key,
    pub scan: &'a Scan,
    /// The side file read at the start (shared with the next one's writer, which copies the
    /// unchanged lines from it).
    pub reuse: Option<&'a Arc<Reuse>>,
    /// The archive pages the last build wrote (see [`super::pages`]).
    pub pages: Option<&'a super::pages::Pages>,
    /// The bodies the last build rendered (see [`super::bodies`]).
    pub bodies: Option<&'a super::KeptBodies>,
}

/// Reads the state file and every source folder (only the files whose stat changed, when the
/// cache has the others).
pub(super) fn gather(config: &Config, reusing: Option<Reusing<'_>>) -> Result<Gathered> {
    // The state file is parsed while the sources are read: neither needs the other.
    let (previous_state, (sources, side_file)) = rayon::join(
        || {
            let mut spans = super::spans::Spans::start();
            let copy = reusing.and_then(|r| r.reuse).and_then(|r| r.state_copy());
            let state = state_copy::load(&config.site.state_file, copy);
            spans.mark("  state file parsed");
            state
        },
        || {
            let mut spans = super::spans::Spans::start();
            let found = match reusing {
                Some(r) if r.scan.is_clean() => collect_reusing(config, r),
                _ => (collect_sources(config), Begun::default()),
            };
            spans.mark("  sources read or reused");
            found
        },
    );
    let (previous_state, previous_text) = previous_state?;
    Ok(Gathered {
        previous_state,
        previous_text,
        sources,
        side_file,
    })
}

/// Whether a feed of `folder` renders every body (they are then kept rather than read twice).
fn keeps_bodies(config: &Config, folder: &Path) -> bool {
    config
        .feeds
        .iter()
        .any(|f| f.source == folder && (f.limit == 0 || feed::extras::keeps_all_items(f)))
}

/// How many files are read and parsed (on every core) before their side-file lines are handed
/// to its writer (see [`side_file::Writing`]).
const BATCH: usize = 4096;

/// [`collect_sources`] over the files a [`Scan`] found: an entry whose file kept its stat is
/// the one the last build parsed; the others are read and parsed, on every core. Each file's
/// side-file line is written as its batch is done.
fn collect_reusing(
    config: &Config,
    reusing: Reusing<'_>,
) -> (HashMap<PathBuf, content::Collected>, Begun) {
    let folders = reusing.scan.folders();
    let files = folders.iter().map(|(_, files)| files.len()).sum();
    let mut side = side_file::start(config, reusing.key, files, reusing.reuse.cloned());
    let mut sources = HashMap::new();
    let mut tags = content::TagNames::default();
    for (folder, files) in folders {
        let keep_bodies = keeps_bodies(config, folder);
        let mut out = content::Collected {
            entries: Vec::with_capacity(files.len()),
            found: Vec::with_capacity(files.len()),
            ..content::Collected::default()
        };
        let read = (config, reusing, keep_bodies);
        // Every file taken: nothing stops it early.
        read_in_batches(read, files, &mut side, |_, key, result| {
            out.found.push(key);
            match result {
                Ok((mut entry, warnings)) => {
                    tags.share(&mut entry);
                    out.entries.push(entry);
                    out.warnings.extend(warnings);
                }
                Err(errors) => out.errors.extend(errors),
            }
            Some(())
        });
        sources.insert(folder.clone(), out);
    }
    (
        sources,
        side.map_or_else(Begun::default, side_file::Writing::begun),
    )
}

/// The files of one folder read and parsed a batch at a time, on every core (see
/// [`parse_batch`]), each given to `each` with its place among `files`, in order; each file's
/// side-file line handed to `side` as its batch is done. Stops at the first file `each`
/// refuses (`None`).
pub(super) fn read_in_batches(
    (config, reusing, keep_bodies): (&Config, Reusing<'_>, bool),
    files: &[super::cache::Scanned],
    side: &mut Option<side_file::Writing>,
    mut each: impl FnMut(usize, Arc<str>, content::source::Boxed) -> Option<()>,
) -> Option<()> {
    for (b, batch) in files.chunks(BATCH).enumerate() {
        let parsed = parse_batch(config, reusing, batch, keep_bodies);
        for (i, (key, result, line)) in parsed.into_iter().enumerate() {
            *side = side.take().and_then(|mut s| s.line(line).map(|()| s));
            each(b * BATCH + i, key, result)?;
        }
        *side = side.take().and_then(|mut s| s.hand_on().map(|()| s));
    }
    Some(())
}

/// A file's key (shared with its entry), what reading it gave, and its side-file line.
type OneFile = (Arc<str>, content::source::Boxed, Option<reuse::Line>);

/// One batch of [`collect_reusing`], on every core, keys copied too: the caller only moves.
fn parse_batch(
    config: &Config,
    reusing: Reusing<'_>,
    batch: &[(Arc<str>, super::cache::Stat)],
    keep_bodies: bool,
) -> Vec<OneFile> {
    batch
        .par_iter()
        .map(|(key, stat)| {
            let key = Arc::clone(key);
            let (mut result, line) = match reusing.reuse.and_then(|r| r.get(&key, stat)) {
                Some((found, line)) => (Ok(found), Some(line)),
                None => {
                    let result = parse_file(config, &key);
                    let line = result.as_ref().ok().and_then(|(entry, warnings)| {
                        reuse::line(&key, stat, reusing.scan.taken(), entry, warnings)
                    });
                    (result, line)
                }
            };
            if let Ok((entry, _)) = &mut result {
                entry.source = Arc::clone(&key);
                if !keep_bodies {
                    entry.drop_body();
                }
            }
            (key, result.map(|(e, w)| (Box::new(e), w)), line)
        })
        .collect()
}

/// One source file read and parsed, as [`content::collect`] does it.
fn parse_file(config: &Config, key: &str) -> content::source::Parsed {
    let path = reuse::file_of(&config.root, key);
    let display = content::display_path(&path);
    let kind = content::source::kind_of(&path).unwrap_or(content::BodyKind::Markdown);
    let bytes = content::read_source(&path).map_err(|d| vec![d])?;
    content::parse_entry(&bytes, &display, key, kind, config.site.timezone)
}

/// Every distinct source folder's entries, read in parallel (see [`content::collect`]).
fn collect_sources(config: &Config) -> HashMap<PathBuf, content::Collected> {
    let mut folders: Vec<&PathBuf> = config.feeds.iter().map(|f| &f.source).collect();
    folders.sort();
    folders.dedup();
    let roots = content::Roots::new(&config.root, &config.site.extra_roots);
    folders
        .into_par_iter()
        .map(|folder| {
            // A feed without a limit renders every body: keep them rather than read them twice.
            let keep_bodies = keeps_bodies(config, folder);
            let collected = content::collect_within(
                folder,
                &config.root,
                &roots,
                config.site.timezone,
                keep_bodies,
            );
            (folder.clone(), collected)
        })
        .collect()
}

/// The sources sorted out by feed, ready for ids.
pub(super) struct Parsed {
    /// Each publishable entry (no draft, nothing dated in the future) with the name of the
    /// feed that owns its file (see [`owner_of`]), one name shared by all its entries.
    pub publishable: Vec<(Arc<str>, Box<Entry>)>,
    /// The state key of every source file found, valid or not.
    pub present: foldhash::HashSet<Arc<str>>,
    /// The earliest date of an entry left out for being in the future: the build's output
    /// changes when it comes (see [`super::cache`]).
    pub horizon: Option<DateTime<FixedOffset>>,
    /// The files that are there but give no entry: invalid, or refused (skipped under
    /// `--keep-going`). The drop guard counts a published one as dropped.
    pub left_out: Vec<Arc<str>>,
    /// What to say of each entry left out until its date: said by every build until then,
    /// those that end early on the content cache too.
    pub scheduled: Vec<crate::identity::Note>,
}

/// The name of the feed that owns `feed`'s entries. Feeds that share a source folder share its
/// entries (a notes feed and a podcast feed of the same episodes): each file is one entry with
/// one id, owned by the first such feed.
pub(super) fn owner_of<'a>(config: &'a Config, feed: &'a FeedConfig) -> &'a str {
    config
        .feeds
        .iter()
        .find(|f| f.source == feed.source)
        .map_or(&feed.name, |f| &f.name)
}

/// Sorts each folder's files into the entries of the feed that owns them, reporting what could
/// not be parsed (an entry problem: see [`Problems::entry_problem`]) and any file that two
/// feeds' folders both hold.
pub(super) fn parse(
    config: &Config,
    mut sources: HashMap<PathBuf, content::Collected>,
    (now, mut published): (DateTime<FixedOffset>, super::clock::Published<'_>),
    problems: &mut Problems,
) -> Parsed {
    let found = sources.values().map(|c| c.found.len()).sum::<usize>();
    let mut present = foldhash::HashSet::with_capacity_and_hasher(found, Default::default());
    let mut horizon: Option<DateTime<FixedOffset>> = None;
    let mut publishable =
        Vec::with_capacity(sources.values().map(|c| c.entries.len()).sum::<usize>());
    let roots = content::Roots::new(&config.root, &config.site.extra_roots);
    let mut left_out = Vec::new();
    let mut scheduled = Vec::new();
    for feed in &config.feeds {
        // Taken by the folder's first feed, its owner.
        let Some(collected) = sources.remove(&feed.source) else {
            continue;
        };
        let name: Arc<str> = Arc::from(feed.name.as_str());
        if !collected.errors.is_empty() {
            left_out.extend(unparsed(&collected));
        }
        collected
            .errors
            .into_iter()
            .for_each(|e| problems.entry_problem(e));
        problems.warnings.extend(collected.warnings);
        // Files that failed to parse are present too: not to be taken for vanished ones.
        for key in collected.found {
            if present.contains(&key) {
                problems.error(Diagnostic::new(
                    &*key,
                    None,
                    format!("is under the source folders of two feeds (`{}` and another); give feeds the same source or folders that do not nest", feed.name),
                ));
            } else {
                present.insert(key);
            }
        }
        for d in super::media_files::transcripts_read_as_entries(config, &collected.entries) {
            problems.error(d);
        }
        for entry in collected.entries {
            if let Some(refused) = refused(config, &roots, &entry) {
                problems.entry_problem(refused);
                left_out.push(Arc::clone(&entry.source));
                continue;
            }
            let mut future = entry.date.filter(|&d| d > now);
            // Either way the output, or what a build says of it, changes when the date comes:
            // the content cache ends there (its warnings and notes are said again until then).
            if let (false, Some(d)) = (entry.draft, future) {
                horizon = Some(horizon.map_or(d, |h| h.min(d)));
            }
            if let (false, Some(d)) = (entry.draft, future)
                && published.contains(&entry.source)
            {
                // Published by a build whose clock was later: a clock stepped back (within the
                // slack the clock guard allows) does not take it out of the feeds again.
                problems.warn(Diagnostic::new(
                    &*entry.source,
                    None,
                    format!(
                        "is dated {}, later than now, but a build published it already: it stays in the feeds, readers have it (a date moved forward on purpose cannot hold it back; otherwise, is the system clock behind?)",
                        d.to_rfc3339(),
                    ),
                ));
                future = None;
            }
            if let (false, Some(d)) = (entry.draft, future) {
                // A scheduled entry, or a typo (2062 for 2026): either way, said.
                scheduled.push(crate::identity::Note(format!(
                    "{} is dated {}, later than now: it is published from then on",
                    entry.source,
                    d.to_rfc3339()
                )));
            }
            if !entry.draft && future.is_none() {
                publishable.push((Arc::clone(&name), entry));
            }
        }
    }
    Parsed {
        publishable,
        present,
        horizon,
        left_out,
        scheduled,
    }
}

/// Why an entry that parsed is not published: more tags than allowed, or media outside the
/// site's folder. An entry problem (fatal, or the entry skipped under `--keep-going`).
pub(super) fn refused(
    config: &Config,
    roots: &content::Roots,
    entry: &Entry,
) -> Option<Diagnostic> {
    if entry.tags.len() > config.site.max_tags_per_entry {
        return Some(Diagnostic::new(
            &*entry.source,
            content::source::key_line_in(&config.root, &entry.source, "tags"),
            format!(
                "has {} tag{}, more than [site] max_tags_per_entry = {}: keep the few that matter, or raise the limit",
                entry.tags.len(),
                if entry.tags.len() == 1 { "" } else { "s" },
                config.site.max_tags_per_entry
            ),
        ));
    }
    super::media_files::outside_roots(roots, entry)
}

/// The keys of the files of `collected` that did not parse.
fn unparsed(collected: &content::Collected) -> Vec<Arc<str>> {
    let parsed: foldhash::HashSet<&str> = collected.entries.iter().map(|e| &*e.source).collect();
    collected
        .found
        .iter()
        .filter(|k| !parsed.contains(&***k))
        .cloned()
        .collect()
}
