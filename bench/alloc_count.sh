#!/usr/bin/env bash
# Allocations per request: concordatd under load (wrk -t2 -c64) with jemalloc's thread caches
# off, so that its totals count every allocation; the total at exit divided by the requests
# answered. bench/alloc_count.sh decide|lookup|health [seconds=3]; BIN=DIR for another build.
# Needs the release build (make build-release), wrk and python3.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"; bin=${BIN:-$root/build/release}
what=${1:?decide, lookup or health}; secs=${2:-3}
dir=$(mktemp -d /tmp/concordat-alloc.XXXXXX); trap 'kill ${pid:-} 2>/dev/null || true; rm -rf "$dir"' EXIT; cd "$dir"
p=$((30000 + RANDOM % 10000))
# shellcheck source=bench/server/demo_server.sh
. "$root/bench/server/demo_server.sh"
demo_server_setup "$root" "$bin" "sqlite:$dir/var/concordat.db" "$p"
MALLOC_CONF=tcache:false,stats_print:true,stats_print_opts:J "$bin/concordatd" --config concordatd.yaml 2>err.log &
pid=$!
demo_server_wait "$p"
q="protocol=demo-safeguarding-requests&purpose=child-protection&justification=strategy+meeting&audit_reference=AR-77&subject=MOS-100001"
case $what in
  decide) out=$(wrk -t2 -c64 -d${secs}s -s $root/bench/server/decide.lua https://127.0.0.1:$p/v1/decide);;
  lookup) out=$(wrk -t2 -c64 -d${secs}s -s $root/bench/server/lookup.lua "https://127.0.0.1:$p/v1/lookup/essex-cc/cf-case-status?$q");;
  health) out=$(wrk -t2 -c64 -d${secs}s https://127.0.0.1:$p/healthz);;
esac
n=$(echo "$out" | awk '/requests in/ {print $1}')
kill $pid; wait $pid || true
python3 - "$n" <<PY
import json,sys
n=int(sys.argv[1])
txt=open('$dir/err.log').read()
j=json.loads(txt[txt.index('{"jemalloc"'):])
m=j['jemalloc']['stats.arenas']['merged']
small=m['small']['nmalloc']; large=m['large']['nmalloc']
print(f"$what: {n} requests, {small+large} allocations, {(small+large)/n:.1f} per request")
PY
