//! The test harness: a private tmux server (`tmux -L cdev-test-<unique> -f /dev/null`) with HOME,
//! XDG dirs and tmux's socket dir in a temp dir, killed on drop, and runners for the real `cdev`
//! binary that print argv, status, stdout and stderr when an expectation fails.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

static SERVER_COUNTER: AtomicU32 = AtomicU32::new(0);

pub const CDEV: &str = env!("CARGO_BIN_EXE_cdev");

/// The finished run of a command, kept whole for failure messages.
pub struct Run {
    pub argv: Vec<String>,
    pub output: Output,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    fn describe(&self) -> String {
        format!(
            "argv: {:?}\nstatus: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.argv,
            self.output.status,
            self.stdout(),
            self.stderr()
        )
    }

    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> String {
        assert!(self.output.status.success(), "command failed\n{}", self.describe());
        self.stdout()
    }

    /// Asserts the exit code and returns stderr.
    #[track_caller]
    pub fn fails_with(&self, code: i32) -> String {
        assert_eq!(self.code(), Some(code), "unexpected exit code\n{}", self.describe());
        self.stderr()
    }
}

/// A temp HOME and a private tmux server on it.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub socket: String,
    /// Prepended to PATH for cdev and tmux runs (for wrappers such as the tmux call counter).
    pub extra_path: Option<PathBuf>,
    /// The config file every tmux server of this test starts with (`-f`): `/dev/null`, or the
    /// lived-in world's `~/.tmux.conf` (which a server cdev starts reads too).
    tmux_conf: String,
    /// cdev runs through the tmux program rather than on the socket (`CDEV_TMUX_CLIENT=program`):
    /// set when a test puts a `tmux` wrapper on PATH (to count calls or stage a race), which
    /// only sees calls made through the program. Both ways make the same calls, so the counts are
    /// cdev's round trips either way.
    tmux_client_program: bool,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let dir = tempfile::Builder::new().prefix("cdev-test").tempdir().expect("temp dir");
        for sub in ["home", "config", "state", "cache", "data", "tmux"] {
            fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let socket =
            format!("cdev-test-{}-{}", std::process::id(), SERVER_COUNTER.fetch_add(1, Ordering::Relaxed));
        TestEnv {
            dir,
            socket,
            extra_path: None,
            tmux_conf: "/dev/null".to_string(),
            tmux_client_program: false,
        }
    }

    /// A server that looks like a user's after a day of work, not a fresh one: a `~/.tmux.conf`
    /// with `base-index 1` and `pane-base-index 1` (read by every server started here, by the test
    /// or by cdev), forty panes made and closed (so new pane ids are `%40` and up, and `%N` text
    /// reaches every code path), and a session `notes` made by plain tmux whose window indexes
    /// have gaps (1, 4, 7). Snapshot, restore, journal and resurrect tests start from it.
    pub fn lived_in() -> TestEnv {
        let mut env = TestEnv::new();
        let conf = env.home().join(".tmux.conf");
        fs::write(&conf, "set -g base-index 1\nsetw -g pane-base-index 1\n").unwrap();
        env.tmux_conf = conf.to_string_lossy().into_owned();
        env.age_server();
        env
    }

    /// Makes the server (started if need be) lived-in: forty panes opened and closed in a session
    /// that then ends, and the plain-tmux session `notes` with gaps in its window indexes. Call it
    /// again after a crash test starts a new server, to make the new one lived-in too.
    pub fn age_server(&self) {
        let home = self.home().to_string_lossy().into_owned();
        // `notes` first: a server whose last session ends exits.
        let mut args: Vec<&str> =
            vec!["new-session", "-d", "-s", "notes", "-c", &home, "-x", "120", "-y", "40"];
        for _ in 0..6 {
            args.extend([";", "new-window", "-d", "-t", "notes"]);
        }
        for window in ["notes:2", "notes:3", "notes:5", "notes:6"] {
            args.extend([";", "kill-window", "-t", window]);
        }
        args.extend([";", "new-session", "-d", "-s", "churn", "-c", &home, "-x", "120", "-y", "40"]);
        for _ in 0..39 {
            args.extend([";", "new-window", "-d", "-t", "churn"]);
        }
        args.extend([";", "kill-session", "-t", "=churn"]);
        self.tmux(&args).ok();
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    /// The environment every child gets: nothing from the developer's own tmux or config.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        let path = std::env::var_os("PATH").unwrap_or_default();
        let path = match &self.extra_path {
            Some(extra) => {
                std::env::join_paths(std::iter::once(extra.clone()).chain(std::env::split_paths(&path)))
                    .unwrap()
            }
            None => path,
        };
        cmd.env("PATH", path)
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("XDG_CACHE_HOME", self.path("cache"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("TMUX_TMPDIR", self.path("tmux"))
            .env("SHELL", "/bin/sh")
            .env_remove("TMUX")
            .env_remove("TMUX_PANE")
            .env_remove("CDEV_CONFIG")
            .env_remove("CDEV_TMUX_CLIENT")
            .current_dir(self.home())
            .stdin(Stdio::null());
        if self.tmux_client_program {
            cmd.env("CDEV_TMUX_CLIENT", "program");
        }
        cmd
    }

    /// The argv of a tmux call on this test's server.
    fn tmux_argv<'a>(&'a self, args: &'a [&'a str]) -> Vec<&'a str> {
        let mut argv = vec!["-L", self.socket.as_str(), "-f", self.tmux_conf.as_str()];
        argv.extend_from_slice(args);
        argv
    }

    pub fn run(&self, mut cmd: Command) -> Run {
        let argv = std::iter::once(cmd.get_program())
            .chain(cmd.get_args())
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let output = cmd.output().expect("spawn");
        Run { argv, output }
    }

    /// Runs git in `dir` under a throwaway identity, failing the test if git fails.
    pub fn git(&self, dir: &Path, args: &[&str]) -> String {
        let mut cmd = self.command("git");
        cmd.arg("-C").arg(dir).args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"]).args(args);
        self.run(cmd).ok()
    }

    /// Runs tmux on this test's server.
    pub fn tmux(&self, args: &[&str]) -> Run {
        let mut cmd = self.command("tmux");
        cmd.args(self.tmux_argv(args));
        self.run(cmd)
    }

    /// Runs the real cdev binary against this test's server (`-L`).
    pub fn cdev(&self, args: &[&str]) -> Run {
        let mut cmd = self.command(CDEV);
        cmd.arg("-L").arg(&self.socket).args(args);
        self.run(cmd)
    }

    /// Starts the server with one session `name` in `cwd`.
    pub fn start_session(&self, name: &str, cwd: &Path) {
        self.tmux(&["new-session", "-d", "-s", name, "-c", &cwd.to_string_lossy(), "-x", "120", "-y", "40"])
            .ok();
    }

    /// Attaches a control-mode client to `session`; it counts as an attached client until dropped.
    pub fn attach_control_client(&self, session: &str) -> ControlClient {
        let mut cmd = self.command("tmux");
        cmd.args(self.tmux_argv(&["-C", "attach-session", "-t", session]))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let client = ControlClient(cmd.spawn().expect("control client"));
        wait_for("the control client to attach", || {
            self.tmux(&["list-clients", "-F", "#{client_session}"]).ok().lines().any(|l| l == session)
        });
        client
    }

    /// Attaches a real terminal client to `session`: a tmux client running in a pane of a second,
    /// "outer" server, whose screen (the client's status line included) can be captured.
    pub fn attach_terminal_client(&self, session: &str) -> TerminalClient {
        self.attach_terminal_client_sized(session, 100, 12)
    }

    /// [`TestEnv::attach_terminal_client`] on a terminal of `width` × `height` (Claude Code's
    /// dialogs need room).
    pub fn attach_terminal_client_sized(&self, session: &str, width: u16, height: u16) -> TerminalClient {
        let outer = format!("{}-terminal", self.socket);
        let attach = format!("env -u TMUX tmux -L {} -f /dev/null attach-session -t ={session}", self.socket);
        let (width, height) = (width.to_string(), height.to_string());
        let mut cmd = self.command("tmux");
        cmd.args([
            "-L",
            &outer,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            &width,
            "-y",
            &height,
            &attach,
        ]);
        self.run(cmd).ok();
        let client = TerminalClient { outer, tmux_tmpdir: self.path("tmux") };
        wait_for("the terminal client to attach", || {
            self.tmux(&["list-clients", "-F", "#{client_session}"]).ok().lines().any(|l| l == session)
        });
        client
    }

    /// Writes an executable script into `<temp>/bin` and puts that directory first on PATH.
    pub fn install_wrapper(&mut self, name: &str, script: &str) -> PathBuf {
        let bin = self.path("bin");
        fs::create_dir_all(&bin).unwrap();
        let path = bin.join(name);
        fs::write(&path, script).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        self.extra_path = Some(bin);
        self.tmux_client_program |= name == "tmux";
        path
    }

    /// Puts a `tmux` on PATH that writes each call's arguments as one line (a newline inside made
    /// a space) into the returned file, then runs the real one.
    pub fn count_tmux_calls(&mut self) -> PathBuf {
        let counter = self.path("tmux-calls");
        let real = which("tmux");
        let script = format!(
            "#!/bin/sh\n{{ printf '%s' \"$*\" | tr '\\n' ' '; echo; }} >> '{}'\nexec '{}' \"$@\"\n",
            counter.display(),
            real.display()
        );
        self.install_wrapper("tmux", &script);
        counter
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .env("TMUX_TMPDIR", self.path("tmux"))
            .env_remove("TMUX")
            .stderr(Stdio::null())
            .status();
    }
}

/// A control-mode tmux client, detached and reaped on drop.
pub struct ControlClient(Child);

impl Drop for ControlClient {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A tmux client on a terminal (a pane of its own "outer" server), killed on drop.
pub struct TerminalClient {
    outer: String,
    tmux_tmpdir: PathBuf,
}

impl TerminalClient {
    fn outer_tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.outer])
            .args(args)
            .env("TMUX_TMPDIR", &self.tmux_tmpdir)
            .env_remove("TMUX")
            .output()
            .expect("spawn tmux")
    }

    /// What the client's terminal shows now, as text; the status line is the last line.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.outer_tmux(&["capture-pane", "-p"]).stdout).into_owned()
    }

    /// Types into the client's terminal as a user does: `keys` as tmux key names (`Enter`,
    /// `Escape`), or with `literal` as text.
    pub fn status_line(&self) -> String {
        self.screen().trim_end_matches('\n').lines().last().unwrap_or_default().to_string()
    }

    /// Types `keys` (tmux key names: `C-b`, `T`, `Enter`, `-l` for literal text) on the client's
    /// terminal, as a user does: they reach the inner tmux through its client, key bindings and all.
    pub fn press(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        let out = self.outer_tmux(&args);
        assert!(out.status.success(), "send-keys {keys:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for TerminalClient {
    fn drop(&mut self) {
        let _ = self.outer_tmux(&["kill-server"]);
    }
}

/// The lines written by the tmux counting wrapper.
pub fn tmux_calls(counter: &Path) -> Vec<String> {
    fs::read_to_string(counter).unwrap_or_default().lines().map(str::to_string).collect()
}

/// The path of `program` on PATH.
pub fn which(program: &str) -> PathBuf {
    cdev::tmux::find_on_path(program).unwrap_or_else(|| panic!("{program} is not installed"))
}

/// Parses `cdev list --json` output.
pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|err| panic!("not JSON ({err}):\n{text}"))
}

impl TestEnv {
    /// Runs `cdev claude hook` as Claude Code does from the active pane of `session`: inside
    /// tmux (`TMUX`, `TMUX_PANE`), the JSON payload on stdin.
    pub fn claude_hook(&self, session: &str, payload: &str) -> Run {
        let pane = self.tmux(&["display-message", "-p", "-t", &format!("={session}:"), "#{pane_id}"]).ok();
        self.claude_hook_in(pane.trim(), payload)
    }

    /// Runs `cdev claude hook` as Claude Code does from the pane `pane` (an id, `%47`).
    pub fn claude_hook_in(&self, pane: &str, payload: &str) -> Run {
        let tmux =
            self.tmux(&["display-message", "-p", "-t", pane, "#{socket_path},#{pid},#{session_id}"]).ok();
        let file = self.path(&format!("claude-hook-payload-{}.json", pane.trim_start_matches('%')));
        fs::write(&file, payload).unwrap();
        let mut cmd = self.command(CDEV);
        cmd.args(["claude", "hook"])
            .env("TMUX", tmux.trim())
            .env("TMUX_PANE", pane)
            .stdin(fs::File::open(&file).unwrap());
        self.run(cmd)
    }
}

/// Every file under `dir`, at any depth (an unreadable or missing directory holds none).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().filter_map(|e| e.ok()) {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(entry.path());
            } else {
                found.push(entry.path());
            }
        }
    }
    found
}

/// Polls `condition` every 50 ms until it holds; panics with `what` after 60 s (generous: a
/// loaded two-core CI machine runs these in parallel). For effects that happen in another process
/// (a pane's command), never a timing assertion.
#[track_caller]
/// Waits until `path` holds at least one whole line: a log a stand-in program appends to exists
/// from the moment its shell opens it, before the line is written.
pub fn wait_for_line(what: &str, path: &Path) {
    wait_for(what, || fs::read_to_string(path).is_ok_and(|text| text.ends_with('\n')));
}

pub fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !condition() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

impl TestEnv {
    /// `list-panes` of one session with a format, one line per pane.
    pub fn panes(&self, session: &str, format: &str) -> Vec<String> {
        let target = format!("={session}:");
        self.tmux(&["list-panes", "-s", "-t", &target, "-F", format])
            .ok()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The names of the sessions on the server (empty when none runs).
    pub fn session_names(&self) -> Vec<String> {
        let run = self.tmux(&["list-sessions", "-F", "#{session_name}"]);
        if !run.output.status.success() {
            return Vec::new();
        }
        run.stdout().lines().map(str::to_string).collect()
    }

    /// Makes a directory (and parents) under HOME.
    pub fn project(&self, relative: &str) -> PathBuf {
        let dir = self.home().join(relative);
        fs::create_dir_all(&dir).unwrap();
        dir
    }
}

impl TestEnv {
    /// Kills the server and waits until it is gone, so a new one can start on the same socket
    /// (a client that connects to a dying server gets "server exited unexpectedly").
    pub fn kill_server(&self) {
        let _ = self.tmux(&["kill-server"]);
        wait_for("the old server to exit", || !self.tmux(&["list-sessions"]).output.status.success());
        // Accepting stops a moment before the process is gone; give it that moment.
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

impl TestEnv {
    /// The agent journal file of `pane` (a tmux target: `%47`, `=s:1.2`) of `session`, under
    /// whichever server key; the newest, should several servers have had a pane of that number.
    pub fn journal_file(&self, session: &str, pane: &str) -> PathBuf {
        let id = self.tmux(&["display-message", "-p", "-t", pane, "#{pane_id}"]).ok();
        let suffix = format!(".{}.json", id.trim().trim_start_matches('%'));
        let agents = self.path("state/cdev/agents");
        let dirs = fs::read_dir(&agents)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .map(|e| e.path().join(session));
        let files =
            dirs.flat_map(|d| fs::read_dir(d).into_iter().flatten().filter_map(|e| e.ok()).map(|e| e.path()));
        files
            .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().ends_with(&suffix)))
            .max_by_key(|p| fs::metadata(p).and_then(|m| m.modified()).ok())
            .unwrap_or_else(|| agents.join("none").join(session).join(suffix))
    }
}

impl TestEnv {
    /// A Claude Code transcript for conversation `id` started in `cwd`, where Claude Code keeps
    /// it (`~/.claude/projects/<cwd, every non-alphanumeric a ->/<id>.jsonl`): a conversation that
    /// was prompted at least once, so `claude --resume` finds it.
    pub fn write_transcript(&self, cwd: &Path, id: &str) -> PathBuf {
        let name: String =
            cwd.to_string_lossy().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
        let path = self.home().join(".claude/projects").join(name).join(format!("{id}.jsonl"));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, format!("{{\"type\":\"user\",\"cwd\":{:?}}}\n", cwd.to_string_lossy())).unwrap();
        path
    }
}

impl TestEnv {
    /// Starts `n` runs of cdev with `args` at once and waits for all of them (for tests that two
    /// runs of one command at once have exactly one outcome).
    pub fn cdev_in_parallel(&self, n: usize, args: &[&str]) -> Vec<Run> {
        let children: Vec<(Vec<String>, Child)> = (0..n)
            .map(|_| {
                let mut cmd = self.command(CDEV);
                cmd.arg("-L").arg(&self.socket).args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
                let argv =
                    std::iter::once(CDEV.to_string()).chain(args.iter().map(|a| a.to_string())).collect();
                (argv, cmd.spawn().expect("spawn cdev"))
            })
            .collect();
        children
            .into_iter()
            .map(|(argv, child)| Run { argv, output: child.wait_with_output().expect("wait for cdev") })
            .collect()
    }

    /// A `claude` stand-in that appends its arguments, one line per start, to the returned log,
    /// then waits; set as the Claude command of every server this test starts.
    pub fn install_counting_claude(&mut self) -> (PathBuf, PathBuf) {
        let log = self.path("claude-starts");
        let script = format!("#!/bin/sh\necho \"$@\" >> '{}'\nexec sleep 600\n", log.display());
        let claude = self.install_wrapper("counting-claude", &script);
        (claude, log)
    }

    /// A lived-in server whose Claude panes (through config.toml's `claude_command`) run the
    /// stand-in of [`TestEnv::install_counting_claude`]; the second value is its log.
    pub fn lived_in_with_counting_claude() -> (TestEnv, PathBuf) {
        let mut env = TestEnv::lived_in();
        let (claude, log) = env.install_counting_claude();
        fs::create_dir_all(env.path("config/cdev")).unwrap();
        let config = format!("claude_command = {:?}\n", claude.to_string_lossy());
        fs::write(env.path("config/cdev/config.toml"), config).unwrap();
        (env, log)
    }

    /// The lines of a log written by [`TestEnv::install_counting_claude`].
    pub fn claude_starts(&self, log: &Path) -> Vec<String> {
        fs::read_to_string(log).unwrap_or_default().lines().map(str::to_string).collect()
    }
}
