use std::process::ExitCode;

use super::Context;
use crate::build;
use crate::error::Result;
use crate::identity::{compare::adopt, save_state};
use crate::publish::published::read_published;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The feed already published by the previous tool: a file or an http(s) URL.
    #[arg(value_name = "FEED")]
    pub feed: String,
}

/// Matches local entries to a published feed's items (by link, then title and date) and records
/// the published GUIDs in the state file, so moving to feedwright re-delivers nothing.
pub(super) fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let config = ctx.load_config()?;
    let _lock = crate::lock::RunLock::acquire(&config)?;
    let published = read_published(&args.feed)?;
    crate::identity::compare::adoptable(&published.items).map_err(|why| {
        crate::error::Error::Identity(format!(
            "{}: {why}; nothing was pinned: adopt the ids of a feed readers really read",
            crate::publish::published::shown_source(&args.feed)
        ))
    })?;
    let mut plan = build::plan_with(
        &config,
        ctx.now,
        build::PlanOptions {
            allow_id_changes: true,
            keep_entries: true,
            ..Default::default()
        },
    )?;
    let result = adopt(&plan.entries, &published.items);
    let dates: std::collections::HashMap<&str, _> = (published.items.iter())
        .filter_map(|i| Some((i.id.as_str(), i.published?)))
        .collect();
    let mut pinned = 0;
    for (source, id, how) in &result.matched {
        let explicit = plan
            .entries
            .iter()
            .any(|e| e.source() == source && e.explicit_id);
        if explicit {
            ctx.report
                .out(format_args!("kept {source}: its `id` key wins over {id}"));
            continue;
        }
        if let Some(r) = plan
            .state
            .entries
            .iter_mut()
            .find(|r| *r.source == **source)
        {
            if *r.id != **id {
                std::sync::Arc::make_mut(r).id = id.as_str().into();
                pinned += 1;
            }
            // An entry without a `date` key is dated when first seen: by this build, with the
            // state lost. Its published date is pinned with its id (it moved to today).
            let undated = r.date == r.first_seen;
            if let Some(&date) = dates.get(id.as_str()).filter(|&&d| undated && d != r.date) {
                let r = std::sync::Arc::make_mut(r);
                (r.date, r.first_seen) = (date, date);
            }
            ctx.report
                .out(format_args!("matched {source} -> {id} (by {how})"));
        }
    }
    for source in &result.unmatched_local {
        ctx.report
            .out(format_args!("no match for {source}: it keeps its own id"));
    }
    for (title, id) in &result.unmatched_published {
        ctx.report.out(format_args!(
            "published item not found locally: \"{title}\" ({id})"
        ));
    }
    if let Some(guid) = &published.podcast_guid {
        pin_podcast_guid(ctx, &config, &mut plan.state, guid);
    }
    if let Some(clash) = clashing_ids(&plan.state) {
        return Err(crate::error::Error::Identity(clash));
    }
    save_state(&config.site.state_file, &plan.state)?;
    crate::identity::last_written::record(&config.site.state_file, &plan.state);
    // The state changed on purpose: the next build must not take it for one restored from a
    // backup (see `cache::state_replaced`), nor end early on the cache.
    crate::build::cache::forget(&config);
    ctx.report.out(format_args!(
        "pinned {pinned} id(s) in {}; run `feedwright build` to use them",
        crate::content::display_path(&config.site.state_file).display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// The published feed's `podcast:guid`, kept for the site's podcast feed (R68: a podcast's guid
/// never changes once published). With several podcast feeds, which one it is cannot be told.
fn pin_podcast_guid(
    ctx: &Context,
    config: &crate::config::Config,
    state: &mut crate::identity::State,
    guid: &str,
) {
    let podcasts: Vec<_> = config
        .feeds
        .iter()
        .filter(|f| f.podcast.is_some())
        .collect();
    match podcasts.as_slice() {
        [feed] if feed.podcast.as_ref().is_some_and(|p| p.guid.is_some()) => {
            ctx.report.out(format_args!(
                "kept feed `{}`'s [feed.podcast] guid: it wins over the published podcast:guid {guid}",
                feed.name
            ));
        }
        [feed] => {
            state.podcast_guids.insert(feed.name.clone(), guid.to_string());
            ctx.report
                .out(format_args!("pinned podcast:guid {guid} for feed `{}`", feed.name));
        }
        _ => ctx.report.out(format_args!(
            "podcast:guid {guid} not pinned: set `guid = \"{guid}\"` under the [feed.podcast] it belongs to"
        )),
    }
}

/// Two records that the pins would give one id (an item matched to one entry whose id another
/// entry has, or a removed entry keeps reserved): every build after would fail on a clash the
/// user could only mend by editing the state file. Refused before anything is written.
fn clashing_ids(state: &crate::identity::State) -> Option<String> {
    let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for r in &state.entries {
        if let Some(other) = seen.insert(&r.id, &r.source) {
            return Some(format!(
                "adopt-ids would give {other} and {} the one id `{}`: nothing was pinned; the published feed's item with that id is one entry, so check which file it is and give the other an `id` key of its own",
                r.source, r.id
            ));
        }
    }
    None
}
