//! Project discovery: the git repositories and marked project directories under `projects_dirs`,
//! found by a parallel walk that prunes early (never into `node_modules`, `target`, `.git`,
//! `.worktrees`, hidden directories, or below a project once found), visits each directory once
//! (so symlink loops end) and skips what cannot be read or named, with a debug-log line.

pub mod cache;

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

use serde::{Deserialize, Serialize};

use crate::log;

/// Directories never walked into: build output, dependencies, git internals, agent worktrees.
const PRUNED: &[&str] = &["node_modules", "target", ".git", ".worktrees", "vendor", "__pycache__", ".venv"];

/// Files that make a directory a project even without git.
const MARKERS: &[&str] = &[
    ".cdev.toml",
    "package.json",
    "Cargo.toml",
    "go.mod",
    "pyproject.toml",
    "setup.py",
    "Gemfile",
    "pom.xml",
    "build.gradle",
    "mix.exs",
    "composer.json",
    "deno.json",
    "CMakeLists.txt",
];

/// Threads walking at once: directory reads wait on the disk, so more than the cores.
const WALKERS: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// The directory's name.
    pub name: String,
    pub path: PathBuf,
    /// A git repository (or worktree), not only a directory with project files.
    pub git: bool,
}

/// The projects under `roots`, at most `max_depth` levels below a root, sorted by name then path.
/// A root that does not exist or cannot be read is skipped (logged), never an error.
pub fn discover(roots: &[PathBuf], max_depth: usize) -> Vec<Project> {
    let walk = Walk {
        queue: Mutex::new(Queue { dirs: Vec::new(), busy: 0 }),
        wake: Condvar::new(),
        visited: Mutex::new(HashSet::new()),
        found: Mutex::new(Vec::new()),
        max_depth,
    };
    for root in roots {
        match fs::metadata(root) {
            Ok(meta) if meta.is_dir() => {
                if walk.first_visit(&meta) {
                    walk.queue.lock().unwrap().dirs.push((root.clone(), 0));
                }
            }
            Ok(_) => log::debug("projects", &format!("{} is not a directory; skipped", root.display())),
            Err(err) => log::debug("projects", &format!("{}: {err}; skipped", root.display())),
        }
    }
    std::thread::scope(|scope| {
        for _ in 0..WALKERS {
            scope.spawn(|| walk.work());
        }
    });
    let mut found = walk.found.into_inner().unwrap();
    found.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.path.cmp(&b.path)));
    found
}

struct Queue {
    /// Directories waiting to be read, with their depth below the root.
    dirs: Vec<(PathBuf, usize)>,
    /// Walkers reading a directory now (they may add more).
    busy: usize,
}

struct Walk {
    queue: Mutex<Queue>,
    wake: Condvar,
    /// (device, inode) of every directory queued: each is read once, so links cannot loop.
    visited: Mutex<HashSet<(u64, u64)>>,
    found: Mutex<Vec<Project>>,
    max_depth: usize,
}

impl Walk {
    fn first_visit(&self, meta: &fs::Metadata) -> bool {
        self.visited.lock().unwrap().insert((meta.dev(), meta.ino()))
    }

    /// Takes directories until none is left and no walker can add more.
    fn work(&self) {
        loop {
            let (dir, depth) = {
                let mut queue = self.queue.lock().unwrap();
                loop {
                    if let Some(next) = queue.dirs.pop() {
                        queue.busy += 1;
                        break next;
                    }
                    if queue.busy == 0 {
                        self.wake.notify_all();
                        return;
                    }
                    queue = self.wake.wait(queue).unwrap();
                }
            };
            let children = self.read(&dir, depth);
            let mut queue = self.queue.lock().unwrap();
            queue.busy -= 1;
            let added = !children.is_empty();
            queue.dirs.extend(children.into_iter().map(|child| (child, depth + 1)));
            if added || queue.busy == 0 {
                self.wake.notify_all();
            }
        }
    }

    /// Reads `dir`: records it when it is a project (and goes no deeper), else returns the
    /// subdirectories to walk.
    fn read(&self, dir: &Path, depth: usize) -> Vec<PathBuf> {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(err) => {
                log::debug("projects", &format!("{}: {err}; skipped", dir.display()));
                return Vec::new();
            }
        };
        let mut subdirs = Vec::new();
        let mut git = false;
        let mut marked = false;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                log::debug(
                    "projects",
                    &format!("{}: a name that is not UTF-8; skipped", entry.path().display()),
                );
                continue;
            };
            if depth > 0 {
                git |= name == ".git";
                marked |= MARKERS.contains(&name);
            }
            if depth >= self.max_depth || name.starts_with('.') || PRUNED.contains(&name) {
                continue;
            }
            if name.chars().any(char::is_control) {
                log::debug(
                    "projects",
                    &format!("{:?}: a name with control characters; skipped", entry.path()),
                );
                continue;
            }
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() || kind.is_symlink() {
                subdirs.push(entry.path());
            }
        }
        if git || marked {
            let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            self.found.lock().unwrap().push(Project { name, path: dir.to_path_buf(), git });
            return Vec::new();
        }
        // Only directories (links followed) not seen before.
        subdirs.retain(|path| match fs::metadata(path) {
            Ok(meta) => meta.is_dir() && self.first_visit(&meta),
            Err(_) => false,
        });
        subdirs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(paths: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for path in paths {
            let full = dir.path().join(path);
            if path.ends_with('/') {
                fs::create_dir_all(&full).unwrap();
            } else {
                fs::create_dir_all(full.parent().unwrap()).unwrap();
                fs::write(&full, "").unwrap();
            }
        }
        dir
    }

    fn names(projects: &[Project]) -> Vec<&str> {
        projects.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn repos_and_marked_dirs_are_found_and_never_entered() {
        let dir = tree(&[
            "api/.git/",
            "api/packages/inner/package.json",
            "web/package.json",
            "web/node_modules/dep/package.json",
            "group/tool/Cargo.toml",
            "group/deeper/still/deeper/go.mod",
            "notes/readme.txt",
            ".hidden/x/.git/",
            "target/y/.git/",
        ]);
        let found = discover(&[dir.path().to_path_buf()], 3);
        assert_eq!(names(&found), ["api", "tool", "web"]);
        assert!(found[0].git && !found[1].git);
        assert_eq!(names(&discover(&[dir.path().to_path_buf()], 1)), ["api", "web"]);
    }

    #[test]
    fn symlink_loops_and_missing_roots_end_quietly() {
        let dir = tree(&["a/b/", "p/.git/"]);
        std::os::unix::fs::symlink(dir.path(), dir.path().join("a/b/up")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("p"), dir.path().join("a/alias")).unwrap();
        let roots = [dir.path().to_path_buf(), dir.path().join("missing")];
        let found = discover(&roots, 10);
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
