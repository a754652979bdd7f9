//! `cdev switch [NAME]`: go to a session (attach outside tmux, switch-client inside), making it
//! from the project when it does not exist; and the picker behind `cdev switch` with no name.
//! `cdev projects`: the projects discovery finds.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, bail, Context as _, Result};

use super::{attach, new, prompt, Context};
use crate::agent::{status, AgentState};
use crate::config::Config;
use crate::humanize::printable;
use crate::input_error::InputError;
use crate::picker::{self, ActionKey, Entry, Outcome};
use crate::projects::{self, cache, Project};
use crate::tmux::state::Session;
use crate::tmux::{target, Tmux, TmuxCommand, TmuxOptions};
use crate::{git, naming};

/// The exit status when the picker is left with Esc or Ctrl-C (as fzf and skim).
pub const CANCELLED: i32 = 130;

const KEYS: &[ActionKey] = &[
    ActionKey { key: "ctrl-x", action: "kill" },
    ActionKey { key: "ctrl-r", action: "rename" },
    ActionKey { key: "ctrl-t", action: "template" },
];
const HEADER: &str =
    "enter: go · ctrl-x: kill (saved first), forget a saved one · ctrl-r: rename · ctrl-t: new with template · esc";

pub fn run(context: &Context, name: Option<String>, client: Option<String>) -> Result<()> {
    let outcome = switch_or_pick(context, name, client.as_deref());
    // From prefix + T: the popup closes with the picker, so the reason is said where the user
    // looks, in the client's status line (and on stderr, for the exit status).
    if let (Err(err), Some(client)) = (&outcome, &client) {
        super::tell_client(context, client, err);
    }
    outcome
}

/// `cdev switch --popup WxH --client C`: the picker in a popup on client C. tmux does not expand
/// formats in display-popup's command (by design), so prefix + T cannot hand #{client_name} to the
/// picker in the popup itself: run-shell expands it into this call, which writes it into the
/// popup's argv-quoted command line.
pub fn open_popup(context: &Context, client: Option<String>, size: &str) -> Result<()> {
    let client = client.context("could not open the picker: --popup needs --client")?;
    let (width, height) = popup_size(size)?;
    let exe = std::env::current_exe().context("could not open the picker: cannot find cdev's own path")?;
    let command = [exe.to_string_lossy().into_owned(), "switch".into(), "--client".into(), client.clone()];
    let popup = TmuxCommand::new("display-popup")
        .value("-c", &client)
        .flag("-E")
        .value("-w", width)
        .value("-h", height)
        .value("-T", " cdev ")
        // tmux waits for the popup and exits with the picker's status (130 after Esc): the
        // picker says its own errors, so `|| true` keeps them from reaching run-shell too.
        .arg(&format!("{} || true", shell_words::join(&command)));
    context.tmux()?.run(popup).map(drop).context("could not open the picker")
}

/// "80%x60%" → ("80%", "60%"): each side a number of cells or a percentage.
fn popup_size(size: &str) -> Result<(&str, &str)> {
    let valid = |side: &str| {
        let digits = side.strip_suffix('%').unwrap_or(side);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    };
    match size.split_once('x') {
        Some((width, height)) if valid(width) && valid(height) => Ok((width, height)),
        _ => Err(anyhow!(InputError::new(
            format!("--popup {size}"),
            "expected WIDTHxHEIGHT in cells or percent, such as 80%x60%"
        ))
        .context("could not open the picker")),
    }
}

fn switch_or_pick(context: &Context, name: Option<String>, client: Option<&str>) -> Result<()> {
    match name {
        Some(name) => switch_to(context, &name, client),
        None if picker::has_terminal() => pick_loop(context, client),
        None => {
            // The seed's behaviour without a terminal: the sessions, one per line.
            let tmux = context.tmux()?;
            let (_, _, sessions) = read_server(context, &tmux)?;
            let mut out = std::io::stdout().lock();
            for session in sessions {
                writeln!(out, "{}", printable(&session.name))?;
            }
            Ok(())
        }
    }
}

pub fn list_projects(context: &Context, json: bool) -> Result<()> {
    let config = match context.tmux()?.options() {
        Ok(options) => context.file_config()?.with_tmux_options(&options, &context.paths)?,
        Err(_) => context.file_config()?,
    };
    let found = discover_and_cache(context, &config);
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &found)?;
        writeln!(out)?;
    } else {
        for project in &found {
            writeln!(out, "{}\t{}", printable(&project.name), context.paths.display(&project.path))?;
        }
    }
    Ok(())
}

/// The effective config, the options and the sessions, most recently active first, in one call.
fn read_server(context: &Context, tmux: &Tmux) -> Result<(Config, TmuxOptions, Vec<Session>)> {
    let (config, options, mut sessions) = super::lifecycle::read(context, tmux)?;
    sessions.sort_by(|a, b| b.activity.cmp(&a.activity).then_with(|| a.name.cmp(&b.name)));
    Ok((config, options, sessions))
}

fn discover_and_cache(context: &Context, config: &Config) -> Vec<Project> {
    let (roots, depth) = (&config.projects_dirs.value, config.projects_depth.value as usize);
    let found = projects::discover(roots, depth);
    if let Err(err) = cache::write(&context.paths.cache_dir, roots, depth, &found) {
        crate::log::debug("projects", &format!("{err:#}"));
    }
    found
}

/// Where NAME leads: a session name, `<prefix>NAME`, a path, a session's project, a project.
fn switch_to(context: &Context, name: &str, client: Option<&str>) -> Result<()> {
    let tmux = context.tmux()?;
    let (config, _, sessions) = read_server(context, &tmux)?;
    let session_for_root = |root: &Path| {
        let root = root.to_string_lossy();
        sessions.iter().find(|s| s.project_root.as_deref() == Some(root.as_ref()))
    };
    let prefixed = format!("{}{name}", config.prefix.value);
    if let Some(session) = sessions.iter().find(|s| s.name == name || s.name == prefixed) {
        return go(context, &tmux, &session.name, client);
    }
    if name.contains('/') || name.starts_with('.') || name.starts_with('~') {
        let path = context.paths.expand_tilde(name);
        let root = std::fs::canonicalize(&path)
            .with_context(|| format!("could not switch to {name}: {}", path.display()))?;
        if let Some(session) = session_for_root(&root) {
            return go(context, &tmux, &session.name, client);
        }
        return create(context, &root, None, client);
    }
    let by_root_name: Vec<&Session> = sessions
        .iter()
        .filter(|s| {
            s.project_root.as_deref().and_then(|r| Path::new(r).file_name()).is_some_and(|n| n == name)
        })
        .collect();
    if let [session] = by_root_name.as_slice() {
        return go(context, &tmux, &session.name, client);
    }
    let found = discover_and_cache(context, &config);
    let matching: Vec<&Project> = found.iter().filter(|p| p.name == name).collect();
    match matching.as_slice() {
        [project] => match session_for_root(&project.path) {
            Some(session) => go(context, &tmux, &session.name, client),
            None => create(context, &project.path, None, client),
        },
        [] => {
            let mut candidates: Vec<&str> = sessions.iter().map(|s| s.name.as_str()).collect();
            candidates.extend(found.iter().map(|p| p.name.as_str()));
            let close = close_matches(name, &candidates);
            let hint = if close.is_empty() {
                format!("`cdev projects` lists what is under {}", dirs(context, &config))
            } else {
                format!("did you mean {}?", close.join(", "))
            };
            bail!("could not switch to {name}: no session or project by that name; {hint}")
        }
        several => {
            let paths: Vec<String> = several.iter().map(|p| context.paths.display(&p.path)).collect();
            bail!(
                "could not switch to {name}: several projects have that name ({}); give the path",
                paths.join(", ")
            )
        }
    }
}

fn dirs(context: &Context, config: &Config) -> String {
    config.projects_dirs.value.iter().map(|d| context.paths.display(d)).collect::<Vec<_>>().join(", ")
}

/// Goes to `session`; a session that vanished meanwhile (killed while the picker was open) gets
/// a plain message.
fn go(context: &Context, tmux: &Tmux, session: &str, client: Option<&str>) -> Result<()> {
    attach::attach_or_switch(context, tmux, session, client).map_err(|err| {
        let gone = tmux.run(TmuxCommand::new("has-session").value("-t", &target::session(session))).is_err();
        if gone {
            anyhow!("could not switch to {session}: it no longer exists (killed meanwhile?)")
        } else {
            err
        }
    })
}

fn create(context: &Context, root: &Path, template: Option<String>, client: Option<&str>) -> Result<()> {
    new::run(
        context,
        new::Request {
            dir: Some(root.to_path_buf()),
            template,
            name: None,
            worktrees: Vec::new(),
            attach: true,
            dry_run: false,
            client: client.map(str::to_string),
        },
    )
}

/// What a picker line leads to.
#[derive(Clone)]
enum Target {
    Session(String),
    Project(PathBuf),
    /// A session saved but not running (`saved.rs`).
    Saved(String),
    /// A session on a configured host (`cdev list --hosts`).
    Remote {
        host: String,
        session: String,
    },
}

/// The picker, opened again after a kill or a rename so the user sees the result.
fn pick_loop(context: &Context, client: Option<&str>) -> Result<()> {
    loop {
        let tmux = context.tmux()?;
        let (config, options, mut sessions) = read_server(context, &tmux)?;
        // The session the picker runs in goes last: Enter on the first line goes somewhere else.
        // tmux names it in $TMUX (socket,pid,session id) for panes and popups alike: no call.
        if let Some(at) = current_session_id(context).and_then(|id| sessions.iter().position(|s| s.id == id))
        {
            let session = sessions.remove(at);
            sessions.push(session);
        }
        let targets = Arc::new(Mutex::new(Vec::new()));
        let first = first_entries(context, &options, &sessions, &targets);
        let more = later_entries(context, &config, &sessions, &targets);
        let (index, action) = match picker::pick("cdev> ", HEADER, KEYS, first, more)? {
            Outcome::Cancelled => std::process::exit(CANCELLED),
            Outcome::Chosen { index, action } => (index, action),
        };
        let Some(target) = targets.lock().unwrap().get(index).cloned() else { continue };
        match (action.as_deref(), target) {
            (None, Target::Session(name)) => return go(context, &tmux, &name, client),
            (None, Target::Project(root)) => return create(context, &root, None, client),
            (None, Target::Saved(name)) => return super::saved::restore_and_go(context, &name, client),
            (Some("kill"), Target::Saved(name)) => {
                if let Err(err) = super::saved::forget(context, &name) {
                    eprintln!("cdev: {err:#}");
                    pause();
                }
            }
            (Some(_), Target::Saved(name)) => {
                eprintln!("cdev: {name} is saved, not running: Enter restores it, ctrl-x forgets it");
                pause();
            }
            (None, Target::Remote { host, session }) => {
                return super::remote::attach_session(context, &host, &session)
            }
            (Some(_), Target::Remote { host, .. }) => {
                eprintln!("cdev: sessions on {host}: Enter goes there; the other keys work there");
                pause();
            }
            (Some("kill"), Target::Session(name)) => {
                if prompt::confirm(&format!("Kill {name}? It is saved first (y/N) "))? {
                    if let Err(err) = super::lifecycle::kill(context, Some(name), false, true) {
                        eprintln!("cdev: {err:#}");
                    }
                    pause();
                }
            }
            (Some("rename"), Target::Session(name)) => {
                if let Err(err) = rename(&tmux, &name) {
                    eprintln!("cdev: {err:#}");
                    pause();
                }
            }
            (Some("template"), Target::Project(root)) => {
                if let Some(template) = pick_template(context)? {
                    return create(context, &root, Some(template), client);
                }
            }
            (Some(_), Target::Project(root)) => {
                eprintln!("cdev: {} has no session yet: Enter makes one", context.paths.display(&root));
                pause();
            }
            (Some(_), Target::Session(name)) => {
                eprintln!("cdev: {name} is a session already; ctrl-t is for projects");
                pause();
            }
        }
    }
}

/// The id (`$3`) of the session this process runs in, from `$TMUX`, when on the chosen server.
fn current_session_id(context: &Context) -> Option<String> {
    if !context.inside_tmux {
        return None;
    }
    let tmux = std::env::var("TMUX").ok()?;
    let id = tmux.rsplit(',').next().filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))?;
    Some(format!("${id}"))
}

/// Lets a message be read before the picker redraws over it.
fn pause() {
    let _ = prompt::confirm("(Enter to go back) ");
}

fn rename(tmux: &Tmux, name: &str) -> Result<()> {
    let Some(new_name) = prompt::ask(&format!("New name for {name}: "))? else { return Ok(()) };
    if new_name.is_empty() || new_name == name {
        return Ok(());
    }
    if !naming::is_valid_session_name(&new_name) {
        bail!(
            "could not rename {name}: {new_name:?} is not a name tmux keeps as it is (no `.`, `:`, `#`, `\\`, spaces; not starting with `-`, `$`, `@`, `%`, `=`)"
        );
    }
    tmux.run(TmuxCommand::new("rename-session").value("-t", &target::session(name)).arg(&new_name))
        .with_context(|| format!("could not rename {name}"))
        .map(drop)
}

fn pick_template(context: &Context) -> Result<Option<String>> {
    let registry = context.templates()?;
    let names: Vec<String> = registry.names().map(str::to_string).collect();
    let entries = names
        .iter()
        .map(|name| {
            let shown = registry
                .get(name)
                .and_then(|t| super::template::shown(&t))
                .unwrap_or_else(|e| format!("{e:#}"));
            Entry { line: name.clone(), preview: Arc::new(move || shown.clone()) }
        })
        .collect();
    match picker::pick("template> ", "the template for the new session · esc: back", &[], entries, |_| {})? {
        Outcome::Chosen { index, .. } => Ok(names.get(index).cloned()),
        Outcome::Cancelled => Ok(None),
    }
}

/// The sessions, most recent first: the picker draws them before any project arrives.
fn first_entries(
    context: &Context,
    options: &TmuxOptions,
    sessions: &[Session],
    targets: &Arc<Mutex<Vec<Target>>>,
) -> Vec<Entry> {
    let mut targets = targets.lock().unwrap();
    sessions
        .iter()
        .map(|session| {
            targets.push(Target::Session(session.name.clone()));
            session_entry(context, options, session)
        })
        .collect()
}

/// The saved sessions that are not running, then the projects without a session, sent while the
/// picker is open: the cached ones at once, then
/// those a new walk finds that the cache did not have; the walk then replaces the cache.
fn later_entries(
    context: &Context,
    config: &Config,
    sessions: &[Session],
    targets: &Arc<Mutex<Vec<Target>>>,
) -> impl FnOnce(&dyn Fn(Vec<Entry>)) + Send + 'static {
    let (roots, depth) = (config.projects_dirs.value.clone(), config.projects_depth.value as usize);
    let paths = context.paths.clone();
    let hosts = config.hosts.clone();
    let open = open_roots(sessions);
    let running: HashSet<String> = sessions.iter().map(|s| s.name.clone()).collect();
    let state_dir = context.paths.state_dir.clone();
    let ours = context.tmux().map(|t| t.server().socket_path()).unwrap_or_default();
    let version_cache = context.paths.cache_dir.join("tmux-version");
    let targets = Arc::clone(targets);
    move |send: &dyn Fn(Vec<Entry>)| {
        // Saved sessions first: they are sessions too, only not running.
        {
            let mut targets = targets.lock().unwrap();
            let (entries, names): (Vec<Entry>, Vec<String>) =
                super::saved::entries(&state_dir, &running, |saved| {
                    super::restore::runs_elsewhere(&ours, &version_cache, saved).is_some()
                })
                .into_iter()
                .unzip();
            targets.extend(names.into_iter().map(Target::Saved));
            // Sent under the lock: the picker numbers entries in the order they arrive.
            if !entries.is_empty() {
                send(entries);
            }
        }
        let mut shown = open;
        let mut add = |projects: Vec<Project>| {
            let mut targets = targets.lock().unwrap();
            let mut entries = Vec::new();
            for project in projects {
                if shown.insert(project.path.clone()) {
                    entries.push(project_entry(&paths, &project));
                    targets.push(Target::Project(project.path));
                }
            }
            // Sent under the lock: the picker numbers entries in the order they arrive.
            if !entries.is_empty() {
                send(entries);
            }
        };
        add(cache::read(&paths.cache_dir, &roots, depth).unwrap_or_default());
        let found = projects::discover(&roots, depth);
        add(found.clone());
        if let Err(err) = cache::write(&paths.cache_dir, &roots, depth, &found) {
            crate::log::debug("projects", &format!("{err:#}"));
        }
        // Sessions on the configured hosts, asked in parallel, last (they take the longest).
        let answers: Vec<super::remote::HostSessions> = std::thread::scope(|scope| {
            let asks: Vec<_> = hosts
                .iter()
                .map(|(name, host)| scope.spawn(move || super::remote::ask(name, host)))
                .collect();
            asks.into_iter().filter_map(|a| a.join().ok()).collect()
        });
        let mut targets = targets.lock().unwrap();
        let mut entries = Vec::new();
        for answer in answers.iter().filter(|a| a.reachable) {
            for session in answer.sessions.iter().filter_map(|s| s["name"].as_str()) {
                let (host, name) = (answer.host.clone(), session.to_string());
                entries.push(Entry {
                    line: format!("⇄ {host}: {name}"),
                    preview: Arc::new(move || format!("{name} on {host}\nEnter: cdev remote (ssh -t)\n")),
                });
                targets.push(Target::Remote { host: answer.host.clone(), session: session.to_string() });
            }
        }
        if !entries.is_empty() {
            send(entries);
        }
    }
}

fn open_roots(sessions: &[Session]) -> HashSet<PathBuf> {
    sessions.iter().map(|s| PathBuf::from(s.project_root())).collect()
}

fn session_entry(context: &Context, options: &TmuxOptions, session: &Session) -> Entry {
    let mut badges = String::new();
    for state in [AgentState::Waiting, AgentState::Error, AgentState::Working, AgentState::Done] {
        let count = session.panes.iter().filter(|p| p.agent_state.as_deref() == Some(state.as_str())).count();
        if count > 0 {
            badges.push_str(&format!(" {}{count}", status::icon(options, state)));
        }
    }
    // What its agents cost so far (Claude Code's statusLine, agent/usage.rs).
    if let Some(cost) = session.panes.iter().filter_map(|p| p.cost).reduce(|a, b| a + b) {
        badges.push_str(&format!(" ${cost:.2}"));
    }
    let attached = if session.attached > 0 { " (attached)" } else { "" };
    let line = format!("● {}{badges}{attached}", session.name);
    let pane =
        session.panes.iter().find(|p| p.pane_active).or(session.panes.first()).map(|p| p.pane_id.clone());
    let server = context.server.clone();
    let version_cache = context.paths.cache_dir.join("tmux-version");
    Entry {
        line,
        preview: Arc::new(move || {
            let Some(pane) = &pane else { return String::new() };
            Tmux::new(server.clone(), version_cache.clone())
                .and_then(|tmux| {
                    tmux.run(TmuxCommand::new("capture-pane").flag("-p").flag("-e").value("-t", pane))
                })
                .unwrap_or_else(|err| format!("{err:#}"))
        }),
    }
}

fn project_entry(paths: &crate::paths::Paths, project: &Project) -> Entry {
    let root = project.path.clone();
    let git_repo = project.git;
    Entry {
        line: format!("  {}  {}", project.name, paths.display(&project.path)),
        preview: Arc::new(move || project_preview(&root, git_repo)),
    }
}

/// A project's branch, `git status --short` and the head of its README.
fn project_preview(root: &Path, git_repo: bool) -> String {
    let mut text = String::new();
    if git_repo {
        let branch = git::branch_of(root).unwrap_or_else(|| "(no branch)".into());
        text.push_str(&format!("\x1b[1mbranch\x1b[0m {branch}\n"));
        match git::run(root, &["status", "--short"]) {
            Ok(status) if status.trim().is_empty() => text.push_str("clean\n"),
            Ok(status) => text.extend(status.lines().take(15).map(|l| format!("{l}\n"))),
            Err(err) => text.push_str(&format!("{err:#}\n")),
        }
        text.push('\n');
    }
    for name in ["README.md", "README", "README.rst", "readme.md"] {
        if let Ok(readme) = std::fs::read(root.join(name)) {
            let readme = String::from_utf8_lossy(&readme[..readme.len().min(4096)]).into_owned();
            text.extend(readme.lines().take(20).map(|l| format!("{l}\n")));
            break;
        }
    }
    text
}

/// Up to five of `candidates` close to `name`: containing it, or a few edits away.
fn close_matches<'a>(name: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let lower = name.to_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .iter()
        .filter_map(|c| {
            let candidate = c.to_lowercase();
            let distance = edit_distance(&lower, &candidate);
            let close = candidate.contains(&lower) || distance <= 2.max(lower.chars().count() / 3);
            close.then_some((distance, *c))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(5).map(|(_, c)| c).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb)).min(row[j] + 1).min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_matches_find_typos_and_parts() {
        let names = ["claude-dev-webapp", "webapi", "dotfiles", "zzz"];
        assert_eq!(close_matches("webap", &names), ["webapi", "claude-dev-webapp"]);
        assert_eq!(close_matches("dotfles", &names), ["dotfiles"]);
        assert!(close_matches("nothing-like-it", &names).is_empty());
    }
}
