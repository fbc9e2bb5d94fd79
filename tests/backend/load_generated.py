"""Loads every config `mantile-lsp new` generated with Mantile's own backend.

Usage: python3 tests/backend/load_generated.py MANTILE_REF CONFIG_DIR

MANTILE_REF is a Mantile checkout (../shared/mantile-ref beside this one; its
files are read, never copied). For each config: main.load_model_config, then
for every supported layer main._resolve_layer_class and main._construct_layer,
whose parameter count must be the config's parameter_count (except where the
config's validation_notes document that GroupedQueryAttentionLayer assumes a
square o_proj, and then by exactly the difference they state), then
main.compute_system_metrics for a prefill and a decode step on
nvidia_h100_80gb. Exits 1 on the first problem.
"""

import json
import re
import sys
from pathlib import Path


def main() -> int:
    ref, out = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    sys.path.insert(0, str(ref))
    from backend import main as mantile  # noqa: E402
    from backend.layers import DataType  # noqa: E402

    mantile.MODELS_CFG_DIR = out
    configs = sorted(out.glob("*.json"))
    if not configs:
        print(f"no configs in {out}")
        return 1
    for path in configs:
        model_id = path.stem
        cfg = mantile.load_model_config(model_id)
        notes = cfg.get("validation_notes", "")
        layers = {}
        for lt in cfg["layer_types"]:
            if lt.get("supported", True) is False:
                continue
            cls = mantile._resolve_layer_class(lt["class"])
            if cls is None:
                print(f"{model_id}: layer {lt['name']}: no class {lt['class']} in backend.layers")
                return 1
            layer = mantile._construct_layer(cls, lt["specs"], DataType("bf16"), {})
            stated = lt["specs"]["parameter_count"]
            if layer.param_count != stated:
                # Only the documented square-o_proj assumption may differ.
                m = re.search(
                    r'for layer "%s" Mantile computes ([\d,]+) parameters per layer instead of the true ([\d,]+)'
                    % re.escape(lt["name"]),
                    notes,
                )
                if not (
                    lt["class"] == "GroupedQueryAttentionLayer"
                    and m
                    and int(m.group(1).replace(",", "")) == layer.param_count
                    and int(m.group(2).replace(",", "")) == stated
                ):
                    print(
                        f"{model_id}: layer {lt['name']}: Mantile counts {layer.param_count:,}, "
                        f"the config says {stated:,} and its notes do not explain it"
                    )
                    return 1
            layers[lt["name"]] = {"dtype": "bf16", "tensor_parallel": 1}

        def phase(seq_len, context_len=None):
            return mantile.PhaseMetricsRequest(
                model_id=model_id,
                hardware_id="nvidia_h100_80gb",
                batch_size=1,
                seq_len=seq_len,
                context_len=context_len,
                layers=layers,
            )

        metrics = mantile.compute_system_metrics(
            mantile.SystemMetricsRequest(prefill_req=phase(512), decode_req=phase(1, 512))
        )
        if not (metrics["ttft_ms"] > 0 and metrics["tpot_ms"] > 0):
            print(f"{model_id}: no latency: {json.dumps(metrics)[:300]}")
            return 1
        print(
            f"{model_id}: {len(layers)} supported layer kinds; prefill {metrics['ttft_ms']:.2f} ms, "
            f"decode {metrics['tpot_ms']:.3f} ms/token, weights {metrics['memory']['weight_memory_gb']:.1f} GB"
        )
    print(f"{len(configs)} generated configs load and compute in Mantile's backend")
    return 0


if __name__ == "__main__":
    sys.exit(main())
