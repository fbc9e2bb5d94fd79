//! MC061 `total_params` against Σ count × parameters (explained by pieces
//! configs leave out, when they add up exactly), MC062 the formatted total.

use super::{LayerView, n};
use crate::catalog::Category;
use crate::edit::json_string;
use crate::findings::{Findings, some_of_n};
use crate::params::{format_short, parse_short};
use crate::rules::{TOTAL_PARAMS, TOTAL_PARAMS_FORMATTED};
use mantile_diag::{Diagnostic, Fix, Severity};
use mantile_json::Node;
use mantile_model::{Config, Dimensions, Layer};

/// Terms of Σ count × parameters a message shows before "and N more".
const TERMS: usize = 12;

/// The terms of Σ count × parameters: `(count, parameters)` per layer.
pub(crate) type SumTerms = Vec<(u128, u128)>;

/// A known piece of a model that configs leave out of `layer_types`.
struct Piece {
    what: String,
    value: u128,
    /// How unusual the piece is: explanations prefer the common pieces
    /// (lm_head, norms, q/k/v biases, sinks: 1) over rarer ones (q/k norms,
    /// MLP and router biases, an lm_head bias: 3), so that a coincidental sum
    /// of rare pieces never replaces the usual account.
    cost: u32,
}

/// Σ of `f` over `items`, or `None` on overflow.
fn checked_sum<T>(items: impl Iterator<Item = T>, f: impl Fn(T) -> Option<u128>) -> Option<u128> {
    items.filter_map(f).try_fold(0u128, |s, v| s.checked_add(v))
}

fn known_pieces(root: &Node, layers: &[LayerView]) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let d = root.get("hidden_size").and_then(Node::as_u128);
    let v = root.get("vocab_size").and_then(Node::as_u128);
    let nl = root.get("num_layers").and_then(Node::as_u128);
    let has = |c: Category| layers.iter().any(|l| l.category() == Some(c));
    if let (Some(d), Some(v)) = (d, v)
        && has(Category::Embedding)
        && let Some(vd) = v.checked_mul(d)
    {
        pieces.push(Piece {
            what: format!("an untied lm_head V×d = {v}×{d} = {}", n(vd)),
            value: vd,
            cost: 1,
        });
    }
    if let Some(norm) = layers.iter().find(|l| l.category() == Some(Category::Norm))
        && let Some(per) = norm
            .recomputed_total()
            .or_else(|| norm.stated_count()?.as_u128())
    {
        pieces.push(Piece {
            what: format!("a final norm ({})", n(per)),
            value: per,
            cost: 1,
        });
        if let (Some(nl), Some(c)) = (nl, norm.count)
            && c == nl
            && let Some(all) = nl.checked_mul(per)
        {
            pieces.push(Piece {
                what: format!("a second norm per block {nl}×{per} = {}", n(all)),
                value: all,
                cost: 1,
            });
        }
    }
    let attention = || {
        layers
            .iter()
            .filter(|l| l.category() == Some(Category::Attention))
    };
    // q/k/v biases (Qwen2-style) in attention layers that state no has_bias.
    let qkv_bias = checked_sum(
        attention().filter(|l| l.spec.bias() != Some(true)),
        |l: &Layer| {
            l.class_str()?;
            l.specs?;
            let dims = l.dims();
            dims.hidden_size?;
            let width = dims
                .q_width()?
                .checked_add(dims.kv_width()?.checked_mul(2)?)?;
            l.count?.checked_mul(width)
        },
    );
    if let Some(qkv_bias) = qkv_bias.filter(|&b| b > 0) {
        pieces.push(Piece {
            what: format!(
                "q/k/v projection biases in the attention layers ({})",
                n(qkv_bias)
            ),
            value: qkv_bias,
            cost: 1,
        });
    }
    // q/k norms (Qwen3, Gemma-3: over each head; OLMo-2, Command-R: over
    // the full query and key widths), which no attention class counts.
    let attn_dims: Vec<(u128, Dimensions)> = attention()
        .filter_map(|l| {
            l.class_str()?;
            l.specs?;
            let dims = l.dims();
            dims.has_attention().then_some((l.count?, dims))
        })
        .collect();
    let per_head = checked_sum(attn_dims.iter(), |(c, a)| {
        c.checked_mul(2)?.checked_mul(a.head_dim?)
    });
    if let Some(per_head) = per_head.filter(|&p| p > 0) {
        pieces.push(Piece {
            what: format!(
                "q/k norms over each head, 2×head_dim per attention layer ({})",
                n(per_head)
            ),
            value: per_head,
            cost: 3,
        });
    }
    let full_width = checked_sum(attn_dims.iter(), |(c, a)| {
        c.checked_mul(a.q_width()?.checked_add(a.kv_width()?)?)
    });
    if let Some(full_width) = full_width.filter(|&w| w > 0 && Some(w) != per_head) {
        pieces.push(Piece {
            what: format!(
                "q/k norms over the full query and key widths ({})",
                n(full_width)
            ),
            value: full_width,
            cost: 3,
        });
    }
    // MLP biases (Phi-2, StarCoder2): MLPLayer and GatedMLPLayer count none.
    let mlp_bias = checked_sum(
        layers
            .iter()
            .filter(|l| matches!(l.class_str(), Some("MLPLayer" | "GatedMLPLayer"))),
        |l: &Layer| {
            l.specs?;
            let s = &l.spec;
            let (d, di) = (
                s.hidden_size()?.as_u128()?,
                s.intermediate_size()?.as_u128()?,
            );
            let gated = l.class_str() == Some("GatedMLPLayer")
                || s.num_projections().and_then(Node::as_u128) == Some(3);
            let up = if gated { di.checked_mul(2)? } else { di };
            l.count?.checked_mul(up.checked_add(d)?)
        },
    );
    if let Some(mlp_bias) = mlp_bias.filter(|&b| b > 0) {
        pieces.push(Piece {
            what: format!("MLP projection biases ({})", n(mlp_bias)),
            value: mlp_bias,
            cost: 3,
        });
    }
    // Router biases (one per expert: GPT-OSS's router.bias, DeepSeek-V3's
    // score-correction bias) in MoE layers that state no has_bias.
    let router_bias = checked_sum(
        layers
            .iter()
            .filter(|l| l.class_str() == Some("MoELayer"))
            .filter(|l| l.spec.bias() != Some(true)),
        |l: &Layer| {
            l.specs?;
            l.count?.checked_mul(l.spec.num_experts()?.as_u128()?)
        },
    );
    if let Some(router_bias) = router_bias.filter(|&b| b > 0) {
        pieces.push(Piece {
            what: format!(
                "router biases, one per expert in each MoE layer ({})",
                n(router_bias)
            ),
            value: router_bias,
            cost: 3,
        });
    }
    // The lm_head's own bias (Phi-2).
    if let Some(v) = v
        && has(Category::Embedding)
    {
        pieces.push(Piece {
            what: format!("the lm_head's bias ({})", n(v)),
            value: v,
            cost: 3,
        });
    }
    let sinks = layers
        .iter()
        .any(|l| l.spec.num_sinks().and_then(Node::as_u128).unwrap_or(0) > 0);
    if sinks
        && let Some(total) = checked_sum(attention(), |l: &Layer| {
            l.count?.checked_mul(l.spec.heads()?)
        })
        && total > 0
    {
        pieces.push(Piece {
            what: format!(
                "learned attention sinks, one per query head in every attention layer ({})",
                n(total)
            ),
            value: total,
            cost: 1,
        });
    }
    pieces
}

/// The smallest combination of pieces that configs leave out of
/// `layer_types` (untied lm_head, final norm, second norm per block, attention
/// sinks) whose parameters add up to exactly `diff`, described.
pub(crate) fn explain_difference(
    root: &Node,
    layers: &[LayerView],
    diff: u128,
    lm_head_possible: bool,
) -> Option<Vec<String>> {
    let mut pieces = known_pieces(root, layers);
    if !lm_head_possible {
        pieces.retain(|p| !p.what.contains("lm_head"));
    }
    let mut best: Option<(u32, Vec<usize>)> = None;
    for mask in 1u32..(1 << pieces.len()) {
        let chosen: Vec<usize> = (0..pieces.len()).filter(|i| mask & (1 << i) != 0).collect();
        let cost: u32 = chosen.iter().map(|&i| pieces[i].cost).sum();
        if checked_sum(chosen.iter(), |&i| Some(pieces[i].value)) == Some(diff)
            && best
                .as_ref()
                .is_none_or(|(c, b)| (cost, chosen.len()) < (*c, b.len()))
        {
            best = Some((cost, chosen));
        }
    }
    best.map(|(_, chosen)| chosen.into_iter().map(|i| pieces[i].what.clone()).collect())
}

/// Σ count × parameters per layer (recomputed where the class is known, else
/// stated), with the terms `(count, parameters)`; `None` when a layer's
/// parameters are unknown or the sum overflows.
pub(crate) fn layer_sum(layers: &[LayerView]) -> Option<(u128, SumTerms, bool)> {
    let mut sum: u128 = 0;
    let mut recomputed_used = false;
    let mut parts = Vec::with_capacity(layers.len());
    for l in layers {
        let count = l.count.filter(|&c| c > 0)?;
        let stated = l.stated_count().and_then(Node::as_u128);
        let per = match (l.recomputed_total(), stated) {
            (Some(total), s) => {
                if s.is_some_and(|s| s != total) {
                    recomputed_used = true;
                }
                total
            }
            (None, Some(s)) => s,
            (None, None) => return None,
        };
        sum = sum.checked_add(count.checked_mul(per)?)?;
        parts.push((count, per));
    }
    Some((sum, parts, recomputed_used))
}

pub(super) fn check(config: &Config, out: &mut Findings) {
    let total_node = config.total_params;
    let total = total_node.and_then(Node::as_u128);
    if let (Some(t), Some(fmt_node)) = (total, config.total_params_formatted)
        && let Some(s) = fmt_node.as_str()
        && let Some((value, half)) = parse_short(s)
        && ((t as f64) - value).abs() > half * 1.000_001
    {
        let want = format_short(t);
        out.push(
            Diagnostic::new(
                &TOTAL_PARAMS_FORMATTED,
                fmt_node.range,
                format!(
                    "total_params_formatted \"{}\" does not agree with total_params {} ({want})",
                    mantile_model::preview(s),
                    n(t)
                ),
            )
            .with_fix(Fix::replace(
                format!("Set to \"{want}\""),
                fmt_node.range,
                json_string(&want),
            )),
        );
    }
    let (Some(total_node), Some(total)) = (total_node, total) else {
        return;
    };
    let layers = &config.layers;
    if layers.is_empty() {
        return;
    }
    let Some((sum, parts, recomputed_used)) = layer_sum(layers) else {
        return;
    };
    if sum == total {
        return;
    }
    let basis = if recomputed_used {
        " (with recomputed parameter counts)"
    } else {
        ""
    };
    if total > sum {
        let diff = total - sum;
        if let Some(what) = explain_difference(&config.root, layers, diff, true) {
            out.push(
                Diagnostic::new(
                    &TOTAL_PARAMS,
                    total_node.range,
                    format!(
                        "total_params {} exceeds the layers' sum {}{basis} by {}, which is exactly {}; layer_types does not list {}, so Mantile's own parameter total is lower",
                        n(total),
                        n(sum),
                        n(diff),
                        what.join(" + "),
                        if what.len() == 1 { "it" } else { "them" }
                    ),
                )
                .with_severity(Severity::Info),
            );
            return;
        }
    }
    let by = if total > sum {
        n(total - sum)
    } else {
        format!("-{}", n(sum - total))
    };
    let percent = (total as f64 - sum as f64) / sum.max(1) as f64 * 100.0;
    let terms = parts.len();
    out.push(
        Diagnostic::new(
            &TOTAL_PARAMS,
            total_node.range,
            format!(
                "total_params {} differs from the layers' sum Σ count × parameters = {} = {}{basis} by {by} ({percent:+.2}%)",
                n(total),
                some_of_n(
                    parts.iter().map(|(c, per)| format!("{c}×{}", n(*per))),
                    terms,
                    " + ",
                    TERMS
                ),
                n(sum),
            ),
        )
        .with_fix(Fix::replace(
            format!("Set total_params to {}", n(sum)),
            total_node.range,
            sum.to_string(),
        )),
    );
}
