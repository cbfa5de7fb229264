#!/usr/bin/env bash
# Runs the README's walkthrough as a test: the bash blocks between <!-- walkthrough:begin --> and
# <!-- walkthrough:end --> in README.md, as one script under `set -e`, against
#   1. a freshly started monolith (the built binary, as scripts/run.sh runs it), and
#   2. the split (scripts/run-split.sh: an auth and a blog process over NATS behind the gateway role, so AUTH_URL and
#      BLOG_URL are both the gateway's address, as behind Kong),
# each on its own throw-away databases, free ports and Redis key prefix. A topology fails when any step's status (or a
# `jq -e` check of the ids carried between steps) differs from what the README says. The last line is always
# `walkthrough: N passed, N failed` (one per topology), which scripts/test.sh adds to its totals.
# Servers: GOMICRO_TEST_REDIS and GOMICRO_TEST_NATS when set (as scripts/test.sh sets them), else the local defaults.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
. scripts/lib/infra.sh

passed=0 failed=0
report() { echo "walkthrough: $passed passed, $failed failed"; }
fail_setup() { echo "walkthrough: $*" >&2; failed=$((failed + 1)); report; exit 1; }

require_dotnet
apt_install curl curl
apt_install jq jq
start_postgres
ensure_databases
redis="${GOMICRO_TEST_REDIS:-}"
if [ -z "$redis" ]; then start_redis; redis=localhost:6379; fi
nats="${GOMICRO_TEST_NATS:-}"
if [ -z "$nats" ]; then start_nats; nats=nats://localhost:4222; fi

block="$GOMICRO_STATE_DIR/walkthrough.sh"
awk '/<!-- walkthrough:begin -->/ { on = 1; next }
     /<!-- walkthrough:end -->/   { on = 0 }
     on && /^```/                  { code = !code; next }
     on && code' README.md > "$block"
grep -q '^expect ' "$block" || fail_setup "no walkthrough block with expect steps between the markers in README.md"
steps=$(grep -cE '^(expect|jq -e|scripts/gomicro) ' "$block")

# The admin CLI of the walkthrough runs the built binary; build now (if sources changed), so no step waits for it.
# Its `help` must print the usage and nothing else: nothing on standard error (no host log lines).
help_err="$GOMICRO_STATE_DIR/walkthrough-help.err"
help_out="$(scripts/gomicro help 2>"$help_err")" || fail_setup "scripts/gomicro help failed: $help_out $(cat "$help_err")"
if ! grep -q '^Usage:' <<<"$help_out" || ! grep -qE '^  user +user commands' <<<"$help_out" || [ -s "$help_err" ]; then
  fail_setup "scripts/gomicro help printed more than the usage, or something on stderr:"$'\n'"$help_out"$'\n'"$(cat "$help_err")"
fi

db_auth="" db_blog="" pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""; fi
  local db
  for db in $db_auth $db_blog; do psql_admin -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1; done
  db_auth="" db_blog=""
}
trap cleanup EXIT

# fresh_databases NAME: throw-away auth and blog databases; their connection strings in auth_cs and blog_cs.
fresh_databases() {
  db_auth="walkthrough_${1}_auth_$$" db_blog="walkthrough_${1}_blog_$$"
  ensure_databases "$db_auth" "$db_blog" >/dev/null
  local base="Host=localhost;Port=5432;Username=$GOMICRO_DB_USER;Password=$GOMICRO_DB_PASSWORD"
  auth_cs="$base;Database=$db_auth" blog_cs="$base;Database=$db_blog"
}

# walk NAME AUTH_URL BLOG_URL: runs the block; the admin CLI reaches the same auth database as the service.
walk() {
  local name="$1" out="$GOMICRO_STATE_DIR/walkthrough-$1.log" status
  log "walkthrough against the $name ($2, $3)"
  (
    export AUTH_URL="$2" BLOG_URL="$3"
    export ConnectionStrings__Auth="$auth_cs" ConnectionStrings__Blog="$blog_cs"
    cd "$root" && timeout 600 bash -e "$block"
  ) 2>&1 | tee "$out"
  status=${PIPESTATUS[0]}
  if [ "$status" -eq 0 ]; then
    echo "walkthrough ($name): all $steps steps as the README says"
    passed=$((passed + 1))
  else
    echo "walkthrough ($name): FAILED (exit $status) after $(grep -cE '^[0-9]{3} [A-Z]+ /' "$out") HTTP steps; see above" >&2
    failed=$((failed + 1))
  fi
}

configuration="${CONFIGURATION:-Debug}"
binary="$root/src/Host/bin/$configuration/net10.0/GoMicro.Host"

# 1. The monolith, started from the built binary in the Host folder (the content root scripts/run.sh uses).
fresh_databases monolith
port=$(free_port)
mono_log="$GOMICRO_STATE_DIR/walkthrough-monolith-server.log"
(
  cd "$root/src/Host"
  exec env ConnectionStrings__Auth="$auth_cs" ConnectionStrings__Blog="$blog_cs" ConnectionStrings__Redis="$redis" \
    Cache__Redis__InstanceName="walkthrough-$$:" ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="http://127.0.0.1:$port" \
    "$binary"
) >"$mono_log" 2>&1 &
pid=$!
if wait_ready "http://127.0.0.1:$port" "$pid" "$mono_log"; then
  walk monolith "http://127.0.0.1:$port" "http://127.0.0.1:$port"
else
  echo "walkthrough (monolith): the server did not start" >&2; failed=$((failed + 1))
fi
cleanup

# 2. The split, as scripts/run-split.sh starts it, on this test's NATS server.
fresh_databases split
auth_port=$(free_port) blog_port=$(free_port) gateway_port=$(free_port)
split_log="$GOMICRO_STATE_DIR/walkthrough-split-server.log"
AUTH_URLS="http://127.0.0.1:$auth_port" BLOG_URLS="http://127.0.0.1:$blog_port" GATEWAY_URLS="http://127.0.0.1:$gateway_port" \
  ConnectionStrings__Auth="$auth_cs" ConnectionStrings__Blog="$blog_cs" ConnectionStrings__Redis="$redis" \
  Cache__Redis__InstanceName="walkthrough-$$:" Bus__Nats__Url="$nats" CONFIGURATION="$configuration" \
  scripts/run-split.sh >"$split_log" 2>&1 &
pid=$!
# The gateway is ready once each cluster has an instance that passed its health check.
if wait_ready "http://127.0.0.1:$auth_port" "$pid" "$split_log" && wait_ready "http://127.0.0.1:$blog_port" "$pid" "$split_log" \
   && wait_ready "http://127.0.0.1:$gateway_port" "$pid" "$split_log"; then
  walk split "http://127.0.0.1:$gateway_port" "http://127.0.0.1:$gateway_port"
else
  echo "walkthrough (split): the services did not start" >&2; failed=$((failed + 1))
fi
cleanup

report
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
