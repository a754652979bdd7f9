//! The effective configuration: built-in defaults, then `config.toml`, then the server's
//! `@cdev-*` options, each value remembering where it came from so `cdev config` can say.

mod file;
mod overlay;

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use crate::naming;
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

/// Everything cdev can be configured with. Later capabilities add their keys here, in `file.rs`
/// (the TOML key) and in `overlay.rs` (the `@cdev-*` option), and nowhere else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Config {
    /// Prepended to every session cdev makes; sessions with it are cdev's own.
    pub prefix: Setting<String>,
    /// Where projects are discovered.
    pub projects_dirs: Setting<Vec<PathBuf>>,
    /// How many levels below a projects dir discovery looks for projects.
    pub projects_depth: Setting<u32>,
    /// The command Claude panes run (before `--session-id …`).
    pub claude_command: Setting<String>,
    /// Template names tried first in detection, in order.
    pub template_priority: Setting<Vec<String>>,
    /// The template used when none is detected.
    pub default_template: Setting<String>,
    /// Snapshots kept per session (the newest), besides those younger than `snapshot_keep_days`.
    pub snapshot_keep: Setting<u32>,
    pub snapshot_keep_days: Setting<u32>,
    /// Scrollback lines saved per pane: -1 all, 0 none.
    pub snapshot_scrollback: Setting<i64>,
    /// Programs whose command a restore runs again (others are typed, not run).
    pub restore_processes: Setting<Vec<String>>,
    /// More cdev sessions than this and `cdev new` and `cdev health` warn (the seed's "< 10").
    pub max_sessions: Setting<u32>,
    /// Machines for `cdev remote` and `cdev list --hosts`, by name.
    pub hosts: std::collections::BTreeMap<String, Host>,
}

/// A `[hosts.NAME]` table of config.toml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Host {
    /// What ssh connects to (`user@host`); default: the table's name.
    pub destination: Option<String>,
    pub port: Option<u16>,
    /// More ssh arguments, each its own word (`["-i", "~/.ssh/work"]`); never read by a shell.
    #[serde(default)]
    pub ssh_options: Vec<String>,
    /// The cdev command there (default `cdev`); without it there, plain tmux is used.
    pub cdev: Option<String>,
    /// Seconds `cdev list --hosts` waits for this host (default 5); also how long `cdev move`
    /// waits for the connection.
    pub timeout: Option<u64>,
    /// Where projects are checked out there (`~/src`): `cdev move` imports a project into
    /// `<projects_root>/<project directory name>`.
    pub projects_root: Option<String>,
}

impl Config {
    pub fn defaults(paths: &Paths) -> Config {
        Config {
            prefix: Setting::default(naming::DEFAULT_PREFIX.to_string()),
            projects_dirs: Setting::default(vec![paths.home.join("projects")]),
            projects_depth: Setting::default(3),
            claude_command: Setting::default("claude".to_string()),
            template_priority: Setting::default(Vec::new()),
            default_template: Setting::default("generic".to_string()),
            snapshot_keep: Setting::default(20),
            snapshot_keep_days: Setting::default(7),
            snapshot_scrollback: Setting::default(-1),
            restore_processes: Setting::default(
                crate::snapshot::rebuild::DEFAULT_RESTORE_PROCESSES.iter().map(|s| s.to_string()).collect(),
            ),
            max_sessions: Setting::default(10),
            hosts: std::collections::BTreeMap::new(),
        }
    }

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

/// Checks project directories: absolute once `~` is expanded.
fn validate_dirs(dirs: &[PathBuf]) -> std::result::Result<(), String> {
    match dirs.iter().find(|d| !d.is_absolute()) {
        Some(dir) => Err(format!("{:?} is not an absolute path (or ~/…)", dir.display().to_string())),
        None => Ok(()),
    }
}

/// Checks a prefix: it must survive naming unchanged, so names stay predictable.
fn validate_prefix(prefix: &str) -> std::result::Result<(), String> {
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
