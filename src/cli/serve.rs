use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use super::Context;
use crate::build;
use crate::config::Config;
use crate::content::display_path;
use crate::error::{Error, Result};
use crate::serve::{Server, Watched, Watcher};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The port to listen on; 0 picks a free one (the address is printed on start).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,

    /// The address to listen on. The default answers this machine only; anything else (e.g.
    /// 0.0.0.0) lets every machine that can reach this one read the feeds.
    #[arg(long, value_name = "ADDR", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub bind: IpAddr,
}

/// Builds, serves the output folder, and rebuilds whenever the config or a content folder
/// changes. "Now" keeps advancing from the start time (or from --now), so an entry dated in the
/// future appears once its time comes.
pub(super) fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let config = ctx.load_config()?;
    let started = Instant::now();
    let now = || ctx.now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
    // Watching starts before the first build: a change made while it runs, or before the
    // address is printed, gives another build (it was lost).
    let mut watched = watched(&config);
    let mut watcher = Watcher::new(watched.clone());
    rebuild(ctx, now());

    let addr = SocketAddr::new(args.bind, args.port);
    // Not a configuration error: the config is fine, the port is taken or not ours to use.
    let cannot = |e| {
        Error::io(
            Path::new(&addr.to_string()),
            "cannot listen there (another program may use the port: pick another --port, or 0 for a free one)",
            e,
        )
    };
    let server = Server::bind(addr, config.site.output_dir.clone())
        .map_err(cannot)?
        .log_requests(ctx.report.verbose);
    let local = server.local_addr().map_err(cannot)?;
    server.spawn().map_err(|e| {
        Error::io(
            Path::new(&local.to_string()),
            "cannot start the server's threads",
            e,
        )
    })?;
    ctx.report.out(format_args!(
        "serving {} at http://{local}/ (Ctrl-C stops)",
        display_path(&config.site.output_dir).display()
    ));

    if watcher.polling() {
        ctx.report.detail(format_args!(
            "no file events here; checking for changes every {} ms",
            crate::serve::POLL.as_millis()
        ));
    }
    loop {
        watcher.wait();
        // The config may name other folders now. Watching starts again before the build, so
        // a change made while it runs is seen and gives another build.
        if let Ok(config) = ctx.load_config() {
            watched = self::watched(&config);
        }
        watcher = Watcher::new(watched.clone());
        rebuild(ctx, now());
    }
}

fn watched(config: &Config) -> Watched {
    let sources: Vec<PathBuf> = config.feeds.iter().map(|f| f.source.clone()).collect();
    Watched::new(
        &config.path,
        &sources,
        &[
            config.site.output_dir.clone(),
            config.site.state_file.clone(),
        ],
    )
}

/// One build, like `feedwright build`; a failure is reported and the old files stay served.
fn rebuild(ctx: &Context, now: chrono::DateTime<chrono::FixedOffset>) {
    let result = (|| -> Result<()> {
        let config = ctx.load_config()?;
        let _lock = crate::lock::RunLock::acquire(&config)?;
        let options = build::PlanOptions {
            stage: true,
            ..Default::default()
        };
        let plan = build::plan_with(&config, now, options)?;
        ctx.report.warnings(&plan.warnings);
        let written = build::write(&config, &plan)?;
        for f in &written.changed {
            ctx.report
                .out(format_args!("wrote {}", display_path(&f.path).display()));
        }
        Ok(())
    })();
    if let Err(e) = result {
        ctx.report.fail(&e);
    }
}
