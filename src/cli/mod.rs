//! The command line: clap definitions, one module per subcommand, and the one place that turns
//! errors into messages and exit codes.

mod adopt;
mod build;
mod check;
mod completions;
mod cover;
mod doctor;
mod init;
mod new;
mod paste;
mod push;
mod report;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, Timelike, Utc};
use clap::{Parser, Subcommand};

use crate::config::{Config, DEFAULT_CONFIG};
use crate::error::Result;
pub use report::Reporter;

const AFTER_HELP: &str = "\
Exit codes: 0 success, 1 content errors, 2 wrong command line, 3 configuration error,
4 state or identity error (an id would change), 5 push failed or doctor found a problem,
6 another run holds the lock, 7 file system error (disk full, permissions).";

/// Publish RSS 2.0, Atom 1.0 and JSON Feed feeds of a film-review column and its podcast's
/// episode notes.
///
/// Reads config.toml and the content folders it names, and writes the feeds into the output
/// folder (feeds/ by default). Ids and dates are kept stable in a state file beside the config.
#[derive(Debug, Parser)]
#[command(name = "feedwright", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// The config file. Relative paths inside it are resolved against its folder.
    #[arg(long, short = 'c', global = true, env = "FEEDWRIGHT_CONFIG", default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,

    /// Use this time as "now" (RFC 3339), e.g. to reproduce a cron run or in tests.
    ///
    /// `build` records it in the state file as when new entries were first seen: a time
    /// later than the clock makes later builds refuse until the clock passes it (or until one
    /// runs with --allow-drop). To preview a future date, use `check --now`, which writes
    /// nothing.
    #[arg(long, global = true, value_parser = parse_now)]
    pub now: Option<DateTime<FixedOffset>>,

    /// Print only warnings and errors (for cron, which mails any output): no progress, no
    /// `wrote` lines, no notes.
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more detail: how many entries were read and files left unchanged.
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,

    /// Colour the error, warning and note labels: auto (on a terminal, unless NO_COLOR is
    /// set), always or never.
    #[arg(long, global = true, value_name = "WHEN", value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a site: a commented config.toml, content folders and an example draft entry
    /// (with --podcast also an example episode and a placeholder cover). Never overwrites a file.
    Init(init::Args),
    /// Build every feed into the output folder (only changed files are rewritten).
    Build(build::Args),
    /// Report every problem in the content and the feeds it would give; writes nothing.
    Check(check::Args),
    /// Start a new entry, as a draft: <source>/<date>-<slug>.md with front matter, or .txt with
    /// header lines (--txt); --from copies a pasted column into it.
    New(new::Args),
    /// Pin the GUIDs of an already-published feed (from another tool) onto the local entries.
    AdoptIds(adopt::Args),
    /// Upload the feeds that changed since the last push, then ping the hubs.
    ///
    /// Files go to [publish] url: an http(s) URL takes WebDAV-style PUT, an s3:// URL object
    /// storage; exits 5 when an upload or a ping failed.
    Push(push::Args),
    /// Ask the servers behind the built podcast feeds about every enclosure and artwork URL:
    /// HEAD, byte ranges (206), Content-Length, Content-Type, redirects, ETag/Last-Modified.
    ///
    /// Exits 5 when a server would trouble podcast apps.
    Doctor(doctor::Args),
    /// Serve the output folder on this machine (ETag, 304, HEAD) and rebuild when the content
    /// changes, so a local reader or browser sees new entries.
    Serve(serve::Args),
    /// Print a shell completion script for bash, zsh, fish, powershell or elvish.
    ///
    /// For example: feedwright completions bash > ~/.local/share/bash-completion/completions/feedwright
    Completions(completions::CompletionArgs),
    /// Print the manual page in roff: feedwright(1), or feedwright-COMMAND(1).
    ///
    /// For example: feedwright man | man -l -
    Man(completions::ManArgs),
}

fn parse_now(s: &str) -> std::result::Result<DateTime<FixedOffset>, String> {
    let now = DateTime::parse_from_rfc3339(s)
        .map_err(|e| format!("`{s}` is not an RFC 3339 time like 2026-11-25T09:00:00Z ({e})"))?;
    // It becomes the date of every entry first seen now, recorded for good.
    match crate::content::date::unpublishable(now) {
        Some(why) => Err(format!("`{s}` {why}")),
        None => Ok(now),
    }
}

/// Everything a subcommand needs besides its own arguments.
pub struct Context {
    pub config_path: PathBuf,
    pub now: DateTime<FixedOffset>,
    pub report: Reporter,
}

impl Context {
    pub fn load_config(&self) -> Result<Config> {
        Config::load(&self.config_path)
    }
}

/// What clap says instead of running a command (`--help`, `--version`, a wrong argument),
/// said as clap says it; help or a version that could not be printed (stdout on a full disk)
/// is exit 7, as for any command whose output was lost.
fn clap_exit(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let printed = e.print();
    let shown = matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
    match printed {
        Err(io) if shown && io.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("error: <stdout>: writing: {io}");
            ExitCode::from(crate::error::ExitKind::Io as u8)
        }
        _ => ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2)),
    }
}

pub fn main() -> ExitCode {
    report::set_colour(report::colour_in_args(std::env::args_os()).unwrap_or(ColorWhen::Auto));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e),
    };
    report::set_colour(cli.color);
    let report = Reporter::new(cli.quiet, cli.verbose);
    let now = cli.now.unwrap_or_else(|| {
        let t = Utc::now().fixed_offset();
        t.with_nanosecond(0).unwrap_or(t)
    });
    let ctx = Context {
        config_path: cli.config,
        now,
        report,
    };
    let result = match cli.command {
        Command::Init(args) => init::run(&ctx, args),
        Command::Build(args) => build::run(&ctx, args),
        Command::Check(args) => check::run(&ctx, args),
        Command::New(args) => new::run(&ctx, args),
        Command::AdoptIds(args) => adopt::run(&ctx, args),
        Command::Push(args) => push::run(&ctx, args),
        Command::Doctor(args) => doctor::run(&ctx, args),
        Command::Serve(args) => serve::run(&ctx, args),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => completions::man(args),
    };
    match result.and_then(|code| report::stdout_failure().map_or(Ok(code), Err)) {
        Ok(code) => code,
        Err(e) => ctx.report.fail(&e),
    }
}
