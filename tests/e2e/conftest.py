"""Shared set-up: a scratch copy of the example workspace, the server command."""
import os
import pathlib
import shutil
import tempfile

REPO = pathlib.Path(__file__).resolve().parents[2]
SERVER = os.environ.get("MANTILE_LSP", str(REPO / "target" / "release" / "mantile-lsp"))
CONFIG = "backend/data/model_configs/acme_Wide-MoE-2B.json"
GAP = "model_builder/gaps/multi_token_prediction.md"


def scratch_workspace() -> pathlib.Path:
    """A fresh copy of examples/workspace (tests may edit it)."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="mantile-e2e-"))
    shutil.copytree(REPO / "examples" / "workspace", root / "ws")
    return (root / "ws").resolve()


def break_gap_report(ws: pathlib.Path) -> None:
    """Two defects in the example gap report: a wrong product (MT001 on line 34, columns 54-63)
    and the §4.6 references section renamed away (GR001 on the title line, columns 0-41)."""
    path = ws / GAP
    text = path.read_text()
    broken = text.replace("`2 * 1536 * 1536 = 4,718,592`", "`2 * 1536 * 1536 = 4,718,593`", 1) \
                 .replace("## Documentation References", "## Further Reading", 1)
    assert broken.count("4,718,593") == 1 and "## Further Reading" in broken, "the example gap report changed"
    path.write_text(broken)
