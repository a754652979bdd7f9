//! The tmux gateway: the only place in cdev that runs tmux.
//!
//! It knows which server to talk to (`-L`, `-S`, `$TMUX`, or tmux's default), builds argv (never a
//! shell string), chains several commands into one tmux process with `;`, checks the tmux version
//! once per installed binary, and reads state with one `list-* -F` call parsed into typed records.

pub mod command;
pub mod environment;
pub mod format;
pub mod layout;
pub mod options;
pub mod state;
pub mod target;
pub mod version;

use std::cell::{Cell, OnceCell};
use std::env;
use std::ffi::OsString;
use std::fmt;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};

pub use command::TmuxCommand;
pub use format::Record;
pub use options::TmuxOptions;
pub use version::Version;

/// Which tmux server to talk to, chosen exactly as tmux chooses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Server {
    /// tmux's default socket (`tmux` with no `-L`/`-S` and no `$TMUX`).
    Default,
    /// `-L NAME`: a named socket in tmux's socket directory.
    Name(String),
    /// `-S PATH`: a socket path; also the server of `$TMUX` when running inside tmux.
    Socket(PathBuf),
}

impl Server {
    /// `-S` wins over `-L` as in tmux; without either, the server of `$TMUX`, else the default.
    pub fn choose(name: Option<String>, socket: Option<PathBuf>) -> Server {
        if let Some(path) = socket {
            return Server::Socket(path);
        }
        if let Some(name) = name {
            return Server::Name(name);
        }
        match env::var("TMUX") {
            // $TMUX is "socket_path,server_pid,session_id"; the path itself may hold commas.
            Ok(value) if !value.is_empty() => {
                let path = value.rsplitn(3, ',').last().unwrap_or(&value);
                Server::Socket(PathBuf::from(path))
            }
            _ => Server::Default,
        }
    }

    /// The socket this server listens on, found as tmux finds it: `-S` as given, else
    /// `$TMUX_TMPDIR` (or `/tmp`) / `tmux-<uid>` / the `-L` name or `default`.
    pub fn socket_path(&self) -> PathBuf {
        let name = match self {
            Server::Socket(path) => return path.clone(),
            Server::Name(name) => name.as_str(),
            Server::Default => "default",
        };
        let base = env::var_os("TMUX_TMPDIR").filter(|d| !d.is_empty()).unwrap_or_else(|| "/tmp".into());
        PathBuf::from(base).join(format!("tmux-{}", crate::paths::current_uid())).join(name)
    }

    fn args(&self) -> Vec<OsString> {
        match self {
            Server::Default => vec![],
            Server::Name(name) => vec!["-L".into(), name.into()],
            Server::Socket(path) => vec!["-S".into(), path.into()],
        }
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Server::Default => write!(f, "the default tmux server"),
            Server::Name(name) => write!(f, "tmux server -L {name}"),
            Server::Socket(path) => write!(f, "tmux server -S {}", path.display()),
        }
    }
}

/// The error for "there is no server to talk to", which many commands treat as an empty server.
#[derive(Debug)]
pub struct NoServer(pub String);

impl fmt::Display for NoServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no tmux server is running ({})", self.0)
    }
}

impl std::error::Error for NoServer {}

/// True when `err` (or its cause) says no tmux server is running.
pub fn is_no_server(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| cause.is::<NoServer>())
}

/// A handle on one tmux server. Cheap to make; it spawns nothing until asked.
pub struct Tmux {
    program: PathBuf,
    server: Server,
    version_cache: PathBuf,
    version: OnceCell<Version>,
    spawned: Cell<u32>,
    /// When set, a tmux client still running at this instant is killed and its call fails.
    deadline: Option<Instant>,
}

impl Tmux {
    /// Finds `tmux` on `PATH`. `version_cache` is where the detected version is remembered.
    pub fn new(server: Server, version_cache: PathBuf) -> Result<Tmux> {
        let program = find_on_path("tmux").ok_or_else(|| anyhow!("could not find tmux, is it installed?"))?;
        Ok(Tmux {
            program,
            server,
            version_cache,
            version: OnceCell::new(),
            spawned: Cell::new(0),
            deadline: None,
        })
    }

    /// This handle, with every call made through it given up at `deadline`: the tmux client is
    /// killed and the call fails. For callers that must never wait on a server that hangs (a
    /// stopped or wedged server accepts the connection and never answers); the hook handler
    /// holds Claude Code up for as long as it runs.
    pub fn with_deadline(mut self, deadline: Instant) -> Tmux {
        self.deadline = Some(deadline);
        self
    }

    pub fn server(&self) -> &Server {
        &self.server
    }

    /// How many tmux processes this handle has started (for tests and `--timings`-style checks).
    pub fn spawned(&self) -> u32 {
        self.spawned.get()
    }

    /// The tmux version, from the cache when the binary has not changed since it was last asked.
    pub fn version(&self) -> Result<Version> {
        if let Some(version) = self.version.get() {
            return Ok(*version);
        }
        let fingerprint = version::binary_fingerprint(&self.program);
        let cached = fingerprint.as_deref().and_then(|key| version::read_cached(&self.version_cache, key));
        let output = match cached {
            Some(output) => output,
            None => {
                let out = self.spawn(&[OsString::from("-V")])?;
                let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
                if !out.status.success() || Version::parse(&text).is_none() {
                    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
                    bail!("could not read the tmux version from `tmux -V`: {text:?} {stderr}");
                }
                if let Some(key) = &fingerprint {
                    version::write_cached(&self.version_cache, key, &text);
                }
                text
            }
        };
        let parsed = Version::parse(&output)
            .ok_or_else(|| anyhow!("could not read the tmux version from {output:?}"))?;
        Ok(*self.version.get_or_init(|| parsed))
    }

    /// The shell command line that runs `commands` in one tmux process, as `run_chain` would.
    pub fn command_line(&self, commands: &[TmuxCommand]) -> String {
        let argv: Vec<String> = std::iter::once(self.program.to_string_lossy().into_owned())
            .chain(self.chain_argv(commands).iter().map(|a| a.to_string_lossy().into_owned()))
            .collect();
        shell_words::join(argv)
    }

    fn chain_argv(&self, commands: &[TmuxCommand]) -> Vec<OsString> {
        // `-u`: without it, a client in a non-UTF-8 locale gets every control character and
        // non-ASCII byte of the output replaced by `_`, record separators included.
        let mut argv: Vec<OsString> = vec!["-u".into()];
        argv.extend(self.server.args());
        for (i, command) in commands.iter().enumerate() {
            if i > 0 {
                argv.push(";".into());
            }
            argv.extend(command.args().iter().map(OsString::from));
        }
        argv
    }

    /// Runs one command and returns its stdout.
    pub fn run(&self, command: TmuxCommand) -> Result<String> {
        self.run_chain(&[command])
    }

    /// Runs several commands in one tmux process, joined with `;`. tmux stops at the first
    /// failing command; its error is returned.
    pub fn run_chain(&self, commands: &[TmuxCommand]) -> Result<String> {
        let stdout = self.run_chain_bytes(commands)?;
        String::from_utf8(stdout).context("tmux printed output that is not UTF-8")
    }

    /// [`Tmux::run_chain`], returning stdout as bytes (listings may hold paths that are not UTF-8).
    /// tmux refuses a client whose arguments pass 16 KiB ("command too long"), so a longer chain
    /// is run in as few processes as fit, in order, stopping at the first that fails.
    pub fn run_chain_bytes(&self, commands: &[TmuxCommand]) -> Result<Vec<u8>> {
        let mut output = Vec::new();
        for batch in batches(commands, MAX_CHAIN_BYTES) {
            output.extend(self.run_one_chain(batch)?);
        }
        Ok(output)
    }

    fn run_one_chain(&self, commands: &[TmuxCommand]) -> Result<Vec<u8>> {
        if commands.is_empty() {
            return Ok(Vec::new());
        }
        self.version()?.ensure_supported()?;
        let argv = self.chain_argv(commands);
        let mut output = self.spawn(&argv)?;
        // A server on its way out (its last session just closed, or a `start-server` with no
        // session to keep it) can accept a client and close it before running anything: tmux
        // says "server exited unexpectedly". Nothing ran, so the call is made again; by then the
        // socket refuses, and tmux starts a fresh server where the command asks for one.
        for pause_ms in SERVER_EXIT_RETRY_PAUSES_MS {
            if output.status.success() || !String::from_utf8_lossy(&output.stderr).contains(SERVER_EXITED) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(pause_ms));
            output = self.spawn(&argv)?;
        }
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
        if !output.status.success() {
            if is_no_server_message(&stderr) {
                return Err(NoServer(stderr).into());
            }
            let mut shown = shell_words::join(commands[0].args());
            if shown.chars().count() > 160 {
                shown = format!("{}…", shown.chars().take(160).collect::<String>());
            }
            if commands.len() > 1 {
                shown.push_str(&format!(" (and {} more commands in the same call)", commands.len() - 1));
            }
            bail!("tmux {shown} failed: {}", if stderr.is_empty() { "no message" } else { &stderr });
        }
        Ok(output.stdout)
    }

    /// Runs `list` (e.g. `list-panes -a`) with the record's format and parses every line.
    pub fn query<R: Record>(&self, list: TmuxCommand) -> Result<Vec<R>> {
        let output = self.run_chain_bytes(&[list.format("-F", &format::format_string(R::FIELDS))])?;
        format::parse_records(&output).context("could not read tmux's output")
    }

    /// The server's global (session) options and the records of `list`, in one tmux process.
    /// `Ok(None)` when no server is running.
    pub fn read_with_options<R: Record>(&self, list: TmuxCommand) -> Result<Option<(TmuxOptions, Vec<R>)>> {
        self.read_state(list, false)
    }

    /// [`Tmux::read_with_options`] plus window options (`pane-base-index`), starting the server
    /// first when none runs, so its options (from the user's tmux.conf) are the ones a new session
    /// will get.
    pub fn start_and_read<R: Record>(&self, list: TmuxCommand) -> Result<(TmuxOptions, Vec<R>)> {
        self.read_state(list, true)?.ok_or_else(|| anyhow!("the tmux server exited while starting"))
    }

    fn read_state<R: Record>(&self, list: TmuxCommand, start: bool) -> Result<Option<(TmuxOptions, Vec<R>)>> {
        let mut chain = Vec::new();
        if start {
            chain.push(TmuxCommand::new("start-server"));
        }
        chain.push(TmuxCommand::new("show-options").flag("-g"));
        if start {
            chain.push(TmuxCommand::new("show-options").flag("-gw"));
        }
        chain.push(list.format("-F", &format::format_string(R::FIELDS)));
        let output = match self.run_chain_bytes(&chain) {
            Ok(output) => output,
            Err(err) if is_no_server(&err) => return Ok(None),
            Err(err) => return Err(err),
        };
        let records = format::parse_records(&output).context("could not read tmux's output")?;
        // Options come before the first record; a path inside a record can never pose as one.
        let options_end = output.iter().position(|b| *b == format::RECORD_TAG).unwrap_or(output.len());
        Ok(Some((TmuxOptions::parse(&String::from_utf8_lossy(&output[..options_end])), records)))
    }

    /// Replaces this process with `tmux attach-session` to `session` (outside tmux). Returns only
    /// on failure.
    #[allow(clippy::disallowed_methods)]
    pub fn exec_attach(&self, session: &str) -> anyhow::Error {
        use std::os::unix::process::CommandExt;
        let target = target::session(session);
        let err = Command::new(&self.program)
            .args(self.server.args())
            .args(["attach-session", "-t", &target])
            .exec();
        anyhow!(err).context(format!("could not attach to {session}"))
    }

    /// The server's `@cdev-*` options; empty when no server is running.
    pub fn options(&self) -> Result<TmuxOptions> {
        match self.run(TmuxCommand::new("show-options").flag("-g")) {
            Ok(output) => Ok(TmuxOptions::parse(&output)),
            Err(err) if is_no_server(&err) => Ok(TmuxOptions::default()),
            Err(err) => Err(err),
        }
    }

    // The one place a tmux process is started.
    #[allow(clippy::disallowed_methods)]
    fn spawn(&self, argv: &[OsString]) -> Result<Output> {
        self.spawned.set(self.spawned.get() + 1);
        let mut command = Command::new(&self.program);
        command.args(argv);
        let cannot_run = |err: std::io::Error| match err.kind() {
            ErrorKind::NotFound => anyhow!("could not find tmux, is it installed?"),
            _ => anyhow!(err).context(format!("could not run {}", self.program.display())),
        };
        match self.deadline {
            None => command.output().map_err(cannot_run),
            Some(deadline) => {
                command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
                output_by(command.spawn().map_err(cannot_run)?, deadline)
            }
        }
    }
}

/// The output of `child`, or an error once `deadline` passes with the child still running (it is
/// killed then). Each pipe is drained by a thread of its own, so a full pipe never stalls the
/// child and the wait itself can time out.
fn output_by(mut child: std::process::Child, deadline: Instant) -> Result<Output> {
    use std::io::Read;
    let (sender, receiver) = std::sync::mpsc::channel();
    let pipes: [Option<Box<dyn Read + Send>>; 2] = [
        child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
        child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
    ];
    for (which, pipe) in pipes.into_iter().enumerate() {
        let sender = sender.clone();
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            let _ = sender.send((which, bytes));
        });
    }
    let mut streams: [Option<Vec<u8>>; 2] = [None, None];
    while streams.iter().any(Option::is_none) {
        let left = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(left) {
            Ok((which, bytes)) => streams[which] = Some(bytes),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                bail!(NotAnswering);
            }
        }
    }
    // Both pipes are closed: the client is exiting.
    let status = child.wait().context("could not wait for tmux")?;
    let [stdout, stderr] = streams.map(Option::unwrap_or_default);
    Ok(Output { status, stdout, stderr })
}

/// The error for a tmux call given up at its deadline.
#[derive(Debug)]
pub struct NotAnswering;

impl fmt::Display for NotAnswering {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the tmux server did not answer in time (the call was given up)")
    }
}

impl std::error::Error for NotAnswering {}

/// What one tmux client may send: tmux's message limit (16 KiB) less room for its header and
/// the server flags.
const MAX_CHAIN_BYTES: usize = 15 * 1024;

/// Splits `commands` into consecutive runs whose packed arguments fit in `limit` bytes (a
/// command longer than that on its own gets a run to itself, and tmux's own error).
fn batches(commands: &[TmuxCommand], limit: usize) -> Vec<&[TmuxCommand]> {
    let mut runs = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, command) in commands.iter().enumerate() {
        // Each argument is sent with its terminating NUL; `;` separates commands.
        let bytes: usize = command.args().iter().map(|a| a.len() + 1).sum::<usize>() + 2;
        if i > start && size + bytes > limit {
            runs.push(&commands[start..i]);
            (start, size) = (i, 0);
        }
        size += bytes;
    }
    if start < commands.len() {
        runs.push(&commands[start..]);
    }
    runs
}

/// tmux's messages when nothing listens on the socket: never started, or a stale socket file.
/// What a tmux client says when its server goes away under it.
const SERVER_EXITED: &str = "server exited unexpectedly";

/// How long to wait before each new try of a call a shutting-down server dropped.
const SERVER_EXIT_RETRY_PAUSES_MS: [u64; 3] = [10, 50, 200];

fn is_no_server_message(stderr: &str) -> bool {
    stderr.starts_with("no server running on")
        || (stderr.starts_with("error connecting to")
            && (stderr.contains("No such file or directory") || stderr.contains("Connection refused")))
}

/// The first executable named `name` on `PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_flag_wins_over_name_as_in_tmux() {
        let s = Server::choose(Some("a".into()), Some(PathBuf::from("/s")));
        assert_eq!(s, Server::Socket(PathBuf::from("/s")));
        assert_eq!(Server::choose(Some("a".into()), None), Server::Name("a".into()));
    }

    #[test]
    fn long_chains_are_split_in_order_and_short_ones_are_not() {
        let commands: Vec<TmuxCommand> =
            (0..10).map(|i| TmuxCommand::new("set-option").arg(&"x".repeat(i * 10))).collect();
        assert_eq!(batches(&commands, 100_000).len(), 1);
        let runs = batches(&commands, 200);
        assert!(runs.len() > 1);
        assert_eq!(runs.iter().map(|r| r.len()).sum::<usize>(), 10);
        assert_eq!(runs.concat(), commands, "nothing lost, nothing reordered");
        assert_eq!(batches(&[], 10).len(), 0);
    }

    #[test]
    fn no_server_messages_are_recognised() {
        assert!(is_no_server_message("no server running on /tmp/tmux-0/x"));
        assert!(is_no_server_message("error connecting to /tmp/tmux-0/x (No such file or directory)"));
        assert!(is_no_server_message("error connecting to /tmp/tmux-0/x (Connection refused)"));
        assert!(!is_no_server_message("error connecting to /tmp/tmux-0/x (Permission denied)"));
        assert!(!is_no_server_message("can't find session: x"));
    }
}
