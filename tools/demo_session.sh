#!/usr/bin/env bash
# The main job: a morning at the front desk of office LON, with the real
# binaries. Starts crm-node on a fresh store (loopback only), drives it with
# pos as an administrator, a cashier and a manager would, restarts the node,
# and checks that nothing acknowledged was lost.
set -euo pipefail
build="${1:?usage: demo_session.sh BUILD_DIR}"
work="$build/demo"
rm -rf "$work" && mkdir -p "$work"
node_bin="$build/node/crm-node"
pos_bin="$build/pos-client/pos"
office=(--data "$work/data" --office LON --time-zone Europe/London --currency GBP --phone-region GB)

export POS_SESSION_FILE="$work/session"
node_pid=""
stop_node() {
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill -TERM "$node_pid" && wait "$node_pid" || true
  fi
  node_pid=""
}
trap stop_node EXIT

start_node() {
  rm -f "$work/endpoint"
  "$node_bin" serve "${office[@]}" --listen 'tcp://127.0.0.1:*' \
    --endpoint-file "$work/endpoint" >>"$work/node.log" 2>&1 &
  node_pid=$!
  for _ in $(seq 1 500); do
    [ -s "$work/endpoint" ] && break
    sleep 0.02
  done
  [ -s "$work/endpoint" ] || { echo "crm-node did not start; see $work/node.log" >&2; exit 1; }
  export POS_NODE="$(cat "$work/endpoint")"
}

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
run() { printf '$ pos %s\n' "$*"; "$pos_bin" "$@"; }

say "Setting up office LON: the first administrator, the catalogue, the staff"
echo "admin-password" | "$node_bin" bootstrap-admin "${office[@]}" --login admin 2>>"$work/node.log"
start_node
echo "admin-password" | run login admin
run product add 85123A --name "WHITE HANGING HEART T-LIGHT HOLDER" --price 2.55
run product add 71053 --name "WHITE METAL LANTERN" --price 3.39
run product add 84406B --name "CREAM CUPID HEARTS COAT HANGER" --price 2.75
echo "olga-password" | run user add olga --role manager --name "Olga Ivanova"
echo "kate-password" | run user add kate --role cashier --name "Kate Lee"

say "Kate opens her till"
echo "kate-password" | run login kate
anna=$("$pos_bin" --json client add --first Анна --last Петрова --phone "+7 (912) 345-67-89" \
  --email Anna.Petrova@Example.COM --card LON-0001 --attr "car=Volvo XC60" --consent sms=granted \
  | sed -n 's/.*"id": "\([0-9A-Z]*\)".*/\1/p')
echo "added Анна Петрова as $anna"
reza=$("$pos_bin" --json client add --first محمد --last رضایی --phone "+98 912 345 6789" \
  | sed -n 's/.*"id": "\([0-9A-Z]*\)".*/\1/p')
echo "added محمد رضایی as $reza"
run client add --first Zoë --last Smith --phone "020 7946 0958" --email zoe@example.co.uk --tag vip

say "Finding clients by phone in another format, by name in any script, by card"
run find "8 912 345 67 89" || true
run find "+44 20 7946 0958"
run find пет
run find رضا
run find LON-0001

say "Ringing up a sale, and a retry after a timeout that must not sell twice"
receipt=$("$pos_bin" --json sale --client "$anna" --line 85123A:6 --line 71053:2::0.50 \
  --pay card:10.00 --pay cash --request-id 01M82N0000000000000000DEMO \
  | sed -n 's/.*"receiptNo": "\([^"]*\)".*/\1/p')
run receipt "$receipt"
echo "(the till timed out and retries with the same request id:)"
run --json sale --client "$anna" --line 85123A:6 --line 71053:2::0.50 --pay card:10.00 \
  --pay cash --request-id 01M82N0000000000000000DEMO | grep receiptNo
echo "(the same receipt came back; nothing was sold twice)"
run sale --client "$reza" --line 84406B:1 --pay credit

say "Logging the rest of the visit"
run log "$anna" --channel visit --summary "asked about lanterns for the garden"
run note "$anna" "prefers morning calls"
run task add "$anna" --title "call when lanterns are back in stock" --due 2030-01-15T10:00
run feedback "$anna" --score 5 --comment "lovely service"
run pay "$reza" 1.00

say "A refund takes a manager"
run refund "$receipt" --line 2:1 --reason "dented" || true
echo "olga-password" | run login olga
run refund "$receipt" --line 2:1 --reason "dented"

say "Bad input is refused with the field named"
run client add --first Bob --phone 12345 || true
run sale --client "$anna" --line 85123A:2 --pay cash:1.00 || true

say "The client card"
run card "$anna"

say "Restarting the node (SIGTERM): nothing acknowledged is lost"
before=$("$pos_bin" --json status | sed -n 's/.*"records": "\([0-9]*\)".*/\1/p')
stop_node
start_node
echo "olga-password" | "$pos_bin" login olga >/dev/null
after=$("$pos_bin" --json status | sed -n 's/.*"records": "\([0-9]*\)".*/\1/p')
run status
if [ "$before" != "$after" ] || [ -z "$after" ]; then
  echo "records before the restart: $before, after: $after" >&2
  exit 1
fi
echo "records before and after the restart: $after"
