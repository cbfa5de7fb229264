#!/usr/bin/env bash
# Runs the monolith on http://localhost:8080 (override with ASPNETCORE_URLS) against a local PostgreSQL that this
# script installs (as root, from Debian's packages), starts and prepares. Redis is used when it can be had.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/infra.sh

require_dotnet
start_postgres
ensure_databases gomicro_auth gomicro_blog

export ConnectionStrings__Auth="${ConnectionStrings__Auth:-Host=localhost;Port=5432;Database=gomicro_auth;Username=$GOMICRO_DB_USER;Password=$GOMICRO_DB_PASSWORD}"
export ConnectionStrings__Blog="${ConnectionStrings__Blog:-Host=localhost;Port=5432;Database=gomicro_blog;Username=$GOMICRO_DB_USER;Password=$GOMICRO_DB_PASSWORD}"
if [ "${GOMICRO_NO_REDIS:-}" != 1 ] && (is_root || command -v redis-server >/dev/null 2>&1); then
  start_redis
  export ConnectionStrings__Redis="${ConnectionStrings__Redis:-localhost:6379}"
else
  log "running without Redis: the in-memory cache is used"
fi
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://localhost:8080}"
url="${ASPNETCORE_URLS%%;*}"

cat <<MSG

  GoMicro.NET monolith starting on $url
  Swagger UI:   $url/swagger
  Dev API key:  1D3F2DD1A5DE725DD4DF1D82BBB37   (header x-api-key)
  Admin login:  admin@example.com / changeit    (roles LEARNER, AUTHOR, EDITOR, ADMIN)
  Admin tool:   scripts/gomicro help

MSG
exec dotnet run --project src/Host -c "${CONFIGURATION:-Debug}" --no-launch-profile
