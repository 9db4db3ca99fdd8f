"""Speech, voiceprints and ASR vocabularies through the official, unmodified tencentcloud-sdk-python.

Every call goes through `trtc_client.TrtcClient` and its response models (a member the SDK does
not know is an error). TextToSpeech's WAV is read back with the standard library's `wave`; the
async synthesis lifecycle is run on the virtual clock moved through the control plane.
"""

import base64
import io
import json
import math
import re
import struct
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

SECRET_ID = "AKIDmock"
SECRET_KEY = "mock-secret"
NOW = 1764000000
APP = 1400000001
VOICE = {"VoiceId": "v-female-R2s4N9qJ"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(scope="module")
def server(start_server):
    return start_server("--now", str(NOW), "--freeze", "--rate-limit", "off",
                        "--media-url-base", "https://media.example/trtc")


@pytest.fixture(scope="module")
def client(server):
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


def advance(server, seconds):
    request = urllib.request.Request(f"http://{server.address}/_mock/clock", method="POST",
                                     data=json.dumps({"advance": seconds}).encode())
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def tone_wav(seconds, rate):
    """A WAV of a 220 Hz tone: 16-bit mono."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = int(seconds * rate)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 220 * n / rate)))
                               for n in range(frames)))
    return base64.b64encode(out.getvalue()).decode()


def test_text_to_speech_wav_reads_back_with_wave(client):
    response = call(client, "TextToSpeech", {"SdkAppId": APP, "Text": "你好，欢迎使用实时音视频。", "Voice": VOICE,
                                             "AudioFormat": {"Format": "wav", "SampleRate": 16000}})
    with wave.open(io.BytesIO(base64.b64decode(response.Audio))) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000)
        assert w.getnframes() * 1000 // 16000 == response.TotalDurationMs
        frames = w.readframes(w.getnframes())
    assert 2000 < response.TotalDurationMs < 5000
    assert max(abs(s) for (s,) in struct.iter_unpack("<h", frames)) > 1000, "the audio is not silence"
    expect_error("InvalidParameter.Speed", client, "TextToSpeech",
                 {"SdkAppId": APP, "Text": "x", "Voice": {**VOICE, "Speed": 2.5}})


def test_a_cloned_voice_speaks_through_text_to_speech(client):
    voice_id = call(client, "VoiceClone", {"SdkAppId": APP, "VoiceName": "my_voice",
                                           "PromptAudio": tone_wav(6.5, 16000)}).VoiceId
    response = call(client, "TextToSpeech", {"SdkAppId": APP, "Text": "克隆", "Voice": {"VoiceId": voice_id},
                                             "AudioFormat": {"Format": "mp3"}})
    assert base64.b64decode(response.Audio)[:2] == b"\xff\xf3", "an MPEG-2 Layer III frame"
    expect_error("InvalidParameter.AudioPrompt", client, "VoiceClone",
                 {"SdkAppId": APP, "VoiceName": "short", "PromptAudio": tone_wav(3, 16000)})
    expect_error("InvalidParameter.VoiceId", client, "TextToSpeech",
                 {"SdkAppId": APP + 1, "Text": "x", "Voice": {"VoiceId": voice_id}})


def test_async_synthesis_processes_then_succeeds_then_expires(client, server):
    task = call(client, "AsyncTextToSpeech", {"SdkAppId": APP, "Text": "长" * 400, "Voice": VOICE}).TaskId
    assert UUID.fullmatch(task), task
    assert call(client, "DescribeAsyncTextToSpeech", {"TaskId": task}).Status == "Processing"
    advance(server, 10)
    done = call(client, "DescribeAsyncTextToSpeech", {"TaskId": task})
    assert (done.Status, done.TotalDurationMs) == ("Success", 100000)
    assert done.AudioDownloadUrl == f"https://media.example/trtc/async-tts/{task}/result.mp3"
    advance(server, 86400)
    assert call(client, "DescribeAsyncTextToSpeech", {"TaskId": task}).Status == "Expired"
    expect_error("FailedOperation.TaskNotExist", client, "DescribeAsyncTextToSpeech",
                 {"TaskId": "86edb448-dc2f-4853-be31-8f05c7d3f6fe"})
    expect_error("InvalidParameter.TextLength", client, "AsyncTextToSpeech",
                 {"SdkAppId": APP, "Text": "字" * 25001, "Voice": VOICE})


def test_voiceprints_register_describe_and_delete(client):
    registered = call(client, "RegisterVoicePrint", {"Audio": tone_wav(9, 16000), "ReqTimestamp": NOW * 1000,
                                                     "AudioFormat": 0, "AudioName": "alice"})
    found = call(client, "DescribeVoicePrint", {"DescribeMode": 0, "VoicePrintIdList": [registered.VoicePrintId]})
    assert found.TotalCount == 1 and found.Data[0].AudioName == "alice"
    page = call(client, "DescribeVoicePrint", {"DescribeMode": 1, "PageIndex": 1, "PageSize": 20})
    assert registered.VoicePrintId in [p.VoicePrintId for p in page.Data]
    call(client, "UpdateVoicePrint", {"VoicePrintId": registered.VoicePrintId, "ReqTimestamp": NOW * 1000 + 1,
                                      "AudioMetaInfo": "meta"})
    call(client, "DeleteVoicePrint", {"VoicePrintId": registered.VoicePrintId})
    expect_error("FailedOperation.UpdateVoicePrintIdNotFound", client, "DeleteVoicePrint",
                 {"VoicePrintId": registered.VoicePrintId})
    expect_error("InvalidParameter.InvalidAudioInput", client, "RegisterVoicePrint",
                 {"Audio": tone_wav(9, 8000), "ReqTimestamp": NOW * 1000, "AudioFormat": 0, "AudioName": "bob"})


def test_vocabularies_create_list_download_and_limit(client):
    words = [{"Word": "腾讯云", "Weight": 10}, {"Word": "语音识别", "Weight": 5}]
    vocab = call(client, "CreateRecognizeVocabV3", {"SdkAppId": APP, "Name": "main", "WordWeights": words}).VocabId
    listed = call(client, "GetRecognizeVocabListV3", {"SdkAppId": APP})
    assert listed.TotalCount == 1 and listed.VocabList[0].VocabId == vocab
    downloaded = call(client, "DownloadRecognizeVocabV3", {"SdkAppId": APP, "VocabId": vocab})
    assert base64.b64decode(downloaded.WordWeightStr).decode() == "腾讯云|10\n语音识别|5"
    for i in range(29):
        call(client, "CreateRecognizeVocabV3", {"SdkAppId": APP, "Name": f"v{i}"})
    expect_error("LimitExceeded.VocabFull", client, "CreateRecognizeVocabV3", {"SdkAppId": APP, "Name": "one_more"})
    expect_error("InvalidParameterValue.InvalidWordWeight", client, "UpdateRecognizeVocabV3",
                 {"SdkAppId": APP, "VocabId": vocab, "WordWeights": [{"Word": "词", "Weight": 12}]})
