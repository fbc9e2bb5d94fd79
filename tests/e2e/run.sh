#!/usr/bin/env bash
# End-to-end tests with real LSP clients: pytest-lsp and headless Neovim 0.11.
# Builds the server, installs the clients in a venv under target/, runs pytest.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
cargo build --release -q -p mantile-lsp
venv="$repo/target/e2e-venv"
# (Re)install the clients when the venv is missing or requirements.txt changed since.
if [ ! -x "$venv/bin/pytest" ] || ! cmp -s tests/e2e/requirements.txt "$venv/requirements.txt"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r tests/e2e/requirements.txt
  cp tests/e2e/requirements.txt "$venv/requirements.txt"
fi
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
export MANTILE_LSP="$target_dir/release/mantile-lsp"
export PATH="$venv/bin:$PATH"
# Hermetic: no Hugging Face requests, no user cache.
export HF_HUB_OFFLINE=1
export HF_HOME="$repo/target/e2e-hf-home"
cd tests/e2e
exec "$venv/bin/pytest" -q -p no:cacheprovider "$@"
