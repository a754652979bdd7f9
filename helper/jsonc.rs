//! JSON with comments and trailing commas (VS Code's `tasks.json`): read by blanking the comments
//! and trailing commas out, offsets and lines unchanged, so errors point at the user's own line
//! and an edit made at an offset of the blanked text lands at the same place in the original.

/// `text` with `//` and `/* */` comments and trailing commas replaced by spaces (newlines kept).
pub fn blank(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    // The last comma outside strings, cleared when anything but whitespace or a comment follows.
    let mut pending_comma: Option<usize> = None;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                pending_comma = None;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..].find("*/").map_or(bytes.len(), |e| i + 2 + e + 2);
                for byte in &mut out[i..end] {
                    if *byte != b'\n' {
                        *byte = b' ';
                    }
                }
                i = end;
            }
            b',' => {
                pending_comma = Some(i);
                i += 1;
            }
            b']' | b'}' => {
                if let Some(comma) = pending_comma.take() {
                    out[comma] = b' ';
                }
                i += 1;
            }
            b if b.is_ascii_whitespace() => i += 1,
            _ => {
                pending_comma = None;
                i += 1;
            }
        }
    }
    // Only ASCII bytes were replaced, by ASCII: still UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// In blanked text, the offset just after the `[` of the root object's `key` array, or after the
/// root's `{` when there is no such key (then `false`).
pub fn array_start(blanked: &str, key: &str) -> Option<(usize, bool)> {
    let bytes = blanked.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    let mut root_open = None;
    let wanted = format!("\"{key}\"");
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                if depth == 1 && blanked.get(start..i) == Some(wanted.as_str()) {
                    let rest = &blanked[i..];
                    let colon = rest.find(|c: char| !c.is_whitespace())?;
                    if rest.as_bytes()[colon] != b':' {
                        continue;
                    }
                    let after = &rest[colon + 1..];
                    let open = after.find(|c: char| !c.is_whitespace())?;
                    return (after.as_bytes()[open] == b'[').then_some((i + colon + 1 + open + 1, true));
                }
            }
            b'{' | b'[' => {
                depth += 1;
                if depth == 1 && bytes[i] == b'{' {
                    root_open = Some(i + 1);
                }
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    root_open.map(|at| (at, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_trailing_commas_are_blanked_in_place() {
        let text = "{\n  // mine\n  \"a\": \"x // not a comment\", /* b */\n  \"t\": [1, 2,],\n}\n";
        let blanked = blank(text);
        assert_eq!(blanked.len(), text.len());
        assert_eq!(blanked.lines().count(), text.lines().count());
        let value: serde_json::Value = serde_json::from_str(&blanked).unwrap();
        assert_eq!(value["a"], "x // not a comment");
        assert_eq!(value["t"], serde_json::json!([1, 2]));
    }

    #[test]
    fn the_array_of_a_root_key_is_found_not_a_nested_one() {
        let text = r#"{"inputs": {"tasks": []}, "tasks" : [ {"label": "x"} ]}"#;
        let (at, found) = array_start(text, "tasks").unwrap();
        assert!(found);
        assert_eq!(&text[at..at + 2], " {");
        assert_eq!(array_start(r#"{"version": "2.0.0"}"#, "tasks"), Some((1, false)));
    }
}
