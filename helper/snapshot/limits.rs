//! What a snapshot or a bundle may ask tmux for: a file is someone's, and each count in it is a
//! window, a pane or screen memory made on the user's server. Far above any real session.

use super::SessionSnapshot;
use crate::tmux::layout::MAX_SIDE;

pub const MAX_WINDOWS: usize = 256;
pub const MAX_PANES_PER_WINDOW: usize = 128;
pub const MAX_PANES: usize = 1024;
pub const MAX_ENV: usize = 10_000;
pub const MAX_HISTORY_LIMIT: u32 = 10_000_000;

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
    for window in &session.windows {
        over("panes in one window", window.panes.len(), MAX_PANES_PER_WINDOW)?;
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
