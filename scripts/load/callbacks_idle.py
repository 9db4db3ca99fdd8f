#!/usr/bin/env python3
"""CPU of an idle server that has callbacks configured, as its history of tasks grows.

    .cache/venv/bin/python scripts/load/callbacks_idle.py [--bin target/release/trtc-mock] [--tasks 600] [--running]

Starts the server (rate limit off, clock frozen unless --running), points one app's callbacks at
a receiver on loopback, then in rounds of 50: 50 anchors join 50 rooms, 50 recordings start
(official Python SDK), the clock advances 20 minutes, the recordings are deleted and the
deliveries sent. Then it reads the server's CPU time (utime + stime, /proc) over 10 idle seconds
and prints it as a share of one core, with the number of deliveries made and the CPU the server used
before (the setup: what starting, reading and stopping the tasks cost it). `--tasks 0` is the
baseline: the same server with callbacks configured and no task.
"""

import argparse
import json
import os
import socket
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.trtc.v20190722 import models, trtc_client

APP = 1400000888
T0 = 1764000000
ROUND = 50
STORAGE = {"CloudStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "b-1250000000",
                            "AccessKey": "ak", "SecretKey": "sk"}}


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"] or 0))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"code":0}')

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default="target/release/trtc-mock")
    parser.add_argument("--tasks", type=int, default=600)
    parser.add_argument("--running", action="store_true", help="let the virtual clock run")
    args = parser.parse_args()

    receiver = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    address = f"127.0.0.1:{free_port()}"
    flags = ["--addr", address, "--now", str(T0), "--rate-limit", "off"] + ([] if args.running else ["--freeze"])
    log = open(os.environ.get("SERVER_LOG", os.devnull), "w")
    server = subprocess.Popen([args.bin, *flags], stdout=log, stderr=log,
                              env={**os.environ, "TRTC_MOCK_LOG": "warn"})
    try:
        def control(path, body=None, method="POST"):
            data = None if body is None else json.dumps(body).encode()
            request = urllib.request.Request(f"http://{address}/_mock/{path}", data=data, method=method,
                                             headers={"Content-Type": "application/json"})
            return json.loads(urllib.request.urlopen(request, timeout=60).read())

        for _ in range(200):
            try:
                control("health", method="GET")
                break
            except OSError:
                time.sleep(0.05)
        profile = ClientProfile(httpProfile=HttpProfile(endpoint=address, protocol="http", reqTimeout=60))
        client = trtc_client.TrtcClient(credential.Credential("AKIDmock", "mock-secret"), "ap-guangzhou", profile)

        def call(action, params):
            request = getattr(models, f"{action}Request")()
            request.from_json_string(json.dumps(params))
            return getattr(client, action)(request)

        control("fixtures", {"Apps": [{"SdkAppId": APP, "Rooms": []}]})
        control(f"apps/{APP}/callbacks", {"key": "k", "urls": {"*": f"http://127.0.0.1:{receiver.server_port}/"}},
                method="PUT")
        for _ in range(args.tasks // ROUND):
            tasks = []
            for i in range(ROUND):
                room = 10000 + i
                control("rooms/join", {"sdk_app_id": APP, "room_id": room, "user_id": f"u{i}", "role": "anchor",
                                       "audio": True, "video": True})
                tasks.append(call("CreateCloudRecording", {
                    "SdkAppId": APP, "RoomId": str(room), "RoomIdType": 1, "UserId": f"rec{i}", "UserSig": "x",
                    "RecordParams": {"RecordMode": 1, "MaxMediaFileDuration": 60}, "StorageParams": STORAGE,
                }).TaskId)
            control("clock", {"advance": 1200})
            control("callbacks/deliver", {})
            for task in tasks:
                call("DeleteCloudRecording", {"SdkAppId": APP, "TaskId": task})
            control("clock", {"advance": 60})
            control("callbacks/deliver", {})
        time.sleep(1)
        before = cpu_seconds(server.pid)
        time.sleep(10)
        used = cpu_seconds(server.pid) - before
        deliveries = len(control("callbacks", method="GET")["deliveries"])
        clock = "running" if args.running else "frozen"
        print(f"{args.tasks} tasks ended, clock {clock}: idle CPU {100 * used / 10:.1f} % of a core; "
              f"{deliveries} deliveries; server CPU before the idle seconds {before:.1f} s")
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
