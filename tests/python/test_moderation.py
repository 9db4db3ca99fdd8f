"""Moderation through the official, unmodified tencentcloud-sdk-python.

A cloud moderation task follows the users who join, publish and leave its room, through to its
exit; a live stream is moderated until it is deleted; a short clip gets its synchronous verdict,
chosen by a marker in its name. One documented error each. What the tasks did is read back from
the control plane (/_mock/tasks).
"""

import base64
import io
import json
import urllib.parse
import urllib.request
import warnings
import wave

import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.trtc.v20190722 import models, trtc_client

USELESS_FIELDS = r".*fileds are useless"
warnings.filterwarnings("error", message=USELESS_FIELDS, category=UserWarning)
pytestmark = pytest.mark.filterwarnings(f"error:{USELESS_FIELDS}:UserWarning")

NOW = 1764000000
APP = 1400000001
FLAGS = ("--now", str(NOW), "--freeze", "--rate-limit", "off")


@pytest.fixture()
def server(start_server):
    return start_server(*FLAGS)


def call(server, action, params, region="ap-shanghai"):
    http = HttpProfile(endpoint=server.address, protocol="http", reqTimeout=30)
    client = trtc_client.TrtcClient(credential.Credential("AKIDmock", "mock-secret"), region,
                                    ClientProfile(httpProfile=http))
    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(params))
    return getattr(client, action)(request)


def error_of(server, action, params):
    with pytest.raises(TencentCloudSDKException) as caught:
        call(server, action, params)
    return caught.value.get_code()


def control(server, path, body):
    request = urllib.request.Request(f"http://{server.address}/_mock/{path}", data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def tasks(server, family):
    query = urllib.parse.urlencode({"sdk_app_id": APP, "family": family})
    with urllib.request.urlopen(f"http://{server.address}/_mock/tasks?{query}") as response:
        return json.load(response)["tasks"]


def advance(server, seconds):
    control(server, "clock", {"advance": seconds})


def status(server, task):
    try:
        return call(server, "DescribeCloudModeration", {"SdkAppId": APP, "TaskId": task}).Status
    except TencentCloudSDKException as error:
        return error.get_code()


def test_a_moderation_task_follows_users_who_join_publish_and_leave(server):
    room = {"sdk_app_id": APP, "room_id": 7001}
    control(server, "rooms/join", dict(room, user_id="host", audio=False, video=False))
    created = call(server, "CreateCloudModeration", {
        "SdkAppId": APP, "RoomId": "7001", "UserId": "moderator", "UserSig": "sig",
        "ModerationParams": {"ModerationType": 3, "MaxIdleTime": 20, "SliceVideo": 5,
                             "SubscribeStreamUserIds": {"SubscribeAudioUserIds": ["host", "guest"]}},
        "ModerationStorageParams": {"CloudModerationStorage": {"Vendor": 0, "Region": "ap-shanghai",
                                                               "Bucket": "b-125", "AccessKey": "ak",
                                                               "SecretKey": "sk"}},
    })
    task = created.TaskId
    assert status(server, task) == "Idle"

    advance(server, 10)
    control(server, "rooms/join", dict(room, user_id="guest"))
    described = call(server, "DescribeCloudModeration", {"SdkAppId": APP, "TaskId": task})
    assert described.Status == "InProgress"
    assert described.SubscribeStreamUserIds.SubscribeAudioUserIds == ["host", "guest"]
    assert described.SubscribeStreamUserIds.UnSubscribeVideoUserIds == []

    # Only the host from now on: the guest still publishes, but is no longer taken.
    advance(server, 10)
    call(server, "ModifyCloudModeration", {"SdkAppId": APP, "TaskId": task,
                                           "SubscribeStreamUserIds": {"SubscribeAudioUserIds": ["host"],
                                                                      "SubscribeVideoUserIds": ["host"]}})
    assert status(server, task) == "Idle"
    advance(server, 1)
    control(server, "rooms/publish", dict(room, user_id="host", audio=True, video=False))
    assert status(server, task) == "InProgress"

    advance(server, 30)
    control(server, "rooms/leave", dict(room, user_id="host"))
    advance(server, 19)
    assert status(server, task) == "Idle"
    advance(server, 1)
    assert status(server, task) == "Exited"
    advance(server, 10)
    assert status(server, task) == "ResourceNotFound"

    shown = tasks(server, "cloud_moderation")[0]
    assert [change["state"] for change in shown["history"]] == ["idle", "working", "idle", "working", "idle",
                                                                "exiting", "gone"]
    assert shown["ended"] == {"at": NOW + 71, "reason": "idle_timeout"}
    assert shown["services"] == [{"service": "moderation", "audio": True, "picture_interval": 5}]


def test_cloud_moderation_refuses_a_26th_subscribed_anchor_and_unknown_tasks(server):
    too_many = [f"u{i}" for i in range(26)]
    assert error_of(server, "CreateCloudModeration", {
        "SdkAppId": APP, "RoomId": "1", "UserId": "m", "UserSig": "s",
        "ModerationParams": {"SubscribeStreamUserIds": {"SubscribeAudioUserIds": too_many}},
    }) == "InvalidParameter.OutOfRange"
    assert error_of(server, "DeleteCloudModeration", {"SdkAppId": APP, "TaskId": "-nope."}) == "ResourceNotFound"


def test_a_live_stream_is_moderated_until_deleted(server):
    params = {"SdkAppId": APP, "Input": {"Url": "rtmp://live.example.com/app/show", "Format": "rtmp"},
              "LiveModerationParams": {"ModerationType": 3}, "DataId": "order-7"}
    task = call(server, "CreateLiveStreamModeration", params).TaskId
    assert len(task) == 116
    described = call(server, "DescribeLiveStreamModeration", {"SdkAppId": APP, "TaskId": task})
    assert described.Status == "InProgress"
    assert error_of(server, "CreateLiveStreamModeration", params) == "FailedOperation"
    assert tasks(server, "live_stream_moderation")[0]["params"]["DataId"] == "order-7"
    advance(server, 3600)
    assert call(server, "DeleteLiveStreamModeration", {"SdkAppId": APP, "TaskId": task}).TaskId == task
    advance(server, 10)
    assert error_of(server, "DescribeLiveStreamModeration", {"SdkAppId": APP, "TaskId": task}) == "ResourceNotFound"


def clip(seconds=1, rate=16000):
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(int((i % 100 - 50) * 100).to_bytes(2, "little", signed=True)
                               for i in range(seconds * rate)))
    return base64.b64encode(out.getvalue()).decode()


def test_audio_moderation_gives_the_marked_verdict_and_refuses_what_is_not_wav(server):
    content = clip()
    passed = call(server, "CreateAudioModerationSync", {
        "Sdkappid": APP, "DataId": "d1", "FileName": "greeting_label-Normal", "FileFormat": "wav",
        "FileContent": content}, region="ap-guangzhou")
    assert (passed.Suggest, passed.Label, passed.Duration, passed.CheckDetail) == (0, "Normal", 1000, [])
    blocked = call(server, "CreateAudioModerationSync", {
        "Sdkappid": APP, "DataId": "d2", "FileName": "rant_label-Abuse", "FileFormat": "wav",
        "FileContent": content}, region="ap-guangzhou")
    assert (blocked.Suggest, blocked.Label, blocked.DataId) == (2, "Abuse", "d2")
    assert blocked.CheckDetail[0].Label == "Abuse" and blocked.CheckDetail[0].Score == blocked.Rate
    again = call(server, "CreateAudioModerationSync", {
        "Sdkappid": APP, "DataId": "d2", "FileName": "rant_label-Abuse", "FileFormat": "wav",
        "FileContent": content}, region="ap-guangzhou")
    assert (again.TaskId, again.Rate) == (blocked.TaskId, blocked.Rate)
    with pytest.raises(TencentCloudSDKException) as caught:
        call(server, "CreateAudioModerationSync", {"FileFormat": "mp3", "FileContent": content},
             region="ap-guangzhou")
    assert caught.value.get_code() == "InvalidParameter"
