"""Normalization and embedding layers."""

from .base import Layer


class NormLayer(Layer):
    """LayerNorm or RMSNorm."""

    def __init__(self, layer_idx: int, hidden_size: int, has_bias: bool = False,
                 dtype: str = "bf16", parallelism: dict | None = None):
        super().__init__(layer_idx, dtype, parallelism)
        self.hidden_size = hidden_size
        self.has_bias = has_bias


class EmbeddingLayer(Layer):
    """Token embeddings."""

    def __init__(self, layer_idx: int, vocab_size: int, hidden_size: int,
                 dtype: str = "bf16", parallelism: dict | None = None):
        super().__init__(layer_idx, dtype, parallelism)
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
