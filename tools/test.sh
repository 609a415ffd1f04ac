#!/usr/bin/env bash
# The whole test suite: installs what is missing (Debian 12), builds, runs
# every test through CTest, then the sanitizer builds (tools/sanitize.sh): the
# unit tests under ASan and UBSan, a short fuzz run of the decoders
# (CRM_FUZZ_SECONDS per target, 30 by default), and the unit and transport
# tests under ThreadSanitizer.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/tools/deps.sh"
source "$root/tools/build.sh"
source "$root/tools/sanitize.sh"

# The browser tests drive headless Chromium through ChromeDriver; DejaVu
# covers the Latin, Cyrillic and Arabic script their pages and screenshots show.
crm_packages+=(chromium chromium-driver fonts-dejavu-core)
crm_install_missing
crm_build "$root"
jobs="$(nproc 2>/dev/null || echo 2)"
ctest --test-dir "$root/build" --output-on-failure --parallel "$jobs" --timeout 600
crm_sanitize "$root"
crm_thread_sanitize "$root"
