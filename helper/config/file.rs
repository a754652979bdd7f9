//! `config.toml`: parsed strictly (unknown keys are errors) with every error naming the file, the
//! line and the key.

use std::fmt;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Deserialize;
use toml::Spanned;

use super::{validate_prefix, Config, Setting, Source};
use crate::paths::Paths;

/// The file as written; every key optional so a missing key keeps its default.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ConfigFile {
    prefix: Option<Spanned<String>>,
    projects_dirs: Option<Spanned<Vec<String>>>,
}

/// A config error with the place it was found; `cdev` exits with status 2 on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Reads `path` (a missing file is fine) and overlays what it sets onto `config`.
pub fn apply(config: &mut Config, path: &Path, paths: &Paths) -> Result<()> {
    let text = match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|err| ConfigError {
            path: path.to_path_buf(),
            line: None,
            key: None,
            message: format!("not UTF-8 text ({err})"),
        })?,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(()),
        Err(err) => {
            return Err(ConfigError {
                path: path.to_path_buf(),
                line: None,
                key: None,
                message: err.to_string(),
            }
            .into())
        }
    };
    let parsed: ConfigFile = toml::from_str(&text).map_err(|err| parse_error(path, &text, &err))?;
    let at = |span: std::ops::Range<usize>| Source::File {
        path: path.to_path_buf(),
        line: line_of(&text, span.start),
    };

    if let Some(prefix) = parsed.prefix {
        let span = prefix.span();
        validate_prefix(prefix.get_ref()).map_err(|message| ConfigError {
            path: path.to_path_buf(),
            line: Some(line_of(&text, span.start)),
            key: Some("prefix".into()),
            message,
        })?;
        config.prefix = Setting { value: prefix.into_inner(), source: at(span) };
    }
    if let Some(dirs) = parsed.projects_dirs {
        let span = dirs.span();
        let value = dirs.into_inner().iter().map(|d| paths.expand_tilde(d)).collect();
        config.projects_dirs = Setting { value, source: at(span) };
    }
    Ok(())
}

/// Turns a TOML error into one that names the line and, where the line has one, the key.
fn parse_error(path: &Path, text: &str, err: &toml::de::Error) -> ConfigError {
    let line = err.span().map(|span| line_of(text, span.start));
    let key = line.and_then(|n| text.lines().nth(n - 1)).and_then(key_on_line);
    ConfigError { path: path.to_path_buf(), line, key, message: err.message().trim().to_string() }
}

/// The 1-based line holding byte `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// The key of a `key = value` line, unquoted; `None` for table headers and other lines.
fn key_on_line(line: &str) -> Option<String> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches(|c| c == '"' || c == '\'');
    (!key.is_empty() && !key.starts_with('[')).then(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (Result<Config>, PathBuf, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        fs::write(&path, text).unwrap();
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

    fn config_error(text: &str) -> ConfigError {
        let (result, _, _dir) = load(text);
        result.unwrap_err().downcast::<ConfigError>().unwrap()
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
    fn broken_syntax_and_binary_garbage_are_errors_not_panics() {
        assert_eq!(config_error("prefix = \"unterminated\n").line, Some(1));
        let (result, _, _dir) = load("\u{0}\u{1}\u{fffd}garbage = = =");
        assert!(result.is_err());
    }
}
