//! The environment a cdev session gets, in order (later wins): `CLAUDE_PROJECT`, `PROJECT_ROOT`,
//! `EDITOR`, the template's `[env]`, then the project's `.env.claude`. Not the plain-tmux scripts'
//! `CLAUDE_CODE_TMUX_SESSION=1`: Claude Code reads that name itself now (as a tmux session name).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::bounded;
use crate::envfile::{self, EnvFile};

pub const ENV_FILE: &str = ".env.claude";

/// The project's `.env.claude`, parsed; `None` when it does not exist.
pub fn read_env_file(root: &Path) -> Result<Option<(PathBuf, EnvFile)>> {
    let path = root.join(ENV_FILE);
    match bounded::read(&path, bounded::limit::TEXT) {
        Ok(bytes) => Ok(Some((path, envfile::parse(&bytes, |name| std::env::var(name).ok())))),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("could not read {}", path.display())),
    }
}

/// The session's variables, each key once with its last value, in first-seen order.
pub fn session_env(
    project: &str,
    root: &Path,
    editor: &str,
    template_env: &BTreeMap<String, String>,
    env_file: Option<&EnvFile>,
) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = vec![
        ("CLAUDE_PROJECT".into(), project.into()),
        ("PROJECT_ROOT".into(), root.to_string_lossy().into_owned()),
        ("EDITOR".into(), editor.into()),
    ];
    vars.extend(template_env.iter().map(|(k, v)| (k.clone(), v.clone())));
    if let Some(file) = env_file {
        vars.extend(file.vars.iter().cloned());
    }
    let mut merged: Vec<(String, String)> = Vec::with_capacity(vars.len());
    for (key, value) in vars {
        match merged.iter_mut().find(|(k, _)| *k == key) {
            Some(existing) => existing.1 = value,
            None => merged.push((key, value)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_sources_win_and_order_is_kept() {
        let template: BTreeMap<String, String> = [("NODE_ENV".to_string(), "development".to_string())].into();
        let file = envfile::parse(b"NODE_ENV=test\nEDITOR=hx\nAPI=1\n", |_| None);
        let env = session_env("web", Path::new("/p/web"), "nvim", &template, Some(&file));
        let keys: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["CLAUDE_PROJECT", "PROJECT_ROOT", "EDITOR", "NODE_ENV", "API"]);
        assert_eq!(env[2].1, "hx");
        assert_eq!(env[3].1, "test");
    }
}
