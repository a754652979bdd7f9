//! Saving sessions (`cdev save`, and before a session is killed or replaced): snapshots in a
//! few tmux calls, written atomically, rotated; the autosaver's saves skip unchanged sessions.

use anyhow::{Context as _, Result};

use crate::agent::journal;
use crate::config::Config;
use crate::context::Context;
use crate::snapshot::capture::{capture_each, Captured, MissingSession, Scrollback};
use crate::snapshot::files::Store;
use crate::snapshot::{Snapshot, FORMAT_VERSION};
use crate::tmux::Tmux;

/// Saves `sessions` (all when empty); one line per session for the user.
pub fn save(
    context: &Context,
    tmux: &Tmux,
    config: &Config,
    sessions: &[String],
    force: bool,
) -> Result<Vec<String>> {
    let saved = save_as(context, tmux, config, sessions, force, false)?;
    Ok(saved.into_iter().map(|s| s.line).collect())
}

/// Saves `sessions` before they are killed or replaced, whatever their size: the lines for the
/// user, and the sessions whose snapshot was written. Only those may be killed (a session left
/// out, gone while it was read, must not end unsaved should it still run).
pub fn save_before_kill(
    context: &Context,
    tmux: &Tmux,
    config: &Config,
    sessions: &[String],
) -> Result<(Vec<String>, Vec<String>)> {
    let saved = save_as(context, tmux, config, sessions, true, false)?;
    let written = saved.iter().filter(|s| s.written).map(|s| s.session.clone()).collect();
    Ok((saved.into_iter().map(|s| s.line).collect(), written))
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
    let saved = save_as(context, tmux, config, sessions, false, true)?;
    Ok(saved.iter().filter(|s| s.written).count())
}

/// What a save did with one session.
struct Saved {
    session: String,
    /// For the user: where it went, or why it was not written.
    line: String,
    written: bool,
}

/// Each session's line for the user, and whether a snapshot was written for it. A read that
/// fails stops the save: the sessions read before it are saved, and the error names them.
fn save_as(
    context: &Context,
    tmux: &Tmux,
    config: &Config,
    sessions: &[String],
    force: bool,
    automatic: bool,
) -> Result<Vec<Saved>> {
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
    // snapshot, so a restore takes it from the agent journal (`catch_up::apply_journal`).
    let stamped = chrono::Utc::now();
    let created = stamped.to_rfc3339();
    let socket = tmux.server().socket_path();
    let (keep, keep_days) = (config.snapshot_keep.value as usize, config.snapshot_keep_days.value);
    // One read of the process table for the whole save (with ps: one process, not one per pane).
    let processes = crate::proc::table();
    let write = |captured: Captured| -> Result<Saved> {
        let session = captured.assemble(processes.as_ref());
        let name = session.name.clone();
        let panes = session.pane_count();
        let ids: Vec<String> =
            session.windows.iter().flat_map(|w| &w.panes).filter_map(|p| p.id.clone()).collect();
        let unchanged =
            automatic && store.latest_good(&name).is_ok_and(|(_, latest, _)| latest.session == session);
        if unchanged {
            let line = format!("{name}: unchanged since its latest snapshot");
            return Ok(Saved { session: name, line, written: false });
        }
        let snapshot = Snapshot {
            version: FORMAT_VERSION,
            created: created.clone(),
            cdev_version: env!("CARGO_PKG_VERSION").to_string(),
            session,
        };
        let (path, kept) = store.write(&snapshot, force).with_context(|| format!("could not save {name}"))?;
        store.rotate(&name, keep, keep_days, &path)?;
        if kept.is_none() {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            journal::prune(&context.paths.state_dir, &name, &socket, stamped.timestamp(), &ids);
        }
        let mut line =
            format!("{name}: {} saved to {}", crate::humanize::counted(panes, "pane"), path.display());
        if let Some(kept) = kept {
            line.push_str(&format!("; {kept}"));
        }
        Ok(Saved { session: name, line, written: true })
    };
    // Each session is put together, compressed and written (two fsyncs) on its own thread,
    // started as soon as tmux has handed over its contents: the writes overlap each other and
    // the reading of the sessions after it.
    let (captured, results) = std::thread::scope(|scope| {
        let write = &write;
        let mut handles = Vec::new();
        let captured = capture_each(tmux, sessions, scrollback, |captured| {
            handles.push(scope.spawn(move || write(captured)));
        });
        crate::timings::mark("capture (tmux)");
        let results: Vec<Result<Saved>> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a save thread panicked"))))
            .collect();
        (captured, results)
    });
    crate::timings::mark("write the snapshots");
    let vanished = match captured {
        Ok(vanished) => vanished,
        Err(err) => {
            let saved: Vec<String> =
                results.into_iter().filter_map(Result::ok).filter(|s| s.written).map(|s| s.session).collect();
            if saved.is_empty() {
                if err.is::<MissingSession>() {
                    return Err(err);
                }
                return Err(err.context("could not save"));
            }
            return Err(err.context(format!("could not save all (saved first: {})", saved.join(", "))));
        }
    };
    let mut lines: Vec<Saved> = vanished
        .into_iter()
        .map(|name| {
            let line = format!("{name}: gone while it was being saved, skipped");
            Saved { session: name, line, written: false }
        })
        .collect();
    for result in results {
        lines.push(result?);
    }
    Ok(lines)
}
