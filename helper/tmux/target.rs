//! Target strings that match exactly one thing. `=NAME:` is an exact session match that every
//! command accepts (a bare `=NAME` fails where tmux expects a pane target, e.g. `set-option`).

/// The session called `name`, never a session whose name merely starts with it.
pub fn session(name: &str) -> String {
    format!("={name}:")
}

/// Window `index` of session `name`.
pub fn window(name: &str, index: u32) -> String {
    format!("={name}:{index}")
}

/// Pane `pane` of window `window` of session `name`.
pub fn pane(name: &str, window: u32, pane: u32) -> String {
    format!("={name}:{window}.{pane}")
}
