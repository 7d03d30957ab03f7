#!/usr/bin/env bash
# bench/proxy.sh - the credential-injecting proxy against nginx on the loopback (plain HTTP and TLS), in one run:
#   1. latency added by the proxy at a fixed 500 req/s (p50, p99; bench/rate.py, open loop, 8 connections),
#   2. maximum throughput through the proxy vs straight to nginx (wrk -t2 -c64 --latency),
#   3. the broker's RSS with 64 concurrent 100 MiB downloads through the proxy vs idle.
# Results go to BENCHMARKS.md between the proxy markers (date, commit, load average before and after).
#
#   bench/proxy.sh                      # 20 s per measurement
#   BENCH_SECONDS=5 bench/proxy.sh      # a quick trial, labelled TRIAL
# Needs the packaged jar (./mvnw package -DskipTests), java, python3, openssl, curl, nginx and wrk
# (apt-get install nginx wrk). Every server on 127.0.0.1 and a free port; every load bounded; a trap stops every
# process started here, by pid.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR="$ROOT/bench"
# shellcheck source=bench/nginx-lib.sh
. "$BENCH_DIR/nginx-lib.sh"
SECS=${BENCH_SECONDS:-20}
OUT=${BENCH_OUT:-$ROOT/BENCHMARKS.md}
log() { printf '[proxy-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
for tool in java python3 openssl curl nginx wrk; do command -v "$tool" >/dev/null || die "$tool is needed"; done
JAR="$ROOT/target/quarkus-app/quarkus-run.jar"
[ -f "$JAR" ] || die "no $JAR: ./mvnw -B package -DskipTests"
# The JVM image's flags: jvm.args, the java argument file of Dockerfile.jvm's ENTRYPOINT (as bench/run.sh reads it).
JVM_FLAGS_LINE=$(sed -e 's/#.*$//' "$ROOT/jvm.args" | xargs)
[ -n "$JVM_FLAGS_LINE" ] || die "no JVM flag in jvm.args"
read -r -a JVM_FLAGS <<<"$JVM_FLAGS_LINE"
# BENCH_JVM_EXTRA: flags after the image's (a later -Xmx wins), to measure another sizing; named in the results.
read -r -a JVM_EXTRA <<<"${BENCH_JVM_EXTRA:-}"
ulimit -n 8192 2>/dev/null || true
WORK=$(mktemp -d "${TMPDIR:-/tmp}/token-broker-proxy-bench.XXXXXX")
chmod 755 "$WORK"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# nginx: a 1 kB JSON answer and a 100 MiB file, plain and TLS (a certificate for IP 127.0.0.1, made here).
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null
chmod 644 "$WORK/tls.key"
python3 -c 'import json; print(json.dumps({"value": [{"id": str(i), "displayName": "user %d" % i} for i in range(20)]}))' >"$WORK/users.json"
head -c $((100 * 1024 * 1024)) /dev/zero >"$WORK/big.bin"
chmod 644 "$WORK/users.json" "$WORK/big.bin"
PLAIN=$(free_port); TLS=$(free_port)
mkdir -p "$WORK/nginx"
nginx_preamble "$WORK/nginx" 1 >"$WORK/nginx/nginx.conf"
cat >>"$WORK/nginx/nginx.conf" <<CONF
    sendfile on; tcp_nodelay on; keepalive_timeout 75s; keepalive_requests 100000000; server_tokens off;
    default_type application/json;
    server {
        listen 127.0.0.1:$PLAIN;
        listen 127.0.0.1:$TLS ssl;
        ssl_certificate $WORK/tls.crt;
        ssl_certificate_key $WORK/tls.key;
        location = /v1.0/users { alias $WORK/users.json; }
        location = /v1.0/big { alias $WORK/big.bin; default_type application/octet-stream; }
    }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >"$WORK/nginx.log" 2>&1 &
PIDS+=($!)

python3 "$BENCH_DIR/fake_idp.py" --port-file "$WORK/idp.port" >"$WORK/idp.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$WORK/idp.port" ] && break; sleep 0.05; done
IDP=$(cat "$WORK/idp.port")
PORT=$(free_port); MGMT=$(free_port); RPLAIN=$(free_port); RTLS=$(free_port)
printf 'bench-secret' >"$WORK/secret"
cat >"$WORK/broker.properties" <<CONF
broker.identities.bench.client-id=bench
broker.identities.bench.token-url=http://127.0.0.1:$IDP/token
broker.identities.bench.secret-file=$WORK/secret
broker.resources.graph.scopes=https://graph.microsoft.com/.default
broker.routes.plain.upstream=http://127.0.0.1:$PLAIN/v1.0
broker.routes.plain.resource=graph
broker.routes.plain.port=$RPLAIN
broker.routes.tls.upstream=https://127.0.0.1:$TLS/v1.0
broker.routes.tls.resource=graph
broker.routes.tls.port=$RTLS
broker.routes.tls.ca-file=$WORK/tls.crt
CONF
java "${JVM_FLAGS[@]}" "${JVM_EXTRA[@]}" -Dquarkus.http.port="$PORT" -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$MGMT" \
    -Dquarkus.config.locations="$WORK/broker.properties" -jar "$JAR" >"$WORK/broker.log" 2>&1 &
BROKER=$!
PIDS+=("$BROKER")
for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$MGMT/q/health/ready" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$MGMT/q/health/ready" >/dev/null || { cat "$WORK/broker.log" >&2; die "the broker is not ready"; }
curl -fsS "http://127.0.0.1:$RPLAIN/users" -o /dev/null || die "the plain route does not answer"
curl -fsS "http://127.0.0.1:$RTLS/users" -o /dev/null || die "the TLS route does not answer"
rss() { awk '/^VmRSS:/ {print int($2/1024)}' "/proc/$BROKER/status"; }

if [ "${BENCH_INSPECT:-0}" = 1 ]; then
    timeout 20 wrk -t2 -c64 -d5s "http://127.0.0.1:$RPLAIN/users" >/dev/null
    timeout 20 wrk -t2 -c64 -d5s "http://127.0.0.1:$RTLS/users" &
    sleep 3
    log "connections broker->nginx plain: $(ss -tan state established "( dport = :$PLAIN )" | tail -n +2 | wc -l)," \
        "TIME-WAIT: $(ss -tan state time-wait "( dport = :$PLAIN )" | tail -n +2 | wc -l)"
    jstat -gcutil "$BROKER" 1000 2 >&2 || true
    wait
    grep -v DEBUG "$WORK/broker.log" | tail -5 >&2
    exit 0
fi
# Warm-up (JIT), then the measurements.
timeout 60 wrk -t2 -c64 -d"$((SECS / 2 + 1))s" "http://127.0.0.1:$RPLAIN/users" >/dev/null
timeout 60 wrk -t2 -c64 -d"$((SECS / 2 + 1))s" "http://127.0.0.1:$RTLS/users" >/dev/null
rate() { timeout $((SECS + 30)) python3 "$BENCH_DIR/rate.py" "$1" 500 "$SECS" 8 "${@:2}"; }
# CPU time (user + system, from /proc/<pid>/stat) of the broker and of nginx's worker over one wrk run, per request:
# what a caller pays in a pod with a CPU limit, and the figure least moved by other load on a shared machine.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
NGINX_WORKER=""
wrk_rps() {
    [ -n "$NGINX_WORKER" ] || NGINX_WORKER=$(pgrep -P "$(cat "$WORK/nginx/nginx.pid")" | head -1)
    local b0 n0 out
    b0=$(cpu_ticks "$BROKER"); n0=$(cpu_ticks "$NGINX_WORKER")
    out=$(timeout $((SECS + 30)) wrk -t2 -c64 -d"${SECS}s" --latency "$1")
    echo "$out" | awk -v b="$(( $(cpu_ticks "$BROKER") - b0 ))" -v n="$(( $(cpu_ticks "$NGINX_WORKER") - n0 ))" \
        -v hz="$(getconf CLK_TCK)" '/requests in/ {r = $1} /^Requests\/sec/ {rps = $2}
        END {printf "%s:%.1f:%.1f\n", rps, b / hz * 1e6 / r, n / hz * 1e6 / r}'
}
declare -A R
log "latency at 500 req/s"
R[lat_direct_plain]=$(rate "http://127.0.0.1:$PLAIN/v1.0/users")
R[lat_proxy_plain]=$(rate "http://127.0.0.1:$RPLAIN/users")
R[lat_direct_tls]=$(rate "https://127.0.0.1:$TLS/v1.0/users" --ca "$WORK/tls.crt")
R[lat_proxy_tls]=$(rate "http://127.0.0.1:$RTLS/users")
log "throughput"
R[rps_direct_plain]=$(wrk_rps "http://127.0.0.1:$PLAIN/v1.0/users")
R[rps_proxy_plain]=$(wrk_rps "http://127.0.0.1:$RPLAIN/users")
R[rps_direct_tls]=$(wrk_rps "https://127.0.0.1:$TLS/v1.0/users")
R[rps_proxy_tls]=$(wrk_rps "http://127.0.0.1:$RTLS/users")
log "RSS with 64 concurrent 100 MiB downloads"
sleep 2
RSS_IDLE=$(rss)
DL=()
for i in $(seq 1 64); do
    timeout 300 curl -fsS -o /dev/null "http://127.0.0.1:$RPLAIN/big" &
    DL+=($!)
done
PIDS+=("${DL[@]}")
RSS_MAX=$RSS_IDLE
while kill -0 "${DL[@]}" 2>/dev/null; do
    r=$(rss); [ "$r" -gt "$RSS_MAX" ] && RSS_MAX=$r
    sleep 0.2
done
FAILED=0
for p in "${DL[@]}"; do wait "$p" || FAILED=$((FAILED + 1)); done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$OUT" "$SECS" "$LOAD_BEFORE" "$LOAD_AFTER" "$RSS_IDLE" "$RSS_MAX" "$FAILED" "$(git -C "$ROOT" rev-parse --short HEAD)" \
    "${R[lat_direct_plain]}" "${R[lat_proxy_plain]}" "${R[lat_direct_tls]}" "${R[lat_proxy_tls]}" \
    "${R[rps_direct_plain]}" "${R[rps_proxy_plain]}" "${R[rps_direct_tls]}" "${R[rps_proxy_tls]}" <<'PY'
import json, sys, datetime, os
out, secs, lb, la, idle, peak, failed, commit = sys.argv[1:9]
ld, lp, td, tp = (json.loads(a) for a in sys.argv[9:13])
# each throughput run: requests/s, then broker and nginx CPU microseconds per request
(rdp, _, ndp), (rpp, bpp, npp), (rdt, _, ndt), (rpt, bpt, npt) = (tuple(float(x) for x in a.split(":")) for a in sys.argv[13:17])
trial = " (TRIAL)" if int(secs) < 20 else ""
lines = [
    "<!-- proxy-results:start -->",
    f"### Proxy results{trial}: {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, commit {commit}, {os.cpu_count()} CPUs, "
    f"load average {lb} before, {la} after; {secs} s per measurement",
    "",
    "| | direct to nginx | through the proxy | added / ratio |",
    "| --- | --- | --- | --- |",
    f"| p50 at 500 req/s, plain | {ld['p50_ms']} ms | {lp['p50_ms']} ms | {lp['p50_ms'] - ld['p50_ms']:+.3f} ms |",
    f"| p99 at 500 req/s, plain | {ld['p99_ms']} ms | {lp['p99_ms']} ms | {lp['p99_ms'] - ld['p99_ms']:+.3f} ms |",
    f"| p50 at 500 req/s, TLS upstream | {td['p50_ms']} ms | {tp['p50_ms']} ms | {tp['p50_ms'] - td['p50_ms']:+.3f} ms |",
    f"| p99 at 500 req/s, TLS upstream | {td['p99_ms']} ms | {tp['p99_ms']} ms | {tp['p99_ms'] - td['p99_ms']:+.3f} ms |",
    f"| max req/s (wrk -t2 -c64), plain | {rdp:.0f} | {rpp:.0f} | {rpp / rdp:.2f}x |",
    f"| max req/s (wrk -t2 -c64), TLS upstream | {rdt:.0f} | {rpt:.0f} | {rpt / rdt:.2f}x |",
    f"| CPU per request (wrk -t2 -c64), plain: broker, nginx | nginx {ndp:.0f} µs | broker {bpp:.0f} µs + nginx {npp:.0f} µs | |",
    f"| CPU per request (wrk -t2 -c64), TLS upstream: broker, nginx | nginx {ndt:.0f} µs | broker {bpt:.0f} µs + nginx {npt:.0f} µs | |",
    f"| broker RSS, idle vs 64 concurrent 100 MiB downloads | {idle} MiB | {peak} MiB | +{int(peak) - int(idle)} MiB ({failed} failed) |",
    "",
    f"Rates achieved at the 500 req/s target: direct {ld['rate']}/{td['rate']}, proxy {lp['rate']}/{tp['rate']} "
    f"(plain/TLS); errors {ld['errors'] + lp['errors'] + td['errors'] + tp['errors']}. The TLS rows compare the proxy "
    "(plain from the client, TLS to nginx) with a TLS client straight to nginx.",
    "<!-- proxy-results:end -->",
]
text = open(out).read() if os.path.exists(out) else ""
start, end = text.find("<!-- proxy-results:start -->"), text.find("<!-- proxy-results:end -->")
block = "\n".join(lines)
if start >= 0 and end > start:
    text = text[:start] + block + text[end + len("<!-- proxy-results:end -->"):]
else:
    text = text.rstrip("\n") + "\n\n## Proxy (bench/proxy.sh)\n\n" + block + "\n"
open(out, "w").write(text)
print(block)
PY
rm -rf "$WORK"
