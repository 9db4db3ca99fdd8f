#!/usr/bin/env python3
"""Start-up time of a server: from spawning the process to its port accepting a TCP connection,
or (with --ready-path) to its answering `GET PATH` with HTTP 200.

    startup.py [--runs N] [--ready-path /_mock/health] -- /path/to/trtc-mock [flags...]
    startup.py --runs N --ready-path /_mock/health -- java -jar wiremock.jar --port {port}

Each run picks a free loopback port and puts it in the command: `{port}` in an argument is
replaced by it, and without one `--addr 127.0.0.1:PORT` is appended. The server is started
(stdout/stderr discarded) and polled every 0.2 ms, then stopped with SIGTERM (its process group,
so that wrappers' children stop too) and waited for. Prints min / median / max in milliseconds.
Includes exec, flag parsing, fixture loading and bind.

With --cpu, also the CPU time the server's threads had used when it was found ready (the sum of
/proc/PID/task/*/schedstat; Linux), which depends far less than the wall time on what else the
machine is doing: median over the runs, in milliseconds, on stderr.
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready(port: int, path: str) -> bool:
    """Whether the port accepts a connection (no path) or answers `GET path` with HTTP 200."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            if not path:
                return True
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
            head = b""
            while b"\r\n" not in head:
                chunk = sock.recv(4096)
                if not chunk:
                    return False
                head += chunk
            return head.split(b" ", 2)[1:2] == [b"200"]
    except OSError:
        return False


def with_port(command: list, port: int) -> list:
    if any("{port}" in arg for arg in command):
        return [arg.replace("{port}", str(port)) for arg in command]
    return command + ["--addr", f"127.0.0.1:{port}"]


def cpu_ns(pid: int) -> int:
    """CPU time used so far by every thread of a process, in nanoseconds."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


CPU_TIMES: list = []


def one_run(command: list, timeout: float, path: str = "", cpu: bool = False) -> float:
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(with_port(command, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        while True:
            if ready(port, path):
                elapsed = time.perf_counter() - started
                if cpu:
                    CPU_TIMES.append(cpu_ns(proc.pid) / 1e6)
                return elapsed
            if proc.poll() is not None:
                raise SystemExit(f"startup.py: server exited with {proc.returncode} before it was ready")
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"startup.py: port {port} not ready after {timeout} s")
            time.sleep(0.0002)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--ready-path", default="", help="wait for GET PATH to answer 200, not only for TCP")
    parser.add_argument("--cpu", action="store_true", help="also the server's CPU time when ready")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the server command after --")
    one_run(command, args.timeout, args.ready_path)  # warm the page cache; not counted
    times = sorted(one_run(command, args.timeout, args.ready_path, args.cpu) * 1000 for _ in range(args.runs))
    print(f"{min(times):.1f} {statistics.median(times):.1f} {max(times):.1f}")
    print(f"  start-up over {args.runs} runs: min {times[0]:.1f} ms, median {statistics.median(times):.1f} ms, "
          f"max {times[-1]:.1f} ms", file=sys.stderr)
    if args.cpu:
        print(f"  server CPU time when ready: median {statistics.median(CPU_TIMES):.2f} ms "
              f"(min {min(CPU_TIMES):.2f}, max {max(CPU_TIMES):.2f})", file=sys.stderr)


if __name__ == "__main__":
    main()
