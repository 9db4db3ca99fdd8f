#!/usr/bin/env python3
"""The tables of compare.sh, from the files it wrote in OUT (rows.tsv, startup.tsv, rss.tsv).

    compare_summary.py target/load/compare

Every throughput figure is the median over the rounds and is also given as a ratio to the
baseline's median of the same run. Issue 11's goals are checked against the figures (a report,
not a test: nothing fails).
"""

import collections
import os
import statistics
import sys

BASELINE = "baseline/DescribeUserInfo"
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
LABELS = {
    "baseline": "bare axum (constant body)",
    "trtc-mock": "trtc-mock, log line off (`TRTC_MOCK_LOG=warn`)",
    "trtc-mock-logged": "trtc-mock, default log line (stdout to a file)",
    "wiremock": "WireMock, default request journal",
    "wiremock-no-journal": "WireMock, `--no-request-journal`",
    "prism": "Prism",
}


def millis(wrk_latency: str) -> float:
    for unit in ("us", "ms", "s"):
        if wrk_latency.endswith(unit):
            return float(wrk_latency[: -len(unit)]) * UNITS[unit]
    raise ValueError(f"unexpected latency {wrk_latency!r}")


def mib(kib: str) -> str:
    return f"{int(kib) / 1024:.1f}"


def read_tsv(path: str) -> list:
    if not os.path.exists(path):
        return []
    return [line.rstrip("\n").split("\t") for line in open(path, encoding="utf-8") if line.strip()]


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    out = sys.argv[1]
    rows = collections.OrderedDict()
    for _round, name, server, action, rps, p50, p99, _total, errors in read_tsv(os.path.join(out, "rows.tsv")):
        row = rows.setdefault(name, {"server": server, "action": action, "rps": [], "p50": [], "p99": [],
                                     "errors": 0})
        row["rps"].append(float(rps))
        row["p50"].append(millis(p50))
        row["p99"].append(millis(p99))
        row["errors"] += int(errors)
    if BASELINE not in rows:
        raise SystemExit("compare_summary.py: no baseline row")
    startup = {s: (lo, med, hi) for s, lo, med, hi in read_tsv(os.path.join(out, "startup.tsv"))}
    rss = {r[0]: r[1:] for r in read_tsv(os.path.join(out, "rss.tsv"))}
    base = statistics.median(rows[BASELINE]["rps"])
    rounds = len(rows[BASELINE]["rps"])

    print(f"| server | request | req/s (median of {rounds}) | ratio to bare axum | p50 ms | p99 ms "
          "| start-up ms (median) | RSS idle MiB | RSS idle after 10⁶ requests MiB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    shown = set()
    for name, row in rows.items():
        server = row["server"]
        rps = statistics.median(row["rps"])
        su, mem_idle, mem_after = "", "", ""
        key = "trtc-mock" if server == "trtc-mock-logged" else server
        if server not in shown and server != "trtc-mock-logged":
            if key in startup:
                su = startup[key][1]
            if key in rss:
                idle, _tenth_kib, _tenth_n, after_kib, after_n = rss[key]
                mem_idle = mib(idle)
                mem_after = mib(after_kib) + ("" if int(after_n) >= 1_000_000 else f" (after {int(after_n):,})")
        shown.add(server)
        print(f"| {LABELS.get(server, server)} | {row['action']} | {rps:,.0f} | {rps / base:.2f} "
              f"| {statistics.median(row['p50']):.2f} | {statistics.median(row['p99']):.2f} | {su} | {mem_idle} "
              f"| {mem_after} |")

    print()
    print("Spread over the rounds, start-up range, and RSS on the way:")
    print()
    print("| server | request | req/s min – max | ratio min – max (same round) | p99 ms min – max | socket errors |")
    print("|---|---|---:|---:|---:|---:|")
    for name, row in rows.items():
        ratios = [r / b for r, b in zip(row["rps"], rows[BASELINE]["rps"])]
        print(f"| {LABELS.get(row['server'], row['server'])} | {row['action']} "
              f"| {min(row['rps']):,.0f} – {max(row['rps']):,.0f} | {min(ratios):.2f} – {max(ratios):.2f} "
              f"| {min(row['p99']):.2f} – {max(row['p99']):.2f} | {row['errors']} |")
    print()
    if startup or rss:
        print("| server | start-up ms min / median / max | RSS MiB: idle, after a tenth (under load), idle after all (requests) |")
        print("|---|---:|---:|")
        for server in dict.fromkeys(list(startup) + list(rss)):
            lo, med, hi = startup.get(server, ("", "", ""))
            line = ""
            if server in rss:
                idle, tenth_kib, tenth_n, after_kib, after_n = rss[server]
                line = (f"{mib(idle)}, {mib(tenth_kib)} ({int(tenth_n):,}), {mib(after_kib)} ({int(after_n):,})")
            print(f"| {LABELS.get(server, server)} | {lo} / {med} / {hi} | {line} |")
        print()

    # Issue 11's goals, read off the figures above.
    def ratio(name):
        return statistics.median(rows[name]["rps"]) / base if name in rows else None

    print("Issue 11's goals, read off this run:")
    for name, label in (("trtc-mock", "log line off"), ("trtc-mock-logged", "default log line")):
        for action in ("DescribeUserInfo", "DescribeRoomInfo"):
            r = ratio(f"{name}/{action}")
            if r is not None:
                p99 = statistics.median(rows[f"{name}/{action}"]["p99"])
                print(f"- {action}, {label}: {r:.3f}x bare axum (goal ≥ 0.7: {'met' if r >= 0.7 else 'not met'}); "
                      f"p99 {p99:.2f} ms (goal ≤ 2 ms: {'met' if p99 <= 2 else 'not met'})")
    if "trtc-mock" in startup:
        med = float(startup["trtc-mock"][1])
        print(f"- start-up, median of the runs: {med:.1f} ms (goal ≤ 10 ms: {'met' if med <= 10 else 'not met'})")
    if "trtc-mock" in rss:
        idle, tenth_kib, tenth_n, after_kib, after_n = rss["trtc-mock"]
        growth = (int(after_kib) - int(tenth_kib)) / 1024
        print(f"- RSS idle {mib(idle)} MiB (goal ≤ 10 MB: {'met' if int(idle) * 1024 <= 10_000_000 else 'not met'}); "
              f"{mib(tenth_kib)} MiB after {int(tenth_n):,} requests (under load), {mib(after_kib)} MiB idle after "
              f"{int(after_n):,} ({growth:+.1f} MiB; goal ≤ 10 MB: "
              f"{'met' if int(after_kib) * 1024 <= 10_000_000 else 'not met'})")


if __name__ == "__main__":
    main()
