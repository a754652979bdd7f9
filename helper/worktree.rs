//! Git worktrees under `<repo>/.worktrees/<feature>`, one per agent, made without ever losing work:
//! an existing worktree is reused, a directory in the way is refused, and `.worktrees/` is kept out
//! of git through `.git/info/exclude` (the user's `.gitignore` is never edited).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::{git, store};

pub const WORKTREES_DIR: &str = ".worktrees";
/// Where Claude Code puts the worktrees it makes itself (`claude --worktree`, subagents with
/// worktree isolation): agent worktrees too, listed and checked like cdev's.
pub const CLAUDE_WORKTREES_DIR: &str = ".claude/worktrees";
const EXCLUDE_LINE: &str = "/.worktrees/";

/// Makes (or reuses) the worktree for `feature` in the repository at `toplevel`: branch `feature`
/// is created from HEAD unless it exists. Returns the worktree's path.
pub fn ensure(toplevel: &Path, feature: &str) -> Result<PathBuf> {
    ensure_from(toplevel, feature, None)
}

/// [`ensure`], a new branch starting at `base` (a ref) instead of HEAD.
pub fn ensure_from(toplevel: &Path, feature: &str, base: Option<&str>) -> Result<PathBuf> {
    let fail = || format!("could not add worktree {feature:?}");
    if feature.starts_with('-') || git::run(toplevel, &["check-ref-format", "--branch", feature]).is_err() {
        bail!("{}: not a valid branch name", fail());
    }
    let path = worktrees_dir(toplevel).with_context(fail)?.join(feature);
    exclude_worktrees_dir(toplevel).with_context(fail)?;
    if !path.exists() && registered_worktrees(toplevel)?.iter().any(|w| w == &path) {
        // Deleted by hand: git still lists it and refuses the path. Prune forgets the worktrees
        // whose directories are gone (only those), as git itself would.
        git::run(toplevel, &["worktree", "prune"]).with_context(fail)?;
    }
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
        let mut args = vec!["worktree", "add", "-b", feature, "--", &path_arg];
        if let Some(base) = base {
            if base.starts_with('-') {
                bail!("{}: {base:?} is not a ref", fail());
            }
            args.push(base);
        }
        git::run(toplevel, &args)
    };
    result.with_context(fail)?;
    Ok(path)
}

/// `<toplevel>/.worktrees`, refused when it is anything but a plain directory (or absent): a
/// `.worktrees` symlink committed to a repository would put every agent's checkout elsewhere.
pub fn worktrees_dir(toplevel: &Path) -> Result<PathBuf> {
    let dir = toplevel.join(WORKTREES_DIR);
    match fs::symlink_metadata(&dir) {
        Ok(meta) if meta.file_type().is_symlink() => bail!(
            "{} is a symbolic link: agent checkouts would land outside the repository (remove it)",
            dir.display()
        ),
        Ok(meta) if !meta.is_dir() => bail!("{} is not a directory (remove it)", dir.display()),
        _ => Ok(dir),
    }
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

/// What `cdev worktree list` shows of one worktree.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Status {
    pub name: String,
    pub path: PathBuf,
    pub branch: Option<String>,
    /// Uncommitted changes (`git status --porcelain` lines).
    pub dirty: usize,
    /// Commits ahead of and behind the main checkout's branch.
    pub ahead: Option<u32>,
    pub behind: Option<u32>,
    /// Its directory was deleted by hand; git still lists it until `git worktree prune`.
    pub missing: bool,
    /// Made by Claude Code itself (under `.claude/worktrees/`), not by `cdev worktree add`.
    pub by_claude: bool,
}

/// The name of the agent worktree at `path` (under `.worktrees/` or Claude Code's
/// `.claude/worktrees/`), and whether Claude made it; `None` for any other worktree.
pub fn agent_worktree(toplevel: &Path, path: &Path) -> Option<(String, bool)> {
    [(WORKTREES_DIR, false), (CLAUDE_WORKTREES_DIR, true)].into_iter().find_map(|(dir, by_claude)| {
        let name = path.strip_prefix(toplevel.join(dir)).ok()?.to_string_lossy().into_owned();
        (!name.is_empty()).then_some((name, by_claude))
    })
}

/// The agent worktrees (cdev's under `.worktrees/`, Claude Code's under `.claude/worktrees/`) of
/// the repository at `toplevel`.
pub fn statuses(toplevel: &Path) -> Result<Vec<Status>> {
    let base = git::branch_of(toplevel);
    let mut found = Vec::new();
    for path in registered_worktrees(toplevel)? {
        let Some((name, by_claude)) = agent_worktree(toplevel, &path) else { continue };
        if !path.exists() {
            found.push(Status {
                name,
                path,
                branch: None,
                dirty: 0,
                ahead: None,
                behind: None,
                missing: true,
                by_claude,
            });
            continue;
        }
        let branch = git::branch_of(&path);
        let dirty = git::run(&path, &["status", "--porcelain"]).map(|s| s.lines().count()).unwrap_or(0);
        let (ahead, behind) = match (&base, &branch) {
            (Some(base), Some(branch)) => {
                let range = format!("{base}...{branch}");
                match git::run(toplevel, &["rev-list", "--left-right", "--count", &range]) {
                    Ok(out) => {
                        let mut counts = out.split_whitespace().map(|n| n.parse().ok());
                        let behind = counts.next().flatten();
                        (counts.next().flatten(), behind)
                    }
                    Err(_) => (None, None),
                }
            }
            _ => (None, None),
        };
        found.push(Status { name, path, branch, dirty, ahead, behind, missing: false, by_claude });
    }
    Ok(found)
}

/// Why removing the worktree would lose work: uncommitted changes, or commits on its branch
/// that no other branch has. `None` when it is safe.
pub fn unsafe_to_remove(toplevel: &Path, status: &Status) -> Option<String> {
    if status.dirty > 0 {
        return Some(crate::humanize::counted(status.dirty, "uncommitted change"));
    }
    let branch = status.branch.as_deref()?;
    // (`--exclude` patterns for `--branches` are branch names, without refs/heads/.)
    let only_here =
        git::run(toplevel, &["rev-list", branch, "--not", &format!("--exclude={branch}"), "--branches"])
            .map(|out| out.lines().count())
            .unwrap_or(0);
    (only_here > 0).then(|| {
        format!("{} on {branch} that no other branch has", crate::humanize::counted(only_here, "commit"))
    })
}
