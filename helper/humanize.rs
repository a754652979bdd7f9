//! Short human forms for durations, sizes and table cells, and durations read back from them.

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

/// `950`, `12.3k`, `4.5M`: a count of tokens in a table cell.
pub fn count(n: u64) -> String {
    match n {
        n if n < 1_000 => n.to_string(),
        n if n < 999_950 => format!("{:.1}k", n as f64 / 1e3),
        n => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// `1 pane`, `4 panes`: a number and its noun (singular given), plural unless it is one.
pub fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `90s`, `30m`, `24h`, `7d` (or a bare number of seconds) as seconds.
pub fn parse_duration(text: &str) -> anyhow::Result<i64> {
    // Bad input, not a failure: exit status 2, as for any other bad argument.
    let refuse = || {
        crate::input_error::InputError::new(
            "could not read the duration",
            format!("{text:?} is not one (say 90s, 30m, 24h, 7d)"),
        )
    };
    let trimmed = text.trim();
    let (digits, unit) =
        trimmed.split_at(trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(trimmed.len()));
    let value: i64 = digits.parse().map_err(|_| refuse())?;
    let scale = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(refuse().into()),
    };
    Ok(value.saturating_mul(scale))
}

/// KiB as the largest unit that keeps it readable.
pub fn memory(kib: u64) -> String {
    match kib {
        k if k >= 1024 * 1024 => format!("{:.1} GiB", k as f64 / (1024.0 * 1024.0)),
        k if k >= 1024 => format!("{:.0} MiB", k as f64 / 1024.0),
        k => format!("{k} KiB"),
    }
}

/// The columns `text` takes on a terminal: a CJK character or an emoji takes two, a combining
/// mark none (unicode-width, the table terminals themselves follow).
pub fn width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// Pads `text` with spaces to `width` columns (not bytes or characters, so wide names line up).
pub fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(self::width(text))))
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
    fn counts_are_short() {
        let shown = [950, 12_345, 999_949, 999_950, 4_500_000].map(count);
        assert_eq!(shown, ["950", "12.3k", "999.9k", "1.0M", "4.5M"]);
    }

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
    fn padding_counts_columns() {
        assert_eq!(pad("日本", 6), "日本  ");
        assert_eq!(pad("e\u{301}", 2), "e\u{301} ", "a combining accent takes no column");
        assert_eq!(width("a日"), 3);
        assert_eq!(pad("toolong", 3), "toolong");
    }

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(parse_duration("90s").unwrap(), 90);
        assert_eq!(parse_duration("30m").unwrap(), 1800);
        assert_eq!(parse_duration("24h").unwrap(), 86_400);
        assert_eq!(parse_duration("7d").unwrap(), 604_800);
        assert_eq!(parse_duration("0").unwrap(), 0);
        for bad in ["", "h", "5y", "-1h", "1.5h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
