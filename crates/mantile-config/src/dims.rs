//! Conversions to the model's one [`Dimensions`] type from the other
//! dimension records that still exist (for the callers to switch over).

use crate::hub::HubDims;
use mantile_model::Dimensions;

/// A Hugging Face `config.json`'s sizes as [`Dimensions`]: the experts'
/// width (`moe_intermediate_size`) where the model has experts, else the
/// dense feed-forward width.
impl From<&HubDims> for Dimensions {
    fn from(h: &HubDims) -> Dimensions {
        let has_experts = h.experts.is_some_and(|e| e > 0);
        Dimensions {
            hidden_size: h.hidden_size,
            num_layers: h.num_layers,
            vocab_size: h.vocab_size,
            heads: h.heads,
            kv_heads: h.kv_heads,
            head_dim: h.head_dim,
            intermediate_size: if has_experts {
                h.moe_intermediate_size.or(h.intermediate_size)
            } else {
                h.intermediate_size
            },
            num_experts: h.experts,
            top_k: h.experts_per_token,
            shared_experts: h.shared_experts,
            sliding_window: h.sliding_window,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_facts_become_dimensions() {
        let config = serde_json::json!({
            "hidden_size": 2880, "num_hidden_layers": 36, "vocab_size": 201088,
            "num_attention_heads": 64, "num_key_value_heads": 8, "head_dim": 64,
            "intermediate_size": 2880, "num_local_experts": 128, "num_experts_per_tok": 4,
            "sliding_window": 128
        });
        let d = Dimensions::from(&HubDims::from_config(&config));
        assert_eq!(
            d,
            Dimensions {
                hidden_size: Some(2880),
                num_layers: Some(36),
                vocab_size: Some(201088),
                heads: Some(64),
                kv_heads: Some(8),
                head_dim: Some(64),
                intermediate_size: Some(2880),
                num_experts: Some(128),
                top_k: Some(4),
                shared_experts: None,
                sliding_window: Some(128),
            }
        );
        assert_eq!(d.q_width(), Some(4096));
    }
}
