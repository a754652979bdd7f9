//! `cdev resurrect …`: what cdev.tmux registers as tmux-resurrect's hooks. Resurrect keeps
//! layouts but loses environments and cannot resume an exact Claude conversation; continuum can
//! make an empty save the one restored. So after each save cdev writes a sidecar beside
//! resurrect's file, refuses to let a nearly empty save become `last`, and after a restore puts
//! back each session's env and options and resumes each Claude pane's own conversation.
//!
//! The hooks run inside resurrect's save and restore: they never fail it. Errors go to
//! `CDEV_LOG` and to `resurrect.log` in cdev's state directory, which `cdev doctor` reads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context as _, Result};
use serde::{Deserialize, Serialize};

use super::Context;
use crate::agent::journal;
use crate::tmux::format::{plain, text, Field, Fields, Record};
use crate::tmux::state::ServerId;
use crate::tmux::{environment, target, Tmux, TmuxCommand};
use crate::{claude, log, store};

const FORMAT_VERSION: u32 = 1;
/// A save with fewer than this share of the server's panes is taken for an empty one.
const MIN_SHARE: f64 = 0.5;
/// Where the post-save-layout hook leaves the name of a save it found bad, for post-save-all
/// (which runs after resurrect has pointed `last` at it).
const BAD_SAVE: &str = ".cdev-bad-save";

#[derive(Debug, Serialize, Deserialize)]
pub struct Sidecar {
    pub version: u32,
    /// The machine it was written on: conversations resume only there.
    pub host: String,
    /// The server the save was taken from: with each pane's id, what finds its journal entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerId>,
    pub sessions: Vec<SessionSide>,
    pub panes: Vec<PaneSide>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SessionSide {
    pub name: String,
    /// The session's own environment; `None` is a variable removed from it (`-VAR`).
    pub env: BTreeMap<String, Option<String>>,
    /// cdev's session options (`@cdev_project_root`, `@cdev_template`).
    pub options: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PaneSide {
    /// The pane's id on the server that saved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pane_id: Option<String>,
    pub session: String,
    pub window: u32,
    pub pane: u32,
    pub claude_session: Option<String>,
    pub agent_state: Option<String>,
    pub worktree: Option<String>,
    pub role: Option<String>,
}

pub fn run(context: &Context, hook: &str, file: Option<PathBuf>) -> Result<()> {
    let result = match hook {
        "post-save-layout" => match &file {
            Some(file) => post_save_layout(context, file),
            None => Err(anyhow!("resurrect passes the state file")),
        },
        "post-save-all" => post_save_all(context),
        // cdev's autosave waits while resurrect rebuilds sessions piece by piece, then saves them
        // whole (a half-rebuilt session must not become the latest snapshot).
        "pre-restore-all" => crate::autosave::pause(context).and_then(|()| pre_restore_all(context)),
        "post-restore-all" => {
            let restored = post_restore_all(context);
            crate::autosave::resume(context).and(restored)
        }
        other => return Err(anyhow!("could not run resurrect hook {other:?}: no such hook")),
    };
    if let Err(err) = result {
        note(context, &format!("{hook}: {err:#}"));
    }
    Ok(())
}

/// Records what happened where `cdev doctor` and the debug log can show it.
fn note(context: &Context, line: &str) {
    log::debug("resurrect", &line);
    let _ = std::fs::create_dir_all(&context.paths.state_dir);
    let path = context.paths.state_dir.join("resurrect.log");
    let stamped = format!("{} {line}\n", chrono::Utc::now().to_rfc3339());
    let _ = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, stamped.as_bytes()));
}

/// `tmux_resurrect_20261124T060000.txt` → `tmux_resurrect_20261124T060000.cdev.json`.
pub fn sidecar_path(state_file: &Path) -> PathBuf {
    state_file.with_extension("cdev.json")
}

fn host() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default()
}

/// The panes a resurrect state file holds (its `pane` lines).
fn panes_in(state_file: &Path) -> Result<usize> {
    let text = crate::bounded::read(state_file, crate::bounded::limit::RESURRECT)
        .with_context(|| format!("could not read {}", state_file.display()))?;
    Ok(text.split(|b| *b == b'\n').filter(|l| l.starts_with(b"pane\t")).count())
}

fn post_save_layout(context: &Context, file: &Path) -> Result<()> {
    let tmux = context.tmux()?;
    let panes = tmux.query::<SidePane>(TmuxCommand::new("list-panes").flag("-a"))?;
    let saved = panes_in(file)?;
    let dir = file.parent().unwrap_or(Path::new("."));
    // `last` still names the previous save here: resurrect moves it after this hook.
    let previous = std::fs::read_link(dir.join("last")).ok().map(|name| dir.join(name));
    let previous = previous.filter(|p| p.as_path() != file).and_then(|path| {
        let panes = panes_in(&path).ok().filter(|n| *n > 0)?;
        let written = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
        Some(PreviousSave { path, panes, written })
    });
    let server = panes.first().map(|p| p.server);
    let started = server.map_or(0, |s| s.started);
    if let Some(why) = nearly_empty(saved, panes.len(), previous.as_ref(), started) {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let keep =
            previous.as_ref().and_then(|p| p.path.file_name()).map(|n| n.to_string_lossy().into_owned());
        store::write_atomic(&dir.join(BAD_SAVE), format!("{name}\n{}", keep.unwrap_or_default()).as_bytes())?;
        note(context, &format!("{name} {why}: not to become last"));
    }
    let sidecar = Sidecar {
        version: FORMAT_VERSION,
        host: host(),
        server,
        sessions: session_sides(&tmux, &panes)?,
        panes: panes
            .into_iter()
            .map(|p| PaneSide {
                pane_id: Some(p.pane_id),
                session: p.session,
                window: p.window,
                pane: p.pane,
                claude_session: p.claude_session,
                agent_state: p.agent_state,
                worktree: p.worktree,
                role: p.role,
            })
            .collect(),
    };
    // It holds session environments (API keys among them): readable by the user only.
    store::write_private(&sidecar_path(file), &serde_json::to_vec_pretty(&sidecar)?)
}

/// Each session's environment and cdev options, read in one chained call.
fn session_sides(tmux: &Tmux, panes: &[SidePane]) -> Result<Vec<SessionSide>> {
    let mut names: Vec<&str> = panes.iter().map(|p| p.session.as_str()).collect();
    names.dedup();
    let mut chain = Vec::new();
    for name in &names {
        chain.push(TmuxCommand::new("display-message").flag("-p").arg("\u{1e}"));
        chain.push(TmuxCommand::new("show-environment").flag("-s").value("-t", &target::session(name)));
        chain.push(TmuxCommand::new("display-message").flag("-p").arg("\u{1f}"));
        chain.push(TmuxCommand::new("show-options").flag("-q").value("-t", &target::session(name)));
    }
    if chain.is_empty() {
        return Ok(Vec::new());
    }
    let out = tmux.run_chain(&chain)?;
    let mut sides = Vec::new();
    for (name, block) in names.iter().zip(out.split('\u{1e}').skip(1)) {
        let (env_text, options_text) = block.split_once('\u{1f}').unwrap_or((block, ""));
        // `-s`: its quoting keeps a value holding a newline whole.
        let env = environment::parse_shell(env_text).into_iter().collect();
        let options = options_text
            .lines()
            .filter(|l| l.starts_with("@cdev_"))
            .filter_map(|l| l.split_once(' '))
            .map(|(k, v)| (k.to_string(), unquote(v)))
            .collect();
        sides.push(SessionSide { name: name.to_string(), env, options });
    }
    Ok(sides)
}

/// `show-options` quotes values with spaces: `"a b"` → `a b`.
fn unquote(value: &str) -> String {
    shell_words::split(value)
        .ok()
        .filter(|w| w.len() == 1)
        .map(|mut w| w.remove(0))
        .unwrap_or(value.to_string())
}

/// The save `last` named before this one, as the empty-save guard compares with it.
struct PreviousSave {
    path: PathBuf,
    panes: usize,
    written: std::time::SystemTime,
}

/// Why a save of `saved` panes must not become `last`, if it must not: it holds no panes, under
/// half the live server's, or under half the previous save's on a server started after that save
/// was written — the save continuum takes right after a reboot or a crash, before any restore,
/// which is the one the guard exists for. On the server that wrote the previous save, fewer panes
/// are the user's own doing (sessions ended on purpose) and the smaller save is the right one.
fn nearly_empty(
    saved: usize,
    live: usize,
    previous: Option<&PreviousSave>,
    server_started: u64,
) -> Option<String> {
    if saved == 0 {
        return Some("holds no panes".into());
    }
    if (saved as f64) < MIN_SHARE * live as f64 {
        return Some(format!("holds {saved} of the server's {live} panes"));
    }
    let previous = previous?;
    let written = previous.written.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let name = previous.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    (server_started > written && (saved as f64) < MIN_SHARE * previous.panes as f64).then(|| {
        format!(
            "holds {saved} panes, {name} {}, and this server started after that save (a reboot or a crash?)",
            previous.panes
        )
    })
}

/// After resurrect pointed `last` at the new file: back to the save it named before when the new
/// one was found (nearly) empty (else the newest earlier save that holds panes).
fn post_save_all(context: &Context) -> Result<()> {
    let Some(dir) = resurrect_dir(context)? else { return Ok(()) };
    prune_sidecars(&dir);
    let marker = dir.join(BAD_SAVE);
    let Ok(text) = std::fs::read_to_string(&marker) else { return Ok(()) };
    let _ = std::fs::remove_file(&marker);
    let (bad, kept) = text.split_once('\n').unwrap_or((&text, ""));
    let last = dir.join("last");
    if std::fs::read_link(&last).ok().as_deref() != Some(Path::new(bad)) {
        return Ok(()); // resurrect dropped it (it matched the previous save), or `last` moved on
    }
    let is_save = |name: &str| name.starts_with("tmux_resurrect_") && name.ends_with(".txt") && name != bad;
    let kept = Some(dir.join(kept)).filter(|p| is_save(kept) && panes_in(p).is_ok_and(|n| n > 0));
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_save(&p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()))
        .collect();
    candidates.sort(); // the timestamp in the name sorts by time
    let newest_good = || candidates.into_iter().rev().find(|p| panes_in(p).is_ok_and(|n| n > 0));
    let Some(good) = kept.or_else(newest_good) else {
        note(context, &format!("{bad} is nearly empty, but there is no earlier save to keep as last"));
        return Ok(());
    };
    let good_name = good.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // A new link renamed over the old one: `last` is never missing, even for a moment.
    let temp = dir.join(".last.cdev.tmp");
    let _ = std::fs::remove_file(&temp);
    std::os::unix::fs::symlink(&good_name, &temp)?;
    std::fs::rename(&temp, &last)?;
    note(context, &format!("{bad} is nearly empty: last points back at {good_name}"));
    Ok(())
}

/// Sidecars whose state file resurrect removed (its old-backup cleanup, or a save equal to the
/// last one) go too.
fn prune_sidecars(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for path in entries.flatten().map(|e| e.path()) {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if let Some(stem) = name.strip_suffix(".cdev.json") {
            if !dir.join(format!("{stem}.txt")).exists() {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

/// resurrect's directory: `@resurrect-dir`, else its defaults, as its helpers.sh picks them.
fn resurrect_dir(context: &Context) -> Result<Option<PathBuf>> {
    let options = context.tmux()?.options()?;
    let home = &context.paths.home;
    if let Some(dir) = options.get("@resurrect-dir").filter(|d| !d.is_empty()) {
        let dir = dir.replace("$HOME", &home.to_string_lossy()).replace("$HOSTNAME", &host());
        return Ok(Some(context.paths.expand_tilde(&dir)));
    }
    let old = home.join(".tmux/resurrect");
    if old.is_dir() {
        return Ok(Some(old));
    }
    let data =
        std::env::var_os("XDG_DATA_HOME").map(PathBuf::from).unwrap_or_else(|| home.join(".local/share"));
    Ok(Some(data.join("tmux/resurrect")))
}

/// Before resurrect restores into the server: the layouts in the save it is about to read
/// checked (it runs `select-layout` on each, and tmux 3.3a crashes on some malformed ones), then
/// cdev's own snapshot of what runs now, so a restore that merges into live sessions loses nothing.
fn pre_restore_all(context: &Context) -> Result<()> {
    if let Some(dir) = resurrect_dir(context)? {
        if let Ok(state) = std::fs::canonicalize(dir.join("last")) {
            if let Err(err) = tile_bad_layouts(context, &state) {
                note(context, &format!("could not check the layouts in {}: {err:#}", state.display()));
            }
        }
    }
    let tmux = context.tmux()?;
    let (config, _, sessions) = super::lifecycle::read(context, &tmux)?;
    let names: Vec<String> = sessions.into_iter().map(|s| s.name).collect();
    if names.is_empty() {
        return Ok(());
    }
    super::save::save(context, &tmux, &config, &names, false).map(drop)
}

/// Rewrites (atomically) each `window` line of resurrect's `state` file whose layout tmux could
/// not take for that window's panes to `tiled`, and says so in resurrect.log.
fn tile_bad_layouts(context: &Context, state: &Path) -> Result<()> {
    let bytes = crate::bounded::read(state, crate::bounded::limit::RESURRECT)?;
    // Only a file that is text is rewritten (a path that is not UTF-8 is kept byte for byte).
    let text = std::str::from_utf8(&bytes).map_err(|_| anyhow!("not UTF-8 text"))?;
    let field = |line: &str, n: usize| line.split('\t').nth(n).unwrap_or("").to_string();
    let mut panes: BTreeMap<(String, String), usize> = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("pane\t")) {
        *panes.entry((field(line, 1), field(line, 2))).or_default() += 1;
    }
    let mut changed = false;
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let mut fields: Vec<&str> = line.strip_suffix('\n').unwrap_or(line).split('\t').collect();
        if fields.first() == Some(&"window") && fields.len() >= 7 {
            let count = panes.get(&(fields[1].to_string(), fields[2].to_string())).copied().unwrap_or(0);
            let what = format!("{} window {}", fields[1], fields[2]);
            let mut notes = Vec::new();
            let layout = crate::tmux::layout::or_tiled(fields[6], count, &what, &mut notes);
            if !notes.is_empty() {
                fields[6] = layout;
                changed = true;
                notes.iter().for_each(|n| note(context, &format!("{}: {n}", state.display())));
                out.push_str(&fields.join("\t"));
                out.push_str(if line.ends_with('\n') { "\n" } else { "" });
                continue;
            }
        }
        out.push_str(line);
    }
    if changed {
        store::write_atomic(state, out.as_bytes())?;
    }
    Ok(())
}

fn post_restore_all(context: &Context) -> Result<()> {
    let Some(dir) = resurrect_dir(context)? else { return Ok(()) };
    let last = dir.join("last");
    let state =
        std::fs::canonicalize(&last).with_context(|| format!("could not follow {}", last.display()))?;
    let side_path = sidecar_path(&state);
    let bytes = match crate::bounded::read(&side_path, crate::bounded::limit::RESURRECT) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()), // saved before cdev
        Err(err) => return Err(anyhow!("could not read {}: {err}", side_path.display())),
    };
    let sidecar: Sidecar = serde_json::from_slice(&bytes)
        .map_err(|err| anyhow!("could not read {}: {err}", side_path.display()))?;
    if sidecar.version != FORMAT_VERSION {
        return Err(anyhow!("{} has format {}, not {FORMAT_VERSION}", side_path.display(), sidecar.version));
    }
    let tmux = context.tmux()?;
    let live = tmux.query::<SidePane>(TmuxCommand::new("list-panes").flag("-a"))?;
    let mut chain = Vec::new();
    for session in &sidecar.sessions {
        if !live.iter().any(|p| p.session == session.name) {
            continue;
        }
        let t = target::session(&session.name);
        chain.extend(environment::set(&t, session.env.iter().map(|(k, v)| (k.as_str(), v.as_deref()))));
        for (key, value) in session.options.iter().filter(|(k, _)| k.starts_with("@cdev_")) {
            chain.push(TmuxCommand::new("set-option").value("-t", &t).arg(key).arg(value));
        }
    }
    let same_host = sidecar.host == host();
    if !same_host {
        note(
            context,
            &format!(
                "{} was written on {}: conversations are not resumed here",
                side_path.display(),
                sidecar.host
            ),
        );
    }
    let config = context.file_config()?.with_tmux_options(&tmux.options()?, &context.paths)?;
    let settings = context.install_claude_settings()?;
    let claude_dir = claude::config_dir(&context.paths.home);
    // A conversation started or switched after this save is in the agent journal.
    let saved_at = std::fs::metadata(&side_path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(i64::MAX, |d| d.as_secs() as i64);
    let socket = tmux.server().socket_path();
    let mut journals: BTreeMap<&str, Vec<journal::Entry>> = BTreeMap::new();
    for pane in &sidecar.panes {
        let Some(now) =
            live.iter().find(|p| p.session == pane.session && p.window == pane.window && p.pane == pane.pane)
        else {
            continue; // the sidecar knows a pane resurrect did not restore
        };
        let t = target::pane(&pane.session, pane.window, pane.pane);
        for (key, value) in [("@cdev_worktree", &pane.worktree), ("@cdev_role", &pane.role)] {
            if let Some(value) = value {
                chain.push(TmuxCommand::new("set-option").flag("-p").value("-t", &t).arg(key).arg(value));
            }
        }
        let entries = journals
            .entry(pane.session.as_str())
            .or_insert_with(|| journal::read_for_restore(&context.paths.state_dir, &pane.session, &socket));
        let saved = journal::SavedPane {
            id: pane.pane_id.as_deref(),
            window: pane.window,
            pane: pane.pane,
            cwd: &now.cwd,
        };
        let newer = journal::newest_for(entries, sidecar.server, &saved, saved_at);
        let id = newer.and_then(|e| e.claude_session.as_deref()).or(pane.claude_session.as_deref());
        let state = newer.map(|e| e.state.as_str()).or(pane.agent_state.as_deref());
        let Some(id) = id.filter(|id| claude::is_conversation_id(id)) else { continue };
        let set_id = |id: &str| {
            TmuxCommand::new("set-option").flag("-p").value("-t", &t).arg("@cdev_claude_session").arg(id)
        };
        // Only a pane back at its shell: one resurrect restored with a program is left alone.
        let idle = crate::resources::pane_at_prompt(now.pid, &now.command);
        if !same_host || state == Some("ended") || !idle {
            chain.push(set_id(id));
            continue;
        }
        let command =
            match claude::comeback(&config.claude_command.value, &settings, &claude_dir, &now.cwd, id) {
                claude::Comeback::Resume(command) => {
                    chain.push(set_id(id));
                    command
                }
                // Never prompted, so never written: Claude would only say "No conversation found".
                claude::Comeback::Fresh { command, id: new } => {
                    note(
                        context,
                        &format!("{id} in {} has no transcript: a new conversation starts", now.cwd),
                    );
                    chain.push(set_id(&new));
                    command
                }
            };
        chain.push(TmuxCommand::new("send-keys").value("-t", &t).flag("-l").arg(&command));
        chain.push(TmuxCommand::new("send-keys").value("-t", &t).arg("Enter"));
    }
    // Agents in panes made after the save have no pane in resurrect's file: say how to get them.
    for (session, entries) in &journals {
        let saved: Vec<&str> = sidecar
            .panes
            .iter()
            .filter(|p| p.session == *session)
            .filter_map(|p| p.pane_id.as_deref())
            .collect();
        for entry in journal::unplaced(entries, sidecar.server, &saved, saved_at) {
            note(
                context,
                &format!(
                    "{session}: the agent of pane {} started after the save and has no pane in it: resume it with `claude --resume {}` in {}",
                    entry.pane_id,
                    entry.claude_session.as_deref().unwrap_or_default(),
                    entry.cwd.as_deref().unwrap_or("its project")
                ),
            );
        }
    }
    if !chain.is_empty() {
        tmux.run_chain(&chain)?;
    }
    Ok(())
}

struct SidePane {
    /// The same on every pane.
    server: ServerId,
    session: String,
    pane_id: String,
    window: u32,
    pane: u32,
    pid: u32,
    command: String,
    cwd: String,
    claude_session: Option<String>,
    agent_state: Option<String>,
    worktree: Option<String>,
    role: Option<String>,
}

impl Record for SidePane {
    const FIELDS: &'static [Field] = &[
        plain("pid"),
        plain("start_time"),
        text("session_name"),
        plain("pane_id"),
        plain("window_index"),
        plain("pane_index"),
        plain("pane_pid"),
        text("pane_current_command"),
        text("pane_current_path"),
        text("@cdev_claude_session"),
        text("@cdev_agent_state"),
        text("@cdev_worktree"),
        text("@cdev_role"),
    ];

    fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
        Ok(SidePane {
            server: ServerId::from_fields(f)?,
            session: f.string()?,
            pane_id: f.string()?,
            window: f.number()?,
            pane: f.number()?,
            pid: f.number().unwrap_or(0),
            command: f.string()?,
            cwd: f.string()?,
            claude_session: f.optional()?,
            agent_state: f.optional()?,
            worktree: f.optional()?,
            role: f.optional()?,
        })
    }
}
