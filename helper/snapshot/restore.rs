//! Restoring (`cdev restore`, and Enter on a saved session in the picker): sessions back from
//! their latest good snapshot, or from snapshot files, all in one tmux chain (`recreate.rs`). A running session of the same name is refused, or with
//! `--force` saved first and then replaced.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use crate::agent::journal;
use crate::context::Context;
use crate::humanize::{printable, shown_path};
use crate::name_lock;
use crate::naming;
use crate::snapshot::catch_up::apply_journal;
use crate::snapshot::files::{self, Store};
use crate::snapshot::recreate::{keeps_name, recreate, Recreate};
use crate::snapshot::{SessionSnapshot, Snapshot};
use crate::tmux::format::{text, Field, Fields};
use crate::tmux::state::SessionSummary;
use crate::tmux::{cdev_option, target, verbs, Record, Server, Tmux, TmuxCommand};

/// What to restore and how: `cdev restore`'s arguments, or one saved session from the picker.
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
    let (options, running) =
        tmux.start_and_read::<SessionSummary>(verbs::sessions()).context("could not read tmux")?;
    let config = context.file_config()?.with_tmux_options(&options, &context.paths)?;
    crate::timings::mark("read tmux and the configuration");
    let store = Store::new(&context.paths.state_dir);
    let is_running = |name: &str| running.iter().any(|s| s.name == name);
    // Not for a copy (--as) or a session replaced while it runs (saved just now): the journal's
    // newer conversations belong to the live agents.
    let takes_journal = |name: &str| request.as_name.is_none() && !is_running(name);

    let mut chosen: Vec<(String, PathBuf, Snapshot)> = Vec::new();
    // Sessions from snapshot files found elsewhere, and whether the user agreed to run them.
    let mut foreign: Vec<(String, bool)> = Vec::new();
    // Saved sessions left out because they run now (said when nothing else is left).
    let mut already_running: Vec<String> = Vec::new();
    if request.targets.is_empty() {
        // Every saved session that is not running now, but those closed on purpose.
        let mut names: Vec<String> = Vec::new();
        let mut closed: Vec<String> = Vec::new();
        for entry in store.list(None)? {
            if let Ok(snapshot) = files::load(&entry.path) {
                let name = snapshot.session.name;
                if is_running(&name) && !already_running.contains(&name) {
                    already_running.push(name.clone());
                }
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
                // Refused before its commands are listed and agreed to, not after.
                let name = request.as_name.as_deref().unwrap_or(&snapshot.session.name);
                if is_running(name) && !request.force {
                    bail!(
                        "{}: a session named {} is running (use --as NAME, or --force to replace it)",
                        fail(),
                        printable(name)
                    );
                }
                let agreed = crate::snapshot::foreign::vet_foreign(
                    context,
                    &config,
                    &mut snapshot.session,
                    request.yes,
                )
                .with_context(fail)?;
                foreign.push((snapshot.session.name.clone(), agreed));
            }
            (path, snapshot)
        } else {
            let (path, mut snapshot, skipped) =
                store.latest_good(target_name).with_context(|| format!("could not restore {target_name}"))?;
            report_skipped(&skipped);
            // With --force the other server is not even asked (a call per session).
            let elsewhere = || {
                runs_elsewhere(
                    &tmux.server().socket_path(),
                    &context.paths.cache_dir.join("tmux-version"),
                    &snapshot.session,
                )
            };
            if let Some(socket) = (!request.force).then(elsewhere).flatten() {
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
        match already_running.is_empty() {
            true => println!("nothing to restore"),
            false => println!(
                "nothing to restore: every saved session is running ({})",
                already_running.iter().map(|n| printable(n)).collect::<Vec<_>>().join(", ")
            ),
        }
        unsaved_conversations(context, &store, &is_running);
        return Ok(());
    }
    for (name, path, _) in &chosen {
        check_name(name, path)?;
    }
    crate::timings::mark("choose and read the snapshots");
    // One restore of a name at a time: a run that waited here finds the session the other one
    // made running, and reports it rather than making a second copy (and a second Claude).
    let names: Vec<String> = chosen.iter().map(|(n, _, _)| n.clone()).collect();
    let _name_locks = name_lock::hold(&context.paths.state_dir, &names)?;
    // The second look, one call: each running session with the snapshot it was restored from.
    let now_running: Vec<Running> = match tmux.query::<Running>(verbs::sessions()) {
        Err(err) if crate::tmux::is_no_server(&err) => Vec::new(),
        other => other?,
    };
    let running_now = |name: &str| now_running.iter().find(|s| s.name == name);
    // Made by another run: after this one first looked, or before, from this same snapshot (a
    // run that started late, racing the same restore). Only a session the user made or changed
    // since (then saved anew) is a conflict.
    chosen.retain(|(name, path, _)| {
        let shown = printable(name);
        let Some(running) = running_now(name) else { return true };
        if !is_running(name) {
            eprintln!("cdev: {shown}: restored meanwhile by another run; nothing to do");
            return false;
        }
        let done = !request.force && running.restored_from.as_deref() == Some(&*path.to_string_lossy());
        if done {
            eprintln!("cdev: {shown}: running, restored from {} already; nothing to do", shown_path(path));
        }
        !done
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
        let (lines, written) = crate::snapshot::save::save_before_kill(context, &tmux, &config, &replacing)?;
        for line in lines {
            eprintln!("cdev: before replacing it, {line}");
        }
        if let Some(unsaved) = replacing.iter().find(|n| !written.contains(n)) {
            bail!("could not restore {unsaved}: the running session could not be saved first; nothing was replaced");
        }
    }

    crate::timings::mark("lock the names, look again");
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
    // Said while the name locks are held, so no racing run decides before it is there.
    let marks: Vec<TmuxCommand> = chosen
        .iter()
        .map(|(name, path, _)| {
            verbs::set_session_option(
                &target::session(name),
                cdev_option::RESTORED_FROM,
                &path.to_string_lossy(),
            )
        })
        .collect();
    if let Err(err) = tmux.run_chain(&marks) {
        crate::log::debug("restore", &format!("could not mark the restored sessions: {err:#}"));
    }
    for (name, path, snapshot) in &chosen {
        println!(
            "{name}: restored {} from {}",
            crate::humanize::counted(snapshot.session.pane_count(), "pane"),
            shown_path(path)
        );
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
    there.run(verbs::has_session(&saved.name)).ok().map(|_| socket.to_string())
}

/// A running session as the second look sees it: its name, and the snapshot file cdev restored
/// it from (`@cdev_restored_from`), if it did.
struct Running {
    name: String,
    restored_from: Option<String>,
}

impl Record for Running {
    const FIELDS: &'static [Field] = &[text("session_name"), text(cdev_option::RESTORED_FROM)];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Running { name: f.string()?, restored_from: f.optional()? })
    }
}

/// Conversations the agent journal knows of in sessions that have no snapshot (a crash before
/// any save, with autosave off): nothing can rebuild those sessions, but each conversation can
/// be resumed by hand, so the user is told how.
fn unsaved_conversations(context: &Context, store: &Store, is_running: &dyn Fn(&str) -> bool) {
    let mut hints = Vec::new();
    for entry in journal::every_entry(&context.paths.state_dir) {
        let Some(id) = entry.claude_session.as_deref().filter(|id| crate::agent::claude::is_session_id(id))
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

fn report_skipped(skipped: &[String]) {
    for damaged in skipped {
        eprintln!("cdev: skipped a damaged snapshot, using an older one: {damaged}");
    }
}
