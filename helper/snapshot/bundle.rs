//! The portable export format (`cdev export` / `cdev import`): one gzip-compressed JSON file
//! holding a session snapshot whose cwds are relative to the project root, and optionally the
//! Claude Code transcripts of its agents, so the conversations resume on another machine.
//!
//! Nothing in a bundle is trusted on import: cwds must stay inside the new root, transcript ids
//! must be plain ids (no path), and commands only run as `cdev import` allows.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, bail, Result};
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
/// the file's name to. At most 1 GiB is decompressed (a bomb is refused, not read).
pub fn decode(compressed: impl Read) -> Result<Bundle, String> {
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(compressed)
        .take(1 << 30)
        .read_to_end(&mut json)
        .map_err(|err| format!("not a cdev export ({err})"))?;
    let value: serde_json::Value = serde_json::from_slice(&json).map_err(|err| format!("damaged ({err})"))?;
    if value.get("kind").and_then(|k| k.as_str()) != Some(KIND) {
        return Err("not a cdev export".into());
    }
    if value.get("version").and_then(|v| v.as_u64()).is_none_or(|v| v > u64::from(VERSION)) {
        return Err("made by a newer cdev: upgrade cdev to import it".into());
    }
    serde_json::from_value(value).map_err(|err| format!("damaged ({err})"))
}

/// A Claude Code transcript (`~/.claude/projects/<encoded cwd>/<id>.jsonl`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub session_id: String,
    /// The pane's cwd, relative to the project root.
    pub cwd: String,
    pub jsonl: String,
}

/// Claude Code's directory name for a cwd: every character but ASCII letters and digits is `-`.
pub fn claude_project_dir(cwd: &str) -> String {
    cwd.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

/// The Claude Code config dir: `$CLAUDE_CONFIG_DIR`, else `~/.claude`.
pub fn claude_dir(home: &Path) -> PathBuf {
    match std::env::var_os("CLAUDE_CONFIG_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => home.join(".claude"),
    }
}

/// `cwd` relative to `root` when inside it; absolute paths elsewhere are kept as they are.
pub fn relative_to(root: &Path, cwd: &str) -> String {
    match Path::new(cwd).strip_prefix(root) {
        Ok(rest) if rest.as_os_str().is_empty() => ".".into(),
        Ok(rest) => rest.to_string_lossy().into_owned(),
        Err(_) => cwd.to_string(),
    }
}

/// A bundle's cwd on this machine. Relative cwds must stay inside `root` (no `..`); absolute
/// ones (outside the project where it was exported) are kept.
pub fn rebase(root: &Path, cwd: &str) -> Result<PathBuf> {
    let path = Path::new(cwd);
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    let mut rebased = root.to_path_buf();
    for component in path.components() {
        match component {
            Component::Normal(part) => rebased.push(part),
            Component::CurDir => {}
            _ => bail!("cwd {cwd:?} would leave the project root"),
        }
    }
    Ok(rebased)
}

/// A Claude session id usable as a file name: letters, digits and `-` only.
pub fn check_session_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(anyhow!("conversation id {id:?} is not a plain id: it could name a file elsewhere"));
    }
    Ok(())
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
    fn cwds_are_relative_inside_the_root_and_cannot_escape_it() {
        assert_eq!(relative_to(Path::new("/p/app"), "/p/app"), ".");
        assert_eq!(relative_to(Path::new("/p/app"), "/p/app/.worktrees/a"), ".worktrees/a");
        assert_eq!(relative_to(Path::new("/p/app"), "/tmp"), "/tmp");
        let root = Path::new("/new/root");
        assert_eq!(rebase(root, ".worktrees/a").unwrap(), Path::new("/new/root/.worktrees/a"));
        assert_eq!(rebase(root, ".").unwrap(), Path::new("/new/root"));
        assert!(rebase(root, "../../etc").is_err());
        assert!(rebase(root, "a/../../x").is_err());
    }

    #[test]
    fn conversation_ids_cannot_name_other_files() {
        assert!(check_session_id("0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d").is_ok());
        for bad in ["", "../x", "a/b", "..", "x.jsonl", "a b"] {
            assert!(check_session_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn transcripts_follow_the_project_to_its_new_place() {
        assert_eq!(claude_project_dir("/tmp/cc-proj"), "-tmp-cc-proj");
        assert_eq!(claude_project_dir("/home/u/.config/x_y"), "-home-u--config-x-y");
        let jsonl = "{\"cwd\":\"/old/p\",\"n\":1}\n{\"cwd\":\"/other\"}\nnot json\n";
        let rebased = rebase_transcript(jsonl, "/old/p", "/new/p");
        assert_eq!(rebased, "{\"cwd\":\"/new/p\",\"n\":1}\n{\"cwd\":\"/other\"}\nnot json\n");
    }
}
