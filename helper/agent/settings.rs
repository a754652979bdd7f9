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

/// The events cdev listens to: those that move an agent's state (DESIGN.md's table), and no
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
    add_hooks(&mut root, cdev).map_err(|(key, message)| InputError::in_file(path, message).with_key(key))?;
    chain_status_line(&mut root, cdev)
        .map_err(|message| InputError::in_file(path, message).with_key("statusLine"))?;
    save_if_changed(path, &root, &original)
}

/// Makes cdev's statusLine command the one Claude Code runs, chaining the user's (`--then`):
/// their line keeps showing exactly what it showed. Its other keys (`padding`) are kept.
pub fn chain_status_line(root: &mut Value, cdev: &Path) -> Result<(), &'static str> {
    let object = root.as_object_mut().ok_or("not a JSON object")?;
    let line = object.entry("statusLine").or_insert_with(|| json!({ "type": "command" }));
    let line = line.as_object_mut().ok_or("`statusLine` is not an object")?;
    let current = line.get("command").and_then(Value::as_str).map(str::to_string);
    let then = match current.as_deref().map(super::usage::chained) {
        Some(super::usage::Chained::Cdev(then)) => then,
        Some(super::usage::Chained::Other) => current,
        None => None,
    };
    line.insert("type".into(), json!("command"));
    line.insert("command".into(), json!(super::usage::statusline_command(cdev, then.as_deref())));
    Ok(())
}

/// Gives the user back their own statusLine (what cdev's chained), or none if they had none.
pub fn unchain_status_line(root: &mut Value) {
    let Some(object) = root.as_object_mut() else { return };
    let command = object.get("statusLine").and_then(|l| l.get("command")).and_then(Value::as_str);
    let Some(super::usage::Chained::Cdev(then)) = command.map(super::usage::chained) else { return };
    match then {
        Some(then) => object["statusLine"]["command"] = json!(then),
        None => {
            object.shift_remove("statusLine");
        }
    }
}

/// Removes exactly cdev's hook entries, and only the groups, events and `hooks` object that
/// this removal leaves empty (the user's own empty ones stay).
pub fn uninstall(path: &Path) -> Result<Outcome> {
    if !path.exists() {
        return Ok(Outcome::Unchanged);
    }
    let (mut root, original) = read_settings(path)?;
    remove_hooks(&mut root);
    unchain_status_line(&mut root);
    save_if_changed(path, &root, &original)
}

/// Parses a settings file's text: empty text is `{}`; anything but a JSON object is refused.
pub fn parse(path: &Path, text: &str) -> Result<Value> {
    if text.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let value: Value = serde_json::from_str(text).map_err(|err| InputError::from_json(path, &err))?;
    if !value.is_object() {
        bail!(InputError::in_file(path, "the settings are not a JSON object"));
    }
    Ok(value)
}

/// Merges cdev's hook into every event of `root` (an object, as `parse` gives). The error is the
/// key that is not what Claude Code's schema says, and why.
pub fn add_hooks(root: &mut Value, cdev: &Path) -> Result<(), (String, &'static str)> {
    let object = root.as_object_mut().ok_or_else(|| (String::new(), "not a JSON object"))?;
    let hooks = object.entry("hooks").or_insert_with(|| Value::Object(Map::new()));
    let Some(hooks) = hooks.as_object_mut() else {
        return Err(("hooks".into(), "`hooks` is not an object"));
    };
    let command = hook_command(cdev);
    for event in EVENTS {
        let groups = hooks.entry(event.to_string()).or_insert_with(|| Value::Array(Vec::new()));
        let Some(groups) = groups.as_array_mut() else {
            return Err((format!("hooks.{event}"), "not an array"));
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
    Ok(())
}

/// Takes cdev's hook entries out of `root`, and what that leaves empty (see `uninstall`).
pub fn remove_hooks(root: &mut Value) {
    let mut emptied_hooks = false;
    if let Some(hooks) = root.get_mut("hooks").and_then(Value::as_object_mut) {
        let mut emptied_events = Vec::new();
        for (event, groups) in hooks.iter_mut() {
            let Some(groups) = groups.as_array_mut() else { continue };
            let before = groups.len();
            groups.retain_mut(|group| {
                let Some(list) = group.get_mut("hooks").and_then(Value::as_array_mut) else { return true };
                let had = list.len();
                list.retain(|h| !h.get("command").and_then(Value::as_str).is_some_and(is_cdev_command));
                !(list.is_empty() && had > 0)
            });
            if groups.is_empty() && before > 0 {
                emptied_events.push(event.clone());
            }
        }
        let had_events = !hooks.is_empty();
        for event in emptied_events {
            hooks.shift_remove(&event);
        }
        emptied_hooks = had_events && hooks.is_empty();
    }
    if let (true, Some(object)) = (emptied_hooks, root.as_object_mut()) {
        object.shift_remove("hooks");
    }
}

/// The settings as JSON (a missing file is `{}`) and its text; a malformed file is refused.
fn read_settings(path: &Path) -> Result<(Value, Option<String>)> {
    let text = match crate::bounded::read_text(path, crate::bounded::limit::MANIFEST) {
        Ok(text) => text,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok((Value::Object(Map::new()), None)),
        Err(err) => return Err(err).with_context(|| format!("could not read {}", path.display())),
    };
    Ok((parse(path, &text)?, Some(text)))
}

/// Writes the settings when they changed: through a symlink to its target (dotfile managers
/// link settings.json), keeping the file's mode (it may hold API keys in `env`).
fn save_if_changed(path: &Path, root: &Value, original: &Option<String>) -> Result<Outcome> {
    if let Some(text) = original {
        if serde_json::from_str::<Value>(text).ok().as_ref() == Some(root) {
            return Ok(Outcome::Unchanged);
        }
    }
    let target = match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => fs::canonicalize(path)?,
        _ => path.to_path_buf(),
    };
    let mode = fs::metadata(&target).ok().map(|m| {
        use std::os::unix::fs::PermissionsExt;
        m.permissions().mode() & 0o7777
    });
    let mut text = serde_json::to_string_pretty(root)?;
    text.push('\n');
    store::write_atomic_with_mode(&target, text.as_bytes(), mode)
        .with_context(|| format!("could not write {}", target.display()))?;
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
        assert_eq!(keys, ["model", "permissions", "hooks", "zzz", "statusLine"], "order kept");
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
    fn symlinks_modes_numbers_and_the_users_empty_entries_survive() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("dotfiles-settings.json");
        let user = r#"{"env": {"KEY": "secret"}, "big": 12345678901234567890123, "ver": 1.10, "hooks": {"SubagentStop": []}}"#;
        fs::write(&real, user).unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).unwrap();
        let link = dir.path().join("settings.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();

        install(&link, Path::new(CDEV)).unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "still a link");
        assert_eq!(fs::metadata(&real).unwrap().permissions().mode() & 0o777, 0o600);
        let text = fs::read_to_string(&real).unwrap();
        assert!(text.contains("12345678901234567890123") && text.contains("1.10"), "{text}");
        uninstall(&link).unwrap();
        let after: Value = serde_json::from_str(&fs::read_to_string(&real).unwrap()).unwrap();
        assert_eq!(after["hooks"]["SubagentStop"], serde_json::json!([]), "the user's own empty list stays");
        assert!(after["hooks"].get("SessionStart").is_none());
        // Nothing of cdev's there: nothing to remove, not even the user's empty entries.
        fs::write(&real, r#"{"hooks": {"Stop": []}}"#).unwrap();
        assert_eq!(uninstall(&link).unwrap(), Outcome::Unchanged);
    }

    #[test]
    fn the_users_status_line_is_chained_and_given_back() {
        let user =
            r#"{"statusLine": {"type": "command", "command": "~/bin/my line.sh --fast", "padding": 0}}"#;
        let (_dir, path) = settings(user);
        install(&path, Path::new(CDEV)).unwrap();
        let after: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            after["statusLine"]["command"],
            "'/opt/my tools/cdev' claude statusline --then '~/bin/my line.sh --fast'"
        );
        assert_eq!(after["statusLine"]["padding"], 0);
        assert_eq!(install(&path, Path::new(CDEV)).unwrap(), Outcome::Unchanged, "chained once");
        uninstall(&path).unwrap();
        let after: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(after, serde_json::from_str::<Value>(user).unwrap());
        // No statusLine before: none after.
        let (_dir, path) = settings("{}");
        install(&path, Path::new(CDEV)).unwrap();
        uninstall(&path).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&fs::read_to_string(&path).unwrap()).unwrap(), json!({}));
        let (_dir, path) = settings(r#"{"statusLine": "nope"}"#);
        let err = install(&path, Path::new(CDEV)).unwrap_err().downcast::<InputError>().unwrap();
        assert_eq!(err.key.as_deref(), Some("statusLine"));
    }

    #[test]
    fn recognises_cdev_commands_however_quoted() {
        assert!(is_cdev_command("/usr/local/bin/cdev claude hook"));
        assert!(is_cdev_command("'/home/me/my tools/cdev' claude hook "));
        assert!(!is_cdev_command("my-notifier claude hook-ish"));
        assert!(!is_cdev_command("notify-send done"));
    }
}
