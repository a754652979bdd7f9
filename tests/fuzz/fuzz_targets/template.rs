//! Template files (`~/.config/cdev/templates/*.toml|json`, a project's `.cdev.toml`): parsed as
//! TOML and as JSON, resolved against the built-ins (`extends`), validated, and planned into a
//! session. Errors are fine; a panic or a plan from an invalid template is not.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cdev::template::render::{self, Context};
use cdev::template::values::Dialect;
use cdev::template::{self, Origin, Registry};
use libfuzzer_sys::fuzz_target;

fn builtins() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry::load(Path::new("/nonexistent/cdev-fuzz")).expect("built-ins load"))
}

fuzz_target!(|data: &[u8]| {
    for name in ["fuzz.toml", "fuzz.json"] {
        let Ok(file) = template::parse(Path::new(name), data.to_vec()) else { continue };
        let Ok(template) = builtins().resolve(file, Origin::Builtin, "fuzz") else { continue };
        if template::validate(&template).is_err() {
            continue;
        }
        let context = Context {
            project: "webapp".into(),
            root: PathBuf::from("/home/u/webapp"),
            session: "claude-dev-webapp".into(),
            editor: "nvim".into(),
            claude: "claude".into(),
            worktrees: (0..template.worktrees)
                .map(|i| {
                    (format!("agent-{i}"), PathBuf::from(format!("/home/u/webapp/.worktrees/agent-{i}")))
                })
                .collect(),
            claude_settings: PathBuf::from("/home/u/.local/state/cdev/claude-settings.json"),
            dialect: Dialect::Posix,
        };
        let _ = render::plan(&template, &context);
    }
});
