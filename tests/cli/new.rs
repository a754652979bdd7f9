//! `cdev new`: sessions from templates, on a real tmux, with real git worktrees.

use std::fs;
use std::path::Path;

use crate::support::{tmux_calls, wait_for, TestEnv, CDEV};

fn react_project(env: &TestEnv, name: &str) -> std::path::PathBuf {
    let dir = env.project(&format!("projects/{name}"));
    fs::write(dir.join("package.json"), r#"{"dependencies": {"react": "18.3.0"}}"#).unwrap();
    dir
}

#[test]
fn a_react_project_gets_the_seed_layout_from_two_tmux_processes() {
    let mut env = TestEnv::new();
    let dir = react_project(&env, "webapp");
    fs::write(
        dir.join(".env.claude"),
        "# settings\nexport API_URL=\"http://localhost:${PORT}/v1\"\nPORT_X=1\n",
    )
    .unwrap();
    env.start_session("other", &env.home());
    let counter = env.count_tmux_calls();
    env.cdev(&["list"]).ok(); // caches the tmux version: the first run ever asks `tmux -V` once
    fs::remove_file(&counter).unwrap();

    let out = env.cdev(&["new", "--no-attach", &dir.to_string_lossy()]).ok();
    assert_eq!(out.trim(), "claude-dev-webapp");
    assert_eq!(tmux_calls(&counter).len(), 2, "{:#?}", tmux_calls(&counter));

    let panes = env.panes(
        "claude-dev-webapp",
        "#{window_name}|#{pane_title}|#{pane_current_path}|#{window_active}#{pane_active}",
    );
    let root = dir.to_string_lossy();
    assert_eq!(
        panes,
        vec![
            format!("agents|claude-1|{root}|11"),
            format!("agents|claude-2|{root}|10"),
            format!("agents|editor|{root}|10"),
            format!("agents|dev|{root}|10"),
            format!("git|git|{root}|01"),
        ]
    );
    let commands = env.panes("claude-dev-webapp", "#{pane_start_command}|#{@cdev_claude_session}");
    let (claude, id) = commands[0].split_once('|').unwrap();
    assert_eq!(id.len(), 36, "a fresh session id is recorded: {commands:?}");
    let settings = env.path("state/cdev/claude-hooks.json");
    // The id and the path reach Claude as values the wrapper sets, joined to their flags.
    assert!(
        claude.contains(
            r#"claude --settings=\"\$CDEV_CLAUDE_SETTINGS\" --session-id=\"\$CDEV_CLAUDE_SESSION\""#
        ) && claude.ends_with(&format!(" {id} {}", settings.display())),
        "{claude}"
    );
    let hooks: serde_json::Value = serde_json::from_str(&fs::read_to_string(&settings).unwrap()).unwrap();
    assert_eq!(hooks["hooks"]["Stop"][0]["hooks"][0]["command"], format!("{CDEV} claude hook"));
    assert_ne!(commands[0], commands[1]);
    assert!(commands[2].contains("nvim src/") && commands[3].contains("npm run dev"), "{commands:?}");

    let show = |option: &str| env.tmux(&["show-options", "-v", "-t", "=claude-dev-webapp:", option]).ok();
    assert_eq!(show("@cdev_template").trim(), "react");
    assert_eq!(show("@cdev_project_root").trim(), root);
    let vars = env.cdev(&["env", "show", "claude-dev-webapp"]).ok();
    for expected in [
        "CLAUDE_PROJECT=webapp".to_string(),
        format!("PROJECT_ROOT={root}"),
        "API_URL=http://localhost:/v1".into(),
        "PORT_X=1".into(),
    ] {
        assert!(vars.lines().any(|l| l == expected), "{expected} missing from\n{vars}");
    }
}

#[test]
fn creation_costs_the_same_two_tmux_processes_for_a_dozen_panes() {
    let mut env = TestEnv::new();
    let dir = env.project("big");
    let panes = "[[windows.panes]]\ncommand = \"true\"\n".repeat(6);
    fs::write(
        dir.join(".cdev.toml"),
        format!("[[windows]]\nlayout = \"tiled\"\n{panes}[[windows]]\nlayout = \"even-vertical\"\n{panes}"),
    )
    .unwrap();
    env.start_session("other", &env.home());
    let counter = env.count_tmux_calls();
    env.cdev(&["list"]).ok();
    fs::remove_file(&counter).unwrap();
    env.cdev(&["new", "--no-attach", &dir.to_string_lossy()]).ok();
    assert_eq!(tmux_calls(&counter).len(), 2);
    assert_eq!(env.panes("claude-dev-big", "#{pane_id}").len(), 12);
}

#[test]
fn with_autosave_off_new_asks_for_no_save_issue_21() {
    let env = TestEnv::new();
    let dir = react_project(&env, "quiet");
    env.start_session("other", &env.home());
    env.tmux(&["set-option", "-g", "@cdev-autosave", "off"]).ok();
    env.cdev(&["new", "--no-attach", &dir.to_string_lossy()]).ok();
    // The request (a pending flag and a saver started by run-shell) is made in the creation's
    // own chain: nothing of it means no saver was started to read "off" and leave.
    let pending = env.tmux(&["show-options", "-gqv", "@cdev_autosave_pending"]).ok();
    assert_eq!(pending.trim(), "", "no save was asked for");
}

#[test]
fn commands_run_despite_a_slow_shell_and_a_missing_program_leaves_a_usable_shell() {
    let env = TestEnv::new();
    fs::write(env.home().join(".bashrc"), "sleep 1\nPS1='ready> '\n").unwrap();
    let dir = env.project("slow");
    fs::write(
        dir.join(".cdev.toml"),
        r#"[[windows]]
[[windows.panes]]
title = "marker"
command = "echo ran > marker-{{project}}"
[[windows.panes]]
title = "missing"
command = "no-such-program-cdev --flag"
focus = true
"#,
    )
    .unwrap();
    let mut cmd = env.command(CDEV);
    cmd.args(["-L", &env.socket, "new", "--no-attach"]).arg(&dir).env("SHELL", "/bin/bash");
    env.run(cmd).ok();

    wait_for("the command to run after the slow rc", || dir.join("marker-slow").exists());
    let missing = "=claude-dev-slow:0.1";
    wait_for("the missing program's error", || {
        env.tmux(&["capture-pane", "-p", "-t", missing])
            .ok()
            .contains("no-such-program-cdev: command not found")
    });
    // The pane is still a working shell.
    wait_for("a prompt", || env.tmux(&["capture-pane", "-p", "-t", missing]).ok().contains("ready>"));
    env.tmux(&["send-keys", "-t", missing, "case $- in *m*) echo jobs-$((40+2));; esac", "Enter"]).ok();
    wait_for("the shell to answer, with job control", || {
        env.tmux(&["capture-pane", "-p", "-t", missing]).ok().contains("jobs-42")
    });
}

#[test]
fn hostile_directory_names_are_used_exactly_and_never_run() {
    let env = TestEnv::new();
    let names = [
        "with space",
        "quote's \"double\"",
        "$(touch PWNED)",
        "; touch PWNED2",
        "`touch PWNED3`",
        "-leading-dash",
        "new\nline",
        "ünïcödé-日本",
        "#(touch PWNED4)",
        "semi;",
    ];
    for name in names {
        let dir = env.project(&format!("hostile/{name}"));
        fs::write(
            dir.join(".cdev.toml"),
            "[[windows]]\n[[windows.panes]]\ncommand = \"printf '%s|%s' {{project}} {{project_root}} > seen\"\n",
        )
        .unwrap();
        let session = env.cdev(&["new", "--no-attach", &dir.to_string_lossy()]).ok().trim_end().to_string();
        let root =
            env.tmux(&["show-options", "-v", "-t", &format!("={session}:"), "@cdev_project_root"]).ok();
        assert_eq!(root.strip_suffix('\n').unwrap(), dir.to_string_lossy(), "{name:?}");
        // tmux reads pane_current_path from the pane's foreground process, and prints nothing
        // while that process is changing (the pane's command just started or ended): ask again.
        let expected_cwd = format!("{}\n", dir.display());
        let mut cwd = String::new();
        wait_for("the pane's working directory", || {
            cwd = env
                .tmux(&["list-panes", "-s", "-t", &format!("={session}:"), "-F", "#{pane_current_path}"])
                .ok();
            cwd != "\n"
        });
        assert_eq!(cwd, expected_cwd, "{name:?}");
        wait_for("the pane's command", || dir.join("seen").exists());
        wait_for("the pane's output", || {
            fs::read_to_string(dir.join("seen")).unwrap() == format!("{name}|{}", dir.display())
        });
    }
    for entry in walk(env.dir.path()) {
        assert!(!entry.file_name().unwrap().to_string_lossy().starts_with("PWNED"), "{}", entry.display());
    }
    assert!(!Path::new("PWNED").exists());
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            found.extend(walk(&path));
        }
        found.push(path);
    }
    found
}

#[test]
fn bad_directories_and_templates_leave_nothing_behind() {
    let env = TestEnv::new();
    env.start_session("other", &env.home());
    let missing = env.home().join("nope");
    let err = env.cdev(&["new", "--no-attach", &missing.to_string_lossy()]).fails_with(1);
    assert!(
        err.starts_with(&format!(
            "cdev: could not create session for {}: the directory does not exist",
            missing.display()
        )),
        "{err}"
    );
    let file = env.home().join("file.txt");
    fs::write(&file, "x").unwrap();
    let err = env.cdev(&["new", "--no-attach", &file.to_string_lossy()]).fails_with(1);
    assert!(err.ends_with("not a directory\n"), "{err}");
    let dir = env.project("proj");
    let err = env.cdev(&["new", "--no-attach", "--template", "reakt", &dir.to_string_lossy()]).fails_with(1);
    assert!(
        err.contains("no template named \"reakt\" (known: generic, go, node, python, react, rust)"),
        "{err}"
    );
    fs::write(dir.join(".cdev.toml"), "[[windows]]\nlayout = \"sideways\"\n[[windows.panes]]\n").unwrap();
    let err = env.cdev(&["new", "--no-attach", &dir.to_string_lossy()]).fails_with(2);
    assert!(err.contains(".cdev.toml:2: key `windows[0].layout`: \"sideways\" is neither"), "{err}");
    assert_eq!(env.session_names(), vec!["other"]);
}

#[test]
fn an_existing_session_is_reused_and_namesakes_get_their_own() {
    let env = TestEnv::new();
    let a = env.project("work/app");
    let b = env.project("personal/app");
    let first = env.cdev(&["new", "--no-attach", &a.to_string_lossy()]).ok();
    let again = env.cdev(&["new", "--no-attach", &a.to_string_lossy()]);
    assert_eq!(again.ok(), first);
    assert!(again.stderr().contains("claude-dev-app exists"));
    env.tmux(&["set-option", "-g", "@cdev-max-sessions", "1"]).ok();
    let run = env.cdev(&["new", "--no-attach", &b.to_string_lossy()]);
    assert!(run.stderr().contains("2 cdev sessions will be open (max_sessions is 1)"), "{}", run.stderr());
    let other = run.ok();
    assert_ne!(other, first);
    assert!(other.starts_with("claude-dev-app-"), "{other}");
    assert_eq!(env.cdev(&["new", "--no-attach", &b.to_string_lossy()]).ok(), other, "stable across runs");
    assert_eq!(env.session_names().len(), 2);
}

#[test]
fn worktrees_are_made_reused_excluded_and_never_clobber() {
    let env = TestEnv::new();
    let repo = react_project(&env, "repo");
    env.git(&repo, &["init", "-q", "-b", "main"]);
    env.git(&repo, &["add", "-A"]);
    env.git(&repo, &["commit", "-qm", "init"]);

    let session =
        env.cdev(&["new", "--no-attach", "-w", "feat-x", "-w", "feat-y", &repo.to_string_lossy()]).ok();
    let session = session.trim();
    let cwds = env.panes(session, "#{@cdev_worktree} #{pane_current_path}");
    assert_eq!(cwds[0], format!("feat-x {}/.worktrees/feat-x", repo.display()));
    assert_eq!(cwds[1], format!("feat-y {}/.worktrees/feat-y", repo.display()));
    assert!(env.git(&repo, &["branch", "--list", "feat-x"]).contains("feat-x"));
    let exclude = fs::read_to_string(repo.join(".git/info/exclude")).unwrap();
    assert_eq!(exclude.matches("/.worktrees/").count(), 1);
    assert!(!repo.join(".gitignore").exists());
    assert_eq!(env.git(&repo, &["status", "--porcelain"]), "", "the worktrees do not show up as changes");

    // Again after the session is gone: the worktree (with its work) is reused, not recreated.
    fs::write(repo.join(".worktrees/feat-x/wip.txt"), "work in progress").unwrap();
    env.tmux(&["kill-session", "-t", &format!("={session}:")]).ok();
    env.cdev(&["new", "--no-attach", "-w", "feat-x", &repo.to_string_lossy()]).ok();
    assert_eq!(fs::read_to_string(repo.join(".worktrees/feat-x/wip.txt")).unwrap(), "work in progress");
    assert_eq!(fs::read_to_string(repo.join(".git/info/exclude")).unwrap(), exclude);

    // A directory in the way is refused, and no session is made.
    env.tmux(&["kill-session", "-t", &format!("={session}:")]).ok();
    fs::create_dir_all(repo.join(".worktrees/clash")).unwrap();
    fs::write(repo.join(".worktrees/clash/notes.txt"), "mine").unwrap();
    let err = env.cdev(&["new", "--no-attach", "-w", "clash", &repo.to_string_lossy()]).fails_with(1);
    assert!(err.contains("exists and is not a worktree of this repository; move it away first"), "{err}");
    assert_eq!(fs::read_to_string(repo.join(".worktrees/clash/notes.txt")).unwrap(), "mine");
    let err = env.cdev(&["new", "--no-attach", "-w", "bad..name", &repo.to_string_lossy()]).fails_with(1);
    assert!(err.contains("not a valid branch name"), "{err}");
    assert!(env.session_names().is_empty());

    // Outside a repository: said once, and the session is made without worktrees.
    let plain = env.project("plain");
    let run = env.cdev(&["new", "--no-attach", "-w", "a", "-w", "b", &plain.to_string_lossy()]);
    run.ok();
    assert_eq!(run.stderr().matches("is not a git repository: no worktrees made").count(), 1);
}

#[test]
fn inside_tmux_the_client_is_switched_to_the_new_session() {
    let env = TestEnv::new();
    env.start_session("here", &env.home());
    let _client = env.attach_control_client("here");
    let socket =
        env.tmux(&["display-message", "-p", "-t", "here", "#{socket_path},#{pid},#{session_id}"]).ok();
    let pane = env.tmux(&["display-message", "-p", "-t", "here", "#{pane_id}"]).ok();
    let dir = react_project(&env, "inside");
    let mut cmd = env.command(CDEV);
    cmd.args(["new"]).arg(&dir).env("TMUX", socket.trim()).env("TMUX_PANE", pane.trim());
    env.run(cmd).ok();
    wait_for("the client to switch", || {
        env.tmux(&["list-clients", "-F", "#{client_session}"]).ok().trim() == "claude-dev-inside"
    });
}

#[test]
fn env_load_rereads_env_claude_into_the_session() {
    let env = TestEnv::new();
    let dir = env.project("envy");
    fs::write(dir.join(".env.claude"), "A=1\n").unwrap();
    env.cdev(&["new", "--no-attach", &dir.to_string_lossy()]).ok();
    fs::write(dir.join(".env.claude"), "A=2\nB='two words'\nnot a line\n").unwrap();
    let run = env.cdev(&["env", "load", "claude-dev-envy"]);
    run.ok();
    assert!(run.stderr().contains(".env.claude:3: expected KEY=VALUE"), "{}", run.stderr());
    let vars = env.cdev(&["env", "show", "claude-dev-envy"]).ok();
    assert!(vars.lines().any(|l| l == "A=2") && vars.lines().any(|l| l == "B=two words"), "{vars}");
    let err = env.cdev(&["env", "load"]).fails_with(1);
    assert!(err.contains("no session given, and not running inside tmux"), "{err}");
}

#[test]
fn env_load_unsets_a_key_removed_from_env_claude_and_show_prints_only_the_environment_issue_19() {
    let env = TestEnv::lived_in();
    let dir = env.project("projects/tokens");
    fs::write(dir.join(".env.claude"), "API_TOKEN=secret\nKEEP=1\n").unwrap();
    env.cdev(&["new", "--no-attach", &dir.to_string_lossy()]).ok();
    let vars = env.cdev(&["env", "show", "claude-dev-tokens"]).ok();
    assert!(vars.lines().any(|l| l == "API_TOKEN=secret"), "{vars}");
    // tmux's marks for variables removed from the session (update-environment's DISPLAY, …)
    // are not environment.
    assert!(!vars.lines().any(|l| l.starts_with('-')), "{vars}");

    // The token is revoked: gone from the file, gone from the session.
    fs::write(dir.join(".env.claude"), "KEEP=2\n").unwrap();
    let run = env.cdev(&["env", "load", "claude-dev-tokens"]);
    run.ok();
    assert!(run.stderr().contains("1 unset (API_TOKEN)"), "{}", run.stderr());
    let vars = env.cdev(&["env", "show", "claude-dev-tokens"]).ok();
    assert!(!vars.contains("API_TOKEN"), "{vars}");
    assert!(vars.lines().any(|l| l == "KEEP=2"), "{vars}");
    // A key cdev itself sets is never the file's to remove.
    assert!(vars.lines().any(|l| l.starts_with("PROJECT_ROOT=")), "{vars}");
    let new_pane = env
        .tmux(&[
            "split-window",
            "-d",
            "-P",
            "-F",
            "#{pane_id}",
            "-t",
            "=claude-dev-tokens:",
            "env | grep -E '^(KEEP|API_TOKEN)='; sleep 600",
        ])
        .ok();
    wait_for("the new pane's environment", || {
        env.tmux(&["capture-pane", "-p", "-t", new_pane.trim()]).ok().contains("KEEP=2")
    });
    assert!(!env.tmux(&["capture-pane", "-p", "-t", new_pane.trim()]).ok().contains("API_TOKEN"));
}

#[test]
fn dry_run_prints_a_command_that_a_shell_runs_to_the_same_session() {
    let env = TestEnv::new();
    env.start_session("other", &env.home());
    let dir = react_project(&env, "it's $(dry)");
    let line = env.cdev(&["new", "--dry-run", "-w", "feat", &dir.to_string_lossy()]).ok();
    assert_eq!(env.session_names(), vec!["other"], "nothing was created");
    assert!(!dir.join(".worktrees").exists(), "no worktree was made");
    let mut sh = env.command("sh");
    sh.arg("-c").arg(line.trim_end());
    env.run(sh).ok();
    let titles = env.panes("claude-dev-it's__(dry)", "#{pane_title}");
    assert_eq!(titles, ["claude-1", "claude-2", "editor", "dev", "git"]);
}

#[test]
fn a_chain_longer_than_tmux_takes_at_once_is_split_and_still_complete() {
    let env = TestEnv::new();
    let dir = env.project("huge");
    let long = "x".repeat(400);
    let pane = format!("[[windows.panes]]\ncommand = \"echo {long}\"\n").repeat(20);
    let window = format!("[[windows]]\nlayout = \"tiled\"\n{pane}");
    fs::write(dir.join(".cdev.toml"), window.repeat(3)).unwrap();
    env.cdev(&["new", "--no-attach", &dir.to_string_lossy()]).ok();
    assert_eq!(env.panes("claude-dev-huge", "#{pane_id}").len(), 60);
}

#[test]
fn a_small_terminal_attached_elsewhere_does_not_break_creation_or_restore() {
    let env = TestEnv::new();
    let dir = react_project(&env, "webapp");
    let template = r#"
[[windows]]
name = "many"
layout = "tiled"
panes = [{}, {}, {}, {}, {}, {}, {}, {}]
"#;
    fs::write(dir.join(".cdev.toml"), template).unwrap();
    env.start_session("main", &env.home());
    // A 100×12 terminal on another session: tmux sizes new windows after the latest client.
    let _client = env.attach_terminal_client("main");

    env.cdev(&["new", "--no-attach", &dir.to_string_lossy()]).ok();
    assert_eq!(env.panes("claude-dev-webapp", "#{pane_id}").len(), 8);
    // Once made, the window follows the clients again.
    let size = env.tmux(&["show-options", "-wqv", "-t", "=claude-dev-webapp:0", "window-size"]).ok();
    assert_eq!(size.trim(), "", "window-size is the server's again");

    env.cdev(&["kill", "claude-dev-webapp"]).ok();
    env.cdev(&["restore", "claude-dev-webapp"]).ok();
    assert_eq!(env.panes("claude-dev-webapp", "#{pane_id}").len(), 8);
}

#[test]
fn a_project_directory_that_does_not_exist_gets_a_plain_message_issue_19() {
    let env = TestEnv::new();
    let missing = env.home().join("projects/webapp");
    let err = env.cdev(&["new", &missing.to_string_lossy()]).fails_with(1);
    assert_eq!(
        err.trim_end(),
        format!(
            "cdev: could not create session for {0}: the directory does not exist (make it first: mkdir -p {0})",
            missing.display()
        )
    );
}

#[test]
fn a_missing_claude_is_said_once_and_the_session_is_still_made() {
    let mut env = TestEnv::new();
    // This machine's PATH, less any directory that holds a `claude`.
    let path = std::env::var_os("PATH").unwrap_or_default();
    let without_claude =
        std::env::join_paths(std::env::split_paths(&path).filter(|d| !d.join("claude").exists())).unwrap();
    let new = |env: &TestEnv, dir: &Path| {
        let mut cmd = env.command(CDEV);
        cmd.args(["-L", &env.socket, "new", "--no-attach"]).arg(dir).env("PATH", &without_claude);
        env.run(cmd)
    };
    let app = env.project("projects/app");
    let run = new(&env, &app);
    assert_eq!(run.ok().trim(), "claude-dev-app", "the session is made all the same");
    assert_eq!(
        run.stderr().matches("not on PATH").count(),
        1,
        "said once for the template's two Claude panes: {}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("cdev: claude is not on PATH; the Claude panes of claude-dev-app will show a shell"),
        "{}",
        run.stderr()
    );
    assert_eq!(env.panes("claude-dev-app", "#{pane_id}").len(), 5, "the rest of the template is there");
    // A restore says it as well (its Claude panes would show "exec: claude: not found").
    env.cdev(&["save", "claude-dev-app"]).ok();
    env.tmux(&["kill-session", "-t", "=claude-dev-app"]).ok();
    let mut restore = env.command(CDEV);
    restore.args(["-L", &env.socket, "restore", "claude-dev-app"]).env("PATH", &without_claude);
    let run = env.run(restore);
    run.ok();
    assert!(
        run.stderr()
            .contains("cdev: claude is not on PATH; the Claude panes of claude-dev-app will show a shell"),
        "{}",
        run.stderr()
    );

    // No Claude pane: nothing to say.
    let plain = env.project("projects/plain");
    fs::write(plain.join(".cdev.toml"), "[[windows]]\n[[windows.panes]]\ncommand = \"true\"\n").unwrap();
    let run = new(&env, &plain);
    assert!(!run.stderr().contains("not on PATH"), "{}", run.stderr());

    // A `claude_command` that is found: nothing to say.
    let claude = env.install_wrapper("my-claude", "#!/bin/sh\nexec sleep 600\n");
    fs::create_dir_all(env.path("config/cdev")).unwrap();
    fs::write(
        env.path("config/cdev/config.toml"),
        format!("claude_command = {:?}\n", claude.to_string_lossy()),
    )
    .unwrap();
    let found = env.project("projects/found");
    let run = new(&env, &found);
    assert_eq!(run.ok().trim(), "claude-dev-found");
    assert!(
        !run.stderr().contains("not on PATH") && !run.stderr().contains("executable"),
        "{}",
        run.stderr()
    );
}
