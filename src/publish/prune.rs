//! `--prune`: files feedwright uploaded before (the push state says where) that the build no
//! longer makes (a removed tag feed, an archive page, an episode's audio) are deleted after
//! everything else is uploaded, so nothing still points at them. Never a file the state does
//! not record at this very location: feedwright deletes only what it wrote, and only the copy
//! it wrote (`If-Match` on the recorded ETag, as an update would carry; `--force` drops it).

use super::diff::guard_of;
use super::files::Upload;
use super::push::{Level, Overwrite, Session, failure_message, retrying};
use super::state::PushState;
use super::target::{Condition, Target};
use crate::error::Result;

/// One file to delete, and the precondition its DELETE carries.
pub type Deletion = (String, Condition);

/// The names recorded in `state` at their current location that `files` no longer holds.
/// Media count only while `media` is on: turning media off must not delete the audio.
pub fn removed(
    target: &dyn Target,
    files: &[Upload],
    state: &PushState,
    media: bool,
) -> Vec<String> {
    state
        .files
        .iter()
        .filter(|(name, record)| {
            (media || !record.media)
                && record.url == target.location(name)
                && !files.iter().any(|f| &&f.name == name)
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// `names` with the precondition each DELETE carries: the copy recorded in `state` (none
/// with `--force`).
pub fn deletions(names: &[String], state: &PushState, overwrite: Overwrite) -> Vec<Deletion> {
    names
        .iter()
        .map(|name| {
            let condition = match state.files.get(name) {
                Some(record) if overwrite != Overwrite::Force => guard_of(record),
                _ => Condition::Any,
            };
            (name.clone(), condition)
        })
        .collect()
}

/// Deletes `deleting`, dropping each from the state as it goes. Returns the names deleted
/// and the message of the first failure.
pub fn all(s: &mut Session<'_>, deleting: &[Deletion]) -> Result<(Vec<String>, Option<String>)> {
    let mut deleted = Vec::new();
    for (name, condition) in deleting {
        let target = s.target;
        let location = target.location(name);
        match retrying(&s.policy, s.log, || target.delete(name, condition)) {
            Ok(answer) => {
                s.state.files.remove(name);
                s.state.save(s.state_file)?;
                s.say(
                    Level::Info,
                    &format!("deleted {name} -> {location} ({answer}; no longer built)"),
                );
                deleted.push(name.clone());
            }
            Err((f, attempts)) => {
                let note = if f.status() == Some(412) {
                    "the remote copy was left as it is: someone replaced it since the last push; look at it, then `feedwright push --prune --force` deletes it anyway; everything else was uploaded"
                } else {
                    "everything else was uploaded; the next `feedwright push --prune` tries again"
                };
                let message =
                    failure_message(&format!("{name} was not deleted"), &f, attempts, note);
                return Ok((deleted, Some(message)));
            }
        }
    }
    Ok((deleted, None))
}
