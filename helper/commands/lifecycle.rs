//! `cdev kill SESSION|--all [--yes]` and `cdev cleanup [--older-than D] [--idle-for D] …`.

use anyhow::Result;
use clap::Args;

use super::Context;
use crate::humanize::parse_duration;
use crate::session::lifecycle::{self, Cleanup};

/// Save a session, then kill it (it comes back with `cdev restore`); `--all` for every cdev
/// session (typed confirmation, or --yes).
#[derive(Debug, Args)]
pub struct KillArgs {
    pub session: Option<String>,
    #[arg(long, conflicts_with = "session")]
    pub all: bool,
    #[arg(long)]
    pub yes: bool,
}

/// Save and kill old or idle cdev sessions (default: created more than 24 hours ago). Never
/// an attached one or one with an agent working or waiting, unless --force.
#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// Created longer ago than this (90s, 30m, 24h, 7d).
    #[arg(long, value_name = "DURATION")]
    pub older_than: Option<String>,
    /// Without activity for this long.
    #[arg(long, value_name = "DURATION")]
    pub idle_for: Option<String>,
    /// Show what would be killed, and stop.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long)]
    pub yes: bool,
    #[arg(long)]
    pub force: bool,
}

pub fn kill(context: &Context, args: KillArgs) -> Result<()> {
    lifecycle::kill(context, args.session, args.all, args.yes)
}

pub fn cleanup(context: &Context, args: CleanupArgs) -> Result<()> {
    let older_than = args.older_than.as_deref().map(parse_duration).transpose()?;
    let idle_for = args.idle_for.as_deref().map(parse_duration).transpose()?;
    // Without either: sessions created more than 24 hours ago, as `--help` says.
    let older_than = if older_than.is_none() && idle_for.is_none() { Some(24 * 3600) } else { older_than };
    let CleanupArgs { dry_run, yes, force, .. } = args;
    lifecycle::cleanup(context, Cleanup { older_than, idle_for, dry_run, yes, force })
}
