#!/usr/bin/env bash
# Runs the README's walk-throughs as written, so they cannot drift from the
# programs: every ```sh block of README.md, in order, in one bash (set -euo
# pipefail), from the repository's root with the build's programs first on
# PATH and a HOME of its own. A block right after a line
# `<!-- walkthrough: not run: WHY -->` is left out (the two set-up commands,
# which are what runs this). Background servers the blocks start are stopped
# at the end, whatever happened.
#
# usage: run_walkthroughs.sh REPO BUILD_DIR
set -euo pipefail
repo="$(cd "${1:?usage: run_walkthroughs.sh REPO BUILD_DIR}" && pwd)"
build="$(cd "${2:?usage: run_walkthroughs.sh REPO BUILD_DIR}" && pwd)"
work="$(mktemp -d)"
script="$work/walkthroughs.sh"

# The blocks, each line tagged with its README line for the trace.
awk '
  /^<!-- walkthrough: not run/ { skip_next = 1; next }
  /^```sh[[:space:]]*$/ { in_block = 1; skipping = skip_next; skip_next = 0
                          if (!skipping) printf "\n# README.md line %d\n", NR; next }
  /^```/ && in_block { in_block = 0; next }
  in_block && !skipping { print }
  !in_block && NF { skip_next = skip_next && /^<!--/ }
' "$repo/README.md" >"$script"
blocks="$(grep -c '^# README.md line' "$script" || true)"
if [ "$blocks" -eq 0 ]; then
  echo "no \`\`\`sh blocks found in $repo/README.md" >&2
  exit 1
fi
echo "running $blocks blocks of README.md ($(grep -vc '^\(#\|$\)' "$script") lines) in $work"

# Every process the blocks start is in this session; all of it goes at the end.
cleanup() {
  local status=$?
  if [ -n "${runner:-}" ]; then
    kill -TERM -- "-$runner" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$runner" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$runner" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ]; then
    echo "--- the walk-through script ($script):" >&2
    cat -n "$script" >&2
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT

mkdir -p "$work/home"
export HOME="$work/home"
export PATH="$build/node:$build/hq:$build/pos-client:$build/tools:$PATH"
export CI="${CI:-}"
cd "$repo"
# The trace names each command as it runs; an error stops at once.
setsid bash -c 'PS4="+ "; set -x; set -euo pipefail; source "$1"' walkthroughs "$script" \
  </dev/null &
runner=$!
wait "$runner"
