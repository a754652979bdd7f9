//! `cdev worktree add | list | rm`: git worktrees under `.worktrees/`, each with its Claude pane.

use crate::tmux::cdev_option;
use crate::tmux::verbs;
use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Args, Subcommand};
use serde::Serialize;

use super::Context;
use crate::exit::SilentExit;
use crate::humanize::shown_path;
use crate::humanize::{pad, printable};
use crate::session::create::running;
use crate::tmux::state::WorktreePane;
use crate::tmux::{target, Tmux, TmuxCommand};
use crate::{git, worktree};

/// Git worktrees under .worktrees/, each with a Claude pane.
#[derive(Debug, Subcommand)]
pub enum WorktreeCommand {
    /// Create .worktrees/FEATURE (branch FEATURE) and open a Claude pane in it.
    Add {
        feature: String,
        /// The session (default: the one you are in).
        #[arg(long)]
        session: Option<String>,
        /// Start the new branch here instead of HEAD.
        #[arg(long, value_name = "REF")]
        base: Option<String>,
    },
    /// The session's worktrees: branch, uncommitted changes, ahead/behind, agent state.
    List {
        #[arg(long)]
        session: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Close a worktree's panes and remove it; refused when it holds uncommitted changes or
    /// commits no other branch has, unless --force. The branch is kept.
    Rm {
        feature: String,
        #[arg(long)]
        session: Option<String>,
        #[arg(long)]
        force: bool,
    },
}

/// Agent worktrees with uncommitted changes, across every cdev session (exit status 3 if any).
#[derive(Debug, Args)]
pub struct CheckArgs {}

pub fn run(context: &Context, command: WorktreeCommand) -> Result<()> {
    let tmux = context.tmux()?;
    match command {
        WorktreeCommand::Add { feature, session, base } => add(context, &tmux, &feature, session, base),
        WorktreeCommand::List { session, json } => list(context, &tmux, session, json),
        WorktreeCommand::Rm { feature, session, force } => remove(context, &tmux, &feature, session, force),
    }
}

/// The session (named, or the one we run in) and the git work tree of its project.
fn session_repo(context: &Context, tmux: &Tmux, session: Option<String>) -> Result<(String, PathBuf)> {
    let name = context.session_or_current(tmux, session)?;
    let root = crate::session::adopt::project_root(context, tmux, &name)?;
    let toplevel =
        git::toplevel(&root).ok_or_else(|| anyhow!("{} is not a git repository", root.display()))?;
    Ok((name, toplevel))
}

fn add(
    context: &Context,
    tmux: &Tmux,
    feature: &str,
    session: Option<String>,
    base: Option<String>,
) -> Result<()> {
    let (name, toplevel) = session_repo(context, tmux, session).context("could not add a worktree")?;
    let path = worktree::ensure_from(&toplevel, feature, base.as_deref())?;
    // A second agent in the same checkout would edit under the first one's feet: a worktree
    // that has its pane already gets that pane back. (Only one working in it: a pane restored
    // after the worktree was deleted by hand still names it but works in the project.)
    let panes = tmux.query::<WorktreePane>(verbs::session_panes(&name))?;
    let works_in = |p: &WorktreePane| std::path::Path::new(&p.current_path).starts_with(&path);
    if let Some(pane) = panes.iter().find(|p| p.worktree.as_deref() == Some(feature) && works_in(p)) {
        tmux.run_chain(&[verbs::select_window(&pane.pane_id), verbs::select_pane(&pane.pane_id)])?;
        println!(
            "{}: {} has its Claude pane in {name} already ({}): selected",
            printable(feature),
            shown_path(&path),
            pane.pane_id
        );
        return Ok(());
    }
    let options = tmux.options()?;
    let config = context.file_config()?.with_tmux_options(&options, &context.paths)?;
    let settings = context.install_claude_settings()?;
    let id = crate::agent::claude::SessionId::random().to_string();
    let shell = context.user_shell();
    // The id and the settings path reach the command as values ($CDEV_*), whatever the shell.
    let template = format!(
        "{} --settings={{{{claude_settings}}}} --session-id={{{{claude_session}}}}",
        config.claude_command.value
    );
    let claude = crate::template::values::refer(&template, crate::template::values::Dialect::of(&shell))
        .map_err(|message| anyhow!("could not use claude_command: {message}"))?;
    let values = crate::template::values::ordered(&[
        ("worktree", feature),
        ("claude_session", &id),
        ("claude_settings", &settings.to_string_lossy()),
    ]);
    // The new pane is the chain's current pane: the commands after the split apply to it.
    let chain = [
        running(
            TmuxCommand::new("split-window")
                .value("-t", &target::session(&name))
                .literal("-c", &path.to_string_lossy()),
            &shell,
            &claude,
            &values,
        ),
        TmuxCommand::new("set-option").flag("-p").arg(cdev_option::CLAUDE_SESSION).arg(&id),
        TmuxCommand::new("set-option").flag("-p").arg(cdev_option::WORKTREE).arg(feature),
        TmuxCommand::new("set-option")
            .flag("-p")
            .arg(cdev_option::ROLE)
            .arg(crate::template::Role::Claude.as_str()),
        TmuxCommand::new("select-pane").literal("-T", &format!("claude-{feature}")),
        TmuxCommand::new("select-layout").arg("tiled"),
    ];
    let chain: Vec<TmuxCommand> = chain.into_iter().chain(crate::autosave::request()).collect();
    tmux.run_chain(&chain).with_context(|| format!("could not open a Claude pane in {name}"))?;
    println!("{}: {} with a Claude pane in {name}", printable(feature), shown_path(&path));
    Ok(())
}

#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    status: worktree::Status,
    agent: Option<String>,
}

fn list(context: &Context, tmux: &Tmux, session: Option<String>, json: bool) -> Result<()> {
    let (name, toplevel) = session_repo(context, tmux, session).context("could not list worktrees")?;
    let panes = tmux.query::<WorktreePane>(verbs::session_panes(&name))?;
    let agent_of = |feature: &str| {
        panes
            .iter()
            .find(|p| p.worktree.as_deref() == Some(feature))
            .map(|p| p.agent_state.clone().unwrap_or_default())
    };
    let rows: Vec<Row> = worktree::statuses(&toplevel)?
        .into_iter()
        .map(|status| Row { agent: agent_of(&status.name).filter(|s| !s.is_empty()), status })
        .collect();
    let mut out = io::BufWriter::new(io::stdout().lock());
    if json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        writeln!(out, "{}  {}  DIRTY  AHEAD/BEHIND  AGENT", pad("WORKTREE", 20), pad("BRANCH", 20))?;
        for row in &rows {
            let s = &row.status;
            let drift = match (s.ahead, s.behind) {
                (Some(a), Some(b)) => format!("+{a}/-{b}"),
                _ => "-".into(),
            };
            writeln!(
                out,
                "{}  {}  {:>5}  {}  {}",
                pad(&s.name, 20),
                pad(if s.missing { "(deleted by hand)" } else { s.branch.as_deref().unwrap_or("-") }, 20),
                s.dirty,
                pad(&drift, 12),
                row.agent.as_deref().unwrap_or("-")
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

fn remove(context: &Context, tmux: &Tmux, feature: &str, session: Option<String>, force: bool) -> Result<()> {
    let fail = || format!("could not remove worktree {feature}");
    let (name, toplevel) = session_repo(context, tmux, session).with_context(fail)?;
    let status = worktree::statuses(&toplevel)?
        .into_iter()
        .find(|s| s.name == feature)
        .ok_or_else(|| anyhow!("{}: no worktree {feature} under .worktrees/", fail()))?;
    if let Some(reason) = worktree::unsafe_to_remove(&toplevel, &status) {
        if !force {
            bail!("{}: {reason} (--force removes it anyway)", fail());
        }
    }
    // Its panes go first: nothing should run in a directory that is about to disappear.
    let panes = tmux.query::<WorktreePane>(verbs::session_panes(&name))?;
    let kills: Vec<TmuxCommand> = panes
        .iter()
        .filter(|p| p.worktree.as_deref() == Some(feature))
        .map(|p| TmuxCommand::new("kill-pane").value("-t", &p.pane_id))
        .collect();
    tmux.run_chain(&kills).with_context(fail)?;
    let path = status.path.to_string_lossy().into_owned();
    if status.missing {
        // Nothing left on disk to lose: forget it as git would.
        git::run(&toplevel, &["worktree", "prune"]).with_context(fail)?;
    } else {
        let mut args = vec!["worktree", "remove"];
        if force {
            args.push("--force");
        }
        args.extend(["--", path.as_str()]);
        git::run(&toplevel, &args).with_context(fail)?;
    }
    println!(
        "{}: removed ({} panes closed; branch {} kept)",
        printable(feature),
        kills.len(),
        printable(status.branch.as_deref().unwrap_or("-"))
    );
    Ok(())
}

/// `cdev check`: the agent worktrees, across every cdev session, that hold uncommitted changes
/// (the pre-commit check). Exit status 3 when there are any.
pub fn check(context: &Context, _args: CheckArgs) -> Result<()> {
    let tmux = context.tmux()?;
    let list = verbs::sessions();
    let sessions = tmux
        .read_with_options::<crate::tmux::state::SessionSummary>(list)?
        .map(|(_, sessions)| sessions)
        .unwrap_or_default();
    let mut seen = Vec::new();
    let mut dirty = 0;
    for session in sessions {
        let Some(root) = session.project_root.as_deref() else { continue };
        let Some(toplevel) = git::toplevel(std::path::Path::new(root)) else { continue };
        if seen.contains(&toplevel) {
            continue;
        }
        for status in worktree::statuses(&toplevel)?.into_iter().filter(|s| s.dirty > 0) {
            dirty += 1;
            println!("{}: {}: {} uncommitted changes", session.name, shown_path(&status.path), status.dirty);
        }
        seen.push(toplevel);
    }
    if dirty > 0 {
        return Err(SilentExit::NeedsALook.into());
    }
    Ok(())
}
