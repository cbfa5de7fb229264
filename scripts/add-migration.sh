#!/usr/bin/env bash
# Adds an EF Core migration (and updates the model snapshot) for one module, from its DbContext's current model:
#   scripts/add-migration.sh auth|blog MigrationName
# Needs no database: the design-time factory only builds the model.
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { echo "usage: $0 auth|blog MigrationName" >&2; exit 2; }
case "${1:-}" in
  auth) project=src/Modules.Auth ;;
  blog) project=src/Modules.Blog ;;
  *) usage ;;
esac
[ -n "${2:-}" ] || usage
dotnet tool restore >/dev/null
dotnet ef migrations add "$2" --project "$project" --startup-project "$project" --output-dir Persistence/Migrations
