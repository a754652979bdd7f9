//! The names of the user options in which cdev keeps its state on panes, sessions and the server
//! (`@cdev_*`; the user's settings are `@cdev-*` and belong to `config/`). This is the one place
//! each is spelled: Rust code names them through these constants, and a test checks that the
//! shell scripts and `cdev.tmux`, which spell them as they must, use only names declared here.

/// Where tmux keeps an option: which `set-option` flag writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `set-option -p`: one pane's.
    Pane,
    /// `set-option -t <session>`: one session's.
    Session,
    /// `set-option -g`: the server's.
    Global,
}

/// Declares each option once: its constant, its doc line and its scope, and [`ALL`] from them.
macro_rules! cdev_options {
    ($($(#[doc = $doc:literal])+ $name:ident = $value:literal, $scope:ident;)+) => {
        $($(#[doc = $doc])+ pub const $name: &str = $value;)+
        /// Every option cdev keeps state in, with its scope.
        pub const ALL: &[(&str, Scope)] = &[$(($value, Scope::$scope)),+];
    };
}

/// What every one of cdev's state options starts with (snapshots keep the options so named).
pub const PREFIX: &str = "@cdev_";

cdev_options! {
    /// The Claude conversation id of the pane's agent. Written by `session::create` and the
    /// `worktree` command when they start Claude, by every hook (`agent::hook`), by restores
    /// (`snapshot::rebuild`, `snapshot::catch_up`, `resurrect::restore`); read by snapshots, `agents`, `switch`, moves.
    CLAUDE_SESSION = "@cdev_claude_session", Pane;
    /// The path of that conversation's transcript. Written by `agent::hook`; read by the watcher
    /// (`agent::watch`), snapshots and `export` (which drops it).
    CLAUDE_TRANSCRIPT = "@cdev_claude_transcript", Pane;
    /// What the pane's transcript says its agent used, for agents without cdev's statusLine:
    /// tokens, estimated cost, context, and how far the transcript was read. Written by
    /// `agent::transcript_usage` (the watcher, `agents`, `list`); read by `agents`, `list`, the picker.
    TRANSCRIPT_USAGE = "@cdev_transcript_usage", Pane;
    /// The git worktree the pane's agent works in. Written by `session::create`, the `worktree`
    /// command and `resurrect::restore`; read by `agents`, `health`, `worktree` and snapshots.
    WORKTREE = "@cdev_worktree", Pane;
    /// The role the template gave the pane (claude, editor, git, …). Written by
    /// `session::create`, `worktree`, restores; read by `git` (finding the git pane), `health`.
    ROLE = "@cdev_role", Pane;
    /// The agent's state (working, waiting, done, idle, ended). Written by `agent::hook` and the
    /// focus hooks of `scripts/agents.sh` (done → idle); read by the status-line formats,
    /// `cdev status`, `agents`, `next`, `health` and snapshots.
    AGENT_STATE = "@cdev_agent_state", Pane;
    /// When the agent entered its state (Unix time). Written by `agent::hook`; read by `agents`,
    /// `health` and the hook itself (a watcher's late report does not undo a newer state).
    AGENT_SINCE = "@cdev_agent_since", Pane;
    /// The same moment in Unix milliseconds. Written with it by `agent::hook`; read by the hook
    /// when the watcher reports Claude idle or waiting at a millisecond: a turn begun in the same
    /// second as that report, but after it, keeps its state.
    AGENT_SINCE_MS = "@cdev_agent_since_ms", Pane;
    /// A token of the hook call that last changed the state. Written and read back by
    /// `agent::hook` in one tmux call, so only the call that changed it notifies.
    AGENT_CHANGE = "@cdev_agent_change", Pane;
    /// The pane's hook counter. Written by `agent::hook`; read back with it so racing journal
    /// writes keep the newest description (`agent::journal`).
    AGENT_SEQ = "@cdev_agent_seq", Pane;
    /// Why the agent stopped with an error (StopFailure's `error`). Written by `agent::hook`;
    /// read by `health`.
    AGENT_ERROR = "@cdev_agent_error", Pane;
    /// What the pane's agent cost so far (USD): `COST_BASE` plus `COST_RAW`. Written by
    /// `agent::usage` (Claude Code's statusLine); read by `agents`, `top` and snapshots.
    COST = "@cdev_cost", Pane;
    /// What the current Claude process of the pane reported it cost. Written and read by
    /// `agent::usage`; kept by snapshots.
    COST_RAW = "@cdev_cost_raw", Pane;
    /// What earlier Claude processes of the pane's agent cost (a resumed Claude counts from zero).
    /// Written and read by `agent::usage`; kept by snapshots.
    COST_BASE = "@cdev_cost_base", Pane;
    /// How much of its context window the agent used (percent). Written by `agent::usage`; read
    /// by `agents`.
    CONTEXT = "@cdev_context", Pane;
    /// The agent's model, as Claude Code names it. Written by `agent::usage`; read by `agents`.
    MODEL = "@cdev_model", Pane;
    /// The project a session works on. Written by `session::create`, `session::adopt` and
    /// `import`; read by nearly every command (naming, `health`, hooks' notifications, snapshots).
    PROJECT_ROOT = "@cdev_project_root", Session;
    /// The template a session was made from. Written by `session::create`; read by `health` and
    /// snapshots.
    TEMPLATE = "@cdev_template", Session;
    /// The variables `.env.claude` set (space-separated identifiers). Written by
    /// `session::create` and `cdev env load`, which reads it to unset what the file dropped.
    ENV_KEYS = "@cdev_env_keys", Session;
    /// A scratch option a long environment value is gathered in, piece by piece, and unset.
    /// Written and read by `tmux::environment` in one tmux call.
    ENV_PIECE = "@cdev_env_piece", Session;
    /// The snapshot file a session was restored from. Written by `snapshot::restore` once the
    /// session is whole; read by it, so a restore racing another for the same snapshot finds the
    /// work done rather than a name conflict. Not saved in snapshots.
    RESTORED_FROM = "@cdev_restored_from", Session;
    /// Which `cdev move` brought a session. Written by `transfer::relocate` (in the bundle);
    /// read by `transfer::arrive`, so a retried move finds the session it already made.
    MOVE_ID = "@cdev_move_id", Session;
    /// A counter of agent state changes. Written by `agent::hook` and `scripts/agents.sh`; read
    /// by the `#(cdev status)` job's command line, so tmux re-runs it at once.
    STATUS_EPOCH = "@cdev_status_epoch", Global;
    /// What every agent cost today (USD). Written by `agent::usage`; read by the usage segment
    /// of `scripts/agents.sh`.
    COST_TODAY = "@cdev_cost_today", Global;
    /// The day `COST_TODAY` counts (YYYY-MM-DD). Written by `agent::usage`; read by it and by the
    /// usage segment.
    COST_DAY = "@cdev_cost_day", Global;
    /// The account's tightest rate-limit window, e.g. `5h 42%`. Written by `agent::usage`; read by
    /// the usage segment.
    RATE = "@cdev_rate", Global;
    /// Set while a request waits for an autosave. Written by `autosave::request` and
    /// `scripts/autosave.sh`'s hooks; read and cleared by `snapshot::autosave`.
    AUTOSAVE_PENDING = "@cdev_autosave_pending", Global;
    /// The live autosave timer: its token and when its next tick is due (Unix time). Written and
    /// read by `snapshot::autosave`, so a second timer never runs beside it.
    AUTOSAVE_TIMER = "@cdev_autosave_timer", Global;
    /// When the last autosave ran and how it went. Written by `snapshot::autosave`; read by
    /// `cdev doctor`.
    AUTOSAVE_LAST = "@cdev_autosave_last", Global;
    /// Set, to the Unix time it lapses, while tmux-resurrect restores. Written by
    /// `autosave::pause` (resurrect's pre-restore hook, `resurrect/mod.rs`); read by `snapshot::autosave`.
    AUTOSAVE_PAUSED = "@cdev_autosave_paused", Global;
    /// The running transcript watcher's process id. Written by `agent::watch`, which reads it to
    /// start only one.
    WATCH_PID = "@cdev_watch_pid", Global;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `@cdev_…` name in `text`, as far as a name's characters go.
    fn names_in(text: &str) -> Vec<&str> {
        text.match_indices(PREFIX)
            .map(|(at, _)| {
                let rest = &text[at..];
                let end = rest[1..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .map_or(rest.len(), |i| i + 1);
                &rest[..end]
            })
            .collect()
    }

    #[test]
    fn the_shell_side_names_only_declared_options() {
        let files = [
            ("cdev.tmux", include_str!("../../cdev.tmux")),
            ("scripts/agents.sh", include_str!("../../scripts/agents.sh")),
            ("scripts/aliases.sh", include_str!("../../scripts/aliases.sh")),
            ("scripts/autosave.sh", include_str!("../../scripts/autosave.sh")),
            ("scripts/binary.sh", include_str!("../../scripts/binary.sh")),
            ("scripts/helpers.sh", include_str!("../../scripts/helpers.sh")),
            ("scripts/resurrect.sh", include_str!("../../scripts/resurrect.sh")),
            ("scripts/variables.sh", include_str!("../../scripts/variables.sh")),
            ("scripts/watcher.sh", include_str!("../../scripts/watcher.sh")),
        ];
        let mut seen = 0;
        for (file, text) in files {
            for name in names_in(text) {
                assert!(
                    ALL.iter().any(|(n, _)| *n == name),
                    "{file} uses {name}, not declared in cdev_option.rs"
                );
                seen += 1;
            }
        }
        assert!(seen > 10, "the scripts' options were not found ({seen})");
    }

    #[test]
    fn every_script_is_checked() {
        let listed =
            ["agents", "aliases", "autosave", "binary", "helpers", "resurrect", "variables", "watcher"];
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "sh") {
                let stem = path.file_stem().unwrap().to_str().unwrap();
                assert!(listed.contains(&stem), "scripts/{stem}.sh is not read by the test above");
            }
        }
    }

    #[test]
    fn names_are_unique_and_prefixed() {
        for (i, (name, _)) in ALL.iter().enumerate() {
            assert!(name.starts_with(PREFIX), "{name}");
            assert!(!ALL[..i].iter().any(|(n, _)| n == name), "{name} twice");
        }
    }
}
