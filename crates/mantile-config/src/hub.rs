//! Cross-checks against a model's Hugging Face metadata, and configs generated from it.
//!
//! The metadata arrives as plain data ([`HubFacts`]); fetching and caching it
//! is the edge's job (`mantile-hub`). Nothing here does I/O.

use crate::check::{LayerView, explain_difference, layer_sum, layers, n};
use crate::edit::json_string;
use crate::params::{self, Specs, format_short};
use crate::rules::*;
use crate::{Catalog, Category};
use mantile_diag::{Diagnostic, Fix, Severity, TextRange};
use mantile_json::Node;
use serde_json::Value;

/// Exact parameter counts of a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubParameters {
    /// Elements per safetensors dtype (`BF16`, `F32`, `U8`, …).
    pub by_dtype: Vec<(String, u128)>,
    pub total: u128,
    /// Where the count comes from: `"model info"` or `"safetensors headers"`.
    pub source: &'static str,
}

impl HubParameters {
    /// Quantized checkpoints store packed elements (MXFP4 blocks as `U8`), so
    /// their element count is not the logical parameter count.
    pub fn quantized_dtypes(&self) -> Vec<&str> {
        self.by_dtype
            .iter()
            .map(|(d, _)| d.as_str())
            .filter(|d| {
                matches!(
                    *d,
                    "U8" | "I8"
                        | "U4"
                        | "I4"
                        | "F4"
                        | "F8_E4M3"
                        | "F8_E5M2"
                        | "U16"
                        | "I16"
                        | "U32"
                        | "I32"
                )
            })
            .collect()
    }
}

/// Where the facts came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provenance {
    /// Fetched now.
    Live,
    /// From the disk cache; `expired` when past its expiry, `why` when the Hub
    /// could not be asked (offline, or the request failed).
    Cached {
        age_secs: u64,
        expired: bool,
        why: Option<String>,
    },
}

impl Provenance {
    /// ` (Hugging Face metadata from cache, 3 days old)` when the copy is
    /// expired or the Hub could not be asked; empty when live or fresh.
    pub fn suffix(&self) -> String {
        match self {
            Provenance::Cached {
                age_secs,
                expired,
                why,
            } if *expired || why.is_some() => {
                format!(
                    " (Hugging Face metadata from cache, {} old)",
                    age(*age_secs)
                )
            }
            _ => String::new(),
        }
    }
}

/// `259200` → `3 days`.
pub fn age(secs: u64) -> String {
    let (v, unit) = match secs {
        s if s < 120 => (s, "second"),
        s if s < 2 * 3600 => (s / 60, "minute"),
        s if s < 2 * 86400 => (s / 3600, "hour"),
        s => (s / 86400, "day"),
    };
    format!("{v} {unit}{}", if v == 1 { "" } else { "s" })
}

/// A model's metadata on the Hub.
#[derive(Clone, Debug, PartialEq)]
pub struct HubFacts {
    pub repo_id: String,
    /// The commit the facts were read at.
    pub sha: Option<String>,
    /// `config.json`.
    pub config: Value,
    pub parameters: Option<HubParameters>,
    pub provenance: Provenance,
    /// Every tensor of the checkpoint, from its safetensors headers (`None`
    /// when not asked for, not published, or not readable: then
    /// `tensors_problem` says why, if something went wrong).
    pub tensors: Option<std::sync::Arc<mantile_tensors::Inventory>>,
    pub tensors_problem: Option<HubProblem>,
}

/// Why no facts could be had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HubProblem {
    /// 401/403: gated or private.
    Unauthorized {
        status: u16,
        gated: bool,
    },
    /// 404: no such repository (or a private one without a token).
    NotFound,
    Timeout {
        secs: u64,
    },
    Server {
        status: u16,
    },
    /// A response that is not what the Hub sends.
    Malformed {
        what: String,
    },
    /// Offline (`HF_HUB_OFFLINE=1` or `--offline`) and nothing cached.
    OfflineNoCache,
    /// The Hub could not be reached (DNS, refused connection, TLS).
    Network {
        message: String,
    },
    /// The id is not a Hugging Face model id `org/name`: nothing was asked.
    InvalidId {
        reason: String,
    },
    /// The checkpoint's files contradict one another (a tensor in two shards).
    Inconsistent {
        what: String,
    },
    /// A problem with one file of the checkpoint (a safetensors shard, the index).
    InShard {
        shard: String,
        inner: Box<HubProblem>,
    },
}

/// Checks a Hugging Face model id before it reaches a URL or a file name:
/// `org/name`, each part made of ASCII letters, digits, `.`, `_` and `-`,
/// at most 96 characters, neither starting nor ending with `.` or `-`, and
/// without `--` or `..` (the rules of `huggingface_hub.utils.validate_repo_id`,
/// so every id the Hub serves passes). This rules out `.`/`..` parts, `/`
/// inside a part, `?`, `#`, `%` and anything a URL or a path would read
/// differently.
pub fn validate_repo_id(id: &str) -> Result<(), String> {
    let parts: Vec<&str> = id.split('/').collect();
    if parts.len() != 2 {
        return Err(format!(
            "expected `org/name`, with exactly one `/` (found {})",
            parts.len() - 1
        ));
    }
    for (what, part) in ["org", "name"].iter().zip(&parts) {
        if part.is_empty() {
            return Err(format!("the {what} is empty"));
        }
        if part.len() > 96 {
            return Err(format!("the {what} is longer than 96 characters"));
        }
        if let Some(c) = part
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(format!(
                "the {what} contains {}; only letters, digits, `.`, `_` and `-` are allowed",
                if c.is_control() || c.is_whitespace() {
                    format!("the character U+{:04X}", c as u32)
                } else {
                    format!("`{c}`")
                }
            ));
        }
        if part.starts_with(['.', '-']) || part.ends_with(['.', '-']) {
            return Err(format!(
                "the {what} `{part}` starts or ends with `.` or `-`"
            ));
        }
        if part.contains("..") || part.contains("--") {
            return Err(format!("the {what} `{part}` contains `..` or `--`"));
        }
    }
    Ok(())
}

impl HubProblem {
    pub fn message(&self, repo: &str) -> String {
        match self {
            HubProblem::Unauthorized { status, gated } => format!(
                "Hugging Face refused access to `{repo}` ({status}{}): set HF_TOKEN (or log in so that $HF_HOME/token exists) with a token that has access{}",
                if *gated { ", gated model" } else { "" },
                if *gated {
                    ", and accept the model's terms on its Hugging Face page"
                } else {
                    ""
                }
            ),
            HubProblem::NotFound => format!(
                "`{repo}` was not found on Hugging Face (404): check hf_model_id; a private repository also needs HF_TOKEN"
            ),
            HubProblem::Timeout { .. }
            | HubProblem::Server { .. }
            | HubProblem::Malformed { .. }
            | HubProblem::OfflineNoCache
            | HubProblem::Network { .. } => {
                format!("{}; the Hub checks were skipped", self.describe(repo))
            }
            HubProblem::Inconsistent { what } => format!(
                "the checkpoint of `{repo}` on Hugging Face is inconsistent: {what}; its tensors cannot be read as one model"
            ),
            HubProblem::InShard { shard, inner } => {
                format!("{} (reading {shard})", inner.message(repo))
            }
            HubProblem::InvalidId { reason } => format!(
                "`{}` is not a Hugging Face model id ({reason}); nothing was asked of the Hub",
                repo.escape_debug()
            ),
        }
    }

    /// The problem alone, for a command that needed the Hub's answer
    /// (`inspect`, `new`) rather than a check that goes on without it.
    pub fn describe(&self, repo: &str) -> String {
        match self {
            HubProblem::Timeout { secs } => {
                format!("Hugging Face did not answer within {secs} s for `{repo}`")
            }
            HubProblem::Server { status } => {
                format!("Hugging Face answered {status} for `{repo}`")
            }
            HubProblem::Malformed { what } => {
                format!("Hugging Face sent malformed metadata for `{repo}` ({what})")
            }
            HubProblem::OfflineNoCache => format!(
                "offline (HF_HUB_OFFLINE=1 or --offline) and no cached metadata for `{repo}`"
            ),
            HubProblem::Network { message } => {
                format!("Hugging Face could not be reached for `{repo}` ({message})")
            }
            HubProblem::InShard { shard, inner } => {
                format!("{} (reading {shard})", inner.describe(repo))
            }
            _ => self.message(repo),
        }
    }

    pub fn severity(&self) -> Severity {
        match self {
            HubProblem::Unauthorized { .. }
            | HubProblem::NotFound
            | HubProblem::Malformed { .. }
            | HubProblem::Inconsistent { .. }
            | HubProblem::InvalidId { .. } => Severity::Warning,
            HubProblem::OfflineNoCache => Severity::Hint,
            HubProblem::InShard { inner, .. } => inner.severity(),
            _ => Severity::Info,
        }
    }
}

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

fn int(v: &Value, keys: &[&str]) -> Option<u128> {
    keys.iter()
        .find_map(|k| v.get(*k)?.as_u64().map(u128::from))
}

/// The facts of config.json that Mantile configs state, with Hugging Face's defaults applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HubDims {
    pub model_type: Option<String>,
    pub architecture: Option<String>,
    pub hidden_size: Option<u128>,
    pub num_layers: Option<u128>,
    pub vocab_size: Option<u128>,
    pub heads: Option<u128>,
    pub kv_heads: Option<u128>,
    pub head_dim: Option<u128>,
    pub intermediate_size: Option<u128>,
    pub moe_intermediate_size: Option<u128>,
    pub experts: Option<u128>,
    pub experts_per_token: Option<u128>,
    pub shared_experts: Option<u128>,
    /// The window, when sliding-window attention is in use.
    pub sliding_window: Option<u128>,
    /// Layers by `layer_types` (`sliding_attention`, `full_attention`), when listed.
    pub sliding_layers: Option<u128>,
    pub full_layers: Option<u128>,
    pub attention_bias: Option<bool>,
    pub mlp_bias: Option<bool>,
    pub tied_embeddings: Option<bool>,
}

impl HubDims {
    pub fn from_config(c: &Value) -> HubDims {
        // A multimodal model's decoder: its dimensions under text_config.
        let c = mantile_tensors::structure::text_config(c);
        let c: &Value = &c;
        let heads = int(c, &["num_attention_heads", "n_head", "n_heads"]);
        let hidden = int(c, &["hidden_size", "n_embd", "n_embed", "d_model"]);
        let layer_types: Option<Vec<&str>> = c
            .get("layer_types")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect());
        let uses_sw = c.get("use_sliding_window").and_then(Value::as_bool) != Some(false);
        HubDims {
            model_type: c
                .get("model_type")
                .and_then(Value::as_str)
                .map(str::to_string),
            architecture: c
                .get("architectures")
                .and_then(|a| a.get(0))
                .and_then(Value::as_str)
                .map(str::to_string),
            hidden_size: hidden,
            num_layers: int(
                c,
                &["num_hidden_layers", "n_layer", "n_layers", "num_layers"],
            ),
            vocab_size: int(c, &["vocab_size"]),
            heads,
            kv_heads: int(
                c,
                &[
                    "num_key_value_heads",
                    "num_kv_heads",
                    "multi_query_group_num",
                ],
            )
            .or_else(|| mantile_tensors::structure::multi_query(c).then_some(1))
            .or(heads),
            head_dim: int(c, &["head_dim"]).or_else(|| Some(hidden? / heads.filter(|&h| h > 0)?)),
            intermediate_size: int(c, &["intermediate_size", "ffn_dim"]),
            moe_intermediate_size: int(c, &["moe_intermediate_size"]),
            experts: int(c, &["num_local_experts", "num_experts", "n_routed_experts"]),
            experts_per_token: int(
                c,
                &[
                    "num_experts_per_tok",
                    "experts_per_token",
                    "num_experts_per_token",
                ],
            ),
            shared_experts: int(c, &["n_shared_experts", "num_shared_experts"]),
            sliding_window: if uses_sw {
                int(c, &["sliding_window"])
            } else {
                None
            },
            sliding_layers: layer_types
                .as_ref()
                .map(|t| t.iter().filter(|x| **x == "sliding_attention").count() as u128),
            full_layers: layer_types
                .as_ref()
                .map(|t| t.iter().filter(|x| **x == "full_attention").count() as u128),
            attention_bias: c.get("attention_bias").and_then(Value::as_bool),
            mlp_bias: c.get("mlp_bias").and_then(Value::as_bool),
            tied_embeddings: c.get("tie_word_embeddings").and_then(Value::as_bool),
        }
    }
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

// ----- generating a config from the Hub -----

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

/// From config.json alone (no safetensors headers to read): the llama,
/// mistral, qwen2, qwen3, mixtral, qwen2_moe/qwen3_moe and gpt_oss model
/// types; parts Mantile cannot model are marked `supported: false`.
pub fn from_config(facts: &HubFacts, catalog: &Catalog) -> Result<Generated, String> {
    let d = HubDims::from_config(&facts.config);
    let model_type = d.model_type.clone().unwrap_or_default();
    let known = [
        "llama",
        "mistral",
        "qwen2",
        "qwen3",
        "mixtral",
        "qwen2_moe",
        "qwen3_moe",
        "gpt_oss",
    ];
    if !known.contains(&model_type.as_str()) {
        return Err(format!(
            "model_type `{model_type}` is not one the generator maps to Mantile classes (it knows {})",
            known.join(", ")
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
    let total = facts.parameters.as_ref().map(|p| p.total);
    let mut top = vec![
        ("model_id", J::Str(model_id.clone())),
        ("hf_model_id", J::Str(facts.repo_id.clone())),
        (
            "name",
            J::Str(
                facts
                    .repo_id
                    .rsplit('/')
                    .next()
                    .unwrap_or(&facts.repo_id)
                    .to_string(),
            ),
        ),
        ("hidden_size", J::Int(hidden)),
        ("num_layers", J::Int(nl)),
        ("vocab_size", J::Int(vocab)),
    ];
    match total {
        Some(t) => {
            top.push(("total_params", J::Int(t)));
            top.push(("total_params_formatted", J::Str(format_short(t))));
        }
        None => {
            return Err(format!(
                "the Hub gives no exact parameter count for {}",
                facts.repo_id
            ));
        }
    }
    top.push(("layer_types", J::Arr(layer_types)));
    top.push(("validated", J::Bool(false)));
    let mut notes = format!(
        "Generated by mantile-lsp from the Hugging Face metadata of {}{}: dimensions from config.json, total_params from the exact safetensors count.",
        facts.repo_id,
        facts
            .sha
            .as_ref()
            .map(|s| format!(" at {}", &s[..s.len().min(12)]))
            .unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ConfigContext, check_config};
    use expect_test::{Expect, expect};
    use serde_json::json;

    /// d=64, h=4, kv=2, dh=16, di=128, V=100, 2 blocks, untied: the layers
    /// (2 × attention 12,288, 2 × feedforward 24,576, 2 × norm 64 (one per
    /// block), embedding 6,400) sum to 80,256; the real model adds an lm_head
    /// 6,400, a second norm per block 2×64 and a final norm 64: 86,848.
    const CONFIG: &str = r#"{"model_id": "org_Tiny", "hf_model_id": "org/Tiny", "name": "t", "hidden_size": 64,
 "num_layers": 2, "vocab_size": 100, "total_params": 80256,
 "layer_types": [
  {"name": "attention", "class": "GroupedQueryAttentionLayer", "count": 2, "specs": {"hidden_size": 64, "num_heads": 4, "num_kv_heads": 2, "head_dim": 16}},
  {"name": "feedforward", "class": "GatedMLPLayer", "count": 2, "specs": {"hidden_size": 64, "intermediate_size": 128}},
  {"name": "norm", "class": "NormLayer", "count": 2, "specs": {"hidden_size": 64}},
  {"name": "embedding", "class": "EmbeddingLayer", "count": 1, "specs": {"vocab_size": 100, "hidden_size": 64}}]}"#;

    fn facts(config: Value, total: u128) -> HubFacts {
        HubFacts {
            repo_id: "org/Tiny".into(),
            sha: Some("0123456789abcdef0123".into()),
            config,
            parameters: Some(HubParameters {
                by_dtype: vec![("BF16".into(), total)],
                total,
                source: "model info",
            }),
            provenance: Provenance::Live,
            tensors: None,
            tensors_problem: None,
        }
    }

    fn llama_json() -> Value {
        json!({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
               "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 100,
               "tie_word_embeddings": false, "attention_bias": false})
    }

    fn check(text: &str, facts: &HubFacts, expect: Expect) {
        let tree = mantile_json::parse(text);
        let root = tree.root().unwrap();
        let mut out = String::new();
        for d in check_against_hub(&root, facts) {
            out.push_str(&format!(
                "{} {} {:?}: {}\n",
                d.rule.code,
                d.severity,
                &text[d.range.as_range()],
                d.message
            ));
        }
        expect.assert_eq(&out);
    }

    #[test]
    fn agreeing_metadata_gives_no_findings() {
        check(
            &CONFIG.replace("80256", "86848"),
            &facts(llama_json(), 86_848),
            expect![""],
        );
    }

    #[test]
    fn total_explained_by_omitted_pieces_is_an_error_beyond_one_percent() {
        check(
            CONFIG,
            &facts(llama_json(), 86_848),
            expect![[r#"
                MC072 error "80256": total_params 80,256 is not the model's parameter count: org/Tiny has exactly 86,848 (BF16 86,848 from model info), +6,592 (+7.59%); the layers sum to 80,256, and the difference 6,592 is exactly an untied lm_head V×d = 100×64 = 6,400 + a final norm (64) + a second norm per block 2×64 = 128, which layer_types does not list
            "#]],
        );
        // Tied embeddings: the lm_head cannot be the explanation.
        let mut tied = llama_json();
        tied["tie_word_embeddings"] = json!(true);
        check(
            CONFIG,
            &facts(tied, 86_848),
            expect![[r#"
                MC072 error "80256": total_params 80,256 is not the model's parameter count: org/Tiny has exactly 86,848 (BF16 86,848 from model info), +6,592 (+7.59%)
            "#]],
        );
        // Within 1%: a warning.
        check(
            &CONFIG.replace("80256", "86800"),
            &facts(llama_json(), 86_848),
            expect![[r#"
                MC072 warning "86800": total_params 86,800 is not the model's parameter count: org/Tiny has exactly 86,848 (BF16 86,848 from model info), +48 (+0.06%); the layers sum to 80,256, and the difference 6,592 is exactly an untied lm_head V×d = 100×64 = 6,400 + a final norm (64) + a second norm per block 2×64 = 128, which layer_types does not list
            "#]],
        );
    }

    #[test]
    fn dimension_mismatches_point_at_the_config_value() {
        let mut c = llama_json();
        c["num_key_value_heads"] = json!(4);
        c["intermediate_size"] = json!(256);
        c["num_hidden_layers"] = json!(3);
        check(
            &CONFIG.replace("80256", "86848"),
            &facts(c, 86_848),
            expect![[r#"
                MC071 error "2": num_layers 2 differs from num_hidden_layers 3 in org/Tiny's config.json
                MC071 error "2": num_kv_heads 2 differs from num_key_value_heads 4 in org/Tiny's config.json
                MC071 error "128": intermediate_size 128 differs from intermediate_size 256 in org/Tiny's config.json
            "#]],
        );
    }

    #[test]
    fn sliding_window_bias_and_stale_cache() {
        let mut c = llama_json();
        c["sliding_window"] = json!(4096);
        c["attention_bias"] = json!(true);
        let mut f = facts(c, 86_848);
        f.provenance = Provenance::Cached {
            age_secs: 3 * 86400 + 5,
            expired: true,
            why: Some("offline".into()),
        };
        check(
            &CONFIG.replace("80256", "86848"),
            &f,
            expect![[r#"
                MC073 info "\"org/Tiny\"": Hugging Face metadata from cache, 3 days old: offline
                MC071 error "\"GroupedQueryAttentionLayer\"": has_bias is false for "attention" but org/Tiny's config.json has attention_bias true (Hugging Face metadata from cache, 3 days old)
                MC074 warning "\"GroupedQueryAttentionLayer\"": org/Tiny's config.json sets sliding_window 4096, but no layer is a SlidingWindowAttentionLayer: attention over contexts longer than 4096 tokens, and its KV cache, are overestimated (Hugging Face metadata from cache, 3 days old)
            "#]],
        );
        // Qwen2-style: a window that is switched off is no sliding window.
        let mut c = llama_json();
        c["sliding_window"] = json!(4096);
        c["use_sliding_window"] = json!(false);
        check(
            &CONFIG.replace("80256", "86848"),
            &facts(c, 86_848),
            expect![""],
        );
    }

    #[test]
    fn qkv_biases_the_config_omits_explain_the_difference() {
        // Qwen2-style: q/k/v carry biases, has_bias is not stated: 2 × (64 + 2×32) = 256.
        let mut c = llama_json();
        c["tie_word_embeddings"] = json!(true);
        check(
            CONFIG,
            &facts(c, 80_256 + 256),
            expect![[r#"
                MC072 warning "80256": total_params 80,256 is not the model's parameter count: org/Tiny has exactly 80,512 (BF16 80,512 from model info), +256 (+0.32%); the layers sum to 80,256, and the difference 256 is exactly q/k/v projection biases in the attention layers (256), which layer_types does not list
            "#]],
        );
    }

    #[test]
    fn quantized_counts_are_not_compared() {
        let mut f = facts(llama_json(), 60_000);
        f.parameters = Some(HubParameters {
            by_dtype: vec![("BF16".into(), 20_000), ("U8".into(), 40_000)],
            total: 60_000,
            source: "model info",
        });
        check(
            CONFIG,
            &f,
            expect![[r#"
                MC072 info "80256": the Hub's count for org/Tiny (60,000 elements) includes quantized tensors stored as U8, which pack several parameters per element or are scales; without a readable tensor inventory it is not compared with total_params
            "#]],
        );
    }

    /// The tiny Llama of CONFIG in FP8: projections `F8_E4M3` with one F32
    /// block scale each (14 elements), the rest BF16.
    fn fp8_facts() -> HubFacts {
        use mantile_tensors::DType;
        let mut e = vec![
            (
                "model.embed_tokens.weight".to_string(),
                DType::BF16,
                vec![100, 64],
            ),
            ("lm_head.weight".to_string(), DType::BF16, vec![100, 64]),
            ("model.norm.weight".to_string(), DType::BF16, vec![64]),
        ];
        for l in 0..2 {
            let p = format!("model.layers.{l}");
            for (n, s) in [
                ("self_attn.q_proj", vec![64, 64]),
                ("self_attn.k_proj", vec![32, 64]),
                ("self_attn.v_proj", vec![32, 64]),
                ("self_attn.o_proj", vec![64, 64]),
                ("mlp.gate_proj", vec![128, 64]),
                ("mlp.up_proj", vec![128, 64]),
                ("mlp.down_proj", vec![64, 128]),
            ] {
                e.push((format!("{p}.{n}.weight"), DType::F8E4M3, s));
                e.push((format!("{p}.{n}.weight_scale_inv"), DType::F32, vec![1, 1]));
            }
            for n in ["input_layernorm", "post_attention_layernorm"] {
                e.push((format!("{p}.{n}.weight"), DType::BF16, vec![64]));
            }
        }
        let mut inv = mantile_tensors::Inventory::default();
        inv.add_shard("model.safetensors", e).unwrap();
        inv.finish().unwrap();
        let t = inv.totals();
        let mut f = facts(llama_json(), t.total_elements);
        f.parameters = Some(HubParameters {
            by_dtype: t
                .elements
                .iter()
                .map(|(d, n)| (d.name().to_string(), *n))
                .collect(),
            total: t.total_elements,
            source: "model info",
        });
        f.tensors = Some(std::sync::Arc::new(inv));
        f
    }

    #[test]
    fn quantized_counts_are_compared_as_parameters_with_the_inventory() {
        let f = fp8_facts();
        assert_eq!(f.parameters.as_ref().unwrap().total, 86_862);
        // The logical count (the stored elements less 14 scales) is exact.
        check(&CONFIG.replace("80256", "86848"), &f, expect![""]);
        // The stored elements are not the parameter count.
        check(
            &CONFIG.replace("80256", "86862"),
            &f,
            expect![[r#"
                MC072 warning "86862": total_params 86,862 is not the model's parameter count: org/Tiny has exactly 86,848 (from the safetensors headers: 86,862 stored elements = 86,848 parameters + 14 elements of quantization data (F32 14), which are not parameters), -14 (-0.02%)
            "#]],
        );
        check(
            CONFIG,
            &f,
            expect![[r#"
                MC072 error "80256": total_params 80,256 is not the model's parameter count: org/Tiny has exactly 86,848 (from the safetensors headers: 86,862 stored elements = 86,848 parameters + 14 elements of quantization data (F32 14), which are not parameters), +6,592 (+7.59%); the layers sum to 80,256, and the difference 6,592 is exactly an untied lm_head V×d = 100×64 = 6,400 + a final norm (64) + a second norm per block 2×64 = 128, which layer_types does not list
            "#]],
        );
        // And `new` writes the parameters, naming the scales.
        let g = generate(&f, &Catalog::builtin()).unwrap();
        let v: Value = serde_json::from_str(&g.text).unwrap();
        assert_eq!(v["total_params"], 86_848);
        assert!(
            v["validation_notes"]
                .as_str()
                .unwrap()
                .contains("86,862 stored elements = 86,848 parameters + 14 elements of quantization data (F32 14)"),
            "{}",
            v["validation_notes"]
        );
    }

    #[test]
    fn problems_say_what_to_do_and_never_show_a_token() {
        let p = HubProblem::Unauthorized {
            status: 401,
            gated: true,
        };
        assert_eq!(
            p.message("meta-llama/Llama-3.3-70B-Instruct"),
            "Hugging Face refused access to `meta-llama/Llama-3.3-70B-Instruct` (401, gated model): set HF_TOKEN (or log in so that $HF_HOME/token exists) with a token that has access, and accept the model's terms on its Hugging Face page"
        );
        assert_eq!(p.severity(), Severity::Warning);
        assert_eq!(HubProblem::Timeout { secs: 10 }.severity(), Severity::Info);
        assert_eq!(age(59), "59 seconds");
        assert_eq!(age(3600), "60 minutes");
        assert_eq!(age(86400), "24 hours");
        assert_eq!(age(86400 * 3), "3 days");
    }

    #[test]
    fn generated_llama_config_passes_check_without_errors() {
        let g = generate(&facts(llama_json(), 86_848), &Catalog::builtin()).unwrap();
        assert_eq!(g.model_id, "org_Tiny");
        let catalog = Catalog::builtin();
        let ctx = ConfigContext {
            file_stem: Some("org_Tiny"),
            catalog: &catalog,
            files: None,
        };
        let report = check_config(&g.text, &ctx);
        let findings: Vec<String> = report
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.rule.code, d.severity))
            .collect();
        // The lm_head the layer list omits is explained, not an error.
        assert_eq!(findings, ["MC061 info"], "{}", g.text);
        let root = report.root().unwrap();
        let attn = root.pointer("/layer_types/0/specs").unwrap();
        assert_eq!(attn.get("parameter_count").unwrap().as_u128(), Some(12_288));
        assert_eq!(
            root.pointer("/layer_types/2/count").unwrap().as_u128(),
            Some(5)
        );
        assert_eq!(
            g.unsupported,
            ["the untied lm_head (100×64) is not a Mantile layer; it is counted in total_params"]
        );
        // Cross-checking the generated config against the same facts agrees.
        assert!(check_against_hub(&root, &facts(llama_json(), 86_848)).is_empty());
    }

    #[test]
    fn generated_gpt_oss_style_config_has_both_attention_kinds() {
        let c = json!({"architectures": ["GptOssForCausalLM"], "model_type": "gpt_oss", "hidden_size": 24, "num_hidden_layers": 2,
            "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8, "intermediate_size": 24, "vocab_size": 10,
            "num_local_experts": 4, "experts_per_token": 2, "sliding_window": 128, "attention_bias": true,
            "layer_types": ["sliding_attention", "full_attention"], "tie_word_embeddings": false});
        let f = HubFacts {
            parameters: Some(HubParameters {
                by_dtype: vec![("BF16".into(), 1)],
                total: 1,
                source: "model info",
            }),
            ..facts(c, 1)
        };
        let g = generate(&f, &Catalog::builtin()).unwrap();
        let tree = mantile_json::parse(&g.text);
        let root = tree.root().unwrap();
        let classes: Vec<(&str, u128)> = layers(&root)
            .iter()
            .map(|l| (l.class_str().unwrap(), l.count.unwrap()))
            .collect();
        assert_eq!(
            classes,
            [
                ("SlidingWindowAttentionLayer", 1),
                // Biased full attention: the class that takes has_bias, without a window.
                ("SlidingWindowAttentionLayer", 1),
                ("MoELayer", 2),
                ("NormLayer", 5),
                ("EmbeddingLayer", 1),
                // One learned logit per head in every layer: a gap, not num_sinks.
                ("LearnedSinksLayer", 2)
            ]
        );
        assert!(
            g.unsupported[0].starts_with(
                "Learned attention sinks (attention_sinks, model_builder/gaps/learned_attention_sinks.md): each attention layer has 4 learned logits"
            ),
            "{:?}",
            g.unsupported
        );
        assert!(!g.text.contains("\"num_sinks\":"));
        assert_eq!(g.gaps.len(), 1);
        assert_eq!((g.gaps[0].count, g.gaps[0].parameters), (2, 4));
    }

    #[test]
    fn zero_or_absurd_dimensions_are_refused_with_the_reason() {
        let refuse = |key: &str, v: Value| {
            let mut c = llama_json();
            c[key] = v;
            generate(&facts(c, 86_848), &Catalog::builtin()).unwrap_err()
        };
        assert_eq!(
            refuse("num_key_value_heads", json!(0)),
            "config.json gives `num_key_value_heads` 0: no layer can have a zero num_key_value_heads, and a config built on it would not pass check"
        );
        assert!(refuse("head_dim", json!(0)).starts_with("config.json gives `head_dim` 0"));
        assert!(refuse("hidden_size", json!(0)).starts_with("config.json gives `hidden_size` 0"));
        assert!(refuse("vocab_size", json!(0)).starts_with("config.json gives `vocab_size` 0"));
        assert!(
            refuse("intermediate_size", json!(0))
                .starts_with("config.json gives `intermediate_size` 0")
        );
        assert_eq!(
            refuse("hidden_size", json!(1u64 << 40)),
            "config.json gives `hidden_size` 1099511627776, more than 16777216: not a dimension a real model has"
        );
        assert_eq!(
            refuse("num_key_value_heads", json!(3)),
            "config.json gives 4 attention heads and 3 key/value heads: the query heads must be a multiple of the key/value heads"
        );
        assert!(refuse("sliding_window", json!(0)).contains("`sliding_window` 0"));
        assert!(
            refuse(
                "layer_types",
                json!(["sliding_attention", "full_attention", "full_attention"])
            )
            .contains("lists 1 sliding and 2 full attention layers, but num_hidden_layers is 2")
        );
        let moe = |experts: Value, k: Value| {
            let mut c = llama_json();
            c["model_type"] = json!("mixtral");
            c["num_local_experts"] = experts;
            c["num_experts_per_tok"] = k;
            generate(&facts(c, 86_848), &Catalog::builtin()).unwrap_err()
        };
        assert!(moe(json!(0), json!(2)).starts_with("config.json gives `num_experts` 0"));
        assert!(moe(json!(8), json!(0)).starts_with("config.json gives `num_experts_per_tok` 0"));
        assert_eq!(
            moe(json!(2), json!(4)),
            "config.json routes each token to 4 experts of 2: top_k cannot exceed the number of experts"
        );
    }

    #[test]
    fn model_ids_are_org_slash_name_in_the_hub_s_alphabet() {
        for ok in [
            "meta-llama/Llama-3.3-70B-Instruct",
            "TinyLlama/TinyLlama-1.1B-Chat-v1.0",
            "openai/gpt-oss-120b",
            "Qwen/Qwen2.5-7B-Instruct",
            "a/b",
            "org_x/m_1.5",
        ] {
            assert_eq!(validate_repo_id(ok), Ok(()), "{ok}");
        }
        let reason = |id: &str| validate_repo_id(id).unwrap_err();
        assert_eq!(
            reason("a/b/../../api/whoami"),
            "expected `org/name`, with exactly one `/` (found 5)"
        );
        assert_eq!(
            reason("a/b?x=1"),
            "the name contains `?`; only letters, digits, `.`, `_` and `-` are allowed"
        );
        assert_eq!(reason("/"), "the org is empty");
        assert_eq!(
            reason("gpt2"),
            "expected `org/name`, with exactly one `/` (found 0)"
        );
        assert_eq!(
            reason("../x"),
            "the org `..` starts or ends with `.` or `-`"
        );
        assert_eq!(reason("a/."), "the name `.` starts or ends with `.` or `-`");
        assert_eq!(reason("a/b..c"), "the name `b..c` contains `..` or `--`");
        assert_eq!(
            reason("a/b\u{1b}[2J"),
            "the name contains the character U+001B; only letters, digits, `.`, `_` and `-` are allowed"
        );
        assert_eq!(
            reason("a/b%2F.."),
            "the name contains `%`; only letters, digits, `.`, `_` and `-` are allowed"
        );
        assert_eq!(
            reason(&format!("a/{}", "x".repeat(97))),
            "the name is longer than 96 characters"
        );
        let msg = HubProblem::InvalidId {
            reason: reason("a/b\u{1b}"),
        }
        .message("a/b\u{1b}");
        assert!(
            msg.starts_with("`a/b\\u{1b}` is not a Hugging Face model id"),
            "{msg}"
        );
    }

    #[test]
    fn unknown_model_types_are_refused_with_the_list() {
        let mut c = llama_json();
        c["model_type"] = json!("mamba");
        let e = generate(&facts(c, 1), &Catalog::builtin()).unwrap_err();
        assert!(
            e.starts_with("model_type `mamba` is not one the generator maps"),
            "{e}"
        );
    }
}
