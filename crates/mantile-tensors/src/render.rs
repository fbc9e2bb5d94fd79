//! The inventory for people and tools: a table grouped by pattern, a CSV of
//! every tensor (the guide's `tensors.csv`), versioned JSON, and the
//! structure analysis in words.

use crate::pattern::{Group, groups, ranges};
use crate::quant::{QuantError, Quantization};
use crate::structure::Kind;
use crate::structure::{
    Attention, Ffn, Heads, Layout, NormPos, Role, Shape, TopRole, attention_kind, block_kinds,
    sliding_layers,
};
use crate::{DType, Inventory, Totals, bytes_text, grouped, shape_text};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Text from the Hub made safe for a terminal: control characters escaped.
pub fn safe(s: &str) -> String {
    if s.chars().any(char::is_control) {
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        s.to_string()
    }
}

/// The analysis of an inventory (with config.json when there is one).
#[derive(Clone, Debug)]
pub struct Analysis {
    pub totals: Totals,
    pub groups: Vec<Group>,
    pub layout: Layout,
    pub kinds: Vec<(Shape, BTreeSet<u64>)>,
    pub heads: Heads,
    /// Per layer, whether it slides (config.json).
    pub sliding: Option<Vec<bool>>,
    /// `num_hidden_layers` of config.json.
    pub num_layers: Option<u64>,
    /// No `lm_head` tensor: the output projection reuses the embeddings.
    pub tied: bool,
    /// Fused projections seen (`qkv_proj`, `gate_up_proj`).
    pub fused: Vec<&'static str>,
    /// Groups of tensors no known pattern explains, displayed.
    pub unusual: Vec<String>,
    /// The structure in words: (topic, description).
    pub lines: Vec<(String, String)>,
    /// How the checkpoint is quantized (the structure above is that of the
    /// logical model, [`crate::quant::logical`]).
    pub quantization: Option<Quantization>,
    /// A quantization whose logical model the headers cannot give (the
    /// structure above is then that of the stored tensors).
    pub quant_error: Option<QuantError>,
    /// The model's parameters: the logical count when the checkpoint is
    /// quantized, else the stored elements; `None` when a quantization
    /// cannot be read.
    pub parameters: Option<u128>,
}

fn norm_name(p: NormPos) -> &'static str {
    match p {
        NormPos::Input => "input",
        NormPos::PostAttention => "post-attention",
        NormPos::PreFeedforward => "pre-feedforward",
        NormPos::PostFeedforward => "post-feedforward",
    }
}

/// The stored inventory's tensors and totals, and the structure of the
/// logical model (quantized weights read as the weights they stand for).
pub fn analyse(stored: &Inventory, config: Option<&Value>) -> Analysis {
    let null = Value::Null;
    let config = crate::structure::text_config(config.unwrap_or(&null));
    let config: &Value = &config;
    let (logical, quantization, quant_error, conv1d) =
        match crate::quant::logical(stored, Some(config)) {
            Ok(l) => (l.inventory, l.quantization, None, l.conv1d),
            Err(e) => (std::borrow::Cow::Borrowed(stored), None, Some(e), false),
        };
    let inv: &Inventory = &logical;
    let heads = Heads::from_config(config);
    let num_layers = ["num_hidden_layers", "n_layer", "n_layers", "num_layers"]
        .iter()
        .find_map(|k| config.get(*k)?.as_u64());
    let qkv_split = match (heads.heads, heads.kv_heads, heads.head_dim) {
        (Some(h), Some(kv), Some(dh)) => Some((h * dh, kv * dh)),
        _ => None,
    };
    let layout = Layout::of(inv);
    let kinds = block_kinds(&layout, inv, qkv_split);
    let sliding = num_layers.and_then(|n| sliding_layers(config, n));
    // Model order: embeddings, the blocks, anything else, the final norm, the head.
    let mut groups = groups(stored);
    let rank = |template: &str| match crate::structure::top_role(template) {
        Some(TopRole::Embed | TopRole::PositionEmbed | TopRole::EmbedNorm(_)) => 0,
        Some(TopRole::FinalNorm(_)) => 3,
        Some(TopRole::LmHead(_)) => 4,
        _ if layout
            .prefix
            .as_ref()
            .is_some_and(|p| template.starts_with(&format!("{p}."))) =>
        {
            1
        }
        _ => 2,
    };
    groups.sort_by_key(|g| rank(&g.template));
    let (encoder, unexplained): (BTreeSet<usize>, BTreeSet<usize>) = layout
        .unexplained()
        .into_iter()
        .partition(|&i| crate::structure::is_multimodal(&inv.tensors[i].name));
    let mut logical_groups = crate::pattern::groups(inv);
    logical_groups.sort_by_key(|g| rank(&g.template));
    let unusual: Vec<String> = groups_of(inv, &logical_groups, &unexplained);
    let tied = layout
        .top_with(inv, TopRole::LmHead(Kind::Weight))
        .is_empty()
        && layout
            .blocks
            .iter()
            .all(|b| !b.has(|r| r == Role::Mtp(crate::structure::MtpPart::Head)));
    let mut fused = Vec::new();
    if kinds.iter().any(|(s, _)| {
        matches!(
            s.attention,
            Some(Attention::Projections { fused: true, .. })
        )
    }) {
        fused.push("qkv_proj");
    }
    if kinds
        .iter()
        .any(|(s, _)| matches!(s.ffn, Some(Ffn::Dense { fused: true, .. })))
    {
        fused.push("gate_up_proj");
    }
    let mut lines: Vec<(String, String)> = Vec::new();
    let prefix = layout.prefix.clone().unwrap_or_default();
    let all: BTreeSet<u64> = layout.blocks.iter().map(|b| b.index).collect();
    if !all.is_empty() {
        let mut s = format!("{} ({prefix}.{})", all.len(), ranges(&all));
        if let Some(n) = num_layers
            && all.len() as u64 != n
        {
            let extra: BTreeSet<u64> = all.iter().copied().filter(|i| *i >= n).collect();
            s.push_str(&format!(
                "; config.json has num_hidden_layers {n}{}",
                if extra.is_empty() {
                    String::new()
                } else {
                    format!(", so block {} is extra", ranges(&extra))
                }
            ));
        }
        if kinds.len() == 1 {
            s.push_str(", all alike");
        } else {
            s.push_str(&format!(", {} kinds", kinds.len()));
        }
        lines.push(("blocks".into(), s));
    }
    for (shape, idx) in &kinds {
        let which = if kinds.len() == 1 {
            String::new()
        } else {
            format!("blocks {}: ", ranges(idx))
        };
        let mut parts: Vec<String> = Vec::new();
        if let Some(a) = &shape.attention {
            let mut s = attention_kind(a, &heads);
            if let Attention::Projections {
                q,
                hidden,
                bias,
                q_norm,
                k_norm,
                sinks,
                fused,
                ..
            } = a
            {
                if fused == &true {
                    s.push_str(", fused qkv_proj");
                }
                if q != hidden {
                    s.push_str(&format!(", query width {q} ≠ hidden_size {hidden}"));
                }
                let with: Vec<&str> = ["q", "k", "v", "o"]
                    .iter()
                    .zip(bias)
                    .filter(|(_, b)| **b > 0)
                    .map(|(n, _)| *n)
                    .collect();
                if !with.is_empty() {
                    s.push_str(&format!(", biases on {}", with.join("/")));
                }
                if *q_norm > 0 || *k_norm > 0 {
                    s.push_str(&format!(", q/k norms ({q_norm} + {k_norm})"));
                }
                if *sinks > 0 {
                    s.push_str(&format!(", {sinks} learned sinks"));
                }
            }
            if let Attention::Latent {
                q_rank,
                kv_rank,
                rope,
                ..
            } = a
            {
                s.push_str(&format!(
                    ", kv rank {kv_rank} + rope {rope}{}",
                    q_rank.map(|r| format!(", q rank {r}")).unwrap_or_default()
                ));
            }
            parts.push(format!("attention {s}"));
        }
        match &shape.ffn {
            Some(Ffn::Dense {
                inter,
                gated,
                fused,
                bias_up,
                bias_down,
                ..
            }) => parts.push(format!(
                "MLP {} intermediate {inter}{}{}",
                if *gated { "gated" } else { "plain" },
                if *fused { ", fused gate_up_proj" } else { "" },
                if bias_up + bias_down > 0 {
                    ", with biases"
                } else {
                    ""
                }
            )),
            Some(Ffn::Moe {
                experts,
                inter,
                gated,
                shared,
                shared_gate,
                router_bias,
                score_bias,
                expert_bias,
                ..
            }) => {
                let mut s = format!(
                    "MoE {experts} routed experts ({}, intermediate {inter})",
                    if *gated { "gated" } else { "plain" }
                );
                if let Some(sh) = shared {
                    s.push_str(&format!(", shared experts of width {sh}"));
                    if *shared_gate {
                        s.push_str(" behind a sigmoid gate");
                    }
                }
                if *router_bias {
                    s.push_str(", router bias");
                }
                if *score_bias {
                    s.push_str(", score-correction bias");
                }
                if *expert_bias > 0 {
                    s.push_str(", expert biases");
                }
                parts.push(s);
            }
            None => {}
        }
        if !shape.norms.is_empty() {
            let names: Vec<String> = shape
                .norms
                .iter()
                .map(|(p, _, b)| format!("{}{}", norm_name(*p), if *b { "+bias" } else { "" }))
                .collect();
            parts.push(format!(
                "{} norm{} ({})",
                shape.norms.len(),
                if shape.norms.len() == 1 { "" } else { "s" },
                names.join(", ")
            ));
        }
        if shape.ssm > 0 {
            parts.push(format!(
                "Mamba mixer ({} parameters)",
                grouped(u128::from(shape.ssm))
            ));
        }
        if shape.mtp {
            parts.push("a multi-token prediction module".into());
        }
        if !shape.unknown.is_empty() {
            parts.push(format!("{} unexplained tensor(s)", shape.unknown.len()));
        }
        lines.push(("block".into(), format!("{which}{}", parts.join("; "))));
    }
    if let Some(sl) = &sliding {
        let n_sl = sl.iter().filter(|s| **s).count();
        let w = config
            .get("sliding_window")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        lines.push((
            "attention pattern".into(),
            if n_sl == sl.len() {
                format!("sliding window {w} in every layer")
            } else {
                let full: BTreeSet<u64> = sl
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| !**s)
                    .map(|(i, _)| i as u64)
                    .collect();
                format!(
                    "{n_sl} sliding-window layers (window {w}) and {} full-attention layers ({})",
                    sl.len() - n_sl,
                    ranges(&full)
                )
            },
        ));
    }
    let has_input = kinds
        .iter()
        .any(|(s, _)| s.norms.iter().any(|n| n.0 == NormPos::Input));
    let parallel = kinds
        .iter()
        .any(|(s, _)| s.attention.is_some() && s.ffn.is_some() && s.norms.len() == 1 && has_input);
    if parallel {
        lines.push((
            "block form".into(),
            "parallel: one norm feeds attention and the MLP side by side".into(),
        ));
    }
    lines.push((
        "embeddings".into(),
        if tied {
            "tied: no lm_head tensor, the output projection reuses the embedding matrix".into()
        } else {
            let head = layout.top_with(inv, TopRole::LmHead(Kind::Weight));
            format!(
                "untied: {}",
                head.first()
                    .map(|t| format!("{} {}", safe(&t.name), t.shape_text()))
                    .unwrap_or_else(|| "the lm_head is in the extra block".into())
            )
        },
    ));
    let extras: Vec<String> = layout
        .top
        .iter()
        .filter_map(|(i, r)| {
            let t = &inv.tensors[*i];
            match r {
                Some(TopRole::PositionEmbed) => Some(format!(
                    "learned absolute positions {} {}",
                    safe(&t.name),
                    t.shape_text()
                )),
                Some(TopRole::EmbedNorm(Kind::Weight)) => Some(format!(
                    "a norm after the token embedding {} {}",
                    safe(&t.name),
                    t.shape_text()
                )),
                _ => None,
            }
        })
        .collect();
    if !extras.is_empty() {
        lines.push(("  also".into(), extras.join("; ")));
    }
    if !encoder.is_empty() {
        let n: u128 = encoder.iter().map(|&i| inv.tensors[i].numel()).sum();
        let first = &inv.tensors[*encoder.iter().next().unwrap_or(&0)];
        lines.push((
            "multimodal".into(),
            format!(
                "an image or audio encoder and its projector beside the decoder: {} tensors, {} parameters (such as {})",
                encoder.len(),
                grouped(n),
                safe(&first.name)
            ),
        ));
    }
    if !fused.is_empty() {
        lines.push(("fused projections".into(), fused.join(", ")));
    }
    if conv1d {
        lines.push((
            "stored as".into(),
            "[in, out] (GPT-2's Conv1D): the projections are read transposed, as [out, in]".into(),
        ));
    }
    let packed: Vec<&str> = stored
        .tensors
        .iter()
        .map(|t| t.dtype)
        .collect::<BTreeSet<DType>>()
        .into_iter()
        .filter(|d| d.is_packed() || matches!(d, DType::F8E4M3 | DType::F8E5M2 | DType::F4))
        .map(DType::name)
        .collect();
    match (&quantization, &quant_error) {
        (Some(q), _) => {
            lines.push(("quantized".into(), q.summary()));
            for e in &q.examples {
                lines.push(("  read as".into(), e.clone()));
            }
            lines.push(("parameters".into(), q.equation()));
        }
        (None, Some(e)) => lines.push(("quantized".into(), format!("{e}"))),
        (None, None) if !packed.is_empty() => lines.push((
            "quantized".into(),
            format!(
                "{} tensors hold quantized or packed data: elements are not parameters one for one",
                packed.join(", ")
            ),
        )),
        _ => {}
    }
    // Buffers saved with the weights: counted by the Hub, not parameters.
    let (buffer_elements, buffer_idx) = crate::structure::buffers(stored);
    if buffer_elements > 0 {
        let set: BTreeSet<usize> = buffer_idx.iter().copied().collect();
        lines.push((
            "buffers".into(),
            format!(
                "{} elements saved with the weights that are not parameters (causal masks, rotary frequencies): {}",
                grouped(buffer_elements),
                groups_of(stored, &groups, &set).join("; ")
            ),
        ));
    }
    lines.push((
        "unusual tensors".into(),
        if unusual.is_empty() {
            "none".into()
        } else {
            unusual.join("; ")
        },
    ));
    let totals = stored.totals();
    let parameters = match (&quantization, &quant_error) {
        (Some(q), _) => Some(q.logical_parameters),
        (None, Some(_)) => None,
        (None, None) => Some(totals.total_elements),
    }
    .map(|p| p.saturating_sub(buffer_elements));
    if buffer_elements > 0
        && quantization.is_none()
        && let Some(p) = parameters
    {
        lines.push((
            "parameters".into(),
            format!(
                "{} stored elements = {} parameters + {} elements of buffers",
                grouped(totals.total_elements),
                grouped(p),
                grouped(buffer_elements)
            ),
        ));
    }
    Analysis {
        totals,
        quantization,
        quant_error,
        parameters,
        groups,
        layout,
        kinds,
        heads,
        sliding,
        num_layers,
        tied,
        fused,
        unusual,
        lines,
    }
}

/// The groups holding the given tensors, displayed.
fn groups_of(inv: &Inventory, groups: &[Group], tensors: &BTreeSet<usize>) -> Vec<String> {
    let templates: BTreeSet<(String, Vec<u64>, DType)> = tensors
        .iter()
        .map(|&i| {
            let t = &inv.tensors[i];
            (crate::pattern::split(&t.name).0, t.shape.clone(), t.dtype)
        })
        .collect();
    groups
        .iter()
        .filter(|g| templates.contains(&(g.template.clone(), g.shape.clone(), g.dtype)))
        .map(|g| format!("{} {}", safe(&g.display()), shape_text(&g.shape)))
        .collect()
}

/// `--format table`.
pub fn table(title: &str, inv: &Inventory, a: &Analysis) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{} — {} tensors in {} shard{}\n\nTensors by pattern\n",
        safe(title),
        grouped(a.totals.tensors as u128),
        inv.shards.len(),
        if inv.shards.len() == 1 { "" } else { "s" }
    ));
    let rows: Vec<[String; 5]> = a
        .groups
        .iter()
        .map(|g| {
            [
                safe(&g.display()),
                shape_text(&g.shape),
                g.dtype.name().to_string(),
                format!("×{}", g.count),
                grouped(g.numel * g.count as u128),
            ]
        })
        .collect();
    let w: Vec<usize> = (0..5)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &rows {
        out.push_str(&format!(
            "  {:<w0$}  {:<w1$}  {:<w2$}  {:>w3$}  {:>w4$}\n",
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3],
            w4 = w[4]
        ));
    }
    let buffers = a.lines.iter().any(|(k, _)| k == "buffers");
    out.push_str(
        if buffers && a.quantization.is_none() && a.quant_error.is_none() {
            "\nTotals (elements as stored; buffers are not parameters: see Structure)\n"
        } else if a.quantization.is_some() || a.quant_error.is_some() {
            "\nTotals (elements as stored; quantized: the parameters are under Structure)\n"
        } else {
            "\nTotals (parameters = elements as stored)\n"
        },
    );
    let mut trows: Vec<[String; 3]> = a
        .totals
        .elements
        .iter()
        .map(|(d, n)| {
            [
                d.name().to_string(),
                grouped(*n),
                bytes_text(a.totals.bytes[d]),
            ]
        })
        .collect();
    trows.push([
        "total".into(),
        grouped(a.totals.total_elements),
        bytes_text(a.totals.total_bytes),
    ]);
    let tw: Vec<usize> = (0..3)
        .map(|c| {
            trows
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in &trows {
        out.push_str(&format!(
            "  {:<a$}  {:>b$}  {:>c$}\n",
            r[0],
            r[1],
            r[2],
            a = tw[0],
            b = tw[1],
            c = tw[2]
        ));
    }
    out.push_str("\nStructure\n");
    let kw = a
        .lines
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (k, v) in &a.lines {
        out.push_str(&format!("  {k:<kw$}  {v}\n"));
    }
    out
}

/// `--format csv`: one row per tensor (name, shape, dtype, parameters).
pub fn csv(inv: &Inventory) -> String {
    let mut out = String::from("name,shape,dtype,parameters\n");
    for t in &inv.tensors {
        out.push_str(&format!(
            "{},{},{},{}\n",
            csv_field(&t.name),
            csv_field(&t.shape_text()),
            t.dtype.name(),
            t.numel()
        ));
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `--format json` (version 1, documented in the README).
pub fn json(repo: &str, revision: Option<&str>, inv: &Inventory, a: &Analysis) -> Value {
    let by_dtype: serde_json::Map<String, Value> = a
        .totals
        .elements
        .iter()
        .map(|(d, n)| {
            (
                d.name().to_string(),
                json!({"parameters": num(*n), "bytes": num(a.totals.bytes[d])}),
            )
        })
        .collect();
    json!({
        "version": 1,
        "repo": repo,
        "revision": revision,
        "shards": inv.shards,
        "tensors": inv.tensors.iter().map(|t| json!({
            "name": t.name, "shape": t.shape, "dtype": t.dtype.name(),
            "parameters": num(t.numel()), "shard": inv.shards[t.shard as usize],
        })).collect::<Vec<_>>(),
        "groups": a.groups.iter().map(|g| json!({
            "pattern": g.display(), "shape": g.shape, "dtype": g.dtype.name(),
            "count": g.count, "parameters": num(g.numel * g.count as u128),
        })).collect::<Vec<_>>(),
        "totals": {
            "tensors": a.totals.tensors,
            "parameters": num(a.totals.total_elements),
            "bytes": num(a.totals.total_bytes),
            "by_dtype": by_dtype,
        },
        "parameters": a.parameters.map(num),
        "quantization": match (&a.quantization, &a.quant_error) {
            (Some(q), _) => json!({
                "methods": q.methods.iter().map(|(m, n)| json!({"method": m.name(), "weights": n})).collect::<Vec<_>>(),
                "quant_method": q.quant_method,
                "scale_granularity": q.scale_granularity,
                "stored_elements": num(q.stored_elements),
                "parameters": num(q.logical_parameters),
                "quantization_data_elements": num(q.aux_elements),
                "packed_stored_elements": num(q.packed_stored),
                "packed_parameters": num(q.packed_logical),
            }),
            (None, Some(e)) => json!({"error": e.to_string(), "method": e.method}),
            (None, None) => Value::Null,
        },
        "structure": {
            "block_prefix": a.layout.prefix,
            "blocks": a.layout.blocks.len(),
            "num_hidden_layers": a.num_layers,
            "tied_embeddings": a.tied,
            "fused": a.fused,
            "unusual": a.unusual,
            "summary": a.lines.iter().map(|(k, v)| json!({"topic": k, "text": v})).collect::<Vec<_>>(),
        },
    })
}

/// A count as a JSON number (counts of real models stay far below 2^53).
fn num(n: u128) -> Value {
    u64::try_from(n)
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(n.to_string()))
}
