//! `cdev list`: every session on the server, from one tmux call (the server's `@cdev-*` options
//! and one line per session, its panes folded in by tmux), as a table or as JSON.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Local, TimeZone, Utc};
use clap::Args;
use serde::Serialize;

use super::Context;
use crate::agent::tally::{self, Spend};
use crate::agent::{status, transcript_usage, AgentState};
use crate::config::Config;
use crate::humanize::{duration, pad, printable, width};
use crate::paths::Paths;
use crate::tmux::listing::{PaneAgent, SessionListing};
use crate::tmux::state::{group_sessions, Pane};
use crate::tmux::verbs;
use crate::tmux::{Tmux, TmuxOptions};

/// List every tmux session: project, windows, panes, clients, age and activity.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON (an array of sessions) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The sessions on every host of config.toml instead, asked in parallel over ssh, each
    /// with its own timeout (a host that does not answer is a row saying so).
    #[arg(long)]
    pub hosts: bool,
}

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
    /// What the session's agents cost so far (USD), as Claude Code reported it or, for an agent
    /// with no statusLine of cdev's, estimated from its transcript (`cost_estimated`).
    cost_usd: Option<f64>,
    cost_estimated: bool,
    #[serde(skip)]
    spend: Option<Spend>,
}

/// The table (or JSON) of this server's sessions; `--hosts` is `remote::list_hosts`.
pub fn run(context: &Context, args: ListArgs) -> Result<()> {
    let json = args.json;
    let config = context.file_config()?;
    let tmux = context.tmux()?;
    let state =
        tmux.read_with_options::<SessionListing>(verbs::sessions()).context("could not list sessions")?;
    let (options, mut sessions) = state.unwrap_or_default();
    // Agents with no statusLine report their cost from their transcripts, which are read for it
    // now: only then is every pane listed (with its transcript), else one line per session does.
    if sessions.iter().any(|s| s.panes.iter().any(|p| p.needs_transcript)) {
        sessions = with_transcript_costs(&tmux)?;
    }
    let config = config.with_tmux_options(&options, &context.paths).context("could not load config")?;
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

/// Every pane listed, the transcripts of agents without a statusLine read up to date, and the
/// result in the shape of the one-line-per-session listing.
fn with_transcript_costs(tmux: &Tmux) -> Result<Vec<SessionListing>> {
    let panes = tmux.query::<Pane>(verbs::all_panes()).context("could not list sessions")?;
    let tallies = transcript_usage::refresh(tmux, &panes, transcript_usage::PER_RUN, |p| {
        (&p.pane_id, p.transcript.as_deref(), p.transcript_usage.as_deref())
    })?;
    // By pane id: a pane in a window linked into several sessions is listed once per session.
    let spends: HashMap<String, Spend> = panes
        .iter()
        .zip(&tallies)
        .filter_map(|(p, tally)| Some((p.pane_id.clone(), tally::spend(p.cost, tally.as_ref())?)))
        .collect();
    let agent = |p: &Pane| PaneAgent {
        state: p.agent_state.clone(),
        spend: spends.get(&p.pane_id).copied(),
        needs_transcript: false,
    };
    Ok(group_sessions(panes).into_iter().map(|s| SessionListing::of_panes(s, agent)).collect())
}

fn row(session: &SessionListing, config: &Config, now: i64) -> SessionRow {
    let spend = Spend::sum(session.panes.iter().filter_map(|p| p.spend));
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
        agents: session.panes.iter().filter_map(|p| p.state.as_deref().and_then(AgentState::parse)).fold(
            BTreeMap::new(),
            |mut counts, state| {
                *counts.entry(state).or_default() += 1;
                counts
            },
        ),
        cost_usd: spend.map(|s| s.usd),
        cost_estimated: spend.is_some_and(|s| s.estimated),
        spend,
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
    let name_width = rows.iter().map(|r| width(&r.name)).max().unwrap_or(0).max(4);
    let root_width = roots.iter().map(|r| width(r)).max().unwrap_or(0).max(7);
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
            row.spend.map(|s| s.label()).unwrap_or_else(|| "-".into()),
        )?;
    }
    if rows.iter().any(|r| r.cdev) {
        writeln!(out, "(* cdev session)")?;
    }
    Ok(())
}
