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
    /// Create a session for a project from its template, then attach (or switch) to it.
    New {
        /// The project directory (default: the current directory).
        dir: Option<PathBuf>,
        /// Use this template instead of the detected one.
        #[arg(short, long)]
        template: Option<String>,
        /// Name the session NAME instead of <prefix><project>.
        #[arg(short, long)]
        name: Option<String>,
        /// Give a Claude pane its own git worktree .worktrees/FEATURE (repeatable).
        #[arg(short, long = "worktree", value_name = "FEATURE")]
        worktrees: Vec<String>,
        /// Create the session but stay where you are; prints its name.
        #[arg(long)]
        no_attach: bool,
        /// Print the tmux command that would create the session (shell-quoted); change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Templates: list, show, validate, and write a starter .cdev.toml.
    #[command(subcommand)]
    Template(TemplateCommand),
    /// A session's environment: load the project's .env.claude into it, or show it.
    #[command(subcommand)]
    Env(EnvCommand),
    /// Claude Code integration: the hook handler, and cdev's hooks in Claude's settings.
    #[command(subcommand)]
    Claude(ClaudeCommand),
    /// Check cdev's sessions (or SESSION): panes against the template, worktrees, dead panes,
    /// exited commands, agents, uncommitted work, snapshots. Exit status 3 when something needs
    /// a look.
    Health {
        session: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The status-line segment: agents by state ("⏳1 ⚙2 ✓3"); empty without agents.
    Status {
        /// Print the segment as a tmux format instead (what #{cdev_status} becomes).
        #[arg(long)]
        tmux_format: bool,
    },
    /// Every Claude pane across sessions: state, for how long, session id, cwd, branch.
    Agents {
        #[arg(long)]
        json: bool,
    },
    /// Go to the agent that has waited longest (else the oldest unseen result).
    Next {
        /// The tmux client to switch (key bindings pass #{client_name}).
        #[arg(long, value_name = "CLIENT")]
        client: Option<String>,
    },
    /// Snapshot sessions: layout, cwds, commands, env, options, contents (atomic; never empty).
    Save {
        /// Sessions to save (default: the one you are in).
        sessions: Vec<String>,
        /// Save every session on the server.
        #[arg(long, conflicts_with = "sessions")]
        all: bool,
        /// Also tell this tmux client how it went (key bindings pass #{client_name}).
        #[arg(long, value_name = "CLIENT")]
        client: Option<String>,
        /// Make this the latest snapshot even when it has far fewer panes than the last one.
        #[arg(long)]
        force: bool,
        /// What cdev's autosave runs (tmux hooks, the interval timer): saves cdev's sessions when
        /// a save was asked for, one at a time, printing nothing.
        #[arg(long, conflicts_with_all = ["sessions", "all", "client", "force"])]
        auto: bool,
        /// An interval timer's tick (with --auto); set by cdev itself.
        #[arg(long, requires = "auto", hide = true, value_name = "TOKEN")]
        timer: Option<String>,
        /// The session just closed (with --auto; the plugin's session-closed hook): unless the
        /// whole server went, it was closed on purpose and `cdev restore` leaves it out.
        #[arg(long, requires = "auto", hide = true, value_name = "SESSION")]
        closed: Option<String>,
    },
    /// Recreate sessions from their latest good snapshot (or from SNAPSHOT files).
    Restore {
        /// Session names or snapshot files (default: every saved session not running now).
        targets: Vec<String>,
        /// Restore one session under another name.
        #[arg(long = "as", value_name = "NAME")]
        as_name: Option<String>,
        /// Replace a running session of the same name (it is saved first).
        #[arg(long)]
        force: bool,
        /// Switch this tmux client to the restored session (key bindings pass #{client_name}).
        #[arg(long, value_name = "CLIENT")]
        client: Option<String>,
        /// Run the commands and set the environment of a snapshot file from outside cdev's own
        /// snapshot directory without asking (such a file is someone else's, as an import is).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// The snapshots kept, or `verify` them all.
    Snapshots {
        /// Only this session's snapshots; `verify` checks every snapshot.
        session: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write a session to one portable file (layout, env, commands, cwds relative to the project).
    Export {
        session: String,
        /// The file (default: SESSION.cdev).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Include the Claude Code transcripts, so conversations resume on the other machine.
        #[arg(long)]
        with_conversations: bool,
        /// Leave the pane contents out.
        #[arg(long)]
        no_contents: bool,
    },
    /// Recreate an exported session here, after checking that the project's checkout is here,
    /// holds the commits of every checkout the bundle names, and no other session has the name.
    Import {
        /// The bundle; `-` reads it from stdin.
        file: PathBuf,
        /// The session's name here.
        #[arg(long)]
        name: Option<String>,
        /// The project root here (default: the exported one); cwds are rebased onto it.
        #[arg(long)]
        root: Option<PathBuf>,
        /// Also run commands that are not on the restore list, without asking.
        #[arg(long)]
        yes: bool,
        /// Only check (checkout, commits, name) and say what is missing; change nothing. Exit
        /// status 3 when something is.
        #[arg(long)]
        check_only: bool,
        /// Print the outcome as one line of JSON (what `cdev move` reads from the other side).
        #[arg(long)]
        json: bool,
    },
    /// Continue SESSION on HOST: save it, send it with its Claude conversations over ssh, import
    /// it there (after checking the project's checkout and branches are there), and end it here
    /// only once HOST confirms. Running it again after a failure is safe.
    Move {
        session: String,
        /// A [hosts.NAME] of config.toml, or an ssh destination.
        host: String,
        /// The project's checkout on HOST (default: projects_root/<project dir>, else the same
        /// path as here).
        #[arg(long, value_name = "DIR")]
        root: Option<String>,
        /// Keep the session here too.
        #[arg(long)]
        keep: bool,
    },
    /// Save a session, then kill it (it comes back with `cdev restore`); `--all` for every cdev
    /// session (typed confirmation, or --yes).
    Kill {
        session: Option<String>,
        #[arg(long, conflicts_with = "session")]
        all: bool,
        #[arg(long)]
        yes: bool,
    },
    /// Save and kill old or idle cdev sessions (default: created more than 24 hours ago). Never
    /// an attached one or one with an agent working or waiting, unless --force.
    Cleanup {
        /// Created longer ago than this (90s, 30m, 24h, 7d).
        #[arg(long, value_name = "DURATION")]
        older_than: Option<String>,
        /// Without activity for this long.
        #[arg(long, value_name = "DURATION")]
        idle_for: Option<String>,
        /// Show what would be killed, and stop.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        force: bool,
    },
    /// What cdev.tmux registers as tmux-resurrect's hooks: post-save-layout FILE (sidecar and the
    /// empty-save guard), post-save-all, pre-restore-all (a cdev snapshot first),
    /// post-restore-all (env, options, Claude conversations back). Never fails resurrect.
    Resurrect {
        #[arg(value_parser = ["post-save-layout", "post-save-all", "pre-restore-all", "post-restore-all"])]
        hook: String,
        /// The state file resurrect just wrote (post-save-layout).
        file: Option<PathBuf>,
    },
    /// CPU and memory per session, each pane's whole process tree counted, busiest first.
    Top {
        #[arg(long)]
        json: bool,
        /// How long CPU use is sampled, in milliseconds.
        #[arg(long, default_value_t = 500, value_name = "MS", value_parser = clap::value_parser!(u64).range(10..=60_000))]
        interval: u64,
    },
    /// Agent worktrees with uncommitted changes, across every cdev session (exit status 3 if any).
    Check,
    /// A pre-commit hook that warns about uncommitted work in agent worktrees (chains any hook
    /// already there; never blocks a commit).
    #[command(subcommand)]
    GitHook(GitHookCommand),
    /// Type `git status` into the session's git pane (the pane with role git), when it is at a
    /// shell prompt. Bound to prefix + g.
    GitStatus {
        session: Option<String>,
        /// The tmux client whose session is meant; errors go to its status line.
        #[arg(long, value_name = "CLIENT")]
        client: Option<String>,
    },
    /// Git worktrees under .worktrees/, each with a Claude pane.
    #[command(subcommand)]
    Worktree(WorktreeCommand),
    /// Go to a session (attach, or switch-client inside tmux), making it from the project when
    /// there is none. NAME is a session, a project under projects_dirs, or a path. Without NAME: a
    /// fuzzy picker on a terminal (Esc leaves it with exit status 130), else the session names.
    Switch {
        name: Option<String>,
        /// The tmux client to switch (prefix + T passes #{client_name}).
        #[arg(long, value_name = "CLIENT")]
        client: Option<String>,
        /// Open the picker in a popup of WIDTHxHEIGHT (cells or percent, e.g. 80%x60%) on
        /// --client, and return: what prefix + T runs.
        #[arg(long, value_name = "WIDTHxHEIGHT", requires = "client", conflicts_with = "name")]
        popup: Option<String>,
    },
    /// The projects under projects_dirs: git repositories and directories with project files.
    Projects {
        #[arg(long)]
        json: bool,
    },
    /// List every tmux session: project, windows, panes, clients, age and activity.
    List {
        /// Print JSON (an array of sessions) instead of a table.
        #[arg(long)]
        json: bool,
        /// The sessions on every host of config.toml instead, asked in parallel over ssh, each
        /// with its own timeout (a host that does not answer is a row saying so).
        #[arg(long)]
        hosts: bool,
    },
    /// Attach to (or make) PROJECT's session on HOST over ssh: cdev there if it has it, plain
    /// tmux otherwise. HOST is a [hosts.NAME] of config.toml or an ssh destination.
    Remote { host: String, project: Option<String> },
    /// Check the set-up: tmux, the plugin and helper, tmux-resurrect and tmux-continuum (autosave
    /// really on), the status segments, Claude Code's hooks, projects dirs; each finding with its
    /// fix. Exit status 3 when something needs a look.
    Doctor,
    /// Let named users join SESSION through a dedicated tmux server (never a world-writable
    /// socket): its directory is passable only, or enterable only by --group, and tmux's
    /// server-access (tmux 3.3) admits exactly those users. Prints the command they run.
    Share {
        session: String,
        /// Guests watch; what they type goes nowhere.
        #[arg(long)]
        read_only: bool,
        /// A user who may join (repeatable).
        #[arg(long = "user", value_name = "NAME")]
        users: Vec<String>,
        /// Every member of this group may join (the directory is the group's).
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
    },
    /// Stop sharing SESSION: the share's server ends and its socket is removed.
    Unshare { session: String },
    /// Add the "Attach to Claude Session" task to DIR/.vscode/tasks.json (default: here): it runs
    /// `cdev switch ${workspaceFolder}`. Keeps the file's other tasks and comments; idempotent.
    Vscode { dir: Option<PathBuf> },
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

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Every template, with where it comes from and what it detects.
    List,
    /// A template after `extends`, as TOML.
    Show { name: String },
    /// Check a template file; errors name the line and the key.
    Validate { file: PathBuf },
    /// Write a commented starter .cdev.toml for the project in DIR (default: here).
    Init {
        dir: Option<PathBuf>,
        /// Start from this template instead of the detected one.
        #[arg(short, long)]
        template: Option<String>,
        /// Replace an existing .cdev.toml.
        #[arg(long)]
        force: bool,
    },
}

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

#[derive(Debug, Subcommand)]
pub enum GitHookCommand {
    /// Install the hook in the repository holding DIR (default: here); `core.hooksPath` honoured.
    Install { dir: Option<PathBuf> },
}

#[derive(Debug, Subcommand)]
pub enum WorktreeCommand {
    /// Create .worktrees/FEATURE (branch FEATURE) and open a Claude pane in it.
    Add {
        feature: String,
        /// The session (default: the one you are in).
        #[arg(long)]
        session: Option<String>,
        /// Start the new branch here instead of HEAD.
        #[arg(long, value_name = "REF")]
        base: Option<String>,
    },
    /// The session's worktrees: branch, uncommitted changes, ahead/behind, agent state.
    List {
        #[arg(long)]
        session: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Close a worktree's panes and remove it; refused when it holds uncommitted changes or
    /// commits no other branch has, unless --force. The branch is kept.
    Rm {
        feature: String,
        #[arg(long)]
        session: Option<String>,
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum EnvCommand {
    /// Re-read the project's .env.claude into the session (panes made afterwards get it).
    Load { session: Option<String> },
    /// Print the session's environment.
    Show { session: Option<String> },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}
