//! The configuration as text: `cdev config`'s lines (`key = value  # source`, then the hosts as
//! config.toml holds them); its tests hold README.md's list of keys to the table.

use super::{Config, KEYS};

impl Config {
    /// Every key as `key = value  # source`, the value as config.toml would say it; then the
    /// `[hosts.NAME]` tables (none: nothing).
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        for key in KEYS {
            let (value, source) = (key.shown)(self);
            text.push_str(&format!("{} = {value}  # {source}\n", key.name));
        }
        for (name, host) in &self.hosts {
            let table = toml::to_string(host).unwrap_or_default();
            text.push_str(&format!("\n[hosts.{}]\n{}\n", toml_key(name), table.trim_end()));
        }
        text
    }
}

/// A table name as TOML writes it: bare when it can be, else quoted.
fn toml_key(name: &str) -> String {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        name.to_string()
    } else {
        toml::Value::String(name.to_string()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::Paths;
    use std::path::PathBuf;

    /// Every key with its doc line and its default, as README.md lists them (`~` for the home).
    fn documented_defaults() -> String {
        let paths = Paths {
            home: PathBuf::from("~"),
            config_dir: PathBuf::new(),
            state_dir: PathBuf::new(),
            cache_dir: PathBuf::new(),
        };
        KEYS.iter().map(|key| format!("#{}\n{} = {}\n", key.doc, key.name, (key.default)(&paths))).collect()
    }

    fn readme() -> String {
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
    }

    fn section<'a>(text: &'a str, heading: &str) -> &'a str {
        let start = text.find(heading).unwrap_or_else(|| panic!("README.md has no {heading:?}"));
        let rest = &text[start + heading.len()..];
        &rest[..rest.find("\n## ").unwrap_or(rest.len())]
    }

    #[test]
    fn readme_lists_every_key_with_its_doc_line_and_default() {
        let readme = readme();
        let expected = documented_defaults();
        assert!(
            section(&readme, "\n## Configuration\n").contains(&expected),
            "README.md's Configuration section must hold, as written here:\n{expected}"
        );
    }

    #[test]
    fn readme_lists_every_keys_option() {
        let readme = readme();
        let options = section(&readme, "\n## tmux options\n");
        for option in KEYS.iter().filter_map(|key| key.option) {
            assert!(
                options.contains(&format!("| `{}` |", option.name)),
                "{} missing from README.md",
                option.name
            );
        }
    }

    #[test]
    fn cdev_config_shows_every_key_and_host() {
        let paths = Paths {
            home: PathBuf::from("/home/u"),
            config_dir: PathBuf::new(),
            state_dir: PathBuf::new(),
            cache_dir: PathBuf::new(),
        };
        let mut config = Config::defaults(&paths);
        config.hosts.insert("my box".into(), crate::config::Host { port: Some(22), ..Default::default() });
        let text = config.to_text();
        for key in KEYS {
            assert!(
                text.lines().any(|l| l.starts_with(&format!("{} = ", key.name))),
                "{}:\n{text}",
                key.name
            );
        }
        assert!(text.contains("prefix = \"claude-dev-\"  # default\n"), "{text}");
        assert!(text.ends_with("\n[hosts.\"my box\"]\nport = 22\nssh_options = []\n"), "{text}");
    }
}
