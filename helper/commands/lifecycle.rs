//! `cdev kill SESSION|--all` and `cdev cleanup`: ending sessions without losing them. Every
//! session is saved first, and is killed only if its snapshot was written.

use anyhow::{bail, Context as _, Result};

use super::prompt::{confirm, confirm_typed};
use super::Context;
use crate::agent::AgentState;
use crate::config::Config;
use crate::humanize::duration;
use crate::tmux::state::{group_sessions, Pane, Session};
use crate::tmux::{target, Tmux, TmuxCommand, TmuxOptions};

/// The effective config, the server's options and its sessions, from one tmux call.
pub(super) fn read(context: &Context, tmux: &Tmux) -> Result<(Config, TmuxOptions, Vec<Session>)> {
    let read = tmux.read_with_options::<Pane>(TmuxCommand::new("list-panes").flag("-a"))?;
    let (options, panes) = read.unwrap_or_default();
    let config = context.file_config()?.with_tmux_options(&options, &context.paths)?;
    Ok((config, options, group_sessions(panes)))
}

fn is_cdevs(config: &Config, session: &Session) -> bool {
    session.project_root.is_some() || config.is_cdev_session(&session.name)
}

/// Saves `names`, then kills each whose snapshot was written; prints where each snapshot is.
pub(super) fn save_then_kill(
    context: &Context,
    tmux: &Tmux,
    config: &Config,
    names: &[String],
) -> Result<()> {
    // The snapshot of what is being killed must be the latest, however small it is.
    let lines = super::save::save(context, tmux, config, names, true).context("nothing was killed")?;
    // A session that ended meanwhile (its save says so) is not killed: one failing kill-session
    // would stop the rest of the chain.
    let alive = tmux.run(TmuxCommand::new("list-sessions").format("-F", "#{session_name}"))?;
    let alive: Vec<&str> = alive.lines().collect();
    let names: Vec<&String> = names.iter().filter(|n| alive.contains(&n.as_str())).collect();
    let kills: Vec<TmuxCommand> = names
        .iter()
        .map(|name| TmuxCommand::new("kill-session").value("-t", &target::session(name)))
        .collect();
    tmux.run_chain(&kills).context("could not kill")?;
    // Killed on purpose: a restore after a later crash leaves them out (`cdev restore NAME`
    // still brings one back).
    let killed: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    if let Err(err) = crate::autosave::mark_closed(context, &killed) {
        eprintln!("cdev: could not record that {} were closed: {err:#}", killed.join(", "));
    }
    for line in lines {
        println!("{line}");
    }
    for name in names {
        println!("{name}: killed; bring it back with: cdev restore {}", shell_words::quote(name));
    }
    Ok(())
}

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

pub struct Cleanup {
    pub older_than: Option<String>,
    pub idle_for: Option<String>,
    pub dry_run: bool,
    pub yes: bool,
    pub force: bool,
}

pub fn cleanup(context: &Context, request: Cleanup) -> Result<()> {
    let older_than = request.older_than.as_deref().map(parse_duration).transpose()?;
    let idle_for = request.idle_for.as_deref().map(parse_duration).transpose()?;
    // The seed's rule by default: older than 24 hours.
    let older_than = if older_than.is_none() && idle_for.is_none() { Some(24 * 3600) } else { older_than };
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

/// `90s`, `30m`, `24h`, `7d` (or a bare number of seconds) as seconds.
pub fn parse_duration(text: &str) -> Result<i64> {
    // Bad input, not a failure: exit status 2, as for any other bad argument.
    let refuse = || {
        crate::input_error::InputError::new(
            "could not read the duration",
            format!("{text:?} is not one (say 90s, 30m, 24h, 7d)"),
        )
    };
    let trimmed = text.trim();
    let (digits, unit) =
        trimmed.split_at(trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(trimmed.len()));
    let value: i64 = digits.parse().map_err(|_| refuse())?;
    let scale = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(refuse().into()),
    };
    Ok(value.saturating_mul(scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(parse_duration("90s").unwrap(), 90);
        assert_eq!(parse_duration("30m").unwrap(), 1800);
        assert_eq!(parse_duration("24h").unwrap(), 86_400);
        assert_eq!(parse_duration("7d").unwrap(), 604_800);
        assert_eq!(parse_duration("0").unwrap(), 0);
        for bad in ["", "h", "5y", "-1h", "1.5h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
