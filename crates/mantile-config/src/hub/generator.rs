//! Generating a config from a model's Hub metadata (`mantile-lsp new`):
//! from the tensor inventory when there is one ([`crate::generate`]), else
//! from config.json alone.

use super::types::{HubDims, HubFacts, int};
use crate::Catalog;
use crate::check::n;
use crate::edit::json_string;
use crate::params::{self, Specs, format_short};

/// A tiny ordered JSON value, to write configs in Mantile's key order.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum J {
    Str(String),
    Int(u128),
    /// A number as JSON text (`50.0`).
    Num(String),
    Bool(bool),
    Obj(Vec<(&'static str, J)>),
    Arr(Vec<J>),
}

impl J {
    pub(crate) fn write(&self, out: &mut String, indent: usize) {
        let pad = "  ".repeat(indent + 1);
        let close = "  ".repeat(indent);
        match self {
            J::Str(s) => out.push_str(&json_string(s)),
            J::Int(i) => out.push_str(&i.to_string()),
            J::Num(n) => out.push_str(n),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Obj(members) => write_members(members, out, indent),
            J::Arr(items) => {
                out.push_str("[\n");
                for (i, v) in items.iter().enumerate() {
                    out.push_str(&pad);
                    v.write(out, indent + 1);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                out.push_str(&close);
                out.push(']');
            }
        }
    }
}

pub(crate) fn write_members(members: &[(&'static str, J)], out: &mut String, indent: usize) {
    let pad = "  ".repeat(indent + 1);
    out.push_str("{\n");
    for (i, (k, v)) in members.iter().enumerate() {
        out.push_str(&format!("{pad}{}: ", json_string(k)));
        v.write(out, indent + 1);
        out.push_str(if i + 1 < members.len() { ",\n" } else { "\n" });
    }
    out.push_str(&"  ".repeat(indent));
    out.push('}');
}

/// A generated config and what it could not model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated {
    pub model_id: String,
    pub text: String,
    /// Parts marked `supported: false` or left out, in words.
    pub unsupported: Vec<String>,
    /// The gap reports (and test suites) the config names, to scaffold.
    pub gaps: Vec<crate::generate::Gap>,
    /// Whether the config came from the tensor inventory (else config.json alone).
    pub from_tensors: bool,
}

pub(crate) fn layer(
    name: &str,
    class: &str,
    count: u128,
    supported: bool,
    specs: Vec<(&'static str, J)>,
) -> J {
    let mut m = vec![
        ("name", J::Str(name.into())),
        ("class", J::Str(class.into())),
        ("count", J::Int(count)),
        ("supported", J::Bool(supported)),
    ];
    m.push(("specs", J::Obj(specs)));
    J::Obj(m)
}

/// Parameters of one instance of a known class with these specs (the
/// checks' own formulas, from the true tensor shapes).
pub(crate) fn class_count(class: &str, specs: &[(&'static str, J)]) -> Option<u128> {
    let mut text = String::new();
    write_members(specs, &mut text, 0);
    mantile_json::parse(&text)
        .root()
        .and_then(|r| params::count(class, Specs(r)).map(|p| p.total))
}

/// Adds `parameter_count`, computed from the specs by the same formulas as
/// the checks, after `layer_idx` (or first).
pub(crate) fn with_count(class: &str, mut specs: Vec<(&'static str, J)>) -> Vec<(&'static str, J)> {
    if let Some(c) = class_count(class, &specs) {
        let at = specs
            .iter()
            .position(|(k, _)| *k == "layer_idx")
            .map_or(0, |i| i + 1);
        specs.insert(at, ("parameter_count", J::Int(c)));
    }
    specs
}

/// The largest dimension `new` accepts from a `config.json` (2^24): real
/// models stay far below it (the largest hidden sizes are ~2^15, vocabularies
/// ~2^18), and it keeps every product of dimensions far inside `u128`.
pub const MAX_DIMENSION: u128 = 1 << 24;

/// Generates a Mantile config from a model's Hub metadata: from the tensor
/// inventory when the facts have one (any architecture; see
/// [`crate::generate`]), else from config.json alone.
pub fn generate(facts: &HubFacts, catalog: &Catalog) -> Result<Generated, String> {
    match &facts.tensors {
        Some(inv) => crate::generate::from_inventory(facts, inv, catalog),
        None => from_config(facts, catalog),
    }
}

/// The `model_type`s [`from_config`] maps to Mantile classes.
pub const CONFIG_JSON_MODEL_TYPES: &[&str] = &[
    "llama",
    "mistral",
    "qwen2",
    "qwen3",
    "mixtral",
    "qwen2_moe",
    "qwen3_moe",
    "gpt_oss",
];

/// From config.json alone (no safetensors headers to read): the llama,
/// mistral, qwen2, qwen3, mixtral, qwen2_moe/qwen3_moe and gpt_oss model
/// types; parts Mantile cannot model are marked `supported: false`.
pub fn from_config(facts: &HubFacts, catalog: &Catalog) -> Result<Generated, String> {
    let d = HubDims::from_config(&facts.config);
    let model_type = d.model_type.clone().unwrap_or_default();
    if !CONFIG_JSON_MODEL_TYPES.contains(&model_type.as_str()) {
        return Err(format!(
            "model_type `{model_type}` is not one the generator maps to Mantile classes (it knows {})",
            CONFIG_JSON_MODEL_TYPES.join(", ")
        ));
    }
    let need = |v: Option<u128>, key: &str| -> Result<u128, String> {
        match v {
            None => Err(format!("config.json has no usable `{key}`")),
            Some(0) => Err(format!(
                "config.json gives `{key}` 0: no layer can have a zero {key}, and a config built on it would not pass check"
            )),
            Some(v) if v > MAX_DIMENSION => Err(format!(
                "config.json gives `{key}` {v}, more than {MAX_DIMENSION}: not a dimension a real model has"
            )),
            Some(v) => Ok(v),
        }
    };
    let hidden = need(d.hidden_size, "hidden_size")?;
    let nl = need(d.num_layers, "num_hidden_layers")?;
    let vocab = need(d.vocab_size, "vocab_size")?;
    let heads = need(d.heads, "num_attention_heads")?;
    let kv = need(d.kv_heads, "num_key_value_heads")?;
    let head_dim = need(d.head_dim, "head_dim")?;
    if heads % kv != 0 {
        return Err(format!(
            "config.json gives {heads} attention heads and {kv} key/value heads: the query heads must be a multiple of the key/value heads"
        ));
    }
    if let Some(w) = d.sliding_window {
        need(Some(w).filter(|&w| w > 0), "sliding_window").map_err(|_| {
            "config.json gives `sliding_window` 0: no attention window is zero tokens wide"
                .to_string()
        })?;
    }
    if let (Some(s), Some(f)) = (d.sliding_layers, d.full_layers)
        && s + f > 0
        && s + f != nl
    {
        return Err(format!(
            "config.json's layer_types lists {s} sliding and {f} full attention layers, but num_hidden_layers is {nl}"
        ));
    }
    let bias = d.attention_bias.unwrap_or(false);
    let mut unsupported = Vec::new();
    let mut layer_types = Vec::new();
    // Gap layers (no class can model them), each with its report.
    let mut gaps: Vec<crate::generate::Gap> = Vec::new();
    if model_type == "gpt_oss" {
        // One learned logit per query head in every attention layer; not
        // Mantile's num_sinks, which keeps sink tokens in the window.
        gaps.push(crate::generate::sinks_gap(
            u64::try_from(heads).unwrap_or(0),
            Vec::new(),
            heads,
        ));
    }

    let attn_specs = |heads_key: &'static str, sliding: Option<u128>| {
        let mut s = vec![
            ("layer_idx", J::Int(0)),
            ("input_dim", J::Int(hidden)),
            ("output_dim", J::Int(hidden)),
            ("hidden_size", J::Int(hidden)),
            (heads_key, J::Int(heads)),
            ("num_kv_heads", J::Int(kv)),
            ("head_dim", J::Int(head_dim)),
        ];
        if let Some(w) = sliding {
            s.push(("sliding_window", J::Int(w)));
        }
        if bias {
            s.push(("has_bias", J::Bool(true)));
        }
        s
    };
    let swa = "SlidingWindowAttentionLayer";
    let gqa = "GroupedQueryAttentionLayer";
    // Full attention with biases: SlidingWindowAttentionLayer without a
    // window (GroupedQueryAttentionLayer takes no has_bias).
    let (full, full_heads) = if bias {
        (swa, "num_query_heads")
    } else {
        (gqa, "num_heads")
    };
    match (d.sliding_window, d.sliding_layers, d.full_layers) {
        (Some(w), Some(s), Some(f)) if s > 0 && f > 0 => {
            // Alternating sliding and full attention (gpt_oss).
            layer_types.push(layer(
                "attention_sliding",
                swa,
                s,
                true,
                with_count(swa, attn_specs("num_query_heads", Some(w))),
            ));
            layer_types.push(layer(
                "attention_full",
                full,
                f,
                true,
                with_count(full, attn_specs(full_heads, None)),
            ));
        }
        (Some(w), _, _) => {
            layer_types.push(layer(
                "attention",
                swa,
                nl,
                true,
                with_count(swa, attn_specs("num_query_heads", Some(w))),
            ));
        }
        _ => {
            layer_types.push(layer(
                "attention",
                full,
                nl,
                true,
                with_count(full, attn_specs(full_heads, None)),
            ));
        }
    }
    if let Some(e) = d.experts {
        let di = need(
            d.moe_intermediate_size.or(d.intermediate_size),
            "moe_intermediate_size",
        )?;
        let e = need(Some(e), "num_experts")?;
        let k = need(d.experts_per_token, "num_experts_per_tok")?;
        if k > e {
            return Err(format!(
                "config.json routes each token to {k} experts of {e}: top_k cannot exceed the number of experts"
            ));
        }
        let mut s = vec![
            ("layer_idx", J::Int(0)),
            ("hidden_size", J::Int(hidden)),
            ("intermediate_size", J::Int(di)),
            ("num_experts", J::Int(e)),
            ("top_k", J::Int(k)),
            ("num_projections", J::Int(3)),
        ];
        // Shared experts: counted (DeepSeek), or one of a given width in
        // experts of the routed width (Qwen2-MoE's shared_expert_intermediate_size).
        let shared_width =
            int(&facts.config, &["shared_expert_intermediate_size"]).filter(|w| *w > 0);
        let shared = match (d.shared_experts.filter(|&s| s > 0), shared_width) {
            (Some(sh), _) => Some(need(Some(sh), "n_shared_experts")?),
            (None, Some(w)) if w % di == 0 => Some(w / di),
            (None, Some(w)) => {
                return Err(format!(
                    "config.json's shared expert of width {w} is not a whole number of experts of width {di}, which MoELayer's num_shared_experts needs"
                ));
            }
            (None, None) => None,
        };
        if let Some(sh) = shared {
            s.push(("num_shared_experts", J::Int(sh)));
        }
        if model_type == "gpt_oss" {
            s.push(("has_bias", J::Bool(true)));
        }
        if model_type == "qwen2_moe" && shared.is_some() {
            gaps.push(crate::generate::shared_gate_gap(Vec::new(), hidden));
        }
        layer_types.push(layer(
            "feedforward",
            "MoELayer",
            nl,
            true,
            with_count("MoELayer", s),
        ));
    } else {
        let di = need(d.intermediate_size, "intermediate_size")?;
        let s = vec![
            ("layer_idx", J::Int(0)),
            ("input_dim", J::Int(hidden)),
            ("output_dim", J::Int(hidden)),
            ("hidden_size", J::Int(hidden)),
            ("intermediate_size", J::Int(di)),
        ];
        layer_types.push(layer(
            "feedforward",
            "GatedMLPLayer",
            nl,
            true,
            with_count("GatedMLPLayer", s),
        ));
    }
    let norm_specs = vec![
        ("layer_idx", J::Int(0)),
        ("input_dim", J::Int(hidden)),
        ("output_dim", J::Int(hidden)),
        ("hidden_size", J::Int(hidden)),
        ("has_bias", J::Bool(false)),
    ];
    layer_types.push(layer(
        "norm",
        "NormLayer",
        2 * nl + 1,
        true,
        with_count("NormLayer", norm_specs),
    ));
    layer_types.push(layer(
        "embedding",
        "EmbeddingLayer",
        1,
        true,
        with_count(
            "EmbeddingLayer",
            vec![
                ("vocab_size", J::Int(vocab)),
                ("hidden_size", J::Int(hidden)),
            ],
        ),
    ));
    // Non-square attention: GroupedQueryAttentionLayer's own count differs.
    let mut dimension_notes: Vec<String> = Vec::new();
    for l in &mut layer_types {
        let J::Obj(m) = l else { continue };
        let get = |key: &str| -> Option<u128> {
            let specs = m.iter().find(|(k, _)| *k == "specs").map(|(_, v)| v)?;
            let J::Obj(specs) = specs else { return None };
            specs
                .iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, v)| match v {
                    J::Int(i) => Some(*i),
                    _ => None,
                })
        };
        let field = |key: &str| m.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
        if field("class") != Some(J::Str("GroupedQueryAttentionLayer".into())) {
            continue;
        }
        let (Some(J::Str(name)), Some(J::Int(count))) = (field("name"), field("count")) else {
            continue;
        };
        let (Some(h), Some(kv), Some(dh), Some(truth)) = (
            get("num_heads"),
            get("num_kv_heads"),
            get("head_dim"),
            get("parameter_count"),
        ) else {
            continue;
        };
        if let Some(g) = crate::generate::square_o_proj_gap(&name, count, h, kv, dh, hidden, truth)
        {
            m.insert(4, ("gap_report", J::Str(g.report_path())));
            dimension_notes.push(g.why.clone());
            gaps.push(g);
        }
    }
    for g in gaps.iter_mut().filter(|g| g.unsupported) {
        g.count = nl;
        let specs = match g.class.as_str() {
            "LearnedSinksLayer" => vec![
                ("hidden_size", J::Int(hidden)),
                ("num_heads", J::Int(heads)),
            ],
            _ => vec![("hidden_size", J::Int(hidden))],
        };
        let mut specs = specs;
        specs.insert(0, ("parameter_count", J::Int(g.parameters)));
        let mut l = layer(&g.layer, &g.class, nl, false, specs);
        if let J::Obj(m) = &mut l {
            m.insert(4, ("gap_report", J::Str(g.report_path())));
        }
        layer_types.push(l);
        unsupported.push(format!(
            "{} ({}, {}): {}",
            g.feature,
            g.layer,
            g.report_path(),
            g.why
        ));
    }
    if model_type == "qwen3" || model_type == "qwen3_moe" {
        unsupported.push(
            "per-head q_norm and k_norm (RMSNorm over head_dim) are not modelled".to_string(),
        );
    }
    if d.tied_embeddings != Some(true) {
        unsupported.push(format!("the untied lm_head ({vocab}×{hidden}) is not a Mantile layer; it is counted in total_params"));
    }
    for l in &layer_types {
        if let J::Obj(m) = l
            && let Some((_, J::Str(class))) = m.iter().find(|(k, _)| *k == "class")
            && !m
                .iter()
                .any(|(k, v)| *k == "supported" && *v == J::Bool(false))
            && catalog.get(class).is_none()
        {
            return Err(format!("the workspace's backend/layers has no {class}"));
        }
    }
    let model_id = facts.repo_id.replace('/', "_");
    if let Some(p) = &facts.parameters
        && !p.quantized_dtypes().is_empty()
    {
        return Err(format!(
            "the Hub counts {} stored elements for {} ({}), but the checkpoint is quantized ({} tensors pack several parameters per element, and scales are none), so that count is not its parameter count; only the safetensors headers give the exact one, and they could not be read",
            n(p.total),
            facts.repo_id,
            p.by_dtype
                .iter()
                .map(|(d, v)| format!("{d} {}", n(*v)))
                .collect::<Vec<_>>()
                .join(", "),
            p.quantized_dtypes().join(", ")
        ));
    }
    let Some(total) = facts.parameters.as_ref().map(|p| p.total) else {
        return Err(format!(
            "the Hub gives no exact parameter count for {}",
            facts.repo_id
        ));
    };
    let mut top = head(facts, &model_id, [hidden, nl, vocab], total, layer_types);
    let mut notes = format!(
        "Generated by mantile-lsp from the Hugging Face metadata of {}{}: dimensions from config.json, total_params from the exact safetensors count.",
        facts.repo_id,
        at_revision(facts)
    );
    if !unsupported.is_empty() {
        notes.push_str(" Not modelled: ");
        notes.push_str(&unsupported.join("; "));
        notes.push('.');
    }
    if !dimension_notes.is_empty() {
        notes.push_str(&format!(
            " Dimension mismatch (model_builder/gaps/attention_dimension_mismatch.md): {}.",
            dimension_notes.join("; ")
        ));
        unsupported.extend(dimension_notes);
    }
    top.push(("validation_notes", J::Str(notes)));
    top.push((
        "validation_sources",
        J::Arr(vec![J::Str(format!(
            "https://huggingface.co/{}",
            facts.repo_id
        ))]),
    ));
    let mut text = String::new();
    J::Obj(top).write(&mut text, 0);
    text.push('\n');
    Ok(Generated {
        model_id,
        text,
        unsupported,
        gaps,
        from_tensors: false,
    })
}

/// The fields a generated config starts with, in Mantile's order: who the
/// model is, its dimensions (`d`, blocks, `V`), its exact total, its layers
/// and `validated: false`.
pub(crate) fn head(
    facts: &HubFacts,
    model_id: &str,
    [hidden, num_layers, vocab]: [u128; 3],
    total: u128,
    layer_types: Vec<J>,
) -> Vec<(&'static str, J)> {
    let name = facts.repo_id.rsplit('/').next().unwrap_or(&facts.repo_id);
    vec![
        ("model_id", J::Str(model_id.to_string())),
        ("hf_model_id", J::Str(facts.repo_id.clone())),
        ("name", J::Str(name.to_string())),
        ("hidden_size", J::Int(hidden)),
        ("num_layers", J::Int(num_layers)),
        ("vocab_size", J::Int(vocab)),
        ("total_params", J::Int(total)),
        ("total_params_formatted", J::Str(format_short(total))),
        ("layer_types", J::Arr(layer_types)),
        ("validated", J::Bool(false)),
    ]
}

/// ` at <the first 12 digits of the commit>` when the Hub named it.
pub(crate) fn at_revision(facts: &HubFacts) -> String {
    facts
        .sha
        .as_ref()
        .map(|s| format!(" at {}", &s[..s.len().min(12)]))
        .unwrap_or_default()
}
