//! Claude Code hook settings: the file cdev passes to the Claude panes it starts
//! (`claude --settings FILE`, which Claude Code merges with the user's own hooks), and merging
//! cdev's entries into a user's `settings.json` and taking exactly them out again, as edits of
//! its syntax tree (`crate::jsonc`): the rest of the file keeps its text.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};

use crate::input_error::InputError;
use crate::jsonc::{self, CstInputValue, CstNode, CstObject, CstObjectProp, CstRootNode, Dialect};
use crate::store;

/// The events cdev listens to: those that move an agent's state (`agent::transition`), and no
/// more, since each one costs a process per event. Not `WorktreeCreate`: a hook for it replaces
/// Claude Code's own `git worktree add` (it must print the new path); the worktrees Claude makes
/// are found through git instead (`worktree::statuses`).
pub const EVENTS: &[&str] = &[
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "PermissionRequest",
    "PermissionDenied",
    "Elicitation",
    "ElicitationResult",
    "Notification",
    "Stop",
    "StopFailure",
    "SessionEnd",
];

/// The hook command: the cdev binary, shell-quoted (Claude Code runs hooks through a shell).
pub fn hook_command(cdev: &Path) -> String {
    format!("{} claude hook", shell_words::quote(&cdev.to_string_lossy()))
}

/// Whether a hook command is one of cdev's (any cdev binary, any quoting).
pub fn is_cdev_command(command: &str) -> bool {
    let command = command.trim_end();
    command.ends_with(" claude hook") && command.contains("cdev")
}

/// `{"hooks": {EVENT: [{"hooks": [{"type": "command", "command": …}]}], …}}`
pub fn hooks_settings(cdev: &Path) -> Value {
    let mut hooks = Map::new();
    for event in EVENTS {
        hooks.insert(event.to_string(), json!([{ "hooks": [hook_entry(cdev)] }]));
    }
    // The statusLine records cost and context, and prints the user's own line (it finds their
    // command in their settings at run time: this one overrides it for the panes cdev starts).
    let status_line = json!({ "type": "command", "command": super::usage::statusline_command(cdev, None) });
    json!({ "hooks": hooks, "statusLine": status_line })
}

fn hook_entry(cdev: &Path) -> Value {
    json!({ "type": "command", "command": hook_command(cdev), "timeout": 10 })
}

/// Writes the settings file given to `claude --settings`, only when its content changed.
pub fn write_settings_file(path: &Path, cdev: &Path) -> Result<()> {
    let mut text = serde_json::to_vec_pretty(&hooks_settings(cdev))?;
    text.push(b'\n');
    if fs::read(path).is_ok_and(|current| current == text) {
        return Ok(());
    }
    store::write_atomic(path, &text).with_context(|| format!("could not write {}", path.display()))
}

/// The user's settings file: `$CLAUDE_CONFIG_DIR/settings.json` (default `~/.claude`), or with
/// `project` the project's `.claude/settings.local.json`.
pub fn user_settings_path(home: &Path, project: Option<&Path>) -> PathBuf {
    match project {
        Some(root) => super::claude::project_settings(root)[0].clone(),
        None => super::claude::user_settings(&super::claude::config_dir(home)),
    }
}

/// What an install or uninstall did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Changed,
    Unchanged,
}

/// What an install did, and the user's own statusLine command that cdev's now runs after itself
/// (chained now, or by an earlier install).
#[derive(Debug, PartialEq, Eq)]
pub struct Installed {
    pub outcome: Outcome,
    pub chained: Option<String>,
}

/// Adds cdev's hook to every event in the settings file, keeping every other key and hook, and
/// the text of everything cdev does not change (the user's layout, numbers as written).
pub fn install(path: &Path, cdev: &Path) -> Result<Installed> {
    let (root, original) = read_settings(path)?;
    let object = root_object(&root);
    add_hooks(&object, cdev).map_err(|bad| bad.in_file(path))?;
    let chained = chain_status_line(&object, cdev).map_err(|bad| bad.in_file(path))?;
    Ok(Installed { outcome: save_if_changed(path, &root, &original)?, chained })
}

/// A key of the settings that is not what Claude Code's schema says: which, where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadKey {
    pub key: String,
    pub line: usize,
    pub message: &'static str,
}

impl BadKey {
    fn at(key: impl Into<String>, node: impl Into<CstNode>, message: &'static str) -> BadKey {
        BadKey { key: key.into(), line: jsonc::line_of(&node.into()), message }
    }

    fn in_file(self, path: &Path) -> InputError {
        InputError::in_file(path, self.message).at_line(self.line).with_key(self.key)
    }
}

/// Makes cdev's statusLine command the one Claude Code runs, chaining the user's (`--then`):
/// their line keeps showing exactly what it showed. Its other keys (`padding`) are kept. Returns
/// the user's command that is chained, if there is one.
pub fn chain_status_line(root: &CstObject, cdev: &Path) -> Result<Option<String>, BadKey> {
    let line = match root.get("statusLine") {
        Some(line) => line.object_value().ok_or_else(|| BadKey::at("statusLine", line, "not an object"))?,
        None => {
            let line = root.append("statusLine", CstInputValue::Object(Vec::new()));
            line.object_value().ok_or_else(|| BadKey::at("statusLine", line, "could not be added"))?
        }
    };
    let current = jsonc::string(line.get("command").and_then(|c| c.value()));
    let then = match current.as_deref().map(super::usage::chained) {
        Some(super::usage::Chained::Cdev(then)) => then,
        Some(super::usage::Chained::Other) => current,
        None => None,
    };
    jsonc::set_string(&line, "type", "command");
    jsonc::set_string(&line, "command", &super::usage::statusline_command(cdev, then.as_deref()));
    Ok(then)
}

/// Gives the user back their own statusLine (what cdev's chained), or none if they had none.
pub fn unchain_status_line(root: &CstObject) {
    let Some(line) = root.object_value("statusLine") else { return };
    let command = jsonc::string(line.get("command").and_then(|c| c.value()));
    let Some(super::usage::Chained::Cdev(then)) = command.as_deref().map(super::usage::chained) else {
        return;
    };
    match then {
        Some(then) => jsonc::set_string(&line, "command", &then),
        None => root.get("statusLine").into_iter().for_each(|prop| prop.remove()),
    }
}

/// Removes exactly cdev's hook entries, and only the groups, events and `hooks` object that
/// this removal leaves empty (the user's own empty ones stay).
pub fn uninstall(path: &Path) -> Result<Outcome> {
    if !path.exists() {
        return Ok(Outcome::Unchanged);
    }
    let (root, original) = read_settings(path)?;
    let object = root_object(&root);
    remove_hooks(&object);
    unchain_status_line(&object);
    save_if_changed(path, &root, &original)
}

/// Parses a settings file's text (plain JSON, as Claude Code reads it): empty text is `{}`;
/// anything but a JSON object is refused.
pub fn parse(path: &Path, text: &str) -> Result<CstRootNode> {
    let text = if text.trim().is_empty() { "{}" } else { text };
    let root = jsonc::parse(text, Dialect::Json)
        .map_err(|err| InputError::in_file(path, err.message).at_line(err.line))?;
    let Some(object) = root.object_value() else {
        bail!(InputError::in_file(path, "the settings are not a JSON object"));
    };
    // Claude Code reads the last of two same-named keys; an edit of the first would change
    // nothing it reads, and one of the last would leave the first behind: refuse to guess, at
    // the top and anywhere inside what cdev reads and edits (a hook entry with two "command"s
    // too). Elsewhere a repeated key is the user's business.
    let mut found = duplicate_key(&object);
    for key in ["hooks", "statusLine"] {
        if found.is_none() {
            found = object.get(key).and_then(|prop| prop.value()).and_then(|v| duplicate_within(&v, key));
        }
    }
    if let Some((key, second)) = found {
        let bad = BadKey::at(key, second, "appears twice (Claude Code reads the last one)");
        bail!(bad.in_file(path));
    }
    Ok(root)
}

/// The first key repeated anywhere inside `node` (objects and arrays, to any depth), by its
/// path from `at` (`hooks.Stop[0].hooks[1].command`), and its second property.
fn duplicate_within(node: &CstNode, at: &str) -> Option<(String, CstObjectProp)> {
    if let Some(object) = node.as_object() {
        if let Some((key, second)) = duplicate_key(&object) {
            return Some((format!("{at}.{key}"), second));
        }
        return object.properties().into_iter().find_map(|prop| {
            let name = prop.name()?.decoded_value().ok()?;
            duplicate_within(&prop.value()?, &format!("{at}.{name}"))
        });
    }
    let array = node.as_array()?;
    array
        .elements()
        .iter()
        .enumerate()
        .find_map(|(i, element)| duplicate_within(element, &format!("{at}[{i}]")))
}

/// A property name that `object` holds more than once, and its second property.
fn duplicate_key(object: &CstObject) -> Option<(String, CstObjectProp)> {
    let mut seen = std::collections::HashSet::new();
    object
        .properties()
        .into_iter()
        .filter_map(|p| Some((p.name()?.decoded_value().ok()?, p)))
        .find(|(name, _)| !seen.insert(name.clone()))
}

/// The object a [`parse`]d root holds.
pub fn root_object(root: &CstRootNode) -> CstObject {
    root.object_value_or_set()
}

/// Merges cdev's hook into every event of `root`. The error is the key that is not what Claude
/// Code's schema says, and why.
pub fn add_hooks(root: &CstObject, cdev: &Path) -> Result<(), BadKey> {
    let hooks = match root.get("hooks") {
        Some(hooks) => hooks.object_value().ok_or_else(|| BadKey::at("hooks", hooks, "not an object"))?,
        None => {
            let hooks = root.append("hooks", CstInputValue::Object(Vec::new()));
            hooks.object_value().ok_or_else(|| BadKey::at("hooks", hooks, "could not be added"))?
        }
    };
    let command = hook_command(cdev);
    for event in EVENTS {
        let not_an_array = |groups| BadKey::at(format!("hooks.{event}"), groups, "not an array");
        let groups = match hooks.get(event) {
            Some(groups) => groups.array_value().ok_or_else(|| not_an_array(groups))?,
            None => {
                let groups = hooks.append(event, CstInputValue::Array(Vec::new()));
                groups.array_value().ok_or_else(|| not_an_array(groups))?
            }
        };
        let mut found = false;
        for hook in groups.elements().iter().flat_map(group_hooks) {
            let Some(entry) = hook.as_object() else { continue };
            if jsonc::string(entry.get("command").and_then(|c| c.value()))
                .is_some_and(|c| is_cdev_command(&c))
            {
                // Keep one entry, pointing at this binary.
                if !found {
                    jsonc::set_string(&entry, "command", &command);
                }
                found = true;
            }
        }
        if !found {
            groups.append(jsonc::input(&json!({ "hooks": [hook_entry(cdev)] })));
        }
    }
    Ok(())
}

/// The entries of a group's `hooks` list (none when the group is not `{"hooks": [...]}`).
fn group_hooks(group: &CstNode) -> Vec<CstNode> {
    group.as_object().and_then(|g| g.array_value("hooks")).map(|list| list.elements()).unwrap_or_default()
}

fn is_cdev_entry(hook: &CstNode) -> bool {
    jsonc::string_at(hook, "command").is_some_and(|c| is_cdev_command(&c))
}

/// Takes cdev's hook entries out of `root`, and what that leaves empty (see `uninstall`).
pub fn remove_hooks(root: &CstObject) {
    let Some(hooks) = root.object_value("hooks") else { return };
    let events = hooks.properties();
    let had_events = !events.is_empty();
    for event in events {
        let Some(groups) = event.array_value() else { continue };
        let groups = groups.elements();
        let before = groups.len();
        let mut emptied = 0;
        for group in groups {
            let list = group_hooks(&group);
            let ours: Vec<CstNode> = list.iter().filter(|h| is_cdev_entry(h)).cloned().collect();
            let all_ours = !list.is_empty() && ours.len() == list.len();
            ours.into_iter().for_each(CstNode::remove);
            if all_ours {
                group.remove();
                emptied += 1;
            }
        }
        if before > 0 && emptied == before {
            event.remove();
        }
    }
    if had_events && hooks.properties().is_empty() {
        root.get("hooks").into_iter().for_each(|prop| prop.remove());
    }
}

/// The settings (a missing file is `{}`) and their text; a malformed file is refused.
fn read_settings(path: &Path) -> Result<(CstRootNode, Option<String>)> {
    let text = match crate::bounded::read_text(path, crate::bounded::limit::MANIFEST) {
        Ok(text) => text,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok((parse(path, "")?, None)),
        Err(err) => return Err(err).with_context(|| format!("could not read {}", path.display())),
    };
    Ok((parse(path, &text)?, Some(text)))
}

/// Writes the settings when their text changed: through a symlink to its target (dotfile
/// managers link settings.json), keeping the file's mode (it may hold API keys in `env`).
fn save_if_changed(path: &Path, root: &CstRootNode, original: &Option<String>) -> Result<Outcome> {
    let mut text = root.to_string();
    if original.as_deref() == Some(text.as_str()) {
        return Ok(Outcome::Unchanged);
    }
    // A file cdev writes whole (there was none, or it was empty) ends with a newline.
    if original.as_deref().is_none_or(|o| o.trim().is_empty()) && !text.ends_with('\n') {
        text.push('\n');
    }
    let target = match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).with_context(|| format!("could not follow the link {}", path.display()))?
        }
        _ => path.to_path_buf(),
    };
    let mode = fs::metadata(&target).ok().map(|m| {
        use std::os::unix::fs::PermissionsExt;
        m.permissions().mode() & 0o7777
    });
    store::write_atomic_with_mode(&target, text.as_bytes(), mode)
        .with_context(|| format!("could not write {}", target.display()))?;
    Ok(Outcome::Changed)
}

#[cfg(test)]
mod tests;
