#!/usr/bin/env python3
"""Self time of a perf recording in a few buckets, and the top symbols.

    perf_summary.py PERF.DATA [--top 40]

Buckets, by symbol: kernel; the allocator (malloc, free and their helpers); memory copies;
SHA-256; JSON (serde_json); HTTP (hyper, httparse, http); the runtime (tokio, futures);
logging (tracing); the emulator's own code (trtc_mock); other.
"""

import argparse
import collections
import re
import subprocess

BUCKETS = [
    ("kernel", lambda dso, sym: dso.startswith("[kernel")),
    ("allocator", lambda dso, sym: re.search(r"malloc|free|_int_|unlink_chunk|realloc|mi_|je_|tcache|arena", sym)),
    ("memory copies", lambda dso, sym: re.search(r"mem(move|cpy|set|cmp)|__memc", sym)),
    ("SHA-256, HMAC", lambda dso, sym: re.search(r"sha2|hmac|digest", sym)),
    ("JSON (serde_json)", lambda dso, sym: "serde_json" in sym or "serde_core" in sym or "serde::" in sym),
    ("HTTP (hyper, httparse, http)", lambda dso, sym: re.search(r"hyper|httparse|http::|http_body|axum|tower", sym)),
    ("logging (tracing)", lambda dso, sym: "tracing" in sym),
    ("runtime (tokio, futures)", lambda dso, sym: re.search(r"tokio|futures|mio::|parking_lot|std::sys", sym)),
    ("trtc_mock", lambda dso, sym: "trtc_mock" in sym),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    text = subprocess.run(
        ["perf", "report", "-i", args.data, "--no-children", "--sort", "dso,symbol", "--stdio", "-g", "none",
         "--percent-limit", "0", "--field-separator", "\t"],
        capture_output=True, text=True, check=True).stdout
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 3:
            continue
        share = float(parts[0].strip().rstrip("%"))
        dso = parts[1].strip()
        sym = re.sub(r"^\[[.k]\]\s*", "", parts[2].strip())
        rows.append((share, dso, sym))
    buckets = collections.Counter()
    for share, dso, sym in rows:
        for name, test in BUCKETS:
            if test(dso, sym):
                buckets[name] += share
                break
        else:
            buckets["other"] += share
    print("self time by bucket:")
    for name, share in buckets.most_common():
        print(f"  {share:5.1f}%  {name}")
    print()
    print("top symbols (self):")
    for share, dso, sym in sorted(rows, reverse=True)[: args.top]:
        print(f"  {share:5.2f}%  {sym[:140]}  [{dso}]")


if __name__ == "__main__":
    main()
