//! tmux layout strings (from snapshots, bundles, templates): whatever the text, the check never
//! panics, and a layout it passes has exactly the window's cells, each with sane sizes. The input
//! is tried as it is and with a correct checksum, so the fuzzer reaches the grammar.
#![no_main]

use cdev::tmux::layout;
use libfuzzer_sys::fuzz_target;

fn checksum(body: &str) -> u16 {
    body.bytes().fold(0u16, |sum, b| ((sum >> 1) | ((sum & 1) << 15)).wrapping_add(u16::from(b)))
}

fuzz_target!(|data: &[u8]| {
    let Some((&panes, text)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(text) else { return };
    let panes = usize::from(panes % 8);
    for candidate in [text.to_string(), format!("{:04x},{text}", checksum(text))] {
        if layout::problem(&candidate, panes).is_none() && !layout::NAMES.contains(&candidate.as_str()) {
            // Passed: every pane has a cell of its own (one `,ID` per leaf) and nothing is huge.
            let numbers: Vec<u64> = candidate[5..]
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .map(|n| n.parse().unwrap())
                .collect();
            // At most five digits, as the check reads them (a pane id may pass 65,535 on a
            // server that has been up long enough; sizes are capped lower by the check itself).
            assert!(numbers.iter().all(|n| *n <= 99_999), "{candidate:?}");
            assert!(panes >= 1, "a layout passed for a window without panes: {candidate:?}");
        }
    }
});
