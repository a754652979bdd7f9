//! The `@cdev-*` tmux options that override config file values (set in `~/.tmux.conf`): each
//! key of the table that has one, read by the same rule as the file. An option that is empty or
//! only spaces is as if it were not set.

use anyhow::Result;

use super::{Config, Source, KEYS};
use crate::input_error::InputError;
use crate::paths::Paths;
use crate::tmux::TmuxOptions;

/// Overlays the options that are set onto `config`.
pub fn apply(config: &mut Config, options: &TmuxOptions, paths: &Paths) -> Result<()> {
    for key in KEYS {
        let Some(option) = key.option else { continue };
        let Some(text) = options.get(option.name).filter(|v| !v.trim().is_empty()) else { continue };
        let source = Source::TmuxOption { name: option.name.to_string() };
        (key.from_option)(config, text, paths, source)
            .map_err(|message| InputError::new("tmux option", message).with_key(option.name))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn overlaid(options: &str) -> Result<Config> {
        let paths = Paths {
            home: PathBuf::from("/home/u"),
            config_dir: PathBuf::from("/c"),
            state_dir: PathBuf::from("/s"),
            cache_dir: PathBuf::from("/k"),
        };
        Config::defaults(&paths).with_tmux_options(&TmuxOptions::parse(options), &paths)
    }

    #[test]
    fn options_are_read_by_their_keys_rule_and_name_their_option() {
        let config = overlaid(
            "@cdev-projects-dirs ~/src::/srv\n@cdev-template-priority \"go, rust,\"\n@cdev-restore-processes \"vim  htop\"\n@cdev-max-sessions 4\n",
        )
        .unwrap();
        assert_eq!(config.projects_dirs.value, [PathBuf::from("/home/u/src"), PathBuf::from("/srv")]);
        assert_eq!(config.template_priority.value, ["go", "rust"]);
        assert_eq!(config.restore_processes.value, ["vim", "htop"]);
        assert_eq!(config.max_sessions.value, 4);
        assert_eq!(config.max_sessions.source, Source::TmuxOption { name: "@cdev-max-sessions".into() });

        let err = overlaid("@cdev-max-sessions many\n").unwrap_err().downcast::<InputError>().unwrap();
        assert_eq!(err.to_string(), "tmux option: key `@cdev-max-sessions`: \"many\" is not a number");
        let err = overlaid("@cdev-projects-dirs rel\n").unwrap_err().downcast::<InputError>().unwrap();
        assert_eq!(err.key.as_deref(), Some("@cdev-projects-dirs"));
        // Blank is unset, whatever the key.
        let config = overlaid("@cdev-claude-command \"  \"\n@cdev-prefix \"\"\n").unwrap();
        assert_eq!((config.claude_command.value.as_str(), config.prefix.source), ("claude", Source::Default));
    }
}
