//! Beyond one machine: which host a name means, the command cdev runs there (cdev when it is
//! installed, else plain tmux), going there with a terminal, and asking every host at once
//! (`fanout.rs`). The hosts are config's `[hosts.NAME]` tables; connecting is here, through the
//! one ssh runner (`ssh.rs`).

mod fanout;
pub mod ssh;

pub use fanout::{ask, ask_all, HostSessions};

use anyhow::{anyhow, Result};

use crate::config::{is_destination, Config, Host};
use crate::naming;
use ssh::remote_word;

/// The configured host called `name`, else `name` itself as a destination.
pub fn host(config: &Config, name: &str) -> Result<Host> {
    if let Some(host) = config.hosts.get(name) {
        return Ok(host.clone());
    }
    if !is_destination(name) {
        return Err(anyhow!("could not connect to {name:?}: not a configured host nor a host name"));
    }
    Ok(Host { destination: Some(name.to_string()), ..Host::default() })
}

/// `if command -v CDEV …; then exec CDEV ARGS; else FALLBACK; fi`, every word quoted.
pub fn with_cdev_or(host: &Host, cdev_args: &[&str], fallback: &str) -> Vec<String> {
    let cdev = remote_word(host.cdev.as_deref().unwrap_or("cdev"));
    let args: Vec<String> = cdev_args.iter().map(|a| remote_word(a)).collect();
    vec![format!(
        "if command -v {cdev} >/dev/null 2>&1; then exec {cdev} {}; else {fallback}; fi",
        args.join(" ")
    )]
}

/// Replaces this process with `ssh -t` to host `name`, there `cdev switch [PROJECT]` (without
/// cdev: the project's session, or any, in plain tmux). Returns only the reason it could not.
pub fn go(config: &Config, name: &str, project: Option<&str>) -> anyhow::Error {
    let host = match host(config, name) {
        Ok(host) => host,
        Err(err) => return err,
    };
    let remote = match project {
        Some(project) => {
            let base = project.trim_end_matches('/').rsplit('/').next().unwrap_or(project);
            let session = naming::session_name(&config.prefix.value, base);
            with_cdev_or(
                &host,
                &["switch", project],
                &format!("exec tmux new-session -A -s {}", remote_word(&session)),
            )
        }
        None => with_cdev_or(&host, &["switch"], "tmux attach-session 2>/dev/null || exec tmux new-session"),
    };
    match ssh::argv(name, &host, &["-t"], &remote) {
        Ok(args) => ssh::exec(&args),
        Err(err) => err,
    }
}

/// Replaces this process with `ssh -t` to the existing `session` on host `name` (the picker's
/// remote lines). Returns only the reason it could not.
pub fn attach(config: &Config, name: &str, session: &str) -> anyhow::Error {
    let host = match host(config, name) {
        Ok(host) => host,
        Err(err) => return err,
    };
    let target = format!("={session}");
    let remote = with_cdev_or(
        &host,
        &["switch", session],
        &format!("exec tmux attach-session -t {}", remote_word(&target)),
    );
    match ssh::argv(name, &host, &["-t"], &remote) {
        Ok(args) => ssh::exec(&args),
        Err(err) => err,
    }
}
