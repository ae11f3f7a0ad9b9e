//! Content: finding source files and parsing them into [`Entry`] values. Nothing here knows
//! about ids, state or feed formats.

pub mod chapters;
pub mod clean;
mod clean_attrs;
pub(crate) mod credentials;
pub mod date;
pub mod discover;
pub mod episode;
mod key_checks;
pub use key_checks::MAX_ID;
pub mod links;
pub mod meta;
pub mod render;
pub mod slug;
pub mod source;
mod split;
mod summary;
pub mod text_boundary;
pub mod transcript_check;
pub mod xml_chars;

#[cfg(test)]
mod hostile_tests;

pub use discover::{
    Found, Roots, SourceFile, display_path, find_sources, find_sources_each, read_source,
};
pub use source::{BodyKind, Entry, Head, More, parse_entry};

use std::borrow::Cow;
use std::path::Path;

use chrono_tz::Tz;
use rayon::prelude::*;

use crate::error::Diagnostic;

/// Everything read from one feed's source folder.
#[derive(Debug, Default)]
pub struct Collected {
    pub entries: Vec<Box<Entry>>,
    /// State keys of every source file found, including ones that failed to parse (each
    /// shared with its entry's `source`).
    pub found: Vec<std::sync::Arc<str>>,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

/// Tag names held once: a site has a few hundred tags over thousands of entries, and each
/// entry's own copy of its tags was most of what its front matter held.
#[derive(Default)]
pub struct TagNames(foldhash::HashSet<std::sync::Arc<str>>);

impl TagNames {
    /// `entry`'s tags replaced by the ones held.
    pub fn share(&mut self, entry: &mut Entry) {
        for tag in &mut entry.tags {
            match self.0.get(&**tag) {
                Some(held) => *tag = std::sync::Arc::clone(held),
                None => {
                    self.0.insert(std::sync::Arc::clone(tag));
                }
            }
        }
    }
}

/// Finds and parses every source file of a feed, on every core, collecting all problems rather
/// than stopping at the first. Unless `keep_bodies` (for a feed that renders every item),
/// entries come without their body (`body` is empty): a feed renders only its newest items, and
/// [`load_body`] reads those again, so memory stays flat however long the archive grows.
pub fn collect(folder: &Path, root: &Path, tz: Tz, keep_bodies: bool) -> Collected {
    collect_within(folder, root, &Roots::new(root, &[]), tz, keep_bodies)
}

/// [`collect`] with the folders content may really live in (see [`Roots`]).
pub fn collect_within(
    folder: &Path,
    root: &Path,
    roots: &Roots,
    tz: Tz,
    keep_bodies: bool,
) -> Collected {
    let Found {
        files,
        errors,
        warnings,
    } = find_sources(folder, root, roots);
    // `collect` on an indexed parallel iterator keeps the files' order: output stays deterministic.
    let parsed: Vec<source::Boxed> = files
        .par_iter()
        .map(|file| {
            let display = display_path(&file.path);
            let bytes = read_source(&file.path).map_err(|d| vec![d])?;
            let (mut entry, warnings) = parse_entry(&bytes, &display, &file.key, file.kind, tz)?;
            if !keep_bodies {
                entry.drop_body();
            }
            entry.source = std::sync::Arc::clone(&file.key);
            Ok((Box::new(entry), warnings))
        })
        .collect();
    let mut out = Collected {
        warnings,
        errors,
        ..Collected::default()
    };
    let mut tags = TagNames::default();
    for (file, result) in files.into_iter().zip(parsed) {
        match result {
            Ok((mut entry, warnings)) => {
                tags.share(&mut entry);
                out.found.push(std::sync::Arc::clone(&entry.source));
                out.entries.push(entry);
                out.warnings.extend(warnings);
            }
            Err(errors) => {
                out.found.push(file.key);
                out.errors.extend(errors);
            }
        }
    }
    out
}

/// The body of an entry from [`collect`], read again from `root`/`source`. The file must still
/// hold what was parsed (same fingerprint): a build never mixes two versions of one file.
pub fn load_body<'a>(
    root: &Path,
    entry: &'a Entry,
    tz: Tz,
) -> Result<Cow<'a, str>, Vec<Diagnostic>> {
    if !entry.body().is_empty() {
        return Ok(Cow::Borrowed(entry.body()));
    }
    let path = root.join(&*entry.source);
    let display = display_path(&path);
    let bytes = read_source(&path).map_err(|d| vec![d])?;
    let (again, _) = parse_entry(&bytes, &display, &entry.source, entry.kind, tz)?;
    if again.fingerprint != entry.fingerprint {
        return Err(vec![Diagnostic::new(
            &display,
            None,
            "changed while the build was running; run the build again",
        )]);
    }
    Ok(Cow::Owned(again.into_body()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(tags: &str) -> Entry {
        let text = format!("+++\ntitle = \"T\"\ntags = [{tags}]\n+++\nBody.\n");
        let path = Path::new("a.md");
        parse_entry(
            text.as_bytes(),
            path,
            "a.md",
            BodyKind::Markdown,
            chrono_tz::UTC,
        )
        .unwrap()
        .0
    }

    /// Spaces and invisible characters around a tag are not part of it.
    #[test]
    fn tags_are_trimmed() {
        let e = entry("\" noir \", \"\u{feff}drama\", \"  \", \"noir\"");
        assert_eq!(*e.tags, ["noir", "drama"].map(std::sync::Arc::from));
    }

    /// Entries keep their tags, in their order, each name held once.
    #[test]
    fn tag_names_are_held_once() {
        let mut names = TagNames::default();
        let (mut a, mut b) = (entry("\"drama\", \"noir\""), entry("\"noir\", \"Drama\""));
        names.share(&mut a);
        names.share(&mut b);
        assert_eq!(*b.tags, ["noir", "Drama"].map(std::sync::Arc::from));
        assert!(std::sync::Arc::ptr_eq(&a.tags[1], &b.tags[0]));
        assert!(
            !std::sync::Arc::ptr_eq(&a.tags[0], &b.tags[1]),
            "tags differ by case"
        );
    }
}
