//! `cdev vscode [DIR]`: the "Attach to Claude Session" task in `.vscode/tasks.json`. The
//! task runs `cdev switch ${workspaceFolder}` without a shell (so any folder name is safe), which
//! attaches to the project's session or makes it. An existing file keeps everything of its own,
//! comments included: the task is inserted into the file's syntax tree (`crate::jsonc`). Idempotent;
//! a file that is not JSON (with comments) is refused with its line and never written.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::Args;
use serde_json::{json, Value};

use crate::humanize::shown_path;
use crate::input_error::InputError;
use crate::jsonc::{self, CstArray, Dialect};
use crate::store;

/// Add the "Attach to Claude Session" task to DIR/.vscode/tasks.json (default: here): it runs
/// `cdev switch ${workspaceFolder}`. Keeps the file's other tasks and comments; idempotent.
#[derive(Debug, Args)]
pub struct VscodeArgs {
    pub dir: Option<PathBuf>,
}

const LABEL: &str = "Attach to Claude Session";

fn task() -> Value {
    json!({
        "label": LABEL,
        "type": "process",
        "command": task_command(),
        "args": ["switch", "${workspaceFolder}"],
        "group": "build",
        "presentation": { "echo": false, "reveal": "always", "focus": true, "panel": "new" },
        "problemMatcher": []
    })
}

/// `cdev` when VS Code will find it on PATH; else this binary's own path (after a TPM install,
/// the plugin's bin/cdev), under `${userHome}` when it is in the home directory, so the file
/// still works for a teammate with the same layout.
fn task_command() -> String {
    if crate::tmux::find_on_path("cdev").is_some() {
        return "cdev".to_string();
    }
    let Ok(exe) = std::env::current_exe() else { return "cdev".to_string() };
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match home.as_deref().and_then(|home| exe.strip_prefix(home).ok()) {
        Some(relative) => format!("${{userHome}}/{}", relative.display()),
        None => exe.to_string_lossy().into_owned(),
    }
}

pub fn run(args: VscodeArgs) -> Result<()> {
    let dir = match args.dir {
        Some(dir) => dir,
        None => std::env::current_dir().context("could not read the current directory")?,
    };
    let path = dir.join(".vscode/tasks.json");
    let text = match crate::bounded::read(&path, crate::bounded::limit::MANIFEST) {
        Ok(bytes) => Some(
            String::from_utf8(bytes)
                .map_err(|_| InputError::new(path.display().to_string(), "not UTF-8 text"))?,
        ),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(anyhow::anyhow!("could not read {}: {err}", path.display())),
    };
    let Some(text) = text else {
        let file = json!({ "version": "2.0.0", "tasks": [task()] });
        store::write_atomic(&path, format!("{}\n", serde_json::to_string_pretty(&file)?).as_bytes())?;
        println!("wrote {}", shown_path(&path));
        return Ok(());
    };
    let updated = with_task(&path, &text)?;
    match updated {
        None => println!("{}: the task is there already", shown_path(&path)),
        Some(updated) => {
            let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&path)?.permissions());
            store::write_atomic_with_mode(&path, updated.as_bytes(), Some(mode & 0o7777))?;
            println!("added the task to {}", shown_path(&path));
        }
    }
    Ok(())
}

/// `text` with the task added first among the tasks (every comment and line of the user's kept),
/// or `None` when a task with its label is there.
fn with_task(path: &Path, text: &str) -> Result<Option<String>> {
    let root = jsonc::parse(text, Dialect::Jsonc).map_err(|err| {
        InputError::new(path.display().to_string(), format!("not JSON ({}); left as it is", err.message))
            .at_line(err.line)
    })?;
    let refuse =
        |message: &str| InputError::new(path.display().to_string(), format!("{message}; left as it is"));
    let Some(root_object) = root.object_value() else {
        return Err(refuse("the top level is not an object").into());
    };
    match root_object.get("tasks") {
        Some(tasks) => {
            let Some(tasks) = tasks.array_value() else {
                return Err(refuse("\"tasks\" is not an array").with_key("tasks").into());
            };
            if has_task(&tasks) {
                return Ok(None);
            }
            tasks.insert(0, jsonc::input(&task()));
        }
        None => {
            if root_object.properties().is_empty() {
                root_object.append("version", "2.0.0".into());
                root_object.append("tasks", jsonc::input(&json!([task()])));
            } else {
                root_object.insert(0, "tasks", jsonc::input(&json!([task()])));
            }
        }
    }
    let updated = root.to_string();
    // Never write what would not read back.
    let check = jsonc::parse(&updated, Dialect::Jsonc)
        .map_err(|err| anyhow::anyhow!("could not add the task to {}: {}", path.display(), err.message))?;
    anyhow::ensure!(check.object_value().and_then(|o| o.array_value("tasks")).is_some_and(|t| has_task(&t)));
    Ok(Some(updated))
}

fn has_task(tasks: &CstArray) -> bool {
    tasks.elements().iter().any(|t| jsonc::string_at(t, "label").as_deref() == Some(LABEL))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(text: &str) -> String {
        with_task(Path::new("tasks.json"), text).unwrap().unwrap()
    }

    fn read(text: &str) -> Value {
        jsonc::parse(text, Dialect::Jsonc).unwrap().value().unwrap().to_serde_value().unwrap()
    }

    #[test]
    fn the_task_joins_the_users_tasks_and_comments_stay() {
        let text = "{\n  // build things\n  \"version\": \"2.0.0\",\n  \"tasks\": [\n    { \"label\": \"build\", \"command\": \"make\" }, // mine\n  ]\n}\n";
        let updated = add(text);
        assert!(updated.contains("// build things") && updated.contains("// mine"), "{updated}");
        let labels: Vec<String> = read(&updated)["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["label"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(labels, [LABEL, "build"]);
        assert!(
            updated.ends_with("    { \"label\": \"build\", \"command\": \"make\" }, // mine\n  ]\n}\n"),
            "{updated}"
        );
        assert!(with_task(Path::new("t"), &updated).unwrap().is_none(), "twice adds nothing");
    }

    #[test]
    fn empty_arrays_objects_and_files_without_tasks_work() {
        for text in ["{}", "{\"tasks\": []}", "{\"version\": \"2.0.0\"}", "{\"inputs\": [], /* c */ }"] {
            assert_eq!(read(&add(text))["tasks"][0]["label"], LABEL, "{text}");
        }
    }

    #[test]
    fn broken_files_are_refused_with_their_line() {
        let err =
            with_task(Path::new("tasks.json"), "{\n  \"tasks\": [\n    { \"label\": }\n  ]\n}").unwrap_err();
        let err = err.downcast::<InputError>().unwrap();
        assert_eq!(err.line, Some(3));
        assert!(with_task(Path::new("t"), "[1]").is_err());
        assert!(with_task(Path::new("t"), "{\"tasks\": {}}").is_err());
    }
}
