//! `config.toml`: parsed strictly (unknown keys are errors) with every error naming the file, the
//! line and the key.

use std::collections::BTreeMap;
use std::fmt;
use std::io::ErrorKind;
use std::path::Path;

use anyhow::Result;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use super::keys::FILE_KEYS;
use super::{is_destination, Config, Host, Key, Source, KEYS};
use crate::input_error::{line_of, InputError};
use crate::paths::Paths;

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
    for (key, value) in parsed.values {
        let (span, value) = (value.span(), value.into_inner());
        let line = line_of(text, span.start);
        let source = Source::File { path: path.to_path_buf(), line };
        (key.from_file)(config, value, paths, source)
            .map_err(|message| InputError::in_file(path, message).at_line(line).with_key(key.name))?;
    }
    if let Some(hosts) = parsed.hosts {
        for (name, host) in &hosts {
            let destination = host.destination(name);
            if !is_destination(destination) {
                return Err(InputError::in_file(path, format!("{destination:?} is not a host to ssh to"))
                    .with_key(format!("hosts.{name}"))
                    .into());
            }
        }
        config.hosts = hosts;
    }
    Ok(())
}

/// The file as written: each key of the table with its value and where it stands, in the file's
/// order, and the hosts. Read by hand rather than derived so the table stays the one list of keys;
/// an unknown key is refused while its name is read, so toml's error points at its line.
#[derive(Default)]
struct ConfigFile {
    values: Vec<(&'static Key, Spanned<toml::Value>)>,
    hosts: Option<BTreeMap<String, Host>>,
}

impl<'de> Deserialize<'de> for ConfigFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FileVisitor)
    }
}

struct FileVisitor;

impl<'de> Visitor<'de> for FileVisitor {
    type Value = ConfigFile;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a table of config keys")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<ConfigFile, M::Error> {
        let mut file = ConfigFile::default();
        while let Some(name) = map.next_key_seed(KeyName)? {
            match name {
                Some(key) => file.values.push((key, map.next_value()?)),
                None => file.hosts = Some(map.next_value()?),
            }
        }
        Ok(file)
    }
}

/// A top-level key's name: a key of the table (`Some`), `hosts` (`None`), or an error.
struct KeyName;

impl<'de> DeserializeSeed<'de> for KeyName {
    type Value = Option<&'static Key>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyName {
    type Value = Option<&'static Key>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a config key")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
        match KEYS.iter().find(|key| key.name == name) {
            Some(key) => Ok(Some(key)),
            None if name == "hosts" => Ok(None),
            None => Err(E::unknown_field(name, FILE_KEYS)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

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
