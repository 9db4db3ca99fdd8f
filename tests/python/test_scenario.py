"""A class, end to end, through the official, unmodified tencentcloud-sdk-python.

Users join a numeric room through the control plane; the backend starts a cloud recording and a
relay to a CDN, kicks a student, blocks another; the class ends and the tasks exit MaxIdleTime
after the last anchor left; the room is dismissed with the audience still in it. Then the
backend's polling code sees the tasks gone with the documented codes, and the call-record and
usage actions show what happened, second for second. The clock is frozen and moved by the test,
and the app is a fixture app without rooms, so everything read back is the scenario's own.
"""

import json
import re
import urllib.parse
import urllib.request
import warnings

import pytest
from tencentcloud.common import credential
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.trtc.v20190722 import models, trtc_client

USELESS_FIELDS = r".*fileds are useless"
warnings.filterwarnings("error", message=USELESS_FIELDS, category=UserWarning)
pytestmark = pytest.mark.filterwarnings(f"error:{USELESS_FIELDS}:UserWarning")

SECRET_ID = "AKIDmock"
SECRET_KEY = "mock-secret"
T0 = 1764000000  # 2025-11-25 00:00 UTC+8
APP = 1400000777
ROOM = 501
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
STORAGE = {"CloudStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "class-1250000000",
                            "AccessKey": "ak", "SecretKey": "sk", "FileNamePrefix": ["class", "501"]}}


class Scenario:
    def __init__(self, server):
        self.server = server
        http = HttpProfile(endpoint=server.address, protocol="http", reqTimeout=30)
        self.client = trtc_client.TrtcClient(credential.Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou",
                                             ClientProfile(httpProfile=http))
        # SetUserBlocked is intl-only: the CN-built SDK has no model for it, so its CommonClient calls it.
        self.common = CommonClient("trtc", "2019-07-22", credential.Credential(SECRET_ID, SECRET_KEY),
                                   "ap-singapore", ClientProfile(httpProfile=http))
        self.now = T0

    def control(self, path, body=None, method="POST"):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://{self.server.address}/_mock/{path}", data=data, method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def advance_to(self, at):
        assert at >= self.now
        self.control("clock", {"advance": at - self.now})
        self.now = at

    def join(self, user, role="anchor", audio=True, video=False):
        self.control("rooms/join", {"sdk_app_id": APP, "room_id": ROOM, "user_id": user, "role": role,
                                    "audio": audio, "video": video})

    def leave(self, user):
        self.control("rooms/leave", {"sdk_app_id": APP, "room_id": ROOM, "user_id": user})

    def call(self, action, params):
        request = getattr(models, f"{action}Request")()
        request.from_json_string(json.dumps(params))
        response = getattr(self.client, action)(request)
        assert UUID.fullmatch(response.RequestId), response.RequestId
        return response

    def call_common(self, action, params):
        response = self.common.call_json(action, params)["Response"]
        assert UUID.fullmatch(response["RequestId"]), response
        return response

    def error(self, action, params, common=False):
        with pytest.raises(TencentCloudSDKException) as caught:
            (self.call_common if common else self.call)(action, params)
        assert caught.value.requestId and UUID.fullmatch(caught.value.requestId), str(caught.value)
        return caught.value.code

    def task(self, task_id):
        query = urllib.parse.urlencode({"sdk_app_id": APP, "task_id": task_id})
        (task,) = self.control(f"tasks?{query}", method="GET")["tasks"]
        return task

    def recording_status(self, task):
        return self.call("DescribeCloudRecording", {"SdkAppId": APP, "TaskId": task}).Status


@pytest.fixture(scope="module")
def scenario(start_server):
    server = start_server("--now", str(T0), "--freeze", "--rate-limit", "off")
    world = Scenario(server)
    world.control("fixtures", {"Apps": [{"SdkAppId": APP, "Rooms": []}]})
    return world


def minutes(seconds):
    """The README's rounding: seconds / 60, half up, two decimals."""
    return (seconds * 10 + 3) // 6 / 100


def test_a_class_from_first_join_to_the_bill(scenario):
    s = scenario
    # Before the class: nothing to dismiss, no recording to read.
    assert s.error("DismissRoom", {"SdkAppId": APP, "RoomId": ROOM}) == "FailedOperation.RoomNotExist"
    assert s.error("DescribeCloudRecording", {"SdkAppId": APP, "TaskId": "nonexistent"}) == "ResourceNotFound"

    # 1. The class starts: the teacher with camera and microphone, three students on audio, a parent watching.
    s.join("teacher", video=True)
    for student in ("s1", "s2", "s3"):
        s.join(student)
    s.join("parent", role="audience", audio=False)

    # 2. The backend records the class, single-stream, and polls the recording.
    s.advance_to(T0 + 10)
    created = s.call("CreateCloudRecording", {
        "SdkAppId": APP, "RoomId": str(ROOM), "RoomIdType": 1, "UserId": "recorder", "UserSig": "sig",
        "RecordParams": {"RecordMode": 1, "MaxIdleTime": 30}, "StorageParams": STORAGE,
    })
    recording = created.TaskId
    assert s.recording_status(recording) == "InProgress"
    # …and relays it, mixed, to a CDN outside Tencent's (which is what relay bandwidth bills).
    relay = s.call("StartPublishCdnStream", {
        "SdkAppId": APP, "RoomId": str(ROOM), "RoomIdType": 0, "WithTranscoding": 1,
        "AgentParams": {"UserId": "relay_agent", "UserSig": "sig", "MaxIdleTime": 30},
        "AudioParams": {"AudioEncode": {"SampleRate": 48000, "Channel": 2, "BitRate": 64}},
        "VideoParams": {"VideoEncode": {"Width": 1280, "Height": 720, "Fps": 15, "BitRate": 1500, "Gop": 2}},
        "PublishCdnParams": [{"PublishCdnUrl": "rtmp://push.example.com/live/class501", "IsTencentCdn": 0}],
    }).TaskId
    assert s.task(relay)["state"] == "working"
    described = s.call("DescribeCloudRecording", {"SdkAppId": APP, "TaskId": recording})
    recorded = sorted({f.UserId for f in described.StorageFileList})
    assert recorded == ["s1", "s2", "s3", "teacher"]
    assert all(f.BeginTimeStamp == (T0 + 10) * 1000 for f in described.StorageFileList)
    # A second recorder robot may not take the same user id while the first records.
    rooms = s.control(f"rooms?sdk_app_id={APP}", method="GET")["rooms"]
    room = next(r for r in rooms if r["room_id"] == ROOM)
    assert any(u["user_id"] == "recorder" and u.get("task_id") == recording for u in room["users"])

    # 3. A student is kicked, another is muted.
    s.advance_to(T0 + 600)
    s.call("RemoveUser", {"SdkAppId": APP, "RoomId": ROOM, "UserIds": ["s1"]})
    s.call_common("SetUserBlocked", {"SdkAppId": APP, "RoomId": ROOM, "UserId": "s2", "IsMute": 1})
    assert s.error("SetUserBlocked", {"SdkAppId": APP, "RoomId": ROOM, "UserId": "s1", "IsMute": 1}, common=True) \
        == "FailedOperation.UserNotExist"
    room = next(r for r in s.control(f"rooms?sdk_app_id={APP}", method="GET")["rooms"] if r["room_id"] == ROOM)
    users = {u["user_id"]: u for u in room["users"]}
    assert "s1" not in users
    assert (users["s2"]["publishing"], users["s2"]["blocked"]) == ([], ["audio", "video", "sub_stream"])

    # 4. The class ends: the anchors leave; the parent is still watching.
    s.advance_to(T0 + 1800)
    for user in ("teacher", "s2", "s3"):
        s.leave(user)

    # 5. MaxIdleTime after the last anchor left, the recording exits; the backend sees it go.
    s.advance_to(T0 + 1829)
    assert s.recording_status(recording) == "Idle"
    s.advance_to(T0 + 1830)
    assert s.recording_status(recording) == "Exited"
    s.advance_to(T0 + 1840)
    assert s.error("DescribeCloudRecording", {"SdkAppId": APP, "TaskId": recording}) == "ResourceNotFound"
    assert s.error("ModifyCloudRecording", {"SdkAppId": APP, "TaskId": recording,
                                            "SubscribeStreamUserIds": {"SubscribeAudioUserIds": ["s2"]}}) \
        == "ResourceNotFound"
    assert s.error("DeleteCloudRecording", {"SdkAppId": APP, "TaskId": recording}) == "ResourceNotFound"
    # The relay idled out with it: an update is refused, its robot left with it.
    ended = s.task(relay)
    assert ended["ended"] == {"at": T0 + 1830, "reason": "idle_timeout"}, ended
    assert s.error("UpdatePublishCdnStream", {"SdkAppId": APP, "TaskId": relay, "SequenceNumber": 1,
                                              "WithTranscoding": 1}) == "FailedOperation.TaskFinished"
    assert s.error("StopPublishCdnStream", {"SdkAppId": APP, "TaskId": relay}) == "ResourceNotFound"

    # 6. The room is dismissed with the parent in it; a second dismissal finds no room.
    s.advance_to(T0 + 1900)
    s.call("DismissRoom", {"SdkAppId": APP, "RoomId": ROOM})
    assert s.error("DismissRoom", {"SdkAppId": APP, "RoomId": ROOM}) == "FailedOperation.RoomNotExist"

    # 7. The call record: the room's CommId, every stay with its end, the kick and the dismissal.
    rooms = s.call("DescribeRoomInfo", {"SdkAppId": APP, "StartTime": T0 - 60, "EndTime": T0 + 3600})
    assert [(r.RoomString, r.CreateTime, r.DestroyTime) for r in rooms.RoomList] == [(str(ROOM), T0, T0 + 1900)]
    comm_id = rooms.RoomList[0].CommId
    users = s.call("DescribeUserInfo", {"SdkAppId": APP, "CommId": comm_id, "StartTime": T0 - 60,
                                         "EndTime": T0 + 3600, "PageNumber": 0, "PageSize": 100})
    stays = {u.UserId: (u.JoinTs, u.LeaveTs, u.Finished) for u in users.UserList}
    assert stays["teacher"] == (T0, T0 + 1800, True)
    assert stays["s1"] == (T0, T0 + 600, True), "kicked by RemoveUser"
    assert stays["s3"] == (T0, T0 + 1800, True)
    assert stays["parent"] == (T0, T0 + 1900, True), "dismissed with the room"

    # 8. The bill, in daily rows (a range of more than one day): the recorder robot is not billed as a viewer;
    # the recording bills what it recorded while it worked (T0+10 to T0+1800) — the teacher's SD camera, and
    # the students' audio until the kick and the block at T0+600, s3's until the end.
    days = {"SdkAppId": APP, "StartTime": "2025-11-24", "EndTime": "2025-11-25"}
    recording_usage = s.call("DescribeRecordingUsage", {**days, "MixType": "single"})
    assert recording_usage.UsageKey == ["Audio", "SD", "HD", "FullHD", "2K", "4K"]
    assert [(u.TimeKey, u.UsageValue) for u in recording_usage.UsageList] == [
        ("2025-11-24 00:00:00", [0, 0, 0, 0, 0, 0]),
        ("2025-11-25 00:00:00", [minutes(590 + 590 + 1790), minutes(1790), 0, 0, 0, 0]),
    ]
    # Viewers: the teacher hears the students (audio) for 1800 s, the parent alone with nobody publishing is
    # billed audio for its last 100 s; the students and the parent watch the teacher's SD camera.
    trtc_usage = s.call("DescribeTrtcUsage", days)
    # The relay: its peak bandwidth (audio 64 + video 1500 kbps, in Mbps), and the mix it transcoded while it
    # worked — by its inputs (the teacher's 640×360 camera, plus an input of the 1280×720 output, which has more
    # than twice the input's pixels: FullHD), and, in the legacy output-based figure, as HD.
    relay_usage = s.call("DescribeRelayUsage", days)
    assert [u.UsageValue for u in relay_usage.UsageList] == [[0], [1.564]]
    mixing = s.call("DescribeMixTranscodingUsage", days)
    assert mixing.UsageKey[3] == "FullHDH264"
    assert mixing.UsageList[1].UsageValue == [0, 0, 0, minutes(1790), 0, 0, 0, 0, 0, 0, 0]
    legacy = s.call("DescribeTrtcMcuTranscodeTime", days).Usages[0].SdkAppIdTranscodeTimeUsages[1]
    assert (legacy.TimeKey, legacy.AudioTime, legacy.VideoTimeSd, legacy.VideoTimeHd, legacy.VideoTimeFhd, legacy.Flux) \
        == ("2025-11-25", 0, 0, 1790, 0, 1.564)
    assert trtc_usage.UsageList[1].UsageValue == [minutes(1800 + 100), minutes(600 + 1800 + 1800 + 1800), 0, 0, 0, 0]
