//! `cdev save [SESSION…|--all] [--client C] [--force]`, and `cdev save --auto` (the autosaver,
//! `snapshot::autosave`).

use crate::tmux::verbs;
use anyhow::{bail, Result};
use clap::Args;

use super::Context;

/// Snapshot sessions: layout, cwds, commands, env, options, contents (atomic; never empty).
#[derive(Debug, Args)]
pub struct SaveArgs {
    /// Sessions to save (default: the one you are in).
    pub sessions: Vec<String>,
    /// Save every session on the server.
    #[arg(long, conflicts_with = "sessions")]
    pub all: bool,
    /// Also tell this tmux client how it went (key bindings pass #{client_name}).
    #[arg(long, value_name = "CLIENT")]
    pub client: Option<String>,
    /// Make this the latest snapshot even when it has far fewer panes than the last one.
    #[arg(long)]
    pub force: bool,
    /// What cdev's autosave runs (tmux hooks, the interval timer): saves cdev's sessions when
    /// a save was asked for, one at a time, printing nothing.
    #[arg(long, conflicts_with_all = ["sessions", "all", "client", "force"])]
    pub auto: bool,
    /// An interval timer's tick (with --auto); set by cdev itself.
    #[arg(long, requires = "auto", hide = true, value_name = "TOKEN")]
    pub timer: Option<String>,
    /// The session just closed (with --auto; the plugin's session-closed hook): unless the
    /// whole server went, it was closed on purpose and `cdev restore` leaves it out.
    #[arg(long, requires = "auto", hide = true, value_name = "SESSION")]
    pub closed: Option<String>,
}

pub fn run(context: &Context, args: SaveArgs) -> Result<()> {
    if args.auto {
        return match &args.closed {
            Some(session) => crate::snapshot::autosave::closed(context, session),
            None => crate::snapshot::autosave::run(context, args.timer),
        };
    }
    let SaveArgs { sessions, all, client, force, .. } = args;
    let tmux = context.tmux()?;
    let config = context.file_config()?.with_tmux_options(&tmux.options()?, &context.paths)?;
    crate::timings::mark("read the configuration");
    let sessions = match (all, sessions.is_empty()) {
        (true, _) => Vec::new(),
        (false, false) => sessions,
        (false, true) => match context.current_session(&tmux)? {
            Some(name) => vec![name],
            None => bail!("could not save: name a session, or use --all"),
        },
    };
    let saved = crate::snapshot::save::save(context, &tmux, &config, &sessions, force);
    if let Some(client) = &client {
        let message = match &saved {
            Ok(lines) => format!("cdev: {}", lines.join("; ")),
            Err(err) => format!("cdev: {err:#}"),
        };
        let _ = tmux.run(verbs::tell_for(client, &message, 4000));
    }
    for line in saved? {
        println!("{line}");
    }
    Ok(())
}
