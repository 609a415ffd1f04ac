#!/usr/bin/env bash
# The main job: installs what is missing (Debian 12), builds, and runs the
# front-desk demo of one office against a real store.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/tools/deps.sh"
source "$root/tools/build.sh"

crm_install_missing
crm_build "$root"
exec "$root/build/tools/crm-demo" --data "$root/build/demo-data"
