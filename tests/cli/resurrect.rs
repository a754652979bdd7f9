//! cdev as tmux-resurrect's hooks, driven exactly as resurrect's `execute_hook` calls them
//! (`eval "$hook $args"`, the arguments quoted with `%q`, from a run-shell job), with paths that
//! hold spaces and quotes: the sidecar, the empty-save guard, and the restore.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::support::{wait_for, TestEnv, CDEV};

const CLAUDE_ID: &str = "0f3c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6";

/// resurrect's execute_hook, as a script run by tmux (so the hook sees the server's environment).
fn run_hook(env: &TestEnv, kind: &str, file: Option<&Path>) {
    let script = env.path("execute-hook.sh");
    fs::write(
        &script,
        "#!/usr/bin/env bash\nkind=$1; shift\nargs=''\nhook=$(tmux show-option -gqv \"@resurrect-hook-$kind\")\n\
         if [ \"$#\" -gt 0 ]; then printf -v args '%q ' \"$@\"; fi\nif [ -n \"$hook\" ]; then eval \"$hook $args\"; fi\n",
    )
    .unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let mut command = vec![shell_words::quote(&script.to_string_lossy()).into_owned(), kind.to_string()];
    if let Some(file) = file {
        command.push(shell_words::quote(&file.to_string_lossy()).into_owned());
    }
    env.tmux(&["run-shell", &command.join(" ")]).ok();
}

/// A resurrect state file with a `pane` line for each of `panes` (session, window, pane).
fn state_file(dir: &Path, stamp: &str, panes: &[(&str, u32, u32)]) -> PathBuf {
    let path = dir.join(format!("tmux_resurrect_{stamp}.txt"));
    let mut text = String::new();
    for (session, window, pane) in panes {
        text.push_str(&format!("pane\t{session}\t{window}\t1\t:*\t{pane}\ttitle\t:/tmp\t1\tbash\t:\n"));
    }
    fs::write(&path, text).unwrap();
    path
}

fn load_plugin(env: &TestEnv) {
    env.tmux(&["set-option", "-g", "@cdev-bin", CDEV]).ok();
    let plugin = Path::new(env!("CARGO_MANIFEST_DIR")).join("cdev.tmux");
    env.tmux(&["run-shell", &shell_words::quote(&plugin.to_string_lossy())]).ok();
}

#[test]
fn resurrect_saves_get_a_sidecar_and_an_empty_one_never_becomes_last() {
    let env = TestEnv::new();
    let dir = env.path("res dir 'q\"");
    fs::create_dir_all(&dir).unwrap();
    env.start_session("claude-dev-app", &env.home());
    env.tmux(&["split-window", "-d", "-t", "=claude-dev-app:"]).ok();
    env.tmux(&["set-environment", "-t", "=claude-dev-app", "API_KEY", "s3cret value"]).ok();
    env.tmux(&["set-option", "-t", "=claude-dev-app:", "@cdev_project_root", "/p/app dir"]).ok();
    env.tmux(&["set-option", "-p", "-t", "=claude-dev-app:0.0", "@cdev_claude_session", CLAUDE_ID]).ok();
    env.write_transcript(&env.home(), CLAUDE_ID);
    env.tmux(&["set-option", "-g", "@resurrect-dir", &dir.to_string_lossy()]).ok();
    // The user's own hook stays, and gets resurrect's argument too.
    let user_log = env.path("user hook.log");
    let user_hook = format!("printf 'user %s\\n' >> {}", shell_words::quote(&user_log.to_string_lossy()));
    env.tmux(&["set-option", "-g", "@resurrect-hook-post-save-layout", &user_hook]).ok();
    load_plugin(&env);
    load_plugin(&env); // loading twice wraps nothing twice

    let good = state_file(&dir, "20261124T010000", &[("claude-dev-app", 0, 0), ("claude-dev-app", 0, 1)]);
    run_hook(&env, "post-save-layout", Some(&good));
    std::os::unix::fs::symlink(good.file_name().unwrap(), dir.join("last")).unwrap();
    run_hook(&env, "post-save-all", None);
    assert_eq!(fs::read_to_string(&user_log).unwrap(), format!("user {}\n", good.display()));
    let sidecar = dir.join("tmux_resurrect_20261124T010000.cdev.json");
    let text = fs::read_to_string(&sidecar).unwrap();
    assert!(
        text.contains("s3cret value") && text.contains(CLAUDE_ID) && text.contains("/p/app dir"),
        "{text}"
    );
    assert_eq!(fs::metadata(&sidecar).unwrap().permissions().mode() & 0o777, 0o600);

    // Continuum saving an empty server: resurrect points `last` at it; cdev points it back.
    let empty = state_file(&dir, "20261124T020000", &[]);
    run_hook(&env, "post-save-layout", Some(&empty));
    fs::remove_file(dir.join("last")).unwrap();
    std::os::unix::fs::symlink(empty.file_name().unwrap(), dir.join("last")).unwrap();
    run_hook(&env, "post-save-all", None);
    assert_eq!(fs::read_link(dir.join("last")).unwrap(), Path::new("tmux_resurrect_20261124T010000.txt"));
    let log = fs::read_to_string(env.path("state/cdev/resurrect.log")).unwrap();
    assert!(log.contains("last points back at tmux_resurrect_20261124T010000.txt"), "{log}");

    // resurrect deletes old saves; their sidecars go with them at the next save.
    fs::remove_file(&empty).unwrap();
    run_hook(&env, "post-save-all", None);
    assert!(!dir.join("tmux_resurrect_20261124T020000.cdev.json").exists());
    assert!(sidecar.exists());
}

#[test]
fn after_a_resurrect_restore_env_options_and_conversations_come_back() {
    let env = TestEnv::lived_in();
    let dir = env.path("res dir");
    fs::create_dir_all(&dir).unwrap();
    env.start_session("claude-dev-app", &env.home());
    env.tmux(&["split-window", "-d", "-t", "=claude-dev-app:", "sleep 600"]).ok();
    env.tmux(&["set-environment", "-t", "=claude-dev-app", "API_KEY", "s3cret"]).ok();
    env.tmux(&["set-option", "-t", "=claude-dev-app:", "@cdev_project_root", "/p/app"]).ok();
    env.tmux(&["set-option", "-p", "-t", "=claude-dev-app:1.1", "@cdev_claude_session", CLAUDE_ID]).ok();
    env.write_transcript(&env.home(), CLAUDE_ID);
    let other_id = "11111111-2222-4333-8444-555555555555";
    env.tmux(&["set-option", "-p", "-t", "=claude-dev-app:1.2", "@cdev_claude_session", other_id]).ok();
    env.tmux(&["set-option", "-g", "@resurrect-dir", &dir.to_string_lossy()]).ok();
    load_plugin(&env);
    let file = state_file(&dir, "20261124T010000", &[("claude-dev-app", 1, 1), ("claude-dev-app", 1, 2)]);
    run_hook(&env, "post-save-layout", Some(&file));
    std::os::unix::fs::symlink(file.file_name().unwrap(), dir.join("last")).unwrap();

    // A reboot: a new server, where resurrect made the session again (no env, no options), the
    // first pane a shell and the second running another program.
    env.kill_server();
    env.age_server();
    env.start_session("claude-dev-app", &env.home());
    env.tmux(&["split-window", "-d", "-t", "=claude-dev-app:", "sleep 600"]).ok();
    env.tmux(&["set-option", "-g", "@resurrect-dir", &dir.to_string_lossy()]).ok();
    load_plugin(&env);
    run_hook(&env, "pre-restore-all", None);
    run_hook(&env, "post-restore-all", None);

    let show_env = env.tmux(&["show-environment", "-t", "=claude-dev-app", "API_KEY"]).ok();
    assert_eq!(show_env.trim(), "API_KEY=s3cret");
    let root = env.tmux(&["show-options", "-qv", "-t", "=claude-dev-app:", "@cdev_project_root"]).ok();
    assert_eq!(root.trim(), "/p/app");
    let first = || env.tmux(&["capture-pane", "-p", "-t", "=claude-dev-app:1.1"]).ok();
    wait_for("the exact conversation resumed", || first().contains(&format!("--resume={CLAUDE_ID}")));
    assert!(!first().contains("--continue"));
    let second = env.tmux(&["capture-pane", "-p", "-t", "=claude-dev-app:1.2"]).ok();
    assert!(!second.contains("--resume"), "a pane running another program is left alone: {second}");
    assert!(env.path("state/cdev/snapshots/claude-dev-app/latest").exists(), "pre-restore saved first");

    // A corrupt sidecar: resurrect's restore goes on, cdev says why in its log.
    fs::write(dir.join("tmux_resurrect_20261124T010000.cdev.json"), "{not json").unwrap();
    run_hook(&env, "post-restore-all", None);
    let log = fs::read_to_string(env.path("state/cdev/resurrect.log")).unwrap();
    assert!(log.contains("post-restore-all: could not read"), "{log}");
}

#[test]
fn a_conversation_switched_after_the_resurrect_save_is_the_one_resumed() {
    let env = TestEnv::lived_in();
    let dir = env.path("res");
    fs::create_dir_all(&dir).unwrap();
    env.start_session("claude-dev-app", &env.home());
    env.tmux(&["set-option", "-p", "-t", "=claude-dev-app:1.1", "@cdev_claude_session", CLAUDE_ID]).ok();
    env.write_transcript(&env.home(), CLAUDE_ID);
    env.tmux(&["set-option", "-g", "@resurrect-dir", &dir.to_string_lossy()]).ok();
    load_plugin(&env);
    let file = state_file(&dir, "20261124T020000", &[("claude-dev-app", 1, 1)]);
    run_hook(&env, "post-save-layout", Some(&file));
    std::os::unix::fs::symlink(file.file_name().unwrap(), dir.join("last")).unwrap();
    // /clear after the save: a new conversation only the hook (and its journal) knows.
    let new_id = "22222222-3333-4444-8555-666666666666";
    env.write_transcript(&env.home(), new_id);
    let payload = format!(
        r#"{{"hook_event_name":"SessionStart","source":"clear","session_id":"{new_id}","cwd":"{}"}}"#,
        env.home().display()
    );
    env.claude_hook("claude-dev-app", &payload).ok();

    env.kill_server();
    env.age_server();
    env.start_session("claude-dev-app", &env.home());
    env.tmux(&["set-option", "-g", "@resurrect-dir", &dir.to_string_lossy()]).ok();
    load_plugin(&env);
    run_hook(&env, "post-restore-all", None);
    let screen = || env.tmux(&["capture-pane", "-p", "-t", "=claude-dev-app:1.1"]).ok();
    wait_for("the newer conversation resumed", || screen().contains(&format!("--resume={new_id}")));
    assert!(!screen().contains(CLAUDE_ID), "{}", screen());
}

#[test]
fn doctor_finds_a_theme_that_turned_continuum_off_and_says_how_to_fix_it() {
    let env = TestEnv::new();
    let doctor = |code: i32| {
        let run = env.cdev(&["doctor"]);
        assert_eq!(run.code(), Some(code), "{}{}", run.stdout(), run.stderr());
        run.stdout()
    };
    env.start_session("main", &env.home());
    let fresh = doctor(3);
    assert!(fresh.contains("the cdev plugin is not loaded in this server"), "{fresh}");

    // resurrect and continuum as TPM loads them, then a theme that rewrites status-right.
    env.tmux(&["bind-key", "C-s", "run-shell", "/plugins/tmux-resurrect/scripts/save.sh"]).ok();
    env.tmux(&["set-option", "-g", "status-right", "#{cdev_agents} %H:%M"]).ok();
    load_plugin(&env);
    // cdev's recommended settings alone are not continuum: no word about its autosave yet.
    assert!(!doctor(3).contains("tmux-continuum"));
    fs::create_dir_all(env.home().join(".tmux/plugins/tmux-continuum")).unwrap();
    env.tmux(&["set-option", "-g", "status-right", "theme %H:%M"]).ok();
    let out = doctor(3);
    assert!(out.contains("tmux-resurrect: cdev's hooks registered"), "{out}");
    assert!(out.contains("tmux-continuum does not autosave: its job is missing from status-right"), "{out}");
    assert!(out.contains("fix: a theme overwrote status-right"), "{out}");
    assert!(out.contains("no agent segment in the status line"), "{out}");
    env.tmux(&["set-option", "-g", "@resurrect-dir", "~/my saves"]).ok();
    assert!(doctor(3).contains("@resurrect-dir \"~/my saves\" holds a space"));
    env.tmux(&["set-option", "-gu", "@resurrect-dir"]).ok();
    // The recommended settings, where the user set none.
    let capture = env.tmux(&["show-options", "-gv", "@resurrect-capture-pane-contents"]).ok();
    assert_eq!(capture.trim(), "on");
    assert_eq!(env.tmux(&["show-options", "-gv", "@continuum-save-interval"]).ok().trim(), "15");

    env.tmux(&[
        "set-option",
        "-g",
        "status-right",
        "#(/plugins/tmux-continuum/scripts/continuum_save.sh)#{@cdev_agent_state}",
    ])
    .ok();
    fs::create_dir_all(env.home().join("projects")).unwrap();
    fs::create_dir_all(env.path("state/cdev")).unwrap();
    fs::write(env.path("state/cdev/claude-hooks.json"), "\"cdev claude hook\"").unwrap();
    let out = doctor(0);
    assert!(out.contains("tmux-continuum autosaves"), "{out}");
}

/// The same round trip through a real tmux-resurrect checkout, when `CDEV_TEST_RESURRECT_DIR`
/// names one (never committed here; `git clone https://github.com/tmux-plugins/tmux-resurrect`).
#[test]
fn with_a_real_tmux_resurrect_a_save_and_restore_bring_the_conversation_back() {
    let Some(resurrect) = std::env::var_os("CDEV_TEST_RESURRECT_DIR").map(PathBuf::from) else {
        eprintln!("SKIPPED: set CDEV_TEST_RESURRECT_DIR to a tmux-resurrect checkout to run this test");
        return;
    };
    let env = TestEnv::lived_in();
    // No space here: resurrect's restore.sh reads `$(last_resurrect_file)` unquoted.
    let dir = env.path("resurrect-state");
    let load = |env: &TestEnv| {
        env.tmux(&["set-option", "-g", "@resurrect-dir", &dir.to_string_lossy()]).ok();
        env.tmux(&["run-shell", &shell_words::quote(&resurrect.join("resurrect.tmux").to_string_lossy())])
            .ok();
        load_plugin(env);
    };
    env.start_session("claude-dev-app", &env.home());
    env.tmux(&["set-environment", "-t", "=claude-dev-app", "API_KEY", "s3cret"]).ok();
    env.tmux(&["set-option", "-p", "-t", "=claude-dev-app:1.1", "@cdev_claude_session", CLAUDE_ID]).ok();
    env.write_transcript(&env.home(), CLAUDE_ID);
    load(&env);
    let save = resurrect.join("scripts/save.sh");
    env.tmux(&["run-shell", &format!("{} quiet", shell_words::quote(&save.to_string_lossy()))]).ok();
    let last = fs::canonicalize(dir.join("last")).unwrap();
    assert!(last.with_extension("cdev.json").is_file(), "the sidecar beside {}", last.display());

    env.kill_server();
    env.start_session("scratch", &env.home());
    load(&env);
    let restore = resurrect.join("scripts/restore.sh");
    env.tmux(&["run-shell", &shell_words::quote(&restore.to_string_lossy())]).ok();
    wait_for("resurrect's session", || env.session_names().contains(&"claude-dev-app".to_string()));
    let show_env = env.tmux(&["show-environment", "-t", "=claude-dev-app", "API_KEY"]).ok();
    assert_eq!(show_env.trim(), "API_KEY=s3cret");
    wait_for("the conversation resumed", || {
        env.tmux(&["capture-pane", "-p", "-t", "=claude-dev-app:1.1"])
            .ok()
            .contains(&format!("--resume={CLAUDE_ID}"))
    });
}

/// Issue 16, defect 3: continuum's first save after a reboot holds the fresh server's one pane;
/// it matched the live server, so it became `last` and the ten saved panes were lost for good.
#[test]
fn the_first_saves_after_a_reboot_never_replace_the_last_full_one_issue_16() {
    // A fresh server is exactly what a reboot starts.
    let env = TestEnv::new();
    let dir = env.path("resurrect");
    fs::create_dir_all(&dir).unwrap();
    let ten: Vec<(&str, u32, u32)> = (0..10).map(|i| ("claude-dev-app", i / 2, i % 2)).collect();
    let good = state_file(&dir, "20261124T010000", &ten);
    let touched = std::process::Command::new("touch").args(["-d", "1 hour ago"]).arg(&good).status();
    assert!(touched.unwrap().success());
    std::os::unix::fs::symlink(good.file_name().unwrap(), dir.join("last")).unwrap();
    env.start_session("claude-dev-app", &env.home());
    env.tmux(&["set-option", "-g", "@resurrect-dir", &dir.to_string_lossy()]).ok();
    load_plugin(&env);
    // What resurrect's save does: the layout hook, `last` moved to the new file, the final hook.
    let resurrect_save = |stamp: &str, panes: &[(&str, u32, u32)]| {
        let file = state_file(&dir, stamp, panes);
        run_hook(&env, "post-save-layout", Some(&file));
        fs::remove_file(dir.join("last")).unwrap();
        std::os::unix::fs::symlink(file.file_name().unwrap(), dir.join("last")).unwrap();
        run_hook(&env, "post-save-all", None);
        fs::read_link(dir.join("last")).unwrap()
    };
    let one = [("claude-dev-app", 0, 0)];
    assert_eq!(resurrect_save("20261125T010000", &one), Path::new("tmux_resurrect_20261124T010000.txt"));
    // The next autosave, still before any restore: the full save again, not the first small one.
    assert_eq!(resurrect_save("20261125T011500", &one), Path::new("tmux_resurrect_20261124T010000.txt"));
    let log = fs::read_to_string(env.path("state/cdev/resurrect.log")).unwrap();
    assert!(log.contains("this server started after that save"), "{log}");

    // On the server that wrote the previous save, fewer panes are the user's doing: they stay.
    for _ in 0..9 {
        env.tmux(&["split-window", "-t", "=claude-dev-app:", "-l", "1"]).ok();
        env.tmux(&["select-layout", "-t", "=claude-dev-app:", "tiled"]).ok();
    }
    assert_eq!(resurrect_save("20261125T020000", &ten), Path::new("tmux_resurrect_20261125T020000.txt"));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let two = [("claude-dev-app", 0, 0), ("claude-dev-app", 0, 1)];
    for _ in 0..8 {
        env.tmux(&["kill-pane", "-t", "=claude-dev-app:.1"]).ok();
    }
    assert_eq!(resurrect_save("20261125T030000", &two), Path::new("tmux_resurrect_20261125T030000.txt"));
}

#[test]
fn a_claude_pane_never_prompted_starts_a_new_conversation_after_resurrect_issue_16() {
    let env = TestEnv::lived_in();
    let dir = env.path("res");
    fs::create_dir_all(&dir).unwrap();
    env.start_session("claude-dev-app", &env.home());
    let place = env.panes("claude-dev-app", "#{window_index} #{pane_index}")[0].clone();
    let (window, pane) = place.split_once(' ').unwrap();
    let (window, pane): (u32, u32) = (window.parse().unwrap(), pane.parse().unwrap());
    let target = format!("=claude-dev-app:{window}.{pane}");
    env.tmux(&["set-option", "-p", "-t", &target, "@cdev_claude_session", CLAUDE_ID]).ok();
    env.tmux(&["set-option", "-g", "@resurrect-dir", &dir.to_string_lossy()]).ok();
    load_plugin(&env);
    let file = state_file(&dir, "20261124T030000", &[("claude-dev-app", window, pane)]);
    run_hook(&env, "post-save-layout", Some(&file));
    std::os::unix::fs::symlink(file.file_name().unwrap(), dir.join("last")).unwrap();

    env.kill_server();
    env.age_server();
    env.start_session("claude-dev-app", &env.home());
    env.tmux(&["set-option", "-g", "@resurrect-dir", &dir.to_string_lossy()]).ok();
    load_plugin(&env);
    run_hook(&env, "post-restore-all", None);
    let screen = || env.tmux(&["capture-pane", "-p", "-J", "-t", &target]).ok();
    wait_for("a new conversation started", || screen().contains("--session-id="));
    assert!(!screen().contains("--resume"), "{}", screen());
    let recorded = env.tmux(&["show-options", "-pqv", "-t", &target, "@cdev_claude_session"]).ok();
    assert_ne!(recorded.trim(), CLAUDE_ID);
    assert!(screen().contains(recorded.trim()), "{}", screen());
}

#[test]
fn a_layout_in_a_resurrect_save_that_crashes_tmux_is_tiled_before_resurrect_reads_it_issue_18() {
    let env = TestEnv::lived_in();
    let dir = env.path("res");
    fs::create_dir_all(&dir).unwrap();
    env.start_session("claude-dev-app", &env.home());
    env.tmux(&["set-option", "-g", "@resurrect-dir", &dir.to_string_lossy()]).ok();
    load_plugin(&env);
    let crashing = "9ab8,65535x2,65535,1[65535x80,80,65535,6,3x2,3,3{80x0,80,200[80x200,3,40[200x2,0,200,5,3x3,1,80,6],3x40,1,200,5]}]";
    let good = "d67e,80x24,0,0{40x24,0,0,0,39x24,41,0[39x12,41,0,1,39x11,41,13,2]}";
    let file = state_file(
        &dir,
        "20261124T040000",
        &[("evil", 1, 1), ("fine", 1, 1), ("fine", 1, 2), ("fine", 1, 3)],
    );
    let mut text = fs::read_to_string(&file).unwrap();
    text.push_str(&format!(
        "window\tevil\t1\t:w\t1\t:*\t{crashing}\t:\nwindow\tfine\t1\t:w\t1\t:*\t{good}\t:\n"
    ));
    fs::write(&file, &text).unwrap();
    std::os::unix::fs::symlink(file.file_name().unwrap(), dir.join("last")).unwrap();
    run_hook(&env, "pre-restore-all", None);
    let after = fs::read_to_string(&file).unwrap();
    let layout_of = |session: &str| {
        after
            .lines()
            .find(|l| l.starts_with(&format!("window\t{session}\t")))
            .unwrap()
            .split('\t')
            .nth(6)
            .unwrap()
            .to_string()
    };
    assert_eq!(layout_of("evil"), "tiled");
    assert_eq!(layout_of("fine"), good, "a layout tmux can take is kept");
    let log = fs::read_to_string(env.path("state/cdev/resurrect.log")).unwrap();
    assert!(log.contains("evil window 1: its layout is not one tmux can take"), "{log}");
    // What resurrect then runs for that window leaves the server up.
    env.tmux(&["select-layout", "-t", "=claude-dev-app:", &layout_of("evil")]).ok();
    assert!(env.tmux(&["has-session", "-t", "=notes"]).output.status.success());
}
