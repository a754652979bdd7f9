//! Merging into and taking out of real settings files: what stays, byte for byte.

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
    assert_eq!(install(&path, Path::new(CDEV)).unwrap().outcome, Outcome::Changed);
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
    assert_eq!(install(&path, Path::new(CDEV)).unwrap().outcome, Outcome::Unchanged);
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
    let (_dir, path) = settings("{\n\"model\": \"opus\",\n\"hooks\": []}");
    let err = install(&path, Path::new(CDEV)).unwrap_err().downcast::<InputError>().unwrap();
    assert_eq!((err.key.as_deref(), err.line), (Some("hooks"), Some(3)), "the key and its line");
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
fn the_users_text_survives_byte_for_byte() {
    // Their indentation, their one-line objects, numbers past f64 as they wrote them: only
    // cdev's own lines come and go.
    let user = "{\n    \"model\": \"opus\",\n    \"big\": 12345678901234567890123,\n    \"ver\": 1.10,\n    \"permissions\": {\"allow\": [\"Bash(ls)\"]}\n}\n";
    let (_dir, path) = settings(user);
    install(&path, Path::new(CDEV)).unwrap();
    let installed = fs::read_to_string(&path).unwrap();
    assert!(installed.starts_with("{\n    \"model\": \"opus\",\n    \"big\": 12345678901234567890123,\n    \"ver\": 1.10,\n    \"permissions\": {\"allow\": [\"Bash(ls)\"]},\n    \"hooks\": {\n        \"SessionStart\": ["), "{installed}");
    assert_eq!(uninstall(&path).unwrap(), Outcome::Changed);
    assert_eq!(fs::read_to_string(&path).unwrap(), user);
}

#[test]
fn the_users_status_line_is_chained_and_given_back() {
    let user = r#"{"statusLine": {"type": "command", "command": "~/bin/my line.sh --fast", "padding": 0}}"#;
    let (_dir, path) = settings(user);
    let chained = Some("~/bin/my line.sh --fast".to_string());
    assert_eq!(install(&path, Path::new(CDEV)).unwrap(), Installed { outcome: Outcome::Changed, chained });
    let after: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        after["statusLine"]["command"],
        "'/opt/my tools/cdev' claude statusline --then '~/bin/my line.sh --fast'"
    );
    assert_eq!(after["statusLine"]["padding"], 0);
    assert_eq!(install(&path, Path::new(CDEV)).unwrap().outcome, Outcome::Unchanged, "chained once");
    uninstall(&path).unwrap();
    let after: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(after, serde_json::from_str::<Value>(user).unwrap());
    // No statusLine before: none after.
    let (_dir, path) = settings("{}");
    assert_eq!(install(&path, Path::new(CDEV)).unwrap().chained, None, "nothing of the user's to chain");
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

#[test]
fn a_key_written_twice_is_refused_not_half_edited() {
    // Found by the settings_merge fuzz target: with two "hooks" objects, an edit of one left cdev's
    // hook in the other.
    // And deeper: a hook entry with two "command"s (Claude Code runs the last, cdev's, which an
    // uninstall reading the first would have left behind), a statusLine with two.
    for text in [
        r#"{"hooks": {}, "model": "opus", "hooks": {"Stop": []}}"#,
        r#"{"hooks": {"Stop": [], "Stop": []}}"#,
        r#"{"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "x", "command": "/b/cdev claude hook"}]}]}}"#,
        r#"{"statusLine": {"type": "command", "command": "a", "command": "b"}}"#,
    ] {
        let (_dir, path) = settings(text);
        let err = install(&path, Path::new(CDEV)).unwrap_err();
        assert!(format!("{err:#}").contains("appears twice"), "{err:#}");
        assert_eq!(fs::read_to_string(&path).unwrap(), text, "the file is left as it was");
    }
}
