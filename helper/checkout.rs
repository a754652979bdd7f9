//! The git checkouts a session's panes work in, and whether another machine's copy of the
//! project holds the same commits: what `cdev move` records here and checks there before
//! anything changes, and the agent worktrees it then makes there from branches it can reach.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

use crate::project_path::{rebase, relative_to};
use crate::{git, worktree};

/// One checkout, as it is on the machine the session leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkout {
    /// Relative to the project root: `.` for the project's own checkout, `.worktrees/feat-x`
    /// for an agent's worktree.
    pub dir: String,
    /// The branch checked out there; `None` for a detached HEAD.
    pub branch: Option<String>,
    /// The commit checked out (full hash).
    pub commit: String,
}

/// What the other machine lacks, each with what the user does about it ([`Missing::advice`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Missing {
    /// Nothing at the project's path there.
    Checkout { path: String },
    /// A directory, but not a git checkout.
    NotGit { path: String },
    /// The commit is nowhere in that repository: it was never pushed, or never fetched there.
    Commit { dir: String, branch: Option<String>, commit: String },
    /// The commit is there, but the checkout holds something older or else.
    Behind { dir: String, branch: Option<String>, there: Option<String> },
    /// A session of that name runs there, and it is not this one moved before.
    Session { name: String },
}

impl Missing {
    /// One line saying what to do about it.
    pub fn advice(&self) -> String {
        let short = |commit: &str| commit.chars().take(12).collect::<String>();
        match self {
            Missing::Checkout { path } => {
                format!("no checkout of the project at {path}: clone it there first")
            }
            Missing::NotGit { path } => {
                format!("{path} is not a git checkout: clone the project there first")
            }
            Missing::Commit { branch: Some(branch), commit, .. } => {
                format!("push branch {branch} first (commit {} is not there; fetch it there)", short(commit))
            }
            Missing::Commit { dir, branch: None, commit } => {
                format!("{dir} is on no branch: put commit {} on a branch and push it first", short(commit))
            }
            Missing::Behind { dir, branch, there } => format!(
                "{} there is on {} without the commit of {} here: pull it there first",
                if dir == "." { "the project's checkout" } else { dir },
                there.as_deref().unwrap_or("another commit"),
                branch.as_deref().unwrap_or("this checkout")
            ),
            Missing::Session { name } => {
                format!("a session named {name} already runs there and is not this one: rename or end it there first")
            }
        }
    }
}

/// An agent worktree the other machine makes before the session arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worktree {
    pub feature: String,
    /// Where its branch starts when there is no local branch of that name yet (`origin/feat-x`).
    pub base: Option<String>,
}

/// The checkouts holding `cwds` (absolute paths), each once, relative to `root`; cwds outside
/// the project and outside git are left out. Also the absolute top of each, for [`uncommitted`].
pub fn of_cwds<'a>(root: &Path, cwds: impl IntoIterator<Item = &'a str>) -> Result<Vec<(PathBuf, Checkout)>> {
    let mut found: Vec<(PathBuf, Checkout)> = Vec::new();
    for cwd in cwds {
        let Some(top) = git::toplevel(Path::new(cwd)) else { continue };
        // A project below the top of its repository (a monorepo) is that repository's checkout.
        let dir = match relative_to(root, &top) {
            Some(dir) => dir,
            None if root.starts_with(&top) => ".".to_string(),
            None => continue,
        };
        if found.iter().any(|(_, c)| c.dir == dir) {
            continue;
        }
        let commit = git::run(&top, &["rev-parse", "--verify", "HEAD"])?.trim().to_string();
        let branch =
            git::run(&top, &["symbolic-ref", "-q", "--short", "HEAD"]).ok().map(|b| b.trim().to_string());
        found.push((top, Checkout { dir, branch, commit }));
    }
    Ok(found)
}

/// How many changes in the checkout at `top` are not committed (untracked files count: an
/// agent's new files are work too). They stay on this machine.
pub fn uncommitted(top: &Path) -> Result<usize> {
    Ok(git::run(top, &["status", "--porcelain"])?.lines().count())
}

/// Checks `checkouts` against the project at `root` on this machine: what is missing, and the
/// worktrees to make. Reads only; changes nothing.
pub fn verify(root: &Path, checkouts: &[Checkout]) -> Result<(Vec<Missing>, Vec<Worktree>)> {
    let (mut missing, mut make) = (Vec::new(), Vec::new());
    let shown = |path: &Path| path.to_string_lossy().into_owned();
    if !root.is_dir() {
        missing.push(Missing::Checkout { path: shown(root) });
        return Ok((missing, make));
    }
    for checkout in checkouts {
        // From the other machine: a "commit" must be a hash, never an option for git.
        if !is_commit_hash(&checkout.commit) {
            bail!("checkout {:?}: {:?} is not a commit hash", checkout.dir, checkout.commit);
        }
        let path = rebase(root, &checkout.dir)?;
        let has_commit = |dir: &Path| {
            git::run(dir, &["cat-file", "-e", &format!("{}^{{commit}}", checkout.commit)]).is_ok()
        };
        let contains = |dir: &Path, reference: &str| {
            git::run(dir, &["merge-base", "--is-ancestor", &checkout.commit, reference]).is_ok()
        };
        if path.is_dir() {
            if git::toplevel(&path).is_none() {
                missing.push(Missing::NotGit { path: shown(&path) });
            } else if !has_commit(&path) {
                missing.push(commit_missing(checkout));
            } else if !contains(&path, "HEAD") {
                missing.push(Missing::Behind {
                    dir: checkout.dir.clone(),
                    branch: checkout.branch.clone(),
                    there: git::branch_of(&path),
                });
            }
            continue;
        }
        // Not there: an agent worktree is made from its branch, if this repository has it.
        let feature = checkout.dir.strip_prefix(&format!("{}/", worktree::WORKTREES_DIR));
        let (Some(feature), Some(branch), true) = (feature, &checkout.branch, git::toplevel(root).is_some())
        else {
            missing.push(match git::toplevel(root) {
                None => Missing::NotGit { path: shown(root) },
                Some(_) if checkout.branch.is_none() => commit_missing(checkout),
                Some(_) => Missing::Checkout { path: shown(&path) },
            });
            continue;
        };
        if !has_commit(root) {
            missing.push(commit_missing(checkout));
            continue;
        }
        let local = format!("refs/heads/{branch}");
        if git::run(root, &["rev-parse", "--verify", "--quiet", &local]).is_ok() {
            match contains(root, &local) {
                true => make.push(Worktree { feature: feature.to_string(), base: None }),
                false => missing.push(Missing::Behind {
                    dir: checkout.dir.clone(),
                    branch: checkout.branch.clone(),
                    there: Some(branch.clone()),
                }),
            }
            continue;
        }
        let remotes = git::run(root, &["for-each-ref", "--format=%(refname:short)", "refs/remotes/"])?;
        let suffix = format!("/{branch}");
        match remotes.lines().find(|r| r.ends_with(&suffix) && contains(root, r)) {
            Some(remote) => {
                make.push(Worktree { feature: feature.to_string(), base: Some(remote.to_string()) })
            }
            None => missing.push(commit_missing(checkout)),
        }
    }
    Ok((missing, make))
}

/// A full SHA-1 or SHA-256 object name.
fn is_commit_hash(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.chars().all(|c| c.is_ascii_hexdigit())
}

fn commit_missing(checkout: &Checkout) -> Missing {
    Missing::Commit {
        dir: checkout.dir.clone(),
        branch: checkout.branch.clone(),
        commit: checkout.commit.clone(),
    }
}

/// Makes the worktrees [`verify`] found missing, from their branches.
pub fn make_worktrees(root: &Path, worktrees: &[Worktree]) -> Result<()> {
    for tree in worktrees {
        worktree::ensure_from(root, &tree.feature, tree.base.as_deref())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_commit_hashes_reach_git() {
        assert!(is_commit_hash(&"a".repeat(40)) && is_commit_hash(&"0f".repeat(32)));
        for bad in ["", "HEAD", "--output=/tmp/x", &"g".repeat(40), &"a".repeat(41)] {
            assert!(!is_commit_hash(bad), "{bad}");
        }
        let hostile = Checkout { dir: ".".into(), branch: None, commit: "--output=/tmp/x".into() };
        let err = verify(Path::new("/"), &[hostile]).unwrap_err();
        assert!(err.to_string().contains("is not a commit hash"), "{err}");
    }

    #[test]
    fn each_missing_thing_says_what_to_do() {
        let commit = "0123456789abcdef0123456789abcdef01234567".to_string();
        let unpushed =
            Missing::Commit { dir: ".worktrees/feat-x".into(), branch: Some("feat-x".into()), commit };
        assert_eq!(
            unpushed.advice(),
            "push branch feat-x first (commit 0123456789ab is not there; fetch it there)"
        );
        let behind =
            Missing::Behind { dir: ".".into(), branch: Some("main".into()), there: Some("old".into()) };
        assert_eq!(
            behind.advice(),
            "the project's checkout there is on old without the commit of main here: pull it there first"
        );
    }
}
