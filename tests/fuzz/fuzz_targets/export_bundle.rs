//! Export files (`cdev import`): nothing in one is trusted. Whatever the bytes, a relative cwd
//! never rebases outside the new project root, and an accepted conversation id is a plain name.
#![no_main]

use std::io::Write;
use std::path::Path;

use cdev::snapshot::bundle;
use flate2::write::GzEncoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bundle::decode(data);
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    let Ok(bundle) = bundle::decode(encoder.finish().unwrap().as_slice()) else { return };
    let root = Path::new("/home/u/imported");
    let cwds = bundle.session.windows.iter().flat_map(|w| w.panes.iter().map(|p| p.cwd.as_str()));
    for cwd in cwds.chain(bundle.conversations.iter().map(|c| c.cwd.as_str())) {
        if let Ok(path) = bundle::rebase(root, cwd) {
            if !Path::new(cwd).is_absolute() {
                assert!(path.starts_with(root), "{cwd:?} rebased to {path:?}, outside the root");
            }
        }
    }
    for conversation in &bundle.conversations {
        if bundle::check_session_id(&conversation.session_id).is_ok() {
            let id = &conversation.session_id;
            assert!(!id.is_empty() && !id.contains('/') && id != "." && id != "..", "id {id:?} accepted");
        }
        let _ = bundle::rebase_transcript(&conversation.jsonl, &conversation.cwd, "/home/u/imported");
    }
});
