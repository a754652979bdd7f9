//! VS Code's `tasks.json` (JSON with comments): blanking keeps every offset and newline, so an
//! error line or an edit offset found in the blanked text is right in the user's file.
#![no_main]

use cdev::jsonc;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let blanked = jsonc::blank(text);
    assert_eq!(blanked.len(), text.len(), "blanking changed the length");
    for (a, b) in text.bytes().zip(blanked.bytes()) {
        assert_eq!(a == b'\n', b == b'\n', "blanking moved a newline");
    }
    if let Some((offset, _)) = jsonc::array_start(&blanked, "tasks") {
        assert!(offset <= blanked.len());
    }
});
