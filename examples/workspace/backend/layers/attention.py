"""Attention layers."""

from .base import Layer


class AttentionLayer(Layer):
    """Vanilla multi-head attention (MHA)."""

    def __init__(self, layer_idx: int, hidden_size: int, num_heads: int, head_dim: int,
                 dtype: str = "bf16", parallelism: dict | None = None):
        super().__init__(layer_idx, dtype, parallelism)
        self.hidden_size = hidden_size
        self.num_heads = num_heads
        self.head_dim = head_dim


class GroupedQueryAttentionLayer(Layer):
    """Grouped-query attention (GQA): fewer key/value heads than query heads."""

    def __init__(
        self,
        layer_idx: int,
        hidden_size: int,
        num_heads: int,
        num_kv_heads: int,
        head_dim: int,
        has_bias: bool = False,
        dtype: str = "bf16",
        parallelism: dict | None = None,
    ):
        super().__init__(layer_idx, dtype, parallelism)
        self.hidden_size = hidden_size
        self.num_heads = num_heads
        self.num_kv_heads = num_kv_heads
        self.head_dim = head_dim
        self.has_bias = has_bias


class SlidingWindowAttentionLayer(Layer):
    """Grouped-query attention over a sliding window of recent tokens."""

    def __init__(
        self,
        layer_idx: int,
        hidden_size: int,
        num_query_heads: int,
        num_kv_heads: int,
        head_dim: int,
        sliding_window: int,
        num_sinks: int = 0,
        has_bias: bool = False,
        dtype: str = "bf16",
        parallelism: dict | None = None,
    ):
        super().__init__(layer_idx, dtype, parallelism)
        self.sliding_window = sliding_window
        self.num_sinks = num_sinks
