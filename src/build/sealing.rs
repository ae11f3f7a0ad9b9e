//! Side files written sealed: streamed to a temp file beside their place, hashed on the
//! way, the digest last, then renamed into place. A file cut short or changed fails its
//! digest and is not used (see `reuse.rs`).

use std::path::Path;

/// A side file begun while the build was still running: its key and lines, which are known
/// once the sources are read, and whether its tail (the state copy) was written too. Empty
/// when it was not begun, or could not be; a side file begun and never ended is a temp file,
/// removed when dropped (after its writer, if it is still writing, is done).
#[derive(Default)]
pub struct Begun(std::sync::Mutex<Option<Held>>);

/// A begun side file: still being written by its own thread, or written up to its tail.
pub(super) enum Held {
    Writing(std::thread::JoinHandle<Option<Sealing>>),
    Ready(Box<Sealing>, bool),
}

impl std::fmt::Debug for Begun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Begun")
    }
}

impl Begun {
    pub(super) fn new(held: Option<Held>) -> Begun {
        Begun(std::sync::Mutex::new(held))
    }

    /// The file held, its writer done with it.
    fn ready(&self) -> std::sync::MutexGuard<'_, Option<Held>> {
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(Held::Writing(_)) = *held
            && let Some(Held::Writing(writer)) = held.take()
        {
            *held = writer
                .join()
                .ok()
                .flatten()
                .map(|out| Held::Ready(Box::new(out), false));
        }
        held
    }

    #[cfg(test)]
    pub(super) fn is_begun(&self) -> bool {
        self.ready().is_some()
    }

    /// The file, and whether its tail was written.
    pub(super) fn take(&self) -> Option<(Sealing, bool)> {
        match self.ready().take()? {
            Held::Ready(out, tail) => Some((*out, tail)),
            Held::Writing(_) => None,
        }
    }

    /// Writes the file's tail with `write`, once; a failed write (`None`) drops the file.
    pub(super) fn update(&self, write: impl FnOnce(Sealing) -> Option<Sealing>) {
        let mut held = self.ready();
        if let Some(Held::Ready(_, false)) = *held
            && let Some(Held::Ready(out, _)) = held.take()
        {
            *held = write(*out).map(|out| Held::Ready(Box::new(out), true));
        }
    }
}

impl Drop for Begun {
    fn drop(&mut self) {
        // A writer still at work owns the temp file: it is removed once the writer is done.
        drop(self.ready().take());
    }
}

/// A side file being written to a temp file beside its place: everything after its magic
/// line is hashed as it is written, and the digest ends the file.
pub(super) struct Sealing {
    out: tempfile::NamedTempFile,
    hasher: blake3::Hasher,
    /// Bytes given and not yet hashed and written: the encoders give a few bytes at a time
    /// (a varint, a field), and hashed that way the side file's lines cost 2 µs each.
    pending: Vec<u8>,
}

/// How many bytes are gathered before they are hashed and written.
const PENDING: usize = 1 << 16;

impl Sealing {
    pub(super) fn start(file: &Path, magic: &[u8]) -> Option<Sealing> {
        use std::io::Write as _;
        let mut out = crate::output::hint_temp(file).ok()?;
        out.write_all(magic).ok()?;
        Some(Sealing {
            out,
            hasher: blake3::Hasher::new(),
            pending: Vec::with_capacity(PENDING),
        })
    }

    /// The digest written, and the file renamed into place (not synced: a file a crash cut
    /// short fails its digest and only costs a full parse).
    pub(super) fn finish(mut self, file: &Path) -> Option<()> {
        use std::io::Write as _;
        self.drain().ok()?;
        let digest = self.hasher.finalize();
        self.out.write_all(digest.as_bytes()).ok()?;
        self.out.persist(file).ok()?;
        Some(())
    }

    fn drain(&mut self) -> std::io::Result<()> {
        use std::io::Write as _;
        self.hasher.update(&self.pending);
        self.out.write_all(&self.pending)?;
        self.pending.clear();
        Ok(())
    }
}

impl std::io::Write for Sealing {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if bytes.len() >= PENDING {
            self.drain()?;
            self.hasher.update(bytes);
            self.out.write_all(bytes)?;
            return Ok(bytes.len());
        }
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= PENDING {
            self.drain()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.drain()?;
        self.out.flush()
    }
}
