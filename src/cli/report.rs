//! What the user sees: changes on stdout, warnings and errors on stderr. `--quiet` hides
//! progress, the files written and notes, never a warning: a warning says that what is
//! published differs from what the content asks for (an episode left out, characters dropped),
//! and cron must mail it. The only place that maps an error to an exit code.
//!
//! On a terminal the labels are coloured as cargo colours them (error red, warning yellow,
//! note and hint cyan); the text after the label is never touched, so a pipe, `NO_COLOR` or
//! `--color never` gets exactly the plain lines the tests and cron mails see.

use std::fmt::Display;
use std::io::Write;
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};

use super::ColorWhen;
use crate::error::{Diagnostic, Error};
use crate::identity::Note;

#[derive(Debug, Clone, Copy)]
pub struct Reporter {
    pub quiet: bool,
    pub verbose: bool,
    /// Colour the labels on stderr: decided once, from `--color`, `NO_COLOR`, `CLICOLOR*`
    /// and whether stderr is a terminal (see [`colour_stderr`]).
    pub colour: bool,
}

/// What a line on stderr is; picks the label and its colour.
#[derive(Debug, Clone, Copy)]
enum Label {
    Error,
    Warning,
    Note,
    Hint,
}

impl Label {
    fn word_and_style(self) -> (&'static str, Style) {
        let (word, colour) = match self {
            Label::Error => ("error", AnsiColor::Red),
            Label::Warning => ("warning", AnsiColor::Yellow),
            Label::Note => ("note", AnsiColor::Cyan),
            Label::Hint => ("hint", AnsiColor::Cyan),
        };
        (word, Style::new().bold().fg_color(Some(colour.into())))
    }
}

/// Whether stderr gets colour, after `anstream::ColorChoice::write_global` has recorded
/// `--color`: `always`/`never` win; `auto` follows `NO_COLOR`, `CLICOLOR_FORCE`, `CLICOLOR`,
/// `TERM=dumb` and whether stderr is a terminal, the conventions anstream implements.
pub(super) fn colour_stderr() -> bool {
    matches!(
        anstream::AutoStream::choice(&std::io::stderr()),
        anstream::ColorChoice::Always | anstream::ColorChoice::AlwaysAnsi
    )
}

/// The last `--color WHEN` / `--color=WHEN` on a command line, read before clap parses it, so
/// that clap's own help and usage errors (which follow anstream's global choice) obey it too.
pub(super) fn colour_in_args(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> Option<ColorWhen> {
    let mut args = args.into_iter().skip(1);
    let mut found = None;
    while let Some(arg) = args.next() {
        let value = match arg.to_str() {
            Some("--") => break,
            Some("--color") => args.next(),
            Some(a) => a.strip_prefix("--color=").map(Into::into),
            None => None,
        };
        if let Some(v) = value.as_ref().and_then(|v| v.to_str())
            && let Ok(when) = <ColorWhen as clap::ValueEnum>::from_str(v, false)
        {
            found = Some(when);
        }
    }
    found
}

/// `text` with its control characters written out (`\u{1b}`): a file name can hold an escape
/// sequence that would recolour or rewrite the terminal. Line breaks are kept (messages are
/// written with them); a path's own are written out where it is shown (see
/// [`crate::error::Diagnostic`]).
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    crate::error::written_out(text, true)
}

/// One line on stdout. A reader that went away (`| head`, a closed pipe) is not an error of
/// the build, whose files are written by then: the line is dropped (`println!` would panic).
fn stdout_line(line: impl Display) {
    let written = writeln!(std::io::stdout().lock(), "{}", printable(&line.to_string()));
    // A reader that stopped early (`| head`) wants no more; any other failure (a full disk
    // under `> file`) loses what the command says, and the exit code must say so.
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        let _ = STDOUT_FAILED.set((e.raw_os_error(), e.to_string()));
    }
}

/// The action of [`stdout_failure`]'s error: the command's work is done, what it said is lost.
const SAYING: &str = "writing what the command says";

/// The first failure to write standard output, other than a closed pipe.
static STDOUT_FAILED: std::sync::OnceLock<(Option<i32>, String)> = std::sync::OnceLock::new();

/// The error a command that succeeded ends with when what it printed was lost.
pub(super) fn stdout_failure() -> Option<Error> {
    let (code, text) = STDOUT_FAILED.get()?;
    let e = code.map_or_else(
        || std::io::Error::other(text.clone()),
        std::io::Error::from_raw_os_error,
    );
    Some(Error::io(std::path::Path::new("<stdout>"), SAYING, e))
}

/// Records `--color` for every coloured stream of the process: ours and clap's.
pub(super) fn set_colour(when: ColorWhen) {
    match when {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    }
    .write_global();
}

impl Reporter {
    pub fn new(quiet: bool, verbose: bool) -> Self {
        Reporter {
            quiet,
            verbose,
            colour: colour_stderr(),
        }
    }

    /// One `label: text` line on stderr. A failed write to stderr is ignored: there is nowhere
    /// left to report it, and `eprintln!` would panic instead.
    fn labelled(&self, label: Label, text: impl Display) {
        let text = printable(&text.to_string()).into_owned();
        let (word, style) = label.word_and_style();
        let mut err = std::io::stderr().lock();
        let _ = if self.colour {
            writeln!(err, "{style}{word}:{style:#} {text}")
        } else {
            writeln!(err, "{word}: {text}")
        };
    }

    /// A note that is not about an entry's identity (what to do next); hidden by `--quiet`.
    pub fn note_text(&self, text: impl Display) {
        if !self.quiet {
            self.labelled(Label::Note, text);
        }
    }

    /// A hint under an error or warning: what to type instead.
    pub fn hint(&self, text: impl Display) {
        self.labelled(Label::Hint, text);
    }

    /// A warning without a file, printed even under `--quiet` (see the module doc).
    pub fn warn_text(&self, text: impl Display) {
        self.labelled(Label::Warning, text);
    }

    /// A result line: a file written, an item compared.
    pub fn out(&self, line: impl std::fmt::Display) {
        if !self.quiet {
            stdout_line(line);
        }
    }

    pub fn detail(&self, line: impl std::fmt::Display) {
        if self.verbose {
            stdout_line(line);
        }
    }

    /// A warning, printed even under `--quiet` (see the module doc).
    pub fn warn(&self, d: &Diagnostic) {
        self.labelled(Label::Warning, d);
    }

    pub fn note(&self, n: &Note) {
        if !self.quiet {
            self.labelled(Label::Note, &n.0);
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
                    self.labelled(Label::Error, d);
                }
                self.labelled(
                    Label::Error,
                    format_args!(
                        "{} problem(s) found; nothing was written, the existing feeds are untouched",
                        ds.iter().map(crate::content::source::problems_in).sum::<usize>()
                    ),
                );
            }
            Error::Settings { config, content } => {
                for d in config.iter().chain(content) {
                    self.labelled(Label::Error, d);
                }
                let also = match content.len() {
                    0 => String::new(),
                    n => format!(" and {n} in the content"),
                };
                self.labelled(
                    Label::Error,
                    format_args!(
                        "{} problem(s) in the config{also}; nothing was written, the existing feeds are untouched",
                        config.len()
                    ),
                );
            }
            Error::Skipped(ds) => {
                for d in ds {
                    self.labelled(Label::Error, d);
                }
                self.labelled(
                    Label::Error,
                    format_args!(
                        "{} problem(s) found; --keep-going published every valid entry and left these out",
                        ds.iter().map(crate::content::source::problems_in).sum::<usize>()
                    ),
                );
            }
            Error::Usage { message, hint } => {
                self.labelled(Label::Error, message);
                if let Some(hint) = hint {
                    self.hint(hint);
                }
            }
            other => {
                let message = other.to_string();
                self.labelled(Label::Error, &message);
                let mut source = std::error::Error::source(other);
                while let Some(s) = source {
                    let cause = s.to_string();
                    if !message.contains(&cause) {
                        eprintln!("  caused by: {cause}");
                    }
                    source = s.source();
                }
                if let Error::Io { action: SAYING, .. } = other {
                    self.hint("the command's work is done: only what it printed was lost; free some space where its output goes");
                } else if let Error::Io { source, .. } = other
                    && let Some(hint) = io_hint(source.kind())
                {
                    self.hint(hint);
                }
            }
        }
        ExitCode::from(e.exit_kind() as u8)
    }
}

/// What to do about a file that could not be written, when the reason says it.
fn io_hint(kind: std::io::ErrorKind) -> Option<&'static str> {
    use std::io::ErrorKind as K;
    match kind {
        K::PermissionDenied | K::ReadOnlyFilesystem => Some(
            "the user running feedwright may not write there: give it write access to that folder (every file, the state file too, is written through a temporary file beside it, then renamed)",
        ),
        K::StorageFull | K::QuotaExceeded => {
            Some("the disk is full: free some space and run again (the old files are intact)")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::printable;

    /// A file that could not be written for want of rights or room says what to do; other
    /// reasons have no advice to give.
    #[test]
    fn write_failures_that_say_their_cause_get_a_hint() {
        use std::io::ErrorKind as K;
        let rights = super::io_hint(K::PermissionDenied).unwrap();
        assert!(rights.starts_with("the user running feedwright may not write there"));
        assert_eq!(super::io_hint(K::ReadOnlyFilesystem), Some(rights));
        assert!(
            super::io_hint(K::StorageFull)
                .unwrap()
                .starts_with("the disk is full")
        );
        assert_eq!(super::io_hint(K::InvalidData), None);
    }

    /// A file name's escape sequences are shown, not obeyed; a message's own lines are kept.
    #[test]
    fn control_characters_are_written_out() {
        assert_eq!(printable("content/a.md: ok"), "content/a.md: ok");
        assert_eq!(
            printable("content/\u{1b}[31mred\u{7}.txt: bad"),
            "content/\\u{1b}[31mred\\u{7}.txt: bad"
        );
        assert_eq!(printable("content/a.md: x\r"), "content/a.md: x\\r");
        assert_eq!(
            printable("upload failed\n  the reason\nwhat to do"),
            "upload failed\n  the reason\nwhat to do"
        );
        assert_eq!(printable("c1 \u{9b}2J"), "c1 \\u{9b}2J");
        // Text that reorders the line (Trojan Source) is written out; right-to-left text is not.
        assert_eq!(printable("ok \u{202e}txt.exe"), "ok \\u{202e}txt.exe");
        assert_eq!(
            printable("\u{2067}x\u{2069} שלום"),
            "\\u{2067}x\\u{2069} שלום"
        );
    }
}
