//! `cdev move SESSION HOST`: a session with an agent worktree moved to "another machine" over a
//! real sshd on loopback (the harness of remote.rs): a second HOME, state dir, tmux server and
//! project root there, the project cloned from a shared origin. What HOST lacks stops the move
//! before anything changes; a connection that drops leaves the session here; a second run
//! finishes the move and never makes the session twice.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::claude_e2e::{claude_bins, claude_sandbox, screen, state, wait_for_prompt, wait_in};
use crate::messages_api::MessagesApi;
use crate::remote::{host_table, start_sshd, Sshd};
use crate::support::{files_under, wait_for, TestEnv, CDEV};

pub const SESSION: &str = "claude-dev-app";

/// Both machines: `here` (lived in, where the session runs) and `there` (HOST, reached over ssh).
pub struct Machines {
    pub here: TestEnv,
    pub there: TestEnv,
    /// Kept for as long as the machines are: HOST's sshd.
    _sshd: Sshd,
    /// The project's checkout here, and where HOST keeps its clone.
    pub project: PathBuf,
    pub clone: PathBuf,
}

fn script(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn quoted(path: &Path) -> String {
    shell_words::quote(&path.to_string_lossy()).into_owned()
}

impl Machines {
    /// The project `app` here (a git checkout with `.cdev.toml`, pushed to a shared origin),
    /// HOST's sshd, and the cdev HOST runs: a wrapper giving it its own HOME (sshd keeps
    /// root's), which drops the connection once, before or after the import, or fails the
    /// import, when the test leaves a `drop-before` / `drop-after` / `fail-import` file.
    /// `claude` is the Claude command of each side; without it, a stand-in that records its
    /// arguments.
    pub fn new(claude: Option<(&str, &str)>) -> Machines {
        let here = TestEnv::lived_in();
        let mut there = TestEnv::new();
        // HOST's tmux server is the default one under its TMUX_TMPDIR, where cdev there makes
        // the session (killed with the test, as every test server is).
        there.socket = "default".into();
        let fakes = (fake_claude(&here), fake_claude(&there));
        let (claude_here, claude_there) = claude.unwrap_or((&fakes.0, &fakes.1));
        let sshd = start_sshd(&here);
        let origin = here.path("origin.git");
        here.git(here.dir.path(), &["init", "-q", "--bare", "-b", "main", &origin.to_string_lossy()]);
        let project = here.project("src/app");
        here.git(&project, &["init", "-q", "-b", "main"]);
        fs::write(project.join(".gitignore"), ".env.claude\n").unwrap();
        fs::write(
            project.join(".cdev.toml"),
            "[[windows]]\n[[windows.panes]]\nrole = \"claude\"\nfocus = true\n[[windows.panes]]\nrole = \"shell\"\n",
        )
        .unwrap();
        here.git(&project, &["add", "-A"]);
        here.git(&project, &["commit", "-qm", "init"]);
        here.git(&project, &["remote", "add", "origin", &origin.to_string_lossy()]);
        here.git(&project, &["push", "-q", "-u", "origin", "main"]);

        let clone = there.home().join("work/app");
        let drop = |name: &str| quoted(&there.path(name));
        let wrapper = there.path("bin/cdev-there");
        script(
            &wrapper,
            &format!(
                "#!/bin/sh\nexport HOME={home}\n\
                 if [ -e {before} ]; then rm -f {before}; head -c 64 >/dev/null; kill -9 $PPID; exit 1; fi\n\
                 if [ -e {fail} ]; then rm -f {fail}; cat >/dev/null; echo 'cdev: could not import -: no space left on device' >&2; exit 1; fi\n\
                 if [ -e {after} ]; then rm -f {after}; {cdev} \"$@\" >/dev/null; kill -9 $PPID; exit 1; fi\n\
                 exec {cdev} \"$@\"\n",
                home = quoted(&there.home()),
                before = drop("drop-before"),
                after = drop("drop-after"),
                fail = drop("fail-import"),
                cdev = shell_words::quote(CDEV),
            ),
        );
        let host = host_table(&there, "beta", &sshd, &wrapper.to_string_lossy(), sshd.port, 10);
        let host = format!("{host}projects_root = {:?}\n", there.home().join("work").to_string_lossy());
        fs::create_dir_all(here.path("config/cdev")).unwrap();
        fs::write(here.path("config/cdev/config.toml"), format!("claude_command = {claude_here:?}\n{host}"))
            .unwrap();
        fs::create_dir_all(there.path("config/cdev")).unwrap();
        fs::write(there.path("config/cdev/config.toml"), format!("claude_command = {claude_there:?}\n"))
            .unwrap();
        Machines { here, there, _sshd: sshd, project, clone }
    }

    pub fn there_sessions(&self) -> Vec<String> {
        self.there.session_names()
    }

    /// HOST clones the project from the shared origin (and sees its branches as origin/*).
    pub fn clone_there(&self) {
        let origin = self.here.path("origin.git");
        fs::create_dir_all(self.clone.parent().unwrap()).unwrap();
        self.there.git(
            self.there.home().as_path(),
            &["clone", "-q", &origin.to_string_lossy(), &self.clone.to_string_lossy()],
        );
    }

    /// The session here: `cdev new` (a Claude pane and a shell), then an agent worktree feat-x.
    pub fn start_session(&self) {
        self.here.cdev(&["new", "--no-attach", &self.project.to_string_lossy()]).ok();
        self.here.cdev(&["worktree", "add", "feat-x", "--session", SESSION]).ok();
    }

    /// The Claude session ids of the session's panes here, in pane order.
    pub fn conversations_here(&self) -> Vec<String> {
        self.here.panes(SESSION, "#{@cdev_claude_session}").into_iter().filter(|id| !id.is_empty()).collect()
    }

    pub fn cdev_move(&self, extra: &[&str]) -> crate::support::Run {
        let mut args = vec!["move", SESSION, "beta"];
        args.extend_from_slice(extra);
        self.here.cdev(&args)
    }
}

/// A stand-in for Claude that records how it was started, writes the transcript of the
/// conversation it starts where Claude Code keeps it (as if prompted once), then waits.
fn fake_claude(env: &TestEnv) -> String {
    let path = env.path("bin/fake-claude");
    script(
        &path,
        "#!/bin/sh\necho \"$@\" >> \"$HOME/claude-args\"\n\
         for arg in \"$@\"; do case $arg in --session-id=*) id=${arg#--session-id=};; esac; done\n\
         if [ -n \"$id\" ]; then\n\
         \x20 dir=\"$HOME/.claude/projects/$(pwd | sed 's/[^A-Za-z0-9]/-/g')\"; mkdir -p \"$dir\"\n\
         \x20 printf '{\"type\":\"user\",\"cwd\":\"%s\",\"message\":\"hello\"}\\n' \"$(pwd)\" > \"$dir/$id.jsonl\"\n\
         fi\nexec sleep 600\n",
    );
    path.to_string_lossy().into_owned()
}

fn fake_machines() -> Machines {
    Machines::new(None)
}

#[test]
fn a_missing_checkout_on_host_stops_the_move_before_anything_changes_issue_22() {
    let m = fake_machines();
    m.start_session();
    // An agent mid-turn would lose its turn: refused before HOST is asked.
    let pane = m.here.panes(SESSION, "#{pane_id}")[0].clone();
    m.here.tmux(&["set-option", "-p", "-t", &pane, "@cdev_agent_state", "working"]).ok();
    let err = m.cdev_move(&[]).fails_with(1);
    assert!(err.contains(&format!("the agent in pane {pane} is working: let it finish")), "{err}");
    m.here.tmux(&["set-option", "-p", "-t", &pane, "@cdev_agent_state", "done"]).ok();

    let err = m.cdev_move(&[]).fails_with(1);
    let expected = format!("no checkout of the project at {}: clone it there first", m.clone.display());
    assert!(err.contains(&expected), "{err}");
    assert!(err.contains("nothing changed on either side"), "{err}");
    assert!(m.here.session_names().contains(&SESSION.to_string()), "the session still runs here");
    assert!(m.there_sessions().is_empty(), "nothing made there");
    assert!(!m.there.home().join(".claude").exists() && !m.clone.exists());

    // The same check by hand there: `cdev import --check-only` says what is missing (exit 3).
    let bundle = m.here.path("app.cdev");
    m.here.cdev(&["export", SESSION, "-o", &bundle.to_string_lossy()]).ok();
    let (bundle, clone) = (bundle.to_string_lossy(), m.clone.to_string_lossy());
    let run = m.there.cdev(&["import", &bundle, "--root", &clone, "--check-only"]);
    run.fails_with(3);
    assert!(run.stdout().contains(&format!("missing: {expected}")), "{}", run.stdout());
    m.clone_there();
    let out = m.there.cdev(&["import", &bundle, "--root", &clone, "--check-only"]).ok();
    assert_eq!(out, format!("claude-dev-app: ready to import into {clone}\n"));
    assert!(m.there_sessions().is_empty(), "a check makes nothing");
}

#[test]
fn an_unpushed_worktree_branch_is_named_and_nothing_changes_issue_22() {
    let m = fake_machines();
    m.start_session();
    let tree = m.project.join(".worktrees/feat-x");
    // The branch was pushed once, then the agent committed more.
    m.here.git(&tree, &["push", "-q", "origin", "feat-x"]);
    fs::write(tree.join("work.txt"), "the agent's work").unwrap();
    m.here.git(&tree, &["add", "-A"]);
    m.here.git(&tree, &["commit", "-qm", "agent work"]);
    m.clone_there();

    let err = m.cdev_move(&[]).fails_with(1);
    assert!(err.contains("push branch feat-x first"), "{err}");
    assert!(!err.contains("branch main"), "main is there: {err}");
    assert!(m.here.session_names().contains(&SESSION.to_string()));
    assert!(m.there_sessions().is_empty());
    assert!(!m.clone.join(".worktrees").exists(), "no worktree made there");

    // Uncommitted work would not travel either: said before HOST is even asked.
    fs::write(tree.join("draft.txt"), "not committed").unwrap();
    let err = m.cdev_move(&[]).fails_with(1);
    assert!(
        err.contains("stash the 1 uncommitted change in .worktrees/feat-x first: they would not travel"),
        "{err}"
    );
    // The same check by hand, there.
    fs::remove_file(tree.join("draft.txt")).unwrap();
    m.here.git(&tree, &["push", "-q", "origin", "feat-x"]);
    m.there.git(&m.clone, &["fetch", "-q"]);
    assert!(m.cdev_move(&["--keep"]).ok().contains("worktrees made there: .worktrees/feat-x"));
}

#[test]
fn ssh_dropping_midway_loses_nothing_and_running_again_finishes_without_duplicates_issue_22() {
    let m = fake_machines();
    m.start_session();
    m.here.git(&m.project.join(".worktrees/feat-x"), &["push", "-q", "origin", "feat-x"]);
    m.clone_there();
    let ids = m.conversations_here();
    assert_eq!(ids.len(), 2, "two Claude panes: the checkout's and feat-x's");

    // The import there fails: said, and nothing changes here.
    fs::write(m.there.path("fail-import"), "").unwrap();
    let err = m.cdev_move(&[]).fails_with(1);
    assert!(
        err.contains(
            "beta said: cdev: could not import -: no space left on device; the session still runs here"
        ),
        "{err}"
    );
    assert!(m.here.session_names().contains(&SESSION.to_string()));

    // The connection drops while the bundle is on its way: nothing arrives.
    fs::write(m.there.path("drop-before"), "").unwrap();
    let err = m.cdev_move(&[]).fails_with(1);
    assert!(err.contains("the session still runs here; `cdev move` again is safe"), "{err}");
    assert!(m.here.session_names().contains(&SESSION.to_string()));
    assert!(m.there_sessions().is_empty());

    // It drops after HOST imported, before its answer came back: the session is in both places.
    fs::write(m.there.path("drop-after"), "").unwrap();
    let err = m.cdev_move(&[]).fails_with(1);
    assert!(err.contains("the session still runs here"), "{err}");
    assert!(m.here.session_names().contains(&SESSION.to_string()), "no answer, so not ended here");
    assert_eq!(m.there_sessions(), [SESSION]);

    // Again: HOST finds the session this move brought, and only then does it end here.
    let run = m.cdev_move(&[]);
    let out = run.ok();
    assert!(
        run.stderr().contains("already runs on beta (an earlier cdev move brought it)"),
        "{}\n{out}",
        run.stderr()
    );
    assert!(out.contains("3 panes, 2 agents on their own conversation (2 transcripts carried)"), "{out}");
    assert!(out.contains("killed; bring it back with: cdev restore claude-dev-app"), "{out}");
    assert!(!m.here.session_names().contains(&SESSION.to_string()));
    assert_eq!(m.there_sessions(), [SESSION], "one session there, not two");

    // And once more: reported, nothing done.
    let out = m.cdev_move(&[]).ok();
    assert!(out.contains("claude-dev-app: already moved to beta on "), "{out}");
    assert_eq!(m.there_sessions(), [SESSION]);

    // There: the worktree made from origin/feat-x, each agent resumed on its own conversation.
    let cwds =
        m.there.tmux(&["list-panes", "-s", "-t", "=claude-dev-app:", "-F", "#{pane_current_path}"]).ok();
    let tree = m.clone.join(".worktrees/feat-x");
    assert!(cwds.lines().any(|l| Path::new(l) == tree), "{cwds}");
    assert_eq!(m.there.git(&tree, &["rev-parse", "--abbrev-ref", "HEAD"]).trim(), "feat-x");
    let args = m.there.home().join("claude-args");
    wait_for("both agents to start there", || {
        fs::read_to_string(&args).unwrap_or_default().lines().count() == 2
    });
    let args = fs::read_to_string(&args).unwrap();
    for id in &ids {
        assert_eq!(args.matches(&format!("--resume={id}")).count(), 1, "{args}");
    }
}

#[test]
fn a_move_kept_here_is_not_made_twice_and_a_name_taken_there_is_refused_issue_22() {
    let m = fake_machines();
    m.start_session();
    m.here.git(&m.project.join(".worktrees/feat-x"), &["push", "-q", "origin", "feat-x"]);
    m.clone_there();
    m.cdev_move(&["--keep"]).ok();
    let run = m.cdev_move(&["--keep"]);
    run.ok();
    assert!(run.stderr().contains("already runs on beta"), "{}", run.stderr());
    assert_eq!(m.there_sessions(), [SESSION]);
    assert!(m.here.session_names().contains(&SESSION.to_string()));

    // Another session of that name here (not the one that moved): refused, nothing changes.
    m.here.tmux(&["kill-session", "-t", "=claude-dev-app"]).ok();
    m.start_session();
    let err = m.cdev_move(&[]).fails_with(1);
    assert!(err.contains("a session named claude-dev-app already runs there and is not this one"), "{err}");
    assert!(m.here.session_names().contains(&SESSION.to_string()));
}

/// Types `prompt` into Claude in `pane` and waits for its turn to end.
fn converse(env: &TestEnv, pane: &str, prompt: &str) {
    wait_for_prompt(env, pane);
    env.tmux(&["send-keys", "-t", pane, "-l", prompt]).ok();
    wait_in(env, pane, "the prompt typed", || screen(env, pane).contains(prompt));
    // A key sent while Claude is still drawing can be lost: Enter again until the turn starts.
    let mut tries = 0;
    wait_in(env, pane, "the turn to start", || {
        if tries % 30 == 0 {
            env.tmux(&["send-keys", "-t", pane, "Enter"]).ok();
        }
        tries += 1;
        matches!(state(env, pane).as_str(), "working" | "done")
    });
    wait_in(env, pane, "the turn to end (done)", || state(env, pane) == "done");
}

/// The transcript of conversation `id` under `env`'s HOME, wherever Claude keeps it.
fn transcript(env: &TestEnv, id: &str) -> String {
    let name = format!("{id}.jsonl");
    files_under(&env.home().join(".claude/projects"))
        .into_iter()
        .find(|f| f.file_name().is_some_and(|n| n.to_string_lossy() == name))
        .and_then(|f| fs::read_to_string(f).ok())
        .unwrap_or_default()
}

/// The Claude panes of the session on `env`'s server: pane id and conversation id.
fn claude_panes(env: &TestEnv) -> Vec<(String, String)> {
    env.panes(SESSION, "#{pane_id} #{@cdev_claude_session}")
        .iter()
        .filter_map(|l| l.split_once(' ').filter(|(_, id)| !id.is_empty()))
        .map(|(pane, id)| (pane.to_string(), id.to_string()))
        .collect()
}

/// The session moves with two real Claude agents (the checkout's and feat-x's), each having
/// said something; returns how many came back there on their own conversation and continued it.
fn real_claude_moves(claude_here: &Path, claude_there: &Path) -> usize {
    let api = MessagesApi::start("/nonexistent/cdev-e2e-marker".into());
    let m = Machines::new(Some((&claude_here.to_string_lossy(), &claude_there.to_string_lossy())));
    let tree_here = m.project.join(".worktrees/feat-x");
    let tree_there = m.clone.join(".worktrees/feat-x");
    let env_claude = claude_sandbox(&m.here.home(), &[&m.project, &tree_here], api.port);
    claude_sandbox(&m.there.home(), &[&m.clone, &tree_there], api.port);
    fs::write(m.project.join(".env.claude"), env_claude).unwrap();
    m.start_session();
    let here = claude_panes(&m.here);
    assert_eq!(here.len(), 2, "{here:?}");
    for (pane, id) in &here {
        wait_in(&m.here, pane, "SessionStart (idle)", || state(&m.here, pane) == "idle");
        converse(&m.here, pane, &format!("remember {id}"));
        // Claude writes the turn to its transcript a moment after Stop.
        wait_in(&m.here, pane, "the turn in the transcript", || {
            transcript(&m.here, id).contains(&format!("remember {id}"))
        });
    }
    m.here.git(&tree_here, &["push", "-q", "origin", "feat-x"]);
    m.clone_there();

    let out = m.cdev_move(&[]).ok();
    assert!(out.contains("2 agents on their own conversation"), "{out}");
    assert!(!m.here.session_names().contains(&SESSION.to_string()));

    let there = claude_panes(&m.there);
    assert_eq!(there.len(), 2, "{there:?}");
    let mut continued = 0;
    for (pane, id) in &there {
        let original = here.iter().find(|(_, i)| i == id).map(|(_, i)| i.clone()).unwrap_or_default();
        wait_in(&m.there, pane, "SessionStart there (idle)", || state(&m.there, pane) == "idle");
        wait_for_prompt(&m.there, pane);
        let shown = screen(&m.there, pane);
        let others = here
            .iter()
            .filter(|(_, i)| *i != original)
            .any(|(_, i)| shown.contains(&format!("remember {i}")));
        if original.is_empty() || !shown.contains(&format!("remember {original}")) || others {
            eprintln!("pane {pane} did not come back on its own conversation {id}:\n{shown}");
            continue;
        }
        converse(&m.there, pane, &format!("and now, {original}?"));
        // The conversation there holds both turns, under whatever id Claude gives it now (its
        // transcript is written a moment after the turn ends).
        let both = |text: &str| {
            text.contains(&format!("remember {original}")) && text.contains(&format!("and now, {original}?"))
        };
        wait_in(&m.there, pane, "the transcript there to hold both turns", || {
            let now = m.there.tmux(&["show-options", "-pqv", "-t", pane, "@cdev_claude_session"]).ok();
            both(&transcript(&m.there, now.trim()))
        });
        continued += 1;
    }
    continued
}

#[test]
fn real_claude_agents_continue_on_host_on_their_own_conversations_issue_22() {
    let bins = claude_bins();
    let (current, newest) = (&bins[0], &bins[1]);
    for (here, there) in [(current, current), (newest, newest), (current, newest)] {
        let continued = real_claude_moves(here, there);
        eprintln!(
            "{} → {}: {continued} of 2 agents continued their own conversation",
            here.display(),
            there.display()
        );
        assert_eq!(continued, 2);
    }
}

/// How long a whole `cdev move` takes (3 panes, 2 agents with transcripts, one worktree, over
/// loopback ssh), 10 trials: median and max. A measurement, not a test
/// (`cargo test --test cli move_figures -- --ignored --nocapture`).
#[test]
#[ignore]
fn move_figures() {
    let m = fake_machines();
    m.start_session();
    m.here.git(&m.project.join(".worktrees/feat-x"), &["push", "-q", "origin", "feat-x"]);
    m.clone_there();
    let mut times: Vec<u128> = (0..10)
        .map(|_| {
            let started = std::time::Instant::now();
            m.cdev_move(&["--keep"]).ok();
            let took = started.elapsed().as_millis();
            m.there.tmux(&["kill-session", "-t", "=claude-dev-app"]).ok();
            took
        })
        .collect();
    times.sort();
    println!("cdev move (--keep), 3 panes: median {} ms, max {} ms (n = 10; {times:?})", times[5], times[9]);
}
