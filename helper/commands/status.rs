//! `cdev status`: the status-line segment ("⏳1 ⚙2 ✓3"). One tmux process; it never fails
//! visibly: on any error it prints nothing and logs to `CDEV_LOG`.

use crate::tmux::cdev_option;
use crate::tmux::verbs;
use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use clap::Args;

use super::Context;
use crate::agent::{status, AgentState};
use crate::log;
use crate::tmux::state::AgentStateOnly;

/// The status-line segment: agents by state ("⏳1 ⚙2 ✓3"); empty without agents.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print the segment as a tmux format instead (what #{cdev_status} becomes).
    #[arg(long)]
    pub tmux_format: bool,
}

pub fn run(context: &Context, tmux_format: bool) -> Result<()> {
    let result = if tmux_format { as_tmux_format(context) } else { segment(context) };
    match result {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{text}");
        }
        Err(err) => log::debug("status", &format!("{err:#}")),
    }
    Ok(())
}

fn as_tmux_format(context: &Context) -> Result<String> {
    let options = context.tmux()?.options()?;
    Ok(status::tmux_format(&status::format(&options)))
}

fn segment(context: &Context) -> Result<String> {
    let tmux = context.tmux()?;
    let list = verbs::all_panes().format("-f", &format!("#{{{}}}", cdev_option::AGENT_STATE));
    let Some((options, panes)) = tmux.read_with_options::<AgentStateOnly>(list)? else {
        return Ok(String::new());
    };
    let mut counts: BTreeMap<AgentState, usize> = BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    for pane in panes.iter().filter(|p| seen.insert(p.pane_id.as_str())) {
        if let Some(state) = pane.state.as_deref().and_then(AgentState::parse) {
            *counts.entry(state).or_default() += 1;
        }
    }
    Ok(status::render(&status::format(&options), &counts))
}
