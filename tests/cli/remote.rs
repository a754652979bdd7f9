//! `cdev remote` and `cdev list --hosts` (and the harness `cdev move`'s tests share) against a real sshd on loopback (its own host key,
//! config and port, key authentication only), as root, as CI runs the tests.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::support::{json, wait_for, TestEnv, CDEV};

/// A private sshd, killed on drop.
pub struct Sshd {
    child: Child,
    pub port: u16,
    key: PathBuf,
    known_hosts: PathBuf,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

pub fn start_sshd(env: &TestEnv) -> Sshd {
    let dir = env.path("sshd");
    fs::create_dir_all(&dir).unwrap();
    fs::create_dir_all("/run/sshd").unwrap(); // sshd's privilege separation directory
    keygen(&dir.join("host_key"));
    let key = dir.join("client_key");
    keygen(&key);
    fs::copy(dir.join("client_key.pub"), dir.join("authorized_keys")).unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {dir}/host_key\nAuthorizedKeysFile {dir}/authorized_keys\n\
         PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\nPermitRootLogin prohibit-password\n\
         UsePAM no\nStrictModes no\nPidFile {dir}/sshd.pid\nAcceptEnv HOME TMUX_TMPDIR XDG_*\n",
        dir = dir.display()
    );
    fs::write(dir.join("sshd_config"), config).unwrap();
    let child = Command::new("/usr/sbin/sshd")
        .args(["-D", "-e", "-f"])
        .arg(dir.join("sshd_config"))
        .stderr(fs::File::create(dir.join("sshd.log")).unwrap())
        .spawn()
        .expect("sshd (Debian openssh-server)");
    wait_for("sshd to listen", || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    Sshd { child, port, key, known_hosts: dir.join("known_hosts") }
}

/// A `[hosts.NAME]` table reaching `sshd` with this test's environment on the other side.
pub fn host_table(env: &TestEnv, name: &str, sshd: &Sshd, cdev: &str, port: u16, timeout: u64) -> String {
    let set_env = format!(
        "SetEnv=HOME={} TMUX_TMPDIR={} XDG_STATE_HOME={} XDG_CONFIG_HOME={} XDG_CACHE_HOME={}",
        env.home().display(),
        env.path("tmux").display(),
        env.path("state").display(),
        env.path("config").display(),
        env.path("cache").display()
    );
    let options = [
        "-i".to_string(),
        sshd.key.display().to_string(),
        "-o".into(),
        format!("UserKnownHostsFile={}", sshd.known_hosts.display()),
        "-o".into(),
        "StrictHostKeyChecking=accept-new".into(),
        "-o".into(),
        set_env,
    ];
    format!(
        "[hosts.{name}]\ndestination = \"root@127.0.0.1\"\nport = {port}\nssh_options = {options:?}\ncdev = {cdev:?}\ntimeout = {timeout}\n"
    )
}

/// The tmux server the "remote" side finds: the default socket under this test's TMUX_TMPDIR.
struct DefaultServer<'a>(&'a TestEnv);

impl DefaultServer<'_> {
    fn tmux(&self, args: &[&str]) -> crate::support::Run {
        let mut cmd = self.0.command("tmux");
        cmd.arg("-f").arg("/dev/null").args(args);
        self.0.run(cmd)
    }
}

impl Drop for DefaultServer<'_> {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

#[test]
fn hosts_are_asked_in_parallel_and_a_dead_one_is_a_row_not_a_failure() {
    let env = TestEnv::new();
    let sshd = start_sshd(&env);
    let remote = DefaultServer(&env);
    remote.tmux(&["new-session", "-d", "-s", "remote-work"]).ok();
    // A port that accepts and never speaks: ssh waits for a banner that never comes.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let config = [
        host_table(&env, "alpha", &sshd, CDEV, sshd.port, 10),
        host_table(&env, "plain", &sshd, "/nonexistent/cdev", sshd.port, 10),
        host_table(&env, "dead", &sshd, CDEV, silent_port, 2),
    ]
    .join("\n");
    fs::create_dir_all(env.path("config/cdev")).unwrap();
    fs::write(env.path("config/cdev/config.toml"), config).unwrap();

    let rows = json(&env.cdev(&["list", "--hosts", "--json"]).ok());
    let by_host = |name: &str| rows.as_array().unwrap().iter().find(|r| r["host"] == name).unwrap().clone();
    let alpha = by_host("alpha");
    assert_eq!(alpha["reachable"], true, "{rows}");
    assert_eq!(alpha["sessions"][0]["name"], "remote-work", "cdev's own rows: {alpha}");
    assert!(alpha["sessions"][0].get("panes").is_some(), "{alpha}");
    let plain = by_host("plain");
    assert_eq!(plain["sessions"], serde_json::json!([{"name": "remote-work"}]), "plain tmux there: {plain}");
    let dead = by_host("dead");
    assert_eq!(dead["reachable"], false);
    // Our deadline or ssh's own ConnectTimeout, whichever fires first: both say it timed out.
    let error = dead["error"].as_str().unwrap();
    assert!(error == "no answer within 2 s" || error.contains("timed out"), "{dead}");
    let table = env.cdev(&["list", "--hosts"]).ok();
    assert!(table.contains("dead   (unreachable: "), "{table}");
    assert!(table.contains("alpha  remote-work"), "{table}");

    // The picker lists them too, after the local sessions and projects.
    env.start_session("main", &env.home());
    let picker = format!("{} switch", shell_words::quote(CDEV));
    let pane =
        env.tmux(&["new-window", "-P", "-F", "#{pane_id}", "-t", "=main:", &picker]).ok().trim().to_string();
    wait_for("the remote sessions in the picker", || {
        env.tmux(&["capture-pane", "-p", "-t", &pane]).ok().contains("⇄ alpha: remote-work")
    });
    env.tmux(&["send-keys", "-t", &pane, "Escape"]).ok();

    // A host key that changed: ssh's own words.
    let known = fs::read_to_string(&sshd.known_hosts).unwrap();
    let other = env.path("sshd/other_key");
    keygen(&other);
    let other_pub = fs::read_to_string(other.with_extension("pub")).unwrap();
    let forged: String = known
        .lines()
        .map(|l| {
            format!(
                "{} {}\n",
                l.split(' ').next().unwrap(),
                other_pub.split(' ').take(2).collect::<Vec<_>>().join(" ")
            )
        })
        .collect();
    fs::write(&sshd.known_hosts, forged).unwrap();
    let rows = json(&env.cdev(&["list", "--hosts", "--json"]).ok());
    let alpha = rows.as_array().unwrap().iter().find(|r| r["host"] == "alpha").unwrap().clone();
    assert!(alpha["error"].as_str().unwrap().contains("Host key verification failed"), "{alpha}");
    drop(silent);
}

#[test]
fn remote_makes_the_projects_session_there_and_names_never_reach_a_shell() {
    let env = TestEnv::new();
    let sshd = start_sshd(&env);
    let remote = DefaultServer(&env);
    remote.tmux(&["new-session", "-d", "-s", "main"]).ok();
    let project = env.project("projects/my app");
    fs::create_dir_all(env.path("config/cdev")).unwrap();
    fs::write(env.path("config/cdev/config.toml"), host_table(&env, "alpha", &sshd, CDEV, sshd.port, 10))
        .unwrap();

    // No terminal here: ssh -t cannot give one, and cdev there makes the session and names it.
    // (sshd keeps its own HOME for root: the path is spelled out.)
    let run = env.cdev(&["remote", "alpha", &project.to_string_lossy()]);
    assert!(run.output.status.success(), "{}", run.stderr());
    let sessions = remote.tmux(&["list-sessions", "-F", "#{session_name}"]).ok();
    assert!(sessions.lines().any(|l| l == "claude-dev-my_app"), "{sessions}");

    let pwned = env.path("pwned");
    let hostile = format!("$(touch {}); `touch {}`", pwned.display(), pwned.display());
    let run = env.cdev(&["remote", "alpha", &hostile]);
    assert!(!run.output.status.success());
    assert!(run.stderr().contains("could not switch to"), "{}", run.stderr());
    for host in ["a b", "-oProxyCommand=touch pwned", "h;touch pwned"] {
        let err = env.cdev(&["remote", "--", host]).fails_with(1);
        assert!(err.contains("not a configured host nor a host name"), "{err}");
    }
    assert!(!pwned.exists() && !env.home().join("pwned").exists());
}
