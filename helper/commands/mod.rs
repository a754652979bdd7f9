//! One module per subcommand, each a `run` function taking what it needs from [`Context`].

mod agents;
mod arrive;
mod attach;
mod claude;
mod completions;
mod config;
mod doctor;
mod env;
mod git_hook;
mod git_pane;
mod health;
mod lifecycle;
mod list;
mod new;
mod prompt;
mod relocate;
mod remote;
mod restore;
mod resurrect;
mod save;
mod saved;
mod share;
mod snapshots;
mod status;
mod switch;
mod template;
mod top;
mod transfer;
mod vscode;
mod worktree;

use std::path::PathBuf;

pub use lifecycle::parse_duration;
pub use restore::RESTORING_MARK;
pub use save::save_automatically;

use anyhow::{anyhow, bail, Context as _, Result};

use crate::cli::{Cli, Command, GitHookCommand};
use crate::config::Config;
use crate::paths::Paths;
use crate::tmux::{target, Server, Tmux, TmuxCommand};

/// What every command may need: the directories, and the tmux server it was pointed at.
pub struct Context {
    pub paths: Paths,
    pub server: Server,
    /// Running inside tmux and talking to that same server: `switch-client` instead of attaching.
    pub inside_tmux: bool,
}

impl Context {
    pub fn from_cli(cli: &Cli) -> Context {
        let explicit_server = cli.socket_name.is_some() || cli.socket_path.is_some();
        Context {
            paths: Paths::from_env(),
            server: Server::choose(cli.socket_name.clone(), cli.socket_path.clone()),
            inside_tmux: !explicit_server && std::env::var_os("TMUX").is_some_and(|v| !v.is_empty()),
        }
    }

    /// A gateway to the chosen server. Fails only when tmux is not installed.
    pub fn tmux(&self) -> Result<Tmux> {
        Tmux::new(self.server.clone(), self.paths.cache_dir.join("tmux-version"))
    }

    /// The session this process runs in (from `$TMUX_PANE`), when inside tmux.
    pub fn current_session(&self, tmux: &Tmux) -> Result<Option<String>> {
        let Some(pane) = std::env::var("TMUX_PANE").ok().filter(|p| self.inside_tmux && !p.is_empty()) else {
            return Ok(None);
        };
        let name = tmux
            .run(TmuxCommand::new("display-message").flag("-p").value("-t", &pane).arg("#{session_name}"))?;
        Ok(Some(name.trim_end_matches('\n').to_string()))
    }

    /// The project root cdev recorded on `session` (`@cdev_project_root`). A session cdev did
    /// not make (plain tmux, the seed's scripts) is adopted: its root is told from what it holds
    /// (`session::adopt`) and recorded on it.
    pub fn project_root(&self, tmux: &Tmux, session: &str) -> Result<PathBuf> {
        let target = target::session(session);
        let root = tmux
            .run(TmuxCommand::new("show-options").flag("-qv").value("-t", &target).arg("@cdev_project_root"))
            .with_context(|| format!("could not read session {session}"))?;
        let root = root.trim_end_matches('\n');
        if !root.is_empty() {
            return Ok(root.into());
        }
        let Some(root) = crate::session::adopt::project_root_of(tmux, session, &self.paths.home) else {
            bail!("could not tell the project of {session}: it was not made by cdev, and neither PROJECT_ROOT, its directory nor its panes name one");
        };
        // Only a session with cdev's name becomes cdev's: another one (`notes`) would then be
        // autosaved and offered to `cdev cleanup`, which the user never asked for.
        let config = self.file_config()?.with_tmux_options(&tmux.options()?, &self.paths)?;
        if config.is_cdev_session(session) {
            crate::session::adopt::record(tmux, session, &root).with_context(|| {
                format!("could not record {} as the project of {session}", root.display())
            })?;
        }
        Ok(root)
    }

    /// The named session, else the one this process runs in.
    pub fn session_or_current(&self, tmux: &Tmux, session: Option<String>) -> Result<String> {
        match session {
            Some(name) => Ok(name),
            None => self
                .current_session(tmux)?
                .ok_or_else(|| anyhow!("no session given, and not running inside tmux")),
        }
    }

    /// The hook settings file Claude panes get with `claude --settings`.
    pub fn claude_settings_path(&self) -> PathBuf {
        self.paths.state_dir.join("claude-hooks.json")
    }

    /// [`Context::claude_settings_path`], written (when it changed) for this cdev binary.
    pub fn install_claude_settings(&self) -> Result<PathBuf> {
        let path = self.claude_settings_path();
        let cdev = std::env::current_exe().context("could not find the cdev binary")?;
        crate::agent::settings::write_settings_file(&path, &cdev)?;
        Ok(path)
    }

    /// The user's shell (`$SHELL`), which runs pane commands; `/bin/sh` without one.
    pub fn user_shell(&self) -> String {
        std::env::var("SHELL").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "/bin/sh".into())
    }

    /// The templates: built-ins and the user's `templates/` directory.
    pub fn templates(&self) -> Result<crate::template::Registry> {
        crate::template::Registry::load(&self.paths.config_dir.join("templates"))
    }

    /// Defaults and the config file, without the server's options.
    pub fn file_config(&self) -> Result<Config> {
        Config::load(&self.paths).context("could not load config")
    }
}

pub fn run(cli: Cli) -> Result<()> {
    let context = Context::from_cli(&cli);
    match cli.command {
        Command::New { dir, template, name, worktrees, no_attach, dry_run } => new::run(
            &context,
            new::Request { dir, template, name, worktrees, attach: !no_attach, dry_run, client: None },
        ),
        Command::Template(command) => template::run(&context, command),
        Command::Claude(command) => claude::run(&context, command),
        Command::Env(command) => env::run(&context, command),
        Command::List { json, hosts: false } => list::run(&context, json),
        Command::List { json, hosts: true } => remote::list_hosts(&context, json),
        Command::Remote { host, project } => remote::remote(&context, &host, project),
        Command::Status { tmux_format } => status::run(&context, tmux_format),
        Command::Save { auto: true, closed: Some(session), .. } => {
            crate::autosave::closed(&context, &session)
        }
        Command::Save { auto: true, timer, .. } => crate::autosave::run(&context, timer),
        Command::Save { sessions, all, client, force, .. } => {
            save::run(&context, sessions, all, client, force)
        }
        Command::Restore { targets, as_name, force, client, yes } => {
            restore::run(&context, restore::Request { targets, as_name, force, client, yes })
        }
        Command::Snapshots { session, json } => snapshots::run(&context, session, json),
        Command::Kill { session, all, yes } => lifecycle::kill(&context, session, all, yes),
        Command::Worktree(command) => worktree::run(&context, command),
        Command::Check => worktree::check(&context),
        Command::Cleanup { older_than, idle_for, dry_run, yes, force } => {
            lifecycle::cleanup(&context, lifecycle::Cleanup { older_than, idle_for, dry_run, yes, force })
        }
        Command::Export { session, output, with_conversations, no_contents } => transfer::export(
            &context,
            transfer::ExportRequest {
                session,
                output,
                conversations: with_conversations,
                contents: !no_contents,
            },
        ),
        Command::Import { file, name, root, yes, check_only, json } => arrive::import(
            &context,
            arrive::Arrival { request: transfer::ImportRequest { file, name, root, yes }, check_only, json },
        ),
        Command::Move { session, host, root, keep } => {
            relocate::run(&context, relocate::Request { session, host, root, keep })
        }
        Command::Health { session, json } => health::run(&context, session, json),
        Command::Agents { json } => agents::agents(&context, json),
        Command::Next { client } => agents::next(&context, client),
        Command::Config { json } => config::run(&context, json),
        Command::Completions { shell } => completions::run(shell),
        Command::Switch { client, popup: Some(size), .. } => switch::open_popup(&context, client, &size),
        Command::Switch { name, client, popup: None } => switch::run(&context, name, client),
        Command::GitHook(GitHookCommand::Install { dir }) => git_hook::install(dir),
        Command::Top { json, interval } => top::run(&context, json, interval),
        Command::Resurrect { hook, file } => resurrect::run(&context, &hook, file),
        Command::Doctor => doctor::run(&context),
        Command::Vscode { dir } => vscode::run(dir),
        Command::Share { session, read_only, users, group } => {
            share::share(&context, share::Request { session, read_only, users, group })
        }
        Command::Unshare { session } => share::unshare(&context, &session),
        Command::GitStatus { session, client } => git_pane::run(&context, session, client),
        Command::Projects { json } => switch::list_projects(&context, json),
    }
}

/// Says `err` in `client`'s status line: for actions started from a key binding, whose output
/// nobody sees (a run-shell job, a popup that closes). Best effort: the error is also returned.
pub fn tell_client(context: &Context, client: &str, err: &anyhow::Error) {
    let message = crate::tmux::command::escape_format(&format!("cdev: {err:#}"));
    let shown = context
        .tmux()
        .and_then(|tmux| tmux.run(TmuxCommand::new("display-message").value("-c", client).arg(&message)));
    if let Err(not_shown) = shown {
        crate::log::debug("tell-client", &format!("{not_shown:#}"));
    }
}
