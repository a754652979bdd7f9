//! The picker's saved sessions: sessions cdev has snapshots of that are not running, listed
//! after the live ones (with their age and agents); Enter restores just that one, `ctrl-x`
//! forgets it after asking.

use crate::tmux::cdev_option;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use anyhow::Result;

use crate::context::Context;
use crate::humanize::{duration, printable};
use crate::picker::Entry;
use crate::snapshot::files::{self, Store};
use crate::snapshot::Snapshot;

/// A line and a preview for each saved session not in `running`, most recently saved first,
/// with the session's name.
/// Sessions that run on another tmux server (`runs_elsewhere`) are left out: restoring one here
/// would start its agents twice.
pub fn entries(
    state_dir: &Path,
    running: &HashSet<String>,
    runs_elsewhere: impl Fn(&crate::snapshot::SessionSnapshot) -> bool,
) -> Vec<(Entry, String)> {
    let now = chrono::Utc::now();
    let mut saved: Vec<(Option<chrono::DateTime<chrono::Utc>>, Snapshot)> = Store::new(state_dir)
        .saved_sessions()
        .into_iter()
        .filter(|(_, s)| !running.contains(&s.session.name) && !runs_elsewhere(&s.session))
        .map(|(path, snapshot)| (files::created_at(&path), snapshot))
        .collect();
    saved.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.session.name.cmp(&b.1.session.name)));
    saved
        .into_iter()
        .map(|(created, snapshot)| {
            let name = snapshot.session.name.clone();
            let age = created.map(|t| duration((now - t).num_seconds().max(0))).unwrap_or_else(|| "?".into());
            let agents = agents(&snapshot);
            let agents = if agents > 0 { format!(", {agents} agent(s)") } else { String::new() };
            let line = format!("◌ {}  (saved {age} ago{agents})", printable(&name));
            let preview = preview(&snapshot);
            (Entry { line, preview: Arc::new(move || preview.clone()) }, name)
        })
        .collect()
}

/// The Claude panes a restore would resume (not those whose agent had ended).
fn agents(snapshot: &Snapshot) -> usize {
    let panes = snapshot.session.windows.iter().flat_map(|w| &w.panes);
    panes
        .filter(|p| p.options.contains_key(cdev_option::CLAUDE_SESSION))
        .filter(|p| p.options.get(cdev_option::AGENT_STATE).is_none_or(|s| s != "ended"))
        .count()
}

/// What the snapshot holds: its windows and panes (cwd, command, agent), then the saved screen
/// of its active pane.
fn preview(snapshot: &Snapshot) -> String {
    let session = &snapshot.session;
    let mut text = format!(
        "\x1b[1m{}\x1b[0m saved {} · Enter restores it · ctrl-x forgets it\n\n",
        printable(&session.name),
        snapshot.created
    );
    for window in &session.windows {
        text.push_str(&format!("{}: {}\n", window.index, printable(&window.name)));
        for pane in &window.panes {
            let what = match pane.options.get(cdev_option::CLAUDE_SESSION) {
                Some(id) => format!("claude {id}"),
                None => printable(&pane.command.join(" ")),
            };
            text.push_str(&format!("  {}  {}  {what}\n", pane.index, printable(&pane.cwd)));
        }
    }
    let active = session.windows.iter().find(|w| w.active).and_then(|w| w.panes.iter().find(|p| p.active));
    if let Some(contents) = active.and_then(|p| p.contents.as_deref()) {
        text.push('\n');
        let lines: Vec<&str> = contents.lines().collect();
        for line in &lines[lines.len().saturating_sub(30)..] {
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

/// Brings `name` back from its latest good snapshot, then goes there.
pub fn restore_and_go(context: &Context, name: &str, client: Option<&str>) -> Result<()> {
    let request = crate::snapshot::restore::Request {
        targets: vec![name.to_string()],
        as_name: None,
        force: false,
        client: client.map(str::to_string),
        yes: false,
    };
    crate::snapshot::restore::run(context, request)?;
    let tmux = context.tmux()?;
    crate::session::attach::attach_or_switch(context, &tmux, name, client)
}

/// Deletes the snapshots of `name`, once the user said yes.
pub fn forget(context: &Context, name: &str) -> Result<()> {
    let shown = printable(name);
    if crate::prompt::confirm(&format!("Forget the saved session {shown}? Its snapshots are deleted (y/N) "))?
    {
        Store::new(&context.paths.state_dir).forget(name)?;
        eprintln!("cdev: {shown} forgotten");
    }
    Ok(())
}
