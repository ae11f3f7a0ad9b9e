use std::process::ExitCode;

use super::Context;
use crate::error::Result;
use crate::pipeline;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args) -> Result<ExitCode> {
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
    Ok(ExitCode::SUCCESS)
}
