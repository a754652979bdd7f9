//! `cdev move SESSION HOST [--root DIR] [--keep]` (`move` is a Rust keyword, hence the file's name).

use anyhow::Result;
use clap::Args;

use super::Context;
use crate::transfer::relocate::Request;

/// Continue SESSION on HOST: save it, send it with its Claude conversations over ssh, import
/// it there (after checking the project's checkout and branches are there), and end it here
/// only once HOST confirms. Running it again after a failure is safe.
#[derive(Debug, Args)]
pub struct MoveArgs {
    pub session: String,
    /// A [hosts.NAME] of config.toml, or an ssh destination.
    pub host: String,
    /// The project's checkout on HOST (default: projects_root/<project dir>, else the same
    /// path as here).
    #[arg(long, value_name = "DIR")]
    pub root: Option<String>,
    /// Keep the session here too.
    #[arg(long)]
    pub keep: bool,
}

pub fn run(context: &Context, args: MoveArgs) -> Result<()> {
    let MoveArgs { session, host, root, keep } = args;
    crate::transfer::relocate::run(context, Request { session, host, root, keep })
}
