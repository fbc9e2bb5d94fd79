//! What the Hub says about a model, as plain data: the facts fetched
//! ([`HubFacts`]: config.json, exact parameter counts, the tensor
//! inventory, where they came from), the problems that kept them away
//! ([`HubProblem`]), and config.json's dimensions read once ([`HubDims`]).

use mantile_diag::Severity;
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

pub(super) fn int(v: &Value, keys: &[&str]) -> Option<u128> {
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
