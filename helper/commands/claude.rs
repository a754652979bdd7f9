//! `cdev claude hook | statusline | install-hooks | uninstall-hooks`.

use anyhow::{Context as _, Result};

use super::Context;
use crate::agent::{hook, settings, usage};
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
        ClaudeCommand::InstallHooks { project } => change_hooks(context, project, true),
        ClaudeCommand::UninstallHooks { project } => change_hooks(context, project, false),
    }
}

fn handle_hook(context: &Context) -> Result<()> {
    // Outside tmux there is no pane to mark.
    let Some(pane) = std::env::var("TMUX_PANE").ok().filter(|p| !p.is_empty()) else { return Ok(()) };
    if std::env::var_os("TMUX").is_none_or(|t| t.is_empty()) {
        return Ok(());
    }
    let payload = hook::read_payload(std::io::stdin().lock()).context("stdin is not a hook payload")?;
    let tmux = context.tmux()?;
    hook::handle(&tmux, &context.paths.state_dir, &pane, &payload, chrono::Utc::now().timestamp())
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
        let recorded = context.tmux().and_then(|tmux| usage::record(&tmux, pane, &input, &day));
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
