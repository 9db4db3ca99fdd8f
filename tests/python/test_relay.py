"""Relay to CDN and legacy MCU mixing through the official, unmodified tencentcloud-sdk-python.

Every call goes through `trtc_client.TrtcClient` with the SDK's "fileds are useless" warning
turned into an error. The happy path of each of the seven actions, and one documented error
each; what the tasks did is read back from the control plane (/_mock/tasks).
"""

import json
import urllib.parse
import urllib.request
import warnings

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


def client(server):
    http = HttpProfile(endpoint=server.address, protocol="http", reqTimeout=30)
    return trtc_client.TrtcClient(credential.Credential("AKIDmock", "mock-secret"), "ap-guangzhou",
                                  ClientProfile(httpProfile=http))


def call(server, action, params):
    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(params))
    return getattr(client(server), action)(request)


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


def join(server, room, user, audio):
    control(server, "rooms/join", {"sdk_app_id": APP, "room_id": room, "user_id": user, "audio": audio, "video": False})


def relay(room, **extra):
    params = {
        "SdkAppId": APP, "RoomId": room, "RoomIdType": 0,
        "AgentParams": {"UserId": "relay_robot", "UserSig": "sig", "MaxIdleTime": 30},
        "WithTranscoding": 1,
        "AudioParams": {"AudioEncode": {"SampleRate": 48000, "Channel": 2, "BitRate": 64}},
        "VideoParams": {"VideoEncode": {"Width": 1280, "Height": 720, "Fps": 15, "BitRate": 1500, "Gop": 2}},
        "PublishCdnParams": [{"PublishCdnUrl": "rtmp://push.example.com/live/a", "IsTencentCdn": 1}],
    }
    params.update(extra)
    return params


def test_a_relay_starts_updates_and_stops(server):
    join(server, 3001, "host", True)
    task = call(server, "StartPublishCdnStream", relay("3001")).TaskId
    assert task.startswith("-") and task.endswith(".")
    [shown] = tasks(server, "publish_cdn")
    assert shown["state"] == "working"
    assert shown["robot"] == {"user_id": "relay_robot", "role": "audience"}
    assert shown["services"] == [{"service": "mixing", "width": 1280, "height": 720, "codec": "h264"}]

    update = {"SdkAppId": APP, "TaskId": task, "SequenceNumber": 1, "WithTranscoding": 1,
              "PublishCdnParams": [{"PublishCdnUrl": "rtmp://push.example.com/live/b", "IsTencentCdn": 1}]}
    assert call(server, "UpdatePublishCdnStream", update).TaskId == task
    assert error_of(server, "UpdatePublishCdnStream", update) == "FailedOperation.RequestOutdated"
    [shown] = tasks(server, "publish_cdn")
    assert shown["params"]["PublishCdnParams"][0]["PublishCdnUrl"] == "rtmp://push.example.com/live/b"

    control(server, "clock", {"advance": 10})
    assert call(server, "StopPublishCdnStream", {"SdkAppId": APP, "TaskId": task}).TaskId == task
    [shown] = tasks(server, "publish_cdn")
    assert shown["ended"] == {"at": NOW + 10, "reason": "stopped"}
    update["SequenceNumber"] = 2
    assert error_of(server, "UpdatePublishCdnStream", update) == "FailedOperation.TaskFinished"
    assert error_of(server, "StopPublishCdnStream", {"SdkAppId": APP, "TaskId": task}) == "ResourceNotFound"


def test_a_relay_needs_somewhere_to_push_to(server):
    assert error_of(server, "StartPublishCdnStream", relay("3002", PublishCdnParams=[])) == "MissingParameter"


def mix(**room):
    params = {
        "SdkAppId": APP, "OutputParams": {"StreamId": "mix_stream"},
        "EncodeParams": {"AudioSampleRate": 48000, "AudioBitrate": 64, "AudioChannels": 2, "VideoWidth": 640,
                         "VideoHeight": 360, "VideoBitrate": 800, "VideoFramerate": 15, "VideoGop": 2},
        "LayoutParams": {"Template": 0},
    }
    params.update(room)
    return params


@pytest.mark.parametrize("room, suffix", [({"RoomId": 8001}, ""), ({"StrRoomId": "mix-room"}, "ByStrRoomId")])
def test_a_mixing_session_per_room(server, room, suffix):
    start, stop = f"StartMCUMixTranscode{suffix}", f"StopMCUMixTranscode{suffix}"
    [(_, room_id)] = room.items()
    assert error_of(server, start, mix(**room)) == "FailedOperation.RoomNotExist"
    join(server, room_id, "host", True)
    call(server, start, mix(**room))
    call(server, start, mix(**room))
    [session] = tasks(server, "mcu_mix")
    assert session["state"] == "working"
    assert session["updates"] == 1
    stop_params = {"SdkAppId": APP, **room}
    call(server, stop, stop_params)
    assert error_of(server, stop, stop_params) == "FailedOperation.MixSessionNotExist"
    [session] = tasks(server, "mcu_mix")
    assert session["ended"]["reason"] == "stopped"
