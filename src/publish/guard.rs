//! The identity guard: before a published main feed (RSS or Atom) is replaced, GET it and
//! refuse when one of its items would come back under another id, since every subscriber
//! would see that item twice. Ids are compared in the published feed's own dialect (RSS guids
//! with guids, Atom ids with Atom ids), so an entry whose guid is not a URI passes.
//!
//! With `--take-over` the guard also looks at every file feedwright did not write (no record
//! in the push state): a copy that is there is replaced only if it passes, and only with
//! `If-Match` on the ETag of the very copy that was checked. Nothing is uploaded until every
//! file has passed.

use super::diff::{Change, Reason};
use super::push::{Level, Overwrite, Session, failure_message, retrying};
use super::target::{Condition, FailureKind, Fetched};
use crate::error::{Error, Result};
use crate::feed::read::read_feed;
use crate::identity::compare::{PlannedEntry, Shown, compare_feed};

/// What published feeds are compared with.
#[derive(Debug, Clone, Copy)]
pub struct Identities<'a> {
    /// The entries the build would publish.
    pub entries: &'a [PlannedEntry],
    /// The site id their Atom ids derive from (`identity::compare::feed_site_id`).
    pub site_id: &'a str,
}

/// Runs the guard over `changes`; with [`Overwrite::TakeOver`], turns the uploads of files
/// found on the remote into conditional replacements of the copies checked.
pub fn check(
    s: &mut Session<'_>,
    ids: &Identities<'_>,
    changes: &mut [Change<'_>],
    overwrite: Overwrite,
) -> Result<()> {
    let mut problems = Vec::new();
    let mut no_etag = Vec::new();
    for c in changes.iter_mut() {
        let compared = c.file.feed().is_some()
            && (c.file.name.ends_with(".rss") || c.file.name.ends_with(".atom"));
        let take_over = overwrite == Overwrite::TakeOver && c.condition == Condition::Absent;
        if c.file.feed().is_some() && !compared {
            s.say(
                Level::Detail,
                &format!(
                    "{}: only RSS and Atom are compared with the published copy",
                    c.file.name
                ),
            );
        }
        if !compared && !take_over {
            continue;
        }
        let Some(fetched) = fetch(s, c, compared)? else {
            s.say(
                Level::Detail,
                &format!("{} is not published yet: nothing to compare", c.location),
            );
            continue;
        };
        if compared {
            problems.extend(compare(s, ids, c, &fetched)?);
        }
        if take_over {
            match fetched.etag {
                Some(etag) => {
                    c.condition = Condition::Matches(etag);
                    c.reason = Reason::TakeOver;
                }
                None => no_etag.push(c.location.clone()),
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::Identity(format!(
            "refusing to push: subscribers would see duplicates\n  {}\nnothing was uploaded. Pin the published ids with `feedwright adopt-ids <feed URL>` or an `id` key, or push anyway with `feedwright push --force`",
            problems.join("\n  ")
        )));
    }
    if !no_etag.is_empty() {
        return Err(Error::Publish(format!(
            "cannot take over {}: the server sent no strong ETag with it, so it cannot be replaced on the condition that it is still the copy checked; nothing was uploaded. Look at it, then overwrite it with `feedwright push --force`",
            no_etag.join(", ")
        )));
    }
    Ok(())
}

/// The remote copy of `c`'s file, or `None` when there is none.
fn fetch(s: &mut Session<'_>, c: &Change<'_>, compared: bool) -> Result<Option<Fetched>> {
    let target = s.target;
    let name = &c.file.name;
    let fetched = retrying(&s.policy, s.log, || target.fetch(name));
    // A feed over the read-back cap that this push state says feedwright uploaded (the upload
    // replaces it only if it still is that copy, `If-Match`): it cannot be compared, and
    // refusing would stop every push of a site whose feed grew past the cap for good.
    if let (Err((f, _)), Condition::Matches(_)) = (&fetched, &c.condition)
        && f.kind == FailureKind::TooLarge
    {
        s.say(
            Level::Warn,
            &format!(
                "{} is over {} MB, too large to read back: its ids were not compared with the build (it is replaced only if it is still the copy feedwright uploaded last)",
                c.location,
                crate::net::FEED_CAP >> 20
            ),
        );
        return Ok(None);
    }
    fetched.map_err(|(f, attempts)| {
        let (headline, note) = if compared {
            (
                format!("cannot check the published {name} against the build (the identity guard)"),
                "nothing was uploaded; `--force` skips this check",
            )
        } else {
            (
                format!("cannot look at the published {name} before taking it over"),
                "nothing was uploaded",
            )
        };
        Error::Publish(failure_message(&headline, &f, attempts, note))
    })
}

/// The problems of replacing the published copy `fetched` of a main feed: ids that would
/// change or appear twice.
fn compare(
    s: &mut Session<'_>,
    ids: &Identities<'_>,
    c: &Change<'_>,
    fetched: &Fetched,
) -> Result<Vec<String>> {
    let text = crate::feed::read::decode_feed(&fetched.bytes);
    let published = text.and_then(|text| read_feed(&text)).map_err(|e| {
        Error::Identity(format!(
            "{} is not a feed feedwright can read ({e}): check what is there; `feedwright push --force` overwrites it",
            c.location
        ))
    })?;
    let feed = c.file.feed().unwrap_or_default();
    let mine = ids.entries.iter().filter(|e| e.feed() == feed);
    let cmp = compare_feed(mine, &published, ids.site_id);
    let mut problems = Vec::new();
    for (title, old, new) in &cmp.id_changes {
        problems.push(format!(
            "{}: \"{title}\" would change its id {old} -> {new}",
            c.file.name
        ));
    }
    for id in &cmp.duplicates {
        problems.push(format!("{}: id {id} would appear twice", c.file.name));
    }
    s.say(
        Level::Detail,
        &format!(
            "{}: {} published item(s) keep their ids ({} compared)",
            c.location,
            published.items.len() - cmp.id_changes.len(),
            Shown::of(published.dialect, ids.site_id).describe()
        ),
    );
    Ok(problems)
}
