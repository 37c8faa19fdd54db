#!/usr/bin/env bash
# The main job (make run): concordatd on the embedded default (SQLite under var/, the example
# registry in protocols/), with demo users, a demo "ECC-issued laptop" client certificate and
# a synthetic stand-in for Mosaic, then prints curl lines for a permitted and a denied look-up.
# Everything it makes lives under var/ and is kept between runs; rm -rf var/ starts afresh.
# The demo users' tokens are kept in var/demo/tokens (mode 0600) so they can be shown again;
# real tokens are shown once by `concordat user add` and never stored.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-build/release}
port=${PORT:-8443}
umask 077
mkdir -p var/demo

if [ ! -f var/concordat.db ]; then
  "$bin/concordat" init --store sqlite:var/concordat.db >/dev/null
fi
if [ ! -f var/demo/mosaic.db ]; then
  sqlite3 var/demo/mosaic.db < examples/demo/mosaic-demo.sql >/dev/null
fi
if [ ! -f var/demo/laptop.crt ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
    -keyout var/demo/laptop.key -out var/demo/laptop.crt -subj "/CN=ECC issued laptop (demo)" 2>/dev/null
fi
pin=$(openssl x509 -in var/demo/laptop.crt -noout -fingerprint -sha256 | cut -d= -f2)

cat > var/concordatd.yaml <<YAML
# Written by scripts/run-demo.sh; every key is described in docs/configuration.md.
store: sqlite:var/concordat.db
registry: [protocols, examples/demo/registry]   # the seeds, and a demo protocol with complete signatures
listen: 127.0.0.1:${port}
sites:
  essex-police-hq: [127.0.0.2/32]   # connect from 127.0.0.2 to be "at HQ"
  ecc-cf-hub: [127.0.0.3/32]
devices:
  ecc-issued-laptop: ["sha256:${pin}"]   # var/demo/laptop.crt
connectors:
  essex-cc:
    source: sqlite:var/demo/mosaic.db
    categories:
      cf-case-status:
        query: SELECT full_name, address, date_of_birth, contact_number, case_status, allocated_worker, allocated_worker_contact, manager, ethnicity FROM cases WHERE ref = ?1
        fields: {full_name: name}
log_level: info
YAML

if [ ! -f var/demo/tokens ]; then
  officer=$("$bin/concordat" user add --store sqlite:var/concordat.db --id u-4411 --org essex-police \
    --roles intelligence-support-officer --name "Demo Intelligence Support Officer" 2>/dev/null)
  social=$("$bin/concordat" user add --store sqlite:var/concordat.db --id u-7001 --org essex-cc \
    --roles social-worker --name "Demo Social Worker" 2>/dev/null)
  printf 'OFFICER=%s\nSOCIAL_WORKER=%s\n' "$officer" "$social" > var/demo/tokens
fi
# shellcheck disable=SC1091
. var/demo/tokens
# The IT team's monitoring user (added to demos made before it existed, too).
if [ -z "${OPERATOR:-}" ]; then
  if OPERATOR=$("$bin/concordat" user add --store sqlite:var/concordat.db --id u-ops --org essex-cc \
      --roles operator --name "Demo monitoring (Prometheus)" 2>/dev/null); then
    printf 'OPERATOR=%s\n' "$OPERATOR" >> var/demo/tokens
  else
    OPERATOR="(u-ops exists, but its token is not in var/demo/tokens: rm -rf var/ for a fresh demo)"
  fi
fi

url="https://127.0.0.1:${port}"
q="protocol=essex-police-mosaic&purpose=online-child-sexual-abuse&justification=POLIT+referral+77&audit_reference=AR-2024-0091"
cat <<TEXT

== Concordat demo ==================================================================
concordatd serves ${url} (the store is var/concordat.db; stop it with Ctrl-C).
Demo users (tokens also in var/demo/tokens):
  u-4411  Essex Police, intelligence-support-officer   OFFICER=${OFFICER}
  u-7001  Essex County Council, social-worker          SOCIAL_WORKER=${SOCIAL_WORKER}
  u-ops   Essex County Council IT, operator (metrics)  OPERATOR=${OPERATOR}
In another terminal, from this directory:

  . var/demo/tokens

  # Permitted: at Essex Police HQ (source address 127.0.0.2) on the ECC-issued laptop
  curl --cacert var/tls/server.crt --interface 127.0.0.2 --cert var/demo/laptop.crt --key var/demo/laptop.key \\
       -H "Authorization: Bearer \$OFFICER" "${url}/v1/lookup/essex-cc/cf-case-status?subject=MOS-100001&${q}"

  # Denied, LOCATION_NOT_ALLOWED: the same look-up from another address (not a site)
  curl --cacert var/tls/server.crt --cert var/demo/laptop.crt --key var/demo/laptop.key \\
       -H "Authorization: Bearer \$OFFICER" "${url}/v1/lookup/essex-cc/cf-case-status?subject=MOS-100001&${q}"

  # Denied, DEVICE_NOT_ALLOWED: at HQ without the laptop's certificate
  curl --cacert var/tls/server.crt --interface 127.0.0.2 \\
       -H "Authorization: Bearer \$OFFICER" "${url}/v1/lookup/essex-cc/cf-case-status?subject=MOS-100001&${q}"

  # Why: the site and device the server takes you to be (drop --interface or --cert to compare)
  curl --cacert var/tls/server.crt --interface 127.0.0.2 --cert var/demo/laptop.crt --key var/demo/laptop.key \\
       -H "Authorization: Bearer \$OFFICER" ${url}/v1/me

  # Request and response (the demo protocol): Essex Police asks, Essex County Council answers
  curl --cacert var/tls/server.crt -H "Authorization: Bearer \$OFFICER" -H "Content-Type: application/json" \\
       -d '{"provider":"essex-cc","data":["cf-case-status"],"purpose":"child-protection","subject":"MOS-100003","justification":"strategy meeting","audit_reference":"AR-77"}' ${url}/v1/requests
  curl --cacert var/tls/server.crt -H "Authorization: Bearer \$SOCIAL_WORKER" "${url}/v1/requests?direction=received&status=open"
  curl --cacert var/tls/server.crt -H "Authorization: Bearer \$SOCIAL_WORKER" -H "Content-Type: application/json" \\
       -d '{"fields":{"name":"Casey Fiction","case_status":"open"}}' ${url}/v1/requests/ID/answer
  curl --cacert var/tls/server.crt -H "Authorization: Bearer \$OFFICER" ${url}/v1/requests/ID

  # What each side sees of the disclosure, and the signed audit log
  curl --cacert var/tls/server.crt -H "Authorization: Bearer \$SOCIAL_WORKER" ${url}/v1/disclosures
  curl --cacert var/tls/server.crt -H "Authorization: Bearer \$OFFICER" ${url}/v1/audit/sth
  build/release/concordat audit verify --store sqlite:var/concordat.db

  # Published protocols need no token, nor do their lint findings (the seed's unsigned
  # partners, unfilled legal bases): the server also logs those with errors at start
  curl --cacert var/tls/server.crt ${url}/v1/protocols
  curl --cacert var/tls/server.crt ${url}/v1/protocols/basildon-csp/findings

  # The IT team's monitoring (Prometheus text format); every answer's X-Request-Id is in its
  # log line, with the audit entry it recorded
  curl --cacert var/tls/server.crt -H "Authorization: Bearer \$OPERATOR" ${url}/metrics
=====================================================================================

TEXT
exec "$bin/concordatd" --config var/concordatd.yaml
