//! Turning a template into a plan for one project: variables filled in, cwds resolved, worktrees
//! given to Claude panes, a fresh Claude session id for each Claude pane.
//!
//! Substitution never lets a path or a name change a command: `{{project}}`, `{{project_root}}`,
//! `{{session}}`, `{{worktree}}`, `{{claude_session}}` and `{{claude_settings}}` become variables
//! the pane's wrapper sets (`values.rs`), while the template's own variables, `{{editor}}` and
//! `{{claude}}` are command text the user wrote.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::values::{ordered, refer, Dialect};
use super::{Role, Split, Template, Variable};
use crate::input_error::InputError;
use crate::tmux::find_on_path;

/// Variables every template can use.
pub const BUILTIN_VARIABLES: &[&str] = &[
    "project",
    "project_root",
    "session",
    "editor",
    "claude",
    "claude_session",
    "claude_settings",
    "worktree",
];

/// What a template is rendered for.
pub struct Context {
    pub project: String,
    pub root: PathBuf,
    pub session: String,
    /// `$EDITOR` (default `nvim`): a command.
    pub editor: String,
    /// The Claude Code command (`@cdev-claude-command`, default `claude`).
    pub claude: String,
    /// Worktrees for the Claude panes, in order: (name, path).
    pub worktrees: Vec<(String, PathBuf)>,
    /// The hook settings file given to `claude --settings`.
    pub claude_settings: PathBuf,
    /// How the user's shell, which runs the commands, quotes.
    pub dialect: Dialect,
}

/// A session ready to be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPlan {
    pub windows: Vec<WindowPlan>,
    /// (window, pane) of the pane that gets focus.
    pub focus: (usize, usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowPlan {
    pub name: Option<String>,
    pub layout: Option<String>,
    pub panes: Vec<PanePlan>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanePlan {
    pub role: Role,
    pub cwd: PathBuf,
    pub title: Option<String>,
    pub command: Option<String>,
    pub split: Option<Split>,
    pub size: Option<String>,
    /// The id given to `claude --session-id`, recorded on the pane for an exact resume.
    pub claude_session: Option<String>,
    /// Whether the command starts the `claude_command` (`{{claude}}`): a pane that shows only a
    /// shell when that program is missing.
    pub runs_claude: bool,
    pub worktree: Option<String>,
    /// The values the command refers to, in [`VALUES`] order (the wrapper sets them).
    pub values: Vec<String>,
}

/// The default command of a Claude pane: cdev's hooks come with `--settings` (Claude Code merges
/// them with the user's own), and a fresh session id makes the conversation resumable exactly.
pub const CLAUDE_COMMAND: &str = "{{claude}} --settings={{claude_settings}} --session-id={{claude_session}}";

/// Renders `template` for `context`. Worktrees go to Claude panes in order; worktrees left over
/// get a Claude pane each in an extra `worktrees` window.
pub fn plan(template: &Template, context: &Context) -> Result<SessionPlan> {
    let mut worktrees = context.worktrees.iter();
    let mut windows = Vec::new();
    let mut focus = (0, 0);
    for (w, window) in template.windows.iter().enumerate() {
        let mut panes = Vec::new();
        for (p, pane) in window.panes.iter().enumerate() {
            let worktree = if pane.role == Role::Claude { worktrees.next() } else { None };
            let base = worktree.map_or(context.root.as_path(), |(_, path)| path.as_path());
            let command = match (&pane.command, pane.role) {
                (Some(command), _) => Some(command.clone()),
                (None, Role::Claude) => Some(CLAUDE_COMMAND.to_string()),
                (None, _) => None,
            };
            panes.push(
                render_pane(
                    template,
                    context,
                    &format!("windows[{w}].panes[{p}].command"),
                    pane.role,
                    command,
                    pane.title.clone(),
                    pane.cwd.as_deref(),
                    base,
                    worktree,
                )?
                .with_layout(pane.split, pane.size.clone()),
            );
            if pane.focus {
                focus = (w, p);
            }
        }
        windows.push(WindowPlan {
            name: window.name.as_deref().map(|n| fill(n, template, context, None, None, false)),
            layout: window.layout.clone(),
            panes,
        });
    }
    let extra: Vec<_> = worktrees.collect();
    if !extra.is_empty() {
        let mut panes = Vec::new();
        for worktree in extra {
            let title = Some(format!("claude-{}", worktree.0));
            panes.push(render_pane(
                template,
                context,
                "worktrees",
                Role::Claude,
                Some(CLAUDE_COMMAND.to_string()),
                title,
                None,
                &worktree.1,
                Some(worktree),
            )?);
        }
        windows.push(WindowPlan { name: Some("worktrees".into()), layout: Some("tiled".into()), panes });
    }
    Ok(SessionPlan { windows, focus })
}

impl PanePlan {
    fn with_layout(mut self, split: Option<Split>, size: Option<String>) -> PanePlan {
        self.split = split;
        self.size = size;
        self
    }
}

#[allow(clippy::too_many_arguments)]
fn render_pane(
    template: &Template,
    context: &Context,
    key: &str,
    role: Role,
    command: Option<String>,
    title: Option<String>,
    cwd: Option<&str>,
    base: &Path,
    worktree: Option<&(String, PathBuf)>,
) -> Result<PanePlan> {
    let wants_id =
        role == Role::Claude && command.as_deref().is_some_and(|c| c.contains("{{claude_session}}"));
    let claude_session = wants_id.then(|| crate::agent::claude::SessionId::random().to_string());
    let runs_claude = command.as_deref().is_some_and(|c| placeholders(c).contains(&"claude"));
    let worktree_name = worktree.map(|(name, _)| name.as_str());
    let session_id = claude_session.as_deref();
    let command = command
        .map(|c| fill(&c, template, context, worktree_name, session_id, true))
        .filter(|c| !c.trim().is_empty())
        .map(|c| refer(&c, context.dialect))
        .transpose()
        .map_err(|message| InputError::new(template.origin.describe(), message).with_key(key))?;
    let values = ordered(&[
        ("project", &context.project),
        ("project_root", &context.root.to_string_lossy()),
        ("session", &context.session),
        ("worktree", worktree_name.unwrap_or("")),
        ("claude_session", session_id.unwrap_or("")),
        ("claude_settings", &context.claude_settings.to_string_lossy()),
    ]);
    let cwd = match cwd.map(|c| fill(c, template, context, worktree_name, session_id, false)) {
        Some(c) if Path::new(&c).is_absolute() => PathBuf::from(c),
        Some(c) => base.join(c),
        None => base.to_path_buf(),
    };
    Ok(PanePlan {
        role,
        cwd,
        title: title.map(|t| fill(&t, template, context, worktree_name, session_id, false)),
        command,
        split: None,
        size: None,
        claude_session,
        runs_claude,
        worktree: worktree_name.map(str::to_string),
        values,
    })
}

/// Replaces `{{name}}` placeholders. In commands, values from paths and names are left for
/// [`refer`] (they become variables, never text); template variables, the editor and the Claude
/// command are inserted as written.
fn fill(
    text: &str,
    template: &Template,
    context: &Context,
    worktree: Option<&str>,
    claude_session: Option<&str>,
    command: bool,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else { break };
        out.push_str(&rest[..start]);
        let name = rest[start + 2..start + 2 + len].trim();
        let placeholder = &rest[start..start + 4 + len];
        let data = |value: &str| if command { placeholder.to_string() } else { value.to_string() };
        let value = match name {
            "project" => data(&context.project),
            "project_root" => data(&context.root.to_string_lossy()),
            "session" => data(&context.session),
            "worktree" => data(worktree.unwrap_or("")),
            "claude_session" => data(claude_session.unwrap_or("")),
            "claude_settings" => data(&context.claude_settings.to_string_lossy()),
            "editor" => context.editor.clone(),
            "claude" => context.claude.clone(),
            other => match template.variables.get(other) {
                Some(Variable::Text(value)) => value.clone(),
                Some(Variable::Conditional(c)) => {
                    if find_on_path(&c.requires).is_some() {
                        c.command.clone()
                    } else {
                        c.otherwise.clone()
                    }
                }
                // Validation rejects unknown names; keep the text if one slips through.
                None => placeholder.to_string(),
            },
        };
        out.push_str(&value);
        rest = &rest[start + 4 + len..];
    }
    out.push_str(rest);
    out
}

/// The names used as `{{name}}` in `text`.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else { break };
        names.push(rest[start + 2..start + 2 + len].trim());
        rest = &rest[start + 4 + len..];
    }
    names
}
