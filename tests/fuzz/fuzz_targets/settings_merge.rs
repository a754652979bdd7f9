//! Merging cdev's hooks into a user's Claude Code `settings.json`: adding is idempotent, removing
//! takes out every cdev entry, and every key but `hooks` keeps its exact text.
#![no_main]

use std::path::Path;

use cdev::agent::settings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = Path::new("settings.json");
    let Ok(original) = settings::parse(path, text) else { return };
    let cdev = Path::new("/opt/my tools/cdev");
    let merged = settings::parse(path, text).unwrap();
    if settings::add_hooks(&settings::root_object(&merged), cdev).is_err() {
        return;
    }
    let merged_text = merged.to_string();
    let twice = settings::parse(path, &merged_text).expect("a merged file reads again");
    settings::add_hooks(&settings::root_object(&twice), cdev).expect("a merged file merges again");
    assert_eq!(twice.to_string(), merged_text, "adding the hooks twice changed the file");
    let removed = settings::parse(path, &merged_text).unwrap();
    settings::remove_hooks(&settings::root_object(&removed));
    let value: serde_json::Value = serde_json::from_str(&removed.to_string()).expect("still JSON");
    let hooks = value.get("hooks").and_then(|h| h.as_object());
    for groups in hooks.into_iter().flat_map(|h| h.values()) {
        for group in groups.as_array().into_iter().flatten() {
            for hook in group.get("hooks").and_then(|h| h.as_array()).into_iter().flatten() {
                let command = hook.get("command").and_then(|c| c.as_str()).unwrap_or("");
                assert!(!settings::is_cdev_command(command), "{command:?} left behind");
            }
        }
    }
    // Every other key, as text.
    let others = |root: &cdev::jsonc::CstRootNode| -> Vec<String> {
        let object = settings::root_object(root);
        let props = object.properties().into_iter();
        props
            .filter(|p| p.name().and_then(|n| n.decoded_value().ok()).as_deref() != Some("hooks"))
            .map(|p| p.to_string())
            .collect()
    };
    assert_eq!(others(&removed), others(&original), "a key other than hooks changed");
});
