//! `cdev switch [NAME] [--client C] [--popup WxH]`: go to a session, making it from the project
//! when there is none; without NAME, the picker (`crate::switch`).

use anyhow::Result;
use clap::Args;

use super::Context;
use crate::exit::is_silent;

/// Go to a session (attach, or switch-client inside tmux), making it from the project when
/// there is none. NAME is a session, a project under projects_dirs, or a path. Without NAME: a
/// fuzzy picker on a terminal (Esc leaves it with exit status 130), else the session names.
#[derive(Debug, Args)]
pub struct SwitchArgs {
    pub name: Option<String>,
    /// The tmux client to switch (prefix + T passes #{client_name}).
    #[arg(long, value_name = "CLIENT")]
    pub client: Option<String>,
    /// Open the picker in a popup of WIDTHxHEIGHT (cells or percent, e.g. 80%x60%) on
    /// --client, and return: what prefix + T runs.
    #[arg(long, value_name = "WIDTHxHEIGHT", requires = "client", conflicts_with = "name")]
    pub popup: Option<String>,
}

pub fn run(context: &Context, args: SwitchArgs) -> Result<()> {
    let SwitchArgs { name, client, popup } = args;
    if let Some(size) = popup {
        // What prefix + T runs: the picker in a popup on the client.
        return crate::switch::popup::open(context, client, &size);
    }
    let outcome = crate::switch::switch_or_pick(context, name, client.as_deref());
    // From prefix + T: the popup closes with the picker, so the reason is said where the user
    // looks, in the client's status line (and on stderr, for the exit status).
    if let (Err(err), Some(client)) = (&outcome, &client) {
        if !is_silent(err) {
            context.tell_client(client, err);
        }
    }
    outcome
}
