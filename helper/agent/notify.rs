//! Telling the user that an agent needs them or has finished, the way `@cdev-notify` says: a bell
//! on each attached client's terminal, a message in their status lines, a desktop notification
//! through the terminal (OSC 9, written to each client's terminal as the bell is), or the user's
//! own command (`@cdev-notify-command`, e.g. `notify-send cdev` or `ntfy publish my-topic`), run
//! with the session, the pane, the state and the project as separate arguments — never through a
//! shell. At most one notification per [`QUIET`]: a burst of agents finishing sends one.

use crate::tmux::state::Client;
use crate::tmux::verbs;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, Context as _, Result};

use super::AgentState;
use crate::tmux::{Tmux, TmuxCommand};

/// After a notification, how long the next ones are held back.
pub const QUIET: Duration = Duration::from_secs(5);

/// How the user wants to hear of an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    Bell,
    Message,
    /// OSC 9: the terminal's own desktop notification.
    Terminal,
    /// The user's command, as words (split as a shell would, but run without one).
    Command(Vec<String>),
}

/// `@cdev-notify` (and `@cdev-notify-command` for `command`) as a way to notify; `None` for off,
/// unknown values and a command that is empty or not words.
pub fn how(notify: Option<&str>, command: Option<&str>) -> Option<How> {
    match notify? {
        "bell" => Some(How::Bell),
        "message" => Some(How::Message),
        "terminal" => Some(How::Terminal),
        "command" => {
            let words = shell_words::split(command?).ok()?;
            (!words.is_empty()).then_some(How::Command(words))
        }
        _ => None,
    }
}

/// Whether entering `state` is worth telling: the agent waits for the user, or has finished.
pub fn worth_telling(state: AgentState) -> bool {
    matches!(state, AgentState::Waiting | AgentState::Done | AgentState::Error)
}

/// The agent that changed.
pub struct Event<'a> {
    pub session: &'a str,
    pub window: u32,
    pub pane: u32,
    pub state: AgentState,
    /// The session's project root, or empty.
    pub project: &'a str,
}

impl Event<'_> {
    /// `cdev: an agent waits in claude-dev-web:1.2`, with nothing a terminal would act on.
    fn text(&self) -> String {
        let what = match self.state {
            AgentState::Waiting => "waits",
            AgentState::Error => "stopped on an error",
            _ => "is done",
        };
        let text = format!("cdev: an agent {what} in {}:{}.{}", self.session, self.window, self.pane);
        text.chars().filter(|c| !c.is_control()).take(200).collect()
    }
}

/// Tells the user of `event` the way `how` says, unless another notification went out less than
/// [`QUIET`] ago (kept in `<state>/notify.stamp`, read and written under its lock).
pub fn send(tmux: &Tmux, state_dir: &Path, how: &How, event: &Event<'_>) -> Result<()> {
    if !first_in_a_while(state_dir)? {
        return Ok(());
    }
    match how {
        How::Command(words) => run_command(words, event),
        How::Bell => to_terminals(tmux, b"\x07"),
        How::Terminal => to_terminals(tmux, format!("\x1b]9;{}\x07", event.text()).as_bytes()),
        How::Message => {
            let message = event.text();
            let chain: Vec<TmuxCommand> =
                clients(tmux)?.iter().map(|(client, _)| verbs::tell(client, &message)).collect();
            tmux.run_chain(&chain).map(drop)
        }
    }
}

/// Whether no notification went out in the last [`QUIET`]; if so, this one is stamped.
fn first_in_a_while(state_dir: &Path) -> Result<bool> {
    // Far longer than any holder holds it (a read and a write): not waiting for good on a
    // stopped process.
    let mut lock = crate::store::lock_marked(&state_dir.join("notify.stamp"), Duration::from_secs(1))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    if now.saturating_sub(Duration::from_millis(lock.mark())) < QUIET {
        return Ok(false);
    }
    lock.set_mark(now.as_millis() as u64);
    Ok(true)
}

/// The user's command with the event's words after its own, detached: the hook never waits for
/// it, and it does not hold Claude Code's pipes (its output goes nowhere).
fn run_command(words: &[String], event: &Event<'_>) -> Result<()> {
    let (program, args) = words.split_first().ok_or_else(|| anyhow!("@cdev-notify-command is empty"))?;
    let place = format!("{}:{}.{}", event.session, event.window, event.pane);
    // The user asked for this command to run; nothing of the event is ever parsed by a shell.
    #[allow(clippy::disallowed_methods)]
    std::process::Command::new(program)
        .args(args)
        .args([event.session, place.as_str(), event.state.as_str(), event.project])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("could not run @cdev-notify-command {program:?}"))
        .map(drop)
}

/// Every attached client: its name and its terminal.
fn clients(tmux: &Tmux) -> Result<Vec<(String, String)>> {
    let clients = tmux.query::<Client>(verbs::clients())?;
    Ok(clients.into_iter().map(|c| (c.name, c.tty)).collect())
}

/// Writes `bytes` straight to each client's terminal, whatever window it shows.
fn to_terminals(tmux: &Tmux, bytes: &[u8]) -> Result<()> {
    for (_, tty) in clients(tmux)? {
        if let Ok(mut terminal) = std::fs::OpenOptions::new().write(true).open(&tty) {
            let _ = terminal.write_all(bytes);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_and_the_command_say_how() {
        assert_eq!(how(Some("bell"), None), Some(How::Bell));
        assert_eq!(how(Some("terminal"), None), Some(How::Terminal));
        assert_eq!(
            how(Some("command"), Some("ntfy publish 'my topic'")),
            Some(How::Command(vec!["ntfy".into(), "publish".into(), "my topic".into()]))
        );
        assert_eq!(how(Some("command"), Some("")), None);
        assert_eq!(how(Some("command"), Some("unterminated 'quote")), None);
        assert_eq!(how(Some("command"), None), None);
        assert_eq!(how(Some("off"), Some("x")), None);
        assert_eq!(how(None, Some("x")), None);
    }

    #[test]
    fn the_text_holds_nothing_a_terminal_acts_on() {
        let event = Event {
            session: "evil\x1b]0;x\x07",
            window: 1,
            pane: 2,
            state: AgentState::Waiting,
            project: "",
        };
        assert!(!event.text().chars().any(char::is_control), "{:?}", event.text());
    }

    #[test]
    fn a_burst_sends_one() {
        let dir = tempfile::tempdir().unwrap();
        assert!(first_in_a_while(dir.path()).unwrap());
        assert!(!first_in_a_while(dir.path()).unwrap());
    }
}
