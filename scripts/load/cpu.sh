#!/usr/bin/env bash
# CPU time per request of the server, the emulator against the bare axum baseline, in
# interleaved rounds (see BENCHMARKS.md). On a machine shared with other work req/s moves with
# whatever else runs, while the server's own CPU time per answered request moves far less: it
# is what the server spends, not what it was given.
#
#   scripts/load/cpu.sh                       # 3 rounds of wrk -t2 -c64 -d5s per row
#   ROUNDS=5 DURATION=8s scripts/load/cpu.sh
#
# For each row: a fresh server (the same flags as compare.sh, TRTC_MOCK_LOG=warn), one checked
# signed request (sign.py), a 2 s warm-up, then utime + stime of the server (/proc/PID/stat)
# before and after `wrk --latency` replaying it. Prints µs of server CPU per request (median
# over the rounds, its range) and the ratio to the baseline's median. Only 127.0.0.1.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
HERE=scripts/load
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
OUT=${OUT:-target/load/cpu}
BIN=${BIN:-target/release/trtc-mock}
BASELINE_BIN=${BASELINE_BIN:-target/release/examples/baseline}
NOW=1590066000
FLAGS=(--rate-limit off --fixtures fixtures/describe-user-info-example.json --now "$NOW" --freeze)
USER_INFO_BODY='{"SdkAppId":1400188366,"CommId":"1400188366_218695_1590065777","StartTime":1590065777,"EndTime":1590065877,"UserIds":["user1_54816741","user2_2107025"]}'
ROOM_INFO_BODY="{\"SdkAppId\":1400000001,\"StartTime\":$((NOW - 86400)),\"EndTime\":$NOW}"
TICKS=$(getconf CLK_TCK)

die() { echo "cpu.sh: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is missing: apt-get install wrk"
[[ -n ${SKIP_BUILD:-} ]] || cargo build --release --quiet --bin trtc-mock --example baseline
mkdir -p "$OUT"

SERVER_PID=""
cleanup() {
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
trap cleanup EXIT

ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }

start() { # start baseline|trtc-mock
    PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if [[ $1 == baseline ]]; then
        env -i "PATH=$PATH" "$BASELINE_BIN" --addr "127.0.0.1:$PORT" >"$OUT/server.log" 2>&1 &
    else
        env -i "PATH=$PATH" TRTC_MOCK_LOG=warn "$BIN" "${FLAGS[@]}" --addr "127.0.0.1:$PORT" >"$OUT/server.log" 2>&1 &
    fi
    SERVER_PID=$!
    for _ in $(seq 1 300); do
        python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/_mock/health', timeout=2)" 2>/dev/null && return 0
        sleep 0.05
    done
    die "$1 not ready"
}

row() { # row NAME SERVER ACTION BODY
    local name=$1 request=$OUT/$1.request before after total
    start "$2"
    python3 "$HERE/sign.py" --port "$PORT" --out "$request" --action "$3" --body "$4" --expect Success >/dev/null 2>&1 \
        || die "the checked call failed ($name)"
    TRTC_LOAD_REQUEST=$request timeout 60 wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -s "$HERE/replay.lua" \
        "http://127.0.0.1:$PORT/" >/dev/null
    before=$(ticks)
    TRTC_LOAD_REQUEST=$request timeout 120 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
        -s "$HERE/replay.lua" "http://127.0.0.1:$PORT/" >"$OUT/$name.$ROUND.wrk"
    after=$(ticks)
    cleanup
    grep -q "Non-2xx" "$OUT/$name.$ROUND.wrk" && die "non-2xx answers in $name"
    total=$(awk '/requests in/ {print $1}' "$OUT/$name.$ROUND.wrk")
    printf '%s\t%s\t%s\t%s\n' "$ROUND" "$name" "$total" "$((after - before))" >>"$OUT/cpu.tsv"
    printf '  round %s  %-12s %9s requests  %6.2f µs CPU a request\n' "$ROUND" "$name" "$total" \
        "$(echo "($after - $before) * 1000000 / $TICKS / $total" | bc -l)" >&2
}

rm -f "$OUT/cpu.tsv"
echo "cpu.sh: $(nproc) CPUs, load average before $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ROUND in $(seq 1 "$ROUNDS"); do
    row baseline baseline DescribeUserInfo "$USER_INFO_BODY"
    row user-info trtc-mock DescribeUserInfo "$USER_INFO_BODY"
    row room-info trtc-mock DescribeRoomInfo "$ROOM_INFO_BODY"
done
echo "cpu.sh: load average after $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$OUT/cpu.tsv" "$TICKS" <<'EOF'
import collections, statistics, sys
ticks = int(sys.argv[2])
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    _, name, total, cpu = line.split("\t")
    rows[name].append(int(cpu) * 1e6 / ticks / int(total))
base = statistics.median(rows["baseline"])
print("| row | server CPU µs a request (median) | min – max | ratio to baseline |")
print("|---|---:|---:|---:|")
for name, values in rows.items():
    med = statistics.median(values)
    print(f"| {name} | {med:.2f} | {min(values):.2f} – {max(values):.2f} | {med / base:.2f} |")
EOF
