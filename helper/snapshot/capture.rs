//! Reading sessions for a snapshot in a few tmux calls, whatever their size: one listing of
//! every pane (with its window and session), then at most [`CONTENT_CALLS`] chains with each
//! session's environment and each pane's contents, separated by markers no pane can forge (a
//! fresh random token).

use crate::tmux::cdev_option;
use crate::tmux::verbs;
use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, Context, Result};

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
    cdev_option::CLAUDE_SESSION,
    cdev_option::CLAUDE_TRANSCRIPT,
    cdev_option::WORKTREE,
    cdev_option::AGENT_STATE,
    cdev_option::ROLE,
    // A restored agent keeps what it cost (helper/agent/usage.rs).
    cdev_option::COST,
    cdev_option::COST_BASE,
    cdev_option::COST_RAW,
];
/// cdev's session options worth keeping.
const SESSION_OPTIONS: &[&str] = &[cdev_option::PROJECT_ROOT, cdev_option::TEMPLATE];

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
        text("pane_start_path"),
        text(cdev_option::CLAUDE_SESSION),
        text(cdev_option::CLAUDE_TRANSCRIPT),
        text(cdev_option::WORKTREE),
        text(cdev_option::AGENT_STATE),
        text(cdev_option::ROLE),
        text(cdev_option::COST),
        text(cdev_option::COST_BASE),
        text(cdev_option::COST_RAW),
        text(cdev_option::PROJECT_ROOT),
        text(cdev_option::TEMPLATE),
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
            cwd: current_or_start(f.string()?, f.string()?),
            options: (0..PANE_OPTIONS.len()).map(|_| f.optional()).collect::<Result<_>>()?,
            session_options: (0..SESSION_OPTIONS.len()).map(|_| f.optional()).collect::<Result<_>>()?,
            history_limit: f.number()?,
        })
    }
}

/// The pane's directory: tmux reads `pane_current_path` from the pane's foreground process and
/// has none for an instant while a pane is being made (the foreground group not yet set), so
/// then the directory the pane was started in stands in, rather than nothing (which a restore
/// would have to turn into `/`).
/// A directory deleted under the pane reads as "PATH (deleted)": saved as the path it was.
fn current_or_start(current: String, start: String) -> String {
    let current = match current.strip_suffix(super::rebuild::DELETED) {
        Some(path) if !Path::new(&current).exists() => path.to_string(),
        _ => current,
    };
    if current.is_empty() {
        start
    } else {
        current
    }
}

/// The sessions named in `only` (all when empty), read from the server. A session killed or
/// renamed while it is read makes its call fail: the server is read again and the session is
/// left out (named in the second value).
pub fn capture(
    tmux: &Tmux,
    only: &[String],
    scrollback: Scrollback,
) -> Result<(Vec<SessionSnapshot>, Vec<String>)> {
    let processes = crate::proc::table();
    let mut sessions = Vec::new();
    let vanished = capture_each(tmux, only, scrollback, |session| {
        sessions.push(session.assemble(processes.as_ref()));
    })?;
    Ok((sessions, vanished))
}

/// One session as tmux gave it: its panes, its environment's text and its panes' contents, not
/// yet made into a [`SessionSnapshot`] ([`Captured::assemble`], which reads the process table,
/// so a save does it on the thread that writes the session, while the next part is read).
pub struct Captured {
    name: String,
    panes: Vec<SavePane>,
    env: Option<String>,
    contents: BTreeMap<String, String>,
}

impl Captured {
    /// The snapshot of the session, with each pane's command from `processes` (read once for a
    /// whole save: with ps, one process, not one per pane).
    pub fn assemble(self, processes: &dyn crate::proc::Table) -> SessionSnapshot {
        assemble(self, processes)
    }
}

/// At most this many calls read the contents: each call is one round trip more, and the more
/// there are, the less of the writing is left waiting for the last one.
const CONTENT_CALLS: usize = 8;
/// A call reads at least this many panes (unless fewer are left): below it, a round trip costs
/// more than the writing it lets start early.
const PANES_PER_CALL: usize = 8;

/// The sessions in the parts that are read one call each: whole sessions, in order, each part
/// with at least its share of the panes, so there are at most [`CONTENT_CALLS`] of them.
fn parts(by_session: BTreeMap<String, Vec<SavePane>>) -> Vec<BTreeMap<String, Vec<SavePane>>> {
    let total: usize = by_session.values().map(Vec::len).sum();
    let share = total.div_ceil(CONTENT_CALLS).max(PANES_PER_CALL);
    let mut parts = vec![BTreeMap::new()];
    let mut in_last = 0;
    for (name, panes) in by_session {
        if in_last >= share {
            parts.push(BTreeMap::new());
            in_last = 0;
        }
        in_last += panes.len();
        parts.last_mut().expect("never empty").insert(name, panes);
    }
    parts
}

/// [`capture`], handing each session to `keep` as soon as its part of the contents is read, so
/// that its snapshot is written while tmux is still reading the next part (tmux answers one call
/// at a time; the writes then overlap the reads instead of following them). Returns the sessions
/// that vanished while they were read.
pub fn capture_each(
    tmux: &Tmux,
    only: &[String],
    scrollback: Scrollback,
    mut keep: impl FnMut(Captured),
) -> Result<Vec<String>> {
    let mut vanished: Vec<String> = Vec::new();
    let by_session = list_panes(tmux, only, &vanished)?;
    crate::timings::mark("list the panes (tmux)");
    let parts = parts(by_session);
    let names: Vec<String> = parts.iter().flat_map(|p| p.keys().cloned()).collect();
    let mut handed = 0;
    for mut part in parts {
        let size = part.len();
        let mut read = read_part(tmux, &mut part, &mut vanished, scrollback).with_context(|| {
            // What was handed to `keep` before is saved: say which sessions are not.
            format!("could not read {} from tmux", names[handed..].join(", "))
        })?;
        handed += size;
        for (name, panes) in part {
            let env = read.env.remove(&name);
            let contents =
                panes.iter().filter_map(|p| Some((p.pane_id.clone(), read.panes.remove(&p.pane_id)?)));
            let contents = contents.collect();
            keep(Captured { name, panes, env, contents });
        }
    }
    Ok(vanished)
}

/// The contents of `part`'s sessions. A pane or session that closed between the listing and
/// this call makes it fail: the server is listed again, and `part` is read again as it is now
/// (as long as each try finds something gone, and three times more), the sessions gone moved
/// to `vanished`.
fn read_part(
    tmux: &Tmux,
    part: &mut BTreeMap<String, Vec<SavePane>>,
    vanished: &mut Vec<String>,
    scrollback: Scrollback,
) -> Result<Contents> {
    let mut first_error = None;
    let tries = 3 + part.values().map(Vec::len).sum::<usize>();
    for _ in 0..tries {
        let err = match read_contents(tmux, part, scrollback) {
            Ok(contents) => return Ok(contents),
            Err(err) => err,
        };
        // A listing that fails says nothing of what is gone: never take every session for gone
        // (a kill after the save would end them unsaved).
        let Ok(now) = list_panes(tmux, &[], vanished) else { return Err(err) };
        let ids = |m: &BTreeMap<String, Vec<SavePane>>| -> Vec<String> {
            m.values().flatten().map(|p| p.pane_id.clone()).collect()
        };
        let still_there = ids(&now);
        let lost_pane = ids(part).iter().any(|id| !still_there.contains(id));
        let gone: Vec<String> = part.keys().filter(|s| !now.contains_key(*s)).cloned().collect();
        if gone.is_empty() && !lost_pane {
            return Err(err);
        }
        vanished.extend(gone);
        *part = now.into_iter().filter(|(name, _)| part.contains_key(name)).collect();
        first_error.get_or_insert(err);
    }
    Err(first_error.unwrap_or_else(|| anyhow!("tmux kept failing"))).context("could not read the sessions")
}

/// Every pane of the wanted sessions, by session. Sessions in `only` must exist (unless they
/// vanished during this save).
fn list_panes(tmux: &Tmux, only: &[String], vanished: &[String]) -> Result<BTreeMap<String, Vec<SavePane>>> {
    let panes = match tmux.query::<SavePane>(verbs::all_panes()) {
        Ok(panes) => panes,
        Err(err) if crate::tmux::is_no_server(&err) => Vec::new(),
        Err(err) => return Err(err),
    };
    let mut by_session: BTreeMap<String, Vec<SavePane>> = BTreeMap::new();
    for pane in panes.into_iter().filter(|p| only.is_empty() || only.contains(&p.session)) {
        by_session.entry(pane.session.clone()).or_default().push(pane);
    }
    for name in only {
        if !by_session.contains_key(name) && !vanished.contains(name) {
            return Err(MissingSession(name.clone()).into());
        }
    }
    Ok(by_session)
}

/// A session asked for by name that the server does not have: the whole error, which the save
/// does not wrap again.
#[derive(Debug)]
pub struct MissingSession(pub String);

impl std::fmt::Display for MissingSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "could not save {}: no such session", self.0)
    }
}

impl std::error::Error for MissingSession {}

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
    let marker = |target: &str, what: &str| verbs::expand_at(target, &format!("{token} {what}"));
    let mut chain = Vec::new();
    // The pane ids in chain order: marker `pane N` is the Nth of them.
    let mut pane_ids: Vec<&str> = Vec::new();
    for (name, panes) in sessions {
        let session = target::session(name);
        chain.push(marker(&session, &format!("env {}", chain.len())));
        // `-s`: its quoting keeps a value holding a newline whole.
        chain.push(environment::show(&session));
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
    // The chain is cdev's own (markers and captures): what tmux said is the part worth showing.
    let output =
        tmux.run_chain_bytes(&chain).map_err(|err| match err.downcast::<crate::tmux::Refused>() {
            Ok(refused) => anyhow!("tmux said: {}", refused.message),
            Err(err) => err,
        })?;
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

fn assemble(captured: Captured, processes: &dyn crate::proc::Table) -> SessionSnapshot {
    let Captured { name, panes, env, mut contents } = captured;
    let env = env.map(|text| environment::parse_shell(&text)).unwrap_or_default();
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
            command: procs::foreground_command(processes, pane.pane_pid),
            options,
            contents: contents.remove(&pane.pane_id),
        });
    }
    SessionSnapshot { name, env, options, history_limit, windows, server, socket }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tmux::format::{parse_records, printed};

    /// One pane as tmux prints it, with the two directories given.
    fn pane(current: &str, start: &str) -> SavePane {
        let line = printed(SavePane::FIELDS, |name| match name {
            "pane_current_path" => current.into(),
            "pane_start_path" => start.into(),
            "session_name" | "window_name" | "window_layout" | "pane_id" | "pane_title" | "socket_path" => {
                "x".into()
            }
            n if n.starts_with('@') => String::new(),
            _ => "1".into(),
        });
        parse_records::<SavePane>(line.as_bytes()).unwrap().remove(0)
    }

    #[test]
    fn a_pane_without_a_current_path_keeps_the_directory_it_started_in() {
        // In CI tmux once answered "" for a pane a moment old; the snapshot then held no
        // directory and the restored pane started in `/`.
        assert_eq!(pane("", "/home/u/app").cwd, "/home/u/app");
        assert_eq!(pane("/home/u/app/src", "/home/u/app").cwd, "/home/u/app/src");
    }

    #[test]
    fn the_contents_are_read_in_at_most_eight_parts_of_whole_sessions() {
        let sessions = |count: usize, panes: usize| -> BTreeMap<String, Vec<SavePane>> {
            (0..count).map(|i| (format!("s{i:03}"), (0..panes).map(|_| pane("/", "/")).collect())).collect()
        };
        for (count, panes) in [(0, 0), (1, 1), (2, 4), (20, 4), (100, 4), (7, 30), (300, 1)] {
            let parts = parts(sessions(count, panes));
            let names: Vec<&String> = parts.iter().flat_map(|p| p.keys()).collect();
            assert_eq!(names.len(), count, "every session once");
            assert!(names.windows(2).all(|w| w[0] < w[1]), "in order");
            assert!((1..=CONTENT_CALLS).contains(&parts.len()), "{count}×{panes}: {} parts", parts.len());
            if count * panes <= PANES_PER_CALL {
                assert_eq!(parts.len(), 1, "a small save is one call");
            }
        }
    }
}
