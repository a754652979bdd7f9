//! What tmux prints: `-F` records of every kind cdev reads, `show-options` output and `tmux -V`.
//! Mangled output must be an error or a correct read, never a panic.
#![no_main]

use cdev::tmux::format::parse_records;
use cdev::tmux::state::{AgentPane, AgentStateOnly, HealthPane, Pane, SessionSummary};
use cdev::tmux::version::Version;
use cdev::tmux::TmuxOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_records::<Pane>(data);
    let _ = parse_records::<SessionSummary>(data);
    let _ = parse_records::<AgentPane>(data);
    let _ = parse_records::<AgentStateOnly>(data);
    let _ = parse_records::<HealthPane>(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let options = TmuxOptions::parse(text);
        for name in options.0.keys() {
            assert!(!name.contains('\n'), "option name {name:?} spans lines");
        }
        let _ = Version::parse(text);
    }
});
