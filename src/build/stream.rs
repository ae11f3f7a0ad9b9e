//! Feeds given in parts: an RSS or Atom file rendered a run of items at a time, each part
//! checked by the output check as it comes and handed to a [`Sink`]: its temp file (a staging
//! plan) or nowhere (a verify-only plan, which only counts it). Either way a full feed is never
//! whole in memory. The engine decides which files go this way (see `engine.rs`).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::engine::RenderedFile;
use super::plan::Staged;
use crate::config::Format;
use crate::error::{Error, Result};
use crate::feed::{self, FeedDoc, FeedItem};
use crate::output::StagedStream;
use crate::verify;

/// Where the parts of a streamed file go.
enum Sink {
    /// Its temp file, renamed into place by `write` (unless nothing changed).
    Staged(StagedStream),
    /// Nowhere: only their length is kept (see `PlanOptions::verify_only`).
    Discard { len: u64 },
}

impl Sink {
    /// `None` when the old file of a staged stream cannot be read (the whole-file path reports
    /// it).
    fn new(path: &Path, discard: bool) -> Option<Sink> {
        if discard {
            return Some(Sink::Discard { len: 0 });
        }
        StagedStream::new(path).ok().map(Sink::Staged)
    }

    fn put(&mut self, part: &[u8]) -> Result<()> {
        match self {
            Sink::Staged(stream) => stream.put(part),
            Sink::Discard { len } => {
                *len += part.len() as u64;
                Ok(())
            }
        }
    }

    fn len(&self) -> u64 {
        match self {
            Sink::Staged(stream) => stream.len(),
            Sink::Discard { len } => *len,
        }
    }

    fn finish(self) -> Result<Staged> {
        match self {
            Sink::Staged(stream) => stream.finish().map(Staged::from_temp),
            Sink::Discard { .. } => Ok(Staged::No),
        }
    }
}

/// One file being streamed: each part checked as it comes, and handed to its sink.
struct FileStream {
    check: verify::Stream,
    sink: Sink,
    write_error: Option<Error>,
}

impl FileStream {
    /// `None` for a format that cannot be checked in parts, or an old file that cannot be read
    /// (the whole-file path reports it).
    fn new(format: Format, path: &Path, discard: bool) -> Option<Self> {
        Some(FileStream {
            check: verify::Stream::new(format)?,
            sink: Sink::new(path, discard)?,
            write_error: None,
        })
    }

    fn part(&mut self, part: &[u8]) {
        self.check.part(part);
        if self.write_error.is_none()
            && let Err(e) = self.sink.put(part)
        {
            self.write_error = Some(e);
        }
    }

    fn finish(self) -> RenderedFile {
        let len = self.sink.len();
        let violations = self.check.finish();
        let staged = match self.write_error {
            Some(e) => Err(e),
            // A file that fails the check is never renamed into place.
            None if !violations.is_empty() => Ok(Staged::No),
            None => self.sink.finish(),
        };
        RenderedFile {
            bytes: None,
            len,
            violations,
            staged,
        }
    }
}

/// Renders an RSS or Atom file straight into its temp file (or, with `discard`, nowhere),
/// checking each part as it comes (see [`feed::render_into`]), so that a full feed is never
/// whole in memory. `None` when it cannot be given in parts (JSON, or a renderer that
/// refused): the caller renders it whole.
pub(super) fn stream_file(
    doc: &FeedDoc,
    format: Format,
    path: &Path,
    discard: bool,
) -> Option<RenderedFile> {
    let mut file = FileStream::new(format, path, discard)?;
    // Dropping an unfinished stream removes its temp file.
    feed::render_into(doc, format, &mut |part| file.part(part)).then(|| file.finish())
}

/// [`stream_file`] for several files of one document at once, the items filled in by `fill`
/// as they are written (see [`feed::render_all_into`]).
pub(super) fn stream_files<'d>(
    (doc, weights): (&'d FeedDoc, &[usize]),
    targets: &[(Format, PathBuf)],
    discard: bool,
    fill: impl Fn(usize, &'d [FeedItem]) -> Cow<'d, [FeedItem]> + Sync,
) -> Option<Vec<RenderedFile>> {
    let mut files = targets
        .iter()
        .map(|(format, path)| FileStream::new(*format, path, discard))
        .collect::<Option<Vec<_>>>()?;
    let formats: Vec<Format> = targets.iter().map(|(f, _)| *f).collect();
    let mut parts: Vec<_> = files
        .iter_mut()
        .map(|file| move |part: &[u8]| file.part(part))
        .collect();
    let mut sinks: Vec<feed::Sink<'_>> = parts.iter_mut().map(|p| p as feed::Sink<'_>).collect();
    let complete = feed::render_all_into((doc, weights), &formats, fill, &mut sinks);
    drop(sinks);
    drop(parts);
    // Each file's last flush and sync (waiting on the disk) side by side.
    complete.then(|| files.into_par_iter().map(FileStream::finish).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    /// A feed whose two items share an id: the output check finds it in both formats.
    fn doc_with_a_duplicate_id() -> FeedDoc {
        let date = chrono::DateTime::parse_from_rfc3339("2026-01-01T10:00:00+01:00").unwrap();
        let item = |title: &str| FeedItem {
            id: "tag:films.example,2026:r/same".into(),
            atom_id: "tag:films.example,2026:r/same".into(),
            title: title.into(),
            link: Url::parse("https://films.example/r/same/").unwrap(),
            published: date,
            updated: date,
            author: None,
            summary: "A heist.".into(),
            html: "<p>A heist.</p>\n".into(),
            tags: Vec::new(),
            enclosure: None,
            episode: None,
        };
        FeedDoc {
            id: "tag:films.example,2026:feed/r".into(),
            title: "Reviews".into(),
            description: "Film reviews".into(),
            home: Url::parse("https://films.example/").unwrap(),
            self_urls: [Format::Rss, Format::Atom]
                .iter()
                .map(|f| {
                    let url = format!("https://films.example/feeds/r.{}", f.extension());
                    (*f, Url::parse(&url).unwrap())
                })
                .collect(),
            language: None,
            author: None,
            timezone: chrono_tz::Tz::Europe__Paris,
            hubs: vec![],
            items: vec![item("Heat"), item("Ronin")],
            podcast: None,
            paging: None,
            stylesheet: None,
            updated_if_empty: None,
        }
    }

    /// Discarded parts are checked exactly as staged ones: the same violations, the same
    /// length; nothing is written (the staged file, failing the check, is not kept either).
    #[test]
    fn a_discarded_stream_is_checked_like_a_staged_one_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let doc = doc_with_a_duplicate_id();
        let targets: Vec<(Format, PathBuf)> = [Format::Rss, Format::Atom]
            .into_iter()
            .map(|f| (f, dir.path().join(format!("r.{}", f.extension()))))
            .collect();
        let fill = |_, items: &[FeedItem]| Cow::Owned(items.to_vec());
        let staged = stream_files((&doc, &[]), &targets, false, fill).unwrap();
        let discarded = stream_files((&doc, &[]), &targets, true, fill).unwrap();
        let alone = stream_file(&doc, Format::Atom, &targets[1].1, true).unwrap();
        for (s, d) in staged.iter().zip(&discarded).chain([(&staged[1], &alone)]) {
            assert!(!d.violations.is_empty());
            assert_eq!(d.violations, s.violations);
            assert_eq!(d.len, s.len);
            assert!(d.len > 0 && d.bytes.is_none());
            assert!(matches!(d.staged, Ok(Staged::No)));
        }
        assert!(
            staged[1]
                .violations
                .iter()
                .any(|v| v.contains("appears twice")),
            "{:?}",
            staged[1].violations
        );
        drop(staged);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
