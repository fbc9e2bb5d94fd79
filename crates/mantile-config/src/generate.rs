//! Configs generated from a checkpoint's tensor inventory, for any decoder
//! architecture in the standard safetensors layout.
//!
//! Every tensor is accounted for exactly once: by a layer whose
//! `parameter_count` is exact (a Mantile class where one fits, else a
//! `supported: false` layer with a gap report), or by a named piece the
//! config does not list (an untied lm_head and its bias, q/k/v biases, q/k
//! norms, MLP biases, router biases: the pieces `check` explains), or, for
//! quantization scales, as elements the Hub counts that are not parameters.
//! Σ layers + pieces is `total_params`; plus the scales, the Hub's count.
//! Structure features without tensors of their own (logit soft-capping,
//! parallel blocks) are zero-parameter gap layers, so they are never dropped.

use crate::Catalog;
use crate::hub::{
    Generated, HubDims, HubFacts, J, at_revision, class_count, head, layer, write_members,
};
use mantile_tensors::pattern::{Group, ranges};
use mantile_tensors::structure::{
    Attention, AttnPart, Block, Ffn, Heads, Kind, Layout, NormPos, Role, TopRole, shape_of,
    sliding_layers,
};
use mantile_tensors::{Inventory, grouped};
use serde_json::Value;
use std::collections::BTreeSet;

/// A gap the generated config names: its report and suite to scaffold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    /// The config layer that names it.
    pub layer: String,
    pub class: String,
    pub count: u128,
    /// Whether the layer is `supported: false` (else a supported layer with
    /// a documented difference, such as a non-square attention).
    pub unsupported: bool,
    /// File stem of the report and suite (`multi_head_latent_attention`).
    pub slug: String,
    pub feature: String,
    pub severity: &'static str,
    /// Why Mantile cannot model it, in a sentence.
    pub why: String,
    /// The tensors behind it.
    pub tensors: Vec<GapTensor>,
    /// §4.3: the dimension mismatch, when there is one.
    pub mismatch: Option<String>,
    /// Parameters of one instance (exact).
    pub parameters: u128,
    /// Papers that describe the feature.
    pub references: Vec<&'static str>,
}

/// A tensor pattern behind a gap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GapTensor {
    /// A concrete name: the pattern at its first indices.
    pub example: String,
    /// `× 27 (model.layers.{0..26}.…)`, or empty for a single tensor.
    pub repeats: String,
    pub shape: String,
    pub dtype: String,
    /// Elements of one tensor.
    pub elements: u128,
}

impl Gap {
    pub fn report_path(&self) -> String {
        format!("model_builder/gaps/{}.md", self.slug)
    }
    pub fn suite_path(&self) -> String {
        format!("tests/{}_tests.md", self.slug)
    }
}

/// A layer about to be written.
#[derive(Clone, Debug)]
struct Planned {
    /// Role in the name: `attention`, `feedforward`, `norm`, `embedding`, or
    /// a gap's own name.
    role: &'static str,
    /// Distinguishes kinds of one role (`sliding`, `full`, `dense`, `moe`).
    kind: String,
    class: String,
    supported: bool,
    specs: Vec<(&'static str, J)>,
    /// Exact parameters of one instance.
    params: u128,
    count: u128,
    gap: Option<Gap>,
}

impl Planned {
    fn key(&self) -> String {
        let mut s = String::new();
        write_members(&self.specs, &mut s, 0);
        format!(
            "{}|{}|{}|{}|{}",
            self.role, self.kind, self.class, self.params, s
        )
    }
}

/// A named piece the config does not list.
#[derive(Clone, Debug)]
struct Piece {
    what: String,
    value: u128,
}

struct Ctx<'a> {
    inv: &'a Inventory,
    catalog: &'a Catalog,
    d: u64,
    v: u64,
    heads: Heads,
    config: &'a Value,
    top_k: Option<u64>,
    num_layers: u64,
}

fn int(c: &Value, keys: &[&str]) -> Option<u64> {
    keys.iter().find_map(|k| c.get(*k)?.as_u64())
}

fn num_text(c: &Value, key: &str) -> Option<String> {
    let v = c.get(key)?;
    v.is_number().then(|| v.to_string())
}

/// The patterns of a set of tensors, for gap reports.
pub(crate) fn patterns(inv: &Inventory, idx: &[usize]) -> Vec<GapTensor> {
    let sub = Inventory {
        shards: inv.shards.clone(),
        tensors: idx.iter().map(|&i| inv.tensors[i].clone()).collect(),
    };
    mantile_tensors::pattern::groups(&sub)
        .iter()
        .map(|g: &Group| {
            let mut example = String::new();
            let mut firsts = g.slots.iter().filter_map(|s| s.iter().next());
            let mut rest = g.template.as_str();
            while let Some(i) = rest.find("{}") {
                example.push_str(&rest[..i]);
                match firsts.next() {
                    Some(v) => example.push_str(&v.to_string()),
                    None => example.push_str("{}"),
                }
                rest = &rest[i + 2..];
            }
            example.push_str(rest);
            GapTensor {
                example,
                repeats: if g.count > 1 {
                    format!("× {} ({})", g.count, g.display())
                } else {
                    String::new()
                },
                shape: mantile_tensors::shape_text(&g.shape),
                dtype: g.dtype.name().to_string(),
                elements: g.numel,
            }
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn gap(
    layer_hint: &str,
    class: &str,
    slug: &str,
    feature: &str,
    severity: &'static str,
    why: String,
    tensors: Vec<GapTensor>,
    parameters: u128,
) -> Gap {
    Gap {
        layer: layer_hint.to_string(),
        class: class.to_string(),
        count: 0,
        unsupported: true,
        slug: slug.to_string(),
        feature: feature.to_string(),
        severity,
        why,
        tensors,
        mismatch: None,
        parameters,
        references: references(slug),
    }
}

/// Learned attention sinks (GPT-OSS): `heads` logits per attention layer.
pub(crate) fn sinks_gap(heads: u64, tensors: Vec<GapTensor>, parameters: u128) -> Gap {
    gap(
        "attention_sinks",
        "LearnedSinksLayer",
        "learned_attention_sinks",
        "Learned attention sinks",
        "MEDIUM",
        format!(
            "each attention layer has {heads} learned logits, one per query head, that join every softmax as an extra column and take part of the attention mass (GPT-OSS); Mantile's num_sinks keeps the first tokens of the sequence in the window instead, which is a different computation"
        ),
        tensors,
        parameters,
    )
}

/// Qwen2-MoE's sigmoid gate on the shared expert (`parameters` = d).
pub(crate) fn shared_gate_gap(tensors: Vec<GapTensor>, parameters: u128) -> Gap {
    gap(
        "shared_expert_gate",
        "SharedGateLayer",
        "shared_expert_gate",
        "Sigmoid gate on the shared expert",
        "LOW",
        "the shared expert's output is scaled by sigmoid(x·w), a learned gate of one weight per hidden unit (Qwen2-MoE); MoELayer adds shared experts ungated".into(),
        tensors,
        parameters,
    )
}

/// The gap of a `GroupedQueryAttentionLayer` whose query width h·dh differs
/// from hidden_size d: Mantile's class assumes a square o_proj, so it counts
/// `assumed` where the layer has `truth` parameters. Its `why` is the note
/// the config carries (the difference per layer and over its layers).
pub(crate) fn square_o_proj_gap(
    name: &str,
    count: u128,
    h: u128,
    kv: u128,
    dh: u128,
    dd: u128,
    truth: u128,
) -> Option<Gap> {
    let d = dd;
    let q = h * dh;
    if q == dd {
        return None;
    }
    let assumed = dd * q + 2 * dd * kv * dh + dd * dd;
    let diff = truth.abs_diff(assumed);
    let under = truth > assumed;
    let text = format!(
        "GroupedQueryAttentionLayer assumes a square o_proj ({d}×{d}), but the query width h·dh = {h}×{dh} = {q} differs from hidden_size {d}: for layer \"{name}\" Mantile computes {} parameters per layer instead of the true {} ({}{} per layer, {}{} over its {} layers)",
        grouped(assumed),
        grouped(truth),
        if under { "−" } else { "+" },
        grouped(diff),
        if under { "−" } else { "+" },
        grouped(diff * count),
        count
    );
    let mut g = gap(
        name,
        "GroupedQueryAttentionLayer",
        "attention_dimension_mismatch",
        "Non-square attention (query width ≠ hidden_size)",
        "MEDIUM",
        text,
        Vec::new(),
        truth,
    );
    g.unsupported = false;
    g.count = count;
    g.mismatch = Some(format!(
        "### Dimension Mismatch: query width differs from hidden_size\n\n**Observed**: q_proj ({q}, {d}), o_proj ({d}, {q}), hidden_size {d}\n**Expected (standard)**: q_proj ({d}, {d}) and o_proj ({d}, {d})\n**Interpretation**: {h} heads of head_dim {dh} give a query width of {q}, {} than hidden_size; the output projection maps {q} → {d}\n\n**Derived parameters**:\n- num_heads = {h}\n- head_dim = {dh}\n- query width = `{h} * {dh} = {q}`\n- hidden_size = {d}\n- true parameters per layer = {}\n- GroupedQueryAttentionLayer's count (square o_proj) = {}\n\n**Impact**:\n- Q/K/V and O projections are NOT square matrices\n- GroupedQueryAttentionLayer {} o_proj by {} parameters per layer ({} over {} layers)\n- FLOPs and weight memory must use the query width, not hidden_size\n",
        if q > dd { "wider" } else { "narrower" },
        grouped(truth),
        grouped(assumed),
        if under { "undercounts" } else { "overcounts" },
        grouped(diff),
        grouped(diff * count),
        count
    ));
    Some(g)
}

/// Papers describing each feature the generator reports as a gap.
fn references(slug: &str) -> Vec<&'static str> {
    match slug {
        "multi_head_latent_attention" => vec![
            "DeepSeek-V2: A Strong, Economical, and Efficient Mixture-of-Experts Language Model, https://arxiv.org/abs/2405.04434",
        ],
        "multi_token_prediction" => {
            vec!["DeepSeek-V3 Technical Report, https://arxiv.org/abs/2412.19437"]
        }
        "learned_attention_sinks" => vec![
            "Efficient Streaming Language Models with Attention Sinks, https://arxiv.org/abs/2309.17453",
            "gpt-oss-120b & gpt-oss-20b Model Card, https://arxiv.org/abs/2508.10925",
        ],
        "sandwich_norm" | "logit_softcapping" => vec![
            "Gemma 2: Improving Open Language Models at a Practical Size, https://arxiv.org/abs/2408.00118",
        ],
        "parallel_block" => vec![
            "PaLM: Scaling Language Modeling with Pathways (parallel layers), https://arxiv.org/abs/2204.02311",
        ],
        "shared_expert_gate" => vec!["Qwen2 Technical Report, https://arxiv.org/abs/2407.10671"],
        "mamba_mixer" => vec![
            "Mamba: Linear-Time Sequence Modeling with Selective State Spaces, https://arxiv.org/abs/2312.00752",
            "Jamba: A Hybrid Transformer-Mamba Language Model, https://arxiv.org/abs/2403.19887",
        ],
        "multimodal_encoder" => vec![
            "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale, https://arxiv.org/abs/2010.11929",
            "Visual Instruction Tuning, https://arxiv.org/abs/2304.08485",
        ],
        "learned_position_embedding" => vec![
            "Attention Is All You Need (learned positional embeddings, §3.5), https://arxiv.org/abs/1706.03762",
        ],
        "attention_dimension_mismatch" => vec![
            "Gemma: Open Models Based on Gemini Research and Technology (head_dim 256 over d = 3072), https://arxiv.org/abs/2403.08295",
            "Qwen3 Technical Report, https://arxiv.org/abs/2505.09388",
        ],
        _ => Vec::new(),
    }
}

/// Generates the config of `facts.repo_id` from its tensor inventory. A
/// quantized checkpoint is read as its logical model
/// ([`mantile_tensors::quant`]): the layers count parameters, and the
/// quantization data the Hub counts beside them is named in the notes.
pub fn from_inventory(
    facts: &HubFacts,
    stored: &Inventory,
    catalog: &Catalog,
) -> Result<Generated, String> {
    // A multimodal model's decoder: its dimensions under text_config.
    let config = mantile_tensors::structure::text_config(&facts.config);
    let config: &Value = &config;
    let logical = mantile_tensors::quant::logical(stored, Some(config)).map_err(|e| {
        format!("{e}. Mantile configs count the parameters of the model, which this checkpoint's headers do not give")
    })?;
    let inv: &Inventory = &logical.inventory;
    let layout = Layout::of(inv);
    let embed = layout
        .top_with(inv, TopRole::Embed)
        .into_iter()
        .next()
        .ok_or("the checkpoint has no token embedding tensor (model.embed_tokens.weight)")?;
    let (v, d) = match embed.shape.as_slice() {
        [v, d] => (*v, *d),
        _ => return Err(format!("the embedding has shape {}", embed.shape_text())),
    };
    validate_config_dims(config)?;
    let dims = HubDims::from_config(config);
    let mut notes: Vec<String> = Vec::new();
    if let Some(cd) = dims.hidden_size
        && cd != u128::from(d)
    {
        return Err(format!(
            "config.json's hidden_size {cd} disagrees with the embedding's width {d}"
        ));
    }
    if let Some(cv) = dims.vocab_size
        && cv != u128::from(v)
    {
        notes.push(format!(
            "vocab_size is the embedding's {v} rows (config.json says {cv})"
        ));
    }
    let blocks: Vec<&Block> = layout.blocks.iter().collect();
    let nl = int(
        config,
        &["num_hidden_layers", "n_layer", "n_layers", "num_layers"],
    )
    .unwrap_or(blocks.len() as u64);
    if nl == 0 || nl > crate::hub::MAX_DIMENSION as u64 {
        return Err(format!("config.json gives {nl} layers"));
    }
    let main: Vec<&Block> = blocks.iter().copied().filter(|b| b.index < nl).collect();
    let extra: Vec<&Block> = blocks.iter().copied().filter(|b| b.index >= nl).collect();
    if main.len() as u64 != nl {
        return Err(format!(
            "config.json gives {nl} layers, but the checkpoint has blocks {} under {}",
            ranges(&main.iter().map(|b| b.index).collect()),
            layout.prefix.clone().unwrap_or_default()
        ));
    }
    let heads = Heads::from_config(config);
    let ctx = Ctx {
        inv,
        catalog,
        d,
        v,
        heads,
        config,
        top_k: int(
            config,
            &[
                "num_experts_per_tok",
                "experts_per_token",
                "num_experts_per_token",
                "moe_topk",
            ],
        ),
        num_layers: nl,
    };
    let sliding = sliding_layers(config, nl);
    let window = int(config, &["sliding_window"]).filter(|w| *w > 0);

    let mut planned: Vec<Planned> = Vec::new();
    let mut pieces: Vec<Piece> = Vec::new();
    let mut scales: u128 = 0;
    let mut norm_bias: Option<bool> = None;
    let mut norms_std: u128 = 0;
    let mut norms_sandwich: u128 = 0;
    let mut sandwich_tensors: Vec<usize> = Vec::new();
    let mut unusual_block: Vec<usize> = Vec::new();
    let mut ssm_block: Vec<usize> = Vec::new();
    // Attention and feed-forward parts of a layout no class maps.
    let mut unmapped_attn = Unmapped::new(|r| matches!(r, Role::Attn(..)));
    let mut unmapped_ffn = Unmapped::new(Role::is_feed_forward);
    let mut parallel = false;
    let mut post_norm = false;
    let qkv_split = match (heads.heads, heads.kv_heads, heads.head_dim) {
        (Some(h), Some(kv), Some(dh)) => Some((h * dh, kv * dh)),
        _ => None,
    };

    for b in &main {
        let shape = shape_of(b, inv, qkv_split);
        let slides = sliding
            .as_ref()
            .and_then(|s| s.get(b.index as usize).copied())
            .unwrap_or(false);
        let mut used: BTreeSet<usize> = BTreeSet::new();
        // Attention.
        if let Some(a) = &shape.attention {
            let plan = plan_attention(&ctx, b, a, slides.then_some(window).flatten(), &mut used);
            settle(
                plan,
                b,
                &mut used,
                &mut planned,
                &mut pieces,
                &mut unmapped_attn,
            )?;
        }
        // Feed-forward.
        if let Some(f) = &shape.ffn {
            let plan = plan_ffn(&ctx, b, f, &mut used);
            settle(
                plan,
                b,
                &mut used,
                &mut planned,
                &mut pieces,
                &mut unmapped_ffn,
            )?;
        }
        // Norms.
        let positions: BTreeSet<NormPos> = shape.norms.iter().map(|n| n.0).collect();
        let sandwich = positions.contains(&NormPos::PreFeedforward)
            && positions.contains(&NormPos::PostFeedforward)
            && positions.contains(&NormPos::PostAttention)
            && positions.contains(&NormPos::Input);
        if !positions.contains(&NormPos::Input) && positions.contains(&NormPos::PostFeedforward) {
            post_norm = true;
        }
        if shape.attention.is_some() && shape.ffn.is_some() && shape.norms.len() == 1 {
            parallel = true;
        }
        for (i, role) in &b.tensors {
            let Some(Role::Norm(pos, kind)) = role else {
                continue;
            };
            let t = &inv.tensors[*i];
            used.insert(*i);
            if t.shape != [d] {
                unusual_block.push(*i);
                continue;
            }
            if *kind == Kind::Bias {
                norm_bias = Some(true);
                continue;
            }
            norm_bias.get_or_insert(false);
            if sandwich && matches!(pos, NormPos::PostAttention | NormPos::PostFeedforward) {
                norms_sandwich += 1;
                sandwich_tensors.push(*i);
                if let Some(bi) = b
                    .tensors
                    .iter()
                    .find(|(j, r)| *r == Some(Role::Norm(*pos, Kind::Bias)) && *j != *i)
                {
                    sandwich_tensors.push(bi.0);
                }
            } else {
                norms_std += 1;
            }
        }
        for (i, role) in &b.tensors {
            match role {
                Some(Role::QuantScale) => {
                    scales += inv.tensors[*i].numel();
                    used.insert(*i);
                }
                // Counted apart, in emit.
                Some(Role::Buffer) => {
                    used.insert(*i);
                }
                Some(Role::Ssm) => {
                    ssm_block.push(*i);
                    used.insert(*i);
                }
                None => {
                    unusual_block.push(*i);
                    used.insert(*i);
                }
                _ => {}
            }
        }
        if let Some((i, _)) = b.tensors.iter().find(|(i, _)| !used.contains(i)) {
            return Err(format!(
                "internal: tensor `{}` of block {} was not accounted for",
                inv.tensors[*i].name, b.index
            ));
        }
    }
    // Top-level tensors.
    let mut unusual_top: Vec<usize> = Vec::new();
    let mut positions: Vec<usize> = Vec::new();
    let mut encoders: Vec<usize> = Vec::new();
    let mut lm_head = 0u128;
    let mut lm_bias = 0u128;
    for (i, role) in &layout.top {
        let t = &inv.tensors[*i];
        match role {
            Some(TopRole::Embed) if std::ptr::eq(t, embed) => {}
            Some(TopRole::LmHead(Kind::Weight)) if t.shape == [v, d] => lm_head += t.numel(),
            Some(TopRole::LmHead(Kind::Bias)) if t.shape == [v] => lm_bias += t.numel(),
            Some(TopRole::FinalNorm(Kind::Weight)) if t.shape == [d] => norms_std += 1,
            Some(TopRole::FinalNorm(Kind::Bias)) if t.shape == [d] => norm_bias = Some(true),
            // BLOOM's norm after the embedding: one more NormLayer.
            Some(TopRole::EmbedNorm(Kind::Weight)) if t.shape == [d] => norms_std += 1,
            Some(TopRole::EmbedNorm(Kind::Bias)) if t.shape == [d] => norm_bias = Some(true),
            Some(TopRole::PositionEmbed) if t.shape.len() == 2 && t.shape[1] == d => {
                positions.push(*i)
            }
            Some(TopRole::QuantScale) => scales += t.numel(),
            Some(TopRole::Buffer) => {}
            _ if mantile_tensors::structure::is_multimodal(&t.name) => encoders.push(*i),
            _ => unusual_top.push(*i),
        }
    }
    if lm_head > 0 {
        pieces.push(Piece {
            what: format!("an untied lm_head (V×d = {v}×{d})"),
            value: lm_head,
        });
    }
    if lm_bias > 0 {
        pieces.push(Piece {
            what: format!("the lm_head's bias ({})", grouped(lm_bias)),
            value: lm_bias,
        });
    }

    // Group per-block layers into kinds with counts.
    let mut kinds: Vec<Planned> = Vec::new();
    for p in planned {
        match kinds.iter_mut().find(|k| k.key() == p.key()) {
            Some(k) => k.count += 1,
            None => kinds.push(Planned { count: 1, ..p }),
        }
    }
    // Norms, embedding.
    let bias = norm_bias.unwrap_or(false);
    let mut norm_specs = vec![
        ("layer_idx", J::Int(0)),
        ("input_dim", J::Int(d.into())),
        ("output_dim", J::Int(d.into())),
        ("hidden_size", J::Int(d.into())),
    ];
    norm_specs.push(("has_bias", J::Bool(bias)));
    let norm_params = u128::from(d) * if bias { 2 } else { 1 };
    if norms_std > 0 {
        kinds.push(Planned {
            role: "norm",
            kind: String::new(),
            class: "NormLayer".into(),
            supported: true,
            specs: norm_specs.clone(),
            params: norm_params,
            count: norms_std,
            gap: None,
        });
    }
    if norms_sandwich > 0 {
        let mut g = gap(
            "norm_sandwich",
            "NormLayer",
            "sandwich_norm",
            "Sandwich norms (post-attention and post-feedforward)",
            "MEDIUM",
            "each block also normalizes the outputs of attention and of the MLP before the residual add (Gemma-2 style sandwich), which Mantile's block of one norm before each sub-layer does not place; the norms' weights and FLOPs are those of NormLayer".into(),
            patterns(inv, &sandwich_tensors),
            norm_params,
        );
        g.mismatch = None;
        kinds.push(Planned {
            role: "norm",
            kind: "sandwich".into(),
            class: "NormLayer".into(),
            supported: false,
            specs: norm_specs.clone(),
            params: norm_params,
            count: norms_sandwich,
            gap: Some(g),
        });
    }
    kinds.push(Planned {
        role: "embedding",
        kind: String::new(),
        class: "EmbeddingLayer".into(),
        supported: true,
        specs: vec![
            ("vocab_size", J::Int(v.into())),
            ("hidden_size", J::Int(d.into())),
        ],
        params: u128::from(v) * u128::from(d),
        count: 1,
        gap: None,
    });
    if !positions.is_empty() {
        let per: u128 = positions.iter().map(|&i| inv.tensors[i].numel()).sum();
        let shape = inv.tensors[positions[0]].shape_text();
        // `embedding_positions`: a second layer of the embedding role.
        kinds.push(Planned {
            role: "embedding",
            kind: "positions".into(),
            class: "LearnedPositionEmbeddingLayer".into(),
            supported: false,
            specs: vec![("hidden_size", J::Int(d.into()))],
            params: per,
            count: 1,
            gap: Some(gap(
                "embedding_positions",
                "LearnedPositionEmbeddingLayer",
                "learned_position_embedding",
                "Learned absolute position embeddings",
                "LOW",
                format!(
                    "a learned table of position vectors ({shape}) is added to the token embeddings (GPT-2 style), where Mantile's EmbeddingLayer has the token table alone; a lookup and an add per token, its weights P×d"
                ),
                patterns(inv, &positions),
                per,
            )),
        });
    }
    if !encoders.is_empty() {
        let per: u128 = encoders.iter().map(|&i| inv.tensors[i].numel()).sum();
        kinds.push(Planned {
            role: "multimodal_encoder",
            kind: String::new(),
            class: "MultimodalEncoderLayer".into(),
            supported: false,
            specs: vec![("hidden_size", J::Int(d.into()))],
            params: per,
            count: 1,
            gap: Some(gap(
                "multimodal_encoder",
                "MultimodalEncoderLayer",
                "multimodal_encoder",
                "Image or audio encoder and its projector (multimodal model)",
                "HIGH",
                "the checkpoint also holds an encoder for images (or audio) and the projection of its outputs into the language model's embeddings; the config models the text decoder, and the encoder's FLOPs and memory for each image are not modelled".into(),
                patterns(inv, &encoders),
                per,
            )),
        });
    }
    // Gaps without tensors of their own.
    if parallel {
        kinds.push(Planned {
            role: "parallel_block",
            kind: String::new(),
            class: "ParallelBlockLayer".into(),
            supported: false,
            specs: vec![("hidden_size", J::Int(d.into()))],
            params: 0,
            count: nl.into(),
            gap: Some(gap(
                "parallel_block",
                "ParallelBlockLayer",
                "parallel_block",
                "Parallel attention and MLP block",
                "MEDIUM",
                "one norm feeds attention and the MLP side by side and both outputs join the residual in one add (GPT-J / Phi-2 / Command-R style); Mantile models blocks as attention then MLP, each with its own norm and its own tensor-parallel all-reduce. The attention, MLP and norm weights are the layers above; this layer has no parameters of its own".into(),
                Vec::new(),
                0,
            )),
        });
    }
    let softcap_attn = num_text(config, "attn_logit_softcapping");
    let softcap_final = num_text(config, "final_logit_softcapping");
    if softcap_attn.is_some() || softcap_final.is_some() {
        let mut specs = vec![("hidden_size", J::Int(d.into()))];
        if let Some(a) = &softcap_attn {
            specs.push(("attn_logit_softcapping", J::Num(a.clone())));
        }
        if let Some(f) = &softcap_final {
            specs.push(("final_logit_softcapping", J::Num(f.clone())));
        }
        kinds.push(Planned {
            role: "logit_softcapping",
            kind: String::new(),
            class: "LogitSoftcappingLayer".into(),
            supported: false,
            specs,
            params: 0,
            count: nl.into(),
            gap: Some(gap(
                "logit_softcapping",
                "LogitSoftcappingLayer",
                "logit_softcapping",
                "Logit soft-capping",
                "LOW",
                format!(
                    "attention scores{} and final logits{} pass through c·tanh(x/c), an elementwise step Mantile's attention and output do not have; it has no parameters",
                    softcap_attn.as_deref().map(|a| format!(" (c = {a})")).unwrap_or_default(),
                    softcap_final.as_deref().map(|f| format!(" (c = {f})")).unwrap_or_default()
                ),
                Vec::new(),
                0,
            )),
        });
    }
    // Multi-token prediction blocks past num_hidden_layers.
    if !extra.is_empty() {
        let mut idx: Vec<usize> = Vec::new();
        let mut each: BTreeSet<u128> = BTreeSet::new();
        for b in &extra {
            let mut sum = 0;
            for (i, r) in &b.tensors {
                if *r == Some(Role::QuantScale) {
                    scales += inv.tensors[*i].numel();
                } else if *r == Some(Role::Buffer) {
                    // Counted apart, in emit.
                } else {
                    sum += inv.tensors[*i].numel();
                    idx.push(*i);
                }
            }
            each.insert(sum);
        }
        // Blocks that differ from one another are one layer of them all.
        let (per, count) = match each.len() {
            1 => (*each.iter().next().unwrap_or(&0), extra.len() as u128),
            _ => (idx.iter().map(|&i| inv.tensors[i].numel()).sum(), 1),
        };
        let mtp = extra.iter().any(|b| b.has(|r| matches!(r, Role::Mtp(_))));
        let (slug, feature, class, why) = if mtp {
            (
                "multi_token_prediction",
                "Multi-token prediction module",
                "MultiTokenPredictionLayer",
                "the checkpoint carries a module that predicts a further token from the last hidden state and the next token's embedding (its own embedding, norms, projection, decoder block and head); Mantile has no layer for it",
            )
        } else {
            (
                "extra_blocks",
                "Blocks beyond num_hidden_layers",
                "ExtraBlockLayer",
                "the checkpoint has blocks past config.json's num_hidden_layers, which Mantile's layer list does not cover",
            )
        };
        kinds.push(Planned {
            role: if mtp { "mtp" } else { "extra_blocks" },
            kind: String::new(),
            class: class.into(),
            supported: false,
            specs: vec![
                ("hidden_size", J::Int(d.into())),
                ("vocab_size", J::Int(v.into())),
            ],
            params: per,
            count,
            gap: Some(gap(
                if mtp { "mtp" } else { "extra_blocks" },
                class,
                slug,
                feature,
                "HIGH",
                why.into(),
                patterns(inv, &idx),
                per,
            )),
        });
    }
    // Attention and feed-forward layouts no class maps: gap layers.
    for (set, why, role, class, slug, feature) in [
        (
            &unmapped_attn.tensors,
            &unmapped_attn.why,
            "attention",
            "UnmappedAttentionLayer",
            "unmapped_attention",
            "Attention the generator does not map to a Mantile class",
        ),
        (
            &unmapped_ffn.tensors,
            &unmapped_ffn.why,
            "feedforward",
            "UnmappedFeedForwardLayer",
            "unmapped_feedforward",
            "Feed-forward the generator does not map to a Mantile class",
        ),
    ] {
        if set.is_empty() {
            continue;
        }
        let set: BTreeSet<usize> = set.iter().copied().collect();
        let groups = per_block_groups(&main, inv, &set);
        let several = groups.len() > 1;
        for (n, (key, idx, per)) in groups.iter().enumerate() {
            let count = (idx.len() / key.len().max(1)) as u128;
            let kind = if several {
                format!("unmapped_{}", n + 1)
            } else {
                "unmapped".to_string()
            };
            let mut g = gap(
                role,
                class,
                slug,
                feature,
                "HIGH",
                format!(
                    "{}; its tensors are listed here, counted exactly, for a person to map",
                    why.as_deref().unwrap_or("a layout no class maps")
                ),
                patterns(inv, idx),
                *per,
            );
            if several {
                g.slug = format!("{slug}_{}", n + 1);
            }
            kinds.push(Planned {
                role,
                kind,
                class: class.into(),
                supported: false,
                specs: vec![("hidden_size", J::Int(d.into()))],
                params: *per,
                count,
                gap: Some(g),
            });
        }
    }
    // Mamba mixers (a hybrid's state-space blocks): one gap layer per
    // distinct set of their tensors.
    if !ssm_block.is_empty() {
        let set: BTreeSet<usize> = ssm_block.iter().copied().collect();
        let groups = per_block_groups(&main, inv, &set);
        let several = groups.len() > 1;
        for (n, (key, idx, per)) in groups.iter().enumerate() {
            let count = (idx.len() / key.len().max(1)) as u128;
            let kind = if several {
                (n + 1).to_string()
            } else {
                String::new()
            };
            let slug = if several {
                format!("mamba_mixer_{kind}")
            } else {
                "mamba_mixer".to_string()
            };
            let mut g = gap(
                "mamba",
                "MambaMixerLayer",
                "mamba_mixer",
                "Mamba selective state-space mixer",
                "HIGH",
                "these blocks mix tokens with a selective state-space recurrence (Mamba: an input projection, a short causal convolution, input-dependent Δ, B and C, a per-channel state of fixed size) instead of attention, so they keep no KV cache and cost linear time in the sequence; Mantile has no layer for them".into(),
                patterns(inv, idx),
                *per,
            );
            g.slug = slug;
            kinds.push(Planned {
                role: "mamba",
                kind,
                class: "MambaMixerLayer".into(),
                supported: false,
                specs: vec![("hidden_size", J::Int(d.into()))],
                params: *per,
                count,
                gap: Some(g),
            });
        }
    }
    // Tensors no pattern explains: one gap layer per distinct set of them
    // (a hybrid model's recurrent blocks, say, beside its attention blocks).
    if !unusual_block.is_empty() {
        let unusual: BTreeSet<usize> = unusual_block.iter().copied().collect();
        let groups = per_block_groups(&main, inv, &unusual);
        let several = groups.len() > 1;
        for (n, (key, idx, per)) in groups.iter().enumerate() {
            let count = (idx.len() / key.len().max(1)) as u128;
            let mut layer = unusual_layer(inv, "unusual_tensors", count, *per, idx, d);
            if several {
                // Named after what the tensors are under (`mamba`), else numbered.
                let scope = key[0].0.split('.').next().unwrap_or_default();
                let unique = groups
                    .iter()
                    .filter(|g| g.0[0].0.split('.').next() == Some(scope))
                    .count()
                    == 1;
                layer.kind = if unique
                    && !scope.is_empty()
                    && scope
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'_')
                {
                    scope.to_string()
                } else {
                    (n + 1).to_string()
                };
                if let Some(g) = &mut layer.gap {
                    g.slug = format!("unusual_tensors_{}", layer.kind);
                }
            }
            kinds.push(layer);
        }
    }
    if !unusual_top.is_empty() {
        let per: u128 = unusual_top.iter().map(|&i| inv.tensors[i].numel()).sum();
        kinds.push(unusual_layer(
            inv,
            "unusual_tensors_global",
            1,
            per,
            &unusual_top,
            d,
        ));
    }
    if logical.conv1d {
        notes.push("the checkpoint stores its projections as [in, out] (GPT-2's Conv1D); their shapes are read transposed, as [out, in]".into());
    }
    if post_norm {
        notes.push("the blocks normalize after attention and after the MLP (post-norm, OLMo-2 style), not before; the norms' weights and FLOPs are the same".into());
    }

    emit(
        facts,
        stored,
        logical.quantization.as_ref(),
        &ctx,
        kinds,
        pieces,
        scales,
        notes,
    )
}

/// config.json's dimensions, where stated, must be positive and sane: a
/// zero (0 KV heads, head_dim 0, 0 experts) or absurd value is refused with
/// the reason rather than turned into a config `check` rejects.
fn validate_config_dims(c: &Value) -> Result<(), String> {
    let uses_window = c.get("use_sliding_window").and_then(Value::as_bool) != Some(false);
    for key in [
        "hidden_size",
        "num_hidden_layers",
        "vocab_size",
        "num_attention_heads",
        "num_key_value_heads",
        "head_dim",
        "intermediate_size",
        "moe_intermediate_size",
        "num_local_experts",
        "num_experts",
        "n_routed_experts",
        "num_experts_per_tok",
        "experts_per_token",
        "sliding_window",
    ] {
        if key == "sliding_window" && !uses_window {
            continue;
        }
        let Some(v) = c.get(key) else { continue };
        if v.is_null() {
            continue;
        }
        let n = v
            .as_u64()
            .ok_or_else(|| format!("config.json gives `{key}` {v}, which is not a whole number"))?;
        if n == 0 {
            return Err(format!(
                "config.json gives `{key}` 0: no layer can have a zero {key}, and a config built on it would not pass check"
            ));
        }
        if u128::from(n) > crate::hub::MAX_DIMENSION {
            return Err(format!(
                "config.json gives `{key}` {n}, more than {}: not a dimension a real model has",
                crate::hub::MAX_DIMENSION
            ));
        }
    }
    Ok(())
}

/// The tensors of `set` block by block, grouped by what each block has of
/// them (block-relative names and shapes): per group, that key, the
/// tensors' indices and the elements one block holds.
#[allow(clippy::type_complexity)]
fn per_block_groups(
    main: &[&Block],
    inv: &Inventory,
    set: &BTreeSet<usize>,
) -> Vec<(Vec<(String, Vec<u64>)>, Vec<usize>, u128)> {
    let mut groups: Vec<(Vec<(String, Vec<u64>)>, Vec<usize>, u128)> = Vec::new();
    for b in main {
        let mine: Vec<usize> = b
            .tensors
            .iter()
            .map(|(i, _)| *i)
            .filter(|i| set.contains(i))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let mut key: Vec<(String, Vec<u64>)> = mine
            .iter()
            .map(|&i| {
                let t = &inv.tensors[i];
                let rel = t
                    .name
                    .split_once(&format!(".{}.", b.index))
                    .map(|(_, r)| r.to_string())
                    .unwrap_or_else(|| t.name.clone());
                (rel, t.shape.clone())
            })
            .collect();
        key.sort();
        let sum: u128 = mine.iter().map(|&i| inv.tensors[i].numel()).sum();
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.1.extend(mine),
            None => groups.push((key, mine, sum)),
        }
    }
    groups
}

fn unusual_layer(
    inv: &Inventory,
    name: &'static str,
    count: u128,
    per: u128,
    idx: &[usize],
    d: u64,
) -> Planned {
    let pats = patterns(inv, idx);
    let list: Vec<String> = pats
        .iter()
        .map(|t| format!("{} {}", t.example, t.shape))
        .collect();
    Planned {
        role: name,
        kind: String::new(),
        class: "UnusualTensorsLayer".into(),
        supported: false,
        specs: vec![("hidden_size", J::Int(d.into()))],
        params: per,
        count,
        gap: Some(gap(
            name,
            "UnusualTensorsLayer",
            name,
            "Tensors no known pattern explains",
            "HIGH",
            format!(
                "these tensors match no attention, MLP, norm or embedding pattern Mantile maps: {}",
                list.join(", ")
            ),
            pats,
            per,
        )),
    }
}

fn add_piece(pieces: &mut Vec<Piece>, p: Piece) {
    match pieces.iter_mut().find(|x| x.what == p.what) {
        Some(x) => x.value += p.value,
        None => pieces.push(p),
    }
}

type Plan = (Vec<Planned>, Vec<Piece>);

/// Why a block's attention or feed-forward was not planned.
#[derive(Debug)]
enum PlanError {
    /// The checkpoint contradicts config.json, or config.json lacks what
    /// the layer needs: no config is written.
    Refuse(String),
    /// A layout the generator does not map to a Mantile class: the part's
    /// tensors become a gap layer, with this reason.
    Unmapped(String),
}

impl From<String> for PlanError {
    fn from(s: String) -> Self {
        PlanError::Refuse(s)
    }
}

impl From<&str> for PlanError {
    fn from(s: &str) -> Self {
        PlanError::Refuse(s.to_string())
    }
}

/// The tensors of one part of the blocks (attention or feed-forward) whose
/// layout no class maps, for gap layers, and the first reason given.
struct Unmapped {
    /// The roles of the part's tensors.
    part: fn(Role) -> bool,
    tensors: Vec<usize>,
    why: Option<String>,
}

impl Unmapped {
    fn new(part: fn(Role) -> bool) -> Unmapped {
        Unmapped {
            part,
            tensors: Vec::new(),
            why: None,
        }
    }
}

/// Adds the plan of one part of block `b` (its layers and pieces); when no
/// class maps the part's layout, its tensors go to `unmapped` (marked used)
/// instead. A refusal is returned: no config is written.
fn settle(
    plan: Result<Plan, PlanError>,
    b: &Block,
    used: &mut BTreeSet<usize>,
    planned: &mut Vec<Planned>,
    pieces: &mut Vec<Piece>,
    unmapped: &mut Unmapped,
) -> Result<(), String> {
    match plan {
        Ok((layers, parts)) => {
            for x in parts {
                add_piece(pieces, x);
            }
            planned.extend(layers);
        }
        Err(PlanError::Refuse(e)) => return Err(e),
        Err(PlanError::Unmapped(why)) => {
            let start = unmapped.tensors.len();
            unmapped.tensors.extend(
                b.tensors
                    .iter()
                    .filter(|(_, r)| r.is_some_and(unmapped.part))
                    .map(|(i, _)| *i),
            );
            used.extend(unmapped.tensors[start..].iter().copied());
            unmapped.why.get_or_insert(why);
        }
    }
    Ok(())
}

/// The attention of one block: a layer (and gap layers), and pieces.
fn plan_attention(
    ctx: &Ctx,
    b: &Block,
    a: &Attention,
    window: Option<u64>,
    used: &mut BTreeSet<usize>,
) -> Result<Plan, PlanError> {
    let inv = ctx.inv;
    let d = ctx.d;
    let mut idx = |pred: &dyn Fn(Role) -> bool| -> (Vec<usize>, u128) {
        let mut v = Vec::new();
        let mut n = 0;
        for (i, r) in &b.tensors {
            if let Some(r) = r
                && pred(*r)
            {
                v.push(*i);
                n += inv.tensors[*i].numel();
                used.insert(*i);
            }
        }
        (v, n)
    };
    match a {
        Attention::Latent {
            q_rank,
            kv_rank,
            rope,
            kv_b,
            q,
            o_in,
            ..
        } => {
            let (tensors, params) = idx(&|r| matches!(r, Role::Attn(..)));
            let h = ctx.heads.heads.unwrap_or(0);
            let c = ctx.config;
            let mut specs = vec![
                ("layer_idx", J::Int(0)),
                ("hidden_size", J::Int(d.into())),
                ("num_heads", J::Int(h.into())),
            ];
            if let Some(r) = q_rank {
                specs.push(("q_lora_rank", J::Int((*r).into())));
            }
            specs.push(("kv_lora_rank", J::Int((*kv_rank).into())));
            let nope = int(c, &["qk_nope_head_dim"]);
            if let Some(n) = nope {
                specs.push(("qk_nope_head_dim", J::Int(n.into())));
            }
            specs.push(("qk_rope_head_dim", J::Int((*rope).into())));
            if let Some(vd) = int(c, &["v_head_dim"]) {
                specs.push(("v_head_dim", J::Int(vd.into())));
            }
            let mut g = gap(
                "attention",
                "MultiHeadLatentAttentionLayer",
                "multi_head_latent_attention",
                "Multi-head latent attention (MLA)",
                "HIGH",
                format!(
                    "keys and values are compressed into a shared latent of rank {kv_rank} (plus a {rope}-wide rotary key shared by all heads) and expanded per head by kv_b_proj{}; the KV cache holds the latent, not per-head keys and values. No Mantile attention class has these projections or this cache",
                    q_rank
                        .map(|r| format!(", and queries go through a rank-{r} bottleneck"))
                        .unwrap_or_default()
                ),
                patterns(inv, &tensors),
                params,
            );
            g.mismatch = Some(format!(
                "### Dimension Mismatch: latent attention widths\n\n**Observed**: query width {q} ({h} heads of {}), kv_b_proj output {kv_b} ({h} heads of nope + v), o_proj input {o_in}, hidden_size {d}\n**Expected (standard)**: q, k and v of width h·dh = hidden_size and a per-head KV cache\n**Interpretation**: multi-head latent attention: keys and values come from a rank-{kv_rank} latent; the rotary part ({rope} wide) is shared by all heads\n\n**Derived parameters**:\n- num_heads = {h}\n- kv_lora_rank = {kv_rank}\n- qk_rope_head_dim = {rope}\n- query width = {q}\n- o_proj input = {o_in}\n\n**Impact**:\n- KV cache per token per layer: {} elements (kv_lora_rank plus qk_rope_head_dim), not 2·kv·dh\n- FLOPs must use the latent projections' true shapes\n",
                q.checked_div(h)
                    .map(|x| x.to_string())
                    .unwrap_or_else(|| "?".into()),
                kv_rank + rope
            ));
            Ok((
                vec![Planned {
                    role: "attention",
                    kind: "latent".into(),
                    class: "MultiHeadLatentAttentionLayer".into(),
                    supported: false,
                    specs,
                    params,
                    count: 1,
                    gap: Some(g),
                }],
                Vec::new(),
            ))
        }
        Attention::Projections {
            hidden,
            q,
            k,
            v,
            o_in,
            bias,
            sinks,
            ..
        } => {
            // The output projection reads a width other than the query's
            // (a gated query, Qwen3-Next style): not a layout a class maps,
            // whatever the head count.
            if v != k || o_in != q || *hidden != d {
                return Err(PlanError::Unmapped(format!(
                    "block {}'s attention has widths q {q}, k {k}, v {v}, o_proj input {o_in} over hidden {hidden}: not a pattern the generator maps",
                    b.index
                )));
            }
            let (dh, h, kv) = head_layout(ctx, *q, *k)?;
            if let Some(ckv) = ctx.heads.kv_heads
                && ckv != kv
            {
                return Err(PlanError::Refuse(format!(
                    "config.json gives {ckv} key/value heads, but the tensors of block {} have {kv} (k_proj of {k} rows, head_dim {dh})",
                    b.index
                )));
            }
            let (weights_idx, weights) = idx(&|r| {
                matches!(
                    r,
                    Role::Attn(
                        mantile_tensors::structure::AttnPart::Q
                            | mantile_tensors::structure::AttnPart::K
                            | mantile_tensors::structure::AttnPart::V
                            | mantile_tensors::structure::AttnPart::O
                            | mantile_tensors::structure::AttnPart::Qkv,
                        Kind::Weight
                    )
                )
            });
            let _ = weights_idx;
            let (_, bias_n) = idx(&|r| matches!(r, Role::Attn(_, Kind::Bias)));
            let all_bias = *bias == [*q, *k, *v, d];
            let qkv_bias = bias[..3] == [*q, *k, *v] && bias[3] == 0;
            if bias_n > 0 && !all_bias && !qkv_bias {
                return Err(PlanError::Unmapped(format!(
                    "block {}'s attention has biases on some projections only ({bias:?}): not a pattern the generator maps",
                    b.index
                )));
            }
            let swa = window.is_some() || all_bias;
            let class = if swa {
                "SlidingWindowAttentionLayer"
            } else {
                "GroupedQueryAttentionLayer"
            };
            let mut specs = vec![
                ("layer_idx", J::Int(0)),
                ("input_dim", J::Int(d.into())),
                ("output_dim", J::Int(d.into())),
                ("hidden_size", J::Int(d.into())),
                (
                    if swa { "num_query_heads" } else { "num_heads" },
                    J::Int(h.into()),
                ),
                ("num_kv_heads", J::Int(kv.into())),
                ("head_dim", J::Int(dh.into())),
            ];
            if let Some(w) = window {
                specs.push(("sliding_window", J::Int(w.into())));
            }
            if all_bias {
                specs.push(("has_bias", J::Bool(true)));
            }
            let counted = class_count(class, &specs).ok_or("internal: attention count")?;
            let own = weights + if all_bias { bias_n } else { 0 };
            if counted != own {
                return Err(PlanError::Unmapped(format!(
                    "internal: {class} counts {counted} for block {}'s attention, its tensors hold {own}",
                    b.index
                )));
            }
            let mut out = vec![Planned {
                role: "attention",
                kind: if window.is_some() {
                    "sliding".into()
                } else {
                    "full".into()
                },
                class: class.into(),
                supported: ctx.catalog.get(class).is_some(),
                specs,
                params: counted,
                count: 1,
                gap: None,
            }];
            let mut pieces = Vec::new();
            if qkv_bias {
                pieces.push(Piece {
                    what: "q/k/v projection biases in the attention layers".into(),
                    value: bias_n,
                });
            }
            let (_, norms) = idx(&|r| {
                matches!(
                    r,
                    Role::Attn(
                        mantile_tensors::structure::AttnPart::QNorm
                            | mantile_tensors::structure::AttnPart::KNorm,
                        _
                    )
                )
            });
            if norms > 0 {
                let per_head = u128::from(2 * dh);
                let full = u128::from(q + k);
                if norms != per_head && norms != full {
                    return Err(PlanError::Unmapped(format!(
                        "block {}'s q/k norms hold {norms} weights, neither per head (2×{dh}) nor over the full width ({q} + {k})",
                        b.index
                    )));
                }
                pieces.push(Piece {
                    what: if norms == per_head {
                        "q/k norms over each head (2×head_dim per attention layer)".into()
                    } else {
                        "q/k norms over the full query and key widths per attention layer".into()
                    },
                    value: norms,
                });
            }
            if *sinks > 0 {
                let (sink_idx, sink_n) = idx(&|r| {
                    r == Role::Attn(mantile_tensors::structure::AttnPart::Sinks, Kind::Weight)
                });
                out.push(Planned {
                    role: "attention_sinks",
                    kind: String::new(),
                    class: "LearnedSinksLayer".into(),
                    supported: false,
                    specs: vec![
                        ("hidden_size", J::Int(d.into())),
                        ("num_heads", J::Int(h.into())),
                    ],
                    params: sink_n,
                    count: 1,
                    gap: Some(sinks_gap(*sinks, patterns(inv, &sink_idx), sink_n)),
                });
            }
            Ok((out, pieces))
        }
    }
}

/// Head count, KV heads and head_dim for projections of widths q and k.
fn head_layout(ctx: &Ctx, q: u64, k: u64) -> Result<(u64, u64, u64), String> {
    let h = &ctx.heads;
    let ok = |dh: u64| dh > 0 && q.is_multiple_of(dh) && k.is_multiple_of(dh);
    let dh = match (h.head_dim, h.heads) {
        (Some(dh), Some(heads)) if ok(dh) && q / dh == heads => dh,
        (_, Some(heads)) if heads > 0 && q.is_multiple_of(heads) && ok(q / heads) => q / heads,
        (Some(dh), None) if ok(dh) => dh,
        (None, None) => {
            // A projection's shape gives h·dh, never h and dh apart.
            return Err(format!(
                "config.json gives no attention head count (num_attention_heads, n_head or n_heads) and no head_dim, and the query width {q} alone cannot be split into heads"
            ));
        }
        _ => {
            return Err(format!(
                "config.json's attention heads do not divide the query width {q}; the head layout cannot be read"
            ));
        }
    };
    Ok((dh, q / dh, k / dh))
}

/// The feed-forward part of one block.
fn plan_ffn(ctx: &Ctx, b: &Block, f: &Ffn, used: &mut BTreeSet<usize>) -> Result<Plan, PlanError> {
    let inv = ctx.inv;
    let d = ctx.d;
    let mut idx = |pred: &dyn Fn(Role) -> bool| -> (Vec<usize>, u128) {
        let mut v = Vec::new();
        let mut n = 0;
        for (i, r) in &b.tensors {
            if let Some(r) = r
                && pred(*r)
            {
                v.push(*i);
                n += inv.tensors[*i].numel();
                used.insert(*i);
            }
        }
        (v, n)
    };
    match f {
        Ffn::Dense {
            hidden,
            inter,
            gated,
            bias_up,
            bias_down,
            ..
        } => {
            if *hidden != d {
                return Err(PlanError::Refuse(format!(
                    "block {}'s MLP works at width {hidden}, not hidden_size {d}",
                    b.index
                )));
            }
            let class = if *gated { "GatedMLPLayer" } else { "MLPLayer" };
            let mut specs = vec![
                ("layer_idx", J::Int(0)),
                ("input_dim", J::Int(d.into())),
                ("output_dim", J::Int(d.into())),
                ("hidden_size", J::Int(d.into())),
                ("intermediate_size", J::Int((*inter).into())),
            ];
            if !gated {
                specs.push(("num_projections", J::Int(2)));
            }
            let (_, weights) = idx(&|r| matches!(r, Role::Mlp(_, Kind::Weight)));
            let (_, biases) = idx(&|r| matches!(r, Role::Mlp(_, Kind::Bias)));
            let counted = class_count(class, &specs).ok_or("internal: MLP count")?;
            if counted != weights {
                return Err(PlanError::Unmapped(format!(
                    "internal: {class} counts {counted} for block {}'s MLP, its weights hold {weights}",
                    b.index
                )));
            }
            let mut pieces = Vec::new();
            if biases > 0 {
                let want = u128::from(*inter) * if *gated { 2 } else { 1 } + u128::from(d);
                if biases != want || u128::from(bias_up + bias_down) != want {
                    return Err(PlanError::Unmapped(format!(
                        "block {}'s MLP has biases on some projections only: not a pattern the generator maps",
                        b.index
                    )));
                }
                pieces.push(Piece {
                    what: "MLP projection biases".into(),
                    value: biases,
                });
            }
            Ok((
                vec![Planned {
                    role: "feedforward",
                    kind: "dense".into(),
                    class: class.into(),
                    supported: ctx.catalog.get(class).is_some(),
                    specs,
                    params: counted,
                    count: 1,
                    gap: None,
                }],
                pieces,
            ))
        }
        Ffn::Moe {
            hidden,
            experts,
            inter,
            gated,
            router_bias,
            score_bias,
            expert_bias,
            shared,
            shared_gate,
            ..
        } => {
            let hidden = if *hidden == 0 { d } else { *hidden };
            if hidden != d {
                return Err(PlanError::Refuse(format!(
                    "block {}'s router reads width {hidden}, not hidden_size {d}",
                    b.index
                )));
            }
            let np: u64 = if *gated { 3 } else { 2 };
            let per_expert_bias = if *gated { 2 * inter + d } else { inter + d };
            let has_bias = *router_bias && *expert_bias == per_expert_bias;
            if *expert_bias > 0 && !has_bias {
                return Err(PlanError::Refuse(format!(
                    "block {}'s experts have biases but not in the pattern MoELayer's has_bias counts",
                    b.index
                )));
            }
            let top_k = ctx
                .top_k
                .ok_or("config.json gives no experts per token (num_experts_per_tok)")?;
            if top_k == 0 || top_k > *experts {
                return Err(PlanError::Refuse(format!(
                    "config.json routes each token to {top_k} of {experts} experts"
                )));
            }
            let mut specs = vec![
                ("layer_idx", J::Int(0)),
                ("hidden_size", J::Int(d.into())),
                ("intermediate_size", J::Int((*inter).into())),
                ("num_experts", J::Int((*experts).into())),
                ("top_k", J::Int(top_k.into())),
                ("num_projections", J::Int(np.into())),
            ];
            let mut out = Vec::new();
            let mut pieces = Vec::new();
            let (_, mut own) = idx(&|r| {
                matches!(
                    r,
                    Role::Router(Kind::Weight)
                        | Role::Expert(..)
                        | Role::PackedExperts(..)
                        | Role::QuantBlocks(_)
                )
            });
            if let Some(width) = shared {
                if *inter == 0 || width % inter != 0 {
                    return Err(PlanError::Refuse(format!(
                        "block {}'s shared experts (width {width}) are not a whole number of experts of width {inter}",
                        b.index
                    )));
                }
                specs.push(("num_shared_experts", J::Int((width / inter).into())));
                let (_, s) = idx(&|r| matches!(r, Role::SharedExpert(..)));
                own += s;
            }
            if has_bias {
                specs.push(("has_bias", J::Bool(true)));
                let (_, rb) = idx(&|r| r == Role::Router(Kind::Bias));
                own += rb;
            } else if *router_bias {
                let (_, rb) = idx(&|r| r == Role::Router(Kind::Bias));
                pieces.push(Piece {
                    what: "router biases (one per expert in each MoE layer)".into(),
                    value: rb,
                });
            }
            if *score_bias {
                let (_, sb) = idx(&|r| r == Role::RouterScoreBias);
                pieces.push(Piece {
                    what: "router biases (one per expert in each MoE layer)".into(),
                    value: sb,
                });
            }
            let counted = class_count("MoELayer", &specs).ok_or("internal: MoE count")?;
            if counted != own {
                return Err(PlanError::Unmapped(format!(
                    "internal: MoELayer counts {counted} for block {}'s experts, their tensors hold {own}",
                    b.index
                )));
            }
            out.push(Planned {
                role: "feedforward",
                kind: "moe".into(),
                class: "MoELayer".into(),
                supported: ctx.catalog.get("MoELayer").is_some(),
                specs,
                params: counted,
                count: 1,
                gap: None,
            });
            if *shared_gate {
                let (gi, gn) = idx(&|r| r == Role::SharedExpertGate);
                out.push(Planned {
                    role: "shared_expert_gate",
                    kind: String::new(),
                    class: "SharedGateLayer".into(),
                    supported: false,
                    specs: vec![("hidden_size", J::Int(d.into()))],
                    params: gn,
                    count: 1,
                    gap: Some(shared_gate_gap(patterns(inv, &gi), gn)),
                });
            }
            Ok((out, pieces))
        }
    }
}

/// Names the kinds, orders them, writes the config and its notes.
#[allow(clippy::too_many_arguments)]
fn emit(
    facts: &HubFacts,
    stored: &Inventory,
    quant: Option<&mantile_tensors::quant::Quantization>,
    ctx: &Ctx,
    mut kinds: Vec<Planned>,
    pieces: Vec<Piece>,
    scales: u128,
    mut notes: Vec<String>,
) -> Result<Generated, String> {
    let rank = |p: &Planned| match p.role {
        "attention" => 0,
        "feedforward" => 1,
        "norm" => 2,
        "embedding" => 3,
        _ => 4,
    };
    kinds.sort_by_key(rank);
    // Names: the standard name alone, or `<standard>_<kind>` when a role has several kinds.
    let mut names: Vec<String> = Vec::new();
    for (i, k) in kinds.iter().enumerate() {
        let same = kinds.iter().filter(|o| o.role == k.role).count();
        let mut name = if same > 1 && !k.kind.is_empty() {
            format!("{}_{}", k.role, k.kind)
        } else {
            k.role.to_string()
        };
        if names.contains(&name) {
            name = format!("{name}_{i}");
        }
        names.push(name);
    }
    let d = ctx.d;
    let inv = ctx.inv;
    let layers_sum: u128 = kinds.iter().map(|k| k.count * k.params).sum();
    let pieces_sum: u128 = pieces.iter().map(|p| p.value).sum();
    let total = layers_sum + pieces_sum;
    // The logical tensors (the stored ones when nothing is quantized).
    let logical_total = inv.totals().total_elements;
    let totals = stored.totals();
    let hub_total = facts.parameters.as_ref().map(|p| p.total);
    // Buffers saved with the weights: elements the Hub counts, not parameters.
    let (buffers, buffer_idx) = mantile_tensors::structure::buffers(inv);
    if total + scales + buffers != logical_total {
        return Err(format!(
            "internal: the accounting does not add up: layers {} + pieces {} + scales {} + buffers {} ≠ the tensors' {}",
            grouped(layers_sum),
            grouped(pieces_sum),
            grouped(scales),
            grouped(buffers),
            grouped(logical_total),
        ));
    }
    if let Some(h) = hub_total
        && h != totals.total_elements
    {
        notes.push(format!(
            "the Hub's model info counts {} elements, the safetensors headers {}",
            grouped(h),
            grouped(totals.total_elements)
        ));
    }
    // Gaps, with their layers' names and counts; the non-square attention.
    let mut gaps: Vec<Gap> = Vec::new();
    let mut unsupported: Vec<String> = Vec::new();
    let mut dimension_notes: Vec<String> = Vec::new();
    for (k, name) in kinds.iter_mut().zip(&names) {
        if let Some(g) = &mut k.gap {
            g.layer = name.clone();
            g.count = k.count;
            unsupported.push(format!(
                "{} ({name}, {}): {}",
                g.feature,
                g.report_path(),
                g.why
            ));
            gaps.push(g.clone());
        }
        if k.class == "GroupedQueryAttentionLayer" {
            let get = |key: &str| {
                k.specs
                    .iter()
                    .find(|(kk, _)| *kk == key)
                    .and_then(|(_, v)| match v {
                        J::Int(i) => Some(*i),
                        _ => None,
                    })
            };
            let (Some(h), Some(kv), Some(dh)) =
                (get("num_heads"), get("num_kv_heads"), get("head_dim"))
            else {
                continue;
            };
            if let Some(mut g) = square_o_proj_gap(name, k.count, h, kv, dh, d.into(), k.params) {
                dimension_notes.push(g.why.clone());
                // The decoder blocks' q and o projections (not a vision
                // encoder's, which a multimodal checkpoint also has).
                let layout = Layout::of(inv);
                let mut idx: Vec<usize> = layout
                    .blocks
                    .iter()
                    .flat_map(|b| b.tensors.iter())
                    .filter(|(_, r)| {
                        matches!(
                            r,
                            Some(Role::Attn(
                                AttnPart::Q | AttnPart::Qkv | AttnPart::O,
                                Kind::Weight
                            ))
                        )
                    })
                    .map(|(i, _)| *i)
                    .collect();
                idx.sort_unstable();
                g.tensors = patterns(inv, &idx);
                gaps.push(g);
            }
        }
    }
    // Each gap tensor's repeats over the whole checkpoint (the plans saw one block).
    let all_groups = mantile_tensors::pattern::groups(inv);
    for g in &mut gaps {
        for t in &mut g.tensors {
            let template = mantile_tensors::pattern::split(&t.example).0;
            if let Some(grp) = all_groups.iter().find(|x| {
                x.template == template
                    && mantile_tensors::shape_text(&x.shape) == t.shape
                    && x.dtype.name() == t.dtype
            }) && grp.count > 1
            {
                t.repeats = format!("× {} ({})", grp.count, grp.display());
            }
        }
    }
    // The JSON.
    let mut layer_types = Vec::new();
    for (k, name) in kinds.iter().zip(&names) {
        let mut specs = k.specs.clone();
        let at = specs
            .iter()
            .position(|(key, _)| *key == "layer_idx")
            .map_or(0, |i| i + 1);
        specs.insert(at, ("parameter_count", J::Int(k.params)));
        let mut l = layer(name, &k.class, k.count, k.supported, specs);
        if let (J::Obj(m), Some(g)) = (&mut l, gaps.iter().find(|g| g.layer == *name)) {
            m.insert(4, ("gap_report", J::Str(g.report_path())));
        }
        layer_types.push(l);
    }
    for (k, name) in kinds.iter().zip(&names) {
        if !k.supported && k.gap.is_none() {
            return Err(format!(
                "the workspace's backend/layers has no {} (layer \"{name}\")",
                k.class
            ));
        }
    }
    let model_id = facts.repo_id.replace('/', "_");
    let nl = u128::from(ctx.num_layers);
    let mut top = head(
        facts,
        &model_id,
        [d.into(), nl, ctx.v.into()],
        total,
        layer_types,
    );
    // The notes: provenance, accounting, gaps, differences.
    let mut text = format!(
        "Generated by mantile-lsp from the safetensors headers of {}{} ({} tensors in {} shard{}; dimensions from their shapes and config.json). ",
        facts.repo_id,
        at_revision(facts),
        grouped(totals.tensors as u128),
        stored.shards.len(),
        if stored.shards.len() == 1 { "" } else { "s" },
    );
    text.push_str(&format!(
        "Every tensor is accounted for: the layers hold {}",
        grouped(layers_sum)
    ));
    if pieces.is_empty() {
        text.push_str(&format!(" = total_params {}", grouped(total)));
    } else {
        let list: Vec<String> = pieces
            .iter()
            .map(|p| format!("{} {}", p.what, grouped(p.value)))
            .collect();
        text.push_str(&format!(
            "; not in layer_types: {}; together total_params {}",
            list.join(", "),
            grouped(total)
        ));
    }
    if scales > 0 {
        text.push_str(&format!(
            "; the Hub's count {} also holds {} quantization-scale elements, which are not parameters",
            grouped(totals.total_elements),
            grouped(scales)
        ));
    }
    if buffers > 0 {
        let list: Vec<String> = patterns(inv, &buffer_idx)
            .iter()
            .map(|t| {
                if t.repeats.is_empty() {
                    format!("{} {}", t.example, t.shape)
                } else {
                    format!("{} {} {}", t.example, t.shape, t.repeats)
                }
            })
            .collect();
        let what = format!(
            "{} elements of buffers saved with the weights, which are not parameters (causal masks, rotary frequencies: {})",
            grouped(buffers),
            list.join(", ")
        );
        text.push_str(&match quant {
            None => format!(
                "; the checkpoint also stores buffers: the Hub counts {} stored elements = {} parameters + {what}",
                grouped(totals.total_elements),
                grouped(total)
            ),
            Some(_) => format!("; the checkpoint also stores {what}"),
        });
    }
    text.push('.');
    if let Some(q) = quant {
        text.push_str(&format!(
            " Quantized checkpoint ({}): the Hub counts stored elements, and {}; total_params counts the parameters, as the unquantized model has them.",
            q.summary(),
            q.equation()
        ));
    }
    if !dimension_notes.is_empty() {
        text.push_str(&format!(
            " Dimension mismatch (model_builder/gaps/attention_dimension_mismatch.md): {}.",
            dimension_notes.join("; ")
        ));
    }
    let full_swa = kinds.iter().any(|k| {
        k.class == "SlidingWindowAttentionLayer"
            && !k.specs.iter().any(|(key, _)| *key == "sliding_window")
    });
    if full_swa {
        notes.push("full-attention layers with biases on q, k, v and o use SlidingWindowAttentionLayer without a sliding_window (an unlimited span is full attention), because it is the class that takes has_bias".into());
    }
    for (key, what) in [
        ("embedding_multiplier", "embedding multiplier"),
        ("residual_multiplier", "residual multiplier"),
        ("attention_multiplier", "attention multiplier"),
        ("logits_scaling", "logits scaling"),
        ("logit_scale", "logit scale"),
    ] {
        if let Some(x) = num_text(ctx.config, key) {
            notes.push(format!("config.json scales by a constant {what} {x}: no parameters, negligible FLOPs, not modelled"));
        }
    }
    if !gaps.is_empty() {
        let list: Vec<String> = gaps
            .iter()
            .filter(|g| g.unsupported)
            .map(|g| format!("{} (layer \"{}\", {})", g.feature, g.layer, g.report_path()))
            .collect();
        if !list.is_empty() {
            text.push_str(&format!(" Not modelled by Mantile: {}.", list.join("; ")));
        }
    }
    if !notes.is_empty() {
        text.push_str(&format!(" Notes: {}.", notes.join("; ")));
    }
    top.push(("validation_notes", J::Str(text)));
    top.push((
        "validation_sources",
        J::Arr(vec![J::Str(format!(
            "https://huggingface.co/{}",
            facts.repo_id
        ))]),
    ));
    let mut out = String::new();
    J::Obj(top).write(&mut out, 0);
    out.push('\n');
    for n in &dimension_notes {
        unsupported.push(n.clone());
    }
    Ok(Generated {
        model_id,
        text: out,
        unsupported,
        gaps,
        from_tensors: true,
    })
}
