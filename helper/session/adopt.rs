//! Sessions cdev did not make (a plain `tmux new-session -s claude-dev-legacy`, as the plain-tmux
//! scripts did) become cdev's: their project root is told from what they hold, and recorded on
//! them as `@cdev_project_root`, so every command treats them as if cdev had made them.

use crate::tmux::cdev_option;
use crate::tmux::verbs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use crate::context::Context;
use crate::tmux::format::{plain, text, Field, Fields, Record};
use crate::tmux::{environment, target, Tmux};

/// The project root cdev recorded on `session` (`@cdev_project_root`). A session cdev did
/// not make (plain tmux, the shell scripts cdev replaces) is adopted: its root is told from what it holds
/// ([`project_root_of`]) and recorded on it.
pub fn project_root(context: &Context, tmux: &Tmux, session: &str) -> Result<PathBuf> {
    let target = target::session(session);
    let root = tmux
        .run(verbs::show_option_value(&target, cdev_option::PROJECT_ROOT))
        .with_context(|| format!("could not read session {session}"))?;
    let root = root.trim_end_matches('\n');
    if !root.is_empty() {
        return Ok(root.into());
    }
    let Some(root) = project_root_of(tmux, session, &context.paths.home) else {
        // (`show-options -q` answers nothing for a session that is not there either.)
        if tmux.run(verbs::has_session(session)).is_err() {
            bail!("could not find session {session}: no such session");
        }
        bail!("could not tell the project of {session}: it was not made by cdev, and neither PROJECT_ROOT, its directory nor its panes name one");
    };
    // Only a session with cdev's name becomes cdev's: another one (`notes`) would then be
    // autosaved and offered to `cdev cleanup`, which the user never asked for.
    let config = context.file_config()?.with_tmux_options(&tmux.options()?, &context.paths)?;
    if config.is_cdev_session(session) {
        record(tmux, session, &root)
            .with_context(|| format!("could not record {} as the project of {session}", root.display()))?;
    }
    Ok(root)
}

/// Where a session's panes are, and where it started.
struct PanePlace {
    session_path: String,
    cwd: String,
}

impl Record for PanePlace {
    const FIELDS: &'static [Field] = &[text("session_path"), text("pane_current_path")];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(PanePlace { session_path: f.string()?, cwd: f.string()? })
    }
}

/// The project root of `session`, which has none recorded: `PROJECT_ROOT` in its environment
/// (what the plain-tmux scripts set), else the directory it was started in unless that is the home
/// directory or `/` (a session started from there says nothing), else the git top-level of the
/// first of its panes that is in a repository. `None` when nothing names one, or the session is
/// gone. Two tmux calls at most.
pub fn project_root_of(tmux: &Tmux, session: &str, home: &Path) -> Option<PathBuf> {
    let session_target = target::session(session);
    let from_env = tmux
        .run(environment::show(&session_target).arg("PROJECT_ROOT"))
        .ok()
        .and_then(|text| environment::parse_shell(&text).into_iter().find(|(name, _)| name == "PROJECT_ROOT"))
        .and_then(|(_, value)| value.map(PathBuf::from))
        .filter(|root| names_a_root(root));
    if let Some(root) = from_env {
        return Some(canonical(root));
    }
    from_start_or_panes(tmux, session, None, home)
}

/// A running session as `cdev new` reads it, in the same tmux call as the server's options: its
/// name and the root cdev recorded on it, and for a session cdev did not make, what tells its
/// root ([`project_root_of`]) without asking tmux again.
pub struct SeenSession {
    pub name: String,
    pub project_root: Option<String>,
    /// Where it was started (`session_path`).
    start: String,
    /// `PROJECT_ROOT` as tmux's formats see it: the session's environment, else (when the
    /// session has none) the server's global one.
    env_root: String,
}

impl Record for SeenSession {
    const FIELDS: &'static [Field] =
        &[plain("session_name"), text(cdev_option::PROJECT_ROOT), text("session_path"), text("PROJECT_ROOT")];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(SeenSession {
            name: f.string()?,
            project_root: f.optional()?,
            start: f.string()?,
            env_root: f.string()?,
        })
    }
}

/// Whether `root` is the project of `seen`, a session with no root recorded, as
/// [`project_root_of`] tells it. Decided from the first read where that settles it (no tmux
/// call: every `cdev new` asks this of every such session); tmux is asked only when the read
/// cannot tell a `PROJECT_ROOT` of the session's own from the server's global one and that
/// decides, or when only its panes can tell.
pub fn is_project_of(tmux: &Tmux, seen: &SeenSession, root: &Path, home: &Path) -> bool {
    let env = Some(PathBuf::from(&seen.env_root)).filter(|r| names_a_root(r)).map(canonical);
    let start = Some(PathBuf::from(&seen.start)).filter(|s| start_says_something(s, home)).map(canonical);
    match (env, start) {
        // No PROJECT_ROOT anywhere: the session's own environment has none either.
        (None, Some(start)) => start == root,
        (None, None) => {
            from_start_or_panes(tmux, &seen.name, Some(Path::new(&seen.start)), home).as_deref() == Some(root)
        }
        // The session's own value or the global one: the same answer either way.
        (Some(env), Some(start)) if (env == root) == (start == root) => env == root,
        (Some(_), _) => project_root_of(tmux, &seen.name, home).as_deref() == Some(root),
    }
}

/// The rest of [`project_root_of`], after `PROJECT_ROOT`: the session's start directory (read
/// here unless `start` gives it), else its panes' repository. One tmux call at most.
fn from_start_or_panes(tmux: &Tmux, session: &str, start: Option<&Path>, home: &Path) -> Option<PathBuf> {
    if let Some(start) = start.filter(|s| start_says_something(s, home)) {
        return Some(canonical(start.to_path_buf()));
    }
    let panes: Vec<PanePlace> = tmux.query(verbs::session_panes(session)).ok()?;
    if start.is_none() {
        let start = PathBuf::from(&panes.first()?.session_path);
        if start_says_something(&start, home) {
            return Some(canonical(start));
        }
    }
    panes.iter().find_map(|pane| crate::git::toplevel(Path::new(&pane.cwd))).map(canonical)
}

fn names_a_root(root: &Path) -> bool {
    root.is_absolute() && root.is_dir()
}

/// A session started from the home directory or `/` says nothing about its project.
fn start_says_something(start: &Path, home: &Path) -> bool {
    start != home && start != Path::new("/") && start.is_dir()
}

/// Records `root` on `session` as cdev's own sessions have it.
pub fn record(tmux: &Tmux, session: &str, root: &Path) -> Result<()> {
    tmux.run(verbs::set_session_option(
        &target::session(session),
        cdev_option::PROJECT_ROOT,
        &root.to_string_lossy(),
    ))
    .map(drop)
}

fn canonical(path: PathBuf) -> PathBuf {
    path.canonicalize().unwrap_or(path)
}
