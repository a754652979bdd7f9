//! Getting the user to a session: `switch-client` inside tmux, `attach-session` outside (this
//! process becomes the tmux client), or, without a terminal, a hint of what to run.

use crate::tmux::verbs;
use std::io::IsTerminal;

use anyhow::{Context as _, Result};

use crate::context::Context;
use crate::tmux::{target, Tmux, TmuxCommand};

/// The command that switches `client` (default: the current client) to `session` (for chaining
/// after creation).
pub fn switch_command(session: &str, client: Option<&str>) -> TmuxCommand {
    verbs::switch_client(client, &target::session(session))
}

/// Switches `client` (key bindings and popups name theirs), else the client this process runs
/// under, else attaches this terminal.
pub fn attach_or_switch(context: &Context, tmux: &Tmux, session: &str, client: Option<&str>) -> Result<()> {
    if context.inside_tmux || client.is_some() {
        return tmux
            .run(switch_command(session, client))
            .map(drop)
            .with_context(|| format!("could not switch to {session}"));
    }
    if std::env::var_os("TMUX").is_some_and(|v| !v.is_empty()) {
        // Inside one tmux server, pointed at another: attaching would nest clients.
        println!("{session}");
        eprintln!("cdev: {session} is on {}; attach from outside tmux", tmux.server());
        return Ok(());
    }
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        println!("{session}");
        return Ok(());
    }
    Err(tmux.exec_attach(session))
}
