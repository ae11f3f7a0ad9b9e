//! The scan's walk: every content file of a source folder with one `stat` each, taken on the
//! other cores while the walk lists folders (see [`super::cache::Scan`]). No file is opened.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::stat::Stat;
use crate::content;

/// Files handed to another core to be stat'ed while the walk goes on: a few folders' worth.
const STAT_BATCH: usize = 512;

/// Every content file under `folder` (see [`content::find_sources`]) by state key, with its
/// stat, in the walk's order. The walk lists folders on one core while the files already
/// found are stat'ed on the others, a batch at a time: neither waits for the other to finish.
/// A file without a stat (gone meanwhile, or a name that is not UTF-8, which its key does not
/// spell exactly: the build reads it by path) is left out, and the last value is false. Only
/// keys and stats are kept of each batch (100,000 paths were megabytes held for nothing).
pub(super) fn walk_and_stat(
    folder: &Path,
    root: &Path,
    roots: &content::Roots,
) -> (content::Found, Vec<(Arc<str>, Stat)>, bool) {
    type Batch = (Vec<(Arc<str>, Stat)>, bool);
    let (done, batches) = std::sync::mpsc::channel::<(usize, Batch)>();
    let found = rayon::scope(|scope| {
        let mut batch = Vec::with_capacity(STAT_BATCH);
        let mut sent = 0;
        let mut send = |files: Vec<content::SourceFile>| {
            let done = done.clone();
            let at = sent;
            sent += 1;
            scope.spawn(move |_| {
                let stats = stats_of(&files);
                let mut all = true;
                let keyed = files.into_iter().zip(stats).filter_map(|(f, stat)| {
                    let exact = spelled_as(root, &f.key, &f.path) || root.join(&*f.key) == f.path;
                    let stat = stat.filter(|_| exact);
                    all &= stat.is_some();
                    Some((f.key, stat?))
                });
                let keyed: Vec<_> = keyed.collect();
                // The receiver outlives the scope.
                let _ = done.send((at, (keyed, all)));
            });
        };
        let found = content::find_sources_each(folder, root, roots, |f| {
            batch.push(f);
            if batch.len() == STAT_BATCH {
                send(std::mem::replace(
                    &mut batch,
                    Vec::with_capacity(STAT_BATCH),
                ));
            }
        });
        if !batch.is_empty() {
            send(batch);
        }
        found
    });
    drop(done);
    let mut batches: Vec<(usize, Batch)> = batches.into_iter().collect();
    batches.sort_unstable_by_key(|(at, _)| *at);
    let all = batches.iter().all(|(_, (_, all))| *all);
    let mut files = Vec::with_capacity(batches.iter().map(|(_, (b, _))| b.len()).sum());
    for (_, (batch, _)) in batches {
        files.extend(batch);
    }
    (found, files, all)
}

/// Whether `path` is, byte for byte, `root`, `/` and `key`: the walk's usual path, told
/// without building the joined path and comparing components (a tenth of a millisecond per
/// thousand files); the caller compares them when this says no.
fn spelled_as(root: &Path, key: &str, path: &Path) -> bool {
    let (root, path) = (
        root.as_os_str().as_encoded_bytes(),
        path.as_os_str().as_encoded_bytes(),
    );
    path.strip_prefix(root)
        .and_then(|rest| rest.strip_prefix(b"/"))
        .is_some_and(|rest| !root.ends_with(b"/") && rest == key.as_bytes())
}

/// The stat of each file, in order. Half the time of a no-change build is these stats: they
/// are taken on every core, a folder at a time, each file named relative to its open folder
/// (as `find` does) rather than by its full path, which the kernel would walk again each time.
fn stats_of(files: &[content::SourceFile]) -> Vec<Option<Stat>> {
    let mut runs: Vec<&[content::SourceFile]> = Vec::new();
    let mut start = 0;
    for at in 1..=files.len() {
        if at == files.len() || split_name(&files[at].path).0 != split_name(&files[start].path).0 {
            runs.push(&files[start..at]);
            start = at;
        }
    }
    let stats: Vec<Vec<Option<Stat>>> = runs.par_iter().map(|run| stats_in_folder(run)).collect();
    stats.into_iter().flatten().collect()
}

/// A walked file's path split at its last `/` (the walk joins each name to its folder's
/// path), without parsing it into components. Only Unix opens the folder and uses the name.
fn split_name(path: &Path) -> (&[u8], Option<&[u8]>) {
    let bytes = path.as_os_str().as_encoded_bytes();
    memchr::memrchr(b'/', bytes).map_or((&[], None), |at| (&bytes[..at], Some(&bytes[at + 1..])))
}

#[cfg(unix)]
#[allow(
    clippy::unnecessary_cast,
    reason = "the stat fields' types differ between platforms"
)]
fn stats_in_folder(run: &[content::SourceFile]) -> Vec<Option<Stat>> {
    use rustix::fs::{AtFlags, Mode, OFlags};
    use std::os::unix::ffi::OsStrExt;
    let folder = run.first().and_then(|f| f.path.parent()).and_then(|dir| {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        rustix::fs::open(dir, flags, Mode::empty()).ok()
    });
    let ns = |s: i64, n: i64| s.saturating_mul(1_000_000_000).saturating_add(n);
    run.iter()
        .map(|f| (f, split_name(&f.path).1.filter(|n| !n.is_empty())))
        .map(|(f, name)| match (&folder, name) {
            // Links are followed, as the build reads them.
            (Some(dir), Some(name)) => {
                let name = std::ffi::OsStr::from_bytes(name);
                rustix::fs::statat(dir, name, AtFlags::empty())
                    .ok()
                    .map(|s| Stat {
                        size: s.st_size as u64,
                        mtime_ns: ns(s.st_mtime as i64, s.st_mtime_nsec as i64),
                        ctime_ns: ns(s.st_ctime as i64, s.st_ctime_nsec as i64),
                        inode: s.st_ino as u64,
                    })
            }
            _ => Stat::of(&f.path),
        })
        .collect()
}

#[cfg(not(unix))]
fn stats_in_folder(run: &[content::SourceFile]) -> Vec<Option<Stat>> {
    run.iter().map(|f| Stat::of(&f.path)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_come_in_the_walks_order_each_with_its_own_stat() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // More files than a batch, over folders of uneven size, so that batches end mid-folder.
        for (folder, n) in [("a", 700), ("b/c", 3), ("b", 400), ("d", 1)] {
            let at = root.join("content").join(folder);
            std::fs::create_dir_all(&at).unwrap();
            for k in 0..n {
                std::fs::write(at.join(format!("{k:04}.md")), "x".repeat(k % 7)).unwrap();
            }
        }
        let folder = root.join("content");
        let roots = content::Roots::new(root, &[]);
        let (found, files, all) = walk_and_stat(&folder, root, &roots);
        assert!(found.errors.is_empty() && found.warnings.is_empty() && found.files.is_empty());
        let walked = content::find_sources(&folder, root, &roots).files;
        assert!(all);
        assert_eq!(files.len(), 1104);
        assert_eq!(
            files.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            walked.iter().map(|f| &f.key).collect::<Vec<_>>()
        );
        for (key, stat) in &files {
            assert_eq!(Some(*stat), Stat::of(&root.join(&**key)), "{key}");
        }
    }
}
