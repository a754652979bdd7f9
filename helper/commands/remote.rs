//! `cdev remote HOST [PROJECT]` (ssh -t, cdev there, else plain tmux) and `cdev list --hosts`
//! (every configured host's sessions, a host that does not answer a row saying so).

use std::io::Write;

use anyhow::{anyhow, Result};

use super::Context;
use crate::humanize::pad;
use crate::remote;

pub fn remote(context: &Context, name: &str, project: Option<String>) -> Result<()> {
    Err(remote::go(&context.file_config()?, name, project.as_deref()))
}

pub fn list_hosts(context: &Context, json: bool) -> Result<()> {
    let config = context.file_config()?;
    if config.hosts.is_empty() {
        return Err(anyhow!(
            "could not list hosts: none in {} ([hosts.NAME] tables)",
            context.paths.config_file().display()
        ));
    }
    let results = remote::ask_all(&config.hosts);
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &results)?;
        writeln!(out)?;
        return Ok(());
    }
    let width = results.iter().map(|r| crate::humanize::width(&r.host)).max().unwrap_or(4).max(4);
    writeln!(out, "{}  SESSION", pad("HOST", width))?;
    for result in &results {
        match &result.error {
            Some(error) => writeln!(out, "{}  (unreachable: {error})", pad(&result.host, width))?,
            None if result.sessions.is_empty() => {
                writeln!(out, "{}  (no sessions)", pad(&result.host, width))?
            }
            None => {
                for session in &result.sessions {
                    let name = session["name"].as_str().unwrap_or("?");
                    let attached =
                        if session["attached"].as_u64().unwrap_or(0) > 0 { " (attached)" } else { "" };
                    writeln!(out, "{}  {name}{attached}", pad(&result.host, width))?;
                }
            }
        }
    }
    Ok(())
}
