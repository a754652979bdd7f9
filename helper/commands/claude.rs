//! `cdev claude hook | statusline | install-hooks | uninstall-hooks`.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use super::Context;
use crate::agent::{hook, settings, usage, watch, AgentState, Transition};
use crate::cli::ClaudeCommand;
use crate::humanize::shown_path;
use crate::log;

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
            let claude_dir = watch::claude_dir(&context.paths.home);
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

fn handle_hook(context: &Context) -> Result<()> {
    let pane = std::env::var("TMUX_PANE").ok().filter(|p| !p.is_empty());
    let payload = hook::read_payload(std::io::stdin().lock()).context("stdin is not a hook payload")?;
    let tmux = context.tmux()?.with_deadline(Instant::now() + HOOK_TMUX_DEADLINE);
    let pane = match pane {
        Some(pane) => pane,
        // Claude run in the background (`~/.claude/jobs/…`) or attached from elsewhere has no
        // pane of its own: the pane cdev gave that conversation, if this server has one, else
        // nothing at all (and no tmux call when no server runs).
        None => {
            let Some(id) = payload.session_id.as_deref() else { return Ok(()) };
            if !tmux.server().socket_path().exists() {
                return Ok(());
            }
            match hook::pane_of_conversation(&tmux, id) {
                Ok(Some(pane)) => pane,
                Ok(None) => return Ok(()),
                Err(err) if crate::tmux::is_no_server(&err) => return Ok(()),
                Err(err) => return Err(err),
            }
        }
    };
    let now = chrono::Utc::now().timestamp();
    let starting = payload.hook_event_name.as_deref() == Some("SessionStart");
    if let Some(id) = payload.session_id.as_deref().filter(|_| starting) {
        if watch::waiting_now(&watch::claude_dir(&context.paths.home), id) {
            let waiting = Transition::To(AgentState::Waiting);
            return hook::apply(&tmux, &context.paths.state_dir, &pane, waiting, &payload, now);
        }
    }
    hook::handle(&tmux, &context.paths.state_dir, &pane, &payload, now)
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
        let tmux = context.tmux().map(|t| t.with_deadline(Instant::now() + HOOK_TMUX_DEADLINE));
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
    let outcome = if install {
        let cdev = std::env::current_exe().context("could not find the cdev binary")?;
        settings::install(&path, &cdev)
    } else {
        settings::uninstall(&path)
    }
    .with_context(|| format!("could not {verb} hooks in {}", path.display()))?;
    let said = match (install, outcome) {
        (true, settings::Outcome::Changed) => "installed in",
        (false, settings::Outcome::Changed) => "removed from",
        (_, settings::Outcome::Unchanged) => "already as wanted in",
    };
    println!("cdev hooks {said} {}", shown_path(&path));
    Ok(())
}
