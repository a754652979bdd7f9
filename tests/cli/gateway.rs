//! The tmux gateway and naming against a real tmux: names and paths arrive exactly, nothing in them
//! runs, and an unusable tmux gives a clear error.

use std::fs;

use cdev::naming::{session_name, DEFAULT_PREFIX};
use cdev::tmux::TmuxCommand;

use crate::support::{json, which, TestEnv, CDEV};

fn tmux_args(command: &TmuxCommand) -> Vec<&str> {
    command.args().iter().map(String::as_str).collect()
}

#[test]
fn hostile_project_names_become_sessions_tmux_finds_by_their_exact_name() {
    let env = TestEnv::new();
    let projects = [
        "$(touch PWNED)",
        "`touch PWNED`",
        "; rm -rf x",
        "ends;",
        "ends\\;",
        "-leading-dash",
        "quote's \"and\" more",
        "line\nbreak",
        "tab\tand\u{7f}del",
        "#(touch PWNED)#{session_name}",
        "my.app:v2",
        "日本語-プロジェクト",
        "%1",
        "$0",
        "=exact",
        "@2",
        "odd\u{378}\u{ffff}\u{10ffff}🚀e\u{301}",
    ];
    let names: Vec<String> = projects.iter().map(|p| session_name(DEFAULT_PREFIX, p)).collect();
    let bare: Vec<String> = projects.iter().map(|p| session_name("", p)).collect();
    for name in names.iter().chain(&bare) {
        let create = TmuxCommand::new("new-session").flag("-d").literal("-s", name).literal("-c", "/");
        env.tmux(&tmux_args(&create)).ok();
        let find = TmuxCommand::new("has-session").value("-t", &format!("={name}"));
        env.tmux(&tmux_args(&find)).ok();
    }
    let listed = json(&env.cdev(&["list", "--json"]).ok());
    let mut listed: Vec<String> =
        listed.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_string()).collect();
    let mut expected: Vec<String> = names.iter().chain(&bare).cloned().collect();
    listed.sort();
    expected.sort();
    expected.dedup();
    assert_eq!(listed, expected);
    assert!(!env.home().join("PWNED").exists() && !std::path::Path::new("/PWNED").exists());
}

#[test]
fn values_ending_in_a_semicolon_do_not_split_the_command() {
    let env = TestEnv::new();
    env.start_session("s", &env.home());
    let set = TmuxCommand::new("set-option").value("-t", "s").arg("@cdev_note").arg("kill-server;");
    env.tmux(&tmux_args(&set)).ok();
    let shown = env.tmux(&["show-options", "-v", "-t", "s", "@cdev_note"]).ok();
    assert_eq!(shown.trim_end(), "kill-server;");
    env.tmux(&["has-session", "-t", "s"]).ok();
}

#[test]
fn a_tmux_older_than_3_2_is_refused_with_a_clear_message() {
    let mut env = TestEnv::new();
    let real = which("tmux");
    env.install_wrapper(
        "tmux",
        &format!(
            "#!/bin/sh\n[ \"$1\" = -V ] && {{ echo 'tmux 3.1c'; exit 0; }}\nexec '{}' \"$@\"\n",
            real.display()
        ),
    );
    env.start_session("s", &env.home());
    let stderr = env.cdev(&["list"]).fails_with(1);
    assert_eq!(
        stderr.trim_end(),
        "cdev: could not list sessions: tmux 3.1 is too old: cdev needs tmux 3.2 or newer"
    );
}

#[test]
fn missing_tmux_is_named() {
    let env = TestEnv::new();
    let empty = env.path("empty-bin");
    fs::create_dir_all(&empty).unwrap();
    let mut cmd = env.command(CDEV);
    cmd.args(["list"]).env("PATH", &empty);
    let run = env.run(cmd);
    assert_eq!(run.fails_with(1).trim_end(), "cdev: could not find tmux, is it installed?");
}

#[test]
fn a_call_dropped_by_a_server_on_its_way_out_is_made_again() {
    // The race (a server exiting as a client connects) cannot be timed from a test; a tmux that
    // drops the first new-session the way a dying server does stands in for it.
    let mut env = TestEnv::new();
    let dropped = env.path("dropped-once");
    let script = format!(
        "#!/bin/sh\ncase \" $* \" in *\" new-session \"*)\n  if [ ! -e '{marker}' ]; then : > '{marker}'; echo 'server exited unexpectedly' >&2; exit 1; fi;;\nesac\nexec '{real}' \"$@\"\n",
        marker = dropped.display(),
        real = which("tmux").display()
    );
    env.install_wrapper("tmux", &script);
    let dir = env.project("app");
    let name = env.cdev(&["new", "--no-attach", &dir.to_string_lossy()]).ok();
    assert!(dropped.exists(), "the first new-session was not dropped: the test did not test anything");
    assert_eq!(env.session_names(), [name.trim()]);
}
