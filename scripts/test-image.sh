#!/usr/bin/env bash
# Builds the production image from src/Host/Dockerfile with podman and runs it as every role, as a test:
#   1. installs podman, runc and debootstrap from Debian's packages when missing, and configures podman for this
#      machine only when a container cannot start otherwise (a drop-in in /etc/containers/containers.conf.d);
#   2. uses the official .NET base images when they can be pulled; otherwise builds local stand-ins once (a Debian 12
#      root file system from debootstrap plus this machine's .NET 10 SDK, and one with only the shared runtimes),
#      cached under $GOMICRO_STATE_DIR/image, and says so;
#   3. builds gomicro:local (restore over the host network, with this machine's NuGet config and CA bundle as build
#      secrets), runs `migrate` and the admin commands as one-off containers, then runs the image as monolith, auth and
#      blog (the last two over NATS) with --network host on 127.0.0.1 ports, in Production with a generated signing key
#      mounted read-only, and checks readiness, the non-root user, a request flow and a clean SIGTERM stop for each.
# The last line is always `image: N passed, N failed`, which scripts/test.sh adds to its totals.
# Servers: GOMICRO_TEST_POSTGRES's server (localhost:5432), GOMICRO_TEST_REDIS and GOMICRO_TEST_NATS when set.
# Ports: GOMICRO_IMAGE_PORT_BASE (default 18080) for the monolith, +1 auth, +2 blog.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/infra.sh

passed=0 failed=0
report() { echo "image: $passed passed, $failed failed"; }
pass() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*" >&2; failed=$((failed + 1)); }
# check NAME CMD...: one counted check; CMD's output is shown only when it fails.
check() {
  local name="$1" out; shift
  if out="$("$@" 2>&1)"; then pass "$name"; else fail "$name"; [ -z "$out" ] || sed 's/^/     /' <<<"$out" >&2; fi
}
fail_setup() { fail "$*"; report; exit 1; }

image=gomicro:local
cache="$GOMICRO_STATE_DIR/image"
mkdir -p "$cache"
started=$SECONDS

# --- 1. Tools -----------------------------------------------------------------------------------------------------
require_dotnet
apt_install podman podman
apt_install runc runc
apt_install debootstrap debootstrap
apt_install curl curl
apt_install jq jq
apt_install openssl openssl
start_postgres
ensure_databases
redis="${GOMICRO_TEST_REDIS:-}"
if [ -z "$redis" ]; then start_redis; redis=localhost:6379; fi
nats="${GOMICRO_TEST_NATS:-}"
if [ -z "$nats" ]; then start_nats; nats=nats://localhost:4222; fi

# --- 2. Base images -----------------------------------------------------------------------------------------------
sdk_image=mcr.microsoft.com/dotnet/sdk:10.0
runtime_image=mcr.microsoft.com/dotnet/aspnet:10.0
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
sdk_version="$(dotnet --version)"
runtime_version="$(dotnet --list-runtimes | awk '$1 == "Microsoft.AspNetCore.App" { v = $2 } END { print v }')"
base_standin=localhost/gomicro-standin/debian:12
sdk_standin="localhost/gomicro-standin/dotnet-sdk:$sdk_version"
runtime_standin="localhost/gomicro-standin/aspnet:$runtime_version"

has_image() { podman image exists "$1"; }
pull() { has_image "$1" || timeout 120 podman pull -q "$1" >"$cache/pull.log" 2>&1; }

# The stand-ins' root file system: Debian 12 minbase with what the .NET runtime loads (ICU, OpenSSL, CA certificates,
# time zones), and the official images' non-root user `app` (uid and gid 1654, exported as APP_UID).
base_rootfs() {
  [ -d "$cache/rootfs" ] && return 0
  log "debootstrap: Debian 12 (bookworm) minbase into $cache/rootfs (once)"
  rm -rf "$cache/rootfs.tmp"
  debootstrap --variant=minbase --include=ca-certificates,libicu72,libssl3,tzdata \
    bookworm "$cache/rootfs.tmp" http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 ||
    { tail -n 20 "$cache/debootstrap.log" >&2; return 1; }
  echo 'app:x:1654:' >>"$cache/rootfs.tmp/etc/group"
  echo 'app:x:1654:1654::/home/app:/usr/sbin/nologin' >>"$cache/rootfs.tmp/etc/passwd"
  install -d -o 1654 -g 1654 "$cache/rootfs.tmp/home/app"
  rm -rf "$cache/rootfs.tmp/var/cache/apt/archives/"*.deb "$cache/rootfs.tmp/var/lib/apt/lists/"*
  mv "$cache/rootfs.tmp" "$cache/rootfs"
}

# The stand-ins are built without RUN steps, so they need no working container runtime yet.
standin_env=(--change 'ENV APP_UID=1654' --change 'ENV DOTNET_RUNNING_IN_CONTAINER=true'
  --change 'ENV DOTNET_ROOT=/usr/share/dotnet' --change 'ENV PATH=/usr/share/dotnet:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
build_standins() {
  if ! has_image "$base_standin"; then
    base_rootfs || return 1
    log "importing $base_standin"
    tar -C "$cache/rootfs" -c . | podman import -q "${standin_env[@]}" - "$base_standin" >/dev/null || return 1
  fi
  if ! has_image "$sdk_standin"; then
    log "building $sdk_standin from $dotnet_root (the whole SDK)"
    printf 'FROM %s\nCOPY . /usr/share/dotnet/\nENV DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 NUGET_XMLDOC_MODE=skip\n' \
      "$base_standin" >"$cache/Containerfile.sdk"
    podman build -q --network host -f "$cache/Containerfile.sdk" -t "$sdk_standin" "$dotnet_root" >/dev/null || return 1
  fi
  if ! has_image "$runtime_standin"; then
    log "building $runtime_standin: the .NET and ASP.NET Core shared runtimes only, no SDK"
    local ctx="$cache/runtime-context"
    rm -rf "$ctx"; mkdir -p "$ctx/shared"
    cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$dotnet_root/LICENSE.txt" "$dotnet_root/ThirdPartyNotices.txt" "$ctx/"
    cp -a "$dotnet_root/shared/Microsoft.NETCore.App" "$dotnet_root/shared/Microsoft.AspNetCore.App" "$ctx/shared/"
    printf 'FROM %s\nCOPY . /usr/share/dotnet/\nENV ASPNETCORE_HTTP_PORTS=8080\n' "$base_standin" >"$cache/Containerfile.runtime"
    podman build -q --network host -f "$cache/Containerfile.runtime" -t "$runtime_standin" "$ctx" >/dev/null || return 1
    rm -rf "$ctx"
  fi
}

log "pulling $sdk_image and $runtime_image"
if pull "$sdk_image" && pull "$runtime_image"; then
  echo "image: building on the official base images"
else
  reason="$(grep -m 1 -oE '(dial tcp|pinging|Error).*' "$cache/pull.log" | cut -c 1-200)"
  echo "image: USING LOCAL STAND-INS for the official .NET base images, which cannot be pulled here (${reason:-see $cache/pull.log})."
  echo "image:   build stage $sdk_standin (Debian 12 + this machine's .NET SDK $sdk_version)"
  echo "image:   final stage $runtime_standin (Debian 12 + the shared runtimes $runtime_version, no SDK)"
  echo "image:   CI that can reach mcr.microsoft.com builds on the official images (this script does so when it can pull)."
  check "stand-in base images built (cached in $cache and podman's storage)" build_standins
  has_image "$runtime_standin" || fail_setup "no base images to build on"
  sdk_image="$sdk_standin" runtime_image="$runtime_standin"
fi

# --- 3. podman on this machine --------------------------------------------------------------------------------------
# crun fails on this kind of machine's cgroup setup, and podman's default nofile/nproc limits (1048576) are above what
# a container may set without CAP_SYS_RESOURCE. Only when a trivial container fails is the drop-in written; a machine
# where podman works stays untouched.
dropin=/etc/containers/containers.conf.d/50-gomicro-runc-ulimits.conf
try_run() { timeout 120 podman run --rm --network host "$@" "$runtime_image" /bin/true >"$cache/try-run.log" 2>&1; }
if ! try_run; then
  is_root || fail_setup "podman cannot start a container ($(tail -n 1 "$cache/try-run.log")); as root this script configures it"
  log "podman cannot start a container here ($(tail -n 1 "$cache/try-run.log")); finding limits it can start with"
  # Start at the hard limits of this shell (ulimit -Hn, -Hu) and halve the one runc reports (rlimit type 7 is nofile,
  # 6 nproc): the runtime's own process may hold lower hard limits than this shell.
  nofile="$(ulimit -Hn)" nproc="$(ulimit -Hu)"
  [ "$nofile" = unlimited ] && nofile=1048576
  [ "$nproc" = unlimited ] && nproc=1048576
  until try_run --runtime runc --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc"; do
    if grep -q 'rlimit type 7' "$cache/try-run.log" && [ "$nofile" -gt 1024 ]; then nofile=$((nofile / 2))
    elif grep -q 'rlimit type 6' "$cache/try-run.log" && [ "$nproc" -gt 1024 ]; then nproc=$((nproc / 2))
    else fail_setup "podman cannot start a container with runc: $(tail -n 3 "$cache/try-run.log")"
    fi
  done
  log "writing $dropin: runc, nofile=$nofile, nproc=$nproc"
  mkdir -p "$(dirname "$dropin")"
  cat >"$dropin" <<CONF
# Written by GoMicro.NET's scripts/test-image.sh because a container could not start with podman's defaults:
# runc instead of crun, and container limits at or below this machine's hard limits (ulimit -Hn, -Hu).
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
CONF
  try_run || fail_setup "podman still cannot start a container: $(tail -n 3 "$cache/try-run.log")"
fi

# --- 4. The image -----------------------------------------------------------------------------------------------------
secrets=()
nuget_config="${NUGET_CONFIG:-$HOME/.nuget/NuGet/NuGet.Config}"
[ -f "$nuget_config" ] && secrets+=(--secret "id=nuget_config,src=$nuget_config")
ca_bundle="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
[ -f "$ca_bundle" ] && secrets+=(--secret "id=ca_bundle,src=$ca_bundle")
build_image() {
  podman build --network host "${secrets[@]}" \
    --build-arg "SDK_IMAGE=$sdk_image" --build-arg "RUNTIME_IMAGE=$runtime_image" \
    --build-arg "NUGET_CERT_REVOCATION_MODE=${NUGET_CERT_REVOCATION_MODE:-online}" \
    -f src/Host/Dockerfile -t "$image" . >"$cache/build.log" 2>&1 || { tail -n 30 "$cache/build.log"; return 1; }
}
log "building $image (log: $cache/build.log)"
build_started=$SECONDS
check "podman build -f src/Host/Dockerfile -t $image ." build_image
has_image "$image" || fail_setup "no image to run"
echo "image: built in $((SECONDS - build_started)) s; size $(podman image inspect "$image" --format '{{.Size}}' | awk '{ printf "%d MB", $1 / 1000000 }')"
check "the image holds no .NET SDK" bash -c "[ -z \"\$(podman run --rm --network host --entrypoint dotnet $image --list-sdks)\" ]"

# --- 5. Run it -------------------------------------------------------------------------------------------------------
port_base="${GOMICRO_IMAGE_PORT_BASE:-18080}"
db_auth="gomicro_image_auth_$$" db_blog="gomicro_image_blog_$$"
ensure_databases "$db_auth" "$db_blog" >/dev/null
# The .NET images carry no Kerberos library, and Npgsql 10 tries GSS encryption first unless told not to (the same
# setting as in the compose files, docs/deploy.md).
pg="Host=127.0.0.1;Port=5432;Username=$GOMICRO_DB_USER;Password=$GOMICRO_DB_PASSWORD;GSS Encryption Mode=Disable"
keys="$cache/keys-$$"
mkdir -p "$keys"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$keys/jwt-private.pem" 2>/dev/null
chmod 0755 "$keys"; chmod 0644 "$keys/jwt-private.pem"   # readable by the image's uid 1654

containers=()
cleanup() {
  local c db
  for c in ${containers[@]+"${containers[@]}"}; do podman rm -f -t 0 "$c" >/dev/null 2>&1; done
  for db in "$db_auth" "$db_blog"; do psql_admin -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1; done
  rm -rf "$keys"
}
trap cleanup EXIT

# Settings every container gets: Production, the local servers, the mounted signing key, no migration at start-up (the
# migrate job does it, as in compose), this run's own Redis prefix.
common=(--network host -v "$keys:/run/secrets/jwt:ro"
  -e ASPNETCORE_ENVIRONMENT=Production -e "ConnectionStrings__Redis=$redis" -e "Cache__Redis__InstanceName=image-$$:"
  -e Auth__Jwt__SigningKeyPath=/run/secrets/jwt/jwt-private.pem
  -e Database__MigrateOnStartup=false -e Database__Seed=false)
mono_env=(-e GoMicro__Role=monolith -e "ConnectionStrings__Auth=$pg;Database=$db_auth" -e "ConnectionStrings__Blog=$pg;Database=$db_blog")
# admin ARGS...: an admin command of the image as a one-off container (monolith role: both databases), quiet.
admin() { podman run --rm "${common[@]}" "${mono_env[@]}" -e Logging__LogLevel__Default=Warning "$image" "$@"; }

check "migrate (one-off container, both databases)" admin migrate
api_key="$(admin apikey create --comment "test-image $$" | tail -n 1)"
check "apikey create (one-off container) printed a key" grep -qE '^[0-9A-F]{40}$' <<<"$api_key"

# call URL [curl options]: prints the status, the body in $cache/body.json.
call() { local url="$1"; shift; curl -sS -o "$cache/body.json" -w '%{http_code}' -H "x-api-key: $api_key" -H 'content-type: application/json' "$@" "$url"; }
expect() { local want="$1" got; shift; got="$(call "$@")"; [ "$got" = "$want" ] || { echo "$got (wanted $want) ${*: -1}: $(head -c 300 "$cache/body.json")"; return 1; }; }

# start NAME PORT ENV...: a detached container of the image listening on 127.0.0.1:PORT.
start() {
  local name="gomicro-image-$1-$$" port="$2"; shift 2
  containers+=("$name")
  podman run -d --name "$name" "${common[@]}" -e "ASPNETCORE_URLS=http://127.0.0.1:$port" "$@" "$image" >/dev/null
}
ready() {
  local name="gomicro-image-$1-$$" port="$2"
  for _ in $(seq 1 240); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready")" = 200 ] && return 0
    [ "$(podman inspect "$name" --format '{{.State.Running}}' 2>/dev/null)" = true ] || break
    sleep 0.5
  done
  echo "not ready on :$port; its log:"; podman logs --tail 30 "$name" 2>&1
  return 1
}
non_root() { local uid; uid="$(podman exec "gomicro-image-$1-$$" id -u)" && [ "$uid" != 0 ] && echo "uid $uid"; }
# stops within the drain time (HostOptions:ShutdownTimeout, 30 s) with exit code 0
sigterm() {
  local name="gomicro-image-$1-$$" t0=$SECONDS code
  podman kill --signal TERM "$name" >/dev/null || return 1
  code="$(timeout 35 podman wait "$name")" || { echo "still running 35 s after SIGTERM"; return 1; }
  [ "$code" = 0 ] || { echo "exit code $code"; podman logs --tail 20 "$name" 2>&1; return 1; }
  echo "stopped in $((SECONDS - t0)) s"
}

# flow AUTH_URL BLOG_URL: a new user signs up; an admin command (one-off container, the production way to make the
# first EDITOR/ADMIN) grants AUTHOR and EDITOR; the user signs in, writes, submits and publishes a blog, and it reads
# back with the API key only. In the split every blog route below asks the auth service over NATS.
flow() {
  local auth="$1" blog="$2" email="image.$$.$RANDOM@example.com" token id
  expect 200 "$auth/auth/signup/basic" -d '{"email":"'"$email"'","password":"secret1","name":"Image"}' || return 1
  admin user grant-role "$email" AUTHOR EDITOR >/dev/null || { echo "user grant-role failed"; return 1; }
  expect 200 "$auth/auth/signin/basic" -d '{"email":"'"$email"'","password":"secret1"}' || return 1
  token="$(jq -r .data.tokens.accessToken "$cache/body.json")"
  expect 200 "$blog/blog/author" -H "authorization: Bearer $token" -d '{"title":"Built and run here",
    "description":"The production image","draftText":"One image, every role.","slug":"image-'"$$-$RANDOM"'",
    "imgUrl":"https://example.com/image.png","tags":["IMAGE"]}' || return 1
  id="$(jq -r .data._id "$cache/body.json")"
  expect 200 "$blog/blog/author/submit/id/$id" -X PUT -H "authorization: Bearer $token" || return 1
  expect 200 "$blog/blog/editor/publish/id/$id" -X PUT -H "authorization: Bearer $token" || return 1
  expect 200 "$blog/blog/id/$id" || return 1
  jq -e --arg id "$id" '.data._id == $id' "$cache/body.json" >/dev/null
}

# kid_published AUTH_URL: a signed-in token's kid is one of the keys at /auth/.well-known/jwks.json, fetched without
# an API key (issue 11: a gateway or another service verifies tokens with it).
kid_published() {
  local auth="$1" email="image.kid.$$.$RANDOM@example.com" header kid status
  expect 200 "$auth/auth/signup/basic" -d '{"email":"'"$email"'","password":"secret1","name":"Kid"}' || return 1
  header="$(jq -r .data.tokens.accessToken "$cache/body.json" | cut -d. -f1 | tr '_-' '/+')"
  while (( ${#header} % 4 )); do header+="="; done   # base64url has no padding; base64 -d wants it
  kid="$(base64 -d <<<"$header" | jq -r .kid)"
  [ -n "$kid" ] && [ "$kid" != null ] || { echo "the token header has no kid"; return 1; }
  status="$(curl -sS -o "$cache/jwks.json" -w '%{http_code}' "$auth/auth/.well-known/jwks.json")"
  [ "$status" = 200 ] || { echo "jwks.json without an API key: $status"; return 1; }
  jq -e --arg kid "$kid" '[.keys[].kid] | index($kid) != null' "$cache/jwks.json" >/dev/null || { echo "kid $kid not in $(cat "$cache/jwks.json")"; return 1; }
}

# The monolith: both modules, in-process bus.
mono_port=$port_base
log "monolith on 127.0.0.1:$mono_port"
start monolith "$mono_port" "${mono_env[@]}"
check "monolith: /health/ready is 200" ready monolith "$mono_port"
check "monolith: runs as a non-root user" non_root monolith
check "monolith: sign up, sign in, write, publish and read a blog" flow "http://127.0.0.1:$mono_port" "http://127.0.0.1:$mono_port"
check "monolith: a token's kid is in the JWKS, which needs no API key" kid_published "http://127.0.0.1:$mono_port"
check "monolith: SIGTERM stops it within the drain time, exit code 0" sigterm monolith

# The split: an auth and a blog container, each with only its own database, over the local nats-server.
auth_port=$((port_base + 1)) blog_port=$((port_base + 2))
bus=(-e Bus__Transport=Nats -e "Bus__Nats__Url=$nats")
log "auth on 127.0.0.1:$auth_port and blog on 127.0.0.1:$blog_port over NATS ($nats)"
start auth "$auth_port" "${bus[@]}" -e GoMicro__Role=auth -e "ConnectionStrings__Auth=$pg;Database=$db_auth"
start blog "$blog_port" "${bus[@]}" -e GoMicro__Role=blog -e "ConnectionStrings__Blog=$pg;Database=$db_blog"
check "auth: /health/ready is 200" ready auth "$auth_port"
check "blog: /health/ready is 200" ready blog "$blog_port"
check "auth: runs as a non-root user" non_root auth
check "blog: runs as a non-root user" non_root blog
check "auth: /auth/health is 200" expect 200 "http://127.0.0.1:$auth_port/auth/health"
check "auth+blog: sign in at auth, authenticated blog routes across NATS, read the blog" \
  flow "http://127.0.0.1:$auth_port" "http://127.0.0.1:$blog_port"
check "blog: SIGTERM stops it within the drain time, exit code 0" sigterm blog
check "auth: SIGTERM stops it within the drain time, exit code 0" sigterm auth

echo "image: $image $(podman image inspect "$image" --format '{{.Size}}' | awk '{ printf "%d MB", $1 / 1000000 }'), whole run $((SECONDS - started)) s"
report
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
