//! `cdev snapshots [SESSION | --session NAME] [--json]` (what is kept) and `cdev snapshots verify`
//! (every file read back; damaged ones reported, exit status 1).

use std::io::{self, Write};

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use super::Context;
use crate::exit::SilentExit;
use crate::humanize::{duration, pad, printable};
use crate::snapshot::files::{self, Store};

/// The snapshots kept, or `verify` them all.
#[derive(Debug, Args)]
pub struct SnapshotsArgs {
    /// Only this session's snapshots; `verify` checks every snapshot (for a session named
    /// `verify`, use --session verify).
    pub session: Option<String>,
    /// Only this session's snapshots, whatever its name (a session named `verify` too).
    #[arg(long = "session", value_name = "NAME", conflicts_with = "session")]
    pub named: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Row {
    session: Option<String>,
    file: String,
    created: Option<String>,
    age_seconds: Option<i64>,
    size: u64,
    panes: Option<usize>,
    error: Option<String>,
}

pub fn run(context: &Context, args: SnapshotsArgs) -> Result<()> {
    let SnapshotsArgs { session, named, json } = args;
    let store = Store::new(&context.paths.state_dir);
    let verify = named.is_none() && session.as_deref() == Some("verify");
    let session = named.or(session);
    let entries = store.list(if verify { None } else { session.as_deref() })?;
    if let (Some(name), false, true, false) = (&session, verify, entries.is_empty(), json) {
        // Said, not silent: a name without the prefix (`webapp` for `claude-dev-webapp`) is a
        // likely slip. (Still exit 0: "none kept" is an answer.)
        let saved = store.saved_sessions();
        let known = saved
            .into_iter()
            .map(|(_, s)| s.session.name)
            .find(|known| !name.is_empty() && known.ends_with(name.as_str()));
        match known {
            Some(known) => {
                eprintln!("cdev: no snapshots of {}; did you mean {}?", printable(name), printable(&known))
            }
            None => eprintln!("cdev: no snapshots of {}", printable(name)),
        }
    }
    let now = chrono::Utc::now();
    let rows: Vec<Row> = entries
        .iter()
        .map(|entry| {
            let loaded = files::load(&entry.path);
            let created = files::created_at(&entry.path);
            Row {
                session: loaded.as_ref().ok().map(|s| s.session.name.clone()),
                file: entry.path.display().to_string(),
                created: created.map(|t| t.to_rfc3339()),
                age_seconds: created.map(|t| (now - t).num_seconds().max(0)),
                size: entry.size,
                panes: loaded.as_ref().ok().map(|s| s.session.pane_count()),
                error: loaded.err().map(|e| format!("{e:#}")),
            }
        })
        .collect();
    let mut out = io::BufWriter::new(io::stdout().lock());
    if json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else if verify {
        for row in &rows {
            match &row.error {
                Some(error) => writeln!(out, "damaged  {}: {error}", row.file)?,
                None => writeln!(out, "ok       {}", row.file)?,
            }
        }
    } else if !rows.is_empty() {
        // As wide as the longest name: a long project name must not push the columns apart.
        let shown = |row: &Row| row.session.as_deref().map(printable).unwrap_or_else(|| "(damaged)".into());
        let width = rows.iter().map(|r| crate::humanize::width(&shown(r))).max().unwrap_or(0).max(7);
        writeln!(out, "{}  {}  {}  PANES  FILE", pad("SESSION", width), pad("AGE", 8), pad("SIZE", 9))?;
        for row in &rows {
            writeln!(
                out,
                "{}  {}  {}  {:>5}  {}",
                pad(&shown(row), width),
                pad(&row.age_seconds.map(duration).unwrap_or_default(), 8),
                pad(&format!("{} KiB", row.size.div_ceil(1024)), 9),
                row.panes.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
                row.file
            )?;
        }
    }
    out.flush()?;
    if verify && rows.iter().any(|r| r.error.is_some()) {
        return Err(SilentExit::Reported.into());
    }
    Ok(())
}
