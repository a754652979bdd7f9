//! The restore hooks: pre-restore-all checks the layouts in the save about to be read and takes
//! cdev's own snapshot first; post-restore-all puts back each session's env and options and each
//! pane's cdev options, and resumes each Claude pane's own conversation (or the newer one the
//! agent journal recorded after the save).

use crate::tmux::cdev_option;
use crate::tmux::verbs;
use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, Context as _, Result};

use super::dir::resurrect_dir;
use super::sidecar::{self, SidePane};
use super::{host, note};
use crate::agent::claude::{self, SessionId};
use crate::agent::journal;
use crate::context::Context;
use crate::store;
use crate::tmux::{environment, target};

/// Before resurrect restores into the server: the layouts in the save it is about to read
/// checked (it runs `select-layout` on each, and tmux 3.3a crashes on some malformed ones), then
/// cdev's own snapshot of what runs now, so a restore that merges into live sessions loses nothing.
pub(super) fn pre_restore_all(context: &Context) -> Result<()> {
    if let Some(dir) = resurrect_dir(context)? {
        if let Ok(state) = std::fs::canonicalize(dir.join("last")) {
            if let Err(err) = tile_bad_layouts(context, &state) {
                note(context, &format!("could not check the layouts in {}: {err:#}", state.display()));
            }
        }
    }
    let tmux = context.tmux()?;
    let (config, _, sessions) = crate::session::lifecycle::read(context, &tmux)?;
    let names: Vec<String> = sessions.into_iter().map(|s| s.name).collect();
    if names.is_empty() {
        return Ok(());
    }
    crate::snapshot::save::save(context, &tmux, &config, &names, false).map(drop)
}

/// Rewrites (atomically) each `window` line of resurrect's `state` file whose layout tmux could
/// not take for that window's panes to `tiled`, and says so in resurrect.log.
fn tile_bad_layouts(context: &Context, state: &Path) -> Result<()> {
    let bytes = crate::bounded::read(state, crate::bounded::limit::RESURRECT)?;
    // Only a file that is text is rewritten (a path that is not UTF-8 is kept byte for byte).
    let text = std::str::from_utf8(&bytes).map_err(|_| anyhow!("not UTF-8 text"))?;
    let field = |line: &str, n: usize| line.split('\t').nth(n).unwrap_or("").to_string();
    let mut panes: BTreeMap<(String, String), usize> = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("pane\t")) {
        *panes.entry((field(line, 1), field(line, 2))).or_default() += 1;
    }
    let mut changed = false;
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let mut fields: Vec<&str> = line.strip_suffix('\n').unwrap_or(line).split('\t').collect();
        if fields.first() == Some(&"window") && fields.len() >= 7 {
            let count = panes.get(&(fields[1].to_string(), fields[2].to_string())).copied().unwrap_or(0);
            let what = format!("{} window {}", fields[1], fields[2]);
            let mut notes = Vec::new();
            let layout = crate::tmux::layout::or_tiled(fields[6], count, &what, &mut notes);
            if !notes.is_empty() {
                fields[6] = layout;
                changed = true;
                notes.iter().for_each(|n| note(context, &format!("{}: {n}", state.display())));
                out.push_str(&fields.join("\t"));
                out.push_str(if line.ends_with('\n') { "\n" } else { "" });
                continue;
            }
        }
        out.push_str(line);
    }
    if changed {
        store::write_atomic(state, out.as_bytes())?;
    }
    Ok(())
}

pub(super) fn post_restore_all(context: &Context) -> Result<()> {
    let Some(dir) = resurrect_dir(context)? else { return Ok(()) };
    let last = dir.join("last");
    let state =
        std::fs::canonicalize(&last).with_context(|| format!("could not follow {}", last.display()))?;
    let Some((side_path, sidecar)) = sidecar::read(&state)? else { return Ok(()) }; // saved before cdev
    let tmux = context.tmux()?;
    let live = tmux.query::<SidePane>(verbs::all_panes())?;
    let mut chain = Vec::new();
    for session in &sidecar.sessions {
        if !live.iter().any(|p| p.session == session.name) {
            continue;
        }
        let t = target::session(&session.name);
        chain.extend(environment::set(&t, session.env.iter().map(|(k, v)| (k.as_str(), v.as_deref()))));
        for (key, value) in session.options.iter().filter(|(k, _)| k.starts_with(cdev_option::PREFIX)) {
            chain.push(verbs::set_session_option(&t, key, value));
        }
    }
    let same_host = sidecar.host == host();
    if !same_host {
        note(
            context,
            &format!(
                "{} was written on {}: conversations are not resumed here",
                side_path.display(),
                sidecar.host
            ),
        );
    }
    let config = context.file_config()?.with_tmux_options(&tmux.options()?, &context.paths)?;
    let settings = context.install_claude_settings()?;
    let claude_dir = claude::config_dir(&context.paths.home);
    // A conversation started or switched after this save is in the agent journal.
    let saved_at = std::fs::metadata(&side_path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(i64::MAX, |d| d.as_secs() as i64);
    let socket = tmux.server().socket_path();
    let mut journals: BTreeMap<&str, Vec<journal::Entry>> = BTreeMap::new();
    // One read of the process table for every pane (with ps: one process, not one per pane).
    let processes = crate::proc::table();
    for pane in &sidecar.panes {
        let Some(now) =
            live.iter().find(|p| p.session == pane.session && p.window == pane.window && p.pane == pane.pane)
        else {
            continue; // the sidecar knows a pane resurrect did not restore
        };
        let t = target::pane(&pane.session, pane.window, pane.pane);
        for (key, value) in [(cdev_option::WORKTREE, &pane.worktree), (cdev_option::ROLE, &pane.role)] {
            if let Some(value) = value {
                chain.push(verbs::set_pane_option(&t, key, value));
            }
        }
        let entries = journals
            .entry(pane.session.as_str())
            .or_insert_with(|| journal::read_for_restore(&context.paths.state_dir, &pane.session, &socket));
        let saved = journal::SavedPane {
            id: pane.pane_id.as_deref(),
            window: pane.window,
            pane: pane.pane,
            cwd: &now.cwd,
        };
        let newer = journal::newest_for(entries, sidecar.server, &saved, saved_at);
        let id = newer.and_then(|e| e.claude_session.as_deref()).or(pane.claude_session.as_deref());
        let state = newer.map(|e| e.state.as_str()).or(pane.agent_state.as_deref());
        let Some(id) = id.and_then(SessionId::parse) else { continue };
        let set_id = |id: &SessionId| verbs::set_pane_option(&t, cdev_option::CLAUDE_SESSION, id.as_str());
        // Only a pane back at its shell: one resurrect restored with a program is left alone.
        let idle = crate::proc::pane_at_prompt(processes.as_ref(), now.pid, &now.command);
        if !same_host || state == Some("ended") || !idle {
            chain.push(set_id(&id));
            continue;
        }
        let command =
            match claude::comeback(&config.claude_command.value, &settings, &claude_dir, &now.cwd, &id) {
                claude::Comeback::Resume(command) => {
                    chain.push(set_id(&id));
                    command
                }
                // Never prompted, so never written: Claude would only say "No conversation found".
                claude::Comeback::Fresh { command, id: new } => {
                    note(
                        context,
                        &format!("{id} in {} has no transcript: a new conversation starts", now.cwd),
                    );
                    chain.push(set_id(&new));
                    command
                }
            };
        chain.push(verbs::type_text(&t, &command));
        chain.push(verbs::press_enter(&t));
    }
    // Agents in panes made after the save have no pane in resurrect's file: say how to get them.
    for (session, entries) in &journals {
        let saved: Vec<&str> = sidecar
            .panes
            .iter()
            .filter(|p| p.session == *session)
            .filter_map(|p| p.pane_id.as_deref())
            .collect();
        for entry in journal::unplaced(entries, sidecar.server, &saved, saved_at) {
            note(
                context,
                &format!(
                    "{session}: the agent of pane {} started after the save and has no pane in it: resume it with `claude --resume {}` in {}",
                    entry.pane_id,
                    entry.claude_session.as_deref().unwrap_or_default(),
                    entry.cwd.as_deref().unwrap_or("its project")
                ),
            );
        }
    }
    if !chain.is_empty() {
        tmux.run_chain(&chain)?;
    }
    Ok(())
}
