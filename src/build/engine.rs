//! The engine room: how the last stage's work is spread over the cores. Every other stage
//! says *what* to build; this file alone decides *where and when* the files are rendered,
//! checked and staged. [`run`] is its one entry point.
//!
//! Why it is this involved: a full build is bound by rendering and by the disk, and a few large
//! files (a feed of every review, in RSS and Atom) dwarf the rest. So
//! - every file is rendered, checked and staged on its own core, the largest started first on
//!   different cores ([`largest_apart`]); the state file is staged before, beside the documents
//!   being rendered ([`stage_state`], called by `plan_with`);
//! - a feed whose files are only RSS and Atom renders its bodies while those files are written,
//!   a run of items at a time, into both files at once ([`Bodies`], [`stream_files`]), so a
//!   full feed is never whole in memory, and each part is checked as it is written (a
//!   verify-only plan checks the parts the same way and keeps none: see `stream.rs`);
//! - the entries no file needs (all but a feed's newest 50, say) are freed on another core as
//!   soon as that is known, instead of held while the files are written or freed on the core
//!   that waits for them.
//!
//! Nothing here decides what a file holds or whether the build fails: it hands back every
//! file's result, and the problems of bodies it could not render, in the feeds' order. The
//! other stages use the cores only through order-keeping parallel maps over their items.

use std::borrow::Cow;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use super::plan::{Files, Staged};
use super::render::{Body, FeedDocs, blank_description, render_body};
use super::resolve::FinalState;
use super::state_copy::StateText;
use super::stream::{stream_file, stream_files};
use crate::config::{Config, Format};
use crate::error::{Diagnostic, Result};
use crate::feed::{self, FeedDoc, FeedItem};
use crate::identity::{Identified, State};
use crate::verify;

/// The state a staging plan writes next to the state file while the feeds render.
pub(super) struct StateFile<'a> {
    pub new: &'a FinalState,
    pub previous: Option<&'a State>,
    /// The previous state's record texts, in its order (read from the content cache's copy).
    pub previous_text: Option<StateText>,
    /// The content cache's side file, which the copy of the state written ends.
    pub side_file: &'a super::sealing::Begun,
    /// The text of a first build's state, written as its sources were read: staged as it is
    /// (`new` holds only the records of the entries the feeds read).
    pub streamed: Option<super::fresh::Streamed>,
}

/// What [`run`] did.
pub(super) struct Finished {
    /// Each feed's files as rendered and checked, in the order of its
    /// [`files`](feed::extras::Expanded::files).
    pub files: Vec<Vec<RenderedFile>>,
    /// Bodies rendered late that could not be (a source changed while the build ran).
    pub body_problems: Vec<Diagnostic>,
    /// What rendering changed in bodies rendered late (warnings, each file once).
    pub body_warnings: Vec<Diagnostic>,
    /// For each feed, whether rendering its bodies late said anything.
    pub body_warned: Vec<bool>,
}

/// One output file as rendered and checked (and, in a staging plan, staged).
pub(super) struct RenderedFile {
    /// `None` when it went straight to its temp file ([`stream_file`]), or nowhere (a
    /// verify-only plan).
    pub bytes: Option<String>,
    pub len: u64,
    /// What the output check found wrong; such a file is never staged.
    pub violations: Vec<String>,
    pub staged: Result<Staged>,
}

/// Renders, checks and (with [`Files::Stage`]) stages every file of `feeds`, and the state file
/// beside them. `items` are the identified entries the feeds' `bodies_later` point into: those
/// are kept for the bodies rendered while writing, the rest freed on another core.
pub(super) fn run(
    (config, kept_bodies): (&Config, &super::KeptBodies),
    files: Files,
    feeds: &[FeedDocs<'_>],
    items: Vec<Identified>,
) -> Finished {
    let kept = feeds.iter().map(|f| f.bodies_later.clone()).collect();
    let mut bodies = Bodies::of_feeds((config, kept_bodies), items, kept);
    for (b, f) in bodies.iter_mut().zip(feeds) {
        b.iter_mut().for_each(|b| b.feed = Some(f.feed));
    }
    let engine = Engine {
        config,
        stage: files == Files::Stage,
        discard: files == Files::VerifyOnly,
    };
    let file_jobs: Vec<FileJob<'_>> = feeds
        .iter()
        .flat_map(|f| f.expanded.files().zip(&f.kept))
        .map(|((doc, format, name), &kept)| FileJob {
            doc,
            format,
            name,
            kept,
        })
        .collect();
    let jobs = jobs(feeds, &bodies);
    let rendered = engine.render_files(&file_jobs, &jobs);
    let body_problems = bodies.iter().flatten().flat_map(Bodies::problems).collect();
    let said: Vec<Vec<Diagnostic>> = bodies
        .iter()
        .map(|b| b.as_ref().map(Bodies::warnings).unwrap_or_default())
        .collect();
    let body_warned = said.iter().map(|w| !w.is_empty()).collect();
    let body_warnings = said.into_iter().flatten().collect();
    // The sources of rendered bodies (every body of a full feed) are freed on another core.
    let sources: Vec<_> = bodies.into_iter().flatten().map(|b| b.sources).collect();
    rayon::spawn(move || drop(sources));
    let mut rendered = rendered.into_iter();
    let files = feeds
        .iter()
        .map(|f| rendered.by_ref().take(f.expanded.files().count()).collect())
        .collect();
    Finished {
        files,
        body_problems,
        body_warnings,
        body_warned,
    }
}

/// The state file, staged (or not: see [`Staged`]), and its digest and record texts when known
/// (see [`StateText`]).
pub(super) type StagedState = (Result<Staged>, Option<StateText>);

/// Stages the state file of a staging plan (with [`Files::Stage`]; other plans stage none).
/// The state is final once the feeds are resolved: it is written (to its temp file) while
/// the documents and files render. Records that did not change keep the text they had, when
/// it is known.
pub(super) fn stage_state(config: &Config, files: Files, state: StateFile<'_>) -> StagedState {
    if files != Files::Stage {
        return (Ok(Staged::No), None);
    }
    if let Some(streamed) = state.streamed {
        let staged = streamed.stage(&config.site.state_file, state.side_file);
        return (staged.map(Staged::from_temp), None);
    }
    if state.previous == Some(&**state.new) {
        if let Some(text) = &state.previous_text {
            text.copy_into(state.new, state.side_file);
        }
        return (Ok(Staged::Unchanged), state.previous_text);
    }
    let texts = state.previous_text.as_ref().map(StateText::records);
    let previous = state.previous.zip(texts.as_deref());
    // The text is compared with the file and written to its temp file as it is made, never
    // whole in memory; the copy for the side file is made while the file is synced (the
    // other core is often idle by then: a 50-item feed renders in a few milliseconds).
    let staged = crate::output::StagedStream::new(&config.site.state_file).and_then(|mut file| {
        let written = state
            .new
            .write_toml(previous, |part| file.put(part.as_bytes()))?;
        Ok((file, StateText::written(written)))
    });
    let (file, written) = match staged {
        Ok(staged) => staged,
        Err(e) => return (Err(e), None),
    };
    let copy = || written.copy_into(state.new, state.side_file);
    let (staged, ()) = rayon::join(|| file.finish(), copy);
    (staged.map(Staged::from_temp), Some(written))
}

/// One file to render: a document in one format.
struct FileJob<'d> {
    doc: &'d FeedDoc,
    format: Format,
    name: &'d str,
    /// Its length, when the file on disk already holds it (nothing to render).
    kept: Option<u64>,
}

/// What one core takes on at a time: one file, or every file of a feed whose bodies are
/// rendered as they are written (the files of a feed are next to each other).
struct Job<'b> {
    files: Range<usize>,
    bodies: Option<&'b Bodies<'b>>,
}

fn jobs<'b>(feeds: &[FeedDocs<'_>], bodies: &'b [Option<Bodies<'b>>]) -> Vec<Job<'b>> {
    let mut jobs = Vec::new();
    let mut at = 0;
    for (feed, bodies) in feeds.iter().zip(bodies) {
        let end = at + feed.expanded.files().count();
        match bodies {
            Some(bodies) => jobs.push(Job {
                files: at..end,
                bodies: Some(bodies),
            }),
            None => jobs.extend((at..end).map(|k| Job {
                files: k..k + 1,
                bodies: None,
            })),
        }
        at = end;
    }
    jobs
}

struct Engine<'a> {
    config: &'a Config,
    /// Write each file to its temp file as soon as it is rendered (see `PlanOptions::stage`).
    stage: bool,
    /// Render and check each file as a staging plan does, and keep none of it (see
    /// `PlanOptions::verify_only`).
    discard: bool,
}

impl Engine<'_> {
    /// Every job on every core, the largest first; the results in the files' order.
    fn render_files(&self, files: &[FileJob<'_>], jobs: &[Job<'_>]) -> Vec<RenderedFile> {
        let sizes: Vec<usize> = jobs
            .iter()
            .map(|job| match job.bodies {
                Some(bodies) => bodies.size() * job.files.len(),
                None => files[job.files.clone()]
                    .iter()
                    .map(|f| f.doc.items.iter().map(|i| i.html.len()).sum::<usize>())
                    .sum(),
            })
            .collect();
        let mut rendered: Vec<(usize, Vec<RenderedFile>)> = largest_apart(&sizes)
            .into_par_iter()
            .map(|at| {
                let job = &jobs[at];
                let files = &files[job.files.clone()];
                let done = match job.bodies {
                    Some(bodies) => self.render_together(files, bodies),
                    None => files.iter().map(|f| self.render_one(f)).collect(),
                };
                (at, done)
            })
            .collect();
        rendered.sort_by_key(|(at, _)| *at);
        rendered.into_iter().flat_map(|(_, files)| files).collect()
    }

    /// One file rendered (streamed to its temp file, or nowhere, when it can be), checked and
    /// staged.
    fn render_one(&self, file: &FileJob<'_>) -> RenderedFile {
        if let Some(len) = file.kept {
            return RenderedFile {
                bytes: None,
                len,
                violations: Vec::new(),
                staged: Ok(Staged::Unchanged),
            };
        }
        let path = self.config.site.output_dir.join(file.name);
        if (self.stage || self.discard)
            && let Some(streamed) = stream_file(file.doc, file.format, &path, self.discard)
        {
            return streamed;
        }
        let bytes = feed::render(file.doc, file.format);
        // The check (CPU) and the staging (mostly waiting for the disk) run side by side; a
        // file that fails the check is never renamed into place (its temp file is dropped).
        let (violations, staged) = rayon::join(
            || verify::document(file.format, &bytes),
            || -> Result<Staged> {
                if !self.stage {
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
            bytes: (!self.discard).then_some(bytes),
            violations,
            staged,
        }
    }

    /// The files of a feed whose bodies are rendered as they are written: streamed together,
    /// or, when they cannot be given in parts, each written whole from a document with every
    /// body.
    fn render_together(&self, files: &[FileJob<'_>], bodies: &Bodies<'_>) -> Vec<RenderedFile> {
        let doc = files[0].doc;
        let fill = |at, items: &[FeedItem]| Cow::Owned(bodies.fill(at, items));
        if self.stage || self.discard {
            let targets: Vec<(Format, PathBuf)> = files
                .iter()
                .map(|f| (f.format, self.config.site.output_dir.join(f.name)))
                .collect();
            let weights = bodies.weights();
            if let Some(streamed) = stream_files((doc, &weights), &targets, self.discard, fill) {
                return streamed;
            }
        }
        let full = FeedDoc {
            items: bodies.fill(0, &doc.items),
            ..doc.clone()
        };
        files
            .iter()
            .map(|f| {
                self.render_one(&FileJob {
                    doc: &full,
                    format: f.format,
                    name: f.name,
                    kept: None,
                })
            })
            .collect()
    }
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

/// The bodies of a feed's items, rendered while its files are written, a run of items at a
/// time (see [`feed::render_all_into`]), instead of all of them before: a full feed holds a
/// few runs of rendered bodies, not every one.
struct Bodies<'a> {
    config: &'a Config,
    /// The bodies the last build rendered, and those this one uses (see `build::bodies`).
    kept: &'a super::KeptBodies,
    /// The feed whose document it fills (podcast items with no text for a description are
    /// said once their summaries are known).
    feed: Option<&'a crate::config::FeedConfig>,
    /// The source of each item of the feed's document, in its order.
    sources: Vec<Arc<Identified>>,
    /// What could not be rendered, by item: reported once every file is written (the build
    /// then fails, and the files written are thrown away).
    problems: Mutex<Vec<(usize, Vec<Diagnostic>)>>,
    /// What rendering changed in a body, by item (a body may be rendered twice when a stream
    /// is refused: each item is reported once).
    warnings: Mutex<Vec<(usize, Vec<Diagnostic>)>>,
}

impl<'a> Bodies<'a> {
    /// The bodies of each feed that renders them later (`later`: where its items are in
    /// `items`, in its order). Only those entries are kept (shared by feeds of one source
    /// folder); every other one (all but a feed's newest 50, say) is freed now, on another
    /// core, instead of being held while the files are written.
    fn of_feeds(
        (config, kept): (&'a Config, &'a super::KeptBodies),
        items: Vec<Identified>,
        later: Vec<Option<Vec<usize>>>,
    ) -> Vec<Option<Self>> {
        let mut pool: Vec<Option<Identified>> = items.into_iter().map(Some).collect();
        let mut shared: Vec<Option<Arc<Identified>>> = vec![None; pool.len()];
        let bodies = later
            .into_iter()
            .map(|later| {
                let sources = later?
                    .into_iter()
                    .map(|i| {
                        let entry = shared[i].get_or_insert_with(|| {
                            Arc::new(pool[i].take().expect("taken once, then shared"))
                        });
                        Arc::clone(entry)
                    })
                    .collect();
                Some(Bodies::new((config, kept), sources))
            })
            .collect();
        rayon::spawn(move || drop(pool));
        bodies
    }

    fn new(
        (config, kept): (&'a Config, &'a super::KeptBodies),
        sources: Vec<Arc<Identified>>,
    ) -> Self {
        Bodies {
            config,
            kept,
            feed: None,
            sources,
            problems: Mutex::default(),
            warnings: Mutex::default(),
        }
    }

    /// Each item's source size: its body's when kept, else its file's (a stat).
    fn weights(&self) -> Vec<usize> {
        self.sources
            .iter()
            .map(|s| match s.entry.body().len() {
                0 => std::fs::metadata(self.config.root.join(&*s.entry.source))
                    .map_or(0, |m| usize::try_from(m.len()).unwrap_or(usize::MAX)),
                kept => kept,
            })
            .collect()
    }

    /// `items`, from the `at`-th item of the document on, with their bodies and summaries.
    fn fill(&self, at: usize, items: &[FeedItem]) -> Vec<FeedItem> {
        items
            .iter()
            .enumerate()
            .map(|(k, item)| {
                let mut full = item.clone();
                match render_body((self.config, self.kept), &self.sources[at + k], &item.link) {
                    Ok(Body {
                        html,
                        summary,
                        mut warnings,
                    }) => {
                        let source = &self.sources[at + k];
                        let blank = self.feed.and_then(|feed| {
                            let said = (full.episode.as_deref(), summary.as_str());
                            blank_description(self.config, feed, source, said)
                        });
                        warnings.extend(blank);
                        full.html = html;
                        full.summary = summary;
                        if !warnings.is_empty()
                            && let Ok(mut all) = self.warnings.lock()
                        {
                            all.push((at + k, warnings));
                        }
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
        self.sources.iter().map(|s| s.entry.body().len()).sum()
    }

    /// What could not be rendered, in the items' order, each item once.
    fn problems(&self) -> Vec<Diagnostic> {
        by_item(&self.problems)
    }

    /// What rendering changed in the bodies, in the items' order, each item once.
    fn warnings(&self) -> Vec<Diagnostic> {
        by_item(&self.warnings)
    }
}

/// Diagnostics recorded by item, in the items' order, each item once.
fn by_item(said: &Mutex<Vec<(usize, Vec<Diagnostic>)>>) -> Vec<Diagnostic> {
    let mut said = match said.lock() {
        Ok(p) => p.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    said.sort_by_key(|(at, _)| *at);
    said.dedup_by_key(|(at, _)| *at);
    said.into_iter().flat_map(|(_, d)| d).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content;
    use url::Url;

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
                Identified::new("r", Box::new(entry), &format!("urn:x:{i}"), (date, date))
            })
            .collect();
        let none = super::super::KeptBodies::default();
        let bodies = Bodies::of_feeds(
            (&config, &none),
            items,
            vec![Some(vec![2, 0]), None, Some(vec![0])],
        );
        assert!(bodies[1].is_none());
        let (first, last) = (bodies[0].as_ref().unwrap(), bodies[2].as_ref().unwrap());
        assert_eq!(first.sources[0].id(), "urn:x:2");
        assert_eq!(first.sources[1].id(), "urn:x:0");
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
        assert!(entry.body().is_empty(), "read again when rendered");
        let date = entry.date.unwrap();
        let source = Identified::new("r", entry, "tag:films.example,2026:r/heat", (date, date));
        let link = Url::parse("https://films.example/r/heat/").unwrap();
        let item = FeedItem {
            id: source.id().to_string(),
            atom_id: source.id().to_string(),
            title: "Heat".into(),
            ..FeedItem::placeholder(date, date, link)
        };
        let none = super::super::KeptBodies::default();
        let bodies = Bodies::new((&config, &none), vec![std::sync::Arc::new(source.clone())]);
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
