//! Making sessions: the session env (`env.rs`), the tmux chain that builds a plan (`create.rs`),
//! who owns which name (`names.rs`), and sessions cdev did not make taken in as its own
//! (`adopt.rs`). The lock a session's name is made under is `crate::name_lock` (restores take it
//! too).

pub mod adopt;
pub mod attach;
pub mod create;
pub mod env;
pub mod lifecycle;
pub mod names;
pub mod new;
