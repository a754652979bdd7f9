//! Integration tests: the real `cdev` binary against real tmux servers on private sockets.
// Tests drive binaries from outside, so they spawn processes directly.
#![allow(clippy::disallowed_methods)]

mod adopt;
mod agent_state;
mod agents;
mod autosave;
mod claude_e2e;
mod completions;
mod concurrency;
mod config;
mod foreign;
mod gateway;
mod git_tools;
mod hostile;
mod install;
mod keys;
mod lifecycle;
mod list;
mod messages_api;
mod moving;
mod names;
mod new;
mod notify;
mod plugin;
mod remote;
mod resurrect;
mod share;
mod snapshots;
mod soak;
mod support;
mod switch;
mod template;
mod transfer;
mod usage;
mod vscode;
mod worktrees;
