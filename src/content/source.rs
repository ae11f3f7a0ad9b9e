//! One source file to one [`Entry`]: decoding, front matter, plain-text headers, and the checks
//! that name the file and line. Rendering the body to HTML happens later, only for entries that
//! go into a feed.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;

use super::date::{DATE_HINT, read_date, unpublishable};
use super::meta::{self, Meta};
use super::slug::{MAX_SLUG_BYTES, shorten, slug_from_file_name, slugify, title_from_file_name};
use super::text_boundary::{self, is_blank, trim_invisible};
use super::xml_chars::{self, Report};
use crate::error::Diagnostic;

/// How the body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Markdown,
    Text,
}

/// A parsed source file, before identity is assigned.
///
/// One is held for every source until the feeds pick their items (100,000 on a large site):
/// what every entry has is here, in 112 bytes; the keys few entries have are boxed apart
/// ([`More`]), absent when the entry has none of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Path relative to the config folder, with `/` separators: the key in the state file
    /// (shared with the scan that found the file and the entry's state record).
    pub source: Arc<str>,
    /// Shared with the entry's state record.
    pub title: Arc<str>,
    pub date: Option<DateTime<FixedOffset>>,
    /// Each tag name held once for all the entries that have it (see [`super::TagNames`]).
    pub tags: Box<[Arc<str>]>,
    pub slug: Box<str>,
    /// Hash of the whole normalised file: detects edits and matches renamed files (shared
    /// with the entry's state record).
    pub fingerprint: Arc<str>,
    pub draft: bool,
    pub kind: BodyKind,
    /// `None` when the entry has none of them ([`Entry::new`] makes it so).
    pub more: Option<Box<More>>,
}

/// The keys and parts of an entry that most entries do not have.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct More {
    pub updated: Option<DateTime<FixedOffset>>,
    pub author: Option<String>,
    pub summary: Option<String>,
    pub id: Option<String>,
    pub link: Option<Box<str>>,
    /// The body, when it is kept with the entry (else read again when rendered).
    pub body: String,
    /// Podcast episode keys, when the notes have any.
    pub episode: Option<Box<super::episode::Episode>>,
}

/// What every entry has: [`Entry::new`] adds the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    pub source: Arc<str>,
    pub title: Arc<str>,
    pub date: Option<DateTime<FixedOffset>>,
    pub tags: Vec<Arc<str>>,
    pub slug: String,
    pub fingerprint: Arc<str>,
    pub draft: bool,
    pub kind: BodyKind,
}

impl Entry {
    /// An entry of `head` and `more` (boxed only when it holds something).
    pub fn new(head: Head, more: More) -> Entry {
        let more = (more != More::default()).then(|| Box::new(more));
        Entry {
            source: head.source,
            title: head.title,
            date: head.date,
            tags: head.tags.into_boxed_slice(),
            slug: head.slug.into_boxed_str(),
            fingerprint: head.fingerprint,
            draft: head.draft,
            kind: head.kind,
            more,
        }
    }

    fn more(&self) -> Option<&More> {
        self.more.as_deref()
    }

    /// The keys few entries have: none of them when the entry has no box.
    pub fn more_or_none(&self) -> &More {
        static NONE: More = More {
            updated: None,
            author: None,
            summary: None,
            id: None,
            link: None,
            body: String::new(),
            episode: None,
        };
        self.more().unwrap_or(&NONE)
    }

    /// The keys few entries have, to change (made when the entry had none).
    pub fn more_mut(&mut self) -> &mut More {
        self.more.get_or_insert_with(Box::default)
    }

    /// The body left to be read again when it is rendered (the box of [`More`] gone with it
    /// when the body was all it held).
    pub fn drop_body(&mut self) {
        if let Some(more) = self.more.as_deref_mut() {
            more.body = String::new();
            if *more == More::default() {
                self.more = None;
            }
        }
    }

    /// The body, taken out of the entry.
    pub fn into_body(self) -> String {
        self.more.map(|m| m.body).unwrap_or_default()
    }

    /// The `updated` key.
    pub fn updated(&self) -> Option<DateTime<FixedOffset>> {
        self.more().and_then(|m| m.updated)
    }

    /// The `author` key (not blank).
    pub fn author(&self) -> Option<&str> {
        self.more().and_then(|m| m.author.as_deref())
    }

    /// The `summary` key (not blank).
    pub fn summary(&self) -> Option<&str> {
        self.more().and_then(|m| m.summary.as_deref())
    }

    /// The `id` key.
    pub fn id(&self) -> Option<&str> {
        self.more().and_then(|m| m.id.as_deref())
    }

    /// The `link` key.
    pub fn link(&self) -> Option<&str> {
        self.more().and_then(|m| m.link.as_deref())
    }

    /// The body, when it is kept with the entry; empty when it is read again to render.
    pub fn body(&self) -> &str {
        self.more().map_or("", |m| m.body.as_str())
    }

    /// The podcast episode keys.
    pub fn episode(&self) -> Option<&super::episode::Episode> {
        self.more().and_then(|m| m.episode.as_deref())
    }
}

/// The tags that are not blank. A new list: collected in place, the list kept the size of
/// the parsed one (24 bytes a tag where 16 do, at every entry).
fn tag_names(parsed: Vec<String>) -> Vec<Arc<str>> {
    // ` noir ` and `noir` (or one with an invisible character pasted in front) are one tag.
    let mut tags: Vec<Arc<str>> = parsed
        .into_iter()
        .filter(|t| !is_blank(t))
        .map(|t| Arc::from(trim_invisible(&t)))
        .collect();
    // Trimmed (and made NFC), two spellings may be one tag: listed once.
    let mut seen = std::collections::HashSet::new();
    tags.retain(|t| seen.insert(Arc::clone(t)));
    tags.shrink_to_fit();
    tags
}

/// Largest source file accepted. A column is a few KB; a file this big is a mistake (a video
/// renamed `.md`, a log), and rendering it would bloat every feed.
pub const MAX_SOURCE_BYTES: usize = 8 * 1024 * 1024;

/// What parsing a file gave: the entry and its warnings, or every error found in it.
pub type Parsed = Result<(Entry, Vec<Diagnostic>), Vec<Diagnostic>>;

/// [`Parsed`] with the entry boxed: an entry is moved from list to list on its way to a feed,
/// and a box moves in eight bytes.
pub type Boxed = Result<(Box<Entry>, Vec<Diagnostic>), Vec<Diagnostic>>;

/// The source kind implied by a file name, or `None` for files that are not content.
pub fn kind_of(path: &Path) -> Option<BodyKind> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "md" | "markdown" => Some(BodyKind::Markdown),
        "txt" => Some(BodyKind::Text),
        _ => None,
    }
}

/// Problems said of one file at most (errors, and warnings apart): past them the file is said
/// to have more. 400,000 lines of one mistake were 400,000 messages, held and printed.
pub const MAX_PROBLEMS_PER_FILE: usize = 50;

/// The end of the line that stands for the problems of a file past [`MAX_PROBLEMS_PER_FILE`]
/// (`and 12 more problem(s) in this file…`).
const MORE_PROBLEMS: &str = " more problem(s) in this file, not listed: fix these first";

/// How many problems `d` stands for: the number it says for the line that stands for those
/// not listed, else one (the total a failed build says counts them all).
pub fn problems_in(d: &Diagnostic) -> usize {
    d.message
        .strip_prefix("and ")
        .and_then(|rest| rest.strip_suffix(MORE_PROBLEMS))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

/// Parses a file's bytes. `display` names the file in messages; `source` is its state key.
pub fn parse_entry(bytes: &[u8], display: &Path, source: &str, kind: BodyKind, tz: Tz) -> Parsed {
    let capped = |mut list: Vec<Diagnostic>| {
        if list.len() > MAX_PROBLEMS_PER_FILE {
            let more = list.len() - MAX_PROBLEMS_PER_FILE;
            list.truncate(MAX_PROBLEMS_PER_FILE);
            let said = format!("and {more}{MORE_PROBLEMS}");
            list.push(Diagnostic::new(display, None, said));
        }
        list
    };
    match parse_all(bytes, display, source, kind, tz) {
        Ok((entry, warnings)) => Ok((entry, capped(warnings))),
        Err(errors) => Err(capped(errors)),
    }
}

/// [`parse_entry`], every problem listed.
fn parse_all(bytes: &[u8], display: &Path, source: &str, kind: BodyKind, tz: Tz) -> Parsed {
    let diag = |line: Option<usize>, msg: String| Diagnostic::new(display, line, msg);

    let normalised = text_boundary::decode(bytes, &diag)?;
    let (clean, report) = xml_chars::clean(&normalised);
    let mut warnings = Vec::new();
    if let Some(at) = report.dropped_at {
        let line = crate::config::line_of(&normalised, at);
        warnings.push(diag(Some(line), report.clone().without_c1().message()));
    }
    let fingerprint = Arc::from(&blake3::hash(clean.as_bytes()).to_hex()[..32]);

    let (mut meta, body) = match kind {
        BodyKind::Markdown => super::split::split_markdown(&clean, &diag)?,
        BodyKind::Text => super::split::split_text(&clean, &diag, &mut warnings)?,
    };
    if let Some(too_long) = text_boundary::markdown_too_long(kind, body.len()) {
        return Err(vec![diag(None, too_long)]);
    }
    if report.c1 > 0 {
        warnings.extend(body_c1_warning(&clean, &body, &diag));
    }
    let (cleaned, mut errors) = clean_fields(&mut meta, &clean, &diag);
    warnings.extend(cleaned);

    let file_name = display.file_name().and_then(|n| n.to_str()).unwrap_or("");

    let title = title_of(meta.title.as_deref(), kind, file_name, &clean)
        .map(|(title, found)| {
            warnings.extend(found.map(|f| diag(None, format!("title: {}", f.message()))));
            title
        })
        .unwrap_or_else(|(line, message)| {
            errors.push(diag(line, message));
            String::new()
        });

    errors.extend(super::key_checks::passwords(&meta, &title, &clean, &diag));

    let mut date_of = |key: &str, value: &Option<meta::DateText>| {
        value.as_ref().and_then(|v| {
            let read = read_date(&v.0, tz);
            let why = match read {
                None => Some(format!("{key} `{}` is not a date: {DATE_HINT}", v.0)),
                Some((d, _)) => unpublishable(d).map(|why| format!("{key} `{}` {why}", v.0)),
            };
            if let Some(why) = why {
                errors.push(diag(key_line(&clean, key), why));
                return None;
            }
            let (date, shifted) = read?;
            warnings.extend(shifted.map(|w| diag(key_line(&clean, key), format!("{key} {w}"))));
            Some(date)
        })
    };
    let date = date_of("date", &meta.date);
    let updated = date_of("updated", &meta.updated);

    let slug = slug_of(meta.slug.as_deref(), file_name, &title).unwrap_or_else(|message| {
        errors.push(diag(key_line(&clean, "slug"), message));
        String::new()
    });

    errors.extend(super::key_checks::id_and_link(&meta, (&clean, kind), &diag));

    let dir = display.parent().unwrap_or(Path::new(""));
    let episode = match super::episode::episode_from_meta(&meta, dir) {
        Ok(e) => e.map(Box::new),
        Err(problems) => {
            for (key, message) in problems {
                errors.push(diag(key_line(&clean, key), message));
            }
            None
        }
    };

    if !errors.is_empty() {
        return Err(errors);
    }
    if meta.tags.iter().any(|t| is_blank(t)) {
        let said = "tags: an empty tag (or one of only spaces or invisible characters) is left out";
        warnings.push(diag(key_line(&clean, "tags"), said.into()));
    }
    Ok((
        Entry::new(
            Head {
                source: Arc::from(source),
                title: Arc::from(title),
                date,
                tags: tag_names(meta.tags),
                slug,
                fingerprint,
                draft: meta.draft,
                kind,
            },
            More {
                updated,
                author: meta.author.filter(|a| !is_blank(a)),
                summary: meta.summary.filter(|s| !is_blank(s)),
                id: meta.id,
                link: meta.link.map(String::into_boxed_str),
                body,
                episode,
            },
        ),
        warnings,
    ))
}

/// Cleans every decoded string of `meta` (see [`text_boundary::clean_meta`]): one warning per
/// field, at the line of its key, in the order of the file; and an error for each value longer
/// than a field may be.
fn clean_fields(
    meta: &mut Meta,
    text: &str,
    diag: &dyn Fn(Option<usize>, String) -> Diagnostic,
) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let fields = text_boundary::clean_meta(meta);
    let line = |field: &str| key_line(text, field.split('.').next().unwrap_or(field));
    let mut warnings: Vec<Diagnostic> = fields
        .found
        .into_iter()
        .map(|(field, found)| diag(line(field), format!("{field}: {}", found.message())))
        .collect();
    warnings.sort_by_key(|w| w.line);
    let errors = fields
        .too_long
        .into_iter()
        .map(|(field, len)| {
            diag(
                line(field),
                format!(
                    "{field} is {len} bytes, more than the {} a key's value may have: readers show a line here, not a chapter; shorten it",
                    text_boundary::MAX_FIELD_BYTES
                ),
            )
        })
        .collect();
    (warnings, errors)
}

/// A warning for C1 controls in the body (the fields report their own), at the line of the
/// first. `body` is the end of `text`.
fn body_c1_warning(
    text: &str,
    body: &str,
    diag: &dyn Fn(Option<usize>, String) -> Diagnostic,
) -> Option<Diagnostic> {
    let (_, found) = xml_chars::clean(body);
    let at = text.len() - body.len() + found.c1_at?;
    Some(diag(
        Some(crate::config::line_of(text, at)),
        format!("body: {}", found.message()),
    ))
}

/// The slug: the `slug` key's, else the file name's, else the title's, else `entry-` and a
/// hash of the file name (a derived one cut to [`MAX_SLUG_BYTES`]; a `slug` key longer than
/// that is an error, as it names files).
fn slug_of(given: Option<&str>, file_name: &str, title: &str) -> Result<String, String> {
    match given {
        Some(s) => {
            let s = slugify(s);
            if s.is_empty() {
                return Err(
                    "slug has no letters or digits; use something like `the-zone-of-interest`"
                        .into(),
                );
            }
            if s.len() > MAX_SLUG_BYTES {
                return Err(format!(
                    "slug is {} bytes long, more than {MAX_SLUG_BYTES}: it names files (an episode's chapters file) and file systems refuse long names; write a shorter slug",
                    s.len()
                ));
            }
            Ok(s)
        }
        None => {
            let s = slug_from_file_name(file_name);
            let s = if s.is_empty() { slugify(title) } else { s };
            if s.is_empty() {
                // `🎬.md` titled `★★★`: an empty slug made the id end in `reviews/` and the
                // link `reviews//` (and a second such file clash). Named by its file, as a tag
                // of no letters is named by its text.
                let name = super::slug::nfc(file_name);
                let hash = blake3::hash(name.as_bytes()).to_hex();
                return Ok(format!("entry-{}", &hash[..12]));
            }
            Ok(shorten(&s).to_string())
        }
    }
}

/// The front matter of a Markdown source with its opening fence (the lines before the
/// closing one): a key looked for there is not one of the body's lines.
fn front_matter(text: &str) -> &str {
    let mut lines = text.split_inclusive('\n');
    let fence = lines.next().unwrap_or_default();
    let mut end = fence.len();
    for line in lines {
        if line.trim_end()
            == fence
                .trim_start_matches(|c| !matches!(c, '+' | '-'))
                .trim_end()
        {
            break;
        }
        end += line.len();
    }
    &text[..end]
}

/// The line of `key` at the top level of front matter: at the start of its line (an indented
/// `title:` is a chapter's or inside a block), bare or quoted.
fn top_level_key_line(front: &str, key: &str) -> Option<usize> {
    let quoted = [format!("\"{key}\""), format!("'{key}'")];
    front
        .lines()
        .position(|l| {
            let rest = l
                .strip_prefix(key)
                .or_else(|| quoted.iter().find_map(|q| l.strip_prefix(q.as_str())));
            rest.is_some_and(|r| r.trim_start().starts_with([':', '=']))
        })
        .map(|i| i + 1)
}

/// What makes a title blank, for the message.
const BLANK_TITLE: &str = "no title: `title` is empty or holds only spaces and invisible characters (such as U+200B ZERO WIDTH SPACE); write the title readers should see";

/// The title, trimmed of spaces and invisible characters: the `title` key's, or for a plain-text
/// column without one its file name's (with what cleaning that did). Otherwise the line and
/// message of the error.
fn title_of(
    given: Option<&str>,
    kind: BodyKind,
    file_name: &str,
    text: &str,
) -> Result<(String, Option<Report>), (Option<usize>, String)> {
    match given {
        Some(t) if !is_blank(t) => Ok((trim_invisible(t).to_string(), None)),
        Some(_) => Err((key_line(text, "title").or(Some(1)), BLANK_TITLE.to_string())),
        None if kind == BodyKind::Text => {
            let from_name = title_from_file_name(file_name);
            let (title, found) = xml_chars::clean(&from_name);
            if is_blank(&title) {
                return Err((
                    Some(1),
                    "no title: the file name has no letters to make one from; start the file with a `Title: …` line, then a blank line".into(),
                ));
            }
            let found = (!found.is_empty()).then_some(found);
            Ok((trim_invisible(&title).to_string(), found))
        }
        // `title: null` (or `~`) is a key with no value: said at its line, as an empty one.
        None => match top_level_key_line(front_matter(text), "title") {
            Some(line) => Err((Some(line), BLANK_TITLE.to_string())),
            None => Err((
                Some(1),
                "no title: add `title = \"…\"` (TOML) or `title: …` (YAML) to the front matter"
                    .into(),
            )),
        },
    }
}

/// Line (1-based, in the whole file) of the first line that starts with `key`, for messages.
pub fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start().to_lowercase();
            l.starts_with(key) && l[key.len()..].trim_start().starts_with([':', '='])
        })
        .map(|i| i + 1)
}

/// [`key_line`] in the source file `source` below `root`, read again: for a problem found
/// after parsing (rare), so that its message names the line.
pub fn key_line_in(root: &Path, source: &str, key: &str) -> Option<usize> {
    let bytes = super::read_source(&root.join(source)).ok()?;
    key_line(&String::from_utf8_lossy(&bytes), key)
}

#[cfg(test)]
#[path = "source_tests.rs"]
mod tests;
