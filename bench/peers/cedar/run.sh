#!/usr/bin/env bash
# Concordat and Cedar side by side on the same generated registry and requests.
#   bench/peers/cedar/run.sh [PROTOCOLS] [REQUESTS]
# Needs: a release build (make build-release) and Node.js with npm; installs the pinned
# cedar-wasm from package-lock.json (npm ci), nothing else.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
protocols="${1:-1000}"
requests="${2:-2000}"
work="$root/build/cedar-peer"
bin="$root/build/release"
[ -x "$bin/bench/export_cedar" ] || { echo "run 'make build-release' first" >&2; exit 2; }
rm -rf "$work" && mkdir -p "$work/registry" "$work/out"
(cd "$here" && npm ci --silent --no-audit --no-fund >/dev/null)
"$bin/concordat" gen-registry --protocols "$protocols" --partners 20 --categories 30 --seed 2026 "$work/registry" >/dev/null
"$bin/concordat" gen-requests --registry "$work/registry" --count "$requests" --seed 11 > "$work/requests.jsonl"
concordat_json="$("$bin/bench/export_cedar" "$work/registry" "$work/requests.jsonl" "$work/out")"
cedar_json="$(cd "$here" && node run.mjs "$work/out")"
echo "concordat: $concordat_json"
echo "cedar:     $cedar_json"
node -e '
const c = JSON.parse(process.argv[1]), k = JSON.parse(process.argv[2]);
const ratio = c.concordat_decisions_per_second / k.cedar_decisions_per_second;
console.log(`same decision on ${k.agree} of ${k.requests} requests (${k.permits} permits); ` +
            `Concordat ${Math.round(c.concordat_decisions_per_second)}/s, Cedar ${Math.round(k.cedar_decisions_per_second)}/s, ` +
            `ratio ${ratio.toFixed(1)}x`);
' "$concordat_json" "$cedar_json"
