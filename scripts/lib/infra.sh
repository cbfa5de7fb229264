# Shared by scripts/run.sh, scripts/run-split.sh and the test scripts: install (as root, from Debian's packages) and
# start the servers GoMicro.NET uses, on their default local ports. Every function is idempotent.

GOMICRO_DB_USER="${GOMICRO_DB_USER:-gomicro}"
GOMICRO_DB_PASSWORD="${GOMICRO_DB_PASSWORD:-gomicro}"
GOMICRO_STATE_DIR="${GOMICRO_STATE_DIR:-${TMPDIR:-/tmp}/gomicro}"
mkdir -p "$GOMICRO_STATE_DIR"

# Bold only where stderr is a terminal: CI logs and files get plain text.
if [ -t 2 ]; then _bold=$'\033[1m' _plain=$'\033[0m'; else _bold="" _plain=""; fi
log() { printf '%s==> %s%s\n' "$_bold" "$*" "$_plain" >&2; }

# elapsed START: seconds since START (an $EPOCHREALTIME), as "N.N s".
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }'; }

# phase NAME COMMAND...: runs one phase with its output in a log file (shown only if it fails) and prints
# "==> NAME ... done in N s" on one line (scripts/run.sh, scripts/run-split.sh).
phase() {
  local name="$1" t0=$EPOCHREALTIME phase_log="$GOMICRO_STATE_DIR/phase-${1%% *}.log"; shift
  printf '%s==> %-40s%s' "$_bold" "$name ..." "$_plain" >&2
  if ( "$@" ) >"$phase_log" 2>&1; then
    printf 'done in %s\n' "$(elapsed "$t0")" >&2
  else
    printf 'FAILED after %s\n' "$(elapsed "$t0")" >&2
    tail -n 30 "$phase_log" >&2
    exit 1
  fi
}
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

# apt_install CMD PACKAGE: makes sure CMD exists, installing PACKAGE with apt-get when root.
_apt_updated=""
apt_install() {
  local cmd="$1" pkg="$2"
  command -v "$cmd" >/dev/null 2>&1 && return 0
  is_root || die "'$cmd' is missing: install the Debian package '$pkg' (apt-get install $pkg) and run again."
  if [ -z "$_apt_updated" ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    _apt_updated=1
  fi
  log "installing $pkg"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
}

require_dotnet() {
  command -v dotnet >/dev/null 2>&1 || die "the .NET 10 SDK is missing: install it (https://learn.microsoft.com/dotnet/core/install/linux-debian) and run again."
}

# --- PostgreSQL ---------------------------------------------------------------------------------------------------
psql_admin() {
  if is_root; then runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -u postgres psql -X -q -v ON_ERROR_STOP=1 "$@"
  else psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"
  fi
}

start_postgres() {
  if ! command -v pg_ctlcluster >/dev/null 2>&1 && ! command -v pg_isready >/dev/null 2>&1; then
    apt_install pg_ctlcluster postgresql
  fi
  if pg_isready -q -h localhost 2>/dev/null; then return 0; fi
  is_root || die "PostgreSQL is not running on localhost:5432; start it (e.g. sudo pg_ctlcluster 15 main start) and run again."
  [ -n "$(pg_lsclusters -h 2>/dev/null)" ] || pg_createcluster 15 main >/dev/null
  local version cluster
  read -r version cluster _ < <(pg_lsclusters -h | head -n 1)
  log "starting PostgreSQL $version/$cluster"
  pg_ctlcluster "$version" "$cluster" start
  for _ in $(seq 1 30); do pg_isready -q -h localhost && return 0; sleep 1; done
  die "PostgreSQL did not become ready"
}

# ensure_database NAME...: the login role (with CREATEDB, so tests can create throw-away databases) and the databases.
ensure_databases() {
  psql_admin -d postgres <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${GOMICRO_DB_USER}') THEN
    CREATE ROLE "${GOMICRO_DB_USER}" LOGIN CREATEDB PASSWORD '${GOMICRO_DB_PASSWORD}';
  END IF;
END \$\$;
SQL
  local db
  for db in "$@"; do
    if [ -z "$(psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
      log "creating database $db"
      psql_admin -d postgres -c "CREATE DATABASE \"$db\" OWNER \"${GOMICRO_DB_USER}\""
    fi
  done
}

# --- Redis --------------------------------------------------------------------------------------------------------
start_redis() {
  apt_install redis-server redis-server
  if redis-cli -p 6379 ping >/dev/null 2>&1; then return 0; fi
  log "starting Redis on localhost:6379"
  redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$GOMICRO_STATE_DIR/redis.pid" --logfile "$GOMICRO_STATE_DIR/redis.log" >/dev/null
  for _ in $(seq 1 20); do redis-cli -p 6379 ping >/dev/null 2>&1 && return 0; sleep 0.5; done
  die "Redis did not start (see $GOMICRO_STATE_DIR/redis.log)"
}

# --- NATS ---------------------------------------------------------------------------------------------------------
# start_test_servers: what tests/Integration needs, installed and started if missing (the .NET SDK, PostgreSQL with
# the module databases, Redis, nats-server with JetStream), and the GOMICRO_TEST_* variables the tests read, unless set.
start_test_servers() {
  require_dotnet
  start_postgres
  ensure_databases
  start_redis
  start_nats
  export GOMICRO_TEST_POSTGRES="${GOMICRO_TEST_POSTGRES:-Host=localhost;Port=5432;Username=$GOMICRO_DB_USER;Password=$GOMICRO_DB_PASSWORD;Database=postgres}"
  export GOMICRO_TEST_REDIS="${GOMICRO_TEST_REDIS:-localhost:6379}"
  export GOMICRO_TEST_NATS="${GOMICRO_TEST_NATS:-nats://localhost:4222}"
}

start_nats() {
  apt_install nats-server nats-server
  if (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then return 0; fi
  log "starting nats-server on localhost:4222 with JetStream (store $GOMICRO_STATE_DIR/nats-js)"
  # JetStream on: the Auth events are stored in a stream (ADR 32).
  nohup nats-server -a 127.0.0.1 -p 4222 -m 8222 -js -sd "$GOMICRO_STATE_DIR/nats-js" -P "$GOMICRO_STATE_DIR/nats.pid" \
    >"$GOMICRO_STATE_DIR/nats.log" 2>&1 &
  for _ in $(seq 1 20); do (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null && return 0; sleep 0.5; done
  die "nats-server did not start (see $GOMICRO_STATE_DIR/nats.log)"
}

# start_nats_cluster [CLIENT_PORT...]: three nats-server nodes with JetStream on loopback (default client ports 4231 4232
# 4233, route ports those + 2000), server names n1..n3 in cluster "gomicro", each routed to the others and with its own
# store under $GOMICRO_STATE_DIR/nats-cluster/nI; pid files nats-nI.pid. Prints the three client URLs, comma-separated,
# as Bus:Nats:Url takes them. Nodes already listening are left alone.
start_nats_cluster() {
  apt_install nats-server nats-server
  local ports=(4231 4232 4233) i j routes urls=()
  [ "$#" -ge 3 ] && ports=("$1" "$2" "$3")
  for i in 0 1 2; do
    routes=""
    for j in 0 1 2; do [ "$j" = "$i" ] || routes="${routes:+$routes,}nats://127.0.0.1:$((ports[j] + 2000))"; done
    urls+=("nats://127.0.0.1:${ports[i]}")
    if (exec 3<>"/dev/tcp/127.0.0.1/${ports[i]}") 2>/dev/null; then continue; fi
    mkdir -p "$GOMICRO_STATE_DIR/nats-cluster/n$((i + 1))"
    log "starting nats-server n$((i + 1)) on 127.0.0.1:${ports[i]} (routes $routes)"
    nohup nats-server -a 127.0.0.1 -p "${ports[i]}" --name "n$((i + 1))" --cluster_name gomicro \
      --cluster "nats://127.0.0.1:$((ports[i] + 2000))" --routes "$routes" \
      -js -sd "$GOMICRO_STATE_DIR/nats-cluster/n$((i + 1))" -P "$GOMICRO_STATE_DIR/nats-n$((i + 1)).pid" \
      >"$GOMICRO_STATE_DIR/nats-n$((i + 1)).log" 2>&1 &
  done
  for i in 0 1 2; do
    for _ in $(seq 1 20); do (exec 3<>"/dev/tcp/127.0.0.1/${ports[i]}") 2>/dev/null && break; sleep 0.5; done
    (exec 3<>"/dev/tcp/127.0.0.1/${ports[i]}") 2>/dev/null || die "nats-server n$((i + 1)) did not start (see $GOMICRO_STATE_DIR/nats-n$((i + 1)).log)"
  done
  local IFS=,
  echo "${urls[*]}"
}

# --- Test helpers ---------------------------------------------------------------------------------------------------
# free_port: a loopback TCP port nothing listens on now.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# wait_ready URL PID LOG: until URL/health/ready answers 200, or the process exits, or 900 s pass (scripts/run-split.sh
# builds first, which takes minutes on a busy machine).
wait_ready() {
  local url="$1" pid="$2" log="$3"
  for _ in $(seq 1 1800); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/health/ready")" = 200 ] && return 0
    kill -0 "$pid" 2>/dev/null || { echo "the process exited before it was ready; its log:" >&2; tail -n 40 "$log" >&2; return 1; }
    sleep 0.5
  done
  echo "$url was not ready after 900 s; log:" >&2; tail -n 40 "$log" >&2; return 1
}
