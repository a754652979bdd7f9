//! cdev: the helper behind the cdev tmux plugin. `main.rs` only parses arguments and reports
//! errors; everything else is here so integration tests and benches can reach it.

pub mod agent;
pub mod autosave;
pub mod bounded;
pub mod checkout;
pub mod claude;
pub mod cli;
pub mod commands;
pub mod config;
pub mod envfile;
pub mod git;
pub mod humanize;
pub mod input_error;
pub mod jsonc;
pub mod log;
pub mod naming;
pub mod paths;
pub mod picker;
pub mod projects;
pub mod resources;
pub mod session;
pub mod snapshot;
pub mod ssh;
pub mod store;
pub mod template;
pub mod tmux;
pub mod worktree;
