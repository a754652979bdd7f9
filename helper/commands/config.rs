//! `cdev config`: the effective configuration, each value with where it came from.

use std::io::{self, Write};

use anyhow::{Context as _, Result};

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
    line(&mut out, "prefix", &toml_string(&config.prefix.value), &config.prefix)?;
    let dirs: Vec<String> =
        config.projects_dirs.value.iter().map(|d| toml_string(&d.display().to_string())).collect();
    line(&mut out, "projects_dirs", &format!("[{}]", dirs.join(", ")), &config.projects_dirs)?;
    line(&mut out, "projects_depth", &config.projects_depth.value.to_string(), &config.projects_depth)?;
    line(&mut out, "claude_command", &toml_string(&config.claude_command.value), &config.claude_command)?;
    let names: Vec<String> = config.template_priority.value.iter().map(|n| toml_string(n)).collect();
    line(&mut out, "template_priority", &format!("[{}]", names.join(", ")), &config.template_priority)?;
    line(
        &mut out,
        "default_template",
        &toml_string(&config.default_template.value),
        &config.default_template,
    )?;
    out.flush()?;
    Ok(())
}

fn line<T>(out: &mut impl Write, key: &str, shown: &str, setting: &Setting<T>) -> io::Result<()> {
    writeln!(out, "{key} = {shown}  # {}", setting.source)
}

fn toml_string(value: &str) -> String {
    toml::Value::String(value.to_string()).to_string()
}
