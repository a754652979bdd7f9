//! Short human forms for durations and table cells.

/// `45s`, `3m`, `2h 5m`, `3d 4h`: the two most significant units, the smaller one left out when zero.
pub fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let (days, hours, minutes) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// Pads `text` with spaces to `width` characters (not bytes, so unicode names line up).
pub fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(len)))
}

/// `text` with control characters shown as escapes, so a newline in a path cannot break a table
/// row, and bidirectional overrides too, so a name cannot reorder what is printed after it.
pub fn printable(text: &str) -> String {
    text.chars().map(|c| if is_unsafe(c) { c.escape_default().to_string() } else { c.to_string() }).collect()
}

/// Control characters and the invisible marks that change the direction of the text around them.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A path as it may be shown on a terminal: `printable`, so a directory named with an escape
/// sequence cannot drive the terminal.
pub fn shown_path(path: &std::path::Path) -> String {
    printable(&path.display().to_string())
}

/// `printable` for text of several lines (an error message): newlines and tabs are kept.
pub fn printable_lines(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\t' => c.to_string(),
            c if is_unsafe(c) => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_never_carries_an_escape_sequence() {
        assert_eq!(printable_lines("no \x1b[31mred\nC:\\temp\tx"), "no \\u{1b}[31mred\nC:\\temp\tx");
        assert_eq!(printable("\u{202e}txt.exe"), "\\u{202e}txt.exe");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(-5), "0s");
        assert_eq!(duration(45), "45s");
        assert_eq!(duration(180), "3m");
        assert_eq!(duration(7_200), "2h");
        assert_eq!(duration(7_500), "2h 5m");
        assert_eq!(duration(86_400 * 3 + 3_600 * 4 + 59), "3d 4h");
        assert_eq!(duration(86_400 * 2), "2d");
    }

    #[test]
    fn control_characters_are_escaped_for_tables() {
        assert_eq!(printable("a\nb\u{1f}ü"), "a\\nb\\u{1f}ü");
    }

    #[test]
    fn padding_counts_characters() {
        assert_eq!(pad("日本", 4), "日本  ");
        assert_eq!(pad("toolong", 3), "toolong");
    }
}
