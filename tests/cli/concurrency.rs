//! The same command run several times at once has exactly one outcome: one session, with the
//! right panes, one Claude start per conversation, and nothing left under a temporary name.

use std::fs;

use crate::support::{wait_for, TestEnv};

fn cdev_sessions(env: &TestEnv) -> Vec<String> {
    env.session_names().into_iter().filter(|n| n != "notes").collect()
}

#[test]
fn parallel_news_for_one_project_make_one_whole_session_issue_16() {
    let (env, log) = TestEnv::lived_in_with_counting_claude();
    let project = env.project("projects/webapp");
    let runs = env.cdev_in_parallel(5, &["new", "--no-attach", &project.to_string_lossy()]);
    for run in &runs {
        assert_eq!(run.ok().trim(), "claude-dev-webapp");
    }
    assert_eq!(cdev_sessions(&env), ["claude-dev-webapp"]);
    assert_eq!(env.panes("claude-dev-webapp", "#{pane_id}").len(), 5, "the generic template's five panes");
    wait_for("both Claude panes to start", || env.claude_starts(&log).len() >= 2);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(env.claude_starts(&log).len(), 2, "one start per Claude pane: {:?}", env.claude_starts(&log));
}

#[test]
fn parallel_switches_that_create_make_one_session_issue_16() {
    let (env, _) = TestEnv::lived_in_with_counting_claude();
    let api = env.project("projects/api");
    env.git(&api, &["init", "-q"]);
    let runs = env.cdev_in_parallel(6, &["switch", "api"]);
    for run in &runs {
        assert_eq!(run.ok().trim(), "claude-dev-api");
    }
    assert_eq!(cdev_sessions(&env), ["claude-dev-api"]);
    assert_eq!(env.panes("claude-dev-api", "#{pane_id}").len(), 5);
}

#[test]
fn parallel_restores_make_one_session_and_resume_each_conversation_once_issue_16() {
    let (env, log) = TestEnv::lived_in_with_counting_claude();
    let project = env.project("projects/webapp");
    env.cdev(&["new", "--no-attach", &project.to_string_lossy()]).ok();
    let ids = env.panes("claude-dev-webapp", "#{@cdev_claude_session}");
    let ids: Vec<&String> = ids.iter().filter(|id| !id.is_empty()).collect();
    assert_eq!(ids.len(), 2);
    // Prompted conversations have transcripts (a never-prompted one would start afresh).
    for id in &ids {
        env.write_transcript(&project, id);
    }
    env.cdev(&["kill", "claude-dev-webapp"]).ok();
    wait_for("the first starts to be logged", || env.claude_starts(&log).len() == 2);
    fs::remove_file(&log).unwrap();

    let runs = env.cdev_in_parallel(5, &["restore", "claude-dev-webapp"]);
    for run in &runs {
        run.ok();
    }
    let restored = runs.iter().filter(|r| r.stdout().contains("restored 5 panes")).count();
    assert_eq!(restored, 1, "one run restores, the others find it restored");
    assert_eq!(cdev_sessions(&env), ["claude-dev-webapp"], "no -restoring- copies left");
    assert_eq!(env.panes("claude-dev-webapp", "#{pane_id}").len(), 5);
    wait_for("both conversations to resume", || env.claude_starts(&log).len() >= 2);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let starts = env.claude_starts(&log);
    assert_eq!(starts.len(), 2, "one resume per conversation: {starts:?}");
    for id in ids {
        assert_eq!(starts.iter().filter(|s| s.ends_with(&format!("--resume={id}"))).count(), 1, "{starts:?}");
    }
}
