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
    let path = std::env::var_os("CDEV_CLAUDE_BIN").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var("HOME").unwrap_or_default())
            .join(".cache/cdev-test/claude-code/node_modules/.bin/claude")
    });
    assert!(
        path.exists(),
        "Claude Code is not installed at {}: run .ci/run, or npm install --prefix ~/.cache/cdev-test/claude-code \
         @anthropic-ai/claude-code@2.1.197",
        path.display()
    );
    path
}

/// Every pinned Claude Code CLI: the one above, and the newest (`$CDEV_CLAUDE_BIN_NEWEST`, else
/// where `.ci/run` installs 2.1.328), for tests that must hold for both.
pub fn claude_bins() -> Vec<PathBuf> {
    let newest = std::env::var_os("CDEV_CLAUDE_BIN_NEWEST").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var("HOME").unwrap_or_default())
            .join(".cache/cdev-test/claude-code-2.1.328/node_modules/.bin/claude")
    });
    assert!(
        newest.exists(),
        "Claude Code 2.1.328 is not installed at {}: run .ci/run, or npm install --prefix \
         ~/.cache/cdev-test/claude-code-2.1.328 @anthropic-ai/claude-code@2.1.328",
        newest.display()
    );
    vec![claude_bin(), newest]
}

/// A sandbox where `claude` starts with no onboarding, login or trust prompt in `project`, with
/// the API settings in the project's `.env.claude` (pointing at `port`).
fn sandbox(env: &TestEnv, project: &std::path::Path, port: u16) {
    fs::write(project.join(".env.claude"), claude_sandbox(&env.home(), &[project], port)).unwrap();
}

/// Claude Code's own state in `home`, so it starts in each of `folders` with no onboarding,
/// login, trust prompt or auto mode (newer versions ask about every sub-folder and default to
/// auto mode); returns what `.env.claude` gives its panes to reach the stand-in on `port`.
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

/// Waits for Claude's prompt in `pane` (under it Claude's hint, or the status line cdev gives
/// it), answering the one-time "Make auto mode your default permission mode?" dialog of newer
/// versions with "No".
pub fn wait_for_prompt(env: &TestEnv, pane: &str) {
    wait_in(env, pane, "Claude's prompt", || {
        let shown = screen(env, pane);
        if shown.contains("Make auto mode your default") && shown.contains("No, keep manual mode") {
            env.tmux(&["send-keys", "-t", pane, "Down"]).ok();
            std::thread::sleep(std::time::Duration::from_millis(300));
            env.tmux(&["send-keys", "-t", pane, "Enter"]).ok();
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        let ready = shown.contains("for shortcuts") || shown.contains(" · $");
        ready && shown.contains('❯') && !shown.contains("Make auto mode your default")
    });
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
    // Claude Code runs cdev's statusLine (the user has none: cdev prints its own short line).
    wait_in(&env, pane, "Claude's prompt with cdev's status line", || {
        screen(&env, pane).contains(" · $0.00")
    });
    let option = |name: &str| env.tmux(&["show-options", "-pqv", "-t", pane, name]).ok().trim().to_string();
    assert!(!option("@cdev_model").is_empty() && option("@cdev_cost") == "0.0000");

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
    // The stand-in's replies carry usage: Claude Code's cost reaches the pane and `cdev agents`.
    wait_in(&env, pane, "the conversation's cost", || {
        option("@cdev_cost").parse::<f64>().is_ok_and(|c| c > 0.0)
    });
    let agents = json(&env.cdev(&["agents", "--json"]).ok());
    assert!(agents[0]["cost_usd"].as_f64().is_some_and(|c| c > 0.0), "{agents}");

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

#[test]
fn a_real_claude_never_prompted_comes_back_as_a_new_conversation_issue_16() {
    for claude in claude_bins() {
        let env = TestEnv::lived_in();
        let project = env.project("proj");
        let api = MessagesApi::start(project.join("marker").to_string_lossy().into_owned());
        sandbox(&env, &project, api.port);
        fs::write(project.join(".cdev.toml"), "[[windows]]\n[[windows.panes]]\nrole = \"claude\"\n").unwrap();
        let set_claude = |env: &TestEnv| {
            env.tmux(&[
                "set-option",
                "-g",
                "@cdev-claude-command",
                &shell_words::quote(&claude.to_string_lossy()),
            ])
            .ok();
        };
        set_claude(&env);
        let session = env.cdev(&["new", "--no-attach", &project.to_string_lossy()]).ok().trim().to_string();
        let pane = env.panes(&session, "#{pane_id}")[0].clone();
        wait_in(&env, &pane, "SessionStart (idle)", || state(&env, &pane) == "idle");
        let unprompted = env.panes(&session, "#{@cdev_claude_session}")[0].clone();
        // Never prompted: Claude Code has written no transcript, so `--resume` would find nothing.
        env.cdev(&["save", &session]).ok();
        env.kill_server();
        env.age_server();
        set_claude(&env);
        let restore = env.cdev(&["restore", &session]);
        restore.ok();
        assert!(restore.stderr().contains("had no conversation to resume"), "{}", restore.stderr());
        let pane = env.panes(&session, "#{pane_id}")[0].clone();
        wait_in(&env, &pane, "the new conversation's SessionStart", || state(&env, &pane) == "idle");
        wait_in(&env, &pane, "Claude's banner", || screen(&env, &pane).contains("Claude Code v"));
        let screen = screen(&env, &pane);
        assert!(!screen.contains("No conversation found"), "{}: {screen}", claude.display());
        let now = env.panes(&session, "#{@cdev_claude_session}")[0].clone();
        assert!(now.len() == 36 && now != unprompted, "{}: {now} after {unprompted}", claude.display());
    }
}
