//! Model dimensions: one type for what a config's specs, a Hugging Face
//! `config.json`, a gap report and a scaffold say about a model's sizes.

/// The sizes of a model or of one of its layers. Every field is optional:
/// each source knows some of them (a norm layer knows only `hidden_size`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Dimensions {
    /// `d`: the model width.
    pub hidden_size: Option<u128>,
    /// Transformer blocks.
    pub num_layers: Option<u128>,
    /// `V`: the vocabulary.
    pub vocab_size: Option<u128>,
    /// `h`: query heads (`num_heads`, or `num_query_heads` in sliding-window attention).
    pub heads: Option<u128>,
    /// `kv`: key/value heads (= `h` for multi-head attention).
    pub kv_heads: Option<u128>,
    /// `dh`: the width of one head.
    pub head_dim: Option<u128>,
    /// `di`: the feed-forward width (of each expert, in a mixture of experts).
    pub intermediate_size: Option<u128>,
    /// `E`: routed experts.
    pub num_experts: Option<u128>,
    /// Experts each token is routed to.
    pub top_k: Option<u128>,
    /// Experts every token runs besides the routed ones.
    pub shared_experts: Option<u128>,
    /// Tokens a sliding-window attention layer keeps.
    pub sliding_window: Option<u128>,
}

impl Dimensions {
    /// Query width `h·dh`.
    pub fn q_width(&self) -> Option<u128> {
        self.heads?.checked_mul(self.head_dim?)
    }

    /// Key/value width `kv·dh`.
    pub fn kv_width(&self) -> Option<u128> {
        self.kv_heads?.checked_mul(self.head_dim?)
    }

    /// Whether the four attention sizes (`d`, `h`, `kv`, `dh`) are known.
    pub fn has_attention(&self) -> bool {
        self.hidden_size.is_some()
            && self.heads.is_some()
            && self.kv_heads.is_some()
            && self.head_dim.is_some()
    }

    /// Query heads per key/value head, when they divide evenly.
    pub fn group(&self) -> Option<u128> {
        let (h, kv) = (self.heads?, self.kv_heads?);
        (kv > 0 && h % kv == 0).then(|| h / kv)
    }

    /// Each field of `self`, else the one of `fallback` (a layer's own
    /// sizes over the model's).
    pub fn or(self, fallback: Dimensions) -> Dimensions {
        Dimensions {
            hidden_size: self.hidden_size.or(fallback.hidden_size),
            num_layers: self.num_layers.or(fallback.num_layers),
            vocab_size: self.vocab_size.or(fallback.vocab_size),
            heads: self.heads.or(fallback.heads),
            kv_heads: self.kv_heads.or(fallback.kv_heads),
            head_dim: self.head_dim.or(fallback.head_dim),
            intermediate_size: self.intermediate_size.or(fallback.intermediate_size),
            num_experts: self.num_experts.or(fallback.num_experts),
            top_k: self.top_k.or(fallback.top_k),
            shared_experts: self.shared_experts.or(fallback.shared_experts),
            sliding_window: self.sliding_window.or(fallback.sliding_window),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_and_group() {
        let d = Dimensions {
            hidden_size: Some(2880),
            heads: Some(64),
            kv_heads: Some(8),
            head_dim: Some(64),
            ..Dimensions::default()
        };
        assert_eq!(d.q_width(), Some(4096));
        assert_eq!(d.kv_width(), Some(512));
        assert_eq!(d.group(), Some(8));
        let uneven = Dimensions {
            kv_heads: Some(3),
            ..d
        };
        assert_eq!(uneven.group(), None);
        let huge = Dimensions {
            heads: Some(u128::MAX),
            ..d
        };
        assert_eq!(huge.q_width(), None, "overflow is no width");
    }

    #[test]
    fn own_sizes_over_the_models() {
        let model = Dimensions {
            hidden_size: Some(64),
            vocab_size: Some(100),
            ..Dimensions::default()
        };
        let layer = Dimensions {
            hidden_size: Some(32),
            heads: Some(4),
            ..Dimensions::default()
        };
        let d = layer.or(model);
        assert_eq!(
            (d.hidden_size, d.vocab_size, d.heads, d.head_dim),
            (Some(32), Some(100), Some(4), None)
        );
    }
}
