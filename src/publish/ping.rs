//! Pinging the WebSub hubs for every (hub, topic) the push state owes: the pings queued by
//! this run's uploads and those that failed on an earlier run. A failed ping stays owed; it
//! never undoes an upload.

use std::time::Duration;

use super::push::{Level, Session, retrying};
use super::target::{Failure, FailureKind};
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

/// Sends every pending ping; returns the failures' messages and the number sent. A hub that
/// failed (after its retries) is not tried again in this run: each further ping would cost
/// its retries and timeouts again while the site stays locked. Its other pings stay owed,
/// and one line says so.
pub fn all(s: &mut Session<'_>) -> (Vec<String>, usize) {
    let mut failures = Vec::new();
    let mut sent = 0;
    let mut still_pending = Vec::new();
    // Each hub that failed in this run, with how many of its pings were then left untried.
    let mut dead: Vec<(String, usize)> = Vec::new();
    for p in std::mem::take(&mut s.state.pending_pings) {
        if let Some((_, skipped)) = dead.iter_mut().find(|(hub, _)| *hub == p.hub) {
            *skipped += 1;
            still_pending.push(p);
            continue;
        }
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
                    ping_hint(&f, HUB_PLACE)
                );
                s.say(Level::Warn, &format!("hub ping failed: {line}"));
                failures.push(line);
                dead.push((p.hub.clone(), 0));
                still_pending.push(p);
            }
        }
    }
    for (hub, skipped) in dead.into_iter().filter(|(_, n)| *n > 0) {
        let line = format!(
            "{hub}: {skipped} more ping(s) not tried in this run after it failed; they are owed to the next run"
        );
        s.say(Level::Warn, &line);
        failures.push(line);
    }
    s.state.pending_pings = still_pending;
    (failures, sent)
}

/// What to check after a failed ping to the address `place` names (`the hub's entry in
/// [publish] hubs`). [`Failure::hint`] speaks of `[publish] url`, where the files go, and of
/// credentials, which pings never carry.
pub(super) fn ping_hint(f: &Failure, place: &str) -> String {
    match f.kind {
        FailureKind::Connect => {
            format!("check that the server is up and that {place} names the right host and port")
        }
        FailureKind::Status(301 | 302 | 303 | 307 | 308) => format!(
            "the server redirects: set {place} to the final location (pings never follow redirects)"
        ),
        FailureKind::Status(401 | 403) => {
            format!("the server refused the ping, which carries no credentials: check {place}")
        }
        FailureKind::Status(404 | 405) => format!("nothing takes pings there: check {place}"),
        _ => f.hint().to_string(),
    }
}

/// Where a hub's address is set, for [`ping_hint`].
const HUB_PLACE: &str = "the hub's entry in [publish] hubs";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_ping_points_at_the_hubs_entry_not_at_the_upload_url() {
        let f = |kind| Failure {
            kind,
            request: "POST https://hub.example/".into(),
            answer: String::new(),
            retry_after: None,
        };
        assert_eq!(
            ping_hint(&f(FailureKind::Status(301)), HUB_PLACE),
            "the server redirects: set the hub's entry in [publish] hubs to the final location (pings never follow redirects)"
        );
        for kind in [
            FailureKind::Connect,
            FailureKind::Status(308),
            FailureKind::Status(404),
            FailureKind::Status(401),
        ] {
            let hint = ping_hint(&f(kind.clone()), HUB_PLACE);
            assert!(
                !hint.contains("[publish] url") && hint.contains(HUB_PLACE),
                "{kind:?}: {hint}"
            );
        }
    }
}
