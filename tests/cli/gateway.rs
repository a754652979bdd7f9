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
fn a_session_renamed_to_a_hostile_name_takes_it_exactly_and_runs_nothing() {
    let env = TestEnv::new();
    env.start_session("s", &env.home());
    let pwned = env.path("PWNED");
    let hostile = format!("#(touch {})#{{session_id}}", pwned.display());
    env.tmux(&tmux_args(&cdev::tmux::verbs::rename_session("s", &hostile))).ok();
    assert_eq!(env.session_names(), [hostile.as_str()], "the name as given, no format filled in");
    // The way back (restore's temporary name to the real one) takes the same verb.
    env.tmux(&tmux_args(&cdev::tmux::verbs::rename_session(&hostile, "s"))).ok();
    assert_eq!(env.session_names(), ["s"]);
    assert!(!pwned.exists(), "#(…) in a new name ran");
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
        "cdev: could not list sessions: tmux 3.1c is too old: cdev needs tmux 3.2 or newer"
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

/// cdev speaks tmux's client protocol on the socket instead of starting a tmux process for each
/// call: whatever a call prints, fails with or is refused with, it must be what the program gives,
/// and no call may upset the server (tmux aborts on a message of the wrong size).
#[test]
fn calls_on_the_socket_answer_exactly_as_the_tmux_program_does() {
    use cdev::tmux::{Server, Tmux};
    let env = TestEnv::lived_in();
    env.start_session("big", &env.home());
    // More output than one protocol message holds (16 KiB), and names that need care.
    env.tmux(&[
        "send-keys",
        "-t",
        "=big:",
        "seq -f 'line %g of a long enough listing' 1 3000; printf '\\033[1mbold\\t€\\n'",
        "Enter",
    ])
    .ok();
    // Until the pane is still: the prompt after the output drawn, nothing moving between the calls.
    let screen = || env.tmux(&["capture-pane", "-p", "-t", "=big:"]).ok();
    crate::support::wait_for("the output, then the prompt", || {
        let before = screen();
        std::thread::sleep(std::time::Duration::from_millis(100));
        before.contains("bold") && screen() == before
    });
    env.tmux(&["new-session", "-d", "-s", "odd;name $(x)", "-c", "/"]).ok();
    let socket = env.path("tmux").join(format!("tmux-{}", cdev::paths::current_uid())).join(&env.socket);
    let handle = || Tmux::new(Server::Socket(socket.clone()), env.path("cache/tmux-version")).unwrap();
    let chains: Vec<Vec<TmuxCommand>> = vec![
        vec![TmuxCommand::new("list-panes")
            .flag("-a")
            .value("-F", "#{session_name}|#{pane_id}|#{pane_current_path}")],
        vec![TmuxCommand::new("capture-pane").flag("-p").flag("-e").value("-S", "-").value("-t", "=big:")],
        vec![TmuxCommand::new("display-message").flag("-p").value("-t", "=nosuch:").arg("x")],
        vec![
            TmuxCommand::new("display-message").flag("-p").arg("first"),
            TmuxCommand::new("set-option").value("-t", "=nosuch:").arg("@x").arg("1"),
            TmuxCommand::new("display-message").flag("-p").arg("never"),
        ],
        vec![TmuxCommand::new("no-such-command")],
        vec![TmuxCommand::new("show-options").flag("-g")],
        vec![TmuxCommand::new("has-session").value("-t", "=odd;name $(x)")],
    ];
    for chain in &chains {
        let direct = handle().run_chain_bytes(chain);
        let program = handle().through_program().run_chain_bytes(chain);
        let shown = |r: &anyhow::Result<Vec<u8>>| match r {
            Ok(out) => format!("ok {} bytes: {}", out.len(), String::from_utf8_lossy(out)),
            Err(err) => format!("error: {err:#}"),
        };
        let (direct, program) = (shown(&direct), shown(&program));
        if direct != program {
            // Where they part, not two walls of text.
            let at = direct.bytes().zip(program.bytes()).take_while(|(a, b)| a == b).count();
            let around =
                |s: &str| s.get(at.saturating_sub(80)..(at + 80).min(s.len())).unwrap_or(s).to_string();
            panic!(
                "{:?}: the socket and the program differ at byte {at} (lengths {} and {}):\nsocket:  {:?}\nprogram: {:?}",
                chain[0].args(),
                direct.len(),
                program.len(),
                around(&direct),
                around(&program)
            );
        }
    }
    let capture = handle().run_chain_bytes(&chains[1]).unwrap();
    assert!(capture.len() > 16 * 1024, "the capture spans several messages: {} bytes", capture.len());
    // The server is still there, every session with it.
    assert_eq!(env.session_names(), ["big", "notes", "odd;name $(x)"]);
    // A call on the socket starts no tmux process.
    let direct = handle();
    direct.run_chain_bytes(&chains[0]).unwrap();
    assert_eq!((direct.calls(), direct.spawned()), (1, 0));
}

/// tmux refuses a socket directory others may enter (someone could have put their own server
/// there, to be sent the environment, API keys and all): so does the call on the socket, for `-L`
/// as for the default socket, and says it in tmux's words.
#[test]
fn a_socket_directory_others_may_enter_is_refused_as_tmux_refuses_it() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    env.start_session("s", &env.home());
    let dir = env.path("tmux").join(format!("tmux-{}", cdev::paths::current_uid()));
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
    for client in ["socket", "program"] {
        let mut cmd = env.command(CDEV);
        cmd.args(["-L", &env.socket, "list"]).env("CDEV_TMUX_CLIENT", client);
        let err = env.run(cmd).fails_with(1);
        assert!(err.contains("has unsafe permissions"), "{client}: {err}");
    }
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    assert!(env.cdev(&["list"]).ok().contains(" s "));
}
