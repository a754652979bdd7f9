//! The live state of a server as typed structs: every pane from one `list-panes -a`, grouped into
//! sessions. Session-level fields are repeated on each pane's line; that is what lets one call
//! describe everything.

use crate::tmux::cdev_option;
use anyhow::Result;

use super::format::{plain, text, Field, Fields, Record};

/// One pane, with the session and window it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Pane {
    pub session_id: String,
    pub session_name: String,
    pub session_path: String,
    pub session_windows: u32,
    pub session_attached: u32,
    pub session_created: i64,
    pub session_activity: i64,
    /// `@cdev_project_root`: set on sessions cdev made.
    pub project_root: Option<String>,
    /// `@cdev_template`: the template a cdev session was made from.
    pub template: Option<String>,
    pub window_index: u32,
    pub window_name: String,
    pub pane_id: String,
    pub pane_index: u32,
    pub pane_active: bool,
    pub current_command: String,
    pub current_path: String,
    /// `@cdev_agent_state`: set by the Claude Code hook handler.
    pub agent_state: Option<String>,
    /// `@cdev_cost`: what the pane's agent cost so far (USD), from Claude Code's statusLine.
    pub cost: Option<f64>,
    /// `@cdev_claude_transcript`, and `@cdev_transcript_usage` as the option holds it: what cdev
    /// added up from the transcript, which `agent::tally` reads.
    pub transcript: Option<String>,
    pub transcript_usage: Option<String>,
}

/// The session's fields, which every record describing a session starts with (a pane's line
/// repeats them; `listing` has one line per session). Read by [`read_session`].
const SESSION_FIELDS: [Field; 9] = [
    plain("session_id"),
    plain("session_name"),
    text("session_path"),
    plain("session_windows"),
    plain("session_attached"),
    plain("session_created"),
    plain("session_activity"),
    text(cdev_option::PROJECT_ROOT),
    text(cdev_option::TEMPLATE),
];

/// [`SESSION_FIELDS`] followed by `rest`: a record's `FIELDS` (`N` is 9 more than `M`).
pub const fn after_session_fields<const N: usize, const M: usize>(rest: [Field; M]) -> [Field; N] {
    assert!(N == SESSION_FIELDS.len() + M, "N must be the session's fields and rest");
    let mut fields = [plain(""); N];
    let mut i = 0;
    while i < N {
        fields[i] = if i < SESSION_FIELDS.len() { SESSION_FIELDS[i] } else { rest[i - SESSION_FIELDS.len()] };
        i += 1;
    }
    fields
}

/// Reads [`SESSION_FIELDS`] into a session with no panes yet.
pub fn read_session<P>(f: &mut Fields<'_>) -> Result<Session<P>> {
    Ok(Session {
        id: f.string()?,
        name: f.string()?,
        path: f.string()?,
        windows: f.number()?,
        attached: f.number()?,
        created: f.number()?,
        activity: f.number()?,
        project_root: f.optional()?,
        template: f.optional()?,
        panes: Vec::new(),
    })
}

impl Record for Pane {
    const FIELDS: &'static [Field] = &after_session_fields::<20, 11>([
        plain("window_index"),
        text("window_name"),
        plain("pane_id"),
        plain("pane_index"),
        plain("pane_active"),
        text("pane_current_command"),
        text("pane_current_path"),
        text(cdev_option::AGENT_STATE),
        text(cdev_option::COST),
        text(cdev_option::CLAUDE_TRANSCRIPT),
        text(cdev_option::TRANSCRIPT_USAGE),
    ]);

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Pane {
            session_id: f.string()?,
            session_name: f.string()?,
            session_path: f.string()?,
            session_windows: f.number()?,
            session_attached: f.number()?,
            session_created: f.number()?,
            session_activity: f.number()?,
            project_root: f.optional()?,
            template: f.optional()?,
            window_index: f.number()?,
            window_name: f.string()?,
            pane_id: f.string()?,
            pane_index: f.number()?,
            pane_active: f.flag()?,
            current_command: f.string()?,
            current_path: f.string()?,
            agent_state: f.optional()?,
            cost: f.optional()?.and_then(|c| c.parse().ok()),
            transcript: f.optional()?,
            transcript_usage: f.optional()?,
        })
    }
}

/// A session and its panes, in tmux's order: every pane's whole record (`Pane`, from
/// `list-panes -a`), or what one line per session says of each (`listing::PaneAgent`).
#[derive(Debug, Clone, PartialEq)]
pub struct Session<P = Pane> {
    pub id: String,
    pub name: String,
    pub path: String,
    pub windows: u32,
    pub attached: u32,
    pub created: i64,
    pub activity: i64,
    pub project_root: Option<String>,
    pub template: Option<String>,
    pub panes: Vec<P>,
}

impl<P> Session<P> {
    /// The project the session works on: the root cdev recorded, else the session's start directory.
    pub fn project_root(&self) -> &str {
        self.project_root.as_deref().unwrap_or(&self.path)
    }
}

/// Groups panes by session, keeping the order in which tmux listed the sessions.
pub fn group_sessions(panes: Vec<Pane>) -> Vec<Session> {
    let mut sessions: Vec<Session> = Vec::new();
    for pane in panes {
        match sessions.last_mut() {
            Some(session) if session.id == pane.session_id => session.panes.push(pane),
            _ => {
                // list-panes -a lists a session's panes together, but don't rely on it.
                if let Some(session) = sessions.iter_mut().find(|s| s.id == pane.session_id) {
                    session.panes.push(pane);
                    continue;
                }
                sessions.push(Session {
                    id: pane.session_id.clone(),
                    name: pane.session_name.clone(),
                    path: pane.session_path.clone(),
                    windows: pane.session_windows,
                    attached: pane.session_attached,
                    created: pane.session_created,
                    activity: pane.session_activity,
                    project_root: pane.project_root.clone(),
                    template: pane.template.clone(),
                    panes: vec![pane],
                })
            }
        }
    }
    sessions
}

/// A session's name and the project cdev recorded for it: enough to pick a name for a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    pub name: String,
    pub project_root: Option<String>,
}

impl Record for SessionSummary {
    const FIELDS: &'static [Field] = &[plain("session_name"), text(cdev_option::PROJECT_ROOT)];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(SessionSummary { name: f.string()?, project_root: f.optional()? })
    }
}

/// A pane that has (or had) a Claude agent, with what `cdev agents` and `cdev next` show.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentPane {
    pub session: String,
    pub window: u32,
    pub pane: u32,
    pub pane_id: String,
    pub state: Option<String>,
    pub since: Option<i64>,
    pub claude_session: Option<String>,
    pub cwd: String,
    pub worktree: Option<String>,
    /// `@cdev_cost`, `@cdev_context`, `@cdev_model`: from Claude Code's statusLine updates.
    pub cost: Option<f64>,
    pub context: Option<u32>,
    pub model: Option<String>,
    /// `@cdev_claude_transcript`, and `@cdev_transcript_usage` as the option holds it (read by
    /// `agent::tally`).
    pub transcript: Option<String>,
    pub transcript_usage: Option<String>,
}

impl AgentPane {
    /// Only panes with an agent state or a Claude session id (a `list-panes -f` filter).
    pub fn filter() -> String {
        format!("#{{||:#{{{}}},#{{{}}}}}", cdev_option::AGENT_STATE, cdev_option::CLAUDE_SESSION)
    }
}

impl Record for AgentPane {
    const FIELDS: &'static [Field] = &[
        plain("session_name"),
        plain("window_index"),
        plain("pane_index"),
        plain("pane_id"),
        text(cdev_option::AGENT_STATE),
        text(cdev_option::AGENT_SINCE),
        text(cdev_option::CLAUDE_SESSION),
        text("pane_current_path"),
        text(cdev_option::WORKTREE),
        text(cdev_option::COST),
        text(cdev_option::CONTEXT),
        text(cdev_option::MODEL),
        text(cdev_option::CLAUDE_TRANSCRIPT),
        text(cdev_option::TRANSCRIPT_USAGE),
    ];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(AgentPane {
            session: f.string()?,
            window: f.number()?,
            pane: f.number()?,
            pane_id: f.string()?,
            state: f.optional()?,
            since: f.optional()?.and_then(|s| s.parse().ok()),
            claude_session: f.optional()?,
            cwd: f.string()?,
            worktree: f.optional()?,
            cost: f.optional()?.and_then(|s| s.parse().ok()),
            context: f.optional()?.and_then(|s| s.parse().ok()),
            model: f.optional()?,
            transcript: f.optional()?,
            transcript_usage: f.optional()?,
        })
    }
}

/// Just a pane's id and agent state: the status line reads nothing else. (The id: a pane in a
/// window linked into several sessions, or in grouped sessions, is listed once per session.)
pub struct AgentStateOnly {
    pub pane_id: String,
    pub state: Option<String>,
}

impl Record for AgentStateOnly {
    const FIELDS: &'static [Field] = &[plain("pane_id"), text(cdev_option::AGENT_STATE)];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(AgentStateOnly { pane_id: f.string()?, state: f.optional()? })
    }
}

/// What `cdev health` checks about a pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthPane {
    pub session: String,
    pub template: Option<String>,
    pub project_root: Option<String>,
    pub window: u32,
    pub pane: u32,
    pub dead: bool,
    pub current_command: String,
    pub start_command: String,
    pub title: String,
    pub cwd: String,
    pub worktree: Option<String>,
    pub agent_state: Option<String>,
    pub agent_since: Option<i64>,
    /// Why the agent stopped with an error (StopFailure's `error`).
    pub agent_error: Option<String>,
    /// The pane's first process (its shell), root of its process tree; 0 when dead.
    pub pid: u32,
    /// The role its template gave the pane (`@cdev_role`: claude, editor, git, …).
    pub role: Option<String>,
    /// When the session was made (Unix time).
    pub session_created: i64,
}

impl Record for HealthPane {
    const FIELDS: &'static [Field] = &[
        plain("session_name"),
        text(cdev_option::TEMPLATE),
        text(cdev_option::PROJECT_ROOT),
        plain("window_index"),
        plain("pane_index"),
        plain("pane_dead"),
        text("pane_current_command"),
        text("pane_start_command"),
        text("pane_title"),
        text("pane_current_path"),
        text(cdev_option::WORKTREE),
        text(cdev_option::AGENT_STATE),
        text(cdev_option::AGENT_SINCE),
        text(cdev_option::AGENT_ERROR),
        plain("pane_pid"),
        text(cdev_option::ROLE),
        plain("session_created"),
    ];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(HealthPane {
            session: f.string()?,
            template: f.optional()?,
            project_root: f.optional()?,
            window: f.number()?,
            pane: f.number()?,
            dead: f.flag()?,
            current_command: f.string()?,
            start_command: f.string()?,
            title: f.string()?,
            cwd: f.string()?,
            worktree: f.optional()?,
            agent_state: f.optional()?,
            agent_since: f.optional()?.and_then(|s| s.parse().ok()),
            agent_error: f.optional()?,
            pid: f.number().unwrap_or(0),
            role: f.optional()?,
            session_created: f.number()?,
        })
    }
}

/// Which tmux server, of all that ever ran on a socket: its process and the second it started.
/// A server started on the same socket after a crash numbers its panes from `%0` again, so a pane
/// id means something only together with this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ServerId {
    pub pid: u32,
    pub started: u64,
}

impl ServerId {
    /// Reads the two fields a `-F` record lists to name its server: `plain("pid")`, then
    /// `plain("start_time")`.
    pub fn from_fields(f: &mut Fields<'_>) -> Result<ServerId> {
        Ok(ServerId { pid: f.number()?, started: f.number()? })
    }
}

/// An attached client: its name (what `-c` takes), its terminal and the session it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub name: String,
    pub tty: String,
    pub session: String,
}

impl Record for Client {
    const FIELDS: &'static [Field] = &[text("client_name"), text("client_tty"), plain("client_session")];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Client { name: f.string()?, tty: f.string()?, session: f.string()? })
    }
}

/// A pane and the worktree cdev started its agent in (`cdev worktree list` and `remove`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorktreePane {
    pub pane_id: String,
    pub worktree: Option<String>,
    pub agent_state: Option<String>,
    pub current_path: String,
}

impl Record for WorktreePane {
    const FIELDS: &'static [Field] = &[
        plain("pane_id"),
        text(cdev_option::WORKTREE),
        text(cdev_option::AGENT_STATE),
        text("pane_current_path"),
    ];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(WorktreePane {
            pane_id: f.string()?,
            worktree: f.optional()?,
            agent_state: f.optional()?,
            current_path: f.string()?,
        })
    }
}
