//! A cost as cdev shows it: what Claude Code reported, or cdev's estimate from the transcript.
//! A plain value, so the tmux records that carry one need know nothing of where it came from.

/// A cost as shown: what Claude Code reported, or cdev's estimate from the transcript.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spend {
    pub usd: f64,
    pub estimated: bool,
}

impl Spend {
    /// `$0.12`, or `~$0.12` for an estimate.
    pub fn label(&self) -> String {
        format!("{}${:.2}", if self.estimated { "~" } else { "" }, self.usd)
    }

    /// Several agents' spend: an estimate when any part of it is.
    pub fn sum(spends: impl IntoIterator<Item = Spend>) -> Option<Spend> {
        spends.into_iter().reduce(|a, b| Spend { usd: a.usd + b.usd, estimated: a.estimated || b.estimated })
    }
}
