//! Snapshot files (`*.json.gz`): read as they are (gzip's own parser), and compressed first so the
//! fuzzer reaches the JSON. A snapshot that reads must write back to the same snapshot, and be
//! within the limits of what a restore asks tmux for.
#![no_main]

use std::io::Write;

use cdev::snapshot::files;
use flate2::write::GzEncoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = files::decode(data);
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    let compressed = encoder.finish().unwrap();
    if let Ok(snapshot) = files::decode(compressed.as_slice()) {
        // Issue 18: what reads is within every limit tmux is asked for (panes, sizes, NULs).
        assert!(cdev::snapshot::limits::check(&snapshot.session).is_ok(), "{:?}", snapshot.session.name);
        let json = serde_json::to_vec(&snapshot).unwrap();
        let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(&json).unwrap();
        let again =
            files::decode(encoder.finish().unwrap().as_slice()).expect("a written snapshot reads back");
        assert_eq!(again, snapshot);
        let _ = snapshot.session.pane_count();
    }
});
