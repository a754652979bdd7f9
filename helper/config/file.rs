//! `config.toml`: parsed strictly (unknown keys are errors) with every error naming the file, the
//! line and the key.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Deserialize;
use toml::Spanned;

use super::{validate_dirs, validate_prefix, Config, Setting, Source};
use crate::input_error::{line_of, InputError};
use crate::paths::Paths;

/// The file as written; every key optional so a missing key keeps its default.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ConfigFile {
    prefix: Option<Spanned<String>>,
    projects_dirs: Option<Spanned<Vec<String>>>,
    projects_depth: Option<Spanned<u32>>,
    claude_command: Option<Spanned<String>>,
    template_priority: Option<Spanned<Vec<String>>>,
    default_template: Option<Spanned<String>>,
    snapshot_keep: Option<Spanned<u32>>,
    snapshot_keep_days: Option<Spanned<u32>>,
    snapshot_scrollback: Option<Spanned<i64>>,
    restore_processes: Option<Spanned<Vec<String>>>,
    max_sessions: Option<Spanned<u32>>,
    hosts: Option<std::collections::BTreeMap<String, super::Host>>,
}

/// Reads `path` (a missing file is fine) and overlays what it sets onto `config`.
pub fn apply(config: &mut Config, path: &Path, paths: &Paths) -> Result<()> {
    let text = match crate::bounded::read(path, crate::bounded::limit::TEXT) {
        Ok(bytes) => String::from_utf8(bytes)
            .map_err(|err| InputError::in_file(path, format!("not UTF-8 text ({err})")))?,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(InputError::in_file(path, err.to_string()).into()),
    };
    apply_text(config, path, &text, paths)
}

/// Overlays what the text of a config file sets onto `config` (`path` names it in errors).
pub fn apply_text(config: &mut Config, path: &Path, text: &str, paths: &Paths) -> Result<()> {
    let parsed: ConfigFile = toml::from_str(text).map_err(|err| InputError::from_toml(path, text, &err))?;
    let at = |span: std::ops::Range<usize>| Source::File {
        path: path.to_path_buf(),
        line: line_of(text, span.start),
    };

    if let Some(prefix) = parsed.prefix {
        let span = prefix.span();
        validate_prefix(prefix.get_ref()).map_err(|message| {
            InputError::in_file(path, message).at_line(line_of(text, span.start)).with_key("prefix")
        })?;
        config.prefix = Setting { value: prefix.into_inner(), source: at(span) };
    }
    if let Some(dirs) = parsed.projects_dirs {
        let span = dirs.span();
        let value: Vec<PathBuf> = dirs.into_inner().iter().map(|d| paths.expand_tilde(d)).collect();
        validate_dirs(&value).map_err(|message| {
            InputError::in_file(path, message).at_line(line_of(text, span.start)).with_key("projects_dirs")
        })?;
        config.projects_dirs = Setting { value, source: at(span) };
    }
    if let Some(command) = parsed.claude_command {
        let span = command.span();
        if command.get_ref().trim().is_empty() {
            return Err(InputError::in_file(path, "must not be empty")
                .at_line(line_of(text, span.start))
                .with_key("claude_command")
                .into());
        }
        config.claude_command = Setting { value: command.into_inner(), source: at(span) };
    }
    if let Some(priority) = parsed.template_priority {
        let span = priority.span();
        config.template_priority = Setting { value: priority.into_inner(), source: at(span) };
    }
    if let Some(template) = parsed.default_template {
        let span = template.span();
        config.default_template = Setting { value: template.into_inner(), source: at(span) };
    }
    if let Some(keep) = parsed.snapshot_keep {
        let span = keep.span();
        config.snapshot_keep = Setting { value: keep.into_inner().max(1), source: at(span) };
    }
    if let Some(days) = parsed.snapshot_keep_days {
        let span = days.span();
        config.snapshot_keep_days = Setting { value: days.into_inner(), source: at(span) };
    }
    if let Some(lines) = parsed.snapshot_scrollback {
        let span = lines.span();
        if *lines.get_ref() < -1 {
            return Err(InputError::in_file(path, "-1 (all), 0 (none) or a number of lines")
                .at_line(line_of(text, span.start))
                .with_key("snapshot_scrollback")
                .into());
        }
        config.snapshot_scrollback = Setting { value: lines.into_inner(), source: at(span) };
    }
    if let Some(depth) = parsed.projects_depth {
        let span = depth.span();
        if !(1..=10).contains(depth.get_ref()) {
            return Err(InputError::in_file(path, "must be between 1 and 10")
                .at_line(line_of(text, span.start))
                .with_key("projects_depth")
                .into());
        }
        config.projects_depth = Setting { value: depth.into_inner(), source: at(span) };
    }
    if let Some(max) = parsed.max_sessions {
        let span = max.span();
        config.max_sessions = Setting { value: max.into_inner(), source: at(span) };
    }
    if let Some(programs) = parsed.restore_processes {
        let span = programs.span();
        config.restore_processes = Setting { value: programs.into_inner(), source: at(span) };
    }
    if let Some(hosts) = parsed.hosts {
        for (name, host) in &hosts {
            let destination = host.destination.as_deref().unwrap_or(name);
            if !crate::ssh::is_destination(destination) {
                return Err(InputError::in_file(path, format!("{destination:?} is not a host to ssh to"))
                    .with_key(format!("hosts.{name}"))
                    .into());
            }
        }
        config.hosts = hosts;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (Result<Config>, PathBuf, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        let paths = Paths {
            home: PathBuf::from("/home/u"),
            config_dir: dir.path().to_path_buf(),
            state_dir: dir.path().to_path_buf(),
            cache_dir: dir.path().to_path_buf(),
        };
        let mut config = Config::defaults(&paths);
        let result = apply(&mut config, &path, &paths).map(|_| config);
        (result, path, dir)
    }

    fn config_error(text: &str) -> InputError {
        let (result, _, _dir) = load(text);
        result.unwrap_err().downcast::<InputError>().unwrap()
    }

    #[test]
    fn values_come_with_their_line() {
        let (config, path, _dir) = load("# mine\nprefix = \"ai-\"\nprojects_dirs = [\"~/src\", \"/abs\"]\n");
        let config = config.unwrap();
        assert_eq!(config.prefix.value, "ai-");
        assert_eq!(config.prefix.source, Source::File { path: path.clone(), line: 2 });
        assert_eq!(config.projects_dirs.value, vec![PathBuf::from("/home/u/src"), PathBuf::from("/abs")]);
        assert_eq!(config.projects_dirs.source, Source::File { path, line: 3 });
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let err = config_error("prefix = \"a-\"\n\nprefx = \"b-\"\n");
        assert_eq!(err.line, Some(3));
        assert_eq!(err.key.as_deref(), Some("prefx"));
        assert!(err.message.contains("unknown field"), "{}", err.message);
    }

    #[test]
    fn hosts_are_read_and_a_destination_ssh_would_misread_is_refused() {
        let (config, _, _dir) =
            load("[hosts.box]\ndestination = \"me@box\"\nport = 2222\nssh_options = [\"-i\", \"k\"]\nprojects_root = \"~/src\"\n");
        let host = &config.unwrap().hosts["box"];
        assert_eq!((host.destination.as_deref(), host.port), (Some("me@box"), Some(2222)));
        assert_eq!(host.projects_root.as_deref(), Some("~/src"));
        let err = config_error("[hosts.evil]\ndestination = \"-oProxyCommand=x\"\n");
        assert_eq!(err.key.as_deref(), Some("hosts.evil"));
        let err = config_error("[hosts.x]\nportt = 1\n");
        assert!(err.message.contains("unknown field"), "{}", err.message);
    }

    #[test]
    fn projects_depth_is_bounded() {
        let err = config_error("projects_depth = 0\n");
        assert_eq!((err.line, err.key.as_deref()), (Some(1), Some("projects_depth")));
        let err = config_error("\nprojects_depth = 99\n");
        assert_eq!((err.line, err.message.as_str()), (Some(2), "must be between 1 and 10"));
        let (config, _, _dir) = load("projects_depth = 2\n");
        assert_eq!(config.unwrap().projects_depth.value, 2);
    }

    #[test]
    fn wrong_type_names_line_and_key() {
        let err = config_error("projects_dirs = \"~/src\"\n");
        assert_eq!((err.line, err.key.as_deref()), (Some(1), Some("projects_dirs")));
    }

    #[test]
    fn bad_prefix_is_refused_with_its_place() {
        let err = config_error("\nprefix = \"my.prefix\"\n");
        assert_eq!((err.line, err.key.as_deref()), (Some(2), Some("prefix")));
        let shown = err.to_string();
        assert!(shown.ends_with(
            "would be changed in session names (no `.`, `:`, `#`, `\\`, whitespace or control characters)"
        ));
    }

    #[test]
    fn empty_prefix_and_relative_dirs_are_refused() {
        assert_eq!(config_error("prefix = \"\"\n").key.as_deref(), Some("prefix"));
        let err = config_error("projects_dirs = [\"~/ok\", \"rel/dir\"]\n");
        assert_eq!((err.line, err.key.as_deref()), (Some(1), Some("projects_dirs")));
    }

    #[test]
    fn broken_syntax_and_binary_garbage_are_errors_not_panics() {
        assert_eq!(config_error("prefix = \"unterminated\n").line, Some(1));
        let (result, _, _dir) = load("\u{0}\u{1}\u{fffd}garbage = = =");
        assert!(result.is_err());
    }
}
