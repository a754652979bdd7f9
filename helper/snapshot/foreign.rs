//! Sessions from someone else's file (an imported bundle, a snapshot file from outside cdev's own
//! directory): what they would run is shown, and nothing but Claude resuming its own
//! conversation runs, nor is their environment set, until the user agrees.

use std::path::Path;

use anyhow::Result;

use crate::agent::claude;
use crate::config::Config;
use crate::context::Context;
use crate::humanize::printable;
use crate::prompt::confirm;
use crate::snapshot::strategy::{strategy, Settings, Strategy};
use crate::snapshot::SessionSnapshot;

/// A session from someone else's file (a bundle, a snapshot file from elsewhere): says what would
/// run, and asks (or takes `yes`) before its commands run and its environment is set. Without a
/// yes its environment is dropped and its commands are only typed. Returns whether the user agreed.
pub fn vet_foreign(
    context: &Context,
    config: &Config,
    session: &mut SessionSnapshot,
    yes: bool,
) -> Result<bool> {
    let claude_settings = context.claude_settings_path();
    let claude_dir = claude::config_dir(&context.paths.home);
    let settings = Settings {
        shell: "",
        claude: &config.claude_command.value,
        claude_settings: &claude_settings,
        claude_dir: &claude_dir,
        restore_processes: &config.restore_processes.value,
        default_history_limit: 0,
        run_all: false,
        run_listed: false,
    };
    // Only Claude resuming its own conversation runs unasked. Its commands and its environment
    // (PROMPT_COMMAND, BASH_ENV, LD_PRELOAD, …) wait for a yes.
    let mut others = Vec::new();
    for pane in session.windows.iter().flat_map(|w| &w.panes) {
        match strategy(pane, Path::new(&pane.cwd), &settings) {
            Strategy::Run(command) => {
                eprintln!("cdev: will run in {}: {}", printable(&pane.cwd), printable(&command))
            }
            // (Its id is drawn when the pane is made.)
            Strategy::Fresh { .. } => eprintln!(
                "cdev: will start a new Claude conversation in {} (its own has no transcript here)",
                printable(&pane.cwd)
            ),
            Strategy::Type(command) => others.push((pane.cwd.clone(), command)),
            Strategy::Shell => {}
        }
    }
    for (cwd, command) in &others {
        eprintln!("cdev: typed but not run unless you agree, in {}: {}", printable(cwd), printable(command));
    }
    // Only variables that would be set: a `None` is tmux's "removed from this session" mark.
    let env_names: Vec<String> =
        session.env.iter().filter(|(_, v)| v.is_some()).map(|(k, _)| k.clone()).collect();
    if !env_names.is_empty() {
        eprintln!(
            "cdev: environment from the file, set only if you agree: {}",
            printable(&env_names.join(" "))
        );
    }
    let asked = !others.is_empty() || !env_names.is_empty();
    let agreed = asked && (yes || confirm("Run these commands and set this environment? [y/N] ")?);
    if !agreed {
        session.env.clear();
    }
    Ok(agreed)
}
