#!/bin/bash
# Creates one database and one login role per module, so neither module can
# read or change the other's data (no shared database, as in the reference).
# The postgres image runs this once, on an empty data volume, as the superuser.
set -euo pipefail

: "${AUTH_DB_PASSWORD:?AUTH_DB_PASSWORD must be set}"
: "${BLOG_DB_PASSWORD:?BLOG_DB_PASSWORD must be set}"

create_module_database() {
  local name="$1" password="$2"
  # psql variables (:"name" quotes an identifier, :'password' a literal), so a
  # password with quotes cannot break out of the statement.
  psql --no-psqlrc -v ON_ERROR_STOP=1 \
    --username "$POSTGRES_USER" --dbname postgres \
    -v name="$name" -v password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"name" TO :"name";
SQL
  echo "created database and role $name"
}

create_module_database gomicro_auth "$AUTH_DB_PASSWORD"
create_module_database gomicro_blog "$BLOG_DB_PASSWORD"
