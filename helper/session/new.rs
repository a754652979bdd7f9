//! A session for a project (`cdev new`, and `cdev switch` to a project without one), from its
//! template, in two tmux calls: one to read the server (its options and sessions, with what tells
//! the project of a session cdev did not make), one to build the whole session. Then attach or
//! switch.

use crate::tmux::verbs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};

use crate::autosave;
use crate::config::Config;
use crate::context::Context;
use crate::humanize::{printable, shown_path};
use crate::name_lock;
use crate::naming;
use crate::session::adopt::{self, SeenSession};
use crate::session::attach;
use crate::session::create::{self, Creation};
use crate::session::env::{read_env_file, session_env};
use crate::session::names;
use crate::template::render::{self, plan};
use crate::template::{detect, find_project_file, read_file, Origin, Registry, Template};
use crate::tmux::{Tmux, TmuxCommand};
use crate::{git, worktree};

pub struct Request {
    pub dir: Option<PathBuf>,
    pub template: Option<String>,
    pub name: Option<String>,
    pub worktrees: Vec<String>,
    pub attach: bool,
    /// The tmux client to switch (a key binding's popup names it); default: the current one.
    pub client: Option<String>,
    /// Print the creation command instead of running it (worktrees are not made either).
    pub dry_run: bool,
}

pub fn run(context: &Context, request: Request) -> Result<()> {
    let root = project_root(request.dir.as_deref())?;
    let file_config = context.file_config()?;
    let tmux = context.tmux()?;
    let (options, sessions) = tmux
        .start_and_read::<SeenSession>(TmuxCommand::new("list-sessions"))
        .context("could not read tmux")?;
    crate::timings::mark("read tmux");
    let config = file_config.with_tmux_options(&options, &context.paths).context("could not load config")?;
    let root_text = root.to_string_lossy().into_owned();

    // The project's own session, whatever it is called now, before any name is made up; else one
    // of cdev's names that plain tmux made for this project (scripts from before cdev): adopted.
    let existing = sessions
        .iter()
        .find(|s| s.project_root.as_deref() == Some(root_text.as_str()))
        .map(|s| s.name.clone())
        .or_else(|| adoptable(context, &tmux, &config, &sessions, &root));
    let state_dir = &context.paths.state_dir;
    let name = match (&request.name, &existing) {
        (Some(name), _) => explicit_name(name)?,
        (None, Some(session)) => session.clone(),
        (None, None) => naming::session_name_for_root(&config.prefix.value, &root, |candidate| {
            let running_other = sessions
                .iter()
                .any(|s| s.name == candidate && s.project_root.as_deref() != Some(root_text.as_str()));
            running_other || names::owner(state_dir, candidate).is_some_and(|owner| owner != root)
        }),
    };
    if sessions.iter().any(|s| s.name == name) {
        eprintln!("cdev: {name} exists; {}", if request.attach { "going there" } else { "nothing to do" });
        return finish(context, &tmux, &name, &request);
    }

    let open =
        sessions.iter().filter(|s| s.project_root.is_some() || config.is_cdev_session(&s.name)).count();
    if open >= config.max_sessions.value as usize {
        eprintln!(
            "cdev: {} cdev sessions will be open (max_sessions is {}): `cdev cleanup` saves and closes old ones",
            open + 1,
            config.max_sessions.value
        );
    }
    let registry = context.templates()?;
    let template = choose_template(&registry, &config, &root, request.template.as_deref())?;
    crate::timings::mark("choose the template");
    // Another run making this name (two `cdev new` at once) goes first; this one then finds its
    // session. Held until the session is whole, worktrees included (two `git worktree add` of one
    // path would fail one another).
    let _name_lock =
        if request.dry_run { Vec::new() } else { name_lock::hold(state_dir, std::slice::from_ref(&name))? };
    let worktrees = make_worktrees(&root, &template, &request.worktrees, request.dry_run)?;
    crate::timings::mark("lock the name, worktrees");
    let project =
        root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| root_text.clone());
    let editor =
        std::env::var("EDITOR").ok().filter(|e| !e.trim().is_empty()).unwrap_or_else(|| "nvim".into());
    let env_file = read_env_file(&root)?;
    if let Some((path, file)) = &env_file {
        for error in &file.errors {
            eprintln!("cdev: skipped {}:{}: {}", shown_path(path), error.line, error.message);
        }
    }
    let env = session_env(&project, &root, &editor, &template.env, env_file.as_ref().map(|(_, f)| f));
    let env_file_keys: Vec<String> =
        env_file.iter().flat_map(|(_, file)| file.vars.iter().map(|(key, _)| key.clone())).collect();

    let claude_settings =
        if request.dry_run { context.claude_settings_path() } else { context.install_claude_settings()? };
    let render_context = render::Context {
        project,
        root: root.clone(),
        session: name.clone(),
        editor,
        claude: config.claude_command.value.clone(),
        worktrees,
        claude_settings,
        dialect: crate::template::values::Dialect::of(&context.user_shell()),
    };
    let mut plan =
        plan(&template, &render_context).with_context(|| format!("could not plan session {name}"))?;
    // tmux starts a pane whose directory is missing in the caller's: say so, and use the root.
    for pane in plan.windows.iter_mut().flat_map(|w| w.panes.iter_mut()) {
        // (A dry run makes no worktrees: theirs are not missing.)
        let planned_worktree = request.dry_run && pane.worktree.is_some();
        if !planned_worktree && !pane.cwd.is_dir() {
            eprintln!(
                "cdev: note: template {}: cwd {} does not exist: the pane starts in {}",
                printable(&template.name),
                shown_path(&pane.cwd),
                shown_path(&root)
            );
            pane.cwd = root.clone();
        }
    }
    let shell = context.user_shell();
    let creation = Creation {
        name: &name,
        root: &root,
        template: &template.name,
        env: &env,
        env_file_keys: &env_file_keys,
        history_limit: template.history_limit,
        base_index: options.number("base-index", 0),
        pane_base_index: options.number("pane-base-index", 0),
        shell: &shell,
    };
    let mut notes = Vec::new();
    let mut chain = create::chain(&creation, &plan, &mut notes);
    for note in &notes {
        eprintln!("cdev: note: {}", printable(note));
    }
    // The session is still worth having (an editor, a shell, git): said once, not failed.
    let runs_claude = plan.windows.iter().flat_map(|w| &w.panes).any(|pane| pane.runs_claude);
    if let Some(why) = runs_claude
        .then(|| crate::agent::claude::unstartable(&config.claude_command.value, &context.paths.home))
        .flatten()
    {
        eprintln!("cdev: {}; the Claude panes of {name} will show a shell", printable(&why));
    }
    crate::timings::mark("plan the session");
    if request.dry_run {
        println!("{}", tmux.command_line(&chain));
        return Ok(());
    }
    let switch_in_chain = request.attach && (context.inside_tmux || request.client.is_some());
    if switch_in_chain {
        chain.push(attach::switch_command(&name, request.client.as_deref()));
    }
    // With autosaving off, a saver started here would only read that and leave.
    if autosave::enabled(&options) {
        chain.extend(autosave::request());
    }
    let made = tmux.run_chain(&chain);
    crate::timings::mark("make the session (tmux)");
    if let Err(err) = made {
        // A session of this name made meanwhile (by another run, which held the name's lock
        // first): nothing was made here, and that session is not this run's to kill.
        if err.to_string().contains("duplicate session") {
            eprintln!(
                "cdev: {name} was made meanwhile; {}",
                if request.attach { "going there" } else { "nothing to do" }
            );
            return finish(context, &tmux, &name, &request);
        }
        // Never leave a half-made session behind: this run made it (its lock kept others off).
        let _ = tmux.run(verbs::kill_session(&name));
        return Err(err.context(format!("could not create session {name}")));
    }
    if let Err(err) = names::record(state_dir, &name, &root) {
        eprintln!("cdev: {name} was made, but its name is not recorded as this project's: {err:#}");
    }
    crate::timings::mark("record the name");
    if switch_in_chain {
        return Ok(());
    }
    finish(context, &tmux, &name, &request)
}

/// A session of cdev's (by its prefix) that cdev did not make, on this project: recorded as
/// cdev's (adopted) and returned, so it is attached to rather than made again under another name.
fn adoptable(
    context: &Context,
    tmux: &Tmux,
    config: &Config,
    sessions: &[SeenSession],
    root: &Path,
) -> Option<String> {
    let home = &context.paths.home;
    let session = sessions
        .iter()
        .filter(|s| s.project_root.is_none() && config.is_cdev_session(&s.name))
        .find(|s| adopt::is_project_of(tmux, s, root, home))?;
    if let Err(err) = names::record(&context.paths.state_dir, &session.name, root) {
        crate::log::debug("new", &format!("could not record {}: {err:#}", session.name));
    }
    match adopt::record(tmux, &session.name, root) {
        Ok(()) => {
            eprintln!("cdev: {} was not made by cdev; it is now {}'s session", session.name, shown_path(root))
        }
        Err(err) => crate::log::debug("new", &format!("could not adopt {}: {err:#}", session.name)),
    }
    Some(session.name.clone())
}

fn finish(context: &Context, tmux: &Tmux, name: &str, request: &Request) -> Result<()> {
    if request.attach {
        attach::attach_or_switch(context, tmux, name, request.client.as_deref())
    } else {
        println!("{name}");
        Ok(())
    }
}

/// The project directory, absolute; it must exist and be a directory.
fn project_root(dir: Option<&Path>) -> Result<PathBuf> {
    let dir = match dir {
        Some(dir) => dir.to_path_buf(),
        None => std::env::current_dir().context("could not read the current directory")?,
    };
    let fail = || format!("could not create session for {}", dir.display());
    let root = match dir.canonicalize() {
        Ok(root) => root,
        // The quick start's first command on a fresh machine: say what to do, not "os error 2".
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(anyhow!(
                "the directory does not exist (make it first: mkdir -p {})",
                shell_words::quote(&dir.to_string_lossy())
            ))
            .with_context(fail);
        }
        Err(err) => return Err(anyhow!(err)).with_context(fail),
    };
    if !root.is_dir() {
        return Err(anyhow!("not a directory")).with_context(fail);
    }
    Ok(root)
}

/// `--name`: used as given when tmux would keep it unchanged, refused otherwise.
fn explicit_name(name: &str) -> Result<String> {
    let safe = naming::session_name("", name);
    if safe != name || !naming::is_valid_session_name(name) {
        bail!(crate::input_error::InputError::new(
            "--name",
            format!("{name:?} is not a usable session name (try {safe:?})")
        ));
    }
    Ok(safe)
}

/// `--template`, else the project's `.cdev.toml`, else the detected template, else the default.
fn choose_template(
    registry: &Registry,
    config: &Config,
    root: &Path,
    requested: Option<&str>,
) -> Result<Template> {
    if let Some(name) = requested {
        return registry.get(name).context("could not use the template");
    }
    if let Some(file) = find_project_file(root) {
        let parsed = read_file(&file)?;
        return registry.resolve(parsed, Origin::File(file), "project");
    }
    let templates = crate::template::usable_noting_broken(registry);
    match detect::detect(&templates, &config.template_priority.value, root) {
        Some(template) => Ok(template.clone()),
        None => registry.get(&config.default_template.value).context("could not use the default template"),
    }
}

/// Worktrees for the Claude panes: those asked for, then the template's own count (`agent-N`).
fn make_worktrees(
    root: &Path,
    template: &Template,
    requested: &[String],
    dry_run: bool,
) -> Result<Vec<(String, PathBuf)>> {
    let mut features: Vec<String> = requested.to_vec();
    let mut n = 1;
    while features.len() < template.worktrees as usize {
        let name = format!("agent-{n}");
        if !features.contains(&name) {
            features.push(name);
        }
        n += 1;
    }
    if features.is_empty() {
        return Ok(Vec::new());
    }
    let Some(toplevel) = git::toplevel(root) else {
        eprintln!("cdev: {} is not a git repository: no worktrees made", shown_path(root));
        return Ok(Vec::new());
    };
    if dry_run {
        let dir = worktree::worktrees_dir(&toplevel)?;
        return Ok(features.into_iter().map(|f| (f.clone(), dir.join(f))).collect());
    }
    features.into_iter().map(|f| Ok((f.clone(), worktree::ensure(&toplevel, &f)?))).collect()
}
