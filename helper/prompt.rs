//! Questions on the terminal. Without one (scripts, CI) every answer is no: nothing destructive
//! happens unless a flag such as `--yes` says so.

use std::io::{IsTerminal, Write};

use anyhow::Result;

/// The line the user typed after `question`, or `None` without a terminal.
pub fn ask(question: &str) -> Result<Option<String>> {
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    eprint!("{question}");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(Some(answer.trim().to_string()))
}

/// A yes/no question; only `y` or `yes` is yes.
pub fn confirm(question: &str) -> Result<bool> {
    Ok(ask(question)?.is_some_and(|a| matches!(a.as_str(), "y" | "Y" | "yes")))
}

/// A typed confirmation: the user writes `phrase` exactly.
pub fn confirm_typed(phrase: &str) -> Result<bool> {
    Ok(ask(&format!("Type \"{phrase}\" to go on: "))?.is_some_and(|a| a == phrase))
}
