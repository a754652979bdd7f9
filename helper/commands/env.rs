//! `cdev env load|show [SESSION]`: the project's `.env.claude` into a running session, and the
//! session's environment as tmux holds it.

use std::io::{self, Write};

use anyhow::{anyhow, bail, Context as _, Result};

use super::Context;
use crate::cli::EnvCommand;
use crate::session::env::{read_env_file, ENV_FILE};
use crate::tmux::{target, Tmux, TmuxCommand};

pub fn run(context: &Context, command: EnvCommand) -> Result<()> {
    let tmux = context.tmux()?;
    match command {
        EnvCommand::Load { session } => load(context, &tmux, session),
        EnvCommand::Show { session } => show(context, &tmux, session),
    }
}

/// The named session, else the session of the pane cdev runs in.
fn session_name(context: &Context, tmux: &Tmux, session: Option<String>) -> Result<String> {
    if let Some(name) = session {
        return Ok(name);
    }
    let pane = std::env::var("TMUX_PANE").ok().filter(|_| context.inside_tmux);
    let pane = pane.ok_or_else(|| anyhow!("no session given, and not running inside tmux"))?;
    let name =
        tmux.run(TmuxCommand::new("display-message").flag("-p").value("-t", &pane).arg("#{session_name}"))?;
    Ok(name.trim_end_matches('\n').to_string())
}

fn load(context: &Context, tmux: &Tmux, session: Option<String>) -> Result<()> {
    let name = session_name(context, tmux, session).context("could not load env")?;
    let fail = || format!("could not load env into {name}");
    let root = tmux
        .run(
            TmuxCommand::new("show-options")
                .flag("-v")
                .value("-t", &target::session(&name))
                .arg("@cdev_project_root"),
        )
        .with_context(fail)?;
    let root = root.trim_end_matches('\n');
    if root.is_empty() {
        bail!("{}: it was not made by cdev (no @cdev_project_root)", fail());
    }
    let Some((path, file)) = read_env_file(root.as_ref()).with_context(fail)? else {
        bail!("{}: {root}/{ENV_FILE} does not exist", fail());
    };
    for error in &file.errors {
        eprintln!("cdev: skipped {}:{}: {}", path.display(), error.line, error.message);
    }
    let session = target::session(&name);
    let chain: Vec<TmuxCommand> = file
        .vars
        .iter()
        .map(|(key, value)| TmuxCommand::new("set-environment").value("-t", &session).arg(key).arg(value))
        .collect();
    tmux.run_chain(&chain).with_context(fail)?;
    eprintln!(
        "cdev: {} variables from {} set in {name} (new panes get them)",
        file.vars.len(),
        path.display()
    );
    Ok(())
}

fn show(context: &Context, tmux: &Tmux, session: Option<String>) -> Result<()> {
    let name = session_name(context, tmux, session).context("could not show env")?;
    let output = tmux
        .run(TmuxCommand::new("show-environment").value("-t", &target::session(&name)))
        .with_context(|| format!("could not show env of {name}"))?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    out.write_all(output.as_bytes())?;
    out.flush()?;
    Ok(())
}
