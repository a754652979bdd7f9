//! The git helpers: `cdev git-hook install` (a real `git commit` runs it) and
//! `cdev git-status` (the pane with role git), plus the synchronize-panes toggle.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::support::{wait_for, TestEnv, CDEV};

fn repo(env: &TestEnv, name: &str) -> std::path::PathBuf {
    let dir = env.project(&format!("projects/{name}"));
    env.git(&dir, &["init", "-q", "-b", "main"]);
    env.git(&dir, &["commit", "-q", "--allow-empty", "-m", "first"]);
    dir
}

fn executable(path: &std::path::Path, text: &str) {
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn the_pre_commit_hook_warns_chains_the_users_hook_and_never_blocks() {
    let env = TestEnv::new();
    let dir = repo(&env, "app");
    let hooks = dir.join(".git/hooks");
    fs::create_dir_all(&hooks).unwrap();
    executable(&hooks.join("pre-commit"), "#!/bin/sh\ntouch \"$(git rev-parse --git-dir)/user-hook-ran\"\n");

    let first = env.cdev(&["git-hook", "install", &dir.to_string_lossy()]).ok();
    assert!(first.contains("kept your hook"), "{first}");
    let again = env.cdev(&["git-hook", "install", &dir.to_string_lossy()]).ok();
    assert!(!again.contains("kept your hook"), "installing twice chains nothing twice: {again}");
    assert!(hooks.join("pre-commit.cdev-chained").is_file());

    // A cdev session whose agent worktree holds uncommitted work.
    env.start_session("main", &env.home());
    env.cdev(&["new", "--no-attach", "-w", "feat", &dir.to_string_lossy()]).ok();
    fs::write(dir.join(".worktrees/feat/wip.txt"), "unsaved thought").unwrap();
    // The template's git pane runs `git status`, which holds index.lock for a moment: let it end.
    let git_pane = env.panes("claude-dev-app", "#{pane_id} #{@cdev_role}");
    let git_pane =
        git_pane.iter().find(|l| l.ends_with(" git")).unwrap().split(' ').next().unwrap().to_string();
    wait_for("the git pane's git status", || {
        env.tmux(&["capture-pane", "-p", "-t", &git_pane]).ok().contains("On branch")
    });
    let socket = env.tmux(&["display-message", "-p", "#{socket_path}"]).ok().trim().to_string();

    let commit = |message: &str| {
        let mut cmd = env.command("git");
        cmd.arg("-C").arg(&dir).args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"]);
        cmd.args(["commit", "--allow-empty", "-m", message]);
        cmd.env("TMUX", format!("{socket},1,0")).env("CDEV_BIN", CDEV);
        env.run(cmd)
    };
    let run = commit("second");
    let stderr = run.stderr();
    assert!(run.output.status.success(), "{stderr}");
    assert!(stderr.contains("wip.txt") || stderr.contains("uncommitted changes"), "{stderr}");
    assert!(stderr.contains("the commit goes on"), "{stderr}");
    assert!(dir.join(".git/user-hook-ran").exists(), "the user's hook ran first");

    // From an IDE after a TPM install: no CDEV_BIN, no cdev on PATH; the hook still finds it.
    let mut ide = env.command("git");
    ide.arg("-C").arg(&dir).args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"]);
    ide.args(["commit", "--allow-empty", "-m", "from the IDE"]);
    ide.env("TMUX", format!("{socket},1,0"))
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env_remove("CDEV_BIN");
    let from_ide = env.run(ide);
    assert!(from_ide.stderr().contains("the commit goes on"), "issue 19: {}", from_ide.stderr());

    // The user's hook still decides: its failure fails the commit.
    executable(&hooks.join("pre-commit.cdev-chained"), "#!/bin/sh\necho 'lint failed' >&2\nexit 1\n");
    let refused = commit("third");
    assert!(!refused.output.status.success());
    assert!(refused.stderr().contains("lint failed"));

    // Not a repository: a clear error.
    let err = env.cdev(&["git-hook", "install", &env.home().to_string_lossy()]).fails_with(1);
    assert!(err.starts_with("cdev: could not install the pre-commit hook in"), "{err}");
}

#[test]
fn git_status_goes_to_the_git_pane_only_when_it_waits_at_a_prompt() {
    let env = TestEnv::new();
    let dir = repo(&env, "app");
    env.start_session("main", &env.home());
    env.cdev(&["new", "--no-attach", &dir.to_string_lossy()]).ok();
    let roles = env.panes("claude-dev-app", "#{@cdev_role}");
    assert!(roles.contains(&"git".to_string()) && roles.contains(&"claude".to_string()), "{roles:?}");
    let git_pane = env.panes("claude-dev-app", "#{pane_id} #{@cdev_role}");
    let git_pane =
        git_pane.iter().find(|l| l.ends_with(" git")).unwrap().split(' ').next().unwrap().to_string();
    let screen = || env.tmux(&["capture-pane", "-p", "-t", &git_pane]).ok();
    wait_for("the template's git status", || screen().matches("On branch main").count() == 1);
    wait_for("the shell prompt", || {
        env.tmux(&["display-message", "-p", "-t", &git_pane, "#{pane_current_command}"]).ok().trim() == "sh"
    });
    env.cdev(&["git-status", "claude-dev-app"]).ok();
    wait_for("a second git status", || screen().matches("On branch main").count() == 2);

    // Busy (an editor, a long job): nothing is typed into it.
    let busy = env.project("projects/busy");
    fs::write(
        busy.join(".cdev.toml"),
        "[[windows]]\npanes = [{ role = \"git\", command = \"sleep 300\" }]\n",
    )
    .unwrap();
    env.cdev(&["new", "--no-attach", &busy.to_string_lossy()]).ok();
    wait_for("the pane to be busy", || {
        let run = env.cdev(&["git-status", "claude-dev-busy"]);
        run.stderr().trim_end() == "cdev: could not run git status: the git pane is running sleep"
    });
    let screen = env.tmux(&["capture-pane", "-p", "-t", "=claude-dev-busy:"]).ok();
    assert!(!screen.contains("git status"), "nothing typed into the busy pane: {screen}");
    let err = env.cdev(&["git-status", "main"]).fails_with(1);
    assert_eq!(err.trim_end(), "cdev: could not run git status: main has no pane with role git");
}

#[test]
fn the_sync_key_toggles_synchronize_panes() {
    let env = TestEnv::new();
    env.start_session("main", &env.home());
    env.tmux(&["set-option", "-g", "@cdev-bin", CDEV]).ok();
    let plugin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cdev.tmux");
    env.tmux(&["run-shell", &shell_words::quote(&plugin.to_string_lossy())]).ok();
    let keys = env.tmux(&["list-keys", "-T", "prefix"]).ok();
    assert!(keys.lines().any(|l| l.contains(" S ") && l.contains("synchronize-panes")), "{keys}");
    assert!(keys.lines().any(|l| l.contains(" g ") && l.contains("git-status")), "{keys}");
    let sync =
        || env.tmux(&["show-options", "-wv", "-t", "=main:", "synchronize-panes"]).ok().trim().to_string();
    env.tmux(&["cdev-sync"]).ok();
    assert_eq!(sync(), "on");
    env.tmux(&["cdev-sync"]).ok();
    assert_eq!(sync(), "off");
}
