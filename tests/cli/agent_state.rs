//! Agent state that is always right (issue 17): a hook never blocks Claude, whatever tmux does;
//! the newer events and notifications; hooks from Claude sessions without a pane; done panes
//! seen in a visible window.

use std::fs;
use std::io::Write;
use std::process::{Command, Stdio};

use crate::agents::{event, pane_option, tmux_env};
use crate::support::{wait_for, TestEnv, CDEV};

/// Sends `signal` to `pid` (the test's own tmux server).
fn signal(signal: &str, pid: &str) {
    let status = Command::new("kill").args([&format!("-{signal}"), pid]).status().expect("kill");
    assert!(status.success(), "kill -{signal} {pid}");
}

/// A stopped server, resumed however the test ends (a stopped server would outlive it).
struct Stopped(String);

impl Drop for Stopped {
    fn drop(&mut self) {
        signal("CONT", &self.0);
    }
}

#[test]
fn the_hook_gives_up_on_a_stopped_server_issue_17() {
    let env = TestEnv::lived_in();
    env.start_session("stuck", &env.home());
    let (tmux, pane) = tmux_env(&env, "stuck");
    crate::agents::hook(&env, &tmux, &pane, &event("UserPromptSubmit", "")).ok();
    let pid = env.tmux(&["display-message", "-p", "#{pid}"]).ok().trim().to_string();
    signal("STOP", &pid);
    let _resume = Stopped(pid);

    let mut cmd = env.command(CDEV);
    cmd.args(["claude", "hook"])
        .env("TMUX", &tmux)
        .env("TMUX_PANE", &pane)
        .env("CDEV_LOG", env.path("cdev.log"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(&event("Stop", "")).unwrap();
    // Claude Code waits for its hook: it must come back while the server stays stopped.
    wait_for("the hook to give up on the stopped server", || child.try_wait().unwrap().is_some());
    let output = child.wait_with_output().unwrap();
    assert_eq!((output.status.code(), output.stdout.len(), output.stderr.len()), (Some(0), 0, 0));
    let log = fs::read_to_string(env.path("cdev.log")).unwrap();
    assert!(log.contains("the tmux server did not answer in time"), "{log}");
    drop(_resume);
    // The server answers again, and a later hook works as ever.
    crate::agents::hook(&env, &tmux, &pane, &event("PermissionRequest", "")).ok();
    assert_eq!(pane_option(&env, &pane, "@cdev_agent_state"), "waiting");
}

#[test]
fn sessions_leave_claude_codes_own_tmux_variable_alone_issue_17() {
    let env = TestEnv::lived_in();
    let project = env.project("plain");
    fs::write(project.join(".cdev.toml"), "[[windows]]\n[[windows.panes]]\ncommand = \"sleep 600\"\n")
        .unwrap();
    let session = env.cdev(&["new", "--no-attach", &project.to_string_lossy()]).ok().trim().to_string();
    let vars = env.cdev(&["env", "show", &session]).ok();
    assert!(vars.lines().any(|l| l == "CLAUDE_PROJECT=plain"), "{vars}");
    // Claude Code 2.1.328 takes it as a tmux session name, shown in every Claude pane.
    assert!(!vars.contains("CLAUDE_CODE_TMUX_SESSION"), "{vars}");
    let tmux_env = env.tmux(&["show-environment", "-t", &format!("={session}")]).ok();
    assert!(!tmux_env.contains("CLAUDE_CODE_TMUX_SESSION"), "{tmux_env}");
}
