#!/usr/bin/env python3
"""Send one request (a sign.py request file) exactly N times over C keep-alive connections.

    drive.py --port P --request FILE [--count 20000] [--connections 4]

For instruction counting under callgrind (profile.sh), where a time-bounded wrk run would give
a different number of requests each time: every answer must be HTTP 200, or the script fails.
Prints the number of requests answered. Loopback only.
"""

import argparse
import socket
import sys
import threading


def load(path: str) -> bytes:
    text = open(path, encoding="utf-8").read()
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    method, headers = lines[0], lines[1:]
    out = [f"{method} / HTTP/1.1"]
    out += headers
    out.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(out) + "\r\n\r\n" + body).encode()


def read_answer(sock: socket.socket, pending: bytearray) -> bytearray:
    while b"\r\n\r\n" not in pending:
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("drive.py: connection closed")
        pending += chunk
    head, _, rest = bytes(pending).partition(b"\r\n\r\n")
    status = head.split(b" ", 2)[1]
    if status != b"200":
        raise SystemExit(f"drive.py: HTTP {status.decode()}: {head[:200]!r}")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    rest = bytearray(rest)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("drive.py: connection closed mid-body")
        rest += chunk
    return rest[length:]


def worker(port: int, request: bytes, count: int, done: list) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending = bytearray()
        for _ in range(count):
            sock.sendall(request)
            pending = read_answer(sock, pending)
            done.append(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--request", required=True)
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    request = load(args.request)
    per = [args.count // args.connections + (i < args.count % args.connections) for i in range(args.connections)]
    done: list = []
    threads = [threading.Thread(target=worker, args=(args.port, request, n, done)) for n in per]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if len(done) != args.count:
        raise SystemExit(f"drive.py: {len(done)} of {args.count} answered")
    print(len(done))


if __name__ == "__main__":
    sys.exit(main())
