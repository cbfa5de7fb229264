#!/usr/bin/env bash
# Builds every kustomization under kubernetes/ with `kubectl kustomize` (each overlay, and the Kong plugin and
# CloudNativePG examples) and validates every object built against the Kubernetes API schemas
# (scripts/kubernetes-schema/validate.mjs: kubernetes-models' compiled upstream schemas plus a strict unknown-field check),
# after proving with --self-test that the validator rejects broken objects. The drift tests that read the built
# manifests against the app are C# tests (tests/Architecture/Deployment/Kubernetes*), run by `dotnet test`.
#
# Needs kubectl (1.32, with kustomize 5.5) and Node.js with npm; installs the validator's npm packages from
# scripts/kubernetes-schema/package-lock.json. A missing tool is a failure, never a skip.
# The last line printed is always `kubernetes: N passed, N failed`, which scripts/test.sh adds to its totals.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/infra.sh

passed=0 failed=0
report() { echo "kubernetes: $passed passed, $failed failed"; }
fail_now() { echo "error: $*" >&2; failed=$((failed + 1)); report; exit 1; }

command -v kubectl >/dev/null 2>&1 \
  || fail_now "kubectl is missing: install kubectl 1.32 or later (it carries kustomize 5.5; Debian 12's kubernetes-client is 1.20, too old for these kustomizations), and run again."
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  is_root || fail_now "Node.js and npm are missing: apt-get install nodejs npm, and run again."
  ( apt_install node nodejs && apt_install npm npm ) || fail_now "could not install nodejs and npm with apt-get"
fi

schema_dir=scripts/kubernetes-schema
# npm ci only when the lock file changed since the last install (it deletes node_modules first).
stamp="$schema_dir/node_modules/.gomicro-lock.sha256"
lock_sum="$(sha256sum "$schema_dir/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  log "npm ci (scripts/kubernetes-schema)"
  (cd "$schema_dir" && npm ci --no-audit --no-fund --loglevel=error) || fail_now "npm ci failed in $schema_dir"
  echo "$lock_sum" > "$stamp"
fi

out_dir="$GOMICRO_STATE_DIR/kubernetes"
rm -rf "$out_dir" && mkdir -p "$out_dir"

# The validator's own canaries first: a validator that accepts anything would make every later line meaningless.
log "schema validator self-test"
self_out="$out_dir/self-test.log"
node "$schema_dir/validate.mjs" --self-test 2>&1 | tee "$self_out"
read -r sp sf < <(tail -n 1 "$self_out" | sed -nE 's/^schema: ([0-9]+) passed, ([0-9]+) failed.*$/\1 \2/p')
passed=$((passed + ${sp:-0})); failed=$((failed + ${sf:-1}))

# Every folder under kubernetes/ with a kustomization.yaml: the base, the overlays an operator applies, and the
# engines' own kustomizations (the Kong plugin's ConfigMap, the CloudNativePG clusters).
builds=()
while read -r dir; do
  name="${dir#kubernetes/}"; name="${name//\//-}"
  if kubectl kustomize "$dir" > "$out_dir/$name.yaml" 2> "$out_dir/$name.err"; then
    echo "ok kubectl kustomize $dir ($(grep -c '^kind:' "$out_dir/$name.yaml") objects)"
    passed=$((passed + 1))
    builds+=("$name=$out_dir/$name.yaml")
  else
    echo "FAIL kubectl kustomize $dir: $(cat "$out_dir/$name.err")"
    failed=$((failed + 1))
  fi
done < <(find kubernetes -name kustomization.yaml -printf '%h\n' | sort)
[ "${#builds[@]}" -ge 3 ] || { echo "FAIL expected at least the dev, production and gateway overlays to build"; failed=$((failed + 1)); }

log "schema validation of every built object"
schema_out="$out_dir/schema.log"
node "$schema_dir/validate.mjs" "${builds[@]}" 2>&1 | tee "$schema_out"
read -r vp vf < <(tail -n 1 "$schema_out" | sed -nE 's/^schema: ([0-9]+) passed, ([0-9]+) failed.*$/\1 \2/p')
if [ -z "${vp:-}" ]; then
  echo "FAIL the schema validator printed no summary"
  failed=$((failed + 1))
else
  passed=$((passed + vp)); failed=$((failed + vf))
fi

report
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
