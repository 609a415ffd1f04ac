#!/usr/bin/env bash
# The whole test suite: installs what is missing (Debian 12), builds, and runs
# every test through CTest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/tools/deps.sh"
source "$root/tools/build.sh"

crm_install_missing
crm_build "$root"
jobs="$(nproc 2>/dev/null || echo 2)"
ctest --test-dir "$root/build" --output-on-failure --parallel "$jobs" --timeout 600
