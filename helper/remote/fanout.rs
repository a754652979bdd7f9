//! Asking hosts for their sessions (`cdev list --hosts`, the picker): every host at once, each
//! with its own timeout; one that does not answer is an answer saying so, not a failure.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use super::{ssh, with_cdev_or};
use crate::config::Host;

/// Seconds a host is waited for, unless it sets its own `timeout`.
const DEFAULT_TIMEOUT: u64 = 5;

/// What one host said.
#[derive(Debug, Serialize)]
pub struct HostSessions {
    pub host: String,
    pub reachable: bool,
    pub error: Option<String>,
    seconds: f64,
    /// `cdev list --json` rows there, or `{"name": …}` from plain tmux.
    pub sessions: Vec<Value>,
}

/// Every host's answer, asked in parallel, in the hosts' order.
pub fn ask_all(hosts: &BTreeMap<String, Host>) -> Vec<HostSessions> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = hosts.iter().map(|(name, host)| scope.spawn(move || ask(name, host))).collect();
        handles.into_iter().map(|h| h.join().expect("host thread")).collect()
    })
}

/// The sessions on host `name`: `cdev list --json` there, else tmux's session names.
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
