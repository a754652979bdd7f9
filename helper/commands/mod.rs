//! One module per subcommand, each a `run` function taking what it needs from [`Context`].

mod completions;
mod config;
mod list;

use anyhow::{Context as _, Result};

use crate::cli::{Cli, Command};
use crate::config::Config;
use crate::paths::Paths;
use crate::tmux::{Server, Tmux};

/// What every command may need: the directories, and the tmux server it was pointed at.
pub struct Context {
    pub paths: Paths,
    pub server: Server,
}

impl Context {
    pub fn from_cli(cli: &Cli) -> Context {
        Context {
            paths: Paths::from_env(),
            server: Server::choose(cli.socket_name.clone(), cli.socket_path.clone()),
        }
    }

    /// A gateway to the chosen server. Fails only when tmux is not installed.
    pub fn tmux(&self) -> Result<Tmux> {
        Tmux::new(self.server.clone(), self.paths.cache_dir.join("tmux-version"))
    }

    /// Defaults and the config file, without the server's options.
    pub fn file_config(&self) -> Result<Config> {
        Config::load(&self.paths).context("could not load config")
    }
}

pub fn run(cli: Cli) -> Result<()> {
    let context = Context::from_cli(&cli);
    match cli.command {
        Command::List { json } => list::run(&context, json),
        Command::Config { json } => config::run(&context, json),
        Command::Completions { shell } => completions::run(shell),
    }
}
