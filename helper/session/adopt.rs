//! Sessions cdev did not make (a plain `tmux new-session -s claude-dev-legacy`, as the seed's
//! scripts did) become cdev's: their project root is told from what they hold, and recorded on
//! them as `@cdev_project_root`, so every command treats them as if cdev had made them.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::tmux::format::{text, Field, Fields, Record};
use crate::tmux::{target, Tmux, TmuxCommand};

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
/// (what the seed's scripts set), else the directory it was started in unless that is the home
/// directory or `/` (a session started from there says nothing), else the git top-level of the
/// first of its panes that is in a repository, else its start directory. `None` when the session
/// is gone. Two tmux calls at most.
pub fn project_root_of(tmux: &Tmux, session: &str, home: &Path) -> Option<PathBuf> {
    let session_target = target::session(session);
    let from_env = tmux
        .run(TmuxCommand::new("show-environment").value("-t", &session_target).arg("PROJECT_ROOT"))
        .ok()
        .and_then(|line| line.trim_end_matches('\n').strip_prefix("PROJECT_ROOT=").map(PathBuf::from))
        .filter(|root| root.is_absolute() && root.is_dir());
    if let Some(root) = from_env {
        return Some(canonical(root));
    }
    let panes: Vec<PanePlace> =
        tmux.query(TmuxCommand::new("list-panes").flag("-s").value("-t", &session_target)).ok()?;
    let start = PathBuf::from(&panes.first()?.session_path);
    let says_nothing = start == home || start == Path::new("/") || !start.is_dir();
    if !says_nothing {
        return Some(canonical(start));
    }
    panes
        .iter()
        .find_map(|pane| crate::git::toplevel(Path::new(&pane.cwd)))
        .or_else(|| start.is_dir().then_some(start))
        .map(canonical)
}

/// Records `root` on `session` as cdev's own sessions have it.
pub fn record(tmux: &Tmux, session: &str, root: &Path) -> Result<()> {
    tmux.run(
        TmuxCommand::new("set-option")
            .value("-t", &target::session(session))
            .arg("@cdev_project_root")
            .arg(&root.to_string_lossy()),
    )
    .map(drop)
}

fn canonical(path: PathBuf) -> PathBuf {
    path.canonicalize().unwrap_or(path)
}
