//! `feedwright push`: upload what changed since the last push, safely, then ping WebSub hubs.
//!
//! The steps, in order, each in its own module, the same for every target:
//! 1. [`super::remote`]: pick the target from `[publish] url` (WebDAV or `s3://`), refusing
//!    credentials over plain http (except loopback); refuse a stale output folder
//!    ([`super::files`]); with `[publish] media`, add the podcast's local media files;
//! 2. [`super::diff`]: compare the files with the push state (blake3 hashes; media by size
//!    and modification time first): only new or changed files go, media first, then archive
//!    and tag feeds, then the main feeds, then `index.opml`; nothing to do means no request;
//! 3. [`super::guard`]: GET each published main feed about to be replaced and refuse when an
//!    item would change its id (subscribers would see duplicates); with `--take-over`, also
//!    look at each file feedwright did not write, to replace exactly the copy checked;
//! 4. [`super::upload`]: store each file on the condition that the remote copy is absent
//!    (new) or still the one recorded (its ETag, else its date), retrying transient failures, and
//!    [`super::record`] each success in the state at once;
//! 5. [`super::prune`] (`--prune`): delete what feedwright wrote before and no longer builds,
//!    on the same condition as an update;
//! 6. [`super::ping`]: ping every hub for every uploaded feed; a failed ping is kept in the
//!    state and retried on the next run, and never undoes the upload (a hub that failed is
//!    not tried again in the run); then
//!    [`super::after`]: Podcast Index and the `after_push` commands.
//!
//! This module talks to a [`Target`] only; protocol details live in [`super::webdav`] and
//! [`super::s3`]. It never sees how the files were built: the caller hands it a list of
//! [`Upload`]s and of [`LocalMedia`].

use std::path::Path;

use chrono::{DateTime, FixedOffset};

use super::after::After;
use super::config::MAX_BACKOFF;
use super::diff::{self, Change};
use super::files::{self, Upload};
use super::guard::{self, Identities};
use super::ping::Hubs;
use super::prune;
use super::remote::Remote;
use super::retry::{self, Policy, Retrying};
use super::state::PushState;
use super::target::{Failure, Target};
use crate::config::Config;
use crate::error::{Error, Result};

/// Which remote copies a push may replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Only what feedwright uploaded last (`If-Match`) and files not there yet
    /// (`If-None-Match: *`), after the identity guard.
    Own,
    /// Also a file feedwright did not write (`--take-over`), when its published items keep
    /// their ids; it is replaced with `If-Match` on the ETag of the copy checked.
    TakeOver,
    /// Anything, unconditionally, without the identity guard (`--force`).
    Force,
}

/// Whether the output folder was written by this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    /// `build --push`: the files were just written from the same plan.
    JustWritten,
    /// `push`: an earlier build wrote them; they must still be what a build would write now.
    Earlier,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub overwrite: Overwrite,
    /// List what would be uploaded and why; send nothing.
    pub dry_run: bool,
    pub folder: Folder,
    /// Delete files feedwright uploaded before and no longer builds.
    pub prune: bool,
    /// Recorded as the time of each upload.
    pub now: DateTime<FixedOffset>,
}

/// How loud a line of progress is; the CLI decides where each goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// A change made (a file uploaded, a hub pinged).
    Info,
    /// A retry, a failed ping.
    Warn,
    /// Only with --verbose.
    Detail,
}

pub type Log<'a> = &'a mut dyn FnMut(Level, &str);

/// What a push did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub uploaded: Vec<String>,
    pub deleted: Vec<String>,
    pub pings: usize,
}

/// What one push run works with; each step takes it instead of a list of arguments.
pub struct Session<'a> {
    pub target: &'a dyn Target,
    pub policy: Policy,
    pub hubs: Hubs,
    pub after: After,
    /// The push state, saved after every upload.
    pub state: PushState,
    pub state_file: &'a Path,
    pub now: DateTime<FixedOffset>,
    pub log: Log<'a>,
}

impl Session<'_> {
    pub fn say(&mut self, level: Level, line: &str) {
        (self.log)(level, line);
    }
}

/// A local media file to upload (`[publish] media = true`): published at `base_url` +
/// `name` (the podcast's `media_base_url`), read from `path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMedia {
    pub base_url: url::Url,
    pub name: String,
    pub path: std::path::PathBuf,
}

/// Pushes `files` (and `media`, with `[publish] media = true`) to the target `[publish] url`
/// names; `ids` are the entries the build would publish, for the identity guard.
pub fn run(
    config: &Config,
    files: Vec<Upload>,
    media: &[LocalMedia],
    ids: Identities<'_>,
    opts: &Options,
    log: Log<'_>,
) -> Result<Outcome> {
    let publish = &config.publish;
    let Prepared {
        mut remote,
        state,
        files,
        removed,
        hubs,
        mtimes_changed,
    } = prepare(config, files, media, opts)?;
    if mtimes_changed && !opts.dry_run {
        state.save(&publish.state_file)?;
    }
    let mut changes = diff::changes(remote.target(), &files, &state, opts.overwrite);
    let deleting = if opts.prune {
        prune::deletions(&removed, &state, opts.overwrite)
    } else {
        Vec::new()
    };
    if opts.dry_run {
        dry_run(&hubs, &changes, &state, &removed, opts.prune, log);
        return Ok(Outcome::default());
    }
    if changes.is_empty() && deleting.is_empty() && state.pending_pings.is_empty() {
        nothing_to_send(&removed, opts.prune, log);
        return Ok(Outcome::default());
    }
    if !opts.prune {
        kept_lines(&removed, log);
    }
    let names: Vec<&str> = changes.iter().map(|c| c.file.name.as_str()).collect();
    remote.connect(publish, &names)?;
    let mut session = Session {
        target: remote.target(),
        policy: Policy {
            retries: publish.retries,
            base: publish.retry_base,
            cap: MAX_BACKOFF,
        },
        hubs: Hubs::new(hubs, &publish.hub_param, publish.timeout)?,
        after: after_settings(config),
        state,
        state_file: &publish.state_file,
        now: opts.now,
        log,
    };
    if opts.overwrite != Overwrite::Force {
        guard::check(&mut session, &ids, &mut changes, opts.overwrite)?;
    }
    execute(&mut session, &changes, &deleting)
}

/// Whether a push of `files` and `media` would send nothing and change nothing, not even the
/// push state: every file is recorded at its place with its hash, no hub ping is owed, no
/// media file was touched. Then it logs what such a push logs, and a caller that knows the
/// files are what a build would write (the content cache) may skip building them. Any doubt,
/// an error included, says no: the full push then runs and reports it.
pub fn settled(
    config: &Config,
    files: Vec<Upload>,
    media: &[LocalMedia],
    opts: &Options,
    log: Log<'_>,
) -> bool {
    if opts.dry_run || opts.prune || opts.overwrite == Overwrite::Force {
        return false;
    }
    let Ok(p) = prepare(config, files, media, opts) else {
        return false;
    };
    let changes = diff::changes(p.remote.target(), &p.files, &p.state, opts.overwrite);
    if p.mtimes_changed || !changes.is_empty() || !p.state.pending_pings.is_empty() {
        return false;
    }
    nothing_to_send(&p.removed, opts.prune, log);
    true
}

/// What a push works out before it sends anything.
struct Prepared {
    remote: Remote,
    state: PushState,
    /// The files and media in upload order.
    files: Vec<Upload>,
    /// Files pushed before and no longer built.
    removed: Vec<String>,
    hubs: Vec<String>,
    /// Media files whose new modification time the state should remember (not saved yet).
    mtimes_changed: bool,
}

fn prepare(
    config: &Config,
    mut files: Vec<Upload>,
    media: &[LocalMedia],
    opts: &Options,
) -> Result<Prepared> {
    let publish = &config.publish;
    let Some(base) = publish.url.clone() else {
        return Err(Error::config(
            &config.path,
            None,
            "[publish] url is not set: add where files are uploaded, e.g. url = \"https://dav.example.com/feeds/\" (WebDAV) or url = \"s3://bucket/feeds/\" (object storage)",
        ));
    };
    let remote = Remote::new(config, &base)?;
    if opts.folder == Folder::Earlier {
        files::check_fresh(&files)?;
    }
    for f in &mut files {
        f.cache_control.clone_from(&publish.cache_control);
    }
    let mut state = PushState::load(&publish.state_file)?;
    let mut mtimes_changed = false;
    if publish.media {
        files.extend(media_uploads(config, media, &state)?);
        mtimes_changed = remember_mtimes(&mut state, &files);
    }
    files::order(&mut files);
    let removed = prune::removed(remote.target(), &files, &state, publish.media);
    // A hub removed from the config is owed nothing any more.
    let hubs: Vec<String> = publish.hubs.iter().map(|h| h.to_string()).collect();
    state.pending_pings.retain(|p| hubs.contains(&p.hub));
    Ok(Prepared {
        remote,
        state,
        files,
        removed,
        hubs,
        mtimes_changed,
    })
}

/// What a push with nothing to send says.
fn nothing_to_send(removed: &[String], prune: bool, log: Log<'_>) {
    if !prune {
        kept_lines(removed, log);
    }
    log(
        Level::Detail,
        "nothing changed since the last push; nothing sent",
    );
}

fn kept_lines(removed: &[String], log: Log<'_>) {
    for name in removed {
        log(
            Level::Detail,
            &format!("{name} is no longer built; `feedwright push --prune` deletes it"),
        );
    }
}

/// The media files as uploads, named where `[publish]` sends them.
fn media_uploads(config: &Config, media: &[LocalMedia], state: &PushState) -> Result<Vec<Upload>> {
    let publish = &config.publish;
    let mut out: Vec<Upload> = Vec::with_capacity(media.len());
    // The content walk reads nothing outside these folders; uploading makes a file public,
    // so the same rule holds for what an episode names (`../`, an absolute path, a link).
    let roots = crate::content::Roots::new(&config.root, &config.site.extra_roots);
    for m in media {
        if let Ok(real) = m.path.canonicalize()
            && !roots.allows(&real)
        {
            let really = if real == m.path {
                String::new()
            } else {
                format!(" (really {})", real.display())
            };
            return Err(Error::config(
                &config.path,
                None,
                format!(
                    "[publish] media = true, but {}{really} is outside the site's folder; it is not uploaded: {}",
                    m.path.display(),
                    crate::content::Roots::fix_for(&real)
                ),
            ));
        }
        let name = crate::config::publish::media_destination(publish, &config.site.feeds_url, &m.base_url)
            .and_then(|dest| super::remote::media_name(publish, &dest, &m.name))
            .ok_or_else(|| Error::config(&config.path, None, format!(
                "[publish] media = true, but {} ([feed.podcast] media_base_url) is not below [site] feeds_url: set [publish] media_url to where media are uploaded",
                m.base_url
            )))?;
        if out.iter().any(|u| u.name == name) {
            continue;
        }
        out.push(Upload::media(&name, &m.path, state).map_err(Error::Publish)?);
    }
    Ok(out)
}

/// Records the new modification time of media files whose bytes are still the ones pushed
/// (a `touch`, a copy), so they are not hashed again on every run. Returns whether any was.
fn remember_mtimes(state: &mut PushState, files: &[Upload]) -> bool {
    let mut changed = false;
    for f in files.iter().filter(|f| f.mtime.is_some()) {
        if let Some(r) = state.files.get_mut(&f.name)
            && r.blake3 == f.hash
            && r.size == f.len
            && r.mtime != f.mtime
        {
            r.mtime = f.mtime;
            changed = true;
        }
    }
    changed
}

fn after_settings(config: &Config) -> After {
    After {
        commands: config.publish.after_push.clone(),
        dir: config.root.clone(),
        podcast_index: config.publish.podcast_index.clone(),
        podcast_feeds: config
            .feeds
            .iter()
            .filter(|f| f.podcast.is_some())
            .map(|f| f.name.clone())
            .collect(),
    }
}

/// Uploads, then deletes (`--prune`), then pings, then runs the `after_push` commands;
/// reports the first upload failure or the failed pings.
pub fn execute(
    session: &mut Session<'_>,
    changes: &[Change<'_>],
    deleting: &[prune::Deletion],
) -> Result<Outcome> {
    let (uploaded, mut failed) = super::upload::all(session, changes)?;
    let mut deleted = Vec::new();
    if failed.is_none() {
        (deleted, failed) = super::prune::all(session, deleting)?;
    }
    let (ping_failures, pings) = super::ping::all(session);
    let told = super::after::podcast_index(session, changes, &uploaded);
    session.state.save(session.state_file)?;
    if let Some(message) = failed {
        return Err(Error::Publish(message));
    }
    let keys: Vec<String> = uploaded
        .iter()
        .chain(&deleted)
        .map(|n| session.target.key(n))
        .collect();
    super::after::run_commands(&session.after, &keys)?;
    if !ping_failures.is_empty() {
        // Every owed ping counts, those not tried after their hub failed too.
        return Err(Error::Publish(format!(
            "{} file(s) uploaded, but {} hub ping(s) failed; the upload stands, and the pings are retried on the next run:\n  {}",
            uploaded.len(),
            session.state.pending_pings.len(),
            ping_failures.join("\n  ")
        )));
    }
    Ok(Outcome {
        uploaded,
        deleted,
        pings: pings + told,
    })
}

fn dry_run(
    hubs: &[String],
    changes: &[Change<'_>],
    state: &PushState,
    removed: &[String],
    prune: bool,
    log: Log<'_>,
) {
    if changes.is_empty() && removed.is_empty() && state.pending_pings.is_empty() {
        log(
            Level::Info,
            "nothing changed since the last push; nothing would be sent",
        );
    }
    for c in changes {
        log(
            Level::Info,
            &format!(
                "would upload {} -> {} ({})",
                c.file.name, c.location, c.reason
            ),
        );
    }
    for name in removed {
        let url = state.files.get(name).map_or("", |r| r.url.as_str());
        if prune {
            log(
                Level::Info,
                &format!("would delete {name} -> {url} (no longer built)"),
            );
        } else {
            log(
                Level::Info,
                &format!("would keep {name} -> {url} (no longer built; `--prune` deletes it)"),
            );
        }
    }
    for hub in hubs {
        for c in changes {
            if let Some(topic) = c.topic() {
                log(Level::Info, &format!("would ping {hub} for {topic}"));
            }
        }
    }
    for p in &state.pending_pings {
        log(
            Level::Info,
            &format!("would ping {} for {} (failed last time)", p.hub, p.topic),
        );
    }
    log(Level::Info, "dry run: nothing was sent");
}

/// Runs one request under the session's retry policy, logging each retry.
pub fn retrying<T>(
    policy: &Policy,
    log: Log<'_>,
    op: impl FnMut() -> std::result::Result<T, Failure>,
) -> std::result::Result<T, (Failure, u32)> {
    retry::run(policy, op, |r: &Retrying<'_>| {
        log(
            Level::Warn,
            &format!(
                "{} answered {}; retrying in {:.1} s (attempt {} of {})",
                r.failure.request,
                r.failure.answer,
                r.wait.as_secs_f64(),
                r.attempt,
                r.attempts
            ),
        )
    })
}

/// The text for a failed request: which file, which URL, what the server said, what to check.
pub fn failure_message(headline: &str, f: &Failure, attempts: u32, note: &str) -> String {
    let retried = if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else if f.is_transient() {
        String::new()
    } else {
        " (not retried: asking again would not help)".to_string()
    };
    let mut text = format!(
        "{headline}\n  request: {}\n  answer: {}{retried}\n  check: {}",
        f.request,
        f.answer,
        f.hint()
    );
    if let Some(wait) = f.retry_after.filter(|d| *d > retry::MAX_RETRY_AFTER) {
        text.push_str(&format!(
            "\n  the server asked to wait {} s before retrying: run the push again later",
            wait.as_secs()
        ));
    }
    if !note.is_empty() {
        text.push_str(&format!("\n  {note}"));
    }
    text
}
