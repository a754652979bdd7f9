//! The picker loop: the sessions first, then what arrives while it is open (`entries.rs`); Enter
//! or an action key on a line does what that line's target calls for, and the picker opens again
//! after a kill or a rename so the user sees the result.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Result;

use super::actions::{pause, pick_template, rename};
use super::entries::{first_entries, later_entries};
use super::{create, go, sessions};
use crate::context::Context;
use crate::exit::SilentExit;
use crate::picker::{self, ActionKey, Outcome};
use crate::prompt;

const KEYS: &[ActionKey] = &[
    ActionKey { key: "ctrl-x", action: "kill" },
    ActionKey { key: "ctrl-r", action: "rename" },
    ActionKey { key: "ctrl-t", action: "template" },
];
const HEADER: &str =
    "enter: go · ctrl-x: kill (saved first), forget a saved one · ctrl-r: rename · ctrl-t: new with template · esc";

/// What a picker line leads to.
#[derive(Clone)]
pub(super) enum Target {
    Session(String),
    Project(PathBuf),
    /// A session saved but not running (`saved.rs`).
    Saved(String),
    /// A session on a configured host (`cdev list --hosts`).
    Remote {
        host: String,
        session: String,
    },
}

/// The picker, opened again after a kill or a rename so the user sees the result.
pub(super) fn pick_loop(context: &Context, client: Option<&str>) -> Result<()> {
    loop {
        // Skim starts (its threads, its runtime) while tmux is read: on a small machine the two
        // overlap, and the sessions reach the screen sooner.
        let (picker, read) = std::thread::scope(|scope| {
            let read = scope.spawn(|| -> Result<_> {
                let tmux = context.tmux()?;
                let read = sessions::read(context, &tmux)?;
                Ok((tmux, read))
            });
            let picker = picker::Picker::start("cdev> ", HEADER, KEYS);
            (picker, read.join())
        });
        let (tmux, (config, options, mut sessions)) =
            read.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        let picker = picker?;
        crate::timings::mark("read tmux, start the picker");
        // The session the picker runs in goes last: Enter on the first line goes somewhere else.
        // tmux names it in $TMUX (socket,pid,session id) for panes and popups alike: no call.
        if let Some(at) = current_session_id(context).and_then(|id| sessions.iter().position(|s| s.id == id))
        {
            let session = sessions.remove(at);
            sessions.push(session);
        }
        let targets = Arc::new(Mutex::new(Vec::new()));
        let first = first_entries(context, &options, &sessions, &targets);
        let more = later_entries(context, &config, &sessions, &targets);
        let (index, action) = match picker.run(first, more)? {
            Outcome::Cancelled => return Err(SilentExit::Cancelled.into()),
            Outcome::Chosen { index, action } => (index, action),
        };
        let Some(target) = targets.lock().unwrap().get(index).cloned() else { continue };
        match (action.as_deref(), target) {
            (None, Target::Session(name)) => return go(context, &tmux, &name, client),
            (None, Target::Project(root)) => return create(context, &root, None, client),
            (None, Target::Saved(name)) => {
                return crate::switch::saved::restore_and_go(context, &name, client)
            }
            (Some("kill"), Target::Saved(name)) => {
                if let Err(err) = crate::switch::saved::forget(context, &name) {
                    eprintln!("cdev: {err:#}");
                    pause();
                }
            }
            (Some(_), Target::Saved(name)) => {
                eprintln!("cdev: {name} is saved, not running: Enter restores it, ctrl-x forgets it");
                pause();
            }
            (None, Target::Remote { host, session }) => {
                return Err(crate::remote::attach(&context.file_config()?, &host, &session))
            }
            (Some(_), Target::Remote { host, .. }) => {
                eprintln!("cdev: sessions on {host}: Enter goes there; the other keys work there");
                pause();
            }
            (Some("kill"), Target::Session(name)) => {
                if prompt::confirm(&format!("Kill {name}? It is saved first (y/N) "))? {
                    if let Err(err) = crate::session::lifecycle::kill(context, Some(name), false, true) {
                        eprintln!("cdev: {err:#}");
                    }
                    pause();
                }
            }
            (Some("rename"), Target::Session(name)) => {
                if let Err(err) = rename(&tmux, &name) {
                    eprintln!("cdev: {err:#}");
                    pause();
                }
            }
            (Some("template"), Target::Project(root)) => {
                if let Some(template) = pick_template(context)? {
                    return create(context, &root, Some(template), client);
                }
            }
            (Some(_), Target::Project(root)) => {
                eprintln!("cdev: {} has no session yet: Enter makes one", context.paths.display(&root));
                pause();
            }
            (Some(_), Target::Session(name)) => {
                eprintln!("cdev: {name} is a session already; ctrl-t is for projects");
                pause();
            }
        }
    }
}

/// The id (`$3`) of the session this process runs in, from `$TMUX`, when on the chosen server.
fn current_session_id(context: &Context) -> Option<String> {
    if !context.inside_tmux {
        return None;
    }
    let tmux = std::env::var("TMUX").ok()?;
    let id = tmux.rsplit(',').next().filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))?;
    Some(format!("${id}"))
}
