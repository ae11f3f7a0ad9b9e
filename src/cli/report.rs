//! What the user sees: changes on stdout, warnings and errors on stderr, nothing but errors
//! under `--quiet`. The only place that maps an error to an exit code.

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

    pub fn warn(&self, d: &Diagnostic) {
        if !self.quiet {
            eprintln!("warning: {d}");
        }
    }

    pub fn note(&self, n: &Note) {
        if !self.quiet {
            eprintln!("note: {}", n.0);
        }
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
            other => {
                eprintln!("error: {other}");
                let mut source = std::error::Error::source(other);
                while let Some(s) = source {
                    eprintln!("  caused by: {s}");
                    source = s.source();
                }
            }
        }
        ExitCode::from(e.exit_kind() as u8)
    }
}
