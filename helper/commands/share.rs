//! `cdev share SESSION` / `cdev unshare SESSION`: pairing without a world-writable socket. The
//! session is shown through a dedicated tmux server whose only window is a client of the real
//! one (read-only with `--read-only`: keys a guest sends go nowhere), on a socket in a directory
//! others can pass through but not list (or only the named group can enter), and tmux's own
//! `server-access` list (tmux 3.3) lets in exactly the named users. The user's own server and
//! its socket are never opened to anyone.

use crate::tmux::verbs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use clap::Args;

use super::Context;
use crate::tmux::version::Version;
use crate::tmux::{target, Server, Tmux, TmuxCommand};

/// Let named users join SESSION through a dedicated tmux server (never a world-writable
/// socket): its directory is passable only, or enterable only by --group, and tmux's
/// server-access (tmux 3.3) admits exactly those users. Prints the command they run.
#[derive(Debug, Args)]
pub struct ShareArgs {
    pub session: String,
    /// Guests watch; what they type goes nowhere.
    #[arg(long)]
    pub read_only: bool,
    /// A user who may join (repeatable).
    #[arg(long = "user", value_name = "NAME")]
    pub users: Vec<String>,
    /// Every member of this group may join (the directory is the group's).
    #[arg(long, value_name = "NAME")]
    pub group: Option<String>,
}

/// Stop sharing SESSION: the share's server ends and its socket is removed.
#[derive(Debug, Args)]
pub struct UnshareArgs {
    pub session: String,
}

/// Where a session's share lives: `$TMUX_TMPDIR` (else /tmp) / `cdev-share-<uid>/<session>/`.
fn share_dir(session: &str) -> PathBuf {
    let base = std::env::var_os("TMUX_TMPDIR").filter(|d| !d.is_empty()).map_or("/tmp".into(), PathBuf::from);
    base.join(format!("cdev-share-{}", crate::paths::current_uid()))
        .join(crate::store::path_component(session))
}

pub fn share(context: &Context, request: ShareArgs) -> Result<()> {
    let fail = || format!("could not share {}", request.session);
    if request.users.is_empty() && request.group.is_none() {
        bail!("{}: name who may join (--user NAME, --group NAME)", fail());
    }
    let tmux = context.tmux()?;
    let version = tmux.version()?;
    if version < (Version { major: 3, minor: 3, letter: None, development: false }) {
        bail!("{}: tmux 3.3 or newer is needed for server-access (this is {version})", fail());
    }
    let main_socket = tmux
        .run(verbs::expand_at(&target::session(&request.session), "#{socket_path}"))
        .with_context(fail)?
        .trim_end_matches('\n')
        .to_string();
    let group = request.group.as_deref().map(group_by_name).transpose().with_context(fail)?;
    let mut users: Vec<String> = request.users.clone();
    for user in &users {
        if !user_exists(user).with_context(fail)? {
            bail!("{}: there is no user {user:?}", fail());
        }
    }
    if let Some((_, members)) = &group {
        users.extend(members.iter().cloned());
    }
    users.sort();
    users.dedup();
    if users.is_empty() {
        bail!(
            "{}: group {:?} lists no members; name who may join with --user NAME",
            fail(),
            request.group.as_deref().unwrap_or_default()
        );
    }

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
    chain.push(verbs::set_global_option("status", "off"));
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

pub fn unshare(context: &Context, args: UnshareArgs) -> Result<()> {
    let session = args.session.as_str();
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

/// Whether the system knows `name` as a user: through its own lookup (NSS), so users from LDAP
/// or SSSD count, not only those in /etc/passwd.
fn user_exists(name: &str) -> Result<bool> {
    let user =
        nix::unistd::User::from_name(name).with_context(|| format!("could not look up user {name:?}"))?;
    Ok(user.is_some())
}

/// The group's id and its members, as the system's lookup (NSS) lists them. Users whose primary
/// group it is are not listed there, and no lookup can list them all (an LDAP directory is not
/// enumerated): name them with `--user`.
fn group_by_name(name: &str) -> Result<(u32, Vec<String>)> {
    let group = nix::unistd::Group::from_name(name)
        .with_context(|| format!("could not look up group {name:?}"))?
        .ok_or_else(|| anyhow!("there is no group {name:?}"))?;
    Ok((group.gid.as_raw(), group.mem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_and_groups_come_from_the_systems_lookup() {
        assert!(user_exists("root").unwrap());
        assert!(!user_exists("no-such-user-for-cdev").unwrap());
        assert_eq!(group_by_name("root").unwrap().0, 0);
        let err = group_by_name("no-such-group-for-cdev").unwrap_err();
        assert!(format!("{err:#}").contains("there is no group"), "{err:#}");
    }
}
