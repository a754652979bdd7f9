//! What every command and service may need: cdev's directories and the tmux server it was
//! pointed at, with the few things read from them everywhere (the config, the templates, the
//! session this process runs in).

use crate::tmux::verbs;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context as _, Result};

use crate::config::Config;
use crate::paths::Paths;
use crate::tmux::{Server, Tmux};

/// What every command may need: the directories, and the tmux server it was pointed at.
pub struct Context {
    pub paths: Paths,
    pub server: Server,
    /// Running inside tmux and talking to that same server: `switch-client` instead of attaching.
    pub inside_tmux: bool,
}

impl Context {
    /// The context for the server named by `-L` (`socket_name`) or `-S` (`socket_path`), else
    /// the one this process runs under, else tmux's default.
    pub fn new(socket_name: Option<String>, socket_path: Option<PathBuf>) -> Context {
        let explicit_server = socket_name.is_some() || socket_path.is_some();
        Context {
            paths: Paths::from_env(),
            server: Server::choose(socket_name, socket_path),
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
        let name = tmux.run(verbs::expand_at(&pane, "#{session_name}"))?;
        Ok(Some(name.trim_end_matches('\n').to_string()))
    }

    /// The named session (which must exist), else the one this process runs in.
    pub fn session_or_current(&self, tmux: &Tmux, session: Option<String>) -> Result<String> {
        match session {
            // Checked here, so the command's error says so rather than tmux's about a target.
            Some(name) => match tmux.run(crate::tmux::verbs::has_session(&name)) {
                Ok(_) => Ok(name),
                Err(_) => bail!("{name}: no such session"),
            },
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

    /// Says `err` in `client`'s status line: for actions started from a key binding, whose output
    /// nobody sees (a run-shell job, a popup that closes). Best effort: the error is also returned.
    pub fn tell_client(&self, client: &str, err: &anyhow::Error) {
        let shown = self.tmux().and_then(|tmux| tmux.run(verbs::tell(client, &format!("cdev: {err:#}"))));
        if let Err(not_shown) = shown {
            crate::log::debug("tell-client", &format!("{not_shown:#}"));
        }
    }
}
