//! A snapshot back into tmux commands: sessions, windows (at their saved indexes), panes split
//! and then laid out with the saved layout string, cwds, titles, env, cdev's options, contents
//! shown back, commands by strategy, and the focus. Several sessions go into one chain.

use std::path::{Path, PathBuf};

use super::strategy::{strategy, Settings, Strategy};
use super::SessionSnapshot;
use crate::agent::claude;
use crate::humanize::printable;
use crate::tmux::verbs::{self, hold_size, release_size};
use crate::tmux::{cdev_option, environment, layout, target, TmuxCommand};

/// Each pane starts by showing its saved contents (then deleting the file), then runs its
/// command, if any, and ends in the user's interactive shell (as new panes do). The command is
/// POSIX-quoted argv, so `/bin/sh` runs it whatever the user's shell (fish quotes differently).
/// `$0` is the shell, `$1` the contents file (may be empty), `$2` the command.
pub const RESTORE_WRAPPER: &str =
    "cat -- \"$1\" 2>/dev/null; rm -f -- \"$1\"; set -m; trap : INT; /bin/sh -c \"$2\"; exec \"$0\"";
/// [`RESTORE_WRAPPER`] for a pane that was a shell: contents, then the shell. A different text,
/// so `cdev health` can tell a shell that was the point from a command that exited.
pub const RESTORE_SHELL_WRAPPER: &str = "cat -- \"$1\" 2>/dev/null; rm -f -- \"$1\"; exec \"$0\"";

/// The directory to start a pane in: the saved cwd, or its nearest existing parent (noted), but
/// never a worktrees folder (`.worktrees`, not a checkout): a removed agent worktree's pane
/// starts in the project. A cwd tmux read after its directory was deleted carries the kernel's
/// " (deleted)" (snapshots made before cdev dropped it at capture).
pub fn existing_dir(cwd: &str, notes: &mut Vec<String>) -> PathBuf {
    let saved = Path::new(cwd.strip_suffix(DELETED).unwrap_or(cwd));
    let is_worktrees = |d: &Path| d.file_name().is_some_and(|n| n == crate::worktree::WORKTREES_DIR);
    let found = saved.ancestors().find(|d| d.is_dir() && !is_worktrees(d)).unwrap_or(Path::new("/"));
    if found != saved {
        notes.push(format!("{cwd} no longer exists: the pane starts in {}", found.display()));
    }
    found.to_path_buf()
}

/// What Linux puts after a process's cwd (in /proc/PID/cwd, which tmux reads) once that
/// directory is removed.
pub const DELETED: &str = " (deleted)";

/// One session's commands, made under `name` (a temporary name while it is built); notes name
/// its panes as the user will find them, in session `shown_name`. `contents` holds, per pane in
/// order, the file its contents were written to; the index pair is the server's `base-index` and
/// `pane-base-index`.
pub fn session_chain(
    (name, shown_name): (&str, &str),
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
                        chain.push(verbs::set_session_option(
                            &target::session(name),
                            "history-limit",
                            &session.history_limit.to_string(),
                        ));
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
                let shown = format!("{shown_name}:{}.{}", window.index, pane_base_index + p as u32);
                notes.push(format!(
                    "the Claude pane {shown} (in {}) had no conversation to resume (never prompted): a new one starts",
                    cwd.display()
                ));
            }
            // Restored commands are single programs with their arguments (never shell text), so
            // `exec` makes the program itself the pane's foreground job, and its name the pane's.
            let run = match &strategy {
                Strategy::Run(command) | Strategy::Fresh { command, .. } => format!("exec {command}"),
                _ => String::new(),
            };
            let command = command.literal("-c", &cwd.to_string_lossy()).arg("/bin/sh").arg("-c");
            chain.push(match run.is_empty() {
                true => command.arg(RESTORE_SHELL_WRAPPER).arg(settings.shell).arg(&file),
                false => command.arg(RESTORE_WRAPPER).arg(settings.shell).arg(&file).arg(&run),
            });
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
                for (key, value) in session.options.iter().filter(|(k, _)| k.starts_with(cdev_option::PREFIX))
                {
                    chain.push(verbs::set_session_option(&target::session(name), key, value));
                }
            }
            if p == 0 {
                // Its saved size while the panes are made, whatever clients are attached.
                chain.push(hold_size(&win, &window.width.to_string(), &window.height.to_string()));
            }
            if !pane.title.is_empty() {
                chain.push(verbs::set_pane_title(&pane_target, &pane.title));
            }
            // Only a conversation id is recorded as one (it is resumed on a command line later).
            // The agent's state is not put back: the agent in this pane is a new process (or none
            // yet), and its own hooks say what it does; "working" or "waiting" from before would
            // show an agent that waits for no one (the snapshot keeps it for the strategy).
            let recorded = |(k, v): &(&String, &String)| {
                k.starts_with(cdev_option::PREFIX)
                    && *k != cdev_option::AGENT_STATE
                    && (*k != cdev_option::CLAUDE_SESSION || claude::is_session_id(v))
            };
            for (key, value) in pane.options.iter().filter(recorded) {
                let value = match &strategy {
                    Strategy::Fresh { id, .. } if key == cdev_option::CLAUDE_SESSION => id,
                    _ => value,
                };
                chain.push(verbs::set_pane_option(&pane_target, key, value));
            }
            // Typed, never run: control characters (a carriage return, ^U) could submit it.
            if let Strategy::Type(line) = &strategy {
                if !line.chars().any(char::is_control) {
                    chain.push(verbs::type_text(&pane_target, line));
                }
            }
            if pane.active {
                active = Some(pane_target.clone());
            }
            if p > 0 && p + 1 < window.panes.len() {
                // Halving the last pane again and again runs out of room: keep it tiled until the
                // saved layout goes on.
                chain.push(verbs::select_layout(&win, "tiled"));
            }
        }
        // The saved layout puts every split back where it was, when it is one tmux can take:
        // a malformed one crashes tmux 3.3a, and a snapshot may be someone else's file.
        let what = format!("{} window {}", printable(&session.name), window.index);
        let layout = layout::or_tiled(&window.layout, window.panes.len(), &what, notes);
        chain.push(verbs::select_layout(&win, layout));
        // Each window's own active pane and zoom, then the session's focus.
        if let Some(pane) = active {
            chain.push(verbs::select_pane(&pane));
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
        chain.push(verbs::select_window(&target::window(name, window)));
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

    #[test]
    fn a_missing_cwd_falls_back_to_its_nearest_parent() {
        let mut notes = Vec::new();
        assert_eq!(existing_dir("/tmp/cdev-no/such/dir", &mut notes), Path::new("/tmp"));
        assert_eq!(notes.len(), 1);
        assert_eq!(existing_dir("/tmp", &mut notes), Path::new("/tmp"));
        assert_eq!(notes.len(), 1);
    }
}
