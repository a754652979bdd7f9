//! Sessions made without cdev (plain tmux, as the shell scripts cdev replaces did) are cdev's too: their
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
    env.tmux(&["new-session", "-d", "-s", "claude-dev-old-env", "-c", &home, "-e", &with_env]).ok();
    env.tmux(&["new-session", "-d", "-s", "claude-dev-old-pane", "-c", &home]).ok();
    let in_repo = by_pane.join(".").to_string_lossy().into_owned();
    env.tmux(&["split-window", "-t", "=claude-dev-old-pane:", "-c", &in_repo]).ok();

    for (session, repo) in [("claude-dev-old-env", &by_env), ("claude-dev-old-pane", &by_pane)] {
        let rows = env.cdev(&["worktree", "list", "--session", session, "--json"]).ok();
        assert_eq!(json(&rows), serde_json::json!([]), "{session}");
        assert_eq!(project_root_option(&env, session), repo.to_string_lossy(), "{session}");
    }

    // A session without cdev's name is used, never made cdev's (autosaved, offered to cleanup).
    env.tmux(&["new-session", "-d", "-s", "scratch", "-c", &in_repo]).ok();
    env.cdev(&["worktree", "list", "--session", "scratch"]).ok();
    assert_eq!(project_root_option(&env, "scratch"), "");
    // And one that names no project says so, in cdev's words.
    let err = env.cdev(&["worktree", "list", "--session", "notes"]).fails_with(1);
    assert!(err.contains("could not tell the project of notes"), "{err}");
    assert!(!err.contains("invalid option"), "{err}");
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

#[test]
fn plain_sessions_of_other_projects_cost_new_no_tmux_call_issue_21() {
    let mut env = TestEnv::lived_in();
    let (other, scripted, mine) = (repo(&env, "other"), repo(&env, "scripted"), repo(&env, "mine"));
    env.start_session("claude-dev-other", &other);
    // As shell scripts made them: PROJECT_ROOT in the session's environment.
    let scripted_root = format!("PROJECT_ROOT={}", scripted.display());
    let scripted_dir = scripted.to_string_lossy().into_owned();
    env.tmux(&["new-session", "-d", "-s", "claude-dev-scripted", "-c", &scripted_dir, "-e", &scripted_root])
        .ok();
    let counter = env.count_tmux_calls();
    env.cdev(&["list"]).ok(); // caches the tmux version
    fs::remove_file(&counter).unwrap();

    let out = env.cdev(&["new", "--no-attach", &mine.to_string_lossy()]).ok();
    assert_eq!(out.trim(), "claude-dev-mine");
    let calls = crate::support::tmux_calls(&counter);
    assert_eq!(calls.len(), 2, "the read and the creation only: {calls:#?}");
    assert_eq!(project_root_option(&env, "claude-dev-other"), "", "not adopted");
}

#[test]
fn a_global_project_root_is_not_taken_for_a_plain_sessions_own_issue_21() {
    let env = TestEnv::lived_in();
    let (other, mine) = (repo(&env, "other"), repo(&env, "mine"));
    // tmux's formats fall back on the global environment: this value is no session's.
    env.tmux(&["set-environment", "-g", "PROJECT_ROOT", &mine.to_string_lossy()]).ok();
    env.start_session("claude-dev-other", &other);
    let out = env.cdev(&["new", "--no-attach", &mine.to_string_lossy()]).ok();
    assert_eq!(out.trim(), "claude-dev-mine");
    assert_eq!(project_root_option(&env, "claude-dev-other"), "", "not adopted");
}
