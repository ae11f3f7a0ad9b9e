//! The content cache: what lets a build that finds nothing changed end after a walk of the
//! source folders with one `stat` per file, reading no content and rendering nothing.
//!
//! It lives beside the state file (`.<state file name>.cache`), is written atomically after a
//! build that succeeded, and is only a hint: a cache that is missing, corrupt, of another
//! version, or that does not match what is on disk gives a full build, never an error and
//! never other output. A hit needs all of these to hold:
//! - the same inputs besides content ([`Key`]): this feedwright (version and binary), the
//!   config file's bytes, the working folder, the build's options;
//! - the same source files, in the same order, each with the size, modification and change
//!   times (nanoseconds) and inode recorded when it was read ([`Scan`]);
//! - the same state file, output files and local media (audio, artwork), by the same stat;
//! - a "now" no earlier than the cached build's and before its horizon: the earliest time at
//!   which the output changes by time alone (a future-dated entry appears, an `updated` key
//!   stops being clamped).
//!
//! It also lists each output with its hash when a push made one, so that `build --push` can
//! tell from the push state alone that there is nothing to send (see `cli/build.rs`).
//!
//! Racily clean files (git's name): a file whose times are within the file system's
//! timestamp granularity of the moment its stat was taken could change again without its
//! stat changing. A source in that window keeps the cache from being written (the next build
//! reads it again). The state file and the outputs a build has just written are always in it:
//! each is recorded with the digest of its bytes as well (a `racy` line), and counts as
//! unchanged only while both its stat and its bytes are the same. So the cron run after a
//! change finds nothing to do, as it would after a build that changed nothing. Each such run
//! reads those files again, so there is a budget (`stat::RacyBudget`): a build that rewrote
//! more (every archive page) writes no cache, and the next run records them settled.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use rayon::prelude::*;

use super::plan::{Plan, PlanOptions};
pub use super::stat::Stat;
use super::stat::{Input, RacyBudget, now_ns, write_input};
use crate::config::Config;
use crate::content;
use crate::error::Diagnostic;
use crate::identity::Note;

/// The first line of a cache file; a cache of another layout is ignored.
const MAGIC: &str = "feedwright cache 3";

/// Everything a build's output depends on besides content and time, as one digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(String);

impl Key {
    pub fn of(config: &Config, options: &PlanOptions) -> Key {
        let mut h = blake3::Hasher::new();
        h.update(MAGIC.as_bytes());
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        // Another build of the same version (a development build) may render differently.
        let exe = std::env::current_exe().ok().and_then(|p| Stat::of(&p));
        h.update(format!("{exe:?}").as_bytes());
        h.update(config.path.as_os_str().as_encoded_bytes());
        h.update(&std::fs::read(&config.path).unwrap_or_default());
        // Messages name files relative to it, and local audio may be relative to it.
        let cwd = std::env::current_dir().unwrap_or_default();
        h.update(cwd.as_os_str().as_encoded_bytes());
        h.update(&[u8::from(options.keep_going), u8::from(options.allow_drop)]);
        Key(h.finalize().to_hex().to_string())
    }

    pub(super) fn text(&self) -> &str {
        &self.0
    }
}

/// Whether a build of `config` may use the cache: not when a feed asks the network for media
/// lengths or artwork (its answer is not a file whose stat can be compared).
pub fn usable(config: &Config) -> bool {
    !config
        .feeds
        .iter()
        .any(|f| f.podcast.as_ref().is_some_and(|p| p.resolve_lengths))
}

/// A source file the scan found: its state key (shared with its entry and record) and stat.
pub(super) type Scanned = (Arc<str>, Stat);

/// The source files of every feed, found as the build finds them, each with its stat.
#[derive(Debug)]
pub struct Scan {
    /// When the stats were taken (before any file was read).
    taken: i64,
    /// Each distinct source folder, sorted, with its files in the walk's order.
    folders: Vec<(PathBuf, Vec<Scanned>)>,
    /// False when the walk met a problem (which the full build reports).
    clean: bool,
    /// The cache file's source lines (see [`Scan::source_lines`]).
    lines: std::sync::OnceLock<Option<String>>,
}

impl Scan {
    /// Walks every source folder with one `stat` per file, opening none.
    pub fn take(config: &Config) -> Scan {
        let taken = now_ns();
        let mut folders: Vec<&PathBuf> = config.feeds.iter().map(|f| &f.source).collect();
        folders.sort();
        folders.dedup();
        let roots = content::Roots::new(&config.root, &config.site.extra_roots);
        let mut clean = true;
        let folders = folders
            .into_iter()
            .map(|folder| {
                let (found, files, all) = super::walk::walk_and_stat(folder, &config.root, &roots);
                clean &= found.errors.is_empty() && found.warnings.is_empty() && all;
                (folder.clone(), files)
            })
            .collect();
        Scan {
            taken,
            folders,
            clean,
            lines: std::sync::OnceLock::new(),
        }
    }

    /// The cache file's part that names every source with its stat, most of the file:
    /// formatted once, by a core that has nothing else to do while the build runs, rather
    /// than after it. `None` when no cache can be written: a source was written a moment ago
    /// (the review just saved: racily clean) or has a line break in its name.
    pub fn source_lines(&self) -> Option<&str> {
        self.lines
            .get_or_init(|| {
                let sources = || self.folders.iter().flat_map(|(_, f)| f);
                let unusable =
                    |(name, stat): &Scanned| stat.racy(self.taken) || name.contains(['\n', '\r']);
                if sources().any(unusable) {
                    return None;
                }
                let names: usize = sources().map(|(name, _)| name.len()).sum();
                let files: usize = self.folders.iter().map(|(_, f)| f.len()).sum();
                // A source's line: its name and four numbers (grown by doubling, the text was
                // copied).
                let mut out = String::with_capacity(names + files * 72 + 4096);
                for (folder, files) in &self.folders {
                    let _ = writeln!(out, "folder {}", serde_json::to_string(folder).ok()?);
                    for (name, stat) in files {
                        out.push_str("source ");
                        stat.write(&mut out);
                        let _ = writeln!(out, " {name}");
                    }
                }
                Some(out)
            })
            .as_deref()
    }
}

impl Scan {
    /// The largest cache or side file this site can need: each holds less than twice what
    /// the sources and the state file hold (parsed metadata, rendered bodies, a line a file),
    /// with room for a small site's. A larger one is damaged (a disk error, a stray copy):
    /// read, it cost gigabytes on every run until deleted by hand.
    pub fn hint_limit(&self, config: &Config) -> u64 {
        let sources: u64 = self
            .folders
            .iter()
            .flat_map(|(_, f)| f)
            .map(|(_, s)| s.size)
            .sum();
        let state = Stat::of(&config.site.state_file).map_or(0, |s| s.size);
        sources
            .saturating_add(state)
            .saturating_mul(2)
            .saturating_add(64 << 20)
    }

    pub(super) fn is_clean(&self) -> bool {
        self.clean
    }

    pub(super) fn taken(&self) -> i64 {
        self.taken
    }

    pub(super) fn folders(&self) -> &[(PathBuf, Vec<Scanned>)] {
        &self.folders
    }
}

/// Where the cache of `config` lives: beside the state file, named after it.
pub fn path(config: &Config) -> PathBuf {
    let state = &config.site.state_file;
    let name = state
        .file_name()
        .map_or_else(|| "state".into(), |n| n.to_string_lossy());
    state.with_file_name(format!(".{name}.cache"))
}

/// What a build that found nothing changed reports: what the cached build reported.
#[derive(Debug)]
pub struct Hit {
    pub entries: usize,
    pub outputs: usize,
    pub warnings: Vec<Diagnostic>,
    pub notes: Vec<Note>,
    /// Each output file as the cached build left it (unchanged since: its stat was checked).
    pub files: Vec<Output>,
}

/// An output file recorded by the cache: what a push needs to know about it without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Relative to the output folder, `/`-separated.
    pub name: String,
    pub path: PathBuf,
    pub len: u64,
    /// blake3 of its bytes, hex, when the build that wrote the cache had it (a push does).
    pub hash: Option<String>,
    /// Whether it is a feed document.
    pub feed: bool,
}

/// The cached build's report when nothing it depends on changed; `None` otherwise (or when the
/// cache is missing or unreadable).
pub fn check(
    config: &Config,
    text: &str,
    key: &Key,
    now: DateTime<FixedOffset>,
    scan: &Scan,
) -> Option<Hit> {
    if !scan.clean {
        return None;
    }
    let hit = read(text, key, now, scan)?;
    // What a killed build left staged is cleared, as a full build would.
    super::stage::clean_leftovers(config);
    Some(hit)
}

/// The cache text checked against the disk, line by line.
fn read(text: &str, key: &Key, now: DateTime<FixedOffset>, scan: &Scan) -> Option<Hit> {
    let sources: usize = scan.folders.iter().map(|(_, f)| f.len()).sum();
    // A file added or removed shows in the count, read before the whole file is hashed and
    // compared line by line (the header is a few short lines; the seal is checked below).
    let counted = text
        .lines()
        .take(8)
        .find_map(|l| l.strip_prefix("sources "))
        .and_then(|n| n.parse::<usize>().ok());
    (counted == Some(sources)).then_some(())?;
    let body = sealed(text)?;
    let mut lines = body.lines();
    let mut field = |name: &str| lines.next()?.strip_prefix(name)?.strip_prefix(' ');
    (field("feedwright")? == MAGIC.trim_start_matches("feedwright ")).then_some(())?;
    (field("key")? == key.0).then_some(())?;
    let built = DateTime::parse_from_rfc3339(field("built")?).ok()?;
    let horizon = field("horizon")?;
    if now < built || (horizon != "never" && now >= DateTime::parse_from_rfc3339(horizon).ok()?) {
        return None;
    }
    let entries = field("entries")?.parse().ok()?;
    let outputs = field("outputs")?.parse().ok()?;
    // Its count was compared above.
    field("sources")?;
    let mut hit = Hit {
        entries,
        outputs,
        warnings: Vec::new(),
        notes: Vec::new(),
        files: Vec::new(),
    };
    let mut folders = scan.folders.iter();
    let mut files: Option<std::slice::Iter<'_, Scanned>> = None;
    // The files besides the sources are looked at last, once every source matched: a source
    // edited is the usual miss, told from the scan alone, while each input costs a `stat`
    // (and the outputs a build just wrote a read of their bytes).
    let mut inputs = Vec::new();
    let mut outputs = Vec::new();
    for line in lines {
        let (kind, rest) = line.split_once(' ')?;
        match kind {
            "warning" => {
                let (path, at, message): (PathBuf, Option<usize>, String) =
                    serde_json::from_str(rest).ok()?;
                hit.warnings.push(Diagnostic::new(path, at, message));
            }
            "note" => hit.notes.push(Note(serde_json::from_str(rest).ok()?)),
            "output" => outputs.push(rest),
            // For a build that finds a change (see `pages`).
            "page" | "said" => {}
            "input" | "racy" => inputs.push(Input::read(kind, rest)?),
            "folder" => {
                if files.as_mut().is_some_and(|f| f.next().is_some()) {
                    return None;
                }
                let (folder, found) = folders.next()?;
                (serde_json::from_str::<PathBuf>(rest).ok()? == *folder).then_some(())?;
                files = Some(found.iter());
            }
            "source" => {
                let (stat, name) = Stat::read(rest)?;
                let (found, now_stat) = files.as_mut()?.next()?;
                (&**found == name && *now_stat == stat).then_some(())?;
            }
            _ => return None,
        }
    }
    let rest_empty = files.as_mut().is_none_or(|f| f.next().is_none()) && folders.next().is_none();
    rest_empty.then_some(())?;
    inputs.par_iter().all(Input::unchanged).then_some(())?;
    hit.files = outputs
        .into_iter()
        .map(read_output)
        .collect::<Option<_>>()?;
    Some(hit)
}

/// `<len> <hash or -> <f or -> <["name", "path"]>`.
fn read_output(line: &str) -> Option<Output> {
    let mut parts = line.splitn(4, ' ');
    let len = parts.next()?.parse().ok()?;
    let hash = match parts.next()? {
        "-" => None,
        h if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => Some(h.to_string()),
        _ => return None,
    };
    let feed = match parts.next()? {
        "f" => true,
        "-" => false,
        _ => return None,
    };
    let (name, path): (String, PathBuf) = serde_json::from_str(parts.next()?).ok()?;
    Some(Output {
        name,
        path,
        len,
        hash,
        feed,
    })
}

fn write_output(out: &mut String, o: &super::OutputFile, hash: Option<&str>) -> Option<()> {
    let names = serde_json::to_string(&(&o.name, &o.path)).ok()?;
    let feed = if o.format.is_some() { "f" } else { "-" };
    let _ = writeln!(
        out,
        "output {} {} {feed} {names}",
        o.len,
        hash.unwrap_or("-")
    );
    Some(())
}

/// Whether the state file changed since the last build that wrote this cache `text`.
pub fn state_replaced(config: &Config, text: &str) -> bool {
    super::stat::replaced(text, &config.site.state_file)
}

/// The cache file's text, read once for [`check`] and [`pages`]; `None` when there is none.
pub fn text(config: &Config, limit: u64) -> Option<String> {
    String::from_utf8(super::hint_file::read(&path(config), limit)?).ok()
}

/// The archive pages the cache records (see [`super::pages`]), for a build that found a
/// change; `None` when there is no cache of these inputs (`key`).
pub fn pages(text: &str, key: &Key) -> Option<super::Pages> {
    let body = sealed(text)?;
    let mut lines = body.lines();
    (lines.next()? == MAGIC).then_some(())?;
    (lines.next()?.strip_prefix("key ")? == key.0).then_some(())?;
    let mut stats = foldhash::HashMap::default();
    let mut digests = Vec::new();
    let mut pages = super::Pages::default();
    for line in lines {
        let Some((kind, rest)) = line.split_once(' ') else {
            continue;
        };
        match kind {
            "input" | "racy" => {
                let input = Input::read(kind, rest)?;
                stats.insert(input.path, (input.stat, input.digest));
            }
            "page" => {
                let (digest, path) = rest.split_once(' ')?;
                digests.push((serde_json::from_str::<PathBuf>(path).ok()?, digest));
            }
            "said" => {
                type Said = (String, Vec<(PathBuf, Option<usize>, String)>);
                let (source, said): Said = serde_json::from_str(rest).ok()?;
                let said = said
                    .into_iter()
                    .map(|(path, at, message)| Diagnostic::new(path, at, message))
                    .collect();
                pages.said.insert(source, said);
            }
            _ => {}
        }
    }
    for (path, digest) in digests {
        if let Some((stat, bytes)) = stats.remove(&path) {
            let recorded = super::pages::Recorded {
                digest: digest.to_string(),
                stat,
                bytes,
            };
            pages.files.insert(path, recorded);
        }
    }
    Some(pages)
}

/// The text before the last line, when the last line is the digest of it.
pub(super) fn sealed(text: &str) -> Option<&str> {
    let at = text.trim_end_matches('\n').rfind('\n')? + 1;
    let digest = text[at..].strip_prefix("end ")?.trim_end();
    (digest == blake3::hash(&text.as_bytes()[..at]).to_hex().as_str()).then_some(&text[..at])
}

/// After a build: records what it read and reported, so that the next build can end early.
/// Any doubt (a walk with problems, a racily clean file, an entry skipped, a name that cannot
/// be written on one line) removes the cache instead. `hashes` are the outputs' hashes, in
/// the plan's order, when the caller has them (a push does); empty when it does not.
pub fn save(
    config: &Config,
    key: &Key,
    now: DateTime<FixedOffset>,
    scan: &Scan,
    plan: &Plan,
    hashes: &[String],
) {
    // The side file and the cache file are written on two cores: neither needs the other.
    let side = || {
        if scan.clean && plan.skipped.is_empty() {
            super::side_file::save(config, &plan.side_file);
        } else {
            // Its temp file goes with it (the plan itself is let go without a drop).
            drop(plan.side_file.take());
            super::reuse::forget(config);
        }
    };
    let cache = || {
        let file = path(config);
        match render(config, key, now, scan, plan, hashes) {
            Some((head, sources, end)) => {
                crate::output::write_unsynced(
                    &file,
                    &[head.as_bytes(), sources.as_bytes(), end.as_bytes()],
                );
            }
            None => {
                let _ = std::fs::remove_file(&file);
            }
        }
    };
    rayon::join(side, cache);
}

/// Removes the cache: the next build is a full one.
pub fn forget(config: &Config) {
    let _ = std::fs::remove_file(path(config));
    super::reuse::forget(config);
    super::bodies::forget(config);
}

/// The cache file's text in three parts: everything but the source lines, the source lines
/// (see [`Scan::source_lines`]), and the line that seals them.
fn render<'s>(
    config: &Config,
    key: &Key,
    now: DateTime<FixedOffset>,
    scan: &'s Scan,
    plan: &Plan,
    hashes: &[String],
) -> Option<(String, &'s str, String)> {
    // A first build says once what it recorded in the new state (the site id it derived): a
    // later one that ends early must not say it again, as a full one would not.
    if !scan.clean || !plan.skipped.is_empty() || plan.previous_state.is_none() {
        return None;
    }
    // Looked at first: a source written a moment ago (the review just saved) means no cache,
    // and nothing below need be formatted, nor any output read for its digest.
    let sources = scan.source_lines()?;
    let files: usize = scan.folders.iter().map(|(_, f)| f.len()).sum();
    let mut out = String::with_capacity(4096 + plan.outputs.len() * 256);
    let _ = writeln!(out, "{MAGIC}\nkey {}\nbuilt {}", key.0, now.to_rfc3339());
    let horizon = plan.horizon.map_or("never".into(), |h| h.to_rfc3339());
    let _ = writeln!(out, "horizon {horizon}");
    let _ = writeln!(
        out,
        "entries {}\noutputs {}\nsources {files}",
        plan.entry_count,
        plan.outputs.len()
    );
    for w in &plan.warnings[plan.said_once.min(plan.warnings.len())..] {
        let line = serde_json::to_string(&(&w.path, w.line, &w.message)).ok()?;
        let _ = writeln!(out, "warning {line}");
    }
    for n in &plan.lasting_notes {
        let _ = writeln!(out, "note {}", serde_json::to_string(&n.0).ok()?);
    }
    let taken = now_ns();
    let inputs = std::iter::once(&config.site.state_file)
        .chain(plan.outputs.iter().map(|o| &o.path))
        .chain(plan.inputs.iter());
    let mut budget = RacyBudget::default();
    for input in inputs {
        write_input(&mut out, input, taken, &mut budget)?;
    }
    for (i, o) in plan.outputs.iter().enumerate() {
        write_output(&mut out, o, hashes.get(i).map(String::as_str))?;
    }
    for (path, digest) in &plan.pages.files {
        let _ = writeln!(out, "page {digest} {}", serde_json::to_string(path).ok()?);
    }
    for (source, said) in &plan.pages.said {
        let said: Vec<_> = said.iter().map(|d| (&d.path, d.line, &d.message)).collect();
        let _ = writeln!(out, "said {}", serde_json::to_string(&(source, said)).ok()?);
    }
    // The source lines were formatted beside the build: hashed after the rest, not copied.
    let mut digest = blake3::Hasher::new();
    digest.update(out.as_bytes());
    digest.update(sources.as_bytes());
    let end = format!("end {}\n", digest.finalize().to_hex());
    Some((out, sources, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_text_sealed_by_its_last_line_is_read() {
        let body = "feedwright cache 1\nkey k\n";
        let text = format!("{body}end {}\n", blake3::hash(body.as_bytes()).to_hex());
        assert_eq!(sealed(&text), Some(body));
        assert_eq!(sealed(&text.replace("key k", "key j")), None);
        assert_eq!(sealed(&text[..text.len() - 3]), None);
        assert_eq!(sealed(""), None);
        assert_eq!(sealed("end \n"), None);
    }
}
