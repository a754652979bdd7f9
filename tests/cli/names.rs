//! Session names that must survive: two projects with one basename, names tmux would rewrite,
//! snapshot names tmux cannot keep, and names whose file names would pass 255 bytes.

use std::fs;
use std::io::Write;

use crate::support::{files_under, TestEnv};

fn new_session(env: &TestEnv, dir: &std::path::Path) -> String {
    env.cdev(&["new", "--no-attach", &dir.to_string_lossy()]).ok().trim().to_string()
}

#[test]
fn two_projects_with_one_basename_keep_their_names_in_either_order_issue_16() {
    let env = TestEnv::lived_in();
    let first = env.project("work/webapp");
    let second = env.project("clients/webapp");
    let first_name = new_session(&env, &first);
    let second_name = new_session(&env, &second);
    assert_eq!(first_name, "claude-dev-webapp");
    assert!(second_name.starts_with("claude-dev-webapp-"), "{second_name}");
    env.cdev(&["kill", "--all", "--yes"]).ok();

    // Made again the other way round, each gets the name (and so the snapshots) it had.
    assert_eq!(new_session(&env, &second), second_name);
    assert_eq!(new_session(&env, &first), first_name);
}

#[test]
fn a_project_named_with_a_dollar_gets_a_whole_session_issue_16() {
    let env = TestEnv::lived_in();
    let dir = env.project("projects/my$app");
    let name = new_session(&env, &dir);
    assert_eq!(name, "claude-dev-my_app", "tmux would store my\\$app, and no target would find it");
    assert_eq!(env.panes(&name, "#{pane_id}").len(), 5);
    let root = env.tmux(&["show-options", "-v", "-t", "=claude-dev-my_app:", "@cdev_project_root"]).ok();
    assert_eq!(root.trim(), dir.to_string_lossy());
    assert_eq!(new_session(&env, &dir), name, "found again by its project");
    let names = env.session_names();
    assert_eq!(names.iter().filter(|n| n.contains("my")).count(), 1, "{names:?}");
}

/// `cdev restore FILE` of a snapshot whose session name was changed to `name`.
fn restore_renamed_snapshot(env: &TestEnv, name: &str) -> crate::support::Run {
    let saved = env.cdev(&["save", "notes"]).ok();
    let path = saved.split(" saved to ").nth(1).unwrap().trim().to_string();
    let mut snapshot = cdev::snapshot::files::load(std::path::Path::new(&path)).unwrap();
    snapshot.session.name = name.to_string();
    let file = env.path("renamed.json.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&serde_json::to_vec(&snapshot).unwrap()).unwrap();
    fs::write(&file, encoder.finish().unwrap()).unwrap();
    env.cdev(&["restore", &file.to_string_lossy()])
}

#[test]
fn snapshot_names_tmux_cannot_keep_are_refused_and_leave_nothing_issue_16() {
    let env = TestEnv::lived_in();
    for name in ["a:b", "", "x.y"] {
        let err = restore_renamed_snapshot(&env, name).fails_with(2);
        assert!(err.contains("--as NAME"), "{err}");
        let names = env.session_names();
        assert_eq!(names, ["notes"], "nothing half-made, no -restoring- copy, for {name:?}");
    }
}

#[test]
fn a_long_non_ascii_project_is_saved_killed_and_journaled_issue_16() {
    let env = TestEnv::lived_in();
    let letters = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяабвгдеёжзийклм";
    assert_eq!(letters.chars().count(), 47);
    let dir = env.project(&format!("projects/{letters}"));
    let name = new_session(&env, &dir);
    assert_eq!(name, format!("claude-dev-{letters}"));

    let payload = format!(
        r#"{{"hook_event_name":"SessionStart","source":"startup","session_id":"0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d","cwd":"{}"}}"#,
        dir.display()
    );
    env.claude_hook(&name, &payload).ok();
    let journal: Vec<_> = files_under(&env.path("state/cdev/agents"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(journal.len(), 1, "the agent's journal entry is written: {journal:?}");

    let saved = env.cdev(&["save", &name]).ok();
    assert!(saved.contains("5 panes saved"), "{saved}");
    env.cdev(&["kill", &name]).ok();
    assert_eq!(env.session_names(), ["notes"]);
    let restored = env.cdev(&["restore", &name]).ok();
    assert!(restored.contains("restored 5 panes"), "{restored}");
    for path in files_under(&env.path("state/cdev")) {
        for part in path.iter() {
            assert!(part.len() < 255, "{} bytes: {}", part.len(), path.display());
        }
    }
}
