#!/usr/bin/env bash
# concordatd under load, beside nginx. Starts both on loopback with TLS (the same self-signed
# certificate), drives each with the same wrk settings (keep-alive), and prints requests per
# second, p99 latency, the ratio to nginx serving a small static response, the server's CPU
# time per request (its user and system time over the run, divided by the requests), the part
# of it spent in the kernel, and wrk's own CPU time per request (wrk shares the cores).
# The last column is the serving processes' context switches per request (every thread,
# voluntary and not): how often a thread sleeps and is woken again.
#   bench/server_bench.sh [seconds=10] [connections=32]
# ONLY=decide, ONLY=lookup or ONLY=health runs one of them (health: GET /healthz, the same
# HTTPS stack with no application work, to tell the stack's cost from the audited work's);
# ONLY=protocols runs the public protocol listing (GET /v1/protocols without a token, with
# each protocol's lint counts), which the default run leaves out; BIN=DIR takes concordat
# and concordatd from DIR instead of build/release (to compare two builds);
# ROUNDS (3) rounds after WARMUP (5) seconds of each target unreported; PERF="perf record -g
# -o FILE" profiles the server. SUBJECTS=N
# (default 1) adds N synthetic people to the demo Mosaic and has each look-up ask about one
# of them at random, as real look-ups about many people would (the disclosures' subject index
# then grows at random places, not at one hot page).
# STORE=postgres keeps the audit log and disclosures in a PostgreSQL server the script starts
# (the multi-node store) instead of SQLite.
# Needs the release build (make build-release), nginx and wrk (scripts/install-deps.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
secs=${1:-10}
conns=${2:-32}
threads=2
bin="${BIN:-$root/build/release}"
dir=$(mktemp -d /tmp/concordat-serverbench.XXXXXX)
p1=$((20000 + $$ % 20000)); p2=$((p1 + 1))
as_pg=""; [ "$(id -u)" = 0 ] && as_pg="runuser -u postgres --"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
cleanup() {
  [ -n "${cpid:-}" ] && kill "$cpid" 2>/dev/null && wait "$cpid" 2>/dev/null || true
  [ -f "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
  [ -d "$dir/pg/data" ] && $as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
cd "$dir"
# The store: SQLite under var/ (the default), or STORE=postgres: a PostgreSQL server started
# here (Debian's, default settings: fsync and synchronous_commit on), on a socket in $dir/pg.
store_url="sqlite:$dir/var/concordat.db"
if [ "${STORE:-sqlite}" = postgres ]; then
  mkdir -p pg && chmod 711 "$dir" && { [ -z "$as_pg" ] || chown postgres pg; }
  pgport=$((p1 + 2))
  $as_pg "$pgbin/initdb" -D "$dir/pg/data" -A trust -U postgres >pg/initdb.log 2>&1
  $as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w \
    -o "-p $pgport -k $dir/pg -c listen_addresses=''" start >/dev/null
  "$pgbin/psql" -q -h "$dir/pg" -p "$pgport" -U postgres -d postgres -c 'CREATE DATABASE concordat'
  store_url="postgresql:///concordat?host=$dir/pg&port=$pgport&user=postgres"
fi
# shellcheck source=bench/server/demo_server.sh
. "$root/bench/server/demo_server.sh"
demo_server_setup "$root" "$bin" "$store_url" "$p1"
export SUBJECTS=${SUBJECTS:-1}
if [ "$SUBJECTS" -gt 1 ]; then
  sqlite3 mosaic.db "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $SUBJECTS)
    INSERT INTO cases (ref, full_name, address, date_of_birth, case_status, allocated_worker)
    SELECT printf('MOS-S%07d', i), printf('Synthetic Person %d', i), printf('%d Bench Road, Chelmsford', i),
           '2012-01-01', 'open', 'Sam Worker' FROM n;" >/dev/null
fi
${PERF:-} "$bin/concordatd" --config concordatd.yaml 2>concordatd.log &
cpid=$!
demo_server_wait "$p1"

mkdir -p nginx/tmp
cat > nginx/nginx.conf <<NGINX
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/nginx/tmp; proxy_temp_path $dir/nginx/tmp;
  fastcgi_temp_path $dir/nginx/tmp; uwsgi_temp_path $dir/nginx/tmp; scgi_temp_path $dir/nginx/tmp;
  server {
    listen 127.0.0.1:$p2 ssl;
    ssl_certificate $dir/var/tls/server.crt;
    ssl_certificate_key $dir/var/tls/server.key;
    keepalive_requests 1000000;
    location / { default_type application/json; return 200 '{"status":"ok"}'; }
  }
}
NGINX
nginx -c "$dir/nginx/nginx.conf" -p "$dir/nginx"
sleep 0.5

# CPU time (clock ticks) of the processes serving a target: concordatd itself (not perf, when
# PERF wraps it), or nginx's workers. It gives the server's CPU per request, which moves less
# between runs on this VM than the rate does, and the part of it spent in the kernel (TCP,
# file writes, wake-ups). wrk's own CPU per request is reported too: wrk runs on the same
# cores, so the server's budget at a given rate is what the cores have left after wrk.
server_pid=$(pgrep -P "$cpid" -f "concordatd --config" || echo "$cpid")
ticks() {  # pid... -> "user system"
  local u=0 k=0 p line
  for p in "$@"; do
    line=$(awk '{print $14, $15}' "/proc/$p/stat" 2>/dev/null || echo "0 0")
    u=$((u + ${line% *})); k=$((k + ${line#* }))
  done
  echo "$u $k"
}
switches() {  # pid... -> context switches (voluntary and not) of every thread of them
  local n=0 p f
  for p in "$@"; do
    for f in /proc/"$p"/task/*/status; do
      n=$((n + $(awk '/ctxt_switches/ {s += $2} END {print s + 0}' "$f" 2>/dev/null || echo 0)))
    done
  done
  echo "$n"
}
hz=$(getconf CLK_TCK)
per_request() {  # ticks requests -> microseconds of CPU per request
  awk -v t="$1" -v hz="$hz" -v n="$2" 'BEGIN { if (n > 0) printf "%.1f", t / hz * 1e6 / n; else print "-" }'
}
run() {  # name url [script]
  local out pids before after
  if [[ "$2" == *":$p2/"* ]]; then pids=$(pgrep -P "$(cat "$dir/nginx.pid")"); else pids=$server_pid; fi
  before=($(ticks $pids)); local sw_before; sw_before=$(switches $pids)
  # wrk runs in a subshell of its own, so that `times` there (its children's user and system
  # time, as 0m1.234s 0m2.345s) counts wrk alone.
  out=$(wrk -t$threads -c$conns -d${secs}s --latency ${3:+-s "$3"} "$2"
    times >"$dir/times"; echo "client $(tail -1 "$dir/times")")
  after=($(ticks $pids)); local sw_after; sw_after=$(switches $pids)
  local rps p99 requests
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  local errs cpu sys client
  errs=$(echo "$out" | awk '/Non-2xx/ {print $4}')
  cpu=$(per_request $((after[0] + after[1] - before[0] - before[1])) "$requests")
  sys=$(per_request $((after[1] - before[1])) "$requests")
  client=$(echo "$out" | awk -v n="$requests" '$1 == "client" {
    split($2, a, "m"); split($3, b, "m"); s = a[1] * 60 + a[2] + b[1] * 60 + b[2]
    if (n > 0) printf "%.1f", s * 1e6 / n; else print "-" }')
  local sw
  sw=$(awk -v d=$((sw_after - sw_before)) -v n="$requests" 'BEGIN { if (n > 0) printf "%.2f", d / n; else print "-" }')
  echo "$1|$rps|$p99|${errs:-0}|$cpu|$sys|${client:--}|$sw"
}
q="protocol=demo-safeguarding-requests&purpose=child-protection&justification=strategy+meeting&audit_reference=AR-77&subject=MOS-100001"
nginx_url="https://127.0.0.1:$p2/"
decide_url="https://127.0.0.1:$p1/v1/decide"
lookup_url="https://127.0.0.1:$p1/v1/lookup/essex-cc/cf-case-status?$q"
health_url="https://127.0.0.1:$p1/healthz"
protocols_url="https://127.0.0.1:$p1/v1/protocols"
decide_lua="$root/bench/server/decide.lua"
lookup_lua="$root/bench/server/lookup.lua"
want() { [ -z "${ONLY:-}" ] || [ "$ONLY" = "$1" ]; }
only() { [ "${ONLY:-}" = "$1" ]; }

# Warm-up, not reported: the store's page cache fills and the log's first tiles are written,
# as on a server that has been running for a while.
warm=${WARMUP:-5}
if [ "$warm" -gt 0 ]; then
  wrk -t$threads -c$conns -d${warm}s "$nginx_url" >/dev/null
  want decide && wrk -t$threads -c$conns -d${warm}s -s "$decide_lua" "$decide_url" >/dev/null
  want lookup && wrk -t$threads -c$conns -d${warm}s -s "$lookup_lua" "$lookup_url" >/dev/null
fi

# Rounds of nginx, decide, look-up, one after another: this machine's speed drifts, so each
# ratio is taken against the nginx run just before it, and the median round is reported.
rounds=${ROUNDS:-3}
echo "wrk -t$threads -c$conns -d${secs}s --latency (keep-alive), $(nproc) cores, ${warm}s warm-up each, $rounds rounds, store ${STORE:-sqlite}"
printf '%-6s %-58s %12s %10s %8s %10s %10s %10s %10s %10s\n' "round" "target" "requests/s" "p99" "non-2xx" "vs nginx" \
  "CPU us/req" "in kernel" "wrk us/req" "switches"
decide_ratios=(); lookup_ratios=(); health_ratios=(); protocols_ratios=()
for r in $(seq "$rounds"); do
  nginx_line=$(run "nginx, static 15-byte JSON" "$nginx_url")
  decide_line="skipped|0|-|0|-|-|-|-"; lookup_line="skipped|0|-|0|-|-|-|-"
  health_line="skipped|0|-|0|-|-|-|-"; protocols_line="skipped|0|-|0|-|-|-|-"
  only protocols && protocols_line=$(run "concordatd GET /v1/protocols (public, lint counts)" "$protocols_url")
  want health && health_line=$(run "concordatd GET /healthz (its HTTPS stack alone)" "$health_url")
  want decide && decide_line=$(run "concordatd POST /v1/decide (audited)" "$decide_url" "$decide_lua")
  want lookup && lookup_line=$(run "concordatd GET /v1/lookup (audited, disclosure sealed)" "$lookup_url" "$lookup_lua")
  nginx_rps=$(echo "$nginx_line" | cut -d'|' -f2)
  for line in "$nginx_line" "$health_line" "$decide_line" "$lookup_line" "$protocols_line"; do
    IFS='|' read -r name rps p99 errs cpu sys client sw <<<"$line"
    [ "$name" = skipped ] && continue
    ratio=$(awk -v a="$rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", a / b }')
    printf '%-6s %-58s %12s %10s %8s %10s %10s %10s %10s %10s\n' "$r" "$name" "$rps" "$p99" "$errs" "$ratio" \
      "$cpu" "$sys" "$client" "$sw"
    case "$name" in
      *decide*) decide_ratios+=("$ratio") ;;
      *lookup*) lookup_ratios+=("$ratio") ;;
      *healthz*) health_ratios+=("$ratio") ;;
      */v1/protocols*) protocols_ratios+=("$ratio") ;;
    esac
  done
done
median() { [ $# -gt 0 ] || { echo -; return; }; printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "-"}'; }
echo "median ratio to nginx: decide $(median "${decide_ratios[@]}"), look-up $(median "${lookup_ratios[@]}"), /healthz (the stack alone, no audit) $(median "${health_ratios[@]}")${ONLY:+, /v1/protocols $(median "${protocols_ratios[@]}")}"
entries=$("$bin/concordat" audit sth --store "$store_url" | sed -n 's/.*"tree_size":\([0-9]*\).*/\1/p')
echo "audit log entries written during the run: $entries"
