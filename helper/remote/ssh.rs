//! The ssh runner: with the tmux gateway and the git runner, the only places that start a process.
//! Arguments go to ssh as argv; the one string ssh hands the remote shell is built here from
//! words each quoted for that shell, so no host, project or session name is ever read as code.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};

use crate::config::{is_destination, Host};

/// The ssh argv (after `ssh`) for `host`: its options, port and destination, then `--` and the
/// remote command, each word quoted for the remote shell.
pub fn argv(name: &str, host: &Host, extra: &[&str], remote: &[String]) -> Result<Vec<String>> {
    let destination = host.destination(name);
    if !is_destination(destination) {
        bail!("{destination:?} is not a host to ssh to");
    }
    let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    args.extend(host.ssh_options.iter().cloned());
    if let Some(port) = host.port {
        args.extend(["-p".to_string(), port.to_string()]);
    }
    args.push(destination.to_string());
    args.push("--".into());
    args.push(remote.join(" "));
    Ok(args)
}

/// Replaces this process with ssh (`cdev remote`): the terminal is ssh's from then on.
#[allow(clippy::disallowed_methods)]
pub fn exec(args: &[String]) -> anyhow::Error {
    use std::os::unix::process::CommandExt;
    let err = Command::new("ssh").args(args).exec();
    anyhow!("could not run ssh: {err}")
}

/// Runs ssh with no terminal and waits at most `timeout`: stdout, or ssh's own error.
pub fn output(args: &[String], timeout: Duration) -> Result<String> {
    let finished = run(args, None, timeout)?;
    match finished.status {
        Some(0) => Ok(finished.stdout),
        Some(_) => Err(anyhow!("{}", finished.last_error().unwrap_or("ssh failed"))),
        None => Err(anyhow!("no answer within {} s", timeout.as_secs_f64())),
    }
}

/// How an ssh run ended: its exit status (`None` when `timeout` passed and it was killed; 255
/// is ssh's own failure, anything else the remote command's), and what it printed.
#[derive(Debug)]
pub struct Finished {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// The last line ssh or the remote command wrote on stderr: the reason it failed.
    pub fn last_error(&self) -> Option<&str> {
        last_line(&self.stderr)
    }
}

/// Runs ssh with no terminal, `input` (when given) on its stdin, for at most `timeout`.
#[allow(clippy::disallowed_methods)]
pub fn run(args: &[String], input: Option<Vec<u8>>, timeout: Duration) -> Result<Finished> {
    let mut child = Command::new("ssh")
        .args(args)
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| anyhow!("could not run ssh: {err}"))?;
    // Stdin written and both pipes read on threads, so neither side blocks on a full pipe.
    let writer = input.zip(child.stdin.take()).map(|(bytes, mut stdin)| {
        std::thread::spawn(move || {
            use std::io::Write;
            // A remote side that stops reading (it failed) makes this fail: its answer says why.
            let _ = stdin.write_all(&bytes);
        })
    });
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let status = wait(&mut child, timeout)?;
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    let (stdout, stderr) = (out.join().unwrap_or_default(), err.join().unwrap_or_default());
    Ok(Finished { status: status.map(|s| s.code().unwrap_or(255)), stdout, stderr })
}

/// The exit status, or `None` (and the child killed) when `timeout` passed first.
fn wait(child: &mut Child, timeout: Duration) -> Result<Option<std::process::ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn last_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).rfind(|l| !l.is_empty())
}

/// `path` with a leading `~/` left for the remote shell to expand (quoted otherwise).
pub fn remote_word(word: &str) -> String {
    match word.strip_prefix("~/") {
        Some(rest) => format!("~/{}", shell_words::quote(rest)),
        None => shell_words::quote(word).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remote_command_is_quoted_word_by_word() {
        let host = Host { destination: Some("me@h".into()), port: Some(2222), ..Host::default() };
        let args =
            argv("h", &host, &["-t"], &["cdev".into(), remote_word("switch"), remote_word("a b;$(x)")])
                .unwrap();
        assert_eq!(args, ["-t", "-p", "2222", "me@h", "--", "cdev switch 'a b;$(x)'"]);
    }
}
