//! The `@cdev-*` tmux options that override config file values (set in `~/.tmux.conf`).

use anyhow::{bail, Result};

use super::{validate_dirs, validate_prefix, Config, Setting, Source};
use crate::input_error::InputError;
use crate::paths::Paths;
use crate::tmux::TmuxOptions;

pub const PREFIX_OPTION: &str = "@cdev-prefix";
/// `:`-separated, like `PATH`.
pub const PROJECTS_DIRS_OPTION: &str = "@cdev-projects-dirs";
pub const CLAUDE_COMMAND_OPTION: &str = "@cdev-claude-command";
/// `,`-separated template names.
pub const TEMPLATE_PRIORITY_OPTION: &str = "@cdev-template-priority";
pub const DEFAULT_TEMPLATE_OPTION: &str = "@cdev-default-template";
/// Space-separated program names, as tmux-resurrect's `@resurrect-processes`.
pub const RESTORE_PROCESSES_OPTION: &str = "@cdev-restore-processes";
pub const MAX_SESSIONS_OPTION: &str = "@cdev-max-sessions";

/// Overlays the options that are set (and not empty) onto `config`.
pub fn apply(config: &mut Config, options: &TmuxOptions, paths: &Paths) -> Result<()> {
    let source = |name: &str| Source::TmuxOption { name: name.to_string() };
    if let Some(prefix) = options.get(PREFIX_OPTION).filter(|v| !v.is_empty()) {
        if let Err(message) = validate_prefix(prefix) {
            bail!(InputError::new("tmux option", message).with_key(PREFIX_OPTION));
        }
        config.prefix = Setting { value: prefix.to_string(), source: source(PREFIX_OPTION) };
    }
    if let Some(dirs) = options.get(PROJECTS_DIRS_OPTION).filter(|v| !v.is_empty()) {
        let value: Vec<_> =
            dirs.split(':').filter(|d| !d.is_empty()).map(|d| paths.expand_tilde(d)).collect();
        if let Err(message) = validate_dirs(&value) {
            bail!(InputError::new("tmux option", message).with_key(PROJECTS_DIRS_OPTION));
        }
        config.projects_dirs = Setting { value, source: source(PROJECTS_DIRS_OPTION) };
    }
    if let Some(command) = options.get(CLAUDE_COMMAND_OPTION).filter(|v| !v.trim().is_empty()) {
        config.claude_command = Setting { value: command.to_string(), source: source(CLAUDE_COMMAND_OPTION) };
    }
    if let Some(names) = options.get(TEMPLATE_PRIORITY_OPTION).filter(|v| !v.is_empty()) {
        let value = names.split(',').map(str::trim).filter(|n| !n.is_empty()).map(String::from).collect();
        config.template_priority = Setting { value, source: source(TEMPLATE_PRIORITY_OPTION) };
    }
    if let Some(name) = options.get(DEFAULT_TEMPLATE_OPTION).filter(|v| !v.is_empty()) {
        config.default_template =
            Setting { value: name.to_string(), source: source(DEFAULT_TEMPLATE_OPTION) };
    }
    if let Some(max) = options.get(MAX_SESSIONS_OPTION).filter(|v| !v.is_empty()) {
        let value = max.trim().parse().map_err(|_| {
            InputError::new("tmux option", format!("{max:?} is not a number")).with_key(MAX_SESSIONS_OPTION)
        })?;
        config.max_sessions = Setting { value, source: source(MAX_SESSIONS_OPTION) };
    }
    if let Some(programs) = options.get(RESTORE_PROCESSES_OPTION).filter(|v| !v.trim().is_empty()) {
        let value = programs.split_whitespace().map(String::from).collect();
        config.restore_processes = Setting { value, source: source(RESTORE_PROCESSES_OPTION) };
    }
    Ok(())
}
