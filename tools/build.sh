#!/usr/bin/env bash
# Configures and builds the project into build/ (Release with debug info).
# Sourced by tools/demo.sh and tools/test.sh.
set -euo pipefail

crm_build() {
  local root="$1"
  local jobs
  jobs="$(nproc 2>/dev/null || echo 2)"
  cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build "$root/build" --parallel "$jobs"
}
