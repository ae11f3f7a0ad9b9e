//! The content cache's files (the cache, the side file, the kept bodies) read back: whole,
//! when they are regular files of a size the site can need. Each is a hint (written by
//! `crate::output::write_unsynced`): what cannot be read only costs a full build.

use std::path::Path;

/// The largest cache or side file read: a hint never costs unbounded memory (a million
/// reviews make a side file of about 400 MB).
const HINT_LIMIT: u64 = 2 << 30;

/// A cache file's bytes, when it is a regular file no larger than `limit` (see
/// [`super::cache::Scan::hint_limit`]).
pub(super) fn read(path: &Path, limit: u64) -> Option<Vec<u8>> {
    // Looked at before it is opened: opening a FIFO put in its place would wait for a writer.
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > limit.min(HINT_LIMIT) {
        return None;
    }
    let file = std::fs::File::open(path).ok()?;
    #[cfg(unix)]
    {
        // In two halves on two cores: the time goes on the fresh pages the bytes land in,
        // and each core takes those of its half. A file that changed size meanwhile is read
        // short or fails its digest (every hint is sealed): no build uses it.
        use std::os::unix::fs::FileExt as _;
        let mut bytes = vec![0u8; usize::try_from(meta.len()).ok()?];
        let half = bytes.len() / 2;
        let (first, second) = bytes.split_at_mut(half);
        let (a, b) = rayon::join(
            || file.read_exact_at(first, 0),
            || file.read_exact_at(second, half as u64),
        );
        a.and(b).ok()?;
        Some(bytes)
    }
    #[cfg(not(unix))]
    {
        use std::io::Read as _;
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).ok()?);
        let limit = limit.min(HINT_LIMIT);
        file.take(limit + 1).read_to_end(&mut bytes).ok()?;
        (bytes.len() as u64 <= limit).then_some(bytes)
    }
}

#[cfg(test)]
mod tests {
    /// Audit: a cache file grown to 1.9 GB (a disk error, a stray copy) was read whole on
    /// every run: 2 GB of memory each, an abort under a memory limit, until deleted by hand.
    #[test]
    fn a_file_larger_than_the_site_can_need_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(".state.cache");
        std::fs::write(&file, b"small").unwrap();
        assert_eq!(super::read(&file, 5).as_deref(), Some(&b"small"[..]));
        assert_eq!(super::read(&file, 4), None);
        // Sparse: its size costs no disk here, and nothing is read.
        std::fs::File::create(&file)
            .unwrap()
            .set_len(1 << 40)
            .unwrap();
        assert_eq!(super::read(&file, u64::MAX), None);
    }
}
