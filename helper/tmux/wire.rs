//! tmux's client protocol, spoken on the server's socket: what a `tmux` client process does for
//! one command line (identify itself, send the command, hand back its output and exit status),
//! without starting one. Starting the tmux client is most of what a tmux call costs cdev (exec,
//! dynamic linking, the client's set-up: ~1–3 ms, against ~0.2 ms for the server's work), and the
//! hook handler, the status job and every listing pay it on each call.
//!
//! Only what a command client needs is spoken (tmux's `client.c` and `file.c`, protocol version
//! 8: tmux 2.9 to today). The server is strict — a message of the wrong size makes it abort — so
//! every message here has the exact layout of the C structs. Whenever the direct call cannot be
//! made as the `tmux` program would make it (no server listening, a socket directory tmux would
//! refuse, an argument tmux cannot carry, a server speaking another protocol), nothing is sent
//! and the caller runs the program instead, which then says what is wrong in tmux's own words.

use std::ffi::OsString;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{ExitStatus, Output};
use std::time::Instant;

use anyhow::{anyhow, Result};

use super::NotAnswering;

/// tmux's protocol version (`PROTOCOL_VERSION` in tmux-protocol.h), sent in every header.
const PROTOCOL_VERSION: u32 = 8;
/// tmux's largest message (`MAX_IMSGSIZE`), header included.
const MAX_MESSAGE: usize = 16384;
/// `sizeof(struct imsg_hdr)`: type u32, len u16, flags u16, peerid u32, pid u32.
const HEADER: usize = 16;

// Message types (enum msgtype).
const MSG_VERSION: u32 = 12;
const MSG_IDENTIFY_FLAGS: u32 = 100;
const MSG_IDENTIFY_TERM: u32 = 101;
const MSG_IDENTIFY_TTYNAME: u32 = 102;
const MSG_IDENTIFY_ENVIRON: u32 = 105;
const MSG_IDENTIFY_DONE: u32 = 106;
const MSG_IDENTIFY_CLIENTPID: u32 = 107;
const MSG_IDENTIFY_CWD: u32 = 108;
const MSG_IDENTIFY_FEATURES: u32 = 109;
const MSG_IDENTIFY_LONGFLAGS: u32 = 111;
const MSG_COMMAND: u32 = 200;
const MSG_EXIT: u32 = 203;
const MSG_SHUTDOWN: u32 = 210;
const MSG_READ_OPEN: u32 = 300;
const MSG_READ_DONE: u32 = 302;
const MSG_WRITE_OPEN: u32 = 303;
const MSG_WRITE: u32 = 304;
const MSG_WRITE_READY: u32 = 305;

/// `CLIENT_UTF8`, what `tmux -u` sets: output keeps its control characters and UTF-8.
const CLIENT_UTF8: u64 = 0x10000;
/// `CLIENT_DEFAULTSOCKET`: the client found its socket itself (`-L` or the default; not `-S`).
const CLIENT_DEFAULTSOCKET: u64 = 0x0800_0000;

/// The answer when the server asks the client to read or write a file or stdin for it
/// (`EBADF`): a direct call does neither, and no cdev call asks for it.
const NO_FILES: i32 = 9;

/// Runs the command line `argv` (tmux commands, `;` between them; no global flags) on the server
/// at `socket`, as `tmux -u [-L|-S …] ARGV` would. `Ok(None)`: nothing was sent, run the program.
/// Past `deadline` the call is given up ([`NotAnswering`]), as the program would be killed.
/// With `expected_pid`, a server of another pid on the socket is refused
/// ([`OtherServer`](super::OtherServer)).
pub fn run(
    socket: &Path,
    found_by_tmux: bool,
    argv: &[OsString],
    deadline: Option<Instant>,
    expected_pid: Option<u32>,
) -> Result<Option<Output>> {
    let Some(command) = command_message(argv) else { return Ok(None) };
    if !socket_dir_is_safe(socket, found_by_tmux) {
        return Ok(None);
    }
    let mut stream = match UnixStream::connect(socket) {
        Ok(stream) => stream,
        // Nothing listens (never started, gone, a stale socket file) or it is not ours to reach:
        // the program says so, or starts a server where the command asks for one.
        Err(_) => return Ok(None),
    };
    if let Some(expected) = expected_pid {
        super::server::check_pid(&stream, expected)?;
    }
    let flags = CLIENT_UTF8 | if found_by_tmux { CLIENT_DEFAULTSOCKET } else { 0 };
    let mut hello = identify(flags);
    hello.extend(command);
    set_timeouts(&stream, deadline)?;
    if let Err(err) = stream.write_all(&hello) {
        // The server went away between accepting and reading (it was exiting): as the program
        // would, say so; the gateway tries again.
        return match err.kind() {
            ErrorKind::WouldBlock | ErrorKind::TimedOut => Err(NotAnswering.into()),
            _ => Ok(Some(lost_server(Vec::new(), Vec::new()))),
        };
    }
    converse(&mut stream, deadline)
}

/// Reads the server's answer: output by stream until `MSG_EXIT`, replying to what needs a reply.
fn converse(stream: &mut UnixStream, deadline: Option<Instant>) -> Result<Option<Output>> {
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    // Bytes read and not yet taken apart; `start` is where the next message begins (messages
    // are taken from the front without moving what follows: a capture is hundreds of them).
    let mut pending: Vec<u8> = Vec::new();
    let mut start = 0;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        while let Some((kind, data, used)) = next_message(&pending[start..])? {
            start += used;
            match kind {
                MSG_VERSION => return Ok(None),
                MSG_WRITE_OPEN if data.len() >= 12 => {
                    // struct msg_write_open { int stream; int fd; int flags; } + path: the server
                    // writes to the client's stdout (1) or stderr (2): say it may. A file the
                    // client should write for it (`save-buffer PATH`) is refused, not faked.
                    let error = if matches!(int(&data[..4]), 1 | 2) { 0 } else { NO_FILES };
                    let ready = [&data[..4], &error.to_ne_bytes()[..]].concat();
                    send(stream, MSG_WRITE_READY, &ready, deadline)?;
                }
                MSG_WRITE if data.len() >= 4 => match int(&data[..4]) {
                    1 => stdout.extend_from_slice(&data[4..]),
                    _ => stderr.extend_from_slice(&data[4..]),
                },
                MSG_READ_OPEN if data.len() >= 8 => {
                    let done = [&data[..4], &NO_FILES.to_ne_bytes()[..]].concat();
                    send(stream, MSG_READ_DONE, &done, deadline)?;
                }
                MSG_EXIT | MSG_SHUTDOWN => {
                    // int retval, then an optional message the program prints on stderr.
                    let code = if data.len() >= 4 { int(&data[..4]) } else { 0 };
                    if data.len() > 4 {
                        let message = data[4..].split(|b| *b == 0).next().unwrap_or_default();
                        stderr.extend_from_slice(message);
                        stderr.push(b'\n');
                    }
                    return Ok(Some(Output { status: exit_status(code), stdout, stderr }));
                }
                // Anything else (newer tmux's messages, a write close) needs no answer.
                _ => {}
            }
        }
        pending.drain(..start);
        start = 0;
        match stream.read(&mut buffer) {
            Ok(0) => return Ok(Some(lost_server(stdout, stderr))),
            Ok(n) => pending.extend_from_slice(&buffer[..n]),
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(NotAnswering.into())
            }
            Err(_) => return Ok(Some(lost_server(stdout, stderr))),
        }
        set_timeouts(stream, deadline)?;
    }
}

/// The first whole message in `pending`: its type, its data, and how many bytes it used.
fn next_message(pending: &[u8]) -> Result<Option<(u32, &[u8], usize)>> {
    if pending.len() < HEADER {
        return Ok(None);
    }
    let kind = u32::from_ne_bytes(pending[0..4].try_into().expect("4 bytes"));
    let len = usize::from(u16::from_ne_bytes(pending[4..6].try_into().expect("2 bytes")));
    if len < HEADER {
        return Err(anyhow!("the tmux server sent a message shorter than its header"));
    }
    if pending.len() < len {
        return Ok(None);
    }
    Ok(Some((kind, &pending[HEADER..len], len)))
}

/// What the program says when its server closes the connection before the command ends.
fn lost_server(stdout: Vec<u8>, mut stderr: Vec<u8>) -> Output {
    stderr.extend_from_slice(format!("{}\n", super::SERVER_EXITED).as_bytes());
    Output { status: exit_status(1), stdout, stderr }
}

fn exit_status(code: i32) -> ExitStatus {
    // A wait status: the exit code in the second byte.
    ExitStatus::from_raw((code & 0xff) << 8)
}

fn int(bytes: &[u8]) -> i32 {
    i32::from_ne_bytes(bytes[..4].try_into().expect("4 bytes"))
}

/// One message as tmux's `proc_send` frames it: peer id is the protocol version, pid is -1.
fn message(kind: u32, data: &[u8]) -> Vec<u8> {
    let len = u16::try_from(HEADER + data.len()).expect("messages are built under MAX_MESSAGE");
    let mut out = Vec::with_capacity(HEADER + data.len());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(&len.to_ne_bytes());
    out.extend_from_slice(&0u16.to_ne_bytes());
    out.extend_from_slice(&PROTOCOL_VERSION.to_ne_bytes());
    out.extend_from_slice(&u32::MAX.to_ne_bytes());
    out.extend_from_slice(data);
    out
}

/// A NUL-terminated string's message.
fn string_message(kind: u32, text: &[u8]) -> Vec<u8> {
    message(kind, &[text, b"\0"].concat())
}

/// `MSG_COMMAND`: `struct msg_command { int argc; }` and the arguments, each NUL-terminated.
/// `None` when tmux could not carry it (an argument holding a NUL, or past the message limit):
/// the program then refuses it in its own words.
fn command_message(argv: &[OsString]) -> Option<Vec<u8>> {
    let argc = i32::try_from(argv.len()).ok()?;
    let mut data = argc.to_ne_bytes().to_vec();
    for arg in argv {
        let bytes = arg.as_bytes();
        if bytes.contains(&0) {
            return None;
        }
        data.extend_from_slice(bytes);
        data.push(0);
    }
    (HEADER + data.len() <= MAX_MESSAGE).then(|| message(MSG_COMMAND, &data))
}

/// The identify messages the program sends, in its order, for a client with no terminal: flags,
/// terminal name, features, tty name, working directory, pid, environment, done. The client's
/// cwd and environment are what `new-session` and `run-shell` inherit, as from the program.
fn identify(flags: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 * 1024);
    out.extend(message(MSG_IDENTIFY_FLAGS, &(flags as i32).to_ne_bytes()));
    out.extend(message(MSG_IDENTIFY_LONGFLAGS, &flags.to_ne_bytes()));
    let term = std::env::var_os("TERM").unwrap_or_default();
    out.extend(string_message(MSG_IDENTIFY_TERM, without_nul(term.as_bytes())));
    out.extend(message(MSG_IDENTIFY_FEATURES, &0i32.to_ne_bytes()));
    out.extend(string_message(MSG_IDENTIFY_TTYNAME, &stdin_tty_name()));
    out.extend(string_message(MSG_IDENTIFY_CWD, &working_directory()));
    out.extend(message(MSG_IDENTIFY_CLIENTPID, &(std::process::id() as i32).to_ne_bytes()));
    for (key, value) in std::env::vars_os() {
        let entry = [key.as_bytes(), b"=", value.as_bytes()].concat();
        // The program skips what does not fit in one message; NUL cannot be in the environment.
        if HEADER + entry.len() < MAX_MESSAGE {
            out.extend(string_message(MSG_IDENTIFY_ENVIRON, &entry));
        }
    }
    out.extend(message(MSG_IDENTIFY_DONE, &[]));
    out
}

fn without_nul(bytes: &[u8]) -> &[u8] {
    bytes.split(|b| *b == 0).next().unwrap_or_default()
}

/// The terminal on stdin, by name, as the program sends it (tmux finds "the pane cdev runs in"
/// by it); empty without one. Its descriptor is not passed: a command client that has one is
/// set up as a terminal, and none of cdev's calls wants that.
fn stdin_tty_name() -> Vec<u8> {
    let stdin = std::io::stdin();
    if !rustix::termios::isatty(&stdin) {
        return Vec::new();
    }
    #[cfg(target_os = "linux")]
    let name = rustix::termios::ttyname(&stdin, Vec::new()).map(|name| name.into_bytes()).unwrap_or_default();
    // Elsewhere tmux finds the pane from `$TMUX_PANE` in the environment sent, as it does then.
    #[cfg(not(target_os = "linux"))]
    let name = Vec::new();
    name
}

/// The working directory as the program finds it: `$PWD` when it names the same directory (so a
/// path through a symlink stays as the user typed it), else the real one, else `$HOME`, else `/`.
fn working_directory() -> Vec<u8> {
    let real = std::env::current_dir().ok();
    if let (Some(pwd), Some(real)) = (std::env::var_os("PWD"), &real) {
        let same = std::fs::canonicalize(&pwd).ok().as_deref() == std::fs::canonicalize(real).ok().as_deref();
        if Path::new(&pwd).is_absolute() && same {
            return pwd.into_vec();
        }
    }
    match real.or_else(|| std::env::var_os("HOME").map(Into::into)) {
        Some(dir) => without_nul(dir.as_os_str().as_bytes()).to_vec(),
        None => b"/".to_vec(),
    }
}

/// Whether the program would use this socket: for one it finds itself (`-L` and the default, not
/// `-S`) it refuses a directory that is not the user's own, that others may enter ("unsafe
/// permissions"), or that is a symlink.
fn socket_dir_is_safe(socket: &Path, found_by_tmux: bool) -> bool {
    use std::os::unix::fs::MetadataExt;
    if !found_by_tmux {
        return true;
    }
    let Some(dir) = socket.parent() else { return false };
    // Not followed: tmux refuses a `tmux-UID` that is a symlink ("is not a directory").
    match std::fs::symlink_metadata(dir) {
        Ok(meta) => meta.is_dir() && meta.uid() == crate::paths::current_uid() && meta.mode() & 0o007 == 0,
        Err(_) => false,
    }
}

fn send(stream: &mut UnixStream, kind: u32, data: &[u8], deadline: Option<Instant>) -> Result<()> {
    set_timeouts(stream, deadline)?;
    match stream.write_all(&message(kind, data)) {
        Ok(()) => Ok(()),
        Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            Err(NotAnswering.into())
        }
        // The server is gone: the read that follows says so.
        Err(_) => Ok(()),
    }
}

/// Each read and write waits no longer than what is left until `deadline`.
fn set_timeouts(stream: &UnixStream, deadline: Option<Instant>) -> Result<()> {
    let Some(deadline) = deadline else { return Ok(()) };
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(NotAnswering.into());
    }
    stream.set_read_timeout(Some(left))?;
    stream.set_write_timeout(Some(left))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_the_c_layout() {
        let m = message(MSG_IDENTIFY_FLAGS, &7i32.to_ne_bytes());
        assert_eq!(m.len(), HEADER + 4);
        assert_eq!(u32::from_ne_bytes(m[0..4].try_into().unwrap()), 100);
        assert_eq!(u16::from_ne_bytes(m[4..6].try_into().unwrap()), 20);
        assert_eq!(u32::from_ne_bytes(m[8..12].try_into().unwrap()), 8, "peer id carries the protocol");
        let (kind, data, used) = next_message(&m).unwrap().unwrap();
        assert_eq!((kind, data, used), (100, &7i32.to_ne_bytes()[..], 20));
        assert!(next_message(&m[..19]).unwrap().is_none(), "half a message waits for the rest");
    }

    /// A stand-in server on the other end of a socket pair: sends `messages`, then closes; what
    /// the client answered comes back.
    fn against(messages: Vec<u8>) -> (Result<Option<Output>>, Vec<u8>) {
        let (mut client, mut server) = UnixStream::pair().unwrap();
        let talker = std::thread::spawn(move || {
            server.write_all(&messages).unwrap();
            server.shutdown(std::net::Shutdown::Write).unwrap();
            let mut answered = Vec::new();
            let _ = server.read_to_end(&mut answered);
            answered
        });
        let outcome = converse(&mut client, None);
        drop(client);
        (outcome, talker.join().unwrap())
    }

    #[test]
    fn output_by_stream_and_the_exit_status_and_message_are_the_programs() {
        let ints = |values: &[i32]| values.iter().flat_map(|v| v.to_ne_bytes()).collect::<Vec<u8>>();
        let mut script = message(MSG_WRITE_OPEN, &[ints(&[1, 1, 0]), b"-\0".to_vec()].concat());
        script.extend(message(MSG_WRITE, &[ints(&[1]), b"out ".to_vec()].concat()));
        script.extend(message(MSG_WRITE, &[ints(&[2]), b"err ".to_vec()].concat()));
        script.extend(message(MSG_WRITE, &[ints(&[1]), b"more".to_vec()].concat()));
        script.extend(message(MSG_WRITE_OPEN, &[ints(&[5, -1, 0]), b"/tmp/x\0".to_vec()].concat()));
        script.extend(message(MSG_EXIT, &[ints(&[3]), b"bye\0".to_vec()].concat()));
        let (outcome, answered) = against(script);
        let output = outcome.unwrap().unwrap();
        assert_eq!(
            (output.stdout.as_slice(), output.stderr.as_slice()),
            (&b"out more"[..], &b"err bye\n"[..])
        );
        assert_eq!(output.status.code(), Some(3));
        // Stdout may be written; a file the server would have the client write is refused.
        let ready =
            [message(MSG_WRITE_READY, &ints(&[1, 0])), message(MSG_WRITE_READY, &ints(&[5, NO_FILES]))];
        assert_eq!(answered, ready.concat());
    }

    #[test]
    fn a_server_that_goes_away_or_talks_nonsense_is_an_answer_not_a_panic() {
        let (outcome, _) = against(Vec::new());
        assert!(
            String::from_utf8_lossy(&outcome.unwrap().unwrap().stderr).contains("server exited unexpectedly")
        );
        let (outcome, _) = against(message(MSG_VERSION, &[]));
        assert!(outcome.unwrap().is_none(), "another protocol: the program is run instead");
        let mut short = message(MSG_WRITE, &[]);
        short[4..6].copy_from_slice(&4u16.to_ne_bytes());
        assert!(against(short).0.is_err(), "a length shorter than the header");
        for kind in [MSG_WRITE, MSG_WRITE_OPEN, MSG_READ_OPEN, MSG_EXIT, 9999] {
            for len in 0..6 {
                let _ = against(message(kind, &vec![0xff; len]));
            }
        }
    }

    #[test]
    fn commands_tmux_cannot_carry_are_left_to_the_program() {
        let arg = |s: &str| OsString::from(s);
        let ok = command_message(&[arg("display-message"), arg("-p"), arg("x")]).unwrap();
        assert_eq!(&ok[HEADER..HEADER + 4], &3i32.to_ne_bytes());
        assert!(ok.ends_with(b"display-message\0-p\0x\0"));
        assert!(command_message(&[arg("a\0b")]).is_none());
        assert!(command_message(&[arg(&"x".repeat(MAX_MESSAGE))]).is_none());
    }
}
