//! The hostile sweep: every command against the hostile names and files of every earlier issue,
//! in one run on one server. Whatever a name or a file holds, cdev must answer with success or a
//! clear error (never a panic, never a raw escape sequence on the terminal), run nothing it was
//! not asked to run, leave no session half-made and lose no snapshot.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::support::{files_under, Run, TestEnv};

/// Names from every earlier issue's hostile list. Injections touch a file in the canary
/// directory (absolute) or in whatever directory they run in (relative).
fn hostile_names(canary: &Path) -> Vec<String> {
    let c = canary.display();
    vec![
        format!("$(touch {c}/dollar)"),
        "$(touch pwned-dollar)".into(),
        format!("`touch {c}/backtick`"),
        format!("x; touch {c}/semicolon"),
        format!("x && touch {c}/and #"),
        format!("#(touch {c}/tmux-format)"),
        "#{session_name}#[fg=red]".into(),
        "{{editor}} {{port}}".into(),
        "it's \"quoted\" \\ back".into(),
        "new\nline".into(),
        "tab\there".into(),
        "\u{1b}[31mred\u{1b}]0;title\u{7}".into(),
        "ünïcødé 🚀 名前".into(),
        "\u{202e}txt.exe".into(),
        "-leading-dash".into(),
        "--dangerously-skip-permissions".into(),
        "x\\'; touch pwned-fish #".into(),
        "a\"b$(touch pwned-dq)\"".into(),
        "0B9C1D2E-3F40-4A5B-8C6D-7E8F9A0B1C2D".into(),
        "--".into(),
        "a:b.c".into(),
        "=exact".into(),
        "%1".into(),
        "$1".into(),
        "@1".into(),
        "../../etc".into(),
        "a/b".into(),
        "~".into(),
        "*".into(),
        String::new(),
        " ".into(),
        "x".repeat(300),
    ]
}

/// A run of cdev that must end well: success, or a clear error on stderr.
#[track_caller]
fn assert_sane(run: &Run) {
    let describe =
        || format!("argv: {:?}\nstatus: {}\nstderr: {}", run.argv, run.output.status, run.stderr());
    let code = run.code().unwrap_or_else(|| panic!("killed by a signal\n{}", describe()));
    assert!(!run.stderr().contains("panicked"), "panic\n{}", describe());
    // `cdev remote` hands over to ssh (exec): ssh's own status and words for a host it cannot reach.
    let ssh_said_so =
        run.argv.get(3).is_some_and(|a| a == "remote") && code == 255 && run.stderr().contains("ssh: ");
    assert!([0, 1, 2, 3].contains(&code) || ssh_said_so, "exit status {code}\n{}", describe());
    if (code == 1 || code == 2) && !ssh_said_so {
        let first = run.stderr().lines().next().unwrap_or("").to_string();
        // clap's own usage errors read `error: …`; everything else is cdev's `cdev: could not …`.
        assert!(first.starts_with("cdev: ") || first.starts_with("error: "), "unclear error\n{}", describe());
    }
    let json = run.argv.iter().any(|a| a == "--json");
    for (stream, bytes) in [("stdout", &run.output.stdout), ("stderr", &run.output.stderr)] {
        assert!(!bytes.contains(&0x1b), "raw escape sequence on {stream}\n{}", describe());
        // A right-to-left override reorders the rest of the line (JSON is for programs: exact).
        let rlo = "\u{202e}".as_bytes();
        assert!(
            json || !bytes.windows(3).any(|w| w == rlo),
            "raw direction override on {stream}\n{}",
            describe()
        );
    }
}

/// The cdev sessions on the server and their (windows, panes), from tmux itself.
fn shapes(env: &TestEnv) -> BTreeMap<String, (usize, usize)> {
    let run = env.tmux(&["list-panes", "-a", "-F", "#{session_name}\t#{window_index}\t#{@cdev_template}"]);
    let mut shapes: BTreeMap<String, (std::collections::BTreeSet<String>, usize)> = BTreeMap::new();
    for line in run.stdout().lines() {
        let mut fields = line.split('\t');
        let (Some(session), Some(window), Some(template)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if template.is_empty() {
            continue;
        }
        let entry = shapes.entry(session.to_string()).or_default();
        entry.0.insert(window.to_string());
        entry.1 += 1;
    }
    shapes.into_iter().map(|(name, (windows, panes))| (name, (windows.len(), panes))).collect()
}

/// Every file under `dir` whose name says an injection ran.
fn injected_files(dir: &Path) -> Vec<PathBuf> {
    let injected = |p: &PathBuf| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("pwned"));
    files_under(dir).into_iter().filter(injected).collect()
}

fn write(path: &Path, bytes: &[u8]) -> PathBuf {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
    path.to_path_buf()
}

/// Bytes no parser should like: NULs, invalid UTF-8, control characters.
fn binary(len: usize) -> Vec<u8> {
    let mut state: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// A gzip stream of `mib` MiB of zeros from about a KiB per MiB (one byte-aligned deflate block
/// repeated; the trailer is never reached).
fn gzip_bomb(mib: usize) -> Vec<u8> {
    let mut deflate = flate2::Compress::new(flate2::Compression::best(), false);
    let mut block = Vec::with_capacity(1 << 20);
    deflate.compress_vec(&vec![0u8; 1 << 20], &mut block, flate2::FlushCompress::Sync).unwrap();
    let mut bomb = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    (0..mib).for_each(|_| bomb.extend_from_slice(&block));
    bomb
}

/// A snapshot (as JSON) of one window whose layout, size, pane options and env are given.
fn snapshot_json(layout: &str, width: u64, options: serde_json::Value, env: serde_json::Value) -> Vec<u8> {
    let session = serde_json::json!({"name": "evil", "env": env, "options": {"status-right": "#(touch pwned-status)"},
        "history_limit": 2000, "windows": [{"index": 0, "name": "w", "auto_name": true, "layout": layout,
        "active": true, "zoomed": false, "width": width, "height": 24, "panes": [{"index": 0, "active": true,
        "cwd": "/tmp", "title": "", "command": ["vim", "-c", "!touch pwned-vim"], "options": options,
        "contents": null}]}]});
    let doc = serde_json::json!({"version": 1, "created": "2026-01-01T00:00:00Z", "cdev_version": "0",
        "session": session.clone(), "kind": "cdev-export", "project_root": "/elsewhere",
        "conversations": [{"session_id": "--dangerously-skip-permissions", "cwd": "/etc", "jsonl": "{}\n"}]});
    gzip(doc.to_string().as_bytes())
}

/// Hostile files for every parser a user or a colleague can hand cdev.
fn hostile_files(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let deep_toml = format!("windows = {}{}", "[".repeat(20_000), "]".repeat(20_000));
    let deep_json = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    let mut gzip_of_garbage = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gzip_of_garbage.write_all(&binary(100_000)).unwrap();
    let mut huge = b"name = \"huge\"\n# ".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 12 << 20));
    vec![
        ("binary", write(&dir.join("binary.toml"), &binary(64 << 10))),
        ("empty", write(&dir.join("empty.toml"), b"")),
        ("huge", write(&dir.join("huge.toml"), &huge)),
        ("deep TOML", write(&dir.join("deep.toml"), deep_toml.as_bytes())),
        ("deep JSON", write(&dir.join("deep.json"), deep_json.as_bytes())),
        ("gzip of garbage", write(&dir.join("garbage.json.gz"), &gzip_of_garbage.finish().unwrap())),
        ("truncated gzip", write(&dir.join("truncated.json.gz"), &[0x1f, 0x8b, 8, 0, 0, 0])),
        // Issue 18: what a crafted snapshot or bundle (both at once: it has every key) asks for.
        ("gzip bomb", write(&dir.join("bomb.json.gz"), &gzip_bomb(300))),
        (
            "crashing layout",
            write(
                &dir.join("layout.json.gz"),
                &snapshot_json(
                    "9ab8,65535x2,65535,1[65535x80,80,65535,6,3x2,3,3{80x0,80,200[80x200,3,40[200x2,0,200,5,3x3,1,80,6],3x40,1,200,5]}]",
                    80,
                    serde_json::json!({"@cdev_claude_session": "--dangerously-skip-permissions"}),
                    serde_json::json!([["PROMPT_COMMAND", "touch pwned-env"]]),
                ),
            ),
        ),
        (
            "huge window",
            write(&dir.join("huge.json.gz"), &snapshot_json("tiled", 1 << 40, serde_json::json!({}), serde_json::json!([]))),
        ),
        (
            "NUL in env",
            write(
                &dir.join("nul.json.gz"),
                &snapshot_json("tiled", 80, serde_json::json!({}), serde_json::json!([["A", "x\u{0}y"]])),
            ),
        ),
        ("NUL in env file", write(&dir.join("nul.env"), b"A=1\nB=x\0y\nC=3\n")),
        ("huge env value", write(&dir.join("big.env"), format!("BIG={}\n", "v".repeat(40_000)).as_bytes())),
    ]
}

// About a thousand cdev runs: `scripts/test` runs it on its own with the soak, after the suite.
#[test]
#[ignore = "heavy: scripts/test runs it alone after the suite (cargo test -- --ignored)"]
fn every_command_survives_hostile_names_and_files() {
    let env = TestEnv::new();
    let canary = env.project("canary");
    let project = env.project("projects/webapp");
    fs::write(project.join("package.json"), r#"{"dependencies": {"react": "18.3.0"}}"#).unwrap();
    env.git(&project, &["init", "-q"]);
    env.git(&project, &["commit", "-q", "--allow-empty", "-m", "init"]);
    let project_arg = project.to_string_lossy().into_owned();
    env.start_session("keep", &env.home());
    let base = env.cdev(&["new", "--no-attach", &project_arg]).ok().trim().to_string();
    let template_shape = shapes(&env)[&base];
    // The shape a clean-named Rust project gets, for the hostile-named ones below.
    let rust_baseline = env.project("projects/rust-baseline");
    fs::write(rust_baseline.join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
    let rust_session = env.cdev(&["new", "--no-attach", &rust_baseline.to_string_lossy()]).ok();
    let rust_shape = shapes(&env)[rust_session.trim()];
    env.cdev(&["save", "--all"]).ok();
    let export = env.path("webapp.cdev");
    env.cdev(&["export", &base, "-o", &export.to_string_lossy()]).ok();
    let names = hostile_names(&canary);
    let scratch = env.project("scratch");
    let runs = std::cell::Cell::new(0);
    let sweep = |args: &[&str]| {
        let run = env.cdev(args);
        assert_sane(&run);
        runs.set(runs.get() + 1);
        run
    };

    // Every command that takes a name, with each hostile name in each place.
    for (i, name) in names.iter().enumerate() {
        let n = name.as_str();
        let out = scratch.join(format!("out-{i}")).to_string_lossy().into_owned();
        let before = shapes(&env);
        for args in [
            vec!["new", "--no-attach", "--name", n, &project_arg],
            vec!["new", "--no-attach", "--dry-run", "-w", n, &project_arg],
            vec!["new", "--no-attach", "--dry-run", "-t", n, &project_arg],
        ] {
            sweep(&args);
        }
        // A session made from a hostile name is whole; a refused one left nothing behind.
        for (session, shape) in shapes(&env) {
            if !before.contains_key(&session) {
                assert_eq!(shape, template_shape, "session {session:?} (from {n:?}) is not whole");
            }
        }
        assert!(before.keys().all(|s| shapes(&env).contains_key(s)), "a session vanished after {n:?}");
        for args in [
            vec!["switch", n],
            vec!["save", n],
            vec!["restore", n],
            vec!["restore", &base, "--as", n],
            vec!["snapshots", n],
            vec!["env", "load", n],
            vec!["env", "show", n],
            vec!["health", n],
            vec!["git-status", n],
            vec!["next", "--client", n],
            vec!["worktree", "add", n, "--session", &base],
            vec!["worktree", "list", "--session", n],
            vec!["worktree", "rm", n, "--session", &base],
            vec!["template", "show", n],
            vec!["template", "init", &scratch.to_string_lossy(), "-t", n],
            vec!["export", n, "-o", &out],
            vec!["import", &export.to_string_lossy(), "--name", n, "--root", &project_arg],
            vec!["cleanup", "--older-than", n, "--dry-run"],
            vec!["cleanup", "--idle-for", n, "--dry-run"],
            vec!["top", "--interval", n],
            vec!["share", n, "--read-only", "--user", n],
            vec!["unshare", n],
            vec!["remote", n],
            vec!["resurrect", "post-save-layout", n],
            vec!["completions", n],
            vec!["kill", n],
        ] {
            sweep(&args);
        }
        let _ = fs::remove_file(scratch.join(".cdev.toml"));
        // A project directory with the name (where a file system allows it).
        if !n.is_empty() && !n.contains('/') && n.len() < 200 && n != "." && n != ".." {
            let dir = env.project(&format!("projects/{n}"));
            fs::write(dir.join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
            let dir_arg = dir.to_string_lossy().into_owned();
            let before = shapes(&env);
            for args in [
                vec!["new", "--no-attach", &dir_arg],
                vec!["switch", &dir_arg],
                vec!["vscode", &dir_arg],
                vec!["template", "init", &dir_arg],
                vec!["git-hook", "install", &dir_arg],
            ] {
                sweep(&args);
            }
            for (session, shape) in shapes(&env) {
                if !before.contains_key(&session) {
                    assert_eq!(shape, rust_shape, "session {session:?} in {n:?} is not whole");
                }
            }
        }
    }
    // Arguments that are not UTF-8 at all (a Latin-1 file name, say): as names and as paths.
    {
        use std::os::unix::ffi::OsStrExt;
        let latin1 = std::ffi::OsStr::from_bytes(b"caf\xe9-\xff");
        let dir = env.home().join("projects").join(latin1);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("go.mod"), "module x\n").unwrap();
        let before = shapes(&env);
        for args in [
            vec![std::ffi::OsStr::new("new"), "--no-attach".as_ref(), dir.as_os_str()],
            vec!["new".as_ref(), "--no-attach".as_ref(), "--name".as_ref(), latin1, project.as_os_str()],
            vec!["switch".as_ref(), latin1],
            vec!["save".as_ref(), latin1],
            vec!["template".as_ref(), "validate".as_ref(), dir.join("go.mod").as_os_str()],
            vec!["vscode".as_ref(), dir.as_os_str()],
            vec!["projects".as_ref()],
        ] {
            let mut cmd = env.command(crate::support::CDEV);
            cmd.arg("-L").arg(&env.socket).args(&args);
            assert_sane(&env.run(cmd));
            runs.set(runs.get() + 1);
        }
        let go_baseline = env.project("projects/go-baseline");
        fs::write(go_baseline.join("go.mod"), "module x\n").unwrap();
        let go_session = env.cdev(&["new", "--no-attach", &go_baseline.to_string_lossy()]).ok();
        let go_shape = shapes(&env)[go_session.trim()];
        for (session, shape) in shapes(&env) {
            if !before.contains_key(&session) && session != go_session.trim() {
                assert_eq!(shape, go_shape, "session {session:?} (not UTF-8) is not whole");
            }
        }
    }

    // Commands that read the whole server or every project, once every hostile session and
    // project exists.
    for args in [
        vec!["list"],
        vec!["list", "--json"],
        vec!["status"],
        vec!["status", "--tmux-format"],
        vec!["agents"],
        vec!["agents", "--json"],
        vec!["health"],
        vec!["projects"],
        vec!["worktree", "list", "--session", &base],
        vec!["snapshots"],
        vec!["snapshots", "verify"],
        vec!["config"],
        vec!["doctor"],
        vec!["check"],
        vec!["save", "--all"],
    ] {
        sweep(&args);
    }

    let tmux_env = env.tmux(&["display-message", "-p", "#{socket_path},#{pid},#{session_id}"]).ok();
    let tmux_env = tmux_env.trim().to_string();

    // Hostile files in every place a file is read.
    let files = hostile_files(&env.path("files"));
    let settings = env.home().join(".claude/settings.json");
    for (what, file) in &files {
        let file_arg = file.to_string_lossy().into_owned();
        let bytes = fs::read(file).unwrap();
        sweep(&["template", "validate", &file_arg]);
        sweep(&["restore", &file_arg]);
        // As tmux-resurrect's save file, and as the sidecar cdev keeps beside it.
        // resurrect's hooks never fail resurrect: a note in resurrect.log, exit 0.
        assert_eq!(sweep(&["resurrect", "post-save-layout", &file_arg]).code(), Some(0), "{what}");
        let resurrect = env.project("resurrect");
        let save = write(&resurrect.join("tmux_resurrect_20261124T000000.txt"), &bytes);
        write(&resurrect.join("tmux_resurrect_20261124T000000.cdev.json"), &bytes);
        let _ = fs::remove_file(resurrect.join("last"));
        std::os::unix::fs::symlink(&save, resurrect.join("last")).unwrap();
        env.tmux(&["set-option", "-g", "@resurrect-dir", &resurrect.to_string_lossy()]).ok();
        assert_eq!(sweep(&["resurrect", "post-restore-all"]).code(), Some(0), "{what}");
        sweep(&["import", &file_arg, "--root", &project_arg]);
        // Read as the project's own files.
        let dir = env.project(&format!("projects/files-{}", what.replace(' ', "-")));
        fs::write(dir.join("package.json"), "{}").unwrap();
        fs::write(dir.join(".cdev.toml"), &bytes).unwrap();
        fs::write(dir.join(".env.claude"), &bytes).unwrap();
        fs::create_dir_all(dir.join(".vscode")).unwrap();
        fs::write(dir.join(".vscode/tasks.json"), &bytes).unwrap();
        let before = shapes(&env);
        let made = sweep(&["new", "--no-attach", &dir.to_string_lossy()]);
        if made.code() != Some(0) {
            assert_eq!(shapes(&env), before, "a refused {what} .cdev.toml left a session behind");
        }
        let vscode = sweep(&["vscode", &dir.to_string_lossy()]);
        if vscode.code() != Some(0) {
            assert_eq!(
                fs::read(dir.join(".vscode/tasks.json")).unwrap(),
                bytes,
                "{what} tasks.json was rewritten"
            );
        }
        // Claude Code's settings: refused, never overwritten.
        write(&settings, &bytes);
        assert!(
            env.tmux(&["has-session", "-t", "=keep"]).output.status.success(),
            "the {what} file took the tmux server down"
        );
        let install = sweep(&["claude", "install-hooks"]);
        if install.code() != Some(0) {
            assert_eq!(fs::read(&settings).unwrap(), bytes, "{what} settings.json was rewritten");
        }
        // The config file: every command refuses it the same clear way, nothing is made.
        let mut cmd = env.command(crate::support::CDEV);
        cmd.arg("-L")
            .arg(&env.socket)
            .arg("new")
            .arg("--no-attach")
            .arg(&project_arg)
            .env("CDEV_CONFIG", file);
        let run = env.run(cmd);
        assert_sane(&run);
        // The hook handler: whatever arrives on stdin, it prints nothing and exits 0.
        let mut cmd = env.command(crate::support::CDEV);
        // Inside tmux, so the payload is read and parsed, not skipped.
        cmd.args(["claude", "hook"])
            .env("TMUX", &tmux_env)
            .env("TMUX_PANE", "%0")
            .stdin(fs::File::open(file).unwrap());
        let run = env.run(cmd);
        assert_eq!((run.code(), run.output.stdout.len(), run.output.stderr.len()), (Some(0), 0, 0), "{what}");
        runs.set(runs.get() + 3);
    }
    // Files that are no files: a link to /dev/zero, a FIFO nobody writes to. Whatever reads them
    // must refuse at once (a read without end is killed by `timeout`, status 124).
    let zero = env.path("files/zero");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let fifo = env.path("files/fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for (what, special) in [("/dev/zero", &zero), ("FIFO", &fifo)] {
        let bounded = |args: &[&std::ffi::OsStr], config: Option<&Path>| {
            let mut cmd = env.command("timeout");
            cmd.arg("30").arg(crate::support::CDEV).arg("-L").arg(&env.socket).args(args);
            if let Some(config) = config {
                cmd.env("CDEV_CONFIG", config);
            }
            let run = env.run(cmd);
            assert_ne!(run.code(), Some(124), "{what}: cdev read without end: {:?}", run.argv);
            assert_sane(&run);
            runs.set(runs.get() + 1);
        };
        let s = special.as_os_str();
        let dir = env.project(&format!("projects/special-{}", what.replace('/', "")));
        for name in ["package.json", ".env.claude", ".cdev.toml", "go.mod"] {
            let _ = fs::remove_file(dir.join(name));
            std::os::unix::fs::symlink(special, dir.join(name)).unwrap();
        }
        fs::create_dir_all(dir.join(".vscode")).unwrap();
        let _ = fs::remove_file(dir.join(".vscode/tasks.json"));
        std::os::unix::fs::symlink(special, dir.join(".vscode/tasks.json")).unwrap();
        let d = dir.as_os_str();
        for args in [
            vec!["restore".as_ref(), s],
            vec!["import".as_ref(), s, "--root".as_ref(), project.as_os_str()],
            vec!["template".as_ref(), "validate".as_ref(), s],
            vec!["resurrect".as_ref(), "post-save-layout".as_ref(), s],
            vec!["new".as_ref(), "--no-attach".as_ref(), "--dry-run".as_ref(), d],
            vec!["vscode".as_ref(), d],
        ] {
            bounded(&args, None);
        }
        bounded(&["config".as_ref()], Some(special));
        let _ = fs::remove_file(&settings);
        std::os::unix::fs::symlink(special, &settings).unwrap();
        bounded(&["claude".as_ref(), "install-hooks".as_ref()], None);
        let _ = fs::remove_file(&settings);
    }

    // The hook handler with hostile panes and payload values.
    for (i, name) in names.iter().enumerate() {
        let payload = serde_json::json!({
            "hook_event_name": "PermissionRequest", "session_id": name, "transcript_path": name,
            "cwd": name, "notification_type": name, "source": name,
        });
        let payload_file = write(&scratch.join(format!("payload-{i}.json")), payload.to_string().as_bytes());
        for pane in [name.as_str(), "%0"] {
            let mut cmd = env.command(crate::support::CDEV);
            cmd.args(["claude", "hook"])
                .env("TMUX", &tmux_env)
                .env("TMUX_PANE", pane)
                .stdin(fs::File::open(&payload_file).unwrap());
            let run = env.run(cmd);
            assert_eq!((run.code(), run.output.stdout.len()), (Some(0), 0), "hook with {name:?}");
            runs.set(runs.get() + 1);
        }
    }

    // No snapshot lost: every session saved above comes back whole on a fresh server.
    sweep(&["save", "--all"]);
    let saved = shapes(&env);
    sweep(&["snapshots", "verify"]);
    env.kill_server();
    env.start_session("fresh", &env.home());
    sweep(&["restore"]);
    let restored = shapes(&env);
    for (session, shape) in &saved {
        assert_eq!(restored.get(session), Some(shape), "{session:?} did not come back whole");
    }
    assert!(saved.len() > names.len() / 2, "the sweep made too few sessions to check: {saved:?}");

    // Nothing ran that nobody asked for: not from the commands, nor from what the restore typed
    // into its panes (their shells are given time to run anything they were handed).
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(fs::read_dir(&canary).unwrap().count(), 0, "an injection ran: {:?}", fs::read_dir(&canary));
    let injected = injected_files(env.dir.path());
    assert!(injected.is_empty(), "an injection ran: {injected:?}");
    eprintln!(
        "hostile sweep: {} cdev runs, {} names, {} files, {} sessions restored",
        runs.get(),
        names.len(),
        files.len(),
        saved.len()
    );
}
