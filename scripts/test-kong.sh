#!/usr/bin/env bash
# Runs the busted specs of the Kong apikey-auth plugin.
#
# Kong cannot be installed here, so the plugin's Lua logic is tested against a
# stand-in for Kong's PDK (kong/plugins/apikey-auth/spec/fake_kong.lua).
# The last line printed is always `kong: N passed, N failed`, which
# scripts/test.sh adds to its own totals. Errors and pending specs count as
# failed; the script exits non-zero on any failure or when no spec ran.
set -uo pipefail

cd "$(dirname "$0")/.."

report() {
  echo "kong: $1 passed, $2 failed"
}

if ! command -v busted >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "busted is not installed and installing it needs root:" >&2
    echo "  apt-get update && apt-get install -y lua-busted" >&2
    report 0 1
    exit 1
  fi
  echo "installing lua-busted (Debian's busted) ..." >&2
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lua-busted >/dev/null; }; then
    echo "could not install lua-busted with apt-get" >&2
    report 0 1
    exit 1
  fi
fi

output_file="$(mktemp)"
trap 'rm -f "$output_file"' EXIT

# --lpath makes `require "kong.plugins.apikey-auth.handler"` resolve to
# kong/plugins/apikey-auth/handler.lua, the module name Kong itself uses.
busted --lpath='./?.lua' --output=plainTerminal --pattern=_spec kong/plugins \
  >"$output_file" 2>&1
busted_status=$?
cat "$output_file"

# plainTerminal closes with e.g. "30 successes / 0 failures / 2 errors / 0 pending : 0.01 seconds"
# (singular words for a count of 1).
summary="$(grep -E '^[0-9]+ success(es)? / [0-9]+ failures? / [0-9]+ errors? / [0-9]+ pending' "$output_file" | tail -n 1)"
if [ -z "$summary" ]; then
  echo "busted printed no summary (exit $busted_status): the specs did not run" >&2
  report 0 1
  exit 1
fi

read -r successes failures errors pending <<<"$(echo "$summary" | sed -E 's#^([0-9]+) [a-z]+ / ([0-9]+) [a-z]+ / ([0-9]+) [a-z]+ / ([0-9]+) pending.*#\1 \2 \3 \4#')"
failed=$((failures + errors + pending))

if [ "$pending" -gt 0 ]; then
  echo "$pending pending spec(s): finish them or delete them" >&2
fi
if [ "$successes" -eq 0 ]; then
  echo "no spec ran" >&2
fi

report "$successes" "$failed"
if [ "$failed" -gt 0 ] || [ "$successes" -eq 0 ] || [ "$busted_status" -ne 0 ]; then
  exit 1
fi
