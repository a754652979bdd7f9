//! The git runner: the one place besides the tmux gateway that starts a process. argv only.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, bail, Result};

/// What `git rev-parse --local-env-vars` lists: variables that point git at one repository. Git
/// sets them for its hooks, so `cdev check` run from a pre-commit hook would read every worktree
/// as the committing one; `-C dir` must decide alone.
const REPOSITORY_ENV: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_PREFIX",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_GRAFT_FILE",
    "GIT_SHALLOW_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE",
    "GIT_INTERNAL_SUPER_PREFIX",
];

/// Runs `git -C dir args…` and returns stdout; a failure carries git's own message.
#[allow(clippy::disallowed_methods)]
pub fn run(dir: &Path, args: &[&str]) -> Result<String> {
    let mut command = Command::new("git");
    for name in REPOSITORY_ENV {
        command.env_remove(name);
    }
    let output =
        command.arg("-C").arg(dir).args(args).env("GIT_TERMINAL_PROMPT", "0").output().map_err(|err| {
            match err.kind() {
                std::io::ErrorKind::NotFound => anyhow!("could not find git, is it installed?"),
                _ => anyhow!("could not run git: {err}"),
            }
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
        bail!("git {} failed: {stderr}", args.join(" "));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The top of the work tree holding `dir`, or `None` when `dir` is not in a git repository.
pub fn toplevel(dir: &Path) -> Option<PathBuf> {
    let out = run(dir, &["rev-parse", "--show-toplevel"]).ok()?;
    Some(PathBuf::from(out.trim_end_matches('\n')))
}

/// The repository's common git dir (shared by all worktrees), absolute.
pub fn common_dir(dir: &Path) -> Result<PathBuf> {
    let out = run(dir, &["rev-parse", "--path-format=absolute", "--git-common-dir"])?;
    Ok(PathBuf::from(out.trim_end_matches('\n')))
}

/// The branch checked out in the work tree holding `dir`, read from `HEAD` without running git
/// (it is asked for every agent on every `cdev agents`). A detached HEAD gives its short hash.
pub fn branch_of(dir: &Path) -> Option<String> {
    let dot_git = dir.ancestors().map(|d| d.join(".git")).find(|p| p.exists())?;
    let git_dir = if dot_git.is_dir() {
        dot_git
    } else {
        // A worktree's `.git` is a file: `gitdir: <path>`.
        let text = crate::bounded::read_text(&dot_git, crate::bounded::limit::SMALL).ok()?;
        let target = PathBuf::from(text.strip_prefix("gitdir:")?.trim());
        if target.is_absolute() {
            target
        } else {
            dot_git.parent()?.join(target)
        }
    };
    let head = crate::bounded::read_text(&git_dir.join("HEAD"), crate::bounded::limit::SMALL).ok()?;
    let head = head.trim();
    match head.strip_prefix("ref: refs/heads/") {
        Some(branch) => Some(branch.to_string()),
        None => Some(head.chars().take(7).collect()),
    }
}
