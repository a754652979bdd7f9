//! A snapshot brought up to the agent journal before it is restored: conversations started or
//! switched after the save, and agents in panes made after it.

use std::collections::BTreeMap;

use crate::agent::{journal, AgentState};
use crate::tmux::cdev_option;

/// What the agent journal changed in a snapshot before its restore.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct JournalApplied {
    /// Saved panes that now resume another conversation than the snapshot said (ended agents
    /// are not resumed, so they are not counted).
    pub resumed: usize,
    /// Agents the journal knows in panes the snapshot does not hold: they come back in a window
    /// of their own, [`ADDED_WINDOW`], one line each for the user.
    pub added: Vec<String>,
}

/// The name of the window that holds agents started in panes made after the snapshot.
pub const ADDED_WINDOW: &str = "agents";

/// Brings the Claude panes of `snapshot` up to what the agent journal recorded since it was
/// taken (a conversation started or switched with `/clear` after the last save, then the server
/// died): each saved pane gets its own newest entry (`journal::newest_for`: by pane id on the
/// server that saved it) — its conversation id, transcript and state. Agents in panes made after
/// the save (`cdev worktree add`, a split by hand) are not dropped: they are added in a window of
/// their own at the end, each in its cwd, and named in [`JournalApplied::added`].
pub fn apply_journal(snapshot: &mut super::Snapshot, entries: &[journal::Entry]) -> JournalApplied {
    let Ok(created) = chrono::DateTime::parse_from_rfc3339(&snapshot.created) else {
        return JournalApplied::default();
    };
    let since = created.timestamp();
    let session = &mut snapshot.session;
    let saved_on = session.server;
    let mut applied = JournalApplied::default();
    for window in &mut session.windows {
        for pane in &mut window.panes {
            let saved = journal::SavedPane {
                id: pane.id.as_deref(),
                window: window.index,
                pane: pane.index,
                cwd: &pane.cwd,
            };
            let Some(entry) = journal::newest_for(entries, saved_on, &saved, since) else { continue };
            let before = pane.options.get(cdev_option::CLAUDE_SESSION).cloned();
            take_agent(&mut pane.options, entry);
            let resumes = entry.state != AgentState::Ended;
            applied.resumed += usize::from(resumes && before != entry.claude_session);
        }
    }
    let saved_ids: Vec<&str> =
        session.windows.iter().flat_map(|w| &w.panes).filter_map(|p| p.id.as_deref()).collect();
    let added = journal::unplaced(entries, saved_on, &saved_ids, since);
    if added.is_empty() {
        return applied;
    }
    let mut window = super::WindowSnapshot {
        index: session.windows.iter().map(|w| w.index + 1).max().unwrap_or(0),
        name: ADDED_WINDOW.to_string(),
        auto_name: false,
        layout: "tiled".to_string(),
        active: false,
        zoomed: false,
        width: session.windows.first().map_or(200, |w| w.width),
        height: session.windows.first().map_or(50, |w| w.height),
        panes: Vec::new(),
    };
    for entry in added {
        let cwd = entry.cwd.clone().unwrap_or_default();
        let mut options = BTreeMap::from([(cdev_option::ROLE.to_string(), "claude".to_string())]);
        take_agent(&mut options, entry);
        applied.added.push(format!(
            "the agent of pane {} (window {}, pane {}, in {cwd}) started after the snapshot: it comes back in window {ADDED_WINDOW:?}",
            entry.pane_id, entry.window, entry.pane
        ));
        window.panes.push(super::PaneSnapshot {
            id: None,
            index: window.panes.len() as u32,
            active: window.panes.is_empty(),
            cwd,
            title: String::new(),
            command: Vec::new(),
            options,
            contents: None,
        });
    }
    session.windows.push(window);
    applied
}

/// A pane's conversation, transcript and state as the journal `entry` last recorded them.
fn take_agent(options: &mut BTreeMap<String, String>, entry: &journal::Entry) {
    options.insert(cdev_option::CLAUDE_SESSION.into(), entry.claude_session.clone().unwrap_or_default());
    options.insert(cdev_option::AGENT_STATE.into(), entry.state.as_str().to_string());
    match &entry.transcript {
        Some(transcript) => options.insert(cdev_option::CLAUDE_TRANSCRIPT.into(), transcript.clone()),
        None => options.remove(cdev_option::CLAUDE_TRANSCRIPT),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_newer_journal_entries_for_the_same_place_and_cwd_update_a_snapshot() {
        let u = |n: u8| format!("00000000-0000-4000-8000-{n:012x}");
        use crate::agent::journal::{Entry, FORMAT_VERSION};
        use crate::agent::AgentState;
        let mut snapshot = super::super::Snapshot {
            version: 1,
            created: "2026-11-24T10:00:00.500Z".into(),
            cdev_version: "0".into(),
            session: super::super::SessionSnapshot {
                name: "web".into(),
                env: Vec::new(),
                options: BTreeMap::new(),
                history_limit: 2000,
                windows: vec![super::super::WindowSnapshot {
                    index: 1,
                    name: "agents".into(),
                    auto_name: false,
                    layout: String::new(),
                    active: true,
                    zoomed: false,
                    width: 80,
                    height: 24,
                    panes: vec![super::super::PaneSnapshot {
                        id: None,
                        index: 0,
                        active: true,
                        cwd: "/nonexistent/cdev/dir".into(),
                        title: String::new(),
                        command: Vec::new(),
                        options: BTreeMap::from([(cdev_option::CLAUDE_SESSION.to_string(), u(1))]),
                        contents: None,
                    }],
                }],
                server: None,
                socket: None,
            },
        };
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z").unwrap().timestamp();
        let entry = |id: &str, updated: i64, cwd: &str, pane: u32| Entry {
            version: FORMAT_VERSION,
            server: "/tmp/tmux-0/default".into(),
            server_id: None,
            session: "web".into(),
            window: 1,
            pane,
            pane_id: "%1".into(),
            state: AgentState::Working,
            since: updated,
            claude_session: Some(id.into()),
            transcript: None,
            cwd: Some(cwd.into()),
            updated,
            seq: 0,
        };
        let here = "/nonexistent/cdev/dir";
        let ignored = [
            entry(&u(2), at - 1, here, 0),
            entry(&u(3), at + 5, "/other/project", 0),
            entry(&u(4), at + 5, here, 3),
            entry("../../etc/passwd", at + 5, here, 0),
            entry("--dangerously-skip-permissions", at + 5, here, 0),
        ];
        assert_eq!(apply_journal(&mut snapshot, &ignored).resumed, 0);
        let id = |s: &super::super::Snapshot| {
            s.session.windows[0].panes[0].options[cdev_option::CLAUDE_SESSION].clone()
        };
        assert_eq!(id(&snapshot), u(1));
        // The same second as the snapshot counts (the hook may have come just after it).
        assert_eq!(apply_journal(&mut snapshot, &[entry(&u(5), at, here, 0)]).resumed, 1);
        assert_eq!(id(&snapshot), u(5));
        // The newest entry wins, whatever order they come in.
        let newer = [entry(&u(6), at + 9, here, 0), entry(&u(7), at + 5, here, 0)];
        assert_eq!(apply_journal(&mut snapshot, &newer).resumed, 1);
        assert_eq!(id(&snapshot), u(6));
        assert_eq!(snapshot.session.windows[0].panes[0].options[cdev_option::AGENT_STATE], "working");
        // An agent that ended after the snapshot is not resumed, so it is not counted.
        let ended = Entry { state: AgentState::Ended, ..entry(&u(8), at + 20, here, 0) };
        assert_eq!(apply_journal(&mut snapshot, &[ended]).resumed, 0);
        assert_eq!(snapshot.session.windows[0].panes[0].options[cdev_option::AGENT_STATE], "ended");
    }
}
