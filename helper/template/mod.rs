//! Templates: what a session looks like (windows, panes, commands, env), where they come from
//! (built in, `~/.config/cdev/templates/`, a project's `.cdev.toml`), `extends`, and validation.
//! Detection lives in `detect.rs`, turning a template into a concrete plan in `render.rs`.

pub mod detect;
pub mod render;
pub mod values;

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
}

impl Registry {
    /// The built-ins plus every `*.toml` / `*.json` in `user_dir` (a missing dir is fine).
    pub fn load(user_dir: &Path) -> Result<Registry> {
        let mut files = BTreeMap::new();
        for (name, text) in BUILTIN {
            let file: TemplateFile = toml::from_str(text).expect("built-in templates parse");
            files.insert(name.to_string(), (file, Origin::Builtin));
        }
        let entries = match fs::read_dir(user_dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Registry { files }),
            Err(err) => return Err(err).with_context(|| format!("could not read {}", user_dir.display())),
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let is_template = matches!(path.extension().and_then(|e| e.to_str()), Some("toml" | "json"));
            if !is_template || !path.is_file() {
                continue;
            }
            let file = read_file(&path)?;
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let name = file.name.clone().unwrap_or(stem);
            files.insert(name, (file, Origin::File(path)));
        }
        Ok(Registry { files })
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// The template called `name`, with `extends` applied.
    pub fn get(&self, name: &str) -> Result<Template> {
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
                return Err(InputError::new(origin.describe(), message).with_key("extends").into());
            }
            let (parent, _) = self.files.get(&parent_name).ok_or_else(|| {
                InputError::new(origin.describe(), self.unknown(&parent_name).to_string()).with_key("extends")
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

use crate::tmux::layout::{is_layout_string, NAMES as LAYOUT_NAMES};

/// Checks what serde cannot: windows and panes present, one focus, sizes, layouts, variables.
pub fn validate(template: &Template) -> Result<()> {
    let fail = |key: String, message: String| -> anyhow::Error {
        let line = match &template.origin {
            Origin::File(path) => fs::read_to_string(path).ok().and_then(|text| locate(&text, &key)),
            Origin::Builtin => None,
        };
        let error = InputError::new(template.origin.describe(), message);
        match line {
            Some(line) => error.at_line(line).with_key(key).into(),
            None => error.with_key(key).into(),
        }
    };
    if template.windows.is_empty() {
        bail!(fail("windows".into(), format!("template {:?} has no windows", template.name)));
    }
    if template.windows.len() > MAX_WINDOWS {
        bail!(fail("windows".into(), format!("{} windows (at most {MAX_WINDOWS})", template.windows.len())));
    }
    if template.worktrees > MAX_WORKTREES {
        bail!(fail(
            "worktrees".into(),
            format!("{} worktrees (at most {MAX_WORKTREES})", template.worktrees)
        ));
    }
    if let Some(limit) = template.history_limit.filter(|l| *l > crate::snapshot::limits::MAX_HISTORY_LIMIT) {
        let max = crate::snapshot::limits::MAX_HISTORY_LIMIT;
        bail!(fail("history_limit".into(), format!("{limit} lines (at most {max})")));
    }
    let mut focus = 0;
    for (w, window) in template.windows.iter().enumerate() {
        if window.panes.is_empty() {
            bail!(fail(format!("windows[{w}].panes"), "a window needs at least one pane".into()));
        }
        if window.panes.len() > MAX_PANES_PER_WINDOW {
            let message = format!("{} panes (at most {MAX_PANES_PER_WINDOW})", window.panes.len());
            bail!(fail(format!("windows[{w}].panes"), message));
        }
        if let Some(layout) = &window.layout {
            if !LAYOUT_NAMES.contains(&layout.as_str()) && !is_layout_string(layout) {
                bail!(fail(
                    format!("windows[{w}].layout"),
                    format!(
                        "{layout:?} is neither a layout name ({}) nor a saved layout",
                        LAYOUT_NAMES.join(", ")
                    )
                ));
            }
        }
        for (p, pane) in window.panes.iter().enumerate() {
            let key = |field: &str| format!("windows[{w}].panes[{p}].{field}");
            focus += usize::from(pane.focus);
            if let Some(size) = &pane.size {
                if !is_size(size) {
                    bail!(fail(key("size"), format!("{size:?} is not a size (N cells or N%)")));
                }
            }
            // A name in single quotes cannot stay text in any shell (`values.rs`).
            if let Some(command) = &pane.command {
                for dialect in [values::Dialect::Posix, values::Dialect::Fish] {
                    if let Err(message) = values::refer(command, dialect) {
                        bail!(fail(key("command"), message));
                    }
                }
            }
            for (field, value) in [("command", &pane.command), ("title", &pane.title), ("cwd", &pane.cwd)] {
                if let Some(value) = value {
                    for name in render::placeholders(value) {
                        if !template.variables.contains_key(name)
                            && !render::BUILTIN_VARIABLES.contains(&name)
                        {
                            bail!(fail(key(field), format!("unknown variable {{{{{name}}}}}")));
                        }
                    }
                }
            }
        }
    }
    if focus > 1 {
        bail!(fail("focus".into(), "more than one pane has focus = true".into()));
    }
    for (key, value) in &template.env {
        if !crate::envfile::is_valid_key(key) {
            bail!(fail(format!("env.{key}"), "not a valid environment variable name".into()));
        }
        if value.contains('\0') {
            bail!(fail(
                format!("env.{key}"),
                "holds a NUL byte, which no environment variable can hold".into()
            ));
        }
    }
    Ok(())
}

/// The line of a TOML template that sets `key` (`windows[1].panes[0].size`, `env.X`, `extends`),
/// following `[[windows]]` / `[[windows.panes]]` headers. `None` when the key is written some other
/// way (inline tables) or comes from a template this one extends.
fn locate(text: &str, key: &str) -> Option<usize> {
    let mut parts: Vec<&str> = key.split('.').collect();
    let field = parts.pop()?;
    let index = |part: Option<&&str>, name: &str| -> Option<i64> {
        part?.strip_prefix(name)?.strip_prefix('[')?.strip_suffix(']')?.parse().ok()
    };
    let (want_window, want_pane) = (index(parts.first(), "windows"), index(parts.get(1), "panes"));
    let table = match (parts.first(), want_window) {
        (Some(table), None) => Some(*table),
        _ => None,
    };
    let (mut window, mut pane, mut current_table) = (-1i64, -1i64, None::<&str>);
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        match line {
            "[[windows]]" => (window, pane, current_table) = (window + 1, -1, None),
            "[[windows.panes]]" => (pane, current_table) = (pane + 1, None),
            _ if line.starts_with('[') => {
                current_table = Some(line.trim_matches(|c| c == '[' || c == ']').trim())
            }
            _ => {
                let Some((name, _)) = line.split_once('=') else { continue };
                let name = name.trim().trim_matches('"');
                let place_matches = match (want_window, want_pane) {
                    (Some(w), Some(p)) => window == w && pane == p,
                    (Some(w), None) => window == w && pane == -1,
                    (None, _) => current_table == table && window == -1,
                };
                if name == field && place_matches {
                    return Some(n + 1);
                }
            }
        }
    }
    None
}

fn is_size(size: &str) -> bool {
    let digits = size.strip_suffix('%').unwrap_or(size);
    !digits.is_empty() && digits.len() <= 5 && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests;
