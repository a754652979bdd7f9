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

/// `text` with control characters shown as escapes, so a newline in a path cannot break a table row.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
