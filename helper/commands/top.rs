//! `cdev top [--json] [--interval MS]`: CPU and memory per session, busiest first.

use std::io::{self, Write};
use std::time::Duration;

use anyhow::Result;
use clap::Args;

use super::Context;
use crate::humanize::{memory, pad};

/// CPU and memory per session, each pane's whole process tree counted, busiest first.
#[derive(Debug, Args)]
pub struct TopArgs {
    #[arg(long)]
    pub json: bool,
    /// How long CPU use is sampled, in milliseconds.
    #[arg(long, default_value_t = 500, value_name = "MS", value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub interval: u64,
}

pub fn run(context: &Context, args: TopArgs) -> Result<()> {
    let TopArgs { json, interval } = args;
    let rows = crate::top::busiest(&context.tmux()?, Duration::from_millis(interval))?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    if json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        let width = rows.iter().map(|r| crate::humanize::width(&r.session)).max().unwrap_or(7).max(7);
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
