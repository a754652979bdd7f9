//! `cdev save [SESSION…|--all]`: snapshots in two tmux processes, written atomically, rotated.

use anyhow::{bail, Context as _, Result};

use super::Context;
use crate::agent::journal;
use crate::config::Config;
use crate::snapshot::capture::{capture, Scrollback};
use crate::snapshot::files::Store;
use crate::snapshot::{Snapshot, FORMAT_VERSION};
use crate::tmux::{Tmux, TmuxCommand};

pub fn run(
    context: &Context,
    sessions: Vec<String>,
    all: bool,
    client: Option<String>,
    force: bool,
) -> Result<()> {
    let tmux = context.tmux()?;
    let config = context.file_config()?.with_tmux_options(&tmux.options()?, &context.paths)?;
    let sessions = match (all, sessions.is_empty()) {
        (true, _) => Vec::new(),
        (false, false) => sessions,
        (false, true) => match context.current_session(&tmux)? {
            Some(name) => vec![name],
            None => bail!("could not save: name a session, or use --all"),
        },
    };
    let saved = save(context, &tmux, &config, &sessions, force);
    if let Some(client) = &client {
        let message = match &saved {
            Ok(lines) => format!("cdev: {}", lines.join("; ")),
            Err(err) => format!("cdev: {err:#}"),
        };
        let _ = tmux.run(
            TmuxCommand::new("display-message")
                .value("-c", client)
                .literal("-d", "4000")
                .arg(&crate::tmux::command::escape_format(&message)),
        );
    }
    for line in saved? {
        println!("{line}");
    }
    Ok(())
}

/// Saves `sessions` (all when empty); one line per session for the user. Also used before a
/// session is replaced or killed: nothing is killed unless this succeeded.
pub fn save(
    context: &Context,
    tmux: &Tmux,
    config: &Config,
    sessions: &[String],
    force: bool,
) -> Result<Vec<String>> {
    let lines = save_as(context, tmux, config, sessions, force, false)?;
    Ok(lines.into_iter().map(|(line, _)| line).collect())
}

/// An autosave of `sessions` (`crate::autosave`): a session whose snapshot would be the same as
/// its latest is not written again, and the snapshots are marked automatic, so rotation keeps
/// only the last few of them. Returns how many were written.
pub fn save_automatically(
    context: &Context,
    tmux: &Tmux,
    config: &Config,
    sessions: &[String],
) -> Result<usize> {
    let lines = save_as(context, tmux, config, sessions, false, true)?;
    Ok(lines.iter().filter(|(_, written)| *written).count())
}

/// Each session's line for the user, and whether a snapshot was written for it.
fn save_as(
    context: &Context,
    tmux: &Tmux,
    config: &Config,
    sessions: &[String],
    force: bool,
    automatic: bool,
) -> Result<Vec<(String, bool)>> {
    let store = if automatic {
        Store::new(&context.paths.state_dir).automatic()
    } else {
        Store::new(&context.paths.state_dir)
    };
    let _lock = store.lock()?;
    let scrollback = match config.snapshot_scrollback.value {
        -1 => Scrollback::All,
        0 => Scrollback::None,
        n => Scrollback::Lines(n as u32),
    };
    // Stamped before the capture: a hook that changes a pane while it runs is newer than the
    // snapshot, so a restore takes it from the agent journal (`rebuild::apply_journal`).
    let stamped = chrono::Utc::now();
    let created = stamped.to_rfc3339();
    let socket = tmux.server().socket_path();
    let (snapshots, vanished) = capture(tmux, sessions, scrollback).context("could not save")?;
    let mut lines: Vec<(String, bool)> = vanished
        .into_iter()
        .map(|name| (format!("{name}: gone while it was being saved, skipped"), false))
        .collect();
    // Each session's file is compressed and fsynced on its own thread: the syncs overlap.
    let (keep, keep_days) = (config.snapshot_keep.value as usize, config.snapshot_keep_days.value);
    let results: Vec<Result<(String, bool)>> = std::thread::scope(|scope| {
        let (store, created, socket) = (&store, &created, &socket);
        let handles: Vec<_> = snapshots
            .into_iter()
            .map(|session| {
                scope.spawn(move || {
                    let name = session.name.clone();
                    let panes = session.pane_count();
                    let ids: Vec<String> =
                        session.windows.iter().flat_map(|w| &w.panes).filter_map(|p| p.id.clone()).collect();
                    let unchanged = automatic
                        && store.latest_good(&name).is_ok_and(|(_, latest, _)| latest.session == session);
                    if unchanged {
                        return Ok((format!("{name}: unchanged since its latest snapshot"), false));
                    }
                    let snapshot = Snapshot {
                        version: FORMAT_VERSION,
                        created: created.clone(),
                        cdev_version: env!("CARGO_PKG_VERSION").to_string(),
                        session,
                    };
                    let (path, kept) =
                        store.write(&snapshot, force).with_context(|| format!("could not save {name}"))?;
                    store.rotate(&name, keep, keep_days, &path)?;
                    if kept.is_none() {
                        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                        journal::prune(&context.paths.state_dir, &name, socket, stamped.timestamp(), &ids);
                    }
                    let mut line = format!("{name}: {panes} panes saved to {}", path.display());
                    if let Some(kept) = kept {
                        line.push_str(&format!("; {kept}"));
                    }
                    Ok((line, true))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a save thread panicked"))))
            .collect()
    });
    for result in results {
        lines.push(result?);
    }
    Ok(lines)
}
