//! Reading tmux's `-F` output into typed records, exactly.
//!
//! Fields are joined by U+001F (unit separator) and each record starts with U+001E, so records are
//! told apart from any other output of the same tmux call (e.g. `show-options`). tmux escapes
//! control characters in session names, but not in paths, window names, titles or option values:
//! those "text" fields are escaped by tmux itself with `s///` format modifiers (`%` → `%25`,
//! U+001F → `%1F`, newline → `%0A`) and decoded here, so a directory named with a newline still
//! parses. A record with the wrong number of fields is an error, never skipped.

use anyhow::{anyhow, bail, Context, Result};

pub const FIELD_SEPARATOR: char = '\u{1f}';
pub const RECORD_TAG: char = '\u{1e}';

/// How a field's value is produced and read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A value tmux guarantees has no control characters: ids, numbers, flags, session names.
    Plain,
    /// Free text that may hold any byte: escaped by tmux, decoded by [`decode_text`].
    Text,
}

/// One `#{…}` variable of a record, such as `pane_current_path` or `@cdev_agent_state`.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: FieldKind,
}

pub const fn plain(name: &'static str) -> Field {
    Field { name, kind: FieldKind::Plain }
}

pub const fn text(name: &'static str) -> Field {
    Field { name, kind: FieldKind::Text }
}

/// A type read from one line of `list-*` output.
pub trait Record: Sized {
    const FIELDS: &'static [Field];
    fn from_fields(fields: &mut Fields<'_>) -> Result<Self>;
}

/// The `-F` argument for a record: a tag, then every field, separated.
pub fn format_string(fields: &[Field]) -> String {
    let mut out = String::from(RECORD_TAG);
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(FIELD_SEPARATOR);
        }
        match field.kind {
            FieldKind::Plain => out.push_str(&format!("#{{{}}}", field.name)),
            // Modifiers apply left to right, so `%` is escaped before the escapes are added.
            FieldKind::Text => {
                out.push_str(&format!("#{{s/%/%25/;s/[{FIELD_SEPARATOR}]/%1F/;s/[\n]/%0A/:{}}}", field.name))
            }
        }
    }
    out
}

/// Whether a line of output is a record (as opposed to the output of another chained command).
pub fn is_record(line: &str) -> bool {
    line.starts_with(RECORD_TAG)
}

/// Parses one record line; the line must hold exactly `R::FIELDS.len()` fields.
pub fn parse_record<R: Record>(line: &str) -> Result<R> {
    let body = line.strip_prefix(RECORD_TAG).ok_or_else(|| anyhow!("line is not a cdev record: {line:?}"))?;
    let values: Vec<&str> = body.split(FIELD_SEPARATOR).collect();
    if values.len() != R::FIELDS.len() {
        bail!("expected {} fields, found {}: {line:?}", R::FIELDS.len(), values.len());
    }
    let mut fields = Fields { fields: R::FIELDS, values, next: 0 };
    R::from_fields(&mut fields).with_context(|| format!("bad record {line:?}"))
}

/// Parses every record line of `output`, ignoring lines that are not records.
pub fn parse_records<R: Record>(output: &str) -> Result<Vec<R>> {
    output.lines().filter(|l| is_record(l)).map(parse_record).collect()
}

/// The values of one record, taken in the order the record's `FIELDS` declare them.
pub struct Fields<'a> {
    fields: &'static [Field],
    values: Vec<&'a str>,
    next: usize,
}

impl Fields<'_> {
    fn take(&mut self) -> Result<(Field, &str)> {
        let field = *self.fields.get(self.next).ok_or_else(|| anyhow!("record read past its last field"))?;
        let value = self.values[self.next];
        self.next += 1;
        Ok((field, value))
    }

    /// The next field as a string, decoded when it is a text field.
    pub fn string(&mut self) -> Result<String> {
        let (field, value) = self.take()?;
        Ok(match field.kind {
            FieldKind::Plain => value.to_string(),
            FieldKind::Text => decode_text(value),
        })
    }

    /// The next field as a number.
    pub fn number<T: std::str::FromStr>(&mut self) -> Result<T> {
        let (field, value) = self.take()?;
        value.parse().map_err(|_| anyhow!("field {} is not a number: {value:?}", field.name))
    }

    /// The next field as a tmux flag (`1` or `0`; empty counts as `0`).
    pub fn flag(&mut self) -> Result<bool> {
        let (field, value) = self.take()?;
        match value {
            "1" => Ok(true),
            "0" | "" => Ok(false),
            _ => bail!("field {} is not a flag: {value:?}", field.name),
        }
    }

    /// The next field as a string, `None` when tmux printed nothing (an unset user option).
    pub fn optional(&mut self) -> Result<Option<String>> {
        let value = self.string()?;
        Ok(if value.is_empty() { None } else { Some(value) })
    }
}

/// Undoes the escaping done by [`format_string`] for text fields.
pub fn decode_text(value: &str) -> String {
    if !value.contains('%') {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let code = rest.get(at + 1..at + 3);
        match code {
            Some("25") => out.push('%'),
            Some("1F") => out.push(FIELD_SEPARATOR),
            Some("0A") => out.push('\n'),
            // tmux always escapes `%`, so anything else is passed through unchanged.
            _ => {
                out.push('%');
                rest = &rest[at + 1..];
                continue;
            }
        }
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Pair {
        id: String,
        path: String,
    }

    impl Record for Pair {
        const FIELDS: &'static [Field] = &[plain("pane_id"), text("pane_current_path")];
        fn from_fields(f: &mut Fields<'_>) -> Result<Self> {
            Ok(Pair { id: f.string()?, path: f.string()? })
        }
    }

    #[test]
    fn format_string_tags_and_escapes_text_fields() {
        let format = format_string(Pair::FIELDS);
        assert!(format.starts_with('\u{1e}'));
        assert!(format.contains("#{pane_id}\u{1f}#{s/%/%25/;"));
    }

    #[test]
    fn records_decode_and_other_lines_are_ignored() {
        let out = "@cdev-prefix x\n\u{1e}%1\u{1f}/a%251F%0Ab%1Fc\n";
        let rows: Vec<Pair> = parse_records(out).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].id, "%1");
        assert_eq!(rows[0].path, "/a%1F\nb\u{1f}c");
    }

    #[test]
    fn a_record_with_the_wrong_field_count_is_an_error() {
        let err = parse_records::<Pair>("\u{1e}%1\n").unwrap_err();
        assert!(err.to_string().contains("expected 2 fields, found 1"), "{err}");
        assert!(parse_records::<Pair>("\u{1e}%1\u{1f}a\u{1f}b\n").is_err());
    }

    #[test]
    fn decoding_is_the_inverse_of_tmux_escaping() {
        // What the s/// chain makes of a value, done here by hand.
        let escape = |s: &str| s.replace('%', "%25").replace('\u{1f}', "%1F").replace('\n', "%0A");
        for raw in ["", "%", "%%1F", "a\nb", "\u{1f}", "100%0A", "ü%2"] {
            assert_eq!(decode_text(&escape(raw)), raw);
        }
    }
}
