//! The parsed half of the content cache: each source's metadata as the last build parsed it,
//! so that a build after an edit or a new file reads and parses only the files whose stat
//! changed. Kept in a side file (`.<state file name>.entries`) read only when the no-change
//! check of [`super::cache`] failed, so that the cron run that finds nothing stays small.
//!
//! Only what `Entry` holds besides its body is kept, and only for plain entries: a file with
//! episode keys (a few in ten) is always read again, which keeps podcast types out of the
//! cache. A file whose stat is racily clean (see [`Stat::racy`]) is not kept.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::cache::{Key, Stat};
use crate::config::Config;
use crate::content::{BodyKind, Entry};
use crate::error::Diagnostic;

const MAGIC: &str = "feedwright entries 1";

/// An entry without its source name, body or episode, and the warnings parsing it gave.
#[derive(Debug, Serialize, Deserialize)]
struct Kept {
    title: String,
    date: Option<DateTime<FixedOffset>>,
    updated: Option<DateTime<FixedOffset>>,
    author: Option<String>,
    summary: Option<String>,
    tags: Vec<String>,
    id: Option<String>,
    slug: String,
    link: Option<String>,
    draft: bool,
    markdown: bool,
    fingerprint: String,
    warnings: Vec<(PathBuf, Option<usize>, String)>,
}

impl Kept {
    /// `None` for an entry with episode keys (read again every time).
    fn of(entry: &Entry, warnings: &[Diagnostic]) -> Option<Kept> {
        // Every field named: a field added to `Entry` does not compile here until it is kept.
        let Entry {
            source: _,
            title,
            date,
            updated,
            author,
            summary,
            tags,
            id,
            slug,
            link,
            draft,
            kind,
            body: _,
            episode,
            fingerprint,
        } = entry;
        if episode.is_some() {
            return None;
        }
        Some(Kept {
            title: title.clone(),
            date: *date,
            updated: *updated,
            author: author.clone(),
            summary: summary.clone(),
            tags: tags.clone(),
            id: id.clone(),
            slug: slug.clone(),
            link: link.clone(),
            draft: *draft,
            markdown: *kind == BodyKind::Markdown,
            fingerprint: fingerprint.clone(),
            warnings: warnings
                .iter()
                .map(|d| (d.path.clone(), d.line, d.message.clone()))
                .collect(),
        })
    }

    fn entry(self, source: &str) -> (Entry, Vec<Diagnostic>) {
        let warnings = self
            .warnings
            .into_iter()
            .map(|(path, line, message)| Diagnostic::new(path, line, message))
            .collect();
        let entry = Entry {
            source: source.to_string(),
            title: self.title,
            date: self.date,
            updated: self.updated,
            author: self.author,
            summary: self.summary,
            tags: self.tags,
            id: self.id,
            slug: self.slug,
            link: self.link,
            draft: self.draft,
            kind: if self.markdown {
                BodyKind::Markdown
            } else {
                BodyKind::Text
            },
            // Read again when it is rendered (see `content::load_body`).
            body: String::new(),
            episode: None,
            fingerprint: self.fingerprint,
        };
        (entry, warnings)
    }
}

/// The side file's path: beside the state file, named after it.
pub(super) fn path(config: &Config) -> PathBuf {
    super::cache::path(config).with_extension("entries")
}

/// The entries the last build parsed, by state key, each with the stat its file had.
pub struct Reuse {
    text: String,
    /// Where each key's line starts in `text`.
    at: HashMap<String, (Stat, usize)>,
}

impl Reuse {
    /// The side file, when it is whole and was written for the same inputs (`key`).
    pub fn load(config: &Config, key: &Key) -> Option<Reuse> {
        let text = std::fs::read_to_string(path(config)).ok()?;
        let body = super::cache::sealed(&text)?;
        let mut lines = body.split_inclusive('\n');
        (lines.next()?.trim_end() == MAGIC).then_some(())?;
        (lines.next()?.trim_end().strip_prefix("key ")? == key.text()).then_some(())?;
        let mut at = HashMap::new();
        let mut offset = body.len() - lines.clone().map(str::len).sum::<usize>();
        for line in lines {
            let (stat, rest) = Stat::read(line.trim_end())?;
            let (name, _) = named(rest)?;
            at.insert(name.to_string(), (stat, offset));
            offset += line.len();
        }
        Some(Reuse { text, at })
    }

    /// The entry of `key` as last parsed, when its file still has the stat it had then, and
    /// its line (kept as it is for the next build).
    pub fn get(&self, key: &str, stat: &Stat) -> Option<((Entry, Vec<Diagnostic>), &str)> {
        let (kept, from) = self.at.get(key)?;
        if kept != stat {
            return None;
        }
        let line = self.text[*from..].split_inclusive('\n').next()?;
        let (_, rest) = Stat::read(line.trim_end())?;
        let (_, json) = named(rest)?;
        let kept: Kept = serde_json::from_str(json).ok()?;
        Some((kept.entry(key), line))
    }
}

/// One parsed source, as a line of the side file; `None` when it is not kept (episode keys,
/// a racily clean stat, a name the line cannot hold).
pub(super) fn line(
    key: &str,
    stat: &Stat,
    taken: i64,
    entry: &Entry,
    warnings: &[Diagnostic],
) -> Option<String> {
    if stat.racy(taken) {
        return None;
    }
    if key.contains(['\n', '\r']) {
        return None;
    }
    let kept = Kept::of(entry, warnings)?;
    let mut out = String::new();
    stat.write(&mut out);
    let _ = writeln!(
        out,
        " {} {key}{}",
        key.len(),
        serde_json::to_string(&kept).ok()?
    );
    Some(out)
}

/// A line's key (its length first, so that it may hold any character but a line end) and
/// what follows it.
fn named(rest: &str) -> Option<(&str, &str)> {
    let (len, tail) = rest.split_once(' ')?;
    let len: usize = len.parse().ok()?;
    Some((tail.get(..len)?, tail.get(len..)?))
}

/// Writes the side file from the lines of one build (see [`line`]); removes it when it cannot.
pub(super) fn save(config: &Config, key: &Key, lines: &[String]) {
    let mut out = String::with_capacity(256 + lines.iter().map(String::len).sum::<usize>());
    let _ = writeln!(out, "{MAGIC}\nkey {}", key.text());
    lines.iter().for_each(|l| out.push_str(l));
    let digest = blake3::hash(out.as_bytes()).to_hex();
    let _ = writeln!(out, "end {digest}");
    super::cache::write_hint(&path(config), out.as_bytes());
}

pub(super) fn forget(config: &Config) {
    let _ = std::fs::remove_file(path(config));
}

/// The file of a source key (relative to the config's folder, or absolute under an extra root).
pub(super) fn file_of(root: &Path, key: &str) -> PathBuf {
    root.join(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// When the stats below were taken: long after the file last changed.
    const LATER: i64 = 2_000_000_000_000_000_000;

    /// A file last changed at the start of 1970 plus a second.
    fn old_stat() -> Stat {
        Stat::read("12 1000000000 1000000000 5 x").unwrap().0
    }

    #[test]
    fn a_line_gives_back_the_entry_and_its_warnings() {
        let text =
            "+++\ntitle = \"Heat\"\ndate = \"2026-01-02\"\ntags = [\"a b\"]\n+++\nA heist.\n";
        let (entry, _) = crate::content::parse_entry(
            text.as_bytes(),
            Path::new("content/my film.md"),
            "content/my film.md",
            BodyKind::Markdown,
            chrono_tz::UTC,
        )
        .unwrap();
        let warnings = vec![Diagnostic::new(
            "content/my film.md",
            Some(2),
            "said \"x\"\n",
        )];
        let stat = old_stat();
        let line = line("content/my film.md", &stat, LATER, &entry, &warnings).unwrap();
        assert!(
            line.ends_with('\n') && line.matches('\n').count() == 1,
            "{line}"
        );
        let (read, rest) = Stat::read(line.trim_end()).unwrap();
        assert_eq!(read, stat);
        let (key, json) = named(rest).unwrap();
        assert_eq!(key, "content/my film.md");
        let (back, said) = serde_json::from_str::<Kept>(json).unwrap().entry(key);
        assert_eq!(said, warnings);
        assert_eq!(
            back,
            Entry {
                body: String::new(),
                ..entry
            }
        );
    }

    #[test]
    fn a_racy_file_or_an_episode_is_not_kept() {
        let text = "+++\ntitle = \"Ep\"\naudio = \"https://cdn.example/1.mp3\"\n+++\nNotes.\n";
        let (episode, _) = crate::content::parse_entry(
            text.as_bytes(),
            Path::new("e.md"),
            "e.md",
            BodyKind::Markdown,
            chrono_tz::UTC,
        )
        .unwrap();
        let stat = old_stat();
        assert!(line("e.md", &stat, LATER, &episode, &[]).is_none());
        let plain = Entry {
            episode: None,
            ..episode
        };
        assert!(line("e.md", &stat, LATER, &plain, &[]).is_some());
        assert!(
            line("e.md", &stat, 1_000_000_001, &plain, &[]).is_none(),
            "racy"
        );
        assert!(line("e\nf.md", &stat, LATER, &plain, &[]).is_none());
        assert_eq!(named("3 abcdef"), Some(("abc", "def")));
        assert_eq!(named("9 abc"), None);
        assert_eq!(named("x abc"), None);
    }
}
