//! `cdev share` / `unshare` with throwaway Unix users (the tests run as root, as CI runs them):
//! a read-only guest attaches and cannot type, an unlisted user cannot connect, and after
//! unshare nobody can.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{wait_for, TestEnv};

/// A Unix user made for one test and removed after it.
struct User(String);

impl User {
    fn new(prefix: &str) -> User {
        let name = format!("{prefix}{}", std::process::id() % 100_000);
        let status = Command::new("useradd").args(["-M", "-s", "/bin/sh", &name]).status().expect("useradd");
        assert!(status.success(), "useradd {name} (the share tests run as root)");
        User(name)
    }

    /// Runs tmux as this user; its output, stdout and stderr together.
    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("runuser").args(["-u", &self.0, "--", "tmux"]).args(args).output().unwrap();
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    }
}

/// A Unix group made for one test, with `member` in it, removed after it.
struct Group(String);

impl Group {
    fn with_member(prefix: &str, member: &User) -> Group {
        let name = format!("{prefix}{}", std::process::id() % 100_000);
        assert!(Command::new("groupadd").arg(&name).status().unwrap().success());
        assert!(Command::new("usermod").args(["-a", "-G", &name, &member.0]).status().unwrap().success());
        Group(name)
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let _ = Command::new("groupdel").arg(&self.0).status();
    }
}

impl User {
    /// Attaches to a share as this user in control mode (no terminal needed), sends `keys` to
    /// the session as typed, waits on `until`, then leaves; what the client printed.
    fn type_into_share(&self, socket: &str, keys: &str, until: impl FnOnce()) -> String {
        let mut attach = Command::new("runuser")
            .args(["-u", &self.0, "--", "tmux", "-S", socket, "-C", "attach-session", "-t", "work"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = attach.stdin.take().unwrap();
        writeln!(stdin, "send-keys -t work {} Enter", shell_words::quote(keys)).unwrap();
        until();
        // An empty line ends a control-mode client; pkill makes sure (runuser's child is the guest's).
        let _ = writeln!(stdin);
        drop(stdin);
        std::thread::sleep(Duration::from_millis(200));
        let _ = Command::new("pkill").args(["-u", &self.0]).status();
        let output = attach.wait_with_output().unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

impl Drop for User {
    fn drop(&mut self) {
        let _ = Command::new("pkill").args(["-u", &self.0]).status();
        let _ = Command::new("userdel").arg(&self.0).status();
    }
}

#[test]
fn a_read_only_guest_watches_an_unlisted_user_is_refused_and_unshare_ends_it() {
    let env = TestEnv::new();
    // Guests must pass through the directories above the share, as they can through /tmp.
    for dir in [env.dir.path().to_path_buf(), env.path("tmux")] {
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o711)).unwrap();
    }
    env.start_session("work", &env.home());
    env.tmux(&["send-keys", "-t", "=work:", "echo owner-was-here", "Enter"]).ok();
    let guest = User::new("cdevro");
    let stranger = User::new("cdevno");

    let out = env.cdev(&["share", "work", "--read-only", "--user", &guest.0]).ok();
    assert!(out.contains(&format!("work shared read-only with {}", guest.0)), "{out}");
    let socket = out
        .lines()
        .find_map(|l| l.strip_prefix("they join with: tmux -S "))
        .and_then(|rest| shell_words::split(rest).ok())
        .map(|words| words[0].clone())
        .expect("the join command");
    let dir = std::path::Path::new(&socket).parent().unwrap();
    assert_eq!(fs::metadata(dir).unwrap().permissions().mode() & 0o777, 0o711, "passable, not listable");
    assert!(
        !env.tmux(&["show-options", "-g", "status"]).ok().contains("off"),
        "the user's own server is untouched"
    );

    // The guest attaches (control mode needs no terminal) and types: nothing reaches the pane.
    let attached = guest.type_into_share(&socket, "echo guest-typed", || {
        std::thread::sleep(Duration::from_millis(800));
    });
    assert!(attached.contains("%session-changed"), "the guest attached");
    let screen = env.tmux(&["capture-pane", "-p", "-t", "=work:"]).ok();
    assert!(screen.contains("owner-was-here") && !screen.contains("guest-typed"), "{screen}");

    let refused = stranger.tmux(&["-S", &socket, "list-sessions"]);
    assert!(refused.contains("access not allowed") || refused.contains("Permission denied"), "{refused}");

    env.cdev(&["unshare", "work"]).ok();
    assert!(!std::path::Path::new(&socket).exists());
    let after = guest.tmux(&["-S", &socket, "attach-session", "-t", "work"]);
    assert!(after.contains("no server running") || after.contains("No such file"), "{after}");
    wait_for("the share's server to end", || {
        !Command::new("pgrep").args(["-f", &socket]).status().unwrap().success()
    });

    // Read-write: the same guest's keys reach the pane.
    env.cdev(&["share", "work", "--user", &guest.0]).ok();
    guest.type_into_share(&socket, "echo pair-typed", || {
        wait_for("the guest's keys", || {
            env.tmux(&["capture-pane", "-p", "-t", "=work:"]).ok().contains("pair-typed")
        });
    });
    env.cdev(&["unshare", "work"]).ok();

    // A group: its members get in, the directory is the group's, others cannot even enter it.
    let member = User::new("cdevgm");
    let group = Group::with_member("cdevgr", &member);
    let out = env.cdev(&["share", "work", "--read-only", "--group", &group.0]).ok();
    assert!(out.contains(&member.0), "{out}");
    assert_eq!(fs::metadata(dir).unwrap().permissions().mode() & 0o777, 0o710);
    // Past server-access: the server itself answers that this client may only watch.
    let joined = member.tmux(&["-S", &socket, "list-sessions"]);
    assert!(joined.contains("client is read-only"), "{joined}");
    let outsider = stranger.tmux(&["-S", &socket, "list-sessions"]);
    assert!(outsider.contains("Permission denied") || outsider.contains("access not allowed"), "{outsider}");
    env.cdev(&["unshare", "work"]).ok();

    let err = env.cdev(&["share", "work", "--user", "nobody;rm -rf"]).fails_with(1);
    assert!(err.contains("there is no user \"nobody;rm -rf\""), "{err}");
    let err = env.cdev(&["unshare", "work"]).fails_with(1);
    assert!(err.contains("it is not shared"), "{err}");
    // A group that lists nobody would share with nobody (those whose primary group it is cannot
    // be listed through every directory): said, not done.
    let err = env.cdev(&["share", "work", "--group", "nogroup"]).fails_with(1);
    assert!(err.contains("group \"nogroup\" lists no members; name who may join with --user"), "{err}");
}
