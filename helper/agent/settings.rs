//! Claude Code hook settings: the file cdev passes to the Claude panes it starts
//! (`claude --settings FILE`, which Claude Code merges with the user's own hooks), and merging
//! cdev's entries into a user's `settings.json` and taking exactly them out again.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};

use crate::input_error::InputError;
use crate::store;

/// The events cdev listens to (DESIGN.md's table).
pub const EVENTS: &[&str] = &[
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "PermissionRequest",
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
    json!({ "hooks": hooks })
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
        Some(root) => root.join(".claude/settings.local.json"),
        None => match std::env::var_os("CLAUDE_CONFIG_DIR").filter(|d| !d.is_empty()) {
            Some(dir) => PathBuf::from(dir).join("settings.json"),
            None => home.join(".claude/settings.json"),
        },
    }
}

/// What an install or uninstall did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Changed,
    Unchanged,
}

/// Adds cdev's hook to every event in the settings file, keeping every other key and hook.
pub fn install(path: &Path, cdev: &Path) -> Result<Outcome> {
    let (mut root, original) = read_settings(path)?;
    let object = root.as_object_mut().expect("checked by read_settings");
    let hooks = object.entry("hooks").or_insert_with(|| Value::Object(Map::new()));
    let Some(hooks) = hooks.as_object_mut() else {
        bail!(InputError::in_file(path, "`hooks` is not an object").with_key("hooks"));
    };
    let command = hook_command(cdev);
    for event in EVENTS {
        let groups = hooks.entry(event.to_string()).or_insert_with(|| Value::Array(Vec::new()));
        let Some(groups) = groups.as_array_mut() else {
            bail!(InputError::in_file(path, "not an array").with_key(format!("hooks.{event}")));
        };
        let mut found = false;
        for group in groups.iter_mut() {
            for hook in group.get_mut("hooks").and_then(Value::as_array_mut).into_iter().flatten() {
                if hook.get("command").and_then(Value::as_str).is_some_and(is_cdev_command) {
                    // Keep one entry, pointing at this binary.
                    if !found {
                        hook["command"] = Value::String(command.clone());
                    }
                    found = true;
                }
            }
        }
        if !found {
            groups.push(json!({ "hooks": [hook_entry(cdev)] }));
        }
    }
    save_if_changed(path, &root, &original)
}

/// Removes exactly cdev's hook entries (and the groups and events they leave empty).
pub fn uninstall(path: &Path) -> Result<Outcome> {
    if !path.exists() {
        return Ok(Outcome::Unchanged);
    }
    let (mut root, original) = read_settings(path)?;
    if let Some(hooks) = root.get_mut("hooks").and_then(Value::as_object_mut) {
        for groups in hooks.values_mut().filter_map(Value::as_array_mut) {
            for group in groups.iter_mut() {
                if let Some(list) = group.get_mut("hooks").and_then(Value::as_array_mut) {
                    list.retain(|h| !h.get("command").and_then(Value::as_str).is_some_and(is_cdev_command));
                }
            }
            groups.retain(|g| g.get("hooks").and_then(Value::as_array).is_none_or(|l| !l.is_empty()));
        }
        hooks.retain(|_, groups| groups.as_array().is_none_or(|g| !g.is_empty()));
        if hooks.is_empty() {
            root.as_object_mut().expect("checked by read_settings").remove("hooks");
        }
    }
    save_if_changed(path, &root, &original)
}

/// The settings as JSON (a missing file is `{}`) and its text; a malformed file is refused.
fn read_settings(path: &Path) -> Result<(Value, Option<String>)> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok((Value::Object(Map::new()), None)),
        Err(err) => return Err(err).with_context(|| format!("could not read {}", path.display())),
    };
    if text.trim().is_empty() {
        return Ok((Value::Object(Map::new()), Some(text)));
    }
    let value: Value = serde_json::from_str(&text).map_err(|err| InputError::from_json(path, &err))?;
    if !value.is_object() {
        bail!(InputError::in_file(path, "the settings are not a JSON object"));
    }
    Ok((value, Some(text)))
}

fn save_if_changed(path: &Path, root: &Value, original: &Option<String>) -> Result<Outcome> {
    if let Some(text) = original {
        if serde_json::from_str::<Value>(text).ok().as_ref() == Some(root) {
            return Ok(Outcome::Unchanged);
        }
    }
    let mut text = serde_json::to_string_pretty(root)?;
    text.push('\n');
    store::write_atomic(path, text.as_bytes())
        .with_context(|| format!("could not write {}", path.display()))?;
    Ok(Outcome::Changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CDEV: &str = "/opt/my tools/cdev";

    fn settings(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn install_keeps_everything_else_and_is_idempotent() {
        let user = r#"{
  "model": "opus",
  "permissions": {"allow": ["Bash(ls)"]},
  "hooks": {
    "Stop": [{"matcher": "", "hooks": [{"type": "command", "command": "notify-send done"}]}]
  },
  "zzz": 1
}"#;
        let (_dir, path) = settings(user);
        assert_eq!(install(&path, Path::new(CDEV)).unwrap(), Outcome::Changed);
        let after: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let keys: Vec<&str> = after.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["model", "permissions", "hooks", "zzz"], "order kept");
        assert_eq!(after["permissions"]["allow"][0], "Bash(ls)");
        let stop = after["hooks"]["Stop"].as_array().unwrap();
        assert_eq!(stop[0]["hooks"][0]["command"], "notify-send done", "the user's hook is kept first");
        assert_eq!(stop[1]["hooks"][0]["command"], "'/opt/my tools/cdev' claude hook");
        for event in EVENTS {
            assert!(after["hooks"][event].is_array(), "{event}");
        }
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(install(&path, Path::new(CDEV)).unwrap(), Outcome::Unchanged);
        assert_eq!(fs::read_to_string(&path).unwrap(), text, "byte for byte");
    }

    #[test]
    fn a_moved_binary_updates_the_entry_instead_of_adding_one() {
        let (_dir, path) = settings("{}");
        install(&path, Path::new("/old/cdev")).unwrap();
        install(&path, Path::new("/new/cdev")).unwrap();
        let after: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let stop = after["hooks"]["Stop"].as_array().unwrap();
        assert_eq!(stop.len(), 1);
        assert_eq!(stop[0]["hooks"][0]["command"], "/new/cdev claude hook");
    }

    #[test]
    fn uninstall_removes_exactly_cdevs_entries() {
        let user = r#"{"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}]}, "x": true}"#;
        let (_dir, path) = settings(user);
        install(&path, Path::new(CDEV)).unwrap();
        assert_eq!(uninstall(&path).unwrap(), Outcome::Changed);
        let after: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(after, serde_json::from_str::<Value>(user).unwrap());
        assert_eq!(uninstall(&path).unwrap(), Outcome::Unchanged);
    }

    #[test]
    fn malformed_settings_are_refused_with_their_line_and_left_alone() {
        let broken = "{\n  \"hooks\": {\n    \"Stop\": [,]\n  }\n}\n";
        let (_dir, path) = settings(broken);
        let err = install(&path, Path::new(CDEV)).unwrap_err().downcast::<InputError>().unwrap();
        assert_eq!(err.line, Some(3));
        assert_eq!(fs::read_to_string(&path).unwrap(), broken);
        let (_dir, path) = settings("[1, 2]");
        assert!(install(&path, Path::new(CDEV)).is_err());
        let (_dir, path) = settings("{\"hooks\": []}");
        let err = install(&path, Path::new(CDEV)).unwrap_err().downcast::<InputError>().unwrap();
        assert_eq!(err.key.as_deref(), Some("hooks"));
    }

    #[test]
    fn recognises_cdev_commands_however_quoted() {
        assert!(is_cdev_command("/usr/local/bin/cdev claude hook"));
        assert!(is_cdev_command("'/home/me/my tools/cdev' claude hook "));
        assert!(!is_cdev_command("my-notifier claude hook-ish"));
        assert!(!is_cdev_command("notify-send done"));
    }
}
