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
    assert!(report.contains("worktree bugfix (made by Claude): 1 uncommitted change"), "{report}");
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
    // Conversation ids are UUIDs (issue 18): one per pane.
    let conversation =
        |pane: &str| format!("00000000-0000-4000-8000-{:012}", pane[1..].parse::<u64>().unwrap());
    let busy = |pane: &str, name: &str| {
        let path = transcript(pane);
        let payload = format!(
            r#"{{"session_id":"{}","transcript_path":"{}","hook_event_name":"{name}"}}"#,
            conversation(pane),
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
    // The journal is written just after the tmux call that changed the pane.
    wait_for("the journal to follow", || {
        let journal = crate::support::json(&fs::read_to_string(env.journal_file("esc", a)).unwrap());
        journal["state"] == "idle"
    });

    // Newer versions also say so in their status file (`sessions/<pid>.json`), which is all an
    // Esc before any answer leaves; the directory appears after the watcher started.
    busy(a, "UserPromptSubmit");
    let sessions = env.home().join(".claude/sessions");
    fs::create_dir_all(&sessions).unwrap();
    let status = serde_json::json!({"pid": 4242, "sessionId": conversation(a), "status": "idle",
        "statusUpdatedAt": chrono::Utc::now().timestamp_millis()});
    wait_for("the idle status to free the working agent", || {
        fs::write(sessions.join("tmp"), status.to_string()).unwrap();
        fs::rename(sessions.join("tmp"), sessions.join("4242.json")).unwrap();
        pane_option(&env, a, "@cdev_agent_state") == "idle"
    });

    // An idle said a moment before a new prompt, in the same second, is the old turn's: the new
    // turn keeps working (a prompt typed at once after Claude starts, or after an Esc).
    while chrono::Utc::now().timestamp_subsec_millis() > 300 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let just_before = chrono::Utc::now().timestamp_millis();
    std::thread::sleep(std::time::Duration::from_millis(20));
    busy(a, "UserPromptSubmit");
    let since: i64 = pane_option(&env, a, "@cdev_agent_since").parse().unwrap();
    assert_eq!(since, just_before / 1000, "the same second (the hook took over 0.7 s?)");
    let said = |at: i64| {
        let status = serde_json::json!({"pid": 4242, "sessionId": conversation(a), "status": "idle",
            "statusUpdatedAt": at});
        fs::write(sessions.join("tmp"), status.to_string()).unwrap();
        fs::rename(sessions.join("tmp"), sessions.join("4242.json")).unwrap();
    };
    said(just_before);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(pane_option(&env, a, "@cdev_agent_state"), "working", "the old turn's idle");
    said(chrono::Utc::now().timestamp_millis());
    wait_for("a later idle to free it", || pane_option(&env, a, "@cdev_agent_state") == "idle");

    // One watcher per server, gone with it.
    assert_eq!(load_plugin_with_watcher(&env), pid);
    let proc = std::path::PathBuf::from(format!("/proc/{pid}"));
    assert!(proc.exists());
    env.kill_server();
    wait_for("the watcher to end with the server", || !proc.exists());
}

#[test]
fn a_done_pane_shown_beside_the_selected_one_is_seen_issue_17() {
    let env = TestEnv::lived_in();
    env.start_session("look", &env.home());
    env.tmux(&["split-window", "-d", "-t", "=look:"]).ok();
    env.tmux(&["new-window", "-d", "-t", "=look:"]).ok();
    env.tmux(&["set-option", "-g", "@cdev-bin", CDEV]).ok();
    let plugin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cdev.tmux");
    env.tmux(&["run-shell", &shell_words::quote(&plugin.to_string_lossy())]).ok();
    let _client = env.attach_control_client("look");
    let (tmux, active) = tmux_env(&env, "look");
    let panes = env.panes("look", "#{pane_id}");
    let beside = panes.iter().find(|p| **p != active).unwrap().clone();
    let other_window = panes[2].clone();
    let state = |pane: &str| pane_option(&env, pane, "@cdev_agent_state");

    // Finished in the window a client shows, beside the selected pane: seen at once.
    crate::agents::hook(&env, &tmux, &beside, &event("Stop", "")).ok();
    assert_eq!(state(&beside), "idle");
    // Finished out of sight: done until its window comes into view, whichever pane is selected.
    crate::agents::hook(&env, &tmux, &other_window, &event("Stop", "")).ok();
    env.tmux(&["split-window", "-d", "-t", &other_window]).ok();
    // A pane hidden behind another one's zoom is not seen.
    let window_of =
        |pane: &str| env.tmux(&["display-message", "-p", "-t", pane, "#{window_id}"]).ok().trim().to_string();
    let first_window = window_of(&active);
    env.tmux(&["resize-pane", "-Z", "-t", &active]).ok();
    crate::agents::hook(&env, &tmux, &beside, &event("Stop", "")).ok();
    assert_eq!(state(&beside), "done", "hidden by the zoom");
    env.tmux(&["resize-pane", "-Z", "-t", &active]).ok();
    assert_eq!(state(&other_window), "done");
    let second_window = window_of(&other_window);
    let sibling = env
        .tmux(&["list-panes", "-t", &second_window, "-F", "#{pane_id}"])
        .ok()
        .lines()
        .find(|p| *p != other_window)
        .unwrap()
        .to_string();
    // The window comes into view with the other pane selected: both done panes are seen.
    env.tmux(&["select-pane", "-t", &sibling]).ok();
    env.tmux(&["select-window", "-t", &second_window]).ok();
    wait_for("the shown done pane to be seen", || state(&other_window) == "idle");
    env.tmux(&["select-window", "-t", &first_window]).ok();
    wait_for("the pane beside the selected one to be seen", || state(&beside) == "idle");
}

/// Runs `cdev claude hook` as a background Claude session does: no `$TMUX_PANE`, its cwd under
/// `~/.claude/jobs/…`, `$TMUX` as given.
fn background_hook(env: &TestEnv, tmux: Option<&str>, payload: &[u8]) -> crate::support::Run {
    let jobs = env.home().join(".claude/jobs/j1");
    fs::create_dir_all(&jobs).unwrap();
    let mut cmd = env.command(CDEV);
    cmd.args(["claude", "hook"]).current_dir(&jobs).env("CDEV_LOG", env.path("cdev.log"));
    if let Some(tmux) = tmux {
        cmd.env("TMUX", tmux);
    }
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(payload).unwrap();
    crate::support::Run {
        argv: vec!["cdev claude hook (background)".into()],
        output: child.wait_with_output().unwrap(),
    }
}

#[test]
fn a_hook_without_a_pane_finds_its_conversations_pane_or_does_nothing_issue_17() {
    let mut env = TestEnv::lived_in();
    env.start_session("bg", &env.home());
    env.tmux(&["split-window", "-d", "-t", "=bg:"]).ok();
    let (tmux, _) = tmux_env(&env, "bg");
    let panes = env.panes("bg", "#{pane_id}");
    const CONVERSATION: &str = "7a9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d";
    // The conversation cdev started in the second pane (`claude --session-id`).
    env.tmux(&["set-option", "-p", "-t", &panes[1], "@cdev_claude_session", CONVERSATION]).ok();
    let payload = |id: &str, name: &str| {
        format!(r#"{{"session_id":"{id}","cwd":"/h/.claude/jobs/j1","hook_event_name":"{name}"}}"#)
            .into_bytes()
    };
    let quiet = |run: crate::support::Run| {
        assert_eq!((run.code(), run.stdout(), run.stderr()), (Some(0), String::new(), String::new()));
    };
    quiet(background_hook(&env, Some(&tmux), &payload(CONVERSATION, "UserPromptSubmit")));
    assert_eq!(pane_option(&env, &panes[1], "@cdev_agent_state"), "working");
    assert_eq!(pane_option(&env, &panes[0], "@cdev_agent_state"), "");
    // A conversation no pane has: nothing, quietly.
    quiet(background_hook(&env, Some(&tmux), &payload("0b9c1d2e-3f40-4a5b-8c6d-000000000000", "Stop")));
    assert_eq!(pane_option(&env, &panes[1], "@cdev_agent_state"), "working");
    assert_eq!(pane_option(&env, &panes[0], "@cdev_agent_state"), "");
    // Outside tmux with no default server: not even a tmux call.
    let counter = env.count_tmux_calls();
    quiet(background_hook(&env, None, &payload(CONVERSATION, "Stop")));
    assert_eq!(crate::support::tmux_calls(&counter).len(), 0);
    assert!(fs::read_to_string(env.path("cdev.log")).unwrap_or_default().is_empty());
}

#[test]
fn a_worktree_pane_has_the_claude_role_issue_17() {
    let env = TestEnv::lived_in();
    let repo = env.project("wt");
    env.git(&repo, &["init", "-q", "-b", "main"]);
    fs::write(repo.join(".cdev.toml"), "[[windows]]\n[[windows.panes]]\ncommand = \"sleep 600\"\n").unwrap();
    env.git(&repo, &["add", "-A"]);
    env.git(&repo, &["commit", "-qm", "init"]);
    env.tmux(&["set-option", "-g", "@cdev-claude-command", "sleep 600 #"]).ok();
    let session = env.cdev(&["new", "--no-attach", &repo.to_string_lossy()]).ok().trim().to_string();
    env.cdev(&["worktree", "add", "feat", "--session", &session]).ok();
    let roles = env.panes(&session, "#{@cdev_worktree}=#{@cdev_role}");
    assert!(roles.iter().any(|r| r == "feat=claude"), "{roles:?}");
}
