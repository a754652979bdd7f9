//! CPU and memory per session (`cdev top`, `cdev health`), each pane's whole process tree
//! counted. One tmux call for the panes, two reads of the process table for the CPU sample.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context as _, Result};
use serde::Serialize;

use crate::resources;
use crate::tmux::state::HealthPane;
use crate::tmux::verbs;
use crate::tmux::Tmux;

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

/// Every session's usage, sampled over `interval`, busiest first.
pub fn busiest(tmux: &Tmux, interval: Duration) -> Result<Vec<SessionUsage>> {
    let panes = tmux
        .read_with_options::<HealthPane>(verbs::all_panes())
        .context("could not read tmux")?
        .map(|(_, panes)| panes)
        .unwrap_or_default();
    let mut rows = by_session(&panes, interval).context("could not measure")?;
    rows.sort_by(|a, b| b.cpu_percent.total_cmp(&a.cpu_percent).then(b.rss_kib.cmp(&a.rss_kib)));
    Ok(rows)
}
