//! `cdev export SESSION [-o FILE] [--with-conversations] [--no-contents]`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::Context;
use crate::transfer::export::{to_file, Export};

/// Write a session to one portable file (layout, env, commands, cwds relative to the project).
#[derive(Debug, Args)]
pub struct ExportArgs {
    pub session: String,
    /// The file (default: SESSION.cdev).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Include the Claude Code transcripts, so conversations resume on the other machine.
    #[arg(long)]
    pub with_conversations: bool,
    /// Leave the pane contents out.
    #[arg(long)]
    pub no_contents: bool,
}

pub fn run(context: &Context, args: ExportArgs) -> Result<()> {
    let ExportArgs { session, output, with_conversations, no_contents } = args;
    let request = Export { session, conversations: with_conversations, contents: !no_contents };
    let (output, bundle) = to_file(context, &request, output)?;
    println!(
        "{}: {} panes, {} conversations exported to {}",
        request.session,
        bundle.session.pane_count(),
        bundle.conversations.len(),
        output.display()
    );
    Ok(())
}
