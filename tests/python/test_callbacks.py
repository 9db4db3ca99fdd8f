"""Callbacks and UserSig, end to end: the official tencentcloud-sdk-python drives a class, the
official tls-sig-api-v2 library mints the recording robot's UserSig, and a webhook receiver on
loopback gets TRTC's room, media and recording events with valid Signs, in a valid order."""

import base64
import hashlib
import hmac
import json
import struct
import urllib.request

import pytest
import TLSSigAPIv2
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.trtc.v20190722 import models, trtc_client

from receiver import Receiver

T0 = 1764000000
APP = 1400000888
ROOM = 6060
SDK_KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
CALLBACK_KEY = "Cb123"
STORAGE = {"CloudStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "class-1250000000",
                            "AccessKey": "ak", "SecretKey": "sk"}}


def mint(identifier, key=SDK_KEY, app=APP, expire=86400):
    """A UserSig from the official library, signed at the emulator's virtual now."""
    original = TLSSigAPIv2.time.time
    TLSSigAPIv2.time.time = lambda: T0
    try:
        return TLSSigAPIv2.TLSSigAPIv2(app, key).gen_sig(identifier, expire)
    finally:
        TLSSigAPIv2.time.time = original


@pytest.fixture(scope="module")
def world(start_server):
    server = start_server("--now", str(T0), "--freeze", "--rate-limit", "off")
    http = HttpProfile(endpoint=server.address, protocol="http", reqTimeout=30)
    client = trtc_client.TrtcClient(credential.Credential("AKIDmock", "mock-secret"), "ap-guangzhou",
                                    ClientProfile(httpProfile=http))

    def control(path, body=None, method="POST"):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://{server.address}/_mock/{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def call(action, params):
        request = getattr(models, f"{action}Request")()
        request.from_json_string(json.dumps(params))
        return getattr(client, action)(request)

    control("fixtures", {"Apps": [{"SdkAppId": APP, "Rooms": []}]})
    return control, call


def test_a_class_calls_back_with_signed_events_and_checks_the_recorders_usersig(world):
    control, call = world
    receiver = Receiver()
    control(f"apps/{APP}/usersig-key", {"key": SDK_KEY}, method="PUT")
    control(f"apps/{APP}/callbacks", {"key": CALLBACK_KEY, "urls": {"*": receiver.url}}, method="PUT")

    control("rooms/join", {"sdk_app_id": APP, "room_id": ROOM, "user_id": "teacher", "role": "anchor",
                           "audio": True, "video": True})
    control("rooms/join", {"sdk_app_id": APP, "room_id": ROOM, "user_id": "student", "role": "audience",
                           "audio": False, "video": False})
    recording = {"SdkAppId": APP, "RoomId": str(ROOM), "RoomIdType": 1, "UserId": "recorder",
                 "RecordParams": {"RecordMode": 1}, "StorageParams": STORAGE}

    # A UserSig minted for another user, or with another key, is refused.
    for sig in (mint("someone_else"), mint("recorder", key="wrong-key")):
        with pytest.raises(TencentCloudSDKException) as caught:
            call("CreateCloudRecording", {**recording, "UserSig": sig})
        assert caught.value.code == "InvalidParameter.UserSig"
    task = call("CreateCloudRecording", {**recording, "UserSig": mint("recorder")}).TaskId

    control("clock", {"advance": 60})
    call("DismissRoom", {"SdkAppId": APP, "RoomId": ROOM})
    control("clock", {"advance": 2})
    control("callbacks/deliver", {})

    events = []
    for got in receiver.got:
        expected = base64.b64encode(hmac.new(CALLBACK_KEY.encode(), got["body"], hashlib.sha256).digest()).decode()
        assert got["sign"] == expected
        assert got["app"] == str(APP)
        events.append(json.loads(got["body"]))
    seen = [(e["EventType"], e["EventInfo"].get("UserId")) for e in events]
    for expected in [(101, "teacher"), (103, "teacher"), (201, "teacher"), (203, "teacher"), (103, "student"),
                     (301, "recorder"), (303, "recorder"), (307, "recorder"), (304, "recorder"),
                     (104, "teacher"), (104, "student"), (302, "recorder"), (102, None), (305, "recorder")]:
        assert expected in seen, (expected, seen)
    order = [e["EventInfo"]["EventMsTs"] for e in events]
    assert order == sorted(order), "delivered in order of time under a frozen clock"
    position = {s: i for i, s in enumerate(seen)}
    assert position[(103, "teacher")] < position[(201, "teacher")] < position[(104, "teacher")]
    assert position[(301, "recorder")] < position[(302, "recorder")] <= position[(102, None)] + 1
    kicked = next(e for e in events if e["EventType"] == 104 and e["EventInfo"]["UserId"] == "student")
    assert kicked["EventInfo"]["Reason"] == 3, "dismissal removes everyone"
    stop = next(e for e in events if e["EventType"] == 302)
    assert stop["EventInfo"]["TaskId"] == task
    assert stop["EventInfo"]["Payload"]["LeaveCode"] == 2, "the customer dismissed the room"
    assert all(e["EventInfo"]["RoomId"] == ROOM for e in events)

    # The teacher's audio and video, each announced by its first slice with the name
    # DescribeCloudRecording listed.
    sliced = sorted(e["EventInfo"]["Payload"]["FileName"] for e in events if e["EventType"] == 307)
    assert len(sliced) == 2 and all(f.endswith(".m3u8") and "__UserId_s_" in f for f in sliced), sliced

    journal = control(f"callbacks?sdk_app_id={APP}", method="GET")["deliveries"]
    assert len(journal) == len(events)
    assert all(d["status"] == "delivered" for d in journal)


def private_map_key(identifier, room, privileges=255, expire=86400):
    """A PrivateMapKey: the documented userbuf, signed by the official library's
    gen_sig_with_userbuf at the emulator's virtual now."""
    account = identifier.encode()
    numeric = isinstance(room, int)
    userbuf = struct.pack(">BH", 0 if numeric else 1, len(account)) + account
    userbuf += struct.pack(">IIIII", APP, room if numeric else 0, T0 + expire, privileges, 0)
    if not numeric:
        userbuf += struct.pack(">H", len(room)) + room.encode()
    original = TLSSigAPIv2.time.time
    TLSSigAPIv2.time.time = lambda: T0
    try:
        return TLSSigAPIv2.TLSSigAPIv2(APP, SDK_KEY).gen_sig_with_userbuf(identifier, expire, userbuf)
    finally:
        TLSSigAPIv2.time.time = original


def test_a_private_map_key_must_name_the_robots_room(world):
    control, call = world
    control(f"apps/{APP}/usersig-key", {"key": SDK_KEY}, method="PUT")
    recording = {"SdkAppId": APP, "RoomId": "7070", "RoomIdType": 1, "UserId": "pmk_rec",
                 "UserSig": mint("pmk_rec"), "RecordParams": {"RecordMode": 1}, "StorageParams": STORAGE}
    task = call("CreateCloudRecording", {**recording, "PrivateMapKey": private_map_key("pmk_rec", 7070)}).TaskId
    call("DeleteCloudRecording", {"SdkAppId": APP, "TaskId": task})
    for wrong in (private_map_key("pmk_rec", 7071), private_map_key("pmk_rec", "7070"),
                  private_map_key("pmk_rec", 7070, privileges=2 | 4 | 16)):
        with pytest.raises(TencentCloudSDKException) as caught:
            call("CreateCloudRecording", {**recording, "PrivateMapKey": wrong})
        assert caught.value.code == "InvalidParameter"
