#!/usr/bin/env bash
# Runs the monolith on http://localhost:8080 (override with ASPNETCORE_URLS) against a local PostgreSQL that this
# script installs (as root, from Debian's packages), starts and prepares. Redis is used when it can be had.
# Prints one line per phase (servers, restore, build, start) with its duration, then how long the first answer took.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/infra.sh

started=$EPOCHREALTIME
require_dotnet
phase "PostgreSQL (install if missing, start)" start_postgres
phase "databases gomicro_auth, gomicro_blog" ensure_databases gomicro_auth gomicro_blog

export ConnectionStrings__Auth="${ConnectionStrings__Auth:-Host=localhost;Port=5432;Database=gomicro_auth;Username=$GOMICRO_DB_USER;Password=$GOMICRO_DB_PASSWORD}"
export ConnectionStrings__Blog="${ConnectionStrings__Blog:-Host=localhost;Port=5432;Database=gomicro_blog;Username=$GOMICRO_DB_USER;Password=$GOMICRO_DB_PASSWORD}"
if [ "${GOMICRO_NO_REDIS:-}" != 1 ] && (is_root || command -v redis-server >/dev/null 2>&1); then
  phase "Redis (install if missing, start)" start_redis
  export ConnectionStrings__Redis="${ConnectionStrings__Redis:-localhost:6379}"
else
  log "running without Redis: the in-memory cache is used"
fi
configuration="${CONFIGURATION:-Debug}"
phase "restore NuGet packages" dotnet restore src/Host -nologo -v quiet
phase "build src/Host ($configuration)" dotnet build src/Host -c "$configuration" --no-restore -nologo -v quiet

export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://localhost:8080}"
url="${ASPNETCORE_URLS%%;*}"

# The built binary from the Host folder (the content root: appsettings and the development key folder), as
# scripts/run-split.sh runs it; Ctrl-C and SIGTERM reach it as SIGTERM, which drains it.
out="src/Host/bin/$configuration/net10.0"
t0=$EPOCHREALTIME
printf '%s==> %-40s%s' "$_bold" "start (migrations, seed) ..." "$_plain" >&2
(cd src/Host && exec "../../$out/GoMicro.Host") &
server=$!
trap 'kill -TERM "$server" 2>/dev/null || true' INT TERM
probe="$(sed -E 's#//(\+|\*|0\.0\.0\.0|\[::\])(:|/|$)#//localhost\2#' <<<"$url")"
for _ in $(seq 1 600); do
  kill -0 "$server" 2>/dev/null || break
  curl -s -o /dev/null "$probe/health/live" 2>/dev/null && break
  sleep 0.2
done
printf 'answering in %s (%s since scripts/run.sh started)\n' "$(elapsed "$t0")" "$(elapsed "$started")" >&2

cat <<MSG >&2

  GoMicro.NET monolith on $url
  Swagger UI:   $url/swagger
  Dev API key:  1D3F2DD1A5DE725DD4DF1D82BBB37   (header x-api-key)
  Admin login:  admin@example.com / changeit    (roles LEARNER, AUTHOR, EDITOR, ADMIN)
  Admin tool:   scripts/gomicro --help
  Walkthrough:  README.md, "Walkthrough: the whole blogging flow with curl"

MSG
status=0
wait "$server" || status=$?
# A signal interrupts the first wait; wait again for the drain to finish.
if kill -0 "$server" 2>/dev/null; then wait "$server" || status=$?; fi
exit "$status"
