#!/usr/bin/env bash
# Issue 12's "Done when", over real processes: scripts/run-split.sh (a gateway, an auth and a blog process over NATS)
# with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a small OTLP/HTTP receiver (scripts/lib/otlp-sink.cs, which writes
# every span, metric and log record it gets as a JSON line). One request with a W3C traceparent goes through the
# gateway with the development API key, on fresh databases, so the blog process has not seen the key yet and asks the
# auth process over NATS (auth.apikey.verify). Then jq checks the request's trace: spans of the blog and auth
# processes and the gateway, NATS and bus spans on both sides of the bus with the auth side under the blog side,
# PostgreSQL spans in both modules under their process's part of the request, and the metrics that must arrive.
# The last line is always `telemetry: N passed, N failed` (one per check), which scripts/test.sh adds to its totals.
# Servers: GOMICRO_TEST_REDIS and GOMICRO_TEST_NATS when set (as scripts/test.sh sets them), else the local defaults.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/infra.sh

passed=0 failed=0
report() { echo "telemetry: $passed passed, $failed failed"; }
fail_setup() { echo "telemetry: $*" >&2; failed=$((failed + 1)); report; exit 1; }

require_dotnet
apt_install curl curl
apt_install jq jq
start_postgres
ensure_databases
redis="${GOMICRO_TEST_REDIS:-}"
if [ -z "$redis" ]; then start_redis; redis=localhost:6379; fi
nats="${GOMICRO_TEST_NATS:-}"
if [ -z "$nats" ]; then start_nats; nats=nats://localhost:4222; fi

sink_pid="" split_pid="" db_auth="telemetry_auth_$$" db_blog="telemetry_blog_$$"
cleanup() {
  local pid db
  for pid in $split_pid $sink_pid; do kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  for db in $db_auth $db_blog; do psql_admin -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1; done
}
trap cleanup EXIT

# 1. The receiver, built once into the state folder and run from there (no `dotnet run` parent to outlive).
records="$GOMICRO_STATE_DIR/telemetry-records.jsonl" sink_dir="$GOMICRO_STATE_DIR/otlp-sink"
rm -f "$records"
log "building the OTLP receiver (scripts/lib/otlp-sink.cs)"
dotnet build scripts/lib/otlp-sink.cs -o "$sink_dir" -nologo -v quiet >"$GOMICRO_STATE_DIR/otlp-sink-build.log" 2>&1 \
  || fail_setup "the receiver did not build: $(tail -n 20 "$GOMICRO_STATE_DIR/otlp-sink-build.log")"
sink_port=$(free_port)
dotnet "$sink_dir/GoMicro.otlp-sink.cs.dll" "http://127.0.0.1:$sink_port" "$records" >"$GOMICRO_STATE_DIR/otlp-sink.log" 2>&1 &
sink_pid=$!
for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$sink_port/" && break; sleep 0.2; done
curl -fs -o /dev/null "http://127.0.0.1:$sink_port/" || fail_setup "the receiver did not start: $(cat "$GOMICRO_STATE_DIR/otlp-sink.log")"

# 2. The split, as scripts/run-split.sh starts it, exporting to the receiver: every process inherits the OTEL_*
# variables. Short batch and metric intervals, so the checks below need not wait long.
ensure_databases "$db_auth" "$db_blog" >/dev/null
base="Host=localhost;Port=5432;Username=$GOMICRO_DB_USER;Password=$GOMICRO_DB_PASSWORD"
auth_port=$(free_port) blog_port=$(free_port) gateway_port=$(free_port)
gateway="http://127.0.0.1:$gateway_port"
split_log="$GOMICRO_STATE_DIR/telemetry-split.log"
OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
  OTEL_BSP_SCHEDULE_DELAY=200 OTEL_METRIC_EXPORT_INTERVAL=1000 \
  AUTH_URLS="http://127.0.0.1:$auth_port" BLOG_URLS="http://127.0.0.1:$blog_port" GATEWAY_URLS="$gateway" \
  ConnectionStrings__Auth="$base;Database=$db_auth" ConnectionStrings__Blog="$base;Database=$db_blog" \
  ConnectionStrings__Redis="$redis" Cache__Redis__InstanceName="telemetry-$$:" Bus__Nats__Url="$nats" \
  CONFIGURATION="${CONFIGURATION:-Debug}" scripts/run-split.sh >"$split_log" 2>&1 &
split_pid=$!
for url in "http://127.0.0.1:$auth_port" "http://127.0.0.1:$blog_port" "$gateway"; do
  wait_ready "$url" "$split_pid" "$split_log" || fail_setup "the split did not start"
done

# 3. One request, as a client that already has a trace (its own span is the parent of the gateway's server span).
trace_id=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n') client_span=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
status=$(curl -s -o /dev/null -w '%{http_code}' -H 'x-api-key: 1D3F2DD1A5DE725DD4DF1D82BBB37' \
  -H "traceparent: 00-$trace_id-$client_span-01" "$gateway/blog/list/latest?page=1&limit=10")
[ "$status" = 200 ] || fail_setup "GET /blog/list/latest through the gateway answered $status, not 200"
log "trace $trace_id: checking what reached the receiver"

# check DESCRIPTION FILTER: passes once FILTER, run over every record received so far (one array, with the request's
# spans in $trace and the helpers below), is true; fails after 30 s. Records arrive in batches, so a check waits.
helpers='
  def by_id: map({key: .spanId, value: .}) | from_entries;
  # the span and every span above it in the trace
  def lineage($spans): ($spans | by_id) as $by | recurse($by[.parentSpanId] // empty);
  def under($ancestor; $spans): any(lineage($spans); .spanId == $ancestor.spanId);
  def server($service): $trace[] | select(.service == $service and .kind == 2);
  def nats($service): $trace[] | select(.service == $service and .attributes["messaging.system"] == "nats"
                                        and .attributes["messaging.destination.name"] == "auth.apikey.verify");
  def database($service): $trace[] | select(.service == $service and (.attributes["db.system"] // .attributes["db.system.name"]) == "postgresql");
  # a span of the bus itself (ActivitySource GoMicro.Bus) over NATS
  def bus($service; $name): $trace[] | select(.service == $service and .scope == "GoMicro.Bus" and .name == $name
                                              and .attributes["messaging.system"] == "nats"
                                              and .attributes["messaging.destination.name"] == "auth.apikey.verify");
  def some(f): any(f; .);
  def metric($service; $name): any(.[]; .signal == "metric" and .service == $service and .name == $name);'
check() {
  local what="$1" filter="$2" deadline=$((SECONDS + 30))
  until jq -e -s --arg t "$trace_id" '[.[] | select(.signal == "span" and .traceId == $t)] as $trace | '"$helpers $filter" \
          "$records" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "telemetry: FAILED: $what" >&2; failed=$((failed + 1)); return
    fi
    sleep 0.5
  done
  echo "telemetry: $what"; passed=$((passed + 1))
}

check "the blog and auth processes each exported spans of the request's trace" \
  '[$trace[].service] | contains(["gomicro-blog", "gomicro-auth"])'
check "the blog's server span carries the client's trace through the gateway" \
  'some(server("gomicro-blog") | .name == "GET /blog/list/latest")'
check "the blog process's NATS span for auth.apikey.verify is under its server span" \
  'some(nats("gomicro-blog") | under(server("gomicro-blog"); $trace))'
check "the auth process's NATS span for auth.apikey.verify is under the blog's" \
  'some(nats("gomicro-auth") | under(nats("gomicro-blog"); $trace))'
check "the gateway process exported its spans of the request's trace" \
  '[$trace[].service] | contains(["gomicro-gateway"])'
check "the blog process's PostgreSQL spans are under its server span" \
  'some(database("gomicro-blog") | under(server("gomicro-blog"); $trace))'
check "http.server.request.duration arrived from the blog and auth processes" \
  'metric("gomicro-blog"; "http.server.request.duration") and metric("gomicro-auth"; "http.server.request.duration")'
# The bus's own spans and metrics (ActivitySource and Meter GoMicro.Bus).
check "the blog process's bus span 'send auth.apikey.verify' (client, request) is under its server span" \
  'some(bus("gomicro-blog"; "send auth.apikey.verify") | select(.kind == 3 and .attributes["messaging.operation.name"] == "request")
       | under(server("gomicro-blog"); $trace))'
check "the auth process's bus span 'process auth.apikey.verify' is under the blog's bus span" \
  'some(bus("gomicro-auth"; "process auth.apikey.verify") | select(.attributes["messaging.operation.type"] == "process")
       | under(bus("gomicro-blog"; "send auth.apikey.verify"); $trace))'
check "the auth process's PostgreSQL spans answer the bus request" \
  'some(database("gomicro-auth") | under(bus("gomicro-auth"; "process auth.apikey.verify"); $trace))'
check "the bus metrics arrived: messaging.client.operation.duration from blog, messaging.process.duration from auth" \
  'metric("gomicro-blog"; "messaging.client.operation.duration") and metric("gomicro-auth"; "messaging.process.duration")'

report
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
