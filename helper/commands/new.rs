//! `cdev new [DIR] [--template T] [--name N] [--worktree F…] [--no-attach] [--dry-run]`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::Context;
use crate::session::new::Request;

/// Create a session for a project from its template, then attach (or switch) to it.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The project directory (default: the current directory).
    pub dir: Option<PathBuf>,
    /// Use this template instead of the detected one.
    #[arg(short, long)]
    pub template: Option<String>,
    /// Name the session NAME instead of <prefix><project>.
    #[arg(short, long)]
    pub name: Option<String>,
    /// Give a Claude pane its own git worktree .worktrees/FEATURE (repeatable).
    #[arg(short, long = "worktree", value_name = "FEATURE")]
    pub worktrees: Vec<String>,
    /// Create the session but stay where you are; prints its name.
    #[arg(long)]
    pub no_attach: bool,
    /// Print the tmux command that would create the session (shell-quoted); change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(context: &Context, args: NewArgs) -> Result<()> {
    let NewArgs { dir, template, name, worktrees, no_attach, dry_run } = args;
    let request = Request { dir, template, name, worktrees, attach: !no_attach, dry_run, client: None };
    crate::session::new::run(context, request)
}
