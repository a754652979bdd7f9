//! CPU and memory per pane, summed over each pane's whole process tree (the shell, Claude, the
//! dev server and everything they started), from reads of the process table (`crate::proc`):
//! one pass per sample, two samples a short interval apart for CPU%.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::proc::{self, Process};

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
    let by_pid =
        |all: Vec<Process>| -> HashMap<u32, Process> { all.into_iter().map(|p| (p.pid, p)).collect() };
    let before = by_pid(proc::table().all()?);
    let started = Instant::now();
    std::thread::sleep(interval);
    let after = by_pid(proc::table().all()?);
    let seconds = started.elapsed().as_secs_f64().max(0.001);
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for (pid, process) in &after {
        children.entry(process.ppid).or_default().push(*pid);
    }
    let mut usage = HashMap::new();
    for root in roots {
        let mut total = Usage::default();
        let mut stack = vec![*root];
        while let Some(pid) = stack.pop() {
            let Some(now) = after.get(&pid) else { continue };
            // A process born during the sample counts from zero.
            let spent = now.cpu.saturating_sub(before.get(&pid).map_or(Duration::ZERO, |b| b.cpu));
            total.cpu_percent += spent.as_secs_f64() / seconds * 100.0;
            total.rss_kib += now.rss_kib;
            total.processes += 1;
            stack.extend(children.get(&pid).into_iter().flatten().copied());
        }
        usage.insert(*root, total);
    }
    Ok(usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_measured() {
        let me = std::process::id();
        let usage = measure(&[me], Duration::from_millis(20)).unwrap();
        assert!(usage[&me].rss_kib > 0 && usage[&me].processes >= 1);
    }
}
