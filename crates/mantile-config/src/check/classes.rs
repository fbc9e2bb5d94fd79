//! MC030 unknown class, MC031 missing spec, MC032 unknown spec.

use super::ConfigContext;
use crate::catalog::{METADATA_SPECS, closest};
use crate::edit::{insert_member, json_string};
use crate::findings::{Findings, some_of_n};
use crate::rules::{MISSING_SPEC, UNKNOWN_CLASS, UNKNOWN_SPEC};
use mantile_diag::{Diagnostic, Fix};
use mantile_json::Node;
use mantile_model::{Config, preview};

/// Classes or specs a message names before "and N more".
const NAMES: usize = 20;

/// Other names people and tools use for a spec key (Hugging Face names
/// included), for "did you mean" on unknown keys.
const SPEC_ALIASES: &[(&str, &[&str])] = &[
    ("num_heads", &["num_query_heads"]),
    ("num_query_heads", &["num_heads"]),
    ("num_attention_heads", &["num_heads", "num_query_heads"]),
    ("n_heads", &["num_heads", "num_query_heads"]),
    ("num_key_value_heads", &["num_kv_heads"]),
    ("n_kv_heads", &["num_kv_heads"]),
    ("num_local_experts", &["num_experts"]),
    ("n_routed_experts", &["num_experts"]),
    ("num_experts_per_tok", &["top_k"]),
    ("experts_per_token", &["top_k"]),
    ("moe_intermediate_size", &["intermediate_size"]),
    ("ffn_dim", &["intermediate_size"]),
    ("attention_bias", &["has_bias"]),
    ("bias", &["has_bias"]),
    ("window_size", &["sliding_window"]),
    ("d_model", &["hidden_size"]),
    ("dim", &["hidden_size"]),
];

pub(super) fn check(text: &str, config: &Config, ctx: &ConfigContext, out: &mut Findings) {
    for l in &config.layers {
        let (Some(class_node), Some(class)) = (l.class, l.class_str()) else {
            continue;
        };
        let Some(def) = ctx.catalog.get(class) else {
            if l.supported == Some(false) {
                continue; // an unsupported layer may name a class Mantile lacks
            }
            out.push_with(&UNKNOWN_CLASS, class_node.range, || {
                let mut d = Diagnostic::new(
                    &UNKNOWN_CLASS,
                    class_node.range,
                    format!("unknown layer class `{}`", preview(class)),
                );
                match ctx.catalog.suggest(class) {
                    Some(s) => {
                        d.message.push_str(&format!(": did you mean `{s}`?"));
                        d = d.with_fix(Fix::replace(
                            format!("Change to `{s}`"),
                            class_node.range,
                            json_string(s),
                        ));
                    }
                    None => {
                        let known = ctx.catalog.classes.iter().map(|c| c.name.clone());
                        d.message.push_str(&format!(
                            " (known: {}); if Mantile cannot model this layer yet, set `\"supported\": false` and add a `gap_report`",
                            some_of_n(known, ctx.catalog.classes.len(), ", ", NAMES)
                        ));
                    }
                }
                d
            });
            continue;
        };
        let Some(specs) = l.specs else { continue };
        let specs_key = l.specs_key.unwrap_or(specs.range);
        let class = preview(class);
        if l.supported != Some(false) {
            for req in def.required() {
                if specs.get(req).is_some() {
                    continue;
                }
                let mut d = Diagnostic::new(
                    &MISSING_SPEC,
                    specs_key,
                    format!(
                        "{class} requires the spec `{req}`, missing in layer {}",
                        l.label()
                    ),
                );
                let derived = match req {
                    "hidden_size" => config.hidden_size.and_then(Node::as_u128),
                    "vocab_size" => config.vocab_size.and_then(Node::as_u128),
                    _ => None,
                };
                if let Some(v) = derived
                    && let Some(edit) = insert_member(text, specs, req, &v.to_string())
                {
                    d = d.with_fix(Fix {
                        title: format!("Add `{req}`: {v} (the model's {req})"),
                        edits: vec![edit],
                    });
                }
                out.push(d);
            }
        }
        for m in specs.members() {
            if def.accepts(m.key) {
                continue;
            }
            out.push_with(&UNKNOWN_SPEC, m.key_range, || {
                let mut d = Diagnostic::new(
                    &UNKNOWN_SPEC,
                    m.key_range,
                    format!("{class} does not take the spec `{}`", preview(m.key)),
                );
                let alias = SPEC_ALIASES
                    .iter()
                    .find(|(k, _)| *k == m.key)
                    .and_then(|(_, to)| to.iter().find(|t| def.accepts(t)).copied());
                let candidates = def
                    .params
                    .iter()
                    .flatten()
                    .map(|p| p.name.as_str())
                    .chain(METADATA_SPECS.iter().copied());
                if let Some(s) = alias.or_else(|| closest(m.key, candidates)) {
                    d.message.push_str(&format!(": did you mean `{s}`?"));
                    if specs.get(s).is_none() {
                        d = d.with_fix(Fix::replace(
                            format!("Rename to `{s}`"),
                            m.key_range,
                            json_string(s),
                        ));
                    }
                } else if let Some(ps) = &def.params {
                    let names = ps.iter().map(|p| p.name.clone());
                    d.message.push_str(&format!(
                        " (it takes {})",
                        some_of_n(names, ps.len(), ", ", NAMES)
                    ));
                }
                d
            });
        }
    }
}
