//! `cdev claude hook`: what Claude Code runs on each hook event (JSON on stdin, the pane in
//! `$TMUX_PANE`). It sets the pane's `@cdev_agent_*` options in one tmux process and writes the
//! journal. It prints nothing, exits 0 whatever happens, and does nothing outside tmux: errors go
//! to the debug log (`CDEV_LOG`).

use crate::tmux::cdev_option;
use crate::tmux::cdev_option::{
    AGENT_CHANGE, AGENT_ERROR, AGENT_SEQ, AGENT_SINCE, AGENT_SINCE_MS, AGENT_STATE, STATUS_EPOCH,
};
use crate::tmux::verbs;
use std::io::Read;
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use serde::Deserialize;

use super::claude::SessionId;
use super::journal::{self, Entry};
use super::notify;
use super::{transition, AgentState, Transition};
use crate::tmux::format::{plain, text, Field, Fields, Record};
use crate::tmux::state::ServerId;
use crate::tmux::{Tmux, TmuxCommand};

/// Payloads are small; anything past this is not read (and will not parse).
const MAX_PAYLOAD: u64 = 64 * 1024 * 1024;

/// The fields cdev uses from a hook payload; everything else is ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Payload {
    pub hook_event_name: Option<String>,
    pub session_id: Option<String>,
    pub transcript_path: Option<String>,
    pub cwd: Option<String>,
    pub notification_type: Option<String>,
    /// SessionStart's `source`: startup, resume, clear, compact or fork.
    pub source: Option<String>,
    /// StopFailure's `error`: what stopped the turn (rate_limit, overloaded, …).
    pub error: Option<serde_json::Value>,
}

impl Payload {
    /// StopFailure's error kind, as a short word: a string, or an object's `type`; anything
    /// that is not a plain identifier is left out (it goes into a tmux option and a report).
    pub fn error_kind(&self) -> Option<String> {
        let value = self.error.as_ref()?;
        let text = value.as_str().or_else(|| value.get("type").and_then(|t| t.as_str()))?;
        let plain = !text.is_empty()
            && text.len() <= 64
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        plain.then(|| text.to_string())
    }
}

/// Reads the payload from `input`, streaming: the fields cdev does not use (a tool's whole
/// output, say) are skipped, never held in memory. `None` for anything that is not a JSON object.
pub fn read_payload(input: impl Read) -> Option<Payload> {
    serde_json::from_reader(std::io::BufReader::with_capacity(64 * 1024, input.take(MAX_PAYLOAD))).ok()
}

/// Handles one event. `pane` is `$TMUX_PANE`; `now_ms` the Unix time in milliseconds.
pub fn handle(tmux: &Tmux, state_dir: &Path, pane: &str, payload: &Payload, now_ms: i64) -> Result<()> {
    let event =
        payload.hook_event_name.as_deref().ok_or_else(|| anyhow!("payload has no hook_event_name"))?;
    let Some(transition) = transition(event, payload.notification_type.as_deref(), payload.source.as_deref())
    else {
        return Ok(());
    };
    apply(tmux, state_dir, pane, transition, payload, now_ms)
}

/// Makes `transition` on `pane` in one tmux process, records the conversation `payload` names,
/// and writes the journal from what tmux then says.
pub fn apply(
    tmux: &Tmux,
    state_dir: &Path,
    pane: &str,
    transition: Transition,
    payload: &Payload,
    now_ms: i64,
) -> Result<()> {
    // One reading of the clock: the second shown (`since`, the journal) is the millisecond's.
    let now = now_ms.div_euclid(1000);
    let event = payload.hook_event_name.as_deref().unwrap_or_default();
    if !pane.starts_with('%') || !pane[1..].bytes().all(|b| b.is_ascii_digit()) || pane.len() < 2 {
        return Err(anyhow!("TMUX_PANE {pane:?} is not a pane id"));
    }
    let set = |name: &str, value: &str| verbs::set_pane_option(pane, name, value);
    // tmux decides what changes, so two hooks racing for the same pane cannot disagree: `since`
    // moves only when the state does. Inner commands hold only a pane id, names and digits.
    let conditional = |condition: String, command: String| {
        TmuxCommand::new("if-shell").flag("-F").value("-t", pane).arg(&condition).arg(&command)
    };
    // When the state begins: the second (shown, as `since`) and the millisecond (compared with
    // what the watcher saw, below).
    let began_now = format!(
        "set-option -p -t {pane} {AGENT_SINCE} {now} ; set-option -p -t {pane} {AGENT_SINCE_MS} {now_ms}"
    );
    // For what the watcher saw at millisecond `at`: `command` when the pane is in one of
    // `states` and entered it no later than then.
    let since_then = |at: i64, states: [&str; 2], command: String| {
        let [a, b] = states.map(|s| format!("#{{==:#{{{AGENT_STATE}}},{s}}}"));
        let began = format!("#{{e|<=:#{{e|+:#{{{AGENT_SINCE_MS}}},0}},{at}}}");
        conditional(format!("#{{&&:#{{||:{a},{b}}},{began}}}"), command)
    };
    // A token marks "this call changed the state" (for notifications on entering a state).
    let token = uuid::Uuid::new_v4().simple().to_string();
    // Every state change bumps the epoch, which the `#(cdev status)` job has in its command line:
    // tmux re-runs a job whose expanded command changed at the next redraw (and set-option redraws
    // every client), so the segment does not lag until the next status-interval.
    let bump = format!("set-option -gF {STATUS_EPOCH} \"#{{e|+:#{{{STATUS_EPOCH}}},1}}\"");
    let mut chain = Vec::new();
    match transition {
        Transition::To(state) => {
            chain.push(conditional(
                format!("#{{!=:#{{{AGENT_STATE}}},{state}}}"),
                format!(
                    "{began_now} ; set-option -p -t {pane} {AGENT_CHANGE} {token} ; {bump}"
                ),
            ));
            chain.push(set(cdev_option::AGENT_STATE, state.as_str()));
            if state == AgentState::Done {
                // Finished in front of someone's eyes: seen already. Shown as tmux draws it: the
                // session's current window, a client on the session, not behind another pane's zoom.
                chain.push(conditional(
                    "#{&&:#{||:#{pane_active},#{?window_zoomed_flag,0,1}},#{&&:#{window_active},#{session_attached}}}"
                        .into(),
                    format!("set-option -p -t {pane} {AGENT_STATE} idle"),
                ));
            }
        }
        Transition::IdleIfWorking => chain.push(conditional(
            format!("#{{==:#{{{AGENT_STATE}}},working}}"),
            format!("set-option -p -t {pane} {AGENT_STATE} idle ; {began_now} ; {bump}"),
        )),
        Transition::Interrupted { at } => chain.push(since_then(
            at,
            ["working", "waiting"],
            format!("set-option -p -t {pane} {AGENT_STATE} idle ; {began_now} ; {bump}"),
        )),
        Transition::Blocked { at } => chain.push(since_then(
            at,
            ["idle", "working"],
            format!("set-option -p -t {pane} {AGENT_STATE} waiting ; {began_now} ; set-option -p -t {pane} {AGENT_CHANGE} {token} ; {bump}"),
        )),
    }
    if event == "StopFailure" {
        chain.push(set(AGENT_ERROR, payload.error_kind().as_deref().unwrap_or("unknown")));
    }
    // Only a conversation id is recorded: what is recorded is resumed on a command line later.
    if let Some(id) = payload.session_id.as_deref().and_then(SessionId::parse) {
        chain.push(set(cdev_option::CLAUDE_SESSION, id.as_str()));
    }
    // A conversation started or changed (/clear, --resume): the snapshot should say so too.
    // In this same tmux call; the save runs in the background.
    if event == "SessionStart" {
        chain.extend(crate::autosave::request());
    }
    if let Some(transcript) = &payload.transcript_path {
        chain.push(set(cdev_option::CLAUDE_TRANSCRIPT, transcript));
    }
    // Bumped after every change of this call and read back with it: racing hooks' journal
    // writes keep the description with the highest count, which is what the pane now says.
    chain.push(verbs::set_pane_option_format(pane, AGENT_SEQ, &format!("#{{e|+:#{{{AGENT_SEQ}}},1}}")));
    chain.push(verbs::expand_at(pane, &crate::tmux::format::format_string(PanePlace::FIELDS)));
    let output = tmux.run_chain_bytes(&chain).context("could not update the pane")?;
    crate::timings::mark("update the pane (tmux)");
    let place = crate::tmux::format::parse_records::<PanePlace>(&output)?
        .pop()
        .ok_or_else(|| anyhow!("tmux did not describe pane {pane}"))?;
    // The journal says what tmux now says, whatever order racing hooks ran in.
    let Some(state) = place.state.as_deref().and_then(AgentState::parse) else { return Ok(()) };
    // Only the call that moved the pane into the state tells the user (one per change).
    let entered = place.change.as_deref() == Some(token.as_str());
    let how = notify::how(place.notify.as_deref(), place.notify_command.as_deref());
    if let Some(how) = how.filter(|_| entered && notify::worth_telling(state)) {
        let event = notify::Event {
            session: &place.session,
            window: place.window,
            pane: place.pane,
            state,
            project: place.project.as_deref().unwrap_or_default(),
        };
        if let Err(err) = notify::send(tmux, state_dir, &how, &event) {
            crate::log::debug("claude hook", &format!("could not notify: {err:#}"));
        }
    }
    let entry = Entry {
        version: journal::FORMAT_VERSION,
        server: place.socket,
        server_id: Some(place.server),
        session: place.session,
        window: place.window,
        pane: place.pane,
        pane_id: pane.to_string(),
        state,
        since: place.since.unwrap_or(now),
        claude_session: place.claude_session,
        transcript: place.transcript,
        cwd: payload.cwd.clone().or(place.cwd),
        updated: now,
        seq: place.seq,
    };
    let written = journal::write(state_dir, &entry).context("could not write the journal");
    crate::timings::mark("journal");
    written
}

/// The pane whose agent is the conversation `id` (`@cdev_claude_session`, which cdev sets when it
/// starts Claude and each hook confirms), for hooks that come without `$TMUX_PANE`.
pub fn pane_of_conversation(tmux: &Tmux, id: &SessionId) -> Result<Option<String>> {
    let panes = tmux.query::<Conversation>(verbs::all_panes())?;
    Ok(panes.into_iter().find(|p| p.id.as_deref() == Some(id.as_str())).map(|p| p.pane))
}

struct Conversation {
    pane: String,
    id: Option<String>,
}

impl Record for Conversation {
    const FIELDS: &'static [Field] = &[text("pane_id"), text(cdev_option::CLAUDE_SESSION)];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Conversation { pane: f.string()?, id: f.optional()? })
    }
}

/// Where a pane is, read back in the same tmux call that updated it.
struct PanePlace {
    socket: String,
    server: ServerId,
    session: String,
    window: u32,
    pane: u32,
    state: Option<String>,
    since: Option<i64>,
    claude_session: Option<String>,
    transcript: Option<String>,
    cwd: Option<String>,
    /// `@cdev-notify` (off by default, see `notify::how`) and `@cdev-notify-command`.
    notify: Option<String>,
    notify_command: Option<String>,
    /// The session's `@cdev_project_root`, for a notification command.
    project: Option<String>,
    change: Option<String>,
    seq: u64,
}

impl Record for PanePlace {
    const FIELDS: &'static [Field] = &[
        text("socket_path"),
        plain("pid"),
        plain("start_time"),
        plain("session_name"),
        plain("window_index"),
        plain("pane_index"),
        text(cdev_option::AGENT_STATE),
        text(cdev_option::AGENT_SINCE),
        text(cdev_option::CLAUDE_SESSION),
        text(cdev_option::CLAUDE_TRANSCRIPT),
        text("pane_current_path"),
        text("@cdev-notify"),
        text("@cdev-notify-command"),
        text(cdev_option::PROJECT_ROOT),
        text(cdev_option::AGENT_CHANGE),
        plain(cdev_option::AGENT_SEQ),
    ];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(PanePlace {
            socket: f.string()?,
            server: ServerId::from_fields(f)?,
            session: f.string()?,
            window: f.number()?,
            pane: f.number()?,
            state: f.optional()?,
            since: f.optional()?.and_then(|s| s.parse().ok()),
            claude_session: f.optional()?,
            transcript: f.optional()?,
            cwd: f.optional()?,
            notify: f.optional()?,
            notify_command: f.optional()?,
            project: f.optional()?,
            change: f.optional()?,
            seq: f.number().unwrap_or(0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_payloads_parse() {
        // Trimmed from Claude Code 2.1.197.
        let start = br#"{"session_id":"a1","transcript_path":"/h/.claude/projects/-tmp-p/a1.jsonl","cwd":"/tmp/p","hook_event_name":"SessionStart","source":"startup","model":"m"}"#;
        let p = read_payload(&start[..]).unwrap();
        assert_eq!(p.hook_event_name.as_deref(), Some("SessionStart"));
        assert_eq!(p.session_id.as_deref(), Some("a1"));
        let permission = br#"{"session_id":"a1","hook_event_name":"PermissionRequest","tool_name":"Bash","tool_input":{"command":"touch x"},"permission_suggestions":[{"type":"addRules"}]}"#;
        assert_eq!(
            read_payload(&permission[..]).unwrap().hook_event_name.as_deref(),
            Some("PermissionRequest")
        );
        let note = br#"{"hook_event_name":"Notification","message":"Claude needs your permission","notification_type":"permission_prompt"}"#;
        assert_eq!(read_payload(&note[..]).unwrap().notification_type.as_deref(), Some("permission_prompt"));
    }

    #[test]
    fn a_stop_failure_says_why_in_one_plain_word_issue_17() {
        let kind = |json: &[u8]| read_payload(json).unwrap().error_kind();
        assert_eq!(
            kind(br#"{"hook_event_name":"StopFailure","error":"rate_limit"}"#).as_deref(),
            Some("rate_limit")
        );
        assert_eq!(
            kind(br#"{"hook_event_name":"StopFailure","error":{"type":"overloaded"}}"#).as_deref(),
            Some("overloaded")
        );
        assert_eq!(kind(br##"{"hook_event_name":"StopFailure","error":"#(touch x)"}"##), None);
        assert_eq!(kind(br#"{"hook_event_name":"StopFailure"}"#), None);
    }

    #[test]
    fn garbage_truncated_and_wrongly_typed_input_is_refused() {
        for bad in
            [&b""[..], b"null", b"[]", b"{\"hook_event_name\":", b"{\"hook_event_name\": 5}", b"\xff\xfe"]
        {
            assert!(read_payload(bad).and_then(|p| p.hook_event_name).is_none(), "{bad:?}");
        }
    }
}
