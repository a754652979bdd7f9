//! What the picker's preview pane shows for a project: its branch, `git status --short` and the
//! head of its README (a saved session's preview is `saved.rs`'s; a session's is its active
//! pane, captured when highlighted).

use std::path::Path;

use crate::git;

/// A project's branch, `git status --short` and the head of its README.
pub(super) fn project_preview(root: &Path, git_repo: bool) -> String {
    let mut text = String::new();
    if git_repo {
        let branch = git::branch_of(root).unwrap_or_else(|| "(no branch)".into());
        text.push_str(&format!("\x1b[1mbranch\x1b[0m {branch}\n"));
        match git::run(root, &["status", "--short"]) {
            Ok(status) if status.trim().is_empty() => text.push_str("clean\n"),
            Ok(status) => text.extend(status.lines().take(15).map(|l| format!("{l}\n"))),
            Err(err) => text.push_str(&format!("{err:#}\n")),
        }
        text.push('\n');
    }
    for name in ["README.md", "README", "README.rst", "readme.md"] {
        if let Ok(readme) = std::fs::read(root.join(name)) {
            let readme = String::from_utf8_lossy(&readme[..readme.len().min(4096)]).into_owned();
            text.extend(readme.lines().take(20).map(|l| format!("{l}\n")));
            break;
        }
    }
    text
}
