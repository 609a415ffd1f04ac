#!/usr/bin/env bash
# The main job: a headquarters hub and two offices (LON, MSK) on loopback with
# the real binaries. A day of front-desk work at both, MSK cut off from the
# hub for part of it, both offices editing the same client while apart and
# registering the same new client twice; then convergence, the conflict log,
# the duplicate merged, a sales report, and a state digest of every node,
# which must all be equal.
set -euo pipefail
build="${1:?usage: demo_session.sh BUILD_DIR}"
work="$build/demo"
rm -rf "$work" && mkdir -p "$work"
node_bin="$build/node/crm-node"
hq_bin="$build/hq/crm-hq"
admin_bin="$build/tools/crm-admin"
pos_bin="$build/pos-client/pos"

declare -A pids=()
stop() {  # stop NAME: SIGTERM and wait
  local pid="${pids[$1]:-}"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  pids[$1]=""
}
cleanup() { for name in "${!pids[@]}"; do stop "$name"; done; }
trap cleanup EXIT

wait_for_file() {
  for _ in $(seq 1 500); do [ -s "$1" ] && return 0; sleep 0.02; done
  echo "timed out waiting for $1; see the logs in $work" >&2
  exit 1
}

start_hub() {
  rm -f "$work/hq.endpoint"
  "$hq_bin" serve --data "$work/hq-data" --key "$work/hq.key" --listen "${hub_listen:-tcp://127.0.0.1:*}" \
    --endpoint-file "$work/hq.endpoint" >>"$work/hq.log" 2>&1 &
  pids[hq]=$!
  wait_for_file "$work/hq.endpoint"
  hub_listen="$(cat "$work/hq.endpoint")"
}

# start_office CODE [offline]
start_office() {
  local code="$1" lower
  lower="$(echo "$1" | tr 'A-Z' 'a-z')"
  local sync=(--hub "$hub_listen" --hub-key "$work/hq.pub" --key "$work/$lower.key")
  [ "${2:-}" = offline ] && sync=()
  rm -f "$work/$lower.endpoint"
  "$node_bin" serve --data "$work/$lower-data" --office "$code" --time-zone "$3" --currency "$4" \
    --phone-region "$5" --listen 'tcp://127.0.0.1:*' --endpoint-file "$work/$lower.endpoint" \
    "${sync[@]}" >>"$work/$lower.log" 2>&1 &
  pids[$lower]=$!
  wait_for_file "$work/$lower.endpoint"
}
start_lon() { start_office LON "${1:-}" Europe/London GBP GB; }
start_msk() { start_office MSK "${1:-}" Europe/Moscow RUB RU; }

# at OFFICE pos-args...: runs pos at that office's till
at() {
  local lower
  lower="$(echo "$1" | tr 'A-Z' 'a-z')"
  shift
  printf '%s$ pos %s\n' "$lower" "$*"
  POS_NODE="$(cat "$work/$lower.endpoint")" POS_SESSION_FILE="$work/$lower.session" "$pos_bin" "$@"
}
quiet_at() {
  local lower
  lower="$(echo "$1" | tr 'A-Z' 'a-z')"
  shift
  POS_NODE="$(cat "$work/$lower.endpoint")" POS_SESSION_FILE="$work/$lower.session" "$pos_bin" "$@"
}
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
id_of() { sed -n 's/.*"id": "\([0-9A-Z]*\)".*/\1/p'; }

say "Headquarters enrolls two offices (CURVE keys; a key file is readable by its owner only)"
for name in hq lon msk; do "$admin_bin" keygen --out "$work/$name" >/dev/null; done
ls -l "$work/lon.key" | cut -c1-10
for office in LON:GBP MSK:RUB; do
  code="${office%:*}"
  lower="$(echo "$code" | tr 'A-Z' 'a-z')"
  node_id="$("$admin_bin" node-id --data "$work/$lower-data")"
  "$admin_bin" enroll --hub-data "$work/hq-data" --office "$code" --node-id "$node_id" \
    --public-key "$work/$lower.pub" --currency "${office#*:}"
  echo "admin-password" | "$node_bin" bootstrap-admin --data "$work/$lower-data" --office "$code" \
    2>>"$work/$lower.log"
done
start_hub
start_lon
start_msk
for office in LON MSK; do
  echo "admin-password" | quiet_at "$office" login admin >/dev/null
done

say "Headquarters owns the catalogue: a price per currency, set on the hub's store while it serves"
hq() { printf 'hq$ crm-hq %s\n' "$*"; "$hq_bin" "$@"; }
hq product add 85123A --name "WHITE HANGING HEART T-LIGHT HOLDER" --price GBP=2.55 --price RUB=250.00 \
  --data "$work/hq-data" | sed -n 1p
hq product add 71053 --name "WHITE METAL LANTERN" --price GBP=3.39 --price RUB=330.00 \
  --data "$work/hq-data" | sed -n 1p
hq product add 22423 --name "REGENCY CAKESTAND 3 TIER" --price GBP=12.75 --category Kitchen \
  --data "$work/hq-data" | sed -n 1p
for office in LON MSK; do
  for _ in $(seq 1 100); do
    [ "$(quiet_at "$office" product list | grep -c -E '^(85123A|71053|22423) ')" = 3 ] && break
    sleep 0.1
  done
done
at LON product list
at MSK product list
echo "(an office may not add a product of its own: headquarters owns the catalogue)"
at LON product add 99999 --name "A LAMP OF OUR OWN" --price 1.00 2>&1 || true

say "Morning at LON: a new client, and her first purchase"
anna="$(quiet_at LON --json client add --first Анна --last Петрова --phone "+7 (912) 345-67-89" \
  --email Anna.Petrova@Example.COM --card CARD-0001 | id_of)"
echo "Анна Петрова is $anna"
at LON sale --client "$anna" --line 85123A:6 --line 71053:2::0.50 --pay card | tail -3

say "MSK finds her a moment later (replicated through headquarters)"
for _ in $(seq 1 100); do
  quiet_at MSK find "+79123456789" >/dev/null 2>&1 && break
  sleep 0.1
done
at MSK find "8 912 345 67 89"
echo "(MSK sells at the catalogue's RUB price, LON at its GBP price)"
at MSK sale --client "$anna" --line 71053:1 --pay cash | tail -3
echo "(the cake stand has no RUB price: MSK may not sell it)"
at MSK sale --line 22423:1 --pay cash 2>&1 || true

say "MSK loses its link to headquarters for the afternoon"
stop msk
start_msk offline
echo "admin-password" | quiet_at MSK login admin >/dev/null
at MSK log "$anna" --channel call --direction out --summary "звонок: ждёт новые фонари"
at MSK client edit "$anna" --email anna@example.ru --last Петрова-Иванова
at LON client edit "$anna" --phone "07911 123456" --tag vip --last Petrova
say "The same walk-in registers at both offices while they are apart"
zoe_lon="$(quiet_at LON --json client add --first Zoe --last Smith --phone "020 7946 0958" | id_of)"
zoe_msk="$(quiet_at MSK --json client add --first Zoë --last Smith --phone "+44 20 7946 0958" | id_of)"
echo "LON registered her as $zoe_lon, MSK as $zoe_msk"
at LON sale --client "$zoe_lon" --line 85123A:1 --pay cash | tail -1
at MSK sale --client "$zoe_msk" --line 71053:2 --pay card | tail -1
at MSK status | grep -E "unsent|safe"

say "The link comes back: MSK catches up, both edits survive"
stop msk
start_msk
echo "admin-password" | quiet_at MSK login admin >/dev/null
for _ in $(seq 1 100); do
  [ "$(quiet_at MSK --json status | sed -n 's/.*"unsentChanges": "\([0-9]*\)".*/\1/p')" = 0 ] && break
  sleep 0.1
done
sleep 1
at LON card "$anna" | head -8
at MSK status | grep -E "unsent|safe"

say "Both offices edited her last name: one edit won everywhere, the other is in the conflict log"
at LON conflicts

say "The double registration shows up as a duplicate; a manager merges it"
for _ in $(seq 1 100); do
  quiet_at LON --json duplicates | grep -q '"shared"' && break
  sleep 0.1
done
at LON duplicates
at LON merge "$zoe_lon" "$zoe_msk"
for _ in $(seq 1 100); do
  quiet_at MSK --json duplicates | grep -q '"shared"' || break
  sleep 0.1
done
at MSK card "$zoe_msk" | head -6
sleep 2
"$hq_bin" status --data "$work/hq-data"

say "Headquarters: sales by office"
"$hq_bin" report sales --data "$work/hq-data"

say "Every node holds the same state"
sleep 1
status=0
first=""
for node in hq lon msk; do
  digest="$("$admin_bin" digest --data "$work/$node-data")"
  echo "state digest $node $digest"
  [ -z "$first" ] && first="$digest"
  [ "$digest" = "$first" ] || status=1
done
if [ "$status" -ne 0 ]; then
  echo "the nodes did not converge; see the logs in $work" >&2
fi
exit "$status"
