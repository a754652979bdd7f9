//! The autosaver: `cdev save --auto`, started by whatever asked for a save (`crate::autosave`,
//! which says how asking, the pause and the interval timer work). One saver at a time; it saves
//! cdev's sessions, keeps the timer going, and records how it went in `@cdev_autosave_last`.

use crate::tmux::cdev_option::{AUTOSAVE_LAST, AUTOSAVE_PAUSED, AUTOSAVE_PENDING, AUTOSAVE_TIMER};
use crate::tmux::verbs;
use std::time::Duration;

use anyhow::{Context as _, Result};

use crate::autosave::{enabled, interval, saver_command};
use crate::context::Context;
use crate::tmux::format::{format_string, parse_records, Record};
use crate::tmux::state::SessionSummary;
use crate::tmux::{Tmux, TmuxCommand, TmuxOptions};

/// How long a burst of changes may take to settle before it is saved.
const SETTLE: Duration = Duration::from_millis(500);

/// `cdev save --auto --closed SESSION` (the session-closed hook): a session that ended while its
/// server lives on was closed on purpose, so a restore after a later crash leaves it out. When the
/// whole server went (kill-server, a shutdown), nothing is marked: those sessions were lost, not
/// closed. Never fails, never prints.
pub fn closed(context: &Context, session: &str) -> Result<()> {
    let outcome = (|| -> Result<()> {
        let tmux = context.tmux()?;
        // After the moment a server on its way out takes to go. The server that ran the hook is
        // in $TMUX ("socket,pid,session"); another one on the same socket means it went.
        std::thread::sleep(SETTLE);
        let hook_server = std::env::var("TMUX").ok().and_then(|v| v.rsplit(',').nth(1).map(str::to_string));
        let pid = verbs::expand("#{pid}");
        let list = verbs::sessions().format("-F", &format_string(SessionSummary::FIELDS));
        let output = match tmux.run_chain_bytes(&[pid, list]) {
            Ok(output) => output,
            Err(err) if crate::tmux::is_no_server(&err) => return Ok(()),
            Err(err) => return Err(err),
        };
        let pid_line = String::from_utf8_lossy(&output).lines().next().unwrap_or_default().to_string();
        if hook_server.is_some_and(|hook_pid| hook_pid != pid_line.trim()) {
            return Ok(()); // the whole server went: its sessions were lost, not closed
        }
        let sessions: Vec<SessionSummary> = parse_records(&output)?;
        if sessions.iter().any(|s| s.name == session) {
            return Ok(()); // made again meanwhile
        }
        mark_closed(context, &[session.to_string()])?;
        // A request made while the mark held the lock found it taken: served here.
        save(context, None)
    })();
    if let Err(err) = &outcome {
        crate::log::debug("autosave", &format!("{session} closed: {err:#}"));
    }
    Ok(())
}

/// Marks `sessions` closed on purpose (`Store::mark_closed`), after any autosave under way: it
/// may still hold them, and its save would take the mark away.
pub fn mark_closed(context: &Context, sessions: &[String]) -> Result<()> {
    let _one_at_a_time = lock(context)?;
    let store = super::files::Store::new(&context.paths.state_dir);
    sessions.iter().try_for_each(|name| store.mark_closed(name))
}

fn lock(context: &Context) -> Result<crate::store::FileLock> {
    crate::store::lock(&lock_path(context))
}

/// One saver at a time per tmux server: a saver serves only its own server's requests, so a lock
/// shared by every server left a second server's request dropped while the first one saved, and
/// its timer never armed (autosave there stopped until some cdev command asked again).
fn lock_path(context: &Context) -> std::path::PathBuf {
    // Resolved, as tmux resolves it in `$TMUX`: a saver a hook started and one run by hand with
    // `-L` name the same server by the same path.
    let socket = context.server.socket_path();
    let socket = std::fs::canonicalize(&socket).unwrap_or(socket);
    let server = crate::store::path_component(&socket.to_string_lossy());
    context.paths.state_dir.join("locks").join(format!("autosave-{server}.lock"))
}

/// `cdev save --auto [--timer TOKEN]`: see the module docs. Never fails, never prints.
pub fn run(context: &Context, timer: Option<String>) -> Result<()> {
    let outcome = save(context, timer.as_deref());
    if let Err(err) = &outcome {
        crate::log::debug("autosave", &format!("{err:#}"));
    }
    Ok(())
}

fn save(context: &Context, timer: Option<&str>) -> Result<()> {
    let tmux = context.tmux()?;
    // One saver at a time. A request's saver started while another runs leaves at once (no
    // queue of waiting processes however fast requests come); a timer's tick waits its turn (it
    // must arm the next one). Whoever holds the lock serves every request made meanwhile, and
    // looks once more after letting go: a request whose process found the lock taken in that
    // last moment would otherwise wait for the next change.
    let mut tick = timer;
    loop {
        {
            let held = match tick {
                Some(_) => Some(lock(context)?),
                None => crate::store::try_lock(&lock_path(context))?,
            };
            let Some(_one_at_a_time) = held else { return Ok(()) };
            if tick.is_some() {
                serve(context, &tmux, tick.take())?;
            }
            while serve(context, &tmux, None)? {}
        }
        if !asked(&tmux)? {
            return Ok(());
        }
    }
}

/// Whether a request waits: pending, autosave on, not paused.
fn asked(tmux: &Tmux) -> Result<bool> {
    let options = tmux.options()?;
    Ok(enabled(&options) && options.get(AUTOSAVE_PENDING).is_some_and(|v| !v.is_empty()) && !paused(&options))
}

fn paused(options: &TmuxOptions) -> bool {
    let until = options.get(AUTOSAVE_PAUSED).and_then(|v| v.parse::<i64>().ok());
    until.is_some_and(|until| until > chrono::Utc::now().timestamp())
}

/// One round: saves when a request is pending or this is the live timer's tick, keeps the timer
/// going, and says whether it saved.
fn serve(context: &Context, tmux: &Tmux, timer: Option<&str>) -> Result<bool> {
    let Some((options, _)) = tmux.read_with_options::<SessionSummary>(verbs::sessions())? else {
        return Ok(false); // the server is gone: nothing to save, no timer to arm
    };
    let clear_pending = || verbs::unset_global_option(AUTOSAVE_PENDING);
    if !enabled(&options) {
        let unset_timer = verbs::unset_global_option(AUTOSAVE_TIMER);
        return tmux.run_chain(&[clear_pending(), unset_timer]).map(|_| false);
    }
    let pending = options.get(AUTOSAVE_PENDING).is_some_and(|v| !v.is_empty());
    let live_timer = options.get(AUTOSAVE_TIMER).unwrap_or_default().to_string();
    let (live_token, due) = live_timer.split_once(' ').unwrap_or((live_timer.as_str(), ""));
    let is_live_tick = timer.is_some_and(|token| token == live_token);
    // A timer whose tick is long overdue died (its binary went away, say): another takes over.
    let timer_dead = live_timer.is_empty()
        || due.parse::<i64>().is_ok_and(|due| due + 60 < chrono::Utc::now().timestamp());
    if timer.is_some() && !is_live_tick {
        return Ok(false); // a timer that was replaced (the plugin loaded again): it ends here
    }
    let mut after = Vec::new();
    // While paused a request stays pending (`resume` asks again); a tick only arms the next.
    let saves = (pending || is_live_tick) && !paused(&options);
    if saves {
        // A burst settles; what it brought (a session made meanwhile) is in the listing read
        // after the pause, in the same call that clears the flag: a change from then on asks again.
        std::thread::sleep(SETTLE);
        let list = verbs::sessions().format("-F", &format_string(SessionSummary::FIELDS));
        let sessions: Vec<SessionSummary> = parse_records(&tmux.run_chain_bytes(&[clear_pending(), list])?)?;
        let config = context.file_config()?.with_tmux_options(&options, &context.paths)?;
        let names: Vec<String> = sessions
            .iter()
            .filter(|s| s.project_root.is_some() || config.is_cdev_session(&s.name))
            .filter(|s| !s.name.contains(super::recreate::RESTORING_MARK))
            .map(|s| s.name.clone())
            .collect();
        let last = match names.is_empty() {
            true => "nothing to save".to_string(),
            false => match super::save::save_automatically(context, tmux, &config, &names) {
                Ok(written) => format!("{written} of {} sessions written", names.len()),
                Err(err) => format!("failed: {err:#}"),
            },
        };
        let stamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
        after.push(verbs::set_global_option(AUTOSAVE_LAST, &format!("{stamp} {last}")));
    }
    // The timer goes on from a live tick, and starts when none runs; it stops when turned off.
    match interval(&options) {
        Some(seconds) if is_live_tick || timer_dead => after.extend(arm(seconds)),
        None if !live_timer.is_empty() => after.push(verbs::unset_global_option(AUTOSAVE_TIMER)),
        _ => {}
    }
    tmux.run_chain(&after).context("could not arm the autosave timer")?;
    Ok(saves)
}

/// The next tick, `seconds` from now, under a fresh token.
fn arm(seconds: i64) -> Vec<TmuxCommand> {
    let token = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
    let Some(command) = saver_command(Some(&token)) else { return Vec::new() };
    let due = chrono::Utc::now().timestamp() + seconds;
    vec![
        verbs::set_global_option(AUTOSAVE_TIMER, &format!("{token} {due}")),
        TmuxCommand::new("run-shell").flag("-b").value("-d", &seconds.to_string()).arg(&command),
    ]
}
