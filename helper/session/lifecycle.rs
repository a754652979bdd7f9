//! Ending sessions without losing them (`cdev kill`, `cdev cleanup`, ctrl-x in the picker). Every
//! session is saved first, and is killed only if its snapshot was written.

use crate::tmux::verbs;
use anyhow::{bail, Context as _, Result};

use crate::agent::AgentState;
use crate::config::Config;
use crate::context::Context;
use crate::humanize::duration;
use crate::prompt::{confirm, confirm_typed};
use crate::tmux::state::{group_sessions, Pane, Session};
use crate::tmux::{Tmux, TmuxCommand, TmuxOptions};

/// The effective config, the server's options and its sessions, from one tmux call.
pub fn read(context: &Context, tmux: &Tmux) -> Result<(Config, TmuxOptions, Vec<Session>)> {
    let read = tmux.read_with_options::<Pane>(verbs::all_panes())?;
    let (options, panes) = read.unwrap_or_default();
    let config = context.file_config()?.with_tmux_options(&options, &context.paths)?;
    Ok((config, options, group_sessions(panes)))
}

fn is_cdevs(config: &Config, session: &Session) -> bool {
    session.project_root.is_some() || config.is_cdev_session(&session.name)
}

/// Saves `names`, then kills each whose snapshot was written; prints where each snapshot is.
pub fn save_then_kill(context: &Context, tmux: &Tmux, config: &Config, names: &[String]) -> Result<()> {
    // The snapshot of what is being killed must be the latest, however small it is.
    let (lines, written) = crate::snapshot::save::save_before_kill(context, tmux, config, names)
        .context("nothing was killed")?;
    // Only a session whose snapshot was written is killed; one that ended meanwhile (its save
    // says so) is not either: one failing kill-session would stop the rest of the chain.
    let alive = tmux.run(verbs::sessions().format("-F", "#{session_name}"))?;
    let alive: Vec<&str> = alive.lines().collect();
    let names: Vec<&String> =
        names.iter().filter(|n| alive.contains(&n.as_str()) && written.contains(n)).collect();
    let kills: Vec<TmuxCommand> = names.iter().map(|name| verbs::kill_session(name)).collect();
    tmux.run_chain(&kills).context("could not kill")?;
    // Killed on purpose: a restore after a later crash leaves them out (`cdev restore NAME`
    // still brings one back).
    let killed: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    if let Err(err) = crate::snapshot::autosave::mark_closed(context, &killed) {
        eprintln!("cdev: could not record that {} were closed: {err:#}", killed.join(", "));
    }
    for line in lines {
        println!("{line}");
    }
    for name in names {
        // The command printed is one that works: a name tmux took but cdev cannot make again
        // (a `#` in it) comes back under another.
        let quoted = shell_words::quote(name);
        if crate::snapshot::recreate::keeps_name(name) {
            println!("{name}: killed; bring it back with: cdev restore {quoted}");
        } else {
            let other = shell_words::quote(&crate::naming::session_name("", name)).into_owned();
            println!("{name}: killed; bring it back with: cdev restore {quoted} --as {other}");
        }
    }
    Ok(())
}

/// Saves and kills `session`, or with `all` every cdev session after a typed confirmation (or
/// `yes`).
pub fn kill(context: &Context, session: Option<String>, all: bool, yes: bool) -> Result<()> {
    let tmux = context.tmux()?;
    let (config, _, sessions) = read(context, &tmux)?;
    let names: Vec<String> = match (session, all) {
        (Some(name), false) => {
            if !sessions.iter().any(|s| s.name == name) {
                bail!("could not kill {name}: no such session");
            }
            vec![name]
        }
        (None, true) => {
            let names: Vec<String> =
                sessions.iter().filter(|s| is_cdevs(&config, s)).map(|s| s.name.clone()).collect();
            if names.is_empty() {
                println!("no cdev sessions");
                return Ok(());
            }
            let phrase = format!("kill {}", names.len());
            println!("cdev sessions: {}", names.join(", "));
            if !yes && !confirm_typed(&phrase)? {
                bail!("could not kill: not confirmed (type \"{phrase}\", or use --yes)");
            }
            names
        }
        _ => bail!("could not kill: name one session, or use --all"),
    };
    save_then_kill(context, &tmux, &config, &names)
}

/// Which of cdev's sessions `cleanup` saves and kills, and how.
pub struct Cleanup {
    /// Created more than this many seconds ago.
    pub older_than: Option<i64>,
    /// Without activity for this many seconds.
    pub idle_for: Option<i64>,
    /// Only say what would be killed.
    pub dry_run: bool,
    pub yes: bool,
    /// Attached sessions and those with an agent working or waiting too.
    pub force: bool,
}

/// Saves and kills the sessions `request` chooses (each said as kept or killed), after asking.
pub fn cleanup(context: &Context, request: Cleanup) -> Result<()> {
    let (older_than, idle_for) = (request.older_than, request.idle_for);
    let tmux = context.tmux()?;
    let (config, _, sessions) = read(context, &tmux)?;
    let now = chrono::Utc::now().timestamp();
    let mut chosen = Vec::new();
    for session in sessions.iter().filter(|s| is_cdevs(&config, s)) {
        let age = now - session.created;
        let idle = now - session.activity;
        if older_than.is_some_and(|limit| age < limit) || idle_for.is_some_and(|limit| idle < limit) {
            continue;
        }
        let busy = session.panes.iter().any(|p| {
            matches!(
                p.agent_state.as_deref().and_then(AgentState::parse),
                Some(AgentState::Working | AgentState::Waiting)
            )
        });
        let why_not = match (session.attached > 0, busy) {
            (true, _) => Some("attached"),
            (_, true) => Some("an agent is working or waiting"),
            _ => None,
        };
        let line = format!("{} (created {} ago, idle {})", session.name, duration(age), duration(idle));
        match why_not {
            Some(reason) if !request.force => println!("keeping {line}: {reason} (--force kills it anyway)"),
            _ => {
                println!("would kill {line}");
                chosen.push(session.name.clone());
            }
        }
    }
    if chosen.is_empty() || request.dry_run {
        return Ok(());
    }
    if !request.yes && !confirm(&format!("Save and kill {} sessions? [y/N] ", chosen.len()))? {
        bail!("could not clean up: not confirmed (use --yes)");
    }
    save_then_kill(context, &tmux, &config, &chosen)
}
