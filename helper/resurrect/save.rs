//! The save hooks: post-save-layout writes the sidecar and, for a save (nearly) empty next to the
//! live server or the previous save, leaves a mark; post-save-all then points `last` back at a
//! good save, so continuum never restores an empty one after a reboot.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::dir::{panes_in, prune_sidecars, resurrect_dir};
use super::sidecar::{session_sides, sidecar_path, PaneSide, SidePane, Sidecar, FORMAT_VERSION};
use super::{host, note};
use crate::context::Context;
use crate::store;
use crate::tmux::verbs;

/// A save with fewer than this share of the server's panes is taken for an empty one.
const MIN_SHARE: f64 = 0.5;
/// Where the post-save-layout hook leaves the name of a save it found bad, for post-save-all
/// (which runs after resurrect has pointed `last` at it).
const BAD_SAVE: &str = ".cdev-bad-save";

pub(super) fn post_save_layout(context: &Context, file: &Path) -> Result<()> {
    let tmux = context.tmux()?;
    let panes = tmux.query::<SidePane>(verbs::all_panes())?;
    let saved = panes_in(file)?;
    let dir = file.parent().unwrap_or(Path::new("."));
    // `last` still names the previous save here: resurrect moves it after this hook.
    let previous = std::fs::read_link(dir.join("last")).ok().map(|name| dir.join(name));
    let previous = previous.filter(|p| p.as_path() != file).and_then(|path| {
        let panes = panes_in(&path).ok().filter(|n| *n > 0)?;
        let written = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
        Some(PreviousSave { path, panes, written })
    });
    let server = panes.first().map(|p| p.server);
    let started = server.map_or(0, |s| s.started);
    if let Some(why) = nearly_empty(saved, panes.len(), previous.as_ref(), started) {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let keep =
            previous.as_ref().and_then(|p| p.path.file_name()).map(|n| n.to_string_lossy().into_owned());
        store::write_atomic(&dir.join(BAD_SAVE), format!("{name}\n{}", keep.unwrap_or_default()).as_bytes())?;
        note(context, &format!("{name} {why}: not to become last"));
    }
    let sidecar = Sidecar {
        version: FORMAT_VERSION,
        host: host(),
        server,
        sessions: session_sides(&tmux, &panes)?,
        panes: panes
            .into_iter()
            .map(|p| PaneSide {
                pane_id: Some(p.pane_id),
                session: p.session,
                window: p.window,
                pane: p.pane,
                claude_session: p.claude_session,
                agent_state: p.agent_state,
                worktree: p.worktree,
                role: p.role,
            })
            .collect(),
    };
    // It holds session environments (API keys among them): readable by the user only.
    store::write_private(&sidecar_path(file), &serde_json::to_vec_pretty(&sidecar)?)
}

/// The save `last` named before this one, as the empty-save guard compares with it.
struct PreviousSave {
    path: PathBuf,
    panes: usize,
    written: std::time::SystemTime,
}

/// Why a save of `saved` panes must not become `last`, if it must not: it holds no panes, under
/// half the live server's, or under half the previous save's on a server started after that save
/// was written — the save continuum takes right after a reboot or a crash, before any restore,
/// which is the one the guard exists for. On the server that wrote the previous save, fewer panes
/// are the user's own doing (sessions ended on purpose) and the smaller save is the right one.
fn nearly_empty(
    saved: usize,
    live: usize,
    previous: Option<&PreviousSave>,
    server_started: u64,
) -> Option<String> {
    if saved == 0 {
        return Some("holds no panes".into());
    }
    if (saved as f64) < MIN_SHARE * live as f64 {
        return Some(format!("holds {saved} of the server's {live} panes"));
    }
    let previous = previous?;
    let written = previous.written.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let name = previous.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    (server_started > written && (saved as f64) < MIN_SHARE * previous.panes as f64).then(|| {
        format!(
            "holds {saved} panes, {name} {}, and this server started after that save (a reboot or a crash?)",
            previous.panes
        )
    })
}

/// After resurrect pointed `last` at the new file: back to the save it named before when the new
/// one was found (nearly) empty (else the newest earlier save that holds panes).
pub(super) fn post_save_all(context: &Context) -> Result<()> {
    let Some(dir) = resurrect_dir(context)? else { return Ok(()) };
    prune_sidecars(&dir);
    let marker = dir.join(BAD_SAVE);
    let Ok(text) = std::fs::read_to_string(&marker) else { return Ok(()) };
    let _ = std::fs::remove_file(&marker);
    let (bad, kept) = text.split_once('\n').unwrap_or((&text, ""));
    let last = dir.join("last");
    if std::fs::read_link(&last).ok().as_deref() != Some(Path::new(bad)) {
        return Ok(()); // resurrect dropped it (it matched the previous save), or `last` moved on
    }
    let is_save = |name: &str| name.starts_with("tmux_resurrect_") && name.ends_with(".txt") && name != bad;
    let kept = Some(dir.join(kept)).filter(|p| is_save(kept) && panes_in(p).is_ok_and(|n| n > 0));
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_save(&p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()))
        .collect();
    candidates.sort(); // the timestamp in the name sorts by time
    let newest_good = || candidates.into_iter().rev().find(|p| panes_in(p).is_ok_and(|n| n > 0));
    let Some(good) = kept.or_else(newest_good) else {
        note(context, &format!("{bad} is nearly empty, but there is no earlier save to keep as last"));
        return Ok(());
    };
    let good_name = good.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // A new link renamed over the old one: `last` is never missing, even for a moment.
    let temp = dir.join(".last.cdev.tmp");
    let _ = std::fs::remove_file(&temp);
    std::os::unix::fs::symlink(&good_name, &temp)?;
    std::fs::rename(&temp, &last)?;
    note(context, &format!("{bad} is nearly empty: last points back at {good_name}"));
    Ok(())
}
