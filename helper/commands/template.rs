//! `cdev template list | show NAME | validate FILE | init [DIR]`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use clap::Subcommand;

use super::Context;
use crate::humanize::pad;
use crate::humanize::shown_path;
use crate::store;
use crate::template::{detect, read_file, shown, Detect, Origin, Template, Variable, PROJECT_FILE};

/// Templates: list, show, validate, and write a starter .cdev.toml.
#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Every template, with where it comes from and what it detects.
    List,
    /// A template after `extends`, as TOML.
    Show { name: String },
    /// Check a template file; errors name the line and the key.
    Validate { file: PathBuf },
    /// Write a commented starter .cdev.toml for the project in DIR (default: here).
    Init {
        dir: Option<PathBuf>,
        /// Start from this template instead of the detected one.
        #[arg(short, long)]
        template: Option<String>,
        /// Replace an existing .cdev.toml.
        #[arg(long)]
        force: bool,
    },
}

pub fn run(context: &Context, command: TemplateCommand) -> Result<()> {
    match command {
        TemplateCommand::List => list(context),
        TemplateCommand::Show { name } => show(context, &name),
        TemplateCommand::Validate { file } => validate(context, &file),
        TemplateCommand::Init { dir, template, force } => init(context, dir, template, force),
    }
}

fn list(context: &Context) -> Result<()> {
    let (templates, broken) = context.templates()?.usable();
    let width = templates.iter().map(|t| crate::humanize::width(&t.name)).max().unwrap_or(4).max(4);
    let mut out = io::BufWriter::new(io::stdout().lock());
    writeln!(out, "{}  {}  DETECTS", pad("NAME", width), pad("FROM", 9))?;
    for template in &templates {
        let from = match &template.origin {
            Origin::Builtin => "built-in".to_string(),
            Origin::File(path) => path.display().to_string(),
        };
        let detects = template.detect.as_ref().map_or_else(|| "-".to_string(), describe);
        writeln!(out, "{}  {}  {detects}", pad(&template.name, width), pad(&from, 9))?;
        if !template.description.is_empty() {
            writeln!(out, "{}  {}", pad("", width), template.description)?;
        }
    }
    out.flush()?;
    // Listed after the others, on stderr: the list itself stays one template a row.
    for file in broken {
        let error = crate::humanize::printable_lines(&file.error);
        eprintln!("cdev: could not use template {}: {error}", crate::humanize::printable(&file.name));
    }
    Ok(())
}

/// `package.json containing "react"`, `any of pyproject.toml, requirements.txt`, …
fn describe(detect: &Detect) -> String {
    let mut parts = Vec::new();
    if !detect.files.is_empty() {
        parts.push(detect.files.join(" + "));
    }
    if !detect.any.is_empty() {
        parts.push(format!("any of {}", detect.any.join(", ")));
    }
    for (file, text) in &detect.contains {
        parts.push(format!("{file} containing {text}"));
    }
    if !detect.absent.is_empty() {
        parts.push(format!("without {}", detect.absent.join(", ")));
    }
    parts.join("; ")
}

fn show(context: &Context, name: &str) -> Result<()> {
    let template =
        context.templates()?.get(name).with_context(|| format!("could not show template {name}"))?;
    io::stdout().lock().write_all(shown(&template)?.as_bytes())?;
    Ok(())
}

fn validate(context: &Context, file: &Path) -> Result<()> {
    let parsed = read_file(file)?;
    let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let template = context.templates()?.resolve(parsed, Origin::File(file.to_path_buf()), &stem)?;
    let panes: usize = template.windows.iter().map(|w| w.panes.len()).sum();
    println!(
        "{}: ok: template {:?}, {} windows, {panes} panes",
        file.display(),
        template.name,
        template.windows.len()
    );
    Ok(())
}

fn init(context: &Context, dir: Option<PathBuf>, requested: Option<String>, force: bool) -> Result<()> {
    let dir = match dir {
        Some(dir) => dir,
        None => std::env::current_dir().context("could not read the current directory")?,
    };
    let path = dir.join(PROJECT_FILE);
    let fail = || format!("could not write {}", path.display());
    if !dir.is_dir() {
        bail!("{}: {} is not a directory", fail(), dir.display());
    }
    if path.exists() && !force {
        bail!("{}: it exists (use --force to replace it)", fail());
    }
    let registry = context.templates()?;
    let base = match requested {
        Some(name) => registry.get(&name)?,
        None => {
            let templates = crate::template::usable_noting_broken(&registry);
            let config = context.file_config()?;
            match detect::detect(&templates, &config.template_priority.value, &dir) {
                Some(template) => template.clone(),
                None => registry.get(&config.default_template.value)?,
            }
        }
    };
    store::write_atomic(&path, starter(&base).as_bytes()).with_context(fail)?;
    println!("{}", shown_path(&path));
    Ok(())
}

/// A commented `.cdev.toml` that extends `base` and shows every knob.
fn starter(base: &Template) -> String {
    let variables: String = base
        .variables
        .iter()
        .map(|(key, value)| match value {
            Variable::Text(text) => format!("# {key} = {}\n", toml::Value::String(text.clone())),
            Variable::Conditional(c) => format!(
                "# {key} = {{ command = {}, requires = {}, otherwise = {} }}\n",
                toml::Value::String(c.command.clone()),
                toml::Value::String(c.requires.clone()),
                toml::Value::String(c.otherwise.clone())
            ),
        })
        .collect();
    format!(
        r#"# cdev project template. `cdev new` uses it for this directory (and those below it, up to the
# git root) instead of the detected one. `cdev template show {name}` prints everything it extends.
extends = "{name}"

# Variables used as {{{{name}}}} in commands, titles and cwds. Built in:
# {builtins}.
[variables]
{variables}
# Environment for every pane (after CLAUDE_PROJECT, PROJECT_ROOT, EDITOR; before .env.claude).
[env]
# NODE_ENV = "development"

# Scrollback lines kept per pane, and git worktrees (.worktrees/agent-N) for the Claude panes:
# history_limit = 50000
# worktrees = 2

# To replace the windows, uncomment and edit. Roles: claude, editor, git, server, shell.
# [[windows]]
# name = "agents"
# layout = "tiled"            # or main-vertical, even-horizontal, … or a saved layout string
#
# [[windows.panes]]
# role = "claude"             # runs `{claude_command}`
# focus = true
#
# [[windows.panes]]
# role = "server"
# command = "npm run dev"
# cwd = "frontend"            # relative to the project root
# split = "horizontal"        # from the previous pane: horizontal (side by side) or vertical
# size = "30%"
"#,
        name = base.name,
        builtins = crate::template::render::BUILTIN_VARIABLES.join(", "),
        claude_command = crate::template::render::CLAUDE_COMMAND,
    )
}
