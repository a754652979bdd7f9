//! `cdev kill` and `cdev cleanup`: nothing is killed before its snapshot is written.

use std::fs;

use crate::support::{json, tmux_calls, wait_for, TestEnv, CDEV};

#[test]
fn kill_saves_first_and_the_session_comes_back() {
    let env = TestEnv::new();
    env.start_session("claude-dev-a", &env.home());
    env.start_session("keep", &env.home());
    env.tmux(&["send-keys", "-t", "=claude-dev-a:", "echo work-to-keep", "Enter"]).ok();
    wait_for("output", || {
        env.tmux(&["capture-pane", "-p", "-t", "=claude-dev-a:"]).ok().contains("work-to-keep\n")
    });
    let out = env.cdev(&["kill", "claude-dev-a"]).ok();
    assert!(
        out.contains("claude-dev-a: 1 pane saved to") && out.contains("cdev restore claude-dev-a"),
        "{out}"
    );
    assert_eq!(env.session_names(), ["keep"]);
    env.cdev(&["restore", "claude-dev-a"]).ok();
    wait_for("the contents back", || {
        env.tmux(&["capture-pane", "-p", "-t", "=claude-dev-a:"]).ok().contains("work-to-keep")
    });
    let err = env.cdev(&["kill", "nope"]).fails_with(1);
    assert!(err.contains("could not kill nope: no such session"), "{err}");
}

#[test]
fn the_restore_command_kill_prints_brings_back_a_plain_tmux_session_with_a_space() {
    let env = TestEnv::lived_in();
    env.start_session("legacy stuff", &env.home());
    env.tmux(&["send-keys", "-t", "=legacy stuff:", "echo kept-by-name", "Enter"]).ok();
    wait_for("output", || {
        env.tmux(&["capture-pane", "-p", "-t", "=legacy stuff:"]).ok().contains("kept-by-name\n")
    });
    let out = env.cdev(&["kill", "legacy stuff"]).ok();
    assert!(out.contains("legacy stuff: 1 pane saved to"), "{out}");
    let hint = out.lines().find_map(|l| l.split_once("bring it back with: ")).map(|(_, c)| c.to_string());
    let hint = hint.unwrap_or_else(|| panic!("no restore command in {out}"));
    // Run it as the user would, word by word.
    let words = shell_words::split(&hint).unwrap();
    assert_eq!(words[..2], ["cdev", "restore"], "{hint}");
    let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    env.cdev(&args).ok();
    assert!(env.session_names().contains(&"legacy stuff".to_string()), "{:?}", env.session_names());
    wait_for("the contents back", || {
        env.tmux(&["capture-pane", "-p", "-t", "=legacy stuff:"]).ok().contains("kept-by-name")
    });
}

#[test]
fn a_session_that_is_not_there_is_named_once_by_every_command() {
    let env = TestEnv::lived_in();
    let cases: [(&[&str], &str); 6] = [
        (&["git-status", "nosuch"], "cdev: could not run git status: nosuch: no such session"),
        (&["save", "nosuch"], "cdev: could not save nosuch: no such session"),
        (&["export", "nosuch"], "cdev: could not export nosuch: no such session"),
        (
            &["worktree", "list", "--session", "nosuch"],
            "cdev: could not list worktrees: nosuch: no such session",
        ),
        (&["env", "show", "nosuch"], "cdev: could not show env: nosuch: no such session"),
        (&["kill", "nosuch"], "cdev: could not kill nosuch: no such session"),
    ];
    for (args, said) in cases {
        let err = env.cdev(args).fails_with(1);
        assert_eq!(err.trim_end(), said, "{args:?}");
    }
}

#[test]
fn a_session_whose_snapshot_cannot_be_written_is_not_killed() {
    let env = TestEnv::new();
    env.start_session("claude-dev-b", &env.home());
    fs::create_dir_all(env.path("state/cdev")).unwrap();
    fs::write(env.path("state/cdev/snapshots"), "not a directory").unwrap();
    let err = env.cdev(&["kill", "claude-dev-b"]).fails_with(1);
    assert!(err.contains("nothing was killed"), "{err}");
    assert_eq!(env.session_names(), ["claude-dev-b"]);
    let err = env.cdev(&["cleanup", "--older-than", "0s", "--yes"]).fails_with(1);
    assert!(err.contains("nothing was killed"), "{err}");
    assert_eq!(env.session_names(), ["claude-dev-b"]);
}

#[test]
fn kill_all_needs_a_confirmation_and_takes_only_cdevs_sessions() {
    let env = TestEnv::new();
    env.start_session("claude-dev-x", &env.home());
    env.start_session("claude-dev-y", &env.home());
    env.start_session("mine", &env.home());
    let err = env.cdev(&["kill", "--all"]).fails_with(1);
    assert!(err.contains("not confirmed (type \"kill 2\", or use --yes)"), "{err}");
    assert_eq!(env.session_names().len(), 3);
    env.cdev(&["kill", "--all", "--yes"]).ok();
    assert_eq!(env.session_names(), ["mine"]);
}

#[test]
fn cleanup_spares_attached_sessions_and_busy_agents() {
    let env = TestEnv::new();
    for name in ["claude-dev-old", "claude-dev-watched", "claude-dev-busy", "other"] {
        env.start_session(name, &env.home());
    }
    let _client = env.attach_control_client("claude-dev-watched");
    env.tmux(&["set-option", "-p", "-t", "=claude-dev-busy:0.0", "@cdev_agent_state", "waiting"]).ok();

    let plan = env.cdev(&["cleanup", "--older-than", "0s", "--dry-run"]).ok();
    assert!(plan.contains("would kill claude-dev-old"), "{plan}");
    assert!(plan.contains("keeping claude-dev-watched") && plan.contains("attached"), "{plan}");
    assert!(
        plan.contains("keeping claude-dev-busy") && plan.contains("an agent is working or waiting"),
        "{plan}"
    );
    assert!(!plan.contains("other"), "not cdev's: {plan}");
    assert_eq!(env.session_names().len(), 4, "a dry run kills nothing");

    let err = env.cdev(&["cleanup", "--older-than", "0s"]).fails_with(1);
    assert!(err.contains("not confirmed"), "{err}");
    env.cdev(&["cleanup", "--older-than", "0s", "--yes"]).ok();
    let mut left = env.session_names();
    left.sort();
    assert_eq!(left, ["claude-dev-busy", "claude-dev-watched", "other"]);
    // Young sessions are left alone by the default 24 h rule.
    assert!(env.cdev(&["cleanup", "--yes"]).ok().is_empty());
    env.cdev(&["cleanup", "--idle-for", "0s", "--yes", "--force"]).ok();
    assert_eq!(env.session_names(), ["other"]);
}

#[test]
fn top_sums_each_panes_process_tree_per_session_from_one_tmux_call() {
    let mut env = TestEnv::new();
    env.start_session("idle", &env.home());
    // A busy child under the pane's shell: the tree, not only the pane's own process, is counted.
    env.tmux(&["new-session", "-d", "-s", "busy", "sh -c 'yes > /dev/null; sleep 600'"]).ok();
    env.tmux(&["split-window", "-t", "=busy:", "sleep 600"]).ok();
    let counter = env.count_tmux_calls();
    env.cdev(&["list"]).ok();
    fs::remove_file(&counter).unwrap();

    let rows = json(&env.cdev(&["top", "--json", "--interval", "400"]).ok());
    assert_eq!(tmux_calls(&counter).len(), 1, "{:?}", tmux_calls(&counter));
    let rows = rows.as_array().unwrap();
    assert_eq!(rows[0]["session"], "busy", "busiest first: {rows:?}");
    assert_eq!(rows[0]["panes"], 2);
    assert!(rows[0]["processes"].as_u64().unwrap() >= 4, "the shells, yes, and the split's sleep: {rows:?}");
    // A busy loop gets a good share of a core even on a loaded machine; a waiting shell none.
    let (busy, idle) = (rows[0]["cpu_percent"].as_f64().unwrap(), rows[1]["cpu_percent"].as_f64().unwrap());
    assert!(busy > 10.0 && busy > 5.0 * idle.max(0.5), "{rows:?}");
    assert!(rows.iter().all(|r| r["rss_kib"].as_u64().unwrap() > 0));
    let table = env.cdev(&["top", "--interval", "50"]).ok();
    assert!(table.starts_with("SESSION  PANES  PROCS   CPU%    MEMORY"), "{table}");
    let err = env.cdev(&["top", "--interval", "0"]).fails_with(2);
    assert!(err.contains("--interval"), "{err}");

    // health exits 3 here (busy is not a cdev session with a template): read its stdout anyway.
    let mut cmd = env.command(CDEV);
    cmd.args(["-L", &env.socket, "health", "busy", "--json"]);
    let health = json(&env.run(cmd).stdout());
    assert!(health[0]["cpu_percent"].as_f64().unwrap() > 10.0, "{health}");
}

#[test]
fn a_session_that_ends_while_cleanup_runs_is_skipped_and_the_rest_go_on() {
    let mut env = TestEnv::new();
    for name in ["claude-dev-a", "claude-dev-gone", "claude-dev-z"] {
        env.start_session(name, &env.home());
    }
    env.start_session("keep", &env.home());
    // The session ends just as its contents are being read.
    let real = crate::support::which("tmux");
    let script = format!(
        "#!/bin/sh\ncase \"$*\" in *capture-pane*) '{real}' -L '{socket}' kill-session -t =claude-dev-gone 2>/dev/null ;; esac\nexec '{real}' \"$@\"\n",
        real = real.display(),
        socket = env.socket
    );
    env.install_wrapper("tmux", &script);
    let out = env.cdev(&["cleanup", "--older-than", "0s", "--yes", "--force"]).ok();
    assert!(out.contains("claude-dev-a: killed") && out.contains("claude-dev-z: killed"), "{out}");
    assert_eq!(env.session_names(), ["keep"]);
    assert!(env.path("state/cdev/snapshots/claude-dev-a/latest").exists());
    assert!(env.path("state/cdev/snapshots/claude-dev-z/latest").exists());
}
