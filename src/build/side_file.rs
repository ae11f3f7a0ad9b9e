//! Writing the content cache's side file (read in [`super::reuse`]): its key, then one line
//! per source file as the sources are read, then the copy of the state file written by the
//! build (see [`super::state_copy`]), sealed by a digest ([`super::sealing`]).

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::cache::Key;
use super::reuse::{Line, MAGIC, Reuse, forget, path};
use super::sealing::{Begun, Held, Sealing};
use crate::config::Config;

/// How many bytes of new lines are held before they are handed to the writer (the lines of
/// about 15,000 sources).
const HOLD: usize = 4 << 20;

/// A side file written while the sources are read (see [`start`]): each source's line is
/// handed to a thread of its own that writes it to the temp file, a batch at a time. A large
/// site's new lines (tens of MB) are never held all at once ([`HOLD`] bytes at most); the
/// lines copied from the side file read at the start cost a number each until the writer
/// copies them, on a core the build leaves idle (on the build's path, writing them was most
/// of the time an edit took to gather its sources).
pub(super) struct Writing {
    /// Lines still to come.
    left: usize,
    /// Lines not yet handed on, and the bytes of the new ones.
    lines: Vec<Option<Line>>,
    held: usize,
    to: std::sync::mpsc::SyncSender<Vec<Option<Line>>>,
    writer: std::thread::JoinHandle<Option<Sealing>>,
}

/// Begins the side file of `config` for `files` source files (see [`Writing`]), copying
/// unchanged lines from `from`; `None` when its temp file cannot be made (the build goes on
/// and keeps no side file).
pub(super) fn start(
    config: &Config,
    key: &Key,
    files: usize,
    from: Option<Arc<Reuse>>,
) -> Option<Writing> {
    start_at(&path(config), key.text(), files, from)
}

pub(super) fn start_at(
    file: &Path,
    key: &str,
    files: usize,
    from: Option<Arc<Reuse>>,
) -> Option<Writing> {
    let mut out = Sealing::start(file, MAGIC)?;
    postcard::to_io(key, &mut out).ok()?;
    // A sequence's length as postcard writes it (a varint), its elements to follow.
    postcard::to_io(&(files as u64), &mut out).ok()?;
    // One batch waits at most: memory stays bounded if the disk is slow.
    let (to, batches) = std::sync::mpsc::sync_channel::<Vec<Option<Line>>>(1);
    let writer = std::thread::Builder::new()
        .name("side file".into())
        .spawn(move || {
            for batch in batches {
                write_lines(&mut out, batch, from.as_deref())?;
            }
            Some(out)
        })
        .ok()?;
    Some(Writing {
        left: files,
        lines: Vec::new(),
        held: 0,
        to,
        writer,
    })
}

/// One batch of lines written, unchanged ones copied from `from`.
fn write_lines(out: &mut Sealing, batch: Vec<Option<Line>>, from: Option<&Reuse>) -> Option<()> {
    use std::io::Write as _;
    for line in batch {
        match line {
            // `None`, as postcard writes it.
            None => out.write_all(&[0]).ok()?,
            Some(Line::New(bytes)) => out.write_all(&bytes).ok()?,
            Some(Line::Same(at)) => out.write_all(from?.line_bytes(at)?).ok()?,
        }
    }
    Some(())
}

impl Writing {
    /// The next source file's line: `None` for one not kept (see [`super::reuse::line`]).
    pub(super) fn line(&mut self, line: Option<Line>) -> Option<()> {
        self.left = self.left.checked_sub(1)?;
        if let Some(Line::New(bytes)) = &line {
            self.held += bytes.len();
        }
        self.lines.push(line);
        Some(())
    }

    /// The lines so far handed to the writer once the new ones are [`HOLD`] bytes (called at
    /// the end of each batch of sources).
    pub(super) fn hand_on(&mut self) -> Option<()> {
        if self.held >= HOLD {
            self.send()?;
        }
        Some(())
    }

    fn send(&mut self) -> Option<()> {
        if !self.lines.is_empty() {
            self.to.send(std::mem::take(&mut self.lines)).ok()?;
            self.held = 0;
        }
        Some(())
    }

    /// Every line given: the file waits for the state copy (see [`save`]). Nothing when a
    /// line is missing.
    pub(super) fn begun(mut self) -> Begun {
        let whole = self.left == 0 && self.send().is_some();
        drop(self.to);
        if !whole {
            // Its temp file is removed when the writer lets it go.
            let _ = self.writer.join();
            return Begun::default();
        }
        Begun::new(Some(Held::Writing(self.writer)))
    }
}

/// Writes the copy of the state file (see [`super::state_copy`]) after the lines of the side
/// file `begun`, encoded as it goes (its length first, counted by encoding it once without
/// keeping the bytes). Nothing when none was begun; a failed write leaves none begun.
pub(super) fn put_state(begun: &Begun, copy: &impl Serialize) {
    begun.update(|mut out| {
        let len =
            postcard::serialize_with_flavor(copy, postcard::ser_flavors::Size::default()).ok()?;
        // `Some` and a byte string's length, as postcard writes the state copy's `Some(bytes)`.
        postcard::to_io(&(1u8, len as u64), &mut out).ok()?;
        postcard::to_io(copy, &mut out).ok()?;
        Some(out)
    });
}

/// [`put_state`] for a copy given in parts (see `super::fresh`): `len` bytes in all, written
/// by `write`.
pub(super) fn put_state_parts(
    begun: &Begun,
    len: u64,
    write: impl FnOnce(&mut Sealing) -> Option<()>,
) {
    begun.update(|mut out| {
        postcard::to_io(&(1u8, len), &mut out).ok()?;
        write(&mut out)?;
        Some(out)
    });
}

/// Ends the side file begun with every source's line (see [`Writing`]), with the state copy
/// if [`put_state`] wrote it: sealed and put in place. Removes the side file when there is
/// none begun or it cannot be written.
pub(super) fn save(config: &Config, begun: &Begun) {
    let file = path(config);
    let written = begun.take().and_then(|(out, state)| end(out, state, &file));
    if written.is_none() {
        forget(config);
    }
}

/// The file sealed (with no state copy unless one was written) and put in place.
pub(super) fn end(mut out: Sealing, state_written: bool, file: &Path) -> Option<()> {
    if !state_written {
        // No copy: `None` where it would be.
        postcard::to_io(&None::<()>, &mut out).ok()?;
    }
    out.finish(file)
}
