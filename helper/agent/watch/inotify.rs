//! The watcher's inotify side (Linux): `projects/` (new project directories) and each project
//! directory (transcripts written), and `sessions/` (status files written); a directory that
//! does not exist yet is waited for through a watch on its nearest existing parent.

use std::collections::{BTreeSet, HashMap};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rustix::event::{poll, PollFd, PollFlags};
use rustix::fs::inotify::{self, CreateFlags, ReadFlags, WatchFlags};

use super::marks::{interrupts, status_change, Offsets};
use super::Seen;
use crate::agent::claude;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `projects/`: one directory per project, transcripts in each.
    Projects,
    /// `sessions/`: one status file per running Claude.
    Sessions,
}

struct Root {
    path: PathBuf,
    kind: Kind,
    /// The watch on the root itself (true), or on the parent it is waited from (false).
    wd: Option<(i32, bool)>,
}

/// A file written, by what it is.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Written {
    Transcript(PathBuf),
    Status(PathBuf),
}

pub struct Watcher {
    fd: OwnedFd,
    roots: Vec<Root>,
    /// Project directories by watch descriptor.
    dirs: HashMap<i32, PathBuf>,
    offsets: Offsets,
    /// The last status acted on (its time, and whether waiting), per status file.
    statuses: HashMap<PathBuf, (i64, bool)>,
}

impl Watcher {
    pub fn new(claude_dir: &Path) -> Result<Watcher> {
        let fd =
            inotify::init(CreateFlags::CLOEXEC | CreateFlags::NONBLOCK).context("could not start inotify")?;
        let roots = [
            (Kind::Projects, claude::projects_dir(claude_dir)),
            (Kind::Sessions, claude::sessions_dir(claude_dir)),
        ]
        .map(|(kind, path)| Root { path, kind, wd: None })
        .into();
        let mut watcher = Watcher {
            fd,
            roots,
            dirs: HashMap::new(),
            offsets: Offsets::default(),
            statuses: HashMap::new(),
        };
        for i in 0..watcher.roots.len() {
            watcher.watch_root(i);
        }
        Ok(watcher)
    }

    /// Watches root `i` (and, for `projects/`, every project directory in it), else the
    /// nearest existing parent until the root appears.
    fn watch_root(&mut self, i: usize) {
        let new_dirs = WatchFlags::CREATE | WatchFlags::MOVED_TO | WatchFlags::ONLYDIR;
        let path = self.roots[i].path.clone();
        let flags = match self.roots[i].kind {
            Kind::Projects => new_dirs,
            // Written in place or renamed into place.
            Kind::Sessions => WatchFlags::MODIFY | WatchFlags::MOVED_TO | WatchFlags::ONLYDIR,
        };
        if let Ok(wd) = inotify::add_watch(&self.fd, &path, flags) {
            self.roots[i].wd = Some((wd, true));
            if self.roots[i].kind == Kind::Projects {
                let entries = std::fs::read_dir(&path).into_iter().flatten().filter_map(|e| e.ok());
                for entry in entries.filter(|e| e.file_type().is_ok_and(|t| t.is_dir())) {
                    self.watch_dir(entry.path());
                }
            }
            return;
        }
        let parent = path.ancestors().skip(1).find(|dir| dir.is_dir()).map(Path::to_path_buf);
        self.roots[i].wd =
            parent.and_then(|dir| inotify::add_watch(&self.fd, &dir, new_dirs).ok()).map(|wd| (wd, false));
    }

    fn watch_dir(&mut self, dir: PathBuf) {
        if let Ok(wd) = inotify::add_watch(&self.fd, &dir, WatchFlags::MODIFY | WatchFlags::ONLYDIR) {
            self.dirs.insert(wd, dir);
        }
    }

    /// Waits for writes until the server ends (`on_seen` returns false, or the job's socket
    /// to tmux on stdin hangs up).
    pub fn run(mut self, on_seen: &mut dyn FnMut(&Seen) -> bool) -> Result<()> {
        let stdin = std::io::stdin();
        let server_link = rustix::fs::fstat(stdin.as_fd()).is_ok_and(|st| {
            let kind = rustix::fs::FileType::from_raw_mode(st.st_mode);
            matches!(kind, rustix::fs::FileType::Socket | rustix::fs::FileType::Fifo)
        });
        let mut buffer = [MaybeUninit::<u8>::uninit(); 64 * 1024];
        loop {
            let mut fds = vec![PollFd::new(&self.fd, PollFlags::IN)];
            if server_link {
                // No events asked: tmux shuts its side for writing at once (stdin reads
                // EOF from the start), and a hang-up is reported anyway, when the server's
                // end closes.
                fds.push(PollFd::from_borrowed_fd(stdin.as_fd(), PollFlags::empty()));
            }
            match poll(&mut fds, None) {
                Err(rustix::io::Errno::INTR) => continue,
                other => other.context("could not wait for inotify")?,
            };
            if server_link && !fds[1].revents().is_empty() {
                return Ok(()); // the server is gone
            }
            if fds[0].revents().is_empty() {
                continue;
            }
            for written in self.read_events(&mut buffer) {
                for seen in self.seen_in(written) {
                    if !on_seen(&seen) {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// What a written file says (a file removed meanwhile says nothing).
    fn seen_in(&mut self, written: Written) -> Vec<Seen> {
        match written {
            Written::Transcript(transcript) => {
                let lines = self.offsets.new_lines(&transcript).unwrap_or_default();
                let used = crate::agent::tally::records_usage(&lines);
                let usage = used.then(|| Seen::Usage { transcript: transcript.clone() });
                let at = interrupts(&lines).into_iter().max();
                at.map(|at| Seen::Interrupt { transcript, at }).into_iter().chain(usage).collect()
            }
            Written::Status(path) => {
                let Some(seen) = std::fs::read(&path).ok().and_then(|b| status_change(&b)) else {
                    return vec![];
                };
                // A status file is rewritten for other reasons too: each status once.
                let key = match &seen {
                    Seen::Idle { at, .. } => (*at, false),
                    Seen::Waiting { at, .. } => (*at, true),
                    Seen::Interrupt { .. } | Seen::Usage { .. } => return vec![],
                };
                if self.statuses.insert(path, key) == Some(key) {
                    return vec![];
                }
                vec![seen]
            }
        }
    }

    /// Drains the inotify queue: new directories are watched, and the files written (each
    /// once) are returned.
    fn read_events(&mut self, buffer: &mut [MaybeUninit<u8>]) -> BTreeSet<Written> {
        let mut written = BTreeSet::new();
        let mut new_dirs = Vec::new();
        let mut appeared = Vec::new();
        let mut reader = inotify::Reader::new(&self.fd, buffer);
        while let Ok(event) = reader.next() {
            let name = event.file_name().map(|n| PathBuf::from(n.to_string_lossy().into_owned()));
            let has_extension =
                |ext: &str| name.as_ref().is_some_and(|n| n.extension().is_some_and(|e| e == ext));
            let waited_from = |r: &Root| r.wd == Some((event.wd(), false));
            if self.roots.iter().any(waited_from) {
                // Both roots may wait on the same parent (inotify gives one watch per path).
                appeared
                    .extend(self.roots.iter().enumerate().filter(|(_, r)| waited_from(r)).map(|(i, _)| i));
                continue;
            }
            let root = self.roots.iter().position(|r| r.wd.is_some_and(|(wd, _)| wd == event.wd()));
            match root.map(|i| (i, &self.roots[i])) {
                Some((_, root)) if root.kind == Kind::Projects => {
                    if event.events().contains(ReadFlags::ISDIR) {
                        new_dirs.extend(name.map(|n| root.path.join(n)));
                    }
                }
                Some((_, root)) => {
                    if has_extension("json") {
                        written.extend(name.map(|n| Written::Status(root.path.join(n))));
                    }
                }
                None => {
                    let Some(dir) = self.dirs.get(&event.wd()) else { continue };
                    if has_extension("jsonl") {
                        written.extend(name.map(|n| Written::Transcript(dir.join(n))));
                    }
                }
            }
        }
        appeared.sort();
        appeared.dedup();
        for i in appeared {
            if let Some((wd, _)) = self.roots[i].wd.take() {
                // Two roots may wait on the same parent: the watch goes only when both moved on.
                if !self.roots.iter().any(|r| r.wd.is_some_and(|(other, _)| other == wd)) {
                    let _ = inotify::remove_watch(&self.fd, wd);
                }
            }
            self.watch_root(i);
            if self.roots[i].kind == Kind::Sessions && self.roots[i].wd.is_some_and(|(_, own)| own) {
                // Written before the watch began: read once now.
                let entries =
                    std::fs::read_dir(&self.roots[i].path).into_iter().flatten().filter_map(|e| e.ok());
                let statuses =
                    entries.map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json"));
                written.extend(statuses.map(Written::Status));
            }
        }
        for dir in new_dirs {
            self.watch_dir(dir);
        }
        written
    }
}
