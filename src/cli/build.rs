use std::process::ExitCode;

use super::Context;
use crate::error::Result;
use crate::pipeline;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// After writing, upload what changed to [publish] url and ping the hubs (see `push`).
    #[arg(long)]
    pub push: bool,

    /// With --push: re-send everything and skip the published-ids check.
    #[arg(long, requires = "push")]
    pub force: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let config = ctx.load_config()?;
    let _lock = crate::lock::RunLock::acquire(&config)?;
    let plan = pipeline::plan(&config, ctx.now)?;
    ctx.report.warnings(&plan.warnings);
    plan.notes.iter().for_each(|n| ctx.report.note(n));
    let written = pipeline::write(&config, &plan)?;
    for f in &written.changed {
        ctx.report.out(format_args!("wrote {}", crate::content::display_path(&f.path).display()));
    }
    if written.changed.is_empty() {
        ctx.report.detail("no feed changed");
    }
    if args.push {
        let opts = crate::publish::push::Options {
            force: args.force,
            dry_run: false,
            now: ctx.now,
        };
        crate::publish::push::run(&config, &plan, &opts, true, &mut super::push::log(ctx))?;
    }
    Ok(ExitCode::SUCCESS)
}
