//! Claude Code agents: their states, what each hook event means, where states are kept (pane
//! options for the status line, a journal on disk for what must outlive the server), and the
//! hook settings that make Claude Code report to cdev.

pub mod claude;
pub mod hook;
pub mod journal;
pub mod notify;
pub mod price;
pub mod settings;
pub mod status;
pub mod tally;
pub mod transcript_usage;
pub mod usage;
pub mod watch;

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

/// What an event does to the pane's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    To(AgentState),
    /// Claude is at its prompt: an agent still marked working becomes idle (an interrupted turn
    /// fires no other hook). Waiting stays (a permission dialog may be what is idle), and done
    /// stays unseen.
    IdleIfWorking,
    /// The transcript recorded an interrupt (Esc mid-turn, or a permission prompt refused) at
    /// Unix millisecond `at`: Claude is back at its prompt, and no hook said so. An agent working or
    /// waiting since no later than `at` becomes idle; one that started a new turn since keeps it.
    Interrupted {
        at: i64,
    },
    /// Claude said it waits for the user (a dialog of its own: "Make auto mode your default
    /// permission mode?", a notice to acknowledge, an MCP question) at Unix millisecond `at`, with no
    /// hook: an idle or working agent since no later than `at` becomes waiting.
    Blocked {
        at: i64,
    },
}

/// What a hook event does (the table in README's Agents section); `None` leaves the state
/// unchanged.
pub fn transition(event: &str, notification_type: Option<&str>, source: Option<&str>) -> Option<Transition> {
    match (event, notification_type) {
        // After auto-compaction Claude may well be mid-turn: the state stays what it was.
        ("SessionStart", _) if source == Some("compact") => None,
        ("Notification", Some("idle_prompt")) => Some(Transition::IdleIfWorking),
        _ => state_for_event(event, notification_type).map(Transition::To),
    }
}

/// The state a hook event puts the agent in (the table in README's Agents section); `None`
/// leaves it unchanged.
/// Events Claude Code added later map onto the same states; an event or notification type cdev
/// does not know leaves the state alone.
pub fn state_for_event(event: &str, notification_type: Option<&str>) -> Option<AgentState> {
    match event {
        "SessionStart" => Some(AgentState::Idle),
        // A tool that failed or was refused by auto mode, or an MCP question answered: the turn
        // goes on (and a permission prompt that was answered is over).
        "UserPromptSubmit" | "PreToolUse" | "PostToolUse" | "PostToolUseFailure" | "PermissionDenied"
        | "ElicitationResult" => Some(AgentState::Working),
        // An MCP server asks the user something: nothing moves until they answer.
        "PermissionRequest" | "Elicitation" => Some(AgentState::Waiting),
        "Notification" => match notification_type {
            Some(
                "permission_prompt"
                | "elicitation_dialog"
                | "elicitation_url_dialog"
                | "worker_permission_prompt"
                | "agent_needs_input",
            ) => Some(AgentState::Waiting),
            Some("agent_completed") => Some(AgentState::Done),
            _ => None,
        },
        "Stop" => Some(AgentState::Done),
        "StopFailure" => Some(AgentState::Error),
        "SessionEnd" => Some(AgentState::Ended),
        // SubagentStart/Stop, Pre/PostCompact, WorktreeCreate/Remove and anything newer: the
        // agent's own state does not change.
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
    fn newer_events_and_notification_types_map_onto_the_same_states_issue_17() {
        let s = |e, n| state_for_event(e, n);
        for working in ["PostToolUseFailure", "PermissionDenied", "ElicitationResult"] {
            assert_eq!(s(working, None), Some(AgentState::Working), "{working}");
        }
        assert_eq!(s("Elicitation", None), Some(AgentState::Waiting));
        for waiting in ["elicitation_url_dialog", "worker_permission_prompt", "agent_needs_input"] {
            assert_eq!(s("Notification", Some(waiting)), Some(AgentState::Waiting), "{waiting}");
        }
        assert_eq!(s("Notification", Some("agent_completed")), Some(AgentState::Done));
        assert_eq!(s("Notification", Some("auth_success")), None);
        assert_eq!(s("Notification", Some("something_new")), None);
        for quiet in
            ["SubagentStart", "PreCompact", "PostCompact", "WorktreeCreate", "WorktreeRemove", "TaskCreated"]
        {
            assert_eq!(transition(quiet, None, None), None, "{quiet}");
        }
        // A forked conversation is a new one, at its prompt.
        assert_eq!(transition("SessionStart", None, Some("fork")), Some(Transition::To(AgentState::Idle)));
    }

    #[test]
    fn cdev_registers_exactly_the_events_that_move_a_state_issue_17() {
        for event in settings::EVENTS {
            let moves = ["permission_prompt", "idle_prompt"]
                .iter()
                .any(|n| transition(event, Some(n), Some("startup")).is_some());
            assert!(moves, "{event} is registered but changes nothing");
        }
        for unused in ["SubagentStart", "SubagentStop", "PreCompact", "PostCompact", "WorktreeCreate"] {
            assert!(!settings::EVENTS.contains(&unused), "{unused}");
        }
    }

    #[test]
    fn compaction_keeps_the_state_and_the_idle_prompt_frees_a_stuck_agent() {
        assert_eq!(transition("SessionStart", None, Some("compact")), None);
        assert_eq!(transition("SessionStart", None, Some("resume")), Some(Transition::To(AgentState::Idle)));
        assert_eq!(transition("Notification", Some("idle_prompt"), None), Some(Transition::IdleIfWorking));
        assert_eq!(transition("Stop", None, None), Some(Transition::To(AgentState::Done)));
    }

    #[test]
    fn states_round_trip_through_their_names() {
        for state in AgentState::ALL {
            assert_eq!(AgentState::parse(state.as_str()), Some(state));
        }
        assert_eq!(AgentState::parse("busy"), None);
    }
}
