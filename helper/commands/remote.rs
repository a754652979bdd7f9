//! Beyond one machine: `cdev remote HOST [PROJECT]` (ssh -t, cdev there, else plain tmux) and
//! `cdev list --hosts` (every configured host at once, each with its own timeout; one that does
//! not answer is a row saying so, not a failure).

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use serde::Serialize;
use serde_json::Value;

use super::Context;
use crate::config::{Config, Host};
use crate::ssh::{self, remote_word};
use crate::{humanize::pad, naming};

const DEFAULT_TIMEOUT: u64 = 5;

/// The configured host called `name`, else `name` itself as a destination.
pub(super) fn host(config: &Config, name: &str) -> Result<Host> {
    if let Some(host) = config.hosts.get(name) {
        return Ok(host.clone());
    }
    if !ssh::is_destination(name) {
        return Err(anyhow!("could not connect to {name:?}: not a configured host nor a host name"));
    }
    Ok(Host {
        destination: Some(name.to_string()),
        port: None,
        ssh_options: Vec::new(),
        cdev: None,
        timeout: None,
        projects_root: None,
    })
}

/// `if command -v CDEV …; then exec CDEV ARGS; else exec FALLBACK; fi`, every word quoted.
pub(super) fn with_cdev_or(host: &Host, cdev_args: &[&str], fallback: &str) -> Vec<String> {
    let cdev = remote_word(host.cdev.as_deref().unwrap_or("cdev"));
    let args: Vec<String> = cdev_args.iter().map(|a| remote_word(a)).collect();
    vec![format!(
        "if command -v {cdev} >/dev/null 2>&1; then exec {cdev} {}; else {fallback}; fi",
        args.join(" ")
    )]
}

pub fn remote(context: &Context, name: &str, project: Option<String>) -> Result<()> {
    let config = context.file_config()?;
    let host = host(&config, name)?;
    let prefix = config.prefix.value;
    let remote = match &project {
        Some(project) => {
            let base = project.trim_end_matches('/').rsplit('/').next().unwrap_or(project);
            let session = naming::session_name(&prefix, base);
            with_cdev_or(
                &host,
                &["switch", project],
                &format!("exec tmux new-session -A -s {}", remote_word(&session)),
            )
        }
        None => with_cdev_or(&host, &["switch"], "tmux attach-session 2>/dev/null || exec tmux new-session"),
    };
    let args = ssh::argv(name, &host, &["-t"], &remote)?;
    Err(ssh::exec(&args))
}

/// Goes to the existing `session` on host `name` (the picker's remote lines).
pub fn attach_session(context: &Context, name: &str, session: &str) -> Result<()> {
    let host = host(&context.file_config()?, name)?;
    let target = format!("={session}");
    let remote = with_cdev_or(
        &host,
        &["switch", session],
        &format!("exec tmux attach-session -t {}", remote_word(&target)),
    );
    Err(ssh::exec(&ssh::argv(name, &host, &["-t"], &remote)?))
}

#[derive(Debug, Serialize)]
pub struct HostSessions {
    pub host: String,
    pub reachable: bool,
    pub error: Option<String>,
    seconds: f64,
    /// `cdev list --json` rows there, or `{"name": …}` from plain tmux.
    pub sessions: Vec<Value>,
}

pub fn list_hosts(context: &Context, json: bool) -> Result<()> {
    let config = context.file_config()?;
    if config.hosts.is_empty() {
        return Err(anyhow!(
            "could not list hosts: none in {} ([hosts.NAME] tables)",
            context.paths.config_file().display()
        ));
    }
    let results: Vec<HostSessions> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            config.hosts.iter().map(|(name, host)| scope.spawn(move || ask(name, host))).collect();
        handles.into_iter().map(|h| h.join().expect("host thread")).collect()
    });
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &results)?;
        writeln!(out)?;
        return Ok(());
    }
    let width = results.iter().map(|r| r.host.chars().count()).max().unwrap_or(4).max(4);
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

pub fn ask(name: &str, host: &Host) -> HostSessions {
    let timeout = host.timeout.unwrap_or(DEFAULT_TIMEOUT).max(1);
    let connect = format!("ConnectTimeout={timeout}");
    let remote = with_cdev_or(
        host,
        &["list", "--json"],
        "tmux list-sessions -F '#{session_name}' 2>/dev/null || true",
    );
    let started = Instant::now();
    let result = ssh::argv(name, host, &["-o", "BatchMode=yes", "-o", &connect], &remote)
        .and_then(|args| ssh::output(&args, Duration::from_secs(timeout)));
    let seconds = started.elapsed().as_secs_f64();
    match result {
        Ok(text) => {
            let sessions = match serde_json::from_str::<Value>(text.trim()) {
                Ok(Value::Array(rows)) => rows,
                _ => {
                    text.lines().filter(|l| !l.is_empty()).map(|l| serde_json::json!({ "name": l })).collect()
                }
            };
            HostSessions { host: name.to_string(), reachable: true, error: None, seconds, sessions }
        }
        Err(err) => HostSessions {
            host: name.to_string(),
            reachable: false,
            error: Some(format!("{err:#}")),
            seconds,
            sessions: Vec::new(),
        },
    }
}
