//! A build as an ordered list of stages: read the state, collect and parse the content, give
//! every entry its permanent id and dates, render each feed, check the output. [`plan`] does
//! all of it in memory; [`write`] then puts the result on disk, state first.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use chrono::{DateTime, Datelike, FixedOffset};
use rayon::prelude::*;
use url::Url;

use crate::config::podcast::{Artwork, MissingAudio};
use crate::config::{Config, FeedConfig, FeedKind, Format, Person};
use crate::content::{self, Entry, render::render};
use crate::error::{Diagnostic, Error, Result};
use crate::feed::{self, Enclosure, FeedDoc, FeedItem, PodcastChannel, podcast};
use crate::identity::compare::PlannedEntry;
use crate::identity::{self, Identified, Note, State};
use crate::media::{self, MediaRules};
use crate::verify;

/// One rendered output file.
#[derive(Debug)]
pub struct OutputFile {
    pub path: PathBuf,
    /// Path relative to the output folder, `/`-separated (also its name on a remote host).
    pub name: String,
    /// The feed format; `None` for files that are not feeds (`feed.xsl`, `index.opml`).
    pub format: Option<Format>,
    /// The file's bytes; `None` for a feed that a staging plan wrote straight to its temp file
    /// as it was rendered, instead of holding it (see [`OutputFile::read`]).
    pub bytes: Option<String>,
    /// Its length in bytes.
    pub len: u64,
    /// Whether the file was already written next to its place (see [`PlanOptions::stage`]).
    pub staged: Staged,
}

impl OutputFile {
    /// The file's bytes: the plan's, or, for a file not held, the file in place once [`write`]
    /// has run.
    pub fn read(&self) -> Result<std::borrow::Cow<'_, [u8]>> {
        match &self.bytes {
            Some(b) => Ok(std::borrow::Cow::Borrowed(b.as_bytes())),
            None => std::fs::read(&self.path)
                .map(std::borrow::Cow::Owned)
                .map_err(|e| Error::io(&self.path, "reading", e)),
        }
    }
}

/// What a staging plan ([`PlanOptions::stage`]) did with an output file.
#[derive(Debug, Default)]
pub enum Staged {
    /// Nothing yet: [`write`] compares and writes it.
    #[default]
    No,
    /// The file on disk already holds these bytes.
    Unchanged,
    /// Written and synced to a temp file in the same folder, which [`write`] renames into
    /// place (taking it out); dropped (a failed build), the temp file is removed.
    Written(std::sync::Mutex<Option<tempfile::TempPath>>),
}

impl Staged {
    /// What staging a file gave: its temp file, or none when the file on disk already holds it.
    fn from_temp(tmp: Option<tempfile::TempPath>) -> Staged {
        match tmp {
            Some(tmp) => Staged::Written(std::sync::Mutex::new(Some(tmp))),
            None => Staged::Unchanged,
        }
    }
}

/// What a build would write, and what it found on the way.
#[derive(Debug)]
pub struct Plan {
    pub outputs: Vec<OutputFile>,
    /// Every publishable entry with its id and link, beyond any feed `limit`.
    pub entries: Vec<PlannedEntry>,
    pub state: State,
    pub previous_state: Option<State>,
    pub warnings: Vec<Diagnostic>,
    pub notes: Vec<Note>,
    /// Entries left out under `--keep-going`, with why; the build still fails at the end.
    pub skipped: Vec<Diagnostic>,
    /// The state file of a staging plan ([`PlanOptions::stage`]), written while the feeds were
    /// rendered; [`write`] renames it into place before any feed.
    pub state_staged: Staged,
}

/// How strict a build is.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Publish every valid entry and report the invalid ones, instead of all-or-nothing.
    pub keep_going: bool,
    /// Build even when the state file is missing and the feeds already in the output folder
    /// would get other ids (`adopt-ids` and `check --against` compare on their own).
    pub allow_id_changes: bool,
    /// Write each changed output to a temp file next to it as soon as it is rendered and
    /// checked, on the core that rendered it, while other files are still being rendered;
    /// [`write`] then only renames them, after the state. Nothing is visible before [`write`],
    /// and a failed plan removes its temp files. Only for a caller that holds the run lock and
    /// writes the plan (`build`, `serve`).
    pub stage: bool,
}

/// Reads everything and renders every feed, writing nothing. All-or-nothing: any invalid entry
/// fails the whole plan.
pub fn plan(config: &Config, now: DateTime<FixedOffset>) -> Result<Plan> {
    plan_with(config, now, PlanOptions::default())
}

/// [`plan`] with options.
pub fn plan_with(
    config: &Config,
    now: DateTime<FixedOffset>,
    options: PlanOptions,
) -> Result<Plan> {
    // Problems confined to one entry: fatal by default, skipped under --keep-going.
    let mut skipped = Vec::new();
    let mut entry_problem = |errors: &mut Vec<Diagnostic>, d: Diagnostic| {
        if options.keep_going {
            skipped.push(d);
        } else {
            errors.push(d);
        }
    };
    // The state file is parsed while the sources are read: neither needs the other.
    let (previous_state, mut collected_sources) = rayon::join(
        || identity::load_state(&config.site.state_file),
        || collect_sources(config),
    );
    let previous_state = previous_state?;
    let mut warnings = Vec::new();

    let site_id = match (&config.site.id, &previous_state) {
        (Some(id), _) => id.clone(),
        (None, Some(state)) => state.site_id.clone(),
        (None, None) => {
            let id = identity::site_id_from_host(&config.site.base_url);
            warnings.push(Diagnostic::new(
                &config.path,
                None,
                format!(
                    "[site] id is not set: ids are derived from the host `{}` and recorded in the state file; pin it with `id = \"tag:{},{}:\"` under [site]",
                    config.site.base_url.host_str().unwrap_or(""),
                    config.site.base_url.host_str().unwrap_or(""),
                    now.year()
                ),
            ));
            id
        }
    };
    // The previous state itself, not a copy (11,000 records are megabytes).
    let fresh_state;
    let base_state = match &previous_state {
        Some(state) => state,
        None => {
            fresh_state = State::new(site_id.clone());
            &fresh_state
        }
    };

    // Feeds that share a source folder share its entries (a notes feed and a podcast feed of
    // the same episodes): each file is one entry with one id, owned by the first such feed.
    let mut errors = Vec::new();
    let mut present = BTreeSet::new();
    let mut publishable = Vec::with_capacity(
        collected_sources
            .values()
            .map(|c| c.entries.len())
            .sum::<usize>(),
    );
    let mut owners: Vec<(&std::path::Path, &str)> = Vec::new();
    for feed in &config.feeds {
        if owners.iter().any(|(folder, _)| *folder == feed.source) {
            continue;
        }
        owners.push((&feed.source, &feed.name));
        let collected = collected_sources.remove(&feed.source).unwrap_or_default();
        for e in collected.errors {
            entry_problem(&mut errors, e);
        }
        warnings.extend(collected.warnings);
        // Files that failed to parse are present too: not to be taken for vanished ones.
        for key in collected.found {
            if !present.insert(key.clone()) {
                errors.push(Diagnostic::new(
                    &key,
                    None,
                    format!("is under the source folders of two feeds (`{}` and another); give feeds the same source or folders that do not nest", feed.name),
                ));
            }
        }
        for entry in collected.entries {
            let future = entry.date.is_some_and(|d| d > now);
            if !entry.draft && !future {
                publishable.push((feed.name.clone(), entry));
            }
        }
    }
    let owner_of = |feed: &FeedConfig| -> String {
        owners
            .iter()
            .find(|(folder, _)| *folder == feed.source)
            .map_or_else(|| feed.name.clone(), |(_, name)| name.to_string())
    };

    let assigned = identity::assign(&site_id, base_state, publishable, &present, now);
    errors.extend(assigned.errors);
    for feed in &config.feeds {
        for rule in verify::podcast::channel(feed, config.site.language.as_deref()) {
            errors.push(Diagnostic::new(&config.path, None, rule));
        }
    }
    if !errors.is_empty() {
        return Err(Error::Content(errors));
    }
    let mut state = assigned.state;

    // Every entry's link (a URL join each): on every core; the first error in order is reported.
    let entries = assigned
        .items
        .par_iter()
        .map(|it| {
            let feed = config
                .feeds
                .iter()
                .find(|f| f.name == it.feed)
                .expect("items come from configured feeds");
            Ok(PlannedEntry {
                feed: it.feed.clone(),
                source: it.entry.source.clone(),
                id: it.id.clone(),
                title: it.entry.title.clone(),
                link: item_url(config, feed, &it.entry, it.published)?.to_string(),
                published: it.published,
                explicit_id: it.entry.id.is_some(),
            })
        })
        .collect::<Vec<Result<PlannedEntry>>>()
        .into_iter()
        .collect::<Result<Vec<_>>>()?;

    if previous_state.is_none() && !options.allow_id_changes {
        guard_lost_state(config, &entries)?;
    }

    if options.stage {
        // Leftovers of a killed run; ours are made below (the caller holds the run lock).
        crate::output::clean_stale_temps_tree(&config.site.output_dir);
        // The state file is staged too, beside itself.
        if let Some(dir) = config.site.state_file.parent() {
            let dir = if dir.as_os_str().is_empty() {
                std::path::Path::new(".")
            } else {
                dir
            };
            crate::output::clean_stale_temps(dir);
        }
    }
    // Every feed's document first (its items rendered on every core), then every file of every
    // feed rendered, checked and staged side by side: a small feed's files fill the cores
    // while a large one is still being written or checked.
    let mut expanded_feeds = Vec::with_capacity(config.feeds.len());
    // For each feed that renders its bodies later, where its items' entries are.
    let mut kept = Vec::with_capacity(config.feeds.len());
    let mut site_index = feed::extras::SiteIndex::default();
    // Where each entry is in `assigned.items`, by source: a feed that renders its bodies later
    // keeps the entries of its items, and only those (see below).
    let index_of: HashMap<&str, usize> = assigned
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.entry.source.as_str(), i))
        .collect();
    for feed in &config.feeds {
        // Warnings in the order a feed-by-feed build gives them: this feed's, then its files'.
        let mut warnings = Vec::new();
        let owner = owner_of(feed);
        let mut items: Vec<&Identified> =
            assigned.items.iter().filter(|i| i.feed == owner).collect();
        items.sort_by(|a, b| b.published.cmp(&a.published).then_with(|| a.id.cmp(&b.id)));
        let media = media_rules(config, feed);
        let mut enclosures = Vec::with_capacity(items.len());
        if feed.kind == FeedKind::Podcast {
            // Only episodes with audio go into a podcast feed; the limit counts those.
            let skip_is_error = feed
                .podcast
                .as_ref()
                .is_some_and(|p| p.missing_audio == MissingAudio::Error);
            let mut kept = Vec::with_capacity(items.len());
            for it in items {
                let resolved = match &it.entry.episode {
                    Some(ep) => media::enclosure(ep, &media, &mut state.media_lengths),
                    None => Ok(None),
                };
                match resolved {
                    Ok(Some(enc)) => {
                        kept.push(it);
                        enclosures.push(Some(enc));
                    }
                    Ok(None) if skip_is_error => entry_problem(
                        &mut errors,
                        Diagnostic::new(
                            &it.entry.source,
                            None,
                            format!("has no `audio`, and podcast feed `{}` sets missing_audio = \"error\"", feed.name),
                        ),
                    ),
                    Ok(None) => warnings.push(Diagnostic::new(
                        &it.entry.source,
                        None,
                        format!("has no `audio`; left out of podcast feed `{}` (it stays in the notes feeds)", feed.name),
                    )),
                    Err(problem) => entry_problem(&mut errors, Diagnostic::new(&it.entry.source, None, problem)),
                }
            }
            items = kept;
        } else {
            // Notes feeds carry an enclosure when one resolves without asking the network.
            let offline = MediaRules {
                resolve_remote: false,
                ..media
            };
            for it in &items {
                let enc = it.entry.episode.as_ref().and_then(|ep| {
                    media::enclosure(ep, &offline, &mut state.media_lengths)
                        .ok()
                        .flatten()
                });
                enclosures.push(enc);
            }
        }
        if feed.limit > 0 && !feed::extras::keeps_all_items(feed) {
            items.truncate(feed.limit);
            enclosures.truncate(feed.limit);
        }
        let podcast = match &feed.podcast {
            Some(p) => {
                let self_url = feed_url(config, feed, Format::Rss);
                let guid = match &p.guid {
                    Some(g) => g.clone(),
                    None => state
                        .podcast_guids
                        .entry(feed.name.clone())
                        .or_insert_with(|| podcast::podcast_guid(self_url.as_str()))
                        .clone(),
                };
                let image_url = match &p.image {
                    Some(Artwork::Remote(u)) => Some(u.clone()),
                    Some(Artwork::Local { url, .. }) => url.clone(),
                    None => None,
                };
                Some(PodcastChannel {
                    config: p.clone(),
                    guid,
                    image_url,
                })
            }
            None => None,
        };
        // A feed whose only files are its RSS and Atom documents renders its bodies as those
        // are written, a run at a time (see [`Bodies`]); tag feeds, archive pages and JSON Feed
        // read every body of the document, rendered first.
        let later = !feed::extras::keeps_all_items(feed) && !feed.formats.contains(&Format::Json);
        let doc = feed_doc(config, feed, &site_id, &items, enclosures, podcast, later)?;
        if feed.kind == FeedKind::Podcast {
            let pairs = items
                .iter()
                .map(|i| i.entry.source.as_str())
                .zip(doc.items.iter());
            for (source, problem) in verify::podcast::episodes(feed, pairs) {
                errors.push(Diagnostic::new(source, None, problem));
            }
        }
        // Archive pages and tag feeds (`archive`, `tags`) go through the same checks.
        let expanded = feed::extras::expand(config, feed, &site_id, doc);
        warnings.extend(
            expanded
                .warnings
                .iter()
                .map(|w| Diagnostic::new(&config.path, None, w.as_str())),
        );
        site_index.add(&expanded);
        kept.push(later.then(|| {
            items
                .iter()
                .map(|it| index_of[it.entry.source.as_str()])
                .collect::<Vec<usize>>()
        }));
        expanded_feeds.push((feed, expanded, warnings));
    }
    if !errors.is_empty() {
        return Err(Error::Content(errors));
    }
    drop(index_of);
    let bodies = Bodies::of_feeds(config, assigned.items, kept);
    // Each file is rendered, checked and staged on its own core (each large one on every core
    // too), the files of a feed that renders its bodies as it writes them together; the
    // indexed collect keeps the order.
    let files: Vec<_> = expanded_feeds
        .iter()
        .enumerate()
        .flat_map(|(i, (_, expanded, _))| expanded.files().map(move |f| (i, f)))
        .collect();
    // One job per file, except the files of a feed whose bodies are rendered as they are
    // written: one job for all of them (the files of a feed are next to each other).
    let mut jobs: Vec<(std::ops::Range<usize>, Option<&Bodies>)> = Vec::new();
    let mut at = 0;
    for ((_, expanded, _), bodies) in expanded_feeds.iter().zip(&bodies) {
        let end = at + expanded.files().count();
        match bodies {
            Some(bodies) => jobs.push((at..end, Some(bodies))),
            None => jobs.extend((at..end).map(|k| (k..k + 1, None))),
        }
        at = end;
    }
    // The state is final: a staging plan writes it (to its temp file) while the feeds render.
    let stage_state = || -> Result<Staged> {
        if !options.stage {
            return Ok(Staged::No);
        }
        if previous_state.as_ref() == Some(&state) {
            return Ok(Staged::Unchanged);
        }
        let text = state.to_toml();
        crate::output::stage_if_changed(&config.site.state_file, text.as_bytes())
            .map(Staged::from_temp)
    };
    let render_one = |(doc, format, name): &(&FeedDoc, Format, &str)| -> RenderedFile {
        let path = config.site.output_dir.join(name);
        if options.stage
            && let Some(streamed) = stream_file(doc, *format, &path)
        {
            return streamed;
        }
        let bytes = feed::render(doc, *format);
        // The check (CPU) and the staging (mostly waiting for the disk) run side by side; a
        // file that fails the check is never renamed into place (its temp file is dropped).
        let (violations, staged) = rayon::join(
            || verify::document(*format, &bytes),
            || -> Result<Staged> {
                if !options.stage {
                    return Ok(Staged::No);
                }
                crate::output::stage_if_changed(&path, bytes.as_bytes()).map(Staged::from_temp)
            },
        );
        let staged = if violations.is_empty() {
            staged
        } else {
            Ok(Staged::No)
        };
        RenderedFile {
            len: bytes.len() as u64,
            bytes: Some(bytes),
            violations,
            staged,
        }
    };
    // The files of a feed whose bodies are rendered as they are written: streamed together, or,
    // when they cannot be given in parts, each written whole from a document with every body.
    let render_together = |files: &[(usize, (&FeedDoc, Format, &str))], bodies: &Bodies| {
        let doc = files[0].1.0;
        let fill = |at, items: &[FeedItem]| std::borrow::Cow::Owned(bodies.fill(at, items));
        if options.stage {
            let targets: Vec<(Format, PathBuf)> = files
                .iter()
                .map(|(_, (_, format, name))| (*format, config.site.output_dir.join(name)))
                .collect();
            if let Some(streamed) = stream_files(doc, &targets, fill) {
                return streamed;
            }
        }
        let full = FeedDoc {
            items: bodies.fill(0, &doc.items),
            ..doc.clone()
        };
        files
            .iter()
            .map(|(_, (_, format, name))| render_one(&(&full, *format, name)))
            .collect()
    };
    let render_files = || -> Vec<RenderedFile> {
        let sizes: Vec<usize> = jobs
            .iter()
            .map(|(range, bodies)| match bodies {
                Some(bodies) => bodies.size() * range.len(),
                None => files[range.clone()]
                    .iter()
                    .map(|(_, (doc, _, _))| doc.items.iter().map(|i| i.html.len()).sum::<usize>())
                    .sum(),
            })
            .collect();
        let mut rendered: Vec<(usize, Vec<RenderedFile>)> = largest_apart(&sizes)
            .into_par_iter()
            .map(|at| {
                let (range, bodies) = &jobs[at];
                let done = match bodies {
                    Some(bodies) => render_together(&files[range.clone()], bodies),
                    None => files[range.clone()]
                        .iter()
                        .map(|(_, file)| render_one(file))
                        .collect(),
                };
                (at, done)
            })
            .collect();
        rendered.sort_by_key(|(at, _)| *at);
        rendered.into_iter().flat_map(|(_, files)| files).collect()
    };
    let notes = assigned.notes;
    let (state_staged, rendered) = rayon::join(stage_state, render_files);
    // Bodies that could not be rendered (a source changed while the build ran).
    let body_problems: Vec<Diagnostic> =
        bodies.iter().flatten().flat_map(Bodies::problems).collect();
    if !body_problems.is_empty() {
        return Err(Error::Content(body_problems));
    }
    // A write that failed is reported after any content or check error, as when the plan was
    // written only after it was complete.
    let mut write_error = None;
    let mut staged_or_error = |staged: Result<Staged>| {
        staged.unwrap_or_else(|e| {
            write_error.get_or_insert(e);
            Staged::No
        })
    };
    let state_staged = staged_or_error(state_staged);
    let names: Vec<(usize, Format, String)> = files
        .into_iter()
        .map(|(i, (_, format, name))| (i, format, name.to_string()))
        .collect();
    let mut outputs = Vec::new();
    let mut check_errors = Vec::new();
    let mut rendered = names.into_iter().zip(rendered).peekable();
    for (i, (feed, _, feed_warnings)) in expanded_feeds.into_iter().enumerate() {
        warnings.extend(feed_warnings);
        while let Some(((_, format, name), file)) = rendered.next_if(|((f, _, _), _)| *f == i) {
            let RenderedFile {
                bytes,
                len,
                violations,
                staged,
            } = file;
            let staged = staged_or_error(staged);
            let path = config.site.output_dir.join(&name);
            let shown = content::display_path(&path);
            for violation in violations {
                check_errors.push(Diagnostic::new(&shown, None, violation));
            }
            if len > config.site.size_budget {
                warnings.push(Diagnostic::new(
                    &shown,
                    None,
                    format!(
                        "is {} KB, over the {} KB budget some readers enforce: lower `limit` for feed `{}`",
                        len / 1024,
                        config.site.size_budget / 1024,
                        feed.name
                    ),
                ));
            }
            outputs.push(OutputFile {
                path,
                name,
                format: Some(format),
                bytes,
                len,
                staged,
            });
        }
    }
    // The sources of rendered bodies (every body of a full feed) are freed on another core.
    let rendered_sources: Vec<_> = bodies.into_iter().flatten().map(|b| b.sources).collect();
    rayon::spawn(move || drop(rendered_sources));
    for (name, bytes) in feed::extras::site_files(config, &site_index) {
        let path = config.site.output_dir.join(&name);
        outputs.push(OutputFile {
            path,
            name,
            format: None,
            len: bytes.len() as u64,
            bytes: Some(bytes),
            staged: Staged::No,
        });
    }
    if !errors.is_empty() {
        return Err(Error::Content(errors));
    }
    if !check_errors.is_empty() {
        return Err(Error::Content(check_errors));
    }
    if let Some(e) = write_error {
        return Err(e);
    }

    Ok(Plan {
        outputs,
        entries,
        state,
        previous_state,
        warnings,
        notes,
        skipped,
        state_staged,
    })
}

/// The order to render files of these sizes in, so that the largest start first on different
/// cores: a parallel iterator splits its items in halves, one half per core, so the largest go
/// first in alternate halves (sorted by size, then dealt out). Results are put back in the
/// files' own order afterwards.
fn largest_apart(sizes: &[usize]) -> Vec<usize> {
    let mut by_size: Vec<usize> = (0..sizes.len()).collect();
    by_size.sort_by_key(|&at| std::cmp::Reverse(sizes[at]));
    let dealt = by_size
        .iter()
        .step_by(2)
        .chain(by_size.iter().skip(1).step_by(2));
    dealt.copied().collect()
}

/// One output file as rendered and checked (and, in a staging plan, staged).
struct RenderedFile {
    /// `None` when it went straight to its temp file ([`stream_file`]).
    bytes: Option<String>,
    len: u64,
    violations: Vec<String>,
    staged: Result<Staged>,
}

/// One file being streamed to its temp file: each part checked as it comes, and staged.
struct FileStream {
    check: verify::Stream,
    stage: crate::output::StagedStream,
    write_error: Option<Error>,
}

impl FileStream {
    /// `None` for a format that cannot be checked in parts, or an old file that cannot be read
    /// (the whole-file path reports it).
    fn new(format: Format, path: &std::path::Path) -> Option<Self> {
        Some(FileStream {
            check: verify::Stream::new(format)?,
            stage: crate::output::StagedStream::new(path).ok()?,
            write_error: None,
        })
    }

    fn part(&mut self, part: &[u8]) {
        self.check.part(part);
        if self.write_error.is_none()
            && let Err(e) = self.stage.put(part)
        {
            self.write_error = Some(e);
        }
    }

    fn finish(self) -> RenderedFile {
        let len = self.stage.len();
        let violations = self.check.finish();
        let staged = match self.write_error {
            Some(e) => Err(e),
            // A file that fails the check is never renamed into place.
            None if !violations.is_empty() => Ok(Staged::No),
            None => self.stage.finish().map(Staged::from_temp),
        };
        RenderedFile {
            bytes: None,
            len,
            violations,
            staged,
        }
    }
}

/// Renders an RSS or Atom file straight into its temp file, checking each part as it comes
/// (see [`feed::render_into`]), so that a full feed is never whole in memory. `None` when it
/// cannot be given in parts (JSON, or a renderer that refused): the caller renders it whole.
fn stream_file(
    doc: &feed::FeedDoc,
    format: Format,
    path: &std::path::Path,
) -> Option<RenderedFile> {
    let mut file = FileStream::new(format, path)?;
    // Dropping an unfinished stream removes its temp file.
    feed::render_into(doc, format, &mut |part| file.part(part)).then(|| file.finish())
}

/// [`stream_file`] for several files of one document at once, the items filled in by `fill`
/// as they are written (see [`feed::render_all_into`]).
fn stream_files<'d>(
    doc: &'d feed::FeedDoc,
    targets: &[(Format, PathBuf)],
    fill: impl Fn(usize, &'d [FeedItem]) -> std::borrow::Cow<'d, [FeedItem]> + Sync,
) -> Option<Vec<RenderedFile>> {
    let mut files = targets
        .iter()
        .map(|(format, path)| FileStream::new(*format, path))
        .collect::<Option<Vec<_>>>()?;
    let formats: Vec<Format> = targets.iter().map(|(f, _)| *f).collect();
    let mut parts: Vec<_> = files
        .iter_mut()
        .map(|file| move |part: &[u8]| file.part(part))
        .collect();
    let mut sinks: Vec<feed::Sink<'_>> = parts.iter_mut().map(|p| p as feed::Sink<'_>).collect();
    let complete = feed::render_all_into(doc, &formats, fill, &mut sinks);
    drop(sinks);
    drop(parts);
    // Each file's last flush and sync (waiting on the disk) side by side.
    complete.then(|| files.into_par_iter().map(FileStream::finish).collect())
}

/// The bodies of a feed's items, rendered while its files are written, a run of items at a
/// time (see [`feed::render_all_into`]), instead of all of them before: a full feed holds a
/// few runs of rendered bodies, not every one.
struct Bodies<'a> {
    config: &'a Config,
    /// The source of each item of the feed's document, in its order.
    sources: Vec<std::sync::Arc<Identified>>,
    /// What could not be rendered, by item: reported once every file is written (the build
    /// then fails, and the files written are thrown away).
    problems: std::sync::Mutex<Vec<(usize, Vec<Diagnostic>)>>,
}

impl<'a> Bodies<'a> {
    /// The bodies of each feed that renders them later (`kept`: where its items are in
    /// `items`, in its order). Only those entries are kept (shared by feeds of one source
    /// folder); every other one (all but a feed's newest 50, say) is freed now, on another
    /// core, instead of being held while the files are written.
    fn of_feeds(
        config: &'a Config,
        items: Vec<Identified>,
        kept: Vec<Option<Vec<usize>>>,
    ) -> Vec<Option<Self>> {
        let mut pool: Vec<Option<Identified>> = items.into_iter().map(Some).collect();
        let mut shared: Vec<Option<std::sync::Arc<Identified>>> = vec![None; pool.len()];
        let bodies = kept
            .into_iter()
            .map(|kept| {
                let sources = kept?
                    .into_iter()
                    .map(|i| {
                        let entry = shared[i].get_or_insert_with(|| {
                            std::sync::Arc::new(pool[i].take().expect("taken once, then shared"))
                        });
                        std::sync::Arc::clone(entry)
                    })
                    .collect();
                Some(Bodies::new(config, sources))
            })
            .collect();
        rayon::spawn(move || drop(pool));
        bodies
    }

    fn new(config: &'a Config, sources: Vec<std::sync::Arc<Identified>>) -> Self {
        Bodies {
            config,
            sources,
            problems: std::sync::Mutex::default(),
        }
    }

    /// `items`, from the `at`-th item of the document on, with their bodies and summaries.
    fn fill(&self, at: usize, items: &[FeedItem]) -> Vec<FeedItem> {
        items
            .iter()
            .enumerate()
            .map(|(k, item)| {
                let mut full = item.clone();
                match render_body(self.config, &self.sources[at + k], &item.link) {
                    Ok((html, summary)) => {
                        full.html = html;
                        full.summary = summary;
                    }
                    Err(problems) => {
                        if let Ok(mut all) = self.problems.lock() {
                            all.push((at + k, problems));
                        }
                    }
                }
                full
            })
            .collect()
    }

    /// The size of the sources held (zero for a feed whose bodies are read again as needed): a
    /// hint at how long the feed's files take.
    fn size(&self) -> usize {
        self.sources.iter().map(|s| s.entry.body.len()).sum()
    }

    /// What could not be rendered, in the items' order, each item once.
    fn problems(&self) -> Vec<Diagnostic> {
        let mut problems = match self.problems.lock() {
            Ok(p) => p.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        problems.sort_by_key(|(at, _)| *at);
        problems.dedup_by_key(|(at, _)| *at);
        problems.into_iter().flat_map(|(_, d)| d).collect()
    }
}

/// An item's body as HTML, and its summary: the `summary` key, else the body's first
/// paragraph.
fn render_body(
    config: &Config,
    it: &Identified,
    link: &Url,
) -> std::result::Result<(String, String), Vec<Diagnostic>> {
    let body = content::load_body(&config.root, &it.entry, config.site.timezone)?;
    let rendered = render(it.entry.kind, &body, link);
    let summary = it.entry.summary.clone().unwrap_or(rendered.first_paragraph);
    Ok((rendered.html, summary))
}

/// Every distinct source folder's entries, read in parallel (see [`content::collect`]).
fn collect_sources(config: &Config) -> HashMap<PathBuf, content::Collected> {
    let mut folders: Vec<&PathBuf> = config.feeds.iter().map(|f| &f.source).collect();
    folders.sort();
    folders.dedup();
    folders
        .into_par_iter()
        .map(|folder| {
            // A feed without a limit renders every body: keep them rather than read them twice.
            let keep_bodies = config
                .feeds
                .iter()
                .any(|f| &f.source == folder && (f.limit == 0 || feed::extras::keeps_all_items(f)));
            let collected =
                content::collect(folder, &config.root, config.site.timezone, keep_bodies);
            (folder.clone(), collected)
        })
        .collect()
}

/// With the state file gone, ids are derived again; entries renamed since the feeds in the
/// output folder were built would get new ids. That cannot be recovered silently: say which,
/// and how to keep the published ids.
fn guard_lost_state(config: &Config, entries: &[PlannedEntry]) -> Result<()> {
    let mut lines = Vec::new();
    for feed in &config.feeds {
        for &format in &feed.formats {
            let path = config.site.output_dir.join(feed.file_name(format));
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Ok(published) = feed::read::parse_published(&text) else {
                continue;
            };
            let shown = content::display_path(&path);
            for (title, old, new) in identity::compare::compare(entries, &published).id_changes {
                lines.push(format!(
                    "  \"{title}\" is {old} in {}; it would become {new}",
                    shown.display()
                ));
            }
            if !lines.is_empty() {
                return Err(Error::Identity(format!(
                    "the state file {} is missing and some published ids would change:\n{}\nrestore the state file, or keep the published ids with `feedwright adopt-ids {}`",
                    content::display_path(&config.site.state_file).display(),
                    lines.join("\n"),
                    shown.display()
                )));
            }
        }
    }
    Ok(())
}

/// The public URL of an entry: its `link` key (absolute, or relative to `base_url`), else the
/// feed's link pattern.
pub fn item_url(
    config: &Config,
    feed: &FeedConfig,
    entry: &Entry,
    published: DateTime<FixedOffset>,
) -> Result<Url> {
    let local = published.with_timezone(&config.site.timezone);
    let relative = match &entry.link {
        Some(l) => l.clone(),
        None => feed
            .link
            .replace("{slug}", &entry.slug)
            .replace("{year}", &format!("{:04}", local.year()))
            .replace("{month}", &format!("{:02}", local.month()))
            .replace("{day}", &format!("{:02}", local.day())),
    };
    config.site.base_url.join(&relative).map_err(|e| {
        Error::Content(vec![Diagnostic::new(
            &entry.source,
            None,
            format!("link `{relative}` is not a valid URL ({e}); fix its `link` key"),
        )])
    })
}

fn author_of(config: &Config, entry: &Entry) -> Option<Person> {
    match (&entry.author, &config.site.author) {
        (Some(name), Some(site)) if *name == site.name => Some(site.clone()),
        (Some(name), _) => Some(Person {
            name: name.clone(),
            email: None,
        }),
        (None, site) => site.clone(),
    }
}

fn media_rules<'a>(config: &'a Config, feed: &'a FeedConfig) -> MediaRules<'a> {
    // A notes feed of the same episodes publishes local audio where the podcast feed does.
    let podcast = feed.podcast.as_ref().or_else(|| {
        config
            .feeds
            .iter()
            .find(|f| f.source == feed.source && f.podcast.is_some())
            .and_then(|f| f.podcast.as_ref())
    });
    MediaRules {
        base_url: podcast.and_then(|p| p.media_base_url.as_ref()),
        resolve_remote: podcast.is_some_and(|p| p.resolve_lengths),
        timeout: config.publish.timeout,
    }
}

/// The public URL of a feed file.
pub fn feed_url(config: &Config, feed: &FeedConfig, format: Format) -> Url {
    config
        .site
        .feeds_url
        .join(&feed.file_name(format))
        .expect("a safe file name joins to a URL")
}

fn feed_doc(
    config: &Config,
    feed: &FeedConfig,
    site_id: &str,
    items: &[&Identified],
    enclosures: Vec<Option<Enclosure>>,
    podcast: Option<PodcastChannel>,
    bodies_later: bool,
) -> Result<FeedDoc> {
    // Only the items that go into this feed are read again and rendered, on every core (unless
    // `bodies_later`: see [`Bodies`]); the indexed parallel collect keeps their order.
    let rendered: Vec<Result<FeedItem>> = items
        .par_iter()
        .zip(enclosures)
        .map(|(it, enclosure)| {
            let link = item_url(config, feed, &it.entry, it.published)?;
            let (html, summary) = if bodies_later {
                (String::new(), String::new())
            } else {
                render_body(config, it, &link).map_err(Error::Content)?
            };
            Ok(FeedItem {
                id: it.id.clone(),
                atom_id: identity::atom_id(site_id, &it.id),
                title: it.entry.title.clone(),
                link,
                published: it.published,
                updated: it.updated,
                author: author_of(config, &it.entry),
                summary,
                html,
                tags: it.entry.tags.clone(),
                enclosure,
                episode: it.entry.episode.clone(),
            })
        })
        .collect();
    let mut out = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for item in rendered {
        match item {
            Ok(item) => out.push(item),
            Err(Error::Content(d)) => problems.extend(d),
            Err(e) => return Err(e),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Content(problems));
    }
    let self_urls = feed
        .formats
        .iter()
        .map(|&f| (f, feed_url(config, feed, f)))
        .collect();
    Ok(FeedDoc {
        id: identity::derive_id(site_id, "feed", &feed.name),
        title: feed.title.clone(),
        description: feed.description.clone(),
        home: config.site.base_url.clone(),
        self_urls,
        language: config.site.language.clone(),
        author: config.site.author.clone(),
        timezone: config.site.timezone,
        hubs: config.publish.hubs.clone(),
        items: out,
        podcast,
        paging: None,
        stylesheet: None,
    })
}

/// What [`write`] changed on disk.
#[derive(Debug, Default)]
pub struct Written<'a> {
    /// The plan's outputs that were written (borrowed: a full feed is ~100 MB).
    pub changed: Vec<&'a OutputFile>,
    pub state_changed: bool,
}

/// Writes the plan: the state first (so a crash never leaves a feed whose ids or dates the state
/// does not know), then every output file whose bytes changed: a staged plan's temp files are
/// renamed into place, the others written now.
pub fn write<'a>(config: &Config, plan: &'a Plan) -> Result<Written<'a>> {
    let staged = !matches!(plan.state_staged, Staged::No)
        || plan.outputs.iter().any(|o| !matches!(o.staged, Staged::No));
    if !staged {
        crate::output::clean_stale_temps_tree(&config.site.output_dir);
    }
    let state_changed = match &plan.state_staged {
        Staged::No => {
            plan.previous_state.as_ref() != Some(&plan.state)
                && identity::save_state(&config.site.state_file, &plan.state)?
        }
        Staged::Unchanged => false,
        Staged::Written(tmp) => {
            let tmp = tmp.lock().unwrap_or_else(|e| e.into_inner()).take();
            tmp.map_or(Ok(false), |tmp| {
                crate::output::commit(tmp, &config.site.state_file).map(|()| true)
            })?
        }
    };
    // Outputs not staged yet are independent files: written on every core.
    let wrote: Vec<Result<bool>> = plan
        .outputs
        .par_iter()
        .map(|out| match &out.staged {
            Staged::No => crate::output::write_if_changed(&out.path, &out.read()?),
            Staged::Unchanged => Ok(false),
            Staged::Written(tmp) => {
                let tmp = tmp.lock().unwrap_or_else(|e| e.into_inner()).take();
                // Taken by an earlier `write` of this plan: the file is in place.
                tmp.map_or(Ok(false), |tmp| {
                    crate::output::commit(tmp, &out.path).map(|()| true)
                })
            }
        })
        .collect();
    let mut changed = Vec::new();
    for (out, wrote) in plan.outputs.iter().zip(wrote) {
        if wrote? {
            changed.push(out);
        }
    }
    Ok(Written {
        changed,
        state_changed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feeds_of_one_folder_share_the_entries_they_keep_and_the_rest_is_let_go() {
        let config = Config::parse(
            "[site]\ntitle = \"T\"\nbase_url = \"https://films.example/\"\n\n[[feed]]\nname = \"r\"\ntitle = \"R\"\ndescription = \"D\"\nsource = \"content\"\nlink = \"r/{slug}/\"\n",
            std::path::Path::new("/site/config.toml"),
        )
        .unwrap();
        let items: Vec<Identified> = (0..3)
            .map(|i| {
                let text = format!(
                    "+++\ntitle = \"Film {i}\"\ndate = \"2026-01-0{}\"\n+++\nBody {i}.\n",
                    i + 1
                );
                let source = format!("content/{i}.md");
                let (entry, _) = content::source::parse_entry(
                    text.as_bytes(),
                    std::path::Path::new(&source),
                    &source,
                    content::source::BodyKind::Markdown,
                    config.site.timezone,
                )
                .unwrap();
                let date = entry.date.unwrap();
                Identified {
                    feed: "r".into(),
                    entry,
                    id: format!("urn:x:{i}"),
                    published: date,
                    updated: date,
                }
            })
            .collect();
        let bodies = Bodies::of_feeds(&config, items, vec![Some(vec![2, 0]), None, Some(vec![0])]);
        assert!(bodies[1].is_none());
        let (first, last) = (bodies[0].as_ref().unwrap(), bodies[2].as_ref().unwrap());
        assert_eq!(first.sources[0].id, "urn:x:2");
        assert_eq!(first.sources[1].id, "urn:x:0");
        assert!(
            std::sync::Arc::ptr_eq(&first.sources[1], &last.sources[0]),
            "shared, not copied"
        );
        assert_eq!(first.size(), "Body 2.\n".len() + "Body 0.\n".len());
    }

    /// A body rendered late whose source changed since it was read: reported once, by file,
    /// however many times it is filled in (a refused stream fills every body again).
    #[test]
    fn a_source_changed_before_its_body_is_rendered_is_reported_once() {
        let dir = tempfile::tempdir().unwrap();
        let config_path = dir.path().join("config.toml");
        let config = Config::parse(
            "[site]\ntitle = \"T\"\nbase_url = \"https://films.example/\"\n\n[[feed]]\nname = \"r\"\ntitle = \"R\"\ndescription = \"D\"\nsource = \"content\"\nlink = \"r/{slug}/\"\n",
            &config_path,
        )
        .unwrap();
        let folder = dir.path().join("content");
        std::fs::create_dir_all(&folder).unwrap();
        let file = folder.join("heat.md");
        std::fs::write(
            &file,
            "+++\ntitle = \"Heat\"\ndate = \"2026-01-01\"\n+++\nA heist.\n",
        )
        .unwrap();
        let collected = content::collect(&folder, dir.path(), config.site.timezone, false);
        let entry = collected.entries.into_iter().next().unwrap();
        assert!(entry.body.is_empty(), "read again when rendered");
        let date = entry.date.unwrap();
        let source = Identified {
            feed: "r".into(),
            entry,
            id: "tag:films.example,2026:r/heat".into(),
            published: date,
            updated: date,
        };
        let item = FeedItem {
            id: source.id.clone(),
            atom_id: source.id.clone(),
            title: "Heat".into(),
            link: Url::parse("https://films.example/r/heat/").unwrap(),
            published: date,
            updated: date,
            author: None,
            summary: String::new(),
            html: String::new(),
            tags: Vec::new(),
            enclosure: None,
            episode: None,
        };
        let bodies = Bodies::new(&config, vec![std::sync::Arc::new(source.clone())]);
        let filled = bodies.fill(0, std::slice::from_ref(&item));
        assert_eq!(filled[0].html, "<p>A heist.</p>\n");
        assert_eq!(filled[0].summary, "A heist.");
        assert!(bodies.problems().is_empty());

        std::fs::write(
            &file,
            "+++\ntitle = \"Heat\"\ndate = \"2026-01-01\"\n+++\nA robbery.\n",
        )
        .unwrap();
        bodies.fill(0, std::slice::from_ref(&item));
        bodies.fill(0, std::slice::from_ref(&item));
        let problems = bodies.problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        let shown = problems[0].to_string();
        assert!(
            shown.contains("heat.md") && shown.contains("changed while the build was running"),
            "{shown}"
        );
    }

    #[test]
    fn the_largest_files_go_to_different_halves() {
        // reviews.rss, reviews.atom, episodes.rss, episodes.atom
        let order = largest_apart(&[84, 83, 4, 3]);
        assert_eq!(order, [0, 2, 1, 3]);
        let (left, right) = order.split_at(2);
        assert!(left.contains(&0) && right.contains(&1));
        let mut every = largest_apart(&[1, 9, 5, 7, 3]);
        every.sort();
        assert_eq!(every, [0, 1, 2, 3, 4], "each file once");
        assert!(largest_apart(&[]).is_empty());
    }
}
