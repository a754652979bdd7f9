//! Editing JSON that people also edit by hand (VS Code's `tasks.json`, Claude Code's
//! `settings.json`) in place, through a concrete syntax tree (jsonc-parser's CST): whatever cdev
//! does not change keeps its exact text (comments, blank lines, indentation, the spelling of every
//! number), and what it adds takes the file's own indentation.

pub use jsonc_parser::cst::{CstArray, CstInputValue, CstNode, CstObject, CstObjectProp, CstRootNode};
use jsonc_parser::ParseOptions;
use serde_json::Value;

/// How much beyond JSON a file may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Plain JSON (Claude Code's settings: what Claude would refuse, cdev refuses too).
    Json,
    /// JSON with `//` and `/* */` comments and trailing commas, as VS Code reads it.
    Jsonc,
}

/// A syntax error: what is wrong, and the line (1-based) it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub line: usize,
}

/// Parses `text`. Only comments and trailing commas (in [`Dialect::Jsonc`]) are allowed beyond
/// JSON: none of the parser's other extensions (single quotes, hex numbers, bare keys).
pub fn parse(text: &str, dialect: Dialect) -> Result<CstRootNode, SyntaxError> {
    // The CST keeps comments whatever the options say: plain JSON is checked by serde_json first,
    // whose messages are the ones cdev has always given.
    if dialect == Dialect::Json {
        if let Err(err) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
            let message = err.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message).to_string();
            return Err(SyntaxError { message, line: err.line() });
        }
    }
    let options = ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    CstRootNode::parse(text, &options)
        .map_err(|err| SyntaxError { message: err.kind().to_string(), line: err.line_display() })
}

/// `value` as the CST inserts it (numbers keep serde_json's spelling).
pub fn input(value: &Value) -> CstInputValue {
    match value {
        Value::Null => CstInputValue::Null,
        Value::Bool(b) => CstInputValue::Bool(*b),
        Value::Number(n) => CstInputValue::Number(n.to_string()),
        Value::String(s) => CstInputValue::String(s.clone()),
        Value::Array(items) => CstInputValue::Array(items.iter().map(input).collect()),
        Value::Object(map) => CstInputValue::Object(map.iter().map(|(k, v)| (k.clone(), input(v))).collect()),
    }
}

/// The text of a string value; `None` for anything else.
pub fn string(node: Option<CstNode>) -> Option<String> {
    node?.as_string_lit()?.decoded_value().ok()
}

/// The string at `key` of an object node; `None` when it is not an object or has no such string.
pub fn string_at(node: &CstNode, key: &str) -> Option<String> {
    string(node.as_object()?.get(key)?.value())
}

/// Sets `key` of `object` to the string `value`: in place when it is there (left alone when it
/// already says that), else appended.
pub fn set_string(object: &CstObject, key: &str, value: &str) {
    match object.get(key) {
        Some(prop) if string(prop.value()).as_deref() == Some(value) => {}
        Some(prop) => prop.set_value(CstInputValue::String(value.to_string())),
        None => {
            object.append(key, CstInputValue::String(value.to_string()));
        }
    }
}

/// The line (1-based) `node` starts on: the lines of all the text before it in its tree.
pub fn line_of(node: &CstNode) -> usize {
    let mut newlines = 0;
    let mut current = Some(node.clone());
    while let Some(node) = current {
        newlines +=
            node.previous_siblings().map(|before| before.to_string().matches('\n').count()).sum::<usize>();
        current = node.parent().map(CstNode::from);
    }
    newlines + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_trailing_commas_are_jsonc_only() {
        let text = "{\n  // mine\n  \"a\": \"x // not a comment\", /* b */\n  \"t\": [1, 2,],\n}\n";
        let root = parse(text, Dialect::Jsonc).unwrap();
        assert_eq!(root.to_string(), text, "read and written back unchanged");
        let a = root.object_value().unwrap().get("a").unwrap().value();
        assert_eq!(string(a).as_deref(), Some("x // not a comment"));
        assert_eq!(parse(text, Dialect::Json).unwrap_err().line, 2);
        for not_even_jsonc in ["{'a': 1}", "{a: 1}", "{\"a\": 0x10}", "{\"a\": 1 \"b\": 2}", "{\"a\": +1}"] {
            assert!(parse(not_even_jsonc, Dialect::Jsonc).is_err(), "{not_even_jsonc}");
        }
    }

    #[test]
    fn an_edit_keeps_the_rest_of_the_text() {
        let text = "{\n    \"big\": 12345678901234567890123, // exact\n    \"ver\": 1.10\n}\n";
        let root = parse(text, Dialect::Jsonc).unwrap();
        let object = root.object_value().unwrap();
        set_string(&object, "new", "v");
        assert_eq!(
            root.to_string(),
            "{\n    \"big\": 12345678901234567890123, // exact\n    \"ver\": 1.10,\n    \"new\": \"v\"\n}\n"
        );
        set_string(&object, "new", "v");
        set_string(&object, "ver", "2");
        assert!(root.to_string().contains("\"ver\": \"2\""));
    }

    #[test]
    fn a_node_knows_its_line() {
        let text = "{\n  // one\n  \"a\": 1,\n  \"b\": {\n\n    \"c\": [true]\n  }\n}\n";
        let root = parse(text, Dialect::Jsonc).unwrap();
        let object = root.object_value().unwrap();
        assert_eq!(line_of(&object.get("a").unwrap().into()), 3);
        let b = object.get("b").unwrap();
        assert_eq!(line_of(&b.clone().into()), 4);
        assert_eq!(line_of(&b.object_value().unwrap().get("c").unwrap().into()), 6);
        assert_eq!(line_of(&root.into()), 1);
    }
}
