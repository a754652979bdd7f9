//! The effective configuration: built-in defaults, then `config.toml`, then the server's
//! `@cdev-*` options, each value remembering where it came from so `cdev config` can say. Which
//! keys there are is the table in `keys.rs`; the `[hosts.NAME]` tables are `host.rs`.

mod file;
mod host;
mod key;
mod keys;
mod overlay;
mod show;

pub use host::{is_destination, Host};
pub use key::{Key, TmuxOption};
pub use keys::{Config, DEFAULT_RESTORE_PROCESSES, KEYS};

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use crate::paths::Paths;
use crate::tmux::TmuxOptions;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    Default,
    File { path: PathBuf, line: usize },
    TmuxOption { name: String },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => write!(f, "default"),
            Source::File { path, line } => write!(f, "{}:{line}", path.display()),
            Source::TmuxOption { name } => write!(f, "tmux option {name}"),
        }
    }
}

/// A config value and its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Setting<T> {
    fn default(value: T) -> Self {
        Setting { value, source: Source::Default }
    }
}

impl Config {
    /// Defaults overlaid with the config file, when it exists.
    pub fn load(paths: &Paths) -> Result<Config> {
        let mut config = Config::defaults(paths);
        file::apply(&mut config, &paths.config_file(), paths)?;
        Ok(config)
    }

    /// Defaults overlaid with the text of a config file (`path` names it in errors).
    pub fn from_text(paths: &Paths, path: &Path, text: &str) -> Result<Config> {
        let mut config = Config::defaults(paths);
        file::apply_text(&mut config, path, text, paths)?;
        Ok(config)
    }

    /// Overlays the server's `@cdev-*` options, which win over the file.
    pub fn with_tmux_options(mut self, options: &TmuxOptions, paths: &Paths) -> Result<Config> {
        overlay::apply(&mut self, options, paths)?;
        Ok(self)
    }

    /// Whether a session name is one of cdev's own.
    pub fn is_cdev_session(&self, name: &str) -> bool {
        name.starts_with(&self.prefix.value)
    }
}
