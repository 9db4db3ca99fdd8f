#!/usr/bin/env python3
"""Run the criterion benches several times and summarise them (the figures in BENCHMARKS.md).

    scripts/load/bench.py [--runs 3] [FILTER]

One criterion run's median moves by up to ~1.7x from one process to the next on the shared 2-core
machines, so each figure here is the median over --runs separate `cargo bench --bench gateway`
processes of criterion's median (target/criterion/*/*/new/estimates.json), with the smallest
and largest of them. Router figures are also given as a ratio to the baseline of the same run.
"""

import argparse
import json
import pathlib
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
CRITERION = ROOT / "target" / "criterion"
BASELINE = "router/baseline_put_unsupported_protocol"


def fmt(ns: float) -> str:
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def one_run(bench_filter: str) -> dict:
    command = ["cargo", "bench", "--quiet", "--bench", "gateway", "--"]
    if bench_filter:
        command.append(bench_filter)
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    medians = {}
    for estimates in CRITERION.glob("*/*/new/estimates.json"):
        name = f"{estimates.parents[2].name}/{estimates.parents[1].name}"
        medians[name] = json.loads(estimates.read_text())["median"]["point_estimate"]
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("filter", nargs="?", default="")
    args = parser.parse_args()

    runs = []
    for i in range(args.runs):
        print(f"criterion run {i + 1}/{args.runs}", file=sys.stderr)
        runs.append(one_run(args.filter))
    names = sorted(set().union(*runs), key=lambda n: (not n.startswith("signature"), not n.startswith("router"), n))
    print("| bench | median of runs | min – max | ratio to router baseline |")
    print("|---|---:|---:|---:|")
    for name in names:
        values = [r[name] for r in runs if name in r]
        ratios = [r[name] / r[BASELINE] for r in runs if name in r and BASELINE in r]
        ratio = f"{statistics.median(ratios):.1f}x" if name.startswith("router/") and ratios else ""
        print(f"| {name} | {fmt(statistics.median(values))} | {fmt(min(values))} – {fmt(max(values))} | {ratio} |")


if __name__ == "__main__":
    main()
