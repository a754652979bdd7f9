//! A session moved to another machine: `export.rs` writes it to a bundle, `arrive.rs` checks and
//! imports one here, `relocate.rs` (`cdev move`) sends one over ssh and ends it here once the
//! other side has it.

pub mod arrive;
pub mod export;
pub mod import;
pub mod relocate;
