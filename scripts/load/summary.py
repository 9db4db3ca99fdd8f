#!/usr/bin/env python3
"""Markdown table of the rows run.sh recorded (rows.tsv): per request, median req/s over the
rounds, its range, the ratio of medians to the baseline row, and median p50/p99 latency.

    summary.py target/load/rows.tsv
"""

import collections
import statistics
import sys

BASELINE = "baseline"
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def millis(wrk_latency: str) -> float:
    for unit in ("us", "ms", "s"):
        if wrk_latency.endswith(unit):
            return float(wrk_latency[: -len(unit)]) * UNITS[unit]
    raise ValueError(f"unexpected latency {wrk_latency!r}")


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    rows = collections.OrderedDict()
    for line in open(sys.argv[1], encoding="utf-8"):
        _round, name, what, rps, p50, p99, _total, errors = line.rstrip("\n").split("\t")
        row = rows.setdefault(name, {"what": what, "rps": [], "p50": [], "p99": [], "errors": 0})
        row["rps"].append(float(rps))
        row["p50"].append(millis(p50))
        row["p99"].append(millis(p99))
        row["errors"] += int(errors)
    if BASELINE not in rows:
        raise SystemExit("summary.py: no baseline row")
    base = statistics.median(rows[BASELINE]["rps"])
    rounds = len(rows[BASELINE]["rps"])
    print(f"| request | req/s (median of {rounds}) | min – max | ratio to baseline | p50 ms | p99 ms | socket errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in rows.values():
        rps = statistics.median(row["rps"])
        print(f"| {row['what']} | {rps:,.0f} | {min(row['rps']):,.0f} – {max(row['rps']):,.0f} | {rps / base:.2f} "
              f"| {statistics.median(row['p50']):.2f} | {statistics.median(row['p99']):.2f} | {row['errors']} |")
    print()
    for label, quiet, logged in (("baseline", "baseline", "baseline-logged"),
                                 ("DescribeUserInfo", "user-info", "user-info-logged")):
        if quiet in rows and logged in rows:
            q, g = statistics.median(rows[quiet]["rps"]), statistics.median(rows[logged]["rps"])
            print(f"Per-request log line on, {label}: {g:,.0f} vs {q:,.0f} req/s without it ({g / q:.2f}x).")


if __name__ == "__main__":
    main()
