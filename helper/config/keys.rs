//! The one table of config keys. A new key is one row here (its doc line, type, default, the
//! rule its value must pass and its `@cdev-*` option) and one line in README.md's list, which a
//! test keeps in step: `config.toml`, the options, `cdev config` and `Config` all follow the row.

use std::path::PathBuf;

use super::key::{self, keys, Key, TmuxOption};
use super::{Host, Setting};
use crate::naming;
use crate::paths::Paths;

keys! {
    /// Prepended to the name of every session cdev makes; sessions with it are cdev's own.
    prefix: String = |_| naming::DEFAULT_PREFIX.to_string(),
        rule |prefix: String, _| validate_prefix(&prefix).map(|()| prefix),
        option TmuxOption::value("@cdev-prefix");
    /// Where projects are discovered.
    projects_dirs: Vec<PathBuf> = |paths: &Paths| vec![paths.home.join("projects")],
        rule |dirs: Vec<String>, paths| absolute_dirs(&dirs, paths),
        option TmuxOption::list("@cdev-projects-dirs", ':');
    /// How many levels below a projects dir projects are looked for (1–10).
    projects_depth: u32 = |_| 3,
        rule |depth: u32, _| between(depth, 1, 10),
        option None;
    /// The command Claude panes run; cdev adds `--session-id <uuid>`.
    claude_command: String = |_| "claude".to_string(),
        rule |command: String, _| not_blank(command),
        option TmuxOption::value("@cdev-claude-command");
    /// Templates tried first in detection, in this order (then by each template's `priority`).
    template_priority: Vec<String> = |_| Vec::new(),
        rule |names: Vec<String>, _| Ok(names),
        option TmuxOption::list("@cdev-template-priority", ',');
    /// The template used when none is detected.
    default_template: String = |_| "generic".to_string(),
        rule |name: String, _| Ok(name),
        option TmuxOption::value("@cdev-default-template");
    /// Snapshots kept per session (the newest, at least 1), besides those younger than snapshot_keep_days.
    snapshot_keep: u32 = |_| 20,
        rule |keep: u32, _| Ok(keep.max(1)),
        option None;
    /// Days a snapshot is kept, however many there are.
    snapshot_keep_days: u32 = |_| 7,
        rule |days: u32, _| Ok(days),
        option None;
    /// Scrollback lines saved per pane: -1 all, 0 none.
    snapshot_scrollback: i64 = |_| -1,
        rule |lines: i64, _| match lines {
            -1.. => Ok(lines),
            _ => Err("-1 (all), 0 (none) or a number of lines".to_string()),
        },
        option None;
    /// Programs a restore runs again (others are typed at the prompt, not run).
    restore_processes: Vec<String> = |_| DEFAULT_RESTORE_PROCESSES.iter().map(|s| s.to_string()).collect(),
        rule |programs: Vec<String>, _| Ok(programs),
        option TmuxOption::list("@cdev-restore-processes", ' ');
    /// More cdev sessions than this and `cdev new` and `cdev health` warn.
    max_sessions: u32 = |_| 10,
        rule |max: u32, _| Ok(max),
        option TmuxOption::value("@cdev-max-sessions");
}

/// Programs whose saved command a restore runs again by default (tmux-resurrect's list).
pub const DEFAULT_RESTORE_PROCESSES: &[&str] =
    &["vi", "vim", "nvim", "emacs", "man", "less", "more", "tail", "top", "htop", "irssi", "weechat", "mutt"];

/// Project directories: `~` expanded, then each must be absolute.
fn absolute_dirs(dirs: &[String], paths: &Paths) -> Result<Vec<PathBuf>, String> {
    let dirs: Vec<PathBuf> = dirs.iter().map(|d| paths.expand_tilde(d)).collect();
    match dirs.iter().find(|d| !d.is_absolute()) {
        Some(dir) => Err(format!("{:?} is not an absolute path (or ~/…)", dir.display().to_string())),
        None => Ok(dirs),
    }
}

/// A prefix must survive naming unchanged, so names stay predictable.
fn validate_prefix(prefix: &str) -> Result<(), String> {
    if prefix.is_empty() {
        return Err("an empty prefix would make every session cdev's".into());
    }
    if naming::sanitize(prefix) != prefix {
        return Err(format!(
            "{prefix:?} would be changed in session names (no `.`, `:`, `#`, `\\`, whitespace or control characters)"
        ));
    }
    if prefix.chars().count() > 32 {
        return Err("a prefix longer than 32 characters leaves no room for the project name".into());
    }
    if prefix.starts_with(['$', '@', '%', '=', '-']) {
        return Err(format!("{prefix:?} starts with a character tmux reads as an id or a flag"));
    }
    Ok(())
}

fn between(value: u32, min: u32, max: u32) -> Result<u32, String> {
    match (min..=max).contains(&value) {
        true => Ok(value),
        false => Err(format!("must be between {min} and {max}")),
    }
}

fn not_blank(text: String) -> Result<String, String> {
    match text.trim().is_empty() {
        true => Err("must not be empty".to_string()),
        false => Ok(text),
    }
}
