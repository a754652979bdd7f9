//! `cdev config`: the effective configuration, each value with where it came from.

use std::io::{self, Write};

use anyhow::{Context as _, Result};
use clap::Args;

use super::Context;

/// Show the effective configuration and where each value came from.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(context: &Context, args: ConfigArgs) -> Result<()> {
    let json = args.json;
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
    } else {
        writeln!(out, "# config file: {}", context.paths.config_file().display())?;
        out.write_all(config.to_text().as_bytes())?;
    }
    out.flush()?;
    Ok(())
}
