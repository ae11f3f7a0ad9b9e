//! Writing output files: atomically (temp file in the same folder, then rename) and only when
//! the bytes changed, so an unchanged file keeps its modification time and a reader or a crash
//! never sees half a feed.

use std::io::{Read, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// Prefix of our temp files; leftovers from a killed run are removed by [`clean_stale_temps`].
pub const TEMP_PREFIX: &str = ".feedwright-";
const TEMP_SUFFIX: &str = ".tmp";

/// Writes `bytes` to `path` unless it already holds exactly them. Returns whether it wrote.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool> {
    match stage_if_changed(path, bytes)? {
        Some(tmp) => commit(tmp, path).map(|()| true),
        None => Ok(false),
    }
}

/// Whether `path` holds exactly `bytes` (`false` when it does not exist). Compared a block at a
/// time: a full feed is ~100 MB, and the old one need not be held in memory to compare.
pub fn holds(path: &Path, bytes: &[u8]) -> Result<bool> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::io(path, "reading", e)),
    };
    let read_err = |e| Error::io(path, "reading", e);
    let len = file.metadata().map_err(read_err)?.len();
    if len != bytes.len() as u64 {
        return Ok(false);
    }
    reads_as(&mut file, bytes, &mut Vec::new()).map_err(read_err)
}

/// Whether the next bytes of `file` are `bytes`: read and compared a block of at most 1 MB at a
/// time (into `block`, kept by the caller for the next call), so that neither a whole old feed
/// nor a buffer the size of a large part is ever held.
fn reads_as(file: &mut std::fs::File, bytes: &[u8], block: &mut Vec<u8>) -> std::io::Result<bool> {
    block.resize((1 << 20).min(bytes.len()), 0);
    let mut rest = bytes;
    while !rest.is_empty() {
        let want = block.len().min(rest.len());
        let n = match file.read(&mut block[..want]) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            read => read?,
        };
        if n == 0 || block[..n] != rest[..n] {
            return Ok(false);
        }
        rest = &rest[n..];
    }
    Ok(true)
}

/// Writes `bytes` to a temp file next to `path`, unless `path` already holds exactly them
/// (`None`). Nothing is visible until [`commit`]; dropping the temp path removes the file.
pub fn stage_if_changed(path: &Path, bytes: &[u8]) -> Result<Option<tempfile::TempPath>> {
    if holds(path, bytes)? {
        return Ok(None);
    }
    let mut tmp = temp_beside(path)?;
    injected_failure()
        .map_or(Ok(()), Err)
        .and_then(|()| tmp.write_all(bytes))
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| write_error(path, e))?;
    Ok(Some(tmp.into_temp_path()))
}

fn write_error(path: &Path, e: std::io::Error) -> Error {
    Error::io(path, "writing (the old file is intact)", e)
}

/// A new temp file in `path`'s folder (made if missing), with the mode `path` will have.
fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let path = &*through_link(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "creating the folder", e))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
    // Temp files are private by default (0600), and the rename would carry that over: a web
    // server reading the output folder as another user would lose the feeds. A new file gets
    // what `File::create` gives (0666 less the umask); a replaced one keeps its mode.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let tmp = builder
        .tempfile_in(dir)
        .map_err(|e| Error::io(path, "creating a temporary file beside it", e))?;
    if let Ok(old) = std::fs::metadata(path) {
        tmp.as_file()
            .set_permissions(old.permissions())
            .map_err(|e| write_error(path, e))?;
        #[cfg(unix)]
        keep_owner(path, tmp.as_file(), &old)?;
        #[cfg(target_os = "linux")]
        keep_acl(path, tmp.as_file())?;
    }
    Ok(tmp)
}

/// The replaced file's owner and group given to its replacement, as far as this user may:
/// the owner only as root, the group if this user is in it. A group that reads a file others
/// may not (`-rw-r----- editor:www-data`, a web server's) and that cannot be kept is an
/// error: replaced, the file would be the runner's group's, and the web server could no
/// longer read it.
#[cfg(unix)]
fn keep_owner(path: &Path, tmp: &std::fs::File, old: &std::fs::Metadata) -> Result<()> {
    use std::os::unix::fs::{MetadataExt, fchown};
    let new = tmp.metadata().map_err(|e| write_error(path, e))?;
    if (new.uid(), new.gid()) == (old.uid(), old.gid()) {
        return Ok(());
    }
    if fchown(tmp, Some(old.uid()), Some(old.gid())).is_ok()
        || fchown(tmp, None, Some(old.gid())).is_ok()
    {
        return Ok(());
    }
    let group_only = old.mode() & 0o040 != 0 && old.mode() & 0o004 == 0;
    if new.gid() != old.gid() && group_only {
        return Err(Error::io(
            path,
            "replacing (the old file is intact)",
            std::io::Error::other(format!(
                "only its group (gid {}) may read it, and this user is not in that group: the new file would be this user's group's, unreadable to that group (a web server's); run feedwright as a member of it, or let others read the file (chmod o+r)",
                old.gid()
            )),
        ));
    }
    Ok(())
}

/// The replaced file's access control list (`setfacl -m g:www-data:r`) given to its
/// replacement: without it, the user or group it let read the file (a web server's) lost it,
/// silently. One that cannot be given is an error, as a group that cannot be kept is.
#[cfg(target_os = "linux")]
fn keep_acl(path: &Path, tmp: &std::fs::File) -> Result<()> {
    const ACL: &str = "system.posix_acl_access";
    let mut acl = vec![0u8; 64 * 1024];
    // None: no list (or a file system without them), nothing to keep.
    let Ok(len) = rustix::fs::getxattr(path, ACL, &mut acl[..]) else {
        return Ok(());
    };
    rustix::fs::fsetxattr(tmp, ACL, &acl[..len], rustix::fs::XattrFlags::empty()).map_err(|e| {
        let e = std::io::Error::other(format!(
            "its access control list (getfacl) could not be given to the new file ({e}): those it lets read the file would lose it; run feedwright as the file's owner"
        ));
        Error::io(path, "replacing (the old file is intact)", e)
    })
}

/// [`stage_if_changed`] for a file given in parts, as it is rendered, so that it is never whole
/// in memory: the parts are compared with the file already at `path` as they come, and a temp
/// file is only started at the first difference (with the equal start copied from the old
/// file). A file that does not change is never written.
pub struct StagedStream {
    path: std::path::PathBuf,
    /// The file at `path`, while every part so far matched it.
    old: Option<std::fs::File>,
    matched: u64,
    tmp: Option<tempfile::NamedTempFile>,
    block: Vec<u8>,
    len: u64,
    /// Bytes written to the temp file since its last flush to disk was started.
    unflushed: u64,
    /// Flushes of what was written so far, running beside the writing (see [`Self::put`]).
    flushes: Vec<std::thread::JoinHandle<std::io::Result<()>>>,
}

/// Written bytes after which a flush to disk is started in the background.
const FLUSH_EVERY: u64 = 16 << 20;

impl StagedStream {
    pub fn new(path: &Path) -> Result<Self> {
        let old = match std::fs::File::open(path) {
            Ok(f) => Some(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(path, "reading", e)),
        };
        Ok(StagedStream {
            path: path.to_path_buf(),
            old,
            matched: 0,
            tmp: None,
            block: Vec::new(),
            len: 0,
            unflushed: 0,
            flushes: Vec::new(),
        })
    }

    /// Bytes given so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The next part of the file.
    pub fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.len += bytes.len() as u64;
        if self.tmp.is_none() && self.matches(bytes)? {
            self.matched += bytes.len() as u64;
            return Ok(());
        }
        let path = self.path.clone();
        self.temp()?
            .write_all(bytes)
            .map_err(|e| write_error(&path, e))?;
        // A large file is flushed to disk as it grows, on a thread of its own that only waits
        // for the disk: the final sync then has little left to wait for (it was 35-55 ms of a
        // full feed's build with both cores idle). Its result is checked in `finish`: the
        // file description is shared, so an error it sees would not be seen again.
        self.unflushed += bytes.len() as u64;
        if self.unflushed >= FLUSH_EVERY {
            self.unflushed = 0;
            let file = self.tmp.as_ref().map(|t| t.as_file().try_clone());
            if let Some(Ok(file)) = file {
                self.flushes
                    .push(std::thread::spawn(move || file.sync_data()));
            }
        }
        Ok(())
    }

    /// Whether the old file continues with `bytes`.
    fn matches(&mut self, bytes: &[u8]) -> Result<bool> {
        let Some(old) = &mut self.old else {
            return Ok(false);
        };
        reads_as(old, bytes, &mut self.block).map_err(|e| Error::io(&self.path, "reading", e))
    }

    /// The temp file, started with the part of the old file that matched.
    fn temp(&mut self) -> Result<&mut tempfile::NamedTempFile> {
        if self.tmp.is_none() {
            let mut tmp = temp_beside(&self.path)?;
            injected_failure()
                .map_or(Ok(()), Err)
                .and_then(|()| {
                    if self.matched == 0 {
                        return Ok(());
                    }
                    let old = std::fs::File::open(&self.path)?;
                    let copied = std::io::copy(&mut old.take(self.matched), &mut tmp)?;
                    if copied == self.matched {
                        Ok(())
                    } else {
                        Err(std::io::Error::other(
                            "the old file shrank while it was read",
                        ))
                    }
                })
                .map_err(|e| write_error(&self.path, e))?;
            self.old = None;
            self.tmp = Some(tmp);
        }
        Ok(self.tmp.as_mut().expect("made above"))
    }

    /// The staged temp file, or `None` when the file at `path` already holds exactly the
    /// parts given.
    pub fn finish(mut self) -> Result<Option<tempfile::TempPath>> {
        if self.tmp.is_none() {
            let longer = match &mut self.old {
                Some(old) => {
                    let mut one = [0u8; 1];
                    old.read(&mut one)
                        .map_err(|e| Error::io(&self.path, "reading", e))?
                        > 0
                }
                None => true,
            };
            if !longer {
                return Ok(None);
            }
            self.temp()?;
        }
        let tmp = self.tmp.take().expect("made above");
        for flush in std::mem::take(&mut self.flushes) {
            flush
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("a flush to disk failed")))
                .map_err(|e| write_error(&self.path, e))?;
        }
        tmp.as_file()
            .sync_all()
            .map_err(|e| write_error(&self.path, e))?;
        Ok(Some(tmp.into_temp_path()))
    }
}

/// Puts a staged file in place atomically (a rename), and makes the rename durable.
pub fn commit(tmp: tempfile::TempPath, path: &Path) -> Result<()> {
    let real = put_in_place(tmp, path)?;
    sync_folder(folder_of(&real));
    Ok(())
}

/// Where the file at `path` really is: a link's target, else `path`. A file that is a link
/// (a state file kept in a subfolder, linked from the site) is written through it, as an
/// editor saves one: replaced, the link became a file and what it pointed to went stale,
/// silently. Only to a file in the link's folder or below it: a link in a cloned repository
/// may point anywhere (`~/.bashrc`), and is refused. A link to nothing is replaced.
fn through_link(path: &Path) -> Result<std::borrow::Cow<'_, Path>> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let Some(real) = std::fs::canonicalize(path).ok().filter(|_| is_link) else {
        return Ok(std::borrow::Cow::Borrowed(path));
    };
    let folder = std::fs::canonicalize(folder_of(path));
    if folder.is_ok_and(|f| real.starts_with(f)) {
        return Ok(real.into());
    }
    let e = std::io::Error::other(format!(
        "it is a symbolic link to {}, outside its folder, which feedwright does not write through (a link in a cloned repository may point anywhere): name that file in config.toml instead, or put the file itself here",
        real.display()
    ));
    Err(Error::io(path, "replacing (nothing was written)", e))
}

/// A temp file beside `path`, to be renamed over it (private, like the files it replaces:
/// the content cache's, the record of the state written last).
pub fn hint_temp(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(".tmp")
        .tempfile_in(dir)
}

/// Writes a file that is only a hint whole or not at all (a temp file renamed into place),
/// without waiting for the disk; one that cannot be written is removed.
pub fn write_unsynced(path: &Path, parts: &[&[u8]]) {
    use std::io::Write as _;
    let written = hint_temp(path).and_then(|mut tmp| {
        for bytes in parts {
            tmp.write_all(bytes)?;
        }
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    });
    if written.is_err() {
        let _ = std::fs::remove_file(path);
    }
}

/// The folder a file is in.
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// [`commit`] without making the rename durable: the caller syncs each folder once, with
/// [`sync_folder`], after putting all of its files in place. Returns where the file really is
/// (a link's target, when written through it): the folder to sync.
pub fn put_in_place(tmp: tempfile::TempPath, path: &Path) -> Result<std::path::PathBuf> {
    let real = through_link(path)?.into_owned();
    tmp.persist(&real)
        .map_err(|e| Error::io(path, "replacing", e.error))?;
    Ok(real)
}

/// Makes the renames into `dir` durable; failure here loses nothing already visible.
pub fn sync_folder(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
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
    sweep(walkdir::WalkDir::new(dir).max_depth(1))
}

/// [`clean_stale_temps`] for the output folder and its subfolders (`tags/`, `archive/<feed>/`).
/// Symbolic links are not followed, so nothing outside it is touched.
pub fn clean_stale_temps_tree(dir: &Path) -> usize {
    sweep(walkdir::WalkDir::new(dir).max_depth(4))
}

fn sweep(walk: walkdir::WalkDir) -> usize {
    walk.into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy();
            e.file_type().is_file() && name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
        })
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

#[cfg(test)]
#[path = "output_tests.rs"]
mod tests;
