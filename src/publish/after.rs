//! What runs after a push that changed something, each off by default: Podcast Index's
//! no-key `hub/pubnotify` for changed podcast feeds, and the `after_push` shell commands
//! (a CDN purge), given the changed keys. Neither undoes the upload when it fails.

use std::path::PathBuf;

use url::Url;

use super::diff::Change;
use super::push::{Level, Session, retrying};
use super::target::Failure;
use crate::error::{Error, Result};

/// The `[publish]` settings for after a push.
#[derive(Debug, Clone, Default)]
pub struct After {
    /// `after_push`: shell commands.
    pub commands: Vec<String>,
    /// Where the commands run (the config's folder).
    pub dir: PathBuf,
    /// Podcast Index's base URL, when `podcast_index_ping` is on.
    pub podcast_index: Option<Url>,
    /// The feeds that are podcasts: only their feed files are announced there.
    pub podcast_feeds: Vec<String>,
}

/// Tells Podcast Index about each podcast feed file uploaded; a failure is a warning (the
/// index also polls), and returns how many were told.
pub fn podcast_index(s: &mut Session<'_>, changes: &[Change<'_>], uploaded: &[String]) -> usize {
    let Some(base) = s.after.podcast_index.clone() else {
        return 0;
    };
    let mut told = 0;
    for c in changes.iter().filter(|c| uploaded.contains(&c.file.name)) {
        let podcast = c
            .file
            .feed()
            .is_some_and(|f| s.after.podcast_feeds.iter().any(|p| p == f));
        let Some(topic) = c.topic().filter(|_| podcast).cloned() else {
            continue;
        };
        let Ok(mut url) = base.join("api/1.0/hub/pubnotify") else {
            continue;
        };
        url.query_pairs_mut().append_pair("url", &topic);
        let client = &s.hubs.client;
        let result = retrying(&s.policy, s.log, || notify(client, &url));
        match result {
            Ok(answer) => {
                told += 1;
                s.say(
                    Level::Info,
                    &format!("told Podcast Index about {topic} ({answer})"),
                );
            }
            Err((f, _)) => s.say(
                Level::Warn,
                &format!(
                    "Podcast Index was not told about {topic}: {}: {} ({})",
                    f.request,
                    f.answer,
                    super::ping::ping_hint(&f, "[publish] podcast_index_url")
                ),
            ),
        }
    }
    told
}

fn notify(client: &reqwest::blocking::Client, url: &Url) -> std::result::Result<String, Failure> {
    let what = format!("GET {}", super::http::redact(url.as_str()));
    let response = client
        .get(url.clone())
        .send()
        .map_err(|e| super::http::transport_failure(&what, &e))?;
    if response.status().is_success() {
        Ok(super::http::status_text(response.status()))
    } else {
        Err(super::http::status_failure(&what, response, &|t: &str| {
            t.to_string()
        }))
    }
}

/// Runs each `after_push` command with `sh -c`, the changed keys as its arguments and, one
/// per line, in `FEEDWRIGHT_CHANGED_KEYS`. Its output is its own; a failure is reported
/// after the push, which stands.
pub fn run_commands(after: &After, keys: &[String]) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    for command in &after.commands {
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .arg("feedwright-after-push")
            .args(keys)
            .env("FEEDWRIGHT_CHANGED_KEYS", keys.join("\n"))
            .current_dir(&after.dir)
            .status();
        let why = match status {
            Ok(s) if s.success() => continue,
            Ok(s) => match s.code() {
                Some(code) => format!("exited with status {code}"),
                None => "was killed by a signal".to_string(),
            },
            Err(e) => format!("could not start: {e}"),
        };
        return Err(Error::Publish(format!(
            "[publish] after_push command `{command}` {why}; the push itself succeeded ({} key(s) changed): fix the command, then run it by hand for this push",
            keys.len()
        )));
    }
    Ok(())
}
