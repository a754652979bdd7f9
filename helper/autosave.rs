//! cdev's own crash-safe state, with nothing else installed: its sessions are saved on the
//! events that change them and on an interval, so a crash before any manual save loses nothing.
//!
//! - **Asking** costs a key press nothing: tmux hooks (cdev.tmux, `scripts/autosave.sh`), cdev's
//!   own commands that change sessions, and the Claude hook handler when a conversation starts
//!   or changes (SessionStart) set `@cdev_autosave_pending` and start `cdev save --auto` with
//!   `run-shell -b`, in the tmux call they make anyway. The hooks start it only when no request is pending
//!   yet, so a burst of splits starts one process, not one per split.
//! - **Saving** happens one at a time (a lock; a second waits, then finds nothing pending and
//!   leaves), after a short pause that lets a burst settle, and only of cdev's sessions. The
//!   pending flag is cleared before the capture, so a change during a save asks again. A session
//!   whose snapshot would be the same as its latest is not written again.
//! - **The interval** (`@cdev-autosave-interval`, default 5 minutes, `off`) is a timer inside the
//!   tmux server: each tick is a `run-shell -b -d SECONDS` that arms the next. It was chosen over
//!   riding the status line (as tmux-continuum does) because agents work while nobody is
//!   attached, when no status line is drawn, and a theme that rewrites `status-right` would stop
//!   it silently; a timer inside the server runs detached and ends with the server. A token in
//!   `@cdev_autosave_timer` names the live timer, so a second one never runs beside it.
//!
//! Autosaves never print (run-shell would show it) and always exit 0; what happened is kept in
//! `@cdev_autosave_last` for `cdev doctor`, and errors go to `CDEV_LOG`.

use std::time::Duration;

use anyhow::{Context as _, Result};

use crate::commands::Context;
use crate::tmux::command::escape_format;
use crate::tmux::format::{format_string, parse_records, Record};
use crate::tmux::state::SessionSummary;
use crate::tmux::{TmuxCommand, TmuxOptions};

/// Set while a request waits for a save.
pub const PENDING: &str = "@cdev_autosave_pending";
/// The live interval timer: its token and when its next tick is due (Unix time).
pub const TIMER: &str = "@cdev_autosave_timer";
/// When the last autosave ran and how it went, for `cdev doctor`.
pub const LAST: &str = "@cdev_autosave_last";
/// Set (to the Unix time it lapses) while tmux-resurrect restores: requests wait until then.
pub const PAUSED: &str = "@cdev_autosave_paused";
/// Longer than any resurrect restore; a pause whose resume never came (a restore that died) ends.
const PAUSE_SECONDS: i64 = 600;
/// `off` turns autosaving off altogether (default `on`).
pub const ENABLED_OPTION: &str = "@cdev-autosave";
/// The user's interval: minutes, a duration (`90s`, `5m`, `1h`), or `off`.
pub const INTERVAL_OPTION: &str = "@cdev-autosave-interval";
pub const DEFAULT_INTERVAL_SECONDS: i64 = 5 * 60;
/// How long a burst of changes may take to settle before it is saved.
const SETTLE: Duration = Duration::from_millis(500);

/// The commands that ask for an autosave, for the end of a chain that changed sessions.
pub fn request() -> Vec<TmuxCommand> {
    match saver_command(None) {
        Some(command) => vec![
            TmuxCommand::new("set-option").flag("-g").arg(PENDING).arg("1"),
            TmuxCommand::new("run-shell").flag("-b").arg(&command),
        ],
        None => Vec::new(),
    }
}

/// Holds autosaves back (tmux-resurrect's restore is about to rebuild sessions piece by piece).
pub fn pause(context: &Context) -> Result<()> {
    let until = (chrono::Utc::now().timestamp() + PAUSE_SECONDS).to_string();
    context.tmux()?.run(TmuxCommand::new("set-option").flag("-g").arg(PAUSED).arg(&until)).map(drop)
}

/// Ends a [`pause`] and asks for the save it held back.
pub fn resume(context: &Context) -> Result<()> {
    let mut chain = vec![TmuxCommand::new("set-option").flag("-gu").arg(PAUSED)];
    chain.extend(request());
    context.tmux()?.run_chain(&chain).map(drop)
}

/// The shell command run-shell starts: this cdev binary, quoted, `save --auto`, and for a timer
/// tick `--timer TOKEN`. Escaped for tmux, which expands run-shell's command as a format.
fn saver_command(timer: Option<&str>) -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let mut command = format!("{} save --auto", shell_words::quote(&exe.to_string_lossy()));
    if let Some(token) = timer {
        command.push_str(&format!(" --timer {token}"));
    }
    Some(escape_format(&command))
}

/// Whether autosaving is on (`@cdev-autosave`).
pub fn enabled(options: &TmuxOptions) -> bool {
    options.get(ENABLED_OPTION).is_none_or(|v| v.trim() != "off")
}

/// The interval in seconds; `None` when autosaving on an interval is off.
pub fn interval(options: &TmuxOptions) -> Option<i64> {
    if !enabled(options) {
        return None;
    }
    let value = options.get(INTERVAL_OPTION).unwrap_or_default().trim().to_string();
    match value.as_str() {
        "" => Some(DEFAULT_INTERVAL_SECONDS),
        "off" | "0" => None,
        // A bare number is minutes, as tmux-continuum's @continuum-save-interval.
        minutes if minutes.chars().all(|c| c.is_ascii_digit()) => minutes.parse::<i64>().ok().map(|m| m * 60),
        duration => match crate::commands::parse_duration(duration) {
            Ok(0) => None,
            Ok(seconds) => Some(seconds),
            Err(_) => {
                crate::log::debug(
                    "autosave",
                    &format!("{INTERVAL_OPTION} {duration:?} is not a duration: using 5m"),
                );
                Some(DEFAULT_INTERVAL_SECONDS)
            }
        },
    }
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
    let _one_at_a_time = crate::store::lock(&context.paths.state_dir.join("locks").join("autosave.lock"))?;
    let Some((options, _)) = tmux.read_with_options::<SessionSummary>(TmuxCommand::new("list-sessions"))?
    else {
        return Ok(()); // the server is gone: nothing to save, no timer to arm
    };
    let clear_pending = || TmuxCommand::new("set-option").flag("-gu").arg(PENDING);
    if !enabled(&options) {
        let unset_timer = TmuxCommand::new("set-option").flag("-gu").arg(TIMER);
        return tmux.run_chain(&[clear_pending(), unset_timer]).map(drop);
    }
    let pending = options.get(PENDING).is_some_and(|v| !v.is_empty());
    let live_timer = options.get(TIMER).unwrap_or_default().to_string();
    let (live_token, due) = live_timer.split_once(' ').unwrap_or((live_timer.as_str(), ""));
    let is_live_tick = timer.is_some_and(|token| token == live_token);
    // A timer whose tick is long overdue died (its binary went away, say): another takes over.
    let timer_dead = live_timer.is_empty()
        || due.parse::<i64>().is_ok_and(|due| due + 60 < chrono::Utc::now().timestamp());
    if timer.is_some() && !is_live_tick {
        return Ok(()); // a timer that was replaced (the plugin loaded again): it ends here
    }
    let mut after = Vec::new();
    let paused_until = options.get(PAUSED).and_then(|v| v.parse::<i64>().ok());
    // While paused a request stays pending (`resume` asks again); a tick only arms the next.
    let paused = paused_until.is_some_and(|until| until > chrono::Utc::now().timestamp());
    if (pending || is_live_tick) && !paused {
        // A burst settles; what it brought (a session made meanwhile) is in the listing read
        // after the pause, in the same call that clears the flag: a change from then on asks again.
        std::thread::sleep(SETTLE);
        let list = TmuxCommand::new("list-sessions").format("-F", &format_string(SessionSummary::FIELDS));
        let sessions: Vec<SessionSummary> = parse_records(&tmux.run_chain_bytes(&[clear_pending(), list])?)?;
        let config = context.file_config()?.with_tmux_options(&options, &context.paths)?;
        let names: Vec<String> = sessions
            .iter()
            .filter(|s| s.project_root.is_some() || config.is_cdev_session(&s.name))
            .filter(|s| !s.name.contains(crate::commands::RESTORING_MARK))
            .map(|s| s.name.clone())
            .collect();
        let last = match names.is_empty() {
            true => "nothing to save".to_string(),
            false => match crate::commands::save_automatically(context, &tmux, &config, &names) {
                Ok(written) => format!("{written} of {} sessions written", names.len()),
                Err(err) => format!("failed: {err:#}"),
            },
        };
        let stamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
        after.push(TmuxCommand::new("set-option").flag("-g").arg(LAST).arg(&format!("{stamp} {last}")));
    }
    // The timer goes on from a live tick, and starts when none runs; it stops when turned off.
    match interval(&options) {
        Some(seconds) if is_live_tick || timer_dead => after.extend(arm(seconds)),
        None if !live_timer.is_empty() => after.push(TmuxCommand::new("set-option").flag("-gu").arg(TIMER)),
        _ => {}
    }
    tmux.run_chain(&after).context("could not arm the autosave timer").map(drop)
}

/// The next tick, `seconds` from now, under a fresh token.
fn arm(seconds: i64) -> Vec<TmuxCommand> {
    let token = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
    let Some(command) = saver_command(Some(&token)) else { return Vec::new() };
    let due = chrono::Utc::now().timestamp() + seconds;
    vec![
        TmuxCommand::new("set-option").flag("-g").arg(TIMER).arg(&format!("{token} {due}")),
        TmuxCommand::new("run-shell").flag("-b").value("-d", &seconds.to_string()).arg(&command),
    ]
}

/// Whether `tmux` runs a live interval timer (for `cdev doctor`).
pub fn timer_armed(options: &TmuxOptions) -> bool {
    options.get(TIMER).is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_reads_minutes_durations_and_off() {
        let with = |value: &str| TmuxOptions::parse(&format!("{INTERVAL_OPTION} {value}\n"));
        assert_eq!(interval(&TmuxOptions::default()), Some(300));
        assert_eq!(interval(&with("15")), Some(900));
        assert_eq!(interval(&with("90s")), Some(90));
        assert_eq!(interval(&with("off")), None);
        assert_eq!(interval(&with("0")), None);
        assert_eq!(interval(&with("soon")), Some(300));
        let off = TmuxOptions::parse(&format!("{ENABLED_OPTION} off\n{INTERVAL_OPTION} 15\n"));
        assert!(!enabled(&off) && interval(&off).is_none());
    }
}
