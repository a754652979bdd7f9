//! The tmux version: parsed from `tmux -V`, checked against the minimum cdev supports, and cached
//! per tmux binary so that it is asked once per install, not once per cdev run.

use std::fmt;
use std::fs;
use std::path::Path;
use std::time::UNIX_EPOCH;

use anyhow::{bail, Result};

use crate::store;

/// tmux 3.2 brought `display-popup`, the `s///` format modifier with `;` chains, and
/// `pane-focus-in` hooks that cdev relies on.
pub const MINIMUM: Version = Version { major: 3, minor: 2, letter: None, development: false };

/// A tmux release such as `3.3a` (`major` 3, `minor` 3, `letter` a: a fix release, shown as
/// tmux names it); `master` and `next-*` builds are `development` and taken to be new enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub letter: Option<char>,
    pub development: bool,
}

impl Version {
    /// Parses the output of `tmux -V`: `tmux 3.3a`, `tmux 3.2-rc2`, `tmux next-3.4`, `tmux master`.
    pub fn parse(output: &str) -> Option<Version> {
        let word = output.split_whitespace().nth(1)?;
        if word == "master" {
            return Some(Version { major: u32::MAX, minor: 0, letter: None, development: true });
        }
        let (development, number) = match word.strip_prefix("next-") {
            Some(rest) => (true, rest),
            None => (false, word),
        };
        let mut parts = number.splitn(2, '.');
        let major = parts.next()?.parse().ok()?;
        let rest = parts.next().unwrap_or("0");
        let minor_digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        let minor = minor_digits.parse().ok()?;
        let letter = rest[minor_digits.len()..].chars().next().filter(char::is_ascii_lowercase);
        Some(Version { major, minor, letter, development })
    }

    pub fn is_supported(&self) -> bool {
        self.development || (self.major, self.minor) >= (MINIMUM.major, MINIMUM.minor)
    }

    /// Fails with a clear message when this tmux is older than [`MINIMUM`].
    pub fn ensure_supported(&self) -> Result<()> {
        if !self.is_supported() {
            bail!("tmux {self} is too old: cdev needs tmux {MINIMUM} or newer");
        }
        Ok(())
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.major == u32::MAX {
            write!(f, "master")
        } else {
            write!(f, "{}.{}", self.major, self.minor)?;
            match self.letter {
                Some(letter) => write!(f, "{letter}"),
                None => Ok(()),
            }
        }
    }
}

/// A key that changes when the tmux binary is replaced: its path, size and modification time.
pub fn binary_fingerprint(binary: &Path) -> Option<String> {
    let meta = fs::metadata(binary).ok()?;
    let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos();
    Some(format!("{}\t{}\t{}", binary.display(), meta.len(), modified))
}

/// The version cached for this fingerprint, if any.
pub fn read_cached(cache_file: &Path, fingerprint: &str) -> Option<String> {
    let cached = fs::read_to_string(cache_file).ok()?;
    let (key, version) = cached.rsplit_once('\t')?;
    (key == fingerprint).then(|| version.trim_end().to_string())
}

/// Remembers `tmux -V` output for this fingerprint. A failure to write only costs a later call.
pub fn write_cached(cache_file: &Path, fingerprint: &str, version_output: &str) {
    let _ = store::write_atomic(cache_file, format!("{fingerprint}\t{}\n", version_output.trim()).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_release_candidate_and_development_versions() {
        let v = |s| Version::parse(s).unwrap();
        assert_eq!(v("tmux 3.3a"), Version { major: 3, minor: 3, letter: Some('a'), development: false });
        assert_eq!(v("tmux 3.3a").to_string(), "3.3a");
        assert_eq!(v("tmux 3.2-rc2"), Version { major: 3, minor: 2, letter: None, development: false });
        assert_eq!(v("tmux 3.4\n"), Version { major: 3, minor: 4, letter: None, development: false });
        assert!(v("tmux next-3.6").development);
        assert!(v("tmux master").is_supported());
        assert_eq!(Version::parse("tmux"), None);
        assert_eq!(Version::parse("garbage here"), None);
    }

    #[test]
    fn versions_below_the_minimum_are_refused_with_a_message() {
        assert!(Version::parse("tmux 3.2").unwrap().is_supported());
        assert!(Version::parse("tmux 10.0").unwrap().is_supported());
        let old = Version::parse("tmux 3.1c").unwrap();
        let err = old.ensure_supported().unwrap_err().to_string();
        assert_eq!(err, "tmux 3.1c is too old: cdev needs tmux 3.2 or newer");
        assert!(!Version::parse("tmux 2.9a").unwrap().is_supported());
    }

    #[test]
    fn the_cache_is_keyed_by_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("tmux-version");
        write_cached(&file, "/usr/bin/tmux\t1\t2", "tmux 3.3a\n");
        assert_eq!(read_cached(&file, "/usr/bin/tmux\t1\t2").as_deref(), Some("tmux 3.3a"));
        assert_eq!(read_cached(&file, "/usr/bin/tmux\t1\t3"), None);
    }
}
