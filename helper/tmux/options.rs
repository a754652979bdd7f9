//! A server's global options (cdev's own `@cdev-*` and the few tmux ones it needs, such as
//! `base-index`), read from `show-options -g` / `-gw` and unquoted the way tmux quoted them (tmux
//! 3.2+ prints values with `args_escape`: `'…'`, `"…"`, backslash and octal escapes).

use std::collections::BTreeMap;

/// The most `history-limit` (scrollback lines per pane) cdev sets, whether a template or a
/// snapshot asks: far above any real use, below what would eat the server's memory.
pub const MAX_HISTORY_LIMIT: u32 = 10_000_000;

/// Global options of a server by name (user options with their `@`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TmuxOptions(pub BTreeMap<String, String>);

impl TmuxOptions {
    /// Reads `name value` lines of `show-options` output; array options (`name[0] …`) and lines
    /// that are not options (other commands' output in the same chain) are skipped.
    pub fn parse(output: &str) -> TmuxOptions {
        let mut options = BTreeMap::new();
        for line in output.lines() {
            let is_option_name = line.starts_with(|c: char| c == '@' || c.is_ascii_lowercase())
                && line.split(' ').next().is_some_and(|name| !name.contains('['));
            if !is_option_name {
                continue;
            }
            match line.split_once(' ') {
                Some((name, value)) => options.insert(name.to_string(), unquote(value)),
                None => options.insert(line.to_string(), String::new()),
            };
        }
        TmuxOptions(options)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A numeric option such as `base-index`, or `default` when unset or not a number.
    pub fn number(&self, name: &str, default: u32) -> u32 {
        self.get(name).and_then(|v| v.parse().ok()).unwrap_or(default)
    }
}

/// Reverses tmux's quoting of an option value.
pub fn unquote(value: &str) -> String {
    let inner = if value.len() >= 2
        && ((value.starts_with('"') && value.ends_with('"'))
            || (value.starts_with('\'') && value.ends_with('\'')))
    {
        &value[1..value.len() - 1]
    } else {
        value
    };
    let mut out = Vec::with_capacity(inner.len());
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' || i + 1 == bytes.len() {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let next = bytes[i + 1];
        let octal = bytes.get(i + 1..i + 4).filter(|d| d.iter().all(|b| (b'0'..=b'7').contains(b)));
        if let Some(digits) = octal {
            let code = digits.iter().fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
            out.push(code as u8);
            i += 4;
            continue;
        }
        out.push(match next {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'a' => 0x07,
            b'b' => 0x08,
            b'v' => 0x0b,
            b'f' => 0x0c,
            b'e' => 0x1b,
            b's' => b' ',
            other => other,
        });
        i += 2;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_tmux_3_3_prints() {
        // Captured from `show-options -g` of tmux 3.3a.
        let output = concat!(
            "status on\n",
            "@cdev-a plain\n",
            "@cdev-b \"has space\"\n",
            "@cdev-c \"it's \\\"q\\\" \\$HOME #{x} ; tab\\tend\"\n",
            "@cdev-d nl\\nx\\037y\n",
            "@cdev-e ''\n",
            "@other x\n",
        );
        let options = TmuxOptions::parse(output);
        assert_eq!(options.0.len(), 7);
        assert_eq!(options.get("status"), Some("on"));
        assert_eq!(options.get("@cdev-a"), Some("plain"));
        assert_eq!(options.get("@cdev-b"), Some("has space"));
        assert_eq!(options.get("@cdev-c"), Some("it's \"q\" $HOME #{x} ; tab\tend"));
        assert_eq!(options.get("@cdev-d"), Some("nl\nx\u{1f}y"));
        assert_eq!(options.get("@cdev-e"), Some(""));
        assert_eq!(options.get("@other"), Some("x"));
    }

    #[test]
    fn unicode_and_trailing_backslash_survive() {
        assert_eq!(unquote("\"ünï cödé\""), "ünï cödé");
        assert_eq!(unquote("a\\"), "a\\");
        assert_eq!(unquote("\\~x"), "~x");
    }
}
