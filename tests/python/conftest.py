"""Harness for the SDK conformance suite: starts trtc-mock processes on free ports.

The emulator binary is $TRTC_MOCK_BIN, or target/debug/trtc-mock of the repository
(build it with `cargo build`). Every process a test starts is stopped at the end of
the session.
"""

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# The emulator listens on loopback only: no request of this suite may go through a proxy.
# NO_PROXY alone is not enough for the SDK, which checks `host in NO_PROXY` with the
# host *and port*, so the proxy variables themselves are removed as well.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
for _name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
    os.environ.pop(_name, None)
    os.environ.pop(_name.lower(), None)

STARTUP_TIMEOUT = 10.0


def mock_binary() -> Path:
    configured = os.environ.get("TRTC_MOCK_BIN")
    if not configured:
        return REPO_ROOT / "target" / "debug" / "trtc-mock"
    path = Path(configured)
    if path.is_absolute() or path.exists():
        return path.resolve()
    return REPO_ROOT / path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment() -> dict:
    """The test process' environment without the emulator's own settings (TRTC_MOCK_*),
    so that only the flags a test passes configure the server."""
    return {name: value for name, value in os.environ.items() if not name.startswith("TRTC_MOCK_")}


class MockServer:
    """One trtc-mock process listening on 127.0.0.1:<free port>."""

    def __init__(self, args, log_path: Path):
        self.args = list(args)
        self.log_path = log_path
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [str(mock_binary()), "--addr", self.address, *self.args],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO_ROOT,
                env=server_environment(),
            )
        self._wait_until_listening()

    def _wait_until_listening(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"trtc-mock {' '.join(self.args)} exited with {self.process.returncode}:\n{self.log()}"
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"trtc-mock did not listen on {self.address} within {STARTUP_TIMEOUT} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def __repr__(self):
        return f"<trtc-mock {self.address} {' '.join(self.args)}>"


@pytest.fixture(scope="session")
def start_server(tmp_path_factory):
    """Factory: start_server(*flags) starts a trtc-mock with those flags (besides --addr)
    and returns its MockServer once it accepts connections."""
    binary = mock_binary()
    if not binary.is_file():
        pytest.fail(f"trtc-mock binary not found at {binary}: run `cargo build` or set TRTC_MOCK_BIN")
    log_dir = tmp_path_factory.mktemp("trtc-mock-logs")
    servers = []

    def start(*flags) -> MockServer:
        for attempt in range(3):  # the free port may be taken again before the server binds it
            try:
                server = MockServer(flags, log_dir / f"server-{len(servers)}-{attempt}.log")
            except RuntimeError:
                if attempt == 2:
                    raise
                continue
            servers.append(server)
            return server

    yield start
    for server in servers:
        server.stop()
