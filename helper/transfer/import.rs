//! `cdev import FILE|-`'s last step: a bundle read (from a file, or from stdin as `cdev move`
//! sends it), its cwds rebased onto the project root here, its transcripts put where Claude Code
//! looks for them, and the session rebuilt, after the user agreed to what would run.

use crate::tmux::cdev_option;
use crate::tmux::verbs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use crate::agent::claude::{self, SessionId};
use crate::context::Context;
use crate::humanize::shown_path;
use crate::input_error::InputError;
use crate::snapshot::bundle::{self, Bundle};
use crate::snapshot::foreign::vet_foreign;
use crate::snapshot::recreate::{recreate, Recreate};
use crate::tmux::state::SessionSummary;
use crate::{bounded, naming, project_path, store};

/// A bundle to import, and how.
pub struct ImportRequest {
    /// The bundle; `-` is stdin.
    pub file: PathBuf,
    /// The session's name here (default: the exported one).
    pub name: Option<String>,
    /// The project root here (default: the exported one).
    pub root: Option<PathBuf>,
    /// Run its commands and set its environment without asking.
    pub yes: bool,
}

/// The bundle in file `path`; `-` reads it from stdin (`cdev move` sends it so over ssh).
pub fn read_bundle(path: &Path) -> Result<Bundle> {
    if path == Path::new("-") {
        return bundle::decode(std::io::stdin().lock())
            .map_err(|message| InputError::new("the bundle on stdin", message).into());
    }
    let file = bounded::open(path, bounded::limit::ARCHIVE)
        .map_err(|err| InputError::in_file(path, err.to_string()))?;
    bundle::decode(file).map_err(|message| InputError::in_file(path, message).into())
}

/// Imports a bundle already read (and checked: `super::arrive::arrive`); the line for the user.
pub fn import_bundle(context: &Context, request: &ImportRequest, mut bundle: Bundle) -> Result<String> {
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
        pane.cwd = project_path::rebase(&root, &pane.cwd).with_context(fail)?.to_string_lossy().into_owned();
        if let Some(id) = pane.options.get(cdev_option::CLAUDE_SESSION) {
            SessionId::check(id).with_context(fail)?;
        }
    }
    for conversation in &bundle.conversations {
        SessionId::check(&conversation.session_id).with_context(fail)?;
        project_path::rebase(&root, &conversation.cwd).with_context(fail)?;
    }
    bundle.session.options.insert(cdev_option::PROJECT_ROOT.into(), root.to_string_lossy().into_owned());

    let tmux = context.tmux()?;
    let (options, running) = tmux.start_and_read::<SessionSummary>(verbs::sessions())?;
    if running.iter().any(|s| s.name == name) {
        bail!("{}: a session named {name} is running (use --name)", fail());
    }
    let config = context.file_config()?.with_tmux_options(&options, &context.paths)?;

    let agreed = vet_foreign(context, &config, &mut bundle.session, request.yes)?;
    let run_all = agreed;

    let claude_dir = claude::config_dir(&context.paths.home);
    for conversation in &bundle.conversations {
        let cwd = project_path::rebase(&root, &conversation.cwd)?;
        let old_cwd = project_path::rebase(Path::new(&bundle.project_root), &conversation.cwd)?;
        let cwd_text = cwd.to_string_lossy();
        let id = SessionId::check(&conversation.session_id).with_context(fail)?;
        let path = claude::transcript_path(&claude_dir, &cwd_text, &id);
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
