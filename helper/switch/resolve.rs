//! Where `cdev switch NAME` leads: a session by name or `<prefix>NAME`, a path, a session by its
//! project's directory name, then a project found under projects_dirs; else the names close to it.

use std::path::Path;

use anyhow::{bail, Context as _, Result};

use super::sessions::{self, SwitchSession};
use super::{create, go};
use crate::config::Config;
use crate::context::Context;
use crate::projects::{cache, Project};

/// Where NAME leads: a session name, `<prefix>NAME`, a path, a session's project, a project.
pub(super) fn switch_to(context: &Context, name: &str, client: Option<&str>) -> Result<()> {
    let tmux = context.tmux()?;
    let (config, _, sessions) = sessions::read(context, &tmux)?;
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
    let by_root_name: Vec<&SwitchSession> = sessions
        .iter()
        .filter(|s| {
            s.project_root.as_deref().and_then(|r| Path::new(r).file_name()).is_some_and(|n| n == name)
        })
        .collect();
    if let [session] = by_root_name.as_slice() {
        return go(context, &tmux, &session.name, client);
    }
    let (roots, depth) = (&config.projects_dirs.value, config.projects_depth.value as usize);
    let found = cache::discover_and_write(&context.paths.cache_dir, roots, depth);
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

/// Up to five of `candidates` close to `name`: containing it, or a few edits away.
fn close_matches<'a>(name: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let lower = name.to_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .iter()
        .filter_map(|c| {
            let candidate = c.to_lowercase();
            let distance = strsim::levenshtein(&lower, &candidate);
            let close = candidate.contains(&lower) || distance <= 2.max(lower.chars().count() / 3);
            close.then_some((distance, *c))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(5).map(|(_, c)| c).collect()
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
