#!/usr/bin/env bash
# The audit benchmarks on PostgreSQL: starts a private server (Debian's postgresql, as the
# postgres user when run as root), points audit_bench at it, stops it afterwards.
#   bench/audit_pg.sh [benchmark filter]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/concordat-pgbench.XXXXXX)
port=$((30000 + $$ % 20000))
as=""
if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; as="runuser -u postgres --"; fi
$as "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
$as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "-p $port -k $dir -c listen_addresses=''" start >/dev/null
trap '$as "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null; rm -rf "$dir"' EXIT
CONCORDAT_BENCH_DIR="$dir" CONCORDAT_BENCH_PG="postgresql:///postgres?host=$dir&port=$port&user=postgres" \
  "$root/build/release/bench/audit_bench" --benchmark_filter="${1:-.}"
