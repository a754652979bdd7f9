//! Names and paths in a template's commands stay text, whatever the user's shell (sh, bash, zsh,
//! fish) and whatever quotes the template's author put around them: a value is never spliced
//! into the command. `{{project}}` becomes a reference to a variable (`"$CDEV_PROJECT"`) that
//! the pane's wrapper sets ([`PANE_WRAPPER`]), written for the quoting context
//! it stands in, so the shell expands it once and never parses the value. Inside single quotes
//! no variable expands: such a template is refused with a clear error.

/// The placeholders that are values (names, paths, ids), and the variable each becomes; the
/// wrapper passes them in this order.
pub const VALUES: &[(&str, &str)] = &[
    ("project", "CDEV_PROJECT"),
    ("project_root", "CDEV_PROJECT_ROOT"),
    ("session", "CDEV_SESSION"),
    ("worktree", "CDEV_WORKTREE"),
    ("claude_session", "CDEV_CLAUDE_SESSION"),
    ("claude_settings", "CDEV_CLAUDE_SETTINGS"),
];

/// A pane's command is started by tmux itself, not typed into a shell, so a slow shell start
/// cannot race it: `/bin/sh` runs it with the user's shell (`"$SHELL" -c`, so the shell's syntax
/// applies; the environment is the tmux server's), then `exec`s an interactive shell in the same
/// process, so the pane stays usable, with job control, after the command exits or when it is not
/// found (its error stays on screen). `trap` keeps Ctrl-C on the command from closing the pane
/// (the command itself gets the default SIGINT back on exec). An interactive `-ic` was tried
/// first: it takes the terminal's foreground, and the shell exec'd after it loses job control.
/// `set -m` runs the command as its own job in the foreground, so tmux names the pane after it
/// (not "sh") and the shell takes the terminal back when it ends. `$0` is the user's shell, `$1`
/// the command, `$2`… the values it refers to as `$CDEV_*`, in [`VALUES`] order: set for the
/// command only, so names and paths reach it as values, never as shell text.
pub const PANE_WRAPPER: &str =
    "set -m; trap : INT; CDEV_PROJECT=\"$2\" CDEV_PROJECT_ROOT=\"$3\" CDEV_SESSION=\"$4\" \
CDEV_WORKTREE=\"$5\" CDEV_CLAUDE_SESSION=\"$6\" CDEV_CLAUDE_SETTINGS=\"$7\" \"$0\" -c \"$1\"; exec \"$0\"";

/// The wrapper's values, in [`VALUES`] order, from (placeholder, value) pairs ("" for the rest).
pub fn ordered(pairs: &[(&str, &str)]) -> Vec<String> {
    VALUES
        .iter()
        .map(|(name, _)| pairs.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v).to_string())
        .collect()
}

/// The quoting rules of the shell that runs the command (fish escapes inside single quotes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Posix,
    Fish,
}

impl Dialect {
    /// The dialect of the shell at `path` (`$SHELL`).
    pub fn of(shell: &str) -> Dialect {
        match shell.rsplit('/').next() {
            Some("fish") => Dialect::Fish,
            _ => Dialect::Posix,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
}

/// `text` with every value placeholder replaced by its variable, written for where it stands;
/// other `{{…}}` are left as they are. The error names the placeholder that cannot be made safe.
pub fn refer(text: &str, dialect: Dialect) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut quote = Quote::None;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some((name, variable, len)) = value_at(rest) {
            match quote {
                Quote::None => out.push_str(&format!("\"${variable}\"")),
                // Closing and reopening the quotes ends the name, whatever follows (`_dev`, `[1]`).
                Quote::Double => out.push_str(&format!("${variable}\"\"")),
                Quote::Single => {
                    return Err(format!(
                        "{{{{{name}}}}} is inside single quotes, where no shell can keep a name with a quote in it \
                         as text: write it unquoted or in double quotes"
                    ))
                }
            }
            rest = &rest[len..];
            continue;
        }
        let len = c.len_utf8();
        if c == '\\' {
            // An escaped character is taken as it is: everywhere but in single quotes, and there
            // too in fish (`\'` and `\\`).
            let next = rest[1..].chars().next();
            let escaped = match quote {
                Quote::None | Quote::Double => next,
                Quote::Single => next.filter(|n| dialect == Dialect::Fish && matches!(n, '\'' | '\\')),
            };
            if let Some(next) = escaped {
                out.push('\\');
                out.push(next);
                rest = &rest[1 + next.len_utf8()..];
                continue;
            }
        }
        match (quote, c) {
            (Quote::None, '\'') => quote = Quote::Single,
            (Quote::None, '"') => quote = Quote::Double,
            (Quote::Single, '\'') | (Quote::Double, '"') => quote = Quote::None,
            _ => {}
        }
        out.push(c);
        rest = &rest[len..];
    }
    Ok(out)
}

/// The value placeholder `{{name}}` (spaces allowed inside) at the start of `text`: its name,
/// its variable and its length.
fn value_at(text: &str) -> Option<(&'static str, &'static str, usize)> {
    let inner = text.strip_prefix("{{")?;
    let end = inner.find("}}")?;
    let name = inner[..end].trim();
    let (name, variable) = VALUES.iter().find(|(n, _)| *n == name)?;
    Some((name, variable, end + 4))
}

/// `command` (written by [`refer`]) with each variable replaced by its value, quoted for a POSIX
/// shell: the command a pane runs, as a snapshot records it.
pub fn expand(command: &str, values: &[String]) -> String {
    let mut out = command.to_string();
    for ((_, variable), value) in VALUES.iter().zip(values) {
        out = out.replace(&format!("\"${variable}\""), &shell_words::quote(value));
        let escaped: String = value
            .chars()
            .flat_map(|c| match c {
                '"' | '\\' | '$' | '`' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        out = out.replace(&format!("${variable}\"\""), &format!("{escaped}\"\""));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wrapper_sets_every_value_from_its_place_in_values() {
        for (i, (_, variable)) in VALUES.iter().enumerate() {
            let set = format!("{variable}=\"${}\"", i + 2);
            assert!(PANE_WRAPPER.contains(&set), "the wrapper does not set {set}");
        }
    }

    #[test]
    fn values_become_variables_for_their_quoting_context_issue_18() {
        let posix = Dialect::Posix;
        assert_eq!(refer("cd {{project_root}} && ls", posix).unwrap(), "cd \"$CDEV_PROJECT_ROOT\" && ls");
        assert_eq!(refer("echo \"in {{project}}_dev\"", posix).unwrap(), "echo \"in $CDEV_PROJECT\"\"_dev\"");
        assert_eq!(refer("x --id={{ claude_session }}", posix).unwrap(), "x --id=\"$CDEV_CLAUDE_SESSION\"");
        assert_eq!(refer("echo {{editor}}", posix).unwrap(), "echo {{editor}}");
        assert_eq!(refer("echo \\\"{{project}}", posix).unwrap(), "echo \\\"\"$CDEV_PROJECT\"");
        assert!(refer("echo '{{project}}'", posix).unwrap_err().contains("inside single quotes"));
        assert!(refer("echo 'a' \"'\" '{{project}}'", posix).is_err());
        assert_eq!(refer("echo 'it''s' {{project}}", posix).unwrap(), "echo 'it''s' \"$CDEV_PROJECT\"");
        // fish: `\'` inside single quotes does not end them.
        assert!(refer("echo 'a\\' {{project}}'", Dialect::Fish).is_err());
        assert_eq!(refer("echo 'a\\' {{project}}", posix).unwrap(), "echo 'a\\' \"$CDEV_PROJECT\"");
        assert_eq!(Dialect::of("/usr/bin/fish"), Dialect::Fish);
    }

    #[test]
    fn a_recorded_command_gets_its_values_back() {
        let values: Vec<String> =
            ["my $(x) app", "/p/a'b", "", "", "", ""].iter().map(|s| s.to_string()).collect();
        let command = refer("vim {{project_root}} \"{{project}}\"", Dialect::Posix).unwrap();
        let expanded = expand(&command, &values);
        assert_eq!(shell_words::split(&expanded).unwrap(), ["vim", "/p/a'b", "my $(x) app"]);
    }
}
