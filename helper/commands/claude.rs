//! `cdev claude hook | statusline | install-hooks | uninstall-hooks`.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use clap::Subcommand;

use super::Context;
use crate::agent::claude::{self, SessionId};
use crate::agent::{hook, settings, usage, watch, AgentState, Transition};
use crate::humanize::{printable, shown_path};
use crate::log;

/// Claude Code integration: the hook handler, and cdev's hooks in Claude's settings.
#[derive(Debug, Subcommand)]
pub enum ClaudeCommand {
    /// The handler Claude Code runs on each event (JSON on stdin). Prints nothing, exits 0.
    Hook,
    /// Claude Code's statusLine command: records the agent's cost, context use and the
    /// account's rate-limit windows on its pane, then prints what the user's own statusLine
    /// command prints for the same input (without one, a short line of its own). Always exits 0.
    Statusline {
        /// The user's statusLine command this one chains (what install-hooks found there).
        #[arg(long, value_name = "COMMAND", allow_hyphen_values = true)]
        then: Option<String>,
    },
    /// Notice what Claude Code reports to no hook (an interrupt: Esc mid-turn or a refused
    /// permission prompt) in its transcripts and status files, and make that agent idle. One per tmux server:
    /// cdev.tmux starts it, and it ends with the server. Prints nothing, exits 0.
    Watch,
    /// Add cdev's hooks and statusLine (chaining yours) to ~/.claude/settings.json (honours
    /// CLAUDE_CONFIG_DIR), for Claude started by hand; panes cdev starts get them without this.
    InstallHooks {
        /// Use the project's .claude/settings.local.json instead.
        #[arg(long)]
        project: bool,
    },
    /// Remove exactly cdev's hooks from the settings file, and give back your own statusLine.
    UninstallHooks {
        #[arg(long)]
        project: bool,
    },
}

pub fn run(context: &Context, command: ClaudeCommand) -> Result<()> {
    match command {
        ClaudeCommand::Hook => {
            // Never fails visibly: Claude Code shows a hook's errors to the user.
            if let Err(err) = handle_hook(context) {
                log::debug("claude hook", &format!("{err:#}"));
            }
            Ok(())
        }
        ClaudeCommand::Statusline { then } => {
            // Claude Code shows what this prints as its status line: errors only go to the log.
            if let Err(err) = statusline(context, then.as_deref()) {
                log::debug("claude statusline", &format!("{err:#}"));
            }
            Ok(())
        }
        ClaudeCommand::Watch => {
            // A tmux job: whatever it printed would be shown in a pane.
            let tmux = || Ok(context.tmux()?.with_deadline(Instant::now() + WATCH_TMUX_DEADLINE));
            let claude_dir = claude::config_dir(&context.paths.home);
            if let Err(err) = watch::run(&tmux, &context.paths.state_dir, &claude_dir) {
                log::debug("claude watch", &format!("{err:#}"));
            }
            Ok(())
        }
        ClaudeCommand::InstallHooks { project } => change_hooks(context, project, true),
        ClaudeCommand::UninstallHooks { project } => change_hooks(context, project, false),
    }
}

/// How long the hook handler may wait on tmux in all: Claude Code waits for the hook, and a
/// stopped or wedged server would otherwise hold the agent up for good.
const HOOK_TMUX_DEADLINE: Duration = Duration::from_millis(400);

/// The watcher's calls too: a server that hangs must not stall it for good.
const WATCH_TMUX_DEADLINE: Duration = Duration::from_secs(2);

/// The tmux handle for what Claude Code runs (hooks, statusLine): never waiting longer than
/// `HOOK_TMUX_DEADLINE`, and only ever reaching the server of the pane Claude runs in. A Claude
/// Code of a server that ended (its hooks still firing as it exits) must not write onto the
/// server that took the socket since: pane ids start over there, and `%41` may be another pane.
fn pane_server(context: &Context) -> Result<crate::tmux::Tmux> {
    let tmux = context.tmux()?.with_deadline(Instant::now() + HOOK_TMUX_DEADLINE);
    Ok(tmux.only_server_pid(crate::tmux::Server::tmux_env_pid()))
}

fn handle_hook(context: &Context) -> Result<()> {
    let pane = std::env::var("TMUX_PANE").ok().filter(|p| !p.is_empty());
    let payload = hook::read_payload(std::io::stdin().lock()).context("stdin is not a hook payload")?;
    crate::timings::mark("read the payload");
    let tmux = pane_server(context)?;
    let pane = match pane {
        Some(pane) => pane,
        // Claude run in the background (`~/.claude/jobs/…`) or attached from elsewhere has no
        // pane of its own: the pane cdev gave that conversation, if this server has one, else
        // nothing at all (and no tmux call when no server runs).
        None => {
            let Some(id) = payload.session_id.as_deref().and_then(SessionId::parse) else { return Ok(()) };
            if !tmux.server().socket_path().exists() {
                return Ok(());
            }
            match hook::pane_of_conversation(&tmux, &id) {
                Ok(Some(pane)) => pane,
                Ok(None) => return Ok(()),
                Err(err) if crate::tmux::is_no_server(&err) => return Ok(()),
                Err(err) => return Err(err),
            }
        }
    };
    let now_ms = chrono::Utc::now().timestamp_millis();
    let starting = payload.hook_event_name.as_deref() == Some("SessionStart");
    if let Some(id) = payload.session_id.as_deref().and_then(SessionId::parse).filter(|_| starting) {
        if watch::waiting_now(&claude::config_dir(&context.paths.home), &id) {
            let waiting = Transition::To(AgentState::Waiting);
            return hook::apply(&tmux, &context.paths.state_dir, &pane, waiting, &payload, now_ms);
        }
    }
    hook::handle(&tmux, &context.paths.state_dir, &pane, &payload, now_ms)
}

/// Records the update on the pane (inside tmux) while the user's own statusLine command runs,
/// then prints its output.
fn statusline(context: &Context, then: Option<&str>) -> Result<()> {
    let bytes = usage::read_input(std::io::stdin().lock())?;
    let input = usage::parse(&bytes).unwrap_or_default();
    let pane = std::env::var("TMUX_PANE").ok().filter(|p| !p.is_empty());
    let in_tmux = std::env::var_os("TMUX").is_some_and(|t| !t.is_empty());
    let record = || {
        let Some(pane) = pane.as_deref().filter(|_| in_tmux) else { return };
        let day = chrono::Local::now().format("%Y-%m-%d").to_string();
        // Claude Code waits for its statusLine too: never longer than for a hook.
        let tmux = pane_server(context);
        let recorded = tmux.and_then(|tmux| usage::record(&tmux, pane, &input, &day));
        if let Err(err) = recorded {
            log::debug("claude statusline", &format!("{err:#}"));
        }
    };
    let project = input.workspace.as_ref().and_then(|w| w.project_dir.as_deref()).or(input.cwd.as_deref());
    let user_settings = settings::user_settings_path(&context.paths.home, None);
    match usage::user_command(then, &user_settings, project.map(std::path::Path::new)) {
        Some(command) => {
            let printed = usage::run_user_command(&command, &bytes, record)?;
            std::io::Write::write_all(&mut std::io::stdout().lock(), &printed)?;
        }
        None => {
            record();
            print!("{}", usage::default_line(&input));
        }
    }
    Ok(())
}

fn change_hooks(context: &Context, project: bool, install: bool) -> Result<()> {
    let root = match project {
        true => {
            let cwd = std::env::current_dir().context("could not read the current directory")?;
            Some(crate::git::toplevel(&cwd).unwrap_or(cwd))
        }
        false => None,
    };
    let path = settings::user_settings_path(&context.paths.home, root.as_deref());
    let verb = if install { "install" } else { "uninstall" };
    // Every error of the settings names the file (with its line and key where there is one).
    let failed = || format!("could not {verb} cdev's hooks");
    let (outcome, chained) = if install {
        let cdev = std::env::current_exe().context("could not find the cdev binary")?;
        let installed = settings::install(&path, &cdev).with_context(failed)?;
        (installed.outcome, installed.chained)
    } else {
        (settings::uninstall(&path).with_context(failed)?, None)
    };
    let said = match (install, outcome) {
        (true, settings::Outcome::Changed) => "installed in",
        (false, settings::Outcome::Changed) => "removed from",
        (_, settings::Outcome::Unchanged) => "already as wanted in",
    };
    println!("cdev hooks {said} {}", shown_path(&path));
    // Their own statusLine command changed place in their file: say it is still there.
    if let Some(theirs) = chained {
        println!(
            "your statusLine `{}` is kept: it runs after cdev's, and shows what it showed",
            printable(&theirs)
        );
    }
    Ok(())
}
