use std::fs;

use super::detect::{detect, detection_order};
use super::render::{plan, Context};
use super::*;
use crate::tmux::layout::is_layout_string;

fn registry_with(files: &[(&str, &str)]) -> (Registry, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    (Registry::load(dir.path()).unwrap(), dir)
}

fn input_error(err: anyhow::Error) -> InputError {
    err.downcast::<InputError>().unwrap_or_else(|err| panic!("not an input error: {err:#}"))
}

#[test]
fn every_builtin_resolves_and_has_the_seed_arrangement() {
    let (registry, _dir) = registry_with(&[]);
    let names: Vec<&str> = registry.names().collect();
    assert_eq!(names, ["generic", "go", "node", "python", "react", "rust"]);
    for template in registry.all().unwrap() {
        let roles: Vec<Role> = template.windows.iter().flat_map(|w| w.panes.iter().map(|p| p.role)).collect();
        assert_eq!(
            roles,
            [Role::Claude, Role::Claude, Role::Editor, Role::Server, Role::Git],
            "{}",
            template.name
        );
        assert_eq!(template.windows[0].layout.as_deref(), Some("tiled"));
    }
    let react = registry.get("react").unwrap();
    assert_eq!(react.variables["dev_command"], Variable::Text("npm run dev".into()), "inherited from node");
    assert_eq!(react.variables["editor_args"], Variable::Text("src/".into()));
}

#[test]
fn detection_follows_priority_and_rules() {
    let (registry, _dir) = registry_with(&[]);
    let templates = registry.all().unwrap();
    let project = tempfile::tempdir().unwrap();
    let root = project.path();
    let detected = |priority: &[String]| detect(&templates, priority, root).map(|t| t.name.clone());

    assert_eq!(detected(&[]), None);
    fs::write(root.join("requirements.txt"), "").unwrap();
    assert_eq!(detected(&[]).as_deref(), Some("python"));
    fs::write(root.join("package.json"), "{\"dependencies\":{\"left-pad\":\"1\"}}").unwrap();
    assert_eq!(detected(&[]).as_deref(), Some("node"));
    fs::write(root.join("package.json"), "{\"dependencies\":{\"react\":\"18\"}}").unwrap();
    assert_eq!(detected(&[]).as_deref(), Some("react"));
    assert_eq!(detected(&["python".into()]).as_deref(), Some("python"), "config priority wins");
    let order: Vec<&str> = detection_order(&templates, &[]).iter().map(|t| t.name.as_str()).collect();
    assert_eq!(order, ["react", "node", "go", "python", "rust"]);
}

#[test]
fn user_templates_override_and_extend_builtins() {
    let (registry, _dir) = registry_with(&[
        (
            "node.toml",
            "extends = \"generic\"\ndescription = \"mine\"\n[variables]\ndev_command = \"pnpm dev\"\n",
        ),
        ("tiny.json", r#"{"description": "json", "windows": [{"panes": [{"command": "htop"}]}]}"#),
    ]);
    let node = registry.get("node").unwrap();
    assert_eq!(node.description, "mine");
    assert!(matches!(node.origin, Origin::File(_)));
    assert_eq!(node.variables["dev_command"], Variable::Text("pnpm dev".into()));
    assert_eq!(node.windows.len(), 2, "windows come from generic");
    assert_eq!(registry.get("react").unwrap().variables["dev_command"], Variable::Text("pnpm dev".into()));
    let tiny = registry.get("tiny").unwrap();
    assert_eq!(tiny.windows[0].panes[0].command.as_deref(), Some("htop"));
}

#[test]
fn unknown_names_list_the_known_ones() {
    let (registry, _dir) = registry_with(&[]);
    let err = registry.get("reakt").unwrap_err().to_string();
    assert_eq!(err, "no template named \"reakt\" (known: generic, go, node, python, react, rust)");
}

#[test]
fn errors_name_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    fs::write(&bad, "description = \"x\"\n[[windows]]\nlayot = \"tiled\"\n").unwrap();
    // A file that does not parse leaves the registry usable; asked for, it is its error.
    let registry = Registry::load(dir.path()).unwrap();
    let err = input_error(registry.get("bad").unwrap_err());
    assert_eq!((err.line, err.key.as_deref()), (Some(3), Some("layot")));
    assert_eq!(err.origin, bad.display().to_string());

    fs::write(&bad, "[[windows]]\n[[windows.panes]]\nsize = \"big\"\n").unwrap();
    let registry = Registry::load(dir.path()).unwrap();
    let err = input_error(registry.get("bad").unwrap_err());
    assert_eq!(err.key.as_deref(), Some("windows[0].panes[0].size"));
    assert_eq!(err.line, Some(3));

    fs::write(&bad, "[[windows]]\n[[windows.panes]]\ncommand = \"{{nope}} run\"\n").unwrap();
    let err = input_error(Registry::load(dir.path()).unwrap().get("bad").unwrap_err());
    assert_eq!(err.key.as_deref(), Some("windows[0].panes[0].command"));
    assert!(err.message.contains("unknown variable {{nope}}"));

    fs::write(&bad, "{\"windows\": [}").unwrap();
    fs::rename(&bad, dir.path().join("bad.json")).unwrap();
    let err = input_error(Registry::load(dir.path()).unwrap().get("bad").unwrap_err());
    assert_eq!(err.line, Some(1));
}

#[test]
fn extends_loops_and_missing_parents_are_errors() {
    let (registry, _dir) = registry_with(&[("a.toml", "extends = \"b\""), ("b.toml", "extends = \"a\"")]);
    let err = input_error(registry.get("a").unwrap_err());
    assert!(err.message.contains("`extends` loops: a → b → a"), "{}", err.message);
    let (registry, _dir) = registry_with(&[("c.toml", "extends = \"nope\"")]);
    let err = input_error(registry.get("c").unwrap_err());
    assert_eq!(err.key.as_deref(), Some("extends"));
    assert!(err.message.contains("known: "));
}

#[test]
fn layouts_are_names_or_saved_layout_strings() {
    assert!(is_layout_string("020a,80x24,0,0{40x24,0,0,1,39x24,41,0,2}"));
    assert!(!is_layout_string("tiled"));
    assert!(!is_layout_string("zzzz,80x24"));
    assert!(!is_layout_string("b25d,80x24;rm"));
}

fn context(root: &std::path::Path) -> Context {
    Context {
        project: "web app".into(),
        root: root.to_path_buf(),
        session: "claude-dev-web_app".into(),
        editor: "nvim".into(),
        claude: "claude".into(),
        worktrees: vec![],
        claude_settings: "/state/cdev/claude-hooks.json".into(),
        dialect: crate::template::values::Dialect::Posix,
    }
}

#[test]
fn plans_fill_variables_and_quote_paths_in_commands() {
    let (registry, _dir) = registry_with(&[(
        "t.toml",
        "[[windows]]\nname = \"{{project}}\"\n[[windows.panes]]\ncommand = \"echo {{project_root}} {{project}}\"\ntitle = \"{{project}}\"\ncwd = \"sub\"\n",
    )]);
    let root = std::path::Path::new("/p/$(touch PWNED) x");
    let plan = plan(&registry.get("t").unwrap(), &context(root)).unwrap();
    let pane = &plan.windows[0].panes[0];
    // Values reach the command as variables the wrapper sets, never as text.
    assert_eq!(pane.command.as_deref(), Some("echo \"$CDEV_PROJECT_ROOT\" \"$CDEV_PROJECT\""));
    assert_eq!(pane.values[..2], ["web app", "/p/$(touch PWNED) x"]);
    assert_eq!(pane.title.as_deref(), Some("web app"));
    assert_eq!(plan.windows[0].name.as_deref(), Some("web app"));
    assert_eq!(pane.cwd, root.join("sub"));
}

#[test]
fn claude_panes_get_fresh_session_ids_and_worktrees_in_order() {
    let (registry, _dir) = registry_with(&[]);
    let mut ctx = context(std::path::Path::new("/p"));
    ctx.worktrees =
        ["a", "b", "c"].iter().map(|n| (n.to_string(), format!("/p/.worktrees/{n}").into())).collect();
    let plan = plan(&registry.get("react").unwrap(), &ctx).unwrap();
    let agents = &plan.windows[0].panes;
    let (first, second) = (&agents[0], &agents[1]);
    assert_eq!(first.cwd, std::path::Path::new("/p/.worktrees/a"));
    assert_eq!(second.worktree.as_deref(), Some("b"));
    let id = first.claude_session.clone().unwrap();
    assert_eq!(id.len(), 36);
    assert_ne!(first.claude_session, second.claude_session);
    assert_eq!(
        first.command.as_deref(),
        Some("claude --settings=\"$CDEV_CLAUDE_SETTINGS\" --session-id=\"$CDEV_CLAUDE_SESSION\"")
    );
    assert_eq!(first.values[3..], ["a".to_string(), id.clone(), "/state/cdev/claude-hooks.json".to_string()]);
    assert_eq!(agents[2].command.as_deref(), Some("nvim src/"));
    assert_eq!(agents[3].command.as_deref(), Some("npm run dev"));
    assert_eq!(agents[2].cwd, std::path::Path::new("/p"));
    // The third worktree has no Claude pane in the template: it gets one in an extra window.
    let extra = plan.windows.last().unwrap();
    assert_eq!(extra.name.as_deref(), Some("worktrees"));
    assert_eq!(extra.panes[0].cwd, std::path::Path::new("/p/.worktrees/c"));
    assert_eq!(plan.focus, (0, 0));
}

#[test]
fn generic_dev_pane_without_a_command_is_a_plain_shell() {
    let (registry, _dir) = registry_with(&[]);
    let plan = plan(&registry.get("generic").unwrap(), &context(std::path::Path::new("/p"))).unwrap();
    assert_eq!(plan.windows[0].panes[3].command, None);
}
