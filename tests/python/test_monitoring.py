"""The call-quality monitoring family through the official Python SDK, cross-checked the way a
quality dashboard or an alerting job reads it: DescribeRoomInfo → DescribeUserInfo →
DescribeCallDetailInfo / DescribeUserEvent / DescribeUnusualEvent, and DescribeScaleInfo
against the listings. Every call goes through `trtc_client.TrtcClient` unmodified; a response
member the SDK's models do not know ("fileds are useless") is an error.
"""

import json
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

NOW = 1764000000  # 00:00 of 2025-11-25 in UTC+8
APP = 1400000001
HOUR = 3600
DAY = 86400
SEED = "4242"


@pytest.fixture(scope="module")
def server(start_server):
    return start_server("--now", str(NOW), "--freeze", "--rate-limit", "off", "--seed", SEED)


@pytest.fixture(scope="module")
def twin(start_server):
    """A second process with the same seed and clock."""
    return start_server("--now", str(NOW), "--freeze", "--rate-limit", "off", "--seed", SEED)


def client_of(server):
    http = HttpProfile(endpoint=server.address, protocol="http", reqTimeout=30)
    return trtc_client.TrtcClient(credential.Credential("AKIDmock", "mock-secret"), "ap-guangzhou",
                                  ClientProfile(httpProfile=http))


def call(server, action, params):
    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(params))
    return getattr(client_of(server), action)(request)


def data(model):
    out = json.loads(model.to_json_string())
    out.pop("RequestId", None)
    return out


def all_rooms(server, start, end):
    rooms, page = [], 0
    while True:
        response = call(server, "DescribeRoomInfo",
                        {"SdkAppId": APP, "StartTime": start, "EndTime": end, "PageNumber": page, "PageSize": 100})
        rooms += response.RoomList
        if not response.RoomList:
            assert len(rooms) == response.Total
            return rooms
        page += 1


def stays(server, room, start, end):
    """Every stay of a call overlapping [start, end], read through 4-hour windows."""
    found = {}
    window = start
    while window <= end:
        to = max(min(window + 4 * HOUR - 1, end), window + 1)
        response = call(server, "DescribeUserInfo", {"SdkAppId": APP, "CommId": room.CommId, "StartTime": window,
                                                     "EndTime": to, "PageNumber": 0, "PageSize": 100})
        for user in response.UserList:
            if user.JoinTs <= end and user.LeaveTs >= start:
                found[(user.UserId, user.JoinTs)] = user
        window = to + 1
    return sorted(found.values(), key=lambda u: (u.JoinTs, u.UserId))


@pytest.fixture(scope="module")
def day_rooms(server):
    """Every room of the last full day (UTC+8)."""
    return all_rooms(server, NOW - DAY, NOW - 1)


@pytest.fixture(scope="module")
def busy_room(server, day_rooms):
    for room in day_rooms:
        if room.IsFinished and room.CreateTime + 4 * HOUR < NOW:
            users = stays(server, room, room.CreateTime, room.DestroyTime)
            if len({u.UserId for u in users}) >= 3:
                return room, users
    pytest.fail("no finished room with three users in a day")


def test_call_detail_has_every_listed_user_with_metrics(server, busy_room):
    room, users = busy_room
    end = min(room.CreateTime + HOUR, room.DestroyTime)
    response = call(server, "DescribeCallDetailInfo", {
        "SdkAppId": APP, "CommId": room.CommId, "StartTime": room.CreateTime, "EndTime": end,
        "DataType": ["all"], "PageNumber": 0, "PageSize": 6})
    listed = {u.UserId for u in response.UserList}
    assert listed, "the page lists users"
    by_user = {}
    for series in response.Data:
        by_user.setdefault(series.UserId, set()).add(series.DataType)
        times = [point.Time for point in series.Content]
        assert times == sorted(times)
        assert all(room.CreateTime <= t <= end for t in times)
    assert set(by_user) == listed, "every user of the page has quality data"
    assert all(len(kinds) == 17 for kinds in by_user.values())
    # Upstream series have no PeerId; downstream ones name a user of the call.
    call_users = {u.UserId for u in users}
    for series in response.Data:
        assert series.PeerId == "" or series.PeerId in call_users


def test_stutter_in_call_detail_matches_unusual_events(server, day_rooms):
    """An alerting job: every abnormal video-lag experience is a minute in which the user's
    bigvBlock series shows a stutter."""
    checked = 0
    for hour in range(6, 20):
        start = NOW - hour * HOUR
        response = call(server, "DescribeUnusualEvent", {"SdkAppId": APP, "StartTime": start, "EndTime": start + HOUR})
        assert response.Total == len(response.AbnormalExperienceList) <= 20
        for experience in response.AbnormalExperienceList:
            if experience.ExperienceId != 4:
                continue
            room = next(r for r in day_rooms + all_rooms(server, start - 4 * HOUR, start + HOUR)
                        if r.RoomString == experience.RoomId and r.CreateTime <= experience.EventTime <= r.DestroyTime)
            detail = call(server, "DescribeCallDetailInfo", {
                "SdkAppId": APP, "CommId": room.CommId, "StartTime": experience.EventTime,
                "EndTime": experience.EventTime + 60, "UserIds": [experience.UserId], "DataType": ["bigvBlock"]})
            blocked = [p for s in detail.Data for p in s.Content if s.UserId == experience.UserId and p.Value >= 600]
            assert blocked, f"video lag of {experience.UserId} at {experience.EventTime} shows in bigvBlock"
            checked += 1
            if checked >= 5:
                return
    assert checked > 0, "some video lag in fourteen hours"


def test_user_events_enter_and_exit_every_stay(server, busy_room):
    room, users = busy_room
    for user in users[:4]:
        response = call(server, "DescribeUserEvent", {
            "SdkAppId": APP, "CommId": room.CommId, "StartTime": room.CreateTime, "EndTime": room.DestroyTime,
            "UserId": user.UserId, "RoomId": room.RoomString})
        own = next(group for group in response.Data if group.PeerId == user.UserId)
        ids = [event.EventId for event in own.Content]
        assert (5003 in ids and 5008 in ids) or (32788 in ids and 32789 in ids), ids
        for group in response.Data:
            for event in group.Content:
                assert room.CreateTime * 1000 - 10_000 <= event.Time <= room.DestroyTime * 1000 + 999


def test_scale_info_adds_up_the_listings(server):
    """A daily report: the rooms, entries and users of DescribeScaleInfo are what the listings show."""
    day = NOW - DAY
    response = call(server, "DescribeScaleInfo", {"SdkAppId": APP, "StartTime": day, "EndTime": day + 60})
    assert response.Total == 1
    scale = response.ScaleList[0]
    assert scale.Time == day
    rooms = all_rooms(server, day, day + DAY - 1)
    assert scale.RoomNumbers == len(rooms)
    entries = users = 0
    for room in rooms:
        listed = stays(server, room, max(day, room.CreateTime), min(day + DAY - 1, room.DestroyTime))
        entries += len(listed)
        users += len({u.UserId for u in listed})
    assert scale.UserCount == entries
    assert scale.UserNumber == users


def test_scale_info_never_shows_today(server):
    response = call(server, "DescribeScaleInfo", {"SdkAppId": APP, "StartTime": NOW - 2 * DAY, "EndTime": NOW + 3 * HOUR})
    assert [s.Time for s in response.ScaleList] == [NOW - DAY, NOW - 2 * DAY]


@pytest.mark.parametrize("action,params,code", [
    ("DescribeCallDetailInfo", {"CommId": f"{APP}_1_{NOW - 7200}", "StartTime": NOW - 7200, "EndTime": NOW,
                                "DataType": ["rtt"], "UserIds": [f"u{i}" for i in range(7)]},
     "InvalidParameter.UserIdsMorethanSix"),
    ("DescribeCallDetailInfo", {"CommId": f"{APP}_1_{NOW - 7200}", "StartTime": NOW - 5 * HOUR, "EndTime": NOW},
     "InvalidParameter.QueryScaleOversize"),
    ("DescribeUnusualEvent", {"StartTime": NOW - 2 * HOUR, "EndTime": NOW}, "InvalidParameter.QueryScaleOversize"),
    ("DescribeUnusualEvent", {"StartTime": NOW - 15 * DAY, "EndTime": NOW - 15 * DAY + 60},
     "InvalidParameter.StartTimeExpire"),
    ("DescribeUserEvent", {"CommId": f"{APP}_1_{NOW - 7200}", "StartTime": NOW - 3600, "EndTime": NOW,
                           "UserId": "", "RoomId": "1"}, "MissingParameter.UserId"),
    ("DescribeScaleInfo", {"StartTime": NOW - 15 * DAY, "EndTime": NOW}, "InvalidParameter.StartTsOversize"),
])
def test_documented_errors(server, action, params, code):
    with pytest.raises(TencentCloudSDKException) as caught:
        call(server, action, dict(params, SdkAppId=APP))
    assert caught.value.code == code, str(caught.value)
    assert caught.value.requestId


def test_call_detail_data_is_null_beyond_an_hour_with_metrics(server, busy_room):
    room, _ = busy_room
    response = call(server, "DescribeCallDetailInfo", {
        "SdkAppId": APP, "CommId": room.CommId, "StartTime": room.CreateTime, "EndTime": room.CreateTime + 2 * HOUR,
        "DataType": ["rtt"]})
    assert response.Data is None
    assert response.UserList


def test_two_processes_with_one_seed_answer_the_same_bytes(server, twin, busy_room):
    room, users = busy_room
    requests = [
        ("DescribeRoomInfo", {"SdkAppId": APP, "StartTime": NOW - DAY, "EndTime": NOW, "PageNumber": 0, "PageSize": 100}),
        ("DescribeCallDetailInfo", {"SdkAppId": APP, "CommId": room.CommId, "StartTime": room.CreateTime,
                                    "EndTime": room.CreateTime + 600, "DataType": ["all"]}),
        ("DescribeUserEvent", {"SdkAppId": APP, "CommId": room.CommId, "StartTime": room.CreateTime,
                               "EndTime": room.DestroyTime, "UserId": users[0].UserId, "RoomId": room.RoomString}),
        ("DescribeUnusualEvent", {"SdkAppId": APP, "StartTime": NOW - 10 * HOUR, "EndTime": NOW - 9 * HOUR}),
        ("DescribeScaleInfo", {"SdkAppId": APP, "StartTime": NOW - 3 * DAY, "EndTime": NOW}),
    ]
    for action, params in requests:
        assert data(call(server, action, params)) == data(call(twin, action, params)), action
