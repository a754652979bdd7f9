//! Reading sessions for a snapshot in two tmux processes, whatever their size: one listing of
//! every pane (with its window and session), then one chain with each session's environment
//! and each pane's contents, separated by markers no pane can forge (a fresh random token).

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Context, Result};

use super::{procs, PaneSnapshot, SessionSnapshot, WindowSnapshot};
use crate::tmux::format::{plain, text, Field, Fields, Record};
use crate::tmux::state::ServerId;
use crate::tmux::{environment, target, Tmux, TmuxCommand};

/// What to keep of each pane's contents.
#[derive(Debug, Clone, Copy)]
pub enum Scrollback {
    None,
    /// The last N lines of history, plus the visible screen.
    Lines(u32),
    All,
}

/// cdev's pane options worth keeping.
const PANE_OPTIONS: &[&str] = &[
    "@cdev_claude_session",
    "@cdev_claude_transcript",
    "@cdev_worktree",
    "@cdev_agent_state",
    "@cdev_role",
    // A restored agent keeps what it cost (helper/agent/usage.rs).
    "@cdev_cost",
    "@cdev_cost_base",
    "@cdev_cost_raw",
];
/// cdev's session options worth keeping.
const SESSION_OPTIONS: &[&str] = &["@cdev_project_root", "@cdev_template"];

struct SavePane {
    server: ServerId,
    socket: String,
    session: String,
    window: u32,
    window_name: String,
    auto_name: bool,
    layout: String,
    window_active: bool,
    zoomed: bool,
    width: u32,
    height: u32,
    pane: u32,
    pane_id: String,
    pane_pid: u32,
    pane_active: bool,
    title: String,
    cwd: String,
    options: Vec<Option<String>>,
    session_options: Vec<Option<String>>,
    history_limit: u32,
}

impl Record for SavePane {
    const FIELDS: &'static [Field] = &[
        plain("pid"),
        plain("start_time"),
        text("socket_path"),
        plain("session_name"),
        plain("window_index"),
        text("window_name"),
        plain("automatic-rename"),
        plain("window_layout"),
        plain("window_active"),
        plain("window_zoomed_flag"),
        plain("window_width"),
        plain("window_height"),
        plain("pane_index"),
        plain("pane_id"),
        plain("pane_pid"),
        plain("pane_active"),
        text("pane_title"),
        text("pane_current_path"),
        text("@cdev_claude_session"),
        text("@cdev_claude_transcript"),
        text("@cdev_worktree"),
        text("@cdev_agent_state"),
        text("@cdev_role"),
        text("@cdev_cost"),
        text("@cdev_cost_base"),
        text("@cdev_cost_raw"),
        text("@cdev_project_root"),
        text("@cdev_template"),
        plain("history-limit"),
    ];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(SavePane {
            server: ServerId::from_fields(f)?,
            socket: f.string()?,
            session: f.string()?,
            window: f.number()?,
            window_name: f.string()?,
            auto_name: f.flag()?,
            layout: f.string()?,
            window_active: f.flag()?,
            zoomed: f.flag()?,
            width: f.number()?,
            height: f.number()?,
            pane: f.number()?,
            pane_id: f.string()?,
            pane_pid: f.number()?,
            pane_active: f.flag()?,
            title: f.string()?,
            cwd: f.string()?,
            options: (0..PANE_OPTIONS.len()).map(|_| f.optional()).collect::<Result<_>>()?,
            session_options: (0..SESSION_OPTIONS.len()).map(|_| f.optional()).collect::<Result<_>>()?,
            history_limit: f.number()?,
        })
    }
}

/// The sessions named in `only` (all when empty), read from the server. A session killed or
/// renamed while it is read makes the second call fail: the server is read again and the session
/// is left out (named in the second value).
pub fn capture(
    tmux: &Tmux,
    only: &[String],
    scrollback: Scrollback,
) -> Result<(Vec<SessionSnapshot>, Vec<String>)> {
    let mut vanished: Vec<String> = Vec::new();
    let mut first_error = None;
    for _ in 0..3 {
        let by_session = list_panes(tmux, only, &vanished)?;
        match read_contents(tmux, &by_session, scrollback) {
            Ok(mut contents) => {
                let sessions = by_session
                    .into_iter()
                    .map(|(name, panes)| assemble(name, panes, &mut contents))
                    .collect();
                return Ok((sessions, vanished));
            }
            Err(err) => {
                // A pane or session that closed between the two calls: read again without it.
                let now = list_panes(tmux, only, &vanished).unwrap_or_default();
                let ids = |m: &BTreeMap<String, Vec<SavePane>>| -> Vec<String> {
                    m.values().flatten().map(|p| p.pane_id.clone()).collect()
                };
                let still_there = ids(&now);
                let lost_pane = ids(&by_session).iter().any(|id| !still_there.contains(id));
                let gone: Vec<String> =
                    by_session.keys().filter(|s| !now.contains_key(*s)).cloned().collect();
                if gone.is_empty() && !lost_pane {
                    return Err(err);
                }
                vanished.extend(gone);
                first_error.get_or_insert(err);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| anyhow::anyhow!("tmux kept failing")))
        .context("could not read the sessions")
}

/// Every pane of the wanted sessions, by session. Sessions in `only` must exist (unless they
/// vanished during this save).
fn list_panes(tmux: &Tmux, only: &[String], vanished: &[String]) -> Result<BTreeMap<String, Vec<SavePane>>> {
    let panes = match tmux.read_with_options::<SavePane>(TmuxCommand::new("list-panes").flag("-a"))? {
        Some((_, panes)) => panes,
        None => Vec::new(),
    };
    let mut by_session: BTreeMap<String, Vec<SavePane>> = BTreeMap::new();
    for pane in panes.into_iter().filter(|p| only.is_empty() || only.contains(&p.session)) {
        by_session.entry(pane.session.clone()).or_default().push(pane);
    }
    for name in only {
        if !by_session.contains_key(name) && !vanished.contains(name) {
            bail!("could not save {name}: no such session");
        }
    }
    Ok(by_session)
}

/// Everything the second call returns: each session's environment lines, each pane's contents.
struct Contents {
    env: BTreeMap<String, String>,
    panes: BTreeMap<String, String>,
}

fn read_contents(
    tmux: &Tmux,
    sessions: &BTreeMap<String, Vec<SavePane>>,
    scrollback: Scrollback,
) -> Result<Contents> {
    // The marker's text is expanded by tmux (a format, then strftime), so it holds only what
    // neither can touch: the token's hex digits and a counter. Never a pane id: `%5` is strftime's.
    let token = format!("\u{1e}cdev-{}", uuid::Uuid::new_v4().simple());
    let marker = |target: &str, what: &str| {
        TmuxCommand::new("display-message").flag("-p").value("-t", target).arg(&format!("{token} {what}"))
    };
    let mut chain = Vec::new();
    // The pane ids in chain order: marker `pane N` is the Nth of them.
    let mut pane_ids: Vec<&str> = Vec::new();
    for (name, panes) in sessions {
        let session = target::session(name);
        chain.push(marker(&session, &format!("env {}", chain.len())));
        // `-s`: its quoting keeps a value holding a newline whole.
        chain.push(TmuxCommand::new("show-environment").flag("-s").value("-t", &session));
        if matches!(scrollback, Scrollback::None) {
            continue;
        }
        for pane in panes {
            chain.push(marker(&pane.pane_id, &format!("pane {}", pane_ids.len())));
            pane_ids.push(&pane.pane_id);
            let capture = TmuxCommand::new("capture-pane").flag("-p").flag("-e").flag("-J");
            let capture = match scrollback {
                Scrollback::All => capture.value("-S", "-"),
                Scrollback::Lines(n) => capture.value("-S", &format!("-{n}")),
                Scrollback::None => capture,
            };
            chain.push(capture.value("-t", &pane.pane_id));
        }
    }
    if chain.is_empty() {
        return Ok(Contents { env: BTreeMap::new(), panes: BTreeMap::new() });
    }
    let output = tmux.run_chain_bytes(&chain)?;
    let text = String::from_utf8_lossy(&output);
    let mut names = sessions.keys();
    let mut contents = Contents { env: BTreeMap::new(), panes: BTreeMap::new() };
    let mut current: Option<(bool, String)> = None; // (is env, session or pane id)
    let mut body = String::new();
    let finish = |current: &Option<(bool, String)>, body: &mut String, contents: &mut Contents| {
        if let Some((is_env, key)) = current {
            let value = std::mem::take(body);
            let map = if *is_env { &mut contents.env } else { &mut contents.panes };
            map.insert(key.clone(), value);
        }
    };
    for line in text.split_inclusive('\n') {
        match line.strip_prefix(&token) {
            Some(rest) => {
                finish(&current, &mut body, &mut contents);
                let rest = rest.trim();
                current = match rest.strip_prefix("pane ") {
                    Some(n) => {
                        let id = n.parse::<usize>().ok().and_then(|n| pane_ids.get(n));
                        Some((
                            false,
                            id.ok_or_else(|| anyhow!("tmux answered with a bad marker {rest:?}"))?
                                .to_string(),
                        ))
                    }
                    None => names.next().map(|s| (true, s.clone())),
                };
            }
            None => body.push_str(line),
        }
    }
    finish(&current, &mut body, &mut contents);
    Ok(contents)
}

fn assemble(name: String, panes: Vec<SavePane>, contents: &mut Contents) -> SessionSnapshot {
    let env = contents.env.remove(&name).map(|text| environment::parse_shell(&text)).unwrap_or_default();
    let options: BTreeMap<String, String> = panes
        .first()
        .map(|p| {
            SESSION_OPTIONS
                .iter()
                .zip(&p.session_options)
                .filter_map(|(k, v)| Some((k.to_string(), v.clone()?)))
                .collect()
        })
        .unwrap_or_default();
    let history_limit = panes.first().map_or(2000, |p| p.history_limit);
    let server = panes.first().map(|p| p.server);
    let socket = panes.first().map(|p| p.socket.clone());
    let mut windows: Vec<WindowSnapshot> = Vec::new();
    for pane in panes {
        if windows.last().is_none_or(|w| w.index != pane.window) {
            windows.push(WindowSnapshot {
                index: pane.window,
                name: pane.window_name.clone(),
                auto_name: pane.auto_name,
                layout: pane.layout.clone(),
                active: pane.window_active,
                zoomed: pane.zoomed,
                width: pane.width,
                height: pane.height,
                panes: Vec::new(),
            });
        }
        let options = PANE_OPTIONS
            .iter()
            .zip(&pane.options)
            .filter_map(|(k, v)| Some((k.to_string(), v.clone()?)))
            .collect();
        let window = windows.last_mut().expect("pushed above");
        window.panes.push(PaneSnapshot {
            id: Some(pane.pane_id.clone()),
            index: pane.pane,
            active: pane.pane_active,
            cwd: pane.cwd,
            title: pane.title,
            command: procs::foreground_command(pane.pane_pid),
            options,
            contents: contents.panes.remove(&pane.pane_id),
        });
    }
    SessionSnapshot { name, env, options, history_limit, windows, server, socket }
}
