//! `cdev restore [SESSION|SNAPSHOT…] [--as NAME] [--force]`: sessions back from their latest
//! good snapshot, all in one tmux chain. A running session of the same name is refused, or with
//! `--force` saved first and then replaced.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use super::Context;
use crate::agent::journal;
use crate::config::Config;
use crate::humanize::{printable, shown_path};
use crate::naming;
use crate::session::lock;
use crate::snapshot::files::{self, Store};
use crate::snapshot::rebuild::{apply_journal, session_chain, Settings};
use crate::snapshot::{SessionSnapshot, Snapshot};
use crate::tmux::command::escape_format;
use crate::tmux::state::SessionSummary;
use crate::tmux::{target, Server, Tmux, TmuxCommand, TmuxOptions};

/// What the temporary names of sessions being rebuilt hold (`<name>-restoring-<token>`): such a
/// session is never autosaved, and a failed restore removes its own.
pub const RESTORING_MARK: &str = "-restoring-";

pub struct Request {
    pub targets: Vec<String>,
    pub as_name: Option<String>,
    pub force: bool,
    pub client: Option<String>,
    /// Run a foreign snapshot file's commands and set its environment without asking.
    pub yes: bool,
}

pub fn run(context: &Context, request: Request) -> Result<()> {
    let tmux = context.tmux()?;
    let (options, running) = tmux
        .start_and_read::<SessionSummary>(TmuxCommand::new("list-sessions"))
        .context("could not read tmux")?;
    let config = context.file_config()?.with_tmux_options(&options, &context.paths)?;
    let store = Store::new(&context.paths.state_dir);
    let is_running = |name: &str| running.iter().any(|s| s.name == name);
    // Not for a copy (--as) or a session replaced while it runs (saved just now): the journal's
    // newer conversations belong to the live agents.
    let takes_journal = |name: &str| request.as_name.is_none() && !is_running(name);

    let mut chosen: Vec<(String, PathBuf, Snapshot)> = Vec::new();
    // Sessions from snapshot files found elsewhere, and whether the user agreed to run them.
    let mut foreign: Vec<(String, bool)> = Vec::new();
    if request.targets.is_empty() {
        // Every saved session that is not running now, but those closed on purpose.
        let mut names: Vec<String> = Vec::new();
        let mut closed: Vec<String> = Vec::new();
        for entry in store.list(None)? {
            if let Ok(snapshot) = files::load(&entry.path) {
                let name = snapshot.session.name;
                if names.contains(&name) || closed.contains(&name) || is_running(&name) {
                    continue;
                }
                match store.is_closed(&name) {
                    true => closed.push(name),
                    false => names.push(name),
                }
            }
        }
        if !closed.is_empty() {
            eprintln!(
                "cdev: not restored, closed on purpose: {} (`cdev restore NAME` brings one back)",
                closed.iter().map(|n| printable(n)).collect::<Vec<_>>().join(", ")
            );
        }
        for name in names {
            let (path, mut snapshot, skipped) = store.latest_good(&name)?;
            report_skipped(&skipped);
            if let Some(socket) = runs_elsewhere(
                &tmux.server().socket_path(),
                &context.paths.cache_dir.join("tmux-version"),
                &snapshot.session,
            ) {
                eprintln!(
                    "cdev: not restored, running on another tmux server ({socket}): {} (its agents would run twice)",
                    printable(&name)
                );
                continue;
            }
            if takes_journal(&name) {
                bring_up_to_date(context, &tmux, &mut snapshot);
            }
            chosen.push((name, path, snapshot));
        }
    }
    for target_name in &request.targets {
        // A snapshot file is named as a path (it has a `/` or ends in .json.gz); anything else is
        // a session name, even if a file of that name happens to be in the current directory.
        let is_file = target_name.contains('/') || target_name.ends_with(".json.gz");
        let (path, snapshot) = if is_file {
            let path = PathBuf::from(target_name);
            let fail = || format!("could not restore {}", path.display());
            let mut snapshot = files::load(&path).with_context(fail)?;
            // A file outside cdev's own snapshot directory is someone else's, as a bundle is.
            if !store.holds(&path) {
                let agreed =
                    super::transfer::vet_foreign(context, &config, &mut snapshot.session, request.yes)
                        .with_context(fail)?;
                foreign.push((snapshot.session.name.clone(), agreed));
            }
            (path, snapshot)
        } else {
            let (path, mut snapshot, skipped) =
                store.latest_good(target_name).with_context(|| format!("could not restore {target_name}"))?;
            report_skipped(&skipped);
            if let Some(socket) = runs_elsewhere(
                &tmux.server().socket_path(),
                &context.paths.cache_dir.join("tmux-version"),
                &snapshot.session,
            )
            .filter(|_| !request.force)
            {
                bail!(
                    "could not restore {}: it runs on another tmux server ({socket}), and its agents would run twice (--force restores it anyway)",
                    printable(target_name)
                );
            }
            if takes_journal(target_name) {
                bring_up_to_date(context, &tmux, &mut snapshot);
            }
            (path, snapshot)
        };
        chosen.push((snapshot.session.name.clone(), path, snapshot));
    }
    if let Some(name) = &request.as_name {
        if chosen.len() != 1 {
            bail!("could not restore: --as names one session, {} were chosen", chosen.len());
        }
        if naming::session_name("", name) != *name {
            bail!(crate::input_error::InputError::new(
                "--as",
                format!("{name:?} is not a usable session name")
            ));
        }
        if let Some(entry) = foreign.first_mut() {
            entry.0 = name.clone();
        }
        chosen[0].0 = name.clone();
    }
    if chosen.is_empty() {
        println!("nothing to restore");
        unsaved_conversations(context, &store, &is_running);
        return Ok(());
    }
    for (name, path, _) in &chosen {
        check_name(name, path)?;
    }
    // One restore of a name at a time: a run that waited here finds the session the other one
    // made running, and reports it rather than making a second copy (and a second Claude).
    let names: Vec<String> = chosen.iter().map(|(n, _, _)| n.clone()).collect();
    let _name_locks = lock::hold(&context.paths.state_dir, &names)?;
    let now_running = running_names(&tmux)?;
    let made_meanwhile = |name: &String| !is_running(name) && now_running.contains(name);
    chosen.retain(|(name, _, _)| {
        let meanwhile = made_meanwhile(name);
        if meanwhile {
            eprintln!("cdev: {}: restored meanwhile by another run; nothing to do", printable(name));
        }
        !meanwhile
    });
    if chosen.is_empty() {
        return Ok(());
    }
    let replacing: Vec<String> = chosen.iter().map(|(n, _, _)| n.clone()).filter(|n| is_running(n)).collect();
    if !replacing.is_empty() && !request.force {
        bail!(
            "could not restore {}: a session of that name is running (use --as NAME, or --force to replace it)",
            replacing.join(", ")
        );
    }
    if !replacing.is_empty() {
        // Never kill a session before its snapshot is safely written.
        for line in super::save::save(context, &tmux, &config, &replacing, true)? {
            eprintln!("cdev: before replacing it, {line}");
        }
    }

    let _lock = store.lock()?;
    let sessions: Vec<(String, &SessionSnapshot)> =
        chosen.iter().map(|(n, _, s)| (n.clone(), &s.session)).collect();
    let plan = Recreate {
        replacing: &replacing,
        client: request.client.as_deref(),
        run_all: false,
        run_listed: true,
        foreign: &foreign,
    };
    recreate(context, &tmux, &options, &config, &sessions, &plan).context("could not restore")?;
    for (name, path, snapshot) in &chosen {
        println!("{name}: restored {} panes from {}", snapshot.session.pane_count(), shown_path(path));
    }
    Ok(())
}

/// The socket of another live tmux server on which the session `saved` still runs, if it does
/// (its snapshot says which server saved it). Restoring it here too would start its Claude
/// conversations a second time.
pub fn runs_elsewhere(ours: &Path, version_cache: &Path, saved: &SessionSnapshot) -> Option<String> {
    let socket = saved.socket.as_deref()?;
    let resolved = |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if resolved(Path::new(socket)) == resolved(ours) {
        return None;
    }
    // A hung server is not waited for: it is taken for one that does not run the session.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    let there =
        Tmux::new(Server::Socket(socket.into()), version_cache.to_path_buf()).ok()?.with_deadline(deadline);
    let session = target::session(&saved.name);
    there.run(TmuxCommand::new("has-session").value("-t", &session)).ok().map(|_| socket.to_string())
}

/// Conversations the agent journal knows of in sessions that have no snapshot (a crash before
/// any save, with autosave off): nothing can rebuild those sessions, but each conversation can
/// be resumed by hand, so the user is told how.
fn unsaved_conversations(context: &Context, store: &Store, is_running: &dyn Fn(&str) -> bool) {
    let mut hints = Vec::new();
    for entry in journal::every_entry(&context.paths.state_dir) {
        let Some(id) = entry.claude_session.as_deref().filter(|id| crate::claude::is_conversation_id(id))
        else {
            continue;
        };
        let session = &entry.session;
        if is_running(session) || store.latest_good(session).is_ok() {
            continue;
        }
        let cwd =
            entry.cwd.as_deref().map(|c| shell_words::quote(c).into_owned()).unwrap_or_else(|| "DIR".into());
        let hint = format!("  {}: cd {cwd} && claude --resume {id}", printable(session));
        if !hints.contains(&hint) {
            hints.push(hint);
        }
    }
    if !hints.is_empty() {
        eprintln!("cdev: no snapshot holds these conversations (their sessions were never saved); resume them by hand:");
        for hint in hints {
            eprintln!("{hint}");
        }
    }
}

/// Whether tmux makes a session called `name` under exactly that name.
fn keeps_name(name: &str) -> bool {
    naming::is_valid_session_name(name) && naming::session_name("", name) == name
}

/// The sessions running now, by name.
fn running_names(tmux: &Tmux) -> Result<Vec<String>> {
    let sessions = tmux.read_with_options::<SessionSummary>(TmuxCommand::new("list-sessions"))?;
    Ok(sessions.map(|(_, s)| s).unwrap_or_default().into_iter().map(|s| s.name).collect())
}

/// A snapshot's session name must be one tmux keeps as it is (a hand-made or old file may hold
/// `a:b` or nothing): tmux would make the session under another name, and nothing after that
/// could find it.
fn check_name(name: &str, path: &std::path::Path) -> Result<()> {
    if keeps_name(name) {
        return Ok(());
    }
    bail!(crate::input_error::InputError::new(
        format!("could not restore {}", shown_path(path)),
        format!("its session name {name:?} is not one tmux keeps as it is; restore it with --as NAME")
    ))
}

/// A session's latest snapshot with what the agent journal learned after it (not a snapshot
/// file named on the command line: that one is restored as it is).
fn bring_up_to_date(context: &Context, tmux: &Tmux, snapshot: &mut Snapshot) {
    let socket = tmux.server().socket_path();
    let entries = journal::read_for_restore(&context.paths.state_dir, &snapshot.session.name, &socket);
    let applied = apply_journal(snapshot, &entries);
    let name = printable(&snapshot.session.name);
    if applied.resumed > 0 {
        eprintln!(
            "cdev: {name}: {} agent(s) resume the conversation the journal recorded after the snapshot",
            applied.resumed
        );
    }
    for line in &applied.added {
        eprintln!("cdev: {name}: {line}");
    }
}

/// How `recreate` treats what is there and what the snapshots hold.
pub struct Recreate<'a> {
    /// Running sessions to kill first (already saved).
    pub replacing: &'a [String],
    /// A client to switch to the first session.
    pub client: Option<&'a str>,
    /// Run every saved command, not only those on the restore list.
    pub run_all: bool,
    /// Run the commands on the restore list.
    pub run_listed: bool,
    /// Sessions from someone else's file, with whether the user agreed to run their commands
    /// (then all of them run, as `run_all`; else none, as for an import nobody confirmed).
    pub foreign: &'a [(String, bool)],
}

/// Makes `sessions` (name, snapshot) in one chain of tmux commands; a failure leaves none of
/// them behind. Notes (missing cwds) go to stderr.
pub fn recreate(
    context: &Context,
    tmux: &Tmux,
    options: &TmuxOptions,
    config: &Config,
    sessions: &[(String, &SessionSnapshot)],
    plan: &Recreate<'_>,
) -> Result<()> {
    // A name tmux would change could never be found again (import comes here with a bundle's
    // name; restore has checked already, naming the file): refused before anything is made.
    if let Some((name, _)) = sessions.iter().find(|(name, _)| !keeps_name(name)) {
        bail!("the session name {name:?} is not one tmux keeps as it is; use another name");
    }
    let claude_settings = context.install_claude_settings()?;
    let shell = context.user_shell();
    let claude_dir = crate::claude::config_dir(&context.paths.home);
    let settings = Settings {
        shell: &shell,
        claude: &config.claude_command.value,
        claude_settings: &claude_settings,
        claude_dir: &claude_dir,
        restore_processes: &config.restore_processes.value,
        default_history_limit: options.number("history-limit", 2000),
        run_all: plan.run_all,
        run_listed: plan.run_listed,
    };
    let indexes = (options.number("base-index", 0), options.number("pane-base-index", 0));
    let contents_dir = context.paths.state_dir.join("restore-contents");
    let mut chain = Vec::new();
    let mut notes = Vec::new();
    // Every session is built under a temporary name no one else has: a failed build is removed
    // without touching anyone's session, and a session being replaced stays live until its
    // replacement is whole. Then clients move, the old one goes, and the new one is named.
    let token = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let building = |name: &str| format!("{name}{RESTORING_MARK}{token}");
    for (name, session) in sessions {
        let mut contents = Vec::new();
        for pane in session.windows.iter().flat_map(|w| &w.panes) {
            let file = match &pane.contents {
                Some(text) if !text.is_empty() => Some(files::write_temp(&contents_dir, text.as_bytes())?),
                _ => None,
            };
            contents.push(file);
        }
        let settings = match plan.foreign.iter().find(|(n, _)| n == name) {
            Some((_, agreed)) => Settings { run_all: *agreed, run_listed: *agreed, ..settings },
            None => Settings { ..settings },
        };
        chain.extend(session_chain(&building(name), session, &contents, &settings, indexes, &mut notes));
    }
    if let Err(err) = tmux.run_chain(&chain) {
        // Nothing half-made stays; the live sessions were not touched. (Contents files the
        // panes did not get to are left in restore-contents, cleaned up later.) One kill per
        // session, not one chain: tmux stops a chain at the first session that was never made.
        for (name, _) in sessions {
            let _ = tmux.run(TmuxCommand::new("kill-session").value("-t", &target::session(&building(name))));
        }
        return Err(err);
    }
    let mut swap = Vec::new();
    let clients = match plan.replacing.is_empty() {
        true => String::new(),
        false => {
            tmux.run(TmuxCommand::new("list-clients").format("-F", "#{client_name}\t#{client_session}"))?
        }
    };
    for (name, _) in sessions {
        let new = building(name);
        if plan.replacing.contains(name) {
            for (client, _) in clients.lines().filter_map(|l| l.split_once('\t')).filter(|(_, s)| s == name) {
                swap.push(
                    TmuxCommand::new("switch-client").value("-c", client).value("-t", &target::session(&new)),
                );
            }
            swap.push(TmuxCommand::new("kill-session").value("-t", &target::session(name)));
        }
        swap.push(
            TmuxCommand::new("rename-session").value("-t", &target::session(&new)).arg(&escape_format(name)),
        );
    }
    if let (Some(client), Some((name, _))) = (plan.client, sessions.first()) {
        swap.push(TmuxCommand::new("switch-client").value("-c", client).value("-t", &target::session(name)));
    }
    swap.extend(crate::autosave::request());
    if let Err(err) = tmux.run_chain(&swap) {
        // A session of one of these names appeared meanwhile (made by hand, or by a cdev that
        // did not wait for the name's lock): the copies made here go, nothing else is touched.
        let left = running_names(tmux).unwrap_or_default();
        for (name, _) in sessions {
            let copy = building(name);
            if left.contains(&copy) {
                let _ = tmux.run(TmuxCommand::new("kill-session").value("-t", &target::session(&copy)));
            }
        }
        return Err(err.context("the sessions were rebuilt, but could not take their names"));
    }
    for note in notes {
        eprintln!("cdev: note: {}", printable(&note));
    }
    Ok(())
}

fn report_skipped(skipped: &[String]) {
    for damaged in skipped {
        eprintln!("cdev: skipped a damaged snapshot, using an older one: {damaged}");
    }
}
