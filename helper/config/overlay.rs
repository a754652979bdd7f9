//! The `@cdev-*` tmux options that override config file values (set in `~/.tmux.conf`).

use anyhow::{bail, Result};

use super::{validate_prefix, Config, Setting, Source};
use crate::input_error::InputError;
use crate::paths::Paths;
use crate::tmux::TmuxOptions;

pub const PREFIX_OPTION: &str = "@cdev-prefix";
/// `:`-separated, like `PATH`.
pub const PROJECTS_DIRS_OPTION: &str = "@cdev-projects-dirs";

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
        let value = dirs.split(':').filter(|d| !d.is_empty()).map(|d| paths.expand_tilde(d)).collect();
        config.projects_dirs = Setting { value, source: source(PROJECTS_DIRS_OPTION) };
    }
    Ok(())
}
