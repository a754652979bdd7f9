//! Checks what serde cannot (windows and panes present, one focus, sizes, layouts, variables,
//! env names), each error naming the template's file, the key and, when the file holds it, its
//! line (`place.rs`).

use std::fs;

use anyhow::{bail, Result};

use super::place::Place;
use super::{render, values, Origin, Template, MAX_PANES_PER_WINDOW, MAX_WINDOWS, MAX_WORKTREES};
use crate::input_error::InputError;
use crate::tmux::layout::{is_layout_string, NAMES as LAYOUT_NAMES};
use crate::tmux::options::MAX_HISTORY_LIMIT;

/// A mistake at `place` of the template read from `origin`, with its line when the file holds it.
pub fn error_at(origin: &Origin, place: &Place, message: impl Into<String>) -> InputError {
    let line = match origin {
        Origin::File(path) => fs::read_to_string(path).ok().and_then(|text| place.line_in(&text)),
        Origin::Builtin => None,
    };
    let error = InputError::new(origin.describe(), message).with_key(place.to_string());
    match line {
        Some(line) => error.at_line(line),
        None => error,
    }
}

pub fn validate(template: &Template) -> Result<()> {
    let fail = |place: Place, message: String| -> anyhow::Error {
        error_at(&template.origin, &place, message).into()
    };
    let top = |key: &str| Place::default().key(key);
    if template.windows.is_empty() {
        bail!(fail(top("windows"), format!("template {:?} has no windows", template.name)));
    }
    if template.windows.len() > MAX_WINDOWS {
        bail!(fail(top("windows"), format!("{} windows (at most {MAX_WINDOWS})", template.windows.len())));
    }
    if template.worktrees > MAX_WORKTREES {
        bail!(fail(top("worktrees"), format!("{} worktrees (at most {MAX_WORKTREES})", template.worktrees)));
    }
    if let Some(limit) = template.history_limit.filter(|l| *l > MAX_HISTORY_LIMIT) {
        bail!(fail(top("history_limit"), format!("{limit} lines (at most {MAX_HISTORY_LIMIT})")));
    }
    let mut focused = false;
    for (w, window) in template.windows.iter().enumerate() {
        let window_at = top("windows").index(w);
        if window.panes.is_empty() {
            bail!(fail(window_at.key("panes"), "a window needs at least one pane".into()));
        }
        if window.panes.len() > MAX_PANES_PER_WINDOW {
            let message = format!("{} panes (at most {MAX_PANES_PER_WINDOW})", window.panes.len());
            bail!(fail(window_at.key("panes"), message));
        }
        if let Some(layout) = &window.layout {
            if !LAYOUT_NAMES.contains(&layout.as_str()) && !is_layout_string(layout) {
                bail!(fail(
                    window_at.key("layout"),
                    format!(
                        "{layout:?} is neither a layout name ({}) nor a saved layout",
                        LAYOUT_NAMES.join(", ")
                    )
                ));
            }
        }
        for (p, pane) in window.panes.iter().enumerate() {
            let key = |field: &str| window_at.clone().key("panes").index(p).key(field);
            if pane.focus && std::mem::replace(&mut focused, true) {
                bail!(fail(key("focus"), "more than one pane has focus = true".into()));
            }
            if let Some(size) = &pane.size {
                if !is_size(size) {
                    bail!(fail(key("size"), format!("{size:?} is not a size (N cells or N%)")));
                }
            }
            // A name in single quotes cannot stay text in any shell (`values.rs`).
            if let Some(command) = &pane.command {
                for dialect in [values::Dialect::Posix, values::Dialect::Fish] {
                    if let Err(message) = values::refer(command, dialect) {
                        bail!(fail(key("command"), message));
                    }
                }
            }
            for (field, value) in [("command", &pane.command), ("title", &pane.title), ("cwd", &pane.cwd)] {
                if let Some(value) = value {
                    for name in render::placeholders(value) {
                        if !template.variables.contains_key(name)
                            && !render::BUILTIN_VARIABLES.contains(&name)
                        {
                            bail!(fail(key(field), format!("unknown variable {{{{{name}}}}}")));
                        }
                    }
                }
            }
        }
    }
    for (key, value) in &template.env {
        if !crate::envfile::is_valid_key(key) {
            bail!(fail(top("env").key(key), "not a valid environment variable name".into()));
        }
        if value.contains('\0') {
            bail!(fail(
                top("env").key(key),
                "holds a NUL byte, which no environment variable can hold".into()
            ));
        }
    }
    Ok(())
}

fn is_size(size: &str) -> bool {
    let digits = size.strip_suffix('%').unwrap_or(size);
    !digits.is_empty() && digits.len() <= 5 && digits.bytes().all(|b| b.is_ascii_digit())
}
