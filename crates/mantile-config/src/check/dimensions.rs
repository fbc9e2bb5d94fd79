//! MC050/MC051 sizes that differ from the model's, MC052 heads that do not
//! group, MC053 `top_k` past `num_experts`, MC054 `num_projections`, MC055 a
//! query width that differs from `hidden_size`.

use super::n;
use crate::catalog::Category;
use crate::findings::Findings;
use crate::params;
use crate::rules::{
    ATTENTION_WIDTH, HIDDEN_SIZE_MISMATCH, KV_HEADS, NUM_PROJECTIONS, TOP_K, VOCAB_SIZE_MISMATCH,
};
use mantile_diag::{Diagnostic, Fix};
use mantile_json::Node;
use mantile_model::{Config, Layer};

pub(super) fn check(config: &Config, out: &mut Findings) {
    let top_d = config.hidden_size.filter(|n| n.as_u128().is_some());
    let top_v = config.vocab_size.filter(|n| n.as_u128().is_some());
    for l in &config.layers {
        let Some(specs) = l.specs else { continue };
        let s = &l.spec;
        for (key, spec, top, rule) in [
            ("hidden_size", s.hidden_size(), top_d, &HIDDEN_SIZE_MISMATCH),
            ("vocab_size", s.vocab_size(), top_v, &VOCAB_SIZE_MISMATCH),
        ] {
            let (Some(spec), Some(top)) = (spec, top) else {
                continue;
            };
            let (Some(a), Some(b)) = (spec.as_u128(), top.as_u128()) else {
                continue;
            };
            if a != b {
                out.push(
                    Diagnostic::new(
                        rule,
                        spec.range,
                        format!(
                            "{key} {a} of layer {} differs from the model's {key} {b}",
                            l.label()
                        ),
                    )
                    .with_related(top.range, format!("the model's {key}"))
                    .with_fix(Fix::replace(
                        format!("Set {key} to {b}"),
                        spec.range,
                        b.to_string(),
                    )),
                );
            }
        }
        if let (Some(h), Some(kv_node)) = (s.heads(), s.num_kv_heads())
            && let Some(kv) = kv_node.as_u128()
            && (kv == 0 || h % kv != 0)
        {
            out.push(Diagnostic::new(
                &KV_HEADS,
                kv_node.range,
                format!("{h} query heads cannot be shared evenly by {kv} key/value heads (query heads must be a multiple of num_kv_heads)"),
            ));
        }
        if let (Some(k_node), Some(e)) = (s.top_k(), s.num_experts().and_then(Node::as_u128))
            && let Some(k) = k_node.as_u128()
            && k > e
        {
            out.push(Diagnostic::new(
                &TOP_K,
                k_node.range,
                format!("top_k {k} exceeds num_experts {e}: a token cannot be routed to more experts than exist"),
            ));
        }
        if let Some(np_node) = s.num_projections()
            && let Some(np) = np_node.as_u128()
            && !(2..=3).contains(&np)
        {
            out.push(Diagnostic::new(
                &NUM_PROJECTIONS,
                np_node.range,
                format!("num_projections must be 2 (up, down) or 3 (gate, up, down), found {np}"),
            ));
        }
        if l.class_category() == Some(Category::Attention)
            && let Some(d) = attention_width(l, specs)
        {
            out.push(d);
        }
    }
}

/// MC055, when an attention layer's query width `h·dh` is not `hidden_size`.
fn attention_width(l: &Layer, specs: Node) -> Option<Diagnostic> {
    let dims = l.dims();
    let (d, h, dh) = (dims.hidden_size?, dims.heads?, dims.head_dim?);
    dims.kv_heads?;
    let q = dims.q_width()?;
    if q == d {
        return None;
    }
    let anchor = specs
        .member("head_dim")
        .map(|m| m.key_range)
        .unwrap_or(specs.range);
    let mut msg = format!(
        "dimension mismatch: query width h·dh = {h}×{dh} = {q} differs from hidden_size {d}, so q_proj is ({q}, {d}) and o_proj is ({d}, {q}), not square"
    );
    if l.class_str() == Some("GroupedQueryAttentionLayer")
        && let Some(assumed) = params::gqa_class_assumed(&dims)
        && let Some(truth) = true_attention_weights(d, q, dims.kv_width()?)
    {
        let diff = truth.abs_diff(assumed);
        msg.push_str(&format!(
            "; GroupedQueryAttentionLayer assumes o_proj is {d}×{d}, which {} its weights by {} parameters per layer",
            if truth > assumed { "undercounts" } else { "overcounts" },
            n(diff)
        ));
    }
    Some(Diagnostic::new(&ATTENTION_WIDTH, anchor, msg))
}

/// `d·q + 2·d·kv + q·d`: the q, k, v and o weights.
fn true_attention_weights(d: u128, q: u128, kv: u128) -> Option<u128> {
    let dq = d.checked_mul(q)?;
    dq.checked_add(d.checked_mul(kv)?.checked_mul(2)?)?
        .checked_add(dq)
}
