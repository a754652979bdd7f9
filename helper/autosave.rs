//! cdev's own crash-safe state, with nothing else installed: its sessions are saved on the
//! events that change them and on an interval, so a crash before any manual save loses nothing.
//!
//! - **Asking** costs a key press nothing: tmux hooks (cdev.tmux, `scripts/autosave.sh`), cdev's
//!   own commands that change sessions, and the Claude hook handler when a conversation starts
//!   or changes (SessionStart) set `@cdev_autosave_pending` and start `cdev save --auto` with
//!   `run-shell -b`, in the tmux call they make anyway. The hooks start it only when no request
//!   is pending yet, so a burst of splits starts one process, not one per split.
//! - **Saving** happens one at a time per tmux server (a lock per server: a saver started while
//!   another runs for the same server leaves at once, and the one running serves its request), after a short pause that lets a burst
//!   settle, and only of cdev's sessions. The pending flag is cleared before the capture, so a
//!   change during a save asks again. A session whose snapshot would be the same as its latest
//!   is not written again.
//! - **The interval** (`@cdev-autosave-interval`, default 5 minutes, `off`) is a timer inside the
//!   tmux server: each tick is a `run-shell -b -d SECONDS` that arms the next. It was chosen over
//!   riding the status line (as tmux-continuum does) because agents work while nobody is
//!   attached, when no status line is drawn, and a theme that rewrites `status-right` would stop
//!   it silently; a timer inside the server runs detached and ends with the server. A token in
//!   `@cdev_autosave_timer` names the live timer, so a second one never runs beside it.
//!
//! The saver itself is `snapshot::autosave`; this module is what asks for it, and the options and
//! flags the two share, so anything that changes sessions can ask without depending on snapshots.
//!
//! Autosaves never print (run-shell would show it) and always exit 0; what happened is kept in
//! `@cdev_autosave_last` for `cdev doctor`, and errors go to `CDEV_LOG`.

use crate::tmux::cdev_option::{AUTOSAVE_PAUSED, AUTOSAVE_PENDING, AUTOSAVE_TIMER};
use crate::tmux::verbs;
use anyhow::Result;

use crate::tmux::command::escape_format;
use crate::tmux::{Tmux, TmuxCommand, TmuxOptions};

/// Longer than any resurrect restore; a pause whose resume never came (a restore that died) ends.
const PAUSE_SECONDS: i64 = 600;
/// `off` turns autosaving off altogether (default `on`).
pub const ENABLED_OPTION: &str = "@cdev-autosave";
/// The user's interval: minutes, a duration (`90s`, `5m`, `1h`), or `off`.
pub const INTERVAL_OPTION: &str = "@cdev-autosave-interval";
pub const DEFAULT_INTERVAL_SECONDS: i64 = 5 * 60;

/// The commands that ask for an autosave, for the end of a chain that changed sessions.
pub fn request() -> Vec<TmuxCommand> {
    match saver_command(None) {
        Some(command) => vec![
            verbs::set_global_option(AUTOSAVE_PENDING, "1"),
            TmuxCommand::new("run-shell").flag("-b").arg(&command),
        ],
        None => Vec::new(),
    }
}

/// Holds autosaves back (tmux-resurrect's restore is about to rebuild sessions piece by piece).
pub fn pause(tmux: &Tmux) -> Result<()> {
    let until = (chrono::Utc::now().timestamp() + PAUSE_SECONDS).to_string();
    tmux.run(verbs::set_global_option(AUTOSAVE_PAUSED, &until)).map(drop)
}

/// Ends a [`pause`] and asks for the save it held back.
pub fn resume(tmux: &Tmux) -> Result<()> {
    let mut chain = vec![verbs::unset_global_option(AUTOSAVE_PAUSED)];
    chain.extend(request());
    tmux.run_chain(&chain).map(drop)
}

/// The shell command run-shell starts: this cdev binary, quoted, `save --auto`, and for a timer
/// tick `--timer TOKEN`. Escaped for tmux, which expands run-shell's command as a format.
pub fn saver_command(timer: Option<&str>) -> Option<String> {
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
        duration => match crate::humanize::parse_duration(duration) {
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

/// Whether `tmux` runs a live interval timer (for `cdev doctor`).
pub fn timer_armed(options: &TmuxOptions) -> bool {
    options.get(AUTOSAVE_TIMER).is_some_and(|v| !v.is_empty())
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
