//! The guards a build without a trusted state runs against what the output folder holds:
//! published entries the state has forgotten, nothing to compare with, and feeds that are
//! another site's. Each refuses (exit 4) before anything is staged, written or pushed.

use std::path::PathBuf;

use crate::config::Config;
use crate::content;
use crate::error::{Error, Result};
use crate::feed;
use crate::feed::read::PublishedFeed;
use crate::identity::compare::{PlannedEntry, Shown};
use crate::identity::{self, Identified, State};

/// With the state file gone or put back, a published item that no entry and no record of the
/// state has (its file removed since the state put back was written: `git reset --hard` of
/// content and state) would leave the feed without the warning a removal gets, and its id
/// would be free for the next entry of that name. Refused, naming each.
pub(super) fn forgotten(
    config: &Config,
    entries: &[PlannedEntry],
    (site_id, lost): (&str, &str),
    (published, state): (&[(PathBuf, PublishedFeed)], &State),
) -> Result<()> {
    let mut lines = Vec::new();
    // Each entry once, from the first file that has it (RSS, Atom and JSON Feed alike).
    let mut titles = std::collections::HashSet::new();
    for (path, feed) in published {
        let shown = Shown::of(feed.dialect, site_id);
        let known: std::collections::HashSet<_> =
            state.entries.iter().map(|r| shown.of_id(&r.id)).collect();
        let comparison = identity::compare::compare_feed(entries, feed, site_id);
        let unknown = comparison
            .vanished
            .iter()
            .filter(|(_, id)| !known.contains(id.as_str()));
        if !feed.items.is_empty() && unknown.count() == feed.items.len() {
            return Err(foreign(config, path, feed));
        }
        for (title, id) in comparison.vanished {
            if !known.contains(id.as_str()) && titles.insert(title.clone()) {
                let at = content::display_path(path);
                lines.push(format!("  \"{title}\" ({id}) in {}", at.display()));
            }
        }
    }
    if lines.is_empty() {
        return Ok(());
    }
    let more = lines.len().saturating_sub(MAX_LINES);
    lines.truncate(MAX_LINES);
    if more > 0 {
        lines.push(format!("  and {more} more"));
    }
    Err(Error::Identity(format!(
        "the state file {} {lost}, and published entries would leave the feeds unsaid, their ids free to be given again:\n{}\nrestore the state file the last build wrote (from git or a backup); if the entries were removed on purpose, run again with --allow-drop",
        content::display_path(&config.site.state_file).display(),
        lines.join("\n")
    )))
}

/// A main feed in the output folder whose items are all unknown to the state was written by
/// another site (two sites given one `output_dir`, or this state file another site's):
/// replacing it would take that site's entries out of its feed, unsaid. Refused. Only its
/// first item is read when that one is this site's, as it is on every build but the first.
pub(super) fn foreign_output(
    config: &Config,
    (site_id, items): (&str, &[Identified]),
    (previous, state): (&State, &State),
) -> Result<()> {
    use std::io::Read;
    // The last build's ids too: an `id` key changed since is no longer in the new state.
    let records = || previous.entries.iter().chain(&state.entries);
    // Every id as RSS and as Atom shows it (an Atom id is the id itself when that is a URI):
    // made only for a file whose first item is not found by a look through the records.
    let all = std::cell::OnceCell::new();
    let known = |id: &str, dialect: feed::read::Dialect| {
        let shown = Shown::of(dialect, site_id);
        all.get_or_init(|| {
            let rss = records().map(|r| r.id.to_string());
            let atom = records().map(|r| shown.of_id(&r.id).into_owned());
            rss.chain(atom)
                .collect::<std::collections::HashSet<String>>()
        })
        .contains(id)
    };
    let first_known = |id: &str, dialect: feed::read::Dialect| {
        records().any(|r| &*r.id == id)
            || dialect == feed::read::Dialect::Atom && known(id, dialect)
    };
    for feed_config in &config.feeds {
        for format in [crate::config::Format::Rss, crate::config::Format::Atom] {
            if !feed_config.formats.contains(&format) {
                continue;
            }
            let path = config.site.output_dir.join(feed_config.file_name(format));
            let Ok(file) = std::fs::File::open(&path) else {
                continue;
            };
            let dialect = match format {
                crate::config::Format::Atom => feed::read::Dialect::Atom,
                _ => feed::read::Dialect::Rss,
            };
            let mut head = String::new();
            let _ = file.take(64 * 1024).read_to_string(&mut head);
            if feed::read::first_item_id(&head).is_some_and(|id| first_known(&id, dialect)) {
                continue;
            }
            let Some(whole) = crate::small_file::read_text(&path, crate::small_file::MAX_OWN_FEED)
            else {
                continue;
            };
            let Ok(published) = feed::read::read_feed_whole(&whole) else {
                continue;
            };
            // An entry whose id changed since the file was written (an `id` key, the state
            // written but not the feeds: a full disk) is still known by its title.
            let titles = || {
                let key = |t: &str| t.trim().to_lowercase();
                let ours: std::collections::HashSet<String> =
                    items.iter().map(|i| key(&i.entry.title)).collect();
                published
                    .items
                    .iter()
                    .any(|p| ours.contains(&key(&p.title)))
            };
            if published.items.is_empty()
                || published
                    .items
                    .iter()
                    .any(|i| known(&i.id, published.dialect))
                || titles()
            {
                continue;
            }
            return Err(foreign(config, &path, &published));
        }
    }
    Ok(())
}

/// The refusal of a feed in the output folder that holds none of this site's entries.
fn foreign(config: &Config, path: &std::path::Path, published: &PublishedFeed) -> Error {
    Error::Identity(format!(
        "{} holds {} item(s), none of them this site's (its first is {}, in no record of {} and no entry): another site writes to this output folder, or the state file is another site's. Give each site its own output_dir; nothing was written",
        content::display_path(path).display(),
        published.items.len(),
        published.items.first().map_or("", |i| i.id.as_str()),
        content::display_path(&config.site.state_file).display()
    ))
}

/// How many entries a refusal lists.
const MAX_LINES: usize = 20;

/// With the state file gone or put back and no feed in the output folder to compare it with,
/// ids and dates could change unseen; a build here wrote a state before (the record of it
/// beside the state file says so), so entries may have been published. Refused.
pub(super) fn nothing_to_compare(config: &Config, lost: &str) -> Result<()> {
    let written = identity::last_written::path(&config.site.state_file);
    if !written.exists() {
        return Ok(());
    }
    Err(Error::Identity(format!(
        "the state file {} {lost}, and the output folder {} holds no feed to compare the ids and dates with; a build here wrote a state before ({} records it), so subscribers may have entries under ids and dates this build would not give again. Restore the state file the last build wrote (from git or a backup) and the feeds (or check them against the published ones: `feedwright check --against URL`); to give every entry new ids and dates on purpose, delete {} and build again",
        content::display_path(&config.site.state_file).display(),
        content::display_path(&config.site.output_dir).display(),
        content::display_path(&written).display(),
        content::display_path(&written).display()
    )))
}

/// Feeds the last build wrote that config.toml no longer has (renamed or removed): their files
/// in the output folder are left as they were, and stay on the server, no longer updated;
/// said once, by the build that finds them gone (an entry of theirs still in another feed
/// moves to it unsaid otherwise).
pub(super) fn feeds_gone(
    config: &Config,
    previous: Option<&State>,
) -> Vec<crate::error::Diagnostic> {
    let Some(previous) = previous else {
        return Vec::new();
    };
    let mut gone: Vec<&str> = previous
        .entries
        .iter()
        // Live records: a removed feed's entries are gone from the next state on, not said again.
        .filter(|r| r.gone.is_none())
        .map(|r| r.feed.as_ref())
        .filter(|f| !config.feeds.iter().any(|c| c.name == *f))
        .collect();
    gone.sort_unstable();
    gone.dedup();
    gone.into_iter()
        .map(|feed| {
            crate::error::Diagnostic::new(
                content::display_path(&config.path),
                None,
                format!(
                    "feed `{feed}` is no longer in config.toml (renamed or removed): its files in {} are left as they were, no longer updated; delete them there and on the server if subscribers should not find them",
                    content::display_path(&config.site.output_dir).display()
                ),
            )
        })
        .collect()
}

/// Tag feeds left in the output folder when no feed writes them any more (`tags` turned off):
/// they stay public as they were, an entry withdrawn since (a draft again, removed) in them
/// too, and nothing said so. `None` while a feed has `tags`, or the folder holds no feed file.
pub(super) fn tag_feeds_left(config: &Config) -> Option<crate::error::Diagnostic> {
    if config.feeds.iter().any(|f| f.tags) {
        return None;
    }
    let folder = config.site.output_dir.join(crate::config::TAGS_DIR);
    let feeds = std::fs::read_dir(&folder)
        .ok()?
        .filter_map(std::result::Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            [".rss", ".atom", ".json"]
                .iter()
                .any(|ext| name.ends_with(ext))
        })
        .count();
    (feeds > 0).then(|| {
        crate::error::Diagnostic::new(
            content::display_path(&folder),
            None,
            format!(
                "holds {feeds} tag feed file(s) no feed writes any more (no feed has `tags = true`): they are left as they were, no longer updated, with entries withdrawn since; delete the folder here and on the server if subscribers should not find them"
            ),
        )
    })
}

/// What the state the last build wrote held, as a published feed (its entries not gone, under
/// their ids and dates): the guards against a lost state compare with it as with the feeds in
/// the output folder, which a backup restores along with an older state.
pub(super) fn as_published(last: &State) -> (PathBuf, PublishedFeed) {
    let items = last
        .entries
        .iter()
        .filter(|r| r.gone.is_none())
        .map(|r| crate::feed::read::PublishedItem {
            id: r.id.to_string(),
            title: r.title.to_string(),
            link: None,
            published: Some(r.date),
        })
        .collect();
    let feed = PublishedFeed {
        dialect: crate::feed::read::Dialect::Rss,
        items,
        podcast_guid: None,
    };
    (PathBuf::from("the state the last build here wrote"), feed)
}
