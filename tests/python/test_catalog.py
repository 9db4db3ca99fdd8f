"""Catalogue conformance: every action the official tencentcloud-sdk-python exposes for TRTC.

For each public method of `trtc_client.TrtcClient` that has a `<Name>Request` model (the CN
edition of the API), a minimal valid request is built from the emulator's embedded catalogue
(spec/trtc-2019-07-22.json: every required member, recursively), sent through the unmodified
SDK, and the response model it deserializes into is checked member by member against the
catalogue: present unless nullable, and of the member's JSON type.
"""

import json
import urllib.request
import re
import warnings
from pathlib import Path

import pytest
from tencentcloud.common import credential
from tencentcloud.common.abstract_model import AbstractModel
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.trtc.v20190722 import models, trtc_client

# As in test_sdk.py: a response member the SDK's models do not know is an error (inside a
# client call the SDK turns the warning into TencentCloudSDKException, code "UserWarning").
USELESS_FIELDS = r".*fileds are useless"
warnings.filterwarnings("error", message=USELESS_FIELDS, category=UserWarning)
pytestmark = pytest.mark.filterwarnings(f"error:{USELESS_FIELDS}:UserWarning")

REPO_ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = json.loads((REPO_ROOT / "spec" / "trtc-2019-07-22.json").read_text())
ACTIONS = CATALOGUE["actions"]
OBJECTS = CATALOGUE["objects"]

SECRET_ID = "AKIDmock"
SECRET_KEY = "mock-secret"
NOW = 1764000000
APP = 1400000001
EDITION = "cn"  # tencentcloud-sdk-python is the Chinese-site SDK
DEFAULT_REGION = "ap-guangzhou"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def sdk_actions():
    """The actions TrtcClient exposes: its own public methods with a <Name>Request model."""
    return sorted(name for name, member in vars(trtc_client.TrtcClient).items()
                  if callable(member) and not name.startswith("_") and hasattr(models, f"{name}Request"))


SDK_ACTIONS = sdk_actions()
SPECIAL = {"DescribeTRTCMarketScaleMetricData", "TextToSpeechSSE"}
NESTED_SAMPLE = ["CreateCloudRecording", "StartPublishCdnStream", "StartAIConversation", "CreateCloudModeration",
                 "CreateCloudSliceTask"]

# Actions whose whole check passed; the last test compares it with SDK_ACTIONS.
CHECKED = set()


# ---------------------------------------------------------------------------- requests from the catalogue

def in_edition(member):
    return EDITION in member["editions"] and not member.get("disabled", False)


def is_required(member):
    editions = member.get("required_editions")
    return member["required"] or (editions is not None and EDITION in editions)


def scalar_value(member, nonempty=False):
    name, kind = member["name"], member["type"]
    if name.lower() == "sdkappid":
        return str(APP) if kind == "string" else APP
    if name in ("StartTime", "EndTime"):
        start = name == "StartTime"
        if kind in ("uint64", "int64"):
            return NOW - 1800 if start else NOW
        if kind == "date":
            return "2025-11-23" if start else "2025-11-24"
        return "2025-11-23 00:00:00" if start else "2025-11-23 12:00:00"
    if name == "CommId":
        return f"{APP}_1_{NOW - 1800}"
    if name == "Period":
        return "d"  # the dashboards' granularity: by day or by hour
    if kind in ("uint64", "int64"):
        return 1
    if kind == "float":
        return 1.0
    if kind == "bool":
        return False
    if kind == "object":
        return minimal_object(member["object"], nonempty)
    return "x"  # string, date, datetime


def minimal_object(object_name, nonempty=False):
    """Every required member of the object, recursively, with a plausible value. With
    `nonempty`, an object without required members gets its first member instead: signature
    v1 flattens nested objects into `Name.Member=value` parameters, so an empty object
    cannot be sent at all."""
    members = [member for member in OBJECTS[object_name]["members"] if in_edition(member)]
    chosen = [member for member in members if is_required(member)]
    if nonempty and not chosen and members:
        chosen = members[:1]
    result = {}
    for member in chosen:
        value = scalar_value(member, nonempty)
        result[member["name"]] = [value] if member["list"] else value
    return result


# Required members whose format or enumeration the action checks beyond the catalogue's types
# (the usage family's dates, MixType, AuType, Type; the page and storage of a web recording).
USAGE_DATES = {"StartTime": "2025-11-23", "EndTime": "2025-11-24", "MixType": "single"}
CHECKED_VALUES = {
    "DescribeTrtcUsage": USAGE_DATES,
    "DescribeRecordingUsage": USAGE_DATES,
    "DescribeMixTranscodingUsage": USAGE_DATES,
    "DescribeRelayUsage": USAGE_DATES,
    "DescribeTrtcRoomUsage": {"StartTime": "2025-11-23 00:00", "EndTime": "2025-11-23 12:00"},
    "DescribeTRTCAIRecognitionUsage": {"AuType": ["conversation"]},
    "DescribeTRTCSegmentModerationUsage": {"Type": "audio"},
    "StartWebRecord": {"RecordUrl": "https://page.example/", "StorageParams": {"CloudVod": {"TencentVod": {}}}},
    "TextToSpeech": {"Voice": {"VoiceId": "v-female-R2s4N9qJ"}},
    "TextToSpeechSSE": {"Voice": {"VoiceId": "v-female-R2s4N9qJ"}},
    "AsyncTextToSpeech": {"Voice": {"VoiceId": "v-female-R2s4N9qJ"}},
}


# Optional members a semantic action needs all the same: the AI bot's LLM and TTS configs
# (documented as mandatory), a listened-to user other than the bot, the string room "x".
LLM_CONFIG = '{"LLMType":"openai","Model":"m","APIKey":"k","APIUrl":"https://llm.example/v1"}'
EXTRA_VALUES = {
    "StartAIConversation": {"RoomIdType": 1, "AgentConfig": {"UserId": "bot", "UserSig": "s", "TargetUserId": "x"},
                            "LLMConfig": LLM_CONFIG, "TTSConfig": '{"TTSType":"flow","VoiceId":"v"}'},
    "StartAITranscription": {"RoomIdType": 1},
}
# Optional members without which the action has nothing to work on.
COMPLETED = {"CreateAudioModerationSync": {"FileUrl": "https://media.example/clip.mp3"}}


def minimal_request(action, nonempty=False):
    request = minimal_object(ACTIONS[action]["input"], nonempty)
    for name, value in CHECKED_VALUES.get(action, {}).items():
        if name in request:
            request[name] = value
    request.update(EXTRA_VALUES.get(action, {}))
    request.update(COMPLETED.get(action, {}))
    return request


def region_of(action):
    regions = ACTIONS[action]["regions"]
    return regions[0] if regions else DEFAULT_REGION


# ---------------------------------------------------------------------------- checking responses

JSON_TYPES = {
    "string": (str,), "date": (str,), "datetime": (str,),
    "uint64": (int,), "int64": (int,), "float": (float, int), "bool": (bool,),
}


def catalogue_member(object_name, member_name):
    members = {member["name"]: member for member in OBJECTS.get(object_name, {"members": []})["members"]}
    assert member_name in members, f"{object_name}.{member_name} of the SDK is not in the catalogue"
    return members[member_name]


def check_value(path, member, value):
    if member["type"] == "object":
        assert isinstance(value, AbstractModel), f"{path} = {value!r}: expected a {member['object']} model"
        assert type(value).__name__ == member["object"], f"{path}: {type(value).__name__} is not {member['object']}"
        assert_model_populated(value, path)
    else:
        expected = JSON_TYPES[member["type"]]
        ok = isinstance(value, expected) and (bool in expected or not isinstance(value, bool))
        assert ok, f"{path} = {value!r}: expected {member['type']}"


def assert_model_populated(model, path=None):
    """Every member of the SDK model, and recursively of its nested models, is set unless the
    catalogue marks it nullable, with the catalogue's JSON type."""
    object_name = type(model).__name__
    path = path or object_name
    members = {name[1:]: value for name, value in vars(model).items() if name != "_headers"}
    assert members, f"{path}: the SDK model has no members"
    for name, value in members.items():
        member = catalogue_member(object_name, name)
        here = f"{path}.{name}"
        if value is None:
            assert member["nullable"], f"{here} is missing (not nullable in the catalogue)"
            continue
        if member["list"]:
            assert isinstance(value, list), f"{here} = {value!r}: expected a list"
            for index, item in enumerate(value):
                check_value(f"{here}[{index}]", member, item)
        else:
            check_value(here, member, value)


# ---------------------------------------------------------------------------- server and client

@pytest.fixture(scope="module")
def server(start_server):
    return start_server("--now", str(NOW), "--freeze", "--rate-limit", "off")


def make_client(server, region, *, sign="TC3-HMAC-SHA256", method="POST"):
    http = HttpProfile(endpoint=server.address, protocol="http", reqMethod=method, reqTimeout=10)
    return trtc_client.TrtcClient(credential.Credential(SECRET_ID, SECRET_KEY), region,
                                  ClientProfile(httpProfile=http, signMethod=sign))


def occupy_rooms(server):
    """Puts user "x" in numeric room 1 and string room "x" (the rooms of the minimal requests),
    so that the room-control actions find someone to act on."""
    for room in (1, "x"):
        body = json.dumps({"sdk_app_id": APP, "room_id": room, "user_id": "x"}).encode()
        request = urllib.request.Request(f"http://{server.address}/_mock/rooms/join", data=body, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200


def send(server, action, params=None, **client_options):
    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(minimal_request(action) if params is None else params))
    client = make_client(server, region_of(action), **client_options)
    return getattr(client, action)(request)


def check_response(action, response):
    assert type(response) is getattr(models, f"{action}Response"), type(response)
    assert_model_populated(response)
    assert UUID.fullmatch(response.RequestId), response.RequestId


def check_sse(events):
    events = list(events)
    assert events, "no server-sent events"
    chunks = []
    for event in events:
        assert isinstance(event, dict) and "data" in event, event
        chunks.append(json.loads(event["data"]))
    for seq, chunk in enumerate(chunks):
        assert chunk["Type"] == "chunk", chunk
        assert chunk["Seq"] == seq, chunks
        assert chunk["IsEnd"] is (seq == len(chunks) - 1), chunks
        assert isinstance(chunk["Audio"], str) and chunk["Audio"], chunk
        assert isinstance(chunk["RequestId"], str) and chunk["RequestId"], chunk
    return chunks


# ---------------------------------------------------------------------------- tests

def test_sdk_actions_are_the_cn_edition_of_the_catalogue():
    cn = sorted(name for name, action in ACTIONS.items() if EDITION in action["editions"])
    assert SDK_ACTIONS == cn


@pytest.mark.parametrize("action", SDK_ACTIONS)
def test_action(server, action):
    occupy_rooms(server)
    if action == "DescribeTRTCMarketScaleMetricData":
        assert ACTIONS[action]["status"] == "deprecated"
        with pytest.raises(TencentCloudSDKException) as caught:
            send(server, action)
        assert caught.value.code == "UnsupportedOperation", str(caught.value)
        assert caught.value.requestId and UUID.fullmatch(caught.value.requestId), str(caught.value)
    elif action == "TextToSpeechSSE":
        result = send(server, action)
        assert not isinstance(result, AbstractModel), f"expected an event stream, got {result!r}"
        check_sse(result)
    else:
        try:
            check_response(action, send(server, action))
        except TencentCloudSDKException as error:
            # A stateful action may refuse a minimal request (no such task), with a code its
            # documentation lists; its answers are checked in its family's own tests.
            assert error.code in ACTIONS[action]["error_codes"], str(error)
            assert error.requestId and UUID.fullmatch(error.requestId), str(error)
    CHECKED.add(action)


@pytest.mark.parametrize("action", NESTED_SAMPLE)
def test_hmac_sha256_get_rebuilds_nested_parameters(server, action):
    """Signature v1 sends nested objects flattened (RecordParams.RecordMode=1...); the server
    must rebuild them to validate the required nested members."""
    occupy_rooms(server)
    params = minimal_request(action, nonempty=True)
    assert any(isinstance(value, dict) and value for value in params.values()), params
    try:
        check_response(action, send(server, action, params, sign="HmacSHA256", method="GET"))
    except TencentCloudSDKException as error:
        # Rebuilt and validated: a stateful action may still refuse the request itself.
        assert error.code in ACTIONS[action]["error_codes"], str(error)


def test_every_sdk_action_was_checked():
    """Last of the module: how many actions were checked; fails if any the SDK exposes was not."""
    print(f"\ncatalogue conformance: {len(CHECKED)} of {len(SDK_ACTIONS)} SDK actions checked")
    missing = sorted(set(SDK_ACTIONS) - CHECKED)
    assert len(CHECKED) >= len(SDK_ACTIONS), f"not checked: {missing}"
