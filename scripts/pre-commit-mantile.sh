#!/usr/bin/env bash
# The pre-commit hook's entry (.pre-commit-hooks.yaml): `mantile-lsp check ARGS... FILES...`,
# with mantile-lsp from $MANTILE_LSP, else PATH, else built from this checkout (once; cargo keeps
# the build up to date). Exit status as `check`: 1 when a file has an error.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin="${MANTILE_LSP:-}"
if [ -z "$bin" ]; then
  bin=$(command -v mantile-lsp || true)
fi
if [ -z "$bin" ]; then
  if ! command -v cargo >/dev/null; then
    echo "mantile-check: mantile-lsp is not on PATH and cargo is not installed to build it;" >&2
    echo "install it with: cargo install --path crates/mantile-lsp (from a mantile-lsp checkout)" >&2
    exit 2
  fi
  echo "mantile-check: building mantile-lsp from $here (once)" >&2
  cargo build --release --locked -q -p mantile-lsp --manifest-path "$here/Cargo.toml" >&2
  bin="${CARGO_TARGET_DIR:-$here/target}/release/mantile-lsp"
fi
exec "$bin" check --color never "$@"
