//! What the watcher reads in the files Claude Code writes: the interrupts a transcript records
//! (read once each, from where the last read stopped) and what a process's status file says.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::Seen;
use crate::agent::claude::{self, SessionId};

/// What Claude Code writes as the text of the user turn that ends an interrupted one: "…by
/// user]" after Esc mid-turn, "…by user for tool use]" after a refused permission prompt.
const INTERRUPT_MARK: &[u8] = b"[Request interrupted by user";

/// How much of a transcript first seen by this watcher is read: its last lines are enough, and
/// an old interrupt there changes nothing (see [`Transition::Interrupted`]).
const FIRST_READ: u64 = 64 * 1024;

/// The Unix milliseconds of every interrupt recorded in `lines` (complete JSONL lines).
pub fn interrupts(lines: &[u8]) -> Vec<i64> {
    lines
        .split(|b| *b == b'\n')
        .filter(|line| line.windows(INTERRUPT_MARK.len()).any(|w| w == INTERRUPT_MARK))
        .filter_map(|line| serde_json::from_slice::<serde_json::Value>(line).ok())
        .filter(|record| record["type"] == "user" && is_interrupt(&record["message"]["content"]))
        .filter_map(|record| {
            let stamp = record["timestamp"].as_str()?;
            Some(chrono::DateTime::parse_from_rfc3339(stamp).ok()?.timestamp_millis())
        })
        .collect()
}

/// Whether a user turn's content is Claude Code's interrupt note (and not a user who typed it).
fn is_interrupt(content: &serde_json::Value) -> bool {
    let marked = |text: &str| text.starts_with("[Request interrupted by user") && text.ends_with(']');
    match content {
        serde_json::Value::String(text) => marked(text),
        serde_json::Value::Array(blocks) => {
            blocks.iter().any(|b| b["type"] == "text" && b["text"].as_str().is_some_and(marked))
        }
        _ => false,
    }
}

/// Where each transcript was read up to, so every write is read once.
#[derive(Default)]
pub struct Offsets(HashMap<PathBuf, u64>);

impl Offsets {
    /// The complete lines appended to `path` since the last call (the first time, those of its
    /// last [`FIRST_READ`] bytes); a line still being written waits for the next call.
    pub fn new_lines(&mut self, path: &Path) -> Result<Vec<u8>> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        let known = self.0.get(path).copied().filter(|offset| *offset <= len);
        let start = known.unwrap_or_else(|| len.saturating_sub(FIRST_READ));
        file.seek(SeekFrom::Start(start))?;
        let mut bytes = Vec::new();
        file.take(len - start).read_to_end(&mut bytes)?;
        let end = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        self.0.insert(path.to_path_buf(), start + end as u64);
        bytes.truncate(end);
        if known.is_none() && start > 0 {
            // A read from the middle of the file starts inside a line.
            let first = bytes.iter().position(|b| *b == b'\n').map_or(bytes.len(), |i| i + 1);
            bytes.drain(..first);
        }
        Ok(bytes)
    }
}

/// Claude Code's status file of one running process (`~/.claude/sessions/<pid>.json`, written
/// by 2.1.145 and later for `claude agents`): `Idle` or `Waiting` when it says so. Idle also
/// after an Esc that left no mark in the transcript (2.1.328 takes back a prompt interrupted
/// before any answer, and writes nothing); waiting also for its own dialogs, which fire no hook
/// (`"waitingFor": "dialog open"`). Busy is left to the hooks.
pub fn status_change(bytes: &[u8]) -> Option<Seen> {
    let status: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let conversation = SessionId::parse(status["sessionId"].as_str()?)?;
    let at = status["statusUpdatedAt"].as_i64()?;
    match status["status"].as_str()? {
        "idle" => Some(Seen::Idle { conversation, at }),
        "waiting" => Some(Seen::Waiting { conversation, at }),
        _ => None,
    }
}

/// Whether the Claude process of `conversation` says it waits for the user now (its status
/// file in `claude_dir/sessions/`). A dialog Claude opens as it starts is written before its
/// SessionStart hook runs, which would otherwise make it idle.
pub fn waiting_now(claude_dir: &Path, conversation: &SessionId) -> bool {
    let entries =
        std::fs::read_dir(claude::sessions_dir(claude_dir)).into_iter().flatten().filter_map(|e| e.ok());
    entries
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| std::fs::read(e.path()).ok())
        .filter_map(|bytes| status_change(&bytes))
        .any(|seen| matches!(seen, Seen::Waiting { conversation: c, .. } if c == *conversation))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_kinds_of_interrupt_are_found_with_their_time_issue_17() {
        // Trimmed from Claude Code 2.1.328's transcripts.
        let lines = br#"{"type":"assistant","message":{"content":[{"type":"text","text":"word0 word1"}]},"timestamp":"2026-12-01T21:45:18.646Z","isAbortedMidStream":true}
{"parentUuid":"b2","type":"user","message":{"role":"user","content":[{"type":"text","text":"[Request interrupted by user]"}]},"timestamp":"2026-12-01T21:45:18.657Z"}
{"type":"user","message":{"role":"user","content":[{"type":"tool_result","content":"The user doesn't want to proceed with this tool use."}]},"timestamp":"2026-12-01T21:45:29.500Z"}
{"type":"user","message":{"role":"user","content":[{"type":"text","text":"[Request interrupted by user for tool use]"}]},"timestamp":"2026-12-01T21:45:29.583Z"}
{"type":"user","message":{"role":"user","content":"please say [Request interrupted by user] to me"},"timestamp":"2026-12-01T21:46:00.000Z"}
{"type":"user","message":{"role":"user","content":"[Request interrupted by user]"},"timestamp":"2026-12-01T21:47:00.000Z"}
"#;
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis();
        assert_eq!(
            interrupts(lines),
            [at("2026-12-01T21:45:18.657Z"), at("2026-12-01T21:45:29.583Z"), at("2026-12-01T21:47:00Z")]
        );
        assert!(interrupts(b"not json [Request interrupted by user]\n{}").is_empty());
    }

    #[test]
    fn a_status_file_saying_idle_or_waiting_is_seen_issue_17() {
        let id = |text: &str| SessionId::parse(text).unwrap();
        // Trimmed from Claude Code 2.1.328's ~/.claude/sessions/<pid>.json.
        let idle = br#"{"pid":22344,"sessionId":"e0e7c3a1-5b2d-4f60-9a8e-1c2d3e4f5a6b","cwd":"/p","version":"2.1.328","tmux":"c:@0.%0","status":"idle","updatedAt":1796163297373,"statusUpdatedAt":1796163297373}"#;
        assert_eq!(
            status_change(idle),
            Some(Seen::Idle { conversation: id("e0e7c3a1-5b2d-4f60-9a8e-1c2d3e4f5a6b"), at: 1796163297373 })
        );
        let dialog = br#"{"sessionId":"f0451d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d","status":"waiting","statusUpdatedAt":1796164109086,"waitingFor":"dialog open"}"#;
        assert_eq!(
            status_change(dialog),
            Some(Seen::Waiting {
                conversation: id("f0451d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d"),
                at: 1796164109086
            })
        );
        let busy = br#"{"sessionId":"e0e7c3a1-5b2d-4f60-9a8e-1c2d3e4f5a6b","status":"busy","statusUpdatedAt":1796163314138}"#;
        // An id that is not a session id names no pane of cdev's: nothing to do.
        let odd = br#"{"sessionId":"../x","status":"idle","statusUpdatedAt":1796163297373}"#;
        for other in [&busy[..], &odd[..], b"{}", b"not json", br#"{"status":"idle"}"#] {
            assert_eq!(status_change(other), None);
        }
    }

    #[test]
    fn each_line_is_read_once_and_a_partial_line_waits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(&path, "old line\n").unwrap();
        let mut offsets = Offsets::default();
        assert_eq!(offsets.new_lines(&path).unwrap(), b"old line\n", "a small file is read whole");
        assert!(offsets.new_lines(&path).unwrap().is_empty());
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"one\ntw").unwrap();
        assert_eq!(offsets.new_lines(&path).unwrap(), b"one\n");
        file.write_all(b"o\n").unwrap();
        assert_eq!(offsets.new_lines(&path).unwrap(), b"two\n");
        // A big file first seen: its tail only, from a line start.
        let big = dir.path().join("big.jsonl");
        let line = format!("{}\n", "x".repeat(99));
        std::fs::write(&big, line.repeat(2000)).unwrap();
        let tail = Offsets::default().new_lines(&big).unwrap();
        assert!(tail.len() <= FIRST_READ as usize && tail.starts_with(b"xxx") && tail.len() % 100 == 0);
    }
}
