//! A build as an ordered list of stages, each a function from plain data to plain data:
//! gather (read the state and the sources), parse (sort the entries out by feed), identify
//! (permanent ids and dates), resolve (links, enclosures, podcast channels; the state is final
//! after it), render documents, then the engine renders, checks and stages every file and the
//! last stage turns those into the plan's outputs. [`plan_with`] runs them in that order, in
//! memory; [`write()`] then puts the result on disk, state first. Problems found on the way are
//! gathered in one `Problems` list (`problems.rs`); the plan stops where a later stage
//! needs the earlier ones to have succeeded.
//!
//! Files: `plan` (the types handed to callers), `problems`, one file per stage (`gather`,
//! `identify`, `resolve`, `render`, `stage`), `engine` (how the work is spread over the cores),
//! `stream` (a feed given in parts, to its temp file or nowhere), `walk` (the scan's walk and
//! stats) and `write`.

pub mod bodies;
pub mod cache;
mod clock;
mod engine;
mod fresh;
mod gather;
mod guards;
mod hint_file;
mod identify;
mod links;
pub mod media_files;
pub mod memory;
mod page_plan;
mod pages;
mod picked;
mod plan;
mod problems;
mod render;
mod resolve;
mod reuse;
mod sealing;
mod side_file;
pub mod spans;
mod stage;
mod stat;
mod state_copy;
mod stream;
mod walk;
mod write;

use chrono::{DateTime, FixedOffset};

pub use bodies::KeptBodies;
pub use gather::Reusing;
pub use links::item_url;
pub use pages::Pages;
pub use plan::{OutputFile, Plan, PlanOptions, Staged};
pub use render::PageRecords;
pub use resolve::feed_url;
pub use reuse::Reuse;
pub use state_copy::StateText;
pub use write::{Written, write};

use crate::config::Config;
use crate::error::Result;
use crate::identity;
use problems::Problems;

/// Reads everything and renders every feed, writing nothing. All-or-nothing: any invalid entry
/// fails the whole plan.
pub fn plan(config: &Config, now: DateTime<FixedOffset>) -> Result<Plan> {
    let options = PlanOptions {
        keep_entries: true,
        ..PlanOptions::default()
    };
    plan_with(config, now, options)
}

/// [`plan`] with options.
pub fn plan_with(
    config: &Config,
    now: DateTime<FixedOffset>,
    options: PlanOptions,
) -> Result<Plan> {
    plan_reusing(config, now, options, None)
}

/// [`plan_with`] over the sources a content-cache scan found, reading only those whose stat
/// changed since the last build parsed them (see [`cache`]).
pub fn plan_reusing(
    config: &Config,
    now: DateTime<FixedOffset>,
    options: PlanOptions,
    reusing: Option<Reusing<'_>>,
) -> Result<Plan> {
    let mut spans = spans::Spans::start();
    memory::return_at_once();
    if options.stage {
        // Leftovers of a killed run; ours are made from here on, the side file's first (the
        // caller holds the run lock).
        stage::clean_leftovers(config);
    }
    let (mut gathered, streamed) = match fresh::gather(config, reusing, now, options) {
        Some((gathered, streamed)) => {
            spans.mark("gather (sources; a first build's records streamed)");
            (gathered, Some(streamed))
        }
        None => {
            let gathered = gather::gather(config, reusing)?;
            spans.mark("gather (state file, sources)");
            (gathered, None)
        }
    };
    let side_file = std::mem::take(&mut gathered.side_file);
    let plan = plan_gathered(
        config,
        (now, options),
        (reusing, &side_file),
        (gathered, streamed),
        spans,
    )?;
    Ok(Plan { side_file, ..plan })
}

/// [`plan_reusing`] once the sources are read.
fn plan_gathered(
    config: &Config,
    (now, options): (DateTime<FixedOffset>, PlanOptions),
    (reusing, side_file): (Option<Reusing<'_>>, &sealing::Begun),
    (gathered, streamed): (gather::Gathered, Option<fresh::Streamed>),
    mut spans: spans::Spans,
) -> Result<Plan> {
    let mut problems = Problems::new(options.keep_going);
    let pages = reusing.and_then(|r| r.pages);
    let no_bodies = KeptBodies::default();
    let bodies = reusing.and_then(|r| r.bodies).unwrap_or(&no_bodies);
    let previous_state = gathered.previous_state;
    let previous_text = gathered.previous_text;
    let site_id = identify::site_id(config, previous_state.as_ref(), &mut problems)?;
    let accepted = clock::accepted(previous_state.as_ref(), (now, options), &mut problems);
    let base_state = accepted.as_ref().or(previous_state.as_ref());
    let published = clock::Published::new(previous_state.as_ref());
    let mut parsed = gather::parse(config, gathered.sources, (now, published), &mut problems);
    let future = parsed.horizon;
    let left_out = std::mem::take(&mut parsed.left_out);
    let scheduled = std::mem::take(&mut parsed.scheduled);
    spans.mark("parse");
    problems
        .changes
        .extend(guards::feeds_gone(config, previous_state.as_ref()));
    problems.changes.extend(guards::tag_feeds_left(config));
    let mut identity = identify::identify(site_id, base_state, parsed, now, &mut problems);
    problems
        .errors
        .extend(media_files::clashes(config, &identity.items));
    spans.mark("identify");
    resolve::check_channels(config, &mut problems);

    // Every later stage needs every entry to have its id.
    problems.stop_on_errors()?;

    let horizon = horizon(config, future, &identity.items, now);
    let inputs = local_inputs(config, &identity.items);
    let entries = links_and_lost_state(
        config,
        &mut identity,
        (&previous_state, options, reusing),
        &mut problems,
    )?;
    // A first build whose records were streamed holds only the entries the feeds read.
    let entry_count = streamed
        .as_ref()
        .map_or(identity.items.len(), |s| s.records);
    if !options.allow_drop {
        clock::guard(config, previous_state.as_ref(), now)?;
        identify::guard_drops(config, previous_state.as_ref(), &identity.state, &left_out)?;
    }
    let mut resolved = resolve::feeds(config, &identity.items, identity.state, &problems);
    let items = picked::keep_picked(identity.items, &mut resolved.feeds);
    want_newest_bodies(bodies, &resolved.feeds, &items);
    let mut lasting_notes = scheduled;
    lasting_notes.extend(hide_expired_owner_emails(config, &mut resolved.feeds, now));
    problems.notes.extend(lasting_notes.iter().cloned());
    let state = resolved.state;
    spans.mark("links, guards, resolve");
    memory::keep_for_reuse();

    let files = options.files();
    let state_file = engine::StateFile {
        new: &state,
        previous: previous_state.as_ref(),
        previous_text,
        side_file,
        streamed,
    };
    // The state is final: it is staged on another core while the documents and files render
    // (a build that then fails drops it, and its temp file with it).
    let mut state_staged = None;
    let rendered = rayon::scope(|scope| {
        let staged = &mut state_staged;
        scope.spawn(move |_| *staged = Some(engine::stage_state(config, files, state_file)));
        let feeds = resolved.feeds;
        let mut documents =
            render::documents(config, &identity.site_id, feeds, &items, (pages, bodies))?;
        let page_records = documents.take_page_records();
        for feed in &mut documents.feeds {
            problems.take_entry_problems(&mut feed.problems);
        }
        // Nothing is rendered for a build that is going to fail anyway.
        problems.stop_on_errors()?;
        spans.mark("render documents");
        let finished = engine::run((config, bodies), files, &documents.feeds, items);
        Ok::<_, crate::error::Error>((documents, page_records, finished))
    });
    let state_staged = state_staged.expect("the scope waited for it");
    let (mut documents, mut page_records, finished) = rendered?;
    spans.mark("engine (bodies, files), state staged");
    record_quiet_main_documents(&mut page_records, &mut documents, &finished);
    let outputs = stage::outputs(config, documents, (finished, state_staged), &mut problems)?;
    spans.mark("outputs");

    let (warnings, said_once) = problems.take_all_warnings();
    Ok(Plan {
        outputs: outputs.files,
        entries,
        entry_count,
        state: state.into_inner(),
        previous_state,
        warnings,
        said_once,
        notes: problems.notes,
        lasting_notes,
        skipped: problems.skipped,
        state_staged: outputs.state_staged,
        state_text: outputs.state_text,
        pages: page_records,
        horizon,
        inputs,
        side_file: sealing::Begun::default(),
    })
}

/// The bodies to keep for the next build: each feed's newest (see [`KeptBodies`]).
fn want_newest_bodies(
    bodies: &KeptBodies,
    feeds: &[resolve::FeedItems<'_>],
    items: &[identity::Identified],
) {
    bodies.want(feeds.iter().flat_map(|f| {
        let newest = f.picks.iter().take(f.feed.limit.saturating_mul(2));
        newest.map(|p| items[p.at].entry.source.to_string())
    }));
}

/// Each entry's link, checked; and, for a build without its state file (or with one restored
/// from elsewhere), the guards against ids and dates changing from those the feeds in the
/// output folder published (each feed read once for both), and the podcast guids kept.
fn links_and_lost_state(
    config: &Config,
    identity: &mut identify::Identity,
    (previous_state, options, reusing): (
        &Option<identity::State>,
        PlanOptions,
        Option<Reusing<'_>>,
    ),
    problems: &mut Problems,
) -> Result<Vec<identity::compare::PlannedEntry>> {
    let lost = identify::lost_state(config, previous_state.as_ref());
    let put_back = identity::last_written::put_back(
        &config.site.state_file,
        previous_state.as_ref(),
        options.state_replaced,
    );
    let guarded = (previous_state.is_none() || put_back) && !options.allow_id_changes;
    // Edited by hand (its integrity line deleted): what it changes is done, and said.
    let edited = !guarded && previous_state.as_ref().is_some_and(|s| s.unsealed);
    let mut published = if guarded || edited {
        identify::published_feeds(config)
    } else {
        Vec::new()
    };
    let keep = options.keep_entries || !published.is_empty();
    let entries = links::checked_links(config, &identity.items, keep, problems)?;
    if guarded {
        let ids = (identity.site_id.as_str(), lost);
        if published.is_empty() && !identity.items.is_empty() {
            guards::nothing_to_compare(config, lost)?;
        }
        identify::guard_lost_state(config, &entries, ids, &published)?;
        // The state the last build wrote, when its copy is there: what the feeds put back
        // with the state (a backup, `git reset --hard`) no longer show.
        // Not once `.written` is deleted: the way to start over with new dates on purpose.
        let recorded = identity::last_written::path(&config.site.state_file).exists();
        // The content cache's copy of it, decoded only here.
        let copy = reusing
            .and_then(|r| r.reuse?.state_copy())
            .filter(|_| recorded);
        let last = copy.and_then(state_copy::last_written);
        published.extend(last.as_ref().map(guards::as_published));
        identify::guard_lost_dates(config, &identity.items, ids, &published)?;
        if !options.allow_drop {
            let against = (published.as_slice(), &identity.state);
            guards::forgotten(config, &entries, ids, against)?;
        }
    }
    if let (false, false, Some(previous)) = (guarded, edited, previous_state) {
        let states = (previous, &identity.state);
        let ours = (identity.site_id.as_str(), identity.items.as_slice());
        guards::foreign_output(config, ours, states)?;
    }
    if edited {
        let changed = identify::edited_ids(config, &entries, &identity.site_id, &published);
        problems.changes.extend(changed);
    }
    identify::keep_published_guids(config, &published, &mut identity.state, problems);
    Ok(entries)
}

/// A feed's files may be left as they are next time only if rendering said nothing: the
/// digests of the main documents whose bodies were quiet go with the page records.
fn record_quiet_main_documents(
    records: &mut PageRecords,
    documents: &mut render::Documents<'_>,
    finished: &engine::Finished,
) {
    for (feed, warned) in documents.feeds.iter_mut().zip(&finished.body_warned) {
        if !warned {
            records.files.append(&mut feed.main_digests);
        }
    }
}

/// Leaves the owner's e-mail out of each podcast whose `owner_email_until` has passed; the
/// notes that say so (said by every build while it lasts).
fn hide_expired_owner_emails(
    config: &Config,
    feeds: &mut [resolve::FeedItems<'_>],
    now: DateTime<FixedOffset>,
) -> Vec<identity::Note> {
    let today = now.with_timezone(&config.site.timezone).date_naive();
    let mut notes = Vec::new();
    for f in feeds {
        if let Some(p) = &mut f.podcast
            && let Some(note) =
                crate::feed::podcast::hide_expired_owner_email(&f.feed.name, p, today)
        {
            notes.push(identity::Note(note));
        }
    }
    notes
}

/// The earliest time after `now` at which the output changes by time alone: the first
/// future-dated entry appears (`future`), or an `updated` key later than now stops being
/// clamped. Whatever else makes the output depend on the time must be added here, or the
/// content cache would keep an output that a build without it changes.
fn horizon(
    config: &Config,
    future: Option<DateTime<FixedOffset>>,
    items: &[identity::Identified],
    now: DateTime<FixedOffset>,
) -> Option<DateTime<FixedOffset>> {
    // An entry first seen by a build whose clock was later is said to be so until then.
    let first_seen_later = items
        .iter()
        .filter(|i| identify::seen_later(i, now))
        .map(identity::Identified::published);
    items
        .iter()
        .filter_map(|i| i.entry.updated().filter(|&u| u > now))
        .chain(first_seen_later)
        .chain(future)
        .chain(owner_email_ends(config).filter(|&end| end > now))
        .min()
}

/// The first moment a podcast's `owner_email_until` day is over (in the site's timezone):
/// from then on the feed is written without the owner's e-mail.
fn owner_email_ends(config: &Config) -> Option<DateTime<FixedOffset>> {
    config
        .feeds
        .iter()
        .filter_map(|f| f.podcast.as_ref()?.owner_email_until?.succ_opt())
        .filter_map(|day| {
            let midnight = day.and_hms_opt(0, 0, 0)?;
            let local = midnight
                .and_local_timezone(config.site.timezone)
                .earliest()?;
            Some(local.fixed_offset())
        })
        .min()
}

/// Local files the output depends on besides the sources: each episode's local audio (its
/// size is the enclosure's length, its frames the duration), the files beside the notes that
/// its art, transcripts and chapter images name (checked by their bytes; one that is missing
/// keeps the cache from being written, since its appearing would change the feed) and each
/// podcast's local artwork.
fn local_inputs(config: &Config, items: &[identity::Identified]) -> Vec<std::path::PathBuf> {
    use crate::config::podcast::Artwork;
    use crate::content::episode::AudioSource;
    let episodes = items.iter().filter_map(|i| i.entry.episode());
    let audio = episodes
        .clone()
        .filter_map(|ep| match ep.audio.as_ref()? {
            AudioSource::Local(path) => Some(path.clone()),
            AudioSource::Remote(_) => None,
        })
        .chain(episodes.flat_map(media_files::local_references));
    let art = config
        .feeds
        .iter()
        .filter_map(|f| match f.podcast.as_ref()?.image.as_ref()? {
            Artwork::Local { path, .. } => Some(path.clone()),
            Artwork::Remote(_) => None,
        });
    let mut all: Vec<_> = audio.chain(art).collect();
    all.sort();
    all.dedup();
    all
}
