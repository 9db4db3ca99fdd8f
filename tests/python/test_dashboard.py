"""The monitoring dashboard through the official, unmodified tencentcloud-sdk-python.

The four dashboard actions (DescribeTRTCRealTimeScaleData, DescribeTRTCRealTimeQualityData,
DescribeTRTCMarketScaleData, DescribeTRTCMarketQualityData) are called through
`trtc_client.TrtcClient` and cross-checked the way a dashboard built on them would be: online
users and rooms against the room and user listings, days against DescribeScaleInfo, hours
against days, freezes against the abnormal experiences.
"""

import json
import re
import warnings
from datetime import datetime, timedelta, timezone

import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.trtc.v20190722 import models, trtc_client

# As in test_sdk.py: a response member the SDK's models do not know is an error.
USELESS_FIELDS = r".*fileds are useless"
warnings.filterwarnings("error", message=USELESS_FIELDS, category=UserWarning)
pytestmark = pytest.mark.filterwarnings(f"error:{USELESS_FIELDS}:UserWarning")

SECRET_ID = "AKIDmock"
SECRET_KEY = "mock-secret"
NOW = 1764000000  # 2025-11-25 00:00:00 in UTC+8
APP = 1400000001
HOUR = 3600
DAY = 24 * HOUR
UTC8 = timezone(timedelta(hours=8))
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

REAL_TIME_SCALE = ["time", "userCount", "roomCount"]
REAL_TIME_QUALITY = ["time", "videoFreezeRate", "audioFreezeRate"]
MARKET_SCALE = ["time", "peakCurrentUsers", "peakCurrentChannels", "userCount", "roomCount"]
MARKET_QUALITY = ["time", "videoFreezeRate", "audioFreezeRate", "networkDelay", "joinSuccessRate",
                  "joinSuccessIn5sRate"]


@pytest.fixture(scope="module")
def client(start_server):
    server = start_server("--now", str(NOW), "--freeze", "--rate-limit", "off")
    http = HttpProfile(endpoint=server.address, protocol="http", reqTimeout=30)
    return trtc_client.TrtcClient(credential.Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou",
                                  ClientProfile(httpProfile=http))


def call(client, action, params):
    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(params))
    response = getattr(client, action)(request)
    assert UUID.fullmatch(response.RequestId), response.RequestId
    return response


def expect_error(code, client, action, params):
    with pytest.raises(TencentCloudSDKException) as caught:
        call(client, action, params)
    assert caught.value.code == code, str(caught.value)
    assert caught.value.requestId and UUID.fullmatch(caught.value.requestId), str(caught.value)
    return caught.value


def values(response, columns):
    """The rows of a dashboard answer, after checking that every model member is filled."""
    data = response.Data
    assert isinstance(data, models.TRTCDataResult)
    assert data.StatementID == 0 and data.Total == 1
    assert isinstance(data.Series, list) and len(data.Series) == 1
    series = data.Series[0]
    assert isinstance(series, models.SeriesInfos)
    assert series.Columns == columns
    assert isinstance(series.Values, list)
    for row in series.Values:
        assert isinstance(row, models.RowValues)
        assert isinstance(row.RowValue, list) and len(row.RowValue) == len(columns)
        assert all(type(v) is int for v in row.RowValue), row.RowValue
        assert isinstance(row.RowValueFloat, list)
    return series.Values


def rows(response, columns):
    return [row.RowValue for row in values(response, columns)]


def real_time(start, end, **extra):
    return dict({"SdkAppId": str(APP), "StartTime": start, "EndTime": end}, **extra)


def day(t):
    return datetime.fromtimestamp(t, UTC8).strftime("%Y-%m-%d")


def market(start, end, period, **extra):
    return dict({"SdkAppId": str(APP), "StartTime": start, "EndTime": end, "Period": period}, **extra)


def listing(client, start, end):
    """Every room of [start, end] with the stays DescribeUserInfo lists in it."""
    rooms, page = [], 0
    while True:
        response = call(client, "DescribeRoomInfo",
                        {"SdkAppId": APP, "StartTime": start, "EndTime": end, "PageNumber": page, "PageSize": 100})
        rooms += response.RoomList
        if not response.RoomList or len(rooms) >= response.Total:
            break
        page += 1
    listed = []
    for room in rooms:
        low, high = max(room.CreateTime, start), min(room.DestroyTime, end)
        if low == high:  # nobody joins after the end or leaves before the start
            low, high = (low, high + 1) if high < end else (low - 1, high)
        users = call(client, "DescribeUserInfo", {"SdkAppId": APP, "CommId": room.CommId, "StartTime": low,
                                                  "EndTime": high, "PageNumber": 0, "PageSize": 100}).UserList
        listed.append((room, users))
    return listed


def present(listed, t):
    """(room, user) pairs and rooms with someone in them at instant t, from the listings."""
    users = rooms = 0
    for _, stays in listed:
        here = {u.UserId for u in stays if u.JoinTs <= t and (t < u.LeaveTs or not u.Finished)}
        users += len(here)
        rooms += bool(here)
    return users, rooms


# ---------------------------------------------------------------------------- real time

def test_online_users_and_rooms_are_the_listed_stays(client):
    points = rows(call(client, "DescribeTRTCRealTimeScaleData", real_time(NOW - HOUR + 5, NOW)), REAL_TIME_SCALE)
    assert [p[0] for p in points] == list(range(NOW - HOUR + 10, NOW + 1, 10))
    listed = listing(client, NOW - HOUR, NOW)
    for t, users, rooms in points[::11] + points[-1:]:
        assert (users, rooms) == present(listed, t), t
    # The last point is now: the rooms and users the listings show as still open.
    open_rooms = [room for room, _ in listed if not room.IsFinished]
    open_users = sum(len({u.UserId for u in stays if not u.Finished}) for _, stays in listed)
    assert points[-1][1:] == [open_users, len(open_rooms)]
    assert open_rooms


def test_one_room_online(client):
    listed = listing(client, NOW - HOUR, NOW)
    room, _ = max(listed, key=lambda item: len(item[1]))
    points = rows(call(client, "DescribeTRTCRealTimeScaleData",
                       real_time(NOW - HOUR, NOW, RoomId=room.RoomString)), REAL_TIME_SCALE)
    same = [item for item in listed if item[0].RoomString == room.RoomString]
    assert all((users, rooms) == present(same, t) for t, users, rooms in points)
    assert max(users for _, users, _ in points) > 1


def test_freezes_show_as_abnormal_experiences(client):
    points = rows(call(client, "DescribeTRTCRealTimeQualityData", real_time(NOW - 2 * HOUR, NOW)), REAL_TIME_QUALITY)
    assert len(points) == 720
    assert all(0 <= v <= 100 for p in points for v in p[1:])
    frozen = [p for p in points if p[1] or p[2]]
    assert 0 < len(frozen) < len(points) // 2
    checked = 0
    for t, video, audio in frozen[::4]:
        minute = (t - 10) // 60 * 60
        events = call(client, "DescribeUnusualEvent",
                      {"SdkAppId": APP, "StartTime": minute, "EndTime": t - 1}).AbnormalExperienceList
        for rate, experience in ((video, 4), (audio, 5)):
            if rate:
                found = any(e.ExperienceId == experience for e in events)
                assert found or len(events) == 20, (t, video, audio, [e.ExperienceId for e in events])
                checked += found
    assert checked > 3


# ---------------------------------------------------------------------------- market

def test_market_days_are_scale_info_days(client):
    days = rows(call(client, "DescribeTRTCMarketScaleData", market(day(NOW - 14 * DAY), day(NOW), "d")),
                MARKET_SCALE)
    assert [d[0] for d in days] == list(range(NOW - 14 * DAY, NOW + 1, DAY))
    scale = call(client, "DescribeScaleInfo", {"SdkAppId": APP, "StartTime": NOW - 14 * DAY, "EndTime": NOW})
    by_day = {s.Time: s for s in scale.ScaleList}
    assert len(by_day) == 14
    for t, peak_users, peak_rooms, users, rooms in days[:-1]:
        assert (users, rooms) == (by_day[t].UserNumber, by_day[t].RoomNumbers), t
        assert peak_users <= users and peak_rooms <= rooms


def test_market_hours_add_up_to_their_day(client):
    yesterday = day(NOW - DAY)
    (whole,) = rows(call(client, "DescribeTRTCMarketScaleData", market(yesterday, yesterday, "d")), MARKET_SCALE)
    hours = rows(call(client, "DescribeTRTCMarketScaleData", market(yesterday, yesterday, "h")), MARKET_SCALE)
    assert [h[0] for h in hours] == list(range(NOW - DAY, NOW, HOUR))
    assert max(h[1] for h in hours) == whole[1]
    assert max(h[2] for h in hours) == whole[2]
    assert all(h[3] <= whole[3] and h[4] <= whole[4] for h in hours)


def test_market_quality_with_decimals(client):
    plain = values(call(client, "DescribeTRTCMarketQualityData", market(day(NOW - 7 * DAY), day(NOW - DAY), "d")),
                   MARKET_QUALITY)
    assert len(plain) == 7 and all(row.RowValueFloat == [] for row in plain)
    floats = values(call(client, "DescribeTRTCMarketQualityData",
                         market(day(NOW - 7 * DAY), day(NOW - DAY), "d", IsFloat=True)), MARKET_QUALITY)
    assert [row.RowValue for row in floats] == [row.RowValue for row in plain]
    for row in floats:
        assert len(row.RowValueFloat) == 6 and row.RowValueFloat[0] == row.RowValue[0]
        for exact, rounded in zip(row.RowValueFloat[1:], row.RowValue[1:]):
            assert 0 <= exact <= 100 and abs(exact - rounded) <= 0.505 and round(exact, 2) == exact, row.RowValueFloat
        video, audio, delay, joined, quick = row.RowValueFloat[1:]
        assert quick <= joined and joined >= 90, row.RowValueFloat
    assert sum(row.RowValueFloat[1] for row in floats) > 0


# ---------------------------------------------------------------------------- errors

def test_dashboard_errors(client):
    expect_error("MissingParameter.SdkAppId", client, "DescribeTRTCRealTimeQualityData",
                 dict(real_time(NOW - 60, NOW), SdkAppId=""))
    expect_error("InvalidParameter.InvalidSdkAppId", client, "DescribeTRTCRealTimeQualityData",
                 dict(real_time(NOW - 60, NOW), SdkAppId="1400-0001"))
    expect_error("InvalidParameterValue", client, "DescribeTRTCRealTimeScaleData",
                 dict(real_time(NOW - 60, NOW), SdkAppId="1400-0001"))
    for action in ("DescribeTRTCRealTimeQualityData", "DescribeTRTCRealTimeScaleData"):
        expect_error("InvalidParameter", client, action, real_time(NOW - 12 * HOUR - 1, NOW))
        expect_error("InvalidParameter", client, action, real_time(NOW, NOW - 60))
    for action in ("DescribeTRTCMarketScaleData", "DescribeTRTCMarketQualityData"):
        expect_error("InvalidParameter.QueryScaleOversize", client, action, market(day(NOW - 61 * DAY), day(NOW), "d"))
        expect_error("InvalidParameterValue", client, action, market("2025-11-24", day(NOW), "w"))
        expect_error("InvalidParameterValue", client, action, market("2025-11-24T00:00", day(NOW), "d"))
        expect_error("InvalidParameter", client, action, market(day(NOW), day(NOW - DAY), "d"))
        expect_error("MissingParameter.SdkAppId", client, action, dict(market(day(NOW), day(NOW), "d"), SdkAppId=""))
