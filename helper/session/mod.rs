//! Making sessions: the session env (`env.rs`) and the tmux chain that builds a plan (`create.rs`).

pub mod create;
pub mod env;
