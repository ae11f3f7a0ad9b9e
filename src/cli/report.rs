//! What the user sees: changes on stdout, warnings and errors on stderr. `--quiet` hides
//! progress, the files written and notes, never a warning: a warning says that what is
//! published differs from what the content asks for (an episode left out, characters dropped),
//! and cron must mail it. The only place that maps an error to an exit code.

use std::process::ExitCode;

use crate::error::{Diagnostic, Error};
use crate::identity::Note;

#[derive(Debug, Clone, Copy)]
pub struct Reporter {
    pub quiet: bool,
    pub verbose: bool,
}

impl Reporter {
    pub fn new(quiet: bool, verbose: bool) -> Self {
        Reporter { quiet, verbose }
    }

    /// A result line: a file written, an item compared.
    pub fn out(&self, line: impl std::fmt::Display) {
        if !self.quiet {
            println!("{line}");
        }
    }

    pub fn detail(&self, line: impl std::fmt::Display) {
        if self.verbose {
            println!("{line}");
        }
    }

    /// A warning, printed even under `--quiet` (see the module doc).
    pub fn warn(&self, d: &Diagnostic) {
        eprintln!("warning: {d}");
    }

    pub fn note(&self, n: &Note) {
        if !self.quiet {
            eprintln!("note: {}", n.0);
        }
    }

    /// A spinner on stderr while a long step runs; hidden under --quiet and when stderr is not
    /// a terminal (cron, pipes), where indicatif draws nothing.
    pub fn spinner(&self, message: &'static str) -> indicatif::ProgressBar {
        if self.quiet {
            return indicatif::ProgressBar::hidden();
        }
        let bar = indicatif::ProgressBar::new_spinner().with_message(message);
        // Drawn once now, on this thread: the ticker thread may not run at all before a small
        // build ends, and then a person at a terminal would never see what it was doing.
        bar.tick();
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    }

    pub fn warnings<'a>(&self, ds: impl IntoIterator<Item = &'a Diagnostic>) {
        ds.into_iter().for_each(|d| self.warn(d));
    }

    /// Prints an error (every diagnostic of a content error) and picks the exit code.
    pub fn fail(&self, e: &Error) -> ExitCode {
        match e {
            Error::Content(ds) => {
                for d in ds {
                    eprintln!("error: {d}");
                }
                eprintln!(
                    "error: {} problem(s) found; nothing was written, the existing feeds are untouched",
                    ds.len()
                );
            }
            Error::Skipped(ds) => {
                for d in ds {
                    eprintln!("error: {d}");
                }
                eprintln!(
                    "error: {} problem(s) found; --keep-going published every valid entry and left these out",
                    ds.len()
                );
            }
            other => {
                let message = other.to_string();
                eprintln!("error: {message}");
                let mut source = std::error::Error::source(other);
                while let Some(s) = source {
                    let cause = s.to_string();
                    if !message.contains(&cause) {
                        eprintln!("  caused by: {cause}");
                    }
                    source = s.source();
                }
            }
        }
        ExitCode::from(e.exit_kind() as u8)
    }
}
