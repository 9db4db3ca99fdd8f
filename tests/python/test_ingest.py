"""Stream ingest and web recording through the official, unmodified tencentcloud-sdk-python.

Every call goes through `trtc_client.TrtcClient`; every response is deserialized into the SDK's
model with its "fileds are useless" warning turned into an error, and every member is checked to
be set with its JSON type. The virtual clock is moved through the control plane to see tasks end.
"""

import json
import re
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

SECRET_ID = "AKIDmock"
SECRET_KEY = "mock-secret"
NOW = 1764000000
APP = 1400000001
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
INGEST_TASK_ID = re.compile(r"[A-Za-z0-9+-]{115}\.")
WEB_TASK_ID = re.compile(r"[A-Za-z0-9+-]{126}\.\.")

# Every member of each response model, with the exact JSON type it must have.
MODEL_FIELDS = {
    models.StartStreamIngestResponse: {"TaskId": str, "RequestId": str},
    models.DescribeStreamIngestResponse: {"Status": str, "RequestId": str},
    models.UpdateStreamIngestResponse: {"Status": str, "RequestId": str},
    models.StopStreamIngestResponse: {"RequestId": str},
    models.StartWebRecordResponse: {"TaskId": str, "RequestId": str},
    models.DescribeWebRecordResponse: {"Status": int, "TaskId": str, "RecordId": str, "RequestId": str},
    models.StopWebRecordResponse: {"RequestId": str},
}

STORAGE = {"CloudStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "b-125", "AccessKey": "ak",
                            "SecretKey": "sk"}}


@pytest.fixture(scope="module")
def server(start_server):
    return start_server("--now", str(NOW), "--freeze", "--rate-limit", "off")


@pytest.fixture(scope="module")
def client(server):
    http = HttpProfile(endpoint=server.address, protocol="http", reqTimeout=30)
    return trtc_client.TrtcClient(credential.Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou",
                                  ClientProfile(httpProfile=http))


def call(client, action, params):
    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(params))
    response = getattr(client, action)(request)
    fields = MODEL_FIELDS[type(response)]
    members = {name[1:]: value for name, value in vars(response).items() if name != "_headers"}
    assert set(members) == set(fields), f"{type(response).__name__} members changed in the SDK"
    for name, value in members.items():
        assert type(value) is fields[name], f"{type(response).__name__}.{name} = {value!r}"
    assert UUID.fullmatch(response.RequestId), response.RequestId
    return response


def expect_error(code, client, action, params):
    with pytest.raises(TencentCloudSDKException) as caught:
        call(client, action, params)
    assert caught.value.code == code, str(caught.value)
    assert caught.value.requestId and UUID.fullmatch(caught.value.requestId), str(caught.value)


def advance(server, seconds):
    request = urllib.request.Request(f"http://{server.address}/_mock/clock", method="POST",
                                     data=json.dumps({"advance": seconds}).encode())
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def room_users(server, room_id):
    with urllib.request.urlopen(f"http://{server.address}/_mock/rooms?sdk_app_id={APP}", timeout=10) as response:
        rooms = json.load(response)["rooms"]
    return {u["user_id"]: u for r in rooms if r["room_id"] == room_id for u in r["users"]}


def start_ingest(client, room, user, **extra):
    params = {"SdkAppId": APP, "RoomId": room, "RoomIdType": 1, "UserId": user, "UserSig": "sig",
              "StreamUrl": "https://media.example/lesson.mp4", **extra}
    task = call(client, "StartStreamIngest", params).TaskId
    assert INGEST_TASK_ID.fullmatch(task), task
    return task


def status(client, task):
    return call(client, "DescribeStreamIngest", {"SdkAppId": APP, "TaskId": task}).Status


def test_stream_ingest_plays_into_the_room_until_it_ends(server, client):
    task = start_ingest(client, "5101", "py_ingest", RepeatNum=1, Volume=120)
    assert status(client, task) == "InProgress"
    robot = room_users(server, 5101)["py_ingest"]
    assert (robot["role"], robot["publishing"], robot["task_id"]) == ("anchor", ["audio", "video"], task)

    paused = call(client, "UpdateStreamIngest", {"SdkAppId": APP, "TaskId": task, "IsPause": True})
    assert paused.Status == "InProgress"
    assert room_users(server, 5101)["py_ingest"]["publishing"] == []
    advance(server, 100)
    call(client, "UpdateStreamIngest", {"SdkAppId": APP, "TaskId": task, "IsPause": False, "Volume": 80})
    # The 600 s file was paused 100 s: it plays out 700 s after its start.
    advance(server, 599)
    assert status(client, task) == "InProgress"
    advance(server, 1)
    assert status(client, task) == "NotExist"
    assert "py_ingest" not in room_users(server, 5101)

    live = start_ingest(client, "5102", "py_live", StreamUrl="rtmp://live.example/app/stream")
    advance(server, 86400)
    assert status(client, live) == "InProgress"
    call(client, "StopStreamIngest", {"SdkAppId": APP, "TaskId": live})
    assert status(client, live) == "NotExist"


def test_stream_ingest_errors(client):
    expect_error("InvalidParameter.StreamUrl", client, "StartStreamIngest",
                 {"SdkAppId": APP, "RoomId": "5103", "RoomIdType": 1, "UserId": "u", "UserSig": "s",
                  "StreamUrl": "ftp://media.example/x.mp4"})
    expect_error("InvalidParameter.TaskId", client, "DescribeStreamIngest", {"SdkAppId": APP, "TaskId": "nope"})
    never = "A" * 115 + "."
    assert status(client, never) == "NotExist"
    expect_error("FailedOperation.TaskNotExist", client, "UpdateStreamIngest",
                 {"SdkAppId": APP, "TaskId": never, "StreamUrl": "https://media.example/other.mp4"})
    task = start_ingest(client, "5104", "py_stop")
    call(client, "StopStreamIngest", {"SdkAppId": APP, "TaskId": task})
    expect_error("FailedOperation.TaskFinished", client, "StopStreamIngest", {"SdkAppId": APP, "TaskId": task})


def test_web_record_by_task_id_and_record_id(server, client):
    task = call(client, "StartWebRecord", {"RecordUrl": "https://class.example/board", "SdkAppId": APP,
                                           "StorageParams": STORAGE, "RecordId": "py-board",
                                           "MaxDurationLimit": 1800}).TaskId
    assert WEB_TASK_ID.fullmatch(task), task
    by_task = call(client, "DescribeWebRecord", {"TaskId": task})
    assert (by_task.Status, by_task.TaskId, by_task.RecordId) == (1, task, "py-board")
    by_record = call(client, "DescribeWebRecord", {"SdkAppId": APP, "RecordId": "py-board"})
    assert by_record.TaskId == task
    expect_error("FailedOperation.TaskExist", client, "StartWebRecord",
                 {"RecordUrl": "https://class.example/board", "SdkAppId": APP, "StorageParams": STORAGE,
                  "RecordId": "py-board"})
    advance(server, 1800)
    expect_error("FailedOperation.TaskNotExist", client, "DescribeWebRecord", {"TaskId": task})

    other = call(client, "StartWebRecord", {"RecordUrl": "https://class.example/board", "SdkAppId": APP,
                                            "StorageParams": {"CloudVod": {"TencentVod": {}}}}).TaskId
    call(client, "StopWebRecord", {"TaskId": other})
    expect_error("FailedOperation.TaskNotExist", client, "StopWebRecord", {"TaskId": other})
    expect_error("InvalidParameter.TaskId", client, "StopWebRecord", {"TaskId": "nope"})
    expect_error("FailedOperation.SdkAppIdNotUnderAppId", client, "StartWebRecord",
                 {"RecordUrl": "https://class.example/board", "SdkAppId": 0, "StorageParams": STORAGE})
