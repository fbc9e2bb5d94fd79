//! Validation against `schemas/model-config.schema.json`, with each error
//! mapped back from its JSON pointer to the exact key or value.
//!
//! The validator reads the syntax tree directly ([`instance`]): no copy of
//! the document, and integers decided from their literal.

mod instance;

use crate::catalog::closest;
use crate::findings::Findings;
use crate::rules::{SCHEMA, UNKNOWN_FIELD};
use instance::{Instance, TreeJson};
use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use mantile_diag::{Diagnostic, Fix, TextRange};
use mantile_json::{Member, Node};
use mantile_model::preview;
use rustc_hash::FxHashSet;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

pub use instance::is_integer_literal;

/// The schema's text, as shipped in `schemas/`.
pub const SCHEMA_JSON: &str = include_str!("../../../../schemas/model-config.schema.json");

fn schema_value() -> &'static Value {
    static SCHEMA_VALUE: OnceLock<Value> = OnceLock::new();
    SCHEMA_VALUE.get_or_init(|| {
        serde_json::from_str(SCHEMA_JSON).expect("the shipped schema is valid JSON")
    })
}

/// Compiles the schema. It declares draft 2020-12 (for editors) but uses
/// only keywords that mean the same since draft 7 (`type`, `properties`,
/// `required`, `additionalProperties`, `items` as one schema, `allOf`,
/// `if`/`then`, `const`, `minimum`, `minItems`, `minLength`, `pattern`;
/// a test keeps it so): compiled as draft 7, whose meta-schema — which
/// every compile checks the schema against — is one small document where
/// 2020-12's is a set of vocabularies with dynamic references, most of the
/// cost of a short `check` (measured: 4.3 M of its 8.2 M instructions).
fn compile(schema: &Value) -> Validator<TreeJson> {
    jsonschema::options_for::<TreeJson>()
        .with_draft(jsonschema::Draft::Draft7)
        .build(schema)
        .expect("the schema compiles")
}

/// The schema without the one of `layer_types`' entries, and that one
/// alone: a config is validated as its top level plus each layer, so that a
/// layer already known valid is not validated again (see [`VALID_LAYERS`]).
fn split_validators() -> &'static (Validator<TreeJson>, Validator<TreeJson>) {
    static SPLIT: OnceLock<(Validator<TreeJson>, Validator<TreeJson>)> = OnceLock::new();
    SPLIT.get_or_init(|| {
        let mut top = schema_value().clone();
        let item = top
            .pointer_mut("/properties/layer_types")
            .and_then(Value::as_object_mut)
            .and_then(|lt| lt.remove("items"))
            .unwrap_or(Value::Bool(true));
        let mut item = item;
        if let (Some(o), Some(draft)) = (item.as_object_mut(), schema_value().get("$schema")) {
            o.insert("$schema".to_string(), draft.clone());
            // The class-specific `allOf: [{if, then}]` only require specs,
            // which MC031 reports with the workspace's catalog (their errors
            // are dropped in `map_error`): not evaluated at all.
            if o.get("allOf").is_some_and(only_requires_specs) {
                o.remove("allOf");
            }
        }
        (compile(&top), compile(&item))
    })
}

/// Whether a layer schema's `allOf` is only `{if, then}` pairs whose `then`
/// requires specs (nothing else a finding could come from).
fn only_requires_specs(all_of: &Value) -> bool {
    all_of.as_array().is_some_and(|entries| {
        entries.iter().all(|e| {
            let Some(o) = e.as_object() else {
                return false;
            };
            let then = o.get("then").and_then(Value::as_object);
            o.keys().all(|k| k == "if" || k == "then")
                && then.is_some_and(|t| {
                    t.keys().all(|k| k == "properties")
                        && t.get("properties")
                            .and_then(Value::as_object)
                            .is_some_and(|p| {
                                p.iter().all(|(name, v)| {
                                    name == "specs"
                                        && v.as_object()
                                            .is_some_and(|v| v.keys().all(|k| k == "required"))
                                })
                            })
                })
        })
    })
}

/// The texts of layer entries the schema found nothing in. Whether a text
/// satisfies the layer schema depends on the text alone, so this holds for
/// every config and every version: an edit of one layer of a config listed
/// layer by layer validates that layer again, not the 2,000 others. Bounded:
/// emptied when it holds more than [`VALID_LAYERS_BYTES`]. Hashed with
/// FxHash: a layer's text is hashed on every validation, and SipHash made
/// the lookups cost a third of what they save.
static VALID_LAYERS: std::sync::Mutex<Option<(FxHashSet<Box<str>>, usize)>> =
    std::sync::Mutex::new(None);

const VALID_LAYERS_BYTES: usize = 4 << 20;

fn known_valid(text: &str) -> bool {
    let v = VALID_LAYERS.lock().unwrap_or_else(|e| e.into_inner());
    v.as_ref().is_some_and(|(set, _)| set.contains(text))
}

fn remember_valid(text: &str) {
    let mut v = VALID_LAYERS.lock().unwrap_or_else(|e| e.into_inner());
    let (set, bytes) = v.get_or_insert_with(Default::default);
    if *bytes + text.len() > VALID_LAYERS_BYTES {
        set.clear();
        *bytes = 0;
    }
    if set.insert(text.into()) {
        *bytes += text.len();
    }
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
            out.push_str(&preview(&tok));
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
/// catalog-aware rule (MC031), which knows the workspace's classes. The
/// layers found valid are remembered (see [`validate_into`]).
pub fn validate(root: Node, out: &mut Vec<Diagnostic>) {
    let mut findings = Findings::new();
    validate_into(root, true, &mut findings);
    out.extend(findings.into_vec());
}

/// Schema findings for a parsed document. With `remember`, layers known
/// valid (see [`VALID_LAYERS`]) are skipped and those found valid are
/// remembered, for the next version of the document; without (a one-shot
/// check, see [`crate::ConfigContext::one_shot`]) each layer is validated.
/// The findings are the same either way.
pub(crate) fn validate_into(root: Node, remember: bool, out: &mut Findings) {
    validate_split(root, remember, out);
}

#[cfg(test)]
fn validate_with(validator: &Validator<TreeJson>, root: Node, out: &mut Findings) {
    let mut resolver = Resolver::default();
    for error in validator.iter_errors(Instance::Tree(root)) {
        map_error(root, "", &error, &mut resolver, out);
    }
}

/// [`validate_into`]: the top level, then each layer not known valid.
fn validate_split(root: Node, remember: bool, out: &mut Findings) {
    let (top, item) = split_validators();
    let mut resolver = Resolver::default();
    for error in top.iter_errors(Instance::Tree(root)) {
        map_error(root, "", &error, &mut resolver, out);
    }
    // The member the document loads (the last one, when repeated).
    let Some(layers) = root
        .is_object()
        .then(|| root.get("layer_types"))
        .flatten()
        .filter(|l| l.is_array())
    else {
        return;
    };
    for (i, layer) in layers.elements().enumerate() {
        let text = layer.text();
        if remember && known_valid(text) {
            continue;
        }
        // Most layers are valid: asking that first skips the error
        // machinery (paths, error values) for them.
        if item.is_valid(Instance::Tree(layer)) {
            if remember {
                remember_valid(text);
            }
            continue;
        }
        let prefix = format!("/layer_types/{i}");
        for error in item.iter_errors(Instance::Tree(layer)) {
            map_error(root, &prefix, &error, &mut resolver, out);
        }
    }
}

/// Containers with more children than this get an index the first time an
/// error's pointer goes through them, so that many errors cost one pass.
const INDEX_FROM: usize = 16;

/// Resolves JSON pointers in the tree in time linear in the pointer (after
/// a container's first use).
#[derive(Default)]
struct Resolver<'a> {
    arrays: HashMap<usize, Vec<Node<'a>>>,
    objects: HashMap<usize, HashMap<&'a str, Member<'a>>>,
}

impl<'a> Resolver<'a> {
    fn member(&mut self, object: Node<'a>, key: &str) -> Option<Member<'a>> {
        if object.members().take(INDEX_FROM + 1).count() <= INDEX_FROM {
            return object.member(key);
        }
        let index = self.objects.entry(object.index()).or_insert_with(|| {
            // Later members replace earlier ones: the last one wins.
            object.members().map(|m| (m.key, m)).collect()
        });
        index.get(key).copied()
    }

    fn element(&mut self, array: Node<'a>, i: usize) -> Option<Node<'a>> {
        if i <= INDEX_FROM {
            return array.elements().nth(i);
        }
        let all = self
            .arrays
            .entry(array.index())
            .or_insert_with(|| array.elements().collect());
        all.get(i).copied()
    }

    /// The node at `pointer`, and the key range of its member when the last
    /// step is an object key.
    fn resolve(&mut self, root: Node<'a>, pointer: &str) -> Option<(Node<'a>, Option<TextRange>)> {
        let mut node = root;
        let mut key_range = None;
        if pointer.is_empty() {
            return Some((node, None));
        }
        for raw in pointer.strip_prefix('/')?.split('/') {
            let token = raw.replace("~1", "/").replace("~0", "~");
            if node.is_object() {
                let m = self.member(node, &token)?;
                node = m.value;
                key_range = Some(m.key_range);
            } else if node.is_array() {
                node = self.element(node, token.parse().ok()?)?;
                key_range = None;
            } else {
                return None;
            }
        }
        Some((node, key_range))
    }
}

/// Maps one error to findings; `prefix` is the pointer of the value the
/// error's own paths start from (a layer validated alone), from the root.
fn map_error<'a>(
    root: Node<'a>,
    prefix: &str,
    error: &ValidationError,
    resolver: &mut Resolver<'a>,
    out: &mut Findings,
) {
    let pointer = format!("{prefix}{}", error.instance_path());
    let Some((node, key_range)) = resolver.resolve(root, &pointer) else {
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
            let unexpected: HashSet<&str> = unexpected.iter().map(String::as_str).collect();
            // One pass over the members; a repeated key is reported where it loads from.
            for member in node.members() {
                if member.is_shadowed() || !unexpected.contains(member.key) {
                    continue;
                }
                out.push_with(&UNKNOWN_FIELD, member.key_range, || {
                    let key = member.key;
                    let mut d = Diagnostic::new(
                        &UNKNOWN_FIELD,
                        member.key_range,
                        format!("unknown field `{}` in {what}", preview(key)),
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
                    d
                });
            }
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            // Report against the closest branch: one whose type matched (its
            // errors are not a type error at this very value), then the one with
            // the fewest errors, then the deepest ones.
            let score = |errs: &Vec<ValidationError<'static>>| {
                let type_mismatch = errs.iter().any(|e| {
                    format!("{prefix}{}", e.instance_path()) == pointer
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
                    map_error(root, prefix, e, resolver, out);
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
                        found(node)
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

/// What a value is, for "found …": its type, and for a number that is not
/// an integer but looks like one to a float (`1e-400`), the number itself.
fn found(node: Node) -> String {
    match node.number_text() {
        Some(lit) if !is_integer_literal(lit) && node.as_f64() == Some(0.0) => {
            format!("{} (not an integer, though it rounds to 0)", preview(lit))
        }
        _ => node.type_name().to_string(),
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
    match node.number_text() {
        Some(lit) => preview(lit).into_owned(),
        None => node.type_name().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema uses only keywords that mean the same in draft 7 as in
    /// 2020-12, which it declares (see [`compile`]).
    #[test]
    fn the_schema_keeps_to_keywords_draft_7_and_2020_12_agree_on() {
        const SAME: &[&str] = &[
            "$schema",
            "title",
            "description",
            "examples",
            "type",
            "properties",
            "required",
            "additionalProperties",
            "items",
            "allOf",
            "if",
            "then",
            "const",
            "minimum",
            "minItems",
            "minLength",
            "pattern",
        ];
        fn walk(v: &Value, in_properties: bool, out: &mut Vec<String>) {
            match v {
                Value::Object(o) => {
                    for (k, child) in o {
                        if !in_properties && !SAME.contains(&k.as_str()) {
                            out.push(k.clone());
                        }
                        walk(child, !in_properties && k == "properties", out);
                    }
                }
                Value::Array(a) => a.iter().for_each(|x| walk(x, false, out)),
                _ => {}
            }
        }
        let mut other = Vec::new();
        walk(schema_value(), false, &mut other);
        assert_eq!(other, Vec::<String>::new());
        // The layer's conditions only require specs (see `split_validators`).
        let items = schema_value()
            .pointer("/properties/layer_types/items")
            .unwrap();
        assert!(only_requires_specs(items.get("allOf").unwrap()));
        // `items` is always one schema (an array form differs between drafts).
        assert!(
            schema_value()
                .pointer("/properties/layer_types/items")
                .unwrap()
                .is_object()
        );
    }

    /// The findings of the whole schema at once, and of the top level then
    /// each layer (without the valid-layer memo as a one-shot check does,
    /// then filling it, then with the layers known valid): the same.
    #[test]
    fn validating_layer_by_layer_finds_what_the_whole_schema_finds() {
        let whole = compile(schema_value());
        let shown = |f: Findings| -> Vec<String> {
            let mut v: Vec<String> = f
                .into_vec()
                .iter()
                .map(|d| format!("{} {:?} {}", d.rule.code, d.range, d.message))
                .collect();
            v.sort();
            v
        };
        let good = r#"{"model_id": "o_m", "hf_model_id": "o/m", "name": "m", "hidden_size": 8, "num_layers": 1, "vocab_size": 4, "total_params": 8,
  "layer_types": [
    {"name": "attention", "class": "GroupedQueryAttentionLayer", "count": 1, "specs": {"hidden_size": 8, "num_heads": 2, "num_kv_heads": 1, "head_dim": 4}},
    {"name": "norm", "class": "NormLayer", "count": 2, "specs": {"hidden_size": 8}}]}"#;
        let texts = [
            good.to_string(),
            // A layer with an unknown field, a wrong type, a missing field.
            good.replace("\"count\": 2", "\"count\": \"2\", \"colour\": 1"),
            good.replace("\"name\": \"norm\", ", ""),
            // Top-level problems beside valid layers.
            good.replace(
                "\"hidden_size\": 8, \"num_layers\"",
                "\"hidden_size\": -8, \"extra\": 1, \"num_layers\"",
            ),
            // Not an array, an empty array, an entry that is not an object.
            good.replace("\"layer_types\": [", "\"layer_types\": {\"x\": [")
                .replace("}]}", "}]}}"),
            r#"{"model_id": "o_m", "layer_types": []}"#.to_string(),
            good.replace("\"layer_types\": [", "\"layer_types\": [1, "),
            // The key repeated: the last one loads.
            good.replace(
                "\"layer_types\": [",
                "\"layer_types\": [{\"name\": 1}], \"layer_types\": [",
            ),
        ];
        for text in &texts {
            let tree = mantile_json::parse(text);
            let Some(root) = tree.valid_root() else {
                continue;
            };
            let mut all = Findings::new();
            validate_with(&whole, root, &mut all);
            let want = shown(all);
            // Without the memo (one-shot), then filling it and using it.
            for (round, remember) in [("one-shot", false), ("cold", true), ("warm", true)] {
                let mut split = Findings::new();
                validate_split(root, remember, &mut split);
                assert_eq!(shown(split), want, "{round}: {text}");
            }
        }
    }

    fn messages(schema: serde_json::Value, text: &str) -> Vec<String> {
        let v = compile(&schema);
        let tree = mantile_json::parse(text);
        let root = tree.root().unwrap();
        let mut findings = Findings::new();
        validate_with(&v, root, &mut findings);
        findings
            .into_vec()
            .iter()
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
