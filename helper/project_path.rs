//! Paths relative to a project root: what travels to another machine (a bundle, `cdev move`'s
//! checkouts) carries no absolute path, and what arrives is put under the root there without
//! ever leaving it.

use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Result};

/// `path` relative to `root` when inside it (`.` for the root itself); `None` for a path
/// elsewhere (a bundle carries no absolute path: the other machine's files are not the project's).
pub fn relative_to(root: &Path, path: impl AsRef<Path>) -> Option<String> {
    match path.as_ref().strip_prefix(root) {
        Ok(rest) if rest.as_os_str().is_empty() => Some(".".into()),
        Ok(rest) => Some(rest.to_string_lossy().into_owned()),
        Err(_) => None,
    }
}

/// A relative path from another machine (a bundle's cwd, a checkout's directory) put under `root`
/// on this one, never leaving it (no `..`, nothing absolute).
pub fn rebase(root: &Path, cwd: &str) -> Result<PathBuf> {
    let path = Path::new(cwd);
    if path.is_absolute() {
        bail!("cwd {cwd:?} is absolute: a bundle's cwds stay inside the project root");
    }
    let mut rebased = root.to_path_buf();
    for component in path.components() {
        match component {
            Component::Normal(part) => rebased.push(part),
            Component::CurDir => {}
            _ => bail!("cwd {cwd:?} would leave the project root"),
        }
    }
    Ok(rebased)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cwds_are_relative_inside_the_root_and_cannot_escape_it() {
        assert_eq!(relative_to(Path::new("/p/app"), "/p/app").as_deref(), Some("."));
        assert_eq!(relative_to(Path::new("/p/app"), "/p/app/.worktrees/a").as_deref(), Some(".worktrees/a"));
        assert_eq!(relative_to(Path::new("/p/app"), "/tmp"), None);
        let root = Path::new("/new/root");
        assert_eq!(rebase(root, ".worktrees/a").unwrap(), Path::new("/new/root/.worktrees/a"));
        assert_eq!(rebase(root, ".").unwrap(), Path::new("/new/root"));
        assert!(rebase(root, "../../etc").is_err());
        assert!(rebase(root, "a/../../x").is_err());
        assert!(rebase(root, "/etc").is_err(), "issue 18: an absolute cwd is refused");
    }
}
