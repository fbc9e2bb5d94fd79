//! Text edits on JSON documents that keep the user's layout.

use mantile_diag::{TextEdit, TextRange};
use mantile_json::Node;
use mantile_model::{Category, Layer};

/// A JSON string literal for `s`.
pub fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Replaces a value.
pub fn replace(node: Node, new_json: impl Into<String>) -> TextEdit {
    TextEdit {
        range: node.range,
        new_text: new_json.into(),
    }
}

/// The indentation (spaces/tabs) of the line holding `offset`.
pub fn indent_at(text: &str, offset: usize) -> &str {
    let line_start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let rest = &text[line_start..];
    let n = rest
        .find(|c: char| c != ' ' && c != '\t')
        .unwrap_or(rest.len());
    &rest[..n]
}

/// Inserts `"key": value` as the last member of `object`, matching the
/// indentation of its members (or one level deeper than the object for an
/// empty object).
pub fn insert_member(text: &str, object: Node, key: &str, value_json: &str) -> Option<TextEdit> {
    if !object.is_object() {
        return None;
    }
    let member = format!("{}: {value_json}", json_string(key));
    match object.members().last() {
        Some(last) => {
            let first = object.members().next()?;
            let multiline =
                text[object.range.start as usize..first.key_range.start as usize].contains('\n');
            let sep = if multiline {
                format!(",\n{}", indent_at(text, first.key_range.start as usize))
            } else {
                ", ".to_string()
            };
            Some(TextEdit {
                range: TextRange::empty(last.value.range.end as usize),
                new_text: format!("{sep}{member}"),
            })
        }
        None => {
            let open = object.range.start as usize;
            let close = object.range.end as usize - 1;
            let outer = indent_at(text, open);
            let unit = detect_indent_unit(text);
            Some(TextEdit {
                range: TextRange::new(open + 1, close),
                new_text: format!("\n{outer}{unit}{member}\n{outer}"),
            })
        }
    }
}

/// The document's indentation unit (two spaces if it cannot tell).
pub fn detect_indent_unit(text: &str) -> &str {
    for line in text.lines().skip(1) {
        let n = line.find(|c: char| c != ' ' && c != '\t').unwrap_or(0);
        if n > 0 {
            return &line[..n];
        }
    }
    "  "
}

/// Inserts `json` (one or more layer objects, their later lines already
/// indented for the list) into `layer_types` in the standard order: after the
/// last layer of a role that comes before `role`, else before the first entry.
/// `indent` is the indentation of the entries.
pub fn insert_layer(
    layers: &[Layer],
    first: Node,
    role: Category,
    indent: &str,
    json: &str,
) -> TextEdit {
    let after = layers
        .iter()
        .rev()
        .find(|l| l.category().is_some_and(|c| c < role));
    match after {
        Some(l) => TextEdit {
            range: TextRange::empty(l.node.range.end as usize),
            new_text: format!(",\n{indent}{json}"),
        },
        None => TextEdit {
            range: TextRange::empty(first.range.start as usize),
            new_text: format!("{json},\n{indent}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mantile_diag::apply_edits;
    use mantile_json::parse;

    fn insert(text: &str, ptr: &str) -> String {
        let tree = parse(text);
        let obj = tree.root().unwrap().pointer(ptr).unwrap();
        let e = insert_member(text, obj, "k", "1").unwrap();
        apply_edits(text, &[e])
    }

    #[test]
    fn inserts_matching_layout() {
        assert_eq!(
            insert("{\n    \"a\": 1\n}", ""),
            "{\n    \"a\": 1,\n    \"k\": 1\n}"
        );
        assert_eq!(insert(r#"{"a": 1}"#, ""), r#"{"a": 1, "k": 1}"#);
        assert_eq!(
            insert("{\n  \"s\": {}\n}", "/s"),
            "{\n  \"s\": {\n    \"k\": 1\n  }\n}"
        );
        assert_eq!(json_string("a\"b"), r#""a\"b""#);
    }
}
