//! Side files written sealed: streamed to a temp file beside their place, hashed on the
//! way, the digest last, then renamed into place. A file cut short or changed fails its
//! digest and is not used (see `reuse.rs`).

use std::path::Path;

/// A side file begun while the build was still running: its key and lines, which are known
/// once the sources are read, and whether its tail (the state copy) was written too. `None`
/// inside when it was not begun, or could not be; a side file begun and never ended is a temp
/// file, removed when dropped.
#[derive(Default)]
pub struct Begun(std::sync::Mutex<Option<(Sealing, bool)>>);

impl std::fmt::Debug for Begun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Begun")
    }
}

impl Begun {
    pub(super) fn new(out: Option<Sealing>) -> Begun {
        Begun(std::sync::Mutex::new(out.map(|out| (out, false))))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Sealing, bool)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[cfg(test)]
    pub(super) fn is_begun(&self) -> bool {
        self.lock().is_some()
    }

    /// The file, and whether its tail was written.
    pub(super) fn take(&self) -> Option<(Sealing, bool)> {
        self.lock().take()
    }

    /// Writes the file's tail with `write`, once; a failed write (`None`) drops the file.
    pub(super) fn update(&self, write: impl FnOnce(Sealing) -> Option<Sealing>) {
        let mut held = self.lock();
        if let Some((_, false)) = *held
            && let Some((out, _)) = held.take()
        {
            *held = write(out).map(|out| (out, true));
        }
    }
}

/// A side file being written to a temp file beside its place: everything after its magic
/// line is hashed as it is written, and the digest ends the file.
pub(super) struct Sealing {
    out: std::io::BufWriter<tempfile::NamedTempFile>,
    hasher: blake3::Hasher,
}

impl Sealing {
    pub(super) fn start(file: &Path, magic: &[u8]) -> Option<Sealing> {
        use std::io::Write as _;
        let tmp = super::cache::hint_temp(file).ok()?;
        let mut out = std::io::BufWriter::with_capacity(1 << 16, tmp);
        out.write_all(magic).ok()?;
        Some(Sealing {
            out,
            hasher: blake3::Hasher::new(),
        })
    }

    /// The digest written, and the file renamed into place (not synced: a file a crash cut
    /// short fails its digest and only costs a full parse).
    pub(super) fn finish(mut self, file: &Path) -> Option<()> {
        use std::io::Write as _;
        let digest = self.hasher.finalize();
        self.out.write_all(digest.as_bytes()).ok()?;
        let tmp = self.out.into_inner().ok()?;
        tmp.persist(file).ok()?;
        Some(())
    }
}

impl std::io::Write for Sealing {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(bytes)?;
        self.hasher.update(&bytes[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
