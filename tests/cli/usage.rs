//! `cdev claude statusline`: cost, context and rate limits from Claude Code's statusLine input,
//! recorded on the pane and shown by `#{cdev_usage}` in a real client's status line, with the
//! user's own statusLine command still printing its line.

use std::fs;
use std::io::Write;
use std::process::Stdio;

use crate::agents::pane_option;
use crate::support::{json, wait_for, Run, TestEnv, CDEV};

/// Runs `cdev claude statusline` as Claude Code does from `pane`: the input on stdin.
fn statusline(env: &TestEnv, pane: Option<&str>, input: &str) -> Run {
    let mut cmd = env.command(CDEV);
    cmd.args(["claude", "statusline"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some(pane) = pane {
        let tmux =
            env.tmux(&["display-message", "-p", "-t", pane, "#{socket_path},#{pid},#{session_id}"]).ok();
        cmd.env("TMUX", tmux.trim()).env("TMUX_PANE", pane);
    }
    let argv = vec!["cdev".to_string(), "claude".into(), "statusline".into()];
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    Run { argv, output: child.wait_with_output().unwrap() }
}

fn update(cost: f64, context: f64, five_hour: f64, seven_day: f64) -> String {
    serde_json::json!({
        "session_id": "5f1c", "model": {"id": "claude-x", "display_name": "Opus"},
        "cost": {"total_cost_usd": cost, "total_duration_ms": 1000},
        "context_window": {"used_percentage": context, "context_window_size": 200000},
        "rate_limits": {"five_hour": {"used_percentage": five_hour, "resets_at": 1767225600},
                        "seven_day": {"used_percentage": seven_day}}
    })
    .to_string()
}

#[test]
fn cost_context_and_limits_reach_the_status_line_and_the_users_line_still_prints() {
    let env = TestEnv::lived_in();
    // The user's own statusLine: it must get the same input and its line must come out unchanged.
    fs::create_dir_all(env.home().join(".claude")).unwrap();
    fs::write(
        env.home().join(".claude/settings.json"),
        r#"{"statusLine": {"type": "command", "command": "printf 'my line: %s' \"$(grep -o '\"cost\"' | head -1)\""}}"#,
    )
    .unwrap();
    env.start_session("claude-dev-app", &env.home());
    env.tmux(&["split-window", "-d", "-t", "=claude-dev-app:"]).ok();
    let panes = env.panes("claude-dev-app", "#{pane_id}");
    let (first, second) = (&panes[0], &panes[1]);
    env.tmux(&["set-option", "-g", "status-interval", "3600"]).ok();
    env.tmux(&["set-option", "-g", "status-right", "[#{cdev_usage}]"]).ok();
    env.tmux(&["set-option", "-g", "@cdev-bin", CDEV]).ok();
    let plugin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cdev.tmux");
    env.tmux(&["run-shell", &shell_words::quote(&plugin.to_string_lossy())]).ok();
    let client = env.attach_terminal_client("claude-dev-app");
    wait_for("an empty segment before any update", || client.status_line().ends_with("[]"));

    let printed = statusline(&env, Some(first), &update(0.5, 40.4, 20.0, 61.0)).ok();
    assert_eq!(printed, "my line: \"cost\"", "the user's line, from the same input");
    assert_eq!(pane_option(&env, first, "@cdev_cost"), "0.5000");
    assert_eq!(pane_option(&env, first, "@cdev_context"), "40");
    wait_for("the day's cost and the tightest window", || client.status_line().ends_with("[$0.50 7d 61%]"));
    statusline(&env, Some(second), &update(0.25, 10.0, 20.0, 61.0)).ok();
    statusline(&env, Some(first), &update(0.75, 45.0, 20.0, 62.0)).ok();
    wait_for("both agents' spend", || client.status_line().ends_with("[$1.00 7d 62%]"));
    // The first agent's Claude starts again (a resume: its counter restarts): its total goes on.
    statusline(&env, Some(first), &update(0.1, 5.0, 20.0, 62.0)).ok();
    assert_eq!(pane_option(&env, first, "@cdev_cost"), "0.8500");
    wait_for("the restart's spend counted once", || client.status_line().ends_with("[$1.10 7d 62%]"));

    let agents = json(&env.cdev(&["agents", "--json"]).ok());
    let rows = agents.as_array().unwrap();
    let row = rows.iter().find(|r| r["pane_id"] == first.as_str());
    assert!(row.is_none(), "no agent state yet: not listed as an agent: {agents}");
    env.tmux(&["set-option", "-p", "-t", first, "@cdev_agent_state", "working"]).ok();
    let agents = json(&env.cdev(&["agents", "--json"]).ok());
    let row = agents.as_array().unwrap().iter().find(|r| r["pane_id"] == first.as_str()).unwrap().clone();
    assert_eq!((row["cost_usd"].as_f64(), row["context_percent"].as_u64()), (Some(0.85), Some(5)));
    assert_eq!(row["model"], "Opus");
    let table = env.cdev(&["agents"]).ok();
    assert!(table.lines().next().unwrap().contains("COST") && table.contains("$0.85"), "{table}");
    let sessions = json(&env.cdev(&["list", "--json"]).ok());
    let app = sessions.as_array().unwrap().iter().find(|s| s["name"] == "claude-dev-app").unwrap().clone();
    assert!((app["cost_usd"].as_f64().unwrap() - 1.10).abs() < 1e-9, "{app}");
    assert!(env.cdev(&["list"]).ok().contains("$1.10"));

    // A restored agent keeps its total.
    env.cdev(&["save", "claude-dev-app"]).ok();
    env.tmux(&["kill-session", "-t", "=claude-dev-app"]).ok();
    env.cdev(&["restore", "claude-dev-app"]).ok();
    let restored = env.panes("claude-dev-app", "#{@cdev_cost}");
    assert_eq!(restored, ["0.8500", "0.2500"]);

    // Outside tmux: the user's line only; garbage in: still their line, nothing recorded.
    let outside = statusline(&env, None, &update(9.0, 1.0, 1.0, 1.0)).ok();
    assert_eq!(outside, "my line: \"cost\"");
    let garbage = statusline(&env, Some(second), "not json at all {{{");
    assert_eq!((garbage.code(), garbage.stderr()), (Some(0), String::new()));
}

#[test]
fn install_hooks_chains_the_users_status_line_and_uninstall_gives_it_back() {
    let env = TestEnv::new();
    let settings = env.home().join(".claude/settings.json");
    fs::create_dir_all(settings.parent().unwrap()).unwrap();
    let user = r#"{"statusLine": {"type": "command", "command": "echo \"mine $((1+1))\"", "padding": 2}}"#;
    fs::write(&settings, user).unwrap();
    env.cdev(&["claude", "install-hooks"]).ok();
    let installed = json(&fs::read_to_string(&settings).unwrap());
    let command = installed["statusLine"]["command"].as_str().unwrap().to_string();
    assert!(command.contains("claude statusline --then"), "{command}");
    // Claude Code runs the command through a shell: what it prints is the user's line.
    let mut shell = env.command("sh");
    shell.args(["-c", &command]).stdin(Stdio::null());
    assert_eq!(env.run(shell).ok(), "mine 2\n");
    env.cdev(&["claude", "uninstall-hooks"]).ok();
    assert_eq!(json(&fs::read_to_string(&settings).unwrap()), json(user));
}
