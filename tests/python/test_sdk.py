"""Conformance suite: the official, unmodified tencentcloud-sdk-python against trtc-mock.

Every call goes through `trtc_client.TrtcClient` exactly as an application would make it:
the SDK signs the request (TC3-HMAC-SHA256, HmacSHA256 or HmacSHA1; POST or GET), parses
the response envelope, raises TencentCloudSDKException for errors and deserializes results
into its models.
"""

import json
import re
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path
from unittest import mock

import pytest
from tencentcloud.common import abstract_client, credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.trtc.v20190722 import models, trtc_client

# A response member the SDK's models do not know (in RoomState or UserInformation) makes
# the SDK warn "... fileds are useless."; here it is an error (inside a client call the SDK
# turns it into TencentCloudSDKException, code "UserWarning"). pytest restores the warning
# filters around every test, so the mark applies the same filter inside each test too.
USELESS_FIELDS = r".*fileds are useless"
warnings.filterwarnings("error", message=USELESS_FIELDS, category=UserWarning)
pytestmark = pytest.mark.filterwarnings(f"error:{USELESS_FIELDS}:UserWarning")

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_FILE = REPO_ROOT / "fixtures" / "describe-user-info-example.json"

SECRET_ID = "AKIDmock"
SECRET_KEY = "mock-secret"
TOKEN = "tok123"

HOUR = 3600
DAY = 24 * HOUR

# The documentation example of DescribeUserInfo, served from the fixture file.
DOC_NOW = 1590066000
DOC_APP = 1400188366
DOC_COMM_ID = "1400188366_218695_1590065777"
DOC_REQUEST = {
    "StartTime": 1590065777,
    "CommId": DOC_COMM_ID,
    "UserIds": ["user1_54816741", "user2_2107025"],
    "SdkAppId": DOC_APP,
    "EndTime": 1590065877,
}
DOC_USERS = [
    {"RoomStr": "218695", "UserId": "user1_54816741", "JoinTs": 1590065777, "LeaveTs": 1590067658,
     "DeviceType": "", "SdkVersion": "4.3.14", "ClientIp": "10.4.1.13", "Finished": True},
    {"RoomStr": "218695", "UserId": "user2_2107025", "JoinTs": 1590065700, "LeaveTs": 1590067693,
     "DeviceType": "", "SdkVersion": "4.3.14", "ClientIp": "10.4.1.13", "Finished": True},
]
DOC_ROOM = {"CommId": DOC_COMM_ID, "RoomString": "218695", "CreateTime": 1590065777,
            "DestroyTime": 1590067693, "IsFinished": True, "UserId": "user1_54816741"}

# The generated history (no fixtures), seen at a fixed, frozen time.
NOW = 1764000000
APP = 1400000001
OTHER_APP = 1400000002

SIGN_METHODS = ["TC3-HMAC-SHA256", "HmacSHA256", "HmacSHA1"]
SERVED_REGIONS = ["ap-beijing", "ap-guangzhou", "ap-mumbai", "ap-singapore", "na-toronto"]
ACTIONS = ["DescribeUserInfo", "DescribeRoomInfo"]

SIGNATURE_FAILURE = {
    "en-US": "The provided credentials could not be validated. Please check your signature is correct.",
    "zh-CN": "请求签名验证失败，请检查您的签名计算是否正确。",
}
RATE_LIMIT_MESSAGE = (
    "Your current request times equals to `21` in a second, which exceeds the frequency limit `20` "
    "for a second. Please reduce the frequency of calls."
)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Every member of each response model, with the exact JSON type it must have.
MODEL_FIELDS = {
    models.DescribeUserInfoResponse: {"Total": int, "UserList": list, "RequestId": str},
    models.DescribeRoomInfoResponse: {"Total": int, "RoomList": list, "RequestId": str},
    models.UserInformation: {"RoomStr": str, "UserId": str, "JoinTs": int, "LeaveTs": int, "DeviceType": str,
                             "SdkVersion": str, "ClientIp": str, "Finished": bool},
    models.RoomState: {"CommId": str, "RoomString": str, "CreateTime": int, "DestroyTime": int,
                       "IsFinished": bool, "UserId": str},
}


# ---------------------------------------------------------------------------- servers

@pytest.fixture(scope="module")
def doc_server(start_server):
    """The documentation example's data, its clock just after the call. Rate limits are off
    on the shared servers so that the pace of the suite cannot change a result."""
    return start_server("--fixtures", str(FIXTURE_FILE), "--now", str(DOC_NOW), "--freeze", "--rate-limit", "off")


@pytest.fixture(scope="module")
def gen_server(start_server):
    return start_server("--now", str(NOW), "--freeze", "--rate-limit", "off")


@pytest.fixture(scope="module")
def restricted_server(start_server):
    return start_server("--now", str(NOW), "--freeze", "--rate-limit", "off", "--sdk-app-ids", str(APP))


@pytest.fixture(scope="module")
def token_server(start_server):
    return start_server("--now", str(NOW), "--freeze", "--rate-limit", "off", "--token", TOKEN)


@pytest.fixture(scope="module")
def rate_limited_server(start_server):
    """Default (documented) rate limits; used by the rate-limit test only."""
    return start_server("--now", str(NOW), "--freeze")


# ---------------------------------------------------------------------------- helpers

def make_client(server, *, sign="TC3-HMAC-SHA256", method="POST", region="ap-guangzhou", secret_id=SECRET_ID,
                secret_key=SECRET_KEY, token=None, language="en-US", url_endpoint=False):
    """A TrtcClient for `server`. With url_endpoint the endpoint is given as "http://host:port"
    (the SDK then sends and signs `Host: http://host:port`)."""
    if url_endpoint:
        http = HttpProfile(endpoint=f"http://{server.address}", reqMethod=method, reqTimeout=10)
    else:
        http = HttpProfile(endpoint=server.address, protocol="http", reqMethod=method, reqTimeout=10)
    cred = credential.Credential(secret_id, secret_key, token) if token else credential.Credential(secret_id, secret_key)
    return trtc_client.TrtcClient(cred, region, ClientProfile(httpProfile=http, signMethod=sign, language=language))


def call(client, action, params):
    """Calls `action` through the SDK with `params` (built with the SDK's request model, which
    also rejects unknown parameter names) and checks the whole response model."""
    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(params))
    response = getattr(client, action)(request)
    assert_fully_populated(response)
    assert UUID.fullmatch(response.RequestId), response.RequestId
    return response


def assert_fully_populated(model):
    """Every member of the model (recursively for lists of models) is set, with its JSON type."""
    fields = MODEL_FIELDS[type(model)]
    members = {name[1:]: value for name, value in vars(model).items() if name != "_headers"}
    assert set(members) == set(fields), f"{type(model).__name__} members changed in the SDK"
    for name, value in members.items():
        assert value is not None, f"{type(model).__name__}.{name} is None"
        assert type(value) is fields[name], f"{type(model).__name__}.{name} = {value!r}"
        if isinstance(value, list):
            for item in value:
                assert_fully_populated(item)


def expect_error(code, client, action, params):
    """The call fails with exactly `code`, and the error came from the server (it has a RequestId)."""
    with pytest.raises(TencentCloudSDKException) as caught:
        call(client, action, params)
    error = caught.value
    assert error.code == code, str(error)
    assert error.message, str(error)
    assert error.requestId and UUID.fullmatch(error.requestId), str(error)
    return error


def as_dict(model):
    """The model as JSON data, without the RequestId that differs on every call."""
    data = json.loads(model.to_json_string())
    data.pop("RequestId", None)
    return data


DROP = object()


def changed(params, changes):
    """A copy of params with changes applied: a value, DROP to remove the parameter, or a
    function of the original params."""
    result = dict(params)
    for name, value in changes.items():
        if value is DROP:
            result.pop(name, None)
        else:
            result[name] = value(params) if callable(value) else value
    return result


def day_window(app=APP):
    """A DescribeRoomInfo query over the 24 h ending at NOW."""
    return {"SdkAppId": app, "StartTime": NOW - DAY, "EndTime": NOW}


def all_rooms(client, query):
    """Every room of the query, reading pages of 100 (PageNumber counts from 0)."""
    rooms, page = [], 0
    while True:
        response = call(client, "DescribeRoomInfo", dict(query, PageNumber=page, PageSize=100))
        rooms += response.RoomList
        if len(rooms) >= response.Total or not response.RoomList:
            assert len(rooms) == response.Total
            return rooms
        page += 1


def user_window(room, length=HOUR):
    """A DescribeUserInfo query over `length` seconds from the room's creation (at most until NOW)."""
    app = int(room.CommId.split("_")[0])
    start = room.CreateTime
    return {"SdkAppId": app, "CommId": room.CommId, "StartTime": start, "EndTime": min(start + length, NOW)}


def sleep_until_next_second():
    time.sleep(1 - time.time() % 1 + 0.002)


def burst_in_one_second(function, count, attempts=3):
    """Calls `function` `count` times from just after a wall-clock second boundary; returns the
    outcome of each call (its result, or its TencentCloudSDKException). Retried when the burst
    did not fit in one second (a very busy machine)."""
    for _ in range(attempts):
        sleep_until_next_second()
        second = int(time.time())
        outcomes = []
        for _ in range(count):
            try:
                outcomes.append(function())
            except TencentCloudSDKException as error:
                outcomes.append(error)
        if int(time.time()) == second:
            return outcomes
    pytest.fail(f"{count} calls never fitted in one second")


# ---------------------------------------------------------------------------- warning filter

def test_unknown_nested_response_field_is_an_error():
    user = dict(DOC_USERS[0])
    models.DescribeUserInfoResponse()._deserialize({"Total": 1, "UserList": [user], "RequestId": "r"})
    with pytest.raises(UserWarning, match="fileds are useless"):
        models.DescribeUserInfoResponse()._deserialize(
            {"Total": 1, "UserList": [dict(user, NotInTheModel=1)], "RequestId": "r"})


# ---------------------------------------------------------------------------- documentation example

@pytest.mark.parametrize("url_endpoint", [False, True], ids=["host-port", "http-url"])
@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize("sign", SIGN_METHODS)
def test_documentation_example(doc_server, sign, method, url_endpoint):
    client = make_client(doc_server, sign=sign, method=method, url_endpoint=url_endpoint)
    response = call(client, "DescribeUserInfo", DOC_REQUEST)
    assert response.Total == 2
    users = sorted((as_dict(user) for user in response.UserList), key=lambda user: user["UserId"])
    assert users == DOC_USERS


def test_documentation_room_info(doc_server):
    client = make_client(doc_server)
    response = call(client, "DescribeRoomInfo", {"SdkAppId": DOC_APP, "StartTime": 1590060000, "EndTime": 1590066000})
    assert response.Total == 1
    assert [as_dict(room) for room in response.RoomList] == [DOC_ROOM]


def test_readme_python_example(doc_server):
    readme = (REPO_ROOT / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", readme, re.DOTALL).group(1)
    assert "127.0.0.1:8080" in code
    code = code.replace("127.0.0.1:8080", doc_server.address)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["Total"] == 2
    assert sorted(printed["UserList"], key=lambda user: user["UserId"]) == DOC_USERS


# ---------------------------------------------------------------------------- generated history

@pytest.fixture(scope="module")
def rooms(gen_server):
    """Every room of APP in the 24 h before NOW."""
    return all_rooms(make_client(gen_server), day_window())


@pytest.fixture(scope="module")
def sample_room(rooms):
    """A finished room created inside the day window, at least 5 h before NOW."""
    return next(room for room in rooms if NOW - DAY <= room.CreateTime <= NOW - 5 * HOUR and room.IsFinished)


def test_room_list_defaults_to_10_rooms(gen_server, rooms):
    response = call(make_client(gen_server), "DescribeRoomInfo", day_window())
    assert response.Total == len(rooms) > 10
    assert [as_dict(room) for room in response.RoomList] == [as_dict(room) for room in rooms[:10]]


@pytest.mark.parametrize("paging", [{"PageSize": 5}, {"PageNumber": 2}], ids=["PageSize-only", "PageNumber-only"])
def test_room_list_ignores_half_of_the_paging(gen_server, rooms, paging):
    """'PageNumber和PageSize 其中一个不填均默认返回10条数据': with one of them missing, 10 rooms."""
    response = call(make_client(gen_server), "DescribeRoomInfo", dict(day_window(), **paging))
    assert [room.CommId for room in response.RoomList] == [room.CommId for room in rooms[:10]]


@pytest.mark.parametrize("page_size", [1, 7, 10, 100])
def test_room_pages_partition_the_total(gen_server, rooms, page_size):
    client = make_client(gen_server)
    seen, page = [], 0
    while True:
        response = call(client, "DescribeRoomInfo", dict(day_window(), PageNumber=page, PageSize=page_size))
        assert response.Total == len(rooms)
        if not response.RoomList:
            break
        assert len(response.RoomList) == min(page_size, len(rooms) - len(seen))
        seen += [room.CommId for room in response.RoomList]
        page += 1
    assert page == -(-len(rooms) // page_size)
    assert seen == [room.CommId for room in rooms]


def test_rooms_overlap_the_window_and_name_their_call(rooms):
    for room in rooms:
        match = re.fullmatch(rf"{APP}_(\d+)_(\d+)", room.CommId)
        assert match, room
        assert int(match.group(2)) == room.CreateTime, room
        if room.RoomString.isdigit():
            assert match.group(1) == room.RoomString, room
        assert room.CreateTime <= NOW and room.DestroyTime >= NOW - DAY, room
        assert room.CreateTime <= room.DestroyTime, room
        assert room.UserId, room
    assert len({room.CommId for room in rooms}) == len(rooms)


def test_users_of_rooms_are_in_the_room_and_the_window(gen_server, rooms):
    client = make_client(gen_server)
    checked = 0
    for room in rooms[::8]:
        query = user_window(room, length=min(4 * HOUR, room.DestroyTime - room.CreateTime or 1))
        response = call(client, "DescribeUserInfo", dict(query, PageNumber=0, PageSize=100))
        assert response.Total == len(response.UserList) >= 1, room
        for user in response.UserList:
            assert user.RoomStr == room.RoomString, (room, user)
            assert user.JoinTs <= query["EndTime"] and user.LeaveTs >= query["StartTime"], (query, user)
            assert room.CreateTime <= user.JoinTs <= user.LeaveTs <= room.DestroyTime, (room, user)
        assert room.UserId in [user.UserId for user in response.UserList], room
        checked += 1
    assert checked >= 5


def test_user_list_defaults_to_6_users(gen_server, rooms):
    client = make_client(gen_server)
    for room in rooms:
        everyone = call(client, "DescribeUserInfo", dict(user_window(room, 4 * HOUR), PageNumber=0, PageSize=100))
        if everyone.Total > 6:
            break
    else:
        pytest.fail("no room with more than 6 users in the generated day")
    default = call(client, "DescribeUserInfo", user_window(room, 4 * HOUR))
    assert default.Total == everyone.Total
    assert [as_dict(user) for user in default.UserList] == [as_dict(user) for user in everyone.UserList[:6]]
    second = call(client, "DescribeUserInfo", dict(user_window(room, 4 * HOUR), PageNumber=1, PageSize=6))
    assert [as_dict(user) for user in second.UserList] == [as_dict(user) for user in everyone.UserList[6:12]]


def test_user_ids_select_users(gen_server, sample_room):
    response = call(make_client(gen_server), "DescribeUserInfo",
                    dict(user_window(sample_room), UserIds=[sample_room.UserId]))
    assert response.Total == 1
    assert [user.UserId for user in response.UserList] == [sample_room.UserId]


def history(server, app=APP):
    """What a client sees of one app's day: every room, and the users of the first rooms."""
    client = make_client(server)
    rooms = all_rooms(client, day_window(app))
    users = [as_dict(call(client, "DescribeUserInfo", dict(user_window(room), PageNumber=0, PageSize=100)))
             for room in rooms[:5]]
    return {"rooms": [as_dict(room) for room in rooms], "users": users}


def test_same_seed_same_history_other_seed_other_rooms(start_server):
    flags = ("--now", str(NOW), "--freeze", "--rate-limit", "off")
    first = history(start_server("--seed", "7", *flags))
    second = history(start_server("--seed", "7", *flags))
    other = history(start_server("--seed", "8", *flags))
    assert first == second
    assert [room["CommId"] for room in first["rooms"]] != [room["CommId"] for room in other["rooms"]]


def test_apps_have_different_histories(gen_server, rooms):
    others = all_rooms(make_client(gen_server), day_window(OTHER_APP))
    assert others and all(room.CommId.startswith(f"{OTHER_APP}_") for room in others)
    assert [room.RoomString for room in others] != [room.RoomString for room in rooms]


@pytest.mark.parametrize("region", SERVED_REGIONS)
def test_served_regions(gen_server, sample_room, region):
    client = make_client(gen_server, region=region)
    call(client, "DescribeRoomInfo", day_window())
    call(client, "DescribeUserInfo", user_window(sample_room))


def test_window_limits_are_inclusive(gen_server, sample_room):
    client = make_client(gen_server)
    call(client, "DescribeUserInfo", user_window(sample_room, 4 * HOUR))
    call(client, "DescribeRoomInfo", {"SdkAppId": APP, "StartTime": NOW - DAY, "EndTime": NOW})
    call(client, "DescribeRoomInfo", {"SdkAppId": APP, "StartTime": NOW - 14 * DAY, "EndTime": NOW - 13 * DAY})


# ---------------------------------------------------------------------------- errors

AUTH_ERRORS = [
    pytest.param({"secret_key": "wrong-secret"}, "AuthFailure.SignatureFailure", id="wrong-key-TC3"),
    pytest.param({"secret_key": "wrong-secret", "sign": "HmacSHA256"}, "AuthFailure.SignatureFailure",
                 id="wrong-key-HmacSHA256"),
    pytest.param({"secret_key": "wrong-secret", "sign": "HmacSHA1", "method": "GET"}, "AuthFailure.SignatureFailure",
                 id="wrong-key-HmacSHA1-GET"),
    pytest.param({"secret_id": "AKIDunknown"}, "AuthFailure.SecretIdNotFound", id="unknown-SecretId"),
    pytest.param({"region": "gz"}, "InvalidParameterValue", id="region-gz"),
    pytest.param({"region": "ap-shanghai"}, "UnsupportedRegion", id="region-ap-shanghai"),
]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("client_options, code", AUTH_ERRORS)
def test_request_errors(gen_server, sample_room, action, client_options, code):
    params = user_window(sample_room) if action == "DescribeUserInfo" else day_window()
    expect_error(code, make_client(gen_server, **client_options), action, params)


USER_PARAMETER_ERRORS = [
    pytest.param({"CommId": DROP}, "MissingParameter", id="missing-CommId"),
    pytest.param({"StartTime": NOW - 15 * DAY, "EndTime": NOW - 15 * DAY + HOUR}, "InvalidParameter.StartTimeOversize",
                 id="start-over-14-days-ago"),
    pytest.param({"EndTime": lambda q: q["StartTime"] + 4 * HOUR + 1}, "InvalidParameter.QueryScaleOversize",
                 id="window-over-4h"),
    pytest.param({"EndTime": lambda q: q["StartTime"]}, "InvalidParameter.StartTs", id="start-equals-end"),
    pytest.param({"EndTime": lambda q: q["StartTime"] - 1}, "InvalidParameter.StartTs", id="start-after-end"),
    pytest.param({"PageNumber": 0, "PageSize": 101}, "InvalidParameter.PageSizeOversize", id="PageSize-101"),
    pytest.param({"PageNumber": 0, "PageSize": 0}, "InvalidParameter.PageSize", id="PageSize-0"),
    pytest.param({"SdkAppId": OTHER_APP}, "InvalidParameter.SdkAppId", id="CommId-of-another-app"),
]


@pytest.mark.parametrize("changes, code", USER_PARAMETER_ERRORS)
def test_user_info_parameter_errors(gen_server, sample_room, changes, code):
    expect_error(code, make_client(gen_server), "DescribeUserInfo", changed(user_window(sample_room), changes))


ROOM_PARAMETER_ERRORS = [
    pytest.param({"StartTime": NOW - 14 * DAY - 1, "EndTime": NOW - 13 * DAY - 1},
                 "InvalidParameter.StartTimeOversize", id="start-over-14-days-ago"),
    pytest.param({"StartTime": NOW - DAY - 1}, "InvalidParameter.QueryScaleOversize", id="window-over-24h"),
    pytest.param({"StartTime": NOW}, "InvalidParameter.StartTs", id="start-equals-end"),
    pytest.param({"StartTime": NOW + 1}, "InvalidParameter.StartTs", id="start-after-end"),
    pytest.param({"PageNumber": 0, "PageSize": 101}, "InvalidParameter.PageSizeOversize", id="PageSize-101"),
    pytest.param({"PageNumber": 0, "PageSize": 0}, "InvalidParameter.PageSize", id="PageSize-0"),
]


@pytest.mark.parametrize("changes, code", ROOM_PARAMETER_ERRORS)
def test_room_info_parameter_errors(gen_server, changes, code):
    expect_error(code, make_client(gen_server), "DescribeRoomInfo", changed(day_window(), changes))


def test_account_restricted_to_its_sdk_app_ids(gen_server, restricted_server, sample_room):
    client = make_client(restricted_server)
    call(client, "DescribeRoomInfo", day_window(APP))
    call(client, "DescribeUserInfo", user_window(sample_room))
    expect_error("InvalidParameter.SdkAppId", client, "DescribeRoomInfo", day_window(OTHER_APP))
    other_room = all_rooms(make_client(gen_server), day_window(OTHER_APP))[0]
    expect_error("InvalidParameter.SdkAppId", client, "DescribeUserInfo", user_window(other_room))


@pytest.mark.parametrize("sign", SIGN_METHODS)
def test_temporary_credentials_with_their_token(token_server, sign):
    client = make_client(token_server, sign=sign, token=TOKEN)
    assert call(client, "DescribeRoomInfo", day_window()).Total > 0


@pytest.mark.parametrize("token", ["tok999", None], ids=["wrong-token", "no-token"])
def test_temporary_credentials_without_their_token(token_server, token):
    expect_error("AuthFailure.TokenFailure", make_client(token_server, token=token), "DescribeRoomInfo", day_window())


@pytest.mark.parametrize("skew", [-301, 301, -DAY])
def test_signature_expires_with_a_skewed_client_clock(doc_server, skew):
    """The request timestamp is checked against the wall clock (±300 s), not the virtual one:
    the documentation server runs in 2020 and accepts today's timestamps."""
    client = make_client(doc_server)
    skewed = time.time() + skew
    with mock.patch.object(abstract_client.time, "time", return_value=skewed):
        expect_error("AuthFailure.SignatureExpire", client, "DescribeUserInfo", DOC_REQUEST)


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_error_message_language(gen_server, language):
    client = make_client(gen_server, secret_key="wrong-secret", language=language)
    error = expect_error("AuthFailure.SignatureFailure", client, "DescribeRoomInfo", day_window())
    assert error.message == SIGNATURE_FAILURE[language]


def test_rate_limit_20_per_second(rate_limited_server):
    client = make_client(rate_limited_server)

    def list_rooms():
        return call(client, "DescribeRoomInfo", day_window())

    list_rooms()  # connection set up, in an earlier second
    outcomes = burst_in_one_second(list_rooms, 21)
    failed = [number for number, outcome in enumerate(outcomes, 1) if isinstance(outcome, TencentCloudSDKException)]
    assert failed == [21], [str(outcome) for outcome in outcomes]
    error = outcomes[20]
    assert error.code == "RequestLimitExceeded" and UUID.fullmatch(error.requestId), str(error)
    assert error.message == RATE_LIMIT_MESSAGE
    sleep_until_next_second()
    list_rooms()


# ---------------------------------------------------------------------------- control plane

def control(server, method, path, body=None):
    """Calls the emulator's control plane (/_mock/...) and returns the decoded JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://{server.address}/_mock{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.load(answer)


@pytest.fixture()
def control_server(start_server):
    """A server of its own: the tests below change its faults and clock."""
    server = start_server("--now", str(NOW), "--freeze", "--rate-limit", "off")
    yield server
    control(server, "POST", "/reset", {})


def test_injected_fault_reaches_the_sdk_as_its_code(control_server):
    client = make_client(control_server)
    room = day_window()
    control(control_server, "POST", "/faults",
            {"action": "DescribeRoomInfo", "error": {"code": "FailedOperation.RoomNotExist"}, "count": 1})
    error = expect_error("FailedOperation.RoomNotExist", client, "DescribeRoomInfo", room)
    assert error.message == "The room does not exist."
    call(client, "DescribeRoomInfo", room)  # the fault was for one call only
    journal = control(control_server, "GET", "/requests?code=FailedOperation.RoomNotExist")
    assert [e["request_id"] for e in journal["entries"]] == [error.requestId]


def test_dropped_connection_is_a_network_error_for_the_sdk(control_server):
    client = make_client(control_server)
    control(control_server, "POST", "/faults", {"action": "DescribeRoomInfo", "drop_connection": True, "count": 1})
    with pytest.raises(TencentCloudSDKException) as caught:
        call(client, "DescribeRoomInfo", day_window())
    assert caught.value.code == "ClientNetworkError", str(caught.value)
    call(client, "DescribeRoomInfo", day_window())


def test_clock_control_moves_what_the_sdk_sees(control_server):
    client = make_client(control_server)
    open_rooms = [r for r in all_rooms(client, day_window()) if not r.IsFinished]
    assert open_rooms, "some rooms are open at now"
    room = open_rooms[0]
    assert control(control_server, "POST", "/clock", {"advance": 4 * HOUR}) == {"now": NOW + 4 * HOUR, "frozen": True}
    later = call(client, "DescribeRoomInfo", {"SdkAppId": APP, "StartTime": room.CreateTime,
                                              "EndTime": room.CreateTime + 60, "RoomId": room.RoomString})
    same = next(r for r in later.RoomList if r.CommId == room.CommId)
    assert same.IsFinished is True and NOW < same.DestroyTime <= NOW + 4 * HOUR
    control(control_server, "POST", "/reset", {})
    assert control(control_server, "GET", "/clock") == {"now": NOW, "frozen": True}
