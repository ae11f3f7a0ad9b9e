use std::process::ExitCode;

use super::Context;
use crate::error::Result;
use crate::pipeline;
use crate::publish::push::{self, Level, Options};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Re-send every file without preconditions (overwriting remote changes) and skip the check
    /// that published item ids stay the same.
    #[arg(long)]
    pub force: bool,

    /// List what would be uploaded and why, and which hubs would be pinged; send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl Args {
    pub fn options(&self, ctx: &Context) -> Options {
        Options {
            force: self.force,
            dry_run: self.dry_run,
            now: ctx.now,
        }
    }
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let config = ctx.load_config()?;
    let _lock = crate::lock::RunLock::acquire(&config)?;
    let plan = pipeline::plan(&config, ctx.now)?;
    ctx.report.warnings(&plan.warnings);
    push::run(&config, &plan, &args.options(ctx), false, &mut log(ctx))?;
    Ok(ExitCode::SUCCESS)
}

/// Routes push progress: changes to stdout, retries and failed pings to stderr.
pub fn log(ctx: &Context) -> impl FnMut(Level, &str) + '_ {
    move |level, line| match level {
        Level::Info => ctx.report.out(line),
        Level::Detail => ctx.report.detail(line),
        Level::Warn => ctx.report.warn_text(line),
    }
}
