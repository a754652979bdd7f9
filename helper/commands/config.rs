//! `cdev config`: the effective configuration, each value with where it came from.

use std::io::{self, Write};

use anyhow::{Context as _, Result};
use serde::Serialize;

use super::Context;
use crate::config::Setting;

pub fn run(context: &Context, json: bool) -> Result<()> {
    let file_config = context.file_config()?;
    let options = context.tmux().and_then(|tmux| tmux.options());
    // Without tmux (or a server) the file and defaults are still worth showing.
    let config = match options {
        Ok(options) => {
            file_config.with_tmux_options(&options, &context.paths).context("could not load config")?
        }
        Err(_) => file_config,
    };

    let mut out = io::BufWriter::new(io::stdout().lock());
    if json {
        serde_json::to_writer_pretty(&mut out, &config)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(());
    }
    writeln!(out, "# config file: {}", context.paths.config_file().display())?;
    line(&mut out, "prefix", &config.prefix)?;
    line(&mut out, "projects_dirs", &config.projects_dirs)?;
    line(&mut out, "projects_depth", &config.projects_depth)?;
    line(&mut out, "claude_command", &config.claude_command)?;
    line(&mut out, "template_priority", &config.template_priority)?;
    line(&mut out, "default_template", &config.default_template)?;
    line(&mut out, "snapshot_keep", &config.snapshot_keep)?;
    line(&mut out, "snapshot_keep_days", &config.snapshot_keep_days)?;
    line(&mut out, "snapshot_scrollback", &config.snapshot_scrollback)?;
    line(&mut out, "restore_processes", &config.restore_processes)?;
    line(&mut out, "max_sessions", &config.max_sessions)?;
    // The hosts are tables: shown as config.toml holds them (none: nothing).
    for (name, host) in &config.hosts {
        let table = toml::to_string(host).unwrap_or_default();
        writeln!(out, "\n[hosts.{}]\n{}", toml_key(name), table.trim_end())?;
    }
    out.flush()?;
    Ok(())
}

/// `key = value  # source`, the value as TOML (what config.toml would say).
fn line<T: Serialize>(out: &mut impl Write, key: &str, setting: &Setting<T>) -> io::Result<()> {
    let shown = toml::Value::try_from(&setting.value).map(|v| v.to_string()).unwrap_or_default();
    writeln!(out, "{key} = {shown}  # {}", setting.source)
}

/// A table name as TOML writes it: bare when it can be, else quoted.
fn toml_key(name: &str) -> String {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        name.to_string()
    } else {
        toml_string(name)
    }
}

fn toml_string(value: &str) -> String {
    toml::Value::String(value.to_string()).to_string()
}
