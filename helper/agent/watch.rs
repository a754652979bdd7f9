//! `cdev claude watch`: what Claude Code reports to no hook. Esc mid-turn and a refused
//! permission prompt fire no event (anthropics/claude-code#9516), so a pane would stay ⚙ working
//! or ⏳ waiting for good; but Claude writes `[Request interrupted by user…]` to the
//! conversation's transcript at once, and (2.1.145 and later) `"status": "idle"` to its
//! `sessions/<pid>.json`. One watcher per tmux server (cdev.tmux starts it as a `run-shell -b`
//! job) waits on inotify for writes under Claude's `projects/` and `sessions/` directories — no
//! process, no timer, no CPU while nothing is written — and then makes that agent idle (or, for
//! a status file saying a dialog is open, waiting). It ends with the server: its stdin is the
//! job's socket to tmux, which hangs up when the server's end closes, however the server ended.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::hook::{self, Payload};
use super::Transition;
use crate::tmux::format::{text, Field, Fields, Record};
use crate::tmux::{is_no_server, Tmux, TmuxCommand};

/// The server option holding the running watcher's process id.
pub const PID_OPTION: &str = "@cdev_watch_pid";

/// What Claude Code writes as the text of the user turn that ends an interrupted one: "…by
/// user]" after Esc mid-turn, "…by user for tool use]" after a refused permission prompt.
const INTERRUPT_MARK: &[u8] = b"[Request interrupted by user";

/// How much of a transcript first seen by this watcher is read: its last lines are enough, and
/// an old interrupt there changes nothing (see [`Transition::Interrupted`]).
const FIRST_READ: u64 = 64 * 1024;

/// The Unix seconds of every interrupt recorded in `lines` (complete JSONL lines).
pub fn interrupts(lines: &[u8]) -> Vec<i64> {
    lines
        .split(|b| *b == b'\n')
        .filter(|line| line.windows(INTERRUPT_MARK.len()).any(|w| w == INTERRUPT_MARK))
        .filter_map(|line| serde_json::from_slice::<serde_json::Value>(line).ok())
        .filter(|record| record["type"] == "user" && is_interrupt(&record["message"]["content"]))
        .filter_map(|record| {
            let stamp = record["timestamp"].as_str()?;
            Some(chrono::DateTime::parse_from_rfc3339(stamp).ok()?.timestamp())
        })
        .collect()
}

/// Whether a user turn's content is Claude Code's interrupt note (and not a user who typed it).
fn is_interrupt(content: &serde_json::Value) -> bool {
    let marked = |text: &str| text.starts_with("[Request interrupted by user") && text.ends_with(']');
    match content {
        serde_json::Value::String(text) => marked(text),
        serde_json::Value::Array(blocks) => {
            blocks.iter().any(|b| b["type"] == "text" && b["text"].as_str().is_some_and(marked))
        }
        _ => false,
    }
}

/// Where each transcript was read up to, so every write is read once.
#[derive(Default)]
pub struct Offsets(HashMap<PathBuf, u64>);

impl Offsets {
    /// The complete lines appended to `path` since the last call (the first time, those of its
    /// last [`FIRST_READ`] bytes); a line still being written waits for the next call.
    pub fn new_lines(&mut self, path: &Path) -> Result<Vec<u8>> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        let known = self.0.get(path).copied().filter(|offset| *offset <= len);
        let start = known.unwrap_or_else(|| len.saturating_sub(FIRST_READ));
        file.seek(SeekFrom::Start(start))?;
        let mut bytes = Vec::new();
        file.take(len - start).read_to_end(&mut bytes)?;
        let end = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        self.0.insert(path.to_path_buf(), start + end as u64);
        bytes.truncate(end);
        if known.is_none() && start > 0 {
            // A read from the middle of the file starts inside a line.
            let first = bytes.iter().position(|b| *b == b'\n').map_or(bytes.len(), |i| i + 1);
            bytes.drain(..first);
        }
        Ok(bytes)
    }
}

/// A pane and the transcript its agent writes.
struct TranscriptPane {
    id: String,
    transcript: Option<String>,
}

impl Record for TranscriptPane {
    const FIELDS: &'static [Field] = &[text("pane_id"), text("@cdev_claude_transcript")];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(TranscriptPane { id: f.string()?, transcript: f.optional()? })
    }
}

/// Makes idle the agents writing `transcript` that were busy since no later than `at`. The
/// condition is checked by tmux in the same call (a new turn may have begun meanwhile).
pub fn interrupted(tmux: &Tmux, state_dir: &Path, transcript: &Path, at: i64, now: i64) -> Result<()> {
    let panes = tmux.query::<TranscriptPane>(TmuxCommand::new("list-panes").flag("-a"))?;
    let resolved = |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let ours = resolved(transcript);
    for pane in panes {
        let Some(recorded) = pane.transcript.as_deref().map(Path::new) else { continue };
        if recorded == transcript || resolved(recorded) == ours {
            hook::apply(tmux, state_dir, &pane.id, Transition::Interrupted { at }, &Payload::default(), now)
                .with_context(|| format!("could not mark pane {} idle", pane.id))?;
        }
    }
    Ok(())
}

/// What the watcher saw.
#[derive(Debug, PartialEq, Eq)]
pub enum Seen {
    /// A transcript recorded an interrupt at Unix second `at`.
    Interrupt { transcript: PathBuf, at: i64 },
    /// A Claude process said it is idle (its `sessions/<pid>.json`) at Unix second `at`.
    Idle { conversation: String, at: i64 },
    /// A Claude process said it waits for the user (a dialog) at Unix second `at`.
    Waiting { conversation: String, at: i64 },
}

/// Claude Code's status file of one running process (`~/.claude/sessions/<pid>.json`, written
/// by 2.1.145 and later for `claude agents`): `Idle` or `Waiting` when it says so. Idle also
/// after an Esc that left no mark in the transcript (2.1.328 takes back a prompt interrupted
/// before any answer, and writes nothing); waiting also for its own dialogs, which fire no hook
/// (`"waitingFor": "dialog open"`). Busy is left to the hooks.
pub fn status_change(bytes: &[u8]) -> Option<Seen> {
    let status: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let conversation = status["sessionId"].as_str()?.to_string();
    let at = status["statusUpdatedAt"].as_i64()? / 1000;
    match status["status"].as_str()? {
        "idle" => Some(Seen::Idle { conversation, at }),
        "waiting" => Some(Seen::Waiting { conversation, at }),
        _ => None,
    }
}

/// Whether the Claude process of `conversation` says it waits for the user now (its status
/// file in `claude_dir/sessions/`). A dialog Claude opens as it starts is written before its
/// SessionStart hook runs, which would otherwise make it idle.
pub fn waiting_now(claude_dir: &Path, conversation: &str) -> bool {
    let entries = std::fs::read_dir(claude_dir.join("sessions")).into_iter().flatten().filter_map(|e| e.ok());
    entries
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| std::fs::read(e.path()).ok())
        .filter_map(|bytes| status_change(&bytes))
        .any(|seen| matches!(seen, Seen::Waiting { conversation: c, .. } if c == conversation))
}

/// Makes `seen`'s agent idle if it was busy since no later than then; tmux checks that in the
/// same call, since a new turn may have begun meanwhile.
pub fn apply(tmux: &Tmux, state_dir: &Path, seen: &Seen, now: i64) -> Result<()> {
    let of = |conversation: &str| hook::pane_of_conversation(tmux, conversation).map(Vec::from_iter);
    let (panes, transition) = match seen {
        Seen::Interrupt { transcript, at } => {
            (panes_writing(tmux, transcript)?, Transition::Interrupted { at: *at })
        }
        Seen::Idle { conversation, at } => (of(conversation)?, Transition::Interrupted { at: *at }),
        Seen::Waiting { conversation, at } => (of(conversation)?, Transition::Blocked { at: *at }),
    };
    for pane in panes {
        hook::apply(tmux, state_dir, &pane, transition, &Payload::default(), now)
            .with_context(|| format!("could not mark pane {pane} idle"))?;
    }
    Ok(())
}

/// The panes whose agents write `transcript`.
fn panes_writing(tmux: &Tmux, transcript: &Path) -> Result<Vec<String>> {
    let panes = tmux.query::<TranscriptPane>(TmuxCommand::new("list-panes").flag("-a"))?;
    let resolved = |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let ours = resolved(transcript);
    Ok(panes
        .into_iter()
        .filter(|pane| {
            pane.transcript.as_deref().map(Path::new).is_some_and(|p| p == transcript || resolved(p) == ours)
        })
        .map(|pane| pane.id)
        .collect())
}

/// Claude Code's own directory: `$CLAUDE_CONFIG_DIR`, else `~/.claude`.
pub fn claude_dir(home: &Path) -> PathBuf {
    match std::env::var_os("CLAUDE_CONFIG_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => home.join(".claude"),
    }
}

/// Runs the watcher until the server ends. `make_tmux` gives a fresh handle per call (each with
/// its own deadline). Returns at once when another watcher holds this server's lock.
#[cfg(target_os = "linux")]
pub fn run(make_tmux: &dyn Fn() -> Result<Tmux>, state_dir: &Path, claude_dir: &Path) -> Result<()> {
    let tmux = make_tmux()?;
    let socket = tmux.server().socket_path();
    let lock_path = state_dir
        .join("watch")
        .join(format!("{}.lock", crate::store::path_component(&socket.to_string_lossy())));
    if let Some(dir) = lock_path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    }
    let lock = File::create(&lock_path).with_context(|| format!("could not open {}", lock_path.display()))?;
    if lock.try_lock().is_err() {
        return Ok(());
    }
    let watcher = linux::Watcher::new(claude_dir)?;
    // Watching from here on: tests and `cdev doctor` know it runs, and which process it is.
    let pid = std::process::id().to_string();
    tmux.run(TmuxCommand::new("set-option").flag("-g").arg(PID_OPTION).arg(&pid))?;
    watcher.run(&mut |seen| {
        let now = chrono::Utc::now().timestamp();
        match make_tmux().and_then(|tmux| apply(&tmux, state_dir, seen, now)) {
            Err(err) if is_no_server(&err) => false,
            Err(err) => {
                crate::log::debug("claude watch", &format!("{err:#}"));
                true
            }
            Ok(()) => true,
        }
    })
}

#[cfg(not(target_os = "linux"))]
pub fn run(_: &dyn Fn() -> Result<Tmux>, _: &Path, _: &Path) -> Result<()> {
    crate::log::debug("claude watch", &"interrupts are watched on Linux only (inotify)");
    Ok(())
}

#[cfg(target_os = "linux")]
mod linux {
    //! The inotify side: `projects/` (new project directories) and each project directory
    //! (transcripts written), and `sessions/` (status files written); a directory that does not
    //! exist yet is waited for through a watch on its nearest existing parent.

    use std::collections::{BTreeSet, HashMap};
    use std::mem::MaybeUninit;
    use std::os::fd::{AsFd, OwnedFd};
    use std::path::{Path, PathBuf};

    use anyhow::{Context, Result};
    use rustix::event::{poll, PollFd, PollFlags};
    use rustix::fs::inotify::{self, CreateFlags, ReadFlags, WatchFlags};

    use super::{Offsets, Seen};

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
            let fd = inotify::init(CreateFlags::CLOEXEC | CreateFlags::NONBLOCK)
                .context("could not start inotify")?;
            let roots = [(Kind::Projects, "projects"), (Kind::Sessions, "sessions")]
                .map(|(kind, name)| Root { path: claude_dir.join(name), kind, wd: None })
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
            self.roots[i].wd = parent
                .and_then(|dir| inotify::add_watch(&self.fd, &dir, new_dirs).ok())
                .map(|wd| (wd, false));
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
                    let at = super::interrupts(&lines).into_iter().max();
                    at.map(|at| Seen::Interrupt { transcript, at }).into_iter().collect()
                }
                Written::Status(path) => {
                    let Some(seen) = std::fs::read(&path).ok().and_then(|b| super::status_change(&b)) else {
                        return vec![];
                    };
                    // A status file is rewritten for other reasons too: each status once.
                    let key = match &seen {
                        Seen::Idle { at, .. } => (*at, false),
                        Seen::Waiting { at, .. } => (*at, true),
                        Seen::Interrupt { .. } => return vec![],
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
                    appeared.extend(
                        self.roots.iter().enumerate().filter(|(_, r)| waited_from(r)).map(|(i, _)| i),
                    );
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_kinds_of_interrupt_are_found_with_their_time_issue_17() {
        // Trimmed from Claude Code 2.1.328's transcripts.
        let lines = br#"{"type":"assistant","message":{"content":[{"type":"text","text":"word0 word1"}]},"timestamp":"2026-12-01T21:45:18.646Z","isAbortedMidStream":true}
{"parentUuid":"b2","type":"user","message":{"role":"user","content":[{"type":"text","text":"[Request interrupted by user]"}]},"timestamp":"2026-12-01T21:45:18.657Z"}
{"type":"user","message":{"role":"user","content":[{"type":"tool_result","content":"The user doesn't want to proceed with this tool use."}]},"timestamp":"2026-12-01T21:45:29.500Z"}
{"type":"user","message":{"role":"user","content":[{"type":"text","text":"[Request interrupted by user for tool use]"}]},"timestamp":"2026-12-01T21:45:29.583Z"}
{"type":"user","message":{"role":"user","content":"please say [Request interrupted by user] to me"},"timestamp":"2026-12-01T21:46:00.000Z"}
{"type":"user","message":{"role":"user","content":"[Request interrupted by user]"},"timestamp":"2026-12-01T21:47:00.000Z"}
"#;
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp();
        assert_eq!(
            interrupts(lines),
            [at("2026-12-01T21:45:18Z"), at("2026-12-01T21:45:29Z"), at("2026-12-01T21:47:00Z")]
        );
        assert!(interrupts(b"not json [Request interrupted by user]\n{}").is_empty());
    }

    #[test]
    fn a_status_file_saying_idle_or_waiting_is_seen_issue_17() {
        // Trimmed from Claude Code 2.1.328's ~/.claude/sessions/<pid>.json.
        let idle = br#"{"pid":22344,"sessionId":"e0e7","cwd":"/p","version":"2.1.328","tmux":"c:@0.%0","status":"idle","updatedAt":1796163297373,"statusUpdatedAt":1796163297373}"#;
        assert_eq!(status_change(idle), Some(Seen::Idle { conversation: "e0e7".into(), at: 1796163297 }));
        let dialog = br#"{"sessionId":"f045","status":"waiting","statusUpdatedAt":1796164109086,"waitingFor":"dialog open"}"#;
        assert_eq!(
            status_change(dialog),
            Some(Seen::Waiting { conversation: "f045".into(), at: 1796164109 })
        );
        let busy = br#"{"sessionId":"e0e7","status":"busy","statusUpdatedAt":1796163314138}"#;
        for other in [&busy[..], b"{}", b"not json", br#"{"status":"idle"}"#] {
            assert_eq!(status_change(other), None);
        }
    }

    #[test]
    fn each_line_is_read_once_and_a_partial_line_waits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(&path, "old line\n").unwrap();
        let mut offsets = Offsets::default();
        assert_eq!(offsets.new_lines(&path).unwrap(), b"old line\n", "a small file is read whole");
        assert!(offsets.new_lines(&path).unwrap().is_empty());
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"one\ntw").unwrap();
        assert_eq!(offsets.new_lines(&path).unwrap(), b"one\n");
        file.write_all(b"o\n").unwrap();
        assert_eq!(offsets.new_lines(&path).unwrap(), b"two\n");
        // A big file first seen: its tail only, from a line start.
        let big = dir.path().join("big.jsonl");
        let line = format!("{}\n", "x".repeat(99));
        std::fs::write(&big, line.repeat(2000)).unwrap();
        let tail = Offsets::default().new_lines(&big).unwrap();
        assert!(tail.len() <= FIRST_READ as usize && tail.starts_with(b"xxx") && tail.len() % 100 == 0);
    }
}
