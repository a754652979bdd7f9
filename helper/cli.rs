//! The command line, as clap types only; what each command does lives in `commands/`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// cdev: tmux sessions for many Claude Code agents across projects and git worktrees.
#[derive(Debug, Parser)]
#[command(name = "cdev", version, about, propagate_version = true)]
pub struct Cli {
    /// Use the tmux server on socket NAME in tmux's socket directory (as `tmux -L`).
    #[arg(short = 'L', global = true, value_name = "NAME")]
    pub socket_name: Option<String>,

    /// Use the tmux server at socket PATH (as `tmux -S`); wins over -L.
    #[arg(short = 'S', global = true, value_name = "PATH")]
    pub socket_path: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every tmux session: project, windows, panes, clients, age and activity.
    List {
        /// Print JSON (an array of sessions) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show the effective configuration and where each value came from.
    Config {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}
