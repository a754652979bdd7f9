//! The tmux gateway: the only place in cdev that runs tmux.
//!
//! It knows which server to talk to (`-L`, `-S`, `$TMUX`, or tmux's default), builds argv (never a
//! shell string), chains several commands into one tmux process with `;`, checks the tmux version
//! once per installed binary, and reads state with one `list-* -F` call parsed into typed records.

pub mod cdev_option;
pub mod command;
pub mod environment;
pub mod format;
pub mod layout;
pub mod listing;
pub mod options;
mod process;
mod server;
pub mod state;
pub mod target;
pub mod verbs;
pub mod version;
mod wire;

use std::cell::{Cell, OnceCell};
use std::env;
use std::ffi::OsString;
use std::io::ErrorKind;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};

pub use command::TmuxCommand;
pub use format::Record;
pub use options::TmuxOptions;
pub use process::{find_on_path, is_executable, NotAnswering};
pub use server::{is_no_server, NoServer, OtherServer, Refused, Server};
pub use version::Version;

use process::output_by;
use server::{is_no_server_message, SERVER_EXITED};

/// A handle on one tmux server. Cheap to make; it spawns nothing until asked.
pub struct Tmux {
    program: PathBuf,
    server: Server,
    version_cache: PathBuf,
    version: OnceCell<Version>,
    spawned: Cell<u32>,
    /// Calls made, by either way (wire.rs or the program).
    calls: Cell<u32>,
    /// Whether calls may go straight to the server's socket (wire.rs) rather than through the
    /// tmux program: yes unless `CDEV_TMUX_CLIENT=program`.
    direct: bool,
    /// When set, a call to a server of another pid is refused ([`Tmux::only_server_pid`]).
    server_pid: Option<u32>,
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
            calls: Cell::new(0),
            direct: env::var_os("CDEV_TMUX_CLIENT").is_none_or(|v| v != "program"),
            server_pid: None,
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

    /// This handle, refusing every call ([`OtherServer`]) when the server listening on the socket
    /// is not the process `pid` (told by the socket's peer credentials, no round trip): for
    /// Claude Code's hooks, which must only ever reach the server of their pane.
    pub fn only_server_pid(mut self, pid: Option<u32>) -> Tmux {
        self.server_pid = pid;
        self
    }

    /// This handle, making every call through the tmux program (as `CDEV_TMUX_CLIENT=program`):
    /// for comparing the two ways in tests.
    pub fn through_program(mut self) -> Tmux {
        self.direct = false;
        self
    }

    pub fn server(&self) -> &Server {
        &self.server
    }

    /// How many tmux processes this handle has started (for tests and `--timings`-style checks).
    pub fn spawned(&self) -> u32 {
        self.spawned.get()
    }

    /// How many calls this handle has made to the server, straight on its socket or through a
    /// tmux process: the round trips.
    pub fn calls(&self) -> u32 {
        self.calls.get()
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
        // non-ASCII byte of the output replaced by `_`, record separators included. (The direct
        // client in wire.rs sets the same flag.)
        let mut argv: Vec<OsString> = vec!["-u".into()];
        argv.extend(self.server.args());
        argv.extend(commands_argv(commands));
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
        let mut output = self.call(commands)?;
        // A server on its way out (its last session just closed, or a `start-server` with no
        // session to keep it) can accept a client and close it before running anything: tmux
        // says "server exited unexpectedly". Nothing ran, so the call is made again; by then the
        // socket refuses, and tmux starts a fresh server where the command asks for one.
        for pause_ms in SERVER_EXIT_RETRY_PAUSES_MS {
            if output.status.success() || !String::from_utf8_lossy(&output.stderr).contains(SERVER_EXITED) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(pause_ms));
            output = self.call(commands)?;
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
            let message = if stderr.is_empty() { "no message".to_string() } else { stderr };
            return Err(Refused { sent: shown, message }.into());
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

    /// One call of `commands`: straight on the server's socket (wire.rs) unless told otherwise
    /// (`CDEV_TMUX_CLIENT=program`, [`Tmux::through_program`]), else — or when the direct call
    /// cannot be made as the program would make it — by running the tmux program.
    fn call(&self, commands: &[TmuxCommand]) -> Result<Output> {
        self.calls.set(self.calls.get() + 1);
        let started = Instant::now();
        let output = self.call_once(commands);
        let first = commands.first().and_then(|c| c.args().first()).map_or("", String::as_str);
        crate::timings::tmux_called(first, commands.len(), started.elapsed());
        output
    }

    fn call_once(&self, commands: &[TmuxCommand]) -> Result<Output> {
        if self.direct {
            let socket = self.server.socket_path();
            let found_by_tmux = !matches!(self.server, Server::Socket(_));
            let argv = commands_argv(commands);
            if let Some(output) = wire::run(&socket, found_by_tmux, &argv, self.deadline, self.server_pid)? {
                return Ok(output);
            }
        }
        if let Some(expected) = self.server_pid {
            // The program cannot be asked which server it reached: ask the socket first.
            if let Ok(probe) = std::os::unix::net::UnixStream::connect(self.server.socket_path()) {
                server::check_pid(&probe, expected)?;
            }
        }
        self.spawn(&self.chain_argv(commands))
    }

    // The one place a tmux process is started.
    #[allow(clippy::disallowed_methods)]
    fn spawn(&self, argv: &[OsString]) -> Result<Output> {
        self.spawned.set(self.spawned.get() + 1);
        crate::timings::tmux_started();
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

/// The command part of a tmux command line: each command's arguments, `;` between commands.
fn commands_argv(commands: &[TmuxCommand]) -> Vec<OsString> {
    let mut argv = Vec::new();
    for (i, command) in commands.iter().enumerate() {
        if i > 0 {
            argv.push(";".into());
        }
        argv.extend(command.args().iter().map(OsString::from));
    }
    argv
}

/// How long to wait before each new try of a call a shutting-down server dropped.
const SERVER_EXIT_RETRY_PAUSES_MS: [u64; 3] = [10, 50, 200];

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
