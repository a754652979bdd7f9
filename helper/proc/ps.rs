//! The process table from one `ps` call (macOS, which has no `/proc`; any Unix): pid, parent,
//! the terminal's foreground group, CPU time, resident size and the command, for every process.
//! ps prints the arguments joined by spaces, so they are split at spaces again, except a
//! shell's `-c` script (how cdev runs commands), which stays one argument.

use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

use anyhow::{anyhow, bail, Result};

use super::{is_shell, Process, Table};

/// The columns asked for, the command last: it is the only one that may hold spaces. Both
/// procps (Linux) and BSD ps (macOS) know these names; `=` drops the header.
const COLUMNS: &str = "pid=,ppid=,tpgid=,time=,rss=,args=";

pub struct Ps {
    processes: Result<HashMap<u32, (Process, Vec<String>)>, String>,
}

impl Ps {
    /// Runs ps once; an error is kept and given to whoever asks for the whole table.
    pub fn read() -> Ps {
        Ps { processes: run().map(|out| parse(&out)).map_err(|err| format!("{err:#}")) }
    }
}

impl Table for Ps {
    fn process(&self, pid: u32) -> Option<Process> {
        self.processes.as_ref().ok()?.get(&pid).map(|(p, _)| p.clone())
    }

    fn args(&self, pid: u32) -> Vec<String> {
        let args = self.processes.as_ref().ok().and_then(|all| all.get(&pid));
        args.map(|(_, args)| args.clone()).unwrap_or_default()
    }

    fn all(&self) -> Result<Vec<Process>> {
        match &self.processes {
            Ok(all) => Ok(all.values().map(|(p, _)| p.clone()).collect()),
            Err(err) => bail!("could not read the process table: {err}"),
        }
    }
}

/// The ps runner: argv only, the C locale so numbers read the same everywhere, `-ww` so no
/// command is cut at a terminal's width.
#[allow(clippy::disallowed_methods)]
fn run() -> Result<String> {
    let output =
        Command::new("ps").args(["-A", "-ww", "-o", COLUMNS]).env("LC_ALL", "C").output().map_err(|err| {
            match err.kind() {
                std::io::ErrorKind::NotFound => anyhow!("could not find ps, is it installed?"),
                _ => anyhow!("could not run ps: {err}"),
            }
        })?;
    if !output.status.success() {
        bail!("ps failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// ps's lines by pid; a line that does not read is left out (ps prints no partial lines, but a
/// platform's ps may add a column of its own one day).
fn parse(out: &str) -> HashMap<u32, (Process, Vec<String>)> {
    out.lines().filter_map(parse_line).map(|(p, args)| (p.pid, (p, args))).collect()
}

fn parse_line(line: &str) -> Option<(Process, Vec<String>)> {
    let mut rest = line.trim_start();
    let mut field = || {
        let end = rest.find(char::is_whitespace)?;
        let (word, tail) = rest.split_at(end);
        rest = tail.trim_start();
        Some(word)
    };
    let pid = field()?.parse().ok()?;
    let ppid = field()?.parse().ok()?;
    // No terminal: -1 (procps) or 0 (BSD).
    let tpgid = field()?.parse::<i64>().ok().and_then(|g| u32::try_from(g).ok()).filter(|g| *g > 0);
    let cpu = cpu_time(field()?)?;
    let rss_kib = field()?.parse().ok()?;
    let command = rest.trim_end();
    let (name, args) = split_command(command);
    Some((Process { pid, ppid, tpgid, name, cpu, rss_kib }, args))
}

/// `[DD-][HH:]MM:SS[.cc]`: procps prints whole seconds (`00:01:02`), BSD hundredths (`1:02.34`).
fn cpu_time(text: &str) -> Option<Duration> {
    let (days, clock) = match text.split_once('-') {
        Some((days, clock)) => (days.parse::<u64>().ok()?, clock),
        None => (0, text),
    };
    let mut parts = clock.rsplit(':');
    let seconds: f64 = parts.next()?.parse().ok()?;
    let minutes: u64 = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    let hours: u64 = parts.next().map_or(Some(0), |h| h.parse().ok())?;
    if parts.next().is_some() || !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    let whole = ((days * 24 + hours) * 60 + minutes) * 60;
    Some(Duration::from_secs(whole) + Duration::from_secs_f64(seconds))
}

/// The program's name and its arguments, from ps's command column. A process whose arguments
/// cannot be read (a kernel thread, a zombie) is shown by name in brackets or parentheses.
fn split_command(command: &str) -> (String, Vec<String>) {
    let bracketed = [('[', ']'), ('(', ')')].iter().find_map(|(open, close)| {
        command.strip_prefix(*open)?.split_once(*close).map(|(name, _)| name.to_string())
    });
    if let Some(name) = bracketed {
        return (name, Vec::new());
    }
    let mut words: Vec<String> = command.split_whitespace().map(String::from).collect();
    // `SHELL -c SCRIPT`: the script is everything after `-c `, its own spaces kept.
    if words.len() > 2 && is_shell(&words[0]) && words[1] == "-c" {
        let script_at = command.find(" -c ").map_or(command.len(), |at| at + 4);
        words.truncate(2);
        words.push(command[script_at..].trim_start().to_string());
    }
    let first = words.first().map(String::as_str).unwrap_or_default();
    let name = first.rsplit('/').next().unwrap_or(first).trim_start_matches('-').to_string();
    (name, words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn procps_and_bsd_lines_read_alike() {
        let (p, args) = parse_line("  4242     1  4242 00:01:02  5120 /usr/bin/zsh -l").unwrap();
        assert_eq!((p.pid, p.ppid, p.tpgid, p.rss_kib), (4242, 1, Some(4242), 5120));
        assert_eq!((p.cpu, p.name.as_str()), (Duration::from_secs(62), "zsh"));
        assert_eq!(args, ["/usr/bin/zsh", "-l"]);
        let (p, _) = parse_line("77 76 0 1:02.50 100 -zsh").unwrap();
        assert_eq!((p.tpgid, p.cpu, p.name.as_str()), (None, Duration::from_millis(62_500), "zsh"));
        let (p, _) = parse_line("5 2 -1 2-03:04:05 0 [kworker/0:1-events]").unwrap();
        assert_eq!(
            (p.cpu.as_secs(), p.name.as_str()),
            (((2 * 24 + 3) * 60 + 4) * 60 + 5, "kworker/0:1-events")
        );
        assert!(parse_line("garbage").is_none() && parse_line("1 x 1 0:00 1 sh").is_none());
    }

    #[test]
    fn a_shells_script_stays_one_argument() {
        let (_, args) = split_command("/bin/sh -c npm run  dev --port 3000");
        assert_eq!(args, ["/bin/sh", "-c", "npm run  dev --port 3000"]);
        let (name, args) = split_command("tail -f /dev/null");
        assert_eq!(
            (name.as_str(), args),
            ("tail", vec!["tail".to_string(), "-f".into(), "/dev/null".into()])
        );
        assert_eq!(split_command("(sh)"), ("sh".to_string(), Vec::new()));
    }
}
