//! A template as text: what `cdev template show` prints and the picker previews.

use anyhow::{Context, Result};

use super::{Template, TemplateFile};

/// A comment line naming the template, then its TOML with `extends` applied.
pub fn shown(template: &Template) -> Result<String> {
    let text = toml::to_string(&as_file(template)).context("could not show the template")?;
    Ok(format!(
        "# {}: {} ({} after extends)\n{text}",
        template.name,
        template.description,
        template.origin.describe()
    ))
}

fn as_file(template: &Template) -> TemplateFile {
    TemplateFile {
        name: Some(template.name.clone()),
        description: Some(template.description.clone()),
        extends: None,
        priority: Some(template.priority),
        detect: template.detect.clone(),
        variables: template.variables.clone(),
        env: template.env.clone(),
        history_limit: template.history_limit,
        worktrees: Some(template.worktrees),
        windows: Some(template.windows.clone()),
    }
}
