//! Reading a file a user named that should be small (a source, the config, a saved feed, a
//! transcript): only a regular file (opening a FIFO waits for a writer forever, `/dev/zero`
//! never ends, a folder cannot be read), and never more than a cap, however large the file is
//! or grows while it is read. Each caller words the refusal for its own file.

use std::fs::{File, FileType};
use std::io::Read as _;
use std::path::Path;

/// Why a file was not read.
#[derive(Debug)]
pub enum Refusal {
    /// Not a regular file: what it is instead (`a FIFO`, `a folder`…).
    NotRegular(&'static str),
    /// Larger than the cap: its length, or what was read when it grew past the cap.
    TooBig(u64),
    Io(std::io::Error),
}

/// The bytes of `path`, a regular file of at most `cap` bytes.
pub fn read(path: &Path, cap: u64) -> Result<Vec<u8>, Refusal> {
    // Looked at before opening: opening a device may do something (a watchdog starts).
    let meta = std::fs::metadata(path).map_err(Refusal::Io)?;
    regular_within(&meta.file_type(), meta.len(), cap)?;
    read_found(path, cap)
}

/// [`read`] of a file a walk of its folder already found to be a regular file (a source): not
/// looked at again before it is opened, one system call fewer on every source read.
pub fn read_found(path: &Path, cap: u64) -> Result<Vec<u8>, Refusal> {
    let file = open_without_waiting(path).map_err(Refusal::Io)?;
    // The path may have been replaced between the two looks; what was opened is what counts.
    let meta = file.metadata().map_err(Refusal::Io)?;
    regular_within(&meta.file_type(), meta.len(), cap)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(Refusal::Io)?;
    let read = bytes.len() as u64;
    if read > cap {
        return Err(Refusal::TooBig(read));
    }
    Ok(bytes)
}

fn regular_within(kind: &FileType, len: u64, cap: u64) -> Result<(), Refusal> {
    if !kind.is_file() {
        return Err(Refusal::NotRegular(kind_of(kind)));
    }
    if len > cap {
        return Err(Refusal::TooBig(len));
    }
    Ok(())
}

/// Opens `path` for reading; on Unix without blocking, so that a FIFO put in the file's place
/// after it was looked at cannot hold the run (for a regular file the flag changes nothing).
fn open_without_waiting(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let flag = i32::try_from(rustix::fs::OFlags::NONBLOCK.bits()).unwrap_or(0);
        options.custom_flags(flag);
    }
    options.open(path)
}

/// The largest feed file of our own read back (the guards, `doctor`): a full-history feed is
/// ~100 MB at 10,000 entries.
pub const MAX_OWN_FEED: u64 = 1 << 30;

/// [`read`] as text, for a file only looked at (a feed this program wrote, read back by a
/// guard): `None` when it is no regular file within `cap`, or not UTF-8. A link in a cloned
/// site to `/dev/zero` was read until memory ran out.
pub fn read_text(path: &Path, cap: u64) -> Option<String> {
    String::from_utf8(read(path, cap).ok()?).ok()
}

/// What a file that is not a regular file is, for a message.
pub fn kind_of(kind: &FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_regular_file_within_the_cap_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("a.md");
        std::fs::write(&small, "four").unwrap();
        assert_eq!(read(&small, 4).unwrap(), b"four");
        assert_eq!(read_found(&small, 4).unwrap(), b"four");
        assert!(matches!(read(&small, 3), Err(Refusal::TooBig(4))));
        let sparse = dir.path().join("big.md");
        File::create(&sparse).unwrap().set_len(1 << 40).unwrap();
        assert!(matches!(read(&sparse, 1 << 20), Err(Refusal::TooBig(n)) if n == 1 << 40));
        assert!(matches!(
            read(dir.path(), 10),
            Err(Refusal::NotRegular("a folder"))
        ));
        #[cfg(unix)]
        assert!(matches!(
            read(Path::new("/dev/zero"), 10),
            Err(Refusal::NotRegular("a device"))
        ));
        assert!(matches!(
            read(&dir.path().join("none"), 10),
            Err(Refusal::Io(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f.md");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap();
        assert!(matches!(
            read(&fifo, 10),
            Err(Refusal::NotRegular("a FIFO"))
        ));
    }
}
