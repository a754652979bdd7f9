//! Cost, context and rate limits per agent, from the JSON Claude Code gives its `statusLine`
//! command on every update. `cdev claude statusline` is that command: it records them on the pane
//! in one tmux call (and, as server options, the day's total cost and the account's tightest
//! rate-limit window, which the pure-format `#{cdev_usage}` of scripts/agents.sh shows), then
//! runs the user's own statusLine command with the same input and prints what it prints: the
//! user's line is unchanged (without one, a short line of cdev's: model, context use, cost).
//!
//! Claude Code's shapes vary across versions: every field is optional, anything else is ignored.

use crate::tmux::cdev_option::{CONTEXT, COST, COST_BASE, COST_DAY, COST_RAW, COST_TODAY, MODEL, RATE};
use crate::tmux::verbs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context as _, Result};
use serde::Deserialize;
use serde_json::Value;

use crate::tmux::{Tmux, TmuxCommand};

/// The statusLine input is a few kilobytes; anything past this is not read.
const MAX_INPUT: u64 = 1024 * 1024;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Input {
    pub session_id: Option<String>,
    pub cwd: Option<String>,
    pub workspace: Option<Workspace>,
    pub cost: Option<Cost>,
    pub context_window: Option<ContextWindow>,
    pub rate_limits: Option<RateLimits>,
    pub model: Option<Model>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Workspace {
    pub current_dir: Option<String>,
    pub project_dir: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Cost {
    pub total_cost_usd: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ContextWindow {
    pub used_percentage: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RateLimits {
    pub five_hour: Option<Window>,
    pub seven_day: Option<Window>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Window {
    pub used_percentage: Option<f64>,
    /// Unix seconds or RFC 3339, depending on the version.
    pub resets_at: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Model {
    pub id: Option<String>,
    pub display_name: Option<String>,
}

/// Parses the statusLine input; `None` for anything that is not a JSON object of that shape.
pub fn parse(bytes: &[u8]) -> Option<Input> {
    serde_json::from_slice(bytes).ok()
}

/// Reads stdin as Claude Code sends it, bounded.
pub fn read_input(input: impl Read) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    input.take(MAX_INPUT).read_to_end(&mut bytes).context("could not read the statusLine input")?;
    Ok(bytes)
}

/// A percentage as a whole number in 0..=100, when it is one.
fn percent(value: Option<f64>) -> Option<u32> {
    value.filter(|v| v.is_finite() && (0.0..=1000.0).contains(v)).map(|v| v.round().min(100.0) as u32)
}

/// A cost as tmux's float arithmetic reads it: plain digits and a point, four decimals.
fn dollars(value: Option<f64>) -> Option<String> {
    value.filter(|v| v.is_finite() && (0.0..1e9).contains(v)).map(|v| format!("{v:.4}"))
}

/// Text from Claude Code made fit for an option shown in a status line: no control characters,
/// at most 48 characters.
pub fn label(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(48).collect()
}

/// The tightest of the account's windows: `5h 42%`, with when it resets if Claude Code said.
fn tightest(limits: &RateLimits) -> Option<String> {
    let windows = [("5h", &limits.five_hour), ("7d", &limits.seven_day)];
    windows
        .iter()
        .filter_map(|(name, w)| Some((*name, percent(w.as_ref()?.used_percentage)?)))
        .max_by_key(|(_, used)| *used)
        .map(|(name, used)| format!("{name} {used}%"))
}

/// The tmux commands that record `input` on `pane` (`%N`) on day `day` (`2026-12-01`), as one
/// chain. The day's total grows by what the pane's Claude spent since its last update (all of
/// it, when its counter went back: a new process); the pane's own total keeps what earlier
/// processes of its agent cost, so a resumed or restored agent keeps its total.
pub fn commands(pane: &str, day: &str, input: &Input) -> Vec<TmuxCommand> {
    let mut chain = Vec::new();
    let pane_option = |name: &str, value: &str| verbs::set_pane_option(pane, name, value);
    let pane_format = |name: &str, format: &str| verbs::set_pane_option_format(pane, name, format);
    if let Some(new) = dollars(input.cost.as_ref().and_then(|c| c.total_cost_usd)) {
        // Only digits, a point and dashes go into these formats and commands.
        let went_back = format!("#{{e|<|f|0:{new},#{{{COST_RAW}}}}}");
        chain.push(
            TmuxCommand::new("if-shell")
                .flag("-F")
                .value("-t", pane)
                .arg(&format!("#{{!=:#{{{COST_DAY}}},{day}}}"))
                .arg(&format!("set-option -g {COST_TODAY} 0 ; set-option -g {COST_DAY} {day}")),
        );
        chain.push(
            TmuxCommand::new("set-option").flag("-g").flag("-F").value("-t", pane).arg(COST_TODAY).arg(
                &format!(
                "#{{e|+|f|4:#{{{COST_TODAY}}},#{{?{went_back},{new},#{{e|-|f|4:{new},#{{{COST_RAW}}}}}}}}}"
            ),
            ),
        );
        chain.push(pane_format(
            COST_BASE,
            &format!("#{{e|+|f|4:#{{{COST_BASE}}},#{{?{went_back},#{{e|+|f|4:#{{{COST_RAW}}},0}},0}}}}"),
        ));
        chain.push(pane_option(COST_RAW, &new));
        chain.push(pane_format(COST, &format!("#{{e|+|f|4:#{{{COST_BASE}}},{new}}}")));
    }
    if let Some(used) = percent(input.context_window.as_ref().and_then(|c| c.used_percentage)) {
        chain.push(pane_option(CONTEXT, &used.to_string()));
    }
    let model = input.model.as_ref().and_then(|m| m.display_name.as_deref().or(m.id.as_deref()));
    if let Some(model) = model.map(label).filter(|m| !m.is_empty()) {
        chain.push(pane_option(MODEL, &model));
    }
    if let Some(rate) = input.rate_limits.as_ref().and_then(tightest) {
        chain.push(verbs::set_global_option(RATE, &rate));
    }
    chain
}

/// The user's own statusLine command, for the cwd Claude runs in: a `--then` cdev was given
/// (what `install-hooks` chained), else the nearest settings file's (`.claude/settings.local.json`,
/// `.claude/settings.json` of the project, then the user's), skipping cdev's own entry there
/// (whose `--then` is then the user's).
pub fn user_command(then: Option<&str>, user_settings: &Path, project: Option<&Path>) -> Option<String> {
    if let Some(command) = then.filter(|c| !c.trim().is_empty()) {
        return Some(command.to_string());
    }
    let mut files: Vec<PathBuf> = Vec::new();
    if let Some(project) = project {
        files.extend(super::claude::project_settings(project));
    }
    files.push(user_settings.to_path_buf());
    files.into_iter().find_map(|file| {
        let text = crate::bounded::read(&file, crate::bounded::limit::MANIFEST).ok()?;
        let root: Value = serde_json::from_slice(&text).ok()?;
        let command = root.get("statusLine")?.get("command")?.as_str()?;
        match chained(command) {
            Chained::Cdev(then) => then,
            Chained::Other => Some(command.to_string()),
        }
    })
}

/// What a statusLine command is to cdev.
#[derive(Debug, PartialEq, Eq)]
pub enum Chained {
    /// cdev's own, with the user's command it chains (`--then CMD`), if any.
    Cdev(Option<String>),
    Other,
}

pub fn chained(command: &str) -> Chained {
    let Ok(words) = shell_words::split(command) else { return Chained::Other };
    let is_cdev = words.first().is_some_and(|w| w.ends_with("cdev"))
        && words.get(1).map(String::as_str) == Some("claude")
        && words.get(2).map(String::as_str) == Some("statusline");
    if !is_cdev {
        return Chained::Other;
    }
    let then = words.iter().position(|w| w == "--then").and_then(|i| words.get(i + 1)).cloned();
    Chained::Cdev(then)
}

/// The statusLine command of cdev, chaining `then` when the user had one.
pub fn statusline_command(cdev: &Path, then: Option<&str>) -> String {
    let mut command = format!("{} claude statusline", shell_words::quote(&cdev.to_string_lossy()));
    if let Some(then) = then {
        command.push_str(" --then ");
        command.push_str(&shell_words::quote(then));
    }
    command
}

/// Runs the user's statusLine command as Claude Code would (through `sh -c`, the input on
/// stdin) while `record` runs, and returns what it printed. The user configured this command to
/// run: it is the one shell command cdev runs on their behalf here.
pub fn run_user_command(command: &str, input: &[u8], record: impl FnOnce()) -> Result<Vec<u8>> {
    #[allow(clippy::disallowed_methods)]
    let mut child = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("could not run the statusLine command {command:?}"))?;
    let mut stdin = child.stdin.take().ok_or_else(|| anyhow!("no stdin for the statusLine command"))?;
    // A command that does not read its input must not block us: write on a thread of its own.
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    record();
    let output = child.wait_with_output().context("could not wait for the statusLine command")?;
    let _ = writer.join();
    Ok(output.stdout)
}

/// The line shown when the user has no statusLine of their own: the model, how full the context
/// window is and what the conversation cost (what cdev records), e.g. `Opus · ctx 42% · $0.12`.
pub fn default_line(input: &Input) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(model) = input.model.as_ref().and_then(|m| m.display_name.as_deref().or(m.id.as_deref())) {
        parts.push(label(model));
    }
    if let Some(used) = percent(input.context_window.as_ref().and_then(|c| c.used_percentage)) {
        parts.push(format!("ctx {used}%"));
    }
    if let Some(cost) =
        input.cost.as_ref().and_then(|c| c.total_cost_usd).filter(|c| c.is_finite() && *c >= 0.0)
    {
        parts.push(format!("${cost:.2}"));
    }
    parts.join(" · ")
}

/// Records `input` on `pane`: one tmux call.
pub fn record(tmux: &Tmux, pane: &str, input: &Input, day: &str) -> Result<()> {
    if !(pane.len() > 1 && pane.starts_with('%') && pane[1..].bytes().all(|b| b.is_ascii_digit())) {
        return Err(anyhow!("TMUX_PANE {pane:?} is not a pane id"));
    }
    let chain = commands(pane, day, input);
    if chain.is_empty() {
        return Ok(());
    }
    tmux.run_chain(&chain).map(drop).context("could not record the agent's usage")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_version_s_shape_is_read_and_nonsense_ignored() {
        let full = br#"{"session_id":"x","cost":{"total_cost_usd":0.01234},"context_window":{"used_percentage":41.6},
            "rate_limits":{"five_hour":{"used_percentage":12,"resets_at":1767225600},"seven_day":{"used_percentage":55.2}},
            "model":{"id":"claude-opus","display_name":"Opus\u001b[31m"},"extra":{"anything":[1,2]}}"#;
        let input = parse(full).unwrap();
        let argv: Vec<String> =
            commands("%7", "2026-12-01", &input).iter().map(|c| c.args().join(" ")).collect();
        assert!(argv.iter().any(|a| a == &format!("set-option -p -t %7 {COST_RAW} 0.0123")), "{argv:#?}");
        assert!(argv.iter().any(|a| a == &format!("set-option -p -t %7 {CONTEXT} 42")), "{argv:#?}");
        assert!(argv.iter().any(|a| a == &format!("set-option -p -t %7 {MODEL} Opus[31m")), "{argv:#?}");
        assert!(argv.iter().any(|a| a == &format!("set-option -g {RATE} 7d 55%")), "{argv:#?}");
        // An older version: no rate limits, no context; a cost that is not a number.
        let old = parse(br#"{"cost":{"total_cost_usd":"lots"}}"#);
        assert!(old.is_none() || commands("%7", "2026-12-01", &old.unwrap()).is_empty());
        let empty = parse(b"{}").unwrap();
        assert!(commands("%7", "2026-12-01", &empty).is_empty());
        assert!(parse(b"[1]").is_none() && parse(b"not json").is_none());
        let silly =
            parse(br#"{"cost":{"total_cost_usd":-3},"context_window":{"used_percentage":1e300}}"#).unwrap();
        assert!(commands("%7", "2026-12-01", &silly).is_empty());
    }

    #[test]
    fn the_users_command_is_found_and_cdevs_own_entry_unwrapped() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("settings.json");
        assert_eq!(user_command(None, &user, None), None);
        std::fs::write(&user, r#"{"statusLine":{"type":"command","command":"~/bin/line.sh"}}"#).unwrap();
        assert_eq!(user_command(None, &user, None).as_deref(), Some("~/bin/line.sh"));
        assert_eq!(user_command(Some("mine"), &user, None).as_deref(), Some("mine"));
        let chained = statusline_command(Path::new("/opt/my tools/cdev"), Some("printf '%s' hi"));
        assert_eq!(super::chained(&chained), Chained::Cdev(Some("printf '%s' hi".into())));
        let text = serde_json::json!({"statusLine": {"type": "command", "command": chained}}).to_string();
        std::fs::write(&user, text).unwrap();
        assert_eq!(user_command(None, &user, None).as_deref(), Some("printf '%s' hi"));
        let project = dir.path().join("p");
        std::fs::create_dir_all(project.join(".claude")).unwrap();
        std::fs::write(project.join(".claude/settings.json"), r#"{"statusLine":{"command":"proj"}}"#)
            .unwrap();
        assert_eq!(user_command(None, &user, Some(&project)).as_deref(), Some("proj"));
        assert_eq!(super::chained("/usr/bin/cdev claude statusline"), Chained::Cdev(None));
        assert_eq!(super::chained("notcdev claude hook"), Chained::Other);
    }
}
