//! `.env.claude` files: whatever the bytes, every variable read has a valid name, and every
//! reported line exists in the file.
#![no_main]

use cdev::envfile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let file = envfile::parse(data, |name| (name == "HOME").then(|| "/home/u".to_string()));
    let lines = data.split(|b| *b == b'\n').count();
    for (key, _) in &file.vars {
        assert!(envfile::is_valid_key(key), "invalid key {key:?} accepted");
    }
    for error in &file.errors {
        assert!(error.line >= 1 && error.line <= lines, "error on line {} of {lines}", error.line);
    }
});
