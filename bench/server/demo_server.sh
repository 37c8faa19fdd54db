# Sourced by the server benchmarks (server_bench.sh, alloc_count.sh): what concordatd serves
# under load, made in the current folder.
#   demo_server_setup ROOT BIN STORE_URL PORT
# writes mosaic.db (the demo Mosaic), concordatd.yaml (the registry of ROOT, the Mosaic as
# essex-cc's source, listening on 127.0.0.1:PORT, log level warn, no per-user look-up limit,
# which builds before the sixteenth session do not know), initialises the store, and
# exports TOKEN, a bench user of Essex Police allowed the demo protocol's requests.
#   demo_server_wait PORT
# waits (up to 10 s) until the server started on PORT answers /healthz.
demo_server_setup() {
  local root=$1 bin=$2 store_url=$3 port=$4
  sqlite3 mosaic.db < "$root/examples/demo/mosaic-demo.sql" >/dev/null
  cat > concordatd.yaml <<YAML
store: $store_url
registry: [$root/protocols, $root/examples/demo/registry]
listen: 127.0.0.1:$port
log_level: warn
worker_threads: 32
lookups_per_user_per_hour: 0   # one user makes every look-up here: no per-user limit
connectors:
  essex-cc:
    source: sqlite:$PWD/mosaic.db
    categories:
      cf-case-status:
        query: SELECT full_name, address, date_of_birth, case_status, allocated_worker FROM cases WHERE ref = ?1
        fields: {full_name: name}
YAML
  "$bin/concordat" init --store "$store_url" >/dev/null
  TOKEN=$("$bin/concordat" user add --store "$store_url" --id u-bench \
    --org essex-police --roles public-protection-officer 2>/dev/null)
  export TOKEN
}

demo_server_wait() {
  for _ in $(seq 100); do curl -sk "https://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
}
