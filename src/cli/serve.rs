use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use super::Context;
use crate::config::Config;
use crate::content::display_path;
use crate::error::{Error, Result};
use crate::pipeline;
use crate::serve::{Server, Watch};

/// How often the content folders are checked for changes.
const POLL: Duration = Duration::from_millis(500);

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
pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let config = ctx.load_config()?;
    let started = Instant::now();
    let now = || ctx.now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
    rebuild(ctx, now());

    let addr = SocketAddr::new(args.bind, args.port);
    let server = Server::bind(addr, config.site.output_dir.clone())
        .and_then(|s| s.local_addr().map(|a| (s, a)))
        .map_err(|e| {
            Error::config(
                &config.path,
                None,
                format!("cannot listen on {addr}: {e}; pick another --port"),
            )
        });
    let (server, local) = server?;
    ctx.report.out(format_args!(
        "serving {} at http://{local}/ (Ctrl-C stops)",
        display_path(&config.site.output_dir).display()
    ));
    server.spawn();

    let mut watch = Watch::new(watched(&config));
    loop {
        std::thread::sleep(POLL);
        if watch.changed() {
            rebuild(ctx, now());
            // The config may name other folders now.
            if let Ok(config) = ctx.load_config() {
                watch = Watch::new(watched(&config));
            }
        }
    }
}

fn watched(config: &Config) -> Vec<std::path::PathBuf> {
    let mut paths = vec![config.path.clone()];
    paths.extend(config.feeds.iter().map(|f| f.source.clone()));
    paths.sort();
    paths.dedup();
    paths
}

/// One build, like `feedwright build`; a failure is reported and the old files stay served.
fn rebuild(ctx: &Context, now: chrono::DateTime<chrono::FixedOffset>) {
    let result = (|| -> Result<()> {
        let config = ctx.load_config()?;
        let _lock = crate::lock::RunLock::acquire(&config)?;
        let options = pipeline::PlanOptions {
            stage: true,
            ..Default::default()
        };
        let plan = pipeline::plan_with(&config, now, options)?;
        ctx.report.warnings(&plan.warnings);
        let written = pipeline::write(&config, &plan)?;
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
