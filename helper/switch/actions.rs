//! What the picker's keys do besides Enter: rename a session (ctrl-r), pick a template for a new
//! one (ctrl-t), and the pause that lets a message be read before the picker redraws.

use std::sync::Arc;

use anyhow::{bail, Context as _, Result};

use crate::context::Context;
use crate::naming;
use crate::picker::{self, Entry, Outcome};
use crate::prompt;
use crate::tmux::{verbs, Tmux};

/// Lets a message be read before the picker redraws over it.
pub(super) fn pause() {
    let _ = prompt::confirm("(Enter to go back) ");
}

pub(super) fn rename(tmux: &Tmux, name: &str) -> Result<()> {
    let Some(new_name) = prompt::ask(&format!("New name for {name}: "))? else { return Ok(()) };
    if new_name.is_empty() || new_name == name {
        return Ok(());
    }
    if !naming::is_valid_session_name(&new_name) {
        bail!(
            "could not rename {name}: {new_name:?} is not a name tmux keeps as it is (no `.`, `:`, `#`, `\\`, spaces; not starting with `-`, `$`, `@`, `%`, `=`)"
        );
    }
    tmux.run(verbs::rename_session(name, &new_name))
        .with_context(|| format!("could not rename {name}"))
        .map(drop)
}

pub(super) fn pick_template(context: &Context) -> Result<Option<String>> {
    let registry = context.templates()?;
    let names: Vec<String> = registry.names().map(str::to_string).collect();
    let entries = names
        .iter()
        .map(|name| {
            let shown = registry
                .get(name)
                .and_then(|t| crate::template::shown(&t))
                .unwrap_or_else(|e| format!("{e:#}"));
            Entry { line: name.clone(), preview: Arc::new(move || shown.clone()) }
        })
        .collect();
    match picker::pick("template> ", "the template for the new session · esc: back", &[], entries, |_| {})? {
        Outcome::Chosen { index, .. } => Ok(names.get(index).cloned()),
        Outcome::Cancelled => Ok(None),
    }
}
