#!/usr/bin/env bash
# token-broker benchmark: one run measures start-up, cached-token throughput and latency against nginx serving
# the same bytes, a cold burst of concurrent first requests, and the broker's RSS. See BENCHMARKS.md ("Method")
# for what each step measures and how.
#
#   bench/run.sh                          # the real run: 30 s per measurement, about 6 minutes
#   BENCH_SECONDS=5 BENCH_WARMUP=3 bench/run.sh     # a quick trial (labelled as such in BENCHMARKS.md)
#
# Environment (all optional):
#   BENCH_SECONDS=30        duration of each wrk measurement
#   BENCH_WARMUP=10         wrk warm-up (JIT) before the broker's measurements of each endpoint; nginx gets 2 s
#   BENCH_BURST=1000        concurrent callers of the cold burst
#   BENCH_NGINX_WORKERS=auto   nginx worker_processes ("auto" = one per core, like the broker's event loops)
#   BENCH_PROFILE=0         1: after the measurements, a JFR recording of one extra -c64 run and its hot methods
#   BENCH_ALLOC=0           1: after the measurements, a JFR allocation profile of one extra -t1 -c64 cached run
#   BENCH_REBUILD=0         1: rebuild the jar even if it exists
#   BENCH_LABEL=            a label for the results section; runs shorter than 30 s are labelled TRIAL anyway
#   BENCH_OUT=BENCHMARKS.md where to write the results (the section between the results markers is replaced)
#   BENCH_KEEP=0            1: keep the scratch directory (logs, wrk outputs, JFR) after the run
#   BENCH_PORT / BENCH_MGMT_PORT   preferred broker ports (7777 / 9000); a free port is used if one is taken
#
# Needs java 17+, python3, curl; installs wrk and nginx from Debian (apt-get, as root) when missing. Every server
# it starts listens on 127.0.0.1 only; every load is bounded in time; everything it started is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR="$ROOT/bench"
# shellcheck source=bench/nginx-lib.sh
. "$BENCH_DIR/nginx-lib.sh"
cd "$ROOT"

SECS=${BENCH_SECONDS:-30}
WARMUP=${BENCH_WARMUP:-10}
BURST_N=${BENCH_BURST:-1000}
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-auto}
PROFILE=${BENCH_PROFILE:-0}
OUT=${BENCH_OUT:-$ROOT/BENCHMARKS.md}
LABEL=${BENCH_LABEL:-}

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------------------------
# Processes we start, stopped on any exit (normal end, failure under set -e, Ctrl-C, SIGTERM).
PIDS=()
WORK=""
FAILED=1
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for _ in $(seq 1 50); do
        local alive=0
        for pid in "${PIDS[@]}"; do
            if kill -0 "$pid" 2>/dev/null; then alive=1; fi
        done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for pid in "${PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "$FAILED" = 1 ] || [ "${BENCH_KEEP:-0}" = 1 ]; then
            log "scratch directory kept: $WORK"
        else
            rm -rf "$WORK"
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# Stops one process we started (by its pid) and forgets it.
stop_pid() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
}
forget_pid() {
    local kept=() p
    for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
    PIDS=("${kept[@]+"${kept[@]}"}")
}

# ---------------------------------------------------------------------------------------------------------------
# Tools.
for tool in java python3 curl; do
    command -v "$tool" >/dev/null || die "$tool is needed"
done
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "installing wrk and nginx from Debian"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk nginx >/dev/null
    else
        die "wrk and nginx are needed: sudo apt-get install wrk nginx"
    fi
fi
JCMD=$(command -v jcmd || true)
JFR=$(command -v jfr || true)

# The JVM flags of the JVM image: jvm.args, the java argument file of Dockerfile.jvm's ENTRYPOINT (and of the
# integration tests), read here without its comments so that the three never drift.
JVM_FLAGS_LINE=$(sed -e 's/#.*$//' "$ROOT/jvm.args" | xargs)
[ -n "$JVM_FLAGS_LINE" ] || die "no JVM flag in jvm.args"
read -r -a JVM_FLAGS <<<"$JVM_FLAGS_LINE"

JAR="$ROOT/target/quarkus-app/quarkus-run.jar"
if [ ! -f "$JAR" ] || [ "${BENCH_REBUILD:-0}" = 1 ]; then
    log "building the jar (./mvnw -B -q package -DskipTests)"
    ./mvnw -B -q package -DskipTests
fi
[ -f "$JAR" ] || die "no $JAR after the build"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/token-broker-bench.XXXXXX")
# nginx's workers may run as another user: they must reach the static files.
chmod 755 "$WORK"
R="$WORK/results.tsv"
: >"$R"
put() { printf '%s\t%s\n' "$1" "$2" >>"$R"; }

# 1000 sockets for the burst, a few more for wrk.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# A free loopback port: the preferred one when it is free, else one the kernel picks.
free_port() {
    python3 - "${1:-0}" <<'EOF'
import socket, sys
want = int(sys.argv[1])
for port in ([want] if want else []) + [0]:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        print(s.getsockname()[1])
        break
    except OSError:
        pass
    finally:
        s.close()
EOF
}

now_ns() { date +%s%N; }

# Waits until the fake IdP has written its port file; prints the port.
wait_port_file() {
    local file=$1 pid=$2
    for _ in $(seq 1 100); do
        [ -s "$file" ] && { cat "$file"; return 0; }
        kill -0 "$pid" 2>/dev/null || die "the fake IdP exited"
        sleep 0.05
    done
    die "the fake IdP did not start"
}

start_idp() { # NAME [fake_idp args...]; sets IDP_PID, IDP_PORT
    local name=$1
    shift
    python3 "$BENCH_DIR/fake_idp.py" --port-file "$WORK/$name.port" "$@" >"$WORK/$name.log" 2>&1 &
    IDP_PID=$!
    PIDS+=("$IDP_PID")
    IDP_PORT=$(wait_port_file "$WORK/$name.port" "$IDP_PID")
}

start_broker() { # NAME CONFIG PORT MGMT_PORT; sets BROKER_PID, BROKER_T0 (ns)
    local name=$1 config=$2 port=$3 mgmt=$4
    BROKER_T0=$(now_ns)
    # -Dquarkus.management.host: the image binds the management port on all interfaces for the kubelet; the
    # benchmark keeps every server on the loopback.
    java "${JVM_FLAGS[@]}" \
        -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" \
        -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$mgmt" \
        -Dquarkus.config.locations="$config" \
        -jar "$JAR" >"$WORK/$name.log" 2>&1 &
    BROKER_PID=$!
    PIDS+=("$BROKER_PID")
}

# Polls URL every 10 ms until it answers 200 (or DEADLINE s pass, or PID dies); prints ms since T0_NS.
wait_http_200() { # URL T0_NS PID DEADLINE_S
    python3 - "$@" <<'EOF' || return 1
import os, sys, time, urllib.request, urllib.error
url, t0, pid, deadline = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
end = time.monotonic() + deadline
while time.monotonic() < end:
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            if r.status == 200:
                print((time.time_ns() - t0) / 1e6)
                sys.exit(0)
    except (urllib.error.URLError, OSError):
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(2)
    time.sleep(0.01)
sys.exit(1)
EOF
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

# Runs a command with a deadline, its output to OUTFILE, in the background and waited for: a SIGTERM or Ctrl-C to
# the script interrupts the wait at once (a foreground child would delay the trap until it ends).
run_bounded() { # DEADLINE_S OUTFILE COMMAND...
    local deadline=$1 out=$2 pid rc=0
    shift 2
    timeout -k 5 "$deadline" "$@" >"$out" 2>"$out.err" &
    pid=$!
    PIDS+=("$pid")
    wait "$pid" || rc=$?
    forget_pid "$pid"
    return "$rc"
}

# One wrk measurement, bounded: wrk stops itself after -d; timeout(1) is the belt to those braces.
run_wrk() { # OUTFILE THREADS CONNS SECONDS URL HEADER
    local out=$1 threads=$2 conns=$3 secs=$4 url=$5 header=$6
    run_bounded $((secs + 30)) "$out" wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 5s --latency \
        -H "$header" "$url" || die "wrk failed: $(cat "$out" "$out.err")"
    local rps p99
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    p99=$(awk '$1 == "99%" {print $2}' "$out")
    log "  $(basename "$out" .txt): ${rps} req/s, p99 ${p99}"
}

# ---------------------------------------------------------------------------------------------------------------
# Machine.
put date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
put nproc "$(nproc)"
put cpu "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
put memory "$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
put kernel "$(uname -srm)"
put java "$(java -version 2>&1 | paste -sd ' ' | tr -s ' ')"
put wrk "$(wrk -v 2>&1 | head -1 | sed 's/ Copyright.*//')"
put nginx "$(nginx -v 2>&1)"
put loadavg_before "$(cut -d' ' -f1-3 /proc/loadavg)"
put commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- src pom.xml 2>/dev/null || echo ' (sources modified)')"
put jvm_flags "$JVM_FLAGS_LINE"
put seconds "$SECS"
put warmup "$WARMUP"
put nginx_workers "$NGINX_WORKERS"
put burst_n "$BURST_N"
put label "$LABEL"

# ---------------------------------------------------------------------------------------------------------------
# 1. Start-up: the packaged broker, the image's JVM flags, a fake IdP on the loopback; process start to ready.
GRAPH_SCOPE="https://graph.microsoft.com/.default"
BURST_SCOPE="api://token-broker-bench-burst/.default"

start_idp idp
log "fake IdP on 127.0.0.1:$IDP_PORT"
PORT=$(free_port "${BENCH_PORT:-7777}")
MGMT=$(free_port "${BENCH_MGMT_PORT:-9000}")
put ports "token $PORT, management $MGMT (preferred ${BENCH_PORT:-7777}, ${BENCH_MGMT_PORT:-9000})"
cat >"$WORK/broker.properties" <<EOF
broker.identities.bench.client-id=token-broker-bench
broker.identities.bench.token-url=http://127.0.0.1:$IDP_PORT/tenant/oauth2/v2.0/token
broker.identities.bench.secret=bench-secret-not-a-secret
broker.resources.graph.scopes=$GRAPH_SCOPE
broker.resources.burst.scopes=$BURST_SCOPE
EOF
log "1. start-up: java ${JVM_FLAGS_LINE} -jar target/quarkus-app/quarkus-run.jar (127.0.0.1:$PORT, management 127.0.0.1:$MGMT)"
start_broker broker "$WORK/broker.properties" "$PORT" "$MGMT"
BROKER=$BROKER_PID
READY_MS=$(wait_http_200 "http://127.0.0.1:$MGMT/q/health/ready" "$BROKER_T0" "$BROKER" 60) ||
    { tail -30 "$WORK/broker.log" >&2; die "the broker did not become ready within 60 s"; }
put ready_ms "$READY_MS"
put quarkus_started "$(sed -n 's/.* started in \([0-9.]*s\)\..*/\1/p' "$WORK/broker.log" | head -1)"
curl -fsS "http://127.0.0.1:$IDP_PORT/stats" >"$WORK/idp-at-ready.json"
curl -fsS "http://127.0.0.1:$MGMT/q/health/ready" >"$WORK/ready.json"
log "   ready after ${READY_MS%.*} ms; IdP: $(python3 -c 'import json,sys; print(json.load(sys.stdin)["posts"])' <"$WORK/idp-at-ready.json")"
sleep 1
put rss_start_kib "$(rss_kib "$BROKER")"

# The broker's real answers: the bytes nginx will serve.
NATIVE_PATH="/v1/tokens/graph"
MSI_PATH="/msi/token?api-version=2019-08-01&resource=https://graph.microsoft.com"
IMDS_PATH="/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://graph.microsoft.com"
curl -fsS -H 'Metadata: true' -D "$WORK/native.headers" -o "$WORK/native.json" "http://127.0.0.1:$PORT$NATIVE_PATH"
curl -fsS -H 'X-IDENTITY-HEADER: x' -D "$WORK/msi.headers" -o "$WORK/msi.json" "http://127.0.0.1:$PORT$MSI_PATH"
curl -fsS -H 'Metadata: true' -D "$WORK/imds.headers" -o "$WORK/imds.json" "http://127.0.0.1:$PORT$IMDS_PATH"
chmod 644 "$WORK/native.json" "$WORK/msi.json" "$WORK/imds.json"
put native_bytes "$(wc -c <"$WORK/native.json")"
put msi_bytes "$(wc -c <"$WORK/msi.json")"
put imds_bytes "$(wc -c <"$WORK/imds.json")"

# ---------------------------------------------------------------------------------------------------------------
# nginx: its own prefix and config, loopback only, the same body and headers as the broker.
NGINX_PORT=$(free_port 0)
mkdir -p "$WORK/nginx"
nginx_preamble "$WORK/nginx" $NGINX_WORKERS >"$WORK/nginx/nginx.conf"
chmod -R 755 "$WORK/nginx"
cat >>"$WORK/nginx/nginx.conf" <<EOF
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 75s;
    keepalive_requests 100000000;
    server_tokens off;
    types { }
    default_type application/json;
    etag off;
    max_ranges 0;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location = /v1/tokens/graph {
            alias $WORK/native.json;
            add_header Cache-Control no-store always;
            add_header Last-Modified "";
        }
        location = /msi/token {
            alias $WORK/msi.json;
            add_header Cache-Control no-store always;
            add_header Last-Modified "";
        }
        location = /metadata/identity/oauth2/token {
            alias $WORK/imds.json;
            add_header Cache-Control no-store always;
            add_header Last-Modified "";
        }
    }
}
EOF
nginx -e "$WORK/nginx/logs/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >"$WORK/nginx/stdout.log" 2>&1 &
NGINX=$!
PIDS+=("$NGINX")
wait_http_200 "http://127.0.0.1:$NGINX_PORT/v1/tokens/graph" "$(now_ns)" "$NGINX" 10 >/dev/null ||
    { cat "$WORK/nginx/logs/error.log" >&2; die "nginx did not start"; }
curl -fsS -D "$WORK/nginx-native.headers" -o "$WORK/nginx-native.json" "http://127.0.0.1:$NGINX_PORT$NATIVE_PATH"
curl -fsS -D "$WORK/nginx-msi.headers" -o "$WORK/nginx-msi.json" "http://127.0.0.1:$NGINX_PORT$MSI_PATH"
cmp -s "$WORK/native.json" "$WORK/nginx-native.json" || die "nginx does not serve the broker's bytes"
cmp -s "$WORK/msi.json" "$WORK/nginx-msi.json" || die "nginx does not serve the broker's bytes (msi)"
curl -fsS -o "$WORK/nginx-imds.json" "http://127.0.0.1:$NGINX_PORT$IMDS_PATH"
cmp -s "$WORK/imds.json" "$WORK/nginx-imds.json" || die "nginx does not serve the broker's bytes (imds)"
log "nginx on 127.0.0.1:$NGINX_PORT, worker_processes $NGINX_WORKERS"

# ---------------------------------------------------------------------------------------------------------------
# 2.-4. Cached tokens: wrk against the broker and against nginx, -t1 -c1, -t1 -c64 and -t2 -c64, for each door.
# CPU time of the server over each measurement (utime + stime from /proc/PID/stat, nginx's master and workers):
# in a pod with a CPU limit, what a caller pays per request.
cpu_ticks() { # PID...: utime + stime of the processes and of their children's processes
    local total=0 pid child
    for pid in "$@"; do
        for child in "$pid" $(cat "/proc/$pid/task/"*/children 2>/dev/null); do
            [ -r "/proc/$child/stat" ] || continue
            total=$((total + $(awk '{print $14 + $15}' "/proc/$child/stat")))
        done
    done
    echo "$total"
}
measure_one() { # WHO KIND THREADS CONNS URL HEADER PID
    local who=$1 kind=$2 threads=$3 conns=$4 url=$5 header=$6 pid=$7 before
    before=$(cpu_ticks "$pid")
    run_wrk "$WORK/wrk-$who-$kind-t$threads-c$conns.txt" "$threads" "$conns" "$SECS" "$url" "$header"
    put "cpu_${who}_${kind}_t${threads}_c${conns}" "$(($(cpu_ticks "$pid") - before))"
}
measure() { # KIND PATH HEADER
    local kind=$1 path=$2 header=$3 shape
    log "${kind}: broker warm-up ${WARMUP} s"
    run_wrk "$WORK/warmup-broker-$kind.txt" 2 64 "$WARMUP" "http://127.0.0.1:$PORT$path" "$header"
    for shape in "1 1" "1 64" "2 64"; do
        # shellcheck disable=SC2086
        measure_one broker "$kind" $shape "http://127.0.0.1:$PORT$path" "$header" "$BROKER"
    done
    log "${kind}: nginx warm-up 2 s"
    run_wrk "$WORK/warmup-nginx-$kind.txt" 2 64 2 "http://127.0.0.1:$NGINX_PORT$path" "$header"
    for shape in "1 1" "1 64" "2 64"; do
        # shellcheck disable=SC2086
        measure_one nginx "$kind" $shape "http://127.0.0.1:$NGINX_PORT$path" "$header" "$NGINX"
    done
}
put clk_tck "$(getconf CLK_TCK)"
log "2./3. GET $NATIVE_PATH (Metadata: true), ${SECS} s per measurement"
measure native "$NATIVE_PATH" "Metadata: true"
log "4. GET $MSI_PATH (X-IDENTITY-HEADER: x)"
measure msi "$MSI_PATH" "X-IDENTITY-HEADER: x"
log "4b. GET $IMDS_PATH (Metadata: true)"
measure imds "$IMDS_PATH" "Metadata: true"
stop_pid "$NGINX"

# 6. RSS after the load (the broker is otherwise idle; one second for the last connections to close).
sleep 1
put rss_load_kib "$(rss_kib "$BROKER")"
put hwm_kib "$(hwm_kib "$BROKER")"
curl -fsS "http://127.0.0.1:$IDP_PORT/stats" >"$WORK/idp-after-load.json"

if [ "$PROFILE" = 1 ]; then
    if [ -n "$JCMD" ] && [ -n "$JFR" ]; then
        log "profile: JFR during one more ${SECS} s -t2 -c64 run of $NATIVE_PATH"
        "$JCMD" "$BROKER" JFR.start name=bench settings=profile filename="$WORK/broker.jfr" >/dev/null
        run_wrk "$WORK/profile-broker-native.txt" 2 64 "$SECS" "http://127.0.0.1:$PORT$NATIVE_PATH" "Metadata: true"
        "$JCMD" "$BROKER" JFR.stop name=bench >/dev/null
        # Top frames (self time) and all frames (inclusive) of the execution samples.
        "$JFR" print --events jdk.ExecutionSample "$WORK/broker.jfr" >"$WORK/samples.txt"
        python3 - "$WORK/samples.txt" >"$WORK/profile.txt" <<'EOF'
import collections, re, sys
top, incl, n = collections.Counter(), collections.Counter(), 0
stack = None
for line in open(sys.argv[1]):
    s = line.strip()
    if s.startswith("stackTrace = ["):
        stack = []
    elif stack is not None and s == "]":
        if stack:
            n += 1
            top[stack[0]] += 1
            for f in set(stack):
                incl[f] += 1
        stack = None
    elif stack is not None and s and s != "...":
        stack.append(re.sub(r"\s+line:.*$", "", s))
print("samples: %d" % n)
print("\ntop frames (self):")
for f, c in top.most_common(20):
    print("%6.1f%%  %s" % (100.0 * c / max(n, 1), f))
print("\nframes anywhere in the stack (inclusive), tokenbroker.* and the REST/HTTP layers:")
shown = 0
for f, c in incl.most_common():
    if shown < 25 and re.match(r"(tokenbroker|org\.jboss\.resteasy\.reactive|io\.quarkus\.(vertx|resteasy)|io\.vertx\.core\.http|com\.fasterxml)", f):
        print("%6.1f%%  %s" % (100.0 * c / max(n, 1), f))
        shown += 1
EOF
        log "profile written to $WORK/profile.txt"
        cat "$WORK/profile.txt" >&2
    else
        log "profile skipped: jcmd or jfr missing"
    fi
fi
if [ "${BENCH_ALLOC:-0}" = 1 ]; then
    if [ -n "$JCMD" ] && [ -n "$JFR" ]; then
        log "allocation profile: JFR (jdk.ObjectAllocationSample) during one more ${SECS} s -t1 -c64 run of $NATIVE_PATH"
        "$JCMD" "$BROKER" JFR.start name=alloc settings=profile filename="$WORK/alloc.jfr" >/dev/null
        run_wrk "$WORK/alloc-broker-native.txt" 1 64 "$SECS" "http://127.0.0.1:$PORT$NATIVE_PATH" "Metadata: true"
        "$JCMD" "$BROKER" JFR.stop name=alloc >/dev/null
        "$JFR" print --events jdk.ObjectAllocationSample "$WORK/alloc.jfr" >"$WORK/alloc-samples.txt"
        python3 "$BENCH_DIR/alloc.py" "$WORK/alloc-samples.txt" \
            "$(awk '/requests in/ {print $1}' "$WORK/alloc-broker-native.txt")" >"$WORK/alloc.txt"
        cat "$WORK/alloc.txt" >&2
    else
        log "allocation profile skipped: jcmd or jfr missing"
    fi
fi
stop_pid "$BROKER"

# ---------------------------------------------------------------------------------------------------------------
# 5. Cold burst: a second broker whose IdP parks the first request for the `burst` resource; BURST_N callers ask
#    for it while that request is parked; then the IdP answers. Every caller must get the one token fetched.
log "5. cold burst: ${BURST_N} concurrent first requests"
start_idp idp2 --hold-scope "$BURST_SCOPE" --max-hold 15
IDP2_PORT=$IDP_PORT
PORT2=$(free_port 0)
MGMT2=$(free_port 0)
cat >"$WORK/broker2.properties" <<EOF
broker.identities.bench.client-id=token-broker-bench
broker.identities.bench.token-url=http://127.0.0.1:$IDP2_PORT/tenant/oauth2/v2.0/token
broker.identities.bench.secret=bench-secret-not-a-secret
broker.resources.burst.scopes=$BURST_SCOPE
EOF
start_broker broker2 "$WORK/broker2.properties" "$PORT2" "$MGMT2"
BROKER2=$BROKER_PID
wait_http_200 "http://127.0.0.1:$MGMT2/q/health/live" "$BROKER_T0" "$BROKER2" 60 >/dev/null ||
    { tail -30 "$WORK/broker2.log" >&2; die "the second broker did not start"; }
# Its start-up fetch of `burst` must be parked at the IdP before the burst.
python3 - "http://127.0.0.1:$IDP2_PORT/stats" <<'EOF' || die "the second broker's first IdP request never arrived"
import json, sys, time, urllib.request
end = time.monotonic() + 10
while time.monotonic() < end:
    s = json.load(urllib.request.urlopen(sys.argv[1], timeout=2))
    if s["held"] >= 1:
        sys.exit(0)
    time.sleep(0.02)
sys.exit(1)
EOF
run_bounded 60 "$WORK/burst.json" python3 "$BENCH_DIR/burst.py" --port "$PORT2" --path "/v1/tokens/burst" \
    --header "Metadata: true" -n "$BURST_N" --release-url "http://127.0.0.1:$IDP2_PORT/release" --settle 0.5 \
    --timeout 40 || die "the burst client failed: $(cat "$WORK/burst.json.err")"
sleep 1 # a late second IdP request, if any, would show now
curl -fsS "http://127.0.0.1:$IDP2_PORT/stats" >"$WORK/idp2-after-burst.json"
put rss_burst_kib "$(rss_kib "$BROKER2")"
stop_pid "$BROKER2"

put loadavg_after "$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------------------------------
# The table, on stdout and in BENCHMARKS.md.
python3 "$BENCH_DIR/report.py" --work "$WORK" --out "$OUT" --graph-scope "$GRAPH_SCOPE" --burst-scope "$BURST_SCOPE"
FAILED=0
log "done: results in $OUT"
