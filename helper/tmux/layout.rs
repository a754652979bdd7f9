//! tmux's layout strings (`select-layout` with a saved layout), checked before tmux sees one:
//! tmux 3.3a crashes (taking every session with it) on some malformed layouts, and a layout from
//! a snapshot, a bundle or a template is someone's file. A layout passes only when it is what
//! tmux itself writes: its checksum, its grammar, one cell per pane, sizes that add up.

/// The layout names `select-layout` knows.
pub const NAMES: &[&str] = &["even-horizontal", "even-vertical", "main-horizontal", "main-vertical", "tiled"];

/// Far beyond any terminal; a window this size already costs tmux hundreds of MiB.
pub const MAX_SIDE: u32 = 4096;
/// Nesting deeper than any real layout (tmux parses it recursively).
const MAX_DEPTH: usize = 32;
/// A layout string longer than this is not one tmux wrote for a window cdev would restore.
const MAX_LEN: usize = 64 * 1024;

/// Why `layout` cannot go to `select-layout` on a window of `panes` panes; `None` when it can.
/// Layout names always can.
pub fn problem(layout: &str, panes: usize) -> Option<String> {
    if NAMES.contains(&layout) {
        return None;
    }
    check(layout, panes).err()
}

/// `layout`, or `tiled` (with `note` told why) when it cannot go to tmux.
pub fn or_tiled<'a>(layout: &'a str, panes: usize, what: &str, notes: &mut Vec<String>) -> &'a str {
    match problem(layout, panes) {
        None => layout,
        Some(reason) => {
            notes.push(format!("{what}: its layout is not one tmux can take ({reason}): tiled instead"));
            "tiled"
        }
    }
}

/// Whether `layout` reads as a saved layout string at all (its grammar, not its pane count).
pub fn is_layout_string(layout: &str) -> bool {
    parse(layout).is_ok()
}

fn check(layout: &str, panes: usize) -> Result<(), String> {
    let root = parse(layout)?;
    let cells = root.leaves();
    if cells != panes {
        return Err(format!("it has {cells} cells for {panes} panes"));
    }
    if root.sx == 0 || root.sy == 0 || root.sx > MAX_SIDE || root.sy > MAX_SIDE {
        return Err(format!("its size {}x{} is outside 1x1 to {MAX_SIDE}x{MAX_SIDE}", root.sx, root.sy));
    }
    // tmux puts a window's layout at 0,0; its cells follow from there.
    if (root.x, root.y) != (0, 0) {
        return Err("it does not start at 0,0".into());
    }
    root.fits()
}

#[derive(Debug)]
struct Cell {
    sx: u32,
    sy: u32,
    x: u32,
    y: u32,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Pane,
    /// `{…}`: side by side.
    LeftRight(Vec<Cell>),
    /// `[…]`: one above the other.
    TopBottom(Vec<Cell>),
}

fn parse(layout: &str) -> Result<Cell, String> {
    if layout.len() > MAX_LEN {
        return Err(format!("longer than {} KiB", MAX_LEN / 1024));
    }
    let Some((checksum, body)) = layout.split_once(',') else { return Err("no checksum".into()) };
    if checksum.len() != 4 || !checksum.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("no checksum".into());
    }
    if u16::from_str_radix(checksum, 16).ok() != Some(tmux_checksum(body)) {
        return Err("its checksum does not match".into());
    }
    let mut rest = body.as_bytes();
    let cell = cell(&mut rest, 0)?;
    if !rest.is_empty() {
        return Err("text after the layout".into());
    }
    Ok(cell)
}

/// tmux's `layout_checksum`.
fn tmux_checksum(body: &str) -> u16 {
    body.bytes().fold(0u16, |sum, b| ((sum >> 1) | ((sum & 1) << 15)).wrapping_add(u16::from(b)))
}

fn number(rest: &mut &[u8]) -> Result<u32, String> {
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 5 {
        return Err("a size or offset is not a number tmux wrote".into());
    }
    let text = std::str::from_utf8(&rest[..digits]).map_err(|e| e.to_string())?;
    *rest = &rest[digits..];
    text.parse().map_err(|_| "a number out of range".to_string())
}

fn expect(rest: &mut &[u8], byte: u8) -> Result<(), String> {
    match rest.first() {
        Some(b) if *b == byte => {
            *rest = &rest[1..];
            Ok(())
        }
        _ => Err(format!("expected {:?}", byte as char)),
    }
}

/// `WxH,X,Y` then `,ID` (a pane), `{…}` or `[…]`.
fn cell(rest: &mut &[u8], depth: usize) -> Result<Cell, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH}"));
    }
    let sx = number(rest)?;
    expect(rest, b'x')?;
    let sy = number(rest)?;
    expect(rest, b',')?;
    let x = number(rest)?;
    expect(rest, b',')?;
    let y = number(rest)?;
    let close = match rest.first() {
        Some(b'{') => b'}',
        Some(b'[') => b']',
        Some(b',') => {
            // The pane id that follows a pane's geometry.
            *rest = &rest[1..];
            number(rest)?;
            return Ok(Cell { sx, sy, x, y, kind: Kind::Pane });
        }
        _ => return Err("a pane without its id".into()),
    };
    *rest = &rest[1..];
    let mut children = vec![cell(rest, depth + 1)?];
    while rest.first() == Some(&b',') {
        *rest = &rest[1..];
        children.push(cell(rest, depth + 1)?);
    }
    expect(rest, close)?;
    let kind = if close == b'}' { Kind::LeftRight(children) } else { Kind::TopBottom(children) };
    Ok(Cell { sx, sy, x, y, kind })
}

impl Cell {
    fn leaves(&self) -> usize {
        match &self.kind {
            Kind::Pane => 1,
            Kind::LeftRight(children) | Kind::TopBottom(children) => children.iter().map(Cell::leaves).sum(),
        }
    }

    /// tmux's `layout_check`, and what tmux's own layouts always hold besides: every cell at
    /// least 1x1, two or more children per split, each child where the one before it ends.
    fn fits(&self) -> Result<(), String> {
        if self.sx == 0 || self.sy == 0 {
            return Err("a cell of size 0".into());
        }
        let (children, side_by_side) = match &self.kind {
            Kind::Pane => return Ok(()),
            Kind::LeftRight(children) => (children, true),
            Kind::TopBottom(children) => (children, false),
        };
        if children.len() < 2 {
            return Err("a split with one cell".into());
        }
        let (mut x, mut y) = (u64::from(self.x), u64::from(self.y));
        for child in children {
            if (u64::from(child.x), u64::from(child.y)) != (x, y) {
                return Err("cells that overlap or leave gaps".into());
            }
            if side_by_side {
                if child.sy != self.sy {
                    return Err("cells side by side of different heights".into());
                }
                x += u64::from(child.sx) + 1;
            } else {
                if child.sx != self.sx {
                    return Err("cells one above the other of different widths".into());
                }
                y += u64::from(child.sy) + 1;
            }
            child.fits()?;
        }
        let (end, size) = match side_by_side {
            true => (x - u64::from(self.x), self.sx),
            false => (y - u64::from(self.y), self.sy),
        };
        if end != u64::from(size) + 1 {
            return Err("cell sizes that do not add up".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A layout with its checksum, as tmux prints it.
    fn with_checksum(body: &str) -> String {
        format!("{:04x},{body}", tmux_checksum(body))
    }

    #[test]
    fn layouts_tmux_wrote_pass() {
        // From a real tmux 3.3a: three panes, one split inside another.
        let real = "d67e,80x24,0,0{40x24,0,0,0,39x24,41,0[39x12,41,0,1,39x11,41,13,2]}";
        assert_eq!(problem(real, 3), None);
        let body = "200x50,0,0{100x50,0,0,1,99x50,101,0[99x25,101,0,2,99x24,101,26,3]}";
        assert_eq!(problem(&with_checksum(body), 3), None);
        assert_eq!(problem(&with_checksum("80x24,0,0,5"), 1), None);
        assert_eq!(problem("tiled", 7), None);
        assert_eq!(
            tmux_checksum("80x24,0,0,5"),
            u16::from_str_radix(&with_checksum("80x24,0,0,5")[..4], 16).unwrap()
        );
    }

    #[test]
    fn malformed_layouts_are_refused_issue_18() {
        let good = "200x50,0,0{100x50,0,0,1,99x50,101,0,2}";
        assert!(problem(&with_checksum(good), 3).unwrap().contains("2 cells for 3 panes"));
        assert!(problem(&format!("0000,{good}"), 2).unwrap().contains("checksum"));
        for bad in [
            "",
            "garbage",
            "200x50,0,0{100x50,0,0,1}",
            "200x50,0,0{100x50,0,0,1,50x50,101,0,2}",
            "200x50,0,0{100x50,0,0,1,99x49,101,0,2}",
            "200x50,0,0{100x50,0,0,1,99x50,100,0,2}",
            "0x0,0,0,1",
            "99999x50,0,0,1",
            "4294967296x50,0,0,1",
            "200x50,0,0{100x50,0,0,1,99x50,101,0,2",
            "200x50,0,0{100x50,0,0,1,99x50,101,0,2}}",
            "200x50,0,0<100x50,0,0,1>",
            "80x24,0,0",
            // Found by the fuzzer: an offset tmux never writes.
            "9x90,66044,02,0",
        ] {
            let layout = with_checksum(bad);
            assert!(problem(&layout, bad.matches(',').count().max(1)).is_some(), "{bad:?} passed");
            assert!(problem(&layout, 1).is_some() && problem(&layout, 2).is_some(), "{bad:?} passed");
        }
        let deep = format!("{}80x24,0,0,1{}", "80x24,0,0[".repeat(100), "]".repeat(100));
        assert!(problem(&with_checksum(&deep), 1).is_some());
        let mut notes = Vec::new();
        assert_eq!(or_tiled("1234,x", 2, "window 3", &mut notes), "tiled");
        assert!(notes[0].starts_with("window 3: its layout is not one tmux can take"), "{notes:?}");
    }
}
