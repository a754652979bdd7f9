//! `cdev health [SESSION]`: the seed's `claude-session-health`, done properly: panes against the
//! session's template, worktrees present, dead panes, commands that exited, each agent's state,
//! uncommitted work per worktree, the last snapshot's age. Exit status 3 when something needs a
//! look (1 stays "cdev failed").

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use anyhow::{bail, Context as _, Result};
use serde::Serialize;

use super::Context;
use crate::config::Config;
use crate::humanize::duration;
use crate::snapshot::files::Store;
use crate::template::{find_project_file, read_file, Origin, Registry, Role};
use crate::tmux::state::HealthPane;
use crate::tmux::TmuxCommand;
use crate::{git, worktree};

/// The exit status when something needs a look.
pub const UNHEALTHY: i32 = 3;

#[derive(Debug, Serialize)]
struct Check {
    ok: bool,
    what: String,
}

#[derive(Debug, Serialize)]
struct Agent {
    pane: String,
    state: String,
    for_seconds: Option<i64>,
}

#[derive(Debug, Serialize)]
struct SessionHealth {
    session: String,
    template: Option<String>,
    project_root: Option<String>,
    healthy: bool,
    checks: Vec<Check>,
    agents: Vec<Agent>,
    /// Every pane's process tree, sampled while the report is made.
    cpu_percent: Option<f64>,
    rss_kib: Option<u64>,
}

pub fn run(context: &Context, session: Option<String>, json: bool) -> Result<()> {
    let tmux = context.tmux()?;
    let read = tmux.read_with_options::<HealthPane>(TmuxCommand::new("list-panes").flag("-a"));
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
    // Informational, so never a failure: a machine without /proc shows no column.
    let usage = super::top::by_session(&all_panes, std::time::Duration::from_millis(200)).unwrap_or_default();
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
        // 3, not 1: "something needs a look" is not "cdev failed".
        std::process::exit(UNHEALTHY);
    }
    Ok(())
}

fn is_cdevs(config: &Config, name: &str, panes: &[HealthPane]) -> bool {
    config.is_cdev_session(name) || panes.iter().any(|p| p.project_root.is_some())
}

fn check_session(
    registry: &Registry,
    snapshots: &Store,
    session: String,
    panes: &[HealthPane],
    now: i64,
) -> SessionHealth {
    let first = &panes[0];
    let (template, root) = (first.template.clone(), first.project_root.clone());
    let mut checks = Vec::new();
    let mut check = |ok: bool, what: String| checks.push(Check { ok, what });

    match expected_panes(registry, template.as_deref(), root.as_deref(), panes) {
        Some(expected) => check(
            panes.len() == expected,
            format!(
                "panes: {} (template {} expects {expected})",
                panes.len(),
                template.as_deref().unwrap_or("?")
            ),
        ),
        None => check(true, format!("panes: {}", panes.len())),
    }
    let worktrees: Vec<&HealthPane> = panes.iter().filter(|p| p.worktree.is_some()).collect();
    for pane in &worktrees {
        let name = pane.worktree.as_deref().unwrap_or_default();
        let present = root.as_deref().is_some_and(|r| {
            git::toplevel(Path::new(r))
                .is_some_and(|top| top.join(worktree::WORKTREES_DIR).join(name).is_dir())
        });
        check(present, format!("worktree {name}: {}", if present { "present" } else { "missing" }));
    }
    for pane in panes {
        let place = format!("pane {}.{} ({})", pane.window, pane.pane, pane.title);
        if pane.dead {
            check(false, format!("{place}: dead"));
        } else if command_exited(pane) && pane.role.as_deref() != Some("git") {
            // The git pane's `git status` is a one-shot by design: the shell after it is the point.
            check(false, format!("{place}: its command exited; now a shell"));
        }
    }
    if let Some(root) = root.as_deref().and_then(|r| git::toplevel(Path::new(r))) {
        // The main checkout and every agent worktree: uncommitted work is worth knowing about.
        for path in worktree::registered_worktrees(&root).unwrap_or_default() {
            let name = if let Some((name, by_claude)) = worktree::agent_worktree(&root, &path) {
                format!("worktree {name}{}", if by_claude { " (made by Claude)" } else { "" })
            } else if path == root {
                "main checkout".to_string()
            } else {
                continue;
            };
            if !path.is_dir() {
                // Registered with git but gone; a pane's worktree is said missing above already.
                let dir_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                if !worktrees.iter().any(|p| p.worktree == dir_name) {
                    check(false, format!("{name}: missing (`git worktree prune` forgets it)"));
                }
                continue;
            }
            match git::run(&path, &["status", "--porcelain"]) {
                Ok(status) => {
                    let changes = status.lines().count();
                    check(changes == 0, format!("{name}: {changes} uncommitted changes"));
                }
                Err(err) => check(false, format!("{name}: could not read its status: {err:#}")),
            }
        }
    }
    for pane in panes.iter().filter(|p| p.agent_state.as_deref() == Some("error")) {
        let why = pane.agent_error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default();
        check(false, format!("agent {}.{}: stopped with an error{why}", pane.window, pane.pane));
    }
    match snapshots
        .latest_good(&session)
        .ok()
        .and_then(|(path, _, _)| crate::snapshot::files::created_at(&path))
    {
        Some(taken) => {
            let age = (now - taken.timestamp()).max(0);
            check(age < 86_400, format!("last snapshot: {} ago", duration(age)));
        }
        // A session younger than the snapshot age that warns is not overdue for one.
        None if now - first.session_created < 86_400 => check(true, "no snapshot yet (cdev save)".into()),
        None => check(false, "no snapshot yet (cdev save)".into()),
    }
    let agents: Vec<Agent> = panes
        .iter()
        .filter_map(|p| {
            Some(Agent {
                pane: format!("{}.{}", p.window, p.pane),
                state: p.agent_state.clone()?,
                for_seconds: p.agent_since.map(|s| (now - s).max(0)),
            })
        })
        .collect();
    let healthy = checks.iter().all(|c| c.ok);
    SessionHealth {
        session,
        template,
        project_root: root,
        healthy,
        checks,
        agents,
        cpu_percent: None,
        rss_kib: None,
    }
}

/// How many panes the session's template makes, counting Claude panes added for worktrees.
fn expected_panes(
    registry: &Registry,
    template: Option<&str>,
    root: Option<&str>,
    panes: &[HealthPane],
) -> Option<usize> {
    let name = template?;
    let template = registry.get(name).ok().or_else(|| {
        let file = find_project_file(Path::new(root?))?;
        registry.resolve(read_file(&file).ok()?, Origin::File(file), "project").ok()
    })?;
    let claude_panes =
        template.windows.iter().flat_map(|w| &w.panes).filter(|p| p.role == Role::Claude).count();
    let made = template.windows.iter().map(|w| w.panes.len()).sum::<usize>();
    let worktree_panes = panes.iter().filter(|p| p.worktree.is_some()).count();
    Some(made + worktree_panes.saturating_sub(claude_panes))
}

/// A pane cdev started with a command whose command is gone: tmux now shows the shell it
/// exec'd into (see `session::create::PANE_WRAPPER`).
fn command_exited(pane: &HealthPane) -> bool {
    let wrapper =
        pane.start_command.contains("exec \\\"$0\\\"") || pane.start_command.contains("exec \"$0\"");
    let shell = std::env::var("SHELL").ok();
    let shell_name =
        shell.as_deref().and_then(|s| Path::new(s).file_name()).map(|n| n.to_string_lossy().into_owned());
    let current = pane.current_command.as_str();
    wrapper
        && (Some(current.to_string()) == shell_name
            || matches!(current, "sh" | "bash" | "zsh" | "fish" | "dash"))
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
            writeln!(out, "  resources: CPU {cpu:.1}%, memory {}", super::top::memory(rss))?;
        }
        for agent in &session.agents {
            let since = agent.for_seconds.map(|s| format!(" for {}", duration(s))).unwrap_or_default();
            writeln!(out, "  agent {}: {}{since}", agent.pane, agent.state)?;
        }
    }
    Ok(())
}
