//! The body of a WebDAV `PUT` streamed from disk: a few kilobytes in memory at a time, and
//! the file checked as it goes. A single PUT cannot be abandoned once complete, so the check
//! comes before the last bytes leave: the reader hashes what it hands out and, on the read
//! that would finish the file, compares the hash (and that nothing follows) first. When the
//! file changed, that read fails instead, the request is cut short of its Content-Length, and
//! the server (nginx writes a PUT to a temporary file and renames it only when the body is
//! whole) keeps the copy it had.

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::target::FromDisk;

/// Why the reader stopped the body, for the caller to report as a changed file rather than
/// a broken connection. Shared because the reader is moved into the request.
pub(super) type Problem = Arc<Mutex<Option<String>>>;

pub(super) struct CheckedFile {
    file: File,
    path: PathBuf,
    len: u64,
    sent: u64,
    hasher: blake3::Hasher,
    want: String,
    checked: bool,
    problem: Problem,
}

impl CheckedFile {
    /// Opens `disk.path` afresh (each attempt of a retried upload reads it from the start).
    pub(super) fn open(disk: &FromDisk<'_>) -> io::Result<(CheckedFile, Problem)> {
        let problem = Problem::default();
        let reader = CheckedFile {
            file: File::open(disk.path)?,
            path: disk.path.to_path_buf(),
            len: disk.len,
            sent: 0,
            hasher: blake3::Hasher::new(),
            want: disk.hash.to_string(),
            checked: false,
            problem: Arc::clone(&problem),
        };
        Ok((reader, problem))
    }

    fn fail(&self, what: String) -> io::Error {
        if let Ok(mut p) = self.problem.lock() {
            p.get_or_insert_with(|| what.clone());
        }
        io::Error::other(what)
    }

    /// The whole file has been read: it must be the one that was hashed, and end here.
    fn check(&mut self) -> io::Result<()> {
        self.checked = true;
        let mut more = [0u8; 1];
        let longer = self.file.read(&mut more)? > 0;
        if longer || self.hasher.finalize().to_hex().as_str() != self.want {
            return Err(self.fail(format!(
                "{} changed on disk while it was sent; the upload was abandoned before its end",
                self.path.display()
            )));
        }
        Ok(())
    }
}

impl Read for CheckedFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len - self.sent;
        if left == 0 {
            if !self.checked {
                self.check()?;
            }
            return Ok(0);
        }
        let take = usize::try_from(left).map_or(buf.len(), |l| l.min(buf.len()));
        let n = match self.file.read(&mut buf[..take]) {
            Ok(n) => n,
            Err(e) => return Err(self.fail(format!("cannot read {}: {e}", self.path.display()))),
        };
        if n == 0 {
            return Err(self.fail(format!(
                "{} became shorter while it was sent; the upload was abandoned",
                self.path.display()
            )));
        }
        self.hasher.update(&buf[..n]);
        self.sent += n as u64;
        if self.sent == self.len {
            self.check()?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(path: &std::path::Path, len: u64, hash: &str) -> (io::Result<Vec<u8>>, Problem) {
        let disk = FromDisk { path, len, hash };
        let (mut reader, problem) = CheckedFile::open(&disk).unwrap();
        let mut out = Vec::new();
        let mut buf = [0u8; 1000];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return (Ok(out), problem),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => return (Err(e), problem),
            }
        }
    }

    #[test]
    fn the_file_as_hashed_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.mp3");
        let bytes: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let hash = super::super::state::hash(&bytes);
        let (read, problem) = read_all(&path, bytes.len() as u64, &hash);
        assert_eq!(read.unwrap(), bytes);
        assert_eq!(*problem.lock().unwrap(), None);
    }

    /// The last chunk is never handed out when the bytes differ: the server cannot see a
    /// whole body, so it keeps its old copy.
    #[test]
    fn a_changed_file_fails_before_its_last_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.mp3");
        let before = vec![1u8; 5_500];
        let hash = super::super::state::hash(&before);
        let mut after = before.clone();
        after[5_000] = 2;
        std::fs::write(&path, &after).unwrap();
        let (read, problem) = read_all(&path, 5_500, &hash);
        assert!(read.is_err());
        let problem = problem.lock().unwrap().clone().unwrap();
        assert!(
            problem.ends_with(
                "changed on disk while it was sent; the upload was abandoned before its end"
            ),
            "{problem}"
        );

        // Longer or shorter than the length the state records: stopped too.
        std::fs::write(&path, [before.as_slice(), b"x"].concat()).unwrap();
        assert!(read_all(&path, 5_500, &hash).0.is_err());
        std::fs::write(&path, &before[..5_000]).unwrap();
        let (read, problem) = read_all(&path, 5_500, &hash);
        assert!(read.is_err());
        assert!(
            problem
                .lock()
                .unwrap()
                .clone()
                .unwrap()
                .contains("became shorter")
        );
    }
}
