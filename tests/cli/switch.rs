//! `cdev projects` and `cdev switch`: discovery on real trees, switching and creating by name, and
//! the picker driven through a real terminal (a tmux pane) with a real client attached.

use std::fs;
use std::os::unix::ffi::OsStrExt;

use crate::support::{json, wait_for, TestEnv, CDEV};

/// A projects dir with repos, marked dirs, things never to enter, and hostile names.
fn project_tree(env: &TestEnv) {
    let alpha = env.project("projects/alpha");
    env.git(&alpha, &["init", "-q"]);
    fs::write(env.project("projects/group/sub").join("package.json"), "{}").unwrap();
    fs::write(env.project("projects/web").join("Cargo.toml"), "").unwrap();
    fs::write(env.project("projects/web/node_modules/dep").join("package.json"), "{}").unwrap();
    fs::create_dir_all(env.project("projects/.hidden/.git")).unwrap();
    fs::create_dir_all(env.project("projects/new\nline/.git")).unwrap();
    let bad = env.home().join("projects").join(std::ffi::OsStr::from_bytes(b"bad-\xff"));
    fs::create_dir_all(bad.join(".git")).unwrap();
    std::os::unix::fs::symlink(env.home().join("projects"), env.project("projects/group/loop").join("up"))
        .unwrap();
    let many = env.project("projects/many");
    for i in 0..10_000 {
        fs::create_dir(many.join(format!("d{i}"))).unwrap();
    }
}

#[test]
fn projects_are_found_pruned_and_hostile_names_skipped() {
    let env = TestEnv::new();
    project_tree(&env);
    let missing = env.home().join("nowhere");
    fs::create_dir_all(env.path("config/cdev")).unwrap();
    fs::write(
        env.path("config/cdev/config.toml"),
        format!("projects_dirs = [\"~/projects\", {:?}]\n", missing.display().to_string()),
    )
    .unwrap();
    let mut cmd = env.command(CDEV);
    cmd.args(["-L", &env.socket, "projects", "--json"]).env("CDEV_LOG", env.path("cdev.log"));
    let found = json(&env.run(cmd).ok());
    let names: Vec<&str> = found.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["alpha", "sub", "web"]);
    assert_eq!(found[0]["git"], true);
    assert_eq!(found[1]["path"], env.home().join("projects/group/sub").to_string_lossy().as_ref());
    let log = fs::read_to_string(env.path("cdev.log")).unwrap();
    assert!(log.contains("not UTF-8") && log.contains("control characters"), "{log}");
    assert!(log.contains("nowhere"), "{log}");
    assert!(env.path("cache/cdev/projects.json").is_file(), "the picker's cache is written");
    let table = env.cdev(&["projects"]).ok();
    assert!(table.contains("sub\t~/projects/group/sub"), "{table}");
}

#[test]
fn switch_by_name_goes_to_or_makes_the_session() {
    let env = TestEnv::new();
    project_tree(&env);
    fs::write(env.project("projects/x/dup").join("go.mod"), "").unwrap();
    fs::write(env.project("projects/y/dup").join("go.mod"), "").unwrap();
    env.start_session("main", &env.home());

    // No terminal: the session is made (cdev new semantics) and its name printed.
    assert_eq!(env.cdev(&["switch", "alpha"]).ok().trim_end(), "claude-dev-alpha");
    let root = env.tmux(&["show-options", "-qv", "-t", "=claude-dev-alpha:", "@cdev_project_root"]).ok();
    assert_eq!(root.trim_end(), env.home().join("projects/alpha").to_string_lossy());
    // Again, by project, by session name and by path: the same session, no second one.
    assert_eq!(env.cdev(&["switch", "alpha"]).ok().trim_end(), "claude-dev-alpha");
    assert_eq!(env.cdev(&["switch", "claude-dev-alpha"]).ok().trim_end(), "claude-dev-alpha");
    assert_eq!(env.cdev(&["switch", "~/projects/alpha"]).ok().trim_end(), "claude-dev-alpha");
    assert_eq!(env.cdev(&["switch", "~/projects/group/sub"]).ok().trim_end(), "claude-dev-sub");
    assert_eq!(env.session_names(), ["claude-dev-alpha", "claude-dev-sub", "main"]);

    let typo = env.cdev(&["switch", "alpah"]).fails_with(1);
    assert!(
        typo.contains("cdev: could not switch to alpah: no session or project by that name; did you mean")
    );
    assert!(typo.contains("alpha"), "{typo}");
    let several = env.cdev(&["switch", "dup"]).fails_with(1);
    assert!(
        several.contains("several projects have that name (~/projects/x/dup, ~/projects/y/dup)"),
        "{several}"
    );
    let injected = env.path("pwned");
    for hostile in [format!("$(touch {})", injected.display()), "a;b".into(), "-".into(), "x\ny".into()] {
        let err = env.cdev(&["switch", "--", &hostile]).fails_with(1);
        assert!(err.starts_with("cdev: could not switch to"), "{err}");
    }
    assert!(!injected.exists());
    assert_eq!(env.session_names().len(), 3, "nothing half-made");

    // No name and no terminal: the plain list of sessions, most recently active first.
    let listed = env.cdev(&["switch"]).ok();
    assert_eq!(listed.lines().count(), 3, "{listed}");
}

/// The pane running the picker, and what it shows.
fn screen(env: &TestEnv, pane: &str) -> String {
    env.tmux(&["capture-pane", "-p", "-t", pane]).ok()
}

/// Opens the picker in a new window of `main` (where the terminal client looks).
fn open_picker(env: &TestEnv) -> String {
    let command = format!("{} switch; echo EXIT=$?; sleep 600", shell_words::quote(CDEV));
    let pane =
        env.tmux(&["new-window", "-P", "-F", "#{pane_id}", "-t", "=main:", &command]).ok().trim().to_string();
    wait_for("the picker to draw", || screen(env, &pane).contains("cdev>"));
    pane
}

fn keys(env: &TestEnv, pane: &str, keys: &[&str]) {
    let mut args = vec!["send-keys", "-t", pane];
    args.extend_from_slice(keys);
    env.tmux(&args).ok();
}

/// Types `query` into the picker and waits until the line under the cursor holds `selected`.
fn query(env: &TestEnv, pane: &str, query: &str, selected: &str) {
    keys(env, pane, &["-l", query]);
    wait_for(&format!("{selected} under the cursor"), || {
        screen(env, pane).lines().any(|l| l.starts_with('>') && l.contains(selected))
    });
}

/// Picks session `name` in the picker, presses ctrl-r and answers the prompt with `new_name`.
fn rename_in_picker(env: &TestEnv, pane: &str, name: &str, new_name: &str) {
    query(env, pane, name, &format!("● {name}"));
    keys(env, pane, &["C-r"]);
    wait_for("the rename prompt", || screen(env, pane).contains(&format!("New name for {name}:")));
    keys(env, pane, &["-l", new_name]);
    keys(env, pane, &["Enter"]);
}

fn client_session(env: &TestEnv) -> String {
    env.tmux(&["list-clients", "-F", "#{client_session}"]).ok().trim().to_string()
}

#[test]
fn the_picker_switches_renames_kills_and_makes_sessions() {
    let env = TestEnv::new();
    project_tree(&env);
    env.start_session("main", &env.home());
    env.start_session("work", &env.home());
    env.tmux(&["set-option", "-p", "-t", "=work:0.0", "@cdev_agent_state", "waiting"]).ok();
    env.cdev(&["switch", "alpha"]).ok();
    let _client = env.attach_terminal_client("main");

    let pane = open_picker(&env);
    wait_for("the projects", || screen(&env, &pane).contains("sub  ~/projects/group/sub"));
    let shown = screen(&env, &pane);
    let line_of = |text: &str| shown.lines().position(|l| l.contains(text)).unwrap_or(usize::MAX);
    assert!(line_of("● work ⏳1") < line_of("● main"), "the picker's own session last:\n{shown}");
    assert!(line_of("● main (attached)") < line_of("sub  ~/"), "sessions before projects:\n{shown}");
    assert!(!shown.contains("alpha  ~/projects/alpha"), "a project with a session is listed once:\n{shown}");

    // A name tmux would read as a format (`#(…)` runs, `#{…}` is filled in) is refused.
    rename_in_picker(&env, &pane, "work", "x#(touch${IFS}PWNED)#{session_id}");
    wait_for("the refusal", || screen(&env, &pane).contains("is not a name tmux keeps as it is"));
    keys(&env, &pane, &["Enter"]);
    wait_for("the picker again", || screen(&env, &pane).contains("cdev>"));
    assert!(env.session_names().contains(&"work".to_string()), "{:?}", env.session_names());
    assert!(!env.home().join("PWNED").exists() && !std::path::Path::new("/PWNED").exists());

    // Rename: ctrl-r, a new name, and the picker is back with it.
    keys(&env, &pane, &["C-u"]);
    rename_in_picker(&env, &pane, "work", "renamed");
    wait_for("the renamed session", || screen(&env, &pane).contains("● renamed ⏳1"));
    assert!(env.session_names().contains(&"renamed".to_string()));

    // Kill: asks, saves, kills, says how to restore.
    query(&env, &pane, "renamed", "● renamed");
    keys(&env, &pane, &["C-x"]);
    wait_for("the kill question", || screen(&env, &pane).contains("Kill renamed? It is saved first"));
    keys(&env, &pane, &["y", "Enter"]);
    wait_for("the kill", || screen(&env, &pane).contains("cdev restore renamed"));
    assert!(!env.session_names().contains(&"renamed".to_string()));
    assert!(env.path("state/cdev/snapshots/renamed/latest").exists(), "saved before it was killed");
    keys(&env, &pane, &["Enter"]);
    wait_for("the picker again", || screen(&env, &pane).contains("cdev>"));

    // Enter on a project: its session is made and the client goes there.
    query(&env, &pane, "group/sub", "sub  ~/projects/group/sub");
    keys(&env, &pane, &["Enter"]);
    wait_for("the client to switch", || client_session(&env) == "claude-dev-sub");
    wait_for("the picker to end", || screen(&env, &pane).contains("EXIT=0"));

    // A session killed while the picker is open: a plain message, not a trace.
    env.tmux(&["switch-client", "-t", "=main"]).ok();
    env.start_session("doomed", &env.home());
    let pane = open_picker(&env);
    query(&env, &pane, "doomed", "● doomed");
    env.tmux(&["kill-session", "-t", "=doomed"]).ok();
    keys(&env, &pane, &["Enter"]);
    wait_for("the message", || {
        screen(&env, &pane).contains("cdev: could not switch to doomed: it no longer exists")
    });
    // The shell's echo follows cdev's message: waited for, not raced.
    wait_for("the exit status", || screen(&env, &pane).contains("EXIT=1"));

    // Esc leaves quietly with 130.
    let pane = open_picker(&env);
    keys(&env, &pane, &["Escape"]);
    wait_for("the exit status", || screen(&env, &pane).contains("EXIT=130"));
    assert!(!screen(&env, &pane).contains("cdev: cancelled"), "{}", screen(&env, &pane));
    assert_eq!(client_session(&env), "main");
}

/// Issue 22, part 3: sessions saved but not running are in the picker, with their age and
/// agents; Enter restores just that one and goes there, ctrl-x forgets one after asking.
#[test]
fn saved_sessions_are_in_the_picker_restored_one_at_a_time_issue_22() {
    let env = TestEnv::lived_in();
    env.start_session("main", &env.home());
    let old = env.project("projects/old");
    for name in ["claude-dev-old", "claude-dev-gone"] {
        env.start_session(name, &old);
        env.tmux(&["split-window", "-d", "-t", &format!("={name}:"), "-c", &old.to_string_lossy()]).ok();
    }
    let agent = env.panes("claude-dev-old", "#{pane_id}")[0].clone();
    env.tmux(&[
        "set-option",
        "-p",
        "-t",
        &agent,
        "@cdev_claude_session",
        "0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d",
    ])
    .ok();
    env.cdev(&["kill", "claude-dev-old"]).ok();
    env.cdev(&["kill", "claude-dev-gone"]).ok();
    // A live session's agents show what they cost (from Claude Code's statusLine).
    env.tmux(&["set-option", "-p", "-t", "=main:", "@cdev_cost", "1.2345"]).ok();
    // One with no statusLine of cdev's: estimated from its transcript (issue 22).
    let tally = r#"{"v":1,"transcript":"/t.jsonl","offset":9,"tokens":{"input":1,"output":2,"cache_creation":0,"cache_read":0},"usd":0.5,"context":3,"model":"claude-opus-5-5"}"#;
    env.tmux(&["set-option", "-p", "-t", "=notes:", "@cdev_transcript_usage", tally]).ok();
    let _client = env.attach_terminal_client("main");

    let pane = open_picker(&env);
    wait_for("both saved sessions", || {
        let shown = screen(&env, &pane);
        shown.contains("◌ claude-dev-gone  (saved") && shown.contains("◌ claude-dev-old  (saved")
    });
    let shown = screen(&env, &pane);
    assert!(
        shown.lines().any(|l| l.contains("◌ claude-dev-old") && l.contains("ago, 1 agent(s))")),
        "{shown}"
    );
    let line_of = |text: &str| shown.lines().position(|l| l.contains(text)).unwrap_or(usize::MAX);
    assert!(line_of("● notes") < line_of("◌ claude-dev-old"), "live sessions first:\n{shown}");
    assert!(shown.contains("● main $1.23 (attached)"), "{shown}");
    assert!(shown.contains("● notes ~$0.50"), "{shown}");

    // ctrl-x on a saved one: asked, then forgotten; the picker comes back without it.
    query(&env, &pane, "dev-gone", "◌ claude-dev-gone");
    keys(&env, &pane, &["C-x"]);
    wait_for("the question", || screen(&env, &pane).contains("Forget the saved session claude-dev-gone?"));
    keys(&env, &pane, &["y", "Enter"]);
    wait_for("the picker again", || screen(&env, &pane).contains("◌ claude-dev-old"));
    assert!(!screen(&env, &pane).contains("claude-dev-gone"));
    assert!(!env.path("state/cdev/snapshots/claude-dev-gone").exists());

    // Enter on a saved one: only that session comes back, and the client goes there.
    query(&env, &pane, "dev-old", "◌ claude-dev-old");
    keys(&env, &pane, &["Enter"]);
    wait_for("the client in the restored session", || client_session(&env) == "claude-dev-old");
    assert_eq!(env.panes("claude-dev-old", "#{pane_id}").len(), 2);
    assert!(!env.session_names().contains(&"claude-dev-gone".to_string()));
}
