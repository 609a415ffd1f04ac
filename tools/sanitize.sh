#!/usr/bin/env bash
# The sanitizer build: clang with AddressSanitizer and
# UndefinedBehaviorSanitizer (and libFuzzer's coverage) into build-sanitize/. It
# runs the node and sync unit tests under the sanitizers, then a short fuzz
# run of every decoder of untrusted bytes (tests/fuzz): each target for
# CRM_FUZZ_SECONDS (default 30, seed CRM_FUZZ_SEED, default 1, so CI runs
# repeat) from the corpus in tests/fuzz/corpus. A
# crash, leak or sanitizer report fails; a fuzz input that caused one is kept
# in build-sanitize/findings/ (reproduce with build-sanitize/tests/fuzz/fuzz_<target>
# FILE). New inputs go to build-sanitize/corpus/, never into the repository's
# corpus. Then ThreadSanitizer over the concurrent code (crm_thread_sanitize).
# Sourced by tools/test.sh; runs on its own too.
set -euo pipefail

crm_sanitize() {
  local root="$1"
  local seconds="${CRM_FUZZ_SECONDS:-30}"
  local out="$root/build-sanitize"
  local jobs
  jobs="$(nproc 2>/dev/null || echo 2)"
  CC=clang CXX=clang++ cmake -S "$root" -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCRM_FUZZ=ON \
    -DCRM_WARNINGS_AS_ERRORS=OFF \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
  cmake --build "$out" --parallel "$jobs" --target node_tests sync_tests crash_writer \
    fuzz_sync_message fuzz_frontdesk_request fuzz_stored_record fuzz_audit_entry fuzz_csv_import \
    fuzz_client_import fuzz_record_import fuzz_web_request
  # The multi-process and simulation suites take too long under ASan for CI.
  echo "unit tests under ASan and UBSan"
  "$out/tests/sync_tests" -w NoTests
  "$out/tests/node_tests" -w NoTests
  mkdir -p "$out/findings"
  local target
  for target in sync_message frontdesk_request stored_record audit_entry csv_import client_import \
      record_import web_request; do
    mkdir -p "$out/corpus/$target"
    echo "fuzzing $target for ${seconds}s"
    if ! "$out/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -seed="${CRM_FUZZ_SEED:-1}" \
        -print_final_stats=1 \
        -artifact_prefix="$out/findings/$target-" \
        "$out/corpus/$target" "$root/tests/fuzz/corpus/$target" > "$out/fuzz-$target.log" 2>&1; then
      tail -n 60 "$out/fuzz-$target.log"
      echo "fuzz_$target found a failure; the input is in $out/findings/" >&2
      return 1
    fi
    grep -E "^stat::number_of_executed_units|^Done" "$out/fuzz-$target.log" || true
  done
}

# ThreadSanitizer: the node and sync unit tests (the group-commit writer, the
# prepared apply) and the transport tests (hub, uplink, ZAP threads over real
# sockets), in build-tsan/. Any report fails. Being a clang build, it also
# checks the lock discipline (-Werror=thread-safety, see the top
# CMakeLists.txt) of everything: every program is built, not only the tests.
crm_thread_sanitize() {
  local root="$1"
  local out="$root/build-tsan"
  local jobs
  jobs="$(nproc 2>/dev/null || echo 2)"
  CC=clang CXX=clang++ cmake -S "$root" -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCRM_WARNINGS_AS_ERRORS=OFF -DCMAKE_CXX_FLAGS="-fsanitize=thread"
  cmake --build "$out" --parallel "$jobs" --target node_tests sync_tests sim_tests crash_writer \
    crm-node crm-hq crm-admin crm-bench pos
  echo "unit and transport tests under ThreadSanitizer"
  export TSAN_OPTIONS="suppressions=$root/tests/tsan-suppressions.txt second_deadlock_stack=1"
  "$out/tests/sync_tests" -w NoTests
  "$out/tests/node_tests" -w NoTests
  "$out/tests/sim_tests" -w NoTests "[transport]"
  unset TSAN_OPTIONS
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  source "$root/tools/deps.sh"
  crm_install_missing
  crm_sanitize "$root"
  crm_thread_sanitize "$root"
fi
