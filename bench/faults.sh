#!/usr/bin/env bash
# Timings under injected faults (issue 30), as target lines. The fault tests assert what must hold (no failed request,
# no older view); how long requests waited depends on the machine, so it is measured here instead of asserted there.
#
#   bench/faults.sh    runs tests/Integration's RedisFreezeTests (a redis-server of the test's own frozen with SIGSTOP for
#                      5 s under a load of edits and reads) and prints its figures and the target line; writes them to
#                      bench/results/faults.md
#
# Exit status: 0 the test passed (whatever the target's verdict), 1 it failed or printed no figures.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/infra.sh

require_dotnet
start_postgres
ensure_databases
start_redis
start_nats
export GOMICRO_TEST_POSTGRES="${GOMICRO_TEST_POSTGRES:-Host=localhost;Port=5432;Username=$GOMICRO_DB_USER;Password=$GOMICRO_DB_PASSWORD;Database=postgres}"
export GOMICRO_TEST_REDIS="${GOMICRO_TEST_REDIS:-localhost:6379}"
export GOMICRO_TEST_NATS="${GOMICRO_TEST_NATS:-nats://localhost:4222}"

figures="$(mktemp)"
trap 'rm -f "$figures"' EXIT
log "RedisFreezeTests (Redis frozen 5 s under load)"
if ! GOMICRO_BENCH_REDIS_FREEZE="$figures" dotnet test tests/Integration --nologo --filter "FullyQualifiedName~RedisFreezeTests" >"$GOMICRO_STATE_DIR/faults-test.log" 2>&1; then
  echo "target redis-freeze: not measured: the test failed (see $GOMICRO_STATE_DIR/faults-test.log) not met"
  exit 1
fi
during="$(grep '^redis-freeze during:' "$figures" || true)"
[ -n "$during" ] || { echo "target redis-freeze: not measured (no figures) not met"; exit 1; }
# "redis-freeze during: requests N p50 X ms p99 Y ms max Z ms over-budget K (budget B ms + 50 ms)"
read -r requests p99 max over budget < <(awk '{ print $4, $9, $12, $15, $17 }' <<<"$during")
verdict="$([ "$over" = 0 ] && echo met || echo "not met")"
{
  echo "# Timings under injected faults"
  echo
  echo "Measured by bench/faults.sh on $(date -u +%Y-%m-%d) ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end)."
  echo
  echo '```'
  cat "$figures"
  echo "target redis-freeze: $over of $requests requests in flight during the freeze took longer than the budget ($budget ms) + 50 ms; p99 $p99 ms, max $max ms (goal 0) $verdict"
  echo '```'
} >bench/results/faults.md
cat bench/results/faults.md
