//! Merging cdev's hooks into a user's Claude Code `settings.json`: adding is idempotent, removing
//! takes out every cdev entry, and every key but `hooks` is left exactly as it was.
#![no_main]

use std::path::Path;

use cdev::agent::settings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(original) = settings::parse(Path::new("settings.json"), text) else { return };
    let cdev = Path::new("/opt/my tools/cdev");
    let mut merged = original.clone();
    if settings::add_hooks(&mut merged, cdev).is_err() {
        return;
    }
    let mut twice = merged.clone();
    settings::add_hooks(&mut twice, cdev).expect("a merged file merges again");
    assert_eq!(twice, merged, "adding the hooks twice changed the file");
    let mut removed = merged.clone();
    settings::remove_hooks(&mut removed);
    let hooks = removed.get("hooks").and_then(|h| h.as_object());
    for groups in hooks.into_iter().flat_map(|h| h.values()) {
        for group in groups.as_array().into_iter().flatten() {
            for hook in group.get("hooks").and_then(|h| h.as_array()).into_iter().flatten() {
                let command = hook.get("command").and_then(|c| c.as_str()).unwrap_or("");
                assert!(!settings::is_cdev_command(command), "{command:?} left behind");
            }
        }
    }
    let others = |value: &serde_json::Value| {
        let mut object = value.as_object().cloned().unwrap_or_default();
        object.shift_remove("hooks");
        object
    };
    assert_eq!(others(&removed), others(&original), "a key other than hooks changed");
});
