//! `cdev health [SESSION]`: every cdev session's checks (`crate::health`), as text or JSON, with
//! the CPU and memory of its panes. Exit status 3 when something needs a look (1 stays "cdev
//! failed").

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use anyhow::{bail, Context as _, Result};
use clap::Args;

use super::Context;
use crate::exit::SilentExit;
use crate::health::{check_session, is_cdevs, SessionHealth};
use crate::humanize::duration;
use crate::snapshot::files::Store;
use crate::tmux::state::HealthPane;
use crate::tmux::verbs;

/// Check cdev's sessions (or SESSION): panes against the template, worktrees, dead panes,
/// exited commands, agents, uncommitted work, snapshots. Exit status 3 when something needs
/// a look.
#[derive(Debug, Args)]
pub struct HealthArgs {
    pub session: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(context: &Context, args: HealthArgs) -> Result<()> {
    let HealthArgs { session, json } = args;
    let tmux = context.tmux()?;
    let read = tmux.read_with_options::<HealthPane>(verbs::all_panes());
    let (options, panes) = read.context("could not read tmux")?.unwrap_or_default();
    let config = context.file_config()?.with_tmux_options(&options, &context.paths)?;
    let mut by_session: BTreeMap<String, Vec<HealthPane>> = BTreeMap::new();
    for pane in panes {
        by_session.entry(pane.session.clone()).or_default().push(pane);
    }
    if let Some(name) = &session {
        if !by_session.contains_key(name) {
            bail!("could not check {name}: no such session");
        }
        by_session.retain(|s, _| s == name);
    } else {
        by_session.retain(|name, panes| is_cdevs(&config, name, panes));
    }
    let open = by_session.len();
    let too_many = session.is_none() && open > config.max_sessions.value as usize;
    let registry = context.templates()?;
    let now = chrono::Utc::now().timestamp();
    let snapshots = Store::new(&context.paths.state_dir);
    let all_panes: Vec<HealthPane> = by_session.values().flatten().cloned().collect();
    // Informational, so never a failure: a process table that cannot be read shows no column.
    let usage = crate::top::by_session(&all_panes, std::time::Duration::from_millis(200)).unwrap_or_default();
    let report: Vec<SessionHealth> = by_session
        .into_iter()
        .map(|(name, panes)| {
            let mut health = check_session(&registry, &snapshots, name, &panes, now);
            if let Some(u) = usage.iter().find(|u| u.session == health.session) {
                health.cpu_percent = Some(u.cpu_percent);
                health.rss_kib = Some(u.rss_kib);
            }
            health
        })
        .collect();

    let mut out = io::BufWriter::new(io::stdout().lock());
    if too_many && !json {
        writeln!(out, "{open} cdev sessions open, more than max_sessions ({})", config.max_sessions.value)?;
    }
    if json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        print_report(&mut out, &report, context)?;
    }
    out.flush()?;
    if too_many || report.iter().any(|s| !s.healthy) {
        // Not a failure: "something needs a look" is not "cdev failed".
        return Err(SilentExit::NeedsALook.into());
    }
    Ok(())
}

fn print_report(out: &mut impl Write, report: &[SessionHealth], context: &Context) -> io::Result<()> {
    let plain = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let (good, bad) = if plain { ("ok  ", "warn") } else { ("✅", "⚠️ ") };
    if report.is_empty() {
        writeln!(out, "no cdev sessions")?;
    }
    for session in report {
        let root = session.project_root.as_deref().map(|r| context.paths.display(Path::new(r)));
        writeln!(
            out,
            "{}  ({})",
            session.session,
            [session.template.clone(), root].into_iter().flatten().collect::<Vec<_>>().join(", ")
        )?;
        for check in &session.checks {
            writeln!(out, "  {} {}", if check.ok { good } else { bad }, check.what)?;
        }
        if let (Some(cpu), Some(rss)) = (session.cpu_percent, session.rss_kib) {
            writeln!(out, "  resources: CPU {cpu:.1}%, memory {}", crate::humanize::memory(rss))?;
        }
        for agent in &session.agents {
            let since = agent.for_seconds.map(|s| format!(" for {}", duration(s))).unwrap_or_default();
            writeln!(out, "  agent {}: {}{since}", agent.pane, agent.state)?;
        }
    }
    Ok(())
}
