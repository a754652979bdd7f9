//! Every key binding cdev.tmux makes, pressed in a real attached client (an outer tmux whose pane
//! runs `tmux attach`), on a lived-in server, checked by what the user then sees and where the
//! client is — never by reading the binding's text.

use std::fs;
use std::path::Path;

use crate::support::{wait_for, TerminalClient, TestEnv, CDEV};

const PLUGIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/cdev.tmux");

fn load_plugin(env: &TestEnv) {
    env.tmux(&["run-shell", &shell_words::quote(PLUGIN)]).ok();
}

fn client_session(env: &TestEnv) -> String {
    env.tmux(&["list-clients", "-F", "#{client_session}"]).ok().trim().to_string()
}

fn active_pane(env: &TestEnv) -> String {
    env.tmux(&["list-clients", "-F", "#{pane_id}"]).ok().trim().to_string()
}

/// Waits as [`wait_for`] does, and on a timeout shows what the client's screen showed.
#[track_caller]
fn wait_on_screen(client: &TerminalClient, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !condition() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}; the screen:\n{}",
            client.screen()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// No popup on the screen: its border's corner is gone (panes' borders have no `┌`). The
/// picker's own text goes a moment before the popup does, and keys pressed then are the popup's.
fn popup_closed(client: &TerminalClient) -> bool {
    !client.screen().contains('┌')
}

/// prefix + T, then `query` typed into the picker, waiting until `selected` is under the cursor.
/// The picker's list is complete once the projects (found after the sessions) are in it: keys
/// typed while skim still takes entries in can be lost.
fn pick(client: &TerminalClient, query: &str, selected: &str) {
    client.press(&["C-b", "T"]);
    wait_on_screen(client, "the picker's projects", || client.screen().contains("beta  ~/projects/beta"));
    client.press(&["-l", query]);
    wait_on_screen(client, &format!("{selected} under the cursor for {query}"), || {
        let screen = client.screen();
        screen.contains(&format!("cdev> {query}"))
            && screen.lines().any(|l| {
                let line = l.trim_start_matches(['│', ' ']);
                line.starts_with('>') && line.split('│').next().is_some_and(|item| item.contains(selected))
            })
    });
}

/// A lived-in server with the plugin loaded, two projects (one with a session already) and a
/// client attached to the plain-tmux session `notes`.
fn world() -> (TestEnv, TerminalClient) {
    let env = TestEnv::lived_in();
    for project in ["projects/alpha", "projects/beta"] {
        let dir = env.project(project);
        env.git(&dir, &["init", "-q"]);
    }
    // Claude is not what these keys are about: a command that stays, so the panes stay at rest.
    fs::create_dir_all(env.path("config/cdev")).unwrap();
    fs::write(env.path("config/cdev/config.toml"), "claude_command = \"sleep 600\"\n").unwrap();
    env.cdev(&["new", "--no-attach", &env.home().join("projects/alpha").to_string_lossy()]).ok();
    env.tmux(&["set-option", "-g", "@cdev-bin", CDEV]).ok();
    env.tmux(&["set-option", "-g", "@cdev-popup-height", "90%"]).ok();
    load_plugin(&env);
    let client = env.attach_terminal_client_sized("notes", 120, 32);
    (env, client)
}

#[test]
fn prefix_t_enter_goes_to_a_session_and_to_a_project_issue_19() {
    let (env, client) = world();

    // Enter on a session: the client goes there (before the fix the popup received
    // `--client #{client_name}` literally, and Enter did nothing).
    pick(&client, "alpha", "claude-dev-alpha");
    let before = client.screen();
    client.press(&["Enter"]);
    wait_on_screen(&client, &format!("the client in claude-dev-alpha (before Enter:\n{before})"), || {
        client_session(&env) == "claude-dev-alpha"
    });
    wait_on_screen(&client, "the popup to close", || popup_closed(&client));
    // tmux's default status-left-length (10) read "[claude-de": the whole name shows.
    wait_for("the session's name in the status line", || {
        client.status_line().starts_with("[claude-dev-alpha] ")
    });

    // Enter on a project without a session: it is made, and the client goes there.
    pick(&client, "beta", "beta  ~/projects/beta");
    client.press(&["Enter"]);
    wait_on_screen(&client, "the client in claude-dev-beta", || client_session(&env) == "claude-dev-beta");
    wait_on_screen(&client, "the popup to close", || popup_closed(&client));
    assert!(env.session_names().contains(&"claude-dev-beta".to_string()));

    // Esc closes it and leaves the client where it was.
    client.press(&["C-b", "T"]);
    wait_on_screen(&client, "the picker", || client.screen().contains("claude-dev-beta (attached)"));
    client.press(&["Escape"]);
    wait_on_screen(&client, "the popup to close", || popup_closed(&client));
    assert_eq!(client_session(&env), "claude-dev-beta");
    // Quietly: no run-shell output over the pane ("returned 130", "could not open the picker").
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mode = env.tmux(&["display-message", "-p", "-t", "=claude-dev-beta:", "#{pane_in_mode}"]).ok();
    assert_eq!(mode.trim(), "0", "{}", client.screen());
    // Nor a word in the status line: Esc is no error to tell the client about.
    assert!(!client.screen().contains("cdev:"), "{}", client.screen());
}

#[test]
fn the_other_keys_do_what_they_say_when_pressed_issue_19() {
    let (env, client) = world();
    // Only the keys save here: no autosave between the counts below.
    env.tmux(&["set-option", "-g", "@cdev-autosave", "off"]).ok();

    // prefix + N: the agent that waits goes on screen, wherever it is.
    let waiting = env.panes("claude-dev-alpha", "#{pane_id}")[1].clone();
    env.tmux(&["set-option", "-p", "-t", &waiting, "@cdev_agent_state", "waiting"]).ok();
    env.tmux(&["set-option", "-p", "-t", &waiting, "@cdev_agent_since", "1"]).ok();
    client.press(&["C-b", "N"]);
    wait_for("the waiting agent's pane", || active_pane(&env) == waiting);
    assert_eq!(client_session(&env), "claude-dev-alpha");

    // prefix + g: `git status` typed into the session's git pane, which runs it.
    let git_pane = env
        .panes("claude-dev-alpha", "#{pane_id} #{@cdev_role}")
        .into_iter()
        .find_map(|l| l.strip_suffix(" git").map(str::to_string))
        .expect("a git pane");
    let runs = || {
        let shown = env.tmux(&["capture-pane", "-p", "-t", &git_pane]).ok();
        shown.matches("No commits yet").count()
    };
    wait_for("the template's own git status", || runs() == 1);
    client.press(&["C-b", "g"]);
    wait_for("a second git status", || runs() == 2);

    // prefix + O: cdev list in a popup, Esc closes it.
    client.press(&["C-b", "O"]);
    wait_for("the list popup", || client.screen().contains("cdev list (Esc closes)"));
    assert!(client.screen().contains("claude-dev-alpha"), "{}", client.screen());
    client.press(&["Escape"]);
    wait_for("the list popup to close", || !client.screen().contains("cdev list (Esc closes)"));

    // prefix + S: synchronize-panes on, said in the status line; again: off.
    client.press(&["C-b", "S"]);
    wait_for("the ON message", || client.status_line().contains("cdev: synchronize-panes ON"));
    let window = "=claude-dev-alpha:";
    let sync = || env.tmux(&["show-options", "-wv", "-t", window, "synchronize-panes"]).ok();
    assert_eq!(sync().trim(), "on");
    client.press(&["C-b", "S"]);
    wait_for("the OFF message", || client.status_line().contains("cdev: synchronize-panes OFF"));

    // prefix + M-s: a snapshot of the session the client is in (one more than autosave made).
    let snapshots = || env.cdev(&["snapshots", "claude-dev-alpha"]).stdout().lines().count();
    let before = snapshots();
    client.press(&["C-b", "M-s"]);
    wait_for("the snapshot", || snapshots() == before + 1);

    // prefix + M-r: asks, and on y replaces the session with its snapshot (new panes, same
    // layout), the client still in it.
    let before = env.panes("claude-dev-alpha", "#{pane_id}");
    client.press(&["C-b", "M-r"]);
    wait_for("the question", || {
        client.status_line().contains("replace claude-dev-alpha with its last snapshot")
    });
    client.press(&["y"]);
    wait_for("the restored session", || {
        let now = env.panes("claude-dev-alpha", "#{pane_id}");
        now.len() == before.len() && now.iter().all(|p| !before.contains(p))
    });
    wait_for("the client in it", || client_session(&env) == "claude-dev-alpha");
}

#[test]
fn while_the_helper_is_missing_every_key_and_the_segment_say_so_issue_19() {
    let env = TestEnv::lived_in();
    let plugin = env.path("plugin/cdev");
    crate::plugin::copy_plugin(&plugin);
    // No cdev anywhere, no download, no cargo: the helper stays missing.
    let tools = crate::plugin::minimal_path(&env);
    env.tmux(&["set-environment", "-g", "PATH", &tools]).ok();
    env.tmux(&["set-option", "-g", "@cdev-download-url", "off"]).ok();
    env.tmux(&["set-option", "-g", "status-right", "[#{cdev_status}]"]).ok();
    env.tmux(&["run-shell", &shell_words::quote(&plugin.join("cdev.tmux").to_string_lossy())]).ok();
    wait_for("the outcome", || {
        env.tmux(&["show-options", "-gqv", "@cdev-build-status"]).ok().trim() == "no-cargo"
    });
    let client = env.attach_terminal_client_sized("notes", 200, 20);
    wait_for("the segment's line", || client.status_line().contains("[cdev: no helper"));

    for key in ["T", "N", "O", "g", "M-s", "M-r"] {
        client.press(&["C-b", key]);
        wait_for(&format!("prefix + {key}'s message"), || {
            client.status_line().contains("cdev: could not download the helper (downloads are off")
        });
        // Nothing else happened: no popup, no "returned 127" pane, no "not found".
        let screen = client.screen();
        assert!(!screen.contains(": not found") && !screen.contains("returned"), "prefix + {key}:\n{screen}");
        client.press(&["Escape"]);
        wait_for("the message to clear", || !client.status_line().contains("cdev: could not"));
    }
    assert_eq!(client_session(&env), "notes");
    assert!(!Path::new(&plugin.join("bin/cdev")).exists());
}

#[test]
fn a_status_left_length_the_user_chose_is_kept_issue_19() {
    let env = TestEnv::new();
    env.start_session("main", &env.home());
    env.tmux(&["set-option", "-g", "@cdev-bin", CDEV]).ok();
    env.tmux(&["set-option", "-g", "status-left-length", "12"]).ok();
    load_plugin(&env);
    assert_eq!(env.tmux(&["show-options", "-gv", "status-left-length"]).ok().trim(), "12");
}
