#!/usr/bin/env python3
"""Write one HTTP request for scripts/load/replay.lua to replay, and check the answer to it.

    sign.py --port P --out FILE --action NAME --body JSON   TC3-signed POST, timestamp = now
    sign.py --port P --out FILE --method PUT                unsigned PUT / (UnsupportedProtocol)

The request file is: the method on the first line, then `Name: value` header lines, an empty
line, and the body (no trailing newline). A TC3 signature is accepted for 300 s after it is made,
so sign just before each run and keep runs short.

With --expect CODE the request is first sent once (standard library only) and the script fails
unless the answer is that error code; `--expect Success` wants an answer without `Error`.
"""

import argparse
import hashlib
import hmac
import http.client
import json
import sys
import time

SERVICE = "trtc"
VERSION = "2019-07-22"
REGION = "ap-guangzhou"
CONTENT_TYPE = "application/json"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def tc3_headers(host: str, action: str, body: str, secret_id: str, secret_key: str) -> dict:
    """Headers of a TC3-HMAC-SHA256 POST, as the official SDKs build them."""
    timestamp = int(time.time())
    date = time.strftime("%Y-%m-%d", time.gmtime(timestamp))
    canonical = "\n".join([
        "POST", "/", "",
        f"content-type:{CONTENT_TYPE}\nhost:{host}\n",
        "content-type;host",
        hashlib.sha256(body.encode()).hexdigest(),
    ])
    scope = f"{date}/{SERVICE}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), SERVICE), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "Host": host,
        "Content-Type": CONTENT_TYPE,
        "X-TC-Action": action,
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Version": VERSION,
        "X-TC-Region": REGION,
        "Authorization": f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
                         f"SignedHeaders=content-type;host, Signature={signature}",
    }


def check(port: int, method: str, headers: dict, body: str, expect: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, "/", body=body.encode() if body else None, headers=headers)
    answer = conn.getresponse()
    raw = answer.read()
    conn.close()
    if answer.status != 200:
        raise SystemExit(f"sign.py: HTTP {answer.status}: {raw[:300]!r}")
    response = json.loads(raw)["Response"]
    code = response.get("Error", {}).get("Code", "Success")
    if code != expect:
        raise SystemExit(f"sign.py: expected {expect}, got {code}: {raw[:300]!r}")
    return f"{code}, {len(raw)} bytes"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--method", default="POST", choices=["POST", "PUT"])
    parser.add_argument("--action")
    parser.add_argument("--body", default="")
    parser.add_argument("--secret-id", default="AKIDmock")
    parser.add_argument("--secret-key", default="mock-secret")
    parser.add_argument("--expect", help="error code the answer must carry, or Success")
    args = parser.parse_args()

    host = f"127.0.0.1:{args.port}"
    if args.method == "POST":
        if not args.action:
            parser.error("--action is required for a signed POST")
        headers = tc3_headers(host, args.action, args.body, args.secret_id, args.secret_key)
        body = args.body
    else:
        headers = {"Host": host}
        body = ""
    if "\n" in body:
        parser.error("the body must be one line")

    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write(args.method + "\n")
        for name, value in headers.items():
            f.write(f"{name}: {value}\n")
        f.write("\n")
        f.write(body)
    if args.expect:
        print(f"  checked {args.method} {args.action or '/'}: {check(args.port, args.method, headers, body, args.expect)}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
