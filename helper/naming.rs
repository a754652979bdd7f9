//! Session names: one function turns a project into `<prefix><project>`.
//!
//! A name must be a valid, unambiguous tmux target and must never be read by tmux as anything but
//! a name: `.` and `:` separate window and pane in targets, `#` starts a format (tmux expands
//! formats in `new-session -s`, so `#(cmd)` would run), a leading `$`, `@`, `%` or `=` reads as an
//! id or a match mode, and tmux itself rewrites control characters, backslashes and any character
//! its width table does not know (unassigned code points, some symbols) into octal escapes, and
//! puts a backslash before a `$` that a letter, `_` or `{` follows (`my$app` becomes `my\$app`),
//! so the name would change. Whitespace is replaced too, so names survive scripts that split on it.
//! Kept: letters and digits of every script, and ASCII punctuation other than `. : # \ $`.

use std::path::Path;

/// The default prefix. It is the name that plain tmux scripts gave these sessions before cdev
/// (`claude-dev-<project>`), so a session such a script made is recognised as the project's and
/// adopted, not made a second time under another name.
pub const DEFAULT_PREFIX: &str = "claude-dev-";
/// Long enough for any real project name, short enough for a status line.
pub const MAX_NAME_CHARS: usize = 64;
const REPLACEMENT: char = '_';

/// Makes `raw` safe as (part of) a tmux session name: see the module docs for each rule.
pub fn sanitize(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_control()).map(|c| if is_kept(c) { c } else { REPLACEMENT }).collect()
}

fn is_kept(c: char) -> bool {
    c.is_alphanumeric() || (c.is_ascii_graphic() && !matches!(c, '.' | ':' | '#' | '\\' | '$'))
}

/// The session name for a project called `project`: prefix + sanitized name, capped in length.
pub fn session_name(prefix: &str, project: &str) -> String {
    let mut name = sanitize(prefix);
    let body = sanitize(project);
    name.push_str(if body.is_empty() { "project" } else { &body });
    finish(name)
}

/// The session name for the project at `root`. When `is_taken_by_other(name)` says that name is
/// already used by another project, a short hash of `root` is added: two projects with the same
/// basename under different roots get distinct names, and each keeps its name across runs.
pub fn session_name_for_root(prefix: &str, root: &Path, is_taken_by_other: impl Fn(&str) -> bool) -> String {
    let base = root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let name = session_name(prefix, &base);
    if !is_taken_by_other(&name) {
        return name;
    }
    let suffix = format!("-{:06x}", fnv1a(root.as_os_str().as_encoded_bytes()) & 0xff_ffff);
    let keep = MAX_NAME_CHARS - suffix.chars().count();
    let mut short: String = name.chars().take(keep).collect();
    short.push_str(&suffix);
    short
}

/// Whether tmux would accept `name` as a session name and find it again with `-t =name`.
pub fn is_valid_session_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && !name.starts_with(['$', '@', '%', '=', '-'])
        && name.chars().all(is_kept)
}

/// Whether a session that already has `name` (one made by plain tmux, saved by `save --all`)
/// can be made again under it: the rules of [`is_valid_session_name`], but for a space, which
/// tmux keeps as it is and cdev passes only as an argument of its own. cdev's own names still
/// never hold one ([`sanitize`]).
pub fn can_remake_session_name(name: &str) -> bool {
    let spaced = name.replace(' ', &REPLACEMENT.to_string());
    is_valid_session_name(&spaced) && session_name("", &spaced) == spaced
}

fn finish(name: String) -> String {
    let mut name: String = name.chars().take(MAX_NAME_CHARS).collect();
    // Targets starting with these mean an id (`$1`, `@1`, `%1`), a match mode (`=`), or a flag.
    if name.starts_with(['$', '@', '%', '=', '-']) {
        name.replace_range(..name.chars().next().map_or(0, char::len_utf8), &REPLACEMENT.to_string());
    }
    name
}

/// FNV-1a: a hash that is the same on every machine and every Rust version, unlike `DefaultHasher`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_name_tmux_kept_with_a_space_can_be_made_again() {
        assert!(can_remake_session_name("legacy stuff"));
        assert!(can_remake_session_name("claude-dev-webapp"));
        for name in ["a:b", "a.b", "", "#(x)", "a\\b", "-a", "tab\there"] {
            assert!(!can_remake_session_name(name), "{name:?}");
        }
    }

    #[test]
    fn a_name_is_the_prefix_and_the_project() {
        assert_eq!(session_name(DEFAULT_PREFIX, "webapp"), "claude-dev-webapp");
        assert_eq!(session_name(DEFAULT_PREFIX, "api-service"), "claude-dev-api-service");
    }

    #[test]
    fn replaces_separators_and_drops_controls_but_keeps_unicode() {
        assert_eq!(session_name("", "my.app:v2 beta"), "my_app_v2_beta");
        assert_eq!(session_name("", "a\nb\u{1b}c"), "abc");
        assert_eq!(session_name("", "café-日本"), "café-日本");
        assert_eq!(session_name("", "$(touch x)#(y)"), "_(touch_x)_(y)");
        assert_eq!(session_name("", "-rf"), "_rf");
        assert_eq!(session_name("", "a\u{378}b\u{ffff}c\u{10ffff}🚀e\u{301}"), "a_b_c__e_");
        assert_eq!(session_name("p-", ""), "p-project");
        assert_eq!(session_name("", "my$app"), "my_app", "tmux would store my\\$app");
    }

    #[test]
    fn caps_the_length_on_a_char_boundary() {
        let name = session_name(DEFAULT_PREFIX, &"é".repeat(200));
        assert_eq!(name.chars().count(), MAX_NAME_CHARS);
    }

    #[test]
    fn same_basename_under_different_roots_gets_distinct_stable_names() {
        let taken = |name: &str| name == "claude-dev-webapp";
        let a = session_name_for_root(DEFAULT_PREFIX, Path::new("/work/webapp"), taken);
        let b = session_name_for_root(DEFAULT_PREFIX, Path::new("/home/webapp"), taken);
        assert_ne!(a, b);
        assert!(a.starts_with("claude-dev-webapp-"), "{a}");
        assert_eq!(a, session_name_for_root(DEFAULT_PREFIX, Path::new("/work/webapp"), taken));
        let free = session_name_for_root(DEFAULT_PREFIX, Path::new("/work/webapp"), |_| false);
        assert_eq!(free, "claude-dev-webapp");
    }

    proptest! {
        #[test]
        fn every_name_is_a_valid_target(prefix in "\\PC{0,12}", project in any::<String>()) {
            let name = session_name(&prefix, &project);
            prop_assert!(is_valid_session_name(&name), "{name:?}");
        }

        #[test]
        fn naming_is_deterministic(project in any::<String>(), root in "/[^\u{0}]{0,40}") {
            prop_assert_eq!(session_name(DEFAULT_PREFIX, &project), session_name(DEFAULT_PREFIX, &project));
            let taken = |_: &str| true;
            let first = session_name_for_root(DEFAULT_PREFIX, Path::new(&root), taken);
            prop_assert_eq!(&first, &session_name_for_root(DEFAULT_PREFIX, Path::new(&root), taken));
            prop_assert!(is_valid_session_name(&first), "{first:?}");
        }

        #[test]
        fn sanitizing_is_idempotent(project in any::<String>()) {
            let once = sanitize(&project);
            prop_assert_eq!(sanitize(&once), once);
        }
    }
}
