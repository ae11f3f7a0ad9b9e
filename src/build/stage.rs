//! The stage-output stage: what the engine rendered becomes the plan's [`OutputFile`]s, with
//! the output check's violations as errors and files over the size budget as warnings, and
//! each feed's page (`html`) and the site-wide files (`index.opml`, the stylesheet) added.
//! Also clears what a killed run left staged, before a staging plan stages anything.

use std::path::Path;

use super::engine::{Finished, RenderedFile};
use super::plan::{OutputFile, Staged};
use super::problems::Problems;
use super::render::Documents;
use crate::config::{Config, FeedConfig};
use crate::content;
use crate::error::{Diagnostic, Error, Result};
use crate::feed;

/// Removes temp files a killed run left in the output folder and beside the state file. Only
/// for a caller that holds the run lock, before it stages its own.
pub(super) fn clean_leftovers(config: &Config) {
    crate::output::clean_stale_temps_tree(&config.site.output_dir);
    // The state file is staged too, beside itself.
    if let Some(dir) = config.site.state_file.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        crate::output::clean_stale_temps(dir);
    }
}

/// Every file a build writes, and its staged state file.
pub(super) struct Outputs {
    pub files: Vec<OutputFile>,
    pub state_staged: Staged,
    pub state_text: Option<super::StateText>,
}

/// The plan's files from what the engine rendered. Fails, in this order, on a body that could
/// not be rendered, a file that fails the output check, then a file that could not be staged
/// (as when the plan was written only after it was complete). Each feed's warnings come before
/// its files' own.
pub(super) fn outputs(
    config: &Config,
    documents: Documents<'_>,
    (finished, state): (Finished, super::engine::StagedState),
    problems: &mut Problems,
) -> Result<Outputs> {
    problems.errors.extend(finished.body_problems);
    problems.stop_on_errors()?;
    problems.warnings.extend(finished.body_warnings);
    let mut write_error = None;
    let (state_staged, state_text) = state;
    let state_staged = staged_or_error(state_staged, &mut write_error);
    let docs = documents.feeds.iter().flat_map(|d| &d.expanded.documents);
    let (chapters, clashes) = feed::chapters::files(&config.site.feeds_url, docs.map(|d| &d.doc));
    for (name, first, second) in clashes {
        let path = content::display_path(&config.site.output_dir.join(&name));
        problems.error(Diagnostic::new(path, None, format!(
            "two episodes with one slug would share this chapters file ({first} and {second}), and one would lose its chapters: give one of them another `slug`"
        )));
    }
    let mut files = Vec::new();
    for (mut docs, rendered) in documents.feeds.into_iter().zip(finished.files) {
        problems.warnings.append(&mut docs.problems.warnings);
        let mut over = OverBudget::default();
        let main = docs.expanded.main();
        for ((doc, format, name), file) in docs.expanded.files().zip(rendered) {
            let RenderedFile {
                bytes,
                len,
                violations,
                staged,
            } = file;
            let path = config.site.output_dir.join(name);
            let in_main = std::ptr::eq(doc, main);
            check_file(
                config,
                (&path, in_main),
                len,
                violations,
                (problems, &mut over),
            );
            files.push(OutputFile {
                path,
                name: name.to_string(),
                format: Some(format),
                bytes,
                len,
                staged: staged_or_error(staged, &mut write_error),
            });
        }
        over.say(config, docs.feed, problems);
        if docs.feed.html {
            files.push(feed_page(config, docs.feed, docs.expanded.main(), problems));
        }
    }
    for (name, bytes) in &chapters {
        let path = config.site.output_dir.join(name);
        for v in crate::verify::podcast_tags::chapters_json(bytes) {
            problems.error(Diagnostic::new(content::display_path(&path), None, v));
        }
    }
    let site = feed::extras::site_files(config, &documents.site_index);
    for (name, bytes) in &site {
        check_site_file(config, name, bytes, problems);
    }
    for (name, bytes) in chapters.into_iter().chain(site) {
        files.push(OutputFile {
            path: config.site.output_dir.join(&name),
            name,
            format: None,
            len: bytes.len() as u64,
            bytes: Some(bytes),
            staged: Staged::No,
        });
    }
    problems.stop_on_errors()?;
    match write_error {
        Some(e) => Err(e),
        None => Ok(Outputs {
            files,
            state_staged,
            state_text,
        }),
    }
}

/// The feed's browser page (`html = true`), checked like every other output.
fn feed_page(
    config: &Config,
    feed: &FeedConfig,
    doc: &feed::FeedDoc,
    problems: &mut Problems,
) -> OutputFile {
    let page = feed::html::render(&config.site.title, doc);
    let name = format!("{}.html", feed.name);
    let path = config.site.output_dir.join(&name);
    let shown = content::display_path(&path);
    for violation in feed::html::check(&page) {
        problems.error(Diagnostic::new(&shown, None, violation));
    }
    OutputFile {
        path,
        name,
        format: None,
        len: page.len() as u64,
        bytes: Some(page),
        staged: Staged::No,
    }
}

/// The site-wide XML files (`index.opml`, the stylesheet) get the strict XML walk too: their
/// titles come from the config, and nothing reaches output unchecked.
fn check_site_file(config: &Config, name: &str, bytes: &str, problems: &mut Problems) {
    let is_xml = [".opml", ".xsl", ".xml"]
        .iter()
        .any(|ext| name.ends_with(ext));
    if let (true, Err(e)) = (is_xml, crate::verify::xml::well_formed(bytes.as_bytes())) {
        let shown = content::display_path(&config.site.output_dir.join(name));
        let problem = format!(
            "not well-formed XML: {e} (readers would reject the file: fix the config value that put it there)"
        );
        problems.error(Diagnostic::new(shown, None, problem));
    }
}

/// What staging gave, keeping the first failure to report once every other problem is known.
fn staged_or_error(staged: Result<Staged>, first_error: &mut Option<Error>) -> Staged {
    staged.unwrap_or_else(|e| {
        first_error.get_or_insert(e);
        Staged::No
    })
}

/// Reports a feed file's output check violations as errors, and notes its size when it is
/// over the budget some readers enforce.
fn check_file(
    config: &Config,
    (path, in_main): (&Path, bool),
    len: u64,
    violations: Vec<String>,
    (problems, over): (&mut Problems, &mut OverBudget),
) {
    let shown = content::display_path(path);
    for violation in violations {
        problems.error(Diagnostic::new(&shown, None, violation));
    }
    if len > config.site.size_budget {
        over.files.push((shown, len, in_main));
    }
}

/// A feed's files over the size budget. Each is a warning, and cron mails warnings: a feed
/// of every item with 30 tags had 93 lines on every run. The main document's files are said
/// each; its tag feeds and archive pages, when more than one is over, in one line.
#[derive(Default)]
struct OverBudget {
    /// Each file over: where, its length, whether it is one of the main document's.
    files: Vec<(std::path::PathBuf, u64, bool)>,
}

impl OverBudget {
    fn say(self, config: &Config, feed: &FeedConfig, problems: &mut Problems) {
        let budget = config.site.size_budget / 1024;
        let fix = format!(
            "lower `limit` for feed `{}`, or shorten what makes its items long (a body, a title, a summary)",
            feed.name
        );
        let (mut each, rest): (Vec<_>, Vec<_>) = self.files.into_iter().partition(|f| f.2);
        let largest = rest.iter().max_by_key(|(_, len, _)| *len).cloned();
        match largest {
            Some((shown, len, _)) if rest.len() > 1 => {
                let others = rest.len() - 1;
                let said = format!(
                    "is {} KB, and {others} other tag feed or archive file{} of feed `{}` {} over the {budget} KB budget some readers enforce too (this one the largest): {fix}",
                    len / 1024,
                    if others == 1 { "" } else { "s" },
                    feed.name,
                    if others == 1 { "is" } else { "are" },
                );
                each.iter()
                    .for_each(|f| problems.warn(over_budget(f, budget, &fix)));
                problems.warn(Diagnostic::new(shown, None, said));
                return;
            }
            _ => each.extend(rest),
        }
        each.iter()
            .for_each(|f| problems.warn(over_budget(f, budget, &fix)));
    }
}

/// The warning for one file over the budget.
fn over_budget(
    (shown, len, _): &(std::path::PathBuf, u64, bool),
    budget: u64,
    fix: &str,
) -> Diagnostic {
    let said = format!(
        "is {} KB, over the {budget} KB budget some readers enforce: {fix}",
        len / 1024
    );
    Diagnostic::new(shown, None, said)
}
