"""AI conversation, AI transcription and cloud transcription through the official, unmodified
tencentcloud-sdk-python.

A user joins a room through the control plane; an AI bot starts and greets her; the backend
pushes a text and asks the LLM a question, and QueryAIMessageList (intl-only: the CN-built
SDK has no model for it, so its CommonClient calls it) shows the conversation; the user leaves,
the bot exits MaxIdleTime later, and Describe says the task is gone. Then the happy path and one
error of each transcription family. The clock is frozen and moved by the test.
"""

import json
import re
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
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
LLM = json.dumps({"LLMType": "openai", "Model": "gpt-4o", "APIKey": "sk-test",
                  "APIUrl": "https://api.openai.com/v1/chat/completions", "Streaming": True})
TTS = json.dumps({"TTSType": "flow", "VoiceId": "v-female"})


class World:
    def __init__(self, server):
        self.server = server
        http = HttpProfile(endpoint=server.address, protocol="http", reqTimeout=30)
        cred = credential.Credential(SECRET_ID, SECRET_KEY)
        self.client = trtc_client.TrtcClient(cred, "ap-guangzhou", ClientProfile(httpProfile=http))
        self.common = CommonClient("trtc", "2019-07-22", cred, "ap-singapore", ClientProfile(httpProfile=http))

    def control(self, path, body):
        request = urllib.request.Request(f"http://{self.server.address}/_mock/{path}",
                                         data=json.dumps(body).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def advance(self, seconds):
        self.control("clock", {"advance": seconds})

    def join(self, room, user):
        self.control("rooms/join", {"sdk_app_id": APP, "room_id": room, "user_id": user, "audio": True})

    def leave(self, room, user):
        self.control("rooms/leave", {"sdk_app_id": APP, "room_id": room, "user_id": user})

    def call(self, action, params):
        request = getattr(models, f"{action}Request")()
        request.from_json_string(json.dumps(params))
        response = getattr(self.client, action)(request)
        assert UUID.fullmatch(response.RequestId), response.RequestId
        return response

    def error(self, action, params):
        with pytest.raises(TencentCloudSDKException) as caught:
            self.call(action, params)
        assert caught.value.requestId and UUID.fullmatch(caught.value.requestId), str(caught.value)
        return caught.value.code

    def messages(self, task):
        response = self.common.call_json("QueryAIMessageList", {"SdkAppId": APP, "TaskId": task})["Response"]
        assert response["Total"] == len(response["MessageList"]), response
        return [(m["Role"], m["Content"]) for m in response["MessageList"]]


@pytest.fixture()
def world(start_server):
    server = start_server("--now", str(T0), "--freeze", "--rate-limit", "off")
    world = World(server)
    world.control("fixtures", {"Apps": [{"SdkAppId": APP, "Rooms": []}]})
    return world


def test_a_user_talks_with_a_bot_until_she_leaves(world):
    world.join(601, "alice")
    started = world.call("StartAIConversation", {
        "SdkAppId": APP, "RoomId": "601", "SessionId": "lesson-1",
        "AgentConfig": {"UserId": "bot_601", "UserSig": "sig", "TargetUserId": "alice", "MaxIdleTime": 30,
                        "WelcomeMessage": "Hi Alice, ready for class?"},
        "LLMConfig": LLM, "TTSConfig": TTS})
    task = started.TaskId
    assert task.startswith("v2_20251125_"), task
    assert world.call("DescribeAIConversation", {"TaskId": task}).Status == "Preparing"
    world.advance(2)
    described = world.call("DescribeAIConversation", {"SdkAppId": APP, "SessionId": "lesson-1"})
    assert (described.TaskId, described.Status, described.SessionId) == (task, "InProgress", "lesson-1")
    assert world.messages(task) == [("assistant", "Hi Alice, ready for class?")]

    world.call("ControlAIConversation", {"TaskId": task, "Command": "ServerPushText",
                                         "ServerPushText": {"Text": "Today: past tenses."}})
    world.call("ControlAIConversation", {"TaskId": task, "Command": "InvokeLLM",
                                         "InvokeLLM": {"Content": "What is the past of go?"}})
    world.advance(1)
    messages = world.messages(task)
    assert messages[:3] == [("assistant", "Hi Alice, ready for class?"), ("assistant", "Today: past tenses."),
                            ("user", "What is the past of go?")], messages
    assert messages[3][0] == "assistant" and "gpt-4o" in messages[3][1], messages
    assert world.error("StartAIConversation", {
        "SdkAppId": APP, "RoomId": "602", "SessionId": "lesson-1",
        "AgentConfig": {"UserId": "bot_602", "UserSig": "sig", "TargetUserId": "alice"},
        "LLMConfig": LLM, "TTSConfig": TTS}) == "FailedOperation.TaskExist"

    world.leave(601, "alice")
    world.advance(29)
    assert world.call("DescribeAIConversation", {"TaskId": task}).Status == "InProgress"
    world.advance(1)
    assert world.call("DescribeAIConversation", {"TaskId": task}).Status == "Stopped"
    world.advance(5)
    assert world.error("DescribeAIConversation", {"TaskId": task}) == "FailedOperation.TaskNotExist"


def test_a_malformed_llm_config_is_refused(world):
    code = world.error("StartAIConversation", {
        "SdkAppId": APP, "RoomId": "603",
        "AgentConfig": {"UserId": "bot", "UserSig": "sig", "TargetUserId": "alice"},
        "LLMConfig": "{not json", "TTSConfig": TTS})
    assert code == "InvalidParameter"


def test_ai_transcription(world):
    world.join(701, "bob")
    task = world.call("StartAITranscription", {
        "SdkAppId": APP, "RoomId": "701", "SessionId": "sub-1",
        "TranscriptionParams": {"UserId": "asr_701", "UserSig": "sig", "TranscriptionMode": 1,
                                "TargetUserId": "bob"},
        "RecognizeConfig": {"Language": "en"}}).TaskId
    world.advance(2)
    described = world.call("DescribeAITranscription", {"TaskId": "", "SdkAppId": APP, "SessionId": "sub-1"})
    assert (described.TaskId, described.Status) == (task, "InProgress")
    world.call("StopAITranscription", {"TaskId": task})
    assert world.error("StopAITranscription", {"TaskId": task}) == "FailedOperation.TaskNotExist"
    assert world.error("StartAITranscription", {
        "SdkAppId": APP, "RoomId": "701",
        "TranscriptionParams": {"UserId": "asr_702", "UserSig": "", "TranscriptionMode": 0}}) \
        == "InvalidParameter.UserSig"


def test_cloud_transcription(world):
    world.join("class-a", "carol")
    task = world.call("CreateCloudTranscription", {
        "SdkAppId": APP, "RoomId": "class-a", "RoomIdType": 1,
        "TranscriptionParam": {"UserId": "ct_1", "UserSig": "sig"},
        "AsrParam": {"Lang": "bigmodel-en"},
        "TranslationParam": {"TargetLang": ["zh"]},
        "TTSParam": [{"Model": "flow_02_turbo", "Language": "zh", "TargetUser": {"UserId": "carol"},
                      "TTSRobotUser": {"UserId": "tts_1"}, "Voice": {"VoiceId": "v1"}}]}).TaskId
    described = world.call("DescribeCloudTranscription", {"SdkAppId": APP, "TaskId": task})
    assert (described.Status, described.StartTime) == ("InProgress", T0 * 1000)
    assert world.call("DeleteCloudTranscription", {"SdkAppId": APP, "TaskId": task}).TaskId == task
    world.advance(10)
    assert world.error("DescribeCloudTranscription", {"SdkAppId": APP, "TaskId": task}) == "ResourceNotFound"
    assert world.error("CreateCloudTranscription", {
        "SdkAppId": APP, "RoomId": "class-a", "RoomIdType": 1,
        "TranscriptionParam": {"UserId": "ct_2", "UserSig": "sig"}, "AsrParam": {"Lang": "bigmodel-en"},
        "TranslationParam": {"TargetLang": ["zh"]},
        "TTSParam": [{"Model": "flow_02_turbo", "Language": "ja", "TargetUser": {"UserId": "carol"},
                      "TTSRobotUser": {"UserId": "tts_1"}, "Voice": {"VoiceId": "v1"}}]}) \
        == "InvalidParameter.OutOfRange"
