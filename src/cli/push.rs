use std::process::ExitCode;

use super::Context;
use crate::build;
use crate::config::Config;
use crate::error::Result;
use crate::identity::compare::feed_site_id;
use crate::publish::push::{self, Level};
use crate::publish::{Folder, Identities, LocalMedia, Options, Overwrite, Upload};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Re-send every file without preconditions (overwriting remote changes) and skip the check
    /// that published item ids stay the same.
    #[arg(long, conflicts_with = "take_over")]
    pub force: bool,

    /// Also replace files on the server that feedwright did not write (moving from another
    /// publisher, or a lost push state), but only those whose published items keep their ids,
    /// and only if nobody changes them in between.
    #[arg(long)]
    pub take_over: bool,

    /// List what would be uploaded or deleted and why, and which hubs would be pinged; send
    /// nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Also delete files that feedwright uploaded before and no longer builds (a removed tag
    /// feed, an archive page, an episode's audio); never a file it did not write.
    #[arg(long)]
    pub prune: bool,
}

/// Which remote copies `--force` and `--take-over` let a push replace.
pub(super) fn overwrite(force: bool, take_over: bool) -> Overwrite {
    match (force, take_over) {
        (true, _) => Overwrite::Force,
        (false, true) => Overwrite::TakeOver,
        (false, false) => Overwrite::Own,
    }
}

pub(super) fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let config = ctx.load_config()?;
    let _lock = crate::lock::RunLock::acquire(&config)?;
    let plan = build::plan(&config, ctx.now)?;
    ctx.report.warnings(&plan.warnings);
    let opts = Options {
        overwrite: overwrite(args.force, args.take_over),
        dry_run: args.dry_run,
        folder: Folder::Earlier,
        prune: args.prune,
        now: ctx.now,
    };
    publish(ctx, &config, &plan, &opts)?;
    Ok(ExitCode::SUCCESS)
}

/// Pushes the files of `plan` (what `push` and `build --push` share): each output file's name,
/// place and hash, and the entries the identity guard compares published feeds with.
pub(super) fn publish(
    ctx: &Context,
    config: &Config,
    plan: &build::Plan,
    opts: &Options,
) -> Result<()> {
    publish_files(ctx, config, plan, uploads(config, plan)?, opts)
}

/// Each output file of `plan` as an upload (its bytes read once, for their hash).
pub(super) fn uploads(config: &Config, plan: &build::Plan) -> Result<Vec<Upload>> {
    let mut files = Vec::with_capacity(plan.outputs.len());
    for o in &plan.outputs {
        files.push(Upload::new(config, &o.name, &o.path, &o.read()?, o.format));
    }
    Ok(files)
}

/// [`publish`] with the uploads already made.
pub(super) fn publish_files(
    ctx: &Context,
    config: &Config,
    plan: &build::Plan,
    files: Vec<Upload>,
    opts: &Options,
) -> Result<()> {
    let ids = Identities {
        entries: &plan.entries,
        site_id: feed_site_id(config.site.id.as_deref(), &plan.state),
    };
    push::run(
        config,
        files,
        &local_media(config, opts),
        ids,
        opts,
        &mut log(ctx),
    )?;
    Ok(())
}

/// The podcasts' local media files, listed only when they are uploaded: it reads every
/// episode's notes again.
pub(super) fn local_media(config: &Config, opts: &Options) -> Vec<LocalMedia> {
    if !config.publish.media {
        return Vec::new();
    }
    build::media_files::media_files(config, opts.now)
        .into_iter()
        .map(|m| LocalMedia {
            base_url: m.base_url,
            name: m.name,
            path: m.path,
        })
        .collect()
}

/// Routes push progress: changes to stdout, retries and failed pings to stderr.
pub(super) fn log(ctx: &Context) -> impl FnMut(Level, &str) + '_ {
    move |level, line| match level {
        Level::Info => ctx.report.out(line),
        Level::Detail => ctx.report.detail(line),
        // Printed under --quiet too: cron must mail what went differently than asked.
        Level::Warn => ctx.report.warn_text(line),
    }
}
