//! The agent journal: one small JSON file per pane under `$XDG_STATE_HOME/cdev/agents/`, keyed by
//! the server (socket, process, start) and the pane's id, written atomically on every state
//! change. Pane options die with the tmux server; this is what a restore reads to resume each
//! conversation in its own pane. A pane keeps its id however its window is split, so the journal
//! follows an agent whatever panes are added or closed around it after a save.

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::AgentState;
use crate::store::{self, path_component as file_name};
use crate::tmux::state::ServerId;

pub const FORMAT_VERSION: u32 = 1;

/// What is known about the agent in one pane.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub version: u32,
    /// The tmux socket path.
    pub server: String,
    /// Which server on that socket (`None` in entries written before cdev recorded it).
    #[serde(default)]
    pub server_id: Option<ServerId>,
    pub session: String,
    pub window: u32,
    pub pane: u32,
    pub pane_id: String,
    pub state: AgentState,
    /// Unix time the agent entered `state`.
    pub since: i64,
    pub claude_session: Option<String>,
    pub transcript: Option<String>,
    pub cwd: Option<String>,
    /// Unix time of the last event.
    pub updated: i64,
    /// The pane's hook counter (`@cdev_agent_seq`) when tmux described it; 0 when unknown.
    #[serde(default)]
    pub seq: u64,
}

/// `<state>/agents/<socket path>/<session>/<server start>-<server pid>.<pane number>.json`, names
/// made safe for a file system (`<window>.<pane>.json` for an entry without a server id).
pub fn path(state_dir: &Path, entry: &Entry) -> PathBuf {
    // The whole socket path: `-S /x/default` and the default server are different servers.
    let dir = state_dir.join("agents").join(file_name(&entry.server)).join(file_name(&entry.session));
    match entry.server_id {
        Some(server) => dir.join(format!(
            "{}-{}.{}.json",
            server.started,
            server.pid,
            file_name(entry.pane_id.trim_start_matches('%'))
        )),
        None => dir.join(format!("{}.{}.json", entry.window, entry.pane)),
    }
}

/// How long a hook waits for other hooks of the same pane to finish their journal writes: Claude
/// Code waits for its hooks, and the wait covers only file operations, never a tmux call. A hook
/// that gives up loses its description — the newest, often — so the bound is for a holder that
/// is stuck, not slow: eight racing hooks on a loaded 2-core machine, each write two fsyncs,
/// queued past 300 ms and left the journal one state behind the pane.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(1500);

/// Writes the entry unless a later description of the pane was written already, or the journal
/// already says the same (apart from `updated` and `seq`): most hook events (every tool call)
/// repeat the state, and each durable write costs two fsyncs.
///
/// Racing hooks of one pane finish in any order. `seq` is the pane's hook counter as tmux read it
/// in the same call that set the state, and tmux bumps it after every change: the entry with the
/// highest one is what the pane says now. The highest seen is kept in the entry's lock file (a
/// mark, not state: it needs no fsync), so a repeat that changed nothing still outranks an older
/// description that arrives after it.
pub fn write(state_dir: &Path, entry: &Entry) -> Result<()> {
    let path = path(state_dir, entry);
    let dir = path.parent().unwrap_or(state_dir);
    let mut lock = store::lock_marked(&path.with_extension("lock"), LOCK_WAIT)?;
    if entry.seq != 0 && entry.seq <= lock.mark() {
        return Ok(()); // a later description of the pane is in already
    }
    let old = std::fs::read(&path).ok().and_then(|bytes| serde_json::from_slice::<Entry>(&bytes).ok());
    let unchanged = old.is_some_and(|old| Entry { updated: entry.updated, seq: entry.seq, ..old } == *entry);
    if !unchanged {
        let mut text = serde_json::to_vec_pretty(entry)?;
        text.push(b'\n');
        store::write_atomic(&path, &text)?;
        // A hook killed mid-write (Claude Code gives up on slow hooks) leaves its temp file: the
        // session's few journal files are swept on each state change.
        store::remove_stale_temps(dir);
    }
    if entry.seq != 0 {
        lock.set_mark(entry.seq);
    }
    Ok(())
}

/// Removes the entries of `session` that the server at `socket` wrote before `before` (Unix
/// time) for panes a snapshot taken then no longer held (`live_ids`): closed panes, whose entries
/// no restore needs. Keeps the journal from growing with every pane a long-lived server had. The
/// entries of live panes stay, for a resurrect restore from an older save.
pub fn prune(state_dir: &Path, session: &str, socket: &Path, before: i64, live_ids: &[&str]) {
    let ours = resolved(socket);
    for (file, entry) in session_files(state_dir, session) {
        let closed = !live_ids.contains(&entry.pane_id.as_str());
        if closed && entry.updated < before && resolved(Path::new(&entry.server)) == ours {
            let _ = std::fs::remove_file(file.with_extension("lock"));
            let _ = std::fs::remove_file(file);
        }
    }
}

/// Socket paths compared resolved, as tmux resolves its socket directory.
fn resolved(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The journal entries of the session called `session` that a restore onto the server at
/// `socket` may use: those that server wrote (before it died: after a crash or reboot the new
/// server has the same socket), and those of servers that are gone. A server that still answers
/// on its socket runs those agents now: their conversations are not resumed a second time.
/// Socket paths are compared resolved, as tmux resolves its socket directory.
pub fn read_for_restore(state_dir: &Path, session: &str, socket: &Path) -> Vec<Entry> {
    let ours = resolved(socket);
    let mut entries: Vec<Entry> = session_files(state_dir, session).into_iter().map(|(_, e)| e).collect();
    entries.retain(|e| {
        let server = Path::new(&e.server);
        resolved(server) == ours || std::os::unix::net::UnixStream::connect(server).is_err()
    });
    entries
}

/// Every journal entry of every session, on whichever server; unreadable entries are skipped.
pub fn every_entry(state_dir: &Path) -> Vec<Entry> {
    let read_dir = |dir: PathBuf| std::fs::read_dir(dir).into_iter().flatten().filter_map(|e| e.ok());
    let dirs = read_dir(state_dir.join("agents")).flat_map(move |server| read_dir(server.path()));
    dirs.flat_map(move |dir| read_dir(dir.path()))
        .map(|file| file.path())
        .filter(|path| path.to_string_lossy().ends_with(".json"))
        .filter_map(|path| crate::bounded::read(&path, crate::bounded::limit::SMALL).ok())
        .filter_map(|bytes| serde_json::from_slice::<Entry>(&bytes).ok())
        .filter(|entry| entry.version == FORMAT_VERSION)
        .collect()
}

/// Every journal entry of the session called `session`, on whichever server it was, with its
/// file; unreadable entries are skipped.
fn session_files(state_dir: &Path, session: &str) -> Vec<(PathBuf, Entry)> {
    let agents = state_dir.join("agents");
    let servers = std::fs::read_dir(agents).into_iter().flatten().filter_map(|e| e.ok());
    let dirs = servers.map(|server| server.path().join(file_name(session)));
    let files = dirs.flat_map(|dir| std::fs::read_dir(dir).into_iter().flatten().filter_map(|e| e.ok()));
    files
        .map(|file| file.path())
        .filter(|path| path.to_string_lossy().ends_with(".json"))
        .filter_map(|path| {
            let bytes = crate::bounded::read(&path, crate::bounded::limit::SMALL).ok()?;
            let entry = serde_json::from_slice::<Entry>(&bytes).ok()?;
            Some((path, entry))
        })
        .filter(|(_, entry)| entry.version == FORMAT_VERSION && entry.session == session)
        .collect()
}

/// A pane as a snapshot (or a resurrect sidecar) saved it, for finding its journal entries.
pub struct SavedPane<'a> {
    /// Its id on the server that saved it (`None` in saves made before cdev recorded it).
    pub id: Option<&'a str>,
    pub window: u32,
    pub pane: u32,
    pub cwd: &'a str,
}

/// Whether `entry` may resume a conversation: it has a plain Claude session id, written in or
/// after second `since`.
fn usable(entry: &Entry, since: i64) -> bool {
    entry.updated >= since && entry.claude_session.as_deref().is_some_and(super::claude::is_session_id)
}

/// The newest usable entry for `pane` of a save taken at `since` on the server `saved_on`. An
/// entry of that server is the pane's when its pane id is: the pane may have moved, and other
/// panes may have taken its old place. An entry of another server (the one a restore made, then
/// lost before any save) or without a server id can only be matched by its place, and then only
/// in the same cwd (Claude resumes a conversation by its cwd: another cwd is another agent's).
pub fn newest_for<'a>(
    entries: &'a [Entry],
    saved_on: Option<ServerId>,
    pane: &SavedPane<'_>,
    since: i64,
) -> Option<&'a Entry> {
    let of_saver = |e: &Entry| saved_on.is_some() && e.server_id == saved_on;
    let by_id = entries
        .iter()
        .filter(|e| usable(e, since) && of_saver(e) && pane.id == Some(e.pane_id.as_str()))
        .max_by_key(|e| e.updated);
    by_id.or_else(|| {
        entries
            .iter()
            .filter(|e| usable(e, since) && !of_saver(e))
            .filter(|e| e.window == pane.window && e.pane == pane.pane)
            .filter(|e| e.cwd.as_deref().is_none_or(|c| c == pane.cwd))
            .max_by_key(|e| e.updated)
    })
}

/// The agents the server `saved_on` journaled after a save taken at `since`, in panes that save
/// does not hold (`saved_ids`): panes made after it, by `cdev worktree add` or by hand. The newest
/// entry of each such pane, unless its agent ended; oldest pane first.
pub fn unplaced<'a>(
    entries: &'a [Entry],
    saved_on: Option<ServerId>,
    saved_ids: &[&str],
    since: i64,
) -> Vec<&'a Entry> {
    let Some(saved_on) = saved_on else { return Vec::new() };
    let mut newest: std::collections::BTreeMap<&str, &Entry> = std::collections::BTreeMap::new();
    for entry in entries.iter().filter(|e| usable(e, since) && e.server_id == Some(saved_on)) {
        if saved_ids.contains(&entry.pane_id.as_str()) {
            continue;
        }
        let slot = newest.entry(entry.pane_id.as_str()).or_insert(entry);
        if entry.updated > slot.updated {
            *slot = entry;
        }
    }
    let mut found: Vec<&Entry> = newest.into_values().filter(|e| e.state != AgentState::Ended).collect();
    found.sort_by_key(|e| e.pane_id.trim_start_matches('%').parse::<u64>().unwrap_or(u64::MAX));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(session: &str) -> Entry {
        Entry {
            version: FORMAT_VERSION,
            server: "/tmp/tmux-0/default".into(),
            server_id: None,
            session: session.into(),
            window: 1,
            pane: 2,
            pane_id: "%7".into(),
            state: AgentState::Working,
            since: 10,
            claude_session: Some("id".into()),
            transcript: None,
            cwd: None,
            updated: 11,
            seq: 0,
        }
    }

    #[test]
    fn every_session_name_is_one_safe_component() {
        let dir = Path::new("/s");
        assert_eq!(
            path(dir, &entry("claude-dev-web")),
            Path::new("/s/agents/%2Ftmp%2Ftmux-0%2Fdefault/claude-dev-web/1.2.json")
        );
        assert_eq!(path(dir, &entry("..")), Path::new("/s/agents/%2Ftmp%2Ftmux-0%2Fdefault/%2E%2E/1.2.json"));
        assert_eq!(path(dir, &entry("a/b")), Path::new("/s/agents/%2Ftmp%2Ftmux-0%2Fdefault/a%2Fb/1.2.json"));
        assert_eq!(path(dir, &entry("")), Path::new("/s/agents/%2Ftmp%2Ftmux-0%2Fdefault/%00/1.2.json"));
    }

    #[test]
    fn an_unchanged_entry_is_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let e = entry("s");
        write(dir.path(), &e).unwrap();
        let file = path(dir.path(), &e);
        let before = std::fs::metadata(&file).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        write(dir.path(), &Entry { updated: 99, ..e.clone() }).unwrap();
        assert_eq!(std::fs::metadata(&file).unwrap().modified().unwrap(), before);
        write(dir.path(), &Entry { state: AgentState::Waiting, ..e }).unwrap();
        assert_ne!(std::fs::metadata(&file).unwrap().modified().unwrap(), before);
    }

    #[test]
    fn a_restore_takes_entries_of_its_own_server_and_of_dead_ones_never_of_a_live_other() {
        use std::os::unix::net::UnixListener;
        let dir = tempfile::tempdir().unwrap();
        let sockets = dir.path().join("sockets");
        std::fs::create_dir_all(&sockets).unwrap();
        // Our server, reached through a symlinked directory as tmux may be (it resolves it).
        std::os::unix::fs::symlink(&sockets, dir.path().join("link")).unwrap();
        let _ours = UnixListener::bind(sockets.join("ours")).unwrap();
        let _other = UnixListener::bind(sockets.join("other")).unwrap();
        let server = |name: &str| sockets.join(name).to_string_lossy().into_owned();
        for (name, pane) in [("ours", 0), ("other", 1), ("dead", 2)] {
            write(dir.path(), &Entry { server: server(name), pane, ..entry("web") }).unwrap();
        }
        let ours = dir.path().join("link/ours");
        let mut panes: Vec<u32> = read_for_restore(dir.path(), "web", &ours).iter().map(|e| e.pane).collect();
        panes.sort();
        assert_eq!(panes, [0, 2], "the live other server's entry (pane 1) is not taken");
    }

    #[test]
    fn entries_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let e = entry("s");
        write(dir.path(), &e).unwrap();
        let read: Entry = serde_json::from_slice(&std::fs::read(path(dir.path(), &e)).unwrap()).unwrap();
        assert_eq!(read, e);
    }

    #[test]
    fn an_entry_of_the_saving_server_belongs_to_its_pane_id_wherever_the_pane_moved() {
        let saver = ServerId { pid: 7, started: 100 };
        let id = |n: u8| {
            format!("{n}{n}{n}{n}{n}{n}{n}{n}-{n}{n}{n}{n}-4{n}{n}{n}-8{n}{n}{n}-{n}{n}{n}{n}{n}{n}{n}{n}{n}{n}{n}{n}")
        };
        let at = |pane_id: &str, window: u32, pane: u32, conversation: u8, server: Option<ServerId>| Entry {
            server_id: server,
            pane_id: pane_id.into(),
            window,
            pane,
            claude_session: Some(id(conversation)),
            cwd: Some("/p".into()),
            updated: 50,
            ..entry("s")
        };
        // %41 was saved at 1.1; after the save %48 was split in front of it and took 1.1.
        let entries = [at("%41", 1, 2, 2, Some(saver)), at("%48", 1, 1, 3, Some(saver))];
        let saved = SavedPane { id: Some("%41"), window: 1, pane: 1, cwd: "/p" };
        let found = newest_for(&entries, Some(saver), &saved, 10).unwrap();
        assert_eq!(found.claude_session, Some(id(2)));
        let added = unplaced(&entries, Some(saver), &["%41", "%42"], 10);
        assert_eq!(added.iter().map(|e| e.pane_id.as_str()).collect::<Vec<_>>(), ["%48"]);
        // The entries of another server (the one a restore made) go by place and cwd.
        let other = [at("%3", 1, 1, 4, Some(ServerId { pid: 9, started: 200 }))];
        assert_eq!(newest_for(&other, Some(saver), &saved, 10).unwrap().claude_session, Some(id(4)));
        assert!(unplaced(&other, Some(saver), &["%41"], 10).is_empty());
        let elsewhere = SavedPane { cwd: "/q", ..saved };
        assert!(newest_for(&other, Some(saver), &elsewhere, 10).is_none());
    }
}
