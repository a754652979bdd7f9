//! What each pane is running, from `/proc` (no `ps`, nothing spawned): the pane's foreground
//! process group leader, found through the terminal's `tpgid`, and its arguments.

use std::fs;

use crate::session::create::PANE_WRAPPER;

/// The foreground command of the pane whose first process is `pane_pid`, with its arguments.
/// Empty when the pane's own shell is in front (nothing to bring back).
pub fn foreground_command(pane_pid: u32) -> Vec<String> {
    let Some(tpgid) = stat_field(pane_pid, 5) else { return Vec::new() };
    let leader = if tpgid > 0 { tpgid as u32 } else { pane_pid };
    let args = cmdline(leader);
    // A pane cdev started runs its command under a wrapper sh: the command is its 4th argument,
    // the values it refers to follow.
    if args.len() >= 5 && args[1] == "-c" && args[2] == PANE_WRAPPER {
        let command = crate::template::values::expand(&args[4], &args[5..]);
        return shell_words::split(&command).unwrap_or(vec![command]);
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

fn is_shell(program: &str) -> bool {
    let name = program.rsplit('/').next().unwrap_or(program).trim_start_matches('-');
    matches!(name, "sh" | "bash" | "zsh" | "fish" | "dash" | "ksh" | "tcsh" | "csh" | "nu" | "xonsh")
}

/// Field `index` after the command name in `/proc/PID/stat` (0: state, 1: ppid, …, 5: tpgid).
fn stat_field(pid: u32, index: usize) -> Option<i64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may itself hold spaces or parentheses.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(index)?.parse().ok()
}

fn cmdline(pid: u32) -> Vec<String> {
    let bytes = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    bytes
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shells_are_recognised_by_name() {
        assert!(is_shell("/bin/bash") && is_shell("-zsh") && is_shell("fish"));
        assert!(!is_shell("/usr/bin/nvim"));
    }

    #[test]
    fn this_process_has_a_readable_stat() {
        assert!(stat_field(std::process::id(), 1).is_some());
        assert!(!cmdline(std::process::id()).is_empty());
    }
}
