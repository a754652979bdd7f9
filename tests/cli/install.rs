//! The helper's prebuilt path: cdev.tmux downloads the release asset for this platform from
//! `@cdev-download-url`, checks it against the release's SHA256SUMS and installs it atomically,
//! and only then falls back to cargo — here against a loopback HTTP server serving a release
//! layout the test builds (a good asset, a wrong checksum, a 404, a truncated file).

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::plugin::{copy_plugin, minimal_path};
use crate::support::{wait_for, TestEnv, CDEV};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The asset name cdev.tmux asks for on this machine.
fn asset() -> String {
    let arch = match std::env::consts::ARCH {
        "aarch64" => "aarch64",
        _ => "x86_64",
    };
    format!("cdev-{arch}-unknown-linux-musl")
}

/// How the server answers for the asset.
#[derive(Clone, Copy, PartialEq)]
enum Asset {
    Good,
    /// Served whole, but SHA256SUMS names another hash.
    WrongChecksum,
    Missing,
    /// The headers promise the whole file; the connection closes halfway.
    Truncated,
}

/// `GET /v<version>/SHA256SUMS` and `GET /v<version>/<asset>` on 127.0.0.1; stops on drop.
struct ReleaseServer {
    url: String,
    stop: Arc<AtomicBool>,
}

impl ReleaseServer {
    fn start(kind: Asset) -> ReleaseServer {
        let body = fs::read(CDEV).unwrap();
        let sum = sha256(CDEV);
        let sums = match kind {
            Asset::WrongChecksum => format!("{}  {}\n", "0".repeat(64), asset()),
            _ => format!("{}  cdev-other-target\n{sum}  {}\n", "1".repeat(64), asset()),
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://127.0.0.1:{}/v{{version}}", listener.local_addr().unwrap().port());
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(300);
            while !stopped.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => serve(stream, kind, &body, &sums),
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        ReleaseServer { url, stop }
    }
}

impl Drop for ReleaseServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve(stream: TcpStream, kind: Asset, body: &[u8], sums: &str) {
    stream.set_nonblocking(false).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    reader.read_line(&mut request).unwrap();
    let path = request.split_whitespace().nth(1).unwrap_or_default().to_string();
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let mut stream = stream;
    let release = format!("/v{VERSION}/");
    let (status, content, promised) = match path.strip_prefix(&release) {
        Some("SHA256SUMS") => ("200 OK", sums.as_bytes(), sums.len()),
        Some(name) if name == asset() && kind == Asset::Missing => ("404 Not Found", &b"nope"[..], 4),
        Some(name) if name == asset() && kind == Asset::Truncated => {
            ("200 OK", &body[..body.len() / 2], body.len())
        }
        Some(name) if name == asset() => ("200 OK", body, body.len()),
        _ => ("404 Not Found", &b"nope"[..], 4),
    };
    let _ = write!(stream, "HTTP/1.1 {status}\r\nContent-Length: {promised}\r\nConnection: close\r\n\r\n");
    let _ = stream.write_all(content);
}

fn sha256(path: &str) -> String {
    let out = std::process::Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap().to_string()
}

fn option(env: &TestEnv, name: &str) -> String {
    env.tmux(&["show-options", "-gqv", name]).ok().trim_end().to_string()
}

/// A plugin checkout without a helper, loaded into a server whose PATH has neither cdev nor
/// (unless `cargo` is given) cargo, downloading from `server`.
fn load(env: &TestEnv, server: &ReleaseServer, cargo: Option<&str>) -> PathBuf {
    let plugin = env.path("plugin/cdev");
    copy_plugin(&plugin);
    let tools = minimal_path(env);
    if let Some(script) = cargo {
        let path = Path::new(&tools).join("cargo");
        fs::write(&path, script).unwrap();
        fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    }
    env.start_session("main", &env.home());
    env.tmux(&["set-environment", "-g", "PATH", &tools]).ok();
    env.tmux(&["set-option", "-g", "@cdev-download-url", &server.url]).ok();
    env.tmux(&["set-option", "-g", "@cdev-link-bin", "~/.local/bin"]).ok();
    env.tmux(&["run-shell", &shell_words::quote(&plugin.join("cdev.tmux").to_string_lossy())]).ok();
    plugin
}

/// Nothing but the lock-free end state is left in bin/: no temp file, no half binary.
fn leftovers(plugin: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(plugin.join("bin"))
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn the_release_asset_is_downloaded_checked_and_installed_issue_19() {
    let env = TestEnv::lived_in();
    let server = ReleaseServer::start(Asset::Good);
    let plugin = load(&env, &server, None);
    // Start-up did not wait: the download goes on in the background.
    assert!(matches!(option(&env, "@cdev-build-status").as_str(), "downloading" | "downloaded"));

    wait_for("the download", || option(&env, "@cdev-build-status") == "downloaded");
    assert_eq!(option(&env, "@cdev-build-message"), format!("cdev: helper {VERSION} downloaded, ready"));
    assert_eq!(option(&env, "@cdev-ready"), "1");
    let bin = plugin.join("bin/cdev");
    assert_eq!(fs::read(&bin).unwrap(), fs::read(CDEV).unwrap());
    assert_eq!(fs::read_to_string(plugin.join("bin/cdev.key")).unwrap(), format!("release {VERSION}\n"));
    assert_eq!(leftovers(&plugin), ["cdev", "cdev.key", "install.log"]);
    // @cdev-link-bin: `cdev` on PATH for every shell, pointing at the plugin's binary.
    let link = env.home().join(".local/bin/cdev");
    assert_eq!(fs::read_link(&link).unwrap(), bin);

    // The keys run it: prefix + O lists the sessions.
    let client = env.attach_terminal_client_sized("notes", 120, 24);
    client.press(&["C-b", "O"]);
    wait_for("the list popup", || client.screen().contains("cdev list (Esc closes)"));

    // Loaded again (a tmux restart): the asset is current, nothing is fetched.
    drop(server);
    env.tmux(&["run-shell", &shell_words::quote(&plugin.join("cdev.tmux").to_string_lossy())]).ok();
    assert_eq!(option(&env, "@cdev-build-status"), "ok");
}

#[test]
fn a_wrong_checksum_installs_nothing_and_cargo_builds_it_instead_issue_19() {
    let env = TestEnv::new();
    let server = ReleaseServer::start(Asset::WrongChecksum);
    // A cargo that "builds" by copying the real binary into target/release.
    let cargo = format!(
        "#!/bin/sh\nmanifest=$(dirname \"$5\")\nmkdir -p \"$manifest/target/release\"\ncp '{CDEV}' \"$manifest/target/release/cdev\"\n"
    );
    let plugin = load(&env, &server, Some(&cargo));
    wait_for("the build", || option(&env, "@cdev-build-status") == "built");
    let log = fs::read_to_string(plugin.join("bin/install.log")).unwrap();
    assert!(
        log.contains(&format!("{}: its SHA-256 is {}, SHA256SUMS says 0000", asset(), sha256(CDEV))),
        "{log}"
    );
    assert!(fs::read_to_string(plugin.join("bin/cdev.key")).unwrap().starts_with("build "));
    assert_eq!(leftovers(&plugin), ["cdev", "cdev.key", "install.log"]);
}

#[test]
fn a_missing_or_truncated_asset_installs_nothing_and_says_why_issue_19() {
    for (kind, reason) in [(Asset::Missing, "404"), (Asset::Truncated, "transfer closed with")] {
        let env = TestEnv::new();
        let server = ReleaseServer::start(kind);
        let plugin = load(&env, &server, None);
        wait_for("the outcome", || option(&env, "@cdev-build-status") == "no-cargo");
        let message = option(&env, "@cdev-build-message");
        assert!(message.starts_with("cdev: could not download the helper (http://127.0.0.1:"), "{message}");
        assert!(message.contains(reason), "{message}");
        assert!(message.contains("cargo was not found; install Rust, then run: cargo build"), "{message}");
        assert_eq!(option(&env, "@cdev-ready"), "0");
        assert_eq!(leftovers(&plugin), ["install.log"], "nothing half-installed");
        assert!(!env.home().join(".local/bin/cdev").exists());
    }
}
