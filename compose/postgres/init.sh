#!/bin/bash
# Creates the auth and blog databases, each owned by its own login role, so
# neither module can read or change the other's data (no shared database).
# The postgres image runs this once, on an empty data volume, as the superuser.
#
# Environment: AUTH_DB_PASSWORD and BLOG_DB_PASSWORD (required); AUTH_DB_USER
# and BLOG_DB_USER (default gomicro_auth, gomicro_blog). docker-compose.dev.yml
# gives both databases one role so it matches appsettings.json's defaults.
set -euo pipefail

: "${AUTH_DB_PASSWORD:?AUTH_DB_PASSWORD must be set}"
: "${BLOG_DB_PASSWORD:?BLOG_DB_PASSWORD must be set}"

create_module_database() {
  local database="$1" role="$2" password="$3"
  # psql variables (:"x" quotes an identifier, :'x' a literal; format's %I and
  # %L do the same server-side), so a password with quotes cannot break out.
  psql --no-psqlrc -v ON_ERROR_STOP=1 \
    --username "$POSTGRES_USER" --dbname postgres \
    -v database="$database" -v role="$role" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
CREATE DATABASE :"database" OWNER :"role";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"role";
SQL
  echo "created database $database owned by $role"
}

create_module_database gomicro_auth "${AUTH_DB_USER:-gomicro_auth}" "$AUTH_DB_PASSWORD"
create_module_database gomicro_blog "${BLOG_DB_USER:-gomicro_blog}" "$BLOG_DB_PASSWORD"
