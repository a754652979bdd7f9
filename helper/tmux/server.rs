//! Which tmux server cdev talks to, where its socket is, and the errors that say it is not there.

use std::env;
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

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

    /// The pid of the server named by `$TMUX` ("socket_path,server_pid,session_id"): the server
    /// the pane this process runs in belongs to.
    pub fn tmux_env_pid() -> Option<u32> {
        let value = env::var("TMUX").ok()?;
        value.rsplit(',').nth(1)?.parse().ok()
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

    pub(super) fn args(&self) -> Vec<OsString> {
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

/// A call tmux ran and refused (a command in it failed): what was sent, shortened, and tmux's
/// own message. Callers that sent a long chain of their own making (the save's capture chain)
/// show only the message, which names the pane or session that was missing.
#[derive(Debug)]
pub struct Refused {
    pub sent: String,
    pub message: String,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tmux {} failed: {}", self.sent, self.message)
    }
}

impl std::error::Error for Refused {}

/// What a tmux client says when its server goes away under it.
pub(super) const SERVER_EXITED: &str = "server exited unexpectedly";

/// tmux's messages when nothing listens on the socket: never started, or a stale socket file.
pub(super) fn is_no_server_message(stderr: &str) -> bool {
    stderr.starts_with("no server running on")
        || (stderr.starts_with("error connecting to")
            && (stderr.contains("No such file or directory") || stderr.contains("Connection refused")))
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
    fn no_server_messages_are_recognised() {
        assert!(is_no_server_message("no server running on /tmp/tmux-0/x"));
        assert!(is_no_server_message("error connecting to /tmp/tmux-0/x (No such file or directory)"));
        assert!(is_no_server_message("error connecting to /tmp/tmux-0/x (Connection refused)"));
        assert!(!is_no_server_message("error connecting to /tmp/tmux-0/x (Permission denied)"));
        assert!(!is_no_server_message("can't find session: x"));
    }
}

/// The error for a call refused because the server listening on the socket is not the one the
/// caller belongs to: that server ended and another took its socket (a restart, a reboot). A
/// Claude Code of the old server still sending events must not write them onto the new one,
/// whose pane ids start over and may name someone else's pane.
#[derive(Debug)]
pub struct OtherServer {
    pub expected: u32,
    pub found: u32,
}

impl fmt::Display for OtherServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the tmux server on this socket (pid {}) is not the one of $TMUX (pid {}): that one has ended",
            self.found, self.expected
        )
    }
}

impl std::error::Error for OtherServer {}

/// [`OtherServer`] when the process on the other end of `stream` is not `expected` (the check is
/// skipped where the peer cannot be told).
pub(super) fn check_pid(stream: &std::os::unix::net::UnixStream, expected: u32) -> anyhow::Result<()> {
    match peer_pid(stream) {
        Some(found) if found != expected => Err(OtherServer { expected, found }.into()),
        _ => Ok(()),
    }
}

/// The pid of the process listening on the other end of `stream` (Linux's `SO_PEERCRED`; `None`
/// elsewhere, where the check is skipped).
fn peer_pid(stream: &std::os::unix::net::UnixStream) -> Option<u32> {
    #[cfg(target_os = "linux")]
    {
        let cred = rustix::net::sockopt::socket_peercred(stream).ok()?;
        u32::try_from(cred.pid.as_raw_nonzero().get()).ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = stream;
        None
    }
}
