//! `cdev status`: the status-line segment ("⏳1 ⚙2 ✓3"). One tmux process; it never fails
//! visibly: on any error it prints nothing and logs to `CDEV_LOG`.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;

use super::Context;
use crate::agent::{status, AgentState};
use crate::log;
use crate::tmux::state::AgentStateOnly;
use crate::tmux::TmuxCommand;

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
    let list = TmuxCommand::new("list-panes").flag("-a").format("-f", "#{@cdev_agent_state}");
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
