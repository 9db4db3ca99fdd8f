"""The usage and billing family through the official, unmodified tencentcloud-sdk-python.

Every call goes through `trtc_client.TrtcClient`; every response is deserialized into the SDK's
model with its "fileds are useless" warning turned into an error, and every member is checked
to be set with its JSON type. Beyond the figures of the worked example
(fixtures/usage-example.json, worked out by hand in fixtures/README.md), the suite reconciles
the figures the way a billing dashboard would: the minutes of every user of every room, read
from DescribeRoomInfo and DescribeUserInfo, against DescribeTrtcUsage and, room by room,
against DescribeTrtcRoomUsage.
"""

import csv
import io
import json
import re
import time
import warnings
from collections import defaultdict
from pathlib import Path

import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.trtc.v20190722 import models, trtc_client

USELESS_FIELDS = r".*fileds are useless"
warnings.filterwarnings("error", message=USELESS_FIELDS, category=UserWarning)
pytestmark = pytest.mark.filterwarnings(f"error:{USELESS_FIELDS}:UserWarning")

REPO_ROOT = Path(__file__).resolve().parents[2]
USAGE_FIXTURE = REPO_ROOT / "fixtures" / "usage-example.json"

SECRET_ID = "AKIDmock"
SECRET_KEY = "mock-secret"
NOW = 1764000000  # 2025-11-25 00:00 UTC+8
DAY = 86400
HOUR = 3600
D0 = NOW - DAY  # 2025-11-24 00:00 UTC+8, the day of the worked example
APP = 1400000001  # generated history
FIX = 1400000042  # fixtures/usage-example.json
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

USAGE_ACTIONS = [
    "DescribeTrtcUsage", "DescribeRecordingUsage", "DescribeMixTranscodingUsage", "DescribeRelayUsage",
    "DescribeTrtcRoomUsage", "DescribeTrtcMcuTranscodeTime", "DescribeRecordStatistic",
    "DescribeTRTCAIRecognitionUsage", "DescribeTRTCDedicatedCloudAccUsage", "DescribeTRTCSegmentModerationUsage",
]
CALLED = set()

# Every member of each response model, with the exact JSON type it must have.
USAGE_LIST = {"UsageKey": list, "UsageList": list, "RequestId": str}
MODEL_FIELDS = {
    models.DescribeTrtcUsageResponse: USAGE_LIST,
    models.DescribeRecordingUsageResponse: USAGE_LIST,
    models.DescribeMixTranscodingUsageResponse: USAGE_LIST,
    models.DescribeRelayUsageResponse: USAGE_LIST,
    models.TrtcUsage: {"TimeKey": str, "TimeStampKey": int, "UsageValue": list},
    models.DescribeTrtcRoomUsageResponse: {"Data": str, "RequestId": str},
    models.DescribeTrtcMcuTranscodeTimeResponse: {"Usages": list, "RequestId": str},
    models.OneSdkAppIdTranscodeTimeUsagesInfo: {"SdkAppIdTranscodeTimeUsages": list, "TotalNum": int, "SdkAppId": str},
    models.SdkAppIdTrtcMcuTranscodeTimeUsage: {"TimeKey": str, "AudioTime": int, "VideoTimeSd": int,
                                               "VideoTimeHd": int, "VideoTimeFhd": int, "Flux": float},
    models.DescribeRecordStatisticResponse: {"SdkAppIdUsages": list, "RequestId": str},
    models.SdkAppIdRecordUsage: {"SdkAppId": str, "Usages": list},
    models.RecordUsage: {"TimeKey": str, "Class1VideoTime": int, "Class2VideoTime": int, "Class3VideoTime": int,
                         "AudioTime": int},
    models.DescribeTRTCAIRecognitionUsageResponse: dict(USAGE_LIST, TotalUsage=list),
    models.DescribeTRTCDedicatedCloudAccUsageResponse: dict(USAGE_LIST, TotalUsage=list),
    models.DescribeTRTCSegmentModerationUsageResponse: dict(USAGE_LIST, TotalUsage=list),
    models.UsageList: {"TimeKey": str, "UsageValue": list},
    models.DescribeRoomInfoResponse: {"Total": int, "RoomList": list, "RequestId": str},
    models.RoomState: {"CommId": str, "RoomString": str, "CreateTime": int, "DestroyTime": int, "IsFinished": bool,
                       "UserId": str},
    models.DescribeUserInfoResponse: {"Total": int, "UserList": list, "RequestId": str},
    models.UserInformation: {"RoomStr": str, "UserId": str, "JoinTs": int, "LeaveTs": int, "DeviceType": str,
                             "SdkVersion": str, "ClientIp": str, "Finished": bool},
}
# The JSON type of the elements of the lists of plain values.
LIST_ITEMS = {"UsageKey": str, "UsageValue": float}
TOTAL_USAGE = {
    models.DescribeTRTCAIRecognitionUsageResponse: float,
    models.DescribeTRTCDedicatedCloudAccUsageResponse: int,
    models.DescribeTRTCSegmentModerationUsageResponse: int,
}


# ---------------------------------------------------------------------------- servers and calls

FLAGS = ("--now", str(NOW), "--freeze", "--rate-limit", "off")


@pytest.fixture(scope="module")
def fixture_server(start_server):
    return start_server("--fixtures", str(USAGE_FIXTURE), *FLAGS)


@pytest.fixture(scope="module")
def gen_server(start_server):
    return start_server(*FLAGS)


@pytest.fixture(scope="module")
def restricted_server(start_server):
    return start_server("--sdk-app-ids", f"{APP},{APP + 1}", *FLAGS)


def make_client(server):
    http = HttpProfile(endpoint=server.address, protocol="http", reqTimeout=30)
    return trtc_client.TrtcClient(credential.Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou",
                                  ClientProfile(httpProfile=http))


def assert_fully_populated(model):
    """Every member of the model is set with its JSON type, recursively."""
    fields = MODEL_FIELDS[type(model)]
    members = {name[1:]: value for name, value in vars(model).items() if name != "_headers"}
    assert set(members) == set(fields), f"{type(model).__name__} members changed in the SDK"
    for name, value in members.items():
        assert value is not None, f"{type(model).__name__}.{name} is None"
        assert type(value) is fields[name], f"{type(model).__name__}.{name} = {value!r}"
        if isinstance(value, list):
            item_type = TOTAL_USAGE[type(model)] if name == "TotalUsage" else LIST_ITEMS.get(name)
            for item in value:
                if item_type is None:
                    assert_fully_populated(item)
                else:
                    assert type(item) is item_type, f"{type(model).__name__}.{name}: {item!r}"


def call(client, action, params):
    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(params))
    response = getattr(client, action)(request)
    assert_fully_populated(response)
    assert UUID.fullmatch(response.RequestId), response.RequestId
    if action in USAGE_ACTIONS:
        CALLED.add(action)
    return response


def expect_error(code, client, action, params):
    with pytest.raises(TencentCloudSDKException) as caught:
        call(client, action, params)
    assert caught.value.code == code, str(caught.value)
    assert caught.value.requestId and UUID.fullmatch(caught.value.requestId), str(caught.value)


def minutes(seconds):
    """The README's rounding: seconds / 60, half up, two decimals."""
    return (seconds * 10 + 3) // 6 / 100


def room_csv(client, app, start, end):
    """DescribeTrtcRoomUsage as {room id: [seconds per key]}, checking the documented header."""
    data = call(client, "DescribeTrtcRoomUsage", {"SdkAppid": app, "StartTime": start, "EndTime": end}).Data
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[0] == ["RoomId", "Audio", "SD", "hd", "FullHD", "2K", "4K"]
    table = {row[0]: [int(cell) for cell in row[1:]] for row in rows[1:]}
    assert len(table) == len(rows) - 1, "one row per room id"
    return table


# ---------------------------------------------------------------------------- the worked example

DAYS = {"StartTime": "2025-11-23", "EndTime": "2025-11-24"}
TIMES = {"StartTime": "2025-11-23 00:00:00", "EndTime": "2025-11-25 00:00:00"}


def day_values(response):
    rows = response.UsageList
    assert [row.TimeKey for row in rows] == ["2025-11-23 00:00:00", "2025-11-24 00:00:00"]
    return rows[1].UsageValue


def test_worked_example_audio_video_recording_mixing_relay(fixture_server):
    client = make_client(fixture_server)
    trtc = call(client, "DescribeTrtcUsage", dict(DAYS, SdkAppId=FIX))
    assert trtc.UsageKey == ["Audio", "SD", "HD", "FullHD", "2K", "4K"]
    assert [row.TimeStampKey for row in trtc.UsageList] == [D0 - DAY, D0]
    assert day_values(trtc) == [115.0, 25.0, 45.0, 43.0, 0.0, 55.0]
    assert trtc.UsageList[0].UsageValue == [10.0, 0.0, 0.0, 0.0, 0.0, 0.0], "carol before midnight"
    single = call(client, "DescribeRecordingUsage", dict(DAYS, SdkAppId=FIX, MixType="single"))
    assert day_values(single) == [0.0, 0.0, 0.0, 90.0, 0.0, 0.0]
    multi = call(client, "DescribeRecordingUsage", dict(DAYS, SdkAppId=FIX, MixType="multi"))
    assert day_values(multi) == [0.0, 25.0, 30.0, 0.0, 0.0, 0.0]
    mixing = call(client, "DescribeMixTranscodingUsage", dict(DAYS, SdkAppId=FIX))
    assert mixing.UsageKey[:4] == ["Audio", "SDH264", "HDH264", "FullHDH264"] and len(mixing.UsageKey) == 11
    assert day_values(mixing) == [0.0, 0.0, 5.0, 25.0] + [0.0] * 7
    relay = call(client, "DescribeRelayUsage", dict(DAYS, SdkAppId=FIX))
    assert relay.UsageKey == ["Bandwidth"] and day_values(relay) == [1.2]
    assert room_csv(client, FIX, "2025-11-24 00:00", "2025-11-25 00:00") == {
        "1003": [1200, 0, 0, 0, 0, 0],
        "1001": [300, 1500, 1500, 0, 0, 0],
        "Math class, 3B": [3600, 0, 0, 2580, 0, 3300],
        "night-owls": [1800, 0, 1200, 0, 0, 0],
    }


def test_worked_example_legacy_ai_acceleration_moderation(fixture_server):
    client = make_client(fixture_server)
    mcu = call(client, "DescribeTrtcMcuTranscodeTime", dict(DAYS, SdkAppId=FIX)).Usages
    assert [(u.SdkAppId, u.TotalNum) for u in mcu] == [(str(FIX), 2)]
    day = mcu[0].SdkAppIdTranscodeTimeUsages[1]
    assert (day.TimeKey, day.AudioTime, day.VideoTimeSd, day.VideoTimeHd, day.VideoTimeFhd, day.Flux) == \
        ("2025-11-24", 0, 0, 1800, 0, 1.2)
    records = call(client, "DescribeRecordStatistic", DAYS).SdkAppIdUsages
    assert records[0].SdkAppId == "total", "without SdkAppId: the account's apps added up"
    day = records[0].Usages[1]
    assert (day.TimeKey, day.Class1VideoTime, day.Class2VideoTime, day.Class3VideoTime, day.AudioTime) == \
        ("2025-11-24", 0, 1800, 5400, 0)
    ai = call(client, "DescribeTRTCAIRecognitionUsage",
              dict(TIMES, AuType=["conversation", "asr", "translation", "tts"], SdkAppId=str(FIX)))
    assert ai.UsageKey == ["Conversation", "ASR", "Translation", "TTS"]
    assert day_values(ai) == [20.0, 60.0, 60.0, 20.0]
    assert ai.TotalUsage == [30.0, 60.0, 60.0, 30.0]
    acc = call(client, "DescribeTRTCDedicatedCloudAccUsage", dict(TIMES, SdkAppId=FIX))
    assert (acc.UsageKey, day_values(acc), acc.TotalUsage) == (["Time"], [20.0], [30])
    audio = call(client, "DescribeTRTCSegmentModerationUsage", dict(TIMES, Type="audio", Business=0))
    assert (audio.UsageKey, day_values(audio), audio.TotalUsage) == (["Audio"], [60.0], [60])
    pictures = call(client, "DescribeTRTCSegmentModerationUsage", dict(TIMES, Type="picture", Business=0))
    assert (pictures.UsageKey, day_values(pictures), pictures.TotalUsage) == (["Picture"], [540.0], [540])


def test_one_day_answers_five_minute_rows(fixture_server):
    client = make_client(fixture_server)
    rows = call(client, "DescribeTrtcUsage", {"StartTime": "2025-11-24", "EndTime": "2025-11-24", "SdkAppId": FIX})
    rows = rows.UsageList
    assert len(rows) == 288
    assert [row.TimeStampKey for row in rows] == [D0 + 300 * i for i in range(288)]
    assert rows[121].TimeKey == "2025-11-24 10:05:00" and rows[121].UsageValue == [0.0, 5.0, 5.0, 0.0, 0.0, 0.0]
    for key, day in enumerate([115.0, 25.0, 45.0, 43.0, 0.0, 55.0]):
        assert sum(row.UsageValue[key] for row in rows) == pytest.approx(day)


# ---------------------------------------------------------------------------- a billing dashboard

def every_room(client, app, start, end):
    rooms, page = [], 0
    while True:
        response = call(client, "DescribeRoomInfo",
                        {"SdkAppId": app, "StartTime": start, "EndTime": end, "PageNumber": page, "PageSize": 100})
        rooms += response.RoomList
        if not response.RoomList:
            assert len(rooms) == response.Total
            return rooms
        page += 1


def every_stay(client, app, room):
    """Every stay of a call, read in windows of at most 4 h, pages of 100."""
    stays, start = {}, max(room.CreateTime, NOW - 14 * DAY)
    while start <= room.DestroyTime:
        end = min(start + 4 * HOUR, max(room.DestroyTime, start + 1))
        page = 0
        while True:
            response = call(client, "DescribeUserInfo", {"SdkAppId": app, "CommId": room.CommId, "StartTime": start,
                                                         "EndTime": end, "PageNumber": page, "PageSize": 100})
            if not response.UserList:
                break
            for user in response.UserList:
                stays[(user.UserId, user.JoinTs)] = user
            page += 1
        start = end + 1
    return list(stays.values())


@pytest.mark.parametrize("app", [FIX, APP], ids=["fixture", "generated"])
def test_dashboard_reconciles_user_minutes_with_usage(fixture_server, app):
    """Per-user minutes of 2025-11-24, summed from the call records, against the usage figures:
    the app's total minutes, and room by room the seconds of DescribeTrtcRoomUsage."""
    client = make_client(fixture_server)
    per_user = defaultdict(int)
    per_room = defaultdict(int)
    for room in every_room(client, app, D0, NOW - 1):
        for user in every_stay(client, app, room):
            seconds = max(0, min(user.LeaveTs, NOW) - max(user.JoinTs, D0))
            per_user[user.UserId] += seconds
            per_room[room.RoomString] += seconds
    stayed = sum(per_user.values())
    if app == FIX:
        assert dict(per_user) == {"carol": 1200, "alice": 1800, "bob": 1500, "teacher": 3600, "student1": 2880,
                                  "student2": 3000, "dave": 1800, "erin": 1200}
    user_minutes = sum(seconds / 60 for seconds in per_user.values())

    usage = call(client, "DescribeTrtcUsage", dict(DAYS, SdkAppId=app))
    billed = sum(day_values(usage))
    assert billed == pytest.approx(user_minutes, abs=6 * 0.005), (billed, user_minutes)

    rooms = room_csv(client, app, "2025-11-24 00:00", "2025-11-25 00:00")
    assert {room: sum(seconds) for room, seconds in rooms.items()} == {r: s for r, s in per_room.items() if s > 0}
    columns = [sum(seconds[key] for seconds in rooms.values()) for key in range(6)]
    assert day_values(usage) == [minutes(s) for s in columns], "the room rows are the app's day"
    assert sum(columns) == stayed


def test_an_account_adds_up_its_apps(restricted_server):
    client = make_client(restricted_server)
    per_app = [room_csv(client, app, "2025-11-24 00:00", "2025-11-25 00:00") for app in (APP, APP + 1)]
    columns = [sum(row[key] for table in per_app for row in table.values()) for key in range(6)]
    total = call(client, "DescribeTrtcUsage", DAYS)
    assert day_values(total) == [minutes(s) for s in columns]
    mcu = call(client, "DescribeTrtcMcuTranscodeTime", {"StartTime": "2025-11-24", "EndTime": "2025-11-24"})
    assert mcu.Usages[0].SdkAppId == "total" and mcu.Usages[0].TotalNum == 288


# ---------------------------------------------------------------------------- errors and limits

def test_errors_reach_the_sdk_with_their_codes(restricted_server):
    client = make_client(restricted_server)
    other = APP + 7
    # The documentation's example swaps StartTime and EndTime: refused.
    expect_error("InvalidParameter", client, "DescribeTrtcUsage",
                 {"EndTime": "2022-01-01", "StartTime": "2022-01-02", "SdkAppId": APP})
    expect_error("InvalidParameter.QueryScaleOversize", client, "DescribeRelayUsage",
                 {"StartTime": "2025-10-01", "EndTime": "2025-11-01"})
    expect_error("InvalidParameter.SdkAppId", client, "DescribeMixTranscodingUsage", dict(DAYS, SdkAppId=other))
    expect_error("InvalidParameterValue", client, "DescribeRecordingUsage", dict(DAYS, MixType="mix"))
    expect_error("FailedOperation.SdkAppIdNotExist", client, "DescribeTrtcRoomUsage",
                 {"SdkAppid": other, "StartTime": "2025-11-24 00:00", "EndTime": "2025-11-24 01:00"})
    expect_error("InvalidParameter", client, "DescribeTrtcRoomUsage",
                 {"SdkAppid": APP, "StartTime": "2025-11-24 00:00", "EndTime": "2025-11-25 00:01"})
    expect_error("InvalidParameter.SdkAppId", client, "DescribeRecordStatistic", dict(DAYS, SdkAppId=other))
    expect_error("InvalidParameter", client, "DescribeTrtcMcuTranscodeTime",
                 {"StartTime": "2025-10-01", "EndTime": "2025-11-01"})
    expect_error("InvalidParameter.QueryScaleOversize", client, "DescribeTRTCAIRecognitionUsage",
                 {"StartTime": "2025-10-01 00:00:00", "EndTime": "2025-11-02 00:00:00", "AuType": ["asr"]})
    expect_error("InvalidParameterValue", client, "DescribeTRTCAIRecognitionUsage", dict(TIMES, AuType=["speech"]))
    expect_error("InvalidParameter", client, "DescribeTRTCDedicatedCloudAccUsage", dict(TIMES, SdkAppId=other))
    expect_error("InvalidParameterValue", client, "DescribeTRTCSegmentModerationUsage",
                 dict(TIMES, Type="video", Business=0))


def test_room_usage_is_limited_to_one_call_per_15_seconds(start_server):
    """The documented limit: of three calls in a row, the first passes and a later one is refused
    (two of them may straddle a window's edge, not all three)."""
    client = make_client(start_server("--now", str(NOW), "--freeze"))
    outcomes = []
    started = time.monotonic()
    for _ in range(3):
        try:
            outcomes.append(call(client, "DescribeTrtcRoomUsage",
                                 {"SdkAppid": APP, "StartTime": "2025-11-24 00:00", "EndTime": "2025-11-24 01:00"}))
        except TencentCloudSDKException as error:
            outcomes.append(error)
    assert time.monotonic() - started < 14
    assert not isinstance(outcomes[0], TencentCloudSDKException), outcomes
    refused = [o for o in outcomes[1:] if isinstance(o, TencentCloudSDKException)]
    assert refused and all(o.code == "RequestLimitExceeded" for o in refused), outcomes


def test_generated_history_through_every_action(gen_server):
    """Each action on the generated history: some usage of every kind over the last 20 days."""
    client = make_client(gen_server)
    window = {"StartTime": "2025-11-05", "EndTime": "2025-11-24", "SdkAppId": APP}
    times = {"StartTime": "2025-11-05 00:00:00", "EndTime": "2025-11-25 00:00:00", "SdkAppId": APP}
    total = lambda response: sum(sum(row.UsageValue) for row in response.UsageList)  # noqa: E731
    assert total(call(client, "DescribeTrtcUsage", window)) > 0
    assert total(call(client, "DescribeRecordingUsage", dict(window, MixType="single"))) > 0
    assert total(call(client, "DescribeRecordingUsage", dict(window, MixType="multi"))) > 0
    assert total(call(client, "DescribeMixTranscodingUsage", window)) > 0
    assert total(call(client, "DescribeRelayUsage", window)) > 0
    assert room_csv(client, APP, "2025-11-24 12:00", "2025-11-24 13:00")
    mcu = call(client, "DescribeTrtcMcuTranscodeTime", window).Usages[0]
    assert mcu.TotalNum == 20 and sum(u.VideoTimeHd + u.VideoTimeFhd for u in mcu.SdkAppIdTranscodeTimeUsages) > 0
    records = call(client, "DescribeRecordStatistic", window).SdkAppIdUsages[0]
    assert records.SdkAppId == str(APP) and sum(u.Class2VideoTime for u in records.Usages) > 0
    ai = call(client, "DescribeTRTCAIRecognitionUsage", dict(times, SdkAppId=str(APP), AuType=["conversation", "asr"]))
    assert all(value > 0 for value in ai.TotalUsage), ai.TotalUsage
    assert call(client, "DescribeTRTCDedicatedCloudAccUsage", times).TotalUsage[0] > 0
    for kind in ("audio", "picture"):
        for business in (0, 1):
            response = call(client, "DescribeTRTCSegmentModerationUsage", dict(times, Type=kind, Business=business))
            assert len(response.UsageList) == 20 and response.TotalUsage[0] > 0, (kind, business)


def test_every_usage_action_was_called():
    """Last of the module."""
    assert CALLED == set(USAGE_ACTIONS), sorted(set(USAGE_ACTIONS) - CALLED)
