//! Pinging the WebSub hubs for every (hub, topic) the push state owes: the pings queued by
//! this run's uploads and those that failed on an earlier run. A failed ping stays owed; it
//! never undoes an upload.

use std::time::Duration;

use super::push::{Level, Session, retrying};
use crate::error::Result;

/// The hubs of `[publish]` and the client that pings them.
pub struct Hubs {
    pub client: reqwest::blocking::Client,
    pub urls: Vec<String>,
    /// The form field that names the topic (`hub.url` or `hub.topic`).
    pub param: String,
}

impl Hubs {
    pub fn new(urls: Vec<String>, param: &str, timeout: Duration) -> Result<Hubs> {
        Ok(Hubs {
            client: super::http::upload_client(timeout)?,
            urls,
            param: param.to_string(),
        })
    }
}

/// Sends every pending ping; returns the failures' messages and the number sent.
pub fn all(s: &mut Session<'_>) -> (Vec<String>, usize) {
    let mut failures = Vec::new();
    let mut sent = 0;
    let mut still_pending = Vec::new();
    for p in std::mem::take(&mut s.state.pending_pings) {
        let Ok(hub) = url::Url::parse(&p.hub) else {
            continue;
        };
        let hubs = &s.hubs;
        let result = retrying(&s.policy, s.log, || {
            super::websub::ping(&hubs.client, &hub, &hubs.param, &p.topic)
        });
        match result {
            Ok(answer) => {
                sent += 1;
                s.say(
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
                s.say(Level::Warn, &format!("hub ping failed: {line}"));
                failures.push(line);
                still_pending.push(p);
            }
        }
    }
    s.state.pending_pings = still_pending;
    (failures, sent)
}
