//! Which state file this site's builds wrote last: its integrity digest, kept beside it in
//! `.<state file name>.written`. A state file whose integrity line is valid but holds another
//! digest was put back since (a backup, a `git checkout` of an older commit): the build then
//! compares it with the feeds in the output folder, as it does a missing one, before any
//! published id or date can change. The content cache tells the same from the state file's
//! stat, but only when the last build could write a cache: not after a source saved a moment
//! before it, nor with `--no-cache`. A state edited by hand has no integrity line (the README
//! says to delete it) and is not taken for one put back.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The integrity line is in the header's first lines.
const HEAD: u64 = 4096;

/// Where the digest of the state file a build wrote last is kept.
pub fn path(state_file: &Path) -> PathBuf {
    let name = state_file
        .file_name()
        .map_or_else(|| "state".into(), |n| n.to_string_lossy());
    state_file.with_file_name(format!(".{name}.written"))
}

/// The digest the state file's integrity line records, if it has one.
fn digest_of(state_file: &Path) -> Option<String> {
    let mut head = String::new();
    let file = std::fs::File::open(state_file).ok()?;
    file.take(HEAD).read_to_string(&mut head).ok()?;
    let (_, hash, _) = super::state::recorded_integrity(&head)?;
    Some(hash.to_string())
}

/// Whether the state file is a valid one other than the one a build (or `adopt-ids`) wrote
/// last. Without a record of that one (a site built before it was kept), `stat_changed` says:
/// the content cache's view. A state without an integrity line was edited by hand (or has
/// none to check): never taken for one put back, with or without the cache.
pub fn put_back(state_file: &Path, stat_changed: impl FnOnce() -> bool) -> bool {
    let Some(now) = digest_of(state_file) else {
        return false;
    };
    match std::fs::read_to_string(path(state_file)) {
        Ok(last) => now != last.trim(),
        Err(_) => stat_changed(),
    }
}

/// Records the state file now in place as the one written last. A hint only: when it cannot
/// be written, a state put back later is found by the content cache alone.
pub fn record(state_file: &Path) {
    if let Some(digest) = digest_of(state_file) {
        let _ =
            crate::output::write_if_changed(&path(state_file), format!("{digest}\n").as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(digest: &str) -> String {
        format!("# feedwright state\n# integrity: 2 records, blake3 {digest}\nversion = 1\n")
    }

    #[test]
    fn a_state_other_than_the_last_written_is_put_back() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("state.toml");
        // Nothing recorded yet: the cache's view decides.
        std::fs::write(&file, state("aaaa")).unwrap();
        assert!(!put_back(&file, || false));
        assert!(put_back(&file, || true));
        record(&file);
        assert_eq!(std::fs::read_to_string(path(&file)).unwrap(), "aaaa\n");
        assert!(!put_back(&file, || true));
        std::fs::write(&file, state("bbbb")).unwrap();
        assert!(put_back(&file, || false));
        // Edited by hand: the integrity line deleted; whatever the cache says.
        std::fs::write(&file, "# feedwright state\nversion = 1\n").unwrap();
        assert!(!put_back(&file, || true));
        std::fs::remove_file(&file).unwrap();
        assert!(!put_back(&file, || true));
    }
}
