//! `cdev vscode`: cdev's task merged into a real tasks.json, comments and all.

use std::fs;

use crate::support::{json, TestEnv};

#[test]
fn the_task_is_added_once_beside_the_users_own_and_a_broken_file_is_left_alone() {
    let env = TestEnv::new();
    let fresh = env.project("projects/new app");
    env.cdev(&["vscode", &fresh.to_string_lossy()]).ok();
    let written = json(&fs::read_to_string(fresh.join(".vscode/tasks.json")).unwrap());
    assert_eq!(written["tasks"][0]["label"], "Attach to Claude Session");
    assert_eq!(written["tasks"][0]["args"], serde_json::json!(["switch", "${workspaceFolder}"]));
    // cdev is not on this PATH (a TPM install): the task names the binary itself (issue 19).
    assert_eq!(written["tasks"][0]["command"], crate::support::CDEV);

    let mine = env.project("projects/mine");
    let tasks = mine.join(".vscode/tasks.json");
    fs::create_dir_all(tasks.parent().unwrap()).unwrap();
    let original = "{\n  // my build\n  \"version\": \"2.0.0\",\n  \"tasks\": [\n    {\"label\": \"build\", \"type\": \"shell\", \"command\": \"make\"},\n  ],\n}\n";
    fs::write(&tasks, original).unwrap();
    let out = env.cdev(&["vscode", &mine.to_string_lossy()]).ok();
    assert!(out.contains("added the task"), "{out}");
    let merged = fs::read_to_string(&tasks).unwrap();
    assert!(merged.contains("// my build") && merged.contains("\"make\""), "{merged}");
    let again = env.cdev(&["vscode", &mine.to_string_lossy()]).ok();
    assert!(again.contains("the task is there already"), "{again}");
    assert_eq!(fs::read_to_string(&tasks).unwrap(), merged, "idempotent");

    let broken = "{\n  \"tasks\": [\n    {\"label\": }\n  ]\n}\n";
    fs::write(&tasks, broken).unwrap();
    let err = env.cdev(&["vscode", &mine.to_string_lossy()]).fails_with(2);
    assert!(err.contains("tasks.json:3: not JSON") && err.contains("left as it is"), "{err}");
    assert_eq!(fs::read_to_string(&tasks).unwrap(), broken, "never overwritten");
}
