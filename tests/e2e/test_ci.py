"""CI integrations as their users run them: the pre-commit hook (`pre-commit try-repo` on this
repository) and the README's GitHub Actions workflow (its mantile-lsp commands, run as written)."""
import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import tempfile

import jsonschema
import yaml

from conftest import CONFIG, REPO, SERVER, scratch_workspace

SARIF_SCHEMA = REPO / "crates/mantile-lsp/tests/data/sarif-schema-2.1.0.json"


def _env(**extra):
    """PATH with the release server first; offline and hermetic Hugging Face home."""
    env = dict(os.environ, PATH=f"{os.path.dirname(SERVER)}{os.pathsep}{os.environ['PATH']}",
               HF_HUB_OFFLINE="1", HF_HOME=tempfile.mkdtemp(prefix="mantile-hf-"), NO_COLOR="1")
    env.update(extra)
    return env


def _git_repo(ws: pathlib.Path) -> None:
    for args in (["init", "-q"], ["add", "-A"],
                 ["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "init"]):
        subprocess.run(["git", *args], cwd=ws, check=True)


def _try_repo(ws: pathlib.Path, home: pathlib.Path) -> subprocess.CompletedProcess:
    pre_commit = shutil.which("pre-commit")
    assert pre_commit, "pre-commit not installed (tests/e2e/requirements.txt)"
    return subprocess.run([pre_commit, "try-repo", str(REPO), "mantile-check", "--all-files"],
                          cwd=ws, env=_env(PRE_COMMIT_HOME=str(home)), capture_output=True,
                          text=True, timeout=300)


def test_pre_commit_hook_fails_on_errors_and_passes_clean_files(tmp_path):
    # The example workspace: its defective config fails the hook, with the finding shown.
    ws = scratch_workspace()
    _git_repo(ws)
    r = _try_repo(ws, tmp_path / "pre-commit-home")
    assert r.returncode == 1, r.stdout + r.stderr
    assert re.search(r"mantile-lsp check\.+Failed", r.stdout), r.stdout
    assert f"{CONFIG}:21:28: error[MC060]" in r.stdout, r.stdout
    assert "Found 2 errors, 4 warnings, 2 infos, 0 hints in 1 file (4 checked)." in r.stdout

    # Only the clean config, plus files the hook must not look at: it passes.
    clean = tmp_path / "clean"
    (clean / "backend/data/model_configs").mkdir(parents=True)
    shutil.copy(ws / "backend/data/model_configs/acme_Tiny-Llama-100M.json",
                clean / "backend/data/model_configs/")
    shutil.copytree(ws / "backend/layers", clean / "backend/layers")
    (clean / "notes").mkdir()
    (clean / "notes/broken.json").write_text("{")                       # not a Mantile file
    (clean / "backend/data/model_configs/sub").mkdir()
    (clean / "backend/data/model_configs/sub/x.json").write_text("{")   # not a config either
    _git_repo(clean)
    r = _try_repo(clean, tmp_path / "pre-commit-home")
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"mantile-lsp check\.+Passed", r.stdout), r.stdout


def _readme_workflow() -> dict:
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.S)
    [workflow] = [b for b in blocks if "upload-sarif" in b]
    return yaml.safe_load(workflow)


def test_readme_github_actions_workflow_runs_as_written(tmp_path):
    workflow = _readme_workflow()
    [job] = workflow["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    runs = [s["run"] for s in job["steps"] if "run" in s]
    assert runs[0].startswith("cargo install --locked --path .mantile-lsp/crates/mantile-lsp")
    assert (REPO / "crates/mantile-lsp/Cargo.toml").exists()
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    ws = scratch_workspace()
    # The install step is replaced by the server built for these tests (on PATH); the others run
    # in bash as GitHub's default shell does (-e, -o pipefail).
    results = []
    for cmd in runs[1:]:
        assert cmd.startswith("mantile-lsp check"), cmd
        results.append(subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", cmd],
                                      cwd=ws, env=_env(), capture_output=True, text=True, timeout=120))
    sarif_step, github_step = results
    assert sarif_step.returncode == 0, sarif_step.stderr   # errors found, and the step goes on
    log = json.loads((ws / upload["with"]["sarif_file"]).read_text())
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()))
    results_ = log["runs"][0]["results"]
    mc060 = next(r for r in results_ if r["ruleId"] == "MC060")
    assert mc060["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == CONFIG
    assert github_step.returncode == 1                     # the job fails on errors
    lines = github_step.stdout.splitlines()
    assert len(lines) == len(results_) == 8
    assert any(l.startswith(f"::error file={CONFIG},line=21,col=28,endLine=21,endColumn=35,title=MC060 (parameter-count)::")
               for l in lines), github_step.stdout
    # A usage error (exit 2) is not taken for findings by the `|| test $? -eq 1` guard.
    bad = subprocess.run(["bash", "-eo", "pipefail", "-c", runs[1].replace("--format sarif", "--format nope")],
                         cwd=ws, env=_env(), capture_output=True, text=True)
    assert bad.returncode != 0


def test_gitlab_report_from_the_readme_command():
    ws = scratch_workspace()
    cmd = "mantile-lsp check --format gitlab > gl-code-quality-report.json"
    assert f"`{cmd}`" in (REPO / "README.md").read_text()
    r = subprocess.run(["bash", "-c", cmd], cwd=ws, env=_env(), capture_output=True, text=True)
    assert r.returncode == 1
    issues = json.loads((ws / "gl-code-quality-report.json").read_text())
    assert {i["check_name"] for i in issues} >= {"MC060", "MC010"}
    assert all(set(i) >= {"description", "check_name", "fingerprint", "severity", "location"} for i in issues)
