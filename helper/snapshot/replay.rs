//! What of a pane's saved contents is shown back on restore: the text and its colours, nothing
//! a terminal would act on. A restore `cat`s the contents into the new pane, so any escape
//! sequence in them reaches tmux: OSC 52 would set the clipboard and the paste buffer, OSC 0/2
//! the title, DCS tmux passthrough the outer terminal. `capture-pane -e` writes only SGR
//! (colour and attribute) sequences, so keeping those alone loses nothing of a snapshot cdev
//! made, and a bundle or snapshot from elsewhere cannot do more than colour its text.

/// `text` with every control character and escape sequence removed, except newlines, tabs and
/// SGR sequences (`ESC [ params m`, params digits, `;` and `:`).
pub fn replayable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            '\u{1b}' => {
                if let Some(end) = sgr_end(&text[start..]) {
                    out.push_str(&text[start..start + end]);
                    while chars.peek().is_some_and(|(i, _)| *i < start + end) {
                        chars.next();
                    }
                } else {
                    skip_sequence(&mut chars);
                }
            }
            // C0 and DEL, and C1 (which some terminals read as ESC + a letter: U+009B is CSI).
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The length of the SGR sequence at the start of `text` (which starts with ESC), if it is one.
fn sgr_end(text: &str) -> Option<usize> {
    let rest = text.strip_prefix("\u{1b}[")?;
    let params = rest.bytes().take_while(|b| b.is_ascii_digit() || *b == b';' || *b == b':').count();
    // Bounded: a real SGR is short; a run of digits without an end is text to drop, not keep.
    (params <= 64 && rest.as_bytes().get(params) == Some(&b'm')).then_some(2 + params + 1)
}

/// Skips the rest of an escape sequence whose ESC was just read: CSI up to its final byte, OSC,
/// DCS, APC, PM and SOS up to their terminator (BEL or ESC \), any other up to its final byte.
fn skip_sequence(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) {
    let Some((_, kind)) = chars.next() else { return };
    match kind {
        '[' => {
            // Parameters and intermediates (0x20–0x3f), then one final byte (0x40–0x7e).
            // A byte that is neither (a newline) ends it too, and is kept.
            while let Some((_, c)) = chars.peek().copied() {
                if !('\u{20}'..='\u{3f}').contains(&c) {
                    if ('\u{40}'..='\u{7e}').contains(&c) {
                        chars.next();
                    }
                    break;
                }
                chars.next();
            }
        }
        ']' | 'P' | '_' | '^' | 'X' => {
            while let Some((_, c)) = chars.next() {
                match c {
                    '\u{7}' => break,
                    '\u{1b}' => {
                        if chars.peek().is_some_and(|(_, c)| *c == '\\') {
                            chars.next();
                        }
                        break;
                    }
                    _ => {}
                }
            }
        }
        // Intermediates (ESC ( B, ESC # 8 …), then the final byte.
        c if ('\u{20}'..='\u{2f}').contains(&c) => {
            while let Some((_, c)) = chars.peek().copied() {
                chars.next();
                if !('\u{20}'..='\u{2f}').contains(&c) {
                    break;
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::replayable;

    #[test]
    fn colours_and_text_stay() {
        let text = "\u{1b}[1;38;2;255:0:0mred\u{1b}[0m plain\n\ttabbed ü 漢\n";
        assert_eq!(replayable(text), text);
    }

    #[test]
    fn what_a_terminal_would_act_on_goes() {
        // OSC 52 (clipboard, paste buffer) with BEL and with ST, a title, DCS passthrough,
        // cursor moves, a screen clear, a charset switch, C1 CSI, bells, carriage returns.
        let text = concat!(
            "a\u{1b}]52;c;Y3VybCBldmlsIHwgc2g=\u{7}b",
            "\u{1b}]52;c;eA==\u{1b}\\c",
            "\u{1b}]2;evil\u{7}d",
            "\u{1b}Ptmux;\u{1b}\u{1b}]52;c;eA==\u{7}\u{1b}\\e",
            "\u{1b}[2J\u{1b}[10;10Hf\u{1b}(0g\u{9b}31mh\u{7}\r\u{8}i",
        );
        // (C1 CSI goes; the "31m" after it is only text then.)
        assert_eq!(replayable(text), "abcdefg31mhi");
    }

    #[test]
    fn an_unfinished_sequence_takes_nothing_after_it_for_a_command() {
        assert_eq!(replayable("x\u{1b}]52;c;eA=="), "x");
        assert_eq!(replayable("x\u{1b}[12"), "x");
        assert_eq!(replayable("x\u{1b}[12\ny"), "x\ny");
        assert_eq!(replayable("x\u{1b}"), "x");
    }
}
