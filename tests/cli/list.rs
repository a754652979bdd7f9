//! `cdev list`: what a user sees, from one tmux call.

use std::fs;

use crate::support::{json, tmux_calls, TestEnv, CDEV};

#[test]
fn fifty_sessions_of_four_panes_are_read_with_one_tmux_call() {
    let mut env = TestEnv::new();
    // Make 50 × 4 panes in one chained tmux command.
    let mut args: Vec<String> = Vec::new();
    for i in 0..50 {
        let name = format!("claude-dev-p{i:02}");
        for (j, part) in [
            vec!["new-session", "-d", "-s", &name, "-x", "200", "-y", "60"],
            vec!["split-window", "-d", "-t", &name],
            vec!["split-window", "-d", "-t", &name],
            vec!["split-window", "-d", "-t", &name],
        ]
        .into_iter()
        .enumerate()
        {
            if i > 0 || j > 0 {
                args.push(";".into());
            }
            args.extend(part.into_iter().map(String::from));
        }
    }
    env.tmux(&args.iter().map(String::as_str).collect::<Vec<_>>()).ok();

    let counter = env.count_tmux_calls();
    env.cdev(&["list"]).ok(); // the first run ever also asks `tmux -V`, once per tmux binary
    fs::remove_file(&counter).unwrap();

    let sessions = json(&env.cdev(&["list", "--json"]).ok());
    let calls = tmux_calls(&counter);
    assert_eq!(calls.len(), 1, "tmux calls: {calls:#?}");
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 50);
    assert!(sessions.iter().all(|s| s["panes"] == 4 && s["cdev"] == true), "{sessions:#?}");
}

#[test]
fn no_server_means_an_empty_list_not_an_error() {
    let env = TestEnv::new();
    assert_eq!(env.cdev(&["list"]).ok(), "");
    assert_eq!(json(&env.cdev(&["list", "--json"]).ok()), serde_json::json!([]));
}

#[test]
fn sessions_show_project_clients_windows_and_cdev_marking() {
    let env = TestEnv::new();
    let web = env.home().join("projects/web");
    fs::create_dir_all(&web).unwrap();
    env.start_session("claude-dev-web", &web);
    env.tmux(&["new-window", "-d", "-t", "claude-dev-web"]).ok();
    env.tmux(&["split-window", "-d", "-t", "claude-dev-web:0"]).ok();
    env.start_session("scratch", &env.home());
    // A session cdev made under another name is cdev's by its recorded project root.
    env.start_session("renamed", &env.home());
    env.tmux(&["set-option", "-t", "renamed", "@cdev_project_root", &web.to_string_lossy()]).ok();
    let _client = env.attach_control_client("scratch");

    let rows = json(&env.cdev(&["list", "--json"]).ok());
    let row = |name: &str| rows.as_array().unwrap().iter().find(|r| r["name"] == name).cloned().unwrap();
    let web_row = row("claude-dev-web");
    assert_eq!(web_row["cdev"], true);
    assert_eq!(web_row["project_root"], web.to_string_lossy().as_ref());
    assert_eq!((web_row["windows"].as_u64(), web_row["panes"].as_u64()), (Some(2), Some(3)));
    assert_eq!(web_row["attached"], 0);
    let scratch = row("scratch");
    assert_eq!((scratch["cdev"].as_bool(), scratch["attached"].as_u64()), (Some(false), Some(1)));
    let renamed = row("renamed");
    assert_eq!(renamed["cdev"], true);
    assert_eq!(renamed["project_root"], web.to_string_lossy().as_ref());
    assert!(web_row["age_seconds"].as_i64().unwrap() < 3600);
    assert!(web_row["created"].as_str().unwrap().contains('T'), "RFC 3339 time: {web_row}");

    let table = env.cdev(&["list"]).ok();
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].contains("NAME") && lines[0].contains("PROJECT") && lines[0].contains("AGE"), "{table}");
    let web_line = lines.iter().find(|l| l.contains("claude-dev-web")).unwrap();
    assert!(web_line.starts_with('*'), "cdev sessions are marked: {table}");
    assert!(web_line.contains("~/projects/web"), "home is shown as ~: {table}");
    assert!(lines.iter().find(|l| l.contains("scratch")).unwrap().starts_with(' '), "{table}");
    assert!(table.contains("(* cdev session)"), "{table}");
}

#[test]
fn paths_with_newlines_separators_and_format_characters_are_read_exactly() {
    let env = TestEnv::new();
    let dir = env.home().join("we\nird\u{1f}%1F%0A #(touch PWNED) $(touch PWNED2);");
    fs::create_dir_all(&dir).unwrap();
    let create = cdev::tmux::TmuxCommand::new("new-session")
        .flag("-d")
        .value("-s", "odd")
        .literal("-c", &dir.to_string_lossy());
    env.tmux(&create.args().iter().map(String::as_str).collect::<Vec<_>>()).ok();

    let rows = json(&env.cdev(&["list", "--json"]).ok());
    assert_eq!(rows[0]["project_root"], dir.to_string_lossy().as_ref());
    let table = env.cdev(&["list"]).ok();
    assert_eq!(table.lines().count(), 2, "one header and one row, whatever the path holds:\n{table}");
    assert!(!env.home().join("PWNED").exists() && !env.home().join("PWNED2").exists());
}

#[test]
fn the_server_can_be_chosen_with_dollar_tmux_or_a_socket_path() {
    let env = TestEnv::new();
    env.start_session("here", &env.home());
    let socket = env.tmux(&["display-message", "-p", "-t", "here", "#{socket_path}"]).ok().trim().to_string();

    let mut inside = env.command(CDEV);
    inside.args(["list", "--json"]).env("TMUX", format!("{socket},12345,0"));
    assert_eq!(json(&env.run(inside).ok())[0]["name"], "here");

    let mut by_path = env.command(CDEV);
    by_path.args(["-S", &socket, "list", "--json"]);
    assert_eq!(json(&env.run(by_path).ok())[0]["name"], "here");
}

#[test]
fn a_non_utf8_locale_still_lists_everything() {
    let env = TestEnv::new();
    let dir = env.home().join("dïr");
    fs::create_dir_all(&dir).unwrap();
    env.start_session("claude-dev-x", &dir);
    let mut cmd = env.command(CDEV);
    cmd.args(["-L", &env.socket, "list", "--json"])
        .env("LANG", "C")
        .env("LC_ALL", "C")
        .env_remove("LC_CTYPE");
    let rows = json(&env.run(cmd).ok());
    assert_eq!(rows[0]["name"], "claude-dev-x");
    assert_eq!(rows[0]["project_root"], dir.to_string_lossy().as_ref());
}

#[test]
fn a_directory_name_cannot_pose_as_an_option() {
    let env = TestEnv::new();
    let dir = env.home().join("x\n@cdev-prefix u\n");
    fs::create_dir_all(&dir).unwrap();
    env.start_session("claude-dev-real", &env.home());
    let create = cdev::tmux::TmuxCommand::new("new-session")
        .flag("-d")
        .value("-s", "u")
        .literal("-c", &dir.to_string_lossy());
    env.tmux(&create.args().iter().map(String::as_str).collect::<Vec<_>>()).ok();
    let rows = json(&env.cdev(&["list", "--json"]).ok());
    let cdev_of =
        |name: &str| rows.as_array().unwrap().iter().find(|r| r["name"] == name).unwrap()["cdev"].clone();
    assert_eq!(cdev_of("claude-dev-real"), true);
    assert_eq!(cdev_of("u"), false);
}

#[test]
fn the_socket_flag_wins_over_dollar_tmux() {
    let env = TestEnv::new();
    let other = TestEnv::new();
    env.start_session("mine", &env.home());
    other.start_session("theirs", &other.home());
    let socket = other.tmux(&["display-message", "-p", "-t", "theirs", "#{socket_path}"]).ok();
    let mine = env.tmux(&["display-message", "-p", "-t", "mine", "#{socket_path}"]).ok();
    let mut cmd = env.command(CDEV);
    cmd.args(["-S", mine.trim(), "list", "--json"]).env("TMUX", format!("{},1,0", socket.trim()));
    assert_eq!(json(&env.run(cmd).ok())[0]["name"], "mine");
}
