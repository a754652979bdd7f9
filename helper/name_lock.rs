//! One lock per session name, held while a session of that name is made (`cdev new`, `cdev
//! switch` that creates, `cdev restore`): two runs at once for one name take turns, and the second
//! finds the first one's session instead of making (or killing) another.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::store::{self, path_component, FileLock};

/// `<state>/locks/<name>.lock`.
fn path(state_dir: &Path, name: &str) -> PathBuf {
    state_dir.join("locks").join(format!("{}.lock", path_component(name)))
}

/// Waits for the locks of every name in `names`, taken in one order (sorted, once each) so two
/// runs holding overlapping sets never wait for each other in a circle.
pub fn hold(state_dir: &Path, names: &[String]) -> Result<Vec<FileLock>> {
    let mut sorted: Vec<&String> = names.iter().collect();
    sorted.sort();
    sorted.dedup();
    sorted.into_iter().map(|name| store::lock(&path(state_dir, name))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_name_is_busy_until_released_and_other_names_are_free() {
        let dir = tempfile::tempdir().unwrap();
        let held = hold(dir.path(), &["b".into(), "a".into(), "a".into()]).unwrap();
        assert_eq!(held.len(), 2);
        assert!(store::try_lock(&path(dir.path(), "a")).unwrap().is_none());
        assert!(store::try_lock(&path(dir.path(), "c")).unwrap().is_some());
        drop(held);
        assert!(store::try_lock(&path(dir.path(), "a")).unwrap().is_some());
    }
}
