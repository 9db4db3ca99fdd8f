#!/usr/bin/env bash
# Where a request's time goes, two ways (see BENCHMARKS.md, "Profile"):
#
#   scripts/load/profile.sh callgrind [ROW]   # instructions per request, by function (repeatable)
#   scripts/load/profile.sh perf [ROW]        # perf record under wrk -t2 -c64 (cpu-clock samples)
#
# ROW is user-info (default), room-info, baseline (unsigned PUT /), or user-info-logged (the
# per-request log line on, to a file). Builds `--profile profiling` (release with line tables).
#
# callgrind: the server runs under valgrind; 2,000 warm-up requests, counters zeroed, then
# COUNT (20,000) requests from drive.py over 4 connections, counters dumped. Instruction counts
# do not depend on what else the machine is doing, so before/after comparisons of one change
# are exact (but valgrind's CPU has no SHA extensions: SHA-256 runs in software there and weighs
# far more than natively). Output: $OUT/callgrind.ROW.out.1 and $OUT/callgrind.ROW.txt (self and
# inclusive instructions per request).
#
# perf: the server runs natively under wrk -t2 -c64 for 10 s; `perf record -F 999 -g` samples it
# for 5 s in the middle. Output: $OUT/perf.ROW.data and $OUT/perf.ROW.txt (self time by bucket
# and by symbol).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
HERE=scripts/load
MODE=${1:?usage: profile.sh callgrind|perf [ROW]}
ROW=${2:-user-info}
COUNT=${COUNT:-20000}
OUT=${OUT:-target/load/profile}
BIN=${BIN:-target/profiling/trtc-mock}
NOW=1590066000
FLAGS=(--rate-limit off --fixtures fixtures/describe-user-info-example.json --now "$NOW" --freeze)
USER_INFO_BODY='{"SdkAppId":1400188366,"CommId":"1400188366_218695_1590065777","StartTime":1590065777,"EndTime":1590065877,"UserIds":["user1_54816741","user2_2107025"]}'
ROOM_INFO_BODY="{\"SdkAppId\":1400000001,\"StartTime\":$((NOW - 86400)),\"EndTime\":$NOW}"

die() { echo "profile.sh: $*" >&2; exit 1; }

case $ROW in
    user-info | user-info-logged) SIGN=(--action DescribeUserInfo --body "$USER_INFO_BODY" --expect Success) ;;
    room-info) SIGN=(--action DescribeRoomInfo --body "$ROOM_INFO_BODY" --expect Success) ;;
    baseline) SIGN=(--method PUT --expect UnsupportedProtocol) ;;
    *) die "unknown row $ROW" ;;
esac
ENV=(env -i "PATH=$PATH")
[[ $ROW == *-logged ]] || ENV+=(TRTC_MOCK_LOG=warn)

mkdir -p "$OUT"
[[ $BIN != target/profiling/trtc-mock ]] || cargo build --profile profiling --quiet
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SERVER_PID=""
cleanup() {
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT

wait_ready() {
    for _ in $(seq 1 600); do
        kill -0 "$SERVER_PID" 2>/dev/null || die "server exited"
        if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/_mock/health', timeout=2)" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    die "server not ready"
}

case $MODE in
    callgrind)
        command -v valgrind >/dev/null || die "valgrind is missing: apt-get install valgrind"
        OUTFILE=$OUT/callgrind.$ROW.out
        rm -f "$OUTFILE"*
        "${ENV[@]}" valgrind --tool=callgrind --callgrind-out-file="$OUTFILE" \
            "$BIN" "${FLAGS[@]}" --addr "127.0.0.1:$PORT" >"$OUT/server.log" 2>"$OUT/valgrind.log" &
        SERVER_PID=$!
        wait_ready
        python3 "$HERE/sign.py" --port "$PORT" --out "$OUT/$ROW.request" "${SIGN[@]}"
        python3 "$HERE/drive.py" --port "$PORT" --request "$OUT/$ROW.request" --count 2000 >/dev/null
        callgrind_control --zero "$SERVER_PID" >/dev/null
        python3 "$HERE/drive.py" --port "$PORT" --request "$OUT/$ROW.request" --count "$COUNT" >/dev/null
        callgrind_control --dump "$SERVER_PID" >/dev/null
        kill "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
        # The dump taken by callgrind_control after the zeroing holds exactly the COUNT requests.
        [[ -f $OUTFILE.1 ]] || die "no callgrind dump"
        python3 "$HERE/callgrind_summary.py" "$OUTFILE.1" "$COUNT" >"$OUT/callgrind.$ROW.txt"
        echo "$ROW: $(head -1 "$OUT/callgrind.$ROW.txt") -> $OUT/callgrind.$ROW.txt"
        ;;
    perf)
        command -v perf >/dev/null || die "perf is missing: apt-get install linux-perf"
        command -v wrk >/dev/null || die "wrk is missing: apt-get install wrk"
        "${ENV[@]}" "$BIN" "${FLAGS[@]}" --addr "127.0.0.1:$PORT" >"$OUT/server.log" 2>&1 &
        SERVER_PID=$!
        wait_ready
        python3 "$HERE/sign.py" --port "$PORT" --out "$OUT/$ROW.request" "${SIGN[@]}"
        TRTC_LOAD_REQUEST=$OUT/$ROW.request timeout 30 wrk -t2 -c64 -d10s -s "$HERE/replay.lua" \
            "http://127.0.0.1:$PORT/" >"$OUT/perf.$ROW.wrk" &
        WRK=$!
        sleep 3
        perf record -F 999 -g -p "$SERVER_PID" -o "$OUT/perf.$ROW.data" -- sleep 5 2>/dev/null
        wait "$WRK"
        python3 "$HERE/perf_summary.py" "$OUT/perf.$ROW.data" >"$OUT/perf.$ROW.txt"
        echo "$ROW: $(grep Requests/sec "$OUT/perf.$ROW.wrk") -> $OUT/perf.$ROW.txt"
        ;;
    *) die "unknown mode $MODE" ;;
esac
