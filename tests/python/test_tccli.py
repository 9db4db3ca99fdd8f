"""The official CLI, tccli, against trtc-mock: it always signs TC3 over POST, and given an
`http://` endpoint it sends and signs `Host: http://127.0.0.1:PORT`."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_FILE = REPO_ROOT / "fixtures" / "describe-user-info-example.json"
TCCLI = Path(sys.executable).with_name("tccli")


@pytest.fixture(scope="module")
def doc_server(start_server):
    return start_server("--fixtures", str(FIXTURE_FILE), "--now", "1590066000", "--freeze", "--rate-limit", "off")


def tccli(server, tmp_path, *args, secret_key="mock-secret"):
    """Runs tccli with a throw-away HOME (it writes its configuration and a log of every
    command line there) and no proxy."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(HOME=str(tmp_path), NO_PROXY="127.0.0.1,localhost")
    command = [str(TCCLI), "trtc", *args, "--endpoint", f"http://{server.address}", "--region", "ap-guangzhou",
               "--secretId", "AKIDmock", "--secretKey", secret_key, "--language", "en-US"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def test_tccli_calls_the_documentation_example(doc_server, tmp_path):
    done = tccli(doc_server, tmp_path, "DescribeUserInfo", "--SdkAppId", "1400188366",
                 "--CommId", "1400188366_218695_1590065777", "--StartTime", "1590065777", "--EndTime", "1590065877")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["Total"] == 2
    assert [u["UserId"] for u in answer["UserList"]] == ["user1_54816741", "user2_2107025"]


def test_tccli_reports_the_error_code(doc_server, tmp_path):
    done = tccli(doc_server, tmp_path, "DescribeCloudRecording", "--SdkAppId", "1400000001", "--TaskId", "t",
                 secret_key="wrong")
    assert done.returncode == 255, done.stdout
    assert "code:AuthFailure.SignatureFailure" in done.stderr, done.stderr
