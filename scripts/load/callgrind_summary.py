#!/usr/bin/env python3
"""Self and inclusive instructions per function of a callgrind dump, divided by a request count.

    callgrind_summary.py FILE COUNT [--top 60] [--grep TEXT]

(This machine's callgrind_annotate attributes a dump taken with `callgrind_control --dump` to
`clone` as a whole, so the dump is read here.) Inclusive cost is self cost plus the cost of the
calls a function makes, recursion not removed: read it for non-recursive frames. Names are
shortened: generic arguments dropped, `{{closure}}` kept.
"""

import argparse
import collections
import re


def short(name: str) -> str:
    # Drop generic arguments, which make Rust names unreadable.
    out, depth = [], 0
    for ch in name:
        if ch == "<":
            depth += 1
            if depth == 1:
                out.append("<…>")
            continue
        if ch == ">":
            depth = max(0, depth - 1)
            continue
        if depth == 0:
            out.append(ch)
    text = "".join(out)
    return re.sub(r"(<…>)+", "<…>", text)


def parse(path: str):
    names = {}
    self_cost = collections.Counter()
    incl_calls = collections.Counter()
    fn = None
    pending_call = False
    total = 0

    def resolve(spec: str) -> str:
        m = re.match(r"\((\d+)\)(?: (.*))?", spec)
        if not m:
            return spec
        key, name = m.group(1), m.group(2)
        if name is not None:
            names[key] = name
        return names.get(key, key)

    cfn = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line[0] == "#":
                continue
            if line.startswith("fn="):
                fn = resolve(line[3:])
                continue
            if line.startswith("cfn="):
                cfn = resolve(line[4:])
                continue
            if line.startswith("calls="):
                pending_call = True
                continue
            if line[0].isdigit() or line[0] in "+-*":
                parts = line.split()
                if len(parts) < 2:
                    continue
                cost = int(parts[1])
                if pending_call:
                    if cfn != fn:
                        incl_calls[fn] += cost
                    pending_call = False
                else:
                    self_cost[fn] += cost
                    total += cost
                continue
            if line.startswith("summary:"):
                continue
            # fl=, fi=, fe=, ob=, cob=, cfi=, cfl=: names only.
            for prefix in ("fl=", "fi=", "fe=", "ob=", "cob=", "cfi=", "cfl="):
                if line.startswith(prefix):
                    resolve(line[len(prefix):])
                    break
    inclusive = collections.Counter()
    for name in set(self_cost) | set(incl_calls):
        inclusive[name] = self_cost[name] + incl_calls[name]
    return total, self_cost, inclusive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    parser.add_argument("count", type=int)
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--grep", default="")
    args = parser.parse_args()
    total, self_cost, inclusive = parse(args.file)
    n = args.count
    print(f"{total:,} instructions, {total // n:,} per request ({n:,} requests)")
    print()
    print("self, per request (share of all):")
    for name, cost in self_cost.most_common(args.top):
        if args.grep and args.grep not in name:
            continue
        print(f"  {cost / n:9.0f}  {100 * cost / total:5.1f}%  {short(name)[:150]}")
    print()
    print("inclusive, per request, application frames (trtc_mock::):")
    shown = 0
    for name, cost in inclusive.most_common():
        if "trtc_mock" not in name or (args.grep and args.grep not in name):
            continue
        print(f"  {cost / n:9.0f}  {100 * cost / total:5.1f}%  {short(name)[:150]}")
        shown += 1
        if shown >= args.top:
            break


if __name__ == "__main__":
    main()
