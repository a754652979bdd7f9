//! Where cdev keeps its files: the XDG base directories, resolved once from the environment so
//! tests can point everything at a temp dir by setting `HOME` and `XDG_*`.

use std::env;
use std::path::{Path, PathBuf};

/// The directories cdev reads and writes, each already suffixed with `cdev`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub home: PathBuf,
    pub config_dir: PathBuf,
    pub state_dir: PathBuf,
    pub cache_dir: PathBuf,
}

/// This process's uid (std has no getuid).
pub fn current_uid() -> u32 {
    nix::unistd::getuid().as_raw()
}

impl Paths {
    /// Resolves the directories from `HOME` and the `XDG_*_HOME` variables. Relative XDG values are
    /// ignored, as the XDG spec requires.
    pub fn from_env() -> Self {
        let home = env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"));
        let xdg = |var: &str, fallback: &str| -> PathBuf {
            env::var_os(var)
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .unwrap_or_else(|| home.join(fallback))
                .join("cdev")
        };
        Paths {
            config_dir: xdg("XDG_CONFIG_HOME", ".config"),
            state_dir: xdg("XDG_STATE_HOME", ".local/state"),
            cache_dir: xdg("XDG_CACHE_HOME", ".cache"),
            home,
        }
    }

    /// The config file: `CDEV_CONFIG` when set, otherwise `config.toml` in the config dir.
    pub fn config_file(&self) -> PathBuf {
        match env::var_os("CDEV_CONFIG") {
            Some(path) if !path.is_empty() => PathBuf::from(path),
            _ => self.config_dir.join("config.toml"),
        }
    }

    /// Expands a leading `~` or `~/` to the home directory; anything else is returned unchanged.
    pub fn expand_tilde(&self, path: &str) -> PathBuf {
        match path.strip_prefix('~') {
            Some("") => self.home.clone(),
            Some(rest) if rest.starts_with('/') => self.home.join(rest.trim_start_matches('/')),
            _ => PathBuf::from(path),
        }
    }

    /// `path` for a person to read: `~` for HOME, control characters escaped.
    pub fn display(&self, path: &Path) -> String {
        match path.strip_prefix(&self.home) {
            Ok(rest) if self.home != Path::new("/") => {
                if rest.as_os_str().is_empty() {
                    "~".to_string()
                } else {
                    format!("~/{}", crate::humanize::shown_path(rest))
                }
            }
            _ => crate::humanize::shown_path(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> Paths {
        Paths {
            home: PathBuf::from("/home/u"),
            config_dir: PathBuf::from("/home/u/.config/cdev"),
            state_dir: PathBuf::from("/home/u/.local/state/cdev"),
            cache_dir: PathBuf::from("/home/u/.cache/cdev"),
        }
    }

    #[test]
    fn tilde_expands_only_at_the_start() {
        let p = paths();
        assert_eq!(p.expand_tilde("~"), PathBuf::from("/home/u"));
        assert_eq!(p.expand_tilde("~/projects"), PathBuf::from("/home/u/projects"));
        assert_eq!(p.expand_tilde("~other/x"), PathBuf::from("~other/x"));
        assert_eq!(p.expand_tilde("/a/~/b"), PathBuf::from("/a/~/b"));
    }

    #[test]
    fn display_abbreviates_home() {
        let p = paths();
        assert_eq!(p.display(Path::new("/home/u/projects/x")), "~/projects/x");
        assert_eq!(p.display(Path::new("/home/u")), "~");
        assert_eq!(p.display(Path::new("/home/user2")), "/home/user2");
    }
}
