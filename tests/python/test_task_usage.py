"""Usage follows the tasks, through the official, unmodified tencentcloud-sdk-python.

A cloud recording started with the SDK in an app with no history, in a room made through the
control plane, on a frozen clock: DescribeRecordingUsage shows the minutes it worked — not
the minutes it sat idle — and DescribeTrtcUsage the anchor's stay, not the recorder robot's.
"""

import json
import urllib.request
import warnings

import pytest
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.trtc.v20190722 import models, trtc_client

USELESS_FIELDS = r".*fileds are useless"
warnings.filterwarnings("error", message=USELESS_FIELDS, category=UserWarning)
pytestmark = pytest.mark.filterwarnings(f"error:{USELESS_FIELDS}:UserWarning")

NOW = 1764000000  # 2025-11-25 00:00 UTC+8
APP = 1400000777
ROOM = 501


def control(server, path, body):
    request = urllib.request.Request(f"http://{server.address}/_mock/{path}", data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert 200 <= response.status < 300, path
        return json.loads(response.read() or b"null")


def room(server, action, **body):
    control(server, f"rooms/{action}", dict(body, sdk_app_id=APP, room_id=ROOM))


def advance(server, seconds):
    control(server, "clock", {"advance": seconds})


def call(client, action, params):
    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(params))
    return getattr(client, action)(request)


def test_recording_usage_follows_the_task_it_worked(start_server):
    server = start_server("--now", str(NOW), "--freeze", "--rate-limit", "off")
    control(server, "fixtures", {"Apps": [{"SdkAppId": APP, "Rooms": []}]})
    http = HttpProfile(endpoint=server.address, protocol="http", reqTimeout=30)
    client = trtc_client.TrtcClient(credential.Credential("AKIDmock", "mock-secret"), "ap-guangzhou",
                                    ClientProfile(httpProfile=http))

    advance(server, 3600)  # 01:00 UTC+8
    room(server, "join", user_id="host", audio=False, video=False)
    task = call(client, "CreateCloudRecording", {
        "SdkAppId": APP, "RoomId": str(ROOM), "UserId": "recorder", "UserSig": "sig",
        "RecordParams": {"RecordMode": 1, "MaxIdleTime": 120},
        "StorageParams": {"CloudStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "b-125",
                                           "AccessKey": "ak", "SecretKey": "sk"}},
    }).TaskId
    advance(server, 300)  # idle: nothing published
    assert call(client, "DescribeCloudRecording", {"SdkAppId": APP, "TaskId": task}).Status == "Idle"
    room(server, "publish", user_id="host", audio=True, video=True)  # a 640x360 camera: SD
    advance(server, 450)
    room(server, "leave", user_id="host")  # the task idles out 120 s later
    advance(server, 900)

    day = {"SdkAppId": APP, "StartTime": "2025-11-25", "EndTime": "2025-11-25"}
    single = call(client, "DescribeRecordingUsage", dict(day, MixType="single"))
    assert single.UsageKey == ["Audio", "SD", "HD", "FullHD", "2K", "4K"]
    billed = {row.TimeKey: row.UsageValue for row in single.UsageList if any(row.UsageValue)}
    # Worked 01:05:00 to 01:12:30, in SD.
    assert billed == {"2025-11-25 01:05:00": [0.0, 5.0, 0.0, 0.0, 0.0, 0.0],
                      "2025-11-25 01:10:00": [0.0, 2.5, 0.0, 0.0, 0.0, 0.0]}
    trtc = call(client, "DescribeTrtcUsage", day)
    stays = sum(sum(row.UsageValue) for row in trtc.UsageList)
    assert stays == 12.5, "the anchor's 750 s; the recorder robot is not billed as a user"
