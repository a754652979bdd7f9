//! Sessions rebuilt from snapshots (restore, import): each is built under a temporary name in one
//! tmux chain, then takes its name (replacing a running one, moving its clients) in a second; a
//! failure leaves nothing half-made and the live sessions untouched.

use crate::tmux::cdev_option;
use crate::tmux::state::Client;
use crate::tmux::verbs;
use anyhow::{bail, Context as _, Result};

use crate::config::Config;
use crate::context::Context;
use crate::humanize::printable;
use crate::naming;
use crate::snapshot::rebuild::session_chain;
use crate::snapshot::strategy::Settings;
use crate::snapshot::SessionSnapshot;
use crate::tmux::state::SessionSummary;
use crate::tmux::{target, Tmux, TmuxOptions};

/// What the temporary names of sessions being rebuilt hold (`<name>-restoring-<token>`): such a
/// session is never autosaved, and a failed restore removes its own.
pub const RESTORING_MARK: &str = "-restoring-";

/// Whether tmux makes a session called `name` under exactly that name.
pub fn keeps_name(name: &str) -> bool {
    naming::can_remake_session_name(name)
}

/// The sessions running now, by name.
pub fn running_names(tmux: &Tmux) -> Result<Vec<String>> {
    let sessions = tmux.read_with_options::<SessionSummary>(verbs::sessions())?;
    Ok(sessions.map(|(_, s)| s).unwrap_or_default().into_iter().map(|s| s.name).collect())
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
    let claude_dir = crate::agent::claude::config_dir(&context.paths.home);
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
    let mut contents_dir = None;
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
                // Only text and colours: the contents may come from another machine.
                Some(text) if !text.is_empty() => {
                    let dir = match &mut contents_dir {
                        Some(dir) => dir,
                        None => contents_dir
                            .insert(ContentsDir::open(context.paths.state_dir.join("restore-contents"))?),
                    };
                    Some(dir.write(super::replay::replayable(text).as_bytes())?)
                }
                _ => None,
            };
            contents.push(file);
        }
        let settings = match plan.foreign.iter().find(|(n, _)| n == name) {
            Some((_, agreed)) => Settings { run_all: *agreed, run_listed: *agreed, ..settings },
            None => Settings { ..settings },
        };
        chain.extend(session_chain(
            (&building(name), name),
            session,
            &contents,
            &settings,
            indexes,
            &mut notes,
        ));
    }
    // As `cdev new` says it: the sessions are still worth having, their Claude panes will not
    // resume (the program is not there to run).
    let with_claude: Vec<&str> = sessions
        .iter()
        .filter(|(_, s)| {
            s.windows
                .iter()
                .flat_map(|w| &w.panes)
                .any(|p| p.options.contains_key(cdev_option::CLAUDE_SESSION))
        })
        .map(|(name, _)| name.as_str())
        .collect();
    if !with_claude.is_empty() {
        if let Some(why) =
            crate::agent::claude::unstartable(&config.claude_command.value, &context.paths.home)
        {
            let names: Vec<String> = with_claude.iter().map(|n| printable(n)).collect();
            eprintln!(
                "cdev: {}; the Claude panes of {} will show a shell",
                printable(&why),
                names.join(", ")
            );
        }
    }
    crate::timings::mark("contents files and the chain");
    if let Err(err) = tmux.run_chain(&chain) {
        // Nothing half-made stays; the live sessions were not touched. (Contents files the
        // panes did not get to are left in restore-contents, cleaned up later.) One kill per
        // session, not one chain: tmux stops a chain at the first session that was never made.
        for (name, _) in sessions {
            let _ = tmux.run(verbs::kill_session(&building(name)));
        }
        return Err(err);
    }
    crate::timings::mark("build the sessions (tmux)");
    let mut swap = Vec::new();
    let clients = match plan.replacing.is_empty() {
        true => Vec::new(),
        false => tmux.query::<Client>(verbs::clients())?,
    };
    for (name, _) in sessions {
        let new = building(name);
        if plan.replacing.contains(name) {
            for client in clients.iter().filter(|c| c.session == *name) {
                swap.push(verbs::switch_client(Some(&client.name), &target::session(&new)));
            }
            swap.push(verbs::kill_session(name));
        }
        swap.push(verbs::rename_session(&new, name));
    }
    if let (Some(client), Some((name, _))) = (plan.client, sessions.first()) {
        swap.push(verbs::switch_client(Some(client), &target::session(name)));
    }
    swap.extend(crate::autosave::request());
    if let Err(err) = tmux.run_chain(&swap) {
        // A session of one of these names appeared meanwhile (made by hand, or by a cdev that
        // did not wait for the name's lock): the copies made here go, nothing else is touched.
        let left = running_names(tmux).unwrap_or_default();
        for (name, _) in sessions {
            let copy = building(name);
            if left.contains(&copy) {
                let _ = tmux.run(verbs::kill_session(&copy));
            }
        }
        return Err(err.context("the sessions were rebuilt, but could not take their names"));
    }
    crate::timings::mark("name the sessions (tmux)");
    for note in notes {
        eprintln!("cdev: note: {}", printable(&note));
    }
    Ok(())
}

/// Where a restore leaves each pane's contents for its shell to `cat` (and then delete).
struct ContentsDir {
    dir: std::path::PathBuf,
}

impl ContentsDir {
    /// The directory, made private if need be, with the files a killed restore left behind
    /// (older than a day) removed: once per restore, not once per pane, since every scan reads
    /// the whole directory (400 panes made it 80,000 stats, and more with leftovers).
    fn open(dir: std::path::PathBuf) -> Result<ContentsDir> {
        use std::fs;
        crate::store::private_dir(&dir)?;
        if let Ok(entries) = fs::read_dir(&dir) {
            for entry in entries.filter_map(|e| e.ok()) {
                let stale = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
                if stale.is_some_and(|age| age.as_secs() > 86_400) {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
        Ok(ContentsDir { dir })
    }

    /// Writes `bytes` to a new file of its own (readable by this user only) and names it.
    fn write(&self, bytes: &[u8]) -> Result<std::path::PathBuf> {
        use std::fs::File;
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let path = self.dir.join(format!("{}.txt", uuid::Uuid::new_v4().simple()));
        let mut file = File::options()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("could not write {}", path.display()))?;
        file.write_all(bytes)?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, SystemTime};

    #[test]
    fn the_contents_dir_drops_a_killed_restores_leftovers_and_writes_private_files() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("restore-contents");
        fs::create_dir(&dir).unwrap();
        let (old, recent) = (dir.join("old.txt"), dir.join("recent.txt"));
        fs::write(&old, "left by a restore killed two days ago").unwrap();
        fs::write(&recent, "a pane that has not shown it yet").unwrap();
        let two_days_ago = SystemTime::now() - Duration::from_secs(2 * 86_400);
        fs::File::options().write(true).open(&old).unwrap().set_modified(two_days_ago).unwrap();

        let contents = ContentsDir::open(dir.clone()).unwrap();
        assert!(!old.exists() && recent.exists());
        let written = contents.write(b"seq 1 3\n1\n2\n3\n").unwrap();
        assert_eq!(fs::read(&written).unwrap(), b"seq 1 3\n1\n2\n3\n");
        assert_eq!(fs::metadata(&written).unwrap().permissions().mode() & 0o777, 0o600);
        assert_ne!(contents.write(b"").unwrap(), written, "each pane gets a file of its own");
    }
}
