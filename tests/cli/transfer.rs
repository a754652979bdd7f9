//! `cdev export` / `cdev import`: a session, its commands and its Claude conversations moved to
//! another "machine" (another HOME, state dir, tmux server and project root).

use std::fs;
use std::path::Path;

use crate::support::{json, wait_for, TestEnv};

const ID: &str = "0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d";

fn claude_dir_name(cwd: &Path) -> String {
    cwd.to_string_lossy().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

#[test]
fn a_session_and_its_conversation_move_to_another_machine() {
    // Machine A.
    let mut a = TestEnv::new();
    let fake =
        a.install_wrapper("fake-claude", "#!/bin/sh\necho \"$@\" > \"$HOME/claude-args\"\nexec sleep 600\n");
    let project = a.project("src/app");
    fs::create_dir_all(project.join("api")).unwrap();
    a.start_session("claude-dev-app", &project);
    a.tmux(&["set-option", "-t", "=claude-dev-app:", "@cdev_project_root", &project.to_string_lossy()]).ok();
    a.tmux(&["set-environment", "-t", "=claude-dev-app:", "SSH_AUTH_SOCK", "/tmp/agent.sock"]).ok();
    a.tmux(&["set-environment", "-t", "=claude-dev-app:", "APP_MODE", "dev"]).ok();
    a.tmux(&["send-keys", "-t", "=claude-dev-app:0.0", "tail -f /dev/null", "Enter"]).ok();
    a.tmux(&["split-window", "-t", "=claude-dev-app:0", "-c", &project.join("api").to_string_lossy()]).ok();
    a.tmux(&["send-keys", "-t", "=claude-dev-app:0.1", "sleep 600", "Enter"]).ok();
    a.tmux(&["new-window", "-t", "=claude-dev-app:", "-c", &project.to_string_lossy()]).ok();
    a.tmux(&["set-option", "-p", "-t", "=claude-dev-app:1.0", "@cdev_claude_session", ID]).ok();
    let transcript_dir = a.home().join(".claude/projects").join(claude_dir_name(&project));
    fs::create_dir_all(&transcript_dir).unwrap();
    let line = format!("{{\"type\":\"user\",\"cwd\":\"{}\",\"message\":\"hello\"}}\n", project.display());
    fs::write(transcript_dir.join(format!("{ID}.jsonl")), &line).unwrap();
    wait_for("the commands to start", || {
        a.panes("claude-dev-app", "#{pane_current_command}")[..2] == ["tail", "sleep"]
    });
    let bundle = a.path("app.cdev");
    let out =
        a.cdev(&["export", "claude-dev-app", "--with-conversations", "-o", &bundle.to_string_lossy()]).ok();
    assert!(out.contains("3 panes, 1 conversations exported"), "{out}");

    // Machine B: another home, another root for the same project.
    let b = TestEnv::new();
    let root = b.project("work/app-here");
    fs::create_dir_all(root.join("api")).unwrap();
    b.start_session("other", &b.home());
    b.tmux(&["set-option", "-g", "@cdev-claude-command", &fake.to_string_lossy()]).ok();
    let run = b.cdev(&["import", &bundle.to_string_lossy(), "--root", &root.to_string_lossy()]);
    run.ok();
    assert!(run.stderr().contains("typed but not run unless you agree, in"), "{}", run.stderr());

    // tmux reads a pane's cwd from its process: empty for the moment a pane's command execs.
    let mut cwds = Vec::new();
    wait_for("every pane's cwd", || {
        cwds = b.panes("claude-dev-app", "#{pane_current_path}");
        cwds.iter().all(|c| !c.is_empty())
    });
    let root_text = root.to_string_lossy().into_owned();
    assert_eq!(cwds, [root_text.clone(), root.join("api").to_string_lossy().into_owned(), root_text.clone()]);
    let moved = b.home().join(".claude/projects").join(claude_dir_name(&root)).join(format!("{ID}.jsonl"));
    let moved = fs::read_to_string(&moved).unwrap();
    assert_eq!(json(moved.trim())["cwd"], root_text.as_str(), "the transcript follows the project");
    wait_for("claude to resume", || {
        fs::read_to_string(b.home().join("claude-args")).is_ok_and(|t| t.ends_with('\n'))
    });
    assert!(fs::read_to_string(b.home().join("claude-args")).unwrap().contains(&format!("--resume={ID}")));
    // Someone else's bundle: even commands on the restore list are only typed.
    wait_for("tail to be typed", || {
        b.tmux(&["capture-pane", "-p", "-S", "-", "-t", "=claude-dev-app:0.0"])
            .ok()
            .contains("tail -f /dev/null")
    });
    wait_for("sleep to be typed", || {
        b.tmux(&["capture-pane", "-p", "-S", "-", "-t", "=claude-dev-app:0.1"]).ok().contains("sleep 600")
    });
    let running = b.panes("claude-dev-app", "#{pane_current_command}");
    assert!(running[0] != "tail" && running[1] != "sleep", "nothing run without a yes: {running:?}");

    // Again, agreeing to run everything.
    let (bundle, root) = (bundle.to_string_lossy(), root.to_string_lossy());
    b.cdev(&["import", &bundle, "--root", &root, "--name", "app-2", "--yes"]).ok();
    wait_for("tail and sleep to run with --yes", || {
        b.panes("app-2", "#{pane_current_command}")[..2] == ["tail", "sleep"]
    });
    let vars = b.tmux(&["show-environment", "-t", "=app-2:"]).ok();
    assert!(vars.contains("APP_MODE=dev") && !vars.contains("/tmp/agent.sock"), "{vars}");
}

/// A bundle written by hand, the way a hostile one would be.
fn write_bundle(env: &TestEnv, value: serde_json::Value) -> std::path::PathBuf {
    let path = env.path("evil.cdev");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, value.to_string().as_bytes()).unwrap();
    fs::write(&path, gz.finish().unwrap()).unwrap();
    path
}

fn bundle_with(cwd: &str, conversation_id: &str) -> serde_json::Value {
    serde_json::json!({
        "kind": "cdev-export", "version": 1, "created": "2026-01-01T00:00:00Z", "project_root": "/elsewhere",
        "session": {"name": "evil", "env": [], "options": {}, "history_limit": 2000, "windows": [{
            "index": 0, "name": "w", "auto_name": true, "layout": "tiled", "active": true, "zoomed": false,
            "width": 80, "height": 24, "panes": [{"index": 0, "active": true, "cwd": cwd, "title": "",
            "command": [], "options": {}, "contents": null}]}]},
        "conversations": [{"session_id": conversation_id, "cwd": ".", "jsonl": "{}\n"}]
    })
}

#[test]
fn hostile_bundles_are_refused_before_anything_is_written_or_started() {
    let env = TestEnv::new();
    let root = env.project("root");
    env.start_session("other", &env.home());
    // Environment, options and control characters: nothing of it may run.
    let mut sneaky = bundle_with(".", ID);
    sneaky["conversations"] = serde_json::json!([]);
    sneaky["session"]["env"] = serde_json::json!([["PROMPT_COMMAND", "touch PWNED-env"]]);
    sneaky["session"]["options"] = serde_json::json!({"status-right": "#(touch PWNED-option)"});
    sneaky["session"]["windows"][0]["panes"][0]["command"] =
        serde_json::json!(["echo", "\u{15}touch PWNED-keys\r"]);
    let bundle = write_bundle(&env, sneaky);
    env.cdev(&["import", &bundle.to_string_lossy(), "--root", &root.to_string_lossy()]).ok();
    let _client = env.attach_control_client("evil");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(!root.join("PWNED-env").exists() && !root.join("PWNED-keys").exists());
    assert!(!env.home().join("PWNED-option").exists());
    assert!(!env.tmux(&["show-environment", "-t", "=evil:"]).ok().contains("PROMPT_COMMAND"));
    assert_ne!(
        env.tmux(&["show-options", "-v", "-t", "=evil:", "status-right"]).stdout().trim(),
        "#(touch PWNED-option)"
    );
    env.tmux(&["kill-session", "-t", "=evil:"]).ok();

    for (cwd, id, expected) in [
        ("../../etc", ID, "would leave the project root"),
        (".", "../../../.bashrc", "is not a UUID"),
        (".", "--dangerously-skip-permissions", "is not a UUID"),
        ("/etc", ID, "is absolute"),
        ("a/../../x", ID, "would leave the project root"),
    ] {
        let bundle = write_bundle(&env, bundle_with(cwd, id));
        let err =
            env.cdev(&["import", &bundle.to_string_lossy(), "--root", &root.to_string_lossy()]).fails_with(1);
        assert!(err.contains(expected), "{err}");
        assert_eq!(env.session_names(), ["other"]);
        assert!(!env.home().join(".claude").exists(), "no transcript written");
    }
    let not_ours = env.path("random.cdev");
    fs::write(&not_ours, b"\x1f\x8b garbage").unwrap();
    let err = env.cdev(&["import", &not_ours.to_string_lossy()]).fails_with(2);
    assert!(err.contains("not a cdev export"), "{err}");
}

#[test]
fn an_imported_claude_pane_without_its_conversation_starts_a_new_one_issue_16() {
    let mut env = TestEnv::lived_in();
    let fake = env
        .install_wrapper("fake-claude", "#!/bin/sh\necho \"$@\" > \"$HOME/claude-args\"\nexec sleep 600\n");
    env.tmux(&["set-option", "-g", "@cdev-claude-command", &fake.to_string_lossy()]).ok();
    let root = env.project("root");
    let mut value = bundle_with(".", ID);
    value["conversations"] = serde_json::json!([]);
    value["session"]["windows"][0]["panes"][0]["options"] = serde_json::json!({"@cdev_claude_session": ID});
    let bundle = write_bundle(&env, value);
    env.cdev(&["import", &bundle.to_string_lossy(), "--root", &root.to_string_lossy()]).ok();
    // The file exists before the fake has written its line: wait for the whole line.
    let written = || fs::read_to_string(env.home().join("claude-args")).is_ok_and(|t| t.ends_with('\n'));
    wait_for("claude to start", written);
    let args = fs::read_to_string(env.home().join("claude-args")).unwrap();
    let recorded = env.panes("evil", "#{@cdev_claude_session}")[0].clone();
    assert_ne!(recorded, ID);
    assert!(
        args.trim_end().ends_with(&format!("--session-id={recorded}")) && !args.contains("--resume"),
        "{args}"
    );
}
