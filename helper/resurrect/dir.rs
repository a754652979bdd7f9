//! Where tmux-resurrect keeps its saves, and reading them as far as the hooks need: how many panes
//! a save holds, and which sidecars lost their save.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::context::Context;

/// resurrect's directory: `@resurrect-dir`, else its defaults, as its helpers.sh picks them.
pub(super) fn resurrect_dir(context: &Context) -> Result<Option<PathBuf>> {
    let options = context.tmux()?.options()?;
    let home = &context.paths.home;
    if let Some(dir) = options.get("@resurrect-dir").filter(|d| !d.is_empty()) {
        let dir = dir.replace("$HOME", &home.to_string_lossy()).replace("$HOSTNAME", &super::host());
        return Ok(Some(context.paths.expand_tilde(&dir)));
    }
    let old = home.join(".tmux/resurrect");
    if old.is_dir() {
        return Ok(Some(old));
    }
    let data =
        std::env::var_os("XDG_DATA_HOME").map(PathBuf::from).unwrap_or_else(|| home.join(".local/share"));
    Ok(Some(data.join("tmux/resurrect")))
}

/// The panes a resurrect state file holds (its `pane` lines).
pub(super) fn panes_in(state_file: &Path) -> Result<usize> {
    let text = crate::bounded::read(state_file, crate::bounded::limit::RESURRECT)
        .with_context(|| format!("could not read {}", state_file.display()))?;
    Ok(text.split(|b| *b == b'\n').filter(|l| l.starts_with(b"pane\t")).count())
}

/// Sidecars whose state file resurrect removed (its old-backup cleanup, or a save equal to the
/// last one) go too.
pub(super) fn prune_sidecars(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for path in entries.flatten().map(|e| e.path()) {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if let Some(stem) = name.strip_suffix(".cdev.json") {
            if !dir.join(format!("{stem}.txt")).exists() {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}
