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
sqlite3 mosaic.db < $root/examples/demo/mosaic-demo.sql >/dev/null
cat > c.yaml <<YAML
store: sqlite:$dir/var/concordat.db
registry: [$root/protocols, $root/examples/demo/registry]
listen: 127.0.0.1:$p
log_level: warn
connectors:
  essex-cc:
    source: sqlite:$dir/mosaic.db
    categories:
      cf-case-status:
        query: SELECT full_name, address, date_of_birth, case_status, allocated_worker FROM cases WHERE ref = ?1
        fields: {full_name: name}
YAML
$bin/concordat init --store sqlite:$dir/var/concordat.db >/dev/null
export TOKEN=$($bin/concordat user add --store sqlite:$dir/var/concordat.db --id u-b --org essex-police --roles public-protection-officer 2>/dev/null)
MALLOC_CONF=tcache:false,stats_print:true,stats_print_opts:J $bin/concordatd --config c.yaml 2>err.log &
pid=$!
for _ in $(seq 100); do curl -sk https://127.0.0.1:$p/healthz >/dev/null 2>&1 && break; sleep 0.1; done
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
