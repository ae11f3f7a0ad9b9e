//! Finding source files under a feed's `source` folder, in a deterministic order, skipping what
//! is not content (dotfiles, editor swap and backup files, other extensions).

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::source::{BodyKind, kind_of};
use crate::error::Diagnostic;

/// A content file found on disk.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    /// Path relative to the config folder, `/`-separated (the state file's key).
    pub key: String,
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

pub fn find_sources(folder: &Path, root: &Path) -> Found {
    let mut found = Found::default();
    if !folder.is_dir() {
        found.errors.push(Diagnostic::new(
            display_path(folder),
            None,
            "the feed's source folder does not exist or is not a folder: create it or fix `source` in config.toml (a feed built without it would publish no entries)",
        ));
        return found;
    }
    let walker = WalkDir::new(folder)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored(e.file_name().to_str().unwrap_or("")));
    for item in walker {
        match item {
            Ok(e) if e.file_type().is_file() => {
                let name = e.file_name().to_str().unwrap_or("");
                if let Some(kind) = kind_of(Path::new(name)) {
                    found.files.push(SourceFile {
                        key: state_key(e.path(), root),
                        path: e.path().to_path_buf(),
                        kind,
                    });
                }
            }
            Ok(_) => {}
            Err(err) => {
                let path = err
                    .path()
                    .map(display_path)
                    .unwrap_or_else(|| display_path(folder));
                if err.loop_ancestor().is_some() {
                    found.warnings.push(Diagnostic::new(
                        path,
                        None,
                        "symbolic link loop; skipped (remove the link that points back up)",
                    ));
                } else {
                    let cause = err
                        .io_error()
                        .map_or_else(|| err.to_string(), |e| e.to_string());
                    found.errors.push(Diagnostic::new(
                        path,
                        None,
                        format!(
                            "cannot be read: {cause}; fix its permissions (the feed would lose the entries in it)"
                        ),
                    ));
                }
            }
        }
    }
    found
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

fn state_key(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
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
mod tests {
    use super::*;

    #[test]
    fn ignores_non_content() {
        for name in [".hidden.md", "a.md~", "#a.md#", ".a.md.swp", "x.tmp"] {
            assert!(is_ignored(name), "{name}");
        }
        assert!(!is_ignored("a.md"));
    }

    #[test]
    fn finds_sorted_and_skips() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let src = root.join("content");
        std::fs::create_dir_all(src.join("sub/.git")).unwrap();
        for f in [
            "b.md",
            "a.txt",
            "sub/c.markdown",
            "sub/.git/x.md",
            ".d.md",
            "e.jpg",
            "f.md~",
        ] {
            std::fs::write(src.join(f), "x").unwrap();
        }
        let found = find_sources(&src, root);
        assert!(found.errors.is_empty() && found.warnings.is_empty());
        let keys: Vec<_> = found.files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(
            keys,
            ["content/a.txt", "content/b.md", "content/sub/c.markdown"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loop_is_reported_not_followed_forever() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("c");
        std::fs::create_dir_all(src.join("x")).unwrap();
        std::os::unix::fs::symlink(&src, src.join("x/loop")).unwrap();
        std::fs::write(src.join("a.md"), "x").unwrap();
        let found = find_sources(&src, dir.path());
        assert_eq!(found.files.len(), 1);
        assert!(found.errors.is_empty());
        assert!(found.warnings[0].message.contains("loop"));
    }

    #[test]
    fn a_missing_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let found = find_sources(&dir.path().join("gone"), dir.path());
        assert!(found.files.is_empty() && found.warnings.is_empty());
        assert!(found.errors[0].message.contains("does not exist"));
    }
}
