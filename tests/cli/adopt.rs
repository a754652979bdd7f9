//! Sessions made without cdev (plain tmux, as the seed's scripts did) are cdev's too: their
//! project is told from what they hold, worktrees work there, and `cdev new` goes to them.

use std::fs;
use std::path::PathBuf;

use crate::support::{json, TestEnv};

fn repo(env: &TestEnv, name: &str) -> PathBuf {
    let repo = env.project(&format!("projects/{name}"));
    env.git(&repo, &["init", "-q", "-b", "main"]);
    fs::write(repo.join("README"), "x").unwrap();
    env.git(&repo, &["add", "-A"]);
    env.git(&repo, &["commit", "-qm", "init"]);
    repo
}

fn project_root_option(env: &TestEnv, session: &str) -> String {
    let target = format!("={session}:");
    env.tmux(&["show-options", "-qv", "-t", &target, "@cdev_project_root"]).ok().trim().to_string()
}

#[test]
fn worktrees_work_in_a_session_plain_tmux_made_issue_16() {
    let env = TestEnv::lived_in();
    let repo = repo(&env, "legacy");
    env.start_session("claude-dev-legacy", &repo);

    let out = env.cdev(&["worktree", "add", "feat", "--session", "claude-dev-legacy"]).ok();
    assert!(out.starts_with("feat: "), "{out}");
    assert!(repo.join(".worktrees/feat/README").exists());
    assert_eq!(project_root_option(&env, "claude-dev-legacy"), repo.to_string_lossy(), "adopted");
    let rows = json(&env.cdev(&["worktree", "list", "--session", "claude-dev-legacy", "--json"]).ok());
    assert_eq!(rows[0]["name"], "feat");
    env.cdev(&["worktree", "rm", "feat", "--session", "claude-dev-legacy"]).ok();
    assert!(!repo.join(".worktrees/feat").exists());
}

#[test]
fn the_project_of_a_plain_session_comes_from_project_root_or_its_panes_issue_16() {
    let env = TestEnv::lived_in();
    let by_env = repo(&env, "by-env");
    let by_pane = repo(&env, "by-pane");
    let home = env.home().to_string_lossy().into_owned();
    // Started from the home directory, which says nothing about the project.
    let with_env = format!("PROJECT_ROOT={}", by_env.display());
    env.tmux(&["new-session", "-d", "-s", "old-env", "-c", &home, "-e", &with_env]).ok();
    env.tmux(&["new-session", "-d", "-s", "old-pane", "-c", &home]).ok();
    env.tmux(&["split-window", "-t", "=old-pane:", "-c", &by_pane.join(".").to_string_lossy()]).ok();

    for (session, repo) in [("old-env", &by_env), ("old-pane", &by_pane)] {
        let rows = env.cdev(&["worktree", "list", "--session", session, "--json"]).ok();
        assert_eq!(json(&rows), serde_json::json!([]), "{session}");
        assert_eq!(project_root_option(&env, session), repo.to_string_lossy(), "{session}");
    }
}

#[test]
fn new_on_the_project_of_a_plain_session_goes_to_it_issue_16() {
    let env = TestEnv::lived_in();
    let repo = repo(&env, "legacy");
    env.start_session("claude-dev-legacy", &repo);
    let run = env.cdev(&["new", "--no-attach", &repo.to_string_lossy()]);
    assert_eq!(run.ok().trim(), "claude-dev-legacy");
    assert!(run.stderr().contains("not made by cdev"), "{}", run.stderr());
    let names = env.session_names();
    assert_eq!(names.iter().filter(|n| n.starts_with("claude-dev-legacy")).count(), 1, "{names:?}");
    assert_eq!(project_root_option(&env, "claude-dev-legacy"), repo.to_string_lossy());
    let listed = json(&env.cdev(&["list", "--json"]).ok());
    let legacy = listed.as_array().unwrap().iter().find(|s| s["name"] == "claude-dev-legacy").unwrap();
    assert_eq!(legacy["project_root"], repo.to_string_lossy().as_ref(), "{legacy}");
}
