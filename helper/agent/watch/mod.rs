//! `cdev claude watch`: what Claude Code reports to no hook. Esc mid-turn and a refused
//! permission prompt fire no event (anthropics/claude-code#9516), so a pane would stay ⚙ working
//! or ⏳ waiting for good; but Claude writes `[Request interrupted by user…]` to the
//! conversation's transcript at once, and (2.1.145 and later) `"status": "idle"` to its
//! `sessions/<pid>.json`. One watcher per tmux server (cdev.tmux starts it as a `run-shell -b`
//! job) waits on inotify for writes under Claude's `projects/` and `sessions/` directories — no
//! process, no timer, no CPU while nothing is written — and then makes that agent idle (or, for
//! a status file saying a dialog is open, waiting). It ends with the server: its stdin is the
//! job's socket to tmux, which hangs up when the server's end closes, however the server ended.
//! `inotify.rs` waits for the writes, `marks.rs` reads what they say.

use crate::tmux::cdev_option;
use crate::tmux::cdev_option::WATCH_PID;
use crate::tmux::verbs;
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::claude::SessionId;
use super::hook::{self, Payload};
use super::Transition;
use crate::tmux::format::{text, Field, Fields, Record};
use crate::tmux::{is_no_server, Tmux};

#[cfg(target_os = "linux")]
mod inotify;
mod marks;

pub use marks::waiting_now;

/// A pane and the transcript its agent writes.
struct TranscriptPane {
    id: String,
    transcript: Option<String>,
}

impl Record for TranscriptPane {
    const FIELDS: &'static [Field] = &[text("pane_id"), text(cdev_option::CLAUDE_TRANSCRIPT)];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(TranscriptPane { id: f.string()?, transcript: f.optional()? })
    }
}

/// What the watcher saw.
#[derive(Debug, PartialEq, Eq)]
pub enum Seen {
    /// A transcript recorded an interrupt at Unix millisecond `at`.
    Interrupt { transcript: PathBuf, at: i64 },
    /// A Claude process said it is idle (its `sessions/<pid>.json`) at Unix millisecond `at`.
    Idle { conversation: SessionId, at: i64 },
    /// A Claude process said it waits for the user (a dialog) at Unix millisecond `at`.
    Waiting { conversation: SessionId, at: i64 },
    /// A transcript recorded what a message used (see `transcript_usage`).
    Usage { transcript: PathBuf },
}

/// Makes `seen`'s agent idle if it was busy since no later than then; tmux checks that in the
/// same call, since a new turn may have begun meanwhile.
pub fn apply(tmux: &Tmux, state_dir: &Path, seen: &Seen, now_ms: i64) -> Result<()> {
    let of = |conversation: &SessionId| hook::pane_of_conversation(tmux, conversation).map(Vec::from_iter);
    let (panes, transition) = match seen {
        Seen::Interrupt { transcript, at } => {
            (panes_writing(tmux, transcript)?, Transition::Interrupted { at: *at })
        }
        Seen::Idle { conversation, at } => (of(conversation)?, Transition::Interrupted { at: *at }),
        Seen::Waiting { conversation, at } => (of(conversation)?, Transition::Blocked { at: *at }),
        Seen::Usage { transcript } => return super::transcript_usage::refresh_writing(tmux, transcript),
    };
    for pane in panes {
        hook::apply(tmux, state_dir, &pane, transition, &Payload::default(), now_ms)
            .with_context(|| format!("could not mark pane {pane} idle"))?;
    }
    Ok(())
}

/// The panes whose agents write `transcript`.
fn panes_writing(tmux: &Tmux, transcript: &Path) -> Result<Vec<String>> {
    let panes = tmux.query::<TranscriptPane>(verbs::all_panes())?;
    let ours = resolved(transcript);
    Ok(panes
        .into_iter()
        .filter(|pane| {
            pane.transcript.as_deref().map(Path::new).is_some_and(|p| p == transcript || resolved(p) == ours)
        })
        .map(|pane| pane.id)
        .collect())
}

/// `path` with its links resolved, to compare the transcript a pane names with one written.
pub fn resolved(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Runs the watcher until the server ends. `make_tmux` gives a fresh handle per call (each with
/// its own deadline). Returns at once when another watcher holds this server's lock.
#[cfg(target_os = "linux")]
pub fn run(make_tmux: &dyn Fn() -> Result<Tmux>, state_dir: &Path, claude_dir: &Path) -> Result<()> {
    let tmux = make_tmux()?;
    let socket = tmux.server().socket_path();
    let lock_path = state_dir
        .join("watch")
        .join(format!("{}.lock", crate::store::path_component(&socket.to_string_lossy())));
    if let Some(dir) = lock_path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    }
    let lock = File::create(&lock_path).with_context(|| format!("could not open {}", lock_path.display()))?;
    if lock.try_lock().is_err() {
        return Ok(());
    }
    let watcher = inotify::Watcher::new(claude_dir)?;
    // Watching from here on: tests and `cdev doctor` know it runs, and which process it is.
    let pid = std::process::id().to_string();
    tmux.run(verbs::set_global_option(WATCH_PID, &pid))?;
    watcher.run(&mut |seen| {
        let now_ms = chrono::Utc::now().timestamp_millis();
        match make_tmux().and_then(|tmux| apply(&tmux, state_dir, seen, now_ms)) {
            Err(err) if is_no_server(&err) => false,
            Err(err) => {
                crate::log::debug("claude watch", &format!("{err:#}"));
                true
            }
            Ok(()) => true,
        }
    })
}

#[cfg(not(target_os = "linux"))]
pub fn run(_: &dyn Fn() -> Result<Tmux>, _: &Path, _: &Path) -> Result<()> {
    crate::log::debug("claude watch", &"interrupts are watched on Linux only (inotify)");
    Ok(())
}
