//! `cdev env load|show [SESSION]`: the project's `.env.claude` into a running session, and the
//! session's environment as tmux holds it.

use crate::tmux::verbs;
use std::io::{self, Write};

use anyhow::{bail, Context as _, Result};
use clap::Subcommand;

use super::Context;
use crate::humanize::shown_path;
use crate::session::env::{read_env_file, ENV_FILE};
use crate::tmux::cdev_option;
use crate::tmux::{environment, target, Tmux, TmuxCommand};

/// A session's environment: load the project's .env.claude into it, or show it.
#[derive(Debug, Subcommand)]
pub enum EnvCommand {
    /// Re-read the project's .env.claude into the session (panes made afterwards get it).
    Load { session: Option<String> },
    /// Print the session's environment.
    Show { session: Option<String> },
}

pub fn run(context: &Context, command: EnvCommand) -> Result<()> {
    let tmux = context.tmux()?;
    match command {
        EnvCommand::Load { session } => load(context, &tmux, session),
        EnvCommand::Show { session } => show(context, &tmux, session),
    }
}

fn load(context: &Context, tmux: &Tmux, session: Option<String>) -> Result<()> {
    let name = context.session_or_current(tmux, session).context("could not load env")?;
    let fail = || format!("could not load env into {name}");
    let root = crate::session::adopt::project_root(context, tmux, &name).with_context(fail)?;
    let Some((path, file)) = read_env_file(&root).with_context(fail)? else {
        bail!("{}: {}/{ENV_FILE} does not exist", fail(), root.display());
    };
    for error in &file.errors {
        eprintln!("cdev: skipped {}:{}: {}", shown_path(&path), error.line, error.message);
    }
    let session = target::session(&name);
    // A key the file set last time and no longer has is unset: a revoked token must not stay.
    let previous = tmux.run(verbs::show_option_value(&session, cdev_option::ENV_KEYS)).with_context(fail)?;
    let keys: Vec<&str> = file.vars.iter().map(|(key, _)| key.as_str()).collect();
    let removed: Vec<&str> = previous.split_whitespace().filter(|key| !keys.contains(key)).collect();
    let mut chain: Vec<TmuxCommand> = removed
        .iter()
        .map(|key| TmuxCommand::new("set-environment").flag("-u").value("-t", &session).arg(key))
        .collect();
    chain.extend(environment::set(&session, file.vars.iter().map(|(k, v)| (k.as_str(), Some(v.as_str())))));
    chain.push(verbs::set_session_option(&session, cdev_option::ENV_KEYS, &keys.join(" ")));
    tmux.run_chain(&chain).with_context(fail)?;
    let unset = match removed.as_slice() {
        [] => String::new(),
        keys => format!(", {} unset ({})", keys.len(), keys.join(", ")),
    };
    eprintln!(
        "cdev: {} variables from {} set in {name}{unset} (new panes get them)",
        file.vars.len(),
        path.display()
    );
    Ok(())
}

fn show(context: &Context, tmux: &Tmux, session: Option<String>) -> Result<()> {
    let name = context.session_or_current(tmux, session).context("could not show env")?;
    let output = tmux
        .run(TmuxCommand::new("show-environment").value("-t", &target::session(&name)))
        .with_context(|| format!("could not show env of {name}"))?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    // `-NAME` is tmux's mark for a variable removed from the session (it hides the global one):
    // not part of the environment a pane gets.
    for line in output.lines().filter(|line| !line.starts_with('-')) {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}
