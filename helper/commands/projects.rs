//! `cdev projects [--json]`: the projects under projects_dirs, found afresh (the cache the picker
//! opens with is rewritten on the way).

use std::io::Write;

use anyhow::Result;
use clap::Args;

use super::Context;
use crate::humanize::printable;
use crate::projects::cache;

/// The projects under projects_dirs: git repositories and directories with project files.
#[derive(Debug, Args)]
pub struct ProjectsArgs {
    #[arg(long)]
    pub json: bool,
}

pub fn run(context: &Context, args: ProjectsArgs) -> Result<()> {
    let json = args.json;
    let config = match context.tmux()?.options() {
        Ok(options) => context.file_config()?.with_tmux_options(&options, &context.paths)?,
        Err(_) => context.file_config()?,
    };
    let (roots, depth) = (&config.projects_dirs.value, config.projects_depth.value as usize);
    let found = cache::discover_and_write(&context.paths.cache_dir, roots, depth);
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &found)?;
        writeln!(out)?;
    } else {
        for project in &found {
            writeln!(out, "{}\t{}", printable(&project.name), context.paths.display(&project.path))?;
        }
    }
    Ok(())
}
