//! `cdev git-status`: the seed's "git status in the git pane", finding the pane by the role its
//! template gave it (`@cdev_role git`), not by a hard-coded index, and typing into it only when its
//! shell sits at the prompt (never into an editor or a running program).

use anyhow::{anyhow, Context as _, Result};

use super::Context;
use crate::tmux::format::{plain, text, Field, Fields, Record};
use crate::tmux::{target, TmuxCommand};

pub fn run(context: &Context, session: Option<String>, client: Option<String>) -> Result<()> {
    let tmux = context.tmux()?;
    let session = match (&session, &client) {
        (Some(name), _) => name.clone(),
        (None, Some(client)) => tmux
            .run(TmuxCommand::new("display-message").flag("-p").value("-c", client).arg("#{session_name}"))?
            .trim_end_matches('\n')
            .to_string(),
        (None, None) => context.session_or_current(&tmux, None)?,
    };
    let panes = tmux
        .query::<RolePane>(TmuxCommand::new("list-panes").flag("-s").value("-t", &target::session(&session)))
        .with_context(|| format!("could not read session {session}"))?;
    // The git pane of the window in view first, else the session's first.
    let git = panes
        .iter()
        .filter(|p| p.role.as_deref() == Some("git"))
        .max_by_key(|p| p.window_active)
        .ok_or_else(|| anyhow!("could not run git status: {session} has no pane with role git"));
    let outcome = git.and_then(|pane| {
        if let Some(busy) = foreground_job(pane) {
            return Err(anyhow!("could not run git status: the git pane is running {busy}"));
        }
        tmux.run_chain(&[
            TmuxCommand::new("send-keys").value("-t", &pane.id).flag("-l").arg("git status"),
            TmuxCommand::new("send-keys").value("-t", &pane.id).arg("Enter"),
        ])
        .map(drop)
    });
    match (outcome, client) {
        // From a key binding: say it in the status line, where the user looks.
        (Err(err), Some(client)) => {
            super::tell_client(context, &client, &err);
            Ok(())
        }
        (outcome, _) => outcome,
    }
}

/// What keeps the pane's shell from its prompt, if anything: its foreground program's name.
fn foreground_job(pane: &RolePane) -> Option<String> {
    let idle = crate::resources::pane_at_prompt(pane.pid, &pane.command);
    (!idle).then(|| foreground_name(pane.pid).unwrap_or_else(|| pane.command.clone()))
}

/// The name of the program the pane runs in its foreground: the terminal's foreground group
/// leader, or the deepest child of `sh -c` (which does not exec its command).
fn foreground_name(pane_pid: u32) -> Option<String> {
    let mut pid = pane_pid;
    for _ in 0..8 {
        let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
        match children.split_whitespace().next().and_then(|c| c.parse().ok()) {
            Some(child) => pid = child,
            None => break,
        }
    }
    let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(name.trim().to_string())
}

struct RolePane {
    id: String,
    pid: u32,
    role: Option<String>,
    command: String,
    window_active: bool,
}

impl Record for RolePane {
    const FIELDS: &'static [Field] = &[
        plain("pane_id"),
        plain("pane_pid"),
        text("@cdev_role"),
        text("pane_current_command"),
        plain("window_active"),
    ];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(RolePane {
            id: f.string()?,
            pid: f.number()?,
            role: f.optional()?,
            command: f.string()?,
            window_active: f.flag()?,
        })
    }
}
