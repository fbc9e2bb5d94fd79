//! The hover card on `hf_model_id`: the Hub's facts beside the config's.

use super::types::{HubDims, HubFacts};
use crate::Category;
use crate::check::{layers, n};
use mantile_json::Node;

/// A Markdown card comparing the Hub's facts with the config's values.
pub fn hover_card(root: &Node, facts: &HubFacts) -> String {
    let d = HubDims::from_config(&facts.config);
    let layers = layers(root);
    let spec = |cat: Category, key: &str| -> Option<u128> {
        layers
            .iter()
            .filter(|l| l.category() == Some(cat))
            .find_map(|l| l.specs?.get(key)?.as_u128())
    };
    let show = |v: Option<u128>| v.map(|v| v.to_string()).unwrap_or_else(|| "—".into());
    let mut rows: Vec<(String, String, String)> = vec![
        (
            "architecture".into(),
            d.architecture.clone().unwrap_or_else(|| "—".into()),
            "—".into(),
        ),
        (
            "hidden_size".into(),
            show(d.hidden_size),
            show(root.get("hidden_size").and_then(Node::as_u128)),
        ),
        (
            "layers".into(),
            show(d.num_layers),
            show(root.get("num_layers").and_then(Node::as_u128)),
        ),
        (
            "vocab_size".into(),
            show(d.vocab_size),
            show(root.get("vocab_size").and_then(Node::as_u128)),
        ),
        (
            "heads".into(),
            show(d.heads),
            show(
                spec(Category::Attention, "num_heads")
                    .or(spec(Category::Attention, "num_query_heads")),
            ),
        ),
        (
            "kv heads".into(),
            show(d.kv_heads),
            show(spec(Category::Attention, "num_kv_heads")),
        ),
        (
            "head_dim".into(),
            show(d.head_dim),
            show(spec(Category::Attention, "head_dim")),
        ),
        (
            "intermediate_size".into(),
            show(d.moe_intermediate_size.or(d.intermediate_size)),
            show(spec(Category::FeedForward, "intermediate_size")),
        ),
    ];
    if d.experts.is_some() {
        rows.push((
            "experts / per token".into(),
            format!("{} / {}", show(d.experts), show(d.experts_per_token)),
            format!(
                "{} / {}",
                show(spec(Category::FeedForward, "num_experts")),
                show(spec(Category::FeedForward, "top_k"))
            ),
        ));
    }
    if let Some(w) = d.sliding_window {
        rows.push((
            "sliding_window".into(),
            w.to_string(),
            show(spec(Category::Attention, "sliding_window")),
        ));
    }
    rows.push((
        "tied embeddings".into(),
        d.tied_embeddings
            .map(|t| t.to_string())
            .unwrap_or_else(|| "—".into()),
        "—".into(),
    ));
    if let Some(p) = &facts.parameters {
        rows.push((
            "parameters".into(),
            n(p.total),
            root.get("total_params")
                .and_then(Node::as_u128)
                .map(n)
                .unwrap_or_else(|| "—".into()),
        ));
        for (dtype, v) in &p.by_dtype {
            rows.push((format!("  {dtype}"), n(*v), String::new()));
        }
    }
    let mut s = format!(
        "**{}** on Hugging Face{}\n\n| | Hub | config |\n|---|---:|---:|\n",
        facts.repo_id,
        facts.provenance.suffix()
    );
    for (k, h, c) in rows {
        let mark = if !c.is_empty() && c != "—" && h != "—" && h != c {
            " ⚠"
        } else {
            ""
        };
        s.push_str(&format!("| {k} | {h} | {c}{mark} |\n"));
    }
    if let Some(sha) = &facts.sha {
        s.push_str(&format!("\nRevision `{}`", &sha[..sha.len().min(12)]));
    }
    if let Some(t) = crate::hub_shapes::inventory_summary(facts) {
        s.push_str(&t);
    }
    s
}
