//! `cdev git-hook install [DIR]`: a pre-commit hook (the pre-commit check the plain-tmux setup had) that warns when
//! agent worktrees hold uncommitted work, and never blocks a commit. A hook already there is kept
//! and chained: it is moved aside and run first, its failure still failing the commit.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use clap::Subcommand;

use crate::humanize::shown_path;
use crate::{git, store};

/// A pre-commit hook that warns about uncommitted work in agent worktrees (chains any hook
/// already there; never blocks a commit).
#[derive(Debug, Subcommand)]
pub enum GitHookCommand {
    /// Install the hook in the repository holding DIR (default: here); `core.hooksPath` honoured.
    Install { dir: Option<PathBuf> },
}

/// The first lines of cdev's hook: how a later install knows the hook is its own.
const MARKER: &str = "# cdev pre-commit hook";
/// Where the user's own hook goes when cdev's takes its place.
const CHAINED: &str = "pre-commit.cdev-chained";

const HOOK: &str = r#"#!/bin/sh
# cdev pre-commit hook: warns about uncommitted work in agent worktrees; never blocks a commit.
# Written by `cdev git-hook install`. A hook that was here before runs first (pre-commit.cdev-chained).
hooks=$(dirname "$0")
if [ -x "$hooks/pre-commit.cdev-chained" ]; then
	"$hooks/pre-commit.cdev-chained" "$@" || exit $?
fi
# From an IDE or a shell outside tmux cdev may not be on PATH: the plugin's own binary (TPM's two
# plugin directories), then the cdev that wrote this hook.
cdev=""
for candidate in "${CDEV_BIN:-}" "$(command -v cdev 2>/dev/null)" \
	"${TMUX_PLUGIN_MANAGER_PATH:-$HOME/.tmux/plugins/}cdev/bin/cdev" \
	"${XDG_CONFIG_HOME:-$HOME/.config}/tmux/plugins/cdev/bin/cdev" @INSTALLED_BY@; do
	if [ -n "$candidate" ] && [ -x "$candidate" ]; then
		cdev=$candidate
		break
	fi
done
if [ -n "$cdev" ]; then
	if ! "$cdev" check >&2; then
		echo "cdev: agent worktrees above have uncommitted changes (the commit goes on)" >&2
	fi
fi
exit 0
"#;

/// The hook's text, with the path of the cdev writing it as the last place to look.
fn hook_text() -> String {
    let installed_by = std::env::current_exe().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    HOOK.replace("@INSTALLED_BY@", &shell_words::quote(&installed_by))
}

pub fn run(command: GitHookCommand) -> Result<()> {
    match command {
        GitHookCommand::Install { dir } => install(dir),
    }
}

fn install(dir: Option<PathBuf>) -> Result<()> {
    let dir = match dir {
        Some(dir) => dir,
        None => std::env::current_dir().context("could not read the current directory")?,
    };
    let hooks = hooks_dir(&dir)?;
    let hook = hooks.join("pre-commit");
    let chained = hooks.join(CHAINED);
    match std::fs::read(&hook) {
        Ok(existing)
            if String::from_utf8_lossy(&existing).lines().nth(1).is_some_and(|l| l.starts_with(MARKER)) => {}
        Ok(_) => {
            if chained.exists() {
                bail!(
                    "could not install the pre-commit hook: both {} and {} exist; merge them by hand",
                    hook.display(),
                    chained.display()
                );
            }
            std::fs::rename(&hook, &chained)
                .with_context(|| format!("could not move {} aside", hook.display()))?;
            println!("kept your hook: it runs first, from {}", shown_path(&chained));
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => bail!("could not read {}: {err}", hook.display()),
    }
    store::write_atomic_with_mode(&hook, hook_text().as_bytes(), Some(0o755))
        .with_context(|| format!("could not write {}", hook.display()))?;
    println!("installed {}", shown_path(&hook));
    Ok(())
}

/// The repository's hooks directory (`core.hooksPath` honoured), created when missing.
fn hooks_dir(dir: &Path) -> Result<PathBuf> {
    let path = git::run(dir, &["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
        .with_context(|| format!("could not install the pre-commit hook in {}", dir.display()))?;
    let hooks = PathBuf::from(path.trim_end_matches('\n'));
    std::fs::create_dir_all(&hooks).with_context(|| format!("could not create {}", hooks.display()))?;
    Ok(hooks)
}
