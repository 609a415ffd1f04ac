#!/usr/bin/env bash
# Installs the Debian 12 packages the project builds and runs with, and only those
# that are missing. Sourced by tools/demo.sh and tools/test.sh; safe to run again.
set -euo pipefail

crm_packages=(
  build-essential cmake pkg-config
  liblmdb-dev lmdb-utils
  libzmq3-dev cppzmq-dev
  capnproto libcapnp-dev
  libssl-dev
  catch2
  libcli11-dev libfmt-dev libspdlog-dev
  libphonenumber-dev libprotobuf-dev libicu-dev
  libzstd-dev libxxhash-dev nlohmann-json3-dev
  libsqlite3-dev sqlite3
  libmicrohttpd-dev libcpp-httplib-dev
  libsodium-dev
  libgoogle-perftools-dev
  clang libclang-rt-14-dev
  universal-ctags
)

crm_install_missing() {
  local missing=()
  for pkg in "${crm_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "Installing missing packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  crm_install_missing
fi
