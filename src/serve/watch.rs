//! Knowing when to rebuild: the config file and every file under a feed's source folder.
//!
//! The system's file events (inotify on Linux, through `notify`) wake the loop at once; a burst
//! of events (an editor's save, a `git checkout`) gives one rebuild after things are quiet for
//! [`QUIET`]. Where events cannot be had (no inotify, the system's watch limit reached, the
//! event thread gone), the folders are polled every [`POLL`] as before. What the build itself
//! writes (the output folder, the state file, temp files, the lock file) never triggers a rebuild, so
//! a source folder that holds the output cannot make the server rebuild in a loop.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant, SystemTime};

use notify::{Event, EventKind, RecursiveMode, Watcher as _};

/// How often the folders are compared when events cannot be had.
pub const POLL: Duration = Duration::from_millis(500);
/// A burst of events ends after this long without one.
pub const QUIET: Duration = Duration::from_millis(150);
/// A change that never stops (a file written for minutes) still rebuilds this often.
const LONGEST_WAIT: Duration = Duration::from_secs(2);

/// What to watch, as absolute paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    pub config: PathBuf,
    pub sources: Vec<PathBuf>,
    /// Written by the build: the output folder and the state file.
    pub ignored: Vec<PathBuf>,
}

impl Watched {
    pub fn new(config: &Path, sources: &[PathBuf], ignored: &[PathBuf]) -> Watched {
        let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let mut sources: Vec<PathBuf> = sources.iter().map(|p| abs(p)).collect();
        sources.sort();
        sources.dedup();
        Watched {
            config: abs(config),
            sources,
            ignored: ignored.iter().map(|p| abs(p)).collect(),
        }
    }

    /// Everything the polling fallback compares.
    fn paths(&self) -> Vec<PathBuf> {
        let mut paths = vec![self.config.clone()];
        paths.extend(self.sources.iter().cloned());
        paths
    }

    /// Whether a change at `path` can change what the build writes.
    fn concerns(&self, path: &Path) -> bool {
        let built = self.ignored.iter().any(|i| path.starts_with(i))
            || path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with(crate::output::TEMP_PREFIX) || n == crate::lock::LOCK_FILE
            });
        // `s.starts_with(path)`: a missing source folder, or one of its parents, appearing.
        !built
            && (path == self.config
                || self
                    .sources
                    .iter()
                    .any(|s| path.starts_with(s) || s.starts_with(path)))
    }

    fn wants(&self, event: &notify::Result<Event>) -> bool {
        match event {
            // Lost events (a full queue) or a broken watch: rebuild to be safe.
            Err(_) => true,
            Ok(e) if e.need_rescan() => true,
            // Reading a file (the build reads every source) changes nothing.
            Ok(e) if matches!(e.kind, EventKind::Access(_)) => false,
            Ok(e) => e.paths.iter().any(|p| self.concerns(p)),
        }
    }
}

/// Waits for changes, by events or by polling.
pub struct Watcher {
    watched: Watched,
    how: How,
}

enum How {
    Events {
        // Kept alive: dropping it ends the events.
        _watcher: notify::RecommendedWatcher,
        events: Receiver<notify::Result<Event>>,
    },
    Poll(Watch),
}

impl Watcher {
    /// Watches by events when the system allows it, else by polling.
    pub fn new(watched: Watched) -> Watcher {
        let how = match events(&watched) {
            Ok((watcher, events)) => How::Events {
                _watcher: watcher,
                events,
            },
            Err(_) => How::Poll(Watch::new(watched.paths())),
        };
        Watcher { watched, how }
    }

    /// Whether this watcher fell back to polling.
    pub fn polling(&self) -> bool {
        matches!(self.how, How::Poll(_))
    }

    /// Returns once something changed and things are quiet again, or at `deadline` (the
    /// moment the output changes by time alone, or a retry is due) if nothing changed first.
    pub fn wait(&mut self, deadline: Option<Instant>) -> Woke {
        loop {
            match &mut self.how {
                How::Poll(watch) => {
                    let nap = deadline.map_or(POLL, |d| {
                        POLL.min(d.saturating_duration_since(Instant::now()))
                    });
                    std::thread::sleep(nap);
                    if watch.changed() {
                        return Woke::Changed;
                    }
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        return Woke::Due;
                    }
                }
                How::Events { events, .. } => match settled(events, &self.watched, deadline) {
                    Some(woke) => return woke,
                    // The event thread is gone: poll from here on.
                    None => self.how = How::Poll(Watch::new(self.watched.paths())),
                },
            }
        }
    }
}

/// Why [`Watcher::wait`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Woke {
    /// A watched file changed.
    Changed,
    /// The deadline came with nothing changed.
    Due,
}

/// Starts the events: the config's folder (editors replace the file, which ends a watch on the
/// file itself), each source folder with everything under it, and for a source folder that
/// does not exist yet, its nearest existing parent, so its creation is seen.
fn events(
    watched: &Watched,
) -> notify::Result<(notify::RecommendedWatcher, Receiver<notify::Result<Event>>)> {
    let (tx, rx) = channel();
    let mut watcher = notify::recommended_watcher(tx)?;
    if let Some(dir) = watched.config.parent() {
        watcher.watch(dir, RecursiveMode::NonRecursive)?;
    }
    for source in &watched.sources {
        if source.is_dir() {
            watcher.watch(source, RecursiveMode::Recursive)?;
        } else if let Some(parent) = source.ancestors().skip(1).find(|p| p.is_dir()) {
            watcher.watch(parent, RecursiveMode::NonRecursive)?;
        }
    }
    Ok((watcher, rx))
}

/// Waits for a relevant event, then for quiet, or until `deadline`; `None` when the events
/// ended.
fn settled(
    events: &Receiver<notify::Result<Event>>,
    watched: &Watched,
    deadline: Option<Instant>,
) -> Option<Woke> {
    loop {
        let event = match deadline {
            None => events.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(d) => events.recv_timeout(d.saturating_duration_since(Instant::now())),
        };
        match event {
            Ok(event) if watched.wants(&event) => break,
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) => return Some(Woke::Due),
            Err(RecvTimeoutError::Disconnected) => return None,
        }
    }
    let deadline = Instant::now() + LONGEST_WAIT;
    while Instant::now() < deadline {
        match events.recv_timeout(QUIET) {
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) => break,
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    Some(Woke::Changed)
}

/// What the polling watcher compares: every file under the watched paths with its size and
/// modification time.
type Fingerprint = Vec<(PathBuf, u64, Option<SystemTime>)>;

/// Polls files and folders for changes (a new, removed, resized or touched file).
#[derive(Debug)]
pub struct Watch {
    paths: Vec<PathBuf>,
    last: Fingerprint,
}

impl Watch {
    pub fn new(paths: Vec<PathBuf>) -> Watch {
        let last = fingerprint(&paths);
        Watch { paths, last }
    }

    /// Whether anything changed since the last call (or since [`Watch::new`]).
    pub fn changed(&mut self) -> bool {
        let now = fingerprint(&self.paths);
        if now == self.last {
            return false;
        }
        self.last = now;
        true
    }
}

fn fingerprint(paths: &[PathBuf]) -> Fingerprint {
    let mut out = Vec::new();
    for path in paths {
        for entry in walkdir::WalkDir::new(path)
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            if let Ok(meta) = entry.metadata()
                && meta.is_file()
            {
                out.push((entry.path().to_path_buf(), meta.len(), meta.modified().ok()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_sees_new_and_changed_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Watch::new(vec![dir.path().to_path_buf()]);
        assert!(!w.changed());
        std::fs::write(dir.path().join("new.md"), "x").unwrap();
        assert!(w.changed());
        assert!(!w.changed());
        std::fs::write(dir.path().join("new.md"), "xy").unwrap();
        assert!(w.changed());
    }

    fn site() -> (tempfile::TempDir, Watched) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("content/reviews/2026")).unwrap();
        std::fs::create_dir_all(root.join("feeds")).unwrap();
        std::fs::write(root.join("config.toml"), "x").unwrap();
        let watched = Watched::new(
            &root.join("config.toml"),
            &[root.join("content/reviews"), root.join("content/episodes")],
            &[root.join("feeds"), root.join("feedwright-state.toml")],
        );
        (dir, watched)
    }

    #[test]
    fn what_the_build_writes_is_not_a_change() {
        let (dir, w) = site();
        let root = dir.path();
        assert!(w.concerns(&root.join("config.toml")));
        assert!(w.concerns(&root.join("content/reviews/2026/a.md")));
        assert!(
            w.concerns(&root.join("content/episodes")),
            "a missing source appears"
        );
        assert!(w.concerns(&root.join("content")), "its parent appears");
        assert!(!w.concerns(&root.join("feeds/reviews.rss")));
        assert!(!w.concerns(&root.join("feedwright-state.toml")));
        assert!(!w.concerns(&root.join(".feedwright.lock")));
        assert!(!w.concerns(&root.join("content/reviews/.feedwright-x.tmp")));
        assert!(!w.concerns(&root.join("notes.txt")));
        let read = Event::new(EventKind::Access(notify::event::AccessKind::Any))
            .add_path(root.join("content/reviews/2026/a.md"));
        assert!(!w.wants(&Ok(read)));
    }

    /// Waits on another thread so a broken watcher fails the test instead of hanging it.
    fn wait_within(mut w: Watcher, secs: u64) -> bool {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            w.wait(None);
            let _ = tx.send(());
        });
        rx.recv_timeout(Duration::from_secs(secs)).is_ok()
    }

    /// Black-box audit D4: with nothing changing, the watcher must still wake at the moment
    /// a future-dated entry comes due.
    #[test]
    fn a_deadline_wakes_the_watcher_when_nothing_changes() {
        let (dir, watched) = site();
        for (polling, edit) in [(false, "edit one"), (true, "edit number two")] {
            let mut w = Watcher::new(watched.clone());
            if polling {
                w.how = How::Poll(Watch::new(watched.paths()));
            }
            let soon = Instant::now() + Duration::from_millis(50);
            assert_eq!(w.wait(Some(soon)), Woke::Due, "polling: {polling}");
            assert!(Instant::now() >= soon, "not before its deadline");
            std::fs::write(dir.path().join("config.toml"), edit).unwrap();
            let later = Instant::now() + Duration::from_secs(60);
            assert_eq!(w.wait(Some(later)), Woke::Changed, "polling: {polling}");
        }
    }

    #[test]
    fn events_wake_the_watcher_for_sources_and_config_only() {
        let (dir, watched) = site();
        let root = dir.path().to_path_buf();
        let w = Watcher::new(watched.clone());
        assert!(!w.polling(), "inotify is available here");
        std::fs::write(root.join("feeds/reviews.rss"), "built").unwrap();
        std::fs::write(root.join("notes.txt"), "unrelated").unwrap();
        assert!(!wait_within(w, 2), "output and unrelated files woke it");

        let w = Watcher::new(watched.clone());
        std::fs::write(root.join("content/reviews/2026/new.md"), "x").unwrap();
        assert!(wait_within(w, 5), "a new file in a nested source folder");

        let w = Watcher::new(watched.clone());
        std::fs::write(root.join("config.toml.tmp"), "y").unwrap();
        std::fs::rename(root.join("config.toml.tmp"), root.join("config.toml")).unwrap();
        assert!(wait_within(w, 5), "an editor replacing config.toml");

        let w = Watcher::new(watched);
        std::fs::create_dir_all(root.join("content/episodes")).unwrap();
        assert!(wait_within(w, 5), "a missing source folder created");
    }
}
