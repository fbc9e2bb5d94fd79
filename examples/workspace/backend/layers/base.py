"""Base class shared by every layer (example workspace for mantile-lsp)."""


class Layer:
    """Common interface: FLOPs, weight memory, activation memory, KV cache."""

    def __init__(self, layer_idx: int, dtype: str = "bf16", parallelism: dict | None = None):
        self.layer_idx = layer_idx
        self.dtype = dtype
        self.parallelism = parallelism or {}
