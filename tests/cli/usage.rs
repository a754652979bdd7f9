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
    let said = env.cdev(&["claude", "install-hooks"]).ok();
    assert_eq!(
        said,
        format!(
            "cdev hooks installed in {}\nyour statusLine `echo \"mine $((1+1))\"` is kept: it runs after cdev's, and shows what it showed\n",
            settings.display()
        ),
        "the user's line is said to be kept"
    );
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

/// An assistant line of a transcript, as Claude Code writes one per content block.
fn assistant_line(id: &str, input: u64, cache_read: u64, output: u64) -> String {
    let line = serde_json::json!({"type": "assistant", "isSidechain": false, "message": {"id": id,
        "role": "assistant", "model": "claude-sonnet-4-5", "content": [{"type": "text", "text": "ok"}],
        "usage": {"input_tokens": input, "cache_creation_input_tokens": 0, "cache_read_input_tokens": cache_read,
                  "output_tokens": output}}});
    format!("{line}\n")
}

#[test]
fn a_pane_without_cdevs_status_line_gets_its_usage_from_its_transcript_issue_22() {
    let env = TestEnv::lived_in();
    env.start_session("hand", &env.home());
    let pane = env.panes("hand", "#{pane_id}")[0].clone();
    let id = "0b5e3f1c-8d7a-4c2e-9f10-3a6b7c8d9e0f";
    let transcript = env.write_transcript(&env.home(), id);
    let payload = serde_json::json!({"hook_event_name": "SessionStart", "session_id": id, "source": "startup",
        "transcript_path": transcript, "cwd": env.home()});
    env.claude_hook_in(&pane, &payload.to_string()).ok();
    let append = |text: &str| {
        let mut file = fs::OpenOptions::new().append(true).open(&transcript).unwrap();
        file.write_all(text.as_bytes()).unwrap();
    };
    let row = || {
        let agents = json(&env.cdev(&["agents", "--json"]).ok());
        agents.as_array().unwrap().iter().find(|r| r["pane_id"] == pane.as_str()).unwrap().clone()
    };
    let before = row();
    assert_eq!(
        (before["cost_usd"].is_null(), before["tokens"]["total"].as_u64()),
        (true, Some(0)),
        "{before}"
    );

    // No watcher runs here: `cdev agents` adds it up itself.
    append(&assistant_line("msg_1", 1000, 49_000, 100));
    let first = row();
    assert_eq!(first["tokens"]["total"], 50_100, "{first}");
    // Sonnet at $3 / $15 per million, cache reads a tenth of input.
    let usd = (1000.0 * 3.0 + 49_000.0 * 0.3 + 100.0 * 15.0) / 1e6;
    assert!((first["cost_usd"].as_f64().unwrap() - usd).abs() < 1e-9, "{first}");
    assert_eq!((&first["cost_estimated"], &first["context_percent"]), (&true.into(), &25.into()), "{first}");
    assert_eq!(first["model"], "claude-sonnet-4-5");

    // The same message's next block (its final usage) replaces it; a new message adds.
    append(&assistant_line("msg_1", 1000, 49_000, 300));
    append(&assistant_line("msg_2", 10, 99_990, 50));
    let second = row();
    assert_eq!(second["tokens"]["total"], 50_300 + 100_050, "{second}");
    assert_eq!(second["context_percent"], 50, "{second}");
    let table = env.cdev(&["agents"]).ok();
    assert!(table.contains("~$0.05") && table.contains("150.3k"), "{table}");
    let sessions = json(&env.cdev(&["list", "--json"]).ok());
    let hand = sessions.as_array().unwrap().iter().find(|s| s["name"] == "hand").unwrap().clone();
    assert_eq!((&hand["cost_usd"], &hand["cost_estimated"]), (&second["cost_usd"], &true.into()), "{hand}");
    assert!(env.cdev(&["list"]).ok().contains("~$0.05"));

    // A statusLine that reports wins; the tokens stay.
    statusline(&env, Some(&pane), &update(0.5, 40.0, 1.0, 1.0)).ok();
    let reported = row();
    assert_eq!((reported["cost_usd"].as_f64(), &reported["cost_estimated"]), (Some(0.5), &false.into()));
    assert_eq!((&reported["context_percent"], &reported["model"]), (&40.into(), &"Opus".into()));
    assert_eq!(reported["tokens"]["total"], 150_350);
}

/// Claude Code started by hand in a plain pane, with cdev's hooks (`install-hooks`) but without
/// cdev's statusLine (the user took it out): what the agent used comes from its transcript.
#[test]
fn a_claude_started_by_hand_without_cdevs_status_line_shows_tokens_and_cost_issue_22() {
    use crate::claude_e2e::{claude_bins, claude_sandbox, state, wait_for_prompt, wait_in};
    for claude in claude_bins() {
        let env = TestEnv::lived_in();
        let project = env.project("hand");
        let api =
            crate::messages_api::MessagesApi::start(project.join("marker").to_string_lossy().into_owned());
        let variables = claude_sandbox(&env.home(), &[&project], api.port);
        env.cdev(&["claude", "install-hooks"]).ok();
        let settings = env.home().join(".claude/settings.json");
        let mut installed = json(&fs::read_to_string(&settings).unwrap());
        installed.as_object_mut().unwrap().remove("statusLine");
        fs::write(&settings, installed.to_string()).unwrap();
        env.start_session("hand", &project);
        env.tmux(&["set-option", "-g", "@cdev-bin", CDEV]).ok();
        let plugin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cdev.tmux");
        env.tmux(&["run-shell", &shell_words::quote(&plugin.to_string_lossy())]).ok();
        let pane = env.panes("hand", "#{pane_id}")[0].clone();
        let line: Vec<String> = variables.lines().map(|v| shell_words::quote(v).into_owned()).collect();
        let command = format!("env {} {}", line.join(" "), shell_words::quote(&claude.to_string_lossy()));
        env.tmux(&["send-keys", "-t", &pane, "-l", &command]).ok();
        env.tmux(&["send-keys", "-t", &pane, "Enter"]).ok();
        wait_in(&env, &pane, "SessionStart (idle)", || state(&env, &pane) == "idle");
        wait_for_prompt(&env, &pane);
        env.tmux(&["send-keys", "-t", &pane, "-l", "hello there"]).ok();
        env.tmux(&["send-keys", "-t", &pane, "Enter"]).ok();
        wait_in(&env, &pane, "Stop (done)", || state(&env, &pane) == "done");
        // The watcher adds up what the transcript recorded, as Claude writes it.
        wait_in(&env, &pane, "the transcript's usage on the pane", || {
            !pane_option(&env, &pane, "@cdev_transcript_usage").is_empty()
        });
        assert!(pane_option(&env, &pane, "@cdev_cost").is_empty(), "no statusLine of cdev's ran");
        let agents = json(&env.cdev(&["agents", "--json"]).ok());
        let row = agents.as_array().unwrap().iter().find(|r| r["pane_id"] == pane.as_str()).unwrap().clone();
        let version = claude.display();
        assert!(row["tokens"]["total"].as_u64().is_some_and(|t| t >= 12_017), "{version}: {row}");
        assert!(row["cost_usd"].as_f64().is_some_and(|c| c > 0.0), "{version}: {row}");
        assert_eq!(row["cost_estimated"], true, "{version}: {row}");
        // The stand-in's last reply: 12 + 2,000 + 10,000 tokens of a 200k window.
        assert_eq!(row["context_percent"], 6, "{version}: {row}");
        assert!(row["model"].as_str().is_some_and(|m| m.starts_with("claude-")), "{version}: {row}");
        let table = env.cdev(&["agents"]).ok();
        assert!(table.contains("~$0.0") && table.contains("TOKENS"), "{version}: {table}");
        let sessions = json(&env.cdev(&["list", "--json"]).ok());
        let hand = sessions.as_array().unwrap().iter().find(|s| s["name"] == "hand").unwrap().clone();
        assert_eq!(hand["cost_estimated"], true, "{version}: {hand}");
        assert_eq!(hand["cost_usd"], row["cost_usd"], "{version}: {hand}");
    }
}
