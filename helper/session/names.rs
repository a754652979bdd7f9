//! Who owns which session name: `<state>/names.json` maps each name cdev gave a session to the
//! project root it was for, so two projects with one basename keep their own names (and so their
//! snapshot histories) whichever of their sessions is made first. Names given before this file
//! existed are read from the name's latest snapshot, which records its project root.

use crate::tmux::cdev_option;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::snapshot::files::Store;
use crate::store;

const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Registry {
    version: u32,
    /// Session name → project root.
    names: BTreeMap<String, String>,
}

fn file(state_dir: &Path) -> PathBuf {
    state_dir.join("names.json")
}

fn read(state_dir: &Path) -> Result<Registry> {
    let path = file(state_dir);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let registry: Registry = serde_json::from_slice(&bytes)
                .with_context(|| format!("could not read {}", path.display()))?;
            if registry.version > FORMAT_VERSION {
                bail!(
                    "could not read {}: format {} is newer than this cdev's",
                    path.display(),
                    registry.version
                );
            }
            Ok(registry)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Registry::default()),
        Err(err) => Err(err).with_context(|| format!("could not read {}", path.display())),
    }
}

/// The project root that owns `name`: the registry's, else the one its latest snapshot records.
/// A root that no longer exists owns nothing (its name is free again).
pub fn owner(state_dir: &Path, name: &str) -> Option<PathBuf> {
    let recorded = match read(state_dir) {
        Ok(registry) => registry.names.get(name).cloned(),
        Err(err) => {
            crate::log::debug("names", &format!("{err:#}"));
            None
        }
    };
    let recorded = recorded.or_else(|| {
        let (_, snapshot, _) = Store::new(state_dir).latest_good(name).ok()?;
        snapshot.session.options.get(cdev_option::PROJECT_ROOT).cloned()
    })?;
    Some(PathBuf::from(recorded)).filter(|root| root.is_dir())
}

/// Records that `name` belongs to `root` (a no-op when it already does). Writers take turns on
/// a lock, so two records at once both land; a registry that cannot be read is left as it is.
pub fn record(state_dir: &Path, name: &str, root: &Path) -> Result<()> {
    let _lock = store::lock(&state_dir.join("locks").join("names.lock"))?;
    let mut registry = read(state_dir)?;
    let root = root.to_string_lossy().into_owned();
    if registry.names.get(name) == Some(&root) {
        return Ok(());
    }
    registry.version = FORMAT_VERSION;
    registry.names.insert(name.to_string(), root);
    let mut text = serde_json::to_vec_pretty(&registry)?;
    text.push(b'\n');
    store::write_atomic(&file(state_dir), &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_name_is_owned_until_its_root_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a/web"), dir.path().join("b/web"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        assert_eq!(owner(dir.path(), "claude-dev-web"), None);
        record(dir.path(), "claude-dev-web", &a).unwrap();
        record(dir.path(), "claude-dev-web-123456", &b).unwrap();
        assert_eq!(owner(dir.path(), "claude-dev-web"), Some(a.clone()));
        assert_eq!(owner(dir.path(), "claude-dev-web-123456"), Some(b));
        std::fs::remove_dir(&a).unwrap();
        assert_eq!(owner(dir.path(), "claude-dev-web"), None);
    }

    #[test]
    fn an_unreadable_registry_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(file(dir.path()), b"{not json").unwrap();
        assert!(record(dir.path(), "x", dir.path()).is_err());
        assert_eq!(std::fs::read(file(dir.path())).unwrap(), b"{not json");
    }
}
