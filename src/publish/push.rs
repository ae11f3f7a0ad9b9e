//! `feedwright push`: upload what changed since the last push, safely, then ping WebSub hubs.
//!
//! The steps, in order:
//! 1. refuse credentials over plain http (except loopback) and a stale output folder;
//! 2. compare the built files with the push state (blake3 hashes): only new or changed files go,
//!    everything else first and the main feed files last; nothing to do means no request at all;
//! 3. the identity guard: GET each published main feed about to be replaced and refuse when an
//!    item would change its id (subscribers would see duplicates);
//! 4. PUT each file with `If-None-Match: *` (new) or `If-Match: <etag>` (update), retrying
//!    transient failures, recording each success in the state at once;
//! 5. ping every hub for every uploaded feed; a failed ping is kept in the state and retried on
//!    the next run, and never undoes the upload.
//!
//! This module talks to a [`Target`] only; WebDAV details live in [`super::webdav`].

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, FixedOffset};

use super::auth::{self, Credentials};
use super::config::MAX_BACKOFF;
use super::retry::{self, Policy, Retrying};
use super::state::{PendingPing, PushState, PushedFile, hash};
use super::target::{Condition, Failure, Target, Upload, content_type, is_index};
use super::webdav::WebDav;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::feed::read::parse_published;
use crate::identity::compare::{PlannedEntry, compare};
use crate::pipeline::Plan;

#[derive(Debug, Clone)]
pub struct Options {
    /// Re-send everything, unconditionally, and skip the identity guard.
    pub force: bool,
    /// List what would be uploaded and why; send nothing.
    pub dry_run: bool,
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

/// A built file as the push sees it.
#[derive(Debug, Clone)]
pub struct PushFile {
    /// Name relative to the output folder and to the remote base.
    pub name: String,
    pub bytes: Vec<u8>,
    /// The feed it belongs to, for a main feed file.
    pub feed: Option<String>,
    /// The public (`rel="self"`) URL, the WebSub topic, for a main feed file.
    pub topic: Option<String>,
}

/// Why a file is uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    New,
    Changed {
        since: String,
    },
    /// The state records it at another URL ([publish] url changed).
    Moved {
        from: String,
    },
    Forced,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::New => f.write_str("new: never pushed"),
            Reason::Changed { since } => write!(f, "changed since the push of {since}"),
            Reason::Moved { from } => write!(f, "last pushed to {from}"),
            Reason::Forced => f.write_str("unchanged, re-sent because of --force"),
        }
    }
}

/// One upload to make.
#[derive(Debug, Clone)]
pub struct Change {
    pub file: PushFile,
    pub location: String,
    pub reason: Reason,
    pub condition: Condition,
}

impl Change {
    /// The WebSub topic to ping after this upload: a main feed whose bytes changed (spec R93;
    /// a `--force` re-send of unchanged bytes pings nobody).
    pub fn topic(&self) -> Option<&String> {
        self.file
            .topic
            .as_ref()
            .filter(|_| self.reason != Reason::Forced)
    }
}

/// What a push did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub uploaded: Vec<String>,
    pub pings: usize,
}

/// Runs a push of `plan`'s files to the WebDAV host in `[publish]`. `built` says the caller has
/// just written the plan (`build --push`); otherwise the output folder must match the plan.
pub fn run(
    config: &Config,
    plan: &Plan,
    opts: &Options,
    built: bool,
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
    if !built {
        check_built(plan)?;
    }
    let files = push_files(config, plan)?;
    let mut state = PushState::load(&publish.state_file)?;
    let mut target = WebDav::new(base, Credentials::None, publish.timeout)?;
    let changes = changes(&target, &files, &state, opts.force);

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
        dry_run(config, &changes, &state, log);
        return Ok(Outcome::default());
    }
    target.set_credentials(Credentials::load(publish)?);
    let policy = Policy {
        retries: publish.retries,
        base: publish.retry_base,
        cap: MAX_BACKOFF,
    };
    let hubs = Hubs {
        client: super::http::upload_client(publish.timeout)?,
        urls: hubs,
        param: publish.hub_param.clone(),
    };
    if !opts.force {
        guard(&target, &policy, &plan.entries, &changes, log)?;
    }
    execute(
        &target,
        &hubs,
        &policy,
        changes,
        &mut state,
        opts,
        &publish.state_file,
        log,
    )
}

/// The built files in upload order (see [`order`]).
pub fn push_files(config: &Config, plan: &Plan) -> Result<Vec<PushFile>> {
    let mut main = BTreeMap::new();
    for feed in &config.feeds {
        for &format in &feed.formats {
            main.insert(feed.file_name(format), feed.name.clone());
        }
    }
    let mut files = Vec::with_capacity(plan.outputs.len());
    for o in &plan.outputs {
        files.push(PushFile {
            name: o.name.clone(),
            bytes: o.read()?.into_owned(),
            feed: main.get(&o.name).cloned(),
            // Every feed document (main, tag, archive page) advertises the hubs.
            topic: o
                .format
                .and_then(|_| config.site.feeds_url.join(&o.name).ok())
                .map(String::from),
        });
    }
    order(&mut files);
    Ok(files)
}

/// Upload order, so a reader never fetches a file that points at one not uploaded yet: plain
/// files (stylesheets) first, then archive pages and tag feeds, then the main feeds (which link
/// to archives and stylesheets), then indexes that list the feeds (OPML); by name within each.
pub fn order(files: &mut [PushFile]) {
    let rank = |f: &PushFile| {
        if is_index(&f.name) {
            3
        } else if f.feed.is_some() {
            2
        } else if f.topic.is_some() {
            1
        } else {
            0
        }
    };
    files.sort_by(|a, b| (rank(a), &a.name).cmp(&(rank(b), &b.name)));
}

/// Refuses to push an output folder that does not hold what the build would write now.
fn check_built(plan: &Plan) -> Result<()> {
    let mut stale: Vec<String> = plan
        .outputs
        .iter()
        // A file the plan did not hold was written in place by it.
        .filter(|o| {
            o.bytes
                .as_ref()
                .is_some_and(|b| std::fs::read(&o.path).ok().as_deref() != Some(b.as_bytes()))
        })
        .map(|o| crate::content::display_path(&o.path).display().to_string())
        .collect();
    if stale.is_empty() {
        return Ok(());
    }
    stale.sort();
    Err(Error::Publish(format!(
        "the output folder is not what a build would write now (missing or older than the content: {}): run `feedwright build` first, or `feedwright build --push`; nothing was sent",
        stale.join(", ")
    )))
}

/// What to upload, and why, comparing with the push state.
pub fn changes(
    target: &dyn Target,
    files: &[PushFile],
    state: &PushState,
    force: bool,
) -> Vec<Change> {
    files
        .iter()
        .filter_map(|file| {
            let location = target.location(&file.name);
            let record = state.files.get(&file.name);
            let here = record.filter(|r| r.url == location);
            let unchanged = here.is_some_and(|r| r.blake3 == hash(&file.bytes));
            let reason = match (record, here) {
                _ if force && unchanged => Reason::Forced,
                _ if unchanged => return None,
                (_, Some(r)) => Reason::Changed {
                    since: r.pushed_at.clone(),
                },
                (Some(r), None) => Reason::Moved {
                    from: r.url.clone(),
                },
                (None, _) => Reason::New,
            };
            let condition = match here {
                _ if force => Condition::Any,
                Some(r) => r.etag.clone().map_or(Condition::Any, Condition::Matches),
                None => Condition::Absent,
            };
            Some(Change {
                file: file.clone(),
                location,
                reason,
                condition,
            })
        })
        .collect()
}

fn dry_run(config: &Config, changes: &[Change], state: &PushState, log: Log<'_>) {
    for c in changes {
        log(
            Level::Info,
            &format!(
                "would upload {} -> {} ({})",
                c.file.name, c.location, c.reason
            ),
        );
    }
    for hub in &config.publish.hubs {
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

/// The identity guard: refuses when a published item would get another id.
fn guard(
    target: &dyn Target,
    policy: &Policy,
    entries: &[PlannedEntry],
    changes: &[Change],
    log: Log<'_>,
) -> Result<()> {
    let mut problems = Vec::new();
    for c in changes {
        let Some(feed) = &c.file.feed else { continue };
        if !(c.file.name.ends_with(".rss") || c.file.name.ends_with(".atom")) {
            log(
                Level::Detail,
                &format!(
                    "{}: only RSS and Atom are compared with the published copy",
                    c.file.name
                ),
            );
            continue;
        }
        let fetched = retry::run(policy, || target.fetch(&c.file.name), |r| log_retry(log, r))
            .map_err(|(f, attempts)| {
                Error::Publish(failure_message(
                    &format!(
                        "cannot check the published {} against the build (the identity guard)",
                        c.file.name
                    ),
                    &f,
                    attempts,
                    "nothing was uploaded; `--force` skips this check",
                ))
            })?;
        let Some(fetched) = fetched else {
            log(
                Level::Detail,
                &format!("{} is not published yet: nothing to compare", c.location),
            );
            continue;
        };
        let text = String::from_utf8_lossy(&fetched.bytes);
        let published = parse_published(&text).map_err(|e| {
            Error::Identity(format!(
                "{} is not a feed feedwright can read ({e}): check what is there; `feedwright push --force` overwrites it",
                c.location
            ))
        })?;
        let mine: Vec<PlannedEntry> = entries
            .iter()
            .filter(|e| &e.feed == feed)
            .cloned()
            .collect();
        let cmp = compare(&mine, &published);
        for (title, old, new) in &cmp.id_changes {
            problems.push(format!(
                "{}: \"{title}\" would change its id {old} -> {new}",
                c.file.name
            ));
        }
        for id in &cmp.duplicates {
            problems.push(format!("{}: id {id} would appear twice", c.file.name));
        }
        log(
            Level::Detail,
            &format!(
                "{}: {} published item(s) keep their ids",
                c.location,
                published.len() - cmp.id_changes.len()
            ),
        );
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::Identity(format!(
        "refusing to push: subscribers would see duplicates\n  {}\nnothing was uploaded. Pin the published ids with `feedwright adopt-ids <feed URL>` or an `id` key, or push anyway with `feedwright push --force`",
        problems.join("\n  ")
    )))
}

struct Hubs {
    client: reqwest::blocking::Client,
    urls: Vec<String>,
    param: String,
}

#[allow(clippy::too_many_arguments)]
fn execute(
    target: &dyn Target,
    hubs: &Hubs,
    policy: &Policy,
    changes: Vec<Change>,
    state: &mut PushState,
    opts: &Options,
    state_file: &std::path::Path,
    log: Log<'_>,
) -> Result<Outcome> {
    let mut outcome = Outcome::default();
    let mut failed = None;
    for c in &changes {
        let upload = Upload {
            name: &c.file.name,
            bytes: &c.file.bytes,
            content_type: content_type(&c.file.name),
            condition: c.condition.clone(),
        };
        match retry::run(policy, || target.upload(&upload), |r| log_retry(log, r)) {
            Ok(stored) => {
                for folder in &stored.created {
                    log(Level::Info, &format!("created folder {folder}"));
                }
                state.files.insert(
                    c.file.name.clone(),
                    PushedFile {
                        url: c.location.clone(),
                        blake3: hash(&c.file.bytes),
                        size: c.file.bytes.len() as u64,
                        etag: stored.etag.clone(),
                        pushed_at: opts.now.to_rfc3339(),
                    },
                );
                if let Some(topic) = c.topic() {
                    for hub in &hubs.urls {
                        let ping = PendingPing {
                            hub: hub.clone(),
                            topic: topic.clone(),
                        };
                        if !state.pending_pings.contains(&ping) {
                            state.pending_pings.push(ping);
                        }
                    }
                }
                state.pending_pings.sort();
                // Record at once: a later failure must not make the next run resend this.
                state.save(state_file)?;
                outcome.uploaded.push(c.file.name.clone());
                log(
                    Level::Info,
                    &format!(
                        "uploaded {} -> {} ({})",
                        c.file.name, c.location, stored.answer
                    ),
                );
            }
            Err((f, attempts)) => {
                let mut note = match f.status() {
                    Some(412) => "the remote copy was left as it is".to_string(),
                    _ => String::from("the remote copy is unchanged or incomplete"),
                };
                if !outcome.uploaded.is_empty() {
                    note.push_str(&format!(
                        "; uploaded before the failure and recorded in {}: {} (the next push sends only what is missing)",
                        crate::content::display_path(state_file).display(),
                        outcome.uploaded.join(", ")
                    ));
                }
                let skipped: Vec<&str> = changes
                    .iter()
                    .skip_while(|x| x.file.name != c.file.name)
                    .skip(1)
                    .map(|x| x.file.name.as_str())
                    .collect();
                if !skipped.is_empty() {
                    note.push_str(&format!("; not attempted: {}", skipped.join(", ")));
                }
                failed = Some(failure_message(
                    &format!("{} was not uploaded", c.file.name),
                    &f,
                    attempts,
                    &note,
                ));
                break;
            }
        }
    }

    let ping_failures = ping_all(hubs, policy, state, log);
    outcome.pings = ping_failures.1;
    state.save(state_file)?;

    if let Some(message) = failed {
        return Err(Error::Publish(message));
    }
    if !ping_failures.0.is_empty() {
        return Err(Error::Publish(format!(
            "{} file(s) uploaded, but {} hub ping(s) failed; the upload stands, and the pings are retried on the next run:\n  {}",
            outcome.uploaded.len(),
            ping_failures.0.len(),
            ping_failures.0.join("\n  ")
        )));
    }
    Ok(outcome)
}

/// Pings every pending (hub, topic); returns the failures' messages and the count sent.
fn ping_all(
    hubs: &Hubs,
    policy: &Policy,
    state: &mut PushState,
    log: Log<'_>,
) -> (Vec<String>, usize) {
    let mut failures = Vec::new();
    let mut sent = 0;
    let mut still_pending = Vec::new();
    for p in std::mem::take(&mut state.pending_pings) {
        let Ok(hub) = url::Url::parse(&p.hub) else {
            continue;
        };
        let result = retry::run(
            policy,
            || super::websub::ping(&hubs.client, &hub, &hubs.param, &p.topic),
            |r| log_retry(log, r),
        );
        match result {
            Ok(answer) => {
                sent += 1;
                log(
                    Level::Info,
                    &format!("pinged hub {} for {} ({answer})", p.hub, p.topic),
                );
            }
            Err((f, attempts)) => {
                let line = format!(
                    "{} for {}: {} after {attempts} attempt(s); {}",
                    f.request,
                    p.topic,
                    f.answer,
                    f.hint()
                );
                log(Level::Warn, &format!("hub ping failed: {line}"));
                failures.push(line);
                still_pending.push(p);
            }
        }
    }
    state.pending_pings = still_pending;
    (failures, sent)
}

fn log_retry(log: Log<'_>, r: &Retrying<'_>) {
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
    );
}

/// The text for a failed upload: which file, which URL, what the server said, what to check.
fn failure_message(headline: &str, f: &Failure, attempts: u32, note: &str) -> String {
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

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::super::target::{Fetched, Stored};
    use super::*;

    fn file(name: &str, feed: bool, bytes: &str) -> PushFile {
        PushFile {
            name: name.into(),
            bytes: bytes.as_bytes().to_vec(),
            feed: feed.then(|| "reviews".into()),
            topic: feed.then(|| format!("https://films.example/feeds/{name}")),
        }
    }

    /// A target in memory: records uploads, fails the names listed in `fail`.
    #[derive(Default)]
    struct Memory {
        uploads: RefCell<Vec<(String, Condition)>>,
        fail: Vec<&'static str>,
    }

    impl Target for Memory {
        fn location(&self, name: &str) -> String {
            format!("mem:/{name}")
        }
        fn fetch(&self, _: &str) -> std::result::Result<Option<Fetched>, Failure> {
            Ok(None)
        }
        fn upload(&self, u: &Upload<'_>) -> std::result::Result<Stored, Failure> {
            if self.fail.contains(&u.name) {
                return Err(Failure {
                    kind: super::super::target::FailureKind::Status(403),
                    request: format!("PUT mem:/{}", u.name),
                    answer: "403 Forbidden".into(),
                    retry_after: None,
                });
            }
            self.uploads
                .borrow_mut()
                .push((u.name.to_string(), u.condition.clone()));
            Ok(Stored {
                etag: Some(format!("\"{}\"", u.bytes.len())),
                answer: "201 Created".into(),
                created: vec![],
            })
        }
    }

    #[test]
    fn main_feeds_go_after_what_they_point_at_and_before_indexes() {
        let mut tag = file("tags/noir.rss", false, "");
        tag.topic = Some("https://films.example/feeds/tags/noir.rss".into());
        let mut files = vec![
            file("reviews.rss", true, ""),
            file("index.opml", false, ""),
            file("cover.jpg", false, ""),
            tag,
            file("podcast.atom", true, ""),
            file("feed.xsl", false, ""),
        ];
        order(&mut files);
        let names: Vec<_> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "cover.jpg",
                "feed.xsl",
                "tags/noir.rss",
                "podcast.atom",
                "reviews.rss",
                "index.opml"
            ]
        );
    }

    #[test]
    fn changes_compare_hashes_and_pick_conditions() {
        let t = Memory::default();
        let files = vec![
            file("new.rss", true, "n"),
            file("same.rss", true, "s"),
            file("edited.rss", true, "e2"),
            file("moved.rss", true, "m"),
        ];
        let mut state = PushState::default();
        let rec = |url: &str, bytes: &str, etag: Option<&str>| PushedFile {
            url: url.into(),
            blake3: hash(bytes.as_bytes()),
            size: 1,
            etag: etag.map(String::from),
            pushed_at: "2026-11-19T09:00:00+00:00".into(),
        };
        state
            .files
            .insert("same.rss".into(), rec("mem:/same.rss", "s", Some("\"1\"")));
        state.files.insert(
            "edited.rss".into(),
            rec("mem:/edited.rss", "e1", Some("\"7\"")),
        );
        state
            .files
            .insert("moved.rss".into(), rec("old:/moved.rss", "m", None));
        let c = changes(&t, &files, &state, false);
        let got: Vec<_> = c
            .iter()
            .map(|c| (c.file.name.as_str(), &c.reason, &c.condition))
            .collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], ("new.rss", &Reason::New, &Condition::Absent));
        assert_eq!(got[1].0, "edited.rss");
        assert_eq!(got[1].2, &Condition::Matches("\"7\"".into()));
        assert_eq!(
            got[2].1,
            &Reason::Moved {
                from: "old:/moved.rss".into()
            }
        );
        assert_eq!(got[2].2, &Condition::Absent);

        let forced = changes(&t, &files, &state, true);
        assert_eq!(forced.len(), 4);
        assert!(forced.iter().all(|c| c.condition == Condition::Any));
        assert_eq!(forced[1].reason, Reason::Forced);
    }

    #[test]
    fn a_failure_keeps_what_uploaded_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let state_file = dir.path().join("push.toml");
        let t = Memory {
            fail: vec!["b.rss"],
            ..Default::default()
        };
        let files = vec![
            file("a.rss", true, "a"),
            file("b.rss", true, "b"),
            file("c.rss", true, "c"),
        ];
        let mut state = PushState::default();
        let c = changes(&t, &files, &state, false);
        let hubs = Hubs {
            client: super::super::http::upload_client(std::time::Duration::from_secs(1)).unwrap(),
            urls: vec![],
            param: "hub.url".into(),
        };
        let policy = Policy {
            retries: 0,
            base: std::time::Duration::ZERO,
            cap: std::time::Duration::ZERO,
        };
        let opts = Options {
            force: false,
            dry_run: false,
            now: DateTime::parse_from_rfc3339("2026-11-20T09:00:00Z").unwrap(),
        };
        let mut lines = Vec::new();
        let e = execute(
            &t,
            &hubs,
            &policy,
            c,
            &mut state,
            &opts,
            &state_file,
            &mut |_, l| lines.push(l.to_string()),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("b.rss was not uploaded"), "{e}");
        assert!(
            e.contains("403 Forbidden") && e.contains("permissions"),
            "{e}"
        );
        assert!(e.contains("not attempted: c.rss"), "{e}");
        let saved = PushState::load(&state_file).unwrap();
        assert_eq!(saved.files.keys().collect::<Vec<_>>(), ["a.rss"]);
        assert_eq!(saved.files["a.rss"].etag.as_deref(), Some("\"1\""));
        // The next run sends only what is missing.
        let next = changes(&t, &files, &saved, false);
        let names: Vec<_> = next.iter().map(|c| c.file.name.as_str()).collect();
        assert_eq!(names, ["b.rss", "c.rss"]);
    }
}
