//! [`Problems`]: everything a build finds wrong or worth saying on the way (errors, warnings,
//! entries skipped under `--keep-going`, notes), gathered in one place by every stage, so that
//! a stage reports all it finds and the plan decides where a build stops.

use crate::error::{Diagnostic, Error, Result};
use crate::identity::Note;

/// What the stages of a build found, in the order a user reads it.
#[derive(Debug, Default)]
pub(super) struct Problems {
    /// Problems confined to one entry are skipped instead of fatal (`--keep-going`).
    keep_going: bool,
    /// Fatal: the build stops at the next [`Problems::stop_on_errors`].
    pub errors: Vec<Diagnostic>,
    /// Fatal too, and about config.toml's settings (the feeds' own rules refuse them): the
    /// build stops with a configuration error, every content error found with them.
    pub settings: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    /// Warnings said once, by the build that changed published entries (one gone, dates
    /// moved): not said again by the runs the content cache ends early, as notes are not.
    pub changes: Vec<Diagnostic>,
    /// Entries left out under `--keep-going`.
    pub skipped: Vec<Diagnostic>,
    pub notes: Vec<Note>,
}

impl Problems {
    pub(super) fn new(keep_going: bool) -> Self {
        Problems {
            keep_going,
            ..Problems::default()
        }
    }

    /// An empty list under the same policy, for one feed: its problems are kept apart until
    /// they are merged in the feeds' order (see [`Problems::take_entry_problems`]).
    pub(super) fn for_feed(&self) -> Self {
        Problems::new(self.keep_going)
    }

    /// The warnings, each said once: an entry in several feeds (a tag feed, the notes and the
    /// podcast feed of one folder) is rendered for each, and its file is named once.
    /// The changes said once, then every warning (see [`Problems::take_warnings`]), and how
    /// many of them are said once.
    pub(super) fn take_all_warnings(&mut self) -> (Vec<Diagnostic>, usize) {
        let mut all = std::mem::take(&mut self.changes);
        let once = all.len();
        all.extend(self.take_warnings());
        (all, once)
    }

    pub(super) fn take_warnings(&mut self) -> Vec<Diagnostic> {
        let mut seen = std::collections::HashSet::new();
        let mut warnings = std::mem::take(&mut self.warnings);
        warnings.retain(|d| seen.insert(d.clone()));
        warnings
    }

    /// Whether entry problems are skipped (`--keep-going`) rather than fatal.
    pub(super) fn keeps_going(&self) -> bool {
        self.keep_going
    }

    pub(super) fn error(&mut self, d: Diagnostic) {
        self.errors.push(d);
    }

    pub(super) fn warn(&mut self, d: Diagnostic) {
        self.warnings.push(d);
    }

    /// A problem confined to one entry: fatal by default, skipped under `--keep-going`.
    pub(super) fn entry_problem(&mut self, d: Diagnostic) {
        if self.keep_going {
            self.skipped.push(d);
        } else {
            self.errors.push(d);
        }
    }

    /// Moves a feed's errors and skipped entries here, leaving its warnings (reported later,
    /// next to its files' own).
    pub(super) fn take_entry_problems(&mut self, feed: &mut Problems) {
        self.errors.append(&mut feed.errors);
        self.skipped.append(&mut feed.skipped);
    }

    /// Ends the build with every error found so far, if there is any.
    pub(super) fn stop_on_errors(&mut self) -> Result<()> {
        let content = std::mem::take(&mut self.errors);
        match (self.settings.is_empty(), content.is_empty()) {
            (true, true) => Ok(()),
            (true, false) => Err(Error::Content(content)),
            (false, _) => Err(Error::Settings {
                config: std::mem::take(&mut self.settings),
                content,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_problem_is_fatal_unless_keep_going() {
        let d = || Diagnostic::new("content/a.md", None, "broken");
        let mut strict = Problems::new(false);
        strict.entry_problem(d());
        assert!(strict.skipped.is_empty());
        let Err(Error::Content(errors)) = strict.stop_on_errors() else {
            panic!("an error stops the build");
        };
        assert_eq!(errors, [d()]);
        assert!(strict.stop_on_errors().is_ok(), "reported once");

        let mut lenient = Problems::new(true);
        let mut feed = lenient.for_feed();
        feed.entry_problem(d());
        feed.warn(Diagnostic::new("content/b.md", None, "odd"));
        lenient.take_entry_problems(&mut feed);
        assert_eq!(lenient.skipped, [d()]);
        assert!(lenient.stop_on_errors().is_ok());
        assert_eq!(feed.warnings.len(), 1, "warnings stay with the feed");
    }
}
