//! `cdev restore [SESSION|SNAPSHOT…] [--as NAME] [--force] [--client C] [--yes]`.

use anyhow::Result;
use clap::Args;

use super::Context;
use crate::snapshot::restore::Request;

/// Recreate sessions from their latest good snapshot (or from SNAPSHOT files).
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// Session names or snapshot files (default: every saved session not running now).
    pub targets: Vec<String>,
    /// Restore one session under another name.
    #[arg(long = "as", value_name = "NAME")]
    pub as_name: Option<String>,
    /// Replace a running session of the same name (it is saved first).
    #[arg(long)]
    pub force: bool,
    /// Switch this tmux client to the restored session (key bindings pass #{client_name}).
    #[arg(long, value_name = "CLIENT")]
    pub client: Option<String>,
    /// Run the commands and set the environment of a snapshot file from outside cdev's own
    /// snapshot directory without asking (such a file is someone else's, as an import is).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

pub fn run(context: &Context, args: RestoreArgs) -> Result<()> {
    let RestoreArgs { targets, as_name, force, client, yes } = args;
    crate::snapshot::restore::run(context, Request { targets, as_name, force, client, yes })
}
