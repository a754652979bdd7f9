//! `CDEV_TIMINGS=1`: where a command's time goes, printed on stderr when it ends (as starship's
//! `timings`): each phase a command marks, with its length, each tmux call (its first command,
//! how many commands, how long), and how many tmux calls it made and tmux processes it started. Costs one environment read when off; nothing is printed or kept then.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// The process start as far as cdev can tell (its first mark), and the phases marked since.
struct Record {
    started: Instant,
    phases: Vec<(&'static str, Instant)>,
    /// Each tmux call: its first command and length, and how long it took.
    calls: Vec<(String, std::time::Duration)>,
}

fn record() -> Option<&'static Mutex<Record>> {
    static RECORD: OnceLock<Option<Mutex<Record>>> = OnceLock::new();
    RECORD
        .get_or_init(|| {
            let on = std::env::var_os("CDEV_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0");
            on.then(|| Mutex::new(Record { started: Instant::now(), phases: Vec::new(), calls: Vec::new() }))
        })
        .as_ref()
}

static TMUX_PROCESSES: AtomicU32 = AtomicU32::new(0);
static TMUX_CALLS: AtomicU32 = AtomicU32::new(0);

/// Starts the clock (call first thing in `main`).
pub fn start() {
    let _ = record();
}

/// Marks the end of phase `name` (the phase since the previous mark).
pub fn mark(name: &'static str) {
    if let Some(record) = record() {
        if let Ok(mut record) = record.lock() {
            record.phases.push((name, Instant::now()));
        }
    }
}

/// Counts one call to the tmux server (by the gateway), on its socket or through a process: a
/// chain of `commands` commands starting with `first`, which took `took`.
pub fn tmux_called(first: &str, commands: usize, took: std::time::Duration) {
    TMUX_CALLS.fetch_add(1, Ordering::Relaxed);
    if let Some(record) = record() {
        if let Ok(mut record) = record.lock() {
            record.calls.push((format!("{first} ({commands} commands)"), took));
        }
    }
}

/// Counts one tmux process started (by the gateway).
pub fn tmux_started() {
    TMUX_PROCESSES.fetch_add(1, Ordering::Relaxed);
}

/// The breakdown, one line per phase, then the total; `None` when timings are off.
pub fn report() -> Option<String> {
    let record = record()?.lock().ok()?;
    let mut text = String::new();
    let mut previous = record.started;
    for (name, at) in &record.phases {
        text.push_str(&format!("cdev timings: {name:<28} {:>8.2} ms\n", ms(*at - previous)));
        previous = *at;
    }
    for (call, took) in &record.calls {
        text.push_str(&format!("cdev timings:   tmux {call:<23} {:>8.2} ms\n", ms(*took)));
    }
    let total = ms(Instant::now() - record.started);
    let processes = TMUX_PROCESSES.load(Ordering::Relaxed);
    let calls = TMUX_CALLS.load(Ordering::Relaxed);
    text.push_str(&format!(
        "cdev timings: {:<28} {total:>8.2} ms ({calls} tmux calls, {processes} tmux processes)\n",
        "total"
    ));
    Some(text)
}

fn ms(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
