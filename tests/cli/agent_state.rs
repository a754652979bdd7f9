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

#[test]
fn worktrees_claude_makes_itself_are_listed_and_checked_issue_17() {
    let env = TestEnv::lived_in();
    let repo = env.project("repo");
    env.git(&repo, &["init", "-q", "-b", "main"]);
    fs::write(repo.join(".cdev.toml"), "[[windows]]\n[[windows.panes]]\ncommand = \"sleep 600\"\n").unwrap();
    env.git(&repo, &["add", "-A"]);
    env.git(&repo, &["commit", "-qm", "init"]);
    let session =
        env.cdev(&["new", "--no-attach", "-w", "feat", &repo.to_string_lossy()]).ok().trim().to_string();
    // What `claude --worktree bugfix` does (Claude Code's own place and branch name).
    env.git(&repo, &["worktree", "add", "-q", ".claude/worktrees/bugfix", "-b", "worktree-bugfix"]);
    fs::write(repo.join(".claude/worktrees/bugfix/wip.txt"), "x").unwrap();

    let rows = crate::support::json(&env.cdev(&["worktree", "list", "--json", "--session", &session]).ok());
    let names: Vec<(&str, bool)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["by_claude"].as_bool().unwrap()))
        .collect();
    assert_eq!(names, [("bugfix", true), ("feat", false)]);
    let table = env.cdev(&["worktree", "list", "--session", &session]).ok();
    assert!(table.lines().any(|l| l.starts_with("bugfix") && l.contains("worktree-bugfix")), "{table}");
    let report = env.cdev(&["health", &session]).stdout();
    assert!(report.contains("worktree bugfix (made by Claude): 1 uncommitted changes"), "{report}");
}

#[test]
fn a_failed_tool_ends_the_wait_and_a_stop_failure_says_why_issue_17() {
    let env = TestEnv::lived_in();
    env.start_session("claude-dev-x", &env.home());
    let (tmux, pane) = tmux_env(&env, "claude-dev-x");
    let hook = |name: &str, extra: &str| crate::agents::hook(&env, &tmux, &pane, &event(name, extra)).ok();
    hook("PermissionRequest", r#","tool_name":"Bash""#);
    // Allowed, then the tool failed: PostToolUse never comes, the turn goes on.
    hook("PostToolUseFailure", r#","tool_name":"Bash","error":"exit 1""#);
    assert_eq!(pane_option(&env, &pane, "@cdev_agent_state"), "working");
    hook("Elicitation", r#","mcp_server_name":"db""#);
    assert_eq!(pane_option(&env, &pane, "@cdev_agent_state"), "waiting");
    hook("ElicitationResult", r#","action":"accept""#);
    assert_eq!(pane_option(&env, &pane, "@cdev_agent_state"), "working");
    hook("Notification", r#","notification_type":"agent_needs_input""#);
    assert_eq!(pane_option(&env, &pane, "@cdev_agent_state"), "waiting");
    hook("SubagentStart", "");
    assert_eq!(pane_option(&env, &pane, "@cdev_agent_state"), "waiting", "unknown to cdev: harmless");
    hook("StopFailure", r#","error":"rate_limit""#);
    assert_eq!(pane_option(&env, &pane, "@cdev_agent_state"), "error");
    let report = env.cdev(&["health", "claude-dev-x"]).stdout();
    assert!(report.contains("stopped with an error (rate_limit)"), "{report}");
}

/// Loads cdev.tmux into the test's server (the helper is this build) and waits until its
/// transcript watcher watches; returns the watcher's process id.
pub fn load_plugin_with_watcher(env: &TestEnv) -> String {
    env.tmux(&["set-option", "-g", "@cdev-bin", CDEV]).ok();
    let plugin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cdev.tmux");
    env.tmux(&["run-shell", &shell_words::quote(&plugin.to_string_lossy())]).ok();
    let pid = || env.tmux(&["show-options", "-gqv", "@cdev_watch_pid"]).ok().trim().to_string();
    wait_for("the transcript watcher", || !pid().is_empty());
    pid()
}

/// A transcript line as Claude Code writes it when the user interrupts (Esc).
fn interrupt_line(at: chrono::DateTime<chrono::Utc>, tool: bool) -> String {
    let text =
        if tool { "[Request interrupted by user for tool use]" } else { "[Request interrupted by user]" };
    let content = serde_json::json!([{"type": "text", "text": text}]);
    let record = serde_json::json!({"type": "user", "message": {"role": "user", "content": content},
        "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)});
    format!("{record}\n")
}

fn append(path: &std::path::Path, text: &str) {
    let mut file = fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

#[test]
fn an_interrupt_in_the_transcript_frees_a_busy_agent_issue_17() {
    let env = TestEnv::lived_in();
    env.start_session("esc", &env.home());
    env.tmux(&["split-window", "-d", "-t", "=esc:"]).ok();
    let projects = env.home().join(".claude/projects/-work-esc");
    fs::create_dir_all(&projects).unwrap();
    let pid = load_plugin_with_watcher(&env);
    let (tmux, _) = tmux_env(&env, "esc");
    let panes = env.panes("esc", "#{pane_id}");
    let (a, b) = (&panes[0], &panes[1]);
    let transcript = |pane: &str| projects.join(format!("{}.jsonl", &pane[1..]));
    let busy = |pane: &str, name: &str| {
        let path = transcript(pane);
        let payload = format!(
            r#"{{"session_id":"s{}","transcript_path":"{}","hook_event_name":"{name}"}}"#,
            &pane[1..],
            path.display()
        );
        crate::agents::hook(&env, &tmux, pane, payload.as_bytes()).ok();
    };
    busy(a, "UserPromptSubmit");
    busy(b, "PermissionRequest");
    assert_eq!(pane_option(&env, b, "@cdev_agent_state"), "waiting");
    // An interrupt from before the current turn (an older one, read again) changes nothing…
    append(&transcript(a), &interrupt_line(chrono::Utc::now() - chrono::Duration::hours(1), false));
    // …a refused permission prompt frees the waiting agent, as Esc mid-turn frees a working one.
    append(&transcript(b), &interrupt_line(chrono::Utc::now(), true));
    wait_for("the refused prompt to leave waiting", || pane_option(&env, b, "@cdev_agent_state") == "idle");
    assert_eq!(pane_option(&env, a, "@cdev_agent_state"), "working");
    append(&transcript(a), &interrupt_line(chrono::Utc::now(), false));
    wait_for("Esc mid-turn to leave working", || pane_option(&env, a, "@cdev_agent_state") == "idle");
    let journal = crate::support::json(&fs::read_to_string(env.journal_file("esc", "1.2")).unwrap());
    assert_eq!(journal["state"], "idle", "the journal follows");

    // One watcher per server, gone with it.
    assert_eq!(load_plugin_with_watcher(&env), pid);
    let proc = std::path::PathBuf::from(format!("/proc/{pid}"));
    assert!(proc.exists());
    env.kill_server();
    wait_for("the watcher to end with the server", || !proc.exists());
}
