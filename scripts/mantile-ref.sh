#!/usr/bin/env bash
# Prints the path of the real Mantile corpus the reference tests run on
# (crates/mantile-lsp/tests/{reference,hub}.rs, crates/mantile-spec/tests/reference_specs.rs):
#   1. $MANTILE_REF, a Mantile checkout, when set (an error if it is not one);
#   2. ../shared/mantile-ref beside this checkout;
#   3. the public repository at the commit pinned in scripts/mantile-ref.pin, in the cache
#      ($MANTILE_REF_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/mantile-lsp/mantile-COMMIT),
#      fetched there first when absent (git, shallow, that one commit; $MANTILE_REF_URL overrides
#      the repository URL, e.g. a local mirror).
# The tests look in the same three places; export MANTILE_REF="$(scripts/mantile-ref.sh)" to be
# explicit. Exits 1 with the reason (and what to do) when no corpus can be had.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
read -r slug commit < "$repo/scripts/mantile-ref.pin"
is_corpus() { [ -d "$1/backend/data/model_configs" ] && [ -d "$1/tests" ]; }
say() { echo "mantile-ref: $*" >&2; }

if [ -n "${MANTILE_REF:-}" ]; then
  if is_corpus "$MANTILE_REF"; then cd "$MANTILE_REF" && pwd; exit 0; fi
  say "MANTILE_REF=$MANTILE_REF is not a Mantile checkout (no backend/data/model_configs and tests/ in it)"
  exit 1
fi
if is_corpus "$repo/../shared/mantile-ref"; then
  cd "$repo/../shared/mantile-ref" && pwd
  exit 0
fi
cache="${MANTILE_REF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mantile-lsp}"
dest="$cache/mantile-$commit"
if is_corpus "$dest"; then echo "$dest"; exit 0; fi

url="${MANTILE_REF_URL:-https://github.com/$slug.git}"
say "no ../shared/mantile-ref beside $repo; fetching $slug at $commit into $dest"
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log="$tmp.log"
if ! { git -C "$tmp" init -q &&
       timeout "${MANTILE_REF_TIMEOUT:-120}" git -C "$tmp" fetch -q --depth 1 "$url" "$commit" &&
       git -C "$tmp" -c advice.detachedHead=false checkout -q FETCH_HEAD; } > "$log" 2>&1; then
  say "cannot fetch $url at $commit:"
  sed 's/^/  /' "$log" >&2
  rm -f "$log"
  say "the network may be closed here. Point MANTILE_REF at a Mantile checkout at that commit"
  say "(git clone $url && git -C mantile checkout $commit), or put one at ../shared/mantile-ref."
  exit 1
fi
rm -f "$log"
got=$(git -C "$tmp" rev-parse HEAD)
if [ "$got" != "$commit" ]; then
  say "fetched $got, expected the pinned $commit"
  exit 1
fi
rm -rf "$tmp/.git"
is_corpus "$tmp" || { say "$url at $commit holds no backend/data/model_configs and tests/"; exit 1; }
mv "$tmp" "$dest"
trap - EXIT
echo "$dest"
