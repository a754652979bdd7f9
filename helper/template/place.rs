//! Where a key stands in a TOML template: a [`Place`] (`windows[1].panes[0].size`, `env.X`) and
//! its line, read from the spans of toml's own parser (`toml_edit`, which `toml` parses with)
//! rather than guessed from the text, so inline tables, dotted keys and quoted keys are found as
//! well as `[[windows]]`. (`toml::Spanned` cannot do it: the template types also read JSON, and
//! a table made by a dotted key has no span to give.)

use std::fmt;

use toml_edit::ImDocument;

/// A key inside a template, from its top level down.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place(Vec<Step>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

impl Place {
    pub fn key(mut self, name: impl Into<String>) -> Place {
        self.0.push(Step::Key(name.into()));
        self
    }

    pub fn index(mut self, index: usize) -> Place {
        self.0.push(Step::Index(index));
        self
    }

    /// The 1-based line of this key in `text`, a TOML template; `None` when the text does not
    /// parse or does not hold the key (it came from a template this one extends).
    pub fn line_in(&self, text: &str) -> Option<usize> {
        let document = ImDocument::parse(text).ok()?;
        let (mut item, mut span) = (document.as_item(), None);
        for step in &self.0 {
            let (next, key_span) = match step {
                Step::Key(key) => (item.get(key.as_str())?, item.as_table_like()?.key(key)?.span()),
                Step::Index(index) => (item.get(*index)?, None),
            };
            // A key's own line, else its value's (an array's item, a table's header).
            span = key_span.or_else(|| next.span()).or(span);
            item = next;
        }
        Some(crate::input_error::line_of(text, span?.start))
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(key) if n == 0 => write!(f, "{key}")?,
                Step::Key(key) => write!(f, ".{key}")?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(path: &[&str]) -> Place {
        path.iter().fold(Place::default(), |place, step| match step.parse() {
            Ok(index) => place.index(index),
            Err(_) => place.key(*step),
        })
    }

    #[test]
    fn places_read_as_keys_and_find_their_line_however_the_toml_is_written() {
        let text = "name = \"x\"\n[env]\n\"1.BAD\" = \"v\"\n[[windows]]\nlayout = \"tiled\"\n[[windows.panes]]\n[[windows]]\nlayout = \"odd\"\npanes = [\n  { title = \"a\" },\n  { size = \"2x\" },\n]\n[[windows]]\npanes.0 = 1\n";
        let size = at(&["windows", "1", "panes", "1", "size"]);
        assert_eq!(size.to_string(), "windows[1].panes[1].size");
        assert_eq!(size.line_in(text), Some(11));
        assert_eq!(at(&["windows", "1", "layout"]).line_in(text), Some(8));
        assert_eq!(at(&["env", "1.BAD"]).line_in(text), Some(3));
        assert_eq!(at(&["name"]).line_in(text), Some(1));
        assert_eq!(at(&["windows", "0", "panes", "0", "size"]).line_in(text), None);
        assert_eq!(at(&["windows", "2", "panes", "0"]).line_in(text), None);
        assert_eq!(at(&["name"]).line_in("name = ="), None);
        let dotted = "name = \"x\"\nenv.PATH = \"/bin\"\nwindows = [{ panes = [{}, { size = \"x\" }] }]\n";
        assert_eq!(at(&["env", "PATH"]).line_in(dotted), Some(2));
        assert_eq!(at(&["windows", "0", "panes", "1", "size"]).line_in(dotted), Some(3));
    }
}
