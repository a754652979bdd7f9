//! The process table, and the one place that knows the platform: on Linux it is read from `/proc`
//! (the procfs crate: nothing spawned), elsewhere (macOS, which has no `/proc`) from one `ps` call.
//! Both are compiled on every platform that can run them, and a test compares their answers, so
//! the macOS path cannot rot unseen on a Linux-only CI. `CDEV_PROCESS_TABLE=ps` (or `procfs`)
//! picks one by hand, for tests.
//!
//! Neither tells a process's cwd (ps cannot): nothing here asks for it; tmux's
//! `pane_current_path` is what cdev reads instead.

#[cfg(target_os = "linux")]
mod procfs;
mod ps;

use std::time::Duration;

use anyhow::Result;

/// The shells cdev knows by name: a pane whose first process is one of them, at its prompt, is
/// "at the shell"; `SHELL -c TEXT` is how cdev's wrappers run commands.
const SHELLS: &[&str] = &["sh", "bash", "zsh", "fish", "dash", "ksh", "mksh", "tcsh", "csh", "nu", "xonsh"];

/// Whether `program` (a name or a path, `-zsh` as a login shell shows it) is a shell.
pub fn is_shell(program: &str) -> bool {
    let name = program.rsplit('/').next().unwrap_or(program).trim_start_matches('-');
    SHELLS.contains(&name)
}

/// What cdev knows of one process.
#[derive(Debug, Clone, PartialEq)]
pub struct Process {
    pub pid: u32,
    pub ppid: u32,
    /// The foreground process group of its terminal; `None` without a terminal.
    pub tpgid: Option<u32>,
    /// The program's name: the kernel's `comm` (procfs), the first word of its command (ps).
    pub name: String,
    /// User and system CPU time so far.
    pub cpu: Duration,
    pub rss_kib: u64,
}

/// One read of the process table. With procfs each question reads the files it needs when it is
/// asked; with ps the one `ps` call is made when the table is made, so ask one table everything
/// a command needs (a snapshot makes one per save, never one per pane).
pub trait Table: Sync {
    /// One process, `None` when it is gone (or was never there).
    fn process(&self, pid: u32) -> Option<Process>;

    /// Its arguments, `argv[0]` first; empty when it is gone. ps joins them with spaces, so there
    /// the words are split at spaces again, except a shell's `-c` script, which stays whole.
    fn args(&self, pid: u32) -> Vec<String>;

    /// Every process that could be read.
    fn all(&self) -> Result<Vec<Process>>;

    /// The processes whose parent is `pid`.
    fn children(&self, pid: u32) -> Vec<u32> {
        let all = self.all().unwrap_or_default();
        all.iter().filter(|p| p.ppid == pid).map(|p| p.pid).collect()
    }
}

/// Which implementation reads the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `/proc`, through the procfs crate (Linux).
    Procfs,
    /// One `ps` call (macOS and every other Unix).
    Ps,
}

impl Source {
    /// This platform's: procfs on Linux, ps elsewhere; `CDEV_PROCESS_TABLE` overrides it.
    pub fn current() -> Source {
        match std::env::var("CDEV_PROCESS_TABLE").as_deref() {
            Ok("ps") => Source::Ps,
            _ if cfg!(target_os = "linux") => Source::Procfs,
            _ => Source::Ps,
        }
    }
}

/// The process table of this platform ([`Source::current`]).
pub fn table() -> Box<dyn Table> {
    table_from(Source::current())
}

/// The process table read by `source`.
pub fn table_from(source: Source) -> Box<dyn Table> {
    match source {
        #[cfg(target_os = "linux")]
        Source::Procfs => Box::new(procfs::Procfs),
        #[cfg(not(target_os = "linux"))]
        Source::Procfs => Box::new(ps::Ps::read()),
        Source::Ps => Box::new(ps::Ps::read()),
    }
}

/// The leader of the foreground process group of the terminal whose first process is `pane_pid`
/// (the pane itself when no group holds the terminal); `None` when the pane's process is gone.
pub fn foreground_leader(table: &dyn Table, pane_pid: u32) -> Option<u32> {
    let pane = table.process(pane_pid)?;
    Some(pane.tpgid.unwrap_or(pane_pid))
}

/// Whether the shell that is a pane's first process (`pane_pid`) waits at its prompt: it holds
/// the terminal (the tty's foreground group is its own) and runs nothing (no child). `sh -c
/// 'sleep 9'`, which does not exec its command, is not idle; nor is a shell whose job has the
/// terminal. `None` when the table does not have the process.
pub fn shell_is_idle(table: &dyn Table, pane_pid: u32) -> Option<bool> {
    let pane = table.process(pane_pid)?;
    if pane.tpgid != Some(pane_pid) {
        return Some(false);
    }
    Some(table.children(pane_pid).is_empty())
}

/// Whether a pane waits at its shell's prompt, so that typing a command there runs it: from the
/// process table ([`shell_is_idle`]), else from tmux's `pane_current_command`.
pub fn pane_at_prompt(table: &dyn Table, pane_pid: u32, current_command: &str) -> bool {
    shell_is_idle(table, pane_pid).unwrap_or_else(|| is_shell(current_command))
}

/// The name of the program a pane runs: the deepest first child under `pane_pid` (a shell's
/// job, or what `sh -c` runs without exec'ing it), a few levels down at most.
pub fn deepest_child_name(table: &dyn Table, pane_pid: u32) -> Option<String> {
    let mut pid = pane_pid;
    for _ in 0..8 {
        match table.children(pid).into_iter().min() {
            Some(child) => pid = child,
            None => break,
        }
    }
    table.process(pid).map(|p| p.name)
}

#[cfg(test)]
mod tests;
