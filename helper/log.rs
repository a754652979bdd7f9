//! The debug log for what must never be shown: the status segment and the Claude hook handler
//! write their errors here, to the file named by `CDEV_LOG`, and nowhere else.

use std::fs::OpenOptions;
use std::io::Write;

/// Appends one line to `$CDEV_LOG` when it is set; does nothing otherwise, and never fails.
pub fn debug(what: &str, message: &dyn std::fmt::Display) {
    let Some(path) = std::env::var_os("CDEV_LOG").filter(|p| !p.is_empty()) else { return };
    let line = format!("{} cdev {what}: {message}\n", chrono::Utc::now().to_rfc3339());
    if let Ok(mut file) = OpenOptions::new().create(true).append(true).open(path) {
        // One write call, so concurrent hooks never interleave within a line.
        let _ = file.write_all(line.as_bytes());
    }
}
