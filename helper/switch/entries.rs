//! The picker's lines: the sessions, drawn at once, then, sent while the picker is open, the saved
//! sessions, the projects without a session (cached first, then a fresh walk) and the sessions
//! on the configured hosts. Each line's target is kept in the order the picker numbers them.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::pick::Target;
use super::preview::project_preview;
use super::sessions::SwitchSession;
use crate::agent::tally::Spend;
use crate::agent::{status, AgentState};
use crate::config::Config;
use crate::context::Context;
use crate::picker::Entry;
use crate::projects::{self, cache, Project};
use crate::tmux::{Tmux, TmuxCommand, TmuxOptions};

/// The sessions, most recent first: the picker draws them before any project arrives.
pub(super) fn first_entries(
    context: &Context,
    options: &TmuxOptions,
    sessions: &[SwitchSession],
    targets: &Arc<Mutex<Vec<Target>>>,
) -> Vec<Entry> {
    let mut targets = targets.lock().unwrap();
    sessions
        .iter()
        .map(|session| {
            targets.push(Target::Session(session.name.clone()));
            session_entry(context, options, session)
        })
        .collect()
}

/// The saved sessions that are not running, then the projects without a session, sent while the
/// picker is open: the cached ones at once, then
/// those a new walk finds that the cache did not have; the walk then replaces the cache.
pub(super) fn later_entries(
    context: &Context,
    config: &Config,
    sessions: &[SwitchSession],
    targets: &Arc<Mutex<Vec<Target>>>,
) -> impl FnOnce(&dyn Fn(Vec<Entry>)) + Send + 'static {
    let (roots, depth) = (config.projects_dirs.value.clone(), config.projects_depth.value as usize);
    let paths = context.paths.clone();
    let hosts = config.hosts.clone();
    let open = open_roots(sessions);
    let running: HashSet<String> = sessions.iter().map(|s| s.name.clone()).collect();
    let state_dir = context.paths.state_dir.clone();
    let ours = context.tmux().map(|t| t.server().socket_path()).unwrap_or_default();
    let version_cache = context.paths.cache_dir.join("tmux-version");
    let targets = Arc::clone(targets);
    move |send: &dyn Fn(Vec<Entry>)| {
        // Saved sessions first: they are sessions too, only not running.
        {
            let mut targets = targets.lock().unwrap();
            let (entries, names): (Vec<Entry>, Vec<String>) =
                crate::switch::saved::entries(&state_dir, &running, |saved| {
                    crate::snapshot::restore::runs_elsewhere(&ours, &version_cache, saved).is_some()
                })
                .into_iter()
                .unzip();
            targets.extend(names.into_iter().map(Target::Saved));
            // Sent under the lock: the picker numbers entries in the order they arrive.
            if !entries.is_empty() {
                send(entries);
            }
        }
        let mut shown = open;
        let mut add = |projects: Vec<Project>| {
            let mut targets = targets.lock().unwrap();
            let mut entries = Vec::new();
            for project in projects {
                if shown.insert(project.path.clone()) {
                    entries.push(project_entry(&paths, &project));
                    targets.push(Target::Project(project.path));
                }
            }
            // Sent under the lock: the picker numbers entries in the order they arrive.
            if !entries.is_empty() {
                send(entries);
            }
        };
        add(cache::read(&paths.cache_dir, &roots, depth).unwrap_or_default());
        let found = projects::discover(&roots, depth);
        add(found.clone());
        if let Err(err) = cache::write(&paths.cache_dir, &roots, depth, &found) {
            crate::log::debug("projects", &format!("{err:#}"));
        }
        // Sessions on the configured hosts, asked in parallel, last (they take the longest).
        let answers: Vec<crate::remote::HostSessions> = std::thread::scope(|scope| {
            let asks: Vec<_> = hosts
                .iter()
                .map(|(name, host)| scope.spawn(move || crate::remote::ask(name, host)))
                .collect();
            asks.into_iter().filter_map(|a| a.join().ok()).collect()
        });
        let mut targets = targets.lock().unwrap();
        let mut entries = Vec::new();
        for answer in answers.iter().filter(|a| a.reachable) {
            for session in answer.sessions.iter().filter_map(|s| s["name"].as_str()) {
                let (host, name) = (answer.host.clone(), session.to_string());
                entries.push(Entry {
                    line: format!("⇄ {host}: {name}"),
                    preview: Arc::new(move || format!("{name} on {host}\nEnter: cdev remote (ssh -t)\n")),
                });
                targets.push(Target::Remote { host: answer.host.clone(), session: session.to_string() });
            }
        }
        if !entries.is_empty() {
            send(entries);
        }
    }
}

fn open_roots(sessions: &[SwitchSession]) -> HashSet<PathBuf> {
    sessions.iter().map(|s| PathBuf::from(s.project_root())).collect()
}

fn session_entry(context: &Context, options: &TmuxOptions, session: &SwitchSession) -> Entry {
    let mut badges = String::new();
    for state in [AgentState::Waiting, AgentState::Error, AgentState::Working, AgentState::Done] {
        let count = session.panes.iter().filter(|p| p.agent_state.as_deref() == Some(state.as_str())).count();
        if count > 0 {
            badges.push_str(&format!(" {}{count}", status::icon(options, state)));
        }
    }
    // What its agents cost so far (Claude Code's statusLine, agent/usage.rs, else estimated from
    // their transcripts, agent/tally.rs, as the watcher or `cdev agents` last added them up).
    if let Some(spend) = Spend::sum(session.panes.iter().filter_map(|p| p.spend)) {
        badges.push_str(&format!(" {}", spend.label()));
    }
    let attached = if session.attached > 0 { " (attached)" } else { "" };
    let line = format!("● {}{badges}{attached}", session.name);
    let pane = session.panes.iter().find(|p| p.active).or(session.panes.first()).map(|p| p.pane_id.clone());
    let server = context.server.clone();
    let version_cache = context.paths.cache_dir.join("tmux-version");
    Entry {
        line,
        preview: Arc::new(move || {
            let Some(pane) = &pane else { return String::new() };
            Tmux::new(server.clone(), version_cache.clone())
                .and_then(|tmux| {
                    tmux.run(TmuxCommand::new("capture-pane").flag("-p").flag("-e").value("-t", pane))
                })
                .unwrap_or_else(|err| format!("{err:#}"))
        }),
    }
}

fn project_entry(paths: &crate::paths::Paths, project: &Project) -> Entry {
    let root = project.path.clone();
    let git_repo = project.git;
    Entry {
        line: format!("  {}  {}", project.name, paths.display(&project.path)),
        preview: Arc::new(move || project_preview(&root, git_repo)),
    }
}
