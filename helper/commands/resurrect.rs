//! `cdev resurrect HOOK [FILE]`: tmux-resurrect's hooks (`crate::resurrect`), which never fail it.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::Context;

/// What cdev.tmux registers as tmux-resurrect's hooks: post-save-layout FILE (sidecar and the
/// empty-save guard), post-save-all, pre-restore-all (a cdev snapshot first),
/// post-restore-all (env, options, Claude conversations back). Never fails resurrect.
#[derive(Debug, Args)]
pub struct ResurrectArgs {
    #[arg(value_parser = ["post-save-layout", "post-save-all", "pre-restore-all", "post-restore-all"])]
    pub hook: String,
    /// The state file resurrect just wrote (post-save-layout).
    pub file: Option<PathBuf>,
}

pub fn run(context: &Context, args: ResurrectArgs) -> Result<()> {
    crate::resurrect::run(context, &args.hook, args.file)
}
