#!/usr/bin/env bash
# Installs and starts what the tests need (PostgreSQL, Redis, NATS from Debian's packages), runs the whole suite
# (dotnet test GoMicro.sln, plus the Kong plugin's busted specs, the README walkthrough, the split's telemetry, the
# Kubernetes manifests' build and schema check, and the production image when present) and ends with "N passed, N failed".
# GOMICRO_SKIP_IMAGE_TESTS=1 leaves out scripts/test-image.sh (minutes of image build) for a local edit-test loop; CI never
# sets it.
#   scripts/test.sh [FILTER]   FILTER runs only the .NET tests whose full name contains it (a module, Blog or Auth; a
#                              feature's folder or class, BlogCache; or any dotnet test --filter expression with ~ or =),
#                              and none of the other suites.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/infra.sh

filter="${1:-}"
case "$filter" in
  -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *[~=]*) ;;
  ?*) filter="FullyQualifiedName~$filter" ;;
esac

start_test_servers

# The suite runs its classes in parallel: up to about 75 PostgreSQL connections at once (73 measured in a full run on
# 2 cores). Say so before the run when the server has fewer free, rather than leave 53300 failures unexplained.
free=$(psql_admin -d postgres -tAc "SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int - count(*) FROM pg_stat_activity" 2>/dev/null || echo "")
if [ -n "$free" ] && [ "$free" -lt 80 ]; then
  echo "note: PostgreSQL has $free free connections and the suite opens up to about 75 at once; other work on the server" \
       "may make some tests fail with 53300. Raise max_connections, or stop that work, if they do." >&2
fi

passed=0 failed=0
out="$GOMICRO_STATE_DIR/dotnet-test.log"
log "dotnet test GoMicro.sln"
dotnet test GoMicro.sln --nologo ${filter:+--filter "$filter"} 2>&1 | tee "$out"
dotnet_status=${PIPESTATUS[0]}
if grep -q '53300' "$out"; then
  # PostgreSQL's "too many clients": other work holds the server's connections, not a fault of the tests.
  echo "note: PostgreSQL refused connections (53300, remaining connection slots are reserved): something else holds" \
       "its connections ($(psql_admin -d postgres -tAc "SELECT count(*) || ' of ' || current_setting('max_connections') FROM pg_stat_activity" 2>/dev/null || echo '?') in use now)." \
       "Stop it, or raise max_connections, and run again." >&2
fi
while read -r f p; do
  failed=$((failed + f)); passed=$((passed + p))
done < <(grep -oE 'Failed: +[0-9]+, Passed: +[0-9]+' "$out" | sed -E 's/Failed: +([0-9]+), Passed: +([0-9]+)/\1 \2/')
if [ "$dotnet_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=$((failed + 1))   # the build or a test host failed before reporting counts
  echo "dotnet test exited with $dotnet_status without a failed test count" >&2
fi

# failed_tests: names each failed .NET test, with the first line of its message, just before the count, so a log cut to
# its head and tail still says which test failed.
failed_tests() {
  grep -A2 -E '^ +Failed [A-Za-z]' "$out" | grep -vE '^ +(Error Message:|Stack Trace:)$|^--$' | sed -E 's/^ +/  /' \
    | sed '1i failed .NET tests, each with the first line of its message:' || true
}

if [ -n "$filter" ]; then
  log "only the .NET tests matching '$filter': the Kong, walkthrough, telemetry, Kubernetes and image suites are left out"
  failed_tests
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
  exit
fi

# suite NAME SCRIPT DESCRIPTION: runs one suite script, whose last line is "NAME: N passed, N failed", and adds its
# counts; a script that fails without counting a failure counts as one.
suite() {
  local name="$1" script="$2" out="$GOMICRO_STATE_DIR/$1-test.log" status sp sf
  log "$3"
  "$script" 2>&1 | tee "$out"
  status=${PIPESTATUS[0]}
  read -r sp sf < <(tail -n 1 "$out" | sed -nE "s/^$name: ([0-9]+) passed, ([0-9]+) failed\$/\\1 \\2/p")
  passed=$((passed + ${sp:-0})); failed=$((failed + ${sf:-0}))
  if [ "$status" -ne 0 ] && [ "${sf:-0}" -eq 0 ]; then failed=$((failed + 1)); fi
}

# Code style: what .editorconfig asks (whitespace, usings, the style rules), one check for the whole solution.
log "code style: dotnet format --verify-no-changes"
if dotnet format GoMicro.sln --verify-no-changes -v q; then passed=$((passed + 1))
else failed=$((failed + 1)); echo "dotnet format found code to change: run 'dotnet format GoMicro.sln' and commit" >&2; fi

suite kong scripts/test-kong.sh "Kong plugin specs"
suite walkthrough scripts/test-walkthrough.sh "README walkthrough (monolith and split)"
suite telemetry scripts/test-telemetry.sh "telemetry of the split (OTLP to a local receiver)"
suite kubernetes scripts/test-kubernetes.sh "Kubernetes manifests: kubectl kustomize every overlay, schema-validate every object"
if [ "${GOMICRO_SKIP_IMAGE_TESTS:-}" != 1 ]; then
  suite image scripts/test-image.sh "production image (podman): build, then every role"
else
  log "GOMICRO_SKIP_IMAGE_TESTS=1: the production image is not built or tested in this run"
fi

failed_tests
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
