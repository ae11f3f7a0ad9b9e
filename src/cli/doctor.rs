use std::process::ExitCode;

use super::Context;
use crate::doctor;
use crate::error::{Error, Result};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub(super) fn run(ctx: &Context, _args: Args) -> Result<ExitCode> {
    let config = ctx.load_config()?;
    let targets = doctor::targets(&config)?;
    let spinner = ctx.report.spinner("asking the media servers");
    let report = doctor::examine(&targets, config.publish.timeout);
    spinner.finish_and_clear();
    for f in &report.findings {
        ctx.report.out(format_args!(
            "{}: {}: {}",
            f.feed.display(),
            f.url,
            f.problem
        ));
    }
    if report.findings.is_empty() {
        ctx.report.out(format_args!(
            "ok: {} media URL(s) answer HEAD and byte ranges as podcast apps expect",
            report.checked
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let urls: std::collections::BTreeSet<&str> =
        report.findings.iter().map(|f| f.url.as_str()).collect();
    Err(Error::Media(format!(
        "{} problem(s) with {} of {} media URL(s): podcast apps may fail to download or play them; fix the server as each line says",
        report.findings.len(),
        urls.len(),
        report.checked
    )))
}
