//! One tmux command as argv, built so that no value can change what tmux runs.
//!
//! tmux parses its argv further than a plain exec would: an argument ending in `;` ends the
//! command (the rest of argv becomes a new command), and the values of some flags (`-c`, `-s`,
//! `-n`, …) are expanded as formats, so `#(…)` in a directory name would run a shell command.
//! [`TmuxCommand`] escapes both, so callers pass names and paths as they are.

/// A tmux command and its arguments, ready to be joined into one tmux client's argv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TmuxCommand {
    args: Vec<String>,
    positional_started: bool,
}

impl TmuxCommand {
    pub fn new(name: &str) -> Self {
        TmuxCommand { args: vec![name.to_string()], positional_started: false }
    }

    /// A flag without a value, such as `-d`.
    pub fn flag(mut self, flag: &str) -> Self {
        self.args.push(flag.to_string());
        self
    }

    /// A flag whose value tmux takes literally (targets, option names, environment values).
    pub fn value(mut self, flag: &str, value: &str) -> Self {
        self.args.push(flag.to_string());
        self.args.push(escape_separator(value));
        self
    }

    /// A flag whose value tmux expands as a format (`new-session -s/-c`, `new-window -n/-c`,
    /// `split-window -c`, …): `#` is doubled so the value arrives exactly as given.
    pub fn literal(mut self, flag: &str, value: &str) -> Self {
        self.args.push(flag.to_string());
        self.args.push(escape_separator(&escape_format(value)));
        self
    }

    /// A format string (`-F`): `#{…}` is meant to be expanded, so it is not escaped.
    pub fn format(self, flag: &str, format: &str) -> Self {
        self.value(flag, format)
    }

    /// A positional argument. The first one is preceded by `--` when it starts with `-`, so a
    /// value such as `-rf` can never be read as flags.
    pub fn arg(mut self, value: &str) -> Self {
        if !self.positional_started && value.starts_with('-') {
            self.args.push("--".to_string());
        }
        self.positional_started = true;
        self.args.push(escape_separator(value));
        self
    }

    pub fn args(&self) -> &[String] {
        &self.args
    }
}

/// Doubles `#` so a value given to a format-expanded flag is taken literally.
pub fn escape_format(value: &str) -> String {
    value.replace('#', "##")
}

/// tmux reads an argument ending in `;` as the end of a command; `\;` at the end is a literal `;`.
fn escape_separator(value: &str) -> String {
    match value.strip_suffix(';') {
        Some(head) => format!("{head}\\;"),
        None => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_semicolon_is_escaped_in_every_kind_of_value() {
        let cmd = TmuxCommand::new("new-session").value("-t", "a;").literal("-c", "/x;").arg("b;");
        assert_eq!(cmd.args(), ["new-session", "-t", "a\\;", "-c", "/x\\;", "b\\;"]);
    }

    #[test]
    fn backslash_before_trailing_semicolon_survives() {
        // tmux turns `a\\;` into `a\;`: the user's backslash is kept.
        assert_eq!(escape_separator("a\\;"), "a\\\\;");
        assert_eq!(escape_separator("a;b"), "a;b");
    }

    #[test]
    fn literal_values_double_hashes_but_formats_do_not() {
        let cmd =
            TmuxCommand::new("new-session").literal("-c", "/p/#(touch x)").format("-F", "#{session_name}");
        assert_eq!(cmd.args()[2], "/p/##(touch x)");
        assert_eq!(cmd.args()[4], "#{session_name}");
    }

    #[test]
    fn a_leading_dash_positional_is_guarded_once() {
        let cmd = TmuxCommand::new("send-keys").value("-t", "%1").arg("-rf").arg("-x");
        assert_eq!(cmd.args(), ["send-keys", "-t", "%1", "--", "-rf", "-x"]);
    }
}
