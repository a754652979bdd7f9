//! The discovered projects, kept between runs so the picker opens at once on big trees: it shows
//! the cache and walks again in the background (stale-while-revalidate). A cache written for other
//! roots or depth, from another format version, or unreadable, is simply not used.

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::Project;
use crate::store;

const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    roots: Vec<PathBuf>,
    max_depth: usize,
    projects: Vec<Project>,
}

pub fn path(cache_dir: &Path) -> PathBuf {
    cache_dir.join("projects.json")
}

/// The cached projects for exactly these roots and depth, if any.
pub fn read(cache_dir: &Path, roots: &[PathBuf], max_depth: usize) -> Option<Vec<Project>> {
    let bytes = std::fs::read(path(cache_dir)).ok()?;
    let file: CacheFile = serde_json::from_slice(&bytes).ok()?;
    (file.version == FORMAT_VERSION && file.roots == roots && file.max_depth == max_depth)
        .then_some(file.projects)
}

/// Replaces the cache, atomically (a picker reading it meanwhile sees the old or the new one).
pub fn write(cache_dir: &Path, roots: &[PathBuf], max_depth: usize, projects: &[Project]) -> Result<()> {
    let file =
        CacheFile { version: FORMAT_VERSION, roots: roots.to_vec(), max_depth, projects: projects.to_vec() };
    store::write_atomic(&path(cache_dir), &serde_json::to_vec(&file)?)
}

/// A fresh walk of `roots`, which then replaces the cache (a cache that cannot be written is
/// only logged: the walk's answer stands).
pub fn discover_and_write(cache_dir: &Path, roots: &[PathBuf], max_depth: usize) -> Vec<Project> {
    let found = super::discover(roots, max_depth);
    if let Err(err) = write(cache_dir, roots, max_depth, &found) {
        crate::log::debug("projects", &format!("{err:#}"));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_for_other_roots_or_depth_or_garbage_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let roots = vec![PathBuf::from("/p")];
        let projects = vec![Project { name: "a".into(), path: "/p/a".into(), git: true }];
        write(dir.path(), &roots, 3, &projects).unwrap();
        assert_eq!(read(dir.path(), &roots, 3), Some(projects));
        assert_eq!(read(dir.path(), &roots, 2), None);
        assert_eq!(read(dir.path(), &[PathBuf::from("/q")], 3), None);
        std::fs::write(path(dir.path()), b"\xff{garbage").unwrap();
        assert_eq!(read(dir.path(), &roots, 3), None);
    }
}
