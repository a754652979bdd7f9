//! Where snapshots live and how they are kept: `<state>/snapshots/<session>/<time>-<id>.json.gz`,
//! each written atomically and read back before the session's `latest` pointer moves to it;
//! a damaged or newer-format file is reported, never used; rotation keeps the last N and the
//! recent ones, and never the last good one.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

pub use super::codec::{decode, encode, load};
use super::Snapshot;
use crate::bounded;
use crate::store::{self, path_component};
use crate::tmux::state::ServerId;

const LATEST: &str = "latest";
/// Present while a session is closed on purpose (see `Store::mark_closed`).
const CLOSED: &str = "closed";
const SUFFIX: &str = ".json.gz";

/// Marks an autosave's file name (`<time>-auto<id>.json.gz`): rotation keeps the newest
/// [`AUTOMATIC_KEEP`] of them, however young, so saving every few minutes never fills the disk.
const AUTOMATIC_TAG: &str = "auto";
pub const AUTOMATIC_KEEP: usize = 10;

/// The snapshot store under the state dir.
pub struct Store {
    root: PathBuf,
    /// Writes are autosaves.
    automatic: bool,
}

/// A snapshot file and what can be told without reading it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub session_dir: String,
    pub path: PathBuf,
    pub size: u64,
}

/// Holds the store's lock; released when dropped (or when the process dies, however it dies).
pub type Lock = store::FileLock;

impl Store {
    pub fn new(state_dir: &Path) -> Store {
        Store { root: state_dir.join("snapshots"), automatic: false }
    }

    /// The store for autosaves: what it writes is marked automatic.
    pub fn automatic(self) -> Store {
        Store { automatic: true, ..self }
    }

    fn session_dir(&self, session: &str) -> PathBuf {
        self.root.join(path_component(session))
    }

    /// Whether `path` is one of this store's own files (resolved: a link from elsewhere into the
    /// store is the store's, a link out of it is not).
    pub fn holds(&self, path: &Path) -> bool {
        match (path.canonicalize(), self.root.canonicalize()) {
            (Ok(path), Ok(root)) => path.starts_with(root),
            _ => false,
        }
    }

    /// One save or restore at a time: an advisory lock on `snapshots/.lock`. The kernel drops
    /// it with the process, so a killed save never leaves a stale lock.
    pub fn lock(&self) -> Result<Lock> {
        store::lock(&self.root.join(".lock"))
    }

    /// Writes `snapshot` and, once it reads back whole, points the session's `latest` at it —
    /// unless it looks implausible next to the current latest (fewer than half its panes, taken
    /// on another server: as after a server restart re-made the session empty): then the file is kept but `latest`
    /// stays, and the second value says why. `force` accepts it anyway. A snapshot without
    /// panes is refused.
    pub fn write(&self, snapshot: &Snapshot, force: bool) -> Result<(PathBuf, Option<String>)> {
        if snapshot.session.pane_count() == 0 {
            bail!("refusing an empty snapshot of {}", snapshot.session.name);
        }
        let previous = self.latest_summary(&snapshot.session.name);
        let implausible = previous.as_ref().and_then(|(path, old_panes, old_server)| {
            let (new_panes, old_panes) = (snapshot.session.pane_count(), *old_panes);
            // On the server that took the latest, fewer panes are the user's doing (panes closed
            // on purpose, which every later autosave must follow): the guard is for a session made
            // again, nearly empty, by a new server after a crash or a reboot.
            let same_server = old_server.is_some() && *old_server == snapshot.session.server;
            (!force && !same_server && old_panes >= 2 && new_panes * 2 < old_panes).then(|| {
                format!(
                    "kept {} ({old_panes} panes) as the latest: this one has {new_panes} (cdev save --force accepts it)",
                    path.display()
                )
            })
        });
        let dir = self.session_dir(&snapshot.session.name);
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
        let tag = if self.automatic { AUTOMATIC_TAG } else { "" };
        let name = format!("{stamp}-{tag}{}{SUFFIX}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let path = dir.join(&name);
        let bytes = encode(snapshot)?;
        let batch = store::Batch::private(&dir)?;
        batch.file(&name, &bytes)?;
        // Only a snapshot that reads back as written may become the latest.
        if fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            bail!("the new snapshot {} does not read back as written", path.display());
        }
        if implausible.is_none() {
            let pointer =
                Pointer { name, panes: snapshot.session.pane_count(), server: snapshot.session.server };
            batch.pointer(LATEST, pointer.to_text().as_bytes())?;
        }
        batch.finish()?;
        // A session saved is open again, whatever closed it before.
        let _ = fs::remove_file(dir.join(CLOSED));
        Ok((path, implausible))
    }

    /// Marks `session` as closed on purpose (killed, not lost in a crash): `cdev restore` without
    /// names leaves it out. Its next save (it runs again) takes the mark away.
    pub fn mark_closed(&self, session: &str) -> Result<()> {
        let dir = self.session_dir(session);
        if !dir.is_dir() {
            return Ok(()); // never saved: nothing a restore could bring back
        }
        store::write_atomic_pointer(&dir.join(CLOSED), chrono::Utc::now().to_rfc3339().as_bytes())
    }

    /// Whether `session` was closed on purpose after its last save.
    pub fn is_closed(&self, session: &str) -> bool {
        self.session_dir(session).join(CLOSED).exists()
    }

    /// Every saved session, each with its newest snapshot that reads back whole (what a restore
    /// would bring back); sessions whose every snapshot is damaged are left out.
    pub fn saved_sessions(&self) -> Vec<(PathBuf, Snapshot)> {
        let dirs = fs::read_dir(&self.root).into_iter().flatten().filter_map(|e| e.ok());
        dirs.map(|e| e.path())
            .filter(|p| p.is_dir())
            .filter_map(|dir| {
                candidates(&dir).into_iter().find_map(|path| Some((path.clone(), load(&path).ok()?)))
            })
            .collect()
    }

    /// Deletes every snapshot of `session`: the user asked to forget it.
    pub fn forget(&self, session: &str) -> Result<()> {
        let dir = self.session_dir(session);
        fs::remove_dir_all(&dir).with_context(|| format!("could not delete {}", dir.display()))
    }

    /// The snapshots of `session` (all sessions when `None`), newest first.
    pub fn list(&self, session: Option<&str>) -> Result<Vec<Entry>> {
        let dirs: Vec<PathBuf> = match session {
            Some(name) => vec![self.session_dir(name)],
            None => match fs::read_dir(&self.root) {
                Ok(entries) => {
                    entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect()
                }
                Err(_) => Vec::new(),
            },
        };
        let mut found = Vec::new();
        for dir in dirs {
            let Ok(entries) = fs::read_dir(&dir) else { continue };
            let session_dir = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            for entry in entries.filter_map(|e| e.ok()) {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.ends_with(SUFFIX) && !name.starts_with('.') {
                    let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                    found.push(Entry { session_dir: session_dir.clone(), path: entry.path(), size });
                }
            }
        }
        found.sort_by(|a, b| b.path.file_name().cmp(&a.path.file_name()));
        Ok(found)
    }

    /// The session's newest snapshot that reads back whole, trying `latest` first. The second
    /// value says which damaged snapshots were passed over.
    pub fn latest_good(&self, session: &str) -> Result<(PathBuf, Snapshot, Vec<String>)> {
        let mut skipped = Vec::new();
        for path in candidates(&self.session_dir(session)) {
            if skipped.iter().any(|s: &String| s.starts_with(&path.display().to_string())) {
                continue;
            }
            match load(&path) {
                Ok(snapshot) => return Ok((path, snapshot, skipped)),
                Err(err) if path.exists() => skipped.push(format!("{}: {err:#}", path.display())),
                Err(_) => {}
            }
        }
        match skipped.is_empty() {
            true => bail!("no snapshot of {session}"),
            false => bail!("no readable snapshot of {session}: {}", skipped.join("; ")),
        }
    }

    /// The latest snapshot's path, pane count and server, as its `latest` pointer says them (no
    /// snapshot is read for them: the guard above runs on every save); from the snapshot itself
    /// when the pointer is older than that or names a file that is gone.
    fn latest_summary(&self, session: &str) -> Option<(PathBuf, usize, Option<ServerId>)> {
        let dir = self.session_dir(session);
        if let Some(pointer) = Pointer::read(&dir).filter(|p| p.panes > 0) {
            let path = dir.join(&pointer.name);
            if path.is_file() {
                return Some((path, pointer.panes, pointer.server));
            }
        }
        let (path, old, _) = self.latest_good(session).ok()?;
        Some((path, old.session.pane_count(), old.session.server))
    }

    /// Deletes all but the newest `keep` snapshots of the session and those younger than
    /// `keep_days`. Returns what was removed.
    pub fn rotate(&self, session: &str, keep: usize, keep_days: u32, newest: &Path) -> Result<Vec<PathBuf>> {
        // Neither the one just written nor the one `latest` names (they differ when the new one
        // looked implausible) is ever deleted.
        let pointed =
            Pointer::read(&self.session_dir(session)).map(|p| self.session_dir(session).join(p.name));
        let protected = |path: &Path| path == newest || pointed.as_deref() == Some(path);
        let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(keep_days));
        let mut removed = Vec::new();
        // Temp files of saves that were killed before their rename.
        store::remove_stale_temps(&self.session_dir(session));
        let (automatic, manual): (Vec<Entry>, Vec<Entry>) =
            self.list(Some(session))?.into_iter().partition(|e| is_automatic(&e.path));
        let old_automatic = automatic.into_iter().skip(AUTOMATIC_KEEP);
        let old_manual =
            manual.into_iter().skip(keep).filter(|e| created_at(&e.path).is_none_or(|t| t <= cutoff));
        for entry in old_automatic.chain(old_manual) {
            if protected(&entry.path) {
                continue;
            }
            fs::remove_file(&entry.path)
                .with_context(|| format!("could not remove {}", entry.path.display()))?;
            removed.push(entry.path);
        }
        Ok(removed)
    }
}

/// Whether the snapshot at `path` was an autosave, from its file name.
fn is_automatic(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    name.split_once('-').is_some_and(|(_, id)| id.starts_with(AUTOMATIC_TAG))
}

/// When a snapshot was taken, from its file name.
/// A session directory's snapshots in the order a restore tries them: the one `latest` names,
/// then every snapshot, newest first.
fn candidates(dir: &Path) -> Vec<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(pointer) = Pointer::read(dir) {
        candidates.push(dir.join(pointer.name));
    }
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.ends_with(SUFFIX) && !name.starts_with('.')
        })
        .map(|e| e.path())
        .collect();
    files.sort_by(|a, b| b.file_name().cmp(&a.file_name()));
    candidates.extend(files);
    candidates
}

/// A session's `latest` file: the name of its latest snapshot on the first line and, on the
/// second, that snapshot's pane count and server (`panes 4 server 1234 1796170000`), which the
/// next save's guard compares with. Pointers of older cdev versions hold the name only.
#[derive(Debug, PartialEq)]
struct Pointer {
    name: String,
    /// 0 when the pointer does not say.
    panes: usize,
    server: Option<ServerId>,
}

impl Pointer {
    fn read(dir: &Path) -> Option<Pointer> {
        let text = bounded::read(&dir.join(LATEST), 4096).ok()?;
        Pointer::parse(&String::from_utf8_lossy(&text))
    }

    fn parse(text: &str) -> Option<Pointer> {
        let mut lines = text.lines();
        let name = lines.next()?.trim();
        // Only a plain file name of this directory (never a path out of it).
        if name.is_empty() || name.contains('/') || name.starts_with('.') {
            return None;
        }
        let words: Vec<&str> = lines.next().unwrap_or_default().split_whitespace().collect();
        let (panes, server) = match words.as_slice() {
            ["panes", n, "server", pid, started] => {
                let server = pid.parse().ok().zip(started.parse().ok());
                (n.parse().unwrap_or(0), server.map(|(pid, started)| ServerId { pid, started }))
            }
            ["panes", n] => (n.parse().unwrap_or(0), None),
            _ => (0, None),
        };
        Some(Pointer { name: name.to_string(), panes, server })
    }

    fn to_text(&self) -> String {
        match self.server {
            Some(server) => {
                format!("{}\npanes {} server {} {}\n", self.name, self.panes, server.pid, server.started)
            }
            None => format!("{}\npanes {}\n", self.name, self.panes),
        }
    }
}

pub fn created_at(path: &Path) -> Option<chrono::DateTime<chrono::Utc>> {
    let name = path.file_name()?.to_str()?;
    let stamp = name.split('-').next()?;
    chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%S%.3fZ").ok().map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pointer_says_the_latest_snapshots_size_and_server_and_reads_older_pointers_too() {
        let server = Some(ServerId { pid: 4321, started: 1_796_170_000 });
        let pointer = Pointer { name: "20261202T010000.000Z-ab12cd34.json.gz".into(), panes: 4, server };
        assert_eq!(Pointer::parse(&pointer.to_text()), Some(pointer));
        let legacy = Pointer::parse("20261202T010000.000Z-ab12cd34.json.gz\n").unwrap();
        assert_eq!((legacy.panes, legacy.server), (0, None), "an old pointer says only the name");
        // A pointer torn by a crash, or naming a path out of the directory, points nowhere.
        for bad in ["", "\n", "../../etc/passwd\n", ".hidden.tmp\n"] {
            assert_eq!(Pointer::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_guard_reads_no_snapshot_when_the_pointer_says_its_size() {
        let root = tempfile::tempdir().unwrap();
        let store = Store::new(root.path());
        let dir = store.session_dir("s");
        fs::create_dir_all(&dir).unwrap();
        // The pointer names a file that is not a snapshot at all: its summary is used as it is.
        fs::write(dir.join("20261202T010000.000Z-ab12cd34.json.gz"), b"not gzip").unwrap();
        fs::write(dir.join(LATEST), "20261202T010000.000Z-ab12cd34.json.gz\npanes 7\n").unwrap();
        let (_, panes, server) = store.latest_summary("s").unwrap();
        assert_eq!((panes, server), (7, None));
    }
}
