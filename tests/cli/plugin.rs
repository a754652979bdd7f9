//! The tmux plugin: installed through the real TPM, and the helper's bootstrap (found, or built in
//! the background without holding up tmux).

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use crate::support::{wait_for, which, TestEnv, CDEV};

const TPM: &str = "/usr/share/tmux-plugin-manager/tpm";
const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// Copies the plugin's shell side (and Cargo.toml, for its version) into `dest`.
pub fn copy_plugin(dest: &Path) {
    fs::create_dir_all(dest.join("scripts")).unwrap();
    for file in ["cdev.tmux", "Cargo.toml"] {
        fs::copy(Path::new(REPO).join(file), dest.join(file)).unwrap();
    }
    for entry in fs::read_dir(Path::new(REPO).join("scripts")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            fs::copy(entry.path(), dest.join("scripts").join(entry.file_name())).unwrap();
        }
    }
}

/// A git repository holding the plugin as it is in this work tree, for TPM to clone.
fn plugin_repo(env: &TestEnv) -> PathBuf {
    let repo = env.path("src/cdev");
    copy_plugin(&repo);
    env.git(&repo, &["init", "-q"]);
    env.git(&repo, &["add", "-A"]);
    env.git(&repo, &["commit", "-qm", "plugin"]);
    repo
}

/// Every binding as `table key`, with the command, from `list-keys`.
fn bindings(env: &TestEnv) -> BTreeSet<String> {
    env.tmux(&["list-keys"])
        .ok()
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

fn option(env: &TestEnv, name: &str) -> String {
    env.tmux(&["show-options", "-gqv", name]).ok().trim_end().to_string()
}

#[test]
fn tpm_installs_the_plugin_which_adds_aliases_and_keys_without_touching_defaults() {
    let mut env = TestEnv::new();
    let repo = plugin_repo(&env);
    // `cdev` on PATH, as after `cargo install`.
    let bin = env.path("bin");
    fs::create_dir_all(&bin).unwrap();
    symlink(CDEV, bin.join("cdev")).unwrap();
    env.extra_path = Some(bin.clone());
    fs::write(
        env.home().join(".tmux.conf"),
        format!("set -g @plugin '{}'\nset -g @cdev-popup-width '90'\nrun '{TPM}'\n", repo.display()),
    )
    .unwrap();

    env.start_session("main", &env.home());
    let defaults = bindings(&env);
    env.tmux(&["source-file", &env.home().join(".tmux.conf").to_string_lossy()]).ok();
    // prefix + I runs this script.
    env.tmux(&["run-shell", "/usr/share/tmux-plugin-manager/bindings/install_plugins"]).ok();

    assert!(env.home().join(".tmux/plugins/cdev/cdev.tmux").is_file(), "TPM cloned the plugin");
    let aliases = env.tmux(&["show-options", "-s", "command-alias"]).ok();
    let names: Vec<&str> = aliases
        .lines()
        .filter_map(|l| l.split_once(' ').map(|(_, v)| v.trim_start_matches('"')))
        .filter_map(|v| v.split_once('=').map(|(name, _)| name))
        .filter(|name| name.starts_with("cdev-"))
        .collect();
    assert_eq!(
        names,
        [
            "cdev-switch",
            "cdev-list",
            "cdev-next",
            "cdev-save",
            "cdev-restore",
            "cdev-sync",
            "cdev-git-status"
        ],
        "{aliases}"
    );

    let after = bindings(&env);
    let lost: Vec<_> = defaults.difference(&after).collect();
    assert!(lost.is_empty(), "bindings changed or removed: {lost:#?}");
    let added: Vec<_> = after.difference(&defaults).collect();
    let cdev_keys: Vec<_> = added.iter().filter(|b| b.contains("CDEV_BIN")).collect();
    let keys: Vec<&str> = cdev_keys.iter().map(|k| k.split(' ').nth(3).unwrap()).collect();
    assert_eq!(keys, ["M-r", "M-s", "N", "O", "T", "g"], "{cdev_keys:#?}");
    // tmux-resurrect binds prefix C-s and C-r; TPM I, U and M-u.
    for taken in [" C-s ", " C-r ", " I ", " U ", " M-u "] {
        assert!(cdev_keys.iter().all(|k| !k.contains(taken)));
    }

    let resolved = bin.join("cdev").to_string_lossy().into_owned();
    assert_eq!(option(&env, "@cdev-bin-path"), resolved);
    assert_eq!(option(&env, "@cdev-build-status"), "ok");
    assert_eq!(
        env.tmux(&["show-environment", "-g", "CDEV_BIN"]).ok().trim_end(),
        format!("CDEV_BIN={resolved}")
    );
    // What the key runs works from inside the server: it finds the binary and its server. Pressed
    // in a client, prefix + O shows the list in a popup of the width asked for (90 cells).
    let listed = run_in_server(&env, "\"$CDEV_BIN\" list");
    assert!(listed.lines().any(|l| l.contains("main")), "{listed}");
    let client = env.attach_terminal_client_sized("main", 120, 24);
    client.press(&["C-b", "O"]);
    wait_for("the list popup", || client.screen().contains("cdev list (Esc closes)"));
    let top = client.screen().lines().find(|l| l.contains("cdev list")).unwrap().to_string();
    assert_eq!(top.trim().chars().count(), 90, "{top}");
}

/// Runs a shell command the way a binding's `run-shell` does, and returns what it printed.
fn run_in_server(env: &TestEnv, command: &str) -> String {
    let out = env.path("run-shell.out");
    let quoted = shell_words::quote(&out.to_string_lossy()).into_owned();
    env.tmux(&["run-shell", &format!("{command} >{quoted} 2>&1")]).ok();
    fs::read_to_string(out).unwrap()
}

/// A plugin checkout in a temp dir, sourced into a fresh server with a controlled PATH.
fn source_plugin(env: &TestEnv, plugin: &Path) {
    env.tmux(&["run-shell", &shell_words::quote(&plugin.join("cdev.tmux").to_string_lossy())]).ok();
}

pub fn minimal_path(env: &TestEnv) -> String {
    // tmux, git and the shell tools, but neither cargo nor cdev.
    let tools = env.path("tools");
    fs::create_dir_all(&tools).unwrap();
    for tool in [
        "tmux",
        "bash",
        "sh",
        "sed",
        "awk",
        "head",
        "mkdir",
        "rm",
        "cp",
        "mv",
        "ln",
        "cat",
        "sleep",
        "touch",
        "dirname",
        "chmod",
        "uname",
        "find",
        "sort",
        "cksum",
        "tr",
        "xargs",
        "curl",
        "sha256sum",
        "env",
    ] {
        let _ = symlink(which(tool), tools.join(tool));
    }
    tools.to_string_lossy().into_owned()
}

#[test]
fn without_cargo_the_user_is_told_the_exact_build_command() {
    let env = TestEnv::new();
    let plugin = env.path("plugin dir/cdev");
    copy_plugin(&plugin);
    let path = minimal_path(&env);
    env.start_session("main", &env.home());
    env.tmux(&["set-environment", "-g", "PATH", &path]).ok();
    env.tmux(&["set-option", "-g", "@cdev-download-url", "off"]).ok();
    source_plugin(&env, &plugin);

    wait_for("the outcome", || option(&env, "@cdev-build-status") == "no-cargo");
    let message = option(&env, "@cdev-build-message");
    let manifest = plugin.join("Cargo.toml").to_string_lossy().replace(' ', "\\ ");
    assert!(
        message.ends_with(&format!("run: cargo build --release --locked --manifest-path {manifest}")),
        "{message}"
    );
    assert_eq!(option(&env, "@cdev-bin-path"), plugin.join("bin/cdev").to_string_lossy());
    assert_eq!(option(&env, "@cdev-ready"), "0");
}

/// A cargo that waits for the test's go-ahead (the file `go`), then "builds" by copying the real
/// binary, and counts its runs in `cargo-runs`.
fn fake_cargo(env: &TestEnv, tools: &str, plugin: &Path) -> PathBuf {
    let go = env.path("go");
    let own = plugin.join("target/release/cdev");
    let cargo = Path::new(tools).join("cargo");
    fs::write(
        &cargo,
        format!(
            "#!/bin/sh\necho run >> '{runs}'\nwhile [ ! -e '{go}' ]; do sleep 0.05; done\nmkdir -p '{dir}'\ncp '{CDEV}' '{own}'\n",
            runs = env.path("cargo-runs").display(),
            go = go.display(),
            dir = own.parent().unwrap().display(),
            own = own.display()
        ),
    )
    .unwrap();
    make_executable(&cargo);
    go
}

#[test]
fn a_missing_or_stale_helper_is_built_in_the_background_and_rebuilt_when_the_sources_change_issue_19() {
    let env = TestEnv::new();
    let plugin = env.path("plugin/cdev");
    copy_plugin(&plugin);
    fs::create_dir_all(plugin.join("helper")).unwrap();
    fs::write(plugin.join("helper/main.rs"), "fn main() {}\n").unwrap();
    // A stale build from an older version.
    let own = plugin.join("bin/cdev");
    fs::create_dir_all(own.parent().unwrap()).unwrap();
    fs::write(&own, "#!/bin/sh\necho 'cdev 0.0.0'\n").unwrap();
    make_executable(&own);
    // A lock left by an install that was killed (its PID is gone) must not block this one.
    let lock = plugin.join("bin/.cdev-install.lock");
    fs::create_dir_all(&lock).unwrap();
    fs::write(lock.join("pid"), "2147483646").unwrap();
    let tools = minimal_path(&env);
    let go = fake_cargo(&env, &tools, &plugin);
    env.start_session("main", &env.home());
    env.tmux(&["set-environment", "-g", "PATH", &tools]).ok();
    env.tmux(&["set-option", "-g", "@cdev-download-url", "off"]).ok();

    // Sourcing returns while cargo is still blocked: tmux start-up does not wait for the build.
    source_plugin(&env, &plugin);
    assert_eq!(option(&env, "@cdev-ready"), "0");
    fs::write(&go, "").unwrap();
    wait_for("the build", || option(&env, "@cdev-build-status") == "built");
    assert_eq!(option(&env, "@cdev-build-message"), "cdev: helper built, ready");
    assert_eq!(option(&env, "@cdev-ready"), "1");
    assert!(!lock.exists(), "the lock is released");
    let key = fs::read_to_string(plugin.join("bin/cdev.key")).unwrap();
    assert!(key.starts_with("build "), "{key}");
    let listed = run_in_server(&env, "\"$CDEV_BIN\" list");
    assert!(listed.contains("main"), "{listed}");

    // Loaded again with the same sources: nothing to do.
    source_plugin(&env, &plugin);
    assert_eq!(option(&env, "@cdev-build-status"), "ok");
    assert_eq!(fs::read_to_string(env.path("cargo-runs")).unwrap().lines().count(), 1);

    // A TPM update (prefix + U) changes the sources, not the version: built again.
    fs::write(plugin.join("helper/main.rs"), "fn main() { /* newer */ }\n").unwrap();
    fs::remove_file(&go).unwrap();
    source_plugin(&env, &plugin);
    assert_eq!(option(&env, "@cdev-build-status"), "building");
    assert_eq!(option(&env, "@cdev-ready"), "0", "the old binary is not run meanwhile");
    assert!(option(&env, "@cdev-build-message").starts_with("cdev: the sources changed; rebuilding"));
    fs::write(&go, "").unwrap();
    wait_for("the rebuild", || option(&env, "@cdev-build-status") == "built");
    assert_eq!(fs::read_to_string(env.path("cargo-runs")).unwrap().lines().count(), 2);
    assert_ne!(fs::read_to_string(plugin.join("bin/cdev.key")).unwrap(), key);
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn keys_follow_their_options_and_none_binds_nothing() {
    let env = TestEnv::new();
    let plugin = env.path("plugin/cdev");
    copy_plugin(&plugin);
    env.start_session("main", &env.home());
    env.tmux(&["set-option", "-g", "@cdev-bin", CDEV]).ok();
    env.tmux(&["set-option", "-g", "@cdev-key-list", "C-y"]).ok();
    source_plugin(&env, &plugin);
    assert_eq!(option(&env, "@cdev-build-status"), "ok", "an explicit @cdev-bin is used as it is");
    let client = env.attach_terminal_client_sized("main", 120, 24);
    client.press(&["C-b", "C-y"]);
    wait_for("the list popup on C-y", || client.screen().contains("cdev list (Esc closes)"));
    client.press(&["Escape"]);
    wait_for("the popup to close", || !client.screen().contains("cdev list (Esc closes)"));
    assert!(!bindings(&env).iter().any(|b| b.starts_with("bind-key -T prefix O ")));

    let fresh = TestEnv::new();
    fresh.start_session("main", &fresh.home());
    fresh.tmux(&["set-option", "-g", "@cdev-bin", CDEV]).ok();
    fresh.tmux(&["set-option", "-g", "@cdev-key-list", "none"]).ok();
    for key in [
        "@cdev-key-next",
        "@cdev-key-save",
        "@cdev-key-restore",
        "@cdev-key-switch",
        "@cdev-key-sync",
        "@cdev-key-git-status",
    ] {
        fresh.tmux(&["set-option", "-g", key, "none"]).ok();
    }
    let before = bindings(&fresh);
    source_plugin(&fresh, &plugin);
    let added: Vec<_> = bindings(&fresh).difference(&before).cloned().collect();
    assert!(added.is_empty(), "no key bound: {added:?}");
    let aliases = fresh.tmux(&["show-options", "-s", "command-alias"]).ok();
    assert!(aliases.contains("cdev-list="), "the alias is still there to bind by hand: {aliases}");

    // A default key the user bound already stays theirs; a key they chose for cdev is cdev's.
    let mine = TestEnv::new();
    mine.start_session("main", &mine.home());
    mine.tmux(&["set-option", "-g", "@cdev-bin", CDEV]).ok();
    mine.tmux(&["bind-key", "T", "display-message", "mine"]).ok();
    mine.tmux(&["bind-key", "C-u", "display-message", "also mine"]).ok();
    mine.tmux(&["set-option", "-g", "@cdev-key-list", "C-u"]).ok();
    source_plugin(&mine, &plugin);
    let client = mine.attach_terminal_client_sized("main", 120, 24);
    client.press(&["C-b", "T"]);
    wait_for("the user's own T", || client.status_line().starts_with("mine"));
    client.press(&["C-b", "C-u"]);
    wait_for("cdev's list on C-u", || client.screen().contains("cdev list (Esc closes)"));
}

#[test]
fn an_old_tmux_gets_a_message_and_nothing_else() {
    let env = TestEnv::new();
    let plugin = env.path("plugin/cdev");
    copy_plugin(&plugin);
    let tools = minimal_path(&env);
    let fake = Path::new(&tools).join("tmux");
    fs::remove_file(&fake).unwrap();
    fs::write(
        &fake,
        format!(
            "#!/bin/sh\n[ \"$1\" = -V ] && {{ echo 'tmux 3.1c'; exit 0; }}\nexec '{}' \"$@\"\n",
            which("tmux").display()
        ),
    )
    .unwrap();
    make_executable(&fake);
    env.start_session("main", &env.home());
    env.tmux(&["set-environment", "-g", "PATH", &tools]).ok();
    let before = bindings(&env);
    source_plugin(&env, &plugin);
    assert_eq!(option(&env, "@cdev-build-message"), "cdev: tmux 3.2 or newer is needed (this is tmux 3.1c)");
    assert_eq!(bindings(&env), before);
    assert_eq!(option(&env, "@cdev-bin-path"), "");
}

#[test]
fn the_save_alias_saves_the_current_session() {
    let env = TestEnv::new();
    env.start_session("my session", &env.home());
    env.tmux(&["set-option", "-g", "@cdev-bin", CDEV]).ok();
    let plugin = env.path("plugin/cdev");
    copy_plugin(&plugin);
    source_plugin(&env, &plugin);
    env.tmux(&["cdev-save"]).ok();
    wait_for("the snapshot", || env.cdev(&["snapshots", "my session"]).stdout().lines().count() == 2);
}
