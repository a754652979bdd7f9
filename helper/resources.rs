//! CPU and memory per pane, summed over each pane's whole process tree (the shell, Claude, the
//! dev server and everything they started), from reads of the process table in /proc: one pass
//! per sample, two samples a short interval apart for CPU%. Linux only; elsewhere an error.

use std::collections::HashMap;
use std::fs;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

/// /proc counts CPU time in USER_HZ ticks, 100 per second on every Linux architecture.
const TICKS_PER_SECOND: f64 = 100.0;

#[derive(Debug, Clone, Copy)]
struct Proc {
    ppid: u32,
    /// User and system CPU time so far, in ticks.
    ticks: u64,
    rss_pages: u64,
}

/// Every process: pid → what cdev needs. Processes that end while being read are skipped.
fn process_table() -> Result<HashMap<u32, Proc>> {
    let entries = match fs::read_dir("/proc") {
        Ok(entries) => entries,
        Err(err) => bail!("could not read the process table (/proc): {err}"),
    };
    let mut table = HashMap::new();
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else { continue };
        if let Some(proc) = parse_stat(&stat) {
            table.insert(pid, proc);
        }
    }
    Ok(table)
}

/// `/proc/PID/stat`: the command name is in parentheses and may hold spaces, so fields are
/// counted from the last `)`: state ppid … utime(12) stime(13) … rss(22).
fn parse_stat(stat: &str) -> Option<Proc> {
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some(Proc {
        ppid: fields.get(1)?.parse().ok()?,
        ticks: fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?,
        rss_pages: fields.get(21)?.parse().ok()?,
    })
}

/// The page size in KiB: this process's resident size as /proc/self/status gives it in KiB
/// against /proc/self/statm in pages (std has no sysconf); 4 when that cannot be read.
fn page_kib() -> u64 {
    let kib = fs::read_to_string("/proc/self/status").ok().and_then(|s| {
        s.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse::<u64>().ok()
    });
    let pages = fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok());
    match (kib, pages) {
        (Some(kib), Some(pages)) if pages > 0 && kib >= pages => (kib + pages / 2) / pages,
        _ => 4,
    }
}

/// What a pane's process tree uses.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// Percent of one core over the sample.
    pub cpu_percent: f64,
    pub rss_kib: u64,
    pub processes: usize,
}

/// The usage of each tree rooted at `roots` (pane pids), sampled over `interval`.
pub fn measure(roots: &[u32], interval: Duration) -> Result<HashMap<u32, Usage>> {
    let before = process_table()?;
    let started = Instant::now();
    std::thread::sleep(interval);
    let after = process_table()?;
    let seconds = started.elapsed().as_secs_f64().max(0.001);
    let page = page_kib();
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for (pid, proc) in &after {
        children.entry(proc.ppid).or_default().push(*pid);
    }
    let mut usage = HashMap::new();
    for root in roots {
        let mut total = Usage::default();
        let mut stack = vec![*root];
        while let Some(pid) = stack.pop() {
            let Some(now) = after.get(&pid) else { continue };
            // A process born during the sample counts from zero.
            let spent = now.ticks.saturating_sub(before.get(&pid).map_or(0, |b| b.ticks));
            total.cpu_percent += spent as f64 / TICKS_PER_SECOND / seconds * 100.0;
            total.rss_kib += now.rss_pages * page;
            total.processes += 1;
            stack.extend(children.get(&pid).into_iter().flatten().copied());
        }
        usage.insert(*root, total);
    }
    Ok(usage)
}

/// Programs whose prompt may be typed at.
const SHELLS: &[&str] = &["sh", "bash", "zsh", "fish", "dash", "ksh", "tcsh", "nu"];

/// Whether a pane waits at its shell's prompt, so that typing a command there runs it: from
/// /proc ([`shell_is_idle`]), else (not Linux) from tmux's `pane_current_command`.
pub fn pane_at_prompt(pane_pid: u32, current_command: &str) -> bool {
    shell_is_idle(pane_pid).unwrap_or(SHELLS.contains(&current_command))
}

/// Whether the shell that is a pane's first process (`pane_pid`) waits at its prompt: it holds
/// the terminal (the tty's foreground group is its own) and runs nothing (no child). `sh -c
/// 'sleep 9'`, which does not exec its command, is not idle; nor is a shell whose job has the
/// terminal. `None` where /proc cannot tell (not Linux).
pub fn shell_is_idle(pane_pid: u32) -> Option<bool> {
    let stat = fs::read_to_string(format!("/proc/{pane_pid}/stat")).ok()?;
    // The fields after "(comm)": state ppid pgrp session tty_nr tpgid …
    let tpgid: i64 = stat.rsplit_once(')')?.1.split_whitespace().nth(5)?.parse().ok()?;
    if tpgid != i64::from(pane_pid) {
        return Some(false);
    }
    let children = fs::read_to_string(format!("/proc/{pane_pid}/task/{pane_pid}/children")).ok()?;
    Some(children.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_spaces_and_parentheses_in_the_name_parse() {
        let line = "4242 (tmux: server (x)) S 1 4242 4242 0 -1 4194560 100 0 0 0 25 17 0 0 20 0 1 0 99 1000 321 18446744073709551615";
        let proc = parse_stat(line).unwrap();
        assert_eq!((proc.ppid, proc.ticks, proc.rss_pages), (1, 42, 321));
        assert!(parse_stat("garbage").is_none());
    }

    #[test]
    fn this_process_is_measured() {
        let me = std::process::id();
        let usage = measure(&[me], Duration::from_millis(20)).unwrap();
        assert!(usage[&me].rss_kib > 0 && usage[&me].processes >= 1);
    }
}
