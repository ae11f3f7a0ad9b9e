//! What a build hands its caller: the [`Plan`] (every output file, entry, the new state and the
//! problems found), how strict the build is ([`PlanOptions`]) and what staging did with each
//! file ([`Staged`]). Plain data: the stages that fill these in live in the other files of
//! [`crate::build`]; nothing here reads or renders anything, except reading back a file that
//! was staged instead of held.

use std::path::PathBuf;

use crate::config::Format;
use crate::error::{Diagnostic, Error, Result};
use crate::identity::compare::PlannedEntry;
use crate::identity::{Note, State};

/// One rendered output file.
#[derive(Debug)]
pub struct OutputFile {
    pub path: PathBuf,
    /// Path relative to the output folder, `/`-separated (also its name on a remote host).
    pub name: String,
    /// The feed format; `None` for files that are not feeds (`feed.xsl`, `index.opml`).
    pub format: Option<Format>,
    /// The file's bytes; `None` for a feed that a staging plan wrote straight to its temp file
    /// as it was rendered, instead of holding it (see [`OutputFile::read`]), and for every feed
    /// of a verify-only plan ([`PlanOptions::verify_only`]), which has none to read.
    pub bytes: Option<String>,
    /// Its length in bytes.
    pub len: u64,
    /// Whether the file was already written next to its place (see [`PlanOptions::stage`]).
    pub staged: Staged,
}

impl OutputFile {
    /// The file's bytes: the plan's, or, for a file not held, the file in place once
    /// [`write`](fn@super::write) has run.
    pub fn read(&self) -> Result<std::borrow::Cow<'_, [u8]>> {
        match &self.bytes {
            Some(b) => Ok(std::borrow::Cow::Borrowed(b.as_bytes())),
            None => std::fs::read(&self.path)
                .map(std::borrow::Cow::Owned)
                .map_err(|e| Error::io(&self.path, "reading", e)),
        }
    }
}

/// What a staging plan ([`PlanOptions::stage`]) did with an output file.
#[derive(Debug, Default)]
pub enum Staged {
    /// Nothing yet: [`write`](fn@super::write) compares and writes it.
    #[default]
    No,
    /// The file on disk already holds these bytes.
    Unchanged,
    /// Written and synced to a temp file in the same folder, which [`write`](fn@super::write)
    /// renames into place (taking it out); dropped (a failed build), the temp file is removed.
    Written(std::sync::Mutex<Option<tempfile::TempPath>>),
}

impl Staged {
    /// What staging a file gave: its temp file, or none when the file on disk already holds it.
    pub(super) fn from_temp(tmp: Option<tempfile::TempPath>) -> Staged {
        match tmp {
            Some(tmp) => Staged::Written(std::sync::Mutex::new(Some(tmp))),
            None => Staged::Unchanged,
        }
    }
}

/// What a build would write, and what it found on the way.
#[derive(Debug)]
pub struct Plan {
    pub outputs: Vec<OutputFile>,
    /// Every publishable entry with its id and link, beyond any feed `limit`: only with
    /// [`PlanOptions::keep_entries`], or when a build without its state file compared them
    /// with the feeds already published. Empty otherwise.
    pub entries: Vec<PlannedEntry>,
    /// How many publishable entries there are (all feeds, beyond any `limit`).
    pub entry_count: usize,
    pub state: State,
    pub previous_state: Option<State>,
    pub warnings: Vec<Diagnostic>,
    /// How many of the first `warnings` are said once, by this build only (it changed
    /// published entries): the content cache does not say them again.
    pub said_once: usize,
    pub notes: Vec<Note>,
    /// The notes said by every build while their cause lasts (an owner e-mail left out), as
    /// opposed to those said once, by the build that changed the state (an entry gone, a
    /// rename followed): a build the content cache ends early says these again, never those.
    pub lasting_notes: Vec<Note>,
    /// Entries left out under `--keep-going`, with why; the build still fails at the end.
    pub skipped: Vec<Diagnostic>,
    /// The state file of a staging plan ([`PlanOptions::stage`]), written while the feeds were
    /// rendered; [`write`](fn@super::write) renames it into place before any feed.
    pub state_staged: Staged,
    /// The earliest time at which this plan's output changes by time alone (a future-dated
    /// entry appears, an `updated` key is no longer clamped); `None`: never.
    pub horizon: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Files besides the sources, the config and the state that the output depends on (local
    /// audio and artwork): the content cache compares their stat.
    pub inputs: Vec<PathBuf>,
    /// The content cache's side file with every source's line written, begun while the
    /// sources were read (see `reuse::Writing`); the state copy ends it after the build.
    pub side_file: super::sealing::Begun,
    /// The state file's digest and each record's text, when known (the state was written,
    /// or read from the content cache's copy): the content cache keeps a copy of the state.
    pub state_text: Option<super::StateText>,
    /// Each archive page file's digest, and what rendering archived bodies said (see
    /// `build::pages`): the content cache keeps them.
    pub pages: super::PageRecords,
}

impl Plan {
    /// Ends a build whose process exits next, once the plan is written (and pushed): the
    /// entries skipped under `--keep-going` become the build's error, and the plan's memory is
    /// left to the system instead of freed. A full build holds hundreds of MB in small
    /// allocations; freeing them one by one took a twentieth of the run on one core, while
    /// the system takes them back at once when the process ends. Only for a caller that exits
    /// right after (`build`), not a long-running one (`serve`), which would leak each plan.
    pub fn finish(mut self) -> Result<()> {
        let skipped = std::mem::take(&mut self.skipped);
        std::mem::forget(self);
        if skipped.is_empty() {
            Ok(())
        } else {
            Err(Error::Skipped(skipped))
        }
    }
}

/// How strict a build is.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Publish every valid entry and report the invalid ones, instead of all-or-nothing.
    pub keep_going: bool,
    /// Build even when the state file is missing and the feeds already in the output folder
    /// would get other ids (`adopt-ids` and `check --against` compare on their own).
    pub allow_id_changes: bool,
    /// Build even when a large share of a feed's published entries vanished from the sources
    /// (`--allow-drop`; see [`crate::identity::drops`]).
    pub allow_drop: bool,
    /// Write each changed output to a temp file next to it as soon as it is rendered and
    /// checked, on the core that rendered it, while other files are still being rendered;
    /// [`write`](fn@super::write) then only renames them, after the state. Nothing is visible
    /// before [`write`](fn@super::write), and a failed plan removes its temp files. Only for a
    /// caller that holds the run lock and writes the plan (`build`, `serve`).
    pub stage: bool,
    /// Verify only: render and check every file exactly as a staging plan does (the same parts,
    /// the same output check, the same problems), but keep none of it: nothing is written, not
    /// even a temp file, and a feed given in parts is never whole in memory. Its feeds have no
    /// bytes ([`OutputFile::bytes`] is `None`, [`Staged::No`]): such a plan is for a caller
    /// that reports and never writes or reads its outputs (`check`). Overrides `stage`.
    pub verify_only: bool,
    /// Keep [`Plan::entries`]: for a caller that compares them with a published feed.
    pub keep_entries: bool,
    /// Whether the state file changed since the last build wrote it, as the content cache
    /// sees it (`None`: no cache to say): a changed one's ids and dates are compared with the
    /// feeds in the output folder, as when it is missing.
    pub state_replaced: Option<bool>,
    /// A first build (no state file, nothing published) may write the state's records as it
    /// reads the sources, holding only the entries the feeds pick (see `build::fresh`). Only
    /// for `build`: the state it leaves in the plan holds only those entries' records.
    pub stream_first_build: bool,
}

impl PlanOptions {
    /// What the engine does with each file it renders.
    pub(super) fn files(&self) -> Files {
        if self.verify_only {
            Files::VerifyOnly
        } else if self.stage {
            Files::Stage
        } else {
            Files::Hold
        }
    }
}

/// What the engine does with each file it renders and checks (from [`PlanOptions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Files {
    /// Keeps its bytes in the plan, for [`write`](fn@super::write) to compare and write.
    Hold,
    /// Writes it to a temp file next to its place (see [`PlanOptions::stage`]).
    Stage,
    /// Drops it once checked (see [`PlanOptions::verify_only`]).
    VerifyOnly,
}
