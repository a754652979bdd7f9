//! Export files (`cdev import`): nothing in one is trusted. Whatever the bytes, a relative cwd
//! never rebases outside the new project root, and an accepted conversation id is a
//! canonical UUID (never a path, never an option), and no absolute cwd is accepted.
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
    assert!(cdev::snapshot::limits::check(&bundle.session).is_ok(), "a bundle past the limits was read");
    let root = Path::new("/home/u/imported");
    let cwds = bundle.session.windows.iter().flat_map(|w| w.panes.iter().map(|p| p.cwd.as_str()));
    for cwd in cwds.chain(bundle.conversations.iter().map(|c| c.cwd.as_str())) {
        if let Ok(path) = cdev::project_path::rebase(root, cwd) {
            assert!(!Path::new(cwd).is_absolute(), "absolute {cwd:?} accepted");
            assert!(path.starts_with(root), "{cwd:?} rebased to {path:?}, outside the root");
        }
    }
    for conversation in &bundle.conversations {
        if cdev::agent::claude::is_session_id(&conversation.session_id) {
            let id = &conversation.session_id;
            let canonical = id.len() == 36
                && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b) || b == b'-');
            assert!(canonical && !id.starts_with('-'), "id {id:?} accepted");
        }
        let _ = bundle::rebase_transcript(&conversation.jsonl, &conversation.cwd, "/home/u/imported");
    }
});
