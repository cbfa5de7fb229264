#!/usr/bin/env bash
# Each node of a three-node NATS cluster (JetStream on) killed in turn under authenticated load whose every request
# crosses the bus (issue 29), as a target line with the counts.
#
#   bench/nats-cluster.sh   runs tests/Integration's NatsClusterTests node-kill test: three nats-server nodes on free
#                           loopback ports, two auth and two blog processes (the built binary, Auth__Cache__MaxAge=0),
#                           four callers reading /blog/author/drafts while n1, n2, n3 are SIGKILLed and restarted one
#                           after the other; prints the counts and writes them to bench/results/nats-cluster.md
#
# Exit status: 0 the counts were measured (whatever the target's verdict), 1 no figures came out.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/infra.sh

start_test_servers

figures="$(mktemp)"
trap 'rm -f "$figures"' EXIT
log "NatsClusterTests: each of three NATS nodes killed in turn under load (separate processes)"
# The test writes its counts before it asserts, so a failed run still reports how many requests failed.
GOMICRO_BENCH_NATS_CLUSTER="$figures" dotnet test tests/Integration --nologo \
  --filter "FullyQualifiedName~NatsClusterTests.Each_nats_node_killed_in_turn_under_load_fails_no_request" \
  >"$GOMICRO_STATE_DIR/nats-cluster-test.log" 2>&1 || true
# "OK TOTAL all nodes up: A x 200 of B; n1 killed: ...; ..."
read -r ok total summary <"$figures" || true
if [ -z "${ok:-}" ] || [ -z "${total:-}" ]; then
  echo "target nats-cluster-node-kill: not measured (no figures; see $GOMICRO_STATE_DIR/nats-cluster-test.log) not met"
  exit 1
fi
verdict="$([ "$ok" = "$total" ] && echo met || echo "not met")"
{
  echo "# NATS cluster: each node killed in turn under load"
  echo
  echo "Measured by bench/nats-cluster.sh on $(date -u +%Y-%m-%d) ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end)."
  echo "Three nats-server $(nats-server --version 2>/dev/null | awk '{ print $2 }') nodes with JetStream, two auth and two blog processes,"
  echo "Auth__Cache__MaxAge=0 (every request authenticates over the bus)."
  echo
  echo '```'
  echo "$summary"
  echo "target nats-cluster-node-kill: $ok x 200 of $total requests while each of three NATS nodes was killed in turn (goal: every request 200) $verdict"
  echo '```'
} >bench/results/nats-cluster.md
cat bench/results/nats-cluster.md
