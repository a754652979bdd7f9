//! `cdev switch --popup WxH --client C`: the picker in a tmux popup on a client (prefix + T).

use anyhow::{anyhow, Context as _, Result};

use crate::context::Context;
use crate::input_error::InputError;
use crate::tmux::TmuxCommand;

/// `cdev switch --popup WxH --client C`: the picker in a popup on client C. tmux does not expand
/// formats in display-popup's command (by design), so prefix + T cannot hand #{client_name} to the
/// picker in the popup itself: run-shell expands it into this call, which writes it into the
/// popup's argv-quoted command line.
pub fn open(context: &Context, client: Option<String>, size: &str) -> Result<()> {
    let client = client.context("could not open the picker: --popup needs --client")?;
    let (width, height) = popup_size(size)?;
    let exe = std::env::current_exe().context("could not open the picker: cannot find cdev's own path")?;
    let command = [exe.to_string_lossy().into_owned(), "switch".into(), "--client".into(), client.clone()];
    let popup = TmuxCommand::new("display-popup")
        .value("-c", &client)
        .flag("-E")
        .value("-w", width)
        .value("-h", height)
        .value("-T", " cdev ")
        // tmux waits for the popup and exits with the picker's status (130 after Esc): the
        // picker says its own errors, so `|| true` keeps them from reaching run-shell too.
        .arg(&format!("{} || true", shell_words::join(&command)));
    context.tmux()?.run(popup).map(drop).context("could not open the picker")
}

/// "80%x60%" → ("80%", "60%"): each side a number of cells or a percentage.
fn popup_size(size: &str) -> Result<(&str, &str)> {
    let valid = |side: &str| {
        let digits = side.strip_suffix('%').unwrap_or(side);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    };
    match size.split_once('x') {
        Some((width, height)) if valid(width) && valid(height) => Ok((width, height)),
        _ => Err(anyhow!(InputError::new(
            format!("--popup {size}"),
            "expected WIDTHxHEIGHT in cells or percent, such as 80%x60%"
        ))
        .context("could not open the picker")),
    }
}
