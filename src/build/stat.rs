//! What one `stat` of a file says, as the content cache compares it (see [`super::cache`]),
//! and a file recorded by its stat, with the digest of its bytes when the stat alone could miss
//! a change ([`Input`]).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What one `stat` says about a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stat {
    pub(super) size: u64,
    pub(super) mtime_ns: i64,
    pub(super) ctime_ns: i64,
    pub(super) inode: u64,
}

impl Stat {
    /// The stat of `path`, links followed (as the build reads them); `None` when it is gone.
    pub fn of(path: &Path) -> Option<Stat> {
        std::fs::metadata(path).ok().map(|m| Stat::from_meta(&m))
    }

    #[cfg(unix)]
    fn from_meta(m: &std::fs::Metadata) -> Stat {
        use std::os::unix::fs::MetadataExt;
        let ns = |s: i64, n: i64| s.saturating_mul(1_000_000_000).saturating_add(n);
        Stat {
            size: m.size(),
            mtime_ns: ns(m.mtime(), m.mtime_nsec()),
            ctime_ns: ns(m.ctime(), m.ctime_nsec()),
            inode: m.ino(),
        }
    }

    // Without a change time or inode, size and modification time decide.
    #[cfg(not(unix))]
    fn from_meta(m: &std::fs::Metadata) -> Stat {
        let mtime_ns = m.modified().ok().map_or(0, system_ns);
        Stat {
            size: m.len(),
            mtime_ns,
            ctime_ns: 0,
            inode: 0,
        }
    }

    /// Whether the file may change again without this stat changing: one of its times is
    /// within the timestamp granularity of `taken` (when the stat was taken), or later. Times
    /// in whole seconds are those of a file system that keeps no more (FAT keeps two seconds);
    /// finer ones still come from a clock that ticks every few milliseconds.
    pub fn racy(&self, taken: i64) -> bool {
        let granularity = |t: i64| {
            if t % 1_000_000_000 == 0 {
                2_000_000_000
            } else {
                50_000_000
            }
        };
        self.mtime_ns >= taken - granularity(self.mtime_ns)
            || self.ctime_ns >= taken - granularity(self.ctime_ns)
    }

    /// The digest of the file at `path` now, when it is still the file this stat describes:
    /// what a racily clean file is compared by next time (see `cache::write_input`). Read in
    /// pieces, so that a large state file costs no memory; only a regular file is opened (a
    /// FIFO put in its place would wait for a writer).
    pub(super) fn content_digest(&self, path: &Path) -> Option<String> {
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_file() || Stat::from_meta(&meta) != *self {
            return None;
        }
        let mut hasher = blake3::Hasher::new();
        hasher.update_reader(std::fs::File::open(path).ok()?).ok()?;
        Some(hasher.finalize().to_hex().to_string())
    }

    /// Whether the file at `path` still has this stat and, when it was recorded racily clean
    /// with the digest of its bytes (`digest`), still those bytes.
    pub(super) fn still_at(&self, path: &Path, digest: Option<&str>) -> bool {
        Stat::of(path) == Some(*self)
            && digest.is_none_or(|d| self.content_digest(path).as_deref() == Some(d))
    }

    pub(super) fn write(&self, out: &mut String) {
        let _ = write!(
            out,
            "{} {} {} {}",
            self.size, self.mtime_ns, self.ctime_ns, self.inode
        );
    }

    /// Four numbers, then the rest of the line.
    pub(super) fn read(line: &str) -> Option<(Stat, &str)> {
        let mut parts = line.splitn(5, ' ');
        let stat = Stat {
            size: parts.next()?.parse().ok()?,
            mtime_ns: parts.next()?.parse().ok()?,
            ctime_ns: parts.next()?.parse().ok()?,
            inode: parts.next()?.parse().ok()?,
        };
        Some((stat, parts.next()?))
    }
}

/// Nanoseconds since the epoch.
fn system_ns(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

pub(super) fn now_ns() -> i64 {
    system_ns(std::time::SystemTime::now())
}

/// A file the build depends on besides the sources, as a line of the cache records it.
pub(super) struct Input {
    pub(super) path: PathBuf,
    pub(super) stat: Stat,
    /// The digest of its bytes, for a file that was racily clean when recorded.
    pub(super) digest: Option<String>,
}

impl Input {
    /// `input <stat> <path>`, or `racy <stat> <digest> <path>`.
    pub(super) fn read(kind: &str, rest: &str) -> Option<Input> {
        let (stat, rest) = Stat::read(rest)?;
        let (digest, path) = match kind {
            "racy" => {
                let (digest, path) = rest.split_once(' ')?;
                (Some(digest.to_string()), path)
            }
            _ => (None, rest),
        };
        let path = serde_json::from_str(path).ok()?;
        Some(Input { path, stat, digest })
    }

    /// Whether the file is as recorded (see [`Stat::still_at`]).
    pub(super) fn unchanged(&self) -> bool {
        self.stat.still_at(&self.path, self.digest.as_deref())
    }
}

/// Whether the cache `text` records `state_file` as an input that is no longer as recorded:
/// the state file was replaced since the last successful build wrote it (restored from a
/// backup, checked out of version control). `false` when the cache says nothing of it.
pub(super) fn replaced(text: &str, state_file: &Path) -> bool {
    // The inputs are listed before the outputs and the thousands of source lines; the seal is
    // not checked: a cache that lies only makes the build compare ids it need not have.
    text.lines()
        .take_while(|line| !line.starts_with("output "))
        .filter_map(|line| line.split_once(' '))
        .filter(|(kind, _)| matches!(*kind, "input" | "racy"))
        .filter_map(|(kind, rest)| Input::read(kind, rest))
        .find(|input| input.path == state_file)
        // By the stat alone (its digest would mean reading the whole state): a file put back
        // is a new write, with a new change time.
        .is_some_and(|input| Stat::of(&input.path) != Some(input.stat))
}

/// How much racily clean content a cache may ask later runs to read: each no-change run reads
/// all of it again until the next change. A build that rewrote more (every archive page, after
/// a config change) writes no cache; the next run is a full one and records them settled.
#[derive(Debug)]
pub(super) struct RacyBudget {
    pub files: usize,
    pub bytes: u64,
}

impl Default for RacyBudget {
    fn default() -> Self {
        // The state file (30 MB at 100,000 reviews), each feed's main files and a few pages.
        RacyBudget {
            files: 32,
            bytes: 64 << 20,
        }
    }
}

/// Records one input with its stat, and with the digest of its bytes when the stat alone could
/// miss a change (it is racily clean at `taken`), taken from `budget`. `None` when it is gone,
/// not a file, or over the budget.
pub(super) fn write_input(
    out: &mut String,
    path: &Path,
    taken: i64,
    budget: &mut RacyBudget,
) -> Option<()> {
    let stat = Stat::of(path)?;
    let json = serde_json::to_string(path).ok()?;
    if stat.racy(taken) {
        budget.files = budget.files.checked_sub(1)?;
        budget.bytes = budget.bytes.checked_sub(stat.size)?;
        let digest = stat.content_digest(path)?;
        out.push_str("racy ");
        stat.write(out);
        let _ = writeln!(out, " {digest} {json}");
    } else {
        out.push_str("input ");
        stat.write(out);
        let _ = writeln!(out, " {json}");
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The state file as the cache recorded it, then put back by another write: replaced.
    #[test]
    fn a_state_file_written_again_is_told_by_its_stat() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("feedwright-state.toml");
        std::fs::write(&state, "version = 1\n").unwrap();
        let mut text = String::from("feedwright cache\nkey k\n");
        write_input(&mut text, &state, now_ns(), &mut RacyBudget::default()).unwrap();
        text.push_str("output 1 - f [\"a\",\"b\"]\n");
        assert!(!replaced(&text, &state));
        assert!(!replaced("feedwright cache\n", &state), "nothing recorded");
        std::thread::sleep(std::time::Duration::from_millis(5));
        std::fs::remove_file(&state).unwrap();
        std::fs::write(&state, "version = 1\n").unwrap();
        assert!(replaced(&text, &state));
    }

    /// A racily clean input counts as unchanged only while its bytes are the ones recorded:
    /// the stat alone could not tell (a write in the same clock tick keeps it).
    #[test]
    fn a_racy_input_is_compared_by_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("reviews.rss");
        std::fs::write(&file, "<rss>one</rss>").unwrap();
        let mut out = String::new();
        // Taken now: the file was written within the window.
        let mut budget = RacyBudget::default();
        write_input(&mut out, &file, now_ns(), &mut budget).unwrap();
        assert_eq!(budget.files, RacyBudget::default().files - 1);
        let (kind, rest) = out.trim_end().split_once(' ').unwrap();
        assert_eq!(kind, "racy");
        let input = Input::read(kind, rest).unwrap();
        assert_eq!(input.path, file);
        assert!(input.unchanged());
        let forged = Input {
            digest: Some(blake3::hash(b"<rss>two</rss>").to_hex().to_string()),
            ..Input::read(kind, rest).unwrap()
        };
        assert!(!forged.unchanged());
        // Settled long ago: the stat alone decides.
        let mut out = String::new();
        write_input(&mut out, &file, now_ns() + 10_000_000_000, &mut budget).unwrap();
        assert!(out.starts_with("input "), "{out}");
        let (kind, rest) = out.trim_end().split_once(' ').unwrap();
        assert!(Input::read(kind, rest).unwrap().unchanged());
        // Gone, or not a file: nothing is recorded, so no cache is written.
        let gone = dir.path().join("gone");
        assert!(write_input(&mut String::new(), &gone, now_ns(), &mut budget).is_none());
        // Over the budget: no cache.
        let mut spent = RacyBudget {
            files: 0,
            bytes: 1 << 20,
        };
        assert!(write_input(&mut String::new(), &file, now_ns(), &mut spent).is_none());
        let mut spent = RacyBudget { files: 1, bytes: 3 };
        assert!(write_input(&mut String::new(), &file, now_ns(), &mut spent).is_none());
        assert!(input.stat.content_digest(dir.path()).is_none());
    }

    fn stat(mtime_ns: i64, ctime_ns: i64) -> Stat {
        Stat {
            size: 10,
            mtime_ns,
            ctime_ns,
            inode: 7,
        }
    }

    #[test]
    fn a_file_changed_near_its_stat_is_racy() {
        let taken = 1_000 * 1_000_000_000 + 500_000_000;
        assert!(!stat(taken - 60_000_000, taken - 60_000_000).racy(taken));
        assert!(stat(taken - 10_000_000, taken - 60_000_000).racy(taken));
        assert!(stat(taken - 60_000_000, taken - 1).racy(taken), "by ctime");
        assert!(stat(taken + 5, taken + 5).racy(taken), "from the future");
        // Whole seconds: a file system that keeps no finer time.
        assert!(stat(999 * 1_000_000_000, taken - 60_000_000).racy(taken));
        assert!(!stat(990 * 1_000_000_000, 990 * 1_000_000_000).racy(taken));
    }

    #[test]
    fn a_stat_line_round_trips_and_anything_else_is_refused() {
        let s = Stat {
            size: 12,
            mtime_ns: -3,
            ctime_ns: i64::MAX,
            inode: u64::MAX,
        };
        let mut line = String::new();
        s.write(&mut line);
        line.push_str(" content/a b.md");
        assert_eq!(Stat::read(&line), Some((s, "content/a b.md")));
        for bad in ["", "1 2 3", "1 2 3 4", "x 2 3 4 a", "-1 2 3 4 a"] {
            assert_eq!(Stat::read(bad), None, "{bad:?}");
        }
    }
}
