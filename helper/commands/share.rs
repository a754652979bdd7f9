//! `cdev share SESSION` / `cdev unshare SESSION`: pairing without the seed's `chmod 777`. The
//! session is shown through a dedicated tmux server whose only window is a client of the real
//! one (read-only with `--read-only`: keys a guest sends go nowhere), on a socket in a directory
//! others can pass through but not list (or only the named group can enter), and tmux's own
//! `server-access` list (tmux 3.3) lets in exactly the named users. The user's own server and
//! its socket are never opened to anyone.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};

use super::Context;
use crate::tmux::version::Version;
use crate::tmux::{target, Server, Tmux, TmuxCommand};

pub struct Request {
    pub session: String,
    pub read_only: bool,
    pub users: Vec<String>,
    pub group: Option<String>,
}

/// Where a session's share lives: `$TMUX_TMPDIR` (else /tmp) / `cdev-share-<uid>/<session>/`.
fn share_dir(session: &str) -> PathBuf {
    let base = std::env::var_os("TMUX_TMPDIR").filter(|d| !d.is_empty()).map_or("/tmp".into(), PathBuf::from);
    base.join(format!("cdev-share-{}", crate::paths::current_uid()))
        .join(crate::store::path_component(session))
}

pub fn share(context: &Context, request: Request) -> Result<()> {
    let fail = || format!("could not share {}", request.session);
    if request.users.is_empty() && request.group.is_none() {
        bail!("{}: name who may join (--user NAME, --group NAME)", fail());
    }
    let tmux = context.tmux()?;
    let version = tmux.version()?;
    if version < (Version { major: 3, minor: 3, development: false }) {
        bail!("{}: tmux 3.3 or newer is needed for server-access (this is {version})", fail());
    }
    let main_socket = tmux
        .run(
            TmuxCommand::new("display-message")
                .flag("-p")
                .value("-t", &target::session(&request.session))
                .arg("#{socket_path}"),
        )
        .with_context(fail)?
        .trim_end_matches('\n')
        .to_string();
    let group = request.group.as_deref().map(group_by_name).transpose().with_context(fail)?;
    let mut users: Vec<String> = request.users.clone();
    for user in &users {
        if !user_exists(user) {
            bail!("{}: there is no user {user:?}", fail());
        }
    }
    if let Some((_, members)) = &group {
        users.extend(members.iter().cloned());
    }
    users.sort();
    users.dedup();

    let dir = share_dir(&request.session);
    let parent = dir.parent().unwrap_or(Path::new("/tmp"));
    create_dir(parent, 0o711).with_context(fail)?;
    create_dir(&dir, if group.is_some() { 0o710 } else { 0o711 }).with_context(fail)?;
    if let Some((gid, _)) = &group {
        std::os::unix::fs::chown(&dir, None, Some(*gid)).with_context(fail)?;
    }
    let socket = dir.join("socket");
    let share = Tmux::new(Server::Socket(socket.clone()), context.paths.cache_dir.join("tmux-version"))?;
    // The share's one window is a client of the real server: read-only when asked, so a guest's
    // keys stop there even if tmux let them through.
    let mut chain = vec![{
        let mut new = TmuxCommand::new("new-session")
            .flag("-d")
            .literal("-s", &request.session)
            .value("-x", "200")
            .value("-y", "50")
            .arg("env")
            .arg("-u")
            .arg("TMUX")
            .arg("tmux")
            .arg("-S")
            .arg(&main_socket)
            .arg("attach-session");
        if request.read_only {
            new = new.arg("-r");
        }
        new.arg("-t").arg(&target::session(&request.session))
    }];
    chain.push(TmuxCommand::new("set-option").flag("-g").arg("status").arg("off"));
    for user in &users {
        let mut access = TmuxCommand::new("server-access").flag("-a");
        if request.read_only {
            access = access.flag("-r");
        }
        chain.push(access.arg(user));
    }
    share.run_chain(&chain).with_context(fail)?;
    // tmux made the socket 0660; the directory decides who reaches it, server-access who gets in.
    let mode = if group.is_some() { 0o660 } else { 0o666 };
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(mode)).with_context(fail)?;
    if let Some((gid, _)) = &group {
        std::os::unix::fs::chown(&socket, None, Some(*gid)).with_context(fail)?;
    }
    let how = if request.read_only { "read-only" } else { "read-write" };
    println!("{} shared {how} with {}", request.session, users.join(", "));
    println!(
        "they join with: tmux -S {} attach-session -t {}",
        shell_words::quote(&socket.to_string_lossy()),
        shell_words::quote(&request.session)
    );
    println!("stop sharing with: cdev unshare {}", shell_words::quote(&request.session));
    Ok(())
}

pub fn unshare(context: &Context, session: &str) -> Result<()> {
    let dir = share_dir(session);
    let socket = dir.join("socket");
    if !socket.exists() {
        bail!("could not unshare {session}: it is not shared ({} does not exist)", socket.display());
    }
    let share = Tmux::new(Server::Socket(socket.clone()), context.paths.cache_dir.join("tmux-version"))?;
    let _ = share.run(TmuxCommand::new("kill-server"));
    let _ = std::fs::remove_file(&socket);
    std::fs::remove_dir(&dir).with_context(|| format!("could not remove {}", dir.display()))?;
    println!("{session}: no longer shared");
    Ok(())
}

/// Creates `dir` with exactly `mode`, or checks that an existing one is ours and gets `mode`.
fn create_dir(dir: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    match std::fs::DirBuilder::new().mode(mode).create(dir) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            let meta = std::fs::symlink_metadata(dir)?;
            if !meta.is_dir() || meta.uid() != crate::paths::current_uid() {
                bail!("{} exists and is not a directory of yours", dir.display());
            }
        }
        Err(err) => return Err(anyhow!("could not create {}: {err}", dir.display())),
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))?;
    Ok(())
}

fn user_exists(name: &str) -> bool {
    std::fs::read_to_string("/etc/passwd").is_ok_and(|t| t.lines().any(|l| l.split(':').next() == Some(name)))
}

/// The group's id and its members: those listed in /etc/group and those whose primary group it is.
fn group_by_name(name: &str) -> Result<(u32, Vec<String>)> {
    let groups = std::fs::read_to_string("/etc/group")?;
    let line = groups
        .lines()
        .find(|l| l.split(':').next() == Some(name))
        .ok_or_else(|| anyhow!("there is no group {name:?}"))?;
    let fields: Vec<&str> = line.split(':').collect();
    let gid: u32 =
        fields.get(2).and_then(|g| g.parse().ok()).ok_or_else(|| anyhow!("group {name:?} has no id"))?;
    let mut members: Vec<String> =
        fields.get(3).unwrap_or(&"").split(',').filter(|m| !m.is_empty()).map(String::from).collect();
    let passwd = std::fs::read_to_string("/etc/passwd")?;
    for user in passwd.lines().map(|l| l.split(':').collect::<Vec<_>>()) {
        if user.get(3).and_then(|g| g.parse::<u32>().ok()) == Some(gid) {
            members.push(user[0].to_string());
        }
    }
    Ok((gid, members))
}
