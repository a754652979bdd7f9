//! `cdev move`: a session and its Claude conversations
//! continue on another machine. Saved here first; sent over ssh as a bundle on the stdin of
//! `cdev import - --json` there, which checks before anything changes (checkout, commits of
//! every worktree, the name); the session here ends only after HOST's answer says it runs there.
//! Whatever fails on the way, the session still runs here, and running the command again is
//! safe: the move carries an id, so a session that arrived is found there, not made twice.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::agent::AgentState;
use crate::checkout;
use crate::context::Context;
use crate::humanize::printable;
use crate::remote::{self, ssh};
use crate::snapshot::bundle;
use crate::tmux::cdev_option::MOVE_ID;
use crate::tmux::state::Session;
use crate::transfer::arrive::{Answer, Outcome, ANSWER_KIND};
use crate::transfer::export::{bundle_of, Export};
use crate::{naming, store};

/// How long the whole exchange may take once connected (a big bundle over a slow link).
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(600);
/// Seconds ssh waits for the connection, unless the host sets its own `timeout`.
const CONNECT_TIMEOUT: u64 = 10;

/// A move: which session, to which host (a `[hosts.NAME]` or an ssh destination), into which
/// checkout there, and whether it stays here too.
pub struct Request {
    pub session: String,
    pub host: String,
    pub root: Option<String>,
    pub keep: bool,
}

/// What is left here of a finished move: `cdev move` run again reports it.
#[derive(Debug, Serialize, Deserialize)]
struct Moved {
    version: u32,
    session: String,
    host: String,
    root: String,
    move_id: String,
    moved: String,
}

pub fn run(context: &Context, request: Request) -> Result<()> {
    let name = &request.session;
    let fail = || format!("could not move {name} to {}", request.host);
    let tmux = context.tmux()?;
    let (config, _, sessions) = crate::session::lifecycle::read(context, &tmux)?;
    let host = remote::host(&config, &request.host).with_context(fail)?;
    let Some(session) = sessions.iter().find(|s| &s.name == name) else {
        if let Some(moved) = read_moved(context, name).filter(|m| m.host == request.host) {
            println!(
                "{name}: already moved to {} on {} (into {}); nothing to do",
                moved.host,
                moved.moved,
                printable(&moved.root)
            );
            return Ok(());
        }
        bail!("{}: no such session", fail());
    };
    refuse_busy_agents(session).with_context(fail)?;
    let root = PathBuf::from(session.project_root());
    let checkouts =
        checkout::of_cwds(&root, session.panes.iter().map(|p| p.current_path.as_str())).with_context(fail)?;
    let mut stays = Vec::new();
    for (top, found) in &checkouts {
        let changes = checkout::uncommitted(top).with_context(fail)?;
        if changes > 0 {
            stays.push(format!(
                "commit (and push) or stash the {} in {} first: they would not travel",
                crate::humanize::counted(changes, "uncommitted change"),
                printable(&found.dir)
            ));
        }
    }
    if !stays.is_empty() {
        bail!("{}; nothing changed: {}", fail(), stays.join("; "));
    }
    if request.root.as_deref().is_some_and(|r| r.starts_with('-') || r.is_empty()) {
        bail!(crate::input_error::InputError::new("--root", "a directory, not an option, is needed"));
    }
    let remote_root = request.root.clone().or_else(|| {
        let base = root.file_name()?.to_string_lossy().into_owned();
        host.projects_root.as_ref().map(|dir| format!("{}/{base}", dir.trim_end_matches('/')))
    });

    // Saved first: whatever happens next, the session is on disk here.
    for line in crate::snapshot::save::save(context, &tmux, &config, std::slice::from_ref(name), false)
        .with_context(fail)?
    {
        eprintln!("cdev: {line}");
    }
    let export = Export { session: name.clone(), conversations: true, contents: true };
    let mut bundle = bundle_of(context, &export).with_context(fail)?;
    bundle.checkouts = checkouts.into_iter().map(|(_, c)| c).collect();
    let move_id = move_id(&tmux.server().socket_path(), session);
    bundle.session.options.insert(MOVE_ID.into(), move_id.clone());
    let bytes = bundle::encode(&bundle).with_context(fail)?;

    let answer = send(&request.host, &host, remote_root.as_deref(), bytes).with_context(fail)?;
    match answer.outcome {
        Outcome::Imported => {}
        Outcome::Already => {
            eprintln!("cdev: {name} already runs on {} (an earlier cdev move brought it)", request.host)
        }
        Outcome::Missing => {
            let advice: Vec<String> = answer.missing.iter().map(|m| format!("\n  {}", m.advice())).collect();
            bail!(
                "{}: {} lacks what the session needs; nothing changed on either side:{}",
                fail(),
                request.host,
                advice.concat()
            );
        }
        Outcome::Ready => bail!("{}: {} answered a check, not an import", fail(), request.host),
    }

    // HOST confirmed: the session runs there.
    let moved = Moved {
        version: 1,
        session: name.clone(),
        host: request.host.clone(),
        root: answer.root.clone(),
        move_id,
        moved: chrono::Utc::now().to_rfc3339(),
    };
    store::write_atomic(&moved_file(context, name), &serde_json::to_vec_pretty(&moved)?)?;
    println!(
        "{name}: moved to {} into {}: {} panes, {} agents on their own conversation ({} transcripts carried){}",
        request.host,
        printable(&answer.root),
        answer.panes,
        answer.agents,
        answer.conversations,
        match answer.worktrees.is_empty() {
            true => String::new(),
            false => format!(", worktrees made there: {}", printable(&answer.worktrees.join(", "))),
        }
    );
    if request.keep {
        println!("{name}: kept here too (--keep)");
    } else {
        crate::session::lifecycle::save_then_kill(context, &tmux, &config, std::slice::from_ref(name))?;
    }
    println!("go there: cdev remote {} {}", shell_words::quote(&request.host), shell_words::quote(name));
    Ok(())
}

/// A turn in progress (or a question waiting for an answer) would be cut off mid-way.
fn refuse_busy_agents(session: &Session) -> Result<()> {
    for pane in &session.panes {
        let state = pane.agent_state.as_deref().and_then(AgentState::parse);
        if let Some(state @ (AgentState::Working | AgentState::Waiting)) = state {
            bail!(
                "the agent in pane {} is {}: let it finish (or answer it) first, its turn would be lost; nothing changed",
                pane.pane_id,
                state.as_str()
            );
        }
    }
    Ok(())
}

/// Sends the bundle to `cdev import - --json --yes` on the host and reads its answer.
fn send(name: &str, host: &crate::config::Host, root: Option<&str>, bytes: Vec<u8>) -> Result<Answer> {
    // The session is the user's own: its commands run there as they ran here.
    let mut args = vec!["import", "-", "--json", "--yes"];
    if let Some(root) = root {
        args.extend(["--root", root]);
    }
    let missing_cdev = "echo 'cdev is not installed there' >&2; exit 127";
    let remote = remote::with_cdev_or(host, &args, missing_cdev);
    let connect = format!("ConnectTimeout={}", host.timeout.unwrap_or(CONNECT_TIMEOUT).max(1));
    let argv = ssh::argv(name, host, &["-o", "BatchMode=yes", "-o", &connect], &remote)?;
    let finished = ssh::run(&argv, Some(bytes), TRANSFER_TIMEOUT)?;
    // The answer is the last line that is one (a login script may print before it).
    let answer = finished
        .stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str::<Answer>(line).ok().filter(|a| a.kind == ANSWER_KIND));
    let said = || printable(finished.last_error().unwrap_or("no message"));
    let still = "the session still runs here; `cdev move` again is safe";
    match (finished.status, answer) {
        (_, Some(answer)) => Ok(answer),
        (None, None) => {
            Err(anyhow!("no answer from {name} within {} s; {still}", TRANSFER_TIMEOUT.as_secs()))
        }
        (Some(255), None) => Err(anyhow!("ssh to {name} failed: {}; {still}", said())),
        (Some(127), None) => {
            Err(anyhow!("{name} has no cdev (install it there, or set [hosts.{name}] cdev)"))
        }
        (Some(2), None) if finished.stderr.contains("--json") => {
            Err(anyhow!("cdev on {name} is too old to receive a session ({}): upgrade it there", said()))
        }
        (Some(_), None) => Err(anyhow!("{name} said: {}; {still}", said())),
    }
}

/// The same for one session for as long as it lives (its server, its id, when it was made),
/// and different for any other: what finds it on the other side after an answer got lost.
fn move_id(socket: &Path, session: &Session) -> String {
    let host = nix::unistd::gethostname().map(|h| h.to_string_lossy().into_owned()).unwrap_or_default();
    let key = format!("{}\n{}\n{}\n{}", host.trim(), socket.display(), session.id, session.created);
    format!("{:016x}", naming::fnv1a(key.as_bytes()))
}

fn moved_file(context: &Context, session: &str) -> PathBuf {
    context.paths.state_dir.join("moved").join(format!("{}.json", store::path_component(session)))
}

fn read_moved(context: &Context, session: &str) -> Option<Moved> {
    let text = std::fs::read(moved_file(context, session)).ok()?;
    serde_json::from_slice::<Moved>(&text).ok().filter(|m| m.session == session)
}
