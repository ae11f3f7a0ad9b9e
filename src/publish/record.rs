//! Recording an upload in the push state, at once: a later failure must not make the next run
//! send this file again, and the hub pings it owes survive a crash before they are sent.

use super::diff::Change;
use super::push::Session;
use super::state::{PendingPing, PushedFile};
use super::target::Stored;
use crate::error::Result;

/// Records that `c` was stored, queues its pings, and saves the state.
pub fn uploaded(s: &mut Session<'_>, c: &Change<'_>, stored: &Stored) -> Result<()> {
    // A server that echoes a credential in a validator would have it written into the push
    // state, a file people commit: the validator is not kept (the next push then guards the
    // file as it guards one whose server gives none).
    let target = s.target;
    let kept = |v: &Option<String>| v.clone().filter(|v| !target.echoes_secret(v));
    let (etag, last_modified) = (kept(&stored.etag), kept(&stored.last_modified));
    if etag != stored.etag || last_modified != stored.last_modified {
        let line = format!(
            "{}: the server's validator for it holds the upload secret; it is not recorded",
            c.location
        );
        s.say(super::push::Level::Warn, &line);
    }
    s.state.files.insert(
        c.file.name.clone(),
        PushedFile {
            url: c.location.clone(),
            // `Upload::read` checked that the bytes sent are the ones hashed.
            blake3: c.file.hash.clone(),
            size: c.file.len,
            etag,
            last_modified,
            pushed_at: s.now.to_rfc3339(),
            mtime: c.file.mtime,
            media: c.file.role == super::files::Role::Media,
        },
    );
    if let Some(topic) = c.topic() {
        for hub in &s.hubs.urls {
            let ping = PendingPing {
                hub: hub.clone(),
                topic: topic.clone(),
            };
            if !s.state.pending_pings.contains(&ping) {
                s.state.pending_pings.push(ping);
            }
        }
    }
    s.state.pending_pings.sort();
    s.state.save(s.state_file)?;
    Ok(())
}
