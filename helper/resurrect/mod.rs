//! `cdev resurrect …`: what cdev.tmux registers as tmux-resurrect's hooks. Resurrect keeps
//! layouts but loses environments and cannot resume an exact Claude conversation; continuum can
//! make an empty save the one restored. So after each save cdev writes a sidecar beside
//! resurrect's file, refuses to let a nearly empty save become `last`, and after a restore puts
//! back each session's env and options and resumes each Claude pane's own conversation.
//!
//! The hooks run inside resurrect's save and restore: they never fail it. Errors go to
//! `CDEV_LOG` and to `resurrect.log` in cdev's state directory, which `cdev doctor` reads.
//!
//! `sidecar.rs` is the file cdev writes beside each save, `dir.rs` finds resurrect's directory and
//! its saves, `save.rs` holds the save hooks (the sidecar, the empty-save guard that keeps `last`
//! on a good save), `restore.rs` the restore hooks.

mod dir;
mod restore;
mod save;
pub mod sidecar;

use std::path::PathBuf;

use anyhow::{anyhow, Result};

use crate::context::Context;
use crate::log;

pub fn run(context: &Context, hook: &str, file: Option<PathBuf>) -> Result<()> {
    let result = match hook {
        "post-save-layout" => match &file {
            Some(file) => save::post_save_layout(context, file),
            None => Err(anyhow!("resurrect passes the state file")),
        },
        "post-save-all" => save::post_save_all(context),
        // cdev's autosave waits while resurrect rebuilds sessions piece by piece, then saves them
        // whole (a half-rebuilt session must not become the latest snapshot).
        "pre-restore-all" => context
            .tmux()
            .and_then(|tmux| crate::autosave::pause(&tmux))
            .and_then(|()| restore::pre_restore_all(context)),
        "post-restore-all" => {
            let restored = restore::post_restore_all(context);
            context.tmux().and_then(|tmux| crate::autosave::resume(&tmux)).and(restored)
        }
        other => return Err(anyhow!("could not run resurrect hook {other:?}: no such hook")),
    };
    if let Err(err) = result {
        note(context, &format!("{hook}: {err:#}"));
    }
    Ok(())
}

/// Records what happened where `cdev doctor` and the debug log can show it.
pub(super) fn note(context: &Context, line: &str) {
    log::debug("resurrect", &line);
    let _ = std::fs::create_dir_all(&context.paths.state_dir);
    let path = context.paths.state_dir.join("resurrect.log");
    let stamped = format!("{} {line}\n", chrono::Utc::now().to_rfc3339());
    let _ = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, stamped.as_bytes()));
}

/// The machine's name: a sidecar's conversations are resumed only on the machine that wrote it.
pub(super) fn host() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default()
}
