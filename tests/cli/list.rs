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
fn wide_names_line_up_by_the_columns_a_terminal_gives_them() {
    let env = TestEnv::new();
    env.start_session("日本語", &env.home());
    env.start_session("abc", &env.home());
    let table = env.cdev(&["list"]).ok();
    // The project column (`~`) starts at the same terminal column on every row: 日本語 takes
    // six columns, though it is three characters (kana and CJK ideographs take two each).
    let columns_of =
        |text: &str| text.chars().map(|c| if ('\u{3040}'..='\u{9fff}').contains(&c) { 2 } else { 1 }).sum();
    let columns: Vec<usize> =
        table.lines().filter(|l| l.contains('~')).map(|l| columns_of(&l[..l.find('~').unwrap()])).collect();
    assert_eq!(columns.len(), 2, "{table}");
    assert_eq!(columns[0], columns[1], "{table}");
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

#[test]
fn a_lived_in_servers_sessions_count_every_pane_and_agent_whatever_their_options_hold() {
    // Panes far above %0, windows with gaps (`notes`), base-index 1, and pane options set by hand
    // to what could pose as the listing's separators: tmux folds each session's panes into one
    // line (helper/tmux/listing.rs), which must still count every pane and only real agents.
    let env = TestEnv::lived_in();
    let web = env.home().join("projects/web");
    fs::create_dir_all(&web).unwrap();
    env.start_session("claude-dev-web", &web);
    env.tmux(&["new-window", "-d", "-t", "=claude-dev-web:"]).ok();
    env.tmux(&["split-window", "-d", "-t", "=claude-dev-web:2"]).ok();
    let panes = env.panes("claude-dev-web", "#{pane_id}");
    assert_eq!(panes.len(), 3);
    let set = |pane: &str, option: &str, value: &str| {
        env.tmux(&["set-option", "-p", "-t", pane, option, value]).ok();
    };
    set(&panes[0], "@cdev_agent_state", "working");
    set(&panes[0], "@cdev_cost", "1.25");
    set(&panes[1], "@cdev_agent_state", "waiting= =x\u{1f}y\nz");
    set(&panes[1], "@cdev_cost", "0.5 ; 9=");
    set(&panes[2], "@cdev_agent_state", "waiting");
    let sessions = json(&env.cdev(&["list", "--json"]).ok());
    let by_name = |name: &str| {
        sessions.as_array().unwrap().iter().find(|s| s["name"] == name).cloned().unwrap_or_default()
    };
    let web = by_name("claude-dev-web");
    assert_eq!(web["panes"], 3, "{web:#}");
    assert_eq!(web["windows"], 2);
    assert_eq!(web["agents"], serde_json::json!({"working": 1, "waiting": 1}), "{web:#}");
    assert_eq!(web["cost_usd"], 1.25, "only a cost tmux reads as a number counts: {web:#}");
    let notes = by_name("notes");
    let notes_panes = env.panes("notes", "#{pane_id}").len();
    assert_eq!(notes["panes"], notes_panes, "{notes:#}");
    assert_eq!(notes["cdev"], false);
}
