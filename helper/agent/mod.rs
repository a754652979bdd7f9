//! Claude Code agents: their states, what each hook event means, where states are kept (pane
//! options for the status line, a journal on disk for what must outlive the server), and the
//! hook settings that make Claude Code report to cdev.

pub mod hook;
pub mod journal;
pub mod settings;
pub mod status;

use std::fmt;

use serde::{Deserialize, Serialize};

/// What an agent is doing, as the status line shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentState {
    /// Needs you: a permission prompt or a question. The most urgent, so first.
    Waiting,
    /// Failed (`StopFailure`).
    Error,
    /// Finished; stays until you look at the pane.
    Done,
    Working,
    Idle,
    Ended,
}

impl AgentState {
    pub const ALL: [AgentState; 6] = [
        AgentState::Waiting,
        AgentState::Error,
        AgentState::Done,
        AgentState::Working,
        AgentState::Idle,
        AgentState::Ended,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgentState::Waiting => "waiting",
            AgentState::Error => "error",
            AgentState::Done => "done",
            AgentState::Working => "working",
            AgentState::Idle => "idle",
            AgentState::Ended => "ended",
        }
    }

    pub fn parse(text: &str) -> Option<AgentState> {
        AgentState::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl fmt::Display for AgentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state a hook event puts the agent in (DESIGN.md's table); `None` leaves it unchanged.
pub fn state_for_event(event: &str, notification_type: Option<&str>) -> Option<AgentState> {
    match event {
        "SessionStart" => Some(AgentState::Idle),
        "UserPromptSubmit" | "PreToolUse" | "PostToolUse" => Some(AgentState::Working),
        "PermissionRequest" => Some(AgentState::Waiting),
        "Notification" => match notification_type {
            Some("permission_prompt" | "elicitation_dialog") => Some(AgentState::Waiting),
            _ => None,
        },
        "Stop" => Some(AgentState::Done),
        "StopFailure" => Some(AgentState::Error),
        "SessionEnd" => Some(AgentState::Ended),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_map_to_the_design_table() {
        let s = |e, n| state_for_event(e, n);
        assert_eq!(s("SessionStart", None), Some(AgentState::Idle));
        for working in ["UserPromptSubmit", "PreToolUse", "PostToolUse"] {
            assert_eq!(s(working, None), Some(AgentState::Working));
        }
        assert_eq!(s("PermissionRequest", None), Some(AgentState::Waiting));
        assert_eq!(s("Notification", Some("permission_prompt")), Some(AgentState::Waiting));
        assert_eq!(s("Notification", Some("elicitation_dialog")), Some(AgentState::Waiting));
        assert_eq!(s("Notification", Some("idle_prompt")), None);
        assert_eq!(s("Notification", None), None);
        assert_eq!(s("Stop", None), Some(AgentState::Done));
        assert_eq!(s("StopFailure", None), Some(AgentState::Error));
        assert_eq!(s("SessionEnd", None), Some(AgentState::Ended));
        assert_eq!(s("SubagentStop", None), None);
        assert_eq!(s("NoSuchEvent", None), None);
    }

    #[test]
    fn states_round_trip_through_their_names() {
        for state in AgentState::ALL {
            assert_eq!(AgentState::parse(state.as_str()), Some(state));
        }
        assert_eq!(AgentState::parse("busy"), None);
    }
}
