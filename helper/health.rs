//! Whether a session needs a look: its panes against its template, worktrees present, dead panes,
//! commands that exited, each agent's state, uncommitted work per worktree, the last snapshot's
//! age. `cdev health` prints it.

use std::path::Path;

use serde::Serialize;

use crate::config::Config;
use crate::humanize::duration;
use crate::snapshot::files::Store;
use crate::snapshot::rebuild::RESTORE_WRAPPER;
use crate::template::values::PANE_WRAPPER;
use crate::template::{find_project_file, read_file, Origin, Registry, Role};
use crate::tmux::state::HealthPane;
use crate::{git, worktree};

#[derive(Debug, Serialize)]
pub struct Check {
    pub ok: bool,
    pub what: String,
}

#[derive(Debug, Serialize)]
pub struct Agent {
    pub pane: String,
    pub state: String,
    pub for_seconds: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct SessionHealth {
    pub session: String,
    pub template: Option<String>,
    pub project_root: Option<String>,
    pub healthy: bool,
    pub checks: Vec<Check>,
    pub agents: Vec<Agent>,
    /// Every pane's process tree, sampled while the report is made (by the caller).
    pub cpu_percent: Option<f64>,
    pub rss_kib: Option<u64>,
}

/// Whether the session is cdev's: its prefix, or a pane that knows its project.
pub fn is_cdevs(config: &Config, name: &str, panes: &[HealthPane]) -> bool {
    config.is_cdev_session(name) || panes.iter().any(|p| p.project_root.is_some())
}

/// Every check of one session (its panes, in order): panes against the template, worktrees, dead
/// panes and exited commands, uncommitted work, agents in error, the last snapshot's age.
pub fn check_session(
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
                    check(
                        changes == 0,
                        format!("{name}: {}", crate::humanize::counted(changes, "uncommitted change")),
                    );
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
/// exec'd into (see `template::values::PANE_WRAPPER`).
fn command_exited(pane: &HealthPane) -> bool {
    // Started by one of cdev's wrappers that run a command and then the shell (tmux shows the
    // start command with its quotes escaped, or not, by version). A restored shell pane
    // (`RESTORE_SHELL_WRAPPER`) never ran one: a shell there is the point.
    let start = &pane.start_command;
    let wrapper = [PANE_WRAPPER, RESTORE_WRAPPER]
        .iter()
        .any(|w| start.contains(w) || start.contains(&w.replace('"', "\\\"")));
    let shell = std::env::var("SHELL").ok();
    let shell_name =
        shell.as_deref().and_then(|s| Path::new(s).file_name()).map(|n| n.to_string_lossy().into_owned());
    let current = pane.current_command.as_str();
    wrapper && (Some(current.to_string()) == shell_name || crate::proc::is_shell(current))
}
