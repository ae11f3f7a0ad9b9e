//! The identify stage: the site id, then every publishable entry's permanent id and dates from
//! the previous state (see [`identity::assign`]), and the guard that refuses a build whose
//! published ids would change because the state file is gone. Ids and dates are fixed here;
//! later stages only read them.

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset};

use super::gather::Parsed;
use super::problems::Problems;
use crate::config::Config;
use crate::content;
use crate::error::{Diagnostic, Error, Result};
use crate::feed;
use crate::feed::read::PublishedFeed;
use crate::identity::compare::{PlannedEntry, Shown};
use crate::identity::{self, Identified, State};

/// Every publishable entry with its id and dates, and the state that records them.
pub(super) struct Identity {
    /// The id every entry id and feed id derives from.
    pub site_id: String,
    /// In the order of the parsed entries.
    pub items: Vec<Identified>,
    /// The new state; the resolve stage still records media lengths and podcast guids in it.
    pub state: State,
}

/// The site id: `[site] id`, else the previous state's, else one derived from the host (with a
/// warning saying how to pin it). A `[site] id` other than the one the state recorded is
/// refused: every feed's Atom ids would change.
pub(super) fn site_id(
    config: &Config,
    previous: Option<&State>,
    problems: &mut Problems,
) -> Result<String> {
    match (&config.site.id, previous) {
        (Some(id), Some(state)) if *id != state.site_id => Err(Error::Identity(format!(
            "{}: [site] id is `{id}` but the state file {} recorded `{}` at the first build: \
             every feed's Atom ids would change and readers would show every entry again; \
             nothing was written. If you changed [site] id, set it back: id = \"{}\"; if \
             the state file is another site's (copied or checked out by mistake), restore \
             this site's state file instead",
            content::display_path(&config.path).display(),
            content::display_path(&config.site.state_file).display(),
            state.site_id,
            state.site_id,
        ))),
        // Feeds already out (a state file lost): their ids carry it, whatever it says.
        (Some(id), None) if any_feed_out(config) => Ok(id.clone()),
        (Some(id), None) => {
            let today = chrono::Utc::now().date_naive();
            // A day ahead: the site's own timezone may be in tomorrow already.
            let problem =
                crate::config::site_id::minting_date_problem(id, today + chrono::Days::new(1));
            match problem {
                Some(why) => Err(Error::config(
                    &content::display_path(&config.path),
                    crate::config::line_in_file(&config.path, "site", "id"),
                    format!(
                        "[site] id `{id}`: {why}; fix it now: the first build gives every entry an id made from it, kept for good"
                    ),
                )),
                None => Ok(id.clone()),
            }
        }
        (Some(id), Some(_)) => Ok(id.clone()),
        (None, Some(state)) => Ok(state.site_id.clone()),
        (None, None) => {
            // The id proposed is the one recorded: a `tag:` id here would differ from it.
            let id = identity::site_id_from_host(&config.site.base_url);
            let host = config.site.base_url.host_str().unwrap_or("");
            problems.warn(Diagnostic::new(
                &config.path,
                None,
                format!(
                    "[site] id is not set: ids are derived from the host `{host}` and recorded in the state file; pin it with `id = \"{id}\"` under [site]"
                ),
            ));
            Ok(id)
        }
    }
}

/// Whether a feed of `config` is in its output folder (built before, here or elsewhere).
fn any_feed_out(config: &Config) -> bool {
    let out = &config.site.output_dir;
    (config.feeds.iter()).any(|f| {
        f.formats
            .iter()
            .any(|&format| out.join(f.file_name(format)).exists())
    })
}

/// Gives every publishable entry its id and dates. Entries that cannot get one (a duplicate
/// `id` key, say) are errors; what changed since the last build (renames) becomes notes.
pub(super) fn identify(
    site_id: String,
    previous: Option<&State>,
    parsed: Parsed,
    now: DateTime<FixedOffset>,
    problems: &mut Problems,
) -> Identity {
    // The previous state itself, not a copy (11,000 records are megabytes).
    let fresh_state;
    let base_state = match previous {
        Some(state) => state,
        None => {
            fresh_state = State::new(site_id.clone());
            &fresh_state
        }
    };
    let assigned = identity::assign(
        &site_id,
        base_state,
        parsed.publishable,
        &parsed.present,
        now,
    );
    // Thousands of keys, freed by a core with nothing else to do.
    let present = parsed.present;
    rayon::spawn(move || drop(present));
    problems.errors.extend(assigned.errors);
    problems.notes.extend(assigned.notes);
    // What changes published entries is said as a warning, which `--quiet` shows.
    problems.changes.extend(assigned.gone);
    let moved = date_moves(&assigned.moved).into_iter();
    (problems.changes).extend(moved.map(|m| Diagnostic::new("", None, m.0)));
    let mut items = assigned.items;
    for item in &mut items {
        clamp_updated(item, now, problems);
    }
    problems.warnings.extend(first_seen_later(&items, now));
    Identity {
        site_id,
        items,
        state: assigned.state,
    }
}

/// Entries dated when a build first saw them, by a clock later than this build's (a clock a
/// few minutes behind, within what [`super::clock::guard`] lets pass): they stay in the feeds
/// with that date, and that is said once for all (an entry with a `date` key is said by
/// itself when it is read).
fn first_seen_later(items: &[Identified], now: DateTime<FixedOffset>) -> Option<Diagnostic> {
    let mut later = items.iter().filter(|it| seen_later(it, now));
    let first = later.next()?;
    let others = match later.count() {
        0 => String::new(),
        1 => " (and 1 other entry)".to_string(),
        n => format!(" (and {n} other entries)"),
    };
    Some(Diagnostic::new(
        &*first.entry.source,
        None,
        format!(
            "was first seen at {}, later than now{others}: published then, it stays in the feeds with that date (is the system clock behind?)",
            first.published().to_rfc3339()
        ),
    ))
}

/// Whether `it` is dated when a build first saw it, by a clock later than `now`.
pub(super) fn seen_later(it: &Identified, now: DateTime<FixedOffset>) -> bool {
    it.entry.date.is_none() && it.published() > now
}

/// What to say of published entries whose date changed: each one, or, when several moved by
/// the same amount (every date written without an offset, read in a changed `[site]
/// timezone`), one note for all. Readers may show a redated entry again, or move it.
fn date_moves(
    moved: &[(
        std::sync::Arc<str>,
        DateTime<FixedOffset>,
        DateTime<FixedOffset>,
    )],
) -> Vec<identity::Note> {
    let shift =
        |(_, before, now): &(_, DateTime<FixedOffset>, DateTime<FixedOffset>)| *now - *before;
    let same = moved.len() > 1 && moved.iter().all(|m| shift(m) == shift(&moved[0]));
    if same {
        let (first, ..) = &moved[0];
        let minutes = shift(&moved[0]).num_minutes();
        return vec![identity::Note(format!(
            "{} published entries ({first}, …) moved their date by {}h{:02}: was [site] timezone changed? A date written without an offset is read in it; readers may show these entries again",
            moved.len(),
            minutes / 60,
            (minutes % 60).abs()
        ))];
    }
    moved
        .iter()
        .map(|(source, before, now)| {
            identity::Note(format!(
                "{source}: its date changed from {} to {}; readers may show it again or move it",
                before.to_rfc3339(),
                now.to_rfc3339()
            ))
        })
        .collect()
}

/// An `updated` key later than now (a typo: 2062 for 2026) or earlier than the entry's date
/// would put the entry at the top of readers' lists forever, or before it existed: it is
/// clamped to the publication date, with a warning. The date is stable, so the clamped value
/// does not change from one build to the next.
fn clamp_updated(
    item: &mut identity::Identified,
    now: DateTime<FixedOffset>,
    problems: &mut Problems,
) {
    let Some(written) = item.entry.updated() else {
        return;
    };
    let why = if written > now {
        "is later than now"
    } else if written < item.published() {
        "is earlier than the entry's date"
    } else {
        return;
    };
    problems.warn(Diagnostic::new(
        &*item.entry.source,
        None,
        format!(
            "updated `{}` {why}; using the date `{}` instead: fix the `updated` key",
            written.to_rfc3339(),
            item.published().to_rfc3339()
        ),
    ));
    item.updated = item.published();
}

/// How the state file was lost, for the guards' messages.
pub(super) fn lost_state(config: &Config, previous: Option<&State>) -> &'static str {
    let written = identity::last_written::path(&config.site.state_file);
    match previous {
        None => "is missing",
        // `git clean -X`, a fresh clone with the feeds: nothing says which state wrote them.
        Some(_) if !written.exists() => {
            "is not known to be the one the last build here wrote (a fresh clone, or the hidden files beside it removed)"
        }
        Some(_) => "changed since the last build wrote it (restored from a backup?)",
    }
}

/// The feeds a previous build left in the output folder, each read and parsed once, in the
/// configured order, then their archive pages: what the guards below compare with when the
/// state file is gone (an entry only an archive page still lists was dated anew, unsaid).
pub(super) fn published_feeds(config: &Config) -> Vec<(PathBuf, PublishedFeed)> {
    let main = config.feeds.iter().flat_map(|feed| {
        feed.formats
            .iter()
            .map(|&f| (f, config.site.output_dir.join(feed.file_name(f))))
    });
    main.chain(
        config
            .feeds
            .iter()
            .flat_map(|feed| archive_pages(config, feed)),
    )
    .filter_map(|(format, path)| {
        let text = crate::small_file::read_text(&path, crate::small_file::MAX_OWN_FEED)?;
        let published = match format {
            crate::config::Format::Json => feed::read::read_json_feed(&text),
            _ => feed::read::read_feed_whole(&text),
        };
        Some((path, published.ok()?))
    })
    .collect()
}

/// The archive pages of `feed` in the output folder, page 1 on while one is there (whether
/// or not the feed still has `archive`: pages left by an earlier config were published too).
fn archive_pages<'a>(
    config: &'a Config,
    feed: &'a crate::config::FeedConfig,
) -> impl Iterator<Item = (crate::config::Format, PathBuf)> + 'a {
    let mut all = feed.clone();
    all.formats = vec![crate::config::Format::Rss, crate::config::Format::Atom];
    (1..)
        .map(move |number| {
            let files = feed::extras::archive_page_files(&all, number);
            let files = files
                .into_iter()
                .map(|(f, name)| (f, config.site.output_dir.join(name)));
            files.filter(|(_, path)| path.is_file()).collect::<Vec<_>>()
        })
        .take_while(|found| !found.is_empty())
        .flatten()
}

/// A podcast's `podcast:guid` is its identity for good (R68): with the state file gone, the
/// one a feed in the output folder carries is kept rather than a new one computed (which a
/// changed `feeds_url` would make different). Returns what to tell the user.
pub(super) fn keep_published_guids(
    config: &Config,
    published: &[(PathBuf, PublishedFeed)],
    state: &mut State,
    problems: &mut Problems,
) {
    for feed in config
        .feeds
        .iter()
        .filter(|f| f.podcast.as_ref().is_some_and(|p| p.guid.is_none()))
    {
        let path = config
            .site
            .output_dir
            .join(feed.file_name(crate::config::Format::Rss));
        let found = published.iter().find(|(p, _)| *p == path);
        let Some(guid) = found.and_then(|(_, f)| f.podcast_guid.as_ref()) else {
            continue;
        };
        if !state.podcast_guids.contains_key(&feed.name) {
            state.podcast_guids.insert(feed.name.clone(), guid.clone());
            problems.notes.push(identity::Note(format!(
                "feed `{}`: kept the podcast:guid {guid} of {} (the state file had none)",
                feed.name,
                content::display_path(&path).display()
            )));
        }
    }
}

/// With the state file gone, ids are derived again; entries renamed since the feeds in the
/// output folder were built would get new ids. That cannot be recovered silently: say which,
/// and how to keep the published ids.
pub(super) fn guard_lost_state(
    config: &Config,
    entries: &[PlannedEntry],
    (site_id, lost): (&str, &str),
    published: &[(PathBuf, PublishedFeed)],
) -> Result<()> {
    for (path, published) in published {
        let shown = content::display_path(path);
        // Like with like: an Atom file's ids with the Atom ids the entries would get.
        let comparison = identity::compare::compare_feed(entries, published, site_id);
        // An `id` key is the way to change an id on purpose: said as a note, never refused.
        let by_key = Shown::of(published.dialect, site_id);
        let pinned: std::collections::HashSet<_> = entries
            .iter()
            .filter(|e| e.explicit_id)
            .map(|e| by_key.of_id(&e.record.id))
            .collect();
        let lines: Vec<String> = comparison
            .id_changes
            .into_iter()
            .filter(|(_, _, new)| !pinned.contains(new.as_str()))
            .map(|(title, old, new)| {
                format!(
                    "  \"{title}\" is {old} in {}; it would become {new}",
                    shown.display()
                )
            })
            .collect();
        if !lines.is_empty() {
            return Err(Error::Identity(format!(
                "the state file {} {lost} and some published ids would change:\n{}\nrestore the state file the last build wrote, or keep the published ids with `feedwright adopt-ids {}`",
                content::display_path(&config.site.state_file).display(),
                lines.join("\n"),
                shown.display()
            )));
        }
    }
    Ok(())
}

/// What a state file edited by hand (its integrity line deleted) changes of the published
/// ids: each said once, as readers will show those entries again.
pub(super) fn edited_ids(
    config: &Config,
    entries: &[PlannedEntry],
    site_id: &str,
    published: &[(PathBuf, PublishedFeed)],
) -> Vec<Diagnostic> {
    let state = content::display_path(&config.site.state_file);
    let mut said = Vec::new();
    // Each entry once, from the first file that has it (its RSS and Atom ids change alike).
    let mut titles = std::collections::HashSet::new();
    for (path, published) in published {
        let comparison = identity::compare::compare_feed(entries, published, site_id);
        for (title, old, new) in comparison.id_changes {
            if titles.insert(title.clone()) {
                said.push(Diagnostic::new(
                    &state,
                    None,
                    format!(
                        "\"{title}\" was {old} in {}; the edited state file makes it {new}: readers will show it as a new entry",
                        content::display_path(path).display()
                    ),
                ));
            }
        }
    }
    said
}

/// The drop guard (see [`identity::drops`]): refuses a build that would take a large share of a
/// feed's published entries out of it because their files vanished, before anything is staged,
/// written or pushed.
pub(super) fn guard_drops(
    config: &Config,
    previous: Option<&identity::State>,
    next: &identity::State,
    left_out: &[std::sync::Arc<str>],
) -> Result<()> {
    let Some(previous) = previous else {
        return Ok(());
    };
    let drops = identity::drops::large_drops(previous, next, left_out, config.site.max_drop_share);
    if drops.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = drops
        .iter()
        .map(|d| match config.feeds.iter().any(|f| f.name == d.feed) {
            true => format!("  {d}"),
            // Its files are all there: the feed is what went.
            false => format!(
                "  feed `{}` is no longer in config.toml: its {} published entries would leave it",
                d.feed, d.published
            ),
        })
        .collect();
    Err(Error::Identity(format!(
        "refusing to build: subscribers would lose entries that were published before\n{}\nnothing was written or pushed. If the files were removed on purpose, run again with --allow-drop; if not, restore them (a renamed folder? check `source` in config.toml). [site] max_drop_share = {} sets how much may go in one build",
        lines.join("\n"),
        config.site.max_drop_share
    )))
}

/// With the state file gone, an entry without a `date` key would be dated by this build (the
/// time it is first seen), while readers already have it under its first date: its place in
/// every reader's list would move. Refused like a changed id, naming each entry and the date
/// to pin.
pub(super) fn guard_lost_dates(
    config: &Config,
    items: &[Identified],
    (site_id, lost): (&str, &str),
    published: &[(PathBuf, PublishedFeed)],
) -> Result<()> {
    let undated: Vec<&Identified> = items.iter().filter(|i| i.entry.date.is_none()).collect();
    if undated.is_empty() {
        return Ok(());
    }
    let mut lines: Vec<(String, String)> = Vec::new();
    for (path, published) in published {
        let dates: std::collections::HashMap<&str, DateTime<FixedOffset>> = published
            .items
            .iter()
            .filter_map(|p| Some((p.id.as_str(), p.published?)))
            .collect();
        let shown = Shown::of(published.dialect, site_id);
        for item in &undated {
            if let Some(&old) = dates.get(shown.of_id(item.id()).as_ref())
                && old != item.published()
                && !lines
                    .iter()
                    .any(|(source, _)| **source == *item.entry.source)
            {
                let now = item.published().with_timezone(&config.site.timezone);
                // Pinned as the file's kind writes a date: a key, or a plain-text header line.
                let pin = match item.entry.kind {
                    content::BodyKind::Text => format!("Date: {}", old.to_rfc3339()),
                    content::BodyKind::Markdown => format!("date = \"{}\"", old.to_rfc3339()),
                };
                lines.push((
                    item.entry.source.to_string(),
                    format!(
                        "  {}: published {} in {}; it would be dated {} now: add `{pin}`",
                        item.entry.source,
                        old.to_rfc3339(),
                        content::display_path(path).display(),
                        now.fixed_offset().to_rfc3339(),
                    ),
                ));
            }
        }
    }
    if lines.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = lines.into_iter().map(|(_, l)| l).collect();
    Err(Error::Identity(format!(
        "the state file {} {lost} and entries without a `date` key would get a new date:\n{}\nrestore the state file the last build wrote, or pin each date with its `date` key",
        content::display_path(&config.site.state_file).display(),
        lines.join("\n")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    /// A changed timezone moves every date written without an offset by one amount: said once.
    #[test]
    fn dates_moved_together_are_one_note_alone_each_its_own() {
        let moved = |entries: &[(&str, &str, &str)]| {
            let list: Vec<_> = entries
                .iter()
                .map(|(s, a, b)| (std::sync::Arc::from(*s), at(a), at(b)))
                .collect();
            date_moves(&list)
                .into_iter()
                .map(|n| n.0)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            moved(&[
                (
                    "a.md",
                    "2026-11-01T10:00:00-05:00",
                    "2026-11-01T10:00:00+00:00"
                ),
                (
                    "b.md",
                    "2026-11-02T10:00:00-05:00",
                    "2026-11-02T10:00:00+00:00"
                ),
            ]),
            [
                "2 published entries (a.md, …) moved their date by -5h00: was [site] timezone changed? A date written without an offset is read in it; readers may show these entries again"
            ]
        );
        assert_eq!(
            moved(&[("a.md", "2026-11-01T10:00:00Z", "2026-11-02T10:00:00Z")]),
            [
                "a.md: its date changed from 2026-11-01T10:00:00+00:00 to 2026-11-02T10:00:00+00:00; readers may show it again or move it"
            ]
        );
        assert!(moved(&[]).is_empty());
    }
}
