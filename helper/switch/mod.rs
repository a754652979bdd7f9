//! Going to a session: `cdev switch NAME` (a session, `<prefix>NAME`, a path, a session's project,
//! a project), and without a name the picker over sessions, saved sessions, projects and other
//! hosts' sessions. `resolve.rs` finds where a name leads, `pick.rs` runs the picker (its lines in
//! `entries.rs`, their previews in `preview.rs`, what its keys do in `actions.rs`, the saved
//! sessions in `saved.rs`), `popup.rs` opens it in a tmux popup; `sessions.rs` reads tmux.

pub mod actions;
pub mod entries;
pub mod pick;
pub mod popup;
pub mod preview;
pub mod resolve;
pub mod saved;
pub mod sessions;

use crate::tmux::verbs;
use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, Result};

use crate::context::Context;
use crate::humanize::printable;
use crate::picker;
use crate::session::{attach, new};
use crate::tmux::Tmux;

/// Goes where `name` leads; without one, opens the picker on a terminal, else prints the
/// session names.
pub fn switch_or_pick(context: &Context, name: Option<String>, client: Option<&str>) -> Result<()> {
    match name {
        Some(name) => resolve::switch_to(context, &name, client),
        None if picker::has_terminal() => pick::pick_loop(context, client),
        None => {
            // Without a terminal, what the plain-tmux switch scripts printed: the sessions, one per line.
            let tmux = context.tmux()?;
            let (_, _, sessions) = sessions::read(context, &tmux)?;
            let mut out = std::io::stdout().lock();
            for session in sessions {
                writeln!(out, "{}", printable(&session.name))?;
            }
            Ok(())
        }
    }
}

/// Goes to `session`; a session that vanished meanwhile (killed while the picker was open) gets
/// a plain message.
pub(super) fn go(context: &Context, tmux: &Tmux, session: &str, client: Option<&str>) -> Result<()> {
    attach::attach_or_switch(context, tmux, session, client).map_err(|err| {
        let gone = tmux.run(verbs::has_session(session)).is_err();
        if gone {
            anyhow!("could not switch to {session}: it no longer exists (killed meanwhile?)")
        } else {
            err
        }
    })
}

pub(super) fn create(
    context: &Context,
    root: &Path,
    template: Option<String>,
    client: Option<&str>,
) -> Result<()> {
    new::run(
        context,
        new::Request {
            dir: Some(root.to_path_buf()),
            template,
            name: None,
            worktrees: Vec::new(),
            attach: true,
            dry_run: false,
            client: client.map(str::to_string),
        },
    )
}
