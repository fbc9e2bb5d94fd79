//! Validation against `schemas/model-config.schema.json`, with each error
//! mapped back from its JSON pointer to the exact key or value.

use crate::catalog::closest;
use crate::rules::{SCHEMA, UNKNOWN_FIELD};
use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use mantile_diag::{Diagnostic, Fix, TextRange};
use mantile_json::Node;
use serde_json::Value;
use std::sync::OnceLock;

/// The schema's text, as shipped in `schemas/`.
pub const SCHEMA_JSON: &str = include_str!("../../../schemas/model-config.schema.json");

fn schema_value() -> &'static Value {
    static SCHEMA_VALUE: OnceLock<Value> = OnceLock::new();
    SCHEMA_VALUE.get_or_init(|| {
        serde_json::from_str(SCHEMA_JSON).expect("the shipped schema is valid JSON")
    })
}

fn validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        jsonschema::draft202012::new(schema_value()).expect("the shipped schema compiles")
    })
}

/// The schema's `description` of a property, for hover text: `path` is the
/// property path (`["layer_types", "specs", "head_dim"]`, array steps omitted).
pub fn description(path: &[&str]) -> Option<&'static str> {
    let mut node = schema_value();
    for key in path {
        node = node.get("properties").and_then(|p| p.get(*key))?;
        if let Some(items) = node.get("items") {
            node = items;
        }
    }
    node.get("description")?.as_str()
}

/// The config's top-level fields, in the schema's order.
pub fn top_level_properties() -> Vec<&'static str> {
    known_properties("")
}

/// The property names the schema allows at an object of the instance.
fn known_properties(instance_path: &str) -> Vec<&'static str> {
    let s = schema_value();
    let props = if instance_path.is_empty() {
        s.get("properties")
    } else if is_layer_path(instance_path) {
        s.pointer("/properties/layer_types/items/properties")
    } else {
        None
    };
    props
        .and_then(Value::as_object)
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

fn is_layer_path(p: &str) -> bool {
    p.strip_prefix("/layer_types/")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
}

/// The readable name of the value at a pointer: `layer_types[2].specs.head_dim`.
fn display_path(pointer: &str) -> String {
    let mut out = String::new();
    for tok in pointer.split('/').skip(1) {
        let tok = tok.replace("~1", "/").replace("~0", "~");
        if tok.bytes().all(|b| b.is_ascii_digit()) && !tok.is_empty() {
            out.push_str(&format!("[{tok}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&tok);
        }
    }
    if out.is_empty() {
        "the config".to_string()
    } else {
        format!("`{out}`")
    }
}

/// The range to underline for an object: its opening brace.
fn object_anchor(node: Node) -> TextRange {
    TextRange::new(node.range.start as usize, node.range.start as usize + 1)
}

/// Schema findings for a parsed document. Required specs are left to the
/// catalog-aware rule (MC031), which knows the workspace's classes.
pub fn validate(root: Node, out: &mut Vec<Diagnostic>) {
    validate_with(validator(), root, out);
}

fn validate_with(validator: &Validator, root: Node, out: &mut Vec<Diagnostic>) {
    let instance = root.to_value();
    for error in validator.iter_errors(&instance) {
        map_error(root, &error, out);
    }
}

fn map_error(root: Node, error: &ValidationError, out: &mut Vec<Diagnostic>) {
    let pointer = error.instance_path().to_string();
    let Some((node, key_range)) = root.pointer_member(&pointer) else {
        return;
    };
    let what = display_path(&pointer);
    let kind = error.kind();
    match kind {
        ValidationErrorKind::Required { property } => {
            let prop = property.as_str().unwrap_or_default();
            if pointer.ends_with("/specs") && pointer.starts_with("/layer_types/") {
                return; // MC031 reports missing specs with the workspace's catalog.
            }
            let message = if pointer.is_empty() {
                format!("missing required field `{prop}`")
            } else {
                format!("{what} is missing the required field `{prop}`")
            };
            out.push(Diagnostic::new(
                &SCHEMA,
                key_range.unwrap_or_else(|| object_anchor(node)),
                message,
            ));
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let known = known_properties(&pointer);
            for key in unexpected {
                let Some(member) = node.member(key) else {
                    continue;
                };
                let mut d = Diagnostic::new(
                    &UNKNOWN_FIELD,
                    member.key_range,
                    format!("unknown field `{key}` in {what}"),
                );
                if let Some(s) = closest(key, known.iter().copied()) {
                    d.message.push_str(&format!(": did you mean `{s}`?"));
                    if node.member(s).is_none() {
                        d = d.with_fix(Fix::replace(
                            format!("Rename to `{s}`"),
                            member.key_range,
                            crate::edit::json_string(s),
                        ));
                    }
                }
                out.push(d);
            }
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            // Report against the closest branch: one whose type matched (its
            // errors are not a type error at this very value), then the one with
            // the fewest errors, then the deepest ones.
            let score = |errs: &Vec<ValidationError<'static>>| {
                let type_mismatch = errs.iter().any(|e| {
                    e.instance_path().to_string() == pointer
                        && matches!(e.kind(), ValidationErrorKind::Type { .. })
                });
                let depth = errs
                    .iter()
                    .map(|e| e.instance_path().to_string().matches('/').count())
                    .max()
                    .unwrap_or(0);
                (type_mismatch, errs.len(), usize::MAX - depth)
            };
            if let Some(best) = context.iter().min_by_key(|errs| score(errs)) {
                for e in best {
                    map_error(root, e, out);
                }
            }
        }
        _ => {
            let message = match kind {
                ValidationErrorKind::Type { kind } => {
                    let expected = match kind {
                        jsonschema::error::TypeKind::Single(t) => format!("{t}"),
                        jsonschema::error::TypeKind::Multiple(ts) => format!("{ts:?}"),
                    };
                    format!(
                        "{what} must be {} {expected}, found {}",
                        article(&expected),
                        node.type_name()
                    )
                }
                ValidationErrorKind::Minimum { limit } => {
                    format!("{what} must be at least {limit}, found {}", node_text(node))
                }
                ValidationErrorKind::MinItems { limit } => {
                    format!(
                        "{what} must have at least {limit} item{}",
                        if *limit == 1 { "" } else { "s" }
                    )
                }
                ValidationErrorKind::MinLength { .. } => format!("{what} must not be empty"),
                ValidationErrorKind::Pattern { .. } => match pointer.as_str() {
                    "/hf_model_id" => format!("{what} must be a Hugging Face id `org/name`"),
                    "/total_params_formatted" => {
                        format!("{what} must be a number with a K, M, B or T suffix, like `69.5B`")
                    }
                    "/model_id" => format!("{what} must not contain `/`: use `_` in its place"),
                    _ => format!("{what} {}", error),
                },
                _ => format!("{what}: {error}"),
            };
            out.push(Diagnostic::new(&SCHEMA, node.range, message));
        }
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn node_text(node: Node) -> String {
    match node {
        _ if node.number_text().is_some() => node.text().to_string(),
        _ => node.type_name().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(schema: serde_json::Value, text: &str) -> Vec<String> {
        let v = jsonschema::draft202012::new(&schema).unwrap();
        let tree = mantile_json::parse(text);
        let root = tree.root().unwrap();
        let mut out = Vec::new();
        validate_with(&v, root, &mut out);
        out.iter()
            .map(|d| {
                format!(
                    "{} {:?}: {}",
                    d.rule.code,
                    &text[d.range.as_range()],
                    d.message
                )
            })
            .collect()
    }

    #[test]
    fn any_of_reports_the_closest_branch_only() {
        // A source is a URL string or an object with a url; this object is
        // close to the second branch (one error) and far from the first.
        let schema = serde_json::json!({
            "type": "object",
            "properties": {"source": {"anyOf": [
                {"type": "string"},
                {"type": "object", "required": ["url"], "properties": {"url": {"type": "string"}, "title": {"type": "string"}}}
            ]}}
        });
        assert_eq!(
            messages(
                schema.clone(),
                r#"{"source": {"title": "paper", "url": 3}}"#
            ),
            [r#"MC002 "3": `source.url` must be a string, found integer"#]
        );
        assert_eq!(
            messages(schema, r#"{"source": {"title": "paper"}}"#),
            [r#"MC002 "\"source\"": `source` is missing the required field `url`"#]
        );
    }

    #[test]
    fn every_property_of_the_shipped_schema_has_a_description() {
        fn walk(v: &Value, path: &str, missing: &mut Vec<String>) {
            if let Some(props) = v.get("properties").and_then(Value::as_object) {
                for (k, p) in props {
                    let here = format!("{path}/{k}");
                    if p.get("description")
                        .and_then(Value::as_str)
                        .is_none_or(str::is_empty)
                    {
                        missing.push(here.clone());
                    }
                    walk(p, &here, missing);
                    if let Some(items) = p.get("items") {
                        walk(items, &here, missing);
                    }
                }
            }
        }
        let mut missing = Vec::new();
        walk(schema_value(), "", &mut missing);
        assert!(missing.is_empty(), "{missing:?}");
        assert_eq!(
            description(&["layer_types", "specs", "head_dim"]),
            Some(
                "Width of one head `dh`. The query width is h·dh, which may differ from hidden_size."
            )
        );
    }
}
