//! Agent awareness with recorded Claude Code payloads: the hook handler, the journal, the status
//! segment, `cdev agents` / `cdev next`, and the tmux side (placeholders, "done until seen").

use std::fs;
use std::io::Write;
use std::process::Stdio;

use crate::support::{json, tmux_calls, wait_for, TestEnv, CDEV};

/// `$TMUX` for a process running inside `session`'s pane.
pub fn tmux_env(env: &TestEnv, session: &str) -> (String, String) {
    let tmux =
        env.tmux(&["display-message", "-p", "-t", session, "#{socket_path},#{pid},#{session_id}"]).ok();
    let pane = env.tmux(&["display-message", "-p", "-t", session, "#{pane_id}"]).ok();
    (tmux.trim().to_string(), pane.trim().to_string())
}

/// Runs `cdev claude hook` as Claude Code would from `pane`, with `payload` on stdin.
pub fn hook(env: &TestEnv, tmux: &str, pane: &str, payload: &[u8]) -> crate::support::Run {
    hook_with(env, tmux, pane, payload, &[])
}

/// [`hook`] with more environment variables.
pub fn hook_with(
    env: &TestEnv,
    tmux: &str,
    pane: &str,
    payload: &[u8],
    vars: &[(&str, &str)],
) -> crate::support::Run {
    let mut cmd = env.command(CDEV);
    cmd.args(["claude", "hook"])
        .env("TMUX", tmux)
        .env("TMUX_PANE", pane)
        .env("CDEV_LOG", env.path("cdev.log"))
        .envs(vars.iter().copied());
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all(payload); // a huge payload may be cut short: that is the point
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    crate::support::Run { argv: vec!["cdev claude hook".into()], output }
}

pub fn event(name: &str, extra: &str) -> Vec<u8> {
    format!(
        r#"{{"session_id":"5f1c0000-0000-4000-8000-000000000001","transcript_path":"/h/.claude/projects/-p/5f1c0000-0000-4000-8000-000000000001.jsonl","cwd":"/p","hook_event_name":"{name}"{extra}}}"#
    )
    .into_bytes()
}

pub fn pane_option(env: &TestEnv, pane: &str, name: &str) -> String {
    env.tmux(&["show-options", "-pqv", "-t", pane, name]).ok().trim_end().to_string()
}

#[test]
fn hook_events_move_the_pane_through_the_states_and_the_journal_follows() {
    let env = TestEnv::new();
    env.start_session("claude-dev-web", &env.home());
    let (tmux, pane) = tmux_env(&env, "claude-dev-web");
    let run = hook(&env, &tmux, &pane, &event("SessionStart", r#","source":"startup""#));
    assert_eq!((run.code(), run.stdout(), run.stderr()), (Some(0), String::new(), String::new()));
    assert_eq!(pane_option(&env, &pane, "@cdev_agent_state"), "idle");
    assert_eq!(pane_option(&env, &pane, "@cdev_claude_session"), "5f1c0000-0000-4000-8000-000000000001");
    assert_eq!(
        pane_option(&env, &pane, "@cdev_claude_transcript"),
        "/h/.claude/projects/-p/5f1c0000-0000-4000-8000-000000000001.jsonl"
    );

    let read = || json(&fs::read_to_string(env.journal_file("claude-dev-web", &pane)).unwrap());
    assert_eq!(read()["state"], "idle");
    assert_eq!(read()["claude_session"], "5f1c0000-0000-4000-8000-000000000001");
    assert_eq!(read()["session"], "claude-dev-web");

    hook(&env, &tmux, &pane, &event("UserPromptSubmit", r#","prompt":"hi""#)).ok();
    assert_eq!(pane_option(&env, &pane, "@cdev_agent_state"), "working");
    // `since` marks when the state began: a later event of the same state keeps it.
    env.tmux(&["set-option", "-p", "-t", &pane, "@cdev_agent_since", "1000"]).ok();
    hook(&env, &tmux, &pane, &event("PreToolUse", r#","tool_name":"Bash""#)).ok();
    assert_eq!(pane_option(&env, &pane, "@cdev_agent_since"), "1000");
    hook(&env, &tmux, &pane, &event("PermissionRequest", r#","tool_name":"Bash""#)).ok();
    assert_eq!(pane_option(&env, &pane, "@cdev_agent_state"), "waiting");
    assert_ne!(pane_option(&env, &pane, "@cdev_agent_since"), "1000");
    assert_eq!(read()["state"], "waiting");
    hook(&env, &tmux, &pane, &event("Notification", r#","notification_type":"idle_prompt""#)).ok();
    assert_eq!(pane_option(&env, &pane, "@cdev_agent_state"), "waiting", "a permission prompt stays waiting");
    // An interrupted turn fires no hook: the idle prompt that follows frees the agent.
    hook(&env, &tmux, &pane, &event("UserPromptSubmit", "")).ok();
    hook(&env, &tmux, &pane, &event("Notification", r#","notification_type":"idle_prompt""#)).ok();
    assert_eq!(pane_option(&env, &pane, "@cdev_agent_state"), "idle");
    assert_eq!(read()["state"], "idle");
    // Compaction restarts the session mid-turn: the state stays.
    hook(&env, &tmux, &pane, &event("UserPromptSubmit", "")).ok();
    hook(&env, &tmux, &pane, &event("SessionStart", r#","source":"compact""#)).ok();
    assert_eq!(pane_option(&env, &pane, "@cdev_agent_state"), "working");
    hook(&env, &tmux, &pane, &event("Stop", "")).ok();
    assert_eq!(pane_option(&env, &pane, "@cdev_agent_state"), "done");
    hook(&env, &tmux, &pane, &event("SessionEnd", r#","reason":"other""#)).ok();
    assert_eq!(read()["state"], "ended");
}

#[test]
fn bad_payloads_and_dead_panes_are_silent_and_change_nothing() {
    let env = TestEnv::new();
    env.start_session("s", &env.home());
    let (tmux, pane) = tmux_env(&env, "s");
    hook(&env, &tmux, &pane, &event("UserPromptSubmit", "")).ok();
    let mut huge_garbage = b"{\"hook_event_name\":\"Stop\",".to_vec();
    huge_garbage.extend(std::iter::repeat_n(b'x', 50 * 1024 * 1024));
    let bad: Vec<Vec<u8>> = vec![
        vec![],
        b"not json".to_vec(),
        b"{\"hook_event_name\":\"Stop\"".to_vec(),
        b"{}".to_vec(),
        b"[1,2]".to_vec(),
        event("SomethingNew", ""),
        vec![0xff, 0xfe, 0x00],
        huge_garbage,
    ];
    for payload in &bad {
        let run = hook(&env, &tmux, &pane, payload);
        assert_eq!((run.code(), run.stdout(), run.stderr()), (Some(0), String::new(), String::new()));
    }
    assert_eq!(pane_option(&env, &pane, "@cdev_agent_state"), "working");
    // A valid 50 MB payload (a huge tool result) is handled like any other.
    let mut huge = br#"{"hook_event_name":"Stop","tool_response":""#.to_vec();
    huge.extend(std::iter::repeat_n(b'x', 50 * 1024 * 1024));
    huge.extend(b"\"}");
    let run = hook(&env, &tmux, &pane, &huge);
    assert_eq!((run.code(), run.stdout()), (Some(0), String::new()));
    assert_eq!(pane_option(&env, &pane, "@cdev_agent_state"), "done");

    // A pane that is gone: silent, logged.
    let run = hook(&env, &tmux, "%999", &event("Stop", ""));
    assert_eq!((run.code(), run.stdout(), run.stderr()), (Some(0), String::new(), String::new()));
    let log = fs::read_to_string(env.path("cdev.log")).unwrap();
    assert!(log.contains("claude hook: could not update the pane"), "{log}");
    // Outside tmux: nothing at all.
    let mut outside = env.command(CDEV);
    outside.args(["claude", "hook"]);
    let run = env.run(outside);
    assert_eq!((run.code(), run.stdout()), (Some(0), String::new()));
}

/// Issue 21: the hook is what every Claude Code event waits for. A repeated state costs one call
/// to the server, made on its socket: no tmux process at all, and no journal write.
#[test]
fn a_repeated_state_costs_the_hook_one_call_on_the_socket_and_no_process_issue_21() {
    let env = TestEnv::lived_in();
    env.start_session("calls", &env.home());
    let (tmux, pane) = tmux_env(&env, "calls");
    hook(&env, &tmux, &pane, &event("PreToolUse", "")).ok();
    let journal = env.journal_file("calls", &pane);
    let written = fs::metadata(&journal).unwrap().modified().unwrap();
    let run = hook_with(&env, &tmux, &pane, &event("PostToolUse", ""), &[("CDEV_TIMINGS", "1")]);
    let timings = run.stderr();
    assert!(timings.contains("(1 tmux calls, 0 tmux processes)"), "{timings}");
    assert_eq!(pane_option(&env, &pane, "@cdev_agent_state"), "working");
    assert_eq!(fs::metadata(&journal).unwrap().modified().unwrap(), written, "the journal was not rewritten");
}

/// A Claude Code of a server that ended still fires hooks as it exits (SessionEnd, a last Stop),
/// with its old `$TMUX`. When a new server has taken the socket meanwhile (a restart, a restore
/// right after), pane ids start over: the event must not land on the new server's `%0`, which is
/// another pane (restored, it then carried the dead conversation's id and was resumed on it).
#[test]
fn events_from_a_server_that_ended_never_reach_the_one_that_took_its_socket() {
    let env = TestEnv::new();
    env.start_session("old", &env.home());
    let (old_tmux, old_pane) = tmux_env(&env, "old");
    env.kill_server();
    env.start_session("new", &env.home());
    let (new_tmux, new_pane) = tmux_env(&env, "new");
    assert_eq!(old_pane, new_pane, "the new server reuses the pane id: the test tests nothing otherwise");
    assert_ne!(old_tmux, new_tmux);
    let late = event("SessionEnd", "");
    for client in ["socket", "program"] {
        let run = hook_with(&env, &old_tmux, &old_pane, &late, &[("CDEV_TMUX_CLIENT", client)]);
        assert_eq!(
            (run.code(), run.stdout(), run.stderr()),
            (Some(0), String::new(), String::new()),
            "{client}"
        );
        assert_eq!(pane_option(&env, &new_pane, "@cdev_claude_session"), "", "{client}");
        assert_eq!(pane_option(&env, &new_pane, "@cdev_agent_state"), "", "{client}");
    }
    let log = fs::read_to_string(env.path("cdev.log")).unwrap();
    assert!(log.contains("is not the one of $TMUX"), "{log}");
    // The server's own panes are heard as ever.
    hook(&env, &new_tmux, &new_pane, &event("Stop", "")).ok();
    assert_eq!(pane_option(&env, &new_pane, "@cdev_agent_state"), "done");
}

/// Issue 17, defect 4: in 4 to 6 of 10 bursts of racing hooks the journal ended saying another
/// state than the pane (each hook wrote what tmux told it, in whatever order they finished).
#[test]
fn hooks_racing_for_one_pane_leave_the_journal_equal_to_the_pane_issue_17() {
    let env = TestEnv::lived_in();
    env.start_session("race", &env.home());
    let (tmux, pane) = tmux_env(&env, "race");
    let events =
        ["UserPromptSubmit", "PermissionRequest", "PreToolUse", "Stop", "PostToolUse", "StopFailure"];
    for burst in 0..10 {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let payload = event(events[(burst + i) % events.len()], "");
                let mut cmd = env.command(CDEV);
                cmd.args(["claude", "hook"]).env("TMUX", &tmux).env("TMUX_PANE", &pane).stdin(Stdio::piped());
                let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
                child.stdin.take().unwrap().write_all(&payload).unwrap();
                child
            })
            .collect();
        for child in handles {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success() && out.stdout.is_empty());
        }
        let state = pane_option(&env, &pane, "@cdev_agent_state");
        let entry = json(&fs::read_to_string(env.journal_file("race", &pane)).unwrap());
        assert_eq!(entry["state"], state.as_str(), "burst {burst}: the journal says what the pane says");
    }
    let leftovers: Vec<_> = fs::read_dir(env.journal_file("race", &pane).parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with(".lock"))
        .collect();
    assert_eq!(leftovers.len(), 1, "no temp files left: {leftovers:?}");
}

/// Three sessions with agents in given states (set as the hook handler would).
fn sessions_with_agents(env: &TestEnv) {
    for (session, states) in [("a", &["working", "waiting"][..]), ("b", &["done", "working"]), ("c", &[])] {
        env.start_session(session, &env.home());
        for (i, state) in states.iter().enumerate() {
            if i > 0 {
                env.tmux(&["split-window", "-d", "-t", session]).ok();
            }
            let target = format!("={session}:0.{i}");
            env.tmux(&["set-option", "-p", "-t", &target, "@cdev_agent_state", state]).ok();
            env.tmux(&["set-option", "-p", "-t", &target, "@cdev_agent_since", &format!("{}", 100 + i)]).ok();
        }
    }
}

#[test]
fn the_status_segment_counts_agents_in_one_tmux_call() {
    let mut env = TestEnv::new();
    assert_eq!(env.cdev(&["status"]).ok(), "\n", "no server: an empty segment");
    sessions_with_agents(&env);
    let counter = env.count_tmux_calls();
    env.cdev(&["status"]).ok();
    fs::remove_file(&counter).unwrap();
    let segment = env.cdev(&["status"]).ok();
    assert_eq!(tmux_calls(&counter).len(), 1);
    assert_eq!(segment.trim_end(), "#[fg=colour214,bold]⏳1#[default] ⚙2 ✓1");
    // A grouped session shows the same panes again: they count once.
    env.tmux(&["new-session", "-d", "-t", "a", "-s", "a-view"]).ok();
    assert_eq!(env.cdev(&["status"]).ok().trim_end(), segment.trim_end());
    assert_eq!(json(&env.cdev(&["agents", "--json"]).ok()).as_array().unwrap().len(), 4);
    env.tmux(&["set-option", "-g", "@cdev-status-format", "A{waiting} W{working} D{done} ={total}"]).ok();
    assert_eq!(env.cdev(&["status"]).ok().trim_end(), "A1 W2 D1 =4");
    let table = env.cdev(&["list"]).ok();
    assert!(
        table.lines().any(|l| l.contains(" a ") || l.starts_with("  a")) && table.contains("⏳1 ⚙1"),
        "{table}"
    );
}

#[test]
fn agents_lists_them_and_next_goes_to_the_one_waiting_longest() {
    let env = TestEnv::new();
    sessions_with_agents(&env);
    env.tmux(&["set-option", "-p", "-t", "=b:0.1", "@cdev_agent_state", "waiting"]).ok();
    env.tmux(&["set-option", "-p", "-t", "=b:0.1", "@cdev_agent_since", "50"]).ok();
    let rows = json(&env.cdev(&["agents", "--json"]).ok());
    assert_eq!(rows.as_array().unwrap().len(), 4);
    assert_eq!(rows[0]["session"], "a");
    assert_eq!(rows[0]["state"], "working");

    let _client = env.attach_control_client("c");
    let client = env.tmux(&["list-clients", "-F", "#{client_name}"]).ok();
    env.cdev(&["next", "--client", client.trim()]).ok();
    wait_for("the client to reach b:0.1", || {
        env.tmux(&["list-clients", "-F", "#{client_session}:#{window_index}.#{pane_index}"]).ok().trim()
            == "b:0.1"
    });
    // Again from there: the pane you are on is skipped, the next longest waiting is next.
    env.cdev(&["next", "--client", client.trim()]).ok();
    wait_for("the client to reach a:0.1", || {
        env.tmux(&["list-clients", "-F", "#{client_session}:#{window_index}.#{pane_index}"]).ok().trim()
            == "a:0.1"
    });
}

#[test]
fn the_plugin_fills_placeholders_and_done_clears_when_the_pane_is_seen() {
    let env = TestEnv::new();
    env.start_session("main", &env.home());
    env.tmux(&["split-window", "-d", "-t", "main"]).ok();
    env.tmux(&["set-option", "-g", "status-right", "#{cdev_status} | %H:%M"]).ok();
    env.tmux(&["set-option", "-gw", "window-status-format", "#I#{cdev_window_status}"]).ok();
    env.tmux(&["set-option", "-g", "@cdev-bin", CDEV]).ok();
    env.tmux(&["set-option", "-g", "@cdev-status-mode", "format"]).ok();
    let plugin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cdev.tmux");
    env.tmux(&["run-shell", &shell_words::quote(&plugin.to_string_lossy())]).ok();

    env.tmux(&["set-option", "-p", "-t", "=main:0.1", "@cdev_agent_state", "done"]).ok();
    let marker = env.tmux(&["display-message", "-p", "-t", "=main:0", "#{T:window-status-format}"]).ok();
    assert_eq!(marker.trim_end(), "0✓");
    // tmux computes the segment itself; it matches what `cdev status` prints.
    let right = env.tmux(&["display-message", "-p", "-t", "=main:0", "#{T:status-right}"]).ok();
    assert!(right.starts_with("✓1  | "), "{right}");
    assert_eq!(env.cdev(&["status"]).ok().trim_end(), "✓1");
    env.tmux(&["set-option", "-p", "-t", "=main:0.0", "@cdev_agent_state", "waiting"]).ok();
    let right = env.tmux(&["display-message", "-p", "-t", "=main:0", "#{T:status-right}"]).ok();
    assert!(right.starts_with("#[fg=colour214,bold]⏳1#[default] ✓1 "), "{right}");
    env.tmux(&["set-option", "-p", "-t", "=main:0.0", "@cdev_agent_state", "idle"]).ok();

    // By default (@cdev-status-mode command): the #(…) job, run the way the status line runs it.
    env.tmux(&["set-option", "-g", "status-right", "#{cdev_status} | %H:%M"]).ok();
    env.tmux(&["set-option", "-gu", "@cdev-status-mode"]).ok();
    env.tmux(&["run-shell", &shell_words::quote(&plugin.to_string_lossy())]).ok();
    let right = env.tmux(&["show-options", "-gv", "status-right"]).ok();
    // Behind @cdev-ready: until the helper is there the segment says so instead (issue 19).
    assert!(
        right.starts_with("#{?#{@cdev-ready},#(\"$CDEV_BIN\" status; : #{e|+:#{@cdev_status_epoch},0}),"),
        "{right}"
    );
    assert!(right.trim_end().ends_with("} | %H:%M"), "{right}");
    let out = env.path("segment");
    let command = format!("\"$CDEV_BIN\" status > {}", shell_words::quote(&out.to_string_lossy()));
    env.tmux(&["run-shell", &command]).ok();
    assert_eq!(fs::read_to_string(&out).unwrap().trim_end(), "✓1");

    // Selected where nobody looks (a detached session): still done.
    env.tmux(&["select-pane", "-t", "=main:0.1"]).ok();
    env.tmux(&["select-pane", "-t", "=main:0.0"]).ok();
    assert_eq!(pane_option(&env, "=main:0.1", "@cdev_agent_state"), "done");
    // With a client looking, every way of reaching the pane clears it.
    let _client = env.attach_control_client("main");
    let ids = env.panes("main", "#{pane_id}");
    let (a, b) = (ids[0].clone(), ids[1].clone());
    let done_clears = |how: &str, steps: &[&[&str]]| {
        env.tmux(&["set-option", "-p", "-t", &b, "@cdev_agent_state", "done"]).ok();
        for step in steps {
            env.tmux(step).ok();
        }
        wait_for(&format!("done to clear after {how}"), || {
            pane_option(&env, &b, "@cdev_agent_state") == "idle"
        });
    };
    env.tmux(&["select-pane", "-t", &a]).ok();
    done_clears("select-pane", &[&["select-pane", "-t", &b]]);
    env.tmux(&["select-pane", "-t", &a]).ok();
    done_clears("last-pane", &[&["last-pane", "-t", "=main:0"]]);
    let c =
        env.tmux(&["split-window", "-d", "-P", "-F", "#{pane_id}", "-t", "=main:0"]).ok().trim().to_string();
    env.tmux(&["select-pane", "-t", &c]).ok();
    done_clears("kill-pane", &[&["kill-pane", "-t", &c]]);
}

#[test]
fn agent_state_changes_reach_a_real_clients_status_line_at_once() {
    let env = TestEnv::new();
    env.start_session("main", &env.home());
    env.tmux(&["split-window", "-d", "-t", "main"]).ok();
    // A status line that would not refresh by itself for an hour.
    env.tmux(&["set-option", "-g", "status-interval", "3600"]).ok();
    env.tmux(&["set-option", "-g", "status-right", "[#{cdev_agents}]"]).ok();
    env.tmux(&["set-option", "-g", "@cdev-bin", CDEV]).ok();
    let plugin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cdev.tmux");
    let load_plugin = || env.tmux(&["run-shell", &shell_words::quote(&plugin.to_string_lossy())]).ok();
    load_plugin();
    let right = env.tmux(&["show-options", "-gv", "status-right"]).ok();
    assert!(!right.contains("#(") && !right.contains("cdev_agents"), "not a pure format: {right}");

    let client = env.attach_terminal_client("main");
    wait_for("the status line without agents", || client.status_line().ends_with("[]"));
    let (tmux, first) = tmux_env(&env, "main");
    let second = env.panes("main", "#{pane_id}")[1].clone();
    hook(&env, &tmux, &second, &event("UserPromptSubmit", "")).ok();
    wait_for("the working glyph", || client.status_line().ends_with("[⚙]"));
    hook(&env, &tmux, &first, &event("PermissionRequest", "")).ok();
    // Waiting comes first, in its own style.
    wait_for("the waiting glyph", || client.status_line().ends_with("[⏳⚙]"));
    let styled = env.tmux(&["display-message", "-p", "-t", "=main:0", "#{T:status-right}"]).ok();
    assert_eq!(styled.trim_end(), "[#[fg=colour214,bold]⏳#[default]⚙]");
    hook(&env, &tmux, &first, &event("PostToolUse", "")).ok();
    wait_for("two working glyphs", || client.status_line().ends_with("[⚙⚙]"));
    // A grouped session (`new-session -t`) shares the windows: its agents are not counted twice,
    // also once the group's first session is gone.
    env.tmux(&["new-session", "-d", "-t", "main", "-s", "mirror"]).ok();
    env.tmux(&["refresh-client", "-S"]).ok();
    assert_eq!(env.tmux(&["display-message", "-p", "[#{T:status-right}]"]).ok().trim(), "[[⚙⚙]]");
    env.tmux(&["new-session", "-d", "-s", "other"]).ok();
    env.tmux(&["new-session", "-d", "-t", "other", "-s", "other-mirror"]).ok();
    env.tmux(&["set-option", "-p", "-t", "=other:", "@cdev_agent_state", "waiting"]).ok();
    env.tmux(&["kill-session", "-t", "=other"]).ok();
    let agents = env.tmux(&["display-message", "-p", "[#{T:status-right}]"]).ok();
    assert_eq!(agents.trim(), "[[#[fg=colour214,bold]⏳#[default]⚙⚙]]");
    env.tmux(&["kill-session", "-t", "=other-mirror"]).ok();

    // The order is the user's; unknown words (here an attempt at a #(…) job) are dropped.
    let pwned = env.path("pwned");
    let states = format!("working bogus}},#(touch {}) waiting", pwned.display());
    env.tmux(&["set-option", "-g", "@cdev-agents-states", &states]).ok();
    env.tmux(&["set-option", "-g", "@cdev-style-waiting", ""]).ok();
    env.tmux(&["set-option", "-g", "@cdev-icon-working", "W,}"]).ok();
    env.tmux(&["set-option", "-g", "status-right", "[#{cdev_agents}]"]).ok();
    load_plugin();
    env.tmux(&["set-option", "-p", "-t", &first, "@cdev_agent_state", "waiting"]).ok();
    wait_for("the user's order", || client.status_line().ends_with("[W,}⏳]"));
    assert!(!pwned.exists());

    // The #(cdev status) job too: each state change re-runs it at once, even twice in a second
    // (tmux runs a job at most once a second unless its command line changed).
    env.tmux(&["set-option", "-g", "status-right", "[#{cdev_status}]"]).ok();
    env.tmux(&["set-option", "-g", "@cdev-status-format", "W{waiting} R{working}"]).ok();
    load_plugin();
    wait_for("the job's first output", || client.status_line().ends_with("[W1 R1]"));
    // The same segment as a tmux format counts a group once too.
    let format = env.cdev(&["status", "--tmux-format"]).ok();
    assert_eq!(env.tmux(&["display-message", "-p", format.trim_end()]).ok().trim(), "W1 R1");
    for (event_name, shown) in
        [("UserPromptSubmit", "[R2]"), ("PermissionRequest", "[W1 R1]"), ("StopFailure", "[R1]")]
    {
        hook(&env, &tmux, &first, &event(event_name, "")).ok();
        wait_for(shown, || client.status_line().ends_with(shown));
    }
}

#[test]
fn install_hooks_merges_into_claudes_settings_and_refuses_a_broken_file() {
    let env = TestEnv::new();
    let config = env.path("claude-config");
    fs::create_dir_all(&config).unwrap();
    let settings = config.join("settings.json");
    fs::write(&settings, "{\n  \"theme\": \"dark\"\n}\n").unwrap();
    let mut install = env.command(CDEV);
    install.args(["claude", "install-hooks"]).env("CLAUDE_CONFIG_DIR", &config);
    let said = env.run(install).ok();
    assert!(said.starts_with("cdev hooks installed in"), "{said}");
    assert!(!said.contains("statusLine"), "no statusLine of the user's to speak of: {said}");
    let merged = json(&fs::read_to_string(&settings).unwrap());
    assert_eq!(merged["theme"], "dark");
    assert_eq!(merged["hooks"]["PermissionRequest"][0]["hooks"][0]["command"], format!("{CDEV} claude hook"));
    let mut uninstall = env.command(CDEV);
    uninstall.args(["claude", "uninstall-hooks"]).env("CLAUDE_CONFIG_DIR", &config);
    env.run(uninstall).ok();
    assert_eq!(json(&fs::read_to_string(&settings).unwrap()), serde_json::json!({"theme": "dark"}));

    fs::write(&settings, "{\"theme\": \"dark\",,}").unwrap();
    let mut broken = env.command(CDEV);
    broken.args(["claude", "install-hooks"]).env("CLAUDE_CONFIG_DIR", &config);
    let err = env.run(broken).fails_with(2);
    assert!(err.contains(&format!("{}:1: ", settings.display())), "{err}");
    assert_eq!(err.matches(&settings.display().to_string()).count(), 1, "the file named once: {err}");
    assert_eq!(fs::read_to_string(&settings).unwrap(), "{\"theme\": \"dark\",,}");

    // A key that is not what Claude Code's schema says: the file once, with the key's line.
    for (text, verb, said) in [
        ("{\n  \"theme\": \"dark\",\n  \"hooks\": []\n}\n", "install", "3: key `hooks`: not an object"),
        (
            "{\n  \"hooks\": {\n    \"Stop\": [],\n    \"Stop\": []\n  }\n}\n",
            "uninstall",
            "4: key `hooks.Stop`: appears twice (Claude Code reads the last one)",
        ),
    ] {
        fs::write(&settings, text).unwrap();
        let mut refused = env.command(CDEV);
        refused.args(["claude", &format!("{verb}-hooks")]).env("CLAUDE_CONFIG_DIR", &config);
        let err = env.run(refused).fails_with(2);
        assert_eq!(
            err.trim_end(),
            format!("cdev: could not {verb} cdev's hooks: {}:{said}", settings.display())
        );
        assert_eq!(fs::read_to_string(&settings).unwrap(), text, "refused, never overwritten");
    }
}

#[test]
fn health_checks_panes_commands_worktrees_and_agents() {
    let env = TestEnv::new();
    let repo = env.project("repo");
    let git = |args: &[&str]| env.git(&repo, args);
    git(&["init", "-q", "-b", "main"]);
    fs::write(
        repo.join(".cdev.toml"),
        "name = \"pair\"\n[[windows]]\n[[windows.panes]]\nrole = \"claude\"\ncommand = \"sleep 600\"\n[[windows.panes]]\ntitle = \"quick\"\ncommand = \"true\"\n",
    )
    .unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-qm", "init"]);
    // Autosave off, so the session has no snapshot until the test saves it.
    env.start_session("main", &env.home());
    env.tmux(&["set-option", "-g", "@cdev-autosave", "off"]).ok();
    let session =
        env.cdev(&["new", "--no-attach", "-w", "feat", &repo.to_string_lossy()]).ok().trim().to_string();
    env.tmux(&["set-option", "-p", "-t", &format!("={session}:0.0"), "@cdev_agent_state", "waiting"]).ok();
    wait_for("the quick command to exit", || {
        env.panes(&session, "#{pane_current_command}").get(1).is_some_and(|c| c == "sh")
    });
    fs::write(repo.join(".worktrees/feat/wip.txt"), "x").unwrap();

    let mut cmd = env.command(CDEV);
    cmd.args(["-L", &env.socket, "health"]).env("NO_COLOR", "1");
    let run = env.run(cmd);
    let text = run.fails_with(3);
    let text = format!("{text}{}", run.stdout());
    assert!(text.contains("ok   panes: 2 (template pair expects 2)"), "{text}");
    assert!(text.contains("ok   worktree feat: present"), "{text}");
    assert!(text.contains("warn pane 0.1 (quick): its command exited; now a shell"), "{text}");
    assert!(text.contains("warn worktree feat: 1 uncommitted change"), "{text}");
    assert!(text.contains("agent 0.0: waiting"), "{text}");
    // A session made a moment ago is not overdue for its first snapshot.
    assert!(text.contains("ok   no snapshot yet (cdev save)"), "{text}");
    env.cdev(&["save", &session]).ok();
    let mut cmd = env.command(CDEV);
    cmd.args(["-L", &env.socket, "health"]).env("NO_COLOR", "1");
    assert!(env.run(cmd).stdout().contains("ok   last snapshot: "));

    env.tmux(&["kill-pane", "-t", &format!("={session}:0.1")]).ok();
    let run = env.cdev(&["health", "--json", &session]);
    let report = json(&run.stdout());
    assert_eq!(run.code(), Some(3));
    assert_eq!(report[0]["healthy"], false);
    assert_eq!(report[0]["checks"][0]["what"], "panes: 1 (template pair expects 2)");
    assert_eq!(report[0]["checks"][0]["ok"], false);
    let err = env.cdev(&["health", "nope"]).fails_with(1);
    assert!(err.contains("could not check nope: no such session"), "{err}");
}

/// `cdev health` on `session`, in plain words: its exit code and its report.
fn plain_health(env: &TestEnv, session: &str) -> (Option<i32>, String) {
    let mut cmd = env.command(CDEV);
    cmd.args(["-L", &env.socket, "health", session]).env("NO_COLOR", "1");
    let run = env.run(cmd);
    (run.code(), run.stdout())
}

#[test]
fn health_is_0_for_a_fresh_session_from_a_built_in_template_and_a_lost_worktree_is_no_ok_issue_19() {
    let env = TestEnv::lived_in();
    let repo = env.project("projects/fresh");
    env.git(&repo, &["init", "-q", "-b", "main"]);
    env.git(&repo, &["commit", "-q", "--allow-empty", "-m", "first"]);
    // Claude and the editor as long-running programs (their arguments commented out), under bash,
    // which runs a single command in place (dash forks, and every pane would look like a shell).
    let stand_in = "sleep 600 #";
    fs::create_dir_all(env.path("config/cdev")).unwrap();
    fs::write(env.path("config/cdev/config.toml"), format!("claude_command = {stand_in:?}\n")).unwrap();
    let mut new = env.command(CDEV);
    new.args(["-L", &env.socket, "new", "--no-attach"])
        .arg(&repo)
        .env("EDITOR", stand_in)
        .env("SHELL", "/bin/bash");
    let session = env.run(new).ok().trim().to_string();
    // The git window's `git status` has run and exited, as the template means it to.
    let git_pane = env
        .panes(&session, "#{pane_id} #{@cdev_role}")
        .into_iter()
        .find_map(|l| l.strip_suffix(" git").map(str::to_string))
        .unwrap();
    wait_for("the git pane's git status", || {
        env.tmux(&["capture-pane", "-p", "-t", &git_pane]).ok().contains("On branch")
    });
    wait_for("the shell after it", || {
        env.tmux(&["display-message", "-p", "-t", &git_pane, "#{pane_current_command}"]).ok().trim() == "bash"
    });
    let (code, text) = plain_health(&env, &session);
    assert_eq!(code, Some(0), "{text}");
    assert!(!text.contains("warn"), "{text}");

    // A worktree deleted behind git's back: missing, never "0 uncommitted changes".
    env.cdev(&["worktree", "add", "feat", "--session", &session]).ok();
    fs::remove_dir_all(repo.join(".worktrees/feat")).unwrap();
    let (code, text) = plain_health(&env, &session);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("warn worktree feat: missing"), "{text}");
    assert!(!text.contains("worktree feat: 0 uncommitted changes"), "{text}");
}

#[test]
fn a_shell_window_added_by_hand_is_healthy_before_and_after_a_restore() {
    let env = TestEnv::lived_in();
    let project = env.project("projects/plain");
    fs::create_dir_all(env.path("config/cdev")).unwrap();
    fs::write(env.path("config/cdev/config.toml"), "claude_command = \"sleep 600 #\"\n").unwrap();
    let bash = |mut cmd: std::process::Command| {
        cmd.env("EDITOR", "sleep 600 #").env("SHELL", "/bin/bash");
        env.run(cmd).ok()
    };
    let mut new = env.command(CDEV);
    new.args(["-L", &env.socket, "new", "--no-attach"]).arg(&project);
    let session = bash(new).trim().to_string();
    let window = env
        .tmux(&[
            "new-window",
            "-d",
            "-P",
            "-F",
            "#{window_index}",
            "-t",
            &format!("={session}:"),
            "-n",
            "extra",
        ])
        .ok();
    let extra = format!("pane {}.", window.trim());
    let exited = |text: &str| text.lines().any(|l| l.contains(&extra) && l.contains("exited"));
    let (_, text) = plain_health(&env, &session);
    assert!(!exited(&text), "{text}");
    env.cdev(&["kill", &session]).ok();
    let mut restore = env.command(CDEV);
    restore.args(["-L", &env.socket, "restore", &session]);
    bash(restore);
    assert!(env.panes(&session, "#{window_name}").contains(&"extra".to_string()));
    let (_, text) = plain_health(&env, &session);
    assert!(!exited(&text), "a shell that was a shell is no command that exited: {text}");
}

#[test]
fn a_waiting_agent_can_ring_or_tell_the_attached_clients() {
    let env = TestEnv::new();
    env.start_session("n", &env.home());
    let (tmux, pane) = tmux_env(&env, "n");
    let _client = env.attach_control_client("n");
    env.tmux(&["set-option", "-g", "@cdev-notify", "message"]).ok();
    hook(&env, &tmux, &pane, &event("PermissionRequest", "")).ok();
    wait_for("the message", || env.tmux(&["show-messages"]).ok().contains("cdev: an agent waits in n:0.0"));
    // Only when it starts waiting, not on every event while it waits.
    let count = || env.tmux(&["show-messages"]).ok().matches("an agent waits").count();
    let before = count();
    hook(&env, &tmux, &pane, &event("Notification", r#","notification_type":"permission_prompt""#)).ok();
    assert_eq!(count(), before);
}
