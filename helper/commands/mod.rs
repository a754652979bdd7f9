//! One module per subcommand: its clap Args (or subcommand enum) and a `run` that hands them to
//! the service that does the work and prints the outcome. `cli.rs` says which runs; a command
//! never calls another command (`scripts/test` checks it).

pub mod agents;
pub mod claude;
pub mod completions;
pub mod config;
pub mod doctor;
pub mod env;
pub mod export;
pub mod git_hook;
pub mod git_pane;
pub mod health;
pub mod import;
pub mod lifecycle;
pub mod list;
pub mod new;
pub mod projects;
pub mod relocate;
pub mod remote;
pub mod restore;
pub mod resurrect;
pub mod save;
pub mod share;
pub mod snapshots;
pub mod status;
pub mod switch;
pub mod template;
pub mod top;
pub mod vscode;
pub mod worktree;

/// What every command is given (`crate::context`).
pub use crate::context::Context;
