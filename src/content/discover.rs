//! Finding source files under a feed's `source` folder, in a deterministic order, skipping what
//! is not content (dotfiles, editor swap and backup files, other extensions).

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::source::{BodyKind, MAX_SOURCE_BYTES, kind_of};
use crate::error::Diagnostic;

/// The folders content may really live in: the config's folder and the extra roots the config
/// names, as real paths. A symbolic link in a content folder may point anywhere, e.g. at
/// `/proc/self/environ`, which holds the push token: a source whose real path is elsewhere
/// is refused, never read, never published.
#[derive(Debug, Clone)]
pub struct Roots {
    real: Vec<PathBuf>,
}

/// Kernel and device file systems: never content, whatever root is allowed.
const NEVER_READ: [&str; 3] = ["/proc", "/sys", "/dev"];

impl Roots {
    /// `site` (the config's folder) and `extra` roots; each is resolved to its real path.
    pub fn new(site: &Path, extra: &[PathBuf]) -> Roots {
        let real = std::iter::once(site)
            .chain(extra.iter().map(PathBuf::as_path))
            .map(|p| p.canonicalize().unwrap_or_else(|_| p.to_path_buf()))
            .collect();
        Roots { real }
    }

    /// Whether the real path `real` lies under an allowed root and outside /proc, /sys, /dev.
    pub fn allows(&self, real: &Path) -> bool {
        !NEVER_READ.iter().any(|k| real.starts_with(k))
            && self.real.iter().any(|root| real.starts_with(root))
    }

    /// What to do about `real`, a path [`Roots::allows`] refused: move it in, or name its
    /// folder in `extra_roots`; under /proc, /sys or /dev, naming it would change nothing.
    pub fn fix_for(real: &Path) -> &'static str {
        if NEVER_READ.iter().any(|k| real.starts_with(k)) {
            "/proc, /sys and /dev are never read, even when [site] extra_roots names them: copy what is meant into the folder of config.toml"
        } else {
            "move it into the folder of config.toml, or name its folder in [site] extra_roots"
        }
    }

    /// `None` when `path` really lies inside the roots, else why it is refused.
    fn refuse(&self, path: &Path) -> Option<String> {
        match path.canonicalize() {
            Ok(real) if self.allows(&real) => None,
            Ok(real) => {
                let what = if path.is_symlink() {
                    "is a link to"
                } else {
                    "really is"
                };
                Some(format!(
                    "{what} {}, outside the site's folder; refused ({})",
                    real.display(),
                    Roots::fix_for(&real)
                ))
            }
            // A dangling link: nothing to read, and nothing lost that was there.
            Err(_) => None,
        }
    }
}

/// A content file found on disk.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    /// Path relative to the config folder, `/`-separated (the state file's key; shared with
    /// the scan's list, the entry and its state record).
    pub key: std::sync::Arc<str>,
    pub kind: BodyKind,
}

/// What a walk of a source folder found.
#[derive(Debug, Default)]
pub struct Found {
    pub files: Vec<SourceFile>,
    /// What makes the feed incomplete: a missing source folder, a folder or file that cannot
    /// be read. A feed built without them would silently lose entries, so these fail the build.
    pub errors: Vec<Diagnostic>,
    /// What loses nothing: a symbolic link loop (everything under it is found another way).
    pub warnings: Vec<Diagnostic>,
}

/// Every content file under `folder`, which must really lie within `roots` (see [`Roots`]);
/// state keys are relative to `root`, the config's folder.
pub fn find_sources(folder: &Path, root: &Path, roots: &Roots) -> Found {
    let mut files = Vec::new();
    let mut found = find_sources_each(folder, root, roots, |f| files.push(f));
    found.files = files;
    found
}

/// [`find_sources`], handing each file to `each` as soon as the walk finds it (in the same
/// order) instead of keeping it: a caller can work on the files found while the walk goes on.
/// The returned [`Found`] has no files.
pub fn find_sources_each(
    folder: &Path,
    root: &Path,
    roots: &Roots,
    mut each: impl FnMut(SourceFile),
) -> Found {
    let mut found = Found::default();
    if !folder.is_dir() {
        found.errors.push(Diagnostic::new(
            display_path(folder),
            None,
            "the feed's source folder does not exist or is not a folder: create it or fix `source` in config.toml (a feed built without it would publish no entries)",
        ));
        return found;
    }
    let mut refused = Vec::new();
    let mut twice = Vec::new();
    let real_folder = folder.canonicalize().ok();
    // Only links are resolved (one `realpath` each): a plain entry under an allowed folder is
    // in it, and the walk is most of a no-change build's time on a large site.
    let walker = WalkDir::new(folder)
        .follow_links(true)
        .sort_by(|a, b| by_name(a.path(), b.path()))
        .into_iter()
        .filter_entry(|e| match skipped(e, roots, real_folder.as_deref()) {
            Some(Skip::Quietly) => false,
            Some(Skip::Refused(d)) => {
                refused.push(d);
                false
            }
            Some(Skip::Twice(d)) => {
                twice.push(d);
                false
            }
            None => true,
        });
    for item in walker {
        match item {
            Ok(e) if e.file_type().is_file() => {
                let name = if e.depth() > 0 {
                    last_name(e.path())
                } else {
                    e.file_name()
                };
                let Some(name) = name.to_str() else {
                    // Left out silently, the entry would vanish from the feed: said instead.
                    if kind_of(Path::new(&*name.to_string_lossy())).is_some() {
                        found.errors.push(Diagnostic::new(
                            display_path(e.path()),
                            None,
                            "its file name is not valid UTF-8 (\u{fffd} marks the bytes that are not); rename the file: its name is its key in the state file",
                        ));
                    }
                    continue;
                };
                if let Some(kind) = kind_of(Path::new(name)) {
                    each(SourceFile {
                        key: state_key(e.path(), root),
                        path: e.path().to_path_buf(),
                        kind,
                    });
                }
            }
            Ok(_) => {}
            Err(err) => walk_error(&err, folder, &mut found),
        }
    }
    found.errors.extend(refused);
    found.warnings.extend(twice);
    found
}

/// What the walk says of an entry it could not read: nothing for an editor's lock or backup,
/// a warning for a link loop or a dangling link no entry could be, else an error.
fn walk_error(err: &walkdir::Error, folder: &Path, found: &mut Found) {
    let path = err
        .path()
        .map(display_path)
        .unwrap_or_else(|| display_path(folder));
    let name = err.path().map(|p| last_name(p).to_string_lossy());
    // An editor's lock (Emacs makes `.#x.md` a link to nothing while `x.md` is open) or
    // backup: not content, whatever it points at.
    if err.depth() > 0 && name.as_deref().is_some_and(is_ignored) {
        return;
    }
    let said = |why: String| Diagnostic::new(path.clone(), None, why);
    if err.loop_ancestor().is_some() || link_loop(err.path()) {
        found.warnings.push(said(
            "symbolic link loop; skipped (remove the link that points back up)".into(),
        ));
    } else if let Some(target) = dangling(err.path()) {
        if name.as_deref().is_some_and(not_content) {
            found.warnings.push(said(format!(
                "is a link to {}, which is not there: skipped, its name is not a content file's (remove the link)",
                target.display()
            )));
        } else {
            found.errors.push(said(format!(
                "is a link to {}, which is not there: fix or remove the link (the feed would lose what it named)",
                target.display()
            )));
        }
    } else {
        let cause = err
            .io_error()
            .map_or_else(|| err.to_string(), |e| e.to_string());
        let fix = match err.io_error().map(std::io::Error::kind) {
            // Folders nested past what a path may hold (4096 bytes on Linux).
            Some(std::io::ErrorKind::InvalidFilename) => "move it up or shorten the folders' names",
            Some(std::io::ErrorKind::PermissionDenied) | None => "fix its permissions",
            Some(_) => "check the disk and the folder",
        };
        found.errors.push(said(format!(
            "cannot be read: {cause}; {fix} (the feed would lose the entries in it)"
        )));
    }
}

/// Why the walk does not go into (or take) an entry.
enum Skip {
    /// Not content: a dotfile, a swap or backup file.
    Quietly,
    /// An error: a name that is not UTF-8, a link out of the roots.
    Refused(Diagnostic),
    /// A warning: a link to what the walk finds anyway.
    Twice(Diagnostic),
}

/// What the walk does with `e` (see [`Skip`]); `None` to take it.
fn skipped(e: &walkdir::DirEntry, roots: &Roots, real_folder: Option<&Path>) -> Option<Skip> {
    let nested = e.depth() > 0;
    if nested && is_ignored(last_name(e.path()).to_str().unwrap_or("")) {
        return Some(Skip::Quietly);
    }
    let said = |why: String| Diagnostic::new(display_path(e.path()), None, why);
    if nested && e.file_type().is_dir() && last_name(e.path()).to_str().is_none() {
        // Its files' keys could not be spelled: said, as a file's name is.
        return Some(Skip::Refused(said(
            "its folder name is not valid UTF-8 (\u{fffd} marks the bytes that are not); rename the folder: its name is part of its files' keys in the state file".into(),
        )));
    }
    if (!nested || e.path_is_symlink())
        && let Some(why) = roots.refuse(e.path())
    {
        return Some(Skip::Refused(said(why)));
    }
    if nested && e.path_is_symlink() {
        // A link to a file the walk would not take by that name (`media/link.mp3`, an
        // episode's audio): no entry is published twice, and nothing is to be said.
        let name = last_name(e.path()).to_str().unwrap_or("");
        if e.file_type().is_file() && not_content(name) {
            return Some(Skip::Quietly);
        }
        return walked_anyway(e.path(), real_folder).map(|why| Skip::Twice(said(why)));
    }
    None
}

/// Whether `path` is a link that leads back to itself (`a -> b -> a`): it names nothing, so
/// nothing is lost by skipping it.
#[cfg(unix)]
fn link_loop(path: Option<&Path>) -> bool {
    let eloop = rustix::io::Errno::LOOP.raw_os_error();
    path.and_then(|p| p.metadata().err())
        .is_some_and(|e| e.raw_os_error() == Some(eloop))
}

#[cfg(not(unix))]
fn link_loop(_: Option<&Path>) -> bool {
    false
}

/// A name with an extension that is not a source's (`poster.jpg`): a link by that name to
/// nothing loses no entry. A name without one could be a folder's.
fn not_content(name: &str) -> bool {
    let name = Path::new(name);
    name.extension().is_some() && kind_of(name).is_none()
}

/// Where the link at `path` points, when it is a link to nothing (or to a link to nothing).
fn dangling(path: Option<&Path>) -> Option<PathBuf> {
    let path = path?;
    let target = std::fs::read_link(path).ok()?;
    path.metadata().is_err().then_some(target)
}

/// Why the link at `path` is not followed when what it points at is in the folder being
/// walked (`real_folder`), where the walk finds it anyway: each file would be two entries
/// with two ids. `None` for a link elsewhere, or to a name the walk skips.
fn walked_anyway(path: &Path, real_folder: Option<&Path>) -> Option<String> {
    let target = path.canonicalize().ok()?;
    let inside = target.strip_prefix(real_folder?).ok()?;
    let skipped = inside
        .components()
        .any(|c| is_ignored(c.as_os_str().to_str().unwrap_or("")));
    (!skipped).then(|| {
        format!(
            "is a link to {}, which is in the same source folder: skipped, so that it is published once (remove the link)",
            target.display()
        )
    })
}

/// What is said of a source of `len` bytes, over [`MAX_SOURCE_BYTES`]: its size with one
/// decimal (`is 8 MB; … at most 8 MB` read as a contradiction).
pub fn too_big(len: u64) -> String {
    #[expect(clippy::cast_precision_loss, reason = "a size shown to one decimal")]
    let mb = len as f64 / (1024.0 * 1024.0);
    let limit = MAX_SOURCE_BYTES / (1024 * 1024);
    // Just over the limit, one decimal reads as the limit itself ("8.0 MB; at most 8 MB").
    if format!("{mb:.1}") == format!("{limit}.0") {
        return format!(
            "is {len} bytes; an entry may be at most {limit} MB ({MAX_SOURCE_BYTES} bytes)"
        );
    }
    format!("is {mb:.1} MB; an entry may be at most {limit} MB")
}

/// A source file's bytes, its size checked before it is read and the read bounded (a file may
/// grow in between): a 1 GB file renamed `.md` costs one `stat`, not a gigabyte of memory.
pub fn read_source(path: &Path) -> Result<Vec<u8>, Diagnostic> {
    use crate::small_file::{self, Refusal};
    let display = display_path(path);
    let message = match small_file::read_found(path, MAX_SOURCE_BYTES as u64) {
        Ok(bytes) => return Ok(bytes),
        Err(Refusal::Io(e)) => format!("cannot be read: {e}"),
        Err(Refusal::NotRegular(_)) => {
            "is not a regular file (a device, FIFO or socket); refused".to_string()
        }
        Err(Refusal::TooBig(len)) => {
            format!("{}: is this the right file?", too_big(len))
        }
    };
    Err(Diagnostic::new(&display, None, message))
}

/// The order of two entries of one folder: by file name, as `Path::file_name` would give it,
/// without parsing the path into components (that parse was a tenth of a no-change build).
fn by_name(a: &Path, b: &Path) -> std::cmp::Ordering {
    last_name(a).cmp(last_name(b))
}

/// The name of an entry the walk found below its root: the walk makes its path as its
/// folder's path joined with one name from the folder listing, so on Unix the name is what
/// follows the last `/` (found without parsing the path into components).
#[cfg(unix)]
fn last_name(p: &Path) -> &std::ffi::OsStr {
    use std::os::unix::ffi::OsStrExt;
    let bytes = p.as_os_str().as_bytes();
    std::ffi::OsStr::from_bytes(memchr::memrchr(b'/', bytes).map_or(bytes, |at| &bytes[at + 1..]))
}

#[cfg(not(unix))]
fn last_name(p: &Path) -> &std::ffi::OsStr {
    p.file_name().unwrap_or(p.as_os_str())
}

/// Dotfiles and editor leftovers: `.#x`, `x~`, `#x#`, `.x.swp`.
fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || name.ends_with(".swp")
        || name.ends_with(".swo")
        || name.ends_with(".tmp")
}

fn state_key(path: &Path, root: &Path) -> std::sync::Arc<str> {
    // Most paths are the root, `/`, then plain UTF-8 names: their key is that rest as it is,
    // found without parsing both paths into components (a no-change build does it per file).
    let (p, r) = (
        path.as_os_str().as_encoded_bytes(),
        root.as_os_str().as_encoded_bytes(),
    );
    if let Some(rest) = p.strip_prefix(r).and_then(|rest| rest.strip_prefix(b"/"))
        && !r.is_empty()
        && plain_relative(rest)
        && let Ok(rest) = std::str::from_utf8(rest)
    {
        return std::sync::Arc::from(rest);
    }
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
        .into()
}

/// Whether `/`-separated `rest` has only names that `Path::components` keeps as they are:
/// no empty, `.` or `..` ones, no `\\` (a separator on Windows).
fn plain_relative(rest: &[u8]) -> bool {
    !rest.is_empty()
        && !rest.contains(&b'\\')
        && rest
            .split(|&b| b == b'/')
            .all(|name| !name.is_empty() && name != b"." && name != b"..")
}

/// A path as a user would type it: relative to the working directory when it is under it.
pub fn display_path(path: &Path) -> PathBuf {
    // Asked once: every source file is named this way, and feedwright never changes folder.
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    CWD.get_or_init(|| std::env::current_dir().ok())
        .as_deref()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

#[cfg(test)]
#[path = "discover_tests.rs"]
mod tests;
