//! The library's error type and the exit code each kind of failure maps to.
//!
//! Every variant carries what a user needs to fix the problem: the file, the line where there is
//! one, and a hint. Only `cli::report` turns these into text on stderr and a process exit code.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem found in a file: where it is, what is wrong, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl Diagnostic {
    pub fn new(path: impl Into<PathBuf>, line: Option<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A line break in a file name would start a line of its own in a cron mail.
        let path = self.path.display().to_string();
        let path = written_out(&path, false);
        // A message that quotes a value (`explicit = "https://u:pw@…" is not a boolean`)
        // shows no URL's user name or password, whichever check wrote it.
        let message = crate::net::redact_in_text(&self.message);
        // A message about the site as a whole names no file.
        if path.is_empty() {
            return write!(f, "{message}");
        }
        match self.line {
            Some(line) => write!(f, "{path}:{line}: {message}"),
            None => write!(f, "{path}: {message}"),
        }
    }
}

/// `text` with its control characters written out as Rust escapes (`\u{1b}`, `\n`), line
/// breaks too unless `keep_lines`: what reaches a terminal or a log never carries an escape
/// sequence or a forged line from a file's name or contents.
pub fn written_out(text: &str, keep_lines: bool) -> std::borrow::Cow<'_, str> {
    let shown = |c: char| {
        (!c.is_control() && !is_bidi_control(c)) || c == '\t' || (keep_lines && c == '\n')
    };
    if text.chars().all(shown) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if shown(c) {
            out.push(c);
        } else {
            out.extend(c.escape_default());
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The characters that reorder what a terminal shows (embeddings, overrides, isolates and
/// marks): a server's error page or a file name holding U+202E would print its text backwards,
/// and could make one line read as another.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Distinct exit codes, documented in the README; cron wrappers may branch on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// One or more content files are invalid, or a feed failed its own checks.
    Content = 1,
    /// The command line asks for something impossible (an unknown feed, a file that exists).
    Usage = 2,
    /// config.toml is missing, unreadable or invalid.
    Config = 3,
    /// The state file is corrupt, or an id would change against a published feed.
    Identity = 4,
    /// Uploading or pinging failed, or `doctor` found a media server problem.
    Publish = 5,
    /// Another feedwright run holds the site's lock.
    Locked = 6,
    /// Reading or writing a file failed (disk full, permissions).
    Io = 7,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Config(Diagnostic),

    #[error("{} problem(s) in the content", .0.len())]
    Content(Vec<Diagnostic>),

    /// `--keep-going` published the valid entries and left these out.
    #[error("{} entr(ies) left out", .0.len())]
    Skipped(Vec<Diagnostic>),

    /// Settings of config.toml that the feeds' own rules refuse (a podcast's category, its
    /// `explicit`…), found once the config is resolved: every one of them, exit 3.
    #[error("{} problem(s) in the config", config.len())]
    Settings {
        config: Vec<Diagnostic>,
        /// Content errors found beside them (`check` says everything at once).
        content: Vec<Diagnostic>,
    },

    #[error("{0}")]
    State(Diagnostic),

    #[error("{0}")]
    Identity(String),

    #[error("{0}")]
    Publish(String),

    #[error(
        "another feedwright run is working on this site (lock file {}); try again when it ends",
        .0.display()
    )]
    Locked(PathBuf),

    #[error("{}: {action}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error("{0}")]
    Fetch(String),

    /// `doctor` found a media server that podcast apps would trouble with.
    #[error("{0}")]
    Media(String),

    /// A command line that cannot be carried out as given; `hint` says what to type instead.
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },
}

impl Error {
    pub fn io(path: &Path, action: &'static str, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }

    pub fn config(path: &Path, line: Option<usize>, message: impl Into<String>) -> Self {
        Error::Config(Diagnostic::new(path, line, message))
    }

    pub fn exit_kind(&self) -> ExitKind {
        match self {
            Error::Config(_) | Error::Settings { .. } => ExitKind::Config,
            Error::Content(_) | Error::Skipped(_) => ExitKind::Content,
            Error::State(_) | Error::Identity(_) => ExitKind::Identity,
            Error::Publish(_) | Error::Fetch(_) | Error::Media(_) => ExitKind::Publish,
            Error::Locked(_) => ExitKind::Locked,
            Error::Io { .. } => ExitKind::Io,
            Error::Usage { .. } => ExitKind::Usage,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
