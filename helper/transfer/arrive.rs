//! The receiving end of `cdev import` and of `cdev move`. Before anything changes here it checks that the project's checkout exists, that every
//! checkout the bundle names holds its commits (or that an agent worktree can be made from a
//! branch this repository has), and that no other session has the name; then it makes those
//! worktrees and imports. `--json` answers in one line the sending side reads; a session a
//! previous `cdev move` already brought is reported, never made twice.

use crate::tmux::cdev_option;
use crate::tmux::cdev_option::MOVE_ID;
use crate::tmux::verbs;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::checkout::{self, Missing};
use crate::context::Context;
use crate::tmux::format::{plain, text, Field, Fields, Record};
use crate::tmux::is_no_server;
use crate::transfer::import::{import_bundle, read_bundle, ImportRequest};

pub const ANSWER_KIND: &str = "cdev-import-answer";
pub const ANSWER_VERSION: u32 = 1;

/// What `cdev import --json` prints: one line of JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub kind: String,
    pub version: u32,
    pub outcome: Outcome,
    /// The session's name here.
    pub session: String,
    /// The project root here.
    pub root: String,
    /// What this machine lacks (outcome `missing`): nothing was changed.
    pub missing: Vec<Missing>,
    /// The agent worktrees made (or, with `--check-only`, to be made) from their branches.
    pub worktrees: Vec<String>,
    pub panes: usize,
    /// Claude panes that resume their own conversation here (its transcript came along), and
    /// the transcripts brought.
    pub agents: usize,
    pub conversations: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The session runs here now.
    Imported,
    /// `--check-only`: everything it needs is here.
    Ready,
    /// Something it needs is not here; nothing changed.
    Missing,
    /// The same session (the same `cdev move`) already runs here; nothing changed.
    Already,
}

/// A running session's name and the move that brought it.
struct Arrived {
    name: String,
    move_id: Option<String>,
}

impl Record for Arrived {
    const FIELDS: &'static [Field] = &[plain("session_name"), text(MOVE_ID)];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Arrived { name: f.string()?, move_id: f.optional()? })
    }
}

/// Checks that everything the bundle in `request.file` needs is here, then (unless `check_only`)
/// makes its agent worktrees and imports it. The answer, and the line for the user when it was
/// imported.
pub fn arrive(
    context: &Context,
    request: &ImportRequest,
    check_only: bool,
) -> Result<(Answer, Option<String>)> {
    let fail = || format!("could not import {}", request.file.display());
    let bundle = read_bundle(&request.file).with_context(fail)?;
    let root = request.root.clone().unwrap_or_else(|| PathBuf::from(&bundle.project_root));
    let name = request.name.clone().unwrap_or_else(|| bundle.session.name.clone());
    let agents = bundle
        .session
        .windows
        .iter()
        .flat_map(|w| &w.panes)
        .filter(|p| {
            // An agent whose transcript came along resumes it (one never prompted starts anew).
            let id = p.options.get(cdev_option::CLAUDE_SESSION);
            id.is_some_and(|id| bundle.conversations.iter().any(|c| &c.session_id == id))
                && p.options.get(cdev_option::AGENT_STATE).is_none_or(|s| s != "ended")
        })
        .count();
    let mut answer = Answer {
        kind: ANSWER_KIND.into(),
        version: ANSWER_VERSION,
        outcome: Outcome::Ready,
        session: name.clone(),
        root: root.to_string_lossy().into_owned(),
        missing: Vec::new(),
        worktrees: Vec::new(),
        panes: bundle.session.pane_count(),
        agents,
        conversations: bundle.conversations.len(),
    };

    // Read only, and no server started: nothing changes until every check passed.
    let tmux = context.tmux()?;
    let running = match tmux.query::<Arrived>(verbs::sessions()) {
        Ok(running) => running,
        Err(err) if is_no_server(&err) => Vec::new(),
        Err(err) => return Err(err).with_context(fail),
    };
    if let Some(there) = running.iter().find(|s| s.name == name) {
        let this_move = bundle.session.options.get(MOVE_ID);
        if this_move.is_some() && there.move_id.as_ref() == this_move {
            answer.outcome = Outcome::Already;
            return Ok((answer, None));
        }
        answer.missing.push(Missing::Session { name: name.clone() });
    }
    let (missing, worktrees) = checkout::verify(&root, &bundle.checkouts).with_context(fail)?;
    answer.missing.extend(missing);
    answer.worktrees =
        worktrees.iter().map(|w| format!("{}/{}", crate::worktree::WORKTREES_DIR, w.feature)).collect();
    if !answer.missing.is_empty() {
        answer.outcome = Outcome::Missing;
        return Ok((answer, None));
    }
    if check_only {
        return Ok((answer, None));
    }
    checkout::make_worktrees(&root, &worktrees).with_context(fail)?;
    let line = import_bundle(context, request, bundle)?;
    answer.outcome = Outcome::Imported;
    Ok((answer, Some(line)))
}
