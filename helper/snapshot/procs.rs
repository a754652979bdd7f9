//! What each pane is running, from the process table (`crate::proc`, read once per save): the
//! pane's foreground process group leader, found through the terminal's `tpgid`, and its
//! arguments, with cdev's own wrappers taken off.

use crate::proc::{self, is_shell, Table};
use crate::template::values::PANE_WRAPPER;

/// The foreground command of the pane whose first process is `pane_pid`, with its arguments.
/// Empty when the pane's own shell is in front (nothing to bring back).
pub fn foreground_command(table: &dyn Table, pane_pid: u32) -> Vec<String> {
    let Some(leader) = proc::foreground_leader(table, pane_pid) else { return Vec::new() };
    let args = table.args(leader);
    // A pane cdev started runs its command under a wrapper sh: the command is its 4th argument,
    // the values it refers to follow.
    if args.len() >= 5 && args[1] == "-c" && args[2] == PANE_WRAPPER {
        let command = crate::template::values::expand(&args[4], &args[5..]);
        return shell_words::split(&command).unwrap_or(vec![command]);
    }
    // From ps, whose arguments come joined, the wrapper's script and the values after it are one
    // text that cannot be taken apart again (the job it starts is what is normally in front).
    if args.len() == 3 && args[1] == "-c" && args[2].starts_with(PANE_WRAPPER) {
        return Vec::new();
    }
    if leader == pane_pid && args.first().is_some_and(|a| is_shell(a)) {
        return Vec::new();
    }
    // A command run as `$SHELL -c "…"` (by cdev's wrappers): the command is the string.
    if args.len() == 3 && is_shell(&args[0]) && args[1] == "-c" {
        return shell_words::split(&args[2]).unwrap_or_else(|_| vec![args[2].clone()]);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_runs_its_own_command() {
        let table = crate::proc::table();
        assert!(!table.args(std::process::id()).is_empty());
        assert!(foreground_command(table.as_ref(), u32::MAX).is_empty(), "a pane that is gone runs nothing");
    }
}
