//! `cdev completions SHELL`: completion scripts generated from the clap definitions.

use std::io::{self, Write};

use anyhow::Result;
use clap::{Args, ValueEnum};
use clap_complete::{generate, Shell};

/// Print a shell completion script.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

/// The script for `args.shell`, generated from `cli` (the whole command line, `Cli::command()`).
pub fn run(args: CompletionsArgs, cli: &mut clap::Command) -> Result<()> {
    let shell = match args.shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    // Into memory first: clap_complete panics on a failed write, and a closed stdout
    // (`cdev completions bash | head -1`) is no error.
    let mut script = Vec::new();
    generate(shell, cli, "cdev", &mut script);
    io::stdout().lock().write_all(&script)?;
    Ok(())
}
