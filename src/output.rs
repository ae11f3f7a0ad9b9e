//! Writing output files: atomically (temp file in the same folder, then rename) and only when
//! the bytes changed, so an unchanged file keeps its modification time and a reader or a crash
//! never sees half a feed.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Prefix of our temp files; leftovers from a killed run are removed by [`clean_stale_temps`].
pub const TEMP_PREFIX: &str = ".feedwright-";
const TEMP_SUFFIX: &str = ".tmp";

/// Writes `bytes` to `path` unless it already holds exactly them. Returns whether it wrote.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool> {
    match std::fs::read(path) {
        Ok(existing) if existing == bytes => return Ok(false),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(path, "reading", e)),
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "creating the folder", e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, "creating a temporary file", e))?;
    injected_failure()
        .map_or(Ok(()), Err)
        .and_then(|()| tmp.write_all(bytes))
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Error::io(path, "writing (the old file is intact)", e))?;
    tmp.persist(path)
        .map_err(|e| Error::io(path, "replacing", e.error))?;
    // Make the rename itself durable; failure here loses nothing already visible.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(true)
}

/// Tests of a full disk on machines where they cannot mount a small tmpfs set
/// `FEEDWRIGHT_TEST_DISK_FULL`; debug builds then fail every write as a full disk would.
/// Release builds never look at it.
fn injected_failure() -> Option<std::io::Error> {
    (cfg!(debug_assertions) && std::env::var_os("FEEDWRIGHT_TEST_DISK_FULL").is_some())
        .then(|| std::io::Error::new(std::io::ErrorKind::StorageFull, "No space left on device"))
}

/// Removes temp files that a killed run left in `dir`. Call it only while holding the run lock.
pub fn clean_stale_temps(dir: &Path) -> usize {
    let Ok(read) = std::fs::read_dir(dir) else {
        return 0;
    };
    read.filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
        })
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_only_when_changed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/a.rss");
        assert!(write_if_changed(&p, b"one").unwrap());
        assert!(!write_if_changed(&p, b"one").unwrap());
        assert!(write_if_changed(&p, b"two").unwrap());
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub")).unwrap().collect();
        assert_eq!(names.len(), 1, "no temp file left behind");
    }

    #[test]
    fn stale_temps_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".feedwright-abc.tmp"), "x").unwrap();
        std::fs::write(dir.path().join("keep.rss"), "x").unwrap();
        assert_eq!(clean_stale_temps(dir.path()), 1);
        assert!(dir.path().join("keep.rss").exists());
    }
}
