//! What the tensors say about a model's structure: each tensor's role
//! (attention projection, MLP projection, expert, router, norm, embedding …)
//! from the naming conventions of the transformers library, the blocks and
//! which of them are alike, and every tensor no known pattern explains.

use crate::pattern::{natural_cmp, split};
use crate::{Inventory, Tensor};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Weight,
    Bias,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AttnPart {
    Q,
    K,
    V,
    O,
    /// q, k and v in one matrix (`qkv_proj`, `query_key_value`, `c_attn`).
    Qkv,
    /// Multi-head latent attention (DeepSeek-V2/V3): the query's low-rank
    /// down-projection, its norm and up-projection; the joint key/value
    /// down-projection (with the shared rope key), its norm, and the
    /// up-projection to per-head keys and values.
    QA,
    QANorm,
    QB,
    KvA,
    KvANorm,
    KvB,
    /// Norms over the queries and keys (per head or over the full width).
    QNorm,
    KNorm,
    /// Learned attention sinks, one logit per head (GPT-OSS).
    Sinks,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MlpPart {
    Gate,
    Up,
    Down,
    /// gate and up in one matrix (`gate_up_proj`).
    GateUp,
}

/// Where a norm sits in its block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NormPos {
    /// `input_layernorm`, `ln_1`: before attention (or the whole parallel block).
    Input,
    /// `post_attention_layernorm`: before the MLP in Llama-style blocks;
    /// after attention when the block also has `pre_feedforward_layernorm`
    /// (Gemma-2) or no input norm (OLMo-2).
    PostAttention,
    PreFeedforward,
    PostFeedforward,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MtpPart {
    Embed,
    ENorm,
    HNorm,
    EhProj,
    HeadNorm,
    Head,
}

/// The role of a tensor inside a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Attn(AttnPart, Kind),
    Mlp(MlpPart, Kind),
    Router(Kind),
    /// DeepSeek-V3's `e_score_correction_bias` on the router's scores.
    RouterScoreBias,
    Expert(MlpPart, Kind),
    /// All experts in one tensor `[E, …]` (GPT-OSS in transformers' layout).
    PackedExperts(MlpPart, Kind),
    SharedExpert(MlpPart, Kind),
    /// Qwen2-MoE's sigmoid gate on the shared expert.
    SharedExpertGate,
    Norm(NormPos, Kind),
    /// Multi-token prediction module parts (DeepSeek-V3's extra block).
    Mtp(MtpPart),
    /// Quantization data beside a weight: FP8 block scales
    /// (`weight_scale_inv`), MXFP4 scales (`*_scales`).
    QuantScale,
    /// MXFP4 packed weight blocks (`*_blocks`): 2 parameters per byte.
    QuantBlocks(MlpPart),
    /// A buffer saved with the weights, not a parameter ([`is_buffer`]).
    Buffer,
    /// A Mamba mixer's tensors (`mamba.*`: Jamba, Falcon-H1, Granite-4.0-H).
    Ssm,
}

impl Role {
    /// A part of a block's feed-forward: dense MLP, router, routed or
    /// shared experts (quantization data aside).
    pub fn is_feed_forward(self) -> bool {
        matches!(
            self,
            Role::Mlp(..)
                | Role::Router(_)
                | Role::RouterScoreBias
                | Role::Expert(..)
                | Role::PackedExperts(..)
                | Role::SharedExpert(..)
                | Role::SharedExpertGate
        )
    }
}

/// The role of a tensor outside the blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TopRole {
    Embed,
    LmHead(Kind),
    FinalNorm(Kind),
    /// Learned absolute position embeddings (GPT-2 style).
    PositionEmbed,
    /// A norm right after the token embedding (BLOOM's `word_embeddings_layernorm`).
    EmbedNorm(Kind),
    QuantScale,
    /// A buffer saved with the weights, not a parameter ([`is_buffer`]).
    Buffer,
}

/// A buffer that older checkpoints save beside the weights, which is not a
/// learned parameter though the Hub counts its elements: a causal mask
/// (`attn.bias` `[1, 1, n, n]` of GPT-2, GPT-J, GPT-Neo, GPT-NeoX), its
/// fill value (`masked_bias`), rotary frequencies (`rotary_emb.inv_freq`),
/// position ids.
pub fn is_buffer(name: &str, shape: &[u64]) -> bool {
    let mut parts = name.rsplit('.');
    let last = parts.next().unwrap_or_default();
    let scope = parts.next().unwrap_or_default();
    match last {
        "inv_freq" | "masked_bias" | "position_ids" => true,
        "bias" => ATTN_SCOPES.contains(&scope) && matches!(shape, [1, 1, a, b] if a == b && *a > 1),
        _ => false,
    }
}

fn kind_of(last: &str) -> Option<Kind> {
    match last {
        "weight" => Some(Kind::Weight),
        "bias" => Some(Kind::Bias),
        _ => None,
    }
}

fn attn_part(name: &str) -> Option<AttnPart> {
    Some(match name {
        "q_proj" | "query" | "wq" | "q" => AttnPart::Q,
        "k_proj" | "key" | "wk" | "k" => AttnPart::K,
        "v_proj" | "value" | "wv" | "v" => AttnPart::V,
        "o_proj" | "out_proj" | "dense" | "wo" | "c_proj" | "o" => AttnPart::O,
        "qkv_proj" | "query_key_value" | "c_attn" | "wqkv" | "Wqkv" | "qkv" | "W_pack" => {
            AttnPart::Qkv
        }
        "q_a_proj" => AttnPart::QA,
        "q_a_layernorm" => AttnPart::QANorm,
        "q_b_proj" => AttnPart::QB,
        "kv_a_proj_with_mqa" => AttnPart::KvA,
        "kv_a_layernorm" => AttnPart::KvANorm,
        "kv_b_proj" => AttnPart::KvB,
        "q_norm" | "q_layernorm" | "query_layernorm" => AttnPart::QNorm,
        "k_norm" | "k_layernorm" | "key_layernorm" => AttnPart::KNorm,
        _ => return None,
    })
}

fn mlp_part(name: &str) -> Option<MlpPart> {
    Some(match name {
        "gate_proj" | "w1" => MlpPart::Gate,
        "up_proj" | "w3" | "fc1" | "c_fc" | "dense_h_to_4h" | "fc_in" => MlpPart::Up,
        "down_proj" | "w2" | "fc2" | "c_proj" | "dense_4h_to_h" | "fc_out" => MlpPart::Down,
        "gate_up_proj" => MlpPart::GateUp,
        _ => return None,
    })
}

fn norm_pos(name: &str) -> Option<NormPos> {
    Some(match name {
        "input_layernorm" | "ln_1" | "attention_norm" | "norm1" | "ln_attn" | "operator_norm"
        | "self_attn_layer_norm" => NormPos::Input,
        "post_attention_layernorm"
        | "ln_2"
        | "ffn_norm"
        | "norm2"
        | "ln_mlp"
        | "pre_ff_layernorm"
        // OPT's norm before the MLP, inside each block.
        | "final_layer_norm" => NormPos::PostAttention,
        "pre_feedforward_layernorm" => NormPos::PreFeedforward,
        "post_feedforward_layernorm" => NormPos::PostFeedforward,
        _ => return None,
    })
}

const ATTN_SCOPES: [&str; 4] = ["self_attn", "attention", "attn", "self_attention"];
const MLP_SCOPES: [&str; 5] = ["mlp", "feed_forward", "ffn", "block_sparse_moe", "moe"];

/// The role of a tensor inside a block, from the part of its name after
/// `…layers.N.`; `None` for a name no known pattern explains.
pub fn block_role(rest: &str) -> Option<Role> {
    let parts: Vec<&str> = rest.split('.').collect();
    let last = *parts.last()?;
    if last == "weight_scale_inv" || last == "weight_scale" || last == "input_scale" {
        return Some(Role::QuantScale);
    }
    match parts.as_slice() {
        ["mamba", _, ..] => Some(Role::Ssm),
        [scope, p, k] if ATTN_SCOPES.contains(scope) => {
            Some(Role::Attn(attn_part(p)?, kind_of(k)?))
        }
        [scope, "sinks"] if ATTN_SCOPES.contains(scope) => {
            Some(Role::Attn(AttnPart::Sinks, Kind::Weight))
        }
        [scope, rest @ ..] if MLP_SCOPES.contains(scope) => mlp_role(rest),
        [n, k] => {
            if let Some(pos) = norm_pos(n) {
                return Some(Role::Norm(pos, kind_of(k)?));
            }
            // Projections straight under the block (OPT's `fc1`, `fc2`).
            if let Some(p) = mlp_part(n) {
                return Some(Role::Mlp(p, kind_of(k)?));
            }
            Some(Role::Mtp(match *n {
                "enorm" => MtpPart::ENorm,
                "hnorm" => MtpPart::HNorm,
                "eh_proj" => MtpPart::EhProj,
                "embed_tokens" => MtpPart::Embed,
                _ => return None,
            }))
            .filter(|_| *k == "weight")
        }
        ["shared_head", "norm", "weight"] => Some(Role::Mtp(MtpPart::HeadNorm)),
        ["shared_head", "head", "weight"] => Some(Role::Mtp(MtpPart::Head)),
        _ => None,
    }
}

fn mlp_role(rest: &[&str]) -> Option<Role> {
    match rest {
        ["experts", n, p, k] if n.bytes().all(|b| b.is_ascii_digit()) => {
            Some(Role::Expert(mlp_part(p)?, kind_of(k)?))
        }
        ["experts", packed] => {
            if let Some(base) = packed.strip_suffix("_blocks") {
                return Some(Role::QuantBlocks(mlp_part(base)?));
            }
            if packed.ends_with("_scales") {
                return Some(Role::QuantScale);
            }
            match packed.strip_suffix("_bias") {
                Some(base) => Some(Role::PackedExperts(mlp_part(base)?, Kind::Bias)),
                None => Some(Role::PackedExperts(mlp_part(packed)?, Kind::Weight)),
            }
        }
        ["shared_expert" | "shared_experts" | "shared_mlp", p, k] => {
            Some(Role::SharedExpert(mlp_part(p)?, kind_of(k)?))
        }
        ["shared_expert_gate", "weight"] => Some(Role::SharedExpertGate),
        ["gate" | "router", "e_score_correction_bias"] => Some(Role::RouterScoreBias),
        ["gate" | "router", k] => Some(Role::Router(kind_of(k)?)),
        [p, k] => Some(Role::Mlp(mlp_part(p)?, kind_of(k)?)),
        _ => None,
    }
}

/// The role of a tensor outside the blocks.
pub fn top_role(name: &str) -> Option<TopRole> {
    let parts: Vec<&str> = name.split('.').collect();
    let last = *parts.last()?;
    if last == "weight_scale_inv" || last == "weight_scale" {
        return Some(TopRole::QuantScale);
    }
    let kind = kind_of(last)?;
    let stem = parts[..parts.len() - 1].last().copied()?;
    Some(match stem {
        "embed_tokens" | "wte" | "word_embeddings" | "tok_embeddings" | "embed_in" => {
            TopRole::Embed
        }
        "lm_head" | "output" | "embed_out" | "output_layer" => TopRole::LmHead(kind),
        "norm" | "final_layernorm" | "ln_f" | "final_layer_norm" | "norm_f" => {
            TopRole::FinalNorm(kind)
        }
        "wpe" | "embed_positions" | "position_embeddings" => TopRole::PositionEmbed,
        "word_embeddings_layernorm" => TopRole::EmbedNorm(kind),
        _ => return None,
    })
}

/// Tensors of one block, with their roles (`None`: unexplained).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub index: u64,
    /// Indices into the inventory's tensors, with their roles.
    pub tensors: Vec<(usize, Option<Role>)>,
}

impl Block {
    /// The tensors with this role.
    pub fn with<'a>(&self, inv: &'a Inventory, role: Role) -> Vec<&'a Tensor> {
        self.tensors
            .iter()
            .filter(|(_, r)| *r == Some(role))
            .map(|(i, _)| &inv.tensors[*i])
            .collect()
    }

    pub fn has(&self, pred: impl Fn(Role) -> bool) -> bool {
        self.tensors.iter().any(|(_, r)| r.is_some_and(&pred))
    }

    /// Elements of the tensors whose role passes `pred`.
    pub fn numel(&self, inv: &Inventory, pred: impl Fn(Role) -> bool) -> u128 {
        self.tensors
            .iter()
            .filter(|(_, r)| r.is_some_and(&pred))
            .map(|(i, _)| inv.tensors[*i].numel())
            .sum()
    }
}

/// The checkpoint's layout: blocks under a prefix, and the tensors outside.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// `model.layers`
    pub prefix: Option<String>,
    pub blocks: Vec<Block>,
    /// Tensors outside the blocks, with their roles.
    pub top: Vec<(usize, Option<TopRole>)>,
}

impl Layout {
    pub fn of(inv: &Inventory) -> Layout {
        // The block container: the prefix before the first index slot that
        // most tensors share (`model.layers` of `model.layers.{}.…`).
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for t in &inv.tensors {
            let parts: Vec<&str> = t.name.split('.').collect();
            if let Some(i) = parts
                .iter()
                .position(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                && i > 0
            {
                *counts.entry(parts[..i].join(".")).or_default() += 1;
            }
        }
        // The token embedding's module (`model`, `language_model.model`,
        // `transformer`): a multimodal checkpoint's decoder blocks sit
        // beside it, its vision encoder's blocks elsewhere.
        let home: Option<String> = inv
            .tensors
            .iter()
            .filter(|t| top_role(&t.name) == Some(TopRole::Embed))
            .filter(|t| {
                !t.name
                    .split('.')
                    .any(|p| p.bytes().all(|b| b.is_ascii_digit()))
            })
            .map(|t| {
                let parts: Vec<&str> = t.name.split('.').collect();
                parts[..parts.len().saturating_sub(2)].join(".")
            })
            .min_by_key(String::len);
        let beside = |p: &str| match home.as_deref() {
            Some("") | None => true,
            Some(h) => p.starts_with(h) && p[h.len()..].starts_with('.'),
        };
        let prefix = counts
            .into_iter()
            .max_by_key(|(p, n)| (beside(p), *n, std::cmp::Reverse(p.clone())))
            .map(|(p, _)| p);
        let mut blocks: BTreeMap<u64, Block> = BTreeMap::new();
        let mut top = Vec::new();
        for (i, t) in inv.tensors.iter().enumerate() {
            let inside = prefix.as_ref().and_then(|p| {
                let rest = t.name.strip_prefix(p.as_str())?.strip_prefix('.')?;
                let (n, rest) = rest.split_once('.')?;
                Some((n.parse::<u64>().ok()?, rest))
            });
            let buffer = is_buffer(&t.name, &t.shape);
            match inside {
                Some((n, rest)) => blocks
                    .entry(n)
                    .or_insert_with(|| Block {
                        index: n,
                        tensors: Vec::new(),
                    })
                    .tensors
                    .push((
                        i,
                        if buffer {
                            Some(Role::Buffer)
                        } else {
                            block_role(rest)
                        },
                    )),
                None => top.push((
                    i,
                    if buffer {
                        Some(TopRole::Buffer)
                    } else {
                        top_role(&t.name)
                    },
                )),
            }
        }
        Layout {
            prefix,
            blocks: blocks.into_values().collect(),
            top,
        }
    }

    pub fn top_with<'a>(&self, inv: &'a Inventory, role: TopRole) -> Vec<&'a Tensor> {
        self.top
            .iter()
            .filter(|(_, r)| *r == Some(role))
            .map(|(i, _)| &inv.tensors[*i])
            .collect()
    }

    /// Tensors no known pattern explains.
    pub fn unexplained(&self) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .blocks
            .iter()
            .flat_map(|b| b.tensors.iter())
            .filter(|(_, r)| r.is_none())
            .map(|(i, _)| *i)
            .chain(
                self.top
                    .iter()
                    .filter(|(_, r)| r.is_none())
                    .map(|(i, _)| *i),
            )
            .collect();
        out.sort();
        out
    }
}

// ----- block summaries -----

/// Attention of a block, from its tensors' shapes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Attention {
    /// Separate or fused q/k/v projections and an output projection.
    Projections {
        hidden: u64,
        /// Output widths of q, k and v (`h·dh`, `kv·dh`, `kv·dh`).
        q: u64,
        k: u64,
        v: u64,
        /// Input width of the output projection.
        o_in: u64,
        fused: bool,
        /// Bias elements of q, k, v and o.
        bias: [u64; 4],
        /// Elements of the q and k norms (0: none).
        q_norm: u64,
        k_norm: u64,
        sinks: u64,
    },
    /// Multi-head latent attention (DeepSeek-V2/V3).
    Latent {
        hidden: u64,
        /// The query's low rank (`q_lora_rank`), when the query is factored.
        q_rank: Option<u64>,
        /// Query width after projection (`h·(nope + rope)`).
        q: u64,
        /// `kv_lora_rank`, and the rope key width that rides along.
        kv_rank: u64,
        rope: u64,
        /// Output of kv_b (`h·(nope + v)`).
        kv_b: u64,
        o_in: u64,
    },
}

/// The feed-forward part of a block.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ffn {
    Dense {
        hidden: u64,
        inter: u64,
        gated: bool,
        fused: bool,
        /// Bias elements of the up (and gate) and down projections.
        bias_up: u64,
        bias_down: u64,
    },
    Moe {
        hidden: u64,
        experts: u64,
        inter: u64,
        gated: bool,
        packed: bool,
        router_bias: bool,
        score_bias: bool,
        /// Bias elements per expert (up/gate and down together).
        expert_bias: u64,
        /// Shared experts' total intermediate width, and whether gated.
        shared: Option<u64>,
        shared_gate: bool,
    },
}

/// A block's structure, comparable between blocks.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Shape {
    pub attention: Option<Attention>,
    pub ffn: Option<Ffn>,
    /// Norm positions with their widths and whether they have a bias.
    pub norms: Vec<(NormPos, u64, bool)>,
    /// The block carries a multi-token-prediction module.
    pub mtp: bool,
    /// Elements of the block's Mamba mixer (0: none).
    pub ssm: u64,
    /// Tensor templates (block-relative) no pattern explains, with shapes.
    pub unknown: Vec<(String, Vec<u64>)>,
}

fn dim(t: Option<&&Tensor>, axis: usize) -> u64 {
    t.and_then(|t| t.shape.get(axis).copied()).unwrap_or(0)
}

fn one<'a>(b: &Block, inv: &'a Inventory, r: Role) -> Option<&'a Tensor> {
    b.with(inv, r).into_iter().next()
}

fn numel(t: Option<&Tensor>) -> u64 {
    t.map(|t| t.numel() as u64).unwrap_or(0)
}

/// A block's structure from its tensors. `qkv_split` gives, for a fused
/// qkv projection, the q and kv widths (from config.json); without it the
/// rows are split in three equal parts.
pub fn shape_of(b: &Block, inv: &Inventory, qkv_split: Option<(u64, u64)>) -> Shape {
    use AttnPart::*;
    use Kind::*;
    let t = |r: Role| one(b, inv, r);
    let attention = if let Some(kva) = t(Role::Attn(KvA, Weight)) {
        let kv_rank = dim(t(Role::Attn(KvANorm, Weight)).as_ref(), 0);
        let qa = t(Role::Attn(QA, Weight));
        let q = match (t(Role::Attn(QB, Weight)), t(Role::Attn(Q, Weight))) {
            (Some(qb), _) => qb.shape.first().copied().unwrap_or(0),
            (None, Some(q)) => q.shape.first().copied().unwrap_or(0),
            _ => 0,
        };
        Some(Attention::Latent {
            hidden: kva.shape.get(1).copied().unwrap_or(0),
            q_rank: qa.map(|q| q.shape.first().copied().unwrap_or(0)),
            q,
            kv_rank,
            rope: kva
                .shape
                .first()
                .copied()
                .unwrap_or(0)
                .saturating_sub(kv_rank),
            kv_b: dim(t(Role::Attn(KvB, Weight)).as_ref(), 0),
            o_in: dim(t(Role::Attn(O, Weight)).as_ref(), 1),
        })
    } else if let Some(o) = t(Role::Attn(O, Weight)) {
        let (q, k, v, hidden, fused) = match t(Role::Attn(Qkv, Weight)) {
            Some(qkv) => {
                let rows = qkv.shape.first().copied().unwrap_or(0);
                // config.json's widths; else its query width, the rest
                // split evenly between k and v; else thirds.
                let (q, kv) = qkv_split
                    .filter(|(q, kv)| q + 2 * kv == rows)
                    .or_else(|| {
                        let (q, _) = qkv_split?;
                        (rows > q && (rows - q).is_multiple_of(2)).then(|| (q, (rows - q) / 2))
                    })
                    .unwrap_or((rows / 3, rows / 3));
                (q, kv, kv, qkv.shape.get(1).copied().unwrap_or(0), true)
            }
            None => {
                let q = t(Role::Attn(Q, Weight));
                (
                    dim(q.as_ref(), 0),
                    dim(t(Role::Attn(K, Weight)).as_ref(), 0),
                    dim(t(Role::Attn(V, Weight)).as_ref(), 0),
                    dim(q.as_ref(), 1),
                    false,
                )
            }
        };
        let qkv_bias = numel(t(Role::Attn(Qkv, Bias)));
        let bias = if qkv_bias > 0 {
            let (qb, kvb) = if q + k + v == qkv_bias {
                (q, k)
            } else {
                (qkv_bias / 3, qkv_bias / 3)
            };
            [qb, kvb, qkv_bias - qb - kvb, numel(t(Role::Attn(O, Bias)))]
        } else {
            [
                numel(t(Role::Attn(Q, Bias))),
                numel(t(Role::Attn(K, Bias))),
                numel(t(Role::Attn(V, Bias))),
                numel(t(Role::Attn(O, Bias))),
            ]
        };
        Some(Attention::Projections {
            hidden,
            q,
            k,
            v,
            o_in: o.shape.get(1).copied().unwrap_or(0),
            fused,
            bias,
            q_norm: numel(t(Role::Attn(QNorm, Weight))),
            k_norm: numel(t(Role::Attn(KNorm, Weight))),
            sinks: numel(t(Role::Attn(Sinks, Weight))),
        })
    } else {
        None
    };
    let experts: BTreeSet<u64> = b
        .tensors
        .iter()
        .filter(|(_, r)| matches!(r, Some(Role::Expert(..))))
        .filter_map(|(i, _)| {
            let (_, idx) = split(&inv.tensors[*i].name);
            idx.get(1).copied()
        })
        .collect();
    let packed = t(Role::PackedExperts(MlpPart::GateUp, Weight))
        .or_else(|| t(Role::PackedExperts(MlpPart::Up, Weight)));
    let ffn = if !experts.is_empty() || packed.is_some() {
        let router = t(Role::Router(Weight));
        let hidden = dim(router.as_ref(), 1);
        let (count, inter, gated, expert_bias) = match packed {
            Some(p) => {
                // [E, d, 2·di] (gate and up interleaved), or [E, d, di].
                let e = p.shape.first().copied().unwrap_or(0);
                let out = p.shape.get(2).copied().unwrap_or(0);
                let gated = b.has(|r| r == Role::PackedExperts(MlpPart::GateUp, Weight));
                let bias = b.numel(inv, |r| matches!(r, Role::PackedExperts(_, Bias)));
                let per = if e > 0 {
                    (bias / u128::from(e)) as u64
                } else {
                    0
                };
                (e, if gated { out / 2 } else { out }, gated, per)
            }
            None => {
                let e = experts.len() as u64;
                let up = b
                    .with(inv, Role::Expert(MlpPart::Up, Weight))
                    .into_iter()
                    .next();
                let gate = b
                    .with(inv, Role::Expert(MlpPart::Gate, Weight))
                    .into_iter()
                    .next();
                let inter = dim(up.or(gate).as_ref(), 0);
                let bias = b.numel(inv, |r| matches!(r, Role::Expert(_, Bias)));
                let per = if e > 0 {
                    (bias / u128::from(e)) as u64
                } else {
                    0
                };
                (e, inter, gate.is_some(), per)
            }
        };
        let shared_rows = b
            .with(inv, Role::SharedExpert(MlpPart::Up, Weight))
            .into_iter()
            .next()
            .map(|t| t.shape.first().copied().unwrap_or(0));
        Some(Ffn::Moe {
            hidden,
            experts: count,
            inter,
            gated,
            packed: packed.is_some(),
            router_bias: t(Role::Router(Bias)).is_some(),
            score_bias: t(Role::RouterScoreBias).is_some(),
            expert_bias,
            shared: shared_rows,
            shared_gate: t(Role::SharedExpertGate).is_some(),
        })
    } else if let Some(down) = t(Role::Mlp(MlpPart::Down, Weight)) {
        let gate_up = t(Role::Mlp(MlpPart::GateUp, Weight));
        let up = t(Role::Mlp(MlpPart::Up, Weight));
        let gate = t(Role::Mlp(MlpPart::Gate, Weight));
        let inter = down.shape.get(1).copied().unwrap_or(0);
        Some(Ffn::Dense {
            hidden: down.shape.first().copied().unwrap_or(0),
            inter,
            gated: gate.is_some() || gate_up.is_some(),
            fused: gate_up.is_some(),
            bias_up: numel(t(Role::Mlp(MlpPart::Up, Bias)))
                + numel(t(Role::Mlp(MlpPart::Gate, Bias)))
                + numel(t(Role::Mlp(MlpPart::GateUp, Bias))),
            bias_down: numel(t(Role::Mlp(MlpPart::Down, Bias))),
        })
        .filter(|_| up.is_some() || gate_up.is_some() || gate.is_some())
    } else {
        None
    };
    let mut norms: Vec<(NormPos, u64, bool)> = b
        .tensors
        .iter()
        .filter_map(|(i, r)| match r {
            Some(Role::Norm(pos, Weight)) => Some((*pos, inv.tensors[*i].numel() as u64, {
                b.has(|r| r == Role::Norm(*pos, Bias))
            })),
            _ => None,
        })
        .collect();
    norms.sort();
    let mut unknown: Vec<(String, Vec<u64>)> = b
        .tensors
        .iter()
        .filter(|(_, r)| r.is_none())
        .map(|(i, _)| {
            let t = &inv.tensors[*i];
            let rel = t
                .name
                .split_once(&format!(".{}.", b.index))
                .map(|(_, r)| r.to_string())
                .unwrap_or_else(|| t.name.clone());
            (split(&rel).0, t.shape.clone())
        })
        .collect();
    unknown.sort_by(|a, b| natural_cmp(&a.0, &b.0));
    Shape {
        attention,
        ffn,
        norms,
        mtp: b.has(|r| matches!(r, Role::Mtp(_))),
        ssm: b.numel(inv, |r| r == Role::Ssm) as u64,
        unknown,
    }
}

/// Blocks grouped by structure: each distinct [`Shape`] with the block
/// indices that have it, in order of first appearance.
pub fn block_kinds(
    layout: &Layout,
    inv: &Inventory,
    qkv_split: Option<(u64, u64)>,
) -> Vec<(Shape, BTreeSet<u64>)> {
    let mut out: Vec<(Shape, BTreeSet<u64>)> = Vec::new();
    for b in &layout.blocks {
        let s = shape_of(b, inv, qkv_split);
        match out.iter_mut().find(|(k, _)| *k == s) {
            Some((_, idx)) => {
                idx.insert(b.index);
            }
            None => out.push((s, [b.index].into_iter().collect())),
        }
    }
    out
}

/// The attention pattern of config.json: for each layer, whether it uses a
/// sliding window (`layer_types`, else Gemma's `sliding_window_pattern`, else
/// Gemma-2's alternation), when the model has a window at all.
pub fn sliding_layers(config: &Value, num_layers: u64) -> Option<Vec<bool>> {
    let window = config.get("sliding_window").and_then(Value::as_u64)?;
    if window == 0 || config.get("use_sliding_window").and_then(Value::as_bool) == Some(false) {
        return None;
    }
    if let Some(types) = config.get("layer_types").and_then(Value::as_array) {
        return Some(
            types
                .iter()
                .map(|t| t.as_str() == Some("sliding_attention"))
                .collect(),
        );
    }
    let mt = config.get("model_type").and_then(Value::as_str);
    if let Some(p) = config
        .get("sliding_window_pattern")
        .and_then(Value::as_u64)
        .filter(|&p| p > 0)
    {
        // Every p-th layer is global (Gemma-3: 5 local, 1 global).
        return Some((0..num_layers).map(|i| (i + 1) % p != 0).collect());
    }
    if mt == Some("gemma2") {
        // Even layers slide (transformers' Gemma-2: `not bool(layer_idx % 2)`).
        return Some((0..num_layers).map(|i| i % 2 == 0).collect());
    }
    if mt == Some("gemma3_text") || mt == Some("gemma3") {
        return Some((0..num_layers).map(|i| (i + 1) % 6 != 0).collect());
    }
    Some(vec![true; num_layers as usize])
}

/// Heads and head_dim from config.json, with transformers' defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Heads {
    pub heads: Option<u64>,
    pub kv_heads: Option<u64>,
    pub head_dim: Option<u64>,
}

impl Heads {
    pub fn from_config(c: &Value) -> Heads {
        let int = |keys: &[&str]| keys.iter().find_map(|k| c.get(*k)?.as_u64());
        let heads = int(&["num_attention_heads", "n_head", "n_heads", "num_heads"]);
        let hidden = int(&["hidden_size", "n_embd", "n_embed", "d_model"]);
        Heads {
            heads,
            kv_heads: int(&[
                "num_key_value_heads",
                "num_kv_heads",
                "multi_query_group_num",
            ])
            .or_else(|| multi_query(c).then_some(1))
            .or(heads),
            head_dim: int(&["head_dim"]).or_else(|| Some(hidden? / heads.filter(|h| *h > 0)?)),
        }
    }
}

/// The buffers of a checkpoint ([`is_buffer`]): their elements and indices.
pub fn buffers(inv: &Inventory) -> (u128, Vec<usize>) {
    let idx: Vec<usize> = inv
        .tensors
        .iter()
        .enumerate()
        .filter(|(_, t)| is_buffer(&t.name, &t.shape))
        .map(|(i, _)| i)
        .collect();
    (idx.iter().map(|&i| inv.tensors[i].numel()).sum(), idx)
}

/// Whether the checkpoint stores its projections as GPT-2's `Conv1D` does,
/// `[in, out]`, rather than `nn.Linear`'s `[out, in]`: every projection into
/// a block's width (q, k, v, fused qkv, up, gate) has the embedding width d
/// first, every projection out of it (o, down) has d last, and at least one
/// is not square (so that the two layouts can be told apart at all).
pub fn conv1d_layout(inv: &Inventory) -> bool {
    let layout = Layout::of(inv);
    let Some(d) = layout
        .top_with(inv, TopRole::Embed)
        .first()
        .and_then(|e| e.shape.get(1).copied())
    else {
        return false;
    };
    let (mut seen, mut square) = (0usize, 0usize);
    for b in &layout.blocks {
        for (i, r) in &b.tensors {
            let into = match r {
                Some(Role::Attn(p, Kind::Weight)) => match p {
                    AttnPart::Q | AttnPart::K | AttnPart::V | AttnPart::Qkv => true,
                    AttnPart::O => false,
                    _ => continue,
                },
                Some(Role::Mlp(p, Kind::Weight)) => !matches!(p, MlpPart::Down),
                _ => continue,
            };
            let [a, b] = inv.tensors[*i].shape[..] else {
                return false;
            };
            let conv1d = if into { a == d } else { b == d };
            if !conv1d {
                return false;
            }
            seen += 1;
            square += usize::from(a == b);
        }
    }
    seen > square
}

/// The inventory with every 2-D attention and MLP weight of the blocks
/// transposed (`[in, out]` read as `[out, in]`), for [`conv1d_layout`].
pub fn transposed(inv: &Inventory) -> Inventory {
    let layout = Layout::of(inv);
    let mut out = inv.clone();
    for b in &layout.blocks {
        for (i, r) in &b.tensors {
            if matches!(
                r,
                Some(Role::Attn(_, Kind::Weight) | Role::Mlp(_, Kind::Weight))
            ) && out.tensors[*i].shape.len() == 2
            {
                out.tensors[*i].shape.reverse();
            }
        }
    }
    out
}

/// The language model's config.json: a multimodal model's (Gemma 3,
/// Llava, Mistral 3) keeps the text decoder's dimensions under
/// `text_config`; read there, with the top level's other keys
/// (`quantization_config`, `tie_word_embeddings`) where the text config
/// does not have them. A config with its own dimensions is itself.
pub fn text_config(c: &Value) -> std::borrow::Cow<'_, Value> {
    let has_dims = ["hidden_size", "n_embd", "d_model"]
        .iter()
        .any(|k| c.get(*k).is_some());
    match (c.get("text_config"), c.as_object()) {
        (Some(Value::Object(text)), Some(top)) if !has_dims => {
            let mut merged = text.clone();
            for (k, v) in top {
                if k != "text_config" && !k.ends_with("_config") || k == "quantization_config" {
                    merged.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            std::borrow::Cow::Owned(Value::Object(merged))
        }
        _ => std::borrow::Cow::Borrowed(c),
    }
}

/// A tensor of a multimodal model's image or audio side: its encoder and
/// the projector into the language model (`vision_tower.…`,
/// `model.multi_modal_projector.…`, `visual.…`).
pub fn is_multimodal(name: &str) -> bool {
    name.split('.').any(|p| {
        matches!(
            p,
            "vision_tower"
                | "vision_model"
                | "visual"
                | "vision_encoder"
                | "multi_modal_projector"
                | "mm_projector"
                | "audio_tower"
                | "audio_encoder"
        )
    })
}

/// config.json's `multi_query: true` (Falcon-7B/40B, GPT-BigCode): one key/value head.
pub fn multi_query(c: &Value) -> bool {
    c.get("multi_query").and_then(Value::as_bool) == Some(true)
}

/// `MHA`, `GQA`, `MQA` or `MLA`, with the numbers.
pub fn attention_kind(a: &Attention, h: &Heads) -> String {
    match a {
        Attention::Latent { .. } => "MLA (multi-head latent attention)".into(),
        Attention::Projections { q, k, .. } => {
            let dh = h.head_dim.filter(|d| *d > 0 && q % d == 0 && k % d == 0);
            match dh {
                Some(dh) => {
                    let (hq, hk) = (q / dh, k / dh);
                    let kind = if hk == hq {
                        "MHA"
                    } else if hk == 1 {
                        "MQA"
                    } else {
                        "GQA"
                    };
                    format!(
                        "{kind} ({hq} query heads, {hk} key/value head{}, head_dim {dh})",
                        if hk == 1 { "" } else { "s" }
                    )
                }
                None if q == k => "MHA".into(),
                None => "GQA".into(),
            }
        }
    }
}
