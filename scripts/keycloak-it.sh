#!/usr/bin/env bash
# keycloak-it.sh - the Keycloak of the integration tests: one per Maven run, in target/keycloak-it.
#
# Usage: scripts/keycloak-it.sh OWNER_PID|maven [--if-goals-integrate]
#   Makes sure the Keycloak of target/keycloak-it belongs to process OWNER_PID (the Maven JVM of this run) and
#   runs: if it already does (run.owner says OWNER_PID, run.state says ready, keycloak.sh status says running),
#   nothing to do; otherwise it stops whatever an earlier run left there (keycloak.sh would reuse it, with its
#   old realm) and starts a fresh one (scripts/keycloak.sh start, a free port in 20000-31999), then leaves a
#   watchdog behind that stops that Keycloak once OWNER_PID has exited. Callers are serialized by a lock
#   (target/keycloak-it/run.lock): a second caller of the same run waits for the first one's start and reuses it.
#   `maven` stands for the Maven JVM among the script's ancestors.
#   Exit 0 when Keycloak is ready, 1 when it could not start (output in target/keycloak-it/keycloak-sh.out).
#
#   pom.xml runs it in the background (antrun, spawn) in generate-test-resources with --if-goals-integrate, so that
#   Keycloak starts while the unit tests run: it then does nothing unless Maven's command line
#   ($MAVEN_CMD_LINE_ARGS, set by bin/mvn) names a phase that runs the integration tests (integration-test,
#   verify, install, deploy). The integration tests (it/KeycloakScript) run it in the foreground: it waits for
#   the background start, or starts Keycloak itself (e.g. when run from an IDE).
#
# Files: target/keycloak-it/run.owner (OWNER_PID), run.state (starting, ready, failed), keycloak-sh.out.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/target/keycloak-it"
KC=(bash "$ROOT/scripts/keycloak.sh")

owner="${1:-}"
if [ "$owner" = maven ]; then
  # the Maven JVM among our ancestors (pom.xml's antrun runs this script)
  owner=""
  pid=$PPID
  while [ -n "$pid" ] && [ "$pid" -gt 1 ]; do
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'org.codehaus.plexus.classworlds.launcher.Launcher'; then
      owner=$pid
      break
    fi
    pid=$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null)
  done
  [ -n "$owner" ] || { echo "keycloak-it.sh: no Maven JVM among the ancestors of $$" >&2; exit 2; }
fi
[[ "$owner" =~ ^[0-9]+$ ]] || { echo "usage: $0 OWNER_PID|maven [--if-goals-integrate]" >&2; exit 2; }
if [ "${2:-}" = --if-goals-integrate ]; then
  # Only a Maven run whose phases include the integration tests needs Keycloak (not `./mvnw test -Dtest=Foo`).
  [[ " ${MAVEN_CMD_LINE_ARGS:-} " =~ [[:space:]](integration-test|verify|install|deploy)[[:space:]] ]] || exit 0
  [[ " ${MAVEN_CMD_LINE_ARGS:-} " =~ [[:space:]]-D(skipITs|skipTests|maven\.test\.skip)([[:space:]]|=true) ]] && exit 0
fi

mkdir -p "$DIR"
exec >>"$DIR/keycloak-sh.out" 2>&1 </dev/null
exec 9>"$DIR/run.lock"
flock 9

say() { printf '[keycloak-it.sh] %s %s\n' "$(date +%T)" "$*"; }

# pom.xml passes Maven's local repository (keycloak.sh fetches the distribution into it); an expression that Maven
# left unresolved is no path.
case "${MAVEN_REPO_LOCAL:-}" in *'${'*) unset MAVEN_REPO_LOCAL ;; esac

if [ "$(cat "$DIR/run.owner" 2>/dev/null)" = "$owner" ] && [ "$(cat "$DIR/run.state" 2>/dev/null)" = ready ] \
    && "${KC[@]}" status --dir "$DIR" 9>&- >/dev/null 2>&1; then
  say "Keycloak of run $owner already up"
  exit 0
fi

printf '%s\n' "$owner" >"$DIR/run.owner"
printf 'starting\n' >"$DIR/run.state"
say "starting Keycloak for run $owner (local repository: ${MAVEN_REPO_LOCAL:-the default})"
"${KC[@]}" stop --dir "$DIR" 9>&- || true
started=false
for attempt in 1 2 3; do
  # Not keycloak.sh's default range (18080 up), which every other Keycloak on this machine starts from, and below
  # the kernel's ephemeral ports (32768 up), so that no outgoing connection takes it.
  port=$((20000 + RANDOM % 12000))
  # 9>&-: Keycloak runs on in the background and must not inherit the lock
  if "${KC[@]}" start --dir "$DIR" --port "$port" 9>&- >/dev/null; then
    started=true
    break
  fi
  say "start on port $port failed (attempt $attempt)"
done
if [ "$started" != true ]; then
  printf 'failed\n' >"$DIR/run.state"
  exit 1
fi
printf 'ready\n' >"$DIR/run.state"
say "Keycloak up for run $owner"

# The watchdog: stops this run's Keycloak once its owner is gone, unless a later run took the directory over.
# Detached (setsid) and without our lock or streams, so that neither Maven nor the tests wait for it.
setsid bash -c '
  owner="$1"; dir="$2"; shift 2
  while kill -0 "$owner" 2>/dev/null; do sleep 1; done
  if [ "$(cat "$dir/run.owner" 2>/dev/null)" = "$owner" ]; then
    printf "[keycloak-it.sh] %s run %s ended: stopping its Keycloak\n" "$(date +%T)" "$owner"
    "$@" stop --dir "$dir"
    printf "stopped\n" >"$dir/run.state"
  fi' keycloak-it-watchdog "$owner" "$DIR" "${KC[@]}" 9>&- >>"$DIR/keycloak-sh.out" 2>&1 </dev/null &
exit 0
