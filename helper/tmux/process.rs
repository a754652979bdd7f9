//! The tmux client as a process: finding the binary on `PATH`, and reading a client's output
//! with a deadline after which it is killed.

use std::env;
use std::fmt;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};

/// The output of `child`, or an error once `deadline` passes with the child still running (it is
/// killed then). Both pipes are drained in this thread, polled together, so a full pipe never
/// stalls the child and the wait itself can time out. No thread is started: on the hook's path
/// (every Claude Code event) two threads and a channel cost more than the read itself.
pub(super) fn output_by(mut child: std::process::Child, deadline: Instant) -> Result<Output> {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut buffer = vec![0u8; 64 * 1024];
    while stdout.is_some() || stderr.is_some() {
        let left = deadline.saturating_duration_since(Instant::now());
        let timeout = Timespec { tv_sec: left.as_secs() as i64, tv_nsec: i64::from(left.subsec_nanos()) };
        let (out_ready, err_ready) = {
            let mut fds: Vec<PollFd<'_>> = Vec::with_capacity(2);
            if let Some(pipe) = &stdout {
                fds.push(PollFd::new(pipe, PollFlags::IN));
            }
            if let Some(pipe) = &stderr {
                fds.push(PollFd::new(pipe, PollFlags::IN));
            }
            match poll(&mut fds, Some(&timeout)) {
                Ok(0) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    bail!(NotAnswering);
                }
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => continue,
                Err(errno) => return Err(anyhow!(errno).context("could not wait for tmux")),
            }
            let mut woke = fds.iter().map(|fd| !fd.revents().is_empty());
            let out_ready = stdout.is_some() && woke.next().unwrap_or(false);
            let err_ready = stderr.is_some() && woke.next().unwrap_or(false);
            (out_ready, err_ready)
        };
        if out_ready {
            drain_once(&mut stdout, &mut out, &mut buffer);
        }
        if err_ready {
            drain_once(&mut stderr, &mut err, &mut buffer);
        }
    }
    // Both pipes are closed: the client is exiting.
    let status = child.wait().context("could not wait for tmux")?;
    Ok(Output { status, stdout: out, stderr: err })
}

/// One read from a pipe poll said is ready; the pipe is dropped at its end (or on an error).
fn drain_once<R: std::io::Read>(pipe: &mut Option<R>, into: &mut Vec<u8>, buffer: &mut [u8]) {
    let Some(reader) = pipe.as_mut() else { return };
    match reader.read(buffer) {
        Ok(0) => *pipe = None,
        Ok(n) => into.extend_from_slice(&buffer[..n]),
        Err(err) if err.kind() == ErrorKind::Interrupted => {}
        Err(_) => *pipe = None,
    }
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

/// The first executable named `name` on `PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| is_executable(candidate))
}

/// Whether `path` is a file its owner, group or others may run.
pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use std::process::{Command, Stdio};

    use super::*;

    #[test]
    #[allow(clippy::disallowed_methods)]
    fn a_deadline_read_takes_both_streams_whole_and_gives_up_on_a_silent_child() {
        // More than a pipe holds on both streams at once: neither may stall the other.
        let mut command = Command::new("sh");
        command.args(["-c", "head -c 300000 /dev/zero; head -c 200000 /dev/zero >&2"]);
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let deadline = Instant::now() + std::time::Duration::from_secs(20);
        let output = output_by(command.spawn().unwrap(), deadline).unwrap();
        assert!(output.status.success());
        assert_eq!((output.stdout.len(), output.stderr.len()), (300_000, 200_000));
        let mut silent = Command::new("sleep");
        silent.arg("30").stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        // Returns at all only once the child is killed (`wait` would take the whole 30 s).
        let err = output_by(silent.spawn().unwrap(), Instant::now() + std::time::Duration::from_millis(200))
            .unwrap_err();
        assert!(err.is::<NotAnswering>(), "{err:#}");
    }
}
