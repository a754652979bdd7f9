//! How each saved pane's command comes back: Claude resumed by its conversation id (or a new
//! conversation where Claude cannot find it), a listed program run, anything else typed for the
//! user to run, or nothing.

use std::path::Path;

use super::PaneSnapshot;
use crate::agent::claude::{self, SessionId};
use crate::tmux::cdev_option;

/// How a pane's command comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strategy {
    /// Nothing was running.
    Shell,
    /// Run (Claude resumed by id, an editor, a whitelisted program).
    Run(String),
    /// Typed into the shell, not run: the user presses Enter if they want it.
    Type(String),
    /// A new Claude conversation `id` in place of one Claude cannot find (never prompted, so
    /// never written): the pane records the new id.
    Fresh { command: String, id: String },
}

/// What the restore needs besides the snapshot.
pub struct Settings<'a> {
    pub shell: &'a str,
    /// The Claude command (`claude_command`), and the hook settings file for `--settings`.
    pub claude: &'a str,
    pub claude_settings: &'a Path,
    pub restore_processes: &'a [String],
    /// The server's global `history-limit`.
    pub default_history_limit: u32,
    /// Claude Code's config dir, where it keeps transcripts (a conversation without one cannot be
    /// resumed: a new one starts in its pane).
    pub claude_dir: &'a Path,
    /// Run every saved command, not only those on the restore list (an import the user confirmed).
    pub run_all: bool,
    /// Run the commands on the restore list (off for an import nobody confirmed: a bundle's
    /// `vim -c '!…'` is on the list too).
    pub run_listed: bool,
}

/// The strategy for one pane that starts in `cwd`. The Claude session id, when there is one,
/// wins: the exact conversation, never `--continue` (which picks whichever conversation in the
/// folder is newest); an id that is not a conversation id is not a Claude pane's.
pub fn strategy(pane: &PaneSnapshot, cwd: &Path, settings: &Settings<'_>) -> Strategy {
    if let Some(id) = pane.options.get(cdev_option::CLAUDE_SESSION).and_then(|id| SessionId::parse(id)) {
        let ends = pane.options.get(cdev_option::AGENT_STATE).is_some_and(|s| s == "ended");
        if !ends {
            let cwd = cwd.to_string_lossy();
            return match claude::comeback(
                settings.claude,
                settings.claude_settings,
                settings.claude_dir,
                &cwd,
                &id,
            ) {
                claude::Comeback::Resume(command) => Strategy::Run(command),
                claude::Comeback::Fresh { command, id } => Strategy::Fresh { command, id: id.to_string() },
            };
        }
    }
    let Some(program) = pane.command.first() else { return Strategy::Shell };
    let name = program.rsplit('/').next().unwrap_or(program);
    let line = shell_words::join(&pane.command);
    let listed = settings.run_listed && settings.restore_processes.iter().any(|p| p == name);
    let editor_session = matches!(name, "vim" | "nvim") && Path::new(&pane.cwd).join("Session.vim").is_file();
    if (settings.run_listed || settings.run_all) && editor_session {
        return Strategy::Run(format!("{} -S", shell_words::quote(program)));
    }
    if settings.run_all || listed {
        Strategy::Run(line)
    } else {
        Strategy::Type(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn pane(command: &[&str], options: &[(&str, &str)]) -> PaneSnapshot {
        PaneSnapshot {
            id: None,
            index: 0,
            active: true,
            cwd: "/nonexistent/cdev/dir".into(),
            title: String::new(),
            command: command.iter().map(|s| s.to_string()).collect(),
            options: options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
            contents: None,
        }
    }

    #[test]
    fn strategies_resume_claude_run_whitelisted_and_type_the_rest() {
        let whitelist: Vec<String> =
            crate::config::DEFAULT_RESTORE_PROCESSES.iter().map(|s| s.to_string()).collect();
        let claude_dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            shell: "/bin/sh",
            claude: "claude",
            claude_settings: Path::new("/s/hooks.json"),
            claude_dir: claude_dir.path(),
            restore_processes: &whitelist,
            default_history_limit: 2000,
            run_all: false,
            run_listed: true,
        };
        let id = "0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d";
        let cwd = Path::new("/p/app");
        let transcript = claude::transcript_path(claude_dir.path(), "/p/app", &SessionId::parse(id).unwrap());
        std::fs::create_dir_all(transcript.parent().unwrap()).unwrap();
        std::fs::write(&transcript, "{}\n").unwrap();
        let claude = pane(&["node", "/x/claude"], &[(cdev_option::CLAUDE_SESSION, id)]);
        assert_eq!(
            strategy(&claude, cwd, &settings),
            Strategy::Run(format!("claude --settings=/s/hooks.json --resume={id}"))
        );
        // Issue 18: an id that is an option is no conversation id; the pane is no Claude pane.
        let option =
            pane(&["node", "/x/claude"], &[(cdev_option::CLAUDE_SESSION, "--dangerously-skip-permissions")]);
        assert_eq!(strategy(&option, cwd, &settings), Strategy::Type("node /x/claude".into()));
        // Issue 16: a conversation never prompted has no transcript: a new one starts.
        let Strategy::Fresh { command, id: new } = strategy(&claude, Path::new("/p/other"), &settings) else {
            panic!("resumed a conversation without a transcript")
        };
        assert!(command.ends_with(&format!("--session-id={new}")) && new != id, "{command}");
        let ended = pane(&[], &[(cdev_option::CLAUDE_SESSION, id), (cdev_option::AGENT_STATE, "ended")]);
        assert_eq!(strategy(&ended, cwd, &settings), Strategy::Shell);
        assert_eq!(
            strategy(&pane(&["/usr/bin/htop"], &[]), cwd, &settings),
            Strategy::Run("/usr/bin/htop".into())
        );
        assert_eq!(
            strategy(&pane(&["rm", "-rf", "build dir"], &[]), cwd, &settings),
            Strategy::Type("rm -rf 'build dir'".into())
        );
        assert_eq!(strategy(&pane(&[], &[]), cwd, &settings), Strategy::Shell);
    }
}
