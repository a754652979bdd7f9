//! `cdev completions SHELL`: completion scripts generated from the clap definitions.

use std::io::{self, Write};

use anyhow::Result;
use clap::CommandFactory;
use clap_complete::{generate, Shell};

use crate::cli::{Cli, CompletionShell};

pub fn run(shell: CompletionShell) -> Result<()> {
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    // Into memory first: clap_complete panics on a failed write, and a closed stdout
    // (`cdev completions bash | head -1`) is no error.
    let mut script = Vec::new();
    generate(shell, &mut Cli::command(), "cdev", &mut script);
    io::stdout().lock().write_all(&script)?;
    Ok(())
}
