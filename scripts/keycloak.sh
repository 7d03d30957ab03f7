#!/usr/bin/env bash
# keycloak.sh - run a throw-away Keycloak on loopback for token-broker tests.
#
# Usage (from anywhere; paths default relative to the repository root):
#   scripts/keycloak.sh start  [--port P] [--dir D] [--fresh-keys]
#   scripts/keycloak.sh stop   [--dir D]
#   scripts/keycloak.sh status [--dir D]
#   scripts/keycloak.sh freeze|thaw [--dir D]
#
# start  Makes sure org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip is in the local Maven
#        repository (fetches it with `${MVN:-mvn} dependency:get` when missing; falls back to ./mvnw),
#        unpacks it once into $DIR/dist (reused later), generates test key material in $DIR/keys
#        (only when missing, or always with --fresh-keys), renders the realm template into
#        $DIR/dist/data/import, drops $DIR/dist/data/h2 (fresh import every start), starts
#        `kc.sh start-dev` on 127.0.0.1:P in the background and waits (KC_START_TIMEOUT, default 180 s)
#        for http://127.0.0.1:P/realms/broker/.well-known/openid-configuration to answer 200.
#        Progress goes to stderr; the LAST line on stdout is `KEYCLOAK_URL=http://127.0.0.1:P`.
#        If this DIR's Keycloak is already running, it is reused (no fresh realm) and its URL printed.
#        A Keycloak killed by a signal during start-up that `stop` did not send is started once more.
# stop   SIGTERM, wait up to KC_STOP_TIMEOUT (30 s), then SIGKILL; removes the pid file.
# status Prints `running pid=N KEYCLOAK_URL=...` (exit 0) or `stopped` (exit 3).
# freeze SIGSTOP to Keycloak (kc.sh and its java): the kernel still accepts connections into the listen
#        backlog and nothing answers, as with a network that swallows packets. thaw: SIGCONT.
# Several working directories (--dir) can run side by side, each on its own port.
#
# Environment:
#   KC_DIR           working directory (default <repo>/target/keycloak); --dir wins
#   KC_PORT          HTTP port (default: first free port on 127.0.0.1 from 18080 up); --port wins
#   KEYCLOAK_VERSION distribution version (default 26.7.3)
#   MVN              Maven command used to fetch the zip (default mvn, else <repo>/mvnw)
#   MAVEN_REPO_LOCAL local repository (default ~/.m2/repository), passed as -Dmaven.repo.local
#   KC_REALM_TEMPLATE realm template (default <repo>/src/test/resources/keycloak/broker-realm.json)
#   KEYCLOAK_JAVA_OPTS all JVM flags for Keycloak (a plain JAVA_OPTS is ignored); default: kc.sh's own
#                    flags but -XX:+UseSerialGC, $JAVA_OPTS_KC_HEAP (default "-Xms32m -Xmx256m") and
#                    -XX:TieredStopAtLevel=1 (C1 only: smaller and quicker to start, ~half the grants/s)
#   JAVA_OPTS_APPEND extra JVM flags (appended by kc.sh)
#   JAVA_HOME        JDK to run Keycloak with (17 works; kc.sh uses $JAVA_HOME/bin/java or java)
#   KC_START_TIMEOUT / KC_STOP_TIMEOUT  seconds (180 / 30)
#
# Files written ($DIR = the working directory):
#   $DIR/keycloak.pid  $DIR/keycloak.port  $DIR/keycloak.log  $DIR/keycloak.env (shell-sourceable:
#       KEYCLOAK_URL, KEYCLOAK_REALM_URL, KEYCLOAK_TOKEN_URL, KEYCLOAK_INTROSPECT_URL, key paths)
#   $DIR/keys/client-secret        secret of clients broker-secret, broker-outage and broker-long (hex, no newline)
#   $DIR/keys/client-jwt.key       RSA 2048 private key, PKCS#8 PEM   } certificate of client broker-jwt
#   $DIR/keys/client-jwt.crt       self-signed certificate, PEM       }
#   $DIR/keys/client-jwt.p12       PKCS#12 (key + cert, alias client-jwt)
#   $DIR/keys/client-jwt.p12.pass  its password (no newline)
#   $DIR/keys/tls-ca.key, tls-ca.crt  a test CA: it signs the HTTPS certificate and the mTLS clients' certificates
#   $DIR/keys/tls-server.key/.crt  Keycloak's HTTPS certificate (127.0.0.1, localhost), signed by tls-ca
#   $DIR/keys/tls-trust.p12 (+ .pass)  tls-ca as Keycloak's HTTPS trust store: client certificates it signed are
#       accepted in the handshake (--https-client-auth=request: a client without one still connects)
#
# HTTPS: besides HTTP on P, Keycloak listens with TLS on KC_HTTPS_PORT (default: a free port from 18443 up), written
# to keycloak.env as KEYCLOAK_HTTPS_URL / KEYCLOAK_HTTPS_TOKEN_URL, for tls_client_auth (RFC 8705) clients.
#
# Realm `broker` (see src/test/resources/keycloak/broker-realm.json), service accounts only:
#   broker-secret    client_secret_basic or _post, secret in keys/client-secret, 40 s tokens
#   broker-outage    the same (its grants are not counted with broker-secret's), 40 s tokens
#   broker-jwt       private_key_jwt with keys/client-jwt.*, RS256 or PS256 assertions, 40 s tokens
#   broker-jwt-rs256 same certificate, RS256 assertions only (PS256 -> "Invalid signature algorithm"), 40 s
#   broker-long      same secret as broker-secret, 3600 s tokens
#   introspector     secret `introspector-secret`; may introspect (it is in the audience of both client scopes:
#                    Keycloak 26.7 answers active=false otherwise), and read/clear realm events
#                    (GET/DELETE /admin/realms/broker/events) with its own client_credentials token
# Optional client scopes `api://demo/.default` (adds aud api://demo) and `https://vault.azure.net/.default`
# (aud https://vault.azure.net) on every broker-* client; any other scope -> 400 invalid_scope.
# Events: CLIENT_LOGIN, CLIENT_LOGIN_ERROR, INTROSPECT_TOKEN(_ERROR), e.g. count IdP requests with
#   GET /admin/realms/broker/events?type=CLIENT_LOGIN&client=broker-secret&max=10000
# Admin console user: admin / admin (master realm). Everything listens on 127.0.0.1 only.
#
# Keycloak behaviour seen with this realm (26.5.6, and the ITs pass with 26.7.3, which runs on Java 17 too):
#   - wrong client secret -> 401 {"error":"unauthorized_client"} (not invalid_client)
#   - assertion jti replayed -> 400 invalid_client "Token reuse detected"; a foreign `kid` ->
#     400 invalid_client "Unable to load public key"; x5t / x5t#S256 headers are accepted and ignored;
#     aud may be the token URL or the realm URL (issuer); client_id in the form is accepted
#   - expires_in is computed at response time: 39 instead of 40 when the grant crosses a second
#   - no scope asked -> "scope":"" and no aud claim; each asked scope comes back in "scope"
set -euo pipefail

KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.7.3}"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
REALM="broker"

log() { printf '[keycloak.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() { sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; }

CMD="${1:-}"
[ $# -gt 0 ] && shift
DIR="${KC_DIR:-$ROOT/target/keycloak}"
PORT="${KC_PORT:-}"
FRESH_KEYS=false
while [ $# -gt 0 ]; do
  case "$1" in
    --port) [ $# -ge 2 ] || die "--port needs a value"; PORT="$2"; shift 2 ;;
    --port=*) PORT="${1#--port=}"; shift ;;
    --dir) [ $# -ge 2 ] || die "--dir needs a value"; DIR="$2"; shift 2 ;;
    --dir=*) DIR="${1#--dir=}"; shift ;;
    --fresh-keys) FRESH_KEYS=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage; die "unknown argument: $1" ;;
  esac
done
if [ -n "$PORT" ] && ! [[ "$PORT" =~ ^[0-9]+$ && "$PORT" -ge 1 && "$PORT" -le 65535 ]]; then
  die "invalid port: $PORT"
fi

# --- process helpers -------------------------------------------------------------------------------

# true when $1 is a live process that is the Keycloak of this $DIR (kc.sh, or java after kc.sh's exec)
is_keycloak_pid() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -e 'kc\.sh' -e 'quarkus-run\.jar' || return 1
    # and it is the one for this directory (kc.sh runs with $DIST as working directory), not a
    # Keycloak of another working directory that happens to have a recycled pid
    [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$DIST" ] || return 1
  fi
  return 0
}

running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  is_keycloak_pid "$pid" || return 1
  printf '%s\n' "$pid"
}

# the java child of kc.sh (kc.sh forwards SIGTERM to it), or nothing
child_pids() { pgrep -P "$1" 2>/dev/null || true; }

port_is_free() {
  local p="$1"
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$p" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# like the server will: connections in TIME_WAIT from a previous run do not make the port busy
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
  else
    # nobody answering on 127.0.0.1:p => treat as free
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then return 1; fi
    return 0
  fi
}

find_free_port() {
  local p
  for ((p = 18080; p < 18180; p++)); do
    if port_is_free "$p"; then echo "$p"; return 0; fi
  done
  die "no free port in 18080-18179 on 127.0.0.1"
}

# --- start steps -----------------------------------------------------------------------------------

ensure_zip() {
  local repo="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}"
  ZIP="$repo/org/keycloak/keycloak-quarkus-dist/$KEYCLOAK_VERSION/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
  if [ -s "$ZIP" ] && unzip -tqq "$ZIP" "keycloak-$KEYCLOAK_VERSION/version.txt" >/dev/null 2>&1; then
    return 0
  fi
  # a truncated download would otherwise be taken as present by Maven
  [ -e "$ZIP" ] && { log "removing unreadable $ZIP"; rm -f "$ZIP"; }
  local mvn="${MVN:-}"
  if [ -z "$mvn" ]; then
    if command -v mvn >/dev/null 2>&1; then mvn=mvn; else mvn="$ROOT/mvnw"; fi
  fi
  # Maven runs in another directory below: make a relative command (MVN=./mvnw) absolute
  local first="${mvn%% *}"
  if [[ "$first" == */* && "$first" != /* ]]; then mvn="$PWD/$mvn"; fi
  log "fetching org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip with $mvn"
  local args=(-q -B -Dstyle.color=never dependency:get "-Dartifact=org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip"
              -Dtransitive=false)
  [ -n "${MAVEN_REPO_LOCAL:-}" ] && args+=("-Dmaven.repo.local=$MAVEN_REPO_LOCAL")
  # run outside the project so Maven does not load (and resolve) our pom.xml
  (cd "${TMPDIR:-/tmp}" && $mvn "${args[@]}") >&2 || die "could not fetch the Keycloak distribution"
  [ -s "$ZIP" ] || die "Maven did not produce $ZIP (custom local repository? set MAVEN_REPO_LOCAL)"
}

ensure_dist() {
  local marker="$DIST/.unpacked-from"
  if [ -f "$marker" ] && [ "$(cat "$marker")" = "$KEYCLOAK_VERSION" ] && [ -x "$DIST/bin/kc.sh" ]; then
    log "reusing unpacked Keycloak $KEYCLOAK_VERSION in $DIST"
    return 0
  fi
  ensure_zip
  log "unpacking $ZIP into $DIST"
  rm -rf "$DIST" "$DIR/dist.tmp"
  mkdir -p "$DIR/dist.tmp"
  unzip -q "$ZIP" -d "$DIR/dist.tmp"
  mv "$DIR/dist.tmp/keycloak-$KEYCLOAK_VERSION" "$DIST"
  rmdir "$DIR/dist.tmp"
  printf '%s\n' "$KEYCLOAK_VERSION" >"$marker"
}

ensure_keys() {
  mkdir -p "$KEYS"
  chmod 700 "$KEYS"
  local f missing=false
  for f in client-secret client-jwt.key client-jwt.crt client-jwt.p12 client-jwt.p12.pass tls-ca.key tls-ca.crt \
      tls-server.key tls-server.crt tls-trust.p12 tls-trust.p12.pass; do
    [ -s "$KEYS/$f" ] || missing=true
  done
  if [ "$FRESH_KEYS" = false ] && [ "$missing" = false ]; then
    log "reusing key material in $KEYS"
    return 0
  fi
  log "generating test key material in $KEYS"
  (
    umask 077
    cd "$KEYS"
    rm -f client-secret client-jwt.key client-jwt.crt client-jwt.p12 client-jwt.p12.pass tls-*
    printf '%s' "$(openssl rand -hex 24)" >client-secret
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out client-jwt.key 2>/dev/null
    openssl req -new -x509 -key client-jwt.key -out client-jwt.crt -days 365 -sha256 \
      -subj "/CN=broker-jwt test certificate" 2>/dev/null
    printf '%s' "$(openssl rand -hex 16)" >client-jwt.p12.pass
    openssl pkcs12 -export -inkey client-jwt.key -in client-jwt.crt -name client-jwt \
      -out client-jwt.p12 -passout file:client-jwt.p12.pass
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out tls-ca.key 2>/dev/null
    openssl req -new -x509 -key tls-ca.key -out tls-ca.crt -days 365 -sha256 -subj "/CN=token-broker test CA" \
      -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out tls-server.key 2>/dev/null
    openssl req -new -key tls-server.key -subj "/CN=127.0.0.1" -out tls-server.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >tls-server.ext
    openssl x509 -req -in tls-server.csr -CA tls-ca.crt -CAkey tls-ca.key -CAcreateserial -days 365 -sha256 \
      -extfile tls-server.ext -out tls-server.crt 2>/dev/null
    rm -f tls-server.csr tls-server.ext tls-ca.srl
    printf '%s' "$(openssl rand -hex 16)" >tls-trust.p12.pass
    # a trust store holds certificates only: keytool marks them trusted, openssl pkcs12 -nokeys would not
    "${JAVA_HOME:+$JAVA_HOME/bin/}keytool" -importcert -noprompt -alias tls-ca -file tls-ca.crt -storetype PKCS12 \
      -keystore tls-trust.p12 -storepass "$(cat tls-trust.p12.pass)" >/dev/null 2>&1
  ) || die "key generation failed"
  [ -s "$KEYS/tls-trust.p12" ] || die "keytool did not write $KEYS/tls-trust.p12"
  grep -q 'BEGIN PRIVATE KEY' "$KEYS/client-jwt.key" || die "client-jwt.key is not PKCS#8"
}

render_realm() {
  local template="${KC_REALM_TEMPLATE:-$ROOT/src/test/resources/keycloak/$REALM-realm.json}"
  [ -f "$template" ] || die "realm template not found: $template"
  local secret cert out="$DIST/data/import/$REALM-realm.json"
  secret="$(cat "$KEYS/client-secret")"
  cert="$(openssl x509 -in "$KEYS/client-jwt.crt" -outform DER | base64 | tr -d '\n')"
  mkdir -p "$DIST/data/import"
  rm -f "$DIST"/data/import/*.json
  # hex secret and base64 never contain '|'
  sed -e "s|@CLIENT_SECRET@|$secret|g" -e "s|@CLIENT_CERT@|$cert|g" "$template" >"$out"
  if grep -o '@[A-Z_]*@' "$out" | head -1 | grep -q .; then
    die "unreplaced placeholder in $out: $(grep -o '@[A-Z_]*@' "$out" | head -1)"
  fi
  if command -v jq >/dev/null 2>&1; then jq -e . "$out" >/dev/null || die "rendered realm is not valid JSON"; fi
  # an existing realm is never re-imported: start from an empty database every time
  rm -rf "$DIST/data/h2"
}

write_env() {
  local url="$1"
  cat >"$ENV_FILE" <<EOF
KEYCLOAK_URL=$url
KEYCLOAK_PORT=$PORT
KEYCLOAK_REALM_URL=$url/realms/$REALM
KEYCLOAK_TOKEN_URL=$url/realms/$REALM/protocol/openid-connect/token
KEYCLOAK_INTROSPECT_URL=$url/realms/$REALM/protocol/openid-connect/token/introspect
KEYCLOAK_CLIENT_SECRET_FILE=$KEYS/client-secret
KEYCLOAK_CLIENT_KEY_FILE=$KEYS/client-jwt.key
KEYCLOAK_CLIENT_CERT_FILE=$KEYS/client-jwt.crt
KEYCLOAK_CLIENT_P12_FILE=$KEYS/client-jwt.p12
KEYCLOAK_CLIENT_P12_PASS_FILE=$KEYS/client-jwt.p12.pass
KEYCLOAK_HTTPS_PORT=$HTTPS_PORT
KEYCLOAK_HTTPS_URL=https://127.0.0.1:$HTTPS_PORT
KEYCLOAK_HTTPS_TOKEN_URL=https://127.0.0.1:$HTTPS_PORT/realms/$REALM/protocol/openid-connect/token
KEYCLOAK_TLS_CA_FILE=$KEYS/tls-ca.crt
KEYCLOAK_TLS_CA_KEY_FILE=$KEYS/tls-ca.key
EOF
}

# Launch kc.sh in the background and wait for the realm. Returns 0 when ready, 1 on failure,
# 2 when Keycloak was killed by a signal that our own `stop` did not send (pid file still ours).
launch_and_wait() {
  local url="$1" pid
  : >"$LOG_FILE"
  local setsid=()
  command -v setsid >/dev/null 2>&1 && setsid=(setsid)
  (
    cd "$DIST"
    # our own KC_* knobs must not reach Keycloak, which reads every KC_* variable as an option
    unset KC_DIR KC_PORT KC_HTTPS_PORT KC_REALM_TEMPLATE KC_START_TIMEOUT KC_STOP_TIMEOUT
    export KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=admin
    # Small JVM: kc.sh's own default flags, but SerialGC, a 256 MiB heap and C1 only (measured here:
    # ~350 MiB RSS instead of ~540 MiB, ~260 grants/s instead of ~550). A JAVA_OPTS meant for other
    # JVMs (Maven, CI) must not leak in: only KEYCLOAK_JAVA_OPTS replaces this; kc.sh adds JAVA_OPTS_APPEND.
    export JAVA_OPTS="${KEYCLOAK_JAVA_OPTS:--XX:MetaspaceSize=96M -XX:MaxMetaspaceSize=256m -Dfile.encoding=UTF-8 \
-Dsun.stdout.encoding=UTF-8 -Dsun.err.encoding=UTF-8 -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8 \
-XX:+ExitOnOutOfMemoryError -Djava.security.egd=file:/dev/urandom -Djdk.tls.rejectClientInitiatedRenegotiation=true \
-XX:+UseSerialGC ${JAVA_OPTS_KC_HEAP:--Xms32m -Xmx256m} -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=64m}"
    exec "${setsid[@]}" bin/kc.sh start-dev --http-host 127.0.0.1 --http-port "$PORT" --import-realm \
      --https-port "$HTTPS_PORT" --https-certificate-file "$KEYS/tls-server.crt" \
      --https-certificate-key-file "$KEYS/tls-server.key" --https-client-auth=request \
      --https-trust-store-file "$KEYS/tls-trust.p12" --https-trust-store-password "$(cat "$KEYS/tls-trust.p12.pass")" \
      --https-trust-store-type PKCS12
  ) </dev/null >>"$LOG_FILE" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"

  local discovery="$url/realms/$REALM/.well-known/openid-configuration"
  local timeout="${KC_START_TIMEOUT:-180}" t_start=$SECONDS
  until curl -fsS -o /dev/null --max-time 5 "$discovery" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      local rc=0
      wait "$pid" || rc=$?
      log "Keycloak exited (status $rc) during start-up; last log lines:"
      tail -n 40 "$LOG_FILE" >&2 || true
      if [ "$rc" -gt 128 ] && [ "$(cat "$PID_FILE" 2>/dev/null)" = "$pid" ]; then
        rm -f "$PID_FILE"
        return 2
      fi
      rm -f "$PID_FILE"
      return 1
    fi
    if [ $((SECONDS - t_start)) -ge "$timeout" ]; then
      log "Keycloak not ready after ${timeout}s; last log lines:"
      tail -n 60 "$LOG_FILE" >&2 || true
      cmd_stop >&2 || true
      return 1
    fi
    sleep 1
  done
  log "ready in $((SECONDS - t_start))s, pid $pid, realm $REALM"
  return 0
}

cmd_start() {
  local pid
  if pid="$(running_pid)"; then
    local url
    url="http://127.0.0.1:$(cat "$PORT_FILE")"
    log "already running (pid $pid) at $url; not restarting (run stop first for a fresh realm)"
    echo "KEYCLOAK_URL=$url"
    return 0
  fi
  rm -f "$PID_FILE"
  command -v java >/dev/null 2>&1 || [ -n "${JAVA_HOME:-}" ] || die "java not found"
  for tool in unzip openssl curl; do command -v "$tool" >/dev/null 2>&1 || die "$tool not found"; done

  local t0=$SECONDS
  if [ -z "$PORT" ]; then
    PORT="$(find_free_port)"
  elif ! port_is_free "$PORT"; then
    die "port $PORT on 127.0.0.1 is already in use"
  fi
  HTTPS_PORT="${KC_HTTPS_PORT:-}"
  if [ -z "$HTTPS_PORT" ]; then
    for ((HTTPS_PORT = 18443; HTTPS_PORT < 18543; HTTPS_PORT++)); do
      [ "$HTTPS_PORT" != "$PORT" ] && port_is_free "$HTTPS_PORT" && break
    done
  fi
  port_is_free "$HTTPS_PORT" || die "HTTPS port $HTTPS_PORT on 127.0.0.1 is already in use"
  ensure_dist
  ensure_keys

  printf '%s\n' "$PORT" >"$PORT_FILE"
  local url="http://127.0.0.1:$PORT"
  write_env "$url"

  local attempt rc
  for attempt in 1 2; do
    render_realm   # also drops data/h2: every attempt imports the realm afresh
    log "starting Keycloak $KEYCLOAK_VERSION on $url (log: $LOG_FILE)"
    rc=0
    launch_and_wait "$url" || rc=$?
    [ "$rc" -eq 0 ] && break
    # a signal from outside (not our `stop`) during start-up gets one more try; anything else fails
    [ "$rc" -eq 2 ] && [ "$attempt" -eq 1 ] && { log "killed by a signal we did not send: retrying once"; continue; }
    exit 1
  done
  log "Keycloak up after $((SECONDS - t0))s in total"
  echo "KEYCLOAK_URL=$url"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  # kc.sh forwards SIGTERM to its java child and waits for it; remember the child for the SIGKILL case
  local kids=() all
  mapfile -t kids < <(child_pids "$pid")
  all=("$pid" "${kids[@]}")
  log "stopping Keycloak (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local i limit=$(( ${KC_STOP_TIMEOUT:-30} * 5 ))
  for ((i = 0; i < limit; i++)); do
    kill -0 "${all[@]}" 2>/dev/null || break   # true while at least one of them is alive
    sleep 0.2
  done
  if kill -0 "${all[@]}" 2>/dev/null; then
    log "still alive after ${KC_STOP_TIMEOUT:-30}s: SIGKILL"
    kill -KILL "${all[@]}" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

signal_all() {
  local sig="$1" pid kids=()
  pid="$(running_pid)" || die "not running"
  mapfile -t kids < <(child_pids "$pid")
  kill "-$sig" "$pid" "${kids[@]}"
}

cmd_freeze() { signal_all STOP; log "frozen (SIGSTOP)"; }
cmd_thaw() { signal_all CONT; log "thawed (SIGCONT)"; }

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "running pid=$pid KEYCLOAK_URL=http://127.0.0.1:$(cat "$PORT_FILE" 2>/dev/null || echo '?')"
    return 0
  fi
  echo "stopped"
  return 3
}

case "$CMD" in
  start|stop|status|freeze|thaw) ;;
  -h|--help|help) usage; exit 0 ;;
  *) usage; die "unknown command: ${CMD:-<none>}" ;;
esac
if [ "$CMD" = start ]; then mkdir -p "$DIR"; fi
if [ -d "$DIR" ]; then DIR="$(cd "$DIR" && pwd -P)"; fi
PID_FILE="$DIR/keycloak.pid"; PORT_FILE="$DIR/keycloak.port"; LOG_FILE="$DIR/keycloak.log"
ENV_FILE="$DIR/keycloak.env"; KEYS="$DIR/keys"; DIST="$DIR/dist"
"cmd_$CMD"
