#!/usr/bin/env bash
# Runs GoMicro.NET split into services, as production runs behind Kong: N auth-role and N blog-role processes, each
# module with its own database, talking only over NATS, behind one gateway-role process (YARP) on
# http://localhost:8080, the monolith's address, which routes /auth and /blog, balances over the instances and checks
# API keys as the Kong plugin does.
#   scripts/run-split.sh [--instances N] [--nats-cluster]     (default 1 instance, one nats-server)
# --nats-cluster runs three nats-server nodes with JetStream on loopback instead of one (client ports 4231-4233, routes
# 6231-6233, server names n1-n3, cluster "gomicro", each its own store) and gives every process the three URLs.
# Addresses: GATEWAY_URLS (default http://localhost:8080); with one instance each AUTH_URLS (default
# http://localhost:8081) and BLOG_URLS (default http://localhost:8082); with N instances auth i listens on port
# 8080+2i-1 and blog i on 8080+2i (8081, 8082, 8083, 8084, ...). Installs (as root, from Debian's packages) and starts
# what is missing: PostgreSQL, Redis and nats-server. Builds once, then runs the built binary 2N+1 times.
# Ctrl-C stops every process.
set -euo pipefail
cd "$(dirname "$0")/.."

instances=1
nats_cluster=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --instances) [ "$#" -ge 2 ] || { echo "run-split.sh: --instances needs a number" >&2; exit 2; }; instances="$2"; shift 2 ;;
    --instances=*) instances="${1#*=}"; shift ;;
    --nats-cluster) nats_cluster=1; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-split.sh: unknown argument '$1' (usage: scripts/run-split.sh [--instances N] [--nats-cluster])" >&2; exit 2 ;;
  esac
done
case "$instances" in
  ''|*[!0-9]*|0) echo "run-split.sh: --instances takes a whole number of at least 1, not '$instances'" >&2; exit 2 ;;
esac
. scripts/lib/infra.sh

require_dotnet
phase "PostgreSQL (install if missing, start)" start_postgres
phase "databases gomicro_auth, gomicro_blog" ensure_databases gomicro_auth gomicro_blog
if [ -n "$nats_cluster" ]; then
  phase "NATS cluster n1-n3 with JetStream" start_nats_cluster
  nats_url="$(start_nats_cluster 2>/dev/null)"
else
  phase "nats-server (install if missing, start)" start_nats
  nats_url="${Bus__Nats__Url:-nats://localhost:4222}"
fi

redis=""
if [ "${GOMICRO_NO_REDIS:-}" != 1 ] && (is_root || command -v redis-server >/dev/null 2>&1); then
  phase "Redis (install if missing, start)" start_redis
  redis="${ConnectionStrings__Redis:-localhost:6379}"
else
  log "running without Redis: each process uses its in-memory cache"
fi

configuration="${CONFIGURATION:-Debug}"
phase "restore NuGet packages" dotnet restore src/Host -nologo -v quiet
phase "build src/Host ($configuration)" dotnet build src/Host -c "$configuration" --no-restore -nologo -v quiet
binary="src/Host/bin/$configuration/net10.0/GoMicro.Host.dll"
[ -f "$binary" ] || die "build output $binary not found"

GATEWAY_URLS="${GATEWAY_URLS:-http://localhost:8080}"
auth_urls=() blog_urls=()
if [ "$instances" = 1 ]; then
  auth_urls=("${AUTH_URLS:-http://localhost:8081}")
  blog_urls=("${BLOG_URLS:-http://localhost:8082}")
else
  for i in $(seq 1 "$instances"); do
    auth_urls+=("http://localhost:$((8080 + 2 * i - 1))")
    blog_urls+=("http://localhost:$((8080 + 2 * i))")
  done
fi
db="Host=localhost;Port=5432;Username=$GOMICRO_DB_USER;Password=$GOMICRO_DB_PASSWORD"
auth_db="${ConnectionStrings__Auth:-$db;Database=gomicro_auth}"
blog_db="${ConnectionStrings__Blog:-$db;Database=gomicro_blog}"
# The processes run from the Host folder, so Development finds the same .keys folder as scripts/run.sh: tokens that
# one process signs, the other verifies.
cd src/Host

pids=()
stopping=""
stop_all() {
  stopping=1
  trap - INT TERM EXIT
  if [ "${#pids[@]}" -gt 0 ]; then
    log "stopping ${pids[*]}"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop_all INT TERM EXIT

# run NAME ROLE URLS [VAR=VALUE...]: starts one process in the background (its pid in pids), each log line prefixed
# with NAME. Only the given connection strings are set: a module of another role must not need them.
run() {
  local name="$1" role="$2" urls="$3"
  shift 3
  env -u ConnectionStrings__Auth -u ConnectionStrings__Blog "$@" \
    ConnectionStrings__Redis="$redis" \
    GoMicro__Role="$role" Bus__Nats__Url="$nats_url" \
    ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}" ASPNETCORE_URLS="$urls" \
    ${LOG_FORMAT:+Logging__Console__FormatterName="$LOG_FORMAT" Logging__Console__FormatterOptions__IncludeScopes=true} \
    dotnet "../../$binary" > >(sed -u "s/^/[$name] /") 2>&1 &
  pids+=("$!")
}

# The gateway's destinations replace the ones in appsettings.json (YARP's ReverseProxy section).
destinations=(-u ReverseProxy__Clusters__auth__Destinations__auth1__Address -u ReverseProxy__Clusters__blog__Destinations__blog1__Address)
for i in $(seq 1 "$instances"); do
  auth_url="${auth_urls[$((i - 1))]%%;*}" blog_url="${blog_urls[$((i - 1))]%%;*}"
  # Reached through the gateway on loopback: its X-Forwarded-For names the client the rate limits count.
  run "auth$i" auth "${auth_urls[$((i - 1))]}" Bus__Transport=Nats "ConnectionStrings__Auth=$auth_db" ForwardedHeaders__TrustedProxies=127.0.0.1,::1
  run "blog$i" blog "${blog_urls[$((i - 1))]}" Bus__Transport=Nats "ConnectionStrings__Blog=$blog_db" ForwardedHeaders__TrustedProxies=127.0.0.1,::1
  destinations+=("ReverseProxy__Clusters__auth__Destinations__auth${i}__Address=$auth_url"
                 "ReverseProxy__Clusters__blog__Destinations__blog${i}__Address=$blog_url")
done
run gateway gateway "$GATEWAY_URLS" "${destinations[@]}"

gateway_url="${GATEWAY_URLS%%;*}"
echo
echo "  GoMicro.NET split into services over NATS ($nats_url), $instances instance(s) of each behind the gateway"
echo "  gateway:      $gateway_url   (/auth/... and /blog/...,  Swagger UI $gateway_url/swagger)"
for i in $(seq 1 "$instances"); do
  echo "  auth$i:        ${auth_urls[$((i - 1))]%%;*}   blog$i: ${blog_urls[$((i - 1))]%%;*}   (each also answers directly)"
done
cat <<MSG
  Dev API key:  1D3F2DD1A5DE725DD4DF1D82BBB37   (header x-api-key)
  Admin login:  admin@example.com / changeit    (roles LEARNER, AUTHOR, EDITOR, ADMIN)
  Ctrl-C stops them all. LOG_FORMAT=json shows each log line's TraceId, the same on both sides of a bus request.

MSG
wait -n "${pids[@]}" || true
[ -n "$stopping" ] || log "a process exited; stopping the others"
