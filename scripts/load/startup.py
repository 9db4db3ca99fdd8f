#!/usr/bin/env python3
"""Start-up time of the server: from spawning the process to its port accepting a TCP connection.

    startup.py [--runs N] -- /path/to/trtc-mock [flags...]

Each run picks a free loopback port, appends `--addr 127.0.0.1:PORT` to the command, starts it
(stdout/stderr discarded), polls connect() every 0.2 ms, then stops it with SIGTERM and waits.
Prints min / median / max in milliseconds. Includes exec, flag parsing, fixture loading and bind.
"""

import argparse
import socket
import statistics
import subprocess
import sys
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_run(command: list, timeout: float) -> float:
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(command + ["--addr", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.05):
                    return time.perf_counter() - started
            except OSError:
                pass
            if proc.poll() is not None:
                raise SystemExit(f"startup.py: server exited with {proc.returncode} before listening")
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"startup.py: port {port} not open after {timeout} s")
            time.sleep(0.0002)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the server command after --")
    one_run(command, args.timeout)  # warm the page cache; not counted
    times = sorted(one_run(command, args.timeout) * 1000 for _ in range(args.runs))
    print(f"{min(times):.1f} {statistics.median(times):.1f} {max(times):.1f}")
    print(f"  start-up over {args.runs} runs: min {times[0]:.1f} ms, median {statistics.median(times):.1f} ms, "
          f"max {times[-1]:.1f} ms", file=sys.stderr)


if __name__ == "__main__":
    main()
