//! `@cdev-notify command`: the user's own command hears of an agent that waits or finished, with
//! the session, pane, state and project as separate arguments, never through a shell, and a
//! burst of agents sends one notification.

use std::fs;
use std::io::Write;
use std::process::Stdio;

use crate::support::{wait_for, TestEnv, CDEV};

/// Runs the hook as Claude Code does from `pane`, without waiting for it.
fn spawn_hook(env: &TestEnv, pane: &str, event: &str) -> std::process::Child {
    let tmux = env.tmux(&["display-message", "-p", "-t", pane, "#{socket_path},#{pid},#{session_id}"]).ok();
    let mut cmd = env.command(CDEV);
    cmd.args(["claude", "hook"]).env("TMUX", tmux.trim()).env("TMUX_PANE", pane).stdin(Stdio::piped());
    let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
    let payload = format!(r#"{{"hook_event_name":"{event}","session_id":"s"}}"#);
    child.stdin.take().unwrap().write_all(payload.as_bytes()).unwrap();
    child
}

#[test]
fn the_users_command_hears_of_waiting_and_finished_agents_once_per_burst_issue_22() {
    let mut env = TestEnv::lived_in();
    let log = env.path("notified");
    let script = format!(
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> '{}'\necho -- >> '{}'\n",
        log.display(),
        log.display()
    );
    let notifier = env.install_wrapper("my notifier", &script);
    let odd = "claude-dev-$(touch pwned)";
    let project = env.project("projects/odd app");
    env.start_session(odd, &project);
    env.tmux(&["set-option", "-t", &format!("={odd}:"), "@cdev_project_root", &project.to_string_lossy()])
        .ok();
    for _ in 0..2 {
        env.tmux(&["split-window", "-d", "-t", &format!("={odd}:")]).ok();
    }
    let panes = env.panes(odd, "#{pane_id}");
    let command = format!("{} --tag 'two words'", shell_words::quote(&notifier.to_string_lossy()));
    env.tmux(&["set-option", "-g", "@cdev-notify", "command"]).ok();
    env.tmux(&["set-option", "-g", "@cdev-notify-command", &command]).ok();
    let notifications = || fs::read_to_string(&log).unwrap_or_default().matches("--\n").count();

    // Three agents start waiting at once: one notification.
    let burst: Vec<_> = panes.iter().map(|p| spawn_hook(&env, p, "PermissionRequest")).collect();
    for child in burst {
        assert!(child.wait_with_output().unwrap().stdout.is_empty());
    }
    wait_for("a notification", || notifications() == 1);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(notifications(), 1, "a burst sends one: {}", fs::read_to_string(&log).unwrap());
    let lines: Vec<String> = fs::read_to_string(&log).unwrap().lines().map(str::to_string).collect();
    let place = env.panes(odd, "#{window_index}.#{pane_index}");
    assert_eq!(lines[..3], ["--tag", "two words", odd]);
    assert!(place.iter().any(|p| lines[3] == format!("{odd}:{p}")), "{lines:?}");
    assert_eq!(lines[4..6], ["waiting", project.to_string_lossy().as_ref()]);
    assert!(!env.home().join("pwned").exists() && !project.join("pwned").exists(), "nothing ran the name");

    // Later, an agent that finishes is told too; one that goes on working is not.
    fs::remove_file(env.path("state/cdev/notify.stamp")).unwrap();
    spawn_hook(&env, &panes[0], "UserPromptSubmit").wait().unwrap();
    assert_eq!(notifications(), 1, "working is not worth a notification");
    spawn_hook(&env, &panes[0], "Stop").wait().unwrap();
    wait_for("the done notification", || notifications() == 2);
    assert!(fs::read_to_string(&log).unwrap().lines().any(|l| l == "done"));
}
