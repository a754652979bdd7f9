//! A `[hosts.NAME]` table of config.toml: the machines `cdev remote`, `cdev list --hosts` and
//! `cdev move` reach. Connecting to them is `remote/`; this is only what the user wrote, and the
//! rule a destination must pass before anything hands it to ssh.

use serde::{Deserialize, Serialize};

/// A `[hosts.NAME]` table of config.toml.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Host {
    /// What ssh connects to (`user@host`); default: the table's name.
    pub destination: Option<String>,
    pub port: Option<u16>,
    /// More ssh arguments, each its own word (`["-i", "~/.ssh/work"]`); never read by a shell.
    #[serde(default)]
    pub ssh_options: Vec<String>,
    /// The cdev command there (default `cdev`); without it there, plain tmux is used.
    pub cdev: Option<String>,
    /// Seconds `cdev list --hosts` waits for this host (default 5); also how long `cdev move`
    /// waits for the connection.
    pub timeout: Option<u64>,
    /// Where projects are checked out there (`~/src`): `cdev move` imports a project into
    /// `<projects_root>/<project directory name>`.
    pub projects_root: Option<String>,
}

impl Host {
    /// What ssh connects to for the host called `name`.
    pub fn destination<'a>(&'a self, name: &'a str) -> &'a str {
        self.destination.as_deref().unwrap_or(name)
    }
}

/// Whether `destination` can only be read by ssh as a destination: not an option (`-oProxy…`),
/// no whitespace or control characters, no shell metacharacters.
pub fn is_destination(destination: &str) -> bool {
    !destination.is_empty()
        && !destination.starts_with('-')
        && destination.chars().all(|c| c.is_alphanumeric() || "@._-:[]%".contains(c))
        // `user@host`: neither side empty (ssh prints its usage for `@host` or `user@`).
        && destination.rsplit_once('@').is_none_or(|(user, host)| !user.is_empty() && !host.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_that_ssh_could_read_otherwise_are_refused() {
        for ok in ["host", "me@host.example", "10.0.0.1", "[::1]", "me@host-2"] {
            assert!(is_destination(ok), "{ok}");
        }
        for bad in ["-oProxyCommand=x", "a b", "h;rm -rf", "$(x)", "", "h\nx", "`x`", "@1", "me@", "@"] {
            assert!(!is_destination(bad), "{bad:?}");
        }
    }
}
