//! Git worktrees under `<repo>/.worktrees/<feature>`, one per agent, made without ever losing work:
//! an existing worktree is reused, a directory in the way is refused, and `.worktrees/` is kept out
//! of git through `.git/info/exclude` (the user's `.gitignore` is never edited).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::{git, store};

pub const WORKTREES_DIR: &str = ".worktrees";
const EXCLUDE_LINE: &str = "/.worktrees/";

/// Makes (or reuses) the worktree for `feature` in the repository at `toplevel`: branch `feature`
/// is created from HEAD unless it exists. Returns the worktree's path.
pub fn ensure(toplevel: &Path, feature: &str) -> Result<PathBuf> {
    let fail = || format!("could not add worktree {feature:?}");
    if feature.starts_with('-') || git::run(toplevel, &["check-ref-format", "--branch", feature]).is_err() {
        bail!("{}: not a valid branch name", fail());
    }
    let path = toplevel.join(WORKTREES_DIR).join(feature);
    exclude_worktrees_dir(toplevel).with_context(fail)?;
    if path.exists() {
        if registered_worktrees(toplevel)?.iter().any(|w| same_path(w, &path)) {
            return Ok(path);
        }
        bail!(
            "{}: {} exists and is not a worktree of this repository; move it away first",
            fail(),
            path.display()
        );
    }
    let path_arg = path.to_string_lossy().into_owned();
    let branch_ref = format!("refs/heads/{feature}");
    let result = if git::run(toplevel, &["rev-parse", "--verify", "--quiet", &branch_ref]).is_ok() {
        git::run(toplevel, &["worktree", "add", "--", &path_arg, feature])
    } else {
        git::run(toplevel, &["worktree", "add", "-b", feature, "--", &path_arg])
    };
    result.with_context(fail)?;
    Ok(path)
}

/// The paths of the repository's worktrees, from `git worktree list --porcelain -z`.
pub fn registered_worktrees(toplevel: &Path) -> Result<Vec<PathBuf>> {
    let out = git::run(toplevel, &["worktree", "list", "--porcelain", "-z"])?;
    Ok(out.split('\0').filter_map(|field| field.strip_prefix("worktree ")).map(PathBuf::from).collect())
}

fn same_path(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Adds `/.worktrees/` to the repository's `info/exclude` unless it is there.
fn exclude_worktrees_dir(toplevel: &Path) -> Result<()> {
    let exclude = git::common_dir(toplevel)?.join("info/exclude");
    let current = match fs::read_to_string(&exclude) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(err) => return Err(err).with_context(|| format!("could not read {}", exclude.display())),
    };
    if current.lines().any(|line| line.trim() == EXCLUDE_LINE) {
        return Ok(());
    }
    let mut updated = current;
    if !updated.is_empty() && !updated.ends_with('\n') {
        updated.push('\n');
    }
    updated.push_str("# cdev: agent worktrees\n");
    updated.push_str(EXCLUDE_LINE);
    updated.push('\n');
    store::write_atomic(&exclude, updated.as_bytes())
}
