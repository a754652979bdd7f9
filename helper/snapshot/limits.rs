//! What a snapshot or a bundle may ask tmux for: a file is someone's, and each count in it is a
//! window, a pane or screen memory made on the user's server. Far above any real session.

use super::SessionSnapshot;
use crate::tmux::layout::MAX_SIDE;
use crate::tmux::options::MAX_HISTORY_LIMIT;

pub const MAX_WINDOWS: usize = 256;
pub const MAX_PANES_PER_WINDOW: usize = 128;
pub const MAX_PANES: usize = 1024;
pub const MAX_ENV: usize = 10_000;

/// Why `session` asks for more than any real session; `Ok` when it does not.
pub fn check(session: &SessionSnapshot) -> Result<(), String> {
    let over = |what: &str, n: usize, max: usize| -> Result<(), String> {
        match n > max {
            true => Err(format!("{n} {what} (at most {max})")),
            false => Ok(()),
        }
    };
    if session.pane_count() == 0 {
        return Err("it holds no panes: there is nothing to restore".into());
    }
    over("windows", session.windows.len(), MAX_WINDOWS)?;
    over("panes", session.pane_count(), MAX_PANES)?;
    over("environment variables", session.env.len(), MAX_ENV)?;
    if session.history_limit > MAX_HISTORY_LIMIT {
        return Err(format!("history_limit {} (at most {MAX_HISTORY_LIMIT})", session.history_limit));
    }
    // tmux takes its arguments as C strings: a NUL in one would fail the whole restore.
    let nul = |text: &str| text.contains('\0');
    let env_nul = session.env.iter().any(|(k, v)| nul(k) || v.as_deref().is_some_and(nul));
    let options_nul =
        |options: &std::collections::BTreeMap<String, String>| options.iter().any(|(k, v)| nul(k) || nul(v));
    if nul(&session.name) || env_nul || options_nul(&session.options) {
        return Err("a NUL byte in its name, environment or options".into());
    }
    for window in &session.windows {
        over("panes in one window", window.panes.len(), MAX_PANES_PER_WINDOW)?;
        let pane_nul = |p: &super::PaneSnapshot| {
            nul(&p.cwd) || nul(&p.title) || p.command.iter().any(|a| nul(a)) || options_nul(&p.options)
        };
        if nul(&window.name) || nul(&window.layout) || window.panes.iter().any(pane_nul) {
            return Err(format!("a NUL byte in window {}", window.index));
        }
        let fits = |side: u32| (1..=MAX_SIDE).contains(&side);
        if !fits(window.width) || !fits(window.height) {
            return Err(format!(
                "a window of {}x{} (from 1x1 to {MAX_SIDE}x{MAX_SIDE})",
                window.width, window.height
            ));
        }
    }
    Ok(())
}
