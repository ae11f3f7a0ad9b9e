//! `feedwright push`: upload what changed since the last push, safely, then ping WebSub hubs.
//!
//! The steps, in order, each in its own module:
//! 1. refuse credentials over plain http (except loopback) and a stale output folder
//!    ([`super::files`]);
//! 2. [`super::diff`]: compare the built files with the push state (blake3 hashes): only new or
//!    changed files go, everything else first and the main feed files last; nothing to do means
//!    no request at all;
//! 3. [`super::guard`]: GET each published main feed about to be replaced and refuse when an
//!    item would change its id (subscribers would see duplicates); with `--take-over`, also
//!    look at each file feedwright did not write, to replace exactly the copy checked;
//! 4. [`super::upload`]: PUT each file with `If-None-Match: *` (new) or `If-Match: <etag>`
//!    (update), retrying transient failures, and [`super::record`] each success in the state
//!    at once;
//! 5. [`super::ping`]: ping every hub for every uploaded feed; a failed ping is kept in the
//!    state and retried on the next run, and never undoes the upload.
//!
//! This module talks to a [`Target`] only; WebDAV details live in [`super::webdav`]. It never
//! sees how the files were built: the caller hands it a list of [`Upload`]s.

use std::path::Path;

use chrono::{DateTime, FixedOffset};

use super::auth::{self, Credentials};
use super::config::MAX_BACKOFF;
use super::diff::{self, Change};
use super::files::{self, Upload};
use super::guard::{self, Identities};
use super::ping::Hubs;
use super::retry::{self, Policy, Retrying};
use super::state::PushState;
use super::target::{Failure, Target};
use super::webdav::WebDav;
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
    pub pings: usize,
}

/// What one push run works with; each step takes it instead of a list of arguments.
pub struct Session<'a> {
    pub target: &'a dyn Target,
    pub policy: Policy,
    pub hubs: Hubs,
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

/// Pushes `files` to the WebDAV host in `[publish]`; `ids` are the entries the build would
/// publish, for the identity guard.
pub fn run(
    config: &Config,
    mut files: Vec<Upload>,
    ids: Identities<'_>,
    opts: &Options,
    log: Log<'_>,
) -> Result<Outcome> {
    let publish = &config.publish;
    let Some(base) = publish.url.clone() else {
        return Err(Error::config(
            &config.path,
            None,
            "[publish] url is not set: add the base URL that files are uploaded to, e.g. url = \"https://dav.example.com/feeds/\"",
        ));
    };
    auth::check_transport(publish, &base).map_err(|m| Error::config(&config.path, None, m))?;
    if opts.folder == Folder::Earlier {
        files::check_fresh(&files)?;
    }
    files::order(&mut files);
    let mut state = PushState::load(&publish.state_file)?;
    let mut target = WebDav::new(base, Credentials::None, publish.timeout)?;
    let mut changes = diff::changes(&target, &files, &state, opts.overwrite);

    // A hub removed from the config is owed nothing any more.
    let hubs: Vec<String> = publish.hubs.iter().map(|h| h.to_string()).collect();
    state.pending_pings.retain(|p| hubs.contains(&p.hub));
    if changes.is_empty() && state.pending_pings.is_empty() {
        let level = if opts.dry_run {
            Level::Info
        } else {
            Level::Detail
        };
        log(level, "nothing changed since the last push; nothing sent");
        return Ok(Outcome::default());
    }
    if opts.dry_run {
        dry_run(&hubs, &changes, &state, log);
        return Ok(Outcome::default());
    }
    target.set_credentials(Credentials::load(publish)?);
    let mut session = Session {
        target: &target,
        policy: Policy {
            retries: publish.retries,
            base: publish.retry_base,
            cap: MAX_BACKOFF,
        },
        hubs: Hubs::new(hubs, &publish.hub_param, publish.timeout)?,
        state,
        state_file: &publish.state_file,
        now: opts.now,
        log,
    };
    if opts.overwrite != Overwrite::Force {
        guard::check(&mut session, &ids, &mut changes, opts.overwrite)?;
    }
    execute(&mut session, &changes)
}

/// Uploads, then pings, then reports the first upload failure or the failed pings.
pub fn execute(session: &mut Session<'_>, changes: &[Change<'_>]) -> Result<Outcome> {
    let (uploaded, failed) = super::upload::all(session, changes)?;
    let (ping_failures, pings) = super::ping::all(session);
    session.state.save(session.state_file)?;
    if let Some(message) = failed {
        return Err(Error::Publish(message));
    }
    if !ping_failures.is_empty() {
        return Err(Error::Publish(format!(
            "{} file(s) uploaded, but {} hub ping(s) failed; the upload stands, and the pings are retried on the next run:\n  {}",
            uploaded.len(),
            ping_failures.len(),
            ping_failures.join("\n  ")
        )));
    }
    Ok(Outcome { uploaded, pings })
}

fn dry_run(hubs: &[String], changes: &[Change<'_>], state: &PushState, log: Log<'_>) {
    for c in changes {
        log(
            Level::Info,
            &format!(
                "would upload {} -> {} ({})",
                c.file.name, c.location, c.reason
            ),
        );
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
