//! Templates: what a session looks like (windows, panes, commands, env), where they come from
//! (built in, `~/.config/cdev/templates/`, a project's `.cdev.toml`), `extends`, and validation.
//! Detection lives in `detect.rs`, checks in `validate.rs`, turning a template into a concrete
//! plan in `render.rs`.

pub mod detect;
mod place;
pub mod render;
mod show;
mod validate;
pub mod values;

pub use show::shown;
pub use validate::validate;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::input_error::InputError;

/// The built-in templates, as the TOML they are written in.
const BUILTIN: &[(&str, &str)] = &[
    ("generic", include_str!("builtin/generic.toml")),
    ("node", include_str!("builtin/node.toml")),
    ("react", include_str!("builtin/react.toml")),
    ("python", include_str!("builtin/python.toml")),
    ("go", include_str!("builtin/go.toml")),
    ("rust", include_str!("builtin/rust.toml")),
];

/// A project's own template file, found by walking up from the project to its git root.
pub const PROJECT_FILE: &str = ".cdev.toml";
/// The most `extends` links followed before giving up (a cycle is reported before that).
const MAX_EXTENDS: usize = 16;
/// Counts a template may ask for: each is a worktree, a window or a pane made on `cdev new`.
pub const MAX_WORKTREES: u32 = 32;
const MAX_WINDOWS: usize = 64;
const MAX_PANES_PER_WINDOW: usize = 64;

/// A template as written: every key optional, so `extends` can fill the gaps.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TemplateFile {
    pub name: Option<String>,
    pub description: Option<String>,
    pub extends: Option<String>,
    /// Higher is tried first in detection; config `template_priority` overrides.
    pub priority: Option<i32>,
    pub detect: Option<Detect>,
    pub variables: BTreeMap<String, Variable>,
    pub env: BTreeMap<String, String>,
    pub history_limit: Option<u32>,
    /// How many git worktrees (`.worktrees/<name>`) the Claude panes get, in order.
    pub worktrees: Option<u32>,
    pub windows: Option<Vec<Window>>,
}

/// Detection rules: all must hold.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Detect {
    /// Every one of these exists in the project root.
    pub files: Vec<String>,
    /// At least one of these exists (when the list is not empty).
    pub any: Vec<String>,
    /// None of these exists.
    pub absent: Vec<String>,
    /// File → text it must contain.
    pub contains: BTreeMap<String, String>,
}

/// A template variable: text, or a command used only when a program is installed.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Variable {
    Text(String),
    Conditional(ConditionalCommand),
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ConditionalCommand {
    pub command: String,
    /// A program that must be on `PATH` for `command` to be used.
    pub requires: String,
    pub otherwise: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Window {
    pub name: Option<String>,
    /// A tmux layout name (`tiled`, `main-vertical`, …) or a saved layout string.
    pub layout: Option<String>,
    pub panes: Vec<Pane>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Pane {
    pub role: Role,
    pub title: Option<String>,
    /// Run by the user's shell; the pane stays usable when it exits.
    pub command: Option<String>,
    /// Relative to the project root (or to the pane's worktree); default the root.
    pub cwd: Option<String>,
    /// How this pane is split from the previous one (ignored for a window's first pane).
    pub split: Option<Split>,
    /// `N` cells or `N%` of the pane being split.
    pub size: Option<String>,
    pub focus: bool,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Claude,
    Editor,
    Git,
    Server,
    #[default]
    Shell,
}

impl Role {
    /// The name templates use, also recorded on the pane as `@cdev_role`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Claude => "claude",
            Role::Editor => "editor",
            Role::Git => "git",
            Role::Server => "server",
            Role::Shell => "shell",
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Side by side (`split-window -h`).
    Horizontal,
    /// One above the other (`split-window -v`).
    Vertical,
}

/// Where a template was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Builtin,
    File(PathBuf),
}

impl Origin {
    pub fn describe(&self) -> String {
        match self {
            Origin::Builtin => "built-in".to_string(),
            Origin::File(path) => path.display().to_string(),
        }
    }
}

/// A template with `extends` applied and every default filled in.
#[derive(Debug, Clone)]
pub struct Template {
    pub name: String,
    pub description: String,
    pub origin: Origin,
    pub priority: i32,
    pub detect: Option<Detect>,
    pub variables: BTreeMap<String, Variable>,
    pub env: BTreeMap<String, String>,
    pub history_limit: Option<u32>,
    pub worktrees: u32,
    pub windows: Vec<Window>,
}

/// Every template cdev knows: built-ins, overridden by user templates of the same name.
pub struct Registry {
    files: BTreeMap<String, (TemplateFile, Origin)>,
    /// User template files that could not be read or parsed, by file stem: one broken file
    /// leaves the others usable; naming it (or extending it) gives its error.
    broken: BTreeMap<String, (PathBuf, String)>,
}

/// A user template that cannot be used, and why.
pub struct Broken {
    pub name: String,
    /// Names the file (and line, where there is one).
    pub error: String,
}

impl Registry {
    /// The built-ins plus every `*.toml` / `*.json` in `user_dir` (a missing dir is fine).
    pub fn load(user_dir: &Path) -> Result<Registry> {
        let mut files = BTreeMap::new();
        let mut broken = BTreeMap::new();
        for (name, text) in BUILTIN {
            let file: TemplateFile = toml::from_str(text).expect("built-in templates parse");
            files.insert(name.to_string(), (file, Origin::Builtin));
        }
        let entries = match fs::read_dir(user_dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Registry { files, broken }),
            Err(err) => return Err(err).with_context(|| format!("could not read {}", user_dir.display())),
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let is_template = matches!(path.extension().and_then(|e| e.to_str()), Some("toml" | "json"));
            if !is_template || !path.is_file() {
                continue;
            }
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            match read_file(&path) {
                Ok(file) => {
                    let name = file.name.clone().unwrap_or(stem);
                    files.insert(name, (file, Origin::File(path)));
                }
                Err(err) => {
                    broken.insert(stem, (path, format!("{err:#}")));
                }
            }
        }
        Ok(Registry { files, broken })
    }

    /// Every template that can be used, resolved, in name order, and every user template that
    /// cannot (a file that does not parse, a bad `extends`): for listing and detection, where
    /// one broken file must not take the others with it.
    pub fn usable(&self) -> (Vec<Template>, Vec<Broken>) {
        let mut broken: Vec<Broken> = self
            .broken
            .iter()
            .map(|(name, (_, error))| Broken { name: name.clone(), error: error.clone() })
            .collect();
        let mut templates = Vec::new();
        for name in self.names() {
            match self.get(name) {
                Ok(template) => templates.push(template),
                Err(err) => broken.push(Broken { name: name.to_string(), error: format!("{err:#}") }),
            }
        }
        (templates, broken)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// The template called `name`, with `extends` applied.
    pub fn get(&self, name: &str) -> Result<Template> {
        if let (None, Some((path, _))) = (self.files.get(name), self.broken.get(name)) {
            // Read again for the error itself (its kind sets the exit status).
            read_file(path)?;
            bail!("{} changed while it was read", path.display());
        }
        let (file, origin) = self.files.get(name).ok_or_else(|| self.unknown(name))?;
        self.resolve(file.clone(), origin.clone(), name)
    }

    /// Every template, resolved, in name order.
    pub fn all(&self) -> Result<Vec<Template>> {
        self.names().map(|name| self.get(name)).collect()
    }

    /// Applies `extends` to a template that may not be in the registry (a project's file).
    pub fn resolve(&self, file: TemplateFile, origin: Origin, fallback_name: &str) -> Result<Template> {
        let name = file.name.clone().unwrap_or_else(|| fallback_name.to_string());
        let mut merged = file;
        let mut seen = vec![name.clone()];
        let extends = place::Place::default().key("extends");
        while let Some(parent_name) = merged.extends.take() {
            let looped = seen.contains(&parent_name);
            if looped || seen.len() > MAX_EXTENDS {
                seen.push(parent_name);
                let message = match looped {
                    true => format!("`extends` loops: {}", seen.join(" → ")),
                    false => format!(
                        "`extends` goes deeper than {MAX_EXTENDS} templates (no loop): {}",
                        seen.join(" → ")
                    ),
                };
                return Err(validate::error_at(&origin, &extends, message).into());
            }
            let (parent, _) = self.files.get(&parent_name).ok_or_else(|| {
                let why = match self.broken.get(&parent_name) {
                    Some((_, error)) => format!("extends {parent_name:?}, which cannot be used: {error}"),
                    None => self.unknown(&parent_name).to_string(),
                };
                validate::error_at(&origin, &extends, why)
            })?;
            seen.push(parent_name);
            merged = merge(parent.clone(), merged);
        }
        let template = Template {
            name,
            description: merged.description.unwrap_or_default(),
            priority: merged.priority.unwrap_or(50),
            detect: merged.detect,
            variables: merged.variables,
            env: merged.env,
            history_limit: merged.history_limit,
            worktrees: merged.worktrees.unwrap_or(0),
            windows: merged.windows.unwrap_or_default(),
            origin,
        };
        validate(&template)?;
        Ok(template)
    }

    fn unknown(&self, name: &str) -> anyhow::Error {
        let known: Vec<&str> = self.names().collect();
        anyhow::anyhow!("no template named {name:?} (known: {})", known.join(", "))
    }
}

/// The templates detection chooses from; each user template left out is named on stderr, so a
/// typo in one file costs a note, not every `cdev new`.
pub fn usable_noting_broken(registry: &Registry) -> Vec<Template> {
    let (templates, broken) = registry.usable();
    for file in broken {
        let error = crate::humanize::printable_lines(&file.error);
        eprintln!("cdev: note: template {} left out: {error}", crate::humanize::printable(&file.name));
    }
    templates
}

/// `child` over `parent`: scalars and windows replace, variables and env merge key by key.
fn merge(parent: TemplateFile, child: TemplateFile) -> TemplateFile {
    let mut variables = parent.variables;
    variables.extend(child.variables);
    let mut env = parent.env;
    env.extend(child.env);
    TemplateFile {
        name: child.name.or(parent.name),
        description: child.description.or(parent.description),
        extends: parent.extends,
        priority: child.priority.or(parent.priority),
        detect: child.detect.or(parent.detect),
        variables,
        env,
        history_limit: child.history_limit.or(parent.history_limit),
        worktrees: child.worktrees.or(parent.worktrees),
        windows: child.windows.or(parent.windows),
    }
}

/// Reads a template file: JSON when it ends in `.json`, TOML otherwise.
pub fn read_file(path: &Path) -> Result<TemplateFile> {
    let bytes = crate::bounded::read(path, crate::bounded::limit::TEXT)
        .with_context(|| format!("could not read {}", path.display()))?;
    parse(path, bytes)
}

/// Parses a template file's bytes (`path` names the file in errors and picks the format).
pub fn parse(path: &Path, bytes: Vec<u8>) -> Result<TemplateFile> {
    let text = String::from_utf8(bytes)
        .map_err(|err| InputError::in_file(path, format!("not UTF-8 text ({err})")))?;
    if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).map_err(|err| InputError::from_json(path, &err).into())
    } else {
        toml::from_str(&text).map_err(|err| InputError::from_toml(path, &text, &err).into())
    }
}

/// The project's own `.cdev.toml`: in `dir` or a parent, up to and including the git root.
pub fn find_project_file(dir: &Path) -> Option<PathBuf> {
    for candidate in dir.ancestors() {
        let file = candidate.join(PROJECT_FILE);
        if file.is_file() {
            return Some(file);
        }
        if candidate.join(".git").exists() {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests;
