//! `cdev agents`: every Claude pane with its state; `cdev next`: go to the agent that has waited
//! longest.

use crate::tmux::verbs;
use std::io::{self, Write};

use anyhow::{Context as _, Result};
use clap::Args;
use serde::Serialize;

use super::Context;
use crate::agent::tally::{self, Spend, Tokens};
use crate::agent::transcript_usage;
use crate::agent::AgentState;
use crate::humanize::{count, duration, pad, printable};
use crate::tmux::state::AgentPane;
use crate::tmux::Tmux;

/// Every Claude pane across sessions: state, for how long, session id, cwd, branch.
#[derive(Debug, Args)]
pub struct AgentsArgs {
    #[arg(long)]
    pub json: bool,
}

/// Go to the agent that has waited longest (else the oldest unseen result).
#[derive(Debug, Args)]
pub struct NextArgs {
    /// The tmux client to switch (key bindings pass #{client_name}).
    #[arg(long, value_name = "CLIENT")]
    pub client: Option<String>,
}

#[derive(Debug, Serialize)]
struct AgentRow {
    session: String,
    window: u32,
    pane: u32,
    pane_id: String,
    state: Option<String>,
    since: Option<String>,
    waiting_seconds: Option<i64>,
    claude_session: Option<String>,
    cwd: String,
    branch: Option<String>,
    worktree: Option<String>,
    /// What the agent has cost so far (USD), how full its context window is (percent), and its
    /// model, as Claude Code's statusLine last told cdev; else from its transcript, the cost
    /// then an estimate (`cost_estimated`).
    cost_usd: Option<f64>,
    cost_estimated: bool,
    context_percent: Option<u32>,
    model: Option<String>,
    /// The tokens its conversation used, from its transcript.
    tokens: Option<TokenCounts>,
    #[serde(skip)]
    spend: Option<Spend>,
}

#[derive(Debug, Serialize)]
struct TokenCounts {
    input: u64,
    output: u64,
    cache_creation: u64,
    cache_read: u64,
    total: u64,
}

impl From<Tokens> for TokenCounts {
    fn from(t: Tokens) -> TokenCounts {
        TokenCounts {
            input: t.input,
            output: t.output,
            cache_creation: t.cache_creation,
            cache_read: t.cache_read,
            total: t.total(),
        }
    }
}

/// Every pane with an agent, in tmux's order, each once (grouped sessions list a pane once per
/// session); empty when no server runs.
fn agent_panes(tmux: &Tmux) -> Result<Vec<AgentPane>> {
    let list = verbs::all_panes().format("-f", &AgentPane::filter());
    let panes = tmux.read_with_options::<AgentPane>(list).context("could not list agents")?.map(|(_, p)| p);
    let mut seen = std::collections::HashSet::new();
    Ok(panes.unwrap_or_default().into_iter().filter(|p| seen.insert(p.pane_id.clone())).collect())
}

pub fn agents(context: &Context, args: AgentsArgs) -> Result<()> {
    let json = args.json;
    let tmux = context.tmux()?;
    let panes = agent_panes(&tmux)?;
    let now = chrono::Utc::now().timestamp();
    let tallies = transcript_usage::refresh(&tmux, &panes, transcript_usage::PER_RUN, |p| {
        (&p.pane_id, p.transcript.as_deref(), p.transcript_usage.as_deref())
    })?;
    let rows: Vec<AgentRow> = panes
        .into_iter()
        .zip(tallies)
        .map(|(p, tally)| {
            let spend = tally::spend(p.cost, tally.as_ref());
            let tally = tally.as_ref();
            AgentRow {
                branch: crate::git::branch_of(p.cwd.as_ref()),
                since: p.since.and_then(|s| chrono::DateTime::from_timestamp(s, 0)).map(|t| t.to_rfc3339()),
                waiting_seconds: p.since.map(|s| (now - s).max(0)),
                session: p.session,
                window: p.window,
                pane: p.pane,
                pane_id: p.pane_id,
                state: p.state,
                claude_session: p.claude_session,
                cwd: p.cwd,
                worktree: p.worktree,
                cost_usd: spend.map(|s| s.usd),
                cost_estimated: spend.is_some_and(|s| s.estimated),
                context_percent: p.context.or_else(|| tally?.context_percent()),
                model: p.model.or_else(|| tally?.model.clone()),
                tokens: tally.map(|t| t.tokens.into()),
                spend,
            }
        })
        .collect();
    let mut out = io::BufWriter::new(io::stdout().lock());
    if json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else if !rows.is_empty() {
        let place = |r: &AgentRow| format!("{}:{}.{}", r.session, r.window, r.pane);
        let width = rows.iter().map(|r| crate::humanize::width(&place(r))).max().unwrap_or(0).max(5);
        writeln!(
            out,
            "{}  STATE    FOR      COST     CTX   TOKENS  BRANCH               CWD",
            pad("PANE", width)
        )?;
        for row in &rows {
            writeln!(
                out,
                "{}  {}  {}  {}  {}  {}  {}  {}",
                pad(&place(row), width),
                pad(row.state.as_deref().unwrap_or("-"), 7),
                pad(&row.waiting_seconds.map(duration).unwrap_or_else(|| "-".into()), 7),
                pad(&row.spend.map(|s| s.label()).unwrap_or_else(|| "-".into()), 7),
                pad(&row.context_percent.map(|c| format!("{c}%")).unwrap_or_else(|| "-".into()), 4),
                pad(&row.tokens.as_ref().map(|t| count(t.total)).unwrap_or_else(|| "-".into()), 6),
                pad(&printable(row.branch.as_deref().unwrap_or("-")), 19),
                printable(&context.paths.display(row.cwd.as_ref())),
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The agent to go to: the one waiting longest, else the one whose result has gone unseen
/// longest (done or failed).
fn pick<'a>(panes: &'a [AgentPane], here: Option<&str>) -> Option<&'a AgentPane> {
    let oldest = |wanted: &[AgentState]| {
        panes
            .iter()
            // The pane you are on is where you already are: go to the next one.
            .filter(|p| Some(p.pane_id.as_str()) != here)
            .filter(|p| p.state.as_deref().and_then(AgentState::parse).is_some_and(|s| wanted.contains(&s)))
            .min_by_key(|p| p.since.unwrap_or(i64::MAX))
    };
    oldest(&[AgentState::Waiting]).or_else(|| oldest(&[AgentState::Error, AgentState::Done]))
}

pub fn next(context: &Context, args: NextArgs) -> Result<()> {
    let client = args.client;
    let tmux = context.tmux()?;
    let panes = agent_panes(&tmux)?;
    let here = match &client {
        Some(client) => {
            let pane = tmux.run(verbs::expand_for_client(client, "#{pane_id}"))?;
            Some(pane.trim().to_string())
        }
        None => std::env::var("TMUX_PANE").ok().filter(|_| context.inside_tmux),
    };
    let Some(target) = pick(&panes, here.as_deref()) else {
        let message = "cdev: no agent is waiting";
        match &client {
            // From a key binding: say it where the user is looking.
            Some(client) => {
                tmux.run(verbs::tell(client, message))?;
            }
            None => eprintln!("{message}"),
        }
        return Ok(());
    };
    let pane = &target.pane_id;
    let mut chain = vec![verbs::select_window(pane), verbs::select_pane(pane)];
    if client.is_some() || context.inside_tmux {
        chain.push(verbs::switch_client(client.as_deref(), pane));
        tmux.run_chain(&chain).with_context(|| format!("could not switch to {pane}"))?;
        return Ok(());
    }
    tmux.run_chain(&chain).with_context(|| format!("could not select {pane}"))?;
    crate::session::attach::attach_or_switch(context, &tmux, &target.session, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pane(id: &str, state: &str, since: i64) -> AgentPane {
        AgentPane {
            session: "s".into(),
            window: 0,
            pane: 0,
            pane_id: id.into(),
            state: Some(state.into()),
            since: Some(since),
            claude_session: None,
            cwd: "/".into(),
            worktree: None,
            cost: None,
            context: None,
            model: None,
            transcript: None,
            transcript_usage: None,
        }
    }

    #[test]
    fn waiting_longest_wins_then_unseen_results() {
        let panes = [
            pane("%1", "done", 1),
            pane("%2", "waiting", 50),
            pane("%3", "waiting", 20),
            pane("%4", "working", 0),
        ];
        assert_eq!(pick(&panes, None).unwrap().pane_id, "%3");
        assert_eq!(pick(&panes, Some("%3")).unwrap().pane_id, "%2", "not the one you are on");
        let panes = [pane("%1", "done", 30), pane("%2", "error", 10), pane("%4", "working", 0)];
        assert_eq!(pick(&panes, None).unwrap().pane_id, "%2");
        assert!(pick(&[pane("%4", "working", 0), pane("%5", "idle", 0)], None).is_none());
    }
}
