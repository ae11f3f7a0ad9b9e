//! `feedwright completions SHELL` and `feedwright man [COMMAND]`: shell completion scripts and
//! roff manual pages, generated from the same clap definition as `--help`, so they cannot
//! drift from the real options. Both print to stdout for the user to redirect, e.g.
//! `feedwright completions bash > ~/.local/share/bash-completion/completions/feedwright`
//! or `feedwright man > ~/.local/share/man/man1/feedwright.1`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap::CommandFactory;

use super::Cli;
use crate::error::{Error, Result};

#[derive(Debug, clap::Args)]
pub struct CompletionArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// A subcommand, for its own page (feedwright-COMMAND(1)); without it, feedwright(1).
    pub command: Option<String>,
}

pub(super) fn completions(args: CompletionArgs) -> Result<ExitCode> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "feedwright", &mut script);
    print(&script)
}

pub(super) fn man(args: ManArgs) -> Result<ExitCode> {
    let mut cmd = Cli::command();
    // Built first: global options and the subcommands' `feedwright-x` names are filled in then.
    cmd.build();
    let page = match &args.command {
        None => cmd,
        Some(name) => match cmd.find_subcommand(name) {
            Some(sub) => sub.clone(),
            None => {
                let names: Vec<&str> = cmd
                    .get_subcommands()
                    .map(clap::Command::get_name)
                    .filter(|n| *n != "help")
                    .collect();
                return Err(Error::Usage {
                    message: format!(
                        "no command named `{name}`; the commands are: {}",
                        names.join(", ")
                    ),
                    hint: super::new::did_you_mean(name, names.iter().copied())
                        .map(|c| format!("did you mean `feedwright man {c}`?")),
                });
            }
        },
    };
    let mut roff = Vec::new();
    // The footer names the program and its version on every page (a subcommand's said only
    // `build `).
    clap_mangen::Man::new(page)
        .source(format!("feedwright {}", env!("CARGO_PKG_VERSION")))
        .render(&mut roff)
        .map_err(|e| Error::io(Path::new("<stdout>"), "rendering the manual page", e))?;
    print(&roff)
}

/// Writes to stdout. A reader that stops early (`| head`) is not an error.
fn print(bytes: &[u8]) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::io(Path::new("<stdout>"), "writing", e))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}
