#!/usr/bin/env bash
# Runs GoMicro.NET split into services, as the reference system runs: one auth-role process on http://localhost:8081
# and one blog-role process on http://localhost:8082 (override with AUTH_URLS and BLOG_URLS), each with its own
# database, talking only over NATS. Installs (as root, from Debian's packages) and starts what is missing: PostgreSQL,
# Redis and nats-server. Builds once, then runs the built binary twice. Ctrl-C stops both processes.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/infra.sh

require_dotnet
start_postgres
ensure_databases gomicro_auth gomicro_blog
start_nats

redis=""
if [ "${GOMICRO_NO_REDIS:-}" != 1 ] && (is_root || command -v redis-server >/dev/null 2>&1); then
  start_redis
  redis="${ConnectionStrings__Redis:-localhost:6379}"
else
  log "running without Redis: each process uses its in-memory cache"
fi

configuration="${CONFIGURATION:-Debug}"
log "building ($configuration)"
dotnet build src/Host -c "$configuration" -nologo -v quiet
binary="src/Host/bin/$configuration/net10.0/GoMicro.Host.dll"
[ -f "$binary" ] || die "build output $binary not found"

AUTH_URLS="${AUTH_URLS:-http://localhost:8081}"
BLOG_URLS="${BLOG_URLS:-http://localhost:8082}"
nats_url="${Bus__Nats__Url:-nats://localhost:4222}"
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

# run ROLE URLS CONNECTION-NAME CONNECTION-STRING: starts one process in the background (its pid in pids), each log
# line prefixed with the role. Only this role's database is given: a module of another role must not need it.
run() {
  local role="$1" urls="$2" connection_name="$3" connection_string="$4"
  env -u ConnectionStrings__Auth -u ConnectionStrings__Blog \
    "ConnectionStrings__$connection_name=$connection_string" \
    ConnectionStrings__Redis="$redis" \
    GoMicro__Role="$role" Bus__Transport=Nats Bus__Nats__Url="$nats_url" \
    ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}" ASPNETCORE_URLS="$urls" \
    ${LOG_FORMAT:+Logging__Console__FormatterName="$LOG_FORMAT" Logging__Console__FormatterOptions__IncludeScopes=true} \
    dotnet "../../$binary" > >(sed -u "s/^/[$role] /") 2>&1 &
  pids+=("$!")
}

run auth "$AUTH_URLS" Auth "$auth_db"
run blog "$BLOG_URLS" Blog "$blog_db"

cat <<MSG

  GoMicro.NET split into services over NATS ($nats_url)
  auth service: ${AUTH_URLS%%;*}   (/auth/...,  Swagger UI ${AUTH_URLS%%;*}/swagger)
  blog service: ${BLOG_URLS%%;*}   (/blog/...,  Swagger UI ${BLOG_URLS%%;*}/swagger)
  Dev API key:  1D3F2DD1A5DE725DD4DF1D82BBB37   (header x-api-key)
  Admin login:  admin@example.com / changeit    (roles LEARNER, AUTHOR, EDITOR, ADMIN)
  Ctrl-C stops both. LOG_FORMAT=json shows each log line's TraceId, the same on both sides of a bus request.

MSG
wait -n "${pids[@]}" || true
[ -n "$stopping" ] || log "a process exited; stopping the other"
