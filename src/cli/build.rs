use std::process::ExitCode;

use super::Context;
use crate::build::{self, cache};
use crate::config::Config;
use crate::error::Result;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// After writing, upload what changed to [publish] url and ping the hubs (see `push`).
    #[arg(long)]
    pub push: bool,

    /// With --push: re-send everything and skip the published-ids check.
    #[arg(long, requires = "push", conflicts_with = "take_over")]
    pub force: bool,

    /// With --push: also replace remote files feedwright did not write, if their published
    /// items keep their ids (see `push --take-over`).
    #[arg(long, requires = "push")]
    pub take_over: bool,

    /// Publish every valid entry and report the invalid ones (exit 1), instead of writing
    /// nothing when one file is broken.
    #[arg(long)]
    pub keep_going: bool,

    /// Build even when more than [site] max_drop_share of a feed's published entries (or all
    /// of them) vanished from the sources since the last build. Without it such a build is
    /// refused (exit 4) and nothing is written or pushed: a renamed content folder must not
    /// empty the feed.
    #[arg(long)]
    pub allow_drop: bool,

    /// Read every source and render every feed even when the content cache says nothing
    /// changed (the cache is written afresh). Output is the same either way.
    #[arg(long)]
    pub no_cache: bool,
}

pub(super) fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let config = ctx.load_config()?;
    let _lock = crate::lock::RunLock::acquire(&config)?;
    let options = build::PlanOptions {
        keep_going: args.keep_going,
        allow_drop: args.allow_drop,
        stage: true,
        ..Default::default()
    };
    // A push needs the whole plan: it never ends early.
    let cached = !args.push && cache::usable(&config);
    let key = cache::Key::of(&config, &options);
    // Taken before any source is read: what the cache records is what the build read.
    let scan = cached.then(|| cache::Scan::take(&config));
    if !args.no_cache
        && let Some(scan) = &scan
        && let Some(hit) = cache::check(&config, &key, ctx.now, scan)
    {
        ctx.report.warnings(&hit.warnings);
        hit.notes.iter().for_each(|n| ctx.report.note(n));
        summary(
            ctx,
            &config,
            (hit.entries, hit.outputs),
            &build::Written::default(),
        );
        return Ok(ExitCode::SUCCESS);
    }
    let spinner = ctx.report.spinner("reading and rendering the feeds");
    // What the last build parsed, for the files whose stat did not change.
    let reuse = (!args.no_cache && scan.is_some())
        .then(|| build::Reuse::load(&config, &key))
        .flatten();
    let reusing = scan.as_ref().map(|scan| build::Reusing {
        scan,
        reuse: reuse.as_ref(),
    });
    let plan = build::plan_reusing(&config, ctx.now, options, reusing);
    spinner.finish_and_clear();
    let plan = plan.inspect_err(|_| cache::forget(&config))?;
    ctx.report.warnings(&plan.warnings);
    plan.notes.iter().for_each(|n| ctx.report.note(n));
    let written = build::write(&config, &plan).inspect_err(|_| cache::forget(&config))?;
    for f in &written.changed {
        ctx.report.out(format_args!(
            "wrote {}",
            crate::content::display_path(&f.path).display()
        ));
    }
    summary(
        ctx,
        &config,
        (plan.entries.len(), plan.outputs.len()),
        &written,
    );
    match scan {
        Some(scan) => cache::save(&config, &key, ctx.now, scan, &plan),
        None => cache::forget(&config),
    }
    if args.push {
        let opts = crate::publish::Options {
            overwrite: super::push::overwrite(args.force, args.take_over),
            dry_run: false,
            folder: crate::publish::Folder::JustWritten,
            prune: false,
            now: ctx.now,
        };
        super::push::publish(ctx, &config, &plan, &opts)?;
    }
    // Everything is on disk: the process ends next.
    plan.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// The line `--verbose` prints: entries and files (`counts`), what was written.
fn summary(ctx: &Context, config: &Config, counts: (usize, usize), written: &build::Written<'_>) {
    let (entries, outputs) = counts;
    ctx.report.detail(format_args!(
        "{entries} entries in {} feed(s); {} file(s) written, {} unchanged{}",
        config.feeds.len(),
        written.changed.len(),
        outputs - written.changed.len(),
        if written.state_changed {
            "; state file updated"
        } else {
            ""
        }
    ));
}
