#!/usr/bin/env bash
# Load run of the release binary on loopback with wrk, plus its start-up time. See BENCHMARKS.md.
#
#   scripts/load/run.sh                    # ~2 min after the build: 3 rounds of 5 rows, wrk -t2 -c64 -d6s
#   ROUNDS=1 DURATION=10s CONNECTIONS=128 scripts/load/run.sh
#
# Steps: build `target/release/trtc-mock`; start it on a free 127.0.0.1 port with
#   --rate-limit off --fixtures fixtures/describe-user-info-example.json --now 1590066000 --freeze
# and TRTC_MOCK_LOG=warn (no per-request log line); replay with wrk, each row after one checked
# call of the same request:
#   1. baseline: unsigned `PUT /`, answered UnsupportedProtocol at the gateway's first check;
#   2. DescribeUserInfo, TC3-signed POST (signed by sign.py just before the row; valid 300 s),
#      answered from the fixture;
#   3. DescribeRoomInfo over a 24 h window of generated history (SdkAppId 1400000001);
# then the same server with per-request logging on (TRTC_MOCK_LOG unset, log to a file) for rows
# 1 and 2; then start-up time (startup.py: spawn → port accepts a TCP connection).
# The five rows are measured in ROUNDS interleaved rounds (a fresh server each time); the table
# gives each row's median req/s over the rounds, its range, and the ratio of medians to row 1 of
# the same run. Only 127.0.0.1 is targeted; every wrk run is bounded by DURATION. Results go to
# stdout and $OUT/results.md; raw wrk output to $OUT/NAME.ROUND.wrk, rows to $OUT/rows.tsv.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
HERE=scripts/load
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-6s}
ROUNDS=${ROUNDS:-3}
STARTUP_RUNS=${STARTUP_RUNS:-20}
OUT=${OUT:-target/load}
BIN=target/release/trtc-mock
NOW=1590066000
FLAGS=(--rate-limit off --fixtures fixtures/describe-user-info-example.json --now "$NOW" --freeze)
USER_INFO_BODY='{"SdkAppId":1400188366,"CommId":"1400188366_218695_1590065777","StartTime":1590065777,"EndTime":1590065877,"UserIds":["user1_54816741","user2_2107025"]}'
ROOM_INFO_BODY="{\"SdkAppId\":1400000001,\"StartTime\":$((NOW - 86400)),\"EndTime\":$NOW}"

die() { echo "run.sh: $*" >&2; exit 1; }

# ---- tools --------------------------------------------------------------------------------------
command -v python3 >/dev/null || die "python3 is needed"
if ! command -v wrk >/dev/null; then
    [[ $(id -u) == 0 ]] || die "wrk is missing: apt-get install wrk"
    echo "installing wrk (Debian package)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

# ---- processes we start, and their cleanup ------------------------------------------------------
SERVER_PID=""
cleanup() {
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
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

# start_server quiet|logged: sets PORT and SERVER_PID; the server gets a clean environment.
start_server() {
    local mode=$1 log=$OUT/server-$1.log
    PORT=$(free_port)
    local env=(env -i "PATH=$PATH")
    if [[ $mode == quiet ]]; then
        env+=(TRTC_MOCK_LOG=warn)
    fi
    "${env[@]}" "$BIN" "${FLAGS[@]}" --addr "127.0.0.1:$PORT" >"$log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 500); do
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; die "server exited during start-up"; }
        if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $PORT), timeout=1)" 2>/dev/null; then
            return 0
        fi
        sleep 0.02
    done
    die "server not listening on 127.0.0.1:$PORT after 10 s"
}

stop_server() {
    local rc=0
    kill "$SERVER_PID"
    wait "$SERVER_PID" || rc=$?
    SERVER_PID=""
    (( rc == 0 )) || die "server exited with status $rc on SIGTERM"
}

# ---- one wrk row --------------------------------------------------------------------------------
ROUND=0

# measure NAME DESCRIPTION SIGN_ARGS... : sign + check one request, replay it, append a row to
# $OUT/rows.tsv (round, name, description, req/s, p50, p99, requests, socket errors).
measure() {
    local name=$1 what=$2
    shift 2
    local request=$OUT/$name.request wrk_out=$OUT/$name.$ROUND.wrk
    python3 "$HERE/sign.py" --port "$PORT" --out "$request" "$@"
    TRTC_LOAD_REQUEST=$request wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
        -s "$HERE/replay.lua" "http://127.0.0.1:$PORT/" >"$wrk_out" || die "wrk failed for $name"
    local rps p50 p99 total errors
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$wrk_out")
    p50=$(awk '$1 == "50%" {print $2}' "$wrk_out")
    p99=$(awk '$1 == "99%" {print $2}' "$wrk_out")
    total=$(awk '/requests in/ {print $1}' "$wrk_out")
    errors=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$wrk_out")
    errors=${errors:-0}
    [[ -n $rps && -n $total && -n $p50 && -n $p99 ]] || { cat "$wrk_out" >&2; die "no wrk figures for $name"; }
    if grep -q "Non-2xx" "$wrk_out"; then cat "$wrk_out" >&2; die "non-2xx answers in $name"; fi
    if (( errors * 100 > total )); then cat "$wrk_out" >&2; die "socket errors in $name: $errors"; fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ROUND" "$name" "$what" "$rps" "$p50" "$p99" "$total" "$errors" >>"$OUT/rows.tsv"
    printf '  round %s  %-48s %10.0f req/s  p50 %s  p99 %s\n' "$ROUND" "$what" "$rps" "$p50" "$p99" >&2
}

# ---- run ----------------------------------------------------------------------------------------
mkdir -p "$OUT"
echo "building the release binary" >&2
cargo build --release --quiet
[[ -x $BIN ]] || die "$BIN was not built"

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "$ROUNDS rounds of wrk -t$THREADS -c$CONNECTIONS -d$DURATION against 127.0.0.1 (load average before: $LOAD_BEFORE)" >&2
rm -f "$OUT/rows.tsv" "$OUT"/*.wrk

for ROUND in $(seq 1 "$ROUNDS"); do
    start_server quiet
    # Warm-up (not reported): page in the binary, fill the signing-key cache.
    python3 "$HERE/sign.py" --port "$PORT" --out "$OUT/warmup.request" --action DescribeUserInfo --body "$USER_INFO_BODY" --expect Success
    TRTC_LOAD_REQUEST=$OUT/warmup.request wrk -t"$THREADS" -c"$CONNECTIONS" -d1s -s "$HERE/replay.lua" "http://127.0.0.1:$PORT/" >/dev/null
    measure baseline 'baseline: unsigned `PUT /` → UnsupportedProtocol' --method PUT --expect UnsupportedProtocol
    measure user-info 'DescribeUserInfo, TC3 POST, fixture' --action DescribeUserInfo --body "$USER_INFO_BODY" --expect Success
    measure room-info 'DescribeRoomInfo, TC3 POST, 24 h generated' --action DescribeRoomInfo --body "$ROOM_INFO_BODY" --expect Success
    stop_server

    start_server logged
    measure baseline-logged 'baseline, per-request log line on' --method PUT --expect UnsupportedProtocol
    measure user-info-logged 'DescribeUserInfo, per-request log line on' --action DescribeUserInfo --body "$USER_INFO_BODY" --expect Success
    stop_server
done
LOG_LINES=$(wc -l <"$OUT/server-logged.log")
LOG_BYTES=$(wc -c <"$OUT/server-logged.log")
# Keep a sample, not the ~100 MB.
head -n 20 "$OUT/server-logged.log" >"$OUT/server-logged.sample.log"
rm -f "$OUT/server-logged.log"

echo "start-up time ($STARTUP_RUNS runs)" >&2
read -r SU_MIN SU_MED SU_MAX < <(env -i "PATH=$PATH" TRTC_MOCK_LOG=warn \
    python3 "$HERE/startup.py" --runs "$STARTUP_RUNS" -- "$BIN" "${FLAGS[@]}")
[[ -n ${SU_MAX:-} ]] || die "no start-up figures"

{
    echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
    echo "Load: $ROUNDS rounds of wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, client and server on the same machine; load average before: $LOAD_BEFORE"
    echo
    python3 "$HERE/summary.py" "$OUT/rows.tsv"
    echo
    echo "Logged server, last round: $LOG_LINES lines, $LOG_BYTES bytes written to a file (sample: $OUT/server-logged.sample.log)."
    echo "Start-up (spawn → port accepts TCP, $STARTUP_RUNS runs): min $SU_MIN ms, median $SU_MED ms, max $SU_MAX ms."
} | tee "$OUT/results.md"
