//! MC070–MC075: a config compared with its model's Hugging Face metadata.

use super::types::{HubDims, HubFacts, HubProblem, Provenance, age};
use crate::Category;
use crate::check::{LayerView, explain_difference, layer_sum, layers, n};
use crate::rules::*;
use mantile_diag::{Diagnostic, Fix, Severity, TextRange};
use mantile_json::Node;

fn hf_model_id_range(root: &Node) -> TextRange {
    root.get("hf_model_id")
        .map(|n| n.range)
        .unwrap_or(TextRange::new(
            root.range.start as usize,
            root.range.start as usize + 1,
        ))
}

/// The diagnostic for a failed fetch, on `hf_model_id`.
pub fn problem_diagnostic(root: &Node, repo: &str, problem: &HubProblem) -> Diagnostic {
    Diagnostic::new(
        &HUB_UNAVAILABLE,
        hf_model_id_range(root),
        problem.message(repo),
    )
    .with_severity(problem.severity())
}

struct Compare<'a> {
    repo: &'a str,
    suffix: String,
    out: Vec<Diagnostic>,
}

impl Compare<'_> {
    fn value(&mut self, node: Option<Node>, what: &str, hub_key: &str, hub: Option<u128>) {
        let (Some(node), Some(hub)) = (node, hub) else {
            return;
        };
        let Some(v) = node.as_u128() else { return };
        if v != hub {
            self.out.push(
                Diagnostic::new(
                    &HUB_MISMATCH,
                    node.range,
                    format!(
                        "{what} {v} differs from {hub_key} {hub} in {}'s config.json{}",
                        self.repo, self.suffix
                    ),
                )
                .with_fix(Fix::replace(
                    format!("Set to {hub} (Hugging Face)"),
                    node.range,
                    hub.to_string(),
                )),
            );
        }
    }
}

/// Compares a config with its model's Hub metadata.
pub fn check_against_hub(root: &Node, facts: &HubFacts) -> Vec<Diagnostic> {
    let dims = HubDims::from_config(&facts.config);
    let layers = layers(root);
    let mut c = Compare {
        repo: &facts.repo_id,
        suffix: facts.provenance.suffix(),
        out: Vec::new(),
    };
    if let Provenance::Cached {
        age_secs,
        expired: true,
        why,
    } = &facts.provenance
    {
        c.out.push(Diagnostic::new(
            &HUB_CACHE,
            hf_model_id_range(root),
            format!(
                "Hugging Face metadata from cache, {} old{}",
                age(*age_secs),
                why.as_ref().map(|w| format!(": {w}")).unwrap_or_default()
            ),
        ));
    }
    c.value(
        root.get("hidden_size"),
        "hidden_size",
        "hidden_size",
        dims.hidden_size,
    );
    c.value(
        root.get("num_layers"),
        "num_layers",
        "num_hidden_layers",
        dims.num_layers,
    );
    c.value(
        root.get("vocab_size"),
        "vocab_size",
        "vocab_size",
        dims.vocab_size,
    );
    let mut has_sliding = false;
    for l in &layers {
        let (Some(specs), Some(class)) = (l.specs, l.class_str()) else {
            continue;
        };
        match l.category() {
            Some(Category::Attention) => {
                let heads_key = if specs.get("num_query_heads").is_some() {
                    "num_query_heads"
                } else {
                    "num_heads"
                };
                c.value(
                    specs.get(heads_key),
                    heads_key,
                    "num_attention_heads",
                    dims.heads,
                );
                c.value(
                    specs.get("num_kv_heads"),
                    "num_kv_heads",
                    "num_key_value_heads",
                    dims.kv_heads,
                );
                c.value(specs.get("head_dim"), "head_dim", "head_dim", dims.head_dim);
                if let Some(sw) = specs.get("sliding_window") {
                    has_sliding = true;
                    match dims.sliding_window {
                        Some(w) => c.value(Some(sw), "sliding_window", "sliding_window", Some(w)),
                        None => c.out.push(Diagnostic::new(
                            &HUB_MISMATCH,
                            sw.range,
                            format!(
                                "{}'s config.json uses no sliding window{}",
                                facts.repo_id, c.suffix
                            ),
                        )),
                    }
                    if let (Some(n_sw), Some(count)) = (dims.sliding_layers, l.node.get("count")) {
                        c.value(
                            Some(count),
                            "count",
                            "the number of sliding_attention layer_types",
                            Some(n_sw),
                        );
                    }
                }
                if let Some(hub_bias) = dims.attention_bias {
                    let bias_node = specs.get("has_bias");
                    let ours = bias_node.and_then(Node::as_bool).unwrap_or(false);
                    if ours != hub_bias {
                        let anchor = bias_node
                            .map(|b| b.range)
                            .unwrap_or_else(|| l.class.map(|c| c.range).unwrap_or_default());
                        c.out.push(Diagnostic::new(
                            &HUB_MISMATCH,
                            anchor,
                            format!(
                                "has_bias is {ours} for {} but {}'s config.json has attention_bias {hub_bias}{}",
                                l.label(),
                                facts.repo_id,
                                c.suffix
                            ),
                        ));
                    }
                }
            }
            Some(Category::FeedForward) if class == "MoELayer" => {
                c.value(
                    specs.get("intermediate_size"),
                    "intermediate_size",
                    if dims.moe_intermediate_size.is_some() {
                        "moe_intermediate_size"
                    } else {
                        "intermediate_size"
                    },
                    dims.moe_intermediate_size.or(dims.intermediate_size),
                );
                c.value(
                    specs.get("num_experts"),
                    "num_experts",
                    "num_local_experts",
                    dims.experts,
                );
                c.value(
                    specs.get("top_k"),
                    "top_k",
                    "num_experts_per_tok",
                    dims.experts_per_token,
                );
            }
            Some(Category::FeedForward) if dims.experts.is_none() => {
                c.value(
                    specs.get("intermediate_size"),
                    "intermediate_size",
                    "intermediate_size",
                    dims.intermediate_size,
                );
            }
            _ => {}
        }
    }
    if let Some(w) = dims.sliding_window
        && !has_sliding
        && let Some(first) = layers
            .iter()
            .find(|l| l.category() == Some(Category::Attention))
        && let Some(class) = first.class
    {
        c.out.push(Diagnostic::new(
            &HUB_SLIDING_WINDOW,
            class.range,
            format!(
                "{}'s config.json sets sliding_window {w}, but no layer is a SlidingWindowAttentionLayer: attention over contexts longer than {w} tokens, and its KV cache, are overestimated{}",
                facts.repo_id, c.suffix
            ),
        ));
    }
    check_total(root, &layers, facts, &dims, &mut c);
    let shapes = crate::hub_shapes::check_shapes(*root, facts, &c.out);
    c.out.extend(shapes);
    c.out
}

fn check_total(
    root: &Node,
    layers: &[LayerView],
    facts: &HubFacts,
    dims: &HubDims,
    c: &mut Compare,
) {
    let (Some(p), Some(total_node)) = (&facts.parameters, root.get("total_params")) else {
        return;
    };
    let Some(total) = total_node.as_u128() else {
        return;
    };
    // The Hub counts stored elements. For a quantized checkpoint those are
    // not its parameters (MXFP4 bytes and GPTQ int32s pack several, scales
    // are none): the exact count is the logical one, from the headers.
    let quantized = p.quantized_dtypes();
    let (exact, detail) = if quantized.is_empty() {
        let by: Vec<String> = p
            .by_dtype
            .iter()
            .map(|(d, v)| format!("{d} {}", n(*v)))
            .collect();
        (p.total, format!("{} from {}", by.join(", "), p.source))
    } else {
        let logical = facts
            .tensors
            .as_deref()
            .map(|inv| mantile_tensors::quant::logical(inv, Some(&facts.config)));
        match logical {
            Some(Ok(l)) => match l.quantization {
                Some(q) => (
                    q.logical_parameters,
                    format!("from the safetensors headers: {}", q.equation()),
                ),
                None => (
                    l.inventory.totals().total_elements,
                    "from the safetensors headers".to_string(),
                ),
            },
            other => {
                if total != p.total {
                    let why = match other {
                        Some(Err(e)) => format!(": {e}"),
                        _ => String::new(),
                    };
                    c.out.push(
                        Diagnostic::new(
                            &HUB_TOTAL_PARAMS,
                            total_node.range,
                            format!(
                                "the Hub's count for {} ({} elements) includes quantized tensors stored as {}, which pack several parameters per element or are scales; without a readable tensor inventory it is not compared with total_params{why}{}",
                                facts.repo_id,
                                n(p.total),
                                quantized.join(", "),
                                c.suffix
                            ),
                        )
                        .with_severity(Severity::Info),
                    );
                }
                return;
            }
        }
    };
    // Buffers saved with the weights (causal masks, rotary frequencies) are
    // elements the Hub counts, not parameters.
    let (exact, detail) = match facts
        .tensors
        .as_deref()
        .map(mantile_tensors::structure::buffers)
    {
        Some((b, _)) if b > 0 && exact > b => (
            exact - b,
            format!(
                "{detail}, less {} elements of buffers saved with the weights, which are not parameters",
                n(b)
            ),
        ),
        _ => (exact, detail),
    };
    if total == exact {
        return;
    }
    let diff = exact as i128 - total as i128;
    let rel = diff as f64 / exact.max(1) as f64;
    let mut msg = format!(
        "total_params {} is not the model's parameter count: {} has exactly {} ({detail}), {}{} ({:+.2}%)",
        n(total),
        facts.repo_id,
        n(exact),
        if diff > 0 { "+" } else { "" },
        mantile_diag::format_grouped(diff),
        rel * 100.0
    );
    // Explain the gap with pieces the layer list omits, relative to what it does list.
    if diff > 0
        && let Some((sum, _, _)) = layer_sum(layers)
        && exact > sum
        && let Some(what) = explain_difference(
            root,
            layers,
            exact - sum,
            dims.tied_embeddings != Some(true),
        )
    {
        msg.push_str(&format!(
            "; the layers sum to {}, and the difference {} is exactly {}, which layer_types does not list",
            n(sum),
            n(exact - sum),
            what.join(" + ")
        ));
    }
    msg.push_str(&c.suffix);
    let sev = if rel.abs() > 0.01 {
        Severity::Error
    } else {
        Severity::Warning
    };
    c.out.push(
        Diagnostic::new(&HUB_TOTAL_PARAMS, total_node.range, msg)
            .with_severity(sev)
            .with_fix(Fix::replace(
                format!("Set total_params to {} (Hugging Face)", n(exact)),
                total_node.range,
                exact.to_string(),
            )),
    );
}
