//! The portable export format (`cdev export` / `cdev import`): one gzip-compressed JSON file
//! holding a session snapshot whose cwds are relative to the project root, and optionally the
//! Claude Code transcripts of its agents, so the conversations resume on another machine.
//!
//! Nothing in a bundle is trusted on import: cwds must stay inside the new root, transcript ids
//! must be session ids (canonical UUIDs, [`crate::agent::claude::SessionId`]), and commands only run as `cdev import` allows.

use std::io::Read;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::SessionSnapshot;

pub const KIND: &str = "cdev-export";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub kind: String,
    pub version: u32,
    pub created: String,
    /// The project root on the machine it came from (cwds below are relative to it).
    pub project_root: String,
    /// The snapshot, every cwd inside the root made relative (`.` for the root itself).
    pub session: SessionSnapshot,
    pub conversations: Vec<Conversation>,
    /// The git checkouts its panes work in, as they are where it was made (`cdev move` sends
    /// them so the other machine checks it has the same commits before anything changes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checkouts: Vec<crate::checkout::Checkout>,
}

/// A bundle as the gzip-compressed JSON [`decode`] reads.
pub fn encode(bundle: &Bundle) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    serde_json::to_writer(&mut encoder, bundle)?;
    Ok(encoder.finish()?)
}

/// Reads an export file's gzip-compressed bytes; the error is the reason, for the caller to put
/// the file's name to. At most 256 MiB is decompressed (a bomb is refused, not read).
pub fn decode(compressed: impl Read) -> Result<Bundle, String> {
    let json = crate::bounded::gunzip(compressed, crate::bounded::limit::DECOMPRESSED).map_err(|err| {
        match err.contains("(the limit)") {
            true => err,
            false => format!("not a cdev export ({err})"),
        }
    })?;
    // Kind and version first, from a skim that keeps nothing else (no second copy of the document).
    #[derive(Deserialize)]
    struct Head {
        kind: Option<String>,
        version: Option<u64>,
    }
    let head: Head = serde_json::from_slice(&json).map_err(|err| format!("damaged ({err})"))?;
    if head.kind.as_deref() != Some(KIND) {
        return Err("not a cdev export".into());
    }
    if head.version.is_none_or(|v| v > u64::from(VERSION)) {
        return Err("made by a newer cdev: upgrade cdev to import it".into());
    }
    let bundle: Bundle = serde_json::from_slice(&json).map_err(|err| format!("damaged ({err})"))?;
    super::limits::check(&bundle.session).map_err(|err| format!("damaged ({err})"))?;
    Ok(bundle)
}

/// A Claude Code transcript (the file [`crate::agent::claude::transcript_path`] names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub session_id: String,
    /// The pane's cwd, relative to the project root.
    pub cwd: String,
    pub jsonl: String,
}

/// Rewrites the `cwd` of every transcript line that had `old` to `new` (lines that are not JSON
/// objects are kept as they are).
pub fn rebase_transcript(jsonl: &str, old: &str, new: &str) -> String {
    let mut out = String::with_capacity(jsonl.len());
    for line in jsonl.split_inclusive('\n') {
        let (body, end) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
        match serde_json::from_str::<serde_json::Value>(body) {
            Ok(mut value) if value.get("cwd").and_then(|c| c.as_str()).is_some_and(|c| c == old) => {
                value["cwd"] = serde_json::Value::String(new.to_string());
                out.push_str(&value.to_string());
                out.push_str(end);
            }
            _ => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcripts_follow_the_project_to_its_new_place() {
        let jsonl = "{\"cwd\":\"/old/p\",\"n\":1}\n{\"cwd\":\"/other\"}\nnot json\n";
        let rebased = rebase_transcript(jsonl, "/old/p", "/new/p");
        assert_eq!(rebased, "{\"cwd\":\"/new/p\",\"n\":1}\n{\"cwd\":\"/other\"}\nnot json\n");
    }
}
