//! The real Claude Code CLI (pinned, installed by `.ci/run`) in a pane that `cdev new` made,
//! talking to a loopback stand-in for the Messages API: its hooks drive the agent through every
//! state, and the status line, the journal and "done until seen" follow.

use std::fs;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use crate::messages_api::{MessagesApi, TOOL_TRIGGER};
use crate::support::{json, TestEnv, CDEV};

const FAKE_KEY: &str = "sk-ant-api03-cdev-e2e-fake-key-0123456789abcdefghij";

/// The pinned Claude Code CLI: `$CDEV_CLAUDE_BIN`, else where `.ci/run` installs it.
fn claude_bin() -> PathBuf {
    claude_bins()[0].clone()
}

/// A pinned Claude Code CLI: `$VARIABLE`, else where `.ci/run` installs it (`dir` under
/// `~/.cache/cdev-test`).
fn pinned(variable: &str, dir: &str, version: &str) -> PathBuf {
    let path = std::env::var_os(variable).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var("HOME").unwrap_or_default())
            .join(format!(".cache/cdev-test/{dir}/node_modules/.bin/claude"))
    });
    assert!(
        path.exists(),
        "Claude Code is not installed at {}: run .ci/run, or npm install --prefix ~/.cache/cdev-test/{dir} \
         @anthropic-ai/claude-code@{version}",
        path.display()
    );
    path
}

/// Both pinned versions, each agent test runs against each: the current one (`$CDEV_CLAUDE_BIN`)
/// and the newest the registry served (`$CDEV_CLAUDE_BIN_NEWEST`).
pub fn claude_bins() -> [PathBuf; 2] {
    [
        pinned("CDEV_CLAUDE_BIN", "claude-code", "2.1.197"),
        pinned("CDEV_CLAUDE_BIN_NEWEST", "claude-code-2.1.328", "2.1.328"),
    ]
}

pub fn state(env: &TestEnv, pane: &str) -> String {
    env.tmux(&["show-options", "-pqv", "-t", pane, "@cdev_agent_state"]).ok().trim_end().to_string()
}

pub fn screen(env: &TestEnv, pane: &str) -> String {
    env.tmux(&["capture-pane", "-p", "-t", pane]).ok()
}

/// [`wait_for`] that shows Claude's screen and state when it times out.
#[track_caller]
pub fn wait_in(env: &TestEnv, pane: &str, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !condition() {
        if std::time::Instant::now() > deadline {
            panic!(
                "timed out waiting for {what}; state {:?}; screen:\n{}",
                state(env, pane),
                screen(env, pane)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn a_real_claude_session_goes_working_waiting_done_seen_ended() {
    let claude = claude_bin();
    let env = TestEnv::new();
    let project = env.project("proj");
    let marker = project.join("cdev-e2e-marker");
    let api = MessagesApi::start(marker.to_string_lossy().into_owned());

    // Claude Code's own state, so it starts with no onboarding, login or trust prompt.
    let key_tail: String = FAKE_KEY.chars().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
    let claude_json = serde_json::json!({
        "hasCompletedOnboarding": true, "theme": "dark",
        "customApiKeyResponses": {"approved": [key_tail], "rejected": []},
        "projects": {project.to_string_lossy(): {"hasTrustDialogAccepted": true, "hasCompletedProjectOnboarding": true}}
    });
    fs::write(env.home().join(".claude.json"), claude_json.to_string()).unwrap();
    // The pane gets the API settings from .env.claude, the way a user would give them.
    fs::write(
        project.join(".env.claude"),
        format!(
            "ANTHROPIC_API_KEY={FAKE_KEY}\nANTHROPIC_BASE_URL=http://127.0.0.1:{}\nDISABLE_AUTOUPDATER=1\n\
             CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1\nDISABLE_TELEMETRY=1\n",
            api.port
        ),
    )
    .unwrap();
    fs::write(
        project.join(".cdev.toml"),
        "[[windows]]\n[[windows.panes]]\nrole = \"claude\"\nfocus = true\n[[windows.panes]]\nrole = \"shell\"\n",
    )
    .unwrap();

    env.start_session("main", &env.home());
    env.tmux(&["set-option", "-g", "@cdev-bin", CDEV]).ok();
    env.tmux(&["set-option", "-g", "@cdev-claude-command", &shell_words::quote(&claude.to_string_lossy())])
        .ok();
    let plugin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cdev.tmux");
    env.tmux(&["run-shell", &shell_words::quote(&plugin.to_string_lossy())]).ok();

    env.cdev(&["new", "--no-attach", &project.to_string_lossy()]).ok();
    let pane = "=claude-dev-proj:0.0";
    let assigned =
        env.tmux(&["show-options", "-pqv", "-t", pane, "@cdev_claude_session"]).ok().trim().to_string();
    assert_eq!(assigned.len(), 36);

    wait_in(&env, pane, "SessionStart (idle)", || state(&env, pane) == "idle");
    let reported = env.tmux(&["show-options", "-pqv", "-t", pane, "@cdev_claude_session"]).ok();
    assert_eq!(reported.trim(), assigned, "Claude reports the session id cdev gave it");
    wait_in(&env, pane, "Claude's prompt", || screen(&env, pane).contains("for shortcuts"));

    env.tmux(&["send-keys", "-t", pane, "-l", &format!("please run {TOOL_TRIGGER}")]).ok();
    env.tmux(&["send-keys", "-t", pane, "Enter"]).ok();
    wait_in(&env, pane, "UserPromptSubmit (working)", || state(&env, pane) == "working");
    api.release.store(true, Ordering::Relaxed);

    wait_in(&env, pane, "the permission prompt (waiting)", || state(&env, pane) == "waiting");
    let segment = env.cdev(&["status"]).ok();
    assert!(segment.contains("⏳1"), "{segment}");
    wait_in(&env, pane, "the permission dialog", || screen(&env, pane).contains("Do you want to proceed"));
    env.tmux(&["send-keys", "-t", pane, "Enter"]).ok();

    wait_in(&env, pane, "the tool to run", || marker.exists());
    wait_in(&env, pane, "Stop (done)", || state(&env, pane) == "done");
    assert!(env.cdev(&["status"]).ok().contains("✓1"));
    let agents = json(&env.cdev(&["agents", "--json"]).ok());
    assert_eq!(agents[0]["state"], "done");
    assert_eq!(agents[0]["claude_session"], assigned.as_str());

    // Done stays until the pane is looked at (a client shows it).
    env.tmux(&["select-pane", "-t", "=claude-dev-proj:0.1"]).ok();
    let _client = env.attach_control_client("claude-dev-proj");
    assert_eq!(state(&env, pane), "done");
    env.tmux(&["select-pane", "-t", pane]).ok();
    wait_in(&env, pane, "done to clear once seen", || state(&env, pane) == "idle");

    env.tmux(&["send-keys", "-t", pane, "-l", "/exit"]).ok();
    env.tmux(&["send-keys", "-t", pane, "Enter"]).ok();
    wait_in(&env, pane, "SessionEnd (ended)", || state(&env, pane) == "ended");
    // The pane option is set first, the journal written just after.
    let read = || {
        fs::read_to_string(env.journal_file("claude-dev-proj", pane)).map(|t| json(&t)).unwrap_or_default()
    };
    wait_in(&env, pane, "the journal to say ended", || read()["state"] == "ended");
    let entry = read();
    assert_eq!(
        (entry["state"].as_str(), entry["claude_session"].as_str()),
        (Some("ended"), Some(assigned.as_str()))
    );
    assert!(api.requests.load(Ordering::Relaxed) >= 2);
}

/// Claude Code's own state in `home`, so it starts in each of `folders` with no onboarding,
/// login, trust prompt or auto mode (newer versions ask about every sub-folder and default to
/// auto mode); and what `.env.claude` gives its panes to reach the stand-in on `port`.
pub fn claude_sandbox(home: &std::path::Path, folders: &[&std::path::Path], port: u16) -> String {
    let key_tail: String = FAKE_KEY.chars().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
    let trusted = serde_json::json!({"hasTrustDialogAccepted": true, "hasCompletedProjectOnboarding": true});
    let projects: serde_json::Map<String, serde_json::Value> =
        folders.iter().map(|f| (f.to_string_lossy().into_owned(), trusted.clone())).collect();
    let claude_json = serde_json::json!({
        "hasCompletedOnboarding": true, "theme": "dark",
        "customApiKeyResponses": {"approved": [key_tail], "rejected": []},
        "projects": projects
    });
    fs::write(home.join(".claude.json"), claude_json.to_string()).unwrap();
    fs::create_dir_all(home.join(".claude")).unwrap();
    fs::write(home.join(".claude/settings.json"), r#"{"permissions": {"defaultMode": "default"}}"#).unwrap();
    format!(
        "ANTHROPIC_API_KEY={FAKE_KEY}\nANTHROPIC_BASE_URL=http://127.0.0.1:{port}\nDISABLE_AUTOUPDATER=1\n\
         CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1\nDISABLE_TELEMETRY=1\n"
    )
}

/// Waits for Claude's prompt in `pane`, answering the one-time "Make auto mode your default
/// permission mode?" dialog of newer versions with "No".
pub fn wait_for_prompt(env: &TestEnv, pane: &str) {
    wait_in(env, pane, "Claude's prompt", || {
        let shown = screen(env, pane);
        if shown.contains("Make auto mode your default") && shown.contains("No, keep manual mode") {
            env.tmux(&["send-keys", "-t", pane, "Down"]).ok();
            std::thread::sleep(std::time::Duration::from_millis(300));
            env.tmux(&["send-keys", "-t", pane, "Enter"]).ok();
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        shown.contains("for shortcuts") && !shown.contains("Make auto mode your default")
    });
}
