//! `cdev git-status`: "git status in the git pane", as the plain-tmux key did, finding the pane by the role its
//! template gave it (`@cdev_role git`), not by a hard-coded index, and typing into it only when its
//! shell sits at the prompt (never into an editor or a running program).

use crate::tmux::cdev_option;
use crate::tmux::verbs;
use anyhow::{anyhow, Context as _, Result};
use clap::Args;

use super::Context;
use crate::tmux::format::{plain, text, Field, Fields, Record};

/// Type `git status` into the session's git pane (the pane with role git), when it is at a
/// shell prompt. Bound to prefix + g.
#[derive(Debug, Args)]
pub struct GitStatusArgs {
    pub session: Option<String>,
    /// The tmux client whose session is meant; errors go to its status line.
    #[arg(long, value_name = "CLIENT")]
    pub client: Option<String>,
}

pub fn run(context: &Context, args: GitStatusArgs) -> Result<()> {
    let GitStatusArgs { session, client } = args;
    let tmux = context.tmux()?;
    let session = match (&session, &client) {
        (Some(name), _) => {
            context.session_or_current(&tmux, Some(name.clone())).context("could not run git status")?
        }
        (None, Some(client)) => {
            tmux.run(verbs::expand_for_client(client, "#{session_name}"))?.trim_end_matches('\n').to_string()
        }
        (None, None) => context.session_or_current(&tmux, None)?,
    };
    let panes = tmux
        .query::<RolePane>(verbs::session_panes(&session))
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
        tmux.run_chain(&[verbs::type_text(&pane.id, "git status"), verbs::press_enter(&pane.id)]).map(drop)
    });
    match (outcome, client) {
        // From a key binding: say it in the status line, where the user looks.
        (Err(err), Some(client)) => {
            context.tell_client(&client, &err);
            Ok(())
        }
        (outcome, _) => outcome,
    }
}

/// What keeps the pane's shell from its prompt, if anything: its foreground program's name.
fn foreground_job(pane: &RolePane) -> Option<String> {
    let processes = crate::proc::table();
    let idle = crate::proc::pane_at_prompt(processes.as_ref(), pane.pid, &pane.command);
    (!idle).then(|| {
        crate::proc::deepest_child_name(processes.as_ref(), pane.pid).unwrap_or_else(|| pane.command.clone())
    })
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
        text(cdev_option::ROLE),
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
