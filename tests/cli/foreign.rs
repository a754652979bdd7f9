//! Files from elsewhere (issue 18): a bundle someone sent, a snapshot file found somewhere, a
//! cloned repository's own files. Nothing in them may run, crash the user's tmux server, or
//! exhaust memory or CPU; each refusal names the file and the limit.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{wait_for, TestEnv};

const ID: &str = "0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d";
/// A layout with a valid checksum on which tmux 3.3a's `select-layout` crashes the server.
const CRASHING_LAYOUT: &str =
    "9ab8,65535x2,65535,1[65535x80,80,65535,6,3x2,3,3{80x0,80,200[80x200,3,40[200x2,0,200,5,3x3,1,80,6],3x40,1,200,5]}]";

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, bytes).unwrap();
    gz.finish().unwrap()
}

fn write(path: &Path, bytes: &[u8]) -> PathBuf {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
    path.to_path_buf()
}

/// One session of one window of one pane, as a snapshot or a bundle holds it.
fn session(
    name: &str,
    cwd: &str,
    layout: &str,
    command: &[&str],
    options: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({"name": name, "env": [], "options": {}, "history_limit": 2000, "windows": [{
        "index": 0, "name": "w", "auto_name": true, "layout": layout, "active": true, "zoomed": false,
        "width": 80, "height": 24, "panes": [{"index": 0, "active": true, "cwd": cwd, "title": "",
        "command": command, "options": options, "contents": null}]}]})
}

fn snapshot_file(env: &TestEnv, file: &str, session: serde_json::Value) -> PathBuf {
    let value = serde_json::json!({"version": 1, "created": "2026-01-01T00:00:00Z", "cdev_version": "0",
        "session": session});
    write(&env.path(file), &gzip(value.to_string().as_bytes()))
}

fn bundle_file(env: &TestEnv, session: serde_json::Value, conversations: serde_json::Value) -> PathBuf {
    let value = serde_json::json!({"kind": "cdev-export", "version": 1, "created": "2026-01-01T00:00:00Z",
        "project_root": "/elsewhere", "session": session, "conversations": conversations});
    write(&env.path("sent.cdev"), &gzip(value.to_string().as_bytes()))
}

fn server_alive(env: &TestEnv) -> bool {
    env.tmux(&["has-session", "-t", "=notes"]).output.status.success()
}

#[test]
fn a_layout_that_crashes_tmux_never_reaches_it_issue_18() {
    let env = TestEnv::lived_in();
    let root = env.project("root");
    let cwd = root.to_string_lossy().into_owned();
    // A snapshot file and a bundle: the window comes back tiled, the server lives, the user is told.
    let snapshot = snapshot_file(
        &env,
        "found.json.gz",
        session("found", &cwd, CRASHING_LAYOUT, &[], serde_json::json!({})),
    );
    let run = env.cdev(&["restore", &snapshot.to_string_lossy()]);
    assert!(server_alive(&env), "tmux died: {}", run.stderr());
    run.ok();
    assert!(run.stderr().contains("its layout is not one tmux can take"), "{}", run.stderr());
    assert_eq!(env.panes("found", "#{pane_id}").len(), 1);
    let bundle = bundle_file(
        &env,
        session("sent", ".", CRASHING_LAYOUT, &[], serde_json::json!({})),
        serde_json::json!([]),
    );
    let run = env.cdev(&["import", &bundle.to_string_lossy(), "--root", &cwd]);
    assert!(server_alive(&env), "tmux died: {}", run.stderr());
    run.ok();
    assert!(run.stderr().contains("its layout is not one tmux can take"), "{}", run.stderr());
    // A project's template.
    let project = env.project("layout-project");
    let template = format!("[[windows]]\nlayout = \"{CRASHING_LAYOUT}\"\n[[windows.panes]]\n");
    fs::write(project.join(".cdev.toml"), template).unwrap();
    let run = env.cdev(&["new", "--no-attach", &project.to_string_lossy()]);
    assert!(server_alive(&env), "tmux died: {}", run.stderr());
    run.ok();
    assert!(run.stderr().contains("its layout is not one tmux can take"), "{}", run.stderr());
}

#[test]
fn a_conversation_id_that_is_an_option_never_reaches_claude_issue_18() {
    let mut env = TestEnv::lived_in();
    let log = env.path("claude-args");
    let fake = env.install_wrapper(
        "fake-claude",
        &format!("#!/bin/sh\necho \"$@\" >> '{}'\nexec sleep 600\n", log.display()),
    );
    env.tmux(&["set-option", "-g", "@cdev-claude-command", &fake.to_string_lossy()]).ok();
    let root = env.project("root");
    let cwd = root.to_string_lossy().into_owned();
    let evil = serde_json::json!({"@cdev_claude_session": "--dangerously-skip-permissions"});
    // A bundle is refused whole.
    let bundle = bundle_file(&env, session("sent", ".", "tiled", &[], evil.clone()), serde_json::json!([]));
    let err = env.cdev(&["import", &bundle.to_string_lossy(), "--root", &cwd]).fails_with(1);
    assert!(err.contains("is not a UUID"), "{err}");
    // A snapshot's pane with such an id is no Claude pane: nothing of it reaches a command line.
    let snapshot = snapshot_file(&env, "found.json.gz", session("found", &cwd, "tiled", &[], evil));
    env.cdev(&["restore", &snapshot.to_string_lossy(), "--yes"]).ok();
    let started = env.panes("found", "#{pane_start_command}").join("\n");
    assert!(!started.contains("dangerously"), "{started}");
    // The hook records only conversation ids (what it records is resumed later).
    let payload = r#"{"hook_event_name":"SessionStart","source":"startup","session_id":"--dangerously-skip-permissions"}"#;
    env.claude_hook("found", payload).ok();
    assert_eq!(env.panes("found", "#{@cdev_claude_session}"), [""]);
    // A snapshot with a real id resumes it with the id joined to its flag.
    let snapshot = snapshot_file(
        &env,
        "state/cdev/snapshots/mine/20260101T000000.000Z-aaaaaaaa.json.gz",
        session("mine", &cwd, "tiled", &[], serde_json::json!({"@cdev_claude_session": ID})),
    );
    env.write_transcript(&root, ID);
    env.cdev(&["restore", &snapshot.to_string_lossy()]).ok();
    crate::support::wait_for_line("claude to resume", &log);
    let args = fs::read_to_string(&log).unwrap();
    assert!(args.contains(&format!("--resume={ID}")) && !args.contains("dangerously"), "{args}");
}

#[test]
fn an_import_writes_nothing_outside_the_root_and_claudes_projects_issue_18() {
    let env = TestEnv::lived_in();
    let root = env.project("root");
    let conversation = serde_json::json!([{"session_id": ID, "cwd": "/etc", "jsonl": "{}\n"}]);
    let bundle = bundle_file(&env, session("sent", ".", "tiled", &[], serde_json::json!({})), conversation);
    let err =
        env.cdev(&["import", &bundle.to_string_lossy(), "--root", &root.to_string_lossy()]).fails_with(1);
    assert!(err.contains("is absolute"), "{err}");
    assert!(!env.home().join(".claude").exists(), "nothing written under ~/.claude");
    let bundle = bundle_file(
        &env,
        session("sent", "/etc", "tiled", &[], serde_json::json!({})),
        serde_json::json!([]),
    );
    let err =
        env.cdev(&["import", &bundle.to_string_lossy(), "--root", &root.to_string_lossy()]).fails_with(1);
    assert!(err.contains("is absolute"), "{err}");
    assert!(!env.session_names().contains(&"sent".to_string()));
}

#[test]
fn a_snapshot_file_from_elsewhere_is_foreign_issue_18() {
    let env = TestEnv::lived_in();
    let root = env.project("root");
    let cwd = root.to_string_lossy().into_owned();
    let canary = root.join("PWNED-vim");
    // vim is on the restore list: from the user's own snapshot it runs again; from a file found
    // elsewhere it is typed, not run, and nothing of the file's environment is set.
    let command = ["vim", "-c", &format!("!touch {}", canary.display())];
    let mut found = session("found", &cwd, "tiled", &command, serde_json::json!({}));
    found["env"] = serde_json::json!([["PROMPT_COMMAND", "touch PWNED-env"], ["SSH_ASKPASS", null]]);
    let snapshot = snapshot_file(&env, "Downloads/found.json.gz", found);
    let run = env.cdev(&["restore", &snapshot.to_string_lossy()]);
    run.ok();
    assert!(run.stderr().contains("typed but not run unless you agree"), "{}", run.stderr());
    // What would be set is named; a removal (tmux's `-NAME`) sets nothing.
    assert!(run.stderr().contains("set only if you agree: PROMPT_COMMAND\n"), "{}", run.stderr());
    let pane = env.panes("found", "#{pane_id}")[0].clone();
    wait_for("the command typed", || {
        env.tmux(&["capture-pane", "-p", "-J", "-t", &pane]).ok().contains("PWNED-vim")
    });
    assert_ne!(env.panes("found", "#{pane_current_command}")[0], "vim");
    assert!(!canary.exists());
    assert!(!env.tmux(&["show-environment", "-t", "=found:"]).ok().contains("PROMPT_COMMAND"));
}

#[test]
fn pane_contents_from_a_bundle_show_their_text_and_colours_and_do_nothing_else() {
    let env = TestEnv::lived_in();
    let root = env.project("root");
    env.tmux(&["set-option", "-s", "set-clipboard", "on"]).ok();
    let mut sent = session("sent", ".", "tiled", &[], serde_json::json!({}));
    // OSC 52 would put a command into tmux's paste buffer (one prefix + ] from running), OSC 2
    // would name the pane; the colour stays.
    sent["windows"][0]["panes"][0]["contents"] = serde_json::json!(
        "before \u{1b}]52;c;Y3VybCBldmlsIHwgc2g=\u{7}\u{1b}]2;evil\u{7}\u{1b}[31mred-text\u{1b}[0m after\n"
    );
    let bundle = bundle_file(&env, sent, serde_json::json!([]));
    let args = ["import", &bundle.to_string_lossy(), "--root", &root.to_string_lossy(), "--yes"];
    env.cdev(&args).ok();
    let pane = env.panes("sent", "#{pane_id}")[0].clone();
    wait_for("the contents shown back", || {
        env.tmux(&["capture-pane", "-p", "-t", &pane]).ok().contains("before red-text after")
    });
    let shown = env.tmux(&["capture-pane", "-p", "-e", "-t", &pane]).ok();
    assert!(shown.contains("\u{1b}[31mred-text"), "the colour is kept: {shown:?}");
    assert_eq!(env.tmux(&["list-buffers"]).ok(), "", "nothing reached the paste buffer");
    assert_ne!(env.panes("sent", "#{pane_title}")[0], "evil");
}

#[test]
fn a_foreign_file_whose_name_runs_is_refused_before_its_commands_are_listed() {
    let env = TestEnv::lived_in();
    let root = env.project("root");
    let found = session("notes", &root.to_string_lossy(), "tiled", &["vim", "x"], serde_json::json!({}));
    let snapshot = snapshot_file(&env, "Downloads/notes.json.gz", found);
    let err = env.cdev(&["restore", &snapshot.to_string_lossy()]).fails_with(1);
    assert!(err.contains("a session named notes is running (use --as NAME"), "{err}");
    assert!(!err.contains("typed but not run"), "nothing listed before the refusal: {err}");
}

/// A gzip stream that decompresses to `mib` MiB of zeros from about a KiB per MiB: the same
/// byte-aligned deflate block repeated (the trailer is never reached, so it is left off).
fn gzip_bomb(mib: usize) -> Vec<u8> {
    let mut deflate = flate2::Compress::new(flate2::Compression::best(), false);
    let mut block = Vec::with_capacity(1 << 20);
    deflate.compress_vec(&vec![0u8; 1 << 20], &mut block, flate2::FlushCompress::Sync).unwrap();
    let mut bomb = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    for _ in 0..mib {
        bomb.extend_from_slice(&block);
    }
    bomb
}

/// A cdev run that must end: killed after a minute (a read without end would never return).
fn cdev_bounded(env: &TestEnv, args: &[&str]) -> crate::support::Run {
    let mut cmd = env.command("timeout");
    cmd.args(["60", crate::support::CDEV, "-L", &env.socket]).args(args);
    env.run(cmd)
}

#[test]
fn resource_bombs_are_refused_naming_the_file_and_the_limit_issue_18() {
    let env = TestEnv::lived_in();
    let root = env.project("root");
    // A 2 MiB gzip bomb (2 GiB decompressed), as a snapshot file and as a bundle.
    let bomb = gzip_bomb(2048);
    assert!(bomb.len() < 3 << 20, "{}", bomb.len());
    let snapshot = write(&env.path("bomb.json.gz"), &bomb);
    let err = cdev_bounded(&env, &["restore", &snapshot.to_string_lossy()]).fails_with(1);
    assert!(err.contains("bomb.json.gz") && err.contains("larger than 256 MiB once decompressed"), "{err}");
    let bundle = write(&env.path("bomb.cdev"), &bomb);
    let err = cdev_bounded(&env, &["import", &bundle.to_string_lossy(), "--root", &root.to_string_lossy()])
        .fails_with(2);
    assert!(err.contains("bomb.cdev") && err.contains("larger than 256 MiB once decompressed"), "{err}");

    // A repository whose files are links to /dev/zero, or whose counts are absurd.
    let project = env.project("zero");
    std::os::unix::fs::symlink("/dev/zero", project.join("package.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", project.join(".env.claude")).unwrap();
    let err =
        cdev_bounded(&env, &["new", "--no-attach", "--dry-run", &project.to_string_lossy()]).fails_with(1);
    assert!(err.contains(".env.claude") && err.contains("not a regular file"), "{err}");
    fs::remove_file(project.join(".env.claude")).unwrap();
    cdev_bounded(&env, &["new", "--no-attach", "--dry-run", &project.to_string_lossy()]).ok();
    // A `.cdev.toml` that is no regular file is no project file: it is never opened.
    std::os::unix::fs::symlink("/dev/zero", project.join(".cdev.toml")).unwrap();
    cdev_bounded(&env, &["new", "--no-attach", "--dry-run", &project.to_string_lossy()]).ok();
    fs::remove_file(project.join(".cdev.toml")).unwrap();
    let big = "worktrees = 4000000000\n[[windows]]\n[[windows.panes]]\nrole = \"claude\"\n";
    fs::write(project.join(".cdev.toml"), big).unwrap();
    let err =
        cdev_bounded(&env, &["new", "--no-attach", "--dry-run", &project.to_string_lossy()]).fails_with(2);
    assert!(err.contains(".cdev.toml") && err.contains("worktrees") && err.contains("at most 32"), "{err}");
    // A snapshot asking for a window larger than any screen.
    let mut huge = session("huge", &root.to_string_lossy(), "tiled", &[], serde_json::json!({}));
    huge["windows"][0]["width"] = serde_json::json!(100_000);
    let snapshot = snapshot_file(&env, "huge.json.gz", huge);
    let err = cdev_bounded(&env, &["restore", &snapshot.to_string_lossy()]).fails_with(1);
    assert!(err.contains("a window of 100000x24 (from 1x1 to 4096x4096)"), "{err}");
}

#[test]
fn a_committed_worktrees_symlink_is_refused_issue_18() {
    let env = TestEnv::lived_in();
    let project = env.project("repo");
    let elsewhere = env.project("elsewhere");
    env.git(&project, &["init", "-q"]);
    env.git(&project, &["commit", "-q", "--allow-empty", "-m", "init"]);
    std::os::unix::fs::symlink(&elsewhere, project.join(".worktrees")).unwrap();
    let err = env.cdev(&["new", "--no-attach", "-w", "feature", &project.to_string_lossy()]).fails_with(1);
    assert!(err.contains("is a symbolic link"), "{err}");
    assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0, "nothing checked out elsewhere");
    assert!(!env.session_names().iter().any(|s| s.contains("repo")), "{:?}", env.session_names());
}

#[test]
fn messages_say_what_happened_issue_18() {
    let env = TestEnv::lived_in();
    // A 21-deep chain of `extends` without a cycle is no loop.
    let templates = env.path("config/cdev/templates");
    fs::create_dir_all(&templates).unwrap();
    for n in 0..21 {
        let parent = if n == 20 { String::new() } else { format!("extends = \"t{}\"\n", n + 1) };
        fs::write(templates.join(format!("t{n}.toml")), format!("{parent}[[windows]]\n[[windows.panes]]\n"))
            .unwrap();
    }
    let err = env.cdev(&["template", "show", "t0"]).fails_with(2);
    assert!(err.contains("deeper than 16") && !err.contains("loops"), "{err}");
    // A bundle with no windows: nothing is made, and it says so.
    let root = env.project("root");
    let mut empty = session("empty", ".", "tiled", &[], serde_json::json!({}));
    empty["windows"] = serde_json::json!([]);
    let bundle = bundle_file(&env, empty, serde_json::json!([]));
    let err =
        env.cdev(&["import", &bundle.to_string_lossy(), "--root", &root.to_string_lossy()]).fails_with(2);
    assert!(err.contains("holds no panes") && !err.contains("temporary names"), "{err}");
    // A template cwd that does not exist: the user is told where the pane starts instead.
    let project = env.project("cwd-project");
    fs::write(project.join(".cdev.toml"), "[[windows]]\n[[windows.panes]]\ncwd = \"no/such/dir\"\n").unwrap();
    let run = env.cdev(&["new", "--no-attach", &project.to_string_lossy()]);
    let session = run.ok().trim().to_string();
    assert!(run.stderr().contains("does not exist: the pane starts in"), "{}", run.stderr());
    let cwd = env.panes(&session, "#{pane_current_path}")[0].clone();
    assert_eq!(Path::new(&cwd), project.canonicalize().unwrap());
}

#[test]
fn a_closed_stdout_and_a_panic_are_no_backtrace_issue_18() {
    let env = TestEnv::new();
    env.start_session("one", &env.home());
    // The reader goes away after one line: cdev's own status is 0, and it says nothing.
    for args in ["completions bash", "completions fish", "--help", "list", "snapshots"] {
        let mut pipeline = env.command("bash");
        let line = format!(
            "{} -L {} {args} | head -c 1 >/dev/null; exit ${{PIPESTATUS[0]}}",
            crate::support::CDEV,
            env.socket
        );
        pipeline.args(["-c", &line]);
        let run = env.run(pipeline);
        assert_eq!((run.code(), run.stderr()), (Some(0), String::new()), "{args}");
    }
    let mut cmd = env.command(crate::support::CDEV);
    cmd.arg("list").env("CDEV_TEST_PANIC", "1");
    let run = env.run(cmd);
    assert_eq!(run.code(), Some(1));
    assert!(run.stderr().starts_with("cdev: internal error: CDEV_TEST_PANIC is set"), "{}", run.stderr());
    assert!(!run.stderr().contains("panicked") && !run.stderr().contains("backtrace"), "{}", run.stderr());
}

#[test]
fn directory_names_stay_text_in_every_shell_whatever_the_quotes_issue_18() {
    let env = TestEnv::lived_in();
    let templates = env.path("config/cdev/templates");
    fs::create_dir_all(&templates).unwrap();
    // Unquoted, in double quotes, glued to other text: each line must come out as the name.
    let probe = r#"[[windows]]
[[windows.panes]]
command = "printf '%s\n' {{project}} \"{{project}}\" \"<{{project}}>_x\" {{project}}\"\" > out.txt"
"#;
    fs::write(templates.join("probe.toml"), probe).unwrap();
    let names = [
        "$(touch PWNED-dollar)",
        "x\\'; touch PWNED-fish #",
        "`touch PWNED-tick`",
        "a\"b; touch PWNED-dq",
        "* ~ [x]",
    ];
    for shell in ["/bin/sh", "/usr/bin/bash", "/usr/bin/zsh", "/usr/bin/fish"] {
        for (n, name) in names.iter().enumerate() {
            let dir = env.project(&format!("{}/{n}/{name}", shell.rsplit('/').next().unwrap()));
            let mut cmd = env.command(crate::support::CDEV);
            cmd.args(["-L", &env.socket, "new", "--no-attach", "-t", "probe"]).arg(&dir).env("SHELL", shell);
            env.run(cmd).ok();
            let out = dir.join("out.txt");
            wait_for(&format!("{shell} to run the probe in {name:?}"), || {
                fs::read_to_string(&out).is_ok_and(|t| t.lines().count() == 4)
            });
            let expected = format!("{name}\n{name}\n<{name}>_x\n{name}\n");
            assert_eq!(fs::read_to_string(&out).unwrap(), expected, "{shell}, {name:?}");
        }
    }
    let injected: Vec<_> = crate::support::files_under(env.dir.path())
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("PWNED")))
        .collect();
    assert!(injected.is_empty(), "a name ran: {injected:?}");
    // In single quotes no shell can keep it text: the template is refused, with its place.
    fs::write(
        templates.join("single.toml"),
        "[[windows]]\n[[windows.panes]]\ncommand = \"echo '{{project}}'\"\n",
    )
    .unwrap();
    let err =
        env.cdev(&["template", "validate", &templates.join("single.toml").to_string_lossy()]).fails_with(2);
    assert!(err.contains("single.toml:3") && err.contains("inside single quotes"), "{err}");
}

#[test]
fn a_large_env_file_works_and_multi_line_values_survive_save_and_restore_issue_18() {
    let env = TestEnv::lived_in();
    let project = env.project("envy");
    fs::write(project.join(".cdev.toml"), "[[windows]]\n[[windows.panes]]\n").unwrap();
    let mut text = String::new();
    for n in 0..400 {
        text.push_str(&format!("VAR_{n}=value-{n}-{}\n", "x".repeat(30)));
    }
    let big = "b".repeat(30 * 1024);
    text.push_str(&format!("BIG={big}\n"));
    text.push_str("MULTI=\"first\\nEVIL=injected\\nlast\"\n");
    text.push_str("NUL=a\0b\n");
    fs::write(project.join(".env.claude"), &text).unwrap();
    let run = env.cdev(&["new", "--no-attach", &project.to_string_lossy()]);
    let session = run.ok().trim().to_string();
    assert!(run.stderr().contains(".env.claude:403: holds a NUL byte"), "{}", run.stderr());
    let check = |env: &TestEnv| {
        let target = format!("={session}:");
        let shown = env.tmux(&["show-environment", "-t", &target, "-s"]).ok();
        assert!(shown.contains("VAR_399=\"value-399-"), "all 400 variables");
        let evil = env.tmux(&["show-environment", "-t", &target, "EVIL"]);
        assert!(!evil.output.status.success(), "a line of a value is no variable: {}", evil.stdout());
        let value = |name: &str| env.tmux(&["show-environment", "-t", &target, name]).ok();
        assert_eq!(value("BIG").trim_end(), format!("BIG={big}"));
        assert_eq!(value("MULTI"), "MULTI=first\nEVIL=injected\nlast\n");
        // The first pane was made with the whole environment.
        let pane = env.panes(&session, "#{pane_id}")[0].clone();
        let out = env.path("pane-env");
        let _ = fs::remove_file(&out);
        let line =
            format!("printf '%s' \"$BIG\" | wc -c > {}; printenv MULTI >> {}", out.display(), out.display());
        env.tmux(&["send-keys", "-t", &pane, &line, "Enter"]).ok();
        wait_for("the pane to report its env", || {
            fs::read_to_string(&out).is_ok_and(|t| t.lines().count() == 4)
        });
        let report = fs::read_to_string(&out).unwrap();
        assert_eq!(
            report.split_whitespace().collect::<Vec<_>>(),
            ["30720", "first", "EVIL=injected", "last"]
        );
    };
    check(&env);
    env.cdev(&["save", &session]).ok();
    env.kill_server();
    env.age_server();
    env.cdev(&["restore", &session]).ok();
    check(&env);
}
