#!/usr/bin/env bash
# Builds the VS Code extension's release packages into target/vsix-packages/ (or $VSIX_OUT):
#   mantile-linux-x64-VERSION.vsix    with a static (musl) x86_64 mantile-lsp inside
#   mantile-linux-arm64-VERSION.vsix  with a static (musl) aarch64 mantile-lsp, cross-compiled
#   mantile-VERSION.vsix              universal: no binary, runs mantile-lsp from PATH
# Usage: scripts/package-vsix.sh [universal] [linux-x64] [linux-arm64]   (default: all three)
#
# Why musl: a static binary runs on every Linux a VS Code server runs on (glibc 2.28 and newer,
# and Alpine), where a glibc build from this Debian 12 machine would need glibc 2.34+. The
# aarch64 build links with Debian's gcc-aarch64-linux-gnu against Rust's self-contained musl.
# Each binary is smoke-tested before it is packaged (natively, or with qemu-user for aarch64):
# --version, `check --offline` on the example workspace (exit 1, its deliberate defects), and
# `serve` answering initialize and exiting after shutdown.
# Needs (installed when missing, as root): rustup targets x86_64/aarch64-unknown-linux-musl;
# Debian musl-tools, gcc-aarch64-linux-gnu, binutils-aarch64-linux-gnu, qemu-user; npm ci in
# editors/vscode. Binaries go to $CARGO_TARGET_DIR (or target)/<triple>/release.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(universal linux-x64 linux-arm64)
out="${VSIX_OUT:-$repo/target/vsix-packages}"
build_dir="${CARGO_TARGET_DIR:-$repo/target}"
mkdir -p "$out"
say() { echo "[package-vsix] $*"; }

apt_need=()
rust_need=()
for t in "${targets[@]}"; do
  case "$t" in
    universal) ;;
    linux-x64)
      command -v musl-gcc >/dev/null || apt_need+=(musl-tools)
      rust_need+=(x86_64-unknown-linux-musl) ;;
    linux-arm64)
      command -v aarch64-linux-gnu-gcc >/dev/null || apt_need+=(gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu)
      command -v qemu-aarch64 >/dev/null || apt_need+=(qemu-user)
      rust_need+=(aarch64-unknown-linux-musl) ;;
    *) echo "unknown target $t (universal, linux-x64, linux-arm64)" >&2; exit 2 ;;
  esac
done
if [ ${#apt_need[@]} -gt 0 ]; then
  say "apt-get install ${apt_need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_need[@]}" >/dev/null
fi
for r in "${rust_need[@]}"; do
  rustup target list --installed | grep -qx "$r" || { say "rustup target add $r"; rustup target add "$r"; }
done
[ -x editors/vscode/node_modules/.bin/vsce ] || (cd editors/vscode && npm ci --no-audit --no-fund)

smoke() { # BINARY [RUNNER...]: the binary answers --version and checks the example workspace
  local bin=$1; shift
  local v
  v=$("$@" "$bin" --version)
  [[ "$v" == "mantile-lsp "* ]] || { echo "$bin --version printed: $v" >&2; exit 1; }
  set +e
  HF_HUB_OFFLINE=1 "$@" "$bin" check --offline examples/workspace > "$build_dir/smoke.txt"
  local status=$?
  set -e
  if [ $status -ne 1 ] || ! grep -q "MC060" "$build_dir/smoke.txt"; then
    echo "$bin check on the example workspace: exit $status" >&2; cat "$build_dir/smoke.txt" >&2; exit 1
  fi
  # The language server answers initialize, then shuts down and exits 0 (one request at a time).
  python3 - "$@" "$bin" serve <<'PY' || { echo "$bin serve: no clean LSP session" >&2; exit 1; }
import json, subprocess, sys
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
def send(msg):
    body = json.dumps(msg).encode()
    p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    p.stdin.flush()
def answer(id):
    while True:
        length = 0
        while (line := p.stdout.readline().strip()):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        msg = json.loads(p.stdout.read(length))
        if msg.get("id") == id:
            return msg
send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": None}})
assert "capabilities" in answer(1)["result"]
send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
assert answer(2)["result"] is None
send({"jsonrpc": "2.0", "method": "exit"})
sys.exit(p.wait(timeout=30))
PY
  say "smoke test: $v / $(tail -n 1 "$build_dir/smoke.txt") / serve answered initialize and shut down"
}

version=$(node -p "require('./editors/vscode/package.json').version")
for t in "${targets[@]}"; do
  case "$t" in
    universal)
      (cd editors/vscode && node scripts/package.mjs --target universal --out "$out/mantile-$version.vsix") ;;
    linux-x64)
      say "building mantile-lsp for x86_64-unknown-linux-musl"
      CARGO_TARGET_DIR="$build_dir" cargo build --release -q --locked -p mantile-lsp --target x86_64-unknown-linux-musl
      bin="$build_dir/x86_64-unknown-linux-musl/release/mantile-lsp"
      smoke "$bin"
      (cd editors/vscode && node scripts/package.mjs --target linux-x64 --binary "$bin" --out "$out/mantile-linux-x64-$version.vsix") ;;
    linux-arm64)
      say "building mantile-lsp for aarch64-unknown-linux-musl (cross)"
      CARGO_TARGET_DIR="$build_dir" CC_aarch64_unknown_linux_musl=aarch64-linux-gnu-gcc \
        AR_aarch64_unknown_linux_musl=aarch64-linux-gnu-ar \
        CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=aarch64-linux-gnu-gcc \
        cargo build --release -q --locked -p mantile-lsp --target aarch64-unknown-linux-musl
      bin="$build_dir/aarch64-unknown-linux-musl/release/mantile-lsp"
      smoke "$bin" qemu-aarch64
      (cd editors/vscode && node scripts/package.mjs --target linux-arm64 --binary "$bin" --out "$out/mantile-linux-arm64-$version.vsix") ;;
  esac
done
ls -l "$out"
