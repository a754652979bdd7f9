//! The sessions as `cdev switch` reads them: one tmux call, with of each pane only what the
//! picker's lines show (its agent's state and cost) and its preview needs (the pane's id). Not
//! the panes' command or directory: tmux looks each of those up in the process table, and at 50
//! panes that was a third of the time before the picker could draw.

use anyhow::Result;

use crate::agent::tally::{self, Spend, Tally};
use crate::config::Config;
use crate::context::Context;
use crate::tmux::cdev_option;
use crate::tmux::format::{plain, text, Field, Fields, Record};
use crate::tmux::state::{after_session_fields, read_session, Session};
use crate::tmux::{Tmux, TmuxCommand, TmuxOptions};

/// A running session, with what the picker needs of each of its panes.
pub type SwitchSession = Session<SwitchPane>;

#[derive(Debug, Clone, PartialEq)]
pub struct SwitchPane {
    pub pane_id: String,
    /// The active pane of its window.
    pub active: bool,
    /// `@cdev_agent_state`: set by the Claude Code hook handler.
    pub agent_state: Option<String>,
    /// What its agent cost so far: the statusLine's figure, else the transcript's estimate.
    pub spend: Option<Spend>,
}

/// One line of `list-panes -a`: the session's fields, then the pane's.
struct PaneLine {
    session: SwitchSession,
    pane: SwitchPane,
}

impl Record for PaneLine {
    const FIELDS: &'static [Field] = &after_session_fields::<14, 5>([
        plain("pane_id"),
        plain("pane_active"),
        text(cdev_option::AGENT_STATE),
        text(cdev_option::COST),
        text(tally::OPTION),
    ]);

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        let session = read_session(f)?;
        let (pane_id, active, agent_state) = (f.string()?, f.flag()?, f.optional()?);
        let cost = f.optional()?.and_then(|c| c.parse().ok());
        let tally = f.optional()?.as_deref().and_then(Tally::parse);
        let spend = tally::spend(cost, tally.as_ref());
        Ok(PaneLine { session, pane: SwitchPane { pane_id, active, agent_state, spend } })
    }
}

/// The effective config, the server's options and its sessions (most recently active first),
/// from one tmux call; no sessions when no server runs.
pub fn read(context: &Context, tmux: &Tmux) -> Result<(Config, TmuxOptions, Vec<SwitchSession>)> {
    let read = tmux.read_with_options::<PaneLine>(TmuxCommand::new("list-panes").flag("-a"))?;
    let (options, lines) = read.unwrap_or_default();
    let config = context.file_config()?.with_tmux_options(&options, &context.paths)?;
    let mut sessions = group(lines);
    sessions.sort_by(|a, b| b.activity.cmp(&a.activity).then_with(|| a.name.cmp(&b.name)));
    Ok((config, options, sessions))
}

/// The panes under their sessions, in the order tmux listed the sessions.
fn group(lines: Vec<PaneLine>) -> Vec<SwitchSession> {
    let mut sessions: Vec<SwitchSession> = Vec::new();
    for PaneLine { session, pane } in lines {
        match sessions.iter_mut().rev().find(|s| s.id == session.id) {
            Some(known) => known.panes.push(pane),
            None => sessions.push(SwitchSession { panes: vec![pane], ..session }),
        }
    }
    sessions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tmux::format::{format_string, parse_records};

    /// A line as tmux prints it for `format_string(PaneLine::FIELDS)`.
    fn line(session: &str, pane: &str, active: &str, state: &str, cost: &str) -> String {
        let text = |v: &str| format!("{}:{v}", v.len());
        let fields = [
            format!("${session}"),
            format!("s{session}"),
            text("/p"),
            "1".into(),
            "0".into(),
            "10".into(),
            session.into(),
            text(""),
            text(""),
            format!("%{pane}"),
            active.into(),
            text(state),
            text(cost),
            text(""),
        ];
        format!("\u{1e}{}\n", fields.join("\u{1f}"))
    }

    #[test]
    fn panes_are_grouped_under_their_sessions() {
        assert_eq!(format_string(PaneLine::FIELDS).matches('\u{1f}').count(), 13);
        // Each of these costs tmux a look into the process table, per pane.
        assert!(!PaneLine::FIELDS.iter().any(|f| f.name.starts_with("pane_current_")));
        let output = [
            line("1", "1", "1", "working", "0.5"),
            line("2", "2", "1", "", ""),
            line("1", "3", "0", "waiting", ""),
        ]
        .concat();
        let sessions = group(parse_records(output.as_bytes()).unwrap());
        assert_eq!(sessions.len(), 2);
        let first = &sessions[0];
        assert_eq!((first.name.as_str(), first.panes.len()), ("s1", 2));
        assert_eq!(first.panes[0].spend.map(|s| s.usd), Some(0.5));
        assert_eq!(first.panes[1].agent_state.as_deref(), Some("waiting"));
        assert!(first.panes[0].active && !first.panes[1].active);
        assert_eq!(sessions[1].panes[0].agent_state, None);
    }
}
