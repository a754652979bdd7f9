//! Claude Code's own conventions, kept in one place: what a conversation id is (a canonical UUID:
//! the one rule for every id that comes from a file or a hook), where Claude keeps a
//! conversation's transcript, and the command lines cdev starts and resumes it with.
//!
//! Every value cdev puts after a flag is joined to it (`--resume=<id>`), so no value, however
//! it was spelled, can be read by Claude as another option (`--dangerously-skip-permissions`).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};

/// A conversation id as Claude Code makes them: a UUID in its canonical form (lowercase,
/// hyphenated), nothing else. It names a file and goes on a command line: no other text may.
pub fn is_conversation_id(id: &str) -> bool {
    uuid::Uuid::try_parse(id).is_ok_and(|uuid| uuid.hyphenated().to_string() == id)
}

/// [`is_conversation_id`], as an error that says why the id was refused.
pub fn check_conversation_id(id: &str) -> Result<()> {
    if is_conversation_id(id) {
        return Ok(());
    }
    let shown: String = id.chars().take(80).collect();
    Err(anyhow!("conversation id {shown:?} is not a UUID (as Claude Code makes them): it could name a file or an option"))
}

/// A new conversation id for `claude --session-id`.
pub fn new_conversation_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The Claude Code config dir: `$CLAUDE_CONFIG_DIR`, else `~/.claude`.
pub fn config_dir(home: &Path) -> PathBuf {
    match std::env::var_os("CLAUDE_CONFIG_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => home.join(".claude"),
    }
}

/// Claude Code's directory name for a cwd: every character but ASCII letters and digits is `-`.
pub fn project_dir_name(cwd: &str) -> String {
    cwd.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

/// Where Claude Code keeps conversation `id` started in `cwd`.
pub fn transcript_path(config_dir: &Path, cwd: &str, id: &str) -> PathBuf {
    config_dir.join("projects").join(project_dir_name(cwd)).join(format!("{id}.jsonl"))
}

/// Whether `claude --resume <id>` in `cwd` finds the conversation: Claude Code writes no
/// transcript until the first prompt, so a pane that was never prompted has nothing to resume.
pub fn can_resume(config_dir: &Path, cwd: &str, id: &str) -> bool {
    transcript_path(config_dir, cwd, id).is_file()
}

/// The command line that resumes conversation `id` with cdev's hooks: `claude` is the user's own
/// `claude_command` (shell text they wrote), the rest is quoted and joined to its flag.
pub fn resume_command(claude: &str, hooks_settings: &Path, id: &str) -> String {
    with_settings(claude, hooks_settings, "--resume", id)
}

/// The command line that starts a new conversation `id` with cdev's hooks.
pub fn start_command(claude: &str, hooks_settings: &Path, id: &str) -> String {
    with_settings(claude, hooks_settings, "--session-id", id)
}

fn with_settings(claude: &str, hooks_settings: &Path, flag: &str, id: &str) -> String {
    format!("{claude} {} {}", joined("--settings", &hooks_settings.to_string_lossy()), joined(flag, id))
}

/// `--flag=value`, the value quoted for a POSIX shell: one word, whatever it holds.
fn joined(flag: &str, value: &str) -> String {
    format!("{flag}={}", shell_words::quote(value))
}

/// How a Claude pane comes back: its conversation resumed when Claude can find it, else a new
/// one started in its place (and its new id, to record on the pane).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comeback {
    Resume(String),
    Fresh { command: String, id: String },
}

/// The way back for the Claude pane that had conversation `id` in `cwd`.
pub fn comeback(claude: &str, hooks_settings: &Path, config_dir: &Path, cwd: &str, id: &str) -> Comeback {
    if can_resume(config_dir, cwd, id) {
        Comeback::Resume(resume_command(claude, hooks_settings, id))
    } else {
        let id = new_conversation_id();
        Comeback::Fresh { command: start_command(claude, hooks_settings, &id), id }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_uuids_are_conversation_ids() {
        assert!(is_conversation_id("0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d"));
        for bad in [
            "",
            "--dangerously-skip-permissions",
            "0B9C1D2E-3F40-4A5B-8C6D-7E8F9A0B1C2D",
            "0b9c1d2e3f404a5b8c6d7e8f9a0b1c2d",
            "{0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d}",
            "urn:uuid:0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d",
            "0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d\n",
            "../../etc/passwd",
            "abc-1",
            "----",
        ] {
            assert!(!is_conversation_id(bad), "{bad:?}");
            assert!(check_conversation_id(bad).is_err());
        }
    }

    #[test]
    fn values_are_joined_to_their_flags() {
        let id = "0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d";
        assert_eq!(
            resume_command("claude", Path::new("/s/hooks.json"), id),
            format!("claude --settings=/s/hooks.json --resume={id}")
        );
        assert_eq!(
            start_command("claude", Path::new("/s d/h.json"), id),
            format!("claude --settings='/s d/h.json' --session-id={id}")
        );
    }

    #[test]
    fn a_conversation_without_a_transcript_starts_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let id = "0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d";
        let settings = Path::new("/s.json");
        let Comeback::Fresh { command, id: new } = comeback("claude", settings, dir.path(), "/p/x", id)
        else {
            panic!("resumed a conversation that has no transcript")
        };
        assert!(is_conversation_id(&new) && new != id);
        assert!(command.ends_with(&format!("--session-id={new}")), "{command}");
        let transcript = transcript_path(dir.path(), "/p/x", id);
        assert!(transcript.ends_with("projects/-p-x/0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d.jsonl"));
        std::fs::create_dir_all(transcript.parent().unwrap()).unwrap();
        std::fs::write(&transcript, "{}\n").unwrap();
        assert_eq!(
            comeback("claude", settings, dir.path(), "/p/x", id),
            Comeback::Resume(resume_command("claude", settings, id))
        );
    }
}
