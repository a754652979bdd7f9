//! `.env.claude`: `KEY=VALUE` lines read without ever running a shell.
//!
//! Accepted: blank lines, `#` comments, an optional `export ` before the key, values unquoted,
//! in single quotes (taken literally) or double quotes (backslash escapes `\"`, `\\`, `\$`, `\n`),
//! and `${VAR}` / `$VAR` expanded (unquoted and in double quotes) from keys set earlier in the file,
//! then from cdev's environment; unknown variables expand to nothing, as in a shell. A bad line is
//! reported with its number and skipped; it never stops the rest of the file.

use std::fmt;

/// A line that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The variables a file sets, in order, and the lines that were skipped.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct EnvFile {
    pub vars: Vec<(String, String)>,
    pub errors: Vec<LineError>,
}

/// Longest line read; anything longer is reported, not parsed (a 10 MB line is a mistake).
const MAX_LINE: usize = 64 * 1024;

/// Parses the bytes of an env file; `lookup` answers `$VAR` for names the file has not set.
pub fn parse(bytes: &[u8], lookup: impl Fn(&str) -> Option<String>) -> EnvFile {
    let mut file = EnvFile::default();
    for (index, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = index + 1;
        let mut fail = |message: String| file.errors.push(LineError { line, message });
        if raw.len() > MAX_LINE {
            fail(format!("line is longer than {} KiB", MAX_LINE / 1024));
            continue;
        }
        let Ok(text) = std::str::from_utf8(raw) else {
            fail("not UTF-8 text".into());
            continue;
        };
        if text.contains('\0') {
            fail("holds a NUL byte, which no environment variable can hold".into());
            continue;
        }
        let text = text.strip_suffix('\r').unwrap_or(text).trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let text = text.strip_prefix("export ").map(str::trim_start).unwrap_or(text);
        let Some((key, value)) = text.split_once('=') else {
            fail(format!("expected KEY=VALUE, found {:?}", shorten(text)));
            continue;
        };
        if !is_valid_key(key) {
            fail(format!("{:?} is not a valid variable name", shorten(key)));
            continue;
        }
        let known = |name: &str| -> Option<String> {
            file.vars.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone()).or_else(|| lookup(name))
        };
        match parse_value(value, &known) {
            Ok(value) => file.vars.push((key.to_string(), value)),
            Err(message) => file.errors.push(LineError { line, message }),
        }
    }
    file
}

/// A name a shell would accept: a letter or `_`, then letters, digits and `_`.
pub fn is_valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn parse_value(value: &str, known: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(c) => out.push(c),
                    None => return Err("unterminated single quote".into()),
                }
            },
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some('n') => out.push('\n'),
                        Some(c @ ('"' | '\\' | '$' | '`')) => out.push(c),
                        Some(c) => {
                            out.push('\\');
                            out.push(c);
                        }
                        None => return Err("unterminated double quote".into()),
                    },
                    Some('$') => out.push_str(&expand(&mut chars, known)?),
                    Some(c) => out.push(c),
                    None => return Err("unterminated double quote".into()),
                }
            },
            '\\' => match chars.next() {
                Some(c) => out.push(c),
                None => return Err("a backslash ends the line".into()),
            },
            '$' => out.push_str(&expand(&mut chars, known)?),
            c if c.is_whitespace() => {
                let rest: String = chars.collect();
                let rest = rest.trim_start();
                if rest.is_empty() || rest.starts_with('#') {
                    break;
                }
                return Err("unquoted space in value (quote it)".into());
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Expands what follows a `$`: `{NAME}`, `NAME`, or nothing (a literal `$`).
fn expand(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    known: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let mut name = String::new();
    if chars.peek() == Some(&'{') {
        chars.next();
        loop {
            match chars.next() {
                Some('}') => break,
                Some(c) => name.push(c),
                None => return Err("unterminated ${".into()),
            }
        }
        if !is_valid_key(&name) {
            return Err(format!("${{{}}} is not a variable name", shorten(&name)));
        }
    } else {
        while let Some(&c) = chars.peek() {
            if c.is_ascii_alphanumeric() || c == '_' {
                name.push(c);
                chars.next();
            } else {
                break;
            }
        }
        if name.is_empty() {
            return Ok("$".into());
        }
    }
    Ok(known(&name).unwrap_or_default())
}

fn shorten(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(text: &str) -> EnvFile {
        parse(text.as_bytes(), |name| (name == "HOME").then(|| "/home/u".to_string()))
    }

    fn vars(text: &str) -> Vec<(String, String)> {
        let file = env(text);
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        file.vars
    }

    fn pair(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn reads_the_seed_format() {
        let text = "# comment\n\nNODE_ENV=development\nexport DEBUG_MODE=1\r\n  SPACED = no\n";
        let file = env(text);
        assert_eq!(file.vars, vec![pair("NODE_ENV", "development"), pair("DEBUG_MODE", "1")]);
        assert_eq!(file.errors.len(), 1);
        assert_eq!(file.errors[0].line, 5);
    }

    #[test]
    fn quotes_follow_shell_rules() {
        assert_eq!(vars("A='a $HOME \"x\"'"), vec![pair("A", "a $HOME \"x\"")]);
        assert_eq!(vars("A=\"a ${HOME} \\\"q\\\" \\$x\""), vec![pair("A", "a /home/u \"q\" $x")]);
        assert_eq!(vars("A=one\\ two # trailing comment"), vec![pair("A", "one two")]);
        assert_eq!(vars("A=\nB=''"), vec![pair("A", ""), pair("B", "")]);
        assert_eq!(vars("A=x=y"), vec![pair("A", "x=y")]);
    }

    #[test]
    fn expansion_sees_earlier_keys_then_the_environment() {
        assert_eq!(
            vars("ROOT=/p\nSRC=$ROOT/src\nH=$HOME\nU=$UNSET."),
            vec![pair("ROOT", "/p"), pair("SRC", "/p/src"), pair("H", "/home/u"), pair("U", ".")]
        );
    }

    #[test]
    fn command_substitution_stays_text() {
        let got = vars("A=$(id)\nB=`id`\nC=\"$(touch PWNED)\"\nD='$(id)'");
        assert_eq!(
            got,
            vec![pair("A", "$(id)"), pair("B", "`id`"), pair("C", "$(touch PWNED)"), pair("D", "$(id)")]
        );
    }

    #[test]
    fn bad_lines_are_reported_with_their_number_and_skipped() {
        let file = env("KEY\nGOOD=1\n9BAD=x\nA='open\nB=\"x\nC=${\nD=a b\nE=ok");
        assert_eq!(file.vars, vec![pair("GOOD", "1"), pair("E", "ok")]);
        let lines: Vec<usize> = file.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![1, 3, 4, 5, 6, 7]);
        assert!(file.errors[0].message.contains("expected KEY=VALUE"));
    }

    #[test]
    fn a_nul_byte_is_an_error_on_its_line_issue_18() {
        let file = parse(b"A=1\nB=x\0y\nC='\0'\nD=2\n", |_| None);
        assert_eq!(file.vars, vec![pair("A", "1"), pair("D", "2")]);
        let lines: Vec<usize> = file.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3]);
        assert!(file.errors[0].message.contains("NUL"));
    }

    #[test]
    fn binary_garbage_and_huge_lines_do_not_panic() {
        let mut bytes = vec![0xff, 0xfe, b'\n'];
        bytes.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
        bytes.extend(b"\nOK=1\n");
        let file = parse(&bytes, |_| None);
        assert_eq!(file.vars, vec![pair("OK", "1")]);
        assert_eq!(file.errors.len(), 2);
    }
}
