//! Errors in what the user wrote (config, templates, `.env.claude`, tmux options): each names the
//! file, the line and the key where there is one, and makes `cdev` exit with status 2.

use std::fmt;
use std::path::Path;

/// A mistake in user input, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file's path, or what else the input was (`tmux option`).
    pub origin: String,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl InputError {
    pub fn new(origin: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError { origin: origin.into(), line: None, key: None, message: message.into() }
    }

    pub fn in_file(path: &Path, message: impl Into<String>) -> InputError {
        InputError::new(path.display().to_string(), message)
    }

    pub fn at_line(mut self, line: usize) -> InputError {
        self.line = Some(line);
        self
    }

    pub fn with_key(mut self, key: impl Into<String>) -> InputError {
        self.key = Some(key.into());
        self
    }

    /// A TOML error, with the line it points at and the key on that line.
    pub fn from_toml(path: &Path, text: &str, err: &toml::de::Error) -> InputError {
        let line = err.span().map(|span| line_of(text, span.start));
        let key = line.and_then(|n| text.lines().nth(n - 1)).and_then(key_on_line);
        InputError {
            origin: path.display().to_string(),
            line,
            key,
            message: err.message().trim().to_string(),
        }
    }

    /// A JSON error, with its line.
    pub fn from_json(path: &Path, err: &serde_json::Error) -> InputError {
        let message = err.to_string();
        // serde_json appends " at line L column C"; the line is reported separately.
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        InputError::in_file(path, message).at_line(err.line())
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

/// The 1-based line holding byte `offset`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// The key of a `key = value` line, unquoted; `None` for table headers and other lines.
fn key_on_line(line: &str) -> Option<String> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches(|c| c == '"' || c == '\'');
    (!key.is_empty() && !key.starts_with('[')).then(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_origin_line_key_and_message() {
        let err = InputError::new("/c.toml", "bad").at_line(3).with_key("prefix");
        assert_eq!(err.to_string(), "/c.toml:3: key `prefix`: bad");
        assert_eq!(
            InputError::new("tmux option", "bad").with_key("@x").to_string(),
            "tmux option: key `@x`: bad"
        );
    }

    #[test]
    fn lines_are_counted_from_one() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }
}
