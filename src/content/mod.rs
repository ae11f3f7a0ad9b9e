//! Content: finding source files and parsing them into [`Entry`] values. Nothing here knows
//! about ids, state or feed formats.

pub mod date;
pub mod discover;
pub mod episode;
pub mod links;
pub mod meta;
pub mod render;
pub mod slug;
pub mod source;
pub mod xml_chars;

pub use discover::{SourceFile, display_path, find_sources};
pub use source::{BodyKind, Entry, parse_entry};

use chrono_tz::Tz;

use crate::error::Diagnostic;

/// Everything read from one feed's source folder.
#[derive(Debug, Default)]
pub struct Collected {
    pub entries: Vec<Entry>,
    /// State keys of every source file found, including ones that failed to parse.
    pub found: Vec<String>,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

/// Finds and parses every source file of a feed, collecting all problems rather than stopping
/// at the first.
pub fn collect(folder: &std::path::Path, root: &std::path::Path, tz: Tz) -> Collected {
    let (files, problems) = find_sources(folder, root);
    let mut out = Collected {
        warnings: problems,
        ..Collected::default()
    };
    for file in files {
        out.found.push(file.key.clone());
        let display = display_path(&file.path);
        let bytes = match std::fs::read(&file.path) {
            Ok(b) => b,
            Err(e) => {
                out.errors
                    .push(Diagnostic::new(display, None, format!("cannot be read: {e}")));
                continue;
            }
        };
        match parse_entry(&bytes, &display, &file.key, file.kind, tz) {
            Ok((entry, warnings)) => {
                out.entries.push(entry);
                out.warnings.extend(warnings);
            }
            Err(errors) => out.errors.extend(errors),
        }
    }
    out
}
