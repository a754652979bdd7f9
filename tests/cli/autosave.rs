//! cdev's own autosave: with no manual save and no tmux-continuum, a crash loses nothing.

use std::fs;
use std::path::Path;
use std::process::Command;

use cdev::snapshot::files::Store;

use crate::support::{files_under, wait_for, TestEnv, CDEV};

fn load_plugin(env: &TestEnv) {
    env.tmux(&["set-option", "-g", "@cdev-bin", CDEV]).ok();
    let plugin = Path::new(env!("CARGO_MANIFEST_DIR")).join("cdev.tmux");
    // Run as tmux's run-shell runs it, but with its stderr kept: a hook tmux does not have is an
    // error there, which run-shell would not show.
    let server = env.tmux(&["display-message", "-p", "#{socket_path},#{pid},0"]).ok();
    let mut bash = env.command("bash");
    bash.arg(&plugin).env("TMUX", server.trim());
    let run = env.run(bash);
    assert_eq!(run.stderr(), "", "the plugin loads without a word (every hook it sets exists)");
    run.ok();
}

/// The pane count of the session's latest snapshot (0: none yet).
fn saved_panes(env: &TestEnv, session: &str) -> usize {
    Store::new(&env.path("state/cdev")).latest_good(session).map_or(0, |(_, s, _)| s.session.pane_count())
}

fn snapshot_files(env: &TestEnv, session: &str) -> usize {
    let dir = env.path("state/cdev/snapshots").join(session);
    files_under(&dir).iter().filter(|p| p.to_string_lossy().ends_with(".json.gz")).count()
}

/// `claude-dev-web` made by `cdev new` (five panes), once its own autosave is on disk.
fn web_session(env: &TestEnv) -> std::path::PathBuf {
    let web = env.project("projects/web");
    env.cdev(&["new", "--no-attach", &web.to_string_lossy()]).ok();
    wait_for("cdev new's own autosave", || saved_panes(env, "claude-dev-web") == 5);
    web
}

fn kill_9(env: &TestEnv) {
    let pid = env.tmux(&["display-message", "-p", "#{pid}"]).ok();
    Command::new("kill").args(["-9", pid.trim()]).status().unwrap();
    wait_for("the server to die", || !env.tmux(&["list-sessions"]).output.status.success());
    std::thread::sleep(std::time::Duration::from_millis(100));
}

#[test]
fn a_crash_before_any_save_loses_no_session_and_no_conversation_issue_16() {
    let (env, log) = TestEnv::lived_in_with_counting_claude();
    load_plugin(&env);
    let web = env.project("projects/web");
    let api = env.project("projects/api");
    env.cdev(&["new", "--no-attach", &web.to_string_lossy()]).ok();
    env.cdev(&["new", "--no-attach", &api.to_string_lossy()]).ok();
    // A change made with plain tmux: the plugin's hooks see it.
    env.tmux(&["split-window", "-d", "-t", "=claude-dev-api:", "-c", &api.to_string_lossy()]).ok();
    let ids = env.panes("claude-dev-web", "#{@cdev_claude_session}");
    let ids: Vec<&String> = ids.iter().filter(|id| !id.is_empty()).collect();
    // One agent's conversation changes (/clear) after the autosave: the journal has it.
    wait_for("the autosave of both sessions", || {
        saved_panes(&env, "claude-dev-web") == 5 && saved_panes(&env, "claude-dev-api") == 6
    });
    let cleared = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d";
    let payload = format!(
        r#"{{"hook_event_name":"SessionStart","source":"clear","session_id":"{cleared}","cwd":"{}"}}"#,
        web.display()
    );
    env.claude_hook("claude-dev-web", &payload).ok();
    wait_for("the Claude panes to start", || env.claude_starts(&log).len() == 4);
    // Conversations that were prompted have transcripts (a never-prompted one starts afresh).
    for id in ids.iter().map(|id| id.as_str()).chain([cleared]) {
        env.write_transcript(&web, id);
    }
    kill_9(&env);
    fs::remove_file(&log).unwrap();

    env.age_server();
    let restored = env.cdev(&["restore"]).ok();
    assert!(restored.contains("claude-dev-web: restored 5 panes"), "{restored}");
    assert!(restored.contains("claude-dev-api: restored 6 panes"), "{restored}");
    wait_for("the four agents to resume", || env.claude_starts(&log).len() == 4);
    let starts = env.claude_starts(&log).join("\n");
    assert!(starts.contains(&format!("--resume={cleared}")), "the journal's newer conversation: {starts}");
    let resumed = ids.iter().filter(|id| starts.contains(&format!("--resume={id}"))).count();
    assert_eq!(resumed, 1, "the other web agent resumes its own conversation: {starts}");
}

#[test]
fn autosaves_asked_for_at_once_make_one_save_and_print_nothing_issue_16() {
    let env = TestEnv::lived_in();
    web_session(&env);
    env.tmux(&["split-window", "-d", "-t", "=claude-dev-web:"]).ok();
    env.tmux(&["set-option", "-g", "@cdev_autosave_pending", "1"]).ok();
    let runs = env.cdev_in_parallel(5, &["save", "--auto"]);
    for run in &runs {
        assert_eq!(run.ok(), "", "run-shell would show anything printed");
        assert_eq!(run.stderr(), "");
    }
    // The saver that took the request may be `cdev new`'s own autosave, still running when the
    // five return (they leave the request to it): wait for its write, then count.
    wait_for("the save of six panes", || saved_panes(&env, "claude-dev-web") == 6);
    assert_eq!(snapshot_files(&env, "claude-dev-web"), 2, "one save for five requests");
    assert_eq!(snapshot_files(&env, "notes"), 0, "only cdev's sessions are autosaved");
    // Nothing changed: asking again writes nothing.
    env.tmux(&["set-option", "-g", "@cdev_autosave_pending", "1"]).ok();
    env.cdev(&["save", "--auto"]).ok();
    assert_eq!(snapshot_files(&env, "claude-dev-web"), 2);
}

#[test]
fn the_interval_timer_saves_what_changed_and_stops_when_turned_off_issue_16() {
    let env = TestEnv::lived_in();
    let web = env.project("projects/web");
    env.tmux(&["set-option", "-g", "@cdev-autosave-interval", "1s"]).ok();
    env.cdev(&["new", "--no-attach", &web.to_string_lossy()]).ok();
    wait_for("the timer to start", || !option(&env, "@cdev_autosave_timer").is_empty());
    let pane = env.panes("claude-dev-web", "#{pane_id}")[2].clone();
    env.tmux(&["send-keys", "-t", &pane, "echo interval-marker", "Enter"]).ok();
    wait_for("a tick to save the new contents", || {
        Store::new(&env.path("state/cdev")).latest_good("claude-dev-web").is_ok_and(|(_, s, _)| {
            s.session.windows.iter().flat_map(|w| &w.panes).any(|p| {
                p.contents
                    .as_deref()
                    .is_some_and(|c| c.contains("interval-marker\n") || c.contains("interval-marker\r"))
            })
        })
    });
    assert!(
        option(&env, "@cdev_autosave_last").contains("sessions written"),
        "{}",
        option(&env, "@cdev_autosave_last")
    );
    env.tmux(&["set-option", "-g", "@cdev-autosave-interval", "off"]).ok();
    wait_for("the timer to stop", || option(&env, "@cdev_autosave_timer").is_empty());
}

fn option(env: &TestEnv, name: &str) -> String {
    env.tmux(&["show-options", "-gqv", name]).ok().trim().to_string()
}

#[test]
fn doctor_says_what_autosave_does_and_what_a_crash_would_lose_issue_16() {
    let env = TestEnv::lived_in();
    env.start_session("claude-dev-unsaved", &env.home());
    let run = env.cdev(&["doctor"]);
    let out = run.stdout();
    assert!(out.contains("no snapshot yet of claude-dev-unsaved: a crash now would lose them"), "{out}");
    assert!(out.contains("cdev autosaves its sessions on the changes cdev makes"), "{out}");
    load_plugin(&env);
    wait_for("the plugin's first autosave", || saved_panes(&env, "claude-dev-unsaved") == 1);
    let out = env.cdev(&["doctor"]).stdout();
    assert!(
        out.contains(
            "cdev autosaves its sessions on every change to a session, window or pane, and every 5m"
        ),
        "{out}"
    );
    assert!(!out.contains("no snapshot yet"), "{out}");
    env.tmux(&["set-option", "-g", "@cdev-autosave", "off"]).ok();
    let out = env.cdev(&["doctor"]).stdout();
    assert!(out.contains("cdev's autosave is off"), "{out}");
}

#[test]
fn a_conversation_started_or_changed_is_autosaved_issue_16() {
    let env = TestEnv::lived_in();
    let web = web_session(&env);
    let cleared = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d";
    let payload = format!(
        r#"{{"hook_event_name":"SessionStart","source":"clear","session_id":"{cleared}","cwd":"{}"}}"#,
        web.display()
    );
    assert_eq!(env.claude_hook("claude-dev-web", &payload).ok(), "", "the hook handler prints nothing");
    wait_for("the new conversation in the latest snapshot", || {
        Store::new(&env.path("state/cdev")).latest_good("claude-dev-web").is_ok_and(|(_, s, _)| {
            let panes = s.session.windows.iter().flat_map(|w| &w.panes);
            panes.filter_map(|p| p.options.get("@cdev_claude_session")).any(|id| id == cleared)
        })
    });
}

#[test]
fn a_resurrect_restore_holds_autosaves_back_until_it_is_done_issue_16() {
    let env = TestEnv::lived_in();
    web_session(&env);
    env.cdev(&["resurrect", "pre-restore-all"]).ok();
    let before = snapshot_files(&env, "claude-dev-web");
    // Resurrect rebuilds a pane: the request waits.
    env.tmux(&["split-window", "-d", "-t", "=claude-dev-web:"]).ok();
    env.tmux(&["set-option", "-g", "@cdev_autosave_pending", "1"]).ok();
    env.cdev(&["save", "--auto"]).ok();
    assert_eq!(snapshot_files(&env, "claude-dev-web"), before, "nothing saved mid-restore");
    assert_eq!(option(&env, "@cdev_autosave_pending"), "1", "the request is kept");
    env.cdev(&["resurrect", "post-restore-all"]).ok();
    wait_for("the held-back save", || saved_panes(&env, "claude-dev-web") == 6);
}

#[test]
fn a_session_closed_on_purpose_stays_closed_after_a_crash_and_a_lost_server_comes_back_issue_16() {
    let env = TestEnv::lived_in();
    load_plugin(&env);
    let (web, api) = (env.project("projects/web"), env.project("projects/api"));
    env.cdev(&["new", "--no-attach", &web.to_string_lossy()]).ok();
    env.cdev(&["new", "--no-attach", &api.to_string_lossy()]).ok();
    wait_for("both autosaved", || {
        saved_panes(&env, "claude-dev-web") == 5 && saved_panes(&env, "claude-dev-api") == 5
    });
    env.tmux(&["kill-session", "-t", "=claude-dev-api:"]).ok();
    let closed = env.path("state/cdev/snapshots/claude-dev-api/closed");
    wait_for("the session-closed hook to mark it", || closed.exists());
    kill_9(&env);

    env.age_server();
    let run = env.cdev(&["restore"]);
    assert!(run.ok().contains("claude-dev-web: restored 5 panes"), "{}", run.stdout());
    assert!(!run.stdout().contains("claude-dev-api"), "{}", run.stdout());
    assert!(run.stderr().contains("not restored, closed on purpose: claude-dev-api"), "{}", run.stderr());
    assert!(env.cdev(&["restore", "claude-dev-api"]).ok().contains("restored 5 panes"));
    wait_for("its save to reopen it", || !closed.exists());

    // The whole server killed (as at a shutdown): its sessions were lost, not closed.
    load_plugin(&env);
    env.kill_server();
    env.age_server();
    let run = env.cdev(&["restore"]);
    assert!(run.ok().contains("claude-dev-web: restored"), "{}", run.stderr());
    assert!(run.stdout().contains("claude-dev-api: restored"), "{}", run.stderr());
}

#[test]
fn with_autosave_off_a_crash_before_any_save_says_how_to_resume_each_conversation_issue_16() {
    let env = TestEnv::lived_in();
    env.tmux(&["set-option", "-g", "@cdev-autosave", "off"]).ok();
    let web = env.project("projects/web");
    env.cdev(&["new", "--no-attach", &web.to_string_lossy()]).ok();
    let id = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d";
    let payload = format!(
        r#"{{"hook_event_name":"SessionStart","source":"startup","session_id":"{id}","cwd":"{}"}}"#,
        web.display()
    );
    env.claude_hook("claude-dev-web", &payload).ok();
    kill_9(&env);
    env.age_server();
    let run = env.cdev(&["restore"]);
    assert_eq!(run.ok().trim(), "nothing to restore");
    let hint = format!("claude-dev-web: cd {} && claude --resume {id}", web.display());
    assert!(run.stderr().contains(&hint), "{}", run.stderr());
}

#[test]
fn a_saver_started_while_another_saves_leaves_at_once_and_its_request_is_kept_issue_16() {
    let env = TestEnv::lived_in();
    web_session(&env);
    // Another saver holds the lock (this test, standing in for it), from before the change: a
    // saver the split's own hook starts leaves at once too, and none saves meanwhile. (Taken
    // after the split, a saver the hook started first could save and clear the request.)
    let lock = fs::File::options().write(true).open(autosave_lock(&env)).unwrap();
    lock.lock().unwrap();
    env.tmux(&["split-window", "-d", "-t", "=claude-dev-web:"]).ok();
    env.tmux(&["set-option", "-g", "@cdev_autosave_pending", "1"]).ok();
    let mut cmd = env.command(CDEV);
    cmd.args(["-L", &env.socket, "save", "--auto"]);
    let mut saver = cmd.spawn().unwrap();
    wait_for("the second saver to leave without waiting", || saver.try_wait().unwrap().is_some());
    assert_eq!(option(&env, "@cdev_autosave_pending"), "1", "the request waits for the holder");
    assert_eq!(saved_panes(&env, "claude-dev-web"), 5);
    drop(lock);
    env.cdev(&["save", "--auto"]).ok();
    assert_eq!(saved_panes(&env, "claude-dev-web"), 6);
}

/// The autosave lock of the test's server (one per server: `autosave-<socket path>.lock`).
fn autosave_lock(env: &TestEnv) -> std::path::PathBuf {
    let locks = env.path("state/cdev/locks");
    let mut found: Vec<_> = fs::read_dir(&locks)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("autosave-"))
        .collect();
    assert_eq!(found.len(), 1, "one server, one autosave lock: {found:?}");
    found.remove(0)
}

/// A saver serves only its own server's requests: with one lock for every server, a second
/// server's request was dropped while the first one saved, and no timer was armed there.
#[test]
fn a_second_server_of_the_same_user_autosaves_while_the_first_one_does() {
    let env = TestEnv::lived_in();
    web_session(&env);
    // A second server of the same user (same HOME, another socket).
    let other = format!("{}-other", env.socket);
    let on_other = |program: &str, args: &[&str]| {
        let mut cmd = env.command(program);
        cmd.arg("-L").arg(&other).args(args);
        env.run(cmd)
    };
    on_other("tmux", &["-f", "/dev/null", "new-session", "-d", "-s", "claude-dev-api"]).ok();
    let lock = fs::File::options().write(true).open(autosave_lock(&env)).unwrap();
    lock.lock().unwrap();
    on_other("tmux", &["set-option", "-g", "@cdev_autosave_pending", "1"]).ok();
    on_other(CDEV, &["save", "--auto"]).ok();
    let pending = on_other("tmux", &["show-options", "-gqv", "@cdev_autosave_pending"]).ok();
    on_other("tmux", &["kill-server"]);
    assert_eq!(pending.trim(), "", "served although the first server's saver holds its own lock");
    assert!(env.path("state/cdev/snapshots/claude-dev-api/latest").exists());
}
