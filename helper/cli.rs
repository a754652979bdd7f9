//! The command line: [`Cli`] (the options every command takes) and [`Command`], one variant per
//! subcommand, each holding the Args struct (or subcommand enum) its own file in `commands/`
//! defines; [`run`] hands each to that file.

use std::path::PathBuf;

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};

use crate::commands::{
    agents, claude, completions, config, doctor, env, export, git_hook, git_pane, health, import, lifecycle,
    list, new, projects, relocate, remote, restore, resurrect, save, share, snapshots, status, switch,
    template, top, vscode, worktree,
};
use crate::context::Context;

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

impl Cli {
    /// The command lines run on every event, recognised without building the whole parser
    /// (clap's definition of every subcommand, which costs more than the hook's own work):
    /// `claude hook` exactly, as cdev writes it into Claude's settings, and `status`, as the
    /// status job runs it. Anything else, even with one more argument, goes through clap.
    pub fn hot_path(args: impl Iterator<Item = std::ffi::OsString>) -> Option<Cli> {
        let args: Vec<std::ffi::OsString> = args.take(3).collect();
        let command = match args.iter().map(|a| a.to_str()).collect::<Option<Vec<_>>>()?.as_slice() {
            ["claude", "hook"] => Command::Claude(claude::ClaudeCommand::Hook),
            // The `#(cdev status)` job, run by tmux on every status refresh.
            ["status"] => Command::Status(status::StatusArgs { tmux_format: false }),
            _ => return None,
        };
        Some(Cli { socket_name: None, socket_path: None, command })
    }
}

/// The subcommands, in the order `cdev --help` lists them; each one's help is on its Args.
#[derive(Debug, Subcommand)]
pub enum Command {
    New(new::NewArgs),
    #[command(subcommand)]
    Template(template::TemplateCommand),
    #[command(subcommand)]
    Env(env::EnvCommand),
    #[command(subcommand)]
    Claude(claude::ClaudeCommand),
    Health(health::HealthArgs),
    Status(status::StatusArgs),
    Agents(agents::AgentsArgs),
    Next(agents::NextArgs),
    Save(save::SaveArgs),
    Restore(restore::RestoreArgs),
    Snapshots(snapshots::SnapshotsArgs),
    Export(export::ExportArgs),
    Import(import::ImportArgs),
    Move(relocate::MoveArgs),
    Kill(lifecycle::KillArgs),
    Cleanup(lifecycle::CleanupArgs),
    Resurrect(resurrect::ResurrectArgs),
    Top(top::TopArgs),
    Check(worktree::CheckArgs),
    #[command(subcommand)]
    GitHook(git_hook::GitHookCommand),
    GitStatus(git_pane::GitStatusArgs),
    #[command(subcommand)]
    Worktree(worktree::WorktreeCommand),
    Switch(switch::SwitchArgs),
    Projects(projects::ProjectsArgs),
    List(list::ListArgs),
    /// Attach to (or make) PROJECT's session on HOST over ssh: cdev there if it has it, plain
    /// tmux otherwise. HOST is a [hosts.NAME] of config.toml or an ssh destination.
    Remote {
        host: String,
        project: Option<String>,
    },
    Doctor(doctor::DoctorArgs),
    Share(share::ShareArgs),
    Unshare(share::UnshareArgs),
    Vscode(vscode::VscodeArgs),
    Config(config::ConfigArgs),
    Completions(completions::CompletionsArgs),
}

/// Runs the command `cli` names, on the server it names.
pub fn run(cli: Cli) -> Result<()> {
    let context = Context::new(cli.socket_name, cli.socket_path);
    let context = &context;
    match cli.command {
        Command::New(args) => new::run(context, args),
        Command::Template(command) => template::run(context, command),
        Command::Env(command) => env::run(context, command),
        Command::Claude(command) => claude::run(context, command),
        Command::Health(args) => health::run(context, args),
        Command::Status(args) => status::run(context, args.tmux_format),
        Command::Agents(args) => agents::agents(context, args),
        Command::Next(args) => agents::next(context, args),
        Command::Save(args) => save::run(context, args),
        Command::Restore(args) => restore::run(context, args),
        Command::Snapshots(args) => snapshots::run(context, args),
        Command::Export(args) => export::run(context, args),
        Command::Import(args) => import::run(context, args),
        Command::Move(args) => relocate::run(context, args),
        Command::Kill(args) => lifecycle::kill(context, args),
        Command::Cleanup(args) => lifecycle::cleanup(context, args),
        Command::Resurrect(args) => resurrect::run(context, args),
        Command::Top(args) => top::run(context, args),
        Command::Check(args) => worktree::check(context, args),
        Command::GitHook(command) => git_hook::run(command),
        Command::GitStatus(args) => git_pane::run(context, args),
        Command::Worktree(command) => worktree::run(context, command),
        Command::Switch(args) => switch::run(context, args),
        Command::Projects(args) => projects::run(context, args),
        Command::List(args) if args.hosts => remote::list_hosts(context, args.json),
        Command::List(args) => list::run(context, args),
        Command::Remote { host, project } => remote::remote(context, &host, project),
        Command::Doctor(args) => doctor::run(context, args),
        Command::Share(args) => share::share(context, args),
        Command::Unshare(args) => share::unshare(context, args),
        Command::Vscode(args) => vscode::run(args),
        Command::Config(args) => config::run(context, args),
        Command::Completions(args) => completions::run(args, &mut Cli::command()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hot_path_reads_exactly_what_clap_reads() {
        let args = |list: &[&str]| list.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        for hot in [&["claude", "hook"][..], &["status"]] {
            let fast = Cli::hot_path(args(hot).into_iter()).expect("a hot path");
            let clap = Cli::try_parse_from(args(&[&["cdev"][..], hot].concat())).unwrap();
            assert_eq!(format!("{fast:?}"), format!("{clap:?}"));
        }
        for other in [
            &["claude", "hook", "-L", "x"][..],
            &["claude"],
            &["-L", "x", "claude", "hook"],
            &["status", "--tmux-format"],
            &[],
        ] {
            assert!(Cli::hot_path(args(other).into_iter()).is_none(), "{other:?}");
        }
    }
}
