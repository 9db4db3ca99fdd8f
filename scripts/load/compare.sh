#!/usr/bin/env bash
# The emulator side by side with a bare axum server and two peers, on the same request, in one
# run (issue 11's method; see BENCHMARKS.md). Rerun it whole:
#
#   scripts/load/compare.sh                 # ~15 min: builds, installs what is missing, writes the table
#   ROUNDS=1 DURATION=3s RSS_REQUESTS=100000 scripts/load/compare.sh     # a quick look
#
# Servers (each started fresh for every row, on a free 127.0.0.1 port, with a clean environment):
#   baseline          examples/baseline.rs: axum answering every request with one constant
#                     417-byte JSON body (the emulator's answer to the request below)
#   trtc-mock         the release binary with --rate-limit off --fixtures
#                     fixtures/describe-user-info-example.json --now 1590066000 --freeze
#                     (signatures checked), TRTC_MOCK_LOG=warn (no per-request log line), and
#                     again with the default log (one line a request, stdout to a file)
#   wiremock          WireMock standalone 3 (the jar inside the npm package `wiremock`) on Java,
#                     one stub answering the same 417 bytes to POST / with X-TC-Action:
#                     DescribeUserInfo; with its default request journal, and with
#                     --no-request-journal
#   prism             Prism 5 (npm @stoplight/prism-cli) mocking a one-operation OpenAPI document
#                     whose example is the same body
#
# Rows: every server replays one TC3-signed DescribeUserInfo (the documentation example's call),
# signed by sign.py just before its row (valid 300 s) and checked once; the emulator also replays
# a signed DescribeRoomInfo over 24 h of generated history (SdkAppId 1400000001, default density).
# Each row is `wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency` after a WARMUP run of the same
# request (not counted; the JVM compiles its hot paths in it). The rows run in ROUNDS interleaved
# rounds; the table gives each row's median req/s over the rounds, its range, the ratio of medians
# to the baseline of the same run, and median p50/p99 latency.
#
# Start-up: spawn → `GET /_mock/health` answered 200 (each peer is given that route), STARTUP_RUNS
# runs after one unmeasured run (startup.py). RSS: VmRSS of the server and its children when idle
# (ready, one checked request served), then after RSS_REQUESTS requests of wrk (re-signed every
# 20 s; stopped at RSS_MAX_SECONDS, and the count reached is shown) and RSS_SETTLE (3) s of
# idleness, and after the first tenth of them (1 s runs until then, read under load) to show
# whether it stays flat.
#
# Before measuring, the script waits (up to WAIT_SECONDS) for the 1-minute load average to fall
# below MAX_LOAD, and records it before and after. Only 127.0.0.1 is targeted; every wrk run is
# bounded by its duration. Installs wrk with apt-get, Java (default-jre-headless) if missing, and
# the npm packages into PEERS_DIR (target/peers). Output: $OUT/compare.md (and stdout); raw wrk
# output in $OUT/*.wrk, rows in $OUT/rows.tsv, servers in $OUT/servers.tsv.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
HERE=scripts/load
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-6s}
WARMUP=${WARMUP:-5s}
ROUNDS=${ROUNDS:-3}
STARTUP_RUNS=${STARTUP_RUNS:-20}
RSS_REQUESTS=${RSS_REQUESTS:-1000000}
RSS_MAX_SECONDS=${RSS_MAX_SECONDS:-300}
RSS_SETTLE=${RSS_SETTLE:-3}
MAX_LOAD=${MAX_LOAD:-0.5}
WAIT_SECONDS=${WAIT_SECONDS:-600}
OUT=${OUT:-target/load/compare}
PEERS_DIR=${PEERS_DIR:-target/peers}
SERVERS=${SERVERS:-baseline trtc-mock trtc-mock-logged wiremock wiremock-no-journal prism}
WIREMOCK_VERSION=${WIREMOCK_VERSION:-3}
PRISM_VERSION=${PRISM_VERSION:-5}
BIN=target/release/trtc-mock
BASELINE_BIN=target/release/examples/baseline
NOW=1590066000
FLAGS=(--rate-limit off --fixtures fixtures/describe-user-info-example.json --now "$NOW" --freeze)
USER_INFO_BODY='{"SdkAppId":1400188366,"CommId":"1400188366_218695_1590065777","StartTime":1590065777,"EndTime":1590065877,"UserIds":["user1_54816741","user2_2107025"]}'
ROOM_INFO_BODY="{\"SdkAppId\":1400000001,\"StartTime\":$((NOW - 86400)),\"EndTime\":$NOW}"

die() { echo "compare.sh: $*" >&2; exit 1; }
say() { echo "compare.sh: $*" >&2; }

# ---- tools --------------------------------------------------------------------------------------
command -v python3 >/dev/null || die "python3 is needed"
apt_install() {
    [[ $(id -u) == 0 ]] || die "$1 is missing: apt-get install $2"
    say "installing $2 (Debian package)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}
command -v wrk >/dev/null || apt_install wrk wrk
needs_peer() { [[ " $SERVERS " == *" $1"* ]]; }
if needs_peer wiremock; then
    command -v java >/dev/null || apt_install java default-jre-headless
fi
if needs_peer wiremock || needs_peer prism; then
    command -v npm >/dev/null || die "npm is needed for the peers (apt-get install nodejs npm)"
    mkdir -p "$PEERS_DIR"
    if [[ ! -d $PEERS_DIR/node_modules/wiremock || ! -d $PEERS_DIR/node_modules/@stoplight/prism-cli ]]; then
        say "installing wiremock@$WIREMOCK_VERSION and @stoplight/prism-cli@$PRISM_VERSION into $PEERS_DIR"
        npm install --prefix "$PEERS_DIR" --no-audit --no-fund --loglevel=error \
            "wiremock@$WIREMOCK_VERSION" "@stoplight/prism-cli@$PRISM_VERSION" >/dev/null
    fi
fi
WIREMOCK_JAR=$(ls "$PEERS_DIR"/node_modules/wiremock/build/wiremock-standalone-*.jar 2>/dev/null | head -1 || true)
PRISM=$PEERS_DIR/node_modules/.bin/prism

mkdir -p "$OUT"
say "building the release binary and the baseline"
cargo build --release --quiet --bin trtc-mock --example baseline
[[ -x $BIN && -x $BASELINE_BIN ]] || die "the build made no binaries"

# ---- processes we start, and their cleanup ------------------------------------------------------
SERVER_PID=""
cleanup() {
    if [[ -n $SERVER_PID ]]; then
        kill -- -"$SERVER_PID" 2>/dev/null || kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The command line of a server; `{port}` stands for its port.
server_command() {
    case $1 in
        baseline) echo "$BASELINE_BIN --addr 127.0.0.1:{port}" ;;
        trtc-mock | trtc-mock-logged) echo "$BIN ${FLAGS[*]} --addr 127.0.0.1:{port}" ;;
        wiremock) echo "java -jar $WIREMOCK_JAR --port {port} --bind-address 127.0.0.1 --root-dir $OUT/wiremock --disable-banner" ;;
        wiremock-no-journal) echo "java -jar $WIREMOCK_JAR --port {port} --bind-address 127.0.0.1 --root-dir $OUT/wiremock --disable-banner --no-request-journal" ;;
        prism) echo "$PRISM mock $OUT/prism.json --host 127.0.0.1 --port {port} --errors false" ;;
        *) die "unknown server $1" ;;
    esac
}

server_env() {
    local env=(env -i "PATH=$PATH" "HOME=${HOME:-/root}")
    [[ $1 == trtc-mock ]] && env+=(TRTC_MOCK_LOG=warn)
    echo "${env[@]}"
}

is_ready() {
    python3 - "$1" <<'EOF'
import socket, sys
port = int(sys.argv[1])
try:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        s.sendall(f"GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        sys.exit(0 if s.recv(64).split(b" ", 2)[1:2] == [b"200"] else 1)
except (OSError, IndexError):
    sys.exit(1)
EOF
}

# start_server NAME: sets PORT and SERVER_PID (the leader of its own process group).
start_server() {
    local name=$1 log=$OUT/server-$1.log command
    PORT=$(free_port)
    command=$(server_command "$name")
    # shellcheck disable=SC2046
    setsid $(server_env "$name") ${command//\{port\}/$PORT} >"$log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 600); do
        kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$log" >&2; die "$name exited during start-up"; }
        is_ready "$PORT" && return 0
        sleep 0.05
    done
    die "$name not ready on 127.0.0.1:$PORT after 30 s"
}

stop_server() {
    kill -- -"$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    # Keep a sample of a logged server's output, not the ~100 MB.
    local log
    for log in "$OUT"/server-*.log; do
        if [[ -f $log && $(stat -c %s "$log") -gt 1048576 ]]; then
            head -n 20 "$log" >"$log.sample" && : >"$log"
        fi
    done
}

# RSS of the server's process group, in KiB.
rss_kb() {
    local total=0 pid kb
    for pid in $(pgrep -g "$SERVER_PID" 2>/dev/null || echo "$SERVER_PID"); do
        kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        total=$((total + ${kb:-0}))
    done
    echo "$total"
}

# ---- the peers' configuration: the baseline's own answer, byte for byte ------------------------
prepare_peers() {
    start_server baseline
    local body
    body=$(python3 -c "
import urllib.request, sys
req = urllib.request.Request('http://127.0.0.1:$PORT/', data=b'{}', method='POST')
sys.stdout.write(urllib.request.urlopen(req, timeout=5).read().decode())")
    stop_server
    mkdir -p "$OUT/wiremock/mappings" "$OUT/wiremock/__files"
    BODY=$body python3 - "$OUT" <<'EOF'
import json, os, sys
out = sys.argv[1]
body = os.environ["BODY"]
mappings = {"mappings": [
    {"request": {"method": "POST", "url": "/", "headers": {"X-TC-Action": {"equalTo": "DescribeUserInfo"}}},
     "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": body}},
    {"request": {"method": "GET", "url": "/_mock/health"},
     "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": "{\"ready\":true}"}},
]}
json.dump(mappings, open(os.path.join(out, "wiremock", "mappings", "describe-user-info.json"), "w"), indent=1)
answer = {"description": "The documentation example's answer",
          "content": {"application/json": {"example": json.loads(body)}}}
spec = {
    "openapi": "3.0.3",
    "info": {"title": "TRTC DescribeUserInfo, the documentation example", "version": "2019-07-22"},
    "paths": {
        "/": {"post": {"operationId": "DescribeUserInfo",
                       "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                       "responses": {"200": answer}}},
        "/_mock/health": {"get": {"operationId": "health", "responses": {"200": {
            "description": "ready", "content": {"application/json": {"example": {"ready": True}}}}}}},
    },
}
json.dump(spec, open(os.path.join(out, "prism.json"), "w"), indent=1)
EOF
}

# ---- one wrk row --------------------------------------------------------------------------------
sign() { # sign REQUEST_FILE ACTION BODY
    local said
    said=$(python3 "$HERE/sign.py" --port "$PORT" --out "$1" --action "$2" --body "$3" --expect Success 2>&1) \
        || die "the checked call failed: $said"
}

wrk_run() { # wrk_run REQUEST_FILE DURATION OUTPUT
    TRTC_LOAD_REQUEST=$1 timeout 120 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" --latency \
        -s "$HERE/replay.lua" "http://127.0.0.1:$PORT/" >"$3" || die "wrk failed ($3)"
}

# measure NAME SERVER ACTION BODY: one row of $OUT/rows.tsv (round, name, server, action, req/s,
# p50, p99, requests, socket errors).
measure() {
    local name=$1 server=$2 action=$3 body=$4
    local file=${name//\//.}
    local request=$OUT/$file.request out=$OUT/$file.$ROUND.wrk
    sign "$request" "$action" "$body"
    wrk_run "$request" "$WARMUP" "$OUT/warmup.wrk"
    sign "$request" "$action" "$body"
    wrk_run "$request" "$DURATION" "$out"
    local rps p50 p99 total errors
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    p50=$(awk '$1 == "50%" {print $2}' "$out")
    p99=$(awk '$1 == "99%" {print $2}' "$out")
    total=$(awk '/requests in/ {print $1}' "$out")
    errors=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$out")
    errors=${errors:-0}
    [[ -n $rps && -n $total && -n $p50 && -n $p99 ]] || { cat "$out" >&2; die "no wrk figures for $name"; }
    if grep -q "Non-2xx" "$out"; then cat "$out" >&2; die "non-2xx answers in $name"; fi
    if (( errors * 100 > total )); then cat "$out" >&2; die "socket errors in $name: $errors"; fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ROUND" "$name" "$server" "$action" "$rps" "$p50" "$p99" "$total" "$errors" >>"$OUT/rows.tsv"
    printf '  round %s  %-34s %9.0f req/s  p50 %-8s p99 %s\n' "$ROUND" "$name" "$rps" "$p50" "$p99" >&2
}

# rows_of SERVER: the rows measured on one server, as NAME ACTION BODY-VARIABLE lines.
rows_of() {
    case $1 in
        trtc-mock | trtc-mock-logged)
            echo "$1/DescribeUserInfo DescribeUserInfo USER_INFO_BODY"
            echo "$1/DescribeRoomInfo DescribeRoomInfo ROOM_INFO_BODY"
            ;;
        *) echo "$1/DescribeUserInfo DescribeUserInfo USER_INFO_BODY" ;;
    esac
}

# ---- RSS after many requests --------------------------------------------------------------------
# rss_run SERVER: idle RSS, RSS after a tenth of RSS_REQUESTS and after RSS_REQUESTS (or the count
# reached in RSS_MAX_SECONDS), appended to $OUT/rss.tsv.
rss_run() {
    local server=$1 request=$OUT/rss.request idle tenth="" done=0 started chunk_out
    start_server "$server"
    sign "$request" DescribeUserInfo "$USER_INFO_BODY"
    sleep 1
    idle=$(rss_kb)
    started=$SECONDS
    while (( done < RSS_REQUESTS && SECONDS - started < RSS_MAX_SECONDS )); do
        sign "$request" DescribeUserInfo "$USER_INFO_BODY"
        chunk_out=$OUT/rss.wrk
        # Short runs until a tenth is served (to read the RSS near it), then 20 s runs.
        wrk_run "$request" "$([[ -z $tenth ]] && echo 1s || echo 20s)" "$chunk_out"
        grep -q "Non-2xx" "$chunk_out" && { cat "$chunk_out" >&2; die "non-2xx answers in the RSS run of $server"; }
        done=$((done + $(awk '/requests in/ {print $1}' "$chunk_out")))
        if [[ -z $tenth ]] && (( done >= RSS_REQUESTS / 10 )); then
            tenth="$(rss_kb) $done"
        fi
    done
    # The goal is the idle RSS after the requests: the server is left idle RSS_SETTLE s first.
    sleep "$RSS_SETTLE"
    printf '%s\t%s\t%s\t%s\t%s\n' "$server" "$idle" "${tenth:-0 0}" "$(rss_kb)" "$done" | tr ' ' '\t' >>"$OUT/rss.tsv"
    say "RSS of $server: idle $idle KiB, idle after $done requests $(rss_kb) KiB"
    stop_server
}

# ---- run ----------------------------------------------------------------------------------------
rm -f "$OUT/rows.tsv" "$OUT/rss.tsv" "$OUT/startup.tsv" "$OUT"/*.wrk
waited=0
while awk -v max="$MAX_LOAD" '{exit !($1 >= max)}' /proc/loadavg && (( waited < WAIT_SECONDS )); do
    (( waited == 0 )) && say "waiting for the load average to fall below $MAX_LOAD (now $(cut -d' ' -f1 /proc/loadavg); at most ${WAIT_SECONDS} s)"
    sleep 10
    waited=$((waited + 10))
done
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
say "load average before: $LOAD_BEFORE"
prepare_peers

for ROUND in $(seq 1 "$ROUNDS"); do
    for server in $SERVERS; do
        start_server "$server"
        while read -r name action body_var; do
            measure "$name" "$server" "$action" "${!body_var}"
        done < <(rows_of "$server")
        stop_server
    done
done
LOAD_AFTER_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

say "start-up ($STARTUP_RUNS runs each)"
for server in $SERVERS; do
    [[ $server == trtc-mock-logged ]] && continue
    # shellcheck disable=SC2046
    read -r su_min su_med su_max < <($(server_env "$server") python3 "$HERE/startup.py" --runs "$STARTUP_RUNS" \
        --ready-path /_mock/health -- $(server_command "$server") 2>/dev/null)
    printf '%s\t%s\t%s\t%s\n' "$server" "$su_min" "$su_med" "$su_max" >>"$OUT/startup.tsv"
    say "start-up of $server: median $su_med ms ($su_min – $su_max)"
done

say "RSS (up to $RSS_REQUESTS requests or $RSS_MAX_SECONDS s each)"
for server in $SERVERS; do
    [[ $server == trtc-mock-logged ]] && continue
    rss_run "$server"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

{
    echo "Date: $DATE. Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); $(java -version 2>&1 | head -1); node $(node --version)"
    echo "Load: $ROUNDS rounds of wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (after a $WARMUP warm-up each), client and servers on the same machine; load average before $LOAD_BEFORE, after the rounds $LOAD_AFTER_LOAD, at the end $LOAD_AFTER"
    echo
    python3 "$HERE/compare_summary.py" "$OUT"
} | tee "$OUT/compare.md"
