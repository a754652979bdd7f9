//! Files that hold state are written atomically: a temp file in the same directory, fsync,
//! rename over the target, then fsync of the directory, so a crash leaves the old or the new
//! content, never a mix and never an empty file.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, Result};

static TEMP_COUNTER: AtomicU32 = AtomicU32::new(0);

/// Writes `contents` to `path` atomically, creating its parent directories.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    write_atomic_with_mode(path, contents, None)
}

/// [`write_atomic`], the new file getting `mode` (e.g. the 0600 of the file it replaces) from
/// the start, so it is never readable by others even for a moment.
pub fn write_atomic_with_mode(path: &Path, contents: &[u8], mode: Option<u32>) -> Result<()> {
    replace(path, contents, mode, Durability::Full)
}

/// [`write_atomic`] for files only the user may read (snapshots and exports hold scrollback and
/// session environments, API keys included): the file is 0600, new directories 0700.
pub fn write_private(path: &Path, contents: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        private_dir(dir)?;
    }
    replace(path, contents, Some(0o600), Durability::Full)
}

/// Writes a batch of files into one directory durably with one directory sync for them all:
/// each [`Batch::file`] is synced before its rename, each [`Batch::pointer`] (a name of another
/// file of the batch, which readers check and fall back from) is renamed unsynced, and
/// [`Batch::finish`] syncs the directory once, making every rename durable together. A snapshot
/// save was three fsyncs; this is two.
pub struct Batch<'a> {
    dir: &'a Path,
}

impl<'a> Batch<'a> {
    /// A batch into `dir` (created readable by the user only).
    pub fn private(dir: &'a Path) -> Result<Batch<'a>> {
        private_dir(dir)?;
        Ok(Batch { dir })
    }

    /// A file only the user may read (0600), its content synced before it takes `name`.
    pub fn file(&self, name: &str, contents: &[u8]) -> Result<()> {
        replace(&self.dir.join(name), contents, Some(0o600), Durability::ContentOnly)
    }

    /// A small pointer file, renamed into place unsynced: after a crash it may be the old one, or
    /// empty, and its readers fall back to listing the directory.
    pub fn pointer(&self, name: &str, contents: &[u8]) -> Result<()> {
        replace(&self.dir.join(name), contents, None, Durability::None)
    }

    /// Makes every rename of the batch durable.
    pub fn finish(self) -> Result<()> {
        File::open(self.dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("could not sync {}", self.dir.display()))
    }
}

/// What a replace waits for before it returns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Durability {
    /// The content, then the directory entry: a crash leaves the old or the new file.
    Full,
    /// The content only; the caller syncs the directory (a [`Batch`]).
    ContentOnly,
    /// Nothing (a pointer whose readers check it).
    None,
}

/// Creates `dir` (and missing parents) readable by the user only.
pub fn private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("could not create directory {}", dir.display()))
}

/// [`write_atomic`] for a pointer to another file (a snapshot's `latest`): its content is synced,
/// but not the directory, saving one fsync. After a crash the pointer may be the old one, which
/// still names a good file; it is never a torn or empty one.
pub fn write_atomic_pointer(path: &Path, contents: &[u8]) -> Result<()> {
    replace(path, contents, None, Durability::ContentOnly)
}

fn replace(path: &Path, contents: &[u8], mode: Option<u32>, durability: Durability) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("could not create directory {}", dir.display()))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| -> Result<()> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        if let Some(mode) = mode {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(mode);
        }
        let mut file = options.open(&temp).with_context(|| format!("could not create {}", temp.display()))?;
        file.write_all(contents).with_context(|| format!("could not write {}", temp.display()))?;
        if durability != Durability::None {
            file.sync_all().with_context(|| format!("could not sync {}", temp.display()))?;
        }
        fs::rename(&temp, path).with_context(|| format!("could not replace {}", path.display()))?;
        if durability != Durability::Full {
            return Ok(());
        }
        // The rename is durable only once the directory entry is on disk.
        File::open(dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("could not sync {}", dir.display()))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// How old a temp file must be before a sweep takes it for litter: far longer than any write
/// (a save of many sessions included) takes, so a write in progress is never touched.
pub const STALE_TEMP_SECONDS: u64 = 60;

/// Removes the temp files in `dir` that writers killed before their rename left behind (the
/// `.<name>.<pid>.<n>.tmp` of `replace`), once they are `STALE_TEMP_SECONDS` old.
pub fn remove_stale_temps(dir: &Path) {
    for entry in fs::read_dir(dir).into_iter().flatten().filter_map(|e| e.ok()) {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with('.') && name.ends_with(".tmp")) {
            continue;
        }
        let age = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
        if age.is_some_and(|age| age.as_secs() > STALE_TEMP_SECONDS) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The longest a [`path_component`] gets, in bytes: file systems allow 255 per name, and callers
/// add suffixes (`.lock`, `.json`) or put fixed-length names inside it.
pub const MAX_COMPONENT_BYTES: usize = 200;

/// Percent-encodes everything but ASCII letters, digits, `-` and `_`, so any name (a session's,
/// say) is one safe path component: never `.`, `..`, empty, or something holding `/`. An encoding
/// longer than [`MAX_COMPONENT_BYTES`] (a long non-ASCII name triples in length) is cut on an
/// escape's boundary and ends in `~` and a hash of the whole name: still one per name (`~` never
/// appears in an encoding, so it cannot meet a short name's), and always short enough.
pub fn path_component(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    if out.is_empty() {
        out.push_str("%00");
    }
    if out.len() > MAX_COMPONENT_BYTES {
        let hash = format!("~{:016x}", crate::naming::fnv1a(name.as_bytes()));
        let mut cut = MAX_COMPONENT_BYTES - hash.len();
        // Never inside a `%XX` escape.
        while out.as_bytes()[..cut].iter().rev().take(2).any(|b| *b == b'%') {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str(&hash);
    }
    out
}

/// Every file under `dir`, at any depth (an unreadable or missing directory holds none).
pub fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().filter_map(|e| e.ok()) {
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => stack.push(entry.path()),
                Ok(_) => found.push(entry.path()),
                Err(_) => {}
            }
        }
    }
    found
}

/// An advisory lock on a file, held until dropped. The kernel releases it with the process,
/// however the process dies, so it never goes stale.
pub struct FileLock(#[allow(dead_code)] File);

/// Waits for the lock on `path` (made, with its private directory, when missing).
pub fn lock(path: &Path) -> Result<FileLock> {
    let file = open_lock_file(path)?;
    file.lock().with_context(|| format!("could not lock {}", path.display()))?;
    Ok(FileLock(file))
}

/// The lock on `path` when no one holds it, else `None` at once.
pub fn try_lock(path: &Path) -> Result<Option<FileLock>> {
    let file = open_lock_file(path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(FileLock(file))),
        Err(fs::TryLockError::WouldBlock) => Ok(None),
        Err(fs::TryLockError::Error(err)) => {
            Err(anyhow::anyhow!(err).context(format!("could not lock {}", path.display())))
        }
    }
}

fn open_lock_file(path: &Path) -> Result<File> {
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        private_dir(dir)?;
    }
    File::options()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .with_context(|| format!("could not open {}", path.display()))
}

/// A held lock whose file keeps one number while it is held: a high-water mark, a time. The
/// number is a hint, not state: it is replaced in place and never synced.
pub struct MarkedLock(File);

impl MarkedLock {
    /// The number the file holds (0 when none).
    pub fn mark(&mut self) -> u64 {
        let mut text = String::new();
        let _ = self.0.rewind().and_then(|_| self.0.read_to_string(&mut text));
        text.trim().parse().unwrap_or(0)
    }

    pub fn set_mark(&mut self, value: u64) {
        let _ = self
            .0
            .set_len(0)
            .and_then(|_| self.0.rewind())
            .and_then(|_| self.0.write_all(value.to_string().as_bytes()));
    }
}

/// The lock on `path` with its mark, waiting at most `wait` for another holder (the error says
/// it was held that long).
pub fn lock_marked(path: &Path, wait: std::time::Duration) -> Result<MarkedLock> {
    let file = open_lock_file(path)?;
    let deadline = std::time::Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(MarkedLock(file)),
            Err(fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err(fs::TryLockError::WouldBlock) => {
                anyhow::bail!("could not lock {}: held for over {wait:?}", path.display())
            }
            Err(fs::TryLockError::Error(err)) => {
                return Err(anyhow::anyhow!(err).context(format!("could not lock {}", path.display())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_make_short_distinct_components_issue_16() {
        let cyrillic = format!("claude-dev-{}", "ж".repeat(47));
        let component = path_component(&cyrillic);
        assert!(component.len() <= MAX_COMPONENT_BYTES, "{} bytes", component.len());
        assert!(component.starts_with("claude-dev-%D0%B6"), "{component}");
        let other = path_component(&format!("claude-dev-{}", "ж".repeat(48)));
        assert_ne!(component, other);
        assert_eq!(component, path_component(&cyrillic), "the same name, the same file");
        for len in 60..80 {
            let name = "é".repeat(len);
            let c = path_component(&name);
            assert!(c.len() <= MAX_COMPONENT_BYTES && !c.contains('/'), "{c}");
            let head = c.split('~').next().unwrap();
            assert!(head.split('%').skip(1).all(|escape| escape.len() >= 2), "an escape was cut: {c}");
        }
        assert_eq!(path_component("claude-dev-web"), "claude-dev-web", "short names are unchanged");
    }

    #[test]
    fn only_old_temp_files_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let old_time = std::time::SystemTime::now() - std::time::Duration::from_secs(STALE_TEMP_SECONDS + 5);
        let make = |name: &str, old: bool| {
            let file = File::create(dir.path().join(name)).unwrap();
            if old {
                file.set_modified(old_time).unwrap();
            }
        };
        make(".a.json.1.0.tmp", true);
        make(".b.json.1.1.tmp", false);
        make("keep.json", true);
        make("visible.tmp", true);
        remove_stale_temps(dir.path());
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, [".b.json.1.1.tmp", "keep.json", "visible.tmp"]);
    }

    #[test]
    fn replaces_content_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/state.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> =
            fs::read_dir(path.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("state.json")]);
    }

    #[test]
    fn a_failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("target");
        fs::create_dir(&path).unwrap(); // renaming a file over a directory fails
        assert!(write_atomic(&path, b"x").is_err());
        assert!(path.is_dir());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
