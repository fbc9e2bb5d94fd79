"""Feed-forward layers."""

from .base import Layer


class MLPLayer(Layer):
    """Standard MLP with up and down projections."""

    def __init__(self, layer_idx: int, hidden_size: int, intermediate_size: int,
                 num_projections: int = 2, dtype: str = "bf16", parallelism: dict | None = None):
        super().__init__(layer_idx, dtype, parallelism)
        self.hidden_size = hidden_size
        self.intermediate_size = intermediate_size
        self.num_projections = num_projections


class GatedMLPLayer(Layer):
    """Gated MLP (SwiGLU) with gate, up and down projections."""

    def __init__(self, layer_idx: int, hidden_size: int, intermediate_size: int,
                 dtype: str = "bf16", parallelism: dict | None = None):
        super().__init__(layer_idx, dtype, parallelism)
        self.hidden_size = hidden_size
        self.intermediate_size = intermediate_size


class MoELayer(Layer):
    """Mixture of experts: a router and num_experts MLP experts, top_k active per token."""

    def __init__(
        self,
        layer_idx: int,
        hidden_size: int,
        intermediate_size: int,
        num_experts: int,
        top_k: int,
        num_shared_experts: int = 0,
        num_projections: int = 2,
        has_bias: bool = False,
        dtype: str = "bf16",
        parallelism: dict | None = None,
    ):
        super().__init__(layer_idx, dtype, parallelism)
        self.num_experts = num_experts
        self.top_k = top_k
