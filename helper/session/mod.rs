//! Making sessions: the session env (`env.rs`), the tmux chain that builds a plan (`create.rs`),
//! the lock a session's name is made under (`lock.rs`), who owns which name (`names.rs`), and
//! sessions cdev did not make taken in as its own (`adopt.rs`).

pub mod adopt;
pub mod create;
pub mod env;
pub mod lock;
pub mod names;
