//! `cdev list`: every session on the server, from one tmux call (the server's `@cdev-*` options
//! and all panes, chained), as a table or as JSON.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Local, TimeZone, Utc};
use serde::Serialize;

use super::Context;
use crate::agent::{status, AgentState};
use crate::config::Config;
use crate::humanize::{duration, pad, printable};
use crate::paths::Paths;
use crate::tmux::state::{group_sessions, Pane, Session};
use crate::tmux::{TmuxCommand, TmuxOptions};

/// One row of `cdev list --json`.
#[derive(Debug, Serialize)]
struct SessionRow {
    name: String,
    id: String,
    cdev: bool,
    project_root: String,
    template: Option<String>,
    windows: u32,
    panes: usize,
    attached: u32,
    created: String,
    last_activity: String,
    age_seconds: i64,
    idle_seconds: i64,
    /// Claude agents by state (`{"waiting": 1, "working": 2}`).
    agents: BTreeMap<AgentState, usize>,
    /// What the session's agents cost so far (USD), when Claude Code reported it.
    cost_usd: Option<f64>,
}

pub fn run(context: &Context, json: bool) -> Result<()> {
    let config = context.file_config()?;
    let tmux = context.tmux()?;
    let state = tmux
        .read_with_options::<Pane>(TmuxCommand::new("list-panes").flag("-a"))
        .context("could not list sessions")?;
    let (options, panes) = state.unwrap_or_default();
    let config = config.with_tmux_options(&options, &context.paths).context("could not load config")?;
    let sessions = group_sessions(panes);
    let now = Utc::now().timestamp();
    let rows: Vec<SessionRow> = sessions.iter().map(|s| row(s, &config, now)).collect();

    let mut out = io::BufWriter::new(io::stdout().lock());
    if json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        print_table(&mut out, &rows, &context.paths, &options, now)?;
    }
    out.flush()?;
    Ok(())
}

fn row(session: &Session, config: &Config, now: i64) -> SessionRow {
    SessionRow {
        name: session.name.clone(),
        id: session.id.clone(),
        cdev: session.project_root.is_some() || config.is_cdev_session(&session.name),
        project_root: session.project_root().to_string(),
        template: session.template.clone(),
        windows: session.windows,
        panes: session.panes.len(),
        attached: session.attached,
        created: rfc3339(session.created),
        last_activity: rfc3339(session.activity),
        age_seconds: (now - session.created).max(0),
        idle_seconds: (now - session.activity).max(0),
        agents: session
            .panes
            .iter()
            .filter_map(|p| p.agent_state.as_deref().and_then(AgentState::parse))
            .fold(BTreeMap::new(), |mut counts, state| {
                *counts.entry(state).or_default() += 1;
                counts
            }),
        cost_usd: session.panes.iter().filter_map(|p| p.cost).reduce(|a, b| a + b),
    }
}

fn rfc3339(unix: i64) -> String {
    DateTime::<Utc>::from_timestamp(unix, 0).map(|t| t.to_rfc3339()).unwrap_or_default()
}

/// `⏳1 ⚙2`: the agents of a session, most urgent first, with the status line's icons.
fn agents_cell(agents: &BTreeMap<AgentState, usize>, options: &TmuxOptions) -> String {
    let cells: Vec<String> = agents
        .iter()
        .filter(|(state, _)| **state != AgentState::Ended)
        .map(|(state, n)| format!("{}{n}", status::icon(options, *state)))
        .collect();
    if cells.is_empty() {
        "-".into()
    } else {
        cells.join(" ")
    }
}

fn print_table(
    out: &mut impl Write,
    rows: &[SessionRow],
    paths: &Paths,
    options: &TmuxOptions,
    now: i64,
) -> io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let roots: Vec<String> =
        rows.iter().map(|r| printable(&paths.display(Path::new(&r.project_root)))).collect();
    let name_width = rows.iter().map(|r| r.name.chars().count()).max().unwrap_or(0).max(4);
    let root_width = roots.iter().map(|r| r.chars().count()).max().unwrap_or(0).max(7);
    writeln!(
        out,
        "  {}  {}  WIN  PANES  ATT  CREATED           ACTIVE    AGE      AGENTS  COST",
        pad("NAME", name_width),
        pad("PROJECT", root_width)
    )?;
    for (row, root) in rows.iter().zip(&roots) {
        let created = Local.timestamp_opt(now - row.age_seconds, 0).single();
        writeln!(
            out,
            "{} {}  {}  {:>3}  {:>5}  {:>3}  {}  {}  {}  {}  {}",
            if row.cdev { '*' } else { ' ' },
            pad(&row.name, name_width),
            pad(root, root_width),
            row.windows,
            row.panes,
            row.attached,
            created.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default(),
            pad(&format!("{} ago", duration(row.idle_seconds)), 8),
            pad(&duration(row.age_seconds), 7),
            pad(&agents_cell(&row.agents, options), 6),
            row.cost_usd.map(|c| format!("${c:.2}")).unwrap_or_else(|| "-".into()),
        )?;
    }
    if rows.iter().any(|r| r.cdev) {
        writeln!(out, "(* cdev session)")?;
    }
    Ok(())
}
