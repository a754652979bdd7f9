//! The two implementations asked the same questions about a real process tree.

use super::*;

#[test]
fn shells_are_recognised_by_name() {
    assert!(is_shell("/bin/bash") && is_shell("-zsh") && is_shell("fish") && is_shell("sh"));
    assert!(!is_shell("/usr/bin/nvim") && !is_shell("shell") && !is_shell(""));
}

#[test]
fn this_process_is_in_the_table() {
    let table = table();
    let me = table.process(std::process::id()).expect("this process");
    assert!(me.rss_kib > 0);
    assert!(!table.args(std::process::id()).is_empty());
    assert!(table.all().unwrap().iter().any(|p| p.pid == me.pid));
}

/// A shell with two children, killed on drop.
struct Tree(std::process::Child);

impl Drop for Tree {
    #[allow(clippy::disallowed_methods)]
    fn drop(&mut self) {
        for child in table_from(Source::Ps).children(self.0.id()) {
            let _ = std::process::Command::new("kill").arg(child.to_string()).status();
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(target_os = "linux")]
#[test]
#[allow(clippy::disallowed_methods)]
fn ps_and_procfs_give_the_same_answers() {
    let script = "sleep 1000 & sleep 1001 & wait";
    let tree = Tree(std::process::Command::new("sh").arg("-c").arg(script).spawn().unwrap());
    let root = tree.0.id();
    let procfs = table_from(Source::Procfs);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while procfs.children(root).len() < 2 {
        assert!(std::time::Instant::now() < deadline, "the shell never started its children");
        std::thread::sleep(Duration::from_millis(10));
    }
    let ps = table_from(Source::Ps);

    let mut from_procfs = procfs.children(root);
    let mut from_ps = ps.children(root);
    from_procfs.sort();
    from_ps.sort();
    assert_eq!(from_ps, from_procfs, "the same children");
    assert_eq!(from_ps.len(), 2);
    for pid in std::iter::once(root).chain(from_ps) {
        let (a, b) = (procfs.process(pid).unwrap(), ps.process(pid).unwrap());
        assert_eq!((a.pid, a.ppid, a.tpgid, &a.name), (b.pid, b.ppid, b.tpgid, &b.name), "{pid}");
        // procps prints CPU time in whole seconds.
        assert!(b.cpu <= a.cpu + Duration::from_secs(1), "{pid}: {a:?} {b:?}");
        assert!(a.rss_kib > 0 && b.rss_kib > 0, "{pid}: {a:?} {b:?}");
        assert_eq!(ps.args(pid), procfs.args(pid), "{pid}");
    }
    assert_eq!(ps.args(root), ["sh", "-c", script], "the -c script is one argument");
    assert_eq!(ps.process(root).unwrap().name, "sh");
    assert!(ps.all().unwrap().iter().any(|p| p.pid == root));
    for table in [&procfs, &ps] {
        assert_eq!(shell_is_idle(table.as_ref(), root), Some(false), "its children run");
        assert_eq!(deepest_child_name(table.as_ref(), root).as_deref(), Some("sleep"));
    }
    assert_eq!(foreground_leader(ps.as_ref(), root), foreground_leader(procfs.as_ref(), root));
    assert!(ps.process(u32::MAX).is_none() && procfs.process(u32::MAX).is_none());
}
