//! `cdev worktree add | list | rm` against real git and a real tmux session.

use std::fs;

use crate::support::{json, wait_for, TestEnv};

#[test]
fn worktrees_are_added_with_a_claude_pane_listed_and_removed_only_when_safe() {
    let env = TestEnv::new();
    let repo = env.project("repo");
    env.git(&repo, &["init", "-q", "-b", "main"]);
    fs::write(repo.join("README"), "x").unwrap();
    env.git(&repo, &["add", "-A"]);
    env.git(&repo, &["commit", "-qm", "init"]);
    let session = env.cdev(&["new", "--no-attach", &repo.to_string_lossy()]).ok().trim().to_string();

    let out = env.cdev(&["worktree", "add", "feat", "--session", &session]).ok();
    assert!(out.starts_with("feat: "), "{out}");
    let tree = repo.join(".worktrees/feat");
    assert!(tree.join("README").exists());
    // tmux reads a pane's cwd from its process: empty for the moment the pane's command execs.
    let mut panes = Vec::new();
    wait_for("the new pane's cwd", || {
        panes = env
            .panes(&session, "#{@cdev_worktree}|#{pane_current_path}|#{pane_title}|#{@cdev_claude_session}");
        panes.iter().any(|p| p.starts_with("feat|") && !p.starts_with("feat||"))
    });
    let pane = panes.iter().find(|p| p.starts_with("feat|")).unwrap_or_else(|| panic!("{panes:#?}"));
    let fields: Vec<&str> = pane.split('|').collect();
    assert_eq!((fields[1], fields[2], fields[3].len()), (tree.to_string_lossy().as_ref(), "claude-feat", 36));
    // Asked again: the pane it has, not a second agent in the same checkout.
    let count = env.panes(&session, "#{pane_id}").len();
    let again = env.cdev(&["worktree", "add", "feat", "--session", &session]).ok();
    assert!(again.contains("has its Claude pane in") && again.contains("selected"), "{again}");
    assert_eq!(env.panes(&session, "#{pane_id}").len(), count);

    let rows = json(&env.cdev(&["worktree", "list", "--session", &session, "--json"]).ok());
    assert_eq!(rows[0]["name"], "feat");
    assert_eq!(rows[0]["branch"], "feat");
    assert_eq!((rows[0]["dirty"].as_u64(), rows[0]["ahead"].as_u64()), (Some(0), Some(0)));

    // Work only this branch has: refused.
    fs::write(tree.join("new.txt"), "work").unwrap();
    env.git(&tree, &["add", "-A"]);
    env.git(&tree, &["commit", "-qm", "feature work"]);
    let err = env.cdev(&["worktree", "rm", "feat", "--session", &session]).fails_with(1);
    assert!(err.contains("1 commit on feat that no other branch has"), "{err}");
    assert_eq!(env.cdev(&["check"]).code(), Some(0), "committed work is not flagged");
    fs::write(tree.join("scratch.txt"), "more").unwrap();
    let run = env.cdev(&["check"]);
    assert_eq!(run.code(), Some(3));
    assert!(
        run.stdout().contains(&format!("{session}: {}: 1 uncommitted change", tree.display())),
        "{}",
        run.stdout()
    );
    let err = env.cdev(&["worktree", "rm", "feat", "--session", &session]).fails_with(1);
    assert!(err.contains("1 uncommitted change"), "{err}");
    assert!(tree.exists());

    let out = env.cdev(&["worktree", "rm", "feat", "--session", &session, "--force"]).ok();
    assert!(out.contains("removed (1 panes closed; branch feat kept)"), "{out}");
    assert!(!tree.exists());
    assert!(!env.panes(&session, "#{@cdev_worktree}").iter().any(|w| w == "feat"));
    assert!(env.git(&repo, &["branch", "--list", "feat"]).contains("feat"));
}

#[test]
fn a_worktree_deleted_by_hand_comes_back_as_a_pane_in_the_project() {
    let env = TestEnv::lived_in();
    let repo = env.project("repo");
    env.git(&repo, &["init", "-q", "-b", "main"]);
    env.git(&repo, &["commit", "-q", "--allow-empty", "-m", "first"]);
    env.start_session("wt", &repo);
    let tree = repo.join(".worktrees/feat-x");
    env.git(&repo, &["worktree", "add", "-q", &tree.to_string_lossy(), "-b", "feat-x"]);
    env.tmux(&["send-keys", "-t", "=wt:", &format!("cd '{}'", tree.display()), "Enter"]).ok();
    wait_for("the pane in the worktree", || env.panes("wt", "#{pane_current_path}")[0].ends_with("feat-x"));
    fs::remove_dir_all(&tree).unwrap();
    // tmux now reads the pane's cwd with the kernel's " (deleted)" after it.
    wait_for("the deleted cwd", || env.panes("wt", "#{pane_current_path}")[0].ends_with(" (deleted)"));
    let run = env.cdev(&["kill", "wt"]);
    run.ok();
    let restored = env.cdev(&["restore", "wt"]);
    restored.ok();
    let note = restored.stderr();
    assert!(note.contains(&format!("{} no longer exists", tree.display())), "{note}");
    assert!(!note.contains("(deleted)"), "{note}");
    let cwd = env.panes("wt", "#{pane_current_path}")[0].clone();
    assert_eq!(cwd, repo.to_string_lossy(), "the project, not its .worktrees folder");
    // The pane still names the worktree but works in the project: adding the worktree again
    // opens a pane in it rather than selecting that one.
    let pane = env.panes("wt", "#{pane_id}")[0].clone();
    env.tmux(&["set-option", "-p", "-t", &pane, "@cdev_worktree", "feat-x"]).ok();
    let out = env.cdev(&["worktree", "add", "feat-x", "--session", "wt"]).ok();
    assert!(out.contains("with a Claude pane in wt"), "{out}");
    assert_eq!(env.panes("wt", "#{pane_id}").len(), 2);
}

#[test]
fn worktrees_survive_odd_repositories_and_hands_that_delete_them() {
    let env = TestEnv::new();
    env.start_session("main", &env.home());
    // A project path with spaces and non-ASCII letters.
    let odd = env.project("projects/my app ü");
    env.git(&odd, &["init", "-q", "-b", "main"]);
    env.git(&odd, &["commit", "-q", "--allow-empty", "-m", "first"]);
    let session =
        env.cdev(&["new", "--no-attach", "-w", "feat", &odd.to_string_lossy()]).ok().trim().to_string();
    let cwds = env.panes(&session, "#{pane_current_path}");
    assert!(cwds.iter().any(|c| c.ends_with("my app ü/.worktrees/feat")), "{cwds:?}");

    // Deleted by hand: listed as such, added again (git's prune), removed without a fuss.
    fs::remove_dir_all(odd.join(".worktrees/feat")).unwrap();
    let listed = env.cdev(&["worktree", "list", "--session", &session]).ok();
    assert!(listed.contains("(deleted by hand)"), "{listed}");
    env.cdev(&["worktree", "add", "feat", "--session", &session]).ok();
    assert!(odd.join(".worktrees/feat/.git").exists());
    fs::remove_dir_all(odd.join(".worktrees/feat")).unwrap();
    let removed = env.cdev(&["worktree", "rm", "feat", "--session", &session]).ok();
    assert!(removed.contains("feat: removed"), "{removed}");
    let listed = env.cdev(&["worktree", "list", "--session", &session, "--json"]).ok();
    assert!(!listed.contains("feat"), "{listed}");

    // A branch name git refuses: its reason, nothing made.
    let err = env.cdev(&["worktree", "add", "my feature", "--session", &session]).fails_with(1);
    assert_eq!(err.trim_end(), "cdev: could not add worktree \"my feature\": not a valid branch name");

    // A repository without commits: the worktree gets an unborn branch, as git makes it.
    let empty = env.project("projects/empty");
    env.git(&empty, &["init", "-q"]);
    env.cdev(&["new", "--no-attach", "-w", "feat", &empty.to_string_lossy()]).ok();
    assert!(empty.join(".worktrees/feat").is_dir());

    // A bare repository has no work tree to branch from: said plainly, the session still made.
    let bare = env.project("projects/bare.git");
    env.git(&bare, &["init", "-q", "--bare"]);
    let run = env.cdev(&["new", "--no-attach", "-w", "feat", &bare.to_string_lossy()]);
    assert!(run.output.status.success());
    assert!(run.stderr().contains("is not a git repository: no worktrees made"), "{}", run.stderr());

    // A duration in the wrong units is bad input (exit status 2), and nothing is killed.
    let before = env.session_names();
    let err = env.cdev(&["cleanup", "--older-than", "3 parsecs", "--yes"]).fails_with(2);
    assert_eq!(
        err.trim_end(),
        "cdev: could not read the duration: \"3 parsecs\" is not one (say 90s, 30m, 24h, 7d)"
    );
    env.cdev(&["cleanup", "--idle-for", "99999999999999999999d", "--yes"]).fails_with(2);
    assert_eq!(env.session_names(), before);
}
