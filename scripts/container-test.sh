#!/usr/bin/env bash
# container-test.sh - builds the images and runs them as the Kubernetes manifests do, with podman (issue 14).
#
#   scripts/container-test.sh          (as root, after ./mvnw package; .ci/run runs it after ./mvnw -B verify)
#
# 1. Installs podman, runc and debootstrap if missing, and podman's settings for this machine (scripts/containers/
#    lib.sh); makes a Debian bookworm minbase with a JRE 17 (cached in ~/.cache/token-broker) as the base image.
# 2. Builds Dockerfile.jvm on it (BASE_IMAGE), and the bench's fake IdP in an image of its own.
# 3. Runs the broker container as k8s/overlays/job renders it (its user, read-only root file system with the
#    emptyDir /tmp as a tmpfs, all capabilities dropped, no privilege escalation, the ConfigMap and Secrets mounted
#    where the overlay mounts them, its environment), with the IdP in the same network namespace and no network
#    beyond it, and checks: ready; a token on the container's loopback; the token port listening on the loopback
#    only; health and metrics on 9000 (and neither port serving the other's paths); an environment variable
#    overriding the ConfigMap file (BROKER_RESOURCES_GRAPH_SCOPES); no ERROR in the log; SIGTERM ends it within
#    the grace period.
# 4. Dockerfile.native: the same, on k8s/overlays/client-secret, when target/*-runner exists; otherwise SKIPPED.
# 5. The pod: k8s/overlays/job played with `podman kube play --network none` (the broker as a regular container,
#    see scripts/containers/manifest.py), the app container's curl gets a token from 127.0.0.1:7777.
# Exits non-zero on the first failed check, with the broker's log.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=containers/lib.sh
. "$ROOT/scripts/containers/lib.sh"
cd "$ROOT"

IDP_PORT=18080                                   # inside the pod's own network namespace: no clash possible
IDP_URL="http://127.0.0.1:$IDP_PORT/token"
ENV_SCOPE="api://env-override/.default"          # item 5: the environment overrides the ConfigMap's scopes
RUN_ID="tb-ct-$$"
JVM_IMAGE=localhost/token-broker:jvm-test
NATIVE_IMAGE=localhost/token-broker:native-test
IDP_IMAGE=localhost/token-broker-fake-idp:test
WORK=$(mktemp -d "${TMPDIR:-/tmp}/token-broker-ct.XXXXXX")
chmod 755 "$WORK"   # the containers' users read the mounted files
CONTAINERS=()
POD_YAML=""

cleanup() {
  [ -n "$POD_YAML" ] && podman kube down "$POD_YAML" >/dev/null 2>&1 || true
  # the brokers first: they use their IdP's network namespace
  for ((i = ${#CONTAINERS[@]} - 1; i >= 0; i--)); do podman rm -f -t 0 "${CONTAINERS[$i]}" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'ct_log "FAIL: command failed at line $LINENO: $BASH_COMMAND"' ERR

started=$(date +%s)
ct_install
ct_configure
BASE=$(ct_base_image)
[ -f target/quarkus-app/quarkus-run.jar ] || ct_die "no target/quarkus-app/quarkus-run.jar: run ./mvnw package first"

ct_log "building $JVM_IMAGE from Dockerfile.jvm on $BASE"
podman build -q --build-arg BASE_IMAGE="$BASE" -f Dockerfile.jvm -t "$JVM_IMAGE" . >/dev/null
mkdir -p "$WORK/idp-image"
cp bench/fake_idp.py "$WORK/idp-image/"
cat >"$WORK/idp-image/Containerfile" <<CF
FROM $BASE
COPY fake_idp.py /idp/fake_idp.py
USER 65532
ENTRYPOINT ["python3", "/idp/fake_idp.py", "--port", "$IDP_PORT"]
CF
podman build -q -t "$IDP_IMAGE" "$WORK/idp-image" >/dev/null

# Fails the test with the broker's log.
fail() {
  ct_log "FAIL: $*"
  [ -n "${BROKER:-}" ] && { ct_log "broker log:"; podman logs "$BROKER" 2>&1 | tail -40 >&2 || true; }
  exit 1
}

# Lines of a container's log that mean something went wrong even though it runs: ERROR or FATAL, a Java stack
# trace (a log handler that cannot open its file prints one, and the broker goes on), a write the read-only root
# file system refused, a JVM warning (hsperfdata without a writable /tmp), a configuration file that the
# environment cannot override (config/LocationOrdinalWarning).
log_problems() {
  podman logs "$1" 2>&1 \
    | grep -E '(^| )(ERROR|FATAL)( |$)|Exception|Read-only file system|^\[[0-9.]+s\]\[(warning|error)\]|^[[:space:]]+at |cannot override' \
    | head -20 || true
}

json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"; }

# run_checks IMAGE OVERLAY: the broker container as the overlay runs it, and its checks.
run_checks() {
  local image=$1 overlay=$2 dir="$WORK/$2" args=() pid code
  mkdir -p "$dir"
  ct_render "k8s/overlays/$overlay" >"$dir/overlay.yaml"
  python3 scripts/containers/manifest.py run "$dir/overlay.yaml" "$dir" --idp-url "$IDP_URL" >"$dir/args"
  mapfile -d '' args <"$dir/args"
  local grace=${args[1]}
  ct_log "[$overlay] podman run ${args[*]} $image"
  local idp="$RUN_ID-$overlay-idp"
  BROKER="$RUN_ID-$overlay-broker"
  CONTAINERS+=("$idp" "$BROKER")
  podman run -d --name "$idp" --network none --read-only --read-only-tmpfs=false --cap-drop ALL \
    --security-opt no-new-privileges "$IDP_IMAGE" >/dev/null
  podman run -d --name "$BROKER" --network "container:$idp" "${args[@]}" \
    --env BROKER_RESOURCES_GRAPH_SCOPES="$ENV_SCOPE" "$image" >/dev/null
  pid=$(podman inspect -f '{{.State.Pid}}' "$BROKER")

  local t0 deadline
  t0=$(date +%s)
  deadline=$((t0 + 90))
  until [ "$(ct_curl "$pid" -o /dev/null -w '%{http_code}' http://127.0.0.1:9000/q/health/ready 2>/dev/null)" = 200 ]; do
    [ "$(podman inspect -f '{{.State.Running}}' "$BROKER")" = true ] || fail "[$overlay] the broker exited before ready"
    [ "$(date +%s)" -lt "$deadline" ] || fail "[$overlay] not ready within 90 s"
    sleep 0.5
  done
  ct_log "[$overlay] ready after $(($(date +%s) - t0)) s"

  local status uid want_uid
  status=$(cat "/proc/$pid/status")
  uid=$(awk '/^Uid:/ {print $2}' <<<"$status")
  want_uid=""   # the manifest's runAsUser, which manifest.py turned into --user
  for ((i = 0; i < ${#args[@]} - 1; i++)); do
    [ "${args[$i]}" = --user ] && want_uid=${args[$((i + 1))]%%:*}
  done
  [ -n "$want_uid" ] || want_uid=$(podman image inspect -f '{{.Config.User}}' "$image")
  [ "$uid" = "$want_uid" ] && [ "$uid" != 0 ] || fail "[$overlay] runs as uid $uid, the manifest says ${want_uid:-nothing}"
  grep -q '^NoNewPrivs:[[:space:]]*1' <<<"$status" || fail "[$overlay] privilege escalation possible"
  grep -q '^CapEff:[[:space:]]*0*$' <<<"$status" || fail "[$overlay] capabilities left: $(grep CapEff <<<"$status")"
  # seccompProfile RuntimeDefault: podman's default profile, a filter (mode 2)
  grep -q '^Seccomp:[[:space:]]*2$' <<<"$status" || fail "[$overlay] no seccomp filter: $(grep Seccomp <<<"$status")"
  [ "$(podman inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$BROKER")" = true ] || fail "[$overlay] root file system writable"
  ct_log "[$overlay] uid $uid, no capabilities, no new privileges, a seccomp filter, read-only root file system"

  local caller body
  caller=$(cat "$dir/token-broker-callers/app")
  body=$(ct_curl "$pid" -f -H 'Metadata: true' -H "X-IDENTITY-HEADER: $caller" http://127.0.0.1:7777/v1/tokens/graph) \
    || fail "[$overlay] no token on 127.0.0.1:7777"
  [ -n "$(json_field access_token <<<"$body")" ] || fail "[$overlay] no access_token in the answer"
  [ "$(json_field scope <<<"$body")" = "$ENV_SCOPE" ] \
    || fail "[$overlay] scope '$(json_field scope <<<"$body")': the environment did not override the ConfigMap file"
  ct_curl "$pid" "http://127.0.0.1:$IDP_PORT/stats" | python3 -c 'import json,sys
posts = json.load(sys.stdin)["posts"]
sys.exit(0 if list(posts) == [sys.argv[1]] else "IdP saw scopes %s" % posts)' "$ENV_SCOPE" \
    || fail "[$overlay] the IdP was asked for another scope than the environment's"
  ct_log "[$overlay] a token on 127.0.0.1:7777, for the scope of BROKER_RESOURCES_GRAPH_SCOPES (env over the file)"

  local listeners
  listeners=$(ct_listeners "$pid")
  grep -q ':7777$' <<<"$listeners" || fail "[$overlay] nothing listens on 7777: $listeners"
  if grep ':7777$' <<<"$listeners" | grep -vqE '^(127\.0\.0\.1|::ffff:127\.0\.0\.1):7777$'; then
    fail "[$overlay] the token port listens beyond the loopback: $(grep ':7777$' <<<"$listeners" | xargs)"
  fi
  grep -qE '^(0\.0\.0\.0|::):9000$' <<<"$listeners" || fail "[$overlay] 9000 not on all interfaces: $listeners"
  ct_log "[$overlay] listening: $(grep -E ':(7777|9000)$' <<<"$listeners" | xargs)"

  for path in /q/health/live /q/health/started /q/metrics; do
    code=$(ct_curl "$pid" -o /dev/null -w '%{http_code}' "http://127.0.0.1:9000$path")
    [ "$code" = 200 ] || fail "[$overlay] $path on 9000: HTTP $code"
  done
  # read whole, then searched: grep -q would stop reading early and fail curl (pipefail)
  local metrics
  metrics=$(ct_curl "$pid" http://127.0.0.1:9000/q/metrics)
  grep -q '^broker_token_requests_total' <<<"$metrics" || fail "[$overlay] no broker_token_requests_total in /q/metrics"
  code=$(ct_curl "$pid" -o /dev/null -w '%{http_code}' -H 'Metadata: true' -H "X-IDENTITY-HEADER: $caller" \
    http://127.0.0.1:9000/v1/tokens/graph)
  [ "$code" = 404 ] || fail "[$overlay] the management port answers a token request with HTTP $code"
  code=$(ct_curl "$pid" -o /dev/null -w '%{http_code}' http://127.0.0.1:7777/q/health/ready)
  [ "$code" = 404 ] || fail "[$overlay] the token port answers /q/health/ready with HTTP $code"
  ct_log "[$overlay] health and metrics on 9000 only, tokens on 7777 only"

  local problems
  problems=$(log_problems "$BROKER")
  [ -z "$problems" ] || fail "[$overlay] the broker's log has errors: $problems"

  local t1 rc
  t1=$(date +%s%N)
  podman kill --signal TERM "$BROKER" >/dev/null
  rc=$(timeout "$grace" podman wait "$BROKER") || fail "[$overlay] still running ${grace} s after SIGTERM"
  local ms=$((($(date +%s%N) - t1) / 1000000))
  case "$rc" in 0 | 143) ;; *) fail "[$overlay] exit status $rc after SIGTERM" ;; esac
  ct_log "[$overlay] SIGTERM: exited with status $rc after $ms ms (grace period ${grace} s)"
  podman rm -f -t 0 "$BROKER" >/dev/null && podman rm -f -t 0 "$idp" >/dev/null
  BROKER=""
}

run_checks "$JVM_IMAGE" job

runner=$(ls target/*-runner 2>/dev/null | head -1 || true)
if [ -n "$runner" ]; then
  ct_log "building $NATIVE_IMAGE from Dockerfile.native ($runner) on $BASE"
  podman build -q --build-arg BASE_IMAGE="$BASE" -f Dockerfile.native -t "$NATIVE_IMAGE" . >/dev/null
  run_checks "$NATIVE_IMAGE" client-secret
else
  ct_log "SKIPPED: Dockerfile.native (no target/*-runner; build one with -Dquarkus.native.enabled=true)"
fi

# shellcheck source=containers/pod-test.sh
. "$ROOT/scripts/containers/pod-test.sh"

ct_log "PASS in $(($(date +%s) - started)) s"
