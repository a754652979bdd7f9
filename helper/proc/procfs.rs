//! The process table from `/proc` (Linux), through the procfs crate: it parses `stat` (whose
//! command name may hold spaces and parentheses) and knows the kernel's tick rate and page size,
//! which std cannot tell. Nothing is spawned; each question reads only the files it needs.

use std::time::Duration;

use anyhow::{Context as _, Result};
use procfs::process::{self, Process as Proc};

use super::{Process, Table};

pub struct Procfs;

impl Table for Procfs {
    fn process(&self, pid: u32) -> Option<Process> {
        read(&Proc::new(i32::try_from(pid).ok()?).ok()?)
    }

    fn args(&self, pid: u32) -> Vec<String> {
        let proc = i32::try_from(pid).ok().and_then(|pid| Proc::new(pid).ok());
        proc.and_then(|p| p.cmdline().ok()).unwrap_or_default()
    }

    fn all(&self) -> Result<Vec<Process>> {
        let all = process::all_processes().context("could not read the process table (/proc)")?;
        // A process that ends while the table is read is left out.
        Ok(all.filter_map(|p| p.ok()).filter_map(|p| read(&p)).collect())
    }

    /// From `/proc/PID/task/PID/children` when the kernel has it (one file, not the whole table).
    fn children(&self, pid: u32) -> Vec<u32> {
        let proc = i32::try_from(pid).ok().and_then(|pid| Proc::new(pid).ok());
        match proc.and_then(|p| p.task_main_thread().ok()).and_then(|t| t.children().ok()) {
            Some(children) => children,
            None => self.all().unwrap_or_default().iter().filter(|p| p.ppid == pid).map(|p| p.pid).collect(),
        }
    }
}

fn read(proc: &Proc) -> Option<Process> {
    let stat = proc.stat().ok()?;
    let ticks = procfs::ticks_per_second().max(1);
    let cpu = stat.utime + stat.stime;
    Some(Process {
        pid: u32::try_from(stat.pid).ok()?,
        ppid: u32::try_from(stat.ppid).unwrap_or(0),
        tpgid: u32::try_from(stat.tpgid).ok().filter(|g| *g > 0),
        name: stat.comm,
        cpu: Duration::from_secs(cpu / ticks) + Duration::from_nanos(cpu % ticks * 1_000_000_000 / ticks),
        rss_kib: stat.rss * procfs::page_size() / 1024,
    })
}
