//! `cdev export SESSION [-o FILE] [--with-conversations] [--no-contents]`: a session written to
//! one portable bundle (cwds relative to the project, machine-local environment left out), with
//! its Claude transcripts when asked; `cdev move` sends the same bundle over ssh.

use crate::tmux::cdev_option;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use crate::agent::claude::{self, SessionId};
use crate::context::Context;
use crate::humanize::printable;
use crate::humanize::shown_path;
use crate::snapshot::bundle::{self, Bundle, Conversation};
use crate::snapshot::capture::{capture, MissingSession, Scrollback};
use crate::snapshot::PaneSnapshot;
use crate::{bounded, project_path, store};

/// Environment that only makes sense on the machine it was set on.
const MACHINE_LOCAL_ENV: &[&str] = &[
    "SSH_AUTH_SOCK",
    "SSH_AGENT_PID",
    "SSH_CONNECTION",
    "SSH_CLIENT",
    "SSH_TTY",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XAUTHORITY",
    "WINDOWID",
    "KRB5CCNAME",
    "TMUX",
    "TMUX_PANE",
];

/// What goes into a session's bundle.
pub struct Export {
    pub session: String,
    /// The Claude Code transcripts, so conversations resume on the other machine.
    pub conversations: bool,
    /// The pane contents.
    pub contents: bool,
}

/// Writes the bundle of `request` to `output` (default: SESSION.cdev), readable by the user only;
/// returns where, and the bundle.
pub fn to_file(context: &Context, request: &Export, output: Option<PathBuf>) -> Result<(PathBuf, Bundle)> {
    let bundle = bundle_of(context, request)?;
    let fail = || format!("could not export {}", request.session);
    let output =
        output.unwrap_or_else(|| PathBuf::from(format!("{}.cdev", store::path_component(&request.session))));
    store::write_private(&output, &bundle::encode(&bundle)?).with_context(fail)?;
    Ok((output, bundle))
}

/// The bundle `cdev export` writes, in memory (`cdev move` sends it over ssh instead).
pub fn bundle_of(context: &Context, request: &Export) -> Result<Bundle> {
    let tmux = context.tmux()?;
    let scrollback = if request.contents { Scrollback::All } else { Scrollback::None };
    let fail = || format!("could not export {}", request.session);
    let captured = capture(&tmux, std::slice::from_ref(&request.session), scrollback);
    let (mut sessions, _) = match captured {
        Err(err) if err.is::<MissingSession>() => bail!("{}: no such session", fail()),
        other => other.with_context(fail)?,
    };
    let Some(mut session) = sessions.pop() else { bail!("{}: it went away", fail()) };
    let root = session
        .options
        .get(cdev_option::PROJECT_ROOT)
        .cloned()
        .or_else(|| session.windows.first().and_then(|w| w.panes.first()).map(|p| p.cwd.clone()))
        .unwrap_or_else(|| "/".into());
    let claude = claude::config_dir(&context.paths.home);
    let mut conversations = Vec::new();
    for pane in session.windows.iter_mut().flat_map(|w| w.panes.iter_mut()) {
        if request.conversations {
            conversations.extend(conversation_of(pane, &claude, Path::new(&root)));
        }
        pane.cwd = project_path::relative_to(Path::new(&root), &pane.cwd).unwrap_or_else(|| {
            eprintln!(
                "cdev: a pane in {} is outside the project: it is exported at the project root",
                printable(&pane.cwd)
            );
            ".".into()
        });
        // Paths on this machine mean nothing on another.
        pane.options.remove(cdev_option::CLAUDE_TRANSCRIPT);
    }
    session.options.remove(cdev_option::PROJECT_ROOT);
    // Variables that point at this machine (agent sockets, displays) mean nothing on another.
    session.env.retain(|(name, _)| !MACHINE_LOCAL_ENV.contains(&name.as_str()));
    let bundle = Bundle {
        kind: bundle::KIND.into(),
        version: bundle::VERSION,
        created: chrono::Utc::now().to_rfc3339(),
        project_root: root,
        session,
        conversations,
        checkouts: Vec::new(),
    };
    Ok(bundle)
}

/// The Claude conversation `pane` runs, read from its transcript; `None` (with a word on stderr
/// when a transcript was expected) for a pane without one.
fn conversation_of(pane: &PaneSnapshot, claude: &Path, root: &Path) -> Option<Conversation> {
    let id = pane.options.get(cdev_option::CLAUDE_SESSION).and_then(|id| SessionId::parse(id))?;
    let transcript = pane
        .options
        .get(cdev_option::CLAUDE_TRANSCRIPT)
        .map(PathBuf::from)
        .unwrap_or_else(|| claude::transcript_path(claude, &pane.cwd, &id));
    let cwd = project_path::relative_to(root, &pane.cwd).unwrap_or_else(|| ".".into());
    match bounded::read_text(&transcript, bounded::limit::ARCHIVE) {
        Ok(jsonl) => Some(Conversation { session_id: id.to_string(), cwd, jsonl }),
        Err(err) => {
            eprintln!("cdev: no transcript for {id} ({}: {err})", shown_path(&transcript));
            None
        }
    }
}
