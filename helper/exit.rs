//! Outcomes that end `cdev` with an exit status of their own and no message: what they mean was
//! said already (a report, the list of what is missing) or needs no words (Esc in the picker).
//! Returned as errors, so every command ends through `main`, which holds the one table of exit
//! statuses (zoxide's `SilentExit`).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SilentExit {
    /// What was printed says something needs a look (`health`, `doctor`, `check`, an import
    /// that lacks something): not a failure of cdev.
    NeedsALook,
    /// The picker was left with Esc or Ctrl-C.
    Cancelled,
    /// Something failed, and the output said what (`snapshots verify` lists the damaged files).
    Reported,
}

impl fmt::Display for SilentExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SilentExit::NeedsALook => "something needs a look",
            SilentExit::Cancelled => "cancelled",
            SilentExit::Reported => "failed, as reported",
        })
    }
}

impl std::error::Error for SilentExit {}

/// Whether `err` is one of these: said already, so not printed again (nor shown to a client).
pub fn is_silent(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| cause.is::<SilentExit>())
}
