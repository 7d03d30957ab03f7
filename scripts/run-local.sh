#!/usr/bin/env bash
# run-local.sh - the broker on this machine, against a real Keycloak it starts, in one command.
#
#   scripts/run-local.sh
#
# Builds the broker if needed, starts Keycloak on 127.0.0.1 (scripts/keycloak.sh: realm `broker`, 60 s
# tokens), writes a broker configuration with two identities (a client secret and a signed-JWT certificate),
# starts the broker on 127.0.0.1:7777 (management on :9000), waits until its tokens are ready, and prints the
# curl that fetches one. Ctrl-C stops both.
#
# The first run downloads Maven 3.9 (wrapper), the build's dependencies and Keycloak's distribution
# (about 200 MB in all, into ~/.m2) and takes a few minutes; later runs start in about 30 s (Keycloak's start).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK="$ROOT/target/run-local"
KC_WORK="$WORK/keycloak"
BROKER_PID=""

log() { printf '%s\n' "run-local: $*" >&2; }

cleanup() {
  trap - EXIT
  trap "" INT TERM  # a second Ctrl-C must not leave Keycloak running
  if [ -n "$BROKER_PID" ] && kill -0 "$BROKER_PID" 2>/dev/null; then
    log "stopping the broker"
    kill "$BROKER_PID" 2>/dev/null || true
    wait "$BROKER_PID" 2>/dev/null || true
  fi
  log "stopping Keycloak"
  "$ROOT/scripts/keycloak.sh" stop --dir "$KC_WORK" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK"
if [ ! -f "$ROOT/target/quarkus-app/quarkus-run.jar" ]; then
  log "building the broker (./mvnw package -DskipTests)"
  (cd "$ROOT" && ./mvnw -B -q package -DskipTests)
fi

log "starting Keycloak (first start takes longer)"
"$ROOT/scripts/keycloak.sh" start --dir "$KC_WORK" >/dev/null
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
broker.resources.demo-jwt.identity=kc-jwt
broker.resources.demo-jwt.scopes=api://demo/.default

# A proxy route (docs/proxy.md): 127.0.0.1:7801 forwards to Keycloak's admin REST API with the token of a
# service account that may view the realm's clients (broker-admin-reader, same secret as broker-secret).
broker.identities.kc-admin.client-id=broker-admin-reader
broker.identities.kc-admin.token-url=$KEYCLOAK_TOKEN_URL
broker.identities.kc-admin.secret-file=$KC_WORK/keys/client-secret
broker.resources.kc-admin.identity=kc-admin
broker.routes.kc-admin.upstream=$KEYCLOAK_URL/admin/realms
broker.routes.kc-admin.resource=kc-admin
broker.routes.kc-admin.port=7801
PROPS

log "starting the broker on 127.0.0.1:7777 (config: $WORK/broker.properties)"
java -Dquarkus.config.locations="$WORK/broker.properties" -jar "$ROOT/target/quarkus-app/quarkus-run.jar" &
BROKER_PID=$!

for _ in $(seq 1 60); do
  if curl -fsS -o /dev/null http://127.0.0.1:9000/q/health/ready 2>/dev/null; then
    cat >&2 <<MSG

run-local: ready. Fetch a token:

    curl -s -H 'Metadata: true' http://127.0.0.1:7777/v1/tokens/demo

  a proxied call, no token in hand:  curl -s http://127.0.0.1:7801/broker/clients

  resources and their state:  curl -s -H 'Metadata: true' http://127.0.0.1:7777/v1/resources
  as an Azure SDK would:      curl -s -H 'X-IDENTITY-HEADER: x' 'http://127.0.0.1:7777/msi/token?api-version=2019-08-01&resource=api://demo'
  health and metrics:         http://127.0.0.1:9000/q/health/ready  http://127.0.0.1:9000/q/metrics
  Keycloak admin console:     $KEYCLOAK_URL (admin / admin)

Ctrl-C stops the broker and Keycloak.
MSG
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
