#!/usr/bin/env bash
# Installs the Debian packages Concordat needs to build and test. Idempotent: packages
# already present are left alone, and nothing is downloaded from outside Debian's archive.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  clang clang-format libclang-rt-14-dev
  libyaml-cpp-dev nlohmann-json3-dev libsimdjson-dev libabsl-dev libsodium-dev libsqlite3-dev sqlite3 libpq-dev postgresql libcli11-dev libssl-dev
  libboost1.81-dev libcurl4-openssl-dev curl openssl libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev nginx-light wrk
  systemd
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
