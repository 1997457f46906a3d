#!/usr/bin/env bash
# Load figures for BENCHMARKS.md: verify and token issuance over HTTP with wrk.
#   bench/http.sh                     # embedded SQLite in a temp data dir
#   bench/http.sh postgres://...      # an empty PostgreSQL database
# Needs wrk, jq and curl. Prints wrk's summary for each run.
set -euo pipefail
cd "$(dirname "$0")/.."
db=${1:-}
port=18081
work=$(mktemp -d)
go build -o "$work/tokenmint" ./cmd/tokenmint
args=(serve --data-dir "$work/data" --listen 127.0.0.1:$port --log-level warn)
[ -n "$db" ] && args+=(--database "$db")
TOKENMINT_ADMIN_PASSWORD=bench-password-1 "$work/tokenmint" "${args[@]}" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf localhost:$port/readyz >/dev/null && break; sleep 0.2; done
base=http://127.0.0.1:$port
login=$(curl -sf -c "$work/cj" -H 'Content-Type: application/json' \
  -d '{"username":"admin","password":"bench-password-1"}' $base/api/v1/auth/login)
export CSRF=$(jq -r .csrf_token <<<"$login")
export COOKIE=$(sed 's/^#HttpOnly_//' "$work/cj" | awk '!/^#/ && NF>=7 {printf "%s=%s", $6, $7}')
token=$(curl -sf -b "$work/cj" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
  -d '{"type":"CIToken","name":"bench"}' $base/api/v1/tokens | jq -r .token)
echo "== verify (${db:-sqlite})"
wrk -t2 -c32 -d10s -H "Authorization: Bearer $token" "$base/api/v1/auth/verify?permission=results:upload"
echo "== create (${db:-sqlite})"
wrk -t2 -c8 -d10s -s bench/create.lua "$base/api/v1/tokens"
echo "== server RSS: $(ps -o rss= -p $server) KiB; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
