#!/usr/bin/env bash
# Checks the rooms of the code (docs/architecture.md), run by CTest as
# `layout`:
#   - no #include reaches up a floor or sideways into a room it may not use;
#   - no source file is over 900 lines and no function over 150 lines
#     (tests and generated code aside; functions measured by universal-ctags).
# Prints every breach and exits 1 if there is any.
#   tools/check_layout.sh [--includes-only] [REPOSITORY]
set -euo pipefail
includes_only=false
if [ "${1:-}" = "--includes-only" ]; then
  includes_only=true
  shift
fi
root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
cd "$root"

max_file_lines=900
max_function_lines=150

# Function lengths need universal-ctags (its end: field); without it the
# check would pass without measuring anything.
if [ "$includes_only" = false ] && ! ctags --version 2>/dev/null | grep -q "Universal Ctags"; then
  echo "check_layout.sh: universal-ctags is needed to measure functions (tools/deps.sh installs it)" >&2
  exit 2
fi

# The floor a path belongs to: the longest of these prefixes it starts with.
floors=(sync/base/ sync/keys/ sync/ node/common/ node/store/ node/sales/ node/frontdesk/ node/server/
        node/exchange/ node/ hq/analytics/ hq/actions/ hq/reports/ hq/dashboard/ hq/
        pos-client/ tools/ schema/)

# What each floor may include besides itself and the generated schema.
declare -A may_use=(
  [sync/base/]=""
  [sync/keys/]="sync/base/"
  [sync/]="sync/base/ sync/keys/"
  [node/common/]="sync/base/"
  [node/store/]="node/common/ sync/ sync/keys/ sync/base/"
  [node/sales/]="node/store/ node/common/ sync/ sync/keys/ sync/base/"
  [node/frontdesk/]="node/sales/ node/store/ node/common/ sync/ sync/keys/ sync/base/"
  [node/server/]="node/frontdesk/ node/sales/ node/store/ node/common/ sync/ sync/keys/ sync/base/"
  [node/exchange/]="node/sales/ node/store/ node/common/ sync/ sync/keys/ sync/base/"
  [node/]="node/server/ node/frontdesk/ node/sales/ node/store/ node/common/ sync/ sync/keys/ sync/base/"
  [hq/analytics/]="node/sales/ node/store/ node/common/ sync/ sync/keys/ sync/base/"
  [hq/actions/]="hq/analytics/ node/sales/ node/store/ node/common/ sync/ sync/keys/ sync/base/"
  [hq/reports/]="hq/analytics/ node/sales/ node/store/ node/common/ sync/ sync/keys/ sync/base/"
  [hq/dashboard/]="hq/reports/ hq/analytics/ node/server/ node/frontdesk/ node/sales/ node/store/ node/common/ sync/ sync/keys/ sync/base/"
  [hq/]="hq/dashboard/ hq/reports/ hq/actions/ hq/analytics/ node/exchange/ node/server/ node/frontdesk/ node/sales/ node/store/ node/common/ sync/ sync/keys/ sync/base/"
  [pos-client/]="sync/keys/ sync/base/"
  [tools/]="pos-client/ hq/dashboard/ hq/reports/ hq/actions/ hq/analytics/ node/exchange/ node/server/ node/frontdesk/ node/sales/ node/store/ node/common/ sync/ sync/keys/ sync/base/"
  [schema/]=""
)

floor_of() {
  local path="$1" floor best=""
  for floor in "${floors[@]}"; do
    if [[ "$path" == "$floor"* && ${#floor} -gt ${#best} ]]; then best="$floor"; fi
  done
  printf '%s' "$best"
}

breaches=0
breach() {
  echo "$1"
  breaches=$((breaches + 1))
}

mapfile -t sources < <(find sync node hq pos-client tools schema -type f \( -name '*.cc' -o -name '*.h' \) | sort)

for file in "${sources[@]}"; do
  from="$(floor_of "$file")"
  while IFS= read -r included; do
    to="$(floor_of "$included")"
    [ -z "$to" ] && continue  # not one of ours
    [ "$to" = "$from" ] && continue
    [ "$to" = "schema/" ] && continue
    if [[ " ${may_use[$from]} " != *" $to "* ]]; then
      breach "$file: includes $included (${from%/} may not use ${to%/})"
    fi
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")

  [ "$includes_only" = true ] && continue
  lines=$(wc -l < "$file")
  if [ "$lines" -gt "$max_file_lines" ]; then
    breach "$file: $lines lines (at most $max_file_lines)"
  fi

  while IFS=$'\t' read -r length line name; do
    breach "$file:$line: $name is $length lines (at most $max_function_lines)"
  done < <(ctags --language-force=c++ --kinds-c++=f --fields=+ne -o - "$file" 2>/dev/null |
             awk -F'\t' -v max="$max_function_lines" '{
               start = ""; end = ""
               for (i = 4; i <= NF; i++) {
                 if ($i ~ /^line:/) start = substr($i, 6)
                 if ($i ~ /^end:/) end = substr($i, 5)
               }
               if (start != "" && end != "" && end - start + 1 > max)
                 printf "%d\t%s\t%s\n", end - start + 1, start, $1
             }')
done

if [ "$breaches" -gt 0 ]; then
  echo "$breaches breaches of the layout (docs/architecture.md)" >&2
  exit 1
fi
if [ "$includes_only" = true ]; then
  echo "layout: ${#sources[@]} files, every include points down a floor"
else
  echo "layout: ${#sources[@]} files, every include points down a floor, no file over" \
    "$max_file_lines lines, no function over $max_function_lines"
fi
