//! `cdev export SESSION [-o FILE] [--with-conversations] [--no-contents]` and
//! `cdev import FILE [--name N] [--root DIR] [--yes]`: a session moved to another machine.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use super::prompt::confirm;
use super::restore::{recreate, Recreate};
use super::Context;
use crate::config::Config;
use crate::humanize::printable;
use crate::humanize::shown_path;
use crate::input_error::InputError;
use crate::snapshot::bundle::{self, Bundle, Conversation};
use crate::snapshot::capture::{capture, Scrollback};
use crate::snapshot::rebuild::{strategy, Settings, Strategy};
use crate::snapshot::{PaneSnapshot, SessionSnapshot};
use crate::tmux::state::SessionSummary;
use crate::tmux::TmuxCommand;
use crate::{bounded, claude, naming, store};

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

pub struct ExportRequest {
    pub session: String,
    pub output: Option<PathBuf>,
    pub conversations: bool,
    pub contents: bool,
}

pub fn export(context: &Context, request: ExportRequest) -> Result<()> {
    let bundle = bundle_of(context, &request)?;
    let fail = || format!("could not export {}", request.session);
    let output = request
        .output
        .unwrap_or_else(|| PathBuf::from(format!("{}.cdev", store::path_component(&request.session))));
    store::write_private(&output, &bundle::encode(&bundle)?).with_context(fail)?;
    println!(
        "{}: {} panes, {} conversations exported to {}",
        request.session,
        bundle.session.pane_count(),
        bundle.conversations.len(),
        output.display()
    );
    Ok(())
}

/// The bundle `cdev export` writes, in memory (`cdev move` sends it over ssh instead).
pub(super) fn bundle_of(context: &Context, request: &ExportRequest) -> Result<Bundle> {
    let tmux = context.tmux()?;
    let scrollback = if request.contents { Scrollback::All } else { Scrollback::None };
    let fail = || format!("could not export {}", request.session);
    let (mut sessions, _) =
        capture(&tmux, std::slice::from_ref(&request.session), scrollback).with_context(fail)?;
    let Some(mut session) = sessions.pop() else { bail!("{}: it went away", fail()) };
    let root = session
        .options
        .get("@cdev_project_root")
        .cloned()
        .or_else(|| session.windows.first().and_then(|w| w.panes.first()).map(|p| p.cwd.clone()))
        .unwrap_or_else(|| "/".into());
    let claude = claude::config_dir(&context.paths.home);
    let mut conversations = Vec::new();
    for pane in session.windows.iter_mut().flat_map(|w| w.panes.iter_mut()) {
        if request.conversations {
            conversations.extend(conversation_of(pane, &claude, Path::new(&root)));
        }
        pane.cwd = bundle::relative_to(Path::new(&root), &pane.cwd).unwrap_or_else(|| {
            eprintln!(
                "cdev: a pane in {} is outside the project: it is exported at the project root",
                printable(&pane.cwd)
            );
            ".".into()
        });
        // Paths on this machine mean nothing on another.
        pane.options.remove("@cdev_claude_transcript");
    }
    session.options.remove("@cdev_project_root");
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
    let id = pane.options.get("@cdev_claude_session").filter(|id| claude::is_conversation_id(id))?;
    let transcript = pane
        .options
        .get("@cdev_claude_transcript")
        .map(PathBuf::from)
        .unwrap_or_else(|| claude::transcript_path(claude, &pane.cwd, id));
    let cwd = bundle::relative_to(root, &pane.cwd).unwrap_or_else(|| ".".into());
    match bounded::read_text(&transcript, bounded::limit::ARCHIVE) {
        Ok(jsonl) => Some(Conversation { session_id: id.clone(), cwd, jsonl }),
        Err(err) => {
            eprintln!("cdev: no transcript for {id} ({}: {err})", shown_path(&transcript));
            None
        }
    }
}

pub struct ImportRequest {
    pub file: PathBuf,
    pub name: Option<String>,
    pub root: Option<PathBuf>,
    pub yes: bool,
}

/// The bundle in file `path`; `-` reads it from stdin (`cdev move` sends it so over ssh).
pub(super) fn read_bundle(path: &Path) -> Result<Bundle> {
    if path == Path::new("-") {
        return bundle::decode(std::io::stdin().lock())
            .map_err(|message| InputError::new("the bundle on stdin", message).into());
    }
    let file = bounded::open(path, bounded::limit::ARCHIVE)
        .map_err(|err| InputError::in_file(path, err.to_string()))?;
    bundle::decode(file).map_err(|message| InputError::in_file(path, message).into())
}

/// Imports a bundle already read (and checked: `arrive::import`); the line for the user.
pub(super) fn import_bundle(
    context: &Context,
    request: &ImportRequest,
    mut bundle: Bundle,
) -> Result<String> {
    let fail = || format!("could not import {}", request.file.display());
    let root = match &request.root {
        Some(root) => root.clone(),
        None => PathBuf::from(&bundle.project_root),
    };
    let root = root.canonicalize().with_context(|| format!("{}: project root {}", fail(), root.display()))?;
    let name = request.name.clone().unwrap_or_else(|| bundle.session.name.clone());
    if naming::session_name("", &name) != name {
        bail!(InputError::new("--name", format!("{name:?} is not a usable session name")));
    }
    // Everything the bundle names is checked before anything is written or started.
    for pane in bundle.session.windows.iter_mut().flat_map(|w| w.panes.iter_mut()) {
        pane.cwd = bundle::rebase(&root, &pane.cwd).with_context(fail)?.to_string_lossy().into_owned();
        if let Some(id) = pane.options.get("@cdev_claude_session") {
            claude::check_conversation_id(id).with_context(fail)?;
        }
    }
    for conversation in &bundle.conversations {
        claude::check_conversation_id(&conversation.session_id).with_context(fail)?;
        bundle::rebase(&root, &conversation.cwd).with_context(fail)?;
    }
    bundle.session.options.insert("@cdev_project_root".into(), root.to_string_lossy().into_owned());

    let tmux = context.tmux()?;
    let (options, running) = tmux.start_and_read::<SessionSummary>(TmuxCommand::new("list-sessions"))?;
    if running.iter().any(|s| s.name == name) {
        bail!("{}: a session named {name} is running (use --name)", fail());
    }
    let config = context.file_config()?.with_tmux_options(&options, &context.paths)?;

    let agreed = vet_foreign(context, &config, &mut bundle.session, request.yes)?;
    let run_all = agreed;

    let claude_dir = claude::config_dir(&context.paths.home);
    for conversation in &bundle.conversations {
        let cwd = bundle::rebase(&root, &conversation.cwd)?;
        let old_cwd = bundle::rebase(Path::new(&bundle.project_root), &conversation.cwd)?;
        let cwd_text = cwd.to_string_lossy();
        let path = claude::transcript_path(&claude_dir, &cwd_text, &conversation.session_id);
        if path.exists() {
            eprintln!("cdev: kept the existing transcript {}", shown_path(&path));
            continue;
        }
        let jsonl = bundle::rebase_transcript(&conversation.jsonl, &old_cwd.to_string_lossy(), &cwd_text);
        store::write_private(&path, jsonl.as_bytes()).with_context(fail)?;
    }
    let plan = Recreate { replacing: &[], client: None, run_all, run_listed: run_all, foreign: &[] };
    recreate(context, &tmux, &options, &config, &[(name.clone(), &bundle.session)], &plan)
        .with_context(fail)?;
    Ok(format!("{name}: imported {} panes into {}", bundle.session.pane_count(), shown_path(&root)))
}

/// A session from someone else's file (a bundle, a snapshot file from elsewhere): says what would
/// run, and asks (or takes `yes`) before its commands run and its environment is set. Without a
/// yes its environment is dropped and its commands are only typed. Returns whether the user agreed.
pub(super) fn vet_foreign(
    context: &Context,
    config: &Config,
    session: &mut SessionSnapshot,
    yes: bool,
) -> Result<bool> {
    let claude_settings = context.claude_settings_path();
    let claude_dir = claude::config_dir(&context.paths.home);
    let settings = Settings {
        shell: "",
        claude: &config.claude_command.value,
        claude_settings: &claude_settings,
        claude_dir: &claude_dir,
        restore_processes: &config.restore_processes.value,
        default_history_limit: 0,
        run_all: false,
        run_listed: false,
    };
    // Only Claude resuming its own conversation runs unasked. Its commands and its environment
    // (PROMPT_COMMAND, BASH_ENV, LD_PRELOAD, …) wait for a yes.
    let mut others = Vec::new();
    for pane in session.windows.iter().flat_map(|w| &w.panes) {
        match strategy(pane, Path::new(&pane.cwd), &settings) {
            Strategy::Run(command) => {
                eprintln!("cdev: will run in {}: {}", printable(&pane.cwd), printable(&command))
            }
            // (Its id is drawn when the pane is made.)
            Strategy::Fresh { .. } => eprintln!(
                "cdev: will start a new Claude conversation in {} (its own has no transcript here)",
                printable(&pane.cwd)
            ),
            Strategy::Type(command) => others.push((pane.cwd.clone(), command)),
            Strategy::Shell => {}
        }
    }
    for (cwd, command) in &others {
        eprintln!("cdev: typed but not run unless you agree, in {}: {}", printable(cwd), printable(command));
    }
    let env_names: Vec<String> = session.env.iter().map(|(k, _)| k.clone()).collect();
    if !env_names.is_empty() {
        eprintln!(
            "cdev: environment from the file, set only if you agree: {}",
            printable(&env_names.join(" "))
        );
    }
    let asked = !others.is_empty() || !env_names.is_empty();
    let agreed = asked && (yes || confirm("Run these commands and set this environment? [y/N] ")?);
    if !agreed {
        session.env.clear();
    }
    Ok(agreed)
}
