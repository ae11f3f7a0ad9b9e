//! `--prune`: files feedwright uploaded before (the push state says where) that the build no
//! longer makes (a removed tag feed, an archive page, an episode's audio) are deleted after
//! everything else is uploaded, so nothing still points at them. Never a file the state does
//! not record at this very location: feedwright deletes only what it wrote.

use super::files::Upload;
use super::push::{Level, Session, failure_message, retrying};
use super::state::PushState;
use super::target::Target;
use crate::error::Result;

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

/// Deletes `names`, dropping each from the state as it goes. Returns the names deleted and
/// the message of the first failure.
pub fn all(s: &mut Session<'_>, names: &[String]) -> Result<(Vec<String>, Option<String>)> {
    let mut deleted = Vec::new();
    for name in names {
        let target = s.target;
        let location = target.location(name);
        match retrying(&s.policy, s.log, || target.delete(name)) {
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
                let message = failure_message(
                    &format!("{name} was not deleted"),
                    &f,
                    attempts,
                    "everything else was uploaded; the next `feedwright push --prune` tries again",
                );
                return Ok((deleted, Some(message)));
            }
        }
    }
    Ok((deleted, None))
}
