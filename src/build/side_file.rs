//! Writing the content cache's side file (read in [`super::reuse`]): its key, then one line
//! per source file as the sources are read, then the copy of the state file written by the
//! build (see [`super::state_copy`]), sealed by a digest ([`super::sealing`]).

use std::path::Path;

use serde::Serialize;

use super::cache::Key;
use super::reuse::{CachedSource, MAGIC, Reuse, forget, path};
use super::sealing::{Begun, Sealing};
use crate::config::Config;

struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// A side file written while the sources are read (see [`start`]): each source's line goes
/// to its temp file as soon as that source is parsed, so that a large site's lines (tens of
/// MB) are never held all at once.
pub(super) struct Writing<'a> {
    out: Sealing,
    /// The side file read at the start, which unchanged lines are copied from.
    from: Option<&'a Reuse>,
    /// Lines still to come.
    left: usize,
}

/// Begins the side file of `config` for `files` source files (see [`Writing`]); `None` when
/// its temp file cannot be made (the build goes on and keeps no side file).
pub(super) fn start<'a>(
    config: &Config,
    key: &Key,
    files: usize,
    from: Option<&'a Reuse>,
) -> Option<Writing<'a>> {
    start_at(&path(config), key.text(), files, from)
}

pub(super) fn start_at<'a>(
    file: &Path,
    key: &str,
    files: usize,
    from: Option<&'a Reuse>,
) -> Option<Writing<'a>> {
    let mut out = Sealing::start(file, MAGIC)?;
    postcard::to_io(key, &mut out).ok()?;
    // A sequence's length as postcard writes it (a varint), its elements to follow.
    postcard::to_io(&(files as u64), &mut out).ok()?;
    Some(Writing {
        out,
        from,
        left: files,
    })
}

impl Writing<'_> {
    /// The next source file's line: `None` for one not kept (see [`super::reuse::line`]).
    pub(super) fn line(&mut self, line: Option<&CachedSource>) -> Option<()> {
        self.left = self.left.checked_sub(1)?;
        let out = &mut self.out;
        match line {
            None => postcard::to_io(&None::<()>, out).map(drop),
            Some(CachedSource::New { key, stat, kept }) => {
                postcard::to_io(&Some((key.as_str(), stat, Bytes(kept))), out).map(drop)
            }
            Some(CachedSource::Same { at }) => {
                let (key, stat, kept) = self.from?.line(*at)?;
                postcard::to_io(&Some((key, stat, Bytes(kept))), out).map(drop)
            }
        }
        .ok()
    }

    /// Every line written: the file waits for the state copy (see [`save`]).
    pub(super) fn begun(self) -> Begun {
        Begun::new((self.left == 0).then_some(self.out))
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
