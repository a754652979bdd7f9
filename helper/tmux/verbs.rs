//! Typed verbs: the tmux commands cdev builds most often, each spelled once with the flags it
//! needs, so a caller says what it wants done (set a pane's option, tell a client) rather than
//! which argv does it.

use super::command::{escape_format, TmuxCommand};
use super::target;

/// Sets the user option `name` of the pane `pane` (a pane id or target) to `value`, literally.
pub fn set_pane_option(pane: &str, name: &str, value: &str) -> TmuxCommand {
    TmuxCommand::new("set-option").flag("-p").value("-t", pane).arg(name).arg(value)
}

/// Sets the pane's option `name` to the expansion of the tmux format `format` (`set-option -F`).
pub fn set_pane_option_format(pane: &str, name: &str, format: &str) -> TmuxCommand {
    TmuxCommand::new("set-option").flag("-p").flag("-F").value("-t", pane).arg(name).arg(format)
}

/// Sets the option `name` of the session `session` (a target such as [`target::session`]).
pub fn set_session_option(session: &str, name: &str, value: &str) -> TmuxCommand {
    TmuxCommand::new("set-option").value("-t", session).arg(name).arg(value)
}

/// Sets the server's option `name` (`set-option -g`).
pub fn set_global_option(name: &str, value: &str) -> TmuxCommand {
    TmuxCommand::new("set-option").flag("-g").arg(name).arg(value)
}

/// Unsets the server's option `name`.
pub fn unset_global_option(name: &str) -> TmuxCommand {
    TmuxCommand::new("set-option").flag("-gu").arg(name)
}

/// Shows `message` in `client`'s status line for tmux's `display-time`, exactly as written (`#`
/// is not expanded as a format).
pub fn tell(client: &str, message: &str) -> TmuxCommand {
    TmuxCommand::new("display-message").value("-c", client).arg(&escape_format(message))
}

/// [`tell`], shown for `millis` milliseconds.
pub fn tell_for(client: &str, message: &str, millis: u32) -> TmuxCommand {
    TmuxCommand::new("display-message")
        .value("-c", client)
        .literal("-d", &millis.to_string())
        .arg(&escape_format(message))
}

/// Switches `client` (default: the client the command runs under) to `target`, a session,
/// window or pane target.
pub fn switch_client(client: Option<&str>, target: &str) -> TmuxCommand {
    let command = TmuxCommand::new("switch-client");
    let command = match client {
        Some(client) => command.value("-c", client),
        None => command,
    };
    command.value("-t", target)
}

/// Succeeds when the session called exactly `name` exists.
pub fn has_session(name: &str) -> TmuxCommand {
    TmuxCommand::new("has-session").value("-t", &target::session(name))
}

/// Kills the session called exactly `name`.
pub fn kill_session(name: &str) -> TmuxCommand {
    TmuxCommand::new("kill-session").value("-t", &target::session(name))
}

/// Keeps a window at `width` × `height` while its panes are made. With tmux's default
/// `window-size latest`, a new window takes the size of the latest client anywhere on the server,
/// `new-session -x -y` notwithstanding: a small terminal or popup made the splits fail with "no
/// space for new pane". `resize-window` pins the window (it sets its `window-size` to manual);
/// [`release_size`] at the end of the chain hands it back to the clients.
pub fn hold_size(window: &str, width: &str, height: &str) -> TmuxCommand {
    TmuxCommand::new("resize-window").value("-t", window).value("-x", width).value("-y", height)
}

/// Undoes [`hold_size`]: the window follows the server's `window-size` again (at the next resize,
/// such as a client switching to it).
pub fn release_size(window: &str) -> TmuxCommand {
    TmuxCommand::new("set-option").flag("-w").flag("-u").value("-t", window).arg("window-size")
}

/// Every pane of the server (`list-panes -a`), for [`crate::tmux::Tmux::query`] and its kin to
/// give a record's format.
pub fn all_panes() -> TmuxCommand {
    TmuxCommand::new("list-panes").flag("-a")
}

/// Every pane of the session called exactly `name` (`list-panes -s`).
pub fn session_panes(name: &str) -> TmuxCommand {
    TmuxCommand::new("list-panes").flag("-s").value("-t", &target::session(name))
}

/// Every session of the server, one line each.
pub fn sessions() -> TmuxCommand {
    TmuxCommand::new("list-sessions")
}

/// The value of the option `name` of `target` (a session or pane target) alone, nothing when it
/// is unset (`show-options -qv`).
pub fn show_option_value(target: &str, name: &str) -> TmuxCommand {
    TmuxCommand::new("show-options").flag("-qv").value("-t", target).arg(name)
}

/// Prints the tmux format `format` expanded (`display-message -p`), for the server's current
/// session, window and pane.
pub fn expand(format: &str) -> TmuxCommand {
    TmuxCommand::new("display-message").flag("-p").arg(format)
}

/// [`expand`] for `target`: a session, window or pane target.
pub fn expand_at(target: &str, format: &str) -> TmuxCommand {
    TmuxCommand::new("display-message").flag("-p").value("-t", target).arg(format)
}

/// [`expand`] for what `client` shows (its session, window and pane).
pub fn expand_for_client(client: &str, format: &str) -> TmuxCommand {
    TmuxCommand::new("display-message").flag("-p").value("-c", client).arg(format)
}

/// Types `text` into `pane` as it is (`send-keys -l`): no key names, nothing run until Enter.
pub fn type_text(pane: &str, text: &str) -> TmuxCommand {
    TmuxCommand::new("send-keys").value("-t", pane).flag("-l").arg(text)
}

/// Presses Enter in `pane`.
pub fn press_enter(pane: &str) -> TmuxCommand {
    TmuxCommand::new("send-keys").value("-t", pane).arg("Enter")
}

/// Makes `pane` its window's active pane.
pub fn select_pane(pane: &str) -> TmuxCommand {
    TmuxCommand::new("select-pane").value("-t", pane)
}

/// Sets `pane`'s title to `title`, exactly as written.
pub fn set_pane_title(pane: &str, title: &str) -> TmuxCommand {
    TmuxCommand::new("select-pane").value("-t", pane).literal("-T", title)
}

/// Makes `window` (a window or pane target) its session's current window.
pub fn select_window(window: &str) -> TmuxCommand {
    TmuxCommand::new("select-window").value("-t", window)
}

/// Lays the panes of `window` out by `layout`: a preset (`tiled`) or a saved layout string.
pub fn select_layout(window: &str, layout: &str) -> TmuxCommand {
    TmuxCommand::new("select-layout").value("-t", window).arg(layout)
}

/// Renames the session called exactly `name` to `new_name`, exactly as written: tmux expands
/// the new name as a format (`#{…}` would be filled in, `#(…)` run), so `#` is doubled.
pub fn rename_session(name: &str, new_name: &str) -> TmuxCommand {
    TmuxCommand::new("rename-session").value("-t", &target::session(name)).arg(&escape_format(new_name))
}

/// Every client attached to the server.
pub fn clients() -> TmuxCommand {
    TmuxCommand::new("list-clients")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_build_the_argv_they_name() {
        assert_eq!(
            set_pane_option("%3", "@cdev_role", "git").args(),
            ["set-option", "-p", "-t", "%3", "@cdev_role", "git"]
        );
        assert_eq!(
            tell("/dev/pts/1", "cdev: #1 done").args(),
            ["display-message", "-c", "/dev/pts/1", "cdev: ##1 done"]
        );
        assert_eq!(tell_for("c", "x", 4000).args(), ["display-message", "-c", "c", "-d", "4000", "x"]);
        assert_eq!(switch_client(None, "=s:").args(), ["switch-client", "-t", "=s:"]);
        assert_eq!(has_session("s").args(), ["has-session", "-t", "=s:"]);
        assert_eq!(
            rename_session("s", "a#{session_id}#(touch x)").args(),
            ["rename-session", "-t", "=s:", "a##{session_id}##(touch x)"]
        );
        assert_eq!(session_panes("s").args(), ["list-panes", "-s", "-t", "=s:"]);
        assert_eq!(
            expand_for_client("c", "#{pane_id}").args(),
            ["display-message", "-p", "-c", "c", "#{pane_id}"]
        );
    }
}
