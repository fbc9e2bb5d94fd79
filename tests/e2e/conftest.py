"""Shared set-up: a scratch copy of the example workspace, the server command."""
import os
import pathlib
import shutil
import tempfile

REPO = pathlib.Path(__file__).resolve().parents[2]
SERVER = os.environ.get("MANTILE_LSP", str(REPO / "target" / "release" / "mantile-lsp"))
CONFIG = "backend/data/model_configs/acme_Wide-MoE-2B.json"


def scratch_workspace() -> pathlib.Path:
    """A fresh copy of examples/workspace (tests may edit it)."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="mantile-e2e-"))
    shutil.copytree(REPO / "examples" / "workspace", root / "ws")
    return (root / "ws").resolve()
