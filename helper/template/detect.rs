//! Which template fits a project: the first, by priority, whose detection rules all hold.

use std::path::Path;

use crate::bounded;

use super::{Detect, Template};

/// Whether every rule of `detect` holds for the project at `root`.
pub fn matches(detect: &Detect, root: &Path) -> bool {
    detect.files.iter().all(|f| root.join(f).exists())
        && (detect.any.is_empty() || detect.any.iter().any(|f| root.join(f).exists()))
        && !detect.absent.iter().any(|f| root.join(f).exists())
        && detect.contains.iter().all(|(file, text)| {
            // Manifests are small; a huge, unreadable or not regular file (a link to /dev/zero)
            // simply does not match.
            bounded::read(&root.join(file), bounded::limit::MANIFEST)
                .is_ok_and(|bytes| contains(&bytes, text.as_bytes()))
        })
}

/// The order templates are tried in: names in `priority` first, in that order, then the rest by
/// their own `priority` (highest first), then by name. Templates without rules are never detected.
pub fn detection_order<'a>(templates: &'a [Template], priority: &[String]) -> Vec<&'a Template> {
    let mut ordered: Vec<&Template> = templates.iter().filter(|t| t.detect.is_some()).collect();
    let rank = |t: &Template| priority.iter().position(|name| *name == t.name).unwrap_or(usize::MAX);
    ordered.sort_by(|a, b| rank(a).cmp(&rank(b)).then(b.priority.cmp(&a.priority)).then(a.name.cmp(&b.name)));
    ordered
}

/// The first template, in detection order, that matches the project at `root`.
pub fn detect<'a>(templates: &'a [Template], priority: &[String], root: &Path) -> Option<&'a Template> {
    detection_order(templates, priority)
        .into_iter()
        .find(|t| t.detect.as_ref().is_some_and(|rules| matches(rules, root)))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}
