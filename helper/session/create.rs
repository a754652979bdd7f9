//! A session plan as one chain of tmux commands: the session, its env and cdev's options, every
//! window and pane with its cwd, title, command and options, the layouts, and the focus. All of it
//! runs in one tmux process, whatever the number of panes.

use crate::tmux::cdev_option;
use crate::tmux::verbs::{self, hold_size, release_size};
use std::path::Path;

use crate::template::render::{PanePlan, SessionPlan};
use crate::template::values::PANE_WRAPPER;
use crate::template::Split;
use crate::tmux::{environment, target, TmuxCommand};

/// The size a detached session is made at; tmux resizes it to the client that attaches.
const DETACHED_SIZE: (&str, &str) = ("200", "50");

/// Everything the chain needs to know besides the plan.
pub struct Creation<'a> {
    pub name: &'a str,
    pub root: &'a Path,
    pub template: &'a str,
    pub env: &'a [(String, String)],
    /// The keys of `env` that came from `.env.claude`: what a later `cdev env load` may unset.
    pub env_file_keys: &'a [String],
    pub history_limit: Option<u32>,
    /// The server's `base-index` and `pane-base-index`, so targets name the right windows.
    pub base_index: u32,
    pub pane_base_index: u32,
    /// The user's shell, which runs pane commands.
    pub shell: &'a str,
}

/// The commands that create the session, in order.
/// Notes for the user (a layout that could not be used) go to `notes`.
pub fn chain(creation: &Creation<'_>, plan: &SessionPlan, notes: &mut Vec<String>) -> Vec<TmuxCommand> {
    let c = creation;
    let mut chain = Vec::new();
    for (w, window) in plan.windows.iter().enumerate() {
        let window_index = c.base_index + w as u32;
        for (p, pane) in window.panes.iter().enumerate() {
            let pane_index = c.pane_base_index + p as u32;
            let command = match (w, p) {
                (0, 0) => {
                    let mut new_session = TmuxCommand::new("new-session")
                        .flag("-d")
                        .literal("-s", c.name)
                        .value("-x", DETACHED_SIZE.0)
                        .value("-y", DETACHED_SIZE.1);
                    let vars = || c.env.iter().map(|(k, v)| (k.as_str(), v.as_str()));
                    let inline = environment::fits_inline(vars());
                    if inline {
                        for (key, value) in c.env {
                            new_session = new_session.value("-e", &format!("{key}={value}"));
                        }
                    }
                    // history-limit counts when a pane is made, and a pane gets the session's
                    // environment when it is made: when either is set after new-session (an
                    // environment too large for one tmux command is set in pieces), the first
                    // window is made again (-k) once they are.
                    if c.history_limit.is_some() || !inline {
                        chain.push(new_session.literal("-c", &c.root.to_string_lossy()));
                        if let Some(limit) = c.history_limit {
                            chain.push(verbs::set_session_option(
                                &target::session(c.name),
                                "history-limit",
                                &limit.to_string(),
                            ));
                        }
                        if !inline {
                            let session = target::session(c.name);
                            chain.extend(environment::set(&session, vars().map(|(k, v)| (k, Some(v)))));
                        }
                        TmuxCommand::new("new-window")
                            .flag("-k")
                            .value("-t", &target::window(c.name, window_index))
                    } else {
                        new_session
                    }
                }
                (_, 0) => TmuxCommand::new("new-window").value("-t", &target::window(c.name, window_index)),
                _ => {
                    let split = match pane.split {
                        Some(Split::Horizontal) => "-h",
                        _ => "-v",
                    };
                    let mut split_window = TmuxCommand::new("split-window")
                        .value("-t", &target::pane(c.name, window_index, pane_index - 1))
                        .flag(split);
                    if let Some(size) = &pane.size {
                        split_window = split_window.value("-l", size);
                    }
                    split_window
                }
            };
            let command = match (p, &window.name) {
                (0, Some(name)) => command.literal("-n", name),
                _ => command,
            };
            chain.push(with_program(command.literal("-c", &pane.cwd.to_string_lossy()), pane, c.shell));
            if p == 0 {
                chain.push(hold_size(
                    &target::window(c.name, window_index),
                    DETACHED_SIZE.0,
                    DETACHED_SIZE.1,
                ));
            }
            if w == 0 && p == 0 {
                chain.extend(session_options(c));
            }
            chain.extend(pane_options(&target::pane(c.name, window_index, pane_index), pane));
            // Halving one pane again and again runs out of room after a few splits: from the fourth
            // pane on, re-laying out after each split keeps room for the next. (Not earlier: every
            // command in the chain costs, and four panes always fit.) A saved layout string only
            // fits at the end.
            if let (Some(layout), true) = (&window.layout, p >= 3 && p + 1 < window.panes.len()) {
                let interim = if layout.contains(',') { "tiled" } else { layout.as_str() };
                chain.push(
                    TmuxCommand::new("select-layout")
                        .value("-t", &target::window(c.name, window_index))
                        .arg(interim),
                );
            }
        }
        if let Some(layout) = &window.layout {
            // A saved layout string from a template goes to tmux only when it fits the window
            // (a malformed one crashes tmux 3.3a): else tiled, and the user is told.
            let what = format!("template {} window {}", c.template, w + 1);
            let layout = crate::tmux::layout::or_tiled(layout, window.panes.len(), &what, notes);
            chain.push(
                TmuxCommand::new("select-layout")
                    .value("-t", &target::window(c.name, window_index))
                    .arg(layout),
            );
        }
    }
    for w in 0..plan.windows.len() {
        chain.push(release_size(&target::window(c.name, c.base_index + w as u32)));
    }
    let (focus_window, focus_pane) = plan.focus;
    let focus_window = c.base_index + focus_window as u32;
    chain.push(TmuxCommand::new("select-window").value("-t", &target::window(c.name, focus_window)));
    chain.push(
        TmuxCommand::new("select-pane")
            .value("-t", &target::pane(c.name, focus_window, c.pane_base_index + focus_pane as u32)),
    );
    chain
}

/// The pane's program: the wrapper around its command, or nothing (tmux's default shell).
fn with_program(command: TmuxCommand, pane: &PanePlan, shell: &str) -> TmuxCommand {
    match &pane.command {
        Some(program) => running(command, shell, program, &pane.values),
        None => command,
    }
}

/// `command` (a `new-session`, `new-window` or `split-window`) made to run `program` in
/// [`PANE_WRAPPER`], so the user's `shell` takes the pane over when the program ends. `values`
/// are those `program` refers to, in `template::values::VALUES` order.
pub fn running(command: TmuxCommand, shell: &str, program: &str, values: &[String]) -> TmuxCommand {
    let mut command = command.arg("/bin/sh").arg("-c").arg(PANE_WRAPPER).arg(shell).arg(program);
    for n in 0..crate::template::values::VALUES.len() {
        command = command.arg(values.get(n).map_or("", String::as_str));
    }
    command
}

/// What cdev records on the session: the project root and template it came from.
fn session_options(c: &Creation<'_>) -> Vec<TmuxCommand> {
    let session = target::session(c.name);
    vec![
        verbs::set_session_option(&session, cdev_option::PROJECT_ROOT, &c.root.to_string_lossy()),
        verbs::set_session_option(&session, cdev_option::TEMPLATE, c.template),
        verbs::set_session_option(&session, cdev_option::ENV_KEYS, &c.env_file_keys.join(" ")),
    ]
}

/// The title and cdev's per-pane options: the Claude session id and the worktree.
fn pane_options(pane_target: &str, pane: &PanePlan) -> Vec<TmuxCommand> {
    let mut commands = Vec::new();
    if let Some(title) = &pane.title {
        commands.push(TmuxCommand::new("select-pane").value("-t", pane_target).literal("-T", title));
    }
    let set = |name: &str, value: &str| verbs::set_pane_option(pane_target, name, value);
    // The role lets key bindings find a pane by what it is for (the git pane), not by index.
    if pane.role != crate::template::Role::Shell {
        commands.push(set(cdev_option::ROLE, pane.role.as_str()));
    }
    if let Some(id) = &pane.claude_session {
        commands.push(set(cdev_option::CLAUDE_SESSION, id));
    }
    if let Some(worktree) = &pane.worktree {
        commands.push(set(cdev_option::WORKTREE, worktree));
    }
    commands
}
