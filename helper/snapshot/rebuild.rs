//! A snapshot back into tmux commands: sessions, windows (at their saved indexes), panes split
//! and then laid out with the saved layout string, cwds, titles, env, cdev's options, contents
//! shown back, commands by strategy, and the focus. Several sessions go into one chain.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{PaneSnapshot, SessionSnapshot};
use crate::agent::{journal, AgentState};
use crate::claude;
use crate::humanize::printable;
use crate::session::create::{hold_size, release_size};
use crate::tmux::{environment, layout, target, TmuxCommand};

/// Each pane starts by showing its saved contents (then deleting the file), then runs its
/// command, if any, and ends in the user's interactive shell (as new panes do). The command is
/// POSIX-quoted argv, so `/bin/sh` runs it whatever the user's shell (fish quotes differently).
/// `$0` is the shell, `$1` the contents file (may be empty), `$2` the command (may be empty).
pub const RESTORE_WRAPPER: &str =
    "cat -- \"$1\" 2>/dev/null; rm -f -- \"$1\"; set -m; trap : INT; if [ -n \"$2\" ]; then /bin/sh -c \"$2\"; fi; exec \"$0\"";

/// Programs whose saved command is run again by default (tmux-resurrect's list).
pub const DEFAULT_RESTORE_PROCESSES: &[&str] =
    &["vi", "vim", "nvim", "emacs", "man", "less", "more", "tail", "top", "htop", "irssi", "weechat", "mutt"];

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

/// What the agent journal changed in a snapshot before its restore.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct JournalApplied {
    /// Saved panes that now resume another conversation than the snapshot said (ended agents
    /// are not resumed, so they are not counted).
    pub resumed: usize,
    /// Agents the journal knows in panes the snapshot does not hold: they come back in a window
    /// of their own, [`ADDED_WINDOW`], one line each for the user.
    pub added: Vec<String>,
}

/// The name of the window that holds agents started in panes made after the snapshot.
pub const ADDED_WINDOW: &str = "agents";

/// Brings the Claude panes of `snapshot` up to what the agent journal recorded since it was
/// taken (a conversation started or switched with `/clear` after the last save, then the server
/// died): each saved pane gets its own newest entry (`journal::newest_for`: by pane id on the
/// server that saved it) — its conversation id, transcript and state. Agents in panes made after
/// the save (`cdev worktree add`, a split by hand) are not dropped: they are added in a window of
/// their own at the end, each in its cwd, and named in [`JournalApplied::added`].
pub fn apply_journal(snapshot: &mut super::Snapshot, entries: &[journal::Entry]) -> JournalApplied {
    let Ok(created) = chrono::DateTime::parse_from_rfc3339(&snapshot.created) else {
        return JournalApplied::default();
    };
    let since = created.timestamp();
    let session = &mut snapshot.session;
    let saved_on = session.server;
    let mut applied = JournalApplied::default();
    for window in &mut session.windows {
        for pane in &mut window.panes {
            let saved = journal::SavedPane {
                id: pane.id.as_deref(),
                window: window.index,
                pane: pane.index,
                cwd: &pane.cwd,
            };
            let Some(entry) = journal::newest_for(entries, saved_on, &saved, since) else { continue };
            let before = pane.options.get("@cdev_claude_session").cloned();
            take_agent(&mut pane.options, entry);
            let resumes = entry.state != AgentState::Ended;
            applied.resumed += usize::from(resumes && before != entry.claude_session);
        }
    }
    let saved_ids: Vec<&str> =
        session.windows.iter().flat_map(|w| &w.panes).filter_map(|p| p.id.as_deref()).collect();
    let added = journal::unplaced(entries, saved_on, &saved_ids, since);
    if added.is_empty() {
        return applied;
    }
    let mut window = super::WindowSnapshot {
        index: session.windows.iter().map(|w| w.index + 1).max().unwrap_or(0),
        name: ADDED_WINDOW.to_string(),
        auto_name: false,
        layout: "tiled".to_string(),
        active: false,
        zoomed: false,
        width: session.windows.first().map_or(200, |w| w.width),
        height: session.windows.first().map_or(50, |w| w.height),
        panes: Vec::new(),
    };
    for entry in added {
        let cwd = entry.cwd.clone().unwrap_or_default();
        let mut options = BTreeMap::from([("@cdev_role".to_string(), "claude".to_string())]);
        take_agent(&mut options, entry);
        applied.added.push(format!(
            "the agent of pane {} (window {}, pane {}, in {cwd}) started after the snapshot: it comes back in window {ADDED_WINDOW:?}",
            entry.pane_id, entry.window, entry.pane
        ));
        window.panes.push(super::PaneSnapshot {
            id: None,
            index: window.panes.len() as u32,
            active: window.panes.is_empty(),
            cwd,
            title: String::new(),
            command: Vec::new(),
            options,
            contents: None,
        });
    }
    session.windows.push(window);
    applied
}

/// A pane's conversation, transcript and state as the journal `entry` last recorded them.
fn take_agent(options: &mut BTreeMap<String, String>, entry: &journal::Entry) {
    options.insert("@cdev_claude_session".into(), entry.claude_session.clone().unwrap_or_default());
    options.insert("@cdev_agent_state".into(), entry.state.as_str().to_string());
    match &entry.transcript {
        Some(transcript) => options.insert("@cdev_claude_transcript".into(), transcript.clone()),
        None => options.remove("@cdev_claude_transcript"),
    };
}

/// The strategy for one pane that starts in `cwd`. The Claude session id, when there is one,
/// wins: the exact conversation, never `--continue` (which picks whichever conversation in the
/// folder is newest); an id that is not a conversation id is not a Claude pane's.
pub fn strategy(pane: &PaneSnapshot, cwd: &Path, settings: &Settings<'_>) -> Strategy {
    if let Some(id) = pane.options.get("@cdev_claude_session").filter(|id| claude::is_conversation_id(id)) {
        let ends = pane.options.get("@cdev_agent_state").is_some_and(|s| s == "ended");
        if !ends {
            let cwd = cwd.to_string_lossy();
            return match claude::comeback(
                settings.claude,
                settings.claude_settings,
                settings.claude_dir,
                &cwd,
                id,
            ) {
                claude::Comeback::Resume(command) => Strategy::Run(command),
                claude::Comeback::Fresh { command, id } => Strategy::Fresh { command, id },
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

/// The directory to start a pane in: the saved cwd, or its nearest existing parent (noted).
pub fn existing_dir(cwd: &str, notes: &mut Vec<String>) -> PathBuf {
    let saved = Path::new(cwd);
    let found = saved.ancestors().find(|d| d.is_dir()).unwrap_or(Path::new("/"));
    if found != saved {
        notes.push(format!("{cwd} no longer exists: the pane starts in {}", found.display()));
    }
    found.to_path_buf()
}

/// One session's commands. `contents` holds, per pane in order, the file its contents were
/// written to; the index pair is the server's `base-index` and `pane-base-index`.
pub fn session_chain(
    name: &str,
    session: &SessionSnapshot,
    contents: &[Option<PathBuf>],
    settings: &Settings<'_>,
    (base_index, pane_base_index): (u32, u32),
    notes: &mut Vec<String>,
) -> Vec<TmuxCommand> {
    let mut chain = Vec::new();
    let mut files = contents.iter();
    let mut focus: Option<u32> = None;
    let first_window = session.windows.first().map(|w| (w.width, w.height)).unwrap_or((200, 50));
    for (w, window) in session.windows.iter().enumerate() {
        let win = target::window(name, window.index);
        let mut active = None;
        for (p, pane) in window.panes.iter().enumerate() {
            let pane_target = target::pane(name, window.index, pane_base_index + p as u32);
            let cwd = existing_dir(&pane.cwd, notes);
            let command = match (w, p) {
                (0, 0) => {
                    let mut new = TmuxCommand::new("new-session")
                        .flag("-d")
                        .literal("-s", name)
                        .value("-x", &first_window.0.to_string())
                        .value("-y", &first_window.1.to_string());
                    let vars = || session.env.iter().filter_map(|(k, v)| Some((k.as_str(), v.as_deref()?)));
                    let inline = environment::fits_inline(vars());
                    if inline {
                        for (key, value) in vars() {
                            new = new.value("-e", &format!("{key}={value}"));
                        }
                    }
                    // history-limit counts when a pane is made: when the saved limit is not the
                    // server's, the first window is made again (-k) once the session has it, so
                    // long contents keep every line. The same when the environment is too large
                    // for one tmux command: it is set in pieces first.
                    if session.history_limit == settings.default_history_limit && inline {
                        named(new, window)
                    } else {
                        chain.push(new);
                        chain.push(
                            TmuxCommand::new("set-option")
                                .value("-t", &target::session(name))
                                .arg("history-limit")
                                .arg(&session.history_limit.to_string()),
                        );
                        if !inline {
                            chain.extend(environment::set(
                                &target::session(name),
                                vars().map(|(k, v)| (k, Some(v))),
                            ));
                        }
                        named(
                            TmuxCommand::new("new-window")
                                .flag("-k")
                                .value("-t", &target::window(name, base_index)),
                            window,
                        )
                    }
                }
                (_, 0) => named(TmuxCommand::new("new-window").value("-t", &win), window),
                _ => TmuxCommand::new("split-window")
                    .value("-t", &target::pane(name, window.index, pane_base_index + p as u32 - 1)),
            };
            let file =
                files.next().cloned().flatten().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            let strategy = strategy(pane, &cwd, settings);
            if let Strategy::Fresh { .. } = &strategy {
                notes.push(format!(
                    "the Claude pane in {} had no conversation to resume (never prompted): a new one starts",
                    cwd.display()
                ));
            }
            // Restored commands are single programs with their arguments (never shell text), so
            // `exec` makes the program itself the pane's foreground job, and its name the pane's.
            let run = match &strategy {
                Strategy::Run(command) | Strategy::Fresh { command, .. } => format!("exec {command}"),
                _ => String::new(),
            };
            chain.push(
                command
                    .literal("-c", &cwd.to_string_lossy())
                    .arg("/bin/sh")
                    .arg("-c")
                    .arg(RESTORE_WRAPPER)
                    .arg(settings.shell)
                    .arg(&file)
                    .arg(&run),
            );
            if (w, p) == (0, 0) {
                // The first window is made at the server's base-index: move it to its saved one.
                if window.index != base_index {
                    chain.push(
                        TmuxCommand::new("move-window")
                            .value("-s", &target::window(name, base_index))
                            .value("-t", &win),
                    );
                }
                // Only cdev's own options: a snapshot (or an imported bundle) could otherwise
                // set status-right to `#(…)`.
                for (key, value) in session.options.iter().filter(|(k, _)| k.starts_with("@cdev_")) {
                    chain.push(
                        TmuxCommand::new("set-option")
                            .value("-t", &target::session(name))
                            .arg(key)
                            .arg(value),
                    );
                }
            }
            if p == 0 {
                // Its saved size while the panes are made, whatever clients are attached.
                chain.push(hold_size(&win, &window.width.to_string(), &window.height.to_string()));
            }
            if !pane.title.is_empty() {
                chain.push(
                    TmuxCommand::new("select-pane").value("-t", &pane_target).literal("-T", &pane.title),
                );
            }
            // Only a conversation id is recorded as one (it is resumed on a command line later).
            let recorded = |(k, v): &(&String, &String)| {
                k.starts_with("@cdev_") && (*k != "@cdev_claude_session" || claude::is_conversation_id(v))
            };
            for (key, value) in pane.options.iter().filter(recorded) {
                let value = match &strategy {
                    Strategy::Fresh { id, .. } if key == "@cdev_claude_session" => id,
                    _ => value,
                };
                chain.push(
                    TmuxCommand::new("set-option").flag("-p").value("-t", &pane_target).arg(key).arg(value),
                );
            }
            // Typed, never run: control characters (a carriage return, ^U) could submit it.
            if let Strategy::Type(line) = &strategy {
                if !line.chars().any(char::is_control) {
                    chain.push(TmuxCommand::new("send-keys").value("-t", &pane_target).flag("-l").arg(line));
                }
            }
            if pane.active {
                active = Some(pane_target.clone());
            }
            if p > 0 && p + 1 < window.panes.len() {
                // Halving the last pane again and again runs out of room: keep it tiled until the
                // saved layout goes on.
                chain.push(TmuxCommand::new("select-layout").value("-t", &win).arg("tiled"));
            }
        }
        // The saved layout puts every split back where it was, when it is one tmux can take:
        // a malformed one crashes tmux 3.3a, and a snapshot may be someone else's file.
        let what = format!("{} window {}", printable(&session.name), window.index);
        let layout = layout::or_tiled(&window.layout, window.panes.len(), &what, notes);
        chain.push(TmuxCommand::new("select-layout").value("-t", &win).arg(layout));
        // Each window's own active pane and zoom, then the session's focus.
        if let Some(pane) = active {
            chain.push(TmuxCommand::new("select-pane").value("-t", &pane));
            if window.zoomed {
                chain.push(TmuxCommand::new("resize-pane").flag("-Z").value("-t", &pane));
            }
        }
        if window.active {
            focus = Some(window.index);
        }
    }
    for window in &session.windows {
        chain.push(release_size(&target::window(name, window.index)));
    }
    for (key, value) in &session.env {
        if value.is_none() {
            chain.push(
                TmuxCommand::new("set-environment").value("-t", &target::session(name)).flag("-r").arg(key),
            );
        }
    }
    if let Some(window) = focus {
        chain.push(TmuxCommand::new("select-window").value("-t", &target::window(name, window)));
    }
    chain
}

/// A window keeps its name only when it had one of its own; otherwise tmux names it again.
fn named(command: TmuxCommand, window: &super::WindowSnapshot) -> TmuxCommand {
    if window.auto_name {
        command
    } else {
        command.literal("-n", &window.name)
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
    fn only_newer_journal_entries_for_the_same_place_and_cwd_update_a_snapshot() {
        let u = |n: u8| format!("00000000-0000-4000-8000-{n:012x}");
        use crate::agent::journal::{Entry, FORMAT_VERSION};
        use crate::agent::AgentState;
        let mut snapshot = super::super::Snapshot {
            version: 1,
            created: "2026-11-24T10:00:00.500Z".into(),
            cdev_version: "0".into(),
            session: super::super::SessionSnapshot {
                name: "web".into(),
                env: Vec::new(),
                options: BTreeMap::new(),
                history_limit: 2000,
                windows: vec![super::super::WindowSnapshot {
                    index: 1,
                    name: "agents".into(),
                    auto_name: false,
                    layout: String::new(),
                    active: true,
                    zoomed: false,
                    width: 80,
                    height: 24,
                    panes: vec![pane(&[], &[("@cdev_claude_session", u(1).as_str())])],
                }],
                server: None,
                socket: None,
            },
        };
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z").unwrap().timestamp();
        let entry = |id: &str, updated: i64, cwd: &str, pane: u32| Entry {
            version: FORMAT_VERSION,
            server: "/tmp/tmux-0/default".into(),
            server_id: None,
            session: "web".into(),
            window: 1,
            pane,
            pane_id: "%1".into(),
            state: AgentState::Working,
            since: updated,
            claude_session: Some(id.into()),
            transcript: None,
            cwd: Some(cwd.into()),
            updated,
            seq: 0,
        };
        let here = "/nonexistent/cdev/dir";
        let ignored = [
            entry(&u(2), at - 1, here, 0),
            entry(&u(3), at + 5, "/other/project", 0),
            entry(&u(4), at + 5, here, 3),
            entry("../../etc/passwd", at + 5, here, 0),
            entry("--dangerously-skip-permissions", at + 5, here, 0),
        ];
        assert_eq!(apply_journal(&mut snapshot, &ignored).resumed, 0);
        let id = |s: &super::super::Snapshot| {
            s.session.windows[0].panes[0].options["@cdev_claude_session"].clone()
        };
        assert_eq!(id(&snapshot), u(1));
        // The same second as the snapshot counts (the hook may have come just after it).
        assert_eq!(apply_journal(&mut snapshot, &[entry(&u(5), at, here, 0)]).resumed, 1);
        assert_eq!(id(&snapshot), u(5));
        // The newest entry wins, whatever order they come in.
        let newer = [entry(&u(6), at + 9, here, 0), entry(&u(7), at + 5, here, 0)];
        assert_eq!(apply_journal(&mut snapshot, &newer).resumed, 1);
        assert_eq!(id(&snapshot), u(6));
        assert_eq!(snapshot.session.windows[0].panes[0].options["@cdev_agent_state"], "working");
        // An agent that ended after the snapshot is not resumed, so it is not counted.
        let ended = Entry { state: AgentState::Ended, ..entry(&u(8), at + 20, here, 0) };
        assert_eq!(apply_journal(&mut snapshot, &[ended]).resumed, 0);
        assert_eq!(snapshot.session.windows[0].panes[0].options["@cdev_agent_state"], "ended");
    }

    #[test]
    fn strategies_resume_claude_run_whitelisted_and_type_the_rest() {
        let whitelist: Vec<String> = DEFAULT_RESTORE_PROCESSES.iter().map(|s| s.to_string()).collect();
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
        let transcript = crate::claude::transcript_path(claude_dir.path(), "/p/app", id);
        std::fs::create_dir_all(transcript.parent().unwrap()).unwrap();
        std::fs::write(&transcript, "{}\n").unwrap();
        let claude = pane(&["node", "/x/claude"], &[("@cdev_claude_session", id)]);
        assert_eq!(
            strategy(&claude, cwd, &settings),
            Strategy::Run(format!("claude --settings=/s/hooks.json --resume={id}"))
        );
        // Issue 18: an id that is an option is no conversation id; the pane is no Claude pane.
        let option =
            pane(&["node", "/x/claude"], &[("@cdev_claude_session", "--dangerously-skip-permissions")]);
        assert_eq!(strategy(&option, cwd, &settings), Strategy::Type("node /x/claude".into()));
        // Issue 16: a conversation never prompted has no transcript: a new one starts.
        let Strategy::Fresh { command, id: new } = strategy(&claude, Path::new("/p/other"), &settings) else {
            panic!("resumed a conversation without a transcript")
        };
        assert!(command.ends_with(&format!("--session-id={new}")) && new != id, "{command}");
        let ended = pane(&[], &[("@cdev_claude_session", id), ("@cdev_agent_state", "ended")]);
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

    #[test]
    fn a_missing_cwd_falls_back_to_its_nearest_parent() {
        let mut notes = Vec::new();
        assert_eq!(existing_dir("/tmp/cdev-no/such/dir", &mut notes), Path::new("/tmp"));
        assert_eq!(notes.len(), 1);
        assert_eq!(existing_dir("/tmp", &mut notes), Path::new("/tmp"));
        assert_eq!(notes.len(), 1);
    }
}
