use std::process::ExitCode;

use super::Context;
use crate::build;
use crate::error::{Error, Result};
use crate::identity::compare::{Shown, compare_feed, feed_site_id};
use crate::publish::published::{read_published, shown_source};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Compare with an already-published feed (a file or an http(s) URL): list items whose id
    /// would change, items that would vanish, and duplicate ids. Exits 4 if an id would change.
    #[arg(long, value_name = "FEED")]
    pub against: Option<String>,
    /// Check as `build --allow-drop` builds: published entries that vanished (or a clock behind
    /// the state's last record) are accepted, so the rest of the check can run.
    #[arg(long)]
    pub allow_drop: bool,
}

pub(super) fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let config = ctx.load_config()?;
    // Every file is rendered and checked as `build` does it, and none is kept: a full feed is
    // never whole in memory. Only the entries, the state and the problems are read below.
    let options = build::PlanOptions {
        allow_id_changes: args.against.is_some(),
        verify_only: true,
        keep_entries: args.against.is_some(),
        allow_drop: args.allow_drop,
        ..Default::default()
    };
    let plan = build::plan_with(&config, ctx.now, options)?;
    ctx.report.warnings(&plan.warnings);
    plan.notes.iter().for_each(|n| ctx.report.note(n));
    let Some(source) = args.against else {
        ctx.report.out(format_args!(
            "ok: {} entries in {} feed(s), no problems",
            plan.entry_count,
            config.feeds.len()
        ));
        return Ok(ExitCode::SUCCESS);
    };
    let published = read_published(&source)?;
    // A URL may carry a password; it is never printed.
    let source = shown_source(&source);
    let site_id = feed_site_id(config.site.id.as_deref(), &plan.state);
    let cmp = compare_feed(&plan.entries, &published, site_id);
    ctx.report.detail(format_args!(
        "compared the {} of {source} with the entries'",
        Shown::of(published.dialect, site_id).describe()
    ));
    let changes = cmp.id_changes.iter().map(|(title, old, new)| {
        format!(
            "id would change: \"{}\": {} -> {}",
            cut(title),
            cut(old),
            cut(new)
        )
    });
    listed(ctx, changes);
    let vanished = (cmp.vanished.iter())
        .map(|(title, id)| format!("would vanish: \"{}\" ({})", cut(title), cut(id)));
    listed(ctx, vanished);
    listed(
        ctx,
        cmp.duplicates
            .iter()
            .map(|id| format!("duplicate id: {}", cut(id))),
    );
    let guid_change = podcast_guid_change(&config, &plan.state, published.podcast_guid.as_deref());
    if let Some((old, new)) = &guid_change {
        ctx.report
            .out(format_args!("podcast:guid would change: {old} -> {new}"));
    }
    if cmp.is_safe() && guid_change.is_none() {
        let vanish = match cmp.vanished.len() {
            0 => String::new(),
            n => format!("; {n} would vanish from the feeds"),
        };
        ctx.report.out(format_args!(
            "ok: every item of {source} keeps its id ({} compared{vanish})",
            published.items.len()
        ));
        Ok(ExitCode::SUCCESS)
    } else {
        let guid = if guid_change.is_some() {
            " and the podcast:guid changes (directories would take it for another show)"
        } else {
            ""
        };
        Err(Error::Identity(format!(
            "{} id change(s) and {} duplicate id(s) against {source}{guid}: subscribers would see duplicates; pin the old ids with `feedwright adopt-ids {source}` or an `id` key",
            cmp.id_changes.len(),
            cmp.duplicates.len()
        )))
    }
}

/// The published `podcast:guid` and the one this build writes, when they differ (R68: a
/// podcast's guid never changes). With several podcast feeds, which one was published is not
/// told, and nothing is compared.
fn podcast_guid_change(
    config: &crate::config::Config,
    state: &crate::identity::State,
    published: Option<&str>,
) -> Option<(String, String)> {
    let published = published?;
    let mut podcasts = config.feeds.iter().filter(|f| f.podcast.is_some());
    let (feed, None) = (podcasts.next()?, podcasts.next()) else {
        return None;
    };
    let ours = feed
        .podcast
        .as_ref()?
        .guid
        .as_deref()
        .or_else(|| state.podcast_guids.get(&feed.name).map(String::as_str))?;
    (ours != published).then(|| (published.to_string(), ours.to_string()))
}

/// Lines listed at most of each kind: a published feed may hold 50,000 items, and the counts
/// are said in the last line.
const LISTED: usize = 200;

/// Up to [`LISTED`] lines, then how many more there are.
fn listed(ctx: &Context, lines: impl ExactSizeIterator<Item = String>) {
    let more = lines.len().saturating_sub(LISTED);
    for line in lines.take(LISTED) {
        ctx.report.out(line);
    }
    if more > 0 {
        ctx.report.out(format_args!("… and {more} more like these"));
    }
}

/// A title or id from a published feed as a line shows it: at most 200 characters (one may
/// be megabytes long).
fn cut(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &text[..at]).into(),
        None => text.into(),
    }
}
