//! Snapshots: a session's windows, panes, env, cdev options and pane contents, saved so the
//! session can be recreated exactly. One gzip-compressed JSON file per session per save (gzip's
//! CRC makes damage detectable), written atomically, with a `latest` pointer per session.
//! `capture.rs` reads the server, `files.rs` stores and finds snapshots, `catch_up.rs` brings one
//! up to the agent journal, `rebuild.rs` turns it back into tmux commands (`strategy.rs`: how each
//! pane's command comes back).

pub mod autosave;
pub mod bundle;
pub mod capture;
pub mod catch_up;
pub mod codec;
pub mod files;
pub mod foreign;
pub mod limits;
pub mod procs;
pub mod rebuild;
pub mod recreate;
pub mod replay;
pub mod restore;
pub mod save;
pub mod strategy;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Bumped when the document changes incompatibly; older cdevs refuse newer snapshots.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub version: u32,
    /// RFC 3339.
    pub created: String,
    pub cdev_version: String,
    pub session: SessionSnapshot,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSnapshot {
    pub name: String,
    /// Session environment; `None` marks a variable removed from the session (`-NAME`).
    pub env: Vec<(String, Option<String>)>,
    /// cdev's session options (`@cdev_project_root`, `@cdev_template`, …).
    pub options: BTreeMap<String, String>,
    /// The session's `history-limit`, so restored contents keep all their lines.
    pub history_limit: u32,
    pub windows: Vec<WindowSnapshot>,
    /// The server it was saved from: with each pane's `id`, what finds the agent journal's
    /// entries of each pane after the save. `None` in snapshots made before cdev recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<crate::tmux::state::ServerId>,
    /// That server's socket: a session that still runs there is not restored elsewhere too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub socket: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowSnapshot {
    pub index: u32,
    pub name: String,
    /// Whether tmux names the window after its program (the name is then not restored).
    pub auto_name: bool,
    /// tmux's layout string, which `select-layout` takes back.
    pub layout: String,
    pub active: bool,
    pub zoomed: bool,
    pub width: u32,
    pub height: u32,
    pub panes: Vec<PaneSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaneSnapshot {
    /// The pane's id (`%47`) on the server that saved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub index: u32,
    pub active: bool,
    pub cwd: String,
    pub title: String,
    /// The foreground command with its arguments; empty when the shell itself is in front.
    pub command: Vec<String>,
    /// cdev's pane options (`@cdev_claude_session`, `@cdev_worktree`, …).
    pub options: BTreeMap<String, String>,
    /// Contents with escape sequences, oldest line first; `None` when not captured.
    pub contents: Option<String>,
}

impl SessionSnapshot {
    pub fn pane_count(&self) -> usize {
        self.windows.iter().map(|w| w.panes.len()).sum()
    }
}
