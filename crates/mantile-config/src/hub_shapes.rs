//! A config's layers against the model's real tensors (the Hub's tensor
//! inventory): the shapes each layer's specs imply beside the shapes the
//! checkpoint has, for hover cards and for MC075 when they contradict.

use crate::check::{LayerView, layers, n};
use crate::hub::HubFacts;
use crate::params::Specs;
use crate::rules::HUB_TENSOR_SHAPE;
use mantile_diag::Diagnostic;
use mantile_json::Node;
use mantile_tensors::structure::{AttnPart, Kind, Layout, MlpPart, Role, TopRole};
use mantile_tensors::{Inventory, grouped, shape_text};
use std::collections::BTreeSet;

/// Where a tensor sits in the checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Block(Role),
    Top(TopRole),
}

/// One tensor kind of a layer: the shape its specs give and the shapes the
/// checkpoint has for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapeRow {
    /// The tensor's name in the checkpoint (the first that has the role).
    pub tensor: String,
    /// `[kv·dh, d]`
    pub formula: String,
    pub derived: Vec<u64>,
    /// Distinct shapes in the checkpoint (empty: the model has no such tensor).
    pub hub: Vec<Vec<u64>>,
}

impl ShapeRow {
    /// The checkpoint has the tensor, and never in the derived shape.
    pub fn contradicts(&self) -> bool {
        !self.hub.is_empty() && !self.hub.contains(&self.derived)
    }
}

fn expectations(l: &LayerView, root: Node) -> Vec<(Place, &'static str, Vec<u64>)> {
    let (Some(class), Some(specs)) = (l.class_str(), l.specs) else {
        return Vec::new();
    };
    let s = Specs(specs);
    let int = |k: &str| s.int(k).and_then(|v| u64::try_from(v).ok());
    let Some(d) =
        int("hidden_size").or_else(|| root.get("hidden_size")?.as_u128()?.try_into().ok())
    else {
        return Vec::new();
    };
    let b = |r: Role| Place::Block(r);
    match class {
        "GroupedQueryAttentionLayer" | "SlidingWindowAttentionLayer" | "AttentionLayer" => {
            let (Some(h), Some(dh)) = (
                s.heads().and_then(|v| u64::try_from(v).ok()),
                int("head_dim"),
            ) else {
                return Vec::new();
            };
            let kv = if class == "AttentionLayer" {
                h
            } else {
                match int("num_kv_heads") {
                    Some(kv) => kv,
                    None => return Vec::new(),
                }
            };
            let (q, k) = (h * dh, kv * dh);
            vec![
                (
                    b(Role::Attn(AttnPart::Q, Kind::Weight)),
                    "[h·dh, d]",
                    vec![q, d],
                ),
                (
                    b(Role::Attn(AttnPart::K, Kind::Weight)),
                    "[kv·dh, d]",
                    vec![k, d],
                ),
                (
                    b(Role::Attn(AttnPart::V, Kind::Weight)),
                    "[kv·dh, d]",
                    vec![k, d],
                ),
                (
                    b(Role::Attn(AttnPart::O, Kind::Weight)),
                    "[d, h·dh]",
                    vec![d, q],
                ),
                (
                    b(Role::Attn(AttnPart::Qkv, Kind::Weight)),
                    "[(h + 2·kv)·dh, d]",
                    vec![q + 2 * k, d],
                ),
            ]
        }
        "GatedMLPLayer" | "MLPLayer" => {
            let Some(di) = int("intermediate_size") else {
                return Vec::new();
            };
            vec![
                (
                    b(Role::Mlp(MlpPart::Gate, Kind::Weight)),
                    "[di, d]",
                    vec![di, d],
                ),
                (
                    b(Role::Mlp(MlpPart::Up, Kind::Weight)),
                    "[di, d]",
                    vec![di, d],
                ),
                (
                    b(Role::Mlp(MlpPart::Down, Kind::Weight)),
                    "[d, di]",
                    vec![d, di],
                ),
                (
                    b(Role::Mlp(MlpPart::GateUp, Kind::Weight)),
                    "[2·di, d]",
                    vec![2 * di, d],
                ),
            ]
        }
        "MoELayer" => {
            let (Some(di), Some(e)) = (int("intermediate_size"), int("num_experts")) else {
                return Vec::new();
            };
            vec![
                (b(Role::Router(Kind::Weight)), "[E, d]", vec![e, d]),
                (
                    b(Role::Expert(MlpPart::Gate, Kind::Weight)),
                    "[di, d]",
                    vec![di, d],
                ),
                (
                    b(Role::Expert(MlpPart::Up, Kind::Weight)),
                    "[di, d]",
                    vec![di, d],
                ),
                (
                    b(Role::Expert(MlpPart::Down, Kind::Weight)),
                    "[d, di]",
                    vec![d, di],
                ),
                (
                    b(Role::PackedExperts(MlpPart::GateUp, Kind::Weight)),
                    "[E, d, 2·di]",
                    vec![e, d, 2 * di],
                ),
                (
                    b(Role::PackedExperts(MlpPart::Down, Kind::Weight)),
                    "[E, di, d]",
                    vec![e, di, d],
                ),
            ]
        }
        "EmbeddingLayer" => match int("vocab_size") {
            Some(v) => vec![(Place::Top(TopRole::Embed), "[V, d]", vec![v, d])],
            None => Vec::new(),
        },
        "NormLayer" => vec![
            (
                b(Role::Norm(
                    mantile_tensors::structure::NormPos::Input,
                    Kind::Weight,
                )),
                "[d]",
                vec![d],
            ),
            (
                b(Role::Norm(
                    mantile_tensors::structure::NormPos::PostAttention,
                    Kind::Weight,
                )),
                "[d]",
                vec![d],
            ),
            (Place::Top(TopRole::FinalNorm(Kind::Weight)), "[d]", vec![d]),
        ],
        _ => Vec::new(),
    }
}

/// The shapes of a layer's tensors: from its specs and in the checkpoint.
pub fn layer_rows(l: &LayerView, root: Node, inv: &Inventory) -> Vec<ShapeRow> {
    let layout = Layout::of(inv);
    expectations(l, root)
        .into_iter()
        .filter_map(|(place, formula, derived)| {
            let tensors: Vec<&mantile_tensors::Tensor> = match place {
                Place::Block(role) => layout
                    .blocks
                    .iter()
                    .flat_map(|b| b.with(inv, role))
                    .collect(),
                Place::Top(role) => layout.top_with(inv, role),
            };
            let first = tensors.first()?;
            let hub: BTreeSet<Vec<u64>> = tensors.iter().map(|t| t.shape.clone()).collect();
            Some(ShapeRow {
                tensor: first.name.clone(),
                formula: formula.to_string(),
                derived,
                hub: hub.into_iter().collect(),
            })
        })
        .collect()
}

/// The checkpoint as its logical model ([`mantile_tensors::quant::logical`]):
/// quantized weights with their architectural shapes, `[in, out]` (Conv1D)
/// projections read as `[out, in]`, so that a layer's specs are compared
/// with the weights they describe; the stored tensors when a quantization
/// cannot be read.
fn logical(facts: &HubFacts) -> Option<std::borrow::Cow<'_, Inventory>> {
    let inv = facts.tensors.as_deref()?;
    Some(
        mantile_tensors::quant::logical(inv, Some(&facts.config))
            .map(|l| l.inventory)
            .unwrap_or(std::borrow::Cow::Borrowed(inv)),
    )
}

/// MC075: layers whose specs give tensor shapes the checkpoint does not
/// have. A layer that already has a finding inside it (an MC071 on a
/// dimension) is left to that finding.
pub fn check_shapes(root: Node, facts: &HubFacts, already: &[Diagnostic]) -> Vec<Diagnostic> {
    let Some(inv) = logical(facts) else {
        return Vec::new();
    };
    let inv: &Inventory = &inv;
    let mut out = Vec::new();
    for l in layers(&root) {
        if already
            .iter()
            .any(|d| l.node.range.start <= d.range.start && d.range.end <= l.node.range.end)
        {
            continue;
        }
        let bad: Vec<ShapeRow> = layer_rows(&l, root, inv)
            .into_iter()
            .filter(ShapeRow::contradicts)
            .collect();
        if bad.is_empty() {
            continue;
        }
        let anchor = l
            .specs_member()
            .map(|m| m.key_range)
            .or(l.class.map(|c| c.range))
            .unwrap_or(l.node.range);
        let parts: Vec<String> = bad
            .iter()
            .map(|r| {
                format!(
                    "`{}` is {} there, the specs give {} = {}",
                    mantile_tensors::render::safe(&r.tensor),
                    r.hub
                        .iter()
                        .map(|s| shape_text(s))
                        .collect::<Vec<_>>()
                        .join(" or "),
                    r.formula,
                    shape_text(&r.derived)
                )
            })
            .collect();
        out.push(Diagnostic::new(
            &HUB_TENSOR_SHAPE,
            anchor,
            format!(
                "the specs of layer {} contradict {}'s tensors on Hugging Face: {}{}",
                l.label(),
                facts.repo_id,
                parts.join("; "),
                facts.provenance.suffix()
            ),
        ));
    }
    out
}

/// Markdown: the tensors of the layer around `offset`, from its specs and
/// on the Hub, differences marked.
pub fn layer_card(root: Node, offset: usize, facts: &HubFacts) -> Option<String> {
    let inv = logical(facts)?;
    let inv: &Inventory = &inv;
    let ls = layers(&root);
    let l = ls
        .iter()
        .find(|l| l.node.range.start as usize <= offset && offset <= l.node.range.end as usize)?;
    let rows = layer_rows(l, root, inv);
    if rows.is_empty() {
        return None;
    }
    let mut s = format!(
        "**Tensors on Hugging Face** ({}{})\n\n| tensor | from the specs | on the Hub |\n|---|---|---|\n",
        facts.repo_id,
        facts.provenance.suffix()
    );
    for r in &rows {
        let hub = r
            .hub
            .iter()
            .map(|h| shape_text(h))
            .collect::<Vec<_>>()
            .join(" or ");
        s.push_str(&format!(
            "| `{}` | {} = {} | {}{} |\n",
            mantile_tensors::render::safe(&r.tensor),
            r.formula,
            shape_text(&r.derived),
            hub,
            if r.contradicts() { " ⚠" } else { "" }
        ));
    }
    Some(s)
}

/// The checkpoint's tensors that a config layer stands for, by its role:
/// attention, feed-forward (MLP, router, experts), norms, embedding; for a
/// layer of no standard role, the tensors no known pattern explains, those
/// of blocks past `num_layers` (a multi-token prediction module) and, for
/// a Mamba layer, the mixers' tensors. For
/// §4.1 of a gap report scaffolded from the editor.
pub fn layer_tensors(
    l: &LayerView,
    root: Node,
    inv: &Inventory,
) -> Vec<crate::generate::GapTensor> {
    use crate::Category;
    let layout = Layout::of(inv);
    let nl = root
        .get("num_layers")
        .and_then(|n| n.as_u128())
        .and_then(|v| u64::try_from(v).ok());
    let mut idx: Vec<usize> = Vec::new();
    let category = l.category();
    // A layer standing for a Mamba mixer (`MambaMixerLayer`, `mamba`).
    let mamba = [l.class_str(), l.name_str()]
        .into_iter()
        .flatten()
        .any(|s| s.to_ascii_lowercase().contains("mamba"));
    for b in &layout.blocks {
        let extra = nl.is_some_and(|n| b.index >= n);
        for (i, r) in &b.tensors {
            let take = match (category, r) {
                (_, Some(Role::QuantScale)) => false,
                (Some(Category::Attention), Some(Role::Attn(..))) => !extra,
                (Some(Category::FeedForward), Some(r))
                    if r.is_feed_forward() || matches!(r, Role::QuantBlocks(_)) =>
                {
                    !extra
                }
                (Some(Category::Norm), Some(Role::Norm(..))) => !extra,
                (None, None) => true,
                (None, Some(Role::Ssm)) => mamba || extra,
                (None, Some(_)) => extra,
                _ => false,
            };
            if take {
                idx.push(*i);
            }
        }
    }
    for (i, r) in &layout.top {
        let take = matches!(
            (category, r),
            (
                Some(Category::Embedding),
                Some(TopRole::Embed | TopRole::PositionEmbed)
            ) | (Some(Category::Norm), Some(TopRole::FinalNorm(_)))
                | (None, None)
        );
        if take {
            idx.push(*i);
        }
    }
    let mut tensors = crate::generate::patterns(inv, &idx);
    // Repeats over the whole checkpoint.
    let all = mantile_tensors::pattern::groups(inv);
    for t in &mut tensors {
        let template = mantile_tensors::pattern::split(&t.example).0;
        if let Some(g) = all.iter().find(|g| {
            g.template == template && shape_text(&g.shape) == t.shape && g.dtype.name() == t.dtype
        }) && g.count > 1
        {
            t.repeats = format!("× {} ({})", g.count, g.display());
        }
    }
    tensors
}

/// Markdown lines summing up the inventory, for the `hf_model_id` card.
pub fn inventory_summary(facts: &HubFacts) -> Option<String> {
    let inv = facts.tensors.as_deref()?;
    let a = mantile_tensors::render::analyse(inv, Some(&facts.config));
    let dtypes: Vec<String> = a
        .totals
        .elements
        .iter()
        .map(|(d, n)| format!("{} {}", d.name(), grouped(*n)))
        .collect();
    let mut s = format!(
        "\n\n**Tensors**: {} in {} shard{}, {} elements ({})",
        grouped(a.totals.tensors as u128),
        inv.shards.len(),
        if inv.shards.len() == 1 { "" } else { "s" },
        n(a.totals.total_elements),
        dtypes.join(", ")
    );
    for (k, v) in &a.lines {
        s.push_str(&format!("\n- {k}: {}", mantile_tensors::render::safe(v)));
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::{HubParameters, Provenance, check_against_hub};
    use mantile_tensors::DType;
    use serde_json::json;

    /// d=64, h=4, kv=2, dh=16, di=128, V=100, 2 blocks, in safetensors names.
    fn facts() -> HubFacts {
        let mut entries = vec![(
            "model.embed_tokens.weight".to_string(),
            DType::BF16,
            vec![100, 64],
        )];
        for l in 0..2 {
            for (n, s) in [
                ("self_attn.q_proj.weight", vec![64, 64]),
                ("self_attn.k_proj.weight", vec![32, 64]),
                ("self_attn.v_proj.weight", vec![32, 64]),
                ("self_attn.o_proj.weight", vec![64, 64]),
                ("mlp.gate_proj.weight", vec![128, 64]),
                ("mlp.up_proj.weight", vec![128, 64]),
                ("mlp.down_proj.weight", vec![64, 128]),
                ("input_layernorm.weight", vec![64]),
                ("post_attention_layernorm.weight", vec![64]),
            ] {
                entries.push((format!("model.layers.{l}.{n}"), DType::BF16, s));
            }
        }
        entries.push(("model.norm.weight".into(), DType::BF16, vec![64]));
        let mut inv = Inventory::default();
        inv.add_shard("model.safetensors", entries).unwrap();
        inv.finish().unwrap();
        let total = inv.totals().total_elements;
        HubFacts {
            repo_id: "org/Tiny".into(),
            sha: None,
            // No num_key_value_heads: config.json alone cannot catch a wrong KV width.
            config: json!({"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
                           "num_attention_heads": 4, "intermediate_size": 128, "vocab_size": 100,
                           "tie_word_embeddings": true}),
            parameters: Some(HubParameters {
                by_dtype: vec![("BF16".into(), total)],
                total,
                source: "safetensors headers",
            }),
            provenance: Provenance::Live,
            tensors: Some(std::sync::Arc::new(inv)),
            tensors_problem: None,
        }
    }

    const CONFIG: &str = r#"{"model_id": "org_Tiny", "hf_model_id": "org/Tiny", "name": "t", "hidden_size": 64,
 "num_layers": 2, "vocab_size": 100, "total_params": 40000,
 "layer_types": [
  {"name": "attention", "class": "GroupedQueryAttentionLayer", "count": 2, "specs": {"hidden_size": 64, "num_heads": 4, "num_kv_heads": 4, "head_dim": 16}},
  {"name": "feedforward", "class": "GatedMLPLayer", "count": 2, "specs": {"hidden_size": 64, "intermediate_size": 128}},
  {"name": "norm", "class": "NormLayer", "count": 5, "specs": {"hidden_size": 64}},
  {"name": "embedding", "class": "EmbeddingLayer", "count": 1, "specs": {"vocab_size": 100, "hidden_size": 64}}]}"#;

    #[test]
    fn specs_that_contradict_the_tensors_are_mc075_on_the_layer() {
        let tree = mantile_json::parse(CONFIG);
        let root = tree.root().unwrap();
        let found: Vec<String> = check_against_hub(&root, &facts())
            .iter()
            .filter(|d| d.rule.code == "MC075")
            .map(|d| {
                format!(
                    "{} {:?}: {}",
                    d.severity,
                    &CONFIG[d.range.as_range()],
                    d.message
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                "error \"\\\"specs\\\"\": the specs of layer \"attention\" contradict org/Tiny's tensors on Hugging Face: `model.layers.0.self_attn.k_proj.weight` is [32, 64] there, the specs give [kv·dh, d] = [64, 64]; `model.layers.0.self_attn.v_proj.weight` is [32, 64] there, the specs give [kv·dh, d] = [64, 64]"
            ]
        );
        // With the right KV heads, nothing.
        let right = CONFIG.replace("\"num_kv_heads\": 4", "\"num_kv_heads\": 2");
        let tree = mantile_json::parse(&right);
        let root = tree.root().unwrap();
        assert!(
            check_against_hub(&root, &facts())
                .iter()
                .all(|d| d.rule.code != "MC075")
        );
    }

    #[test]
    fn the_layer_card_puts_both_shapes_side_by_side() {
        let tree = mantile_json::parse(CONFIG);
        let root = tree.root().unwrap();
        let at = CONFIG.find("GroupedQueryAttentionLayer").unwrap();
        let card = layer_card(root, at, &facts()).unwrap();
        assert_eq!(
            card,
            "**Tensors on Hugging Face** (org/Tiny)\n\n| tensor | from the specs | on the Hub |\n|---|---|---|\n\
             | `model.layers.0.self_attn.q_proj.weight` | [h·dh, d] = [64, 64] | [64, 64] |\n\
             | `model.layers.0.self_attn.k_proj.weight` | [kv·dh, d] = [64, 64] | [32, 64] ⚠ |\n\
             | `model.layers.0.self_attn.v_proj.weight` | [kv·dh, d] = [64, 64] | [32, 64] ⚠ |\n\
             | `model.layers.0.self_attn.o_proj.weight` | [d, h·dh] = [64, 64] | [64, 64] |\n"
        );
        let summary = inventory_summary(&facts()).unwrap();
        assert!(
            summary.starts_with("\n\n**Tensors**: 20 in 1 shard, 80,448 elements (BF16 80,448)"),
            "{summary}"
        );
        assert!(summary.contains("- embeddings: tied"), "{summary}");
    }
}
