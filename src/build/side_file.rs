//! Writing the content cache's side file (read in [`super::reuse`]): its key, then one line
//! per source file as the sources are read, then the copy of the state file written by the
//! build (see [`super::state_copy`]), sealed by a digest ([`super::sealing`]).

use std::path::Path;

use serde::Serialize;

use super::cache::Key;
use super::reuse::{CachedSource, MAGIC, Reuse, forget, path};
use super::sealing::{Begun, Held, Sealing};
use crate::config::Config;

/// How many bytes of encoded lines are held before they are handed to the writer (the lines
/// of about 15,000 sources).
const HOLD: usize = 4 << 20;

struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// A side file written while the sources are read (see [`start`]): each source's line is
/// encoded as soon as it is parsed, and the lines go to a thread of their own that writes them
/// to the temp file, [`HOLD`] bytes at a time. A large site's lines (tens of MB) are never held
/// all at once; a small site's are handed on when the sources are read, and written while the
/// build goes on, on a core it leaves idle (written on the build's path, the file system's
/// work was most of the time an edit takes to gather its sources).
pub(super) struct Writing {
    /// Lines still to come.
    left: usize,
    /// Lines encoded and not yet handed on.
    lines: Vec<u8>,
    to: std::sync::mpsc::SyncSender<Vec<u8>>,
    writer: std::thread::JoinHandle<Option<Sealing>>,
}

/// A source's line of the side file, encoded (on the core that parsed it): the side file
/// read at the start (`from`) has the unchanged ones.
pub(super) fn encoded(line: &CachedSource, from: Option<&Reuse>) -> Option<Vec<u8>> {
    match line {
        CachedSource::New { key, stat, kept } => {
            postcard::to_stdvec(&Some((key.as_str(), stat, Bytes(kept)))).ok()
        }
        CachedSource::Same { at } => {
            let (key, stat, kept) = from?.line(*at)?;
            postcard::to_stdvec(&Some((key, stat, Bytes(kept)))).ok()
        }
    }
}

/// Begins the side file of `config` for `files` source files (see [`Writing`]); `None` when
/// its temp file cannot be made (the build goes on and keeps no side file).
pub(super) fn start(config: &Config, key: &Key, files: usize) -> Option<Writing> {
    start_at(&path(config), key.text(), files)
}

pub(super) fn start_at(file: &Path, key: &str, files: usize) -> Option<Writing> {
    use std::io::Write as _;
    let mut out = Sealing::start(file, MAGIC)?;
    postcard::to_io(key, &mut out).ok()?;
    // A sequence's length as postcard writes it (a varint), its elements to follow.
    postcard::to_io(&(files as u64), &mut out).ok()?;
    // One part waits at most: memory stays bounded if the disk is slow.
    let (to, batches) = std::sync::mpsc::sync_channel::<Vec<u8>>(1);
    let writer = std::thread::Builder::new()
        .name("side file".into())
        .spawn(move || {
            for lines in batches {
                out.write_all(&lines).ok()?;
            }
            Some(out)
        })
        .ok()?;
    Some(Writing {
        left: files,
        lines: Vec::new(),
        to,
        writer,
    })
}

impl Writing {
    /// The next source file's line, as [`encoded`] gives it: `None` for one not kept (see
    /// [`super::reuse::line`]).
    pub(super) fn line(&mut self, encoded: Option<&[u8]>) -> Option<()> {
        self.left = self.left.checked_sub(1)?;
        // `None`, as postcard writes it.
        self.lines.extend_from_slice(encoded.unwrap_or(&[0]));
        Some(())
    }

    /// The lines encoded so far handed to the writer once they are [`HOLD`] bytes (called
    /// at the end of each batch of sources).
    pub(super) fn hand_on(&mut self) -> Option<()> {
        if self.lines.len() >= HOLD {
            self.send()?;
        }
        Some(())
    }

    fn send(&mut self) -> Option<()> {
        if !self.lines.is_empty() {
            self.to.send(std::mem::take(&mut self.lines)).ok()?;
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
        // `Some` and a byte string's length, as postcard writes `StateOut(Some(bytes))`.
        postcard::to_io(&(1u8, len as u64), &mut out).ok()?;
        postcard::to_io(copy, &mut out).ok()?;
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
