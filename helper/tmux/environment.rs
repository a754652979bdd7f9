//! Session environments to and from tmux, whatever their size and whatever their values hold.
//! tmux refuses a client whose arguments pass 16 KiB: a large environment is set one variable
//! per command (the gateway spreads them over as many calls as fit), and a value too long for
//! one command is built up in a scratch option and copied in (`set-environment -F`, which puts
//! the option's value in as it is). Read back with `show-environment -s`, whose quoting keeps a
//! value holding a newline whole (plain `show-environment` cannot tell its lines from variables).

use super::TmuxCommand;
use crate::tmux::cdev_option::ENV_PIECE;

/// The most of an environment given inline (`new-session -e`); more is set with [`set`].
const INLINE_MAX: usize = 8 * 1024;
/// A value longer than this is set in pieces of this size.
const PIECE: usize = 8 * 1024;

/// Whether `vars` fit in one `new-session` as `-e` flags.
pub fn fits_inline<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> bool {
    vars.into_iter().map(|(k, v)| k.len() + v.len() + 4).sum::<usize>() <= INLINE_MAX
}

/// The commands that set `vars` in the session `session` (a target), each command well under
/// tmux's limit; `None` removes the variable from the session (`-r`).
pub fn set<'a>(
    session: &str,
    vars: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> Vec<TmuxCommand> {
    let mut chain = Vec::new();
    let base = || TmuxCommand::new("set-environment").value("-t", session);
    for (key, value) in vars {
        match value {
            None => chain.push(base().flag("-r").arg(key)),
            Some(value) if value.len() <= PIECE => chain.push(base().arg(key).arg(value)),
            Some(value) => {
                let option = |append: bool| {
                    let command = TmuxCommand::new("set-option").value("-t", session);
                    if append {
                        command.flag("-a")
                    } else {
                        command
                    }
                };
                for (n, piece) in pieces(value).enumerate() {
                    chain.push(option(n > 0).arg(ENV_PIECE).arg(piece));
                }
                chain.push(base().flag("-F").arg(key).arg(&format!("#{{{ENV_PIECE}}}")));
                chain.push(TmuxCommand::new("set-option").flag("-u").value("-t", session).arg(ENV_PIECE));
            }
        }
    }
    chain
}

/// `value` in pieces of at most [`PIECE`] bytes, cut between characters.
fn pieces(value: &str) -> impl Iterator<Item = &str> {
    let mut rest = value;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut end = rest.len().min(PIECE);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(piece)
    })
}

/// The environment of `session` (a session target), in the quoting [`parse_shell`] reads
/// (`show-environment -s`: a value holding a newline stays whole).
pub fn show(session: &str) -> TmuxCommand {
    TmuxCommand::new("show-environment").flag("-s").value("-t", session)
}

/// `show-environment -s` output: `NAME="value"; export NAME;` (the value with `\`, `"`, `$` and
/// `` ` `` escaped, newlines kept) and `unset NAME;` for a removed variable. Anything else is
/// skipped.
pub fn parse_shell(text: &str) -> Vec<(String, Option<String>)> {
    let mut vars = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(['\n', '\r']);
        if rest.is_empty() {
            break;
        }
        let line_end = rest.find('\n').unwrap_or(rest.len());
        let line = &rest[..line_end];
        let skip_line = |rest: &mut &str| *rest = rest.get(line_end + 1..).unwrap_or("");
        let unset = line.strip_prefix("unset ").and_then(|l| l.strip_suffix(';'));
        if let Some(name) = unset.filter(|n| crate::envfile::is_valid_key(n)) {
            vars.push((name.to_string(), None));
            skip_line(&mut rest);
            continue;
        }
        let Some((name, _)) = line.split_once("=\"").filter(|(n, _)| crate::envfile::is_valid_key(n)) else {
            skip_line(&mut rest);
            continue;
        };
        // The value runs to its closing quote, across lines.
        let after = &rest[name.len() + 2..];
        let mut value = String::new();
        let mut chars = after.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => value.extend(chars.next().map(|(_, c)| c)),
                '"' => {
                    end = Some(i + 1);
                    break;
                }
                c => value.push(c),
            }
        }
        let Some(end) = end else { break };
        vars.push((name.to_string(), Some(value)));
        let tail = &after[end..];
        rest = tail.find('\n').map_or("", |n| &tail[n + 1..]);
    }
    vars
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_with_newlines_and_quotes_come_back_whole_issue_18() {
        let text =
            "unset DISPLAY;\nMULTI=\"line1\nEVIL=x\\\"q\\$\\`\\\\\"; export MULTI;\nA=\"1\"; export A;\n";
        assert_eq!(
            parse_shell(text),
            vec![
                ("DISPLAY".into(), None),
                ("MULTI".into(), Some("line1\nEVIL=x\"q$`\\".into())),
                ("A".into(), Some("1".into())),
            ]
        );
    }

    #[test]
    fn an_unset_line_names_only_a_valid_variable() {
        // Found by the fuzzer: the text between `unset ` and `;` was taken whole as a name.
        let text = "unset DIS\\\"; export MULTI;\nA=\"1\"; export A;\n";
        assert_eq!(parse_shell(text), vec![("A".into(), Some("1".into()))]);
    }

    #[test]
    fn long_values_are_set_in_pieces_that_fit_a_command_issue_18() {
        let long = "é".repeat(20_000);
        let chain = set("=s:", [("BIG", Some(long.as_str())), ("GONE", None)]);
        assert!(chain.iter().all(|c| c.args().iter().map(String::len).sum::<usize>() < 9 * 1024));
        let pieces: String = chain
            .iter()
            .filter(|c| c.args()[0] == "set-option" && c.args().contains(&ENV_PIECE.to_string()))
            .filter_map(|c| c.args().last().filter(|a| *a != ENV_PIECE).cloned())
            .collect();
        assert_eq!(pieces, long);
        assert_eq!(chain.last().unwrap().args(), ["set-environment", "-t", "=s:", "-r", "GONE"]);
        assert!(fits_inline([("A", "1")]) && !fits_inline([("A", long.as_str())]));
    }
}
