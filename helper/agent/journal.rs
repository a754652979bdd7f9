//! The agent journal: one small JSON file per pane under `$XDG_STATE_HOME/cdev/agents/`, keyed by
//! server, session, window and pane, written atomically on every state change. Pane options die
//! with the tmux server; this is what a restore reads to resume each conversation exactly.

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::AgentState;
use crate::store::{self, path_component as file_name};

pub const FORMAT_VERSION: u32 = 1;

/// What is known about the agent in one pane.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub version: u32,
    /// The tmux socket path.
    pub server: String,
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
}

/// `<state>/agents/<socket path>/<session>/<window>.<pane>.json`, names made safe for a file system.
pub fn path(state_dir: &Path, entry: &Entry) -> PathBuf {
    // The whole socket path: `-S /x/default` and the default server are different servers.
    state_dir
        .join("agents")
        .join(file_name(&entry.server))
        .join(file_name(&entry.session))
        .join(format!("{}.{}.json", entry.window, entry.pane))
}

/// Writes the entry unless the journal already says the same (apart from `updated`): most hook
/// events (every tool call) repeat the state, and each durable write costs two fsyncs.
pub fn write(state_dir: &Path, entry: &Entry) -> Result<()> {
    let path = path(state_dir, entry);
    let unchanged = std::fs::read(&path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Entry>(&bytes).ok())
        .is_some_and(|old| Entry { updated: entry.updated, ..old } == *entry);
    if unchanged {
        return Ok(());
    }
    let mut text = serde_json::to_vec_pretty(entry)?;
    text.push(b'\n');
    store::write_atomic(&path, &text)?;
    // A hook killed mid-write (Claude Code gives up on slow hooks) leaves its temp file: the
    // session's few journal files are swept on each state change.
    if let Some(dir) = path.parent() {
        store::remove_stale_temps(dir);
    }
    Ok(())
}

/// The journal entries of the session called `session` that a restore onto the server at
/// `socket` may use: those that server wrote (before it died: after a crash or reboot the new
/// server has the same socket), and those of servers that are gone. A server that still answers
/// on its socket runs those agents now: their conversations are not resumed a second time.
/// Socket paths are compared resolved, as tmux resolves its socket directory.
pub fn read_for_restore(state_dir: &Path, session: &str, socket: &Path) -> Vec<Entry> {
    let resolved = |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let ours = resolved(socket);
    let mut entries = read_session(state_dir, session);
    entries.retain(|e| {
        let server = Path::new(&e.server);
        resolved(server) == ours || std::os::unix::net::UnixStream::connect(server).is_err()
    });
    entries
}

/// Every journal entry of the session called `session`, on whichever server it was;
/// unreadable entries are skipped.
fn read_session(state_dir: &Path, session: &str) -> Vec<Entry> {
    let agents = state_dir.join("agents");
    let servers = std::fs::read_dir(agents).into_iter().flatten().filter_map(|e| e.ok());
    let dirs = servers.map(|server| server.path().join(file_name(session)));
    let files = dirs.flat_map(|dir| std::fs::read_dir(dir).into_iter().flatten().filter_map(|e| e.ok()));
    files
        .filter(|file| file.file_name().to_string_lossy().ends_with(".json"))
        .filter_map(|file| crate::bounded::read(&file.path(), crate::bounded::limit::SMALL).ok())
        .filter_map(|bytes| serde_json::from_slice::<Entry>(&bytes).ok())
        .filter(|entry| entry.version == FORMAT_VERSION && entry.session == session)
        .collect()
}

/// The newest of `entries` for the pane at `window`.`pane` written in or after second `since`
/// with a conversation id that is a plain id, unless it was recorded in another cwd than `cwd`
/// (Claude resumes a conversation by its cwd: another cwd is another agent's place).
pub fn newest_for<'a>(
    entries: &'a [Entry],
    window: u32,
    pane: u32,
    since: i64,
    cwd: &str,
) -> Option<&'a Entry> {
    entries
        .iter()
        .filter(|e| e.window == window && e.pane == pane && e.updated >= since)
        .filter(|e| e.claude_session.as_deref().is_some_and(crate::claude::is_conversation_id))
        .filter(|e| e.cwd.as_deref().is_none_or(|c| c == cwd))
        .max_by_key(|e| e.updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(session: &str) -> Entry {
        Entry {
            version: FORMAT_VERSION,
            server: "/tmp/tmux-0/default".into(),
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
}
