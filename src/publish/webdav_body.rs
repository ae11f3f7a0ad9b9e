//! The body of a WebDAV `PUT` streamed from disk: a few kilobytes in memory at a time, and
//! the file checked as it goes. A single PUT cannot be abandoned once complete, so the check
//! comes before the last bytes leave: the reader hashes what it hands out and, on the read
//! that would finish the file, compares the hash (and that nothing follows) first. When the
//! file changed, that read fails instead, the request is cut short of its Content-Length, and
//! the server (nginx writes a PUT to a temporary file and renames it only when the body is
//! whole) keeps the copy it had.
//!
//! Every PUT body, from disk or from memory, goes to the HTTP client as a [`Streamed`] body,
//! which counts what the client took: [`super::webdav_put`] compares that count with the
//! length when the server answers.

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// How many bytes of a body the HTTP client has taken so far. Shared because the body is
/// moved into the request.
pub(super) type Taken = Arc<AtomicU64>;

/// A PUT body read from `reader` a chunk at a time, counting what the HTTP client takes. A
/// server may answer before it has read the whole body (a 2xx right after the headers); the
/// answer alone cannot tell that from a stored file, the count can: once the answer is in,
/// the client takes no more, so a 2xx with bytes left over is not an upload.
pub(super) struct Streamed {
    reader: Box<dyn Read + Send + Sync>,
    left: u64,
    taken: Taken,
}

/// How much is read from the file (or memory) per frame.
const CHUNK: u64 = 64 * 1024;

impl Streamed {
    /// `len` bytes of `reader`, announced as the Content-Length.
    pub(super) fn new(reader: Box<dyn Read + Send + Sync>, len: u64) -> (Streamed, Taken) {
        let taken = Taken::default();
        let body = Streamed {
            reader,
            left: len,
            taken: Arc::clone(&taken),
        };
        (body, taken)
    }

    fn next_chunk(&mut self) -> io::Result<Vec<u8>> {
        let mut chunk = vec![0; usize::try_from(self.left.min(CHUNK)).unwrap_or(0)];
        let n = loop {
            match self.reader.read(&mut chunk) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        if n == 0 {
            // `CheckedFile` says why itself; memory never ends early.
            return Err(io::Error::other("the body ended before its length"));
        }
        chunk.truncate(n);
        self.left -= n as u64;
        self.taken.fetch_add(n as u64, Ordering::SeqCst);
        Ok(chunk)
    }
}

impl hyper::body::Body for Streamed {
    type Data = hyper::body::Bytes;
    type Error = io::Error;

    /// Reads block: the files are local, and the runtime runs this one request.
    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<io::Result<hyper::body::Frame<Self::Data>>>> {
        let this = self.get_mut();
        if this.left == 0 {
            return std::task::Poll::Ready(None);
        }
        let frame = this
            .next_chunk()
            .map(|c| hyper::body::Frame::data(hyper::body::Bytes::from(c)));
        std::task::Poll::Ready(Some(frame))
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.left)
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
