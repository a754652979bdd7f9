//! `cdev doctor`: what stands between the user and a working cdev, each finding with the exact
//! fix. tmux and the helper, tmux-resurrect and tmux-continuum (continuum's autosave lives in
//! `status-right`, so a theme that rewrites it silently turns autosave off), cdev's status
//! segments, Claude Code's hooks, the projects dirs. Exit status 3 when something needs a look.

use crate::tmux::cdev_option;
use crate::tmux::verbs;
use std::io::Write;

use anyhow::Result;
use clap::Args;

use super::Context;
use crate::autosave;
use crate::exit::SilentExit;
use crate::tmux::version::MINIMUM;
use crate::tmux::TmuxCommand;

/// Check the set-up: tmux, the plugin and helper, tmux-resurrect and tmux-continuum (autosave
/// really on), the status segments, Claude Code's hooks, projects dirs; each finding with its
/// fix. Exit status 3 when something needs a look.
#[derive(Debug, Args)]
pub struct DoctorArgs {}

struct Finding {
    ok: bool,
    what: String,
    /// What to do about it (only for findings that are not ok).
    fix: Option<String>,
}

pub fn run(context: &Context, _args: DoctorArgs) -> Result<()> {
    let mut findings = Vec::new();
    let mut add = |ok: bool, what: String, fix: Option<String>| findings.push(Finding { ok, what, fix });
    let tmux = context.tmux()?;
    match tmux.version() {
        Ok(version) => add(
            version >= MINIMUM,
            format!("tmux {version}"),
            (version < MINIMUM).then(|| "install tmux 3.2 or newer".to_string()),
        ),
        Err(err) => add(false, format!("tmux: {err:#}"), Some("install tmux 3.2 or newer".into())),
    }
    let options = match tmux.options() {
        Ok(options) => options,
        Err(_) => {
            add(
                false,
                "no tmux server runs".into(),
                Some("start tmux, then run cdev doctor inside it".into()),
            );
            return report(findings);
        }
    };
    let option = |name: &str| options.get(name).unwrap_or_default().to_string();

    let build = option("@cdev-build-status");
    let version = env!("CARGO_PKG_VERSION");
    match build.as_str() {
        "" => add(false, "the cdev plugin is not loaded in this server".into(), Some(
            "add `set -g @plugin '…/cdev'` before TPM's `run` line in ~/.tmux.conf, then prefix + I".into(),
        )),
        "ok" | "built" | "downloaded" => {
            add(true, format!("plugin loaded; helper {version} at {}", option("@cdev-bin-path")), None)
        }
        "downloading" | "building" => add(false, option("@cdev-build-message"), Some(
            "wait for the \"ready\" message (the log is in the plugin's bin/install.log)".into(),
        )),
        other => add(false, format!("plugin build status: {other} ({})", option("@cdev-build-message")), Some(
            "run `cargo build --release --locked` in the plugin directory, then `tmux source ~/.tmux.conf`".into(),
        )),
    }

    // Which status line holds what.
    let status_line = format!("{} {}", option("status-left"), option("status-right"));
    let agents_shown =
        status_line.contains(cdev_option::AGENT_STATE) || status_line.contains("cdev\" status");
    add(
        agents_shown,
        if agents_shown {
            "agents are in the status line".into()
        } else {
            "no agent segment in the status line".into()
        },
        (!agents_shown).then(|| {
            "put #{cdev_agents} or #{cdev_status} in status-right, and load cdev after any theme".to_string()
        }),
    );
    if status_line.contains("#{cdev_") {
        add(
            false,
            "a #{cdev_…} placeholder was never replaced".into(),
            Some(
                "a theme set status-left/right after cdev loaded: put cdev's @plugin line after the theme's"
                    .into(),
            ),
        );
    }

    let keys = tmux.run(TmuxCommand::new("list-keys")).unwrap_or_default();
    let resurrect = keys.contains("resurrect/scripts/save.sh") || !option("@resurrect-dir").is_empty();
    if resurrect {
        let hooks: Vec<&str> = ["post-save-layout", "post-save-all", "pre-restore-all", "post-restore-all"]
            .into_iter()
            .filter(|kind| !option(&format!("@resurrect-hook-{kind}")).contains(&format!("resurrect {kind}")))
            .collect();
        add(
            hooks.is_empty(),
            if hooks.is_empty() {
                "tmux-resurrect: cdev's hooks registered (sidecar, empty-save guard, resume)".into()
            } else {
                format!("tmux-resurrect: cdev's hooks missing: {}", hooks.join(", "))
            },
            (!hooks.is_empty()).then(|| "reload the plugins: `tmux source ~/.tmux.conf`".to_string()),
        );
        let dir = option("@resurrect-dir");
        if dir.contains(char::is_whitespace) {
            add(false, format!("@resurrect-dir {dir:?} holds a space: resurrect's restore.sh reads it unquoted and fails"), Some(
                "set @resurrect-dir to a path without spaces".into(),
            ));
        }
    } else {
        add(
            true,
            "tmux-resurrect is not installed (not needed for cdev's sessions: see autosave)".into(),
            None,
        );
    }
    // Installed, not merely configured: cdev.tmux sets continuum's options itself
    // (@cdev-resurrect-defaults), so they say nothing about whether continuum is there.
    let continuum =
        option("status-right").contains("continuum_save.sh") || plugin_installed(context, "tmux-continuum");
    if continuum {
        let autosave = option("status-right").contains("continuum_save.sh");
        add(
            autosave,
            if autosave {
                "tmux-continuum autosaves (its job is in status-right)".into()
            } else {
                "tmux-continuum does not autosave: its job is missing from status-right".into()
            },
            (!autosave).then(|| {
                "a theme overwrote status-right after continuum loaded: list continuum's @plugin line after the theme's"
                    .to_string()
            }),
        );
    }

    let config = context.file_config()?.with_tmux_options(&options, &context.paths)?;
    autosave_findings(context, &tmux, &options, &config, &mut add);

    let settings = context.claude_settings_path();
    let hooks_ok = std::fs::read_to_string(&settings).is_ok_and(|text| text.contains("claude hook"));
    add(
        hooks_ok,
        format!("Claude Code hooks for cdev's panes: {}", context.paths.display(&settings)),
        (!hooks_ok)
            .then(|| "run `cdev new` once (it writes them), or `cdev claude install-hooks`".to_string()),
    );

    for dir in &config.projects_dirs.value {
        let exists = dir.is_dir();
        add(
            exists,
            format!("projects dir {}", context.paths.display(dir)),
            (!exists).then(|| {
                format!("mkdir -p {}, or set projects_dirs in config.toml", context.paths.display(dir))
            }),
        );
    }
    if let Ok(log) = std::fs::read_to_string(context.paths.state_dir.join("resurrect.log")) {
        if let Some(last) = log.lines().last() {
            add(true, format!("last resurrect note: {last}"), None);
        }
    }
    report(findings)
}

/// What cdev's own autosave does on this server, and which of cdev's sessions a crash would lose
/// now (those with no snapshot yet).
fn autosave_findings(
    context: &Context,
    tmux: &crate::tmux::Tmux,
    options: &crate::tmux::TmuxOptions,
    config: &crate::config::Config,
    add: &mut impl FnMut(bool, String, Option<String>),
) {
    if !autosave::enabled(options) {
        add(
            false,
            "cdev's autosave is off (@cdev-autosave off): a crash loses what changed since the last `cdev save`".into(),
            Some("set -g @cdev-autosave on (or remove the line)".into()),
        );
    } else {
        let hooks = tmux.run(TmuxCommand::new("show-hooks").flag("-g")).unwrap_or_default();
        let on_changes = match hooks.contains(cdev_option::AUTOSAVE_PENDING) {
            true => "on every change to a session, window or pane",
            false => "on the changes cdev makes (the plugin's hooks, which see plain tmux changes too, are not loaded)",
        };
        let every = match (autosave::interval(options), autosave::timer_armed(options)) {
            (None, _) => "no interval saves (@cdev-autosave-interval off)".to_string(),
            (Some(seconds), true) => format!("and every {}", crate::humanize::duration(seconds)),
            (Some(seconds), false) => format!(
                "and every {} once it first runs (no autosave has run on this server yet)",
                crate::humanize::duration(seconds)
            ),
        };
        let last =
            options.get(cdev_option::AUTOSAVE_LAST).map(|l| format!("; last: {l}")).unwrap_or_default();
        let failed = last.contains("failed");
        add(
            !failed,
            format!("cdev autosaves its sessions {on_changes}, {every}{last}"),
            failed.then(|| "run `cdev save --all` to see the error".to_string()),
        );
    }
    let sessions = tmux.query::<crate::tmux::state::SessionSummary>(verbs::sessions()).unwrap_or_default();
    let store = crate::snapshot::files::Store::new(&context.paths.state_dir);
    let unsaved: Vec<String> = sessions
        .into_iter()
        .filter(|s| s.project_root.is_some() || config.is_cdev_session(&s.name))
        .filter(|s| store.latest_good(&s.name).is_err())
        .map(|s| s.name)
        .collect();
    if !unsaved.is_empty() {
        add(
            false,
            format!("no snapshot yet of {}: a crash now would lose them", unsaved.join(", ")),
            Some("cdev save --all".into()),
        );
    }
}

/// Whether TPM installed `name`, in either of its default plugin directories.
fn plugin_installed(context: &Context, name: &str) -> bool {
    let home = &context.paths.home;
    let xdg =
        std::env::var_os("XDG_CONFIG_HOME").map_or_else(|| home.join(".config"), std::path::PathBuf::from);
    [home.join(".tmux/plugins"), xdg.join("tmux/plugins")].iter().any(|dir| dir.join(name).is_dir())
}

fn report(findings: Vec<Finding>) -> Result<()> {
    let plain = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let (good, bad) = if plain { ("ok  ", "warn") } else { ("✅", "⚠️ ") };
    let mut out = std::io::stdout().lock();
    for f in &findings {
        writeln!(out, "{} {}", if f.ok { good } else { bad }, f.what)?;
        if let Some(fix) = &f.fix {
            writeln!(out, "     fix: {fix}")?;
        }
    }
    out.flush()?;
    if findings.iter().any(|f| !f.ok) {
        return Err(SilentExit::NeedsALook.into());
    }
    Ok(())
}
