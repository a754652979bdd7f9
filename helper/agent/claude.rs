//! Claude Code's own conventions, kept in one place: what a session id is ([`SessionId`], a
//! canonical UUID: the one rule for every id that comes from a file, a pane option or a hook),
//! where Claude keeps its files (its config dir, a conversation's transcript, the status file of
//! each running Claude, a project's settings), and the command lines cdev starts
//! and resumes it with.
//!
//! Every value cdev puts after a flag is joined to it (`--resume=<id>`), so no value, however
//! it was spelled, can be read by Claude as another option (`--dangerously-skip-permissions`).

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};

/// A Claude Code session (conversation) id as Claude Code makes them: a UUID in its canonical
/// form (lowercase, hyphenated), nothing else. It names a file and goes on a command line, so
/// the only ways to have one are [`SessionId::parse`] and [`SessionId::random`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(String);

impl SessionId {
    /// `text` if it is a session id; `None` for anything else (another UUID spelling too).
    pub fn parse(text: &str) -> Option<SessionId> {
        let canonical = uuid::Uuid::try_parse(text).is_ok_and(|uuid| uuid.hyphenated().to_string() == text);
        canonical.then(|| SessionId(text.to_string()))
    }

    /// [`SessionId::parse`], as an error that says why the id was refused.
    pub fn check(text: &str) -> Result<SessionId> {
        SessionId::parse(text).ok_or_else(|| {
            let shown: String = text.chars().take(80).collect();
            anyhow!("conversation id {shown:?} is not a UUID (as Claude Code makes them): it could name a file or an option")
        })
    }

    /// A new id for `claude --session-id`: a random (version 4) UUID, as Claude Code expects.
    pub fn random() -> SessionId {
        SessionId(uuid::Uuid::new_v4().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `text` is a session id ([`SessionId::parse`]).
pub fn is_session_id(text: &str) -> bool {
    SessionId::parse(text).is_some()
}

/// The Claude Code config dir: `$CLAUDE_CONFIG_DIR`, else `~/.claude`.
pub fn config_dir(home: &Path) -> PathBuf {
    match std::env::var_os("CLAUDE_CONFIG_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => home.join(".claude"),
    }
}

/// The user's settings file in the config dir.
pub fn user_settings(config_dir: &Path) -> PathBuf {
    config_dir.join("settings.json")
}

/// A project's own settings: the local (uncommitted) file first, then the shared one.
pub fn project_settings(root: &Path) -> [PathBuf; 2] {
    [root.join(".claude/settings.local.json"), root.join(".claude/settings.json")]
}

/// The directory of transcripts, one directory per cwd ([`project_dir_name`]).
pub fn projects_dir(config_dir: &Path) -> PathBuf {
    config_dir.join("projects")
}

/// The directory of status files, one per running Claude (`sessions/<pid>.json`, 2.1.145 on).
pub fn sessions_dir(config_dir: &Path) -> PathBuf {
    config_dir.join("sessions")
}

/// Claude Code's directory name for a cwd: every character but ASCII letters and digits is `-`.
pub fn project_dir_name(cwd: &str) -> String {
    cwd.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

/// Where Claude Code keeps conversation `id` started in `cwd`.
pub fn transcript_path(config_dir: &Path, cwd: &str, id: &SessionId) -> PathBuf {
    projects_dir(config_dir).join(project_dir_name(cwd)).join(format!("{id}.jsonl"))
}

/// Whether `claude --resume <id>` in `cwd` finds the conversation: Claude Code writes no
/// transcript until the first prompt, so a pane that was never prompted has nothing to resume.
pub fn can_resume(config_dir: &Path, cwd: &str, id: &SessionId) -> bool {
    transcript_path(config_dir, cwd, id).is_file()
}

/// The command line that resumes conversation `id` with cdev's hooks: `claude` is the user's own
/// `claude_command` (shell text they wrote), the rest is quoted and joined to its flag.
pub fn resume_command(claude: &str, hooks_settings: &Path, id: &SessionId) -> String {
    with_settings(claude, hooks_settings, "--resume", id.as_str())
}

/// The command line that starts a new conversation `id` with cdev's hooks.
pub fn start_command(claude: &str, hooks_settings: &Path, id: &SessionId) -> String {
    with_settings(claude, hooks_settings, "--session-id", id.as_str())
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
    Fresh { command: String, id: SessionId },
}

/// The way back for the Claude pane that had conversation `id` in `cwd`.
pub fn comeback(
    claude: &str,
    hooks_settings: &Path,
    config_dir: &Path,
    cwd: &str,
    id: &SessionId,
) -> Comeback {
    if can_resume(config_dir, cwd, id) {
        Comeback::Resume(resume_command(claude, hooks_settings, id))
    } else {
        let id = SessionId::random();
        Comeback::Fresh { command: start_command(claude, hooks_settings, &id), id }
    }
}

/// What is wrong with starting `claude` (the `claude_command`) when its program cannot be found:
/// `claude is not on PATH`, or `<path> is not an executable file`. `None` when it is found, and
/// when cdev cannot tell (a program named by a variable, say). `home` expands a leading `~/`.
pub fn unstartable(claude: &str, home: &Path) -> Option<String> {
    let program = program_of(claude)?;
    if !program.contains('/') {
        return crate::tmux::find_on_path(&program).is_none().then(|| format!("{program} is not on PATH"));
    }
    let path = match program.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None => PathBuf::from(&program),
    };
    (!crate::tmux::is_executable(&path)).then(|| format!("{program} is not an executable file"))
}

/// The program a command line starts: its first word after `NAME=value` assignments and the
/// shell's own prefixes (`exec`, `command`), which are no program on PATH. `None` when the word is
/// not plain text (a variable, a substitution, a glob) or the line does not parse.
fn program_of(command: &str) -> Option<String> {
    const PREFIXES: &[&str] = &["exec", "command", "builtin", "noglob", "nocorrect", "time"];
    let words = shell_words::split(command).ok()?;
    let is_assignment = |word: &str| {
        word.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    let program =
        words.into_iter().find(|word| !is_assignment(word) && !PREFIXES.contains(&word.as_str()))?;
    let plain = !program.is_empty()
        && !program.contains(['$', '`', '*', '?', '[', '(', '{', '<', '>', '|', ';', '&']);
    plain.then_some(program)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d";

    #[test]
    fn only_canonical_uuids_are_session_ids() {
        assert_eq!(SessionId::parse(ID).unwrap().as_str(), ID);
        assert!(is_session_id(SessionId::random().as_str()));
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
            assert!(!is_session_id(bad), "{bad:?}");
            assert!(SessionId::check(bad).is_err());
        }
    }

    #[test]
    fn values_are_joined_to_their_flags() {
        let id = &SessionId::parse(ID).unwrap();
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
        let id = &SessionId::parse(ID).unwrap();
        let settings = Path::new("/s.json");
        let Comeback::Fresh { command, id: new } = comeback("claude", settings, dir.path(), "/p/x", id)
        else {
            panic!("resumed a conversation that has no transcript")
        };
        assert!(&new != id);
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

    #[test]
    fn transcripts_are_kept_under_the_mangled_cwd() {
        assert_eq!(project_dir_name("/tmp/cc-proj"), "-tmp-cc-proj");
        assert_eq!(project_dir_name("/home/u/.config/x_y"), "-home-u--config-x-y");
        let id = SessionId::parse(ID).unwrap();
        assert_eq!(
            transcript_path(Path::new("/c"), "/p/x", &id),
            Path::new(&format!("/c/projects/-p-x/{ID}.jsonl"))
        );
        assert_eq!(sessions_dir(Path::new("/c")), Path::new("/c/sessions"));
    }

    #[test]
    fn the_program_of_a_claude_command_is_its_first_plain_word() {
        assert_eq!(program_of("claude").as_deref(), Some("claude"));
        assert_eq!(program_of("  claude --model opus").as_deref(), Some("claude"));
        assert_eq!(
            program_of("FOO=1 exec '/opt/my claude/claude'").as_deref(),
            Some("/opt/my claude/claude")
        );
        assert_eq!(program_of("command claude").as_deref(), Some("claude"));
        for unknowable in ["", "$HOME/bin/claude", "$(which claude)", "'unclosed", "FOO=1"] {
            assert_eq!(program_of(unknowable), None, "{unknowable:?}");
        }
    }

    #[test]
    fn a_claude_command_that_cannot_start_says_why() {
        let home = tempfile::tempdir().unwrap();
        assert_eq!(
            unstartable("no-such-claude-cdev --flag", home.path()).unwrap(),
            "no-such-claude-cdev is not on PATH"
        );
        assert_eq!(unstartable("sh -c true", home.path()), None);
        assert_eq!(
            unstartable("~/bin/claude", home.path()).unwrap(),
            "~/bin/claude is not an executable file"
        );
        let bin = home.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("claude"), "#!/bin/sh\n").unwrap();
        assert_eq!(
            unstartable("~/bin/claude", home.path()).unwrap(),
            "~/bin/claude is not an executable file"
        );
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(bin.join("claude"), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(unstartable("~/bin/claude", home.path()), None);
        assert_eq!(unstartable("$CLAUDE", home.path()), None, "cdev cannot tell: no warning");
    }
}
