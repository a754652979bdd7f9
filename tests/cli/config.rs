//! `config.toml`, `@cdev-*` overrides and `cdev config`.

use std::fs;

use crate::support::{json, tmux_calls, TestEnv};

#[test]
fn a_malformed_config_names_file_line_and_key_and_does_nothing_else() {
    let mut env = TestEnv::new();
    let file = env.path("config/cdev/config.toml");
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(&file, "prefix = \"ai-\"\n\nprefx = \"typo-\"\n").unwrap();
    let counter = env.count_tmux_calls();

    let stderr = env.cdev(&["list"]).fails_with(2);
    assert!(
        stderr.starts_with(&format!(
            "cdev: could not load config: {}:3: key `prefx`: unknown field",
            file.display()
        )),
        "{stderr}"
    );
    assert!(tmux_calls(&counter).is_empty(), "tmux was called: {:?}", tmux_calls(&counter));

    fs::write(&file, "projects_dirs = \"~/src\"\n").unwrap();
    let stderr = env.cdev(&["config"]).fails_with(2);
    assert!(stderr.contains("config.toml:1: key `projects_dirs`: invalid type"), "{stderr}");
}

#[test]
fn effective_config_tells_where_each_value_came_from() {
    let env = TestEnv::new();
    let file = env.path("custom.toml");
    fs::write(&file, "# mine\nprojects_dirs = [\"~/src\", \"/srv/code\"]\nprefix = \"file-\"\n").unwrap();
    env.start_session("s", &env.home());
    env.tmux(&["set-option", "-g", "@cdev-prefix", "opt-"]).ok();

    let mut cmd = env.command(crate::support::CDEV);
    cmd.args(["-L", &env.socket, "config"]).env("CDEV_CONFIG", &file);
    let text = env.run(cmd).ok();
    assert!(text.contains("prefix = \"opt-\"  # tmux option @cdev-prefix"), "{text}");
    let home = env.home();
    assert!(
        text.contains(&format!(
            "projects_dirs = [\"{}/src\", \"/srv/code\"]  # {}:2",
            home.display(),
            file.display()
        )),
        "{text}"
    );

    // Without CDEV_CONFIG nothing is read from the file: defaults and the option remain.
    let value = json(&env.cdev(&["config", "--json"]).ok());
    assert_eq!(value["prefix"]["value"], "opt-");
    assert_eq!(value["projects_dirs"]["source"]["kind"], "default");
    assert_eq!(value["projects_dirs"]["value"][0], home.join("projects").to_string_lossy().as_ref());
}

#[test]
fn the_prefix_option_decides_which_sessions_are_cdevs() {
    let env = TestEnv::new();
    env.start_session("opt-a", &env.home());
    env.start_session("claude-dev-b", &env.home());
    env.tmux(&["set-option", "-g", "@cdev-prefix", "opt-"]).ok();
    let rows = json(&env.cdev(&["list", "--json"]).ok());
    let cdev_of =
        |name: &str| rows.as_array().unwrap().iter().find(|r| r["name"] == name).unwrap()["cdev"].clone();
    assert_eq!(cdev_of("opt-a"), true);
    assert_eq!(cdev_of("claude-dev-b"), false);

    env.tmux(&["set-option", "-g", "@cdev-prefix", "bad.prefix"]).ok();
    let stderr = env.cdev(&["list"]).fails_with(2);
    assert!(stderr.contains("key `@cdev-prefix`"), "{stderr}");
}

#[test]
fn config_prints_every_setting_issue_19() {
    let env = TestEnv::new();
    let file = env.path("config/cdev/config.toml");
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(&file, "snapshot_keep = 5\n[hosts.box]\ndestination = \"me@box\"\n").unwrap();
    let text = env.cdev(&["config"]).ok();
    let value = json(&env.cdev(&["config", "--json"]).ok());
    for key in value.as_object().unwrap().keys().filter(|k| *k != "hosts") {
        assert!(text.lines().any(|l| l.starts_with(&format!("{key} = "))), "{key} missing:\n{text}");
    }
    assert!(text.contains(&format!("snapshot_keep = 5  # {}:1", file.display())), "{text}");
    assert!(text.contains("[hosts.box]\ndestination = \"me@box\""), "{text}");
}
