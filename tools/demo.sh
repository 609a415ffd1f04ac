#!/usr/bin/env bash
# The main job: installs what is missing (Debian 12), builds, and runs a
# morning at an office's front desk with crm-node and pos (tools/demo_session.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/tools/deps.sh"
source "$root/tools/build.sh"

crm_install_missing
crm_build "$root"
exec "$root/tools/demo_session.sh" "$root/build"
