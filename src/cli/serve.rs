use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};

use super::Context;
use crate::build;
use crate::config::Config;
use crate::content::display_path;
use crate::error::{Error, Result};
use crate::serve::{Root, Server, Watched, Watcher, Woke};

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
    let mut serving = Serving {
        root: Root::new(config.site.output_dir.clone()),
        start: ctx.now,
        started: Instant::now(),
        locked: false,
    };
    // Watching starts before the first build: a change made while it runs, or before the
    // address is printed, gives another build (it was lost).
    let mut watched = watched(&config);
    let mut watcher = Watcher::new(watched.clone());

    let addr = SocketAddr::new(args.bind, args.port);
    // Not a configuration error: the config is fine, the port is taken or not ours to use.
    let cannot = |e: std::io::Error| {
        let why = if e.kind() == std::io::ErrorKind::AddrNotAvailable {
            "cannot listen there (this machine has no such address: give --bind one it has, or leave it out for 127.0.0.1)"
        } else {
            "cannot listen there (another program may use the port: pick another --port, or 0 for a free one)"
        };
        Error::io(Path::new(&addr.to_string()), why, e)
    };
    // The port is taken before the first build: one that is not free writes nothing.
    let server = Server::bind(addr, serving.root.clone())
        .map_err(cannot)?
        .log_requests(ctx.report.verbose);
    let local = server.local_addr().map_err(cannot)?;
    let mut next = serving.rebuild(ctx);
    server.spawn().map_err(|e| {
        Error::io(
            Path::new(&local.to_string()),
            "cannot start the server's threads",
            e,
        )
    })?;
    ctx.report.out(format_args!(
        "serving {} at http://{local}/ (Ctrl-C stops)",
        display_path(&serving.root.get()).display()
    ));

    if watcher.polling() {
        ctx.report.detail(format_args!(
            "no file events here; checking for changes every {} ms",
            crate::serve::POLL.as_millis()
        ));
    }
    loop {
        if watcher.wait(next) == Woke::Changed {
            // The config may name other folders now. Watching starts again before the build,
            // so a change made while it runs is seen and gives another build.
            if let Ok(config) = ctx.load_config() {
                watched = self::watched(&config);
            }
            watcher = Watcher::new(watched.clone());
        }
        next = serving.rebuild(ctx);
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

/// How often a rebuild that found the run lock held tries again: the other run (a cron
/// build, a push) gives no sign when it ends, and its change would otherwise wait for an edit.
const LOCK_RETRY: Duration = Duration::from_secs(1);

/// What the rebuilds share.
struct Serving {
    /// The folder the server answers from: the last successful build's `output_dir`.
    root: Root,
    /// "Now" when serve started (`--now` or the clock), and the `Instant` of that moment.
    start: DateTime<FixedOffset>,
    started: Instant,
    /// Whether the last rebuild found the lock held: its error is said once, not every retry.
    locked: bool,
}

impl Serving {
    /// The start time plus the time since: what each build takes as now.
    fn now(&self) -> DateTime<FixedOffset> {
        self.start + chrono::Duration::from_std(self.started.elapsed()).unwrap_or_default()
    }

    /// One build, like `feedwright build`; a failure is reported and the old files stay served.
    /// Returns when to build again with nothing changed: when the output changes by time alone
    /// (a future-dated entry comes due), or soon while another run holds the lock.
    fn rebuild(&mut self, ctx: &Context) -> Option<Instant> {
        match build_once(ctx, self.now()) {
            Ok(built) => {
                self.locked = false;
                if *self.root.get() != *built.output_dir {
                    ctx.report.out(format_args!(
                        "serving {} from now on (output_dir changed)",
                        display_path(&built.output_dir).display()
                    ));
                    self.root.set(built.output_dir);
                }
                let after = (built.horizon? - self.start).to_std().ok()?;
                self.started.checked_add(after)
            }
            Err(e @ Error::Locked(_)) => {
                if !self.locked {
                    ctx.report.fail(&e);
                    ctx.report
                        .note_text("serve builds once that run ends (it tries every second)");
                }
                self.locked = true;
                Some(Instant::now() + LOCK_RETRY)
            }
            Err(e) => {
                self.locked = false;
                ctx.report.fail(&e);
                None
            }
        }
    }
}

/// What a successful build tells the server.
struct Built {
    output_dir: PathBuf,
    /// See [`build::Plan::horizon`].
    horizon: Option<DateTime<FixedOffset>>,
}

fn build_once(ctx: &Context, now: DateTime<FixedOffset>) -> Result<Built> {
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
    Ok(Built {
        output_dir: config.site.output_dir,
        horizon: plan.horizon,
    })
}
