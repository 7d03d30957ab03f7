#!/usr/bin/env bash
# run-local.sh - the broker on this machine, against a real Keycloak it starts, in one command.
#
#   scripts/run-local.sh
#
# Builds the broker if needed, starts Keycloak on 127.0.0.1 (scripts/keycloak.sh: realm `broker`, 40 s
# tokens), writes a broker configuration with two identities (a client secret and a signed-JWT certificate),
# starts the broker on 127.0.0.1:7777 (management on :9000), waits until its tokens are ready, and prints the
# commands to try. Ctrl-C stops both.
#
# Environment (all optional):
#   RUN_LOCAL_PORT=7777 RUN_LOCAL_MGMT_PORT=9000   the broker's token and management ports (127.0.0.1)
#   RUN_LOCAL_PROXY_PORT=7801                      the proxy route to Keycloak's admin REST API (127.0.0.1)
#   RUN_LOCAL_KC_DIR=target/run-local/keycloak     keycloak.sh's working directory; a Keycloak already running
#                                                  there is used, and left running
#   RUN_LOCAL_CHECK=1    run every printed command once the broker is ready, say which failed, then stop
#                        (exit 0 when all worked): how tokenbroker.it.RunLocalIT proves that they work
#
# The first run downloads Maven 3.9 (wrapper), the build's dependencies and Keycloak's distribution
# (about 200 MB in all, into ~/.m2) and takes a few minutes; later runs start in about 30 s (Keycloak's start).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK="$ROOT/target/run-local"
KC_WORK="${RUN_LOCAL_KC_DIR:-$WORK/keycloak}"
PORT="${RUN_LOCAL_PORT:-7777}"
MGMT_PORT="${RUN_LOCAL_MGMT_PORT:-9000}"
PROXY_PORT="${RUN_LOCAL_PROXY_PORT:-7801}"
BROKER_PID=""
KC_STARTED=0

log() { printf '%s\n' "run-local: $*" >&2; }

cleanup() {
  trap - EXIT
  trap "" INT TERM  # a second Ctrl-C must not leave Keycloak running
  if [ -n "$BROKER_PID" ] && kill -0 "$BROKER_PID" 2>/dev/null; then
    log "stopping the broker"
    kill "$BROKER_PID" 2>/dev/null || true
    wait "$BROKER_PID" 2>/dev/null || true
  fi
  if [ "$KC_STARTED" = 1 ]; then
    log "stopping Keycloak"
    "$ROOT/scripts/keycloak.sh" stop --dir "$KC_WORK" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK"
if [ ! -f "$ROOT/target/quarkus-app/quarkus-run.jar" ]; then
  log "building the broker (./mvnw package -DskipTests)"
  (cd "$ROOT" && ./mvnw -B -q package -DskipTests)
fi

if "$ROOT/scripts/keycloak.sh" status --dir "$KC_WORK" >/dev/null 2>&1; then
  log "using the Keycloak already running in $KC_WORK (left running)"
else
  log "starting Keycloak (first start takes longer)"
  KC_STARTED=1
  "$ROOT/scripts/keycloak.sh" start --dir "$KC_WORK" >/dev/null
fi
# shellcheck disable=SC1091
. "$KC_WORK/keycloak.env"

cat > "$WORK/broker.properties" <<PROPS
# Written by scripts/run-local.sh: two identities of the realm 'broker' of a local Keycloak.
broker.identities.kc-secret.client-id=broker-secret
broker.identities.kc-secret.token-url=$KEYCLOAK_TOKEN_URL
broker.identities.kc-secret.secret-file=$KC_WORK/keys/client-secret

broker.identities.kc-jwt.client-id=broker-jwt
broker.identities.kc-jwt.token-url=$KEYCLOAK_TOKEN_URL
broker.identities.kc-jwt.certificate-file=$KC_WORK/keys/client-jwt.crt
broker.identities.kc-jwt.key-file=$KC_WORK/keys/client-jwt.key

broker.resources.demo.identity=kc-secret
broker.resources.demo.scopes=api://demo/.default
# Another scope than demo's: an Azure SDK asks by scope (resource=https://vault.azure.net), and two resources
# with one scope would be ambiguous without a client_id.
broker.resources.demo-jwt.identity=kc-jwt
broker.resources.demo-jwt.scopes=https://vault.azure.net/.default

# A proxy route (docs/proxy.md): 127.0.0.1:$PROXY_PORT (7801) forwards to Keycloak's admin REST API with the token of a
# service account that may view the realm's clients (broker-admin-reader, same secret as broker-secret).
broker.identities.kc-admin.client-id=broker-admin-reader
broker.identities.kc-admin.token-url=$KEYCLOAK_TOKEN_URL
broker.identities.kc-admin.secret-file=$KC_WORK/keys/client-secret
broker.resources.kc-admin.identity=kc-admin
broker.routes.kc-admin.upstream=$KEYCLOAK_URL/admin/realms
broker.routes.kc-admin.resource=kc-admin
broker.routes.kc-admin.port=$PROXY_PORT
PROPS

log "starting the broker on 127.0.0.1:$PORT (config: $WORK/broker.properties)"
java -Dquarkus.config.locations="$WORK/broker.properties" -Dquarkus.http.port="$PORT" \
  -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$MGMT_PORT" \
  -jar "$ROOT/target/quarkus-app/quarkus-run.jar" &
BROKER_PID=$!

API="http://127.0.0.1:$PORT"
MGMT="http://127.0.0.1:$MGMT_PORT"
# Each command printed, with what its answer must contain (RUN_LOCAL_CHECK=1 runs them).
TOKEN_CMD="curl -s -H 'Metadata: true' $API/v1/tokens/demo"
NAMES=(resources azure proxy health metrics keycloak)
declare -A CMD=(
  [resources]="curl -s -H 'Metadata: true' $API/v1/resources"
  [azure]="curl -s -H 'X-IDENTITY-HEADER: x' '$API/msi/token?api-version=2019-08-01&resource=https://vault.azure.net'"
  [proxy]="curl -s 'http://127.0.0.1:$PROXY_PORT/broker/clients?clientId=broker-secret'"
  [health]="curl -s $MGMT/q/health/ready"
  [metrics]="curl -s $MGMT/q/metrics"
  [keycloak]="curl -s -L -o /dev/null -w '%{http_code}\n' $KEYCLOAK_URL/admin/"
)
declare -A WANT=([resources]='"state":"fresh"' [azure]='"access_token"' [proxy]='"clientId":"broker-secret"' [health]='"status": "UP"'
  [metrics]='broker_token_requests_total' [keycloak]='200')

check() {
  local failed=0 name out
  for name in token "${NAMES[@]}"; do
    if [ "$name" = token ]; then out=$(bash -c "$TOKEN_CMD" 2>&1 || true); want='"access_token"'
    else out=$(bash -c "${CMD[$name]}" 2>&1 || true); want=${WANT[$name]}; fi
    if [[ "$out" == *"$want"* ]]; then log "check $name: ok"
    else log "check $name: FAILED, no $want in: ${out:0:300}"; failed=1; fi
  done
  [ "$failed" = 0 ] && log "every command printed works"
  return "$failed"
}

for _ in $(seq 1 60); do
  if curl -fsS -o /dev/null "$MGMT/q/health/ready" 2>/dev/null; then
    cat >&2 <<MSG

run-local: ready. Fetch a token:

    $TOKEN_CMD

  resources and their state:  ${CMD[resources]}
  as an Azure SDK would:      ${CMD[azure]}
  a proxied call, no token:   ${CMD[proxy]}
  readiness:                  ${CMD[health]}
  metrics:                    ${CMD[metrics]}
  Keycloak admin console:     $KEYCLOAK_URL/admin/ (admin / admin)

Ctrl-C stops the broker$([ "$KC_STARTED" = 1 ] && echo " and Keycloak").
MSG
    if [ "${RUN_LOCAL_CHECK:-0}" = 1 ]; then
      check
      exit $?
    fi
    wait "$BROKER_PID"
    exit $?
  fi
  if ! kill -0 "$BROKER_PID" 2>/dev/null; then
    log "the broker exited before it was ready"
    exit 1
  fi
  sleep 1
done
log "the broker was not ready within 60 s: see its log above, and /v1/resources"
exit 1
