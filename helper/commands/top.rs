//! `cdev top`: CPU and memory per session, each pane's whole process tree counted, busiest first.
//! One tmux call for the panes, two reads of the process table for the CPU sample.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::time::Duration;

use anyhow::{Context as _, Result};
use serde::Serialize;

use super::Context;
use crate::humanize::pad;
use crate::resources;
use crate::tmux::state::HealthPane;
use crate::tmux::TmuxCommand;

#[derive(Debug, Serialize, PartialEq)]
pub struct SessionUsage {
    pub session: String,
    pub panes: usize,
    pub processes: usize,
    pub cpu_percent: f64,
    pub rss_kib: u64,
}

/// Usage per session of `panes`, sampled over `interval`.
pub fn by_session(panes: &[HealthPane], interval: Duration) -> Result<Vec<SessionUsage>> {
    let pids: Vec<u32> = panes.iter().map(|p| p.pid).filter(|pid| *pid > 0).collect();
    let usage = resources::measure(&pids, interval)?;
    let mut sessions: BTreeMap<&str, SessionUsage> = BTreeMap::new();
    for pane in panes {
        let entry = sessions.entry(&pane.session).or_insert_with(|| SessionUsage {
            session: pane.session.clone(),
            panes: 0,
            processes: 0,
            cpu_percent: 0.0,
            rss_kib: 0,
        });
        entry.panes += 1;
        if let Some(u) = usage.get(&pane.pid) {
            entry.processes += u.processes;
            entry.cpu_percent += u.cpu_percent;
            entry.rss_kib += u.rss_kib;
        }
    }
    Ok(sessions.into_values().collect())
}

pub fn run(context: &Context, json: bool, interval_ms: u64) -> Result<()> {
    let tmux = context.tmux()?;
    let panes = tmux
        .read_with_options::<HealthPane>(TmuxCommand::new("list-panes").flag("-a"))
        .context("could not read tmux")?
        .map(|(_, panes)| panes)
        .unwrap_or_default();
    let mut rows = by_session(&panes, Duration::from_millis(interval_ms)).context("could not measure")?;
    rows.sort_by(|a, b| b.cpu_percent.total_cmp(&a.cpu_percent).then(b.rss_kib.cmp(&a.rss_kib)));
    let mut out = io::BufWriter::new(io::stdout().lock());
    if json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        let width = rows.iter().map(|r| r.session.chars().count()).max().unwrap_or(7).max(7);
        writeln!(out, "{}  PANES  PROCS   CPU%    MEMORY", pad("SESSION", width))?;
        for r in &rows {
            writeln!(
                out,
                "{}  {:>5}  {:>5}  {:>5.1}  {:>8}",
                pad(&r.session, width),
                r.panes,
                r.processes,
                r.cpu_percent,
                memory(r.rss_kib)
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

/// KiB as the largest unit that keeps it readable.
pub fn memory(kib: u64) -> String {
    match kib {
        k if k >= 1024 * 1024 => format!("{:.1} GiB", k as f64 / (1024.0 * 1024.0)),
        k if k >= 1024 => format!("{:.0} MiB", k as f64 / 1024.0),
        k => format!("{k} KiB"),
    }
}
