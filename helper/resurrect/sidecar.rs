//! The sidecar: what cdev writes beside each resurrect save (`<save>.cdev.json`) that resurrect's
//! own file lacks: each session's environment and cdev options, and each pane's id, Claude
//! conversation, agent state, worktree and role, with the machine and server it came from.

use crate::tmux::cdev_option;
use crate::tmux::verbs;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use serde::{Deserialize, Serialize};

use crate::tmux::format::{plain, text, Field, Fields, Record};
use crate::tmux::state::ServerId;
use crate::tmux::{environment, target, Tmux, TmuxCommand, TmuxOptions};

pub(super) const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub struct Sidecar {
    pub version: u32,
    /// The machine it was written on: conversations resume only there.
    pub host: String,
    /// The server the save was taken from: with each pane's id, what finds its journal entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerId>,
    pub sessions: Vec<SessionSide>,
    pub panes: Vec<PaneSide>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SessionSide {
    pub name: String,
    /// The session's own environment; `None` is a variable removed from it (`-VAR`).
    pub env: BTreeMap<String, Option<String>>,
    /// cdev's session options (`@cdev_project_root`, `@cdev_template`).
    pub options: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PaneSide {
    /// The pane's id on the server that saved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pane_id: Option<String>,
    pub session: String,
    pub window: u32,
    pub pane: u32,
    pub claude_session: Option<String>,
    pub agent_state: Option<String>,
    pub worktree: Option<String>,
    pub role: Option<String>,
}

/// `tmux_resurrect_20261124T060000.txt` → `tmux_resurrect_20261124T060000.cdev.json`.
pub fn sidecar_path(state_file: &Path) -> PathBuf {
    state_file.with_extension("cdev.json")
}

/// The sidecar of resurrect's save `state`; `None` for a save made before cdev was there.
pub(super) fn read(state: &Path) -> Result<Option<(PathBuf, Sidecar)>> {
    let side_path = sidecar_path(state);
    let bytes = match crate::bounded::read(&side_path, crate::bounded::limit::RESURRECT) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(anyhow!("could not read {}: {err}", side_path.display())),
    };
    let sidecar: Sidecar = serde_json::from_slice(&bytes)
        .map_err(|err| anyhow!("could not read {}: {err}", side_path.display()))?;
    if sidecar.version != FORMAT_VERSION {
        return Err(anyhow!("{} has format {}, not {FORMAT_VERSION}", side_path.display(), sidecar.version));
    }
    Ok(Some((side_path, sidecar)))
}

/// Each session's environment and cdev options, read in one chained call.
pub(super) fn session_sides(tmux: &Tmux, panes: &[SidePane]) -> Result<Vec<SessionSide>> {
    let mut names: Vec<&str> = panes.iter().map(|p| p.session.as_str()).collect();
    names.dedup();
    let mut chain = Vec::new();
    for name in &names {
        chain.push(verbs::expand("\u{1e}"));
        chain.push(environment::show(&target::session(name)));
        chain.push(verbs::expand("\u{1f}"));
        chain.push(TmuxCommand::new("show-options").flag("-q").value("-t", &target::session(name)));
    }
    if chain.is_empty() {
        return Ok(Vec::new());
    }
    let out = tmux.run_chain(&chain)?;
    let mut sides = Vec::new();
    for (name, block) in names.iter().zip(out.split('\u{1e}').skip(1)) {
        let (env_text, options_text) = block.split_once('\u{1f}').unwrap_or((block, ""));
        // `-s`: its quoting keeps a value holding a newline whole.
        let env = environment::parse_shell(env_text).into_iter().collect();
        // Unquoted the way tmux quoted them, as every other reader of options does.
        let options = TmuxOptions::parse(options_text)
            .0
            .into_iter()
            .filter(|(k, _)| k.starts_with(cdev_option::PREFIX))
            .collect();
        sides.push(SessionSide { name: name.to_string(), env, options });
    }
    Ok(sides)
}

/// A live pane as the hooks read it (one `list-panes -a`).
pub(super) struct SidePane {
    /// The same on every pane.
    pub(super) server: ServerId,
    pub(super) session: String,
    pub(super) pane_id: String,
    pub(super) window: u32,
    pub(super) pane: u32,
    pub(super) pid: u32,
    pub(super) command: String,
    pub(super) cwd: String,
    pub(super) claude_session: Option<String>,
    pub(super) agent_state: Option<String>,
    pub(super) worktree: Option<String>,
    pub(super) role: Option<String>,
}

impl Record for SidePane {
    const FIELDS: &'static [Field] = &[
        plain("pid"),
        plain("start_time"),
        text("session_name"),
        plain("pane_id"),
        plain("window_index"),
        plain("pane_index"),
        plain("pane_pid"),
        text("pane_current_command"),
        text("pane_current_path"),
        text(cdev_option::CLAUDE_SESSION),
        text(cdev_option::AGENT_STATE),
        text(cdev_option::WORKTREE),
        text(cdev_option::ROLE),
    ];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(SidePane {
            server: ServerId::from_fields(f)?,
            session: f.string()?,
            pane_id: f.string()?,
            window: f.number()?,
            pane: f.number()?,
            pid: f.number().unwrap_or(0),
            command: f.string()?,
            cwd: f.string()?,
            claude_session: f.optional()?,
            agent_state: f.optional()?,
            worktree: f.optional()?,
            role: f.optional()?,
        })
    }
}
