//! VS Code's `tasks.json` (JSON with comments) read into a syntax tree: what reads is written
//! back exactly as it was, and an error names a line the text has.
#![no_main]

use cdev::jsonc::{self, Dialect};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for dialect in [Dialect::Jsonc, Dialect::Json] {
        match jsonc::parse(text, dialect) {
            Ok(root) => assert_eq!(root.to_string(), text, "the tree changed the text"),
            Err(err) => assert!(err.line >= 1 && err.line <= text.len() + 1, "{err:?}"),
        }
    }
});
