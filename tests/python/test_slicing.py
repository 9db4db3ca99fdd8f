"""Cloud slicing and pictures through the official, unmodified tencentcloud-sdk-python.

A slicing task follows users who join, publish and leave, through to its exit, its files read
back from the control plane (/_mock/tasks); a picture is uploaded, listed, modified, used as the
legacy MCU mix's watermark (an id never uploaded refused) and deleted. One documented error per
action.
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
# A 16x16 baseline JPEG (CPython's imghdr test picture).
JPEG = ("/9j/4AAQSkZJRgABAQEAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQ"
        "CgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBD/"
        "wAARCAAQABADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAABwQF/8QAJBAAAQQBBAICAwAAAAAAAAAAAQIDBAYFBwgSExEiABQJMTL/"
        "xAAVAQEBAAAAAAAAAAAAAAAAAAAABv/EACMRAAECBQMFAAAAAAAAAAAAAAECEQMEBQYhABIxFRZhgeH/2gAMAwEAAhEDEQA/ABSm0mobc8Hm"
        "ExLUlRzzEWPkJWW+ulrsaUVAseUgslSlH9LKuPryIKuWPZdskzXmm3fX5m2nF4GlVxx/HOpx4ks51+MiU/Iaad7UcUo4tILoS4kqcWkezS0h"
        "O/HvuRp0rO6hWnWO1UisZVuFi4GFeyEpmGepa5S5SWVPuciFKRFLgSrwetnyPIB+Vb4N9mKhQMzo5po9XLdDs9d6ZVix2VEhiL9kuNPxw2gE"
        "KcDQ/rs8AuA8VAe0vdl7VOYn+27flGAUgmITjbhSmCg3BYlyeWDkMolvw4KOp1KM6iCNvngZHwetf//Z")


@pytest.fixture()
def server(start_server):
    return start_server(*FLAGS)


def client(server, region="ap-guangzhou"):
    http = HttpProfile(endpoint=server.address, protocol="http", reqTimeout=30)
    return trtc_client.TrtcClient(credential.Credential("AKIDmock", "mock-secret"), region,
                                  ClientProfile(httpProfile=http))


def call(server, action, params, region="ap-guangzhou"):
    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(params))
    return getattr(client(server, region), action)(request)


def error_of(server, action, params):
    with pytest.raises(TencentCloudSDKException) as caught:
        call(server, action, params)
    return caught.value.get_code()


def control(server, path, body):
    request = urllib.request.Request(f"http://{server.address}/_mock/{path}", data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def shown(server, **query):
    query = urllib.parse.urlencode({"sdk_app_id": APP, **query})
    with urllib.request.urlopen(f"http://{server.address}/_mock/tasks?{query}") as response:
        return json.load(response)


def room(server, path, user, **extra):
    control(server, f"rooms/{path}", {"sdk_app_id": APP, "room_id": 6001, "user_id": user, **extra})


def advance(server, seconds):
    control(server, "clock", {"advance": seconds})


def slicing(**extra):
    params = {
        "SdkAppId": APP, "RoomId": "6001", "UserId": "slicer_1", "UserSig": "sig",
        "SliceParams": {"SliceType": 3, "SliceAudio": 15, "SliceVideo": 10, "MaxIdleTime": 30},
        "SliceStorageParams": {"CloudSliceStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "b-125",
                                                     "AccessKey": "ak", "SecretKey": "sk",
                                                     "FileNamePrefix": ["class"]}},
    }
    params.update(extra)
    return params


def status(server, task):
    return call(server, "DescribeCloudSliceTask", {"SdkAppId": APP, "TaskId": task}).Status


def test_a_slicing_task_follows_users_who_join_publish_and_leave_through_to_exit(server):
    room(server, "join", "teacher", audio=False, video=False)
    task = call(server, "CreateCloudSliceTask", slicing(), region="ap-singapore").TaskId
    assert status(server, task) == "Idle"
    room(server, "publish", "teacher", audio=True, video=True)
    room(server, "join", "student", audio=True, video=False)
    assert status(server, task) == "InProgress"
    advance(server, 30)
    # Only the teacher from now on.
    modified = call(server, "ModifyCloudSliceTask", {"SdkAppId": APP, "TaskId": task,
                                                      "SubscribeStreamUserIds": {"SubscribeAudioUserIds": ["teacher"],
                                                                                 "SubscribeVideoUserIds": ["teacher"]}})
    assert modified.TaskId == task
    advance(server, 30)
    room(server, "leave", "teacher")
    room(server, "leave", "student")
    advance(server, 29)
    assert status(server, task) == "Idle"
    advance(server, 1)
    assert status(server, task) == "Exited"
    advance(server, 10)
    assert error_of(server, "DescribeCloudSliceTask", {"SdkAppId": APP, "TaskId": task}) == "ResourceNotFound"

    listed = shown(server, family="cloud_slice")["tasks"][0]
    assert listed["ended"] == {"at": NOW + 90, "reason": "idle_timeout"}
    files = listed["files"]
    teacher_audio = [f for f in files if f["user_id"] == "teacher" and f["kind"] == "audio"]
    teacher_images = [f for f in files if f["user_id"] == "teacher" and f["kind"] == "image"]
    student_audio = [f for f in files if f["user_id"] == "student"]
    assert [f["begin_time"] - NOW for f in teacher_audio] == [0, 15, 30, 45]
    assert [f["begin_time"] - NOW for f in teacher_images] == [0, 10, 20, 30, 40, 50]
    assert [f["begin_time"] - NOW for f in student_audio] == [0, 15], "dropped at the Modify"
    assert teacher_audio[0]["path"] == f"{task}/teacher/audios/{APP}_6001_teacher_20251124160000.ogg"
    assert teacher_images[1]["url"].endswith(f"/cos/b-125/class/{task}/teacher/images/{APP}_6001_teacher_20251124160010.png")


def test_slicing_errors(server):
    room(server, "join", "teacher", audio=False, video=False)
    assert error_of(server, "CreateCloudSliceTask", slicing(SliceParams={"SliceType": 4})) == "InvalidParameter.OutOfRange"
    task = call(server, "CreateCloudSliceTask", slicing()).TaskId
    call(server, "DeleteCloudSliceTask", {"SdkAppId": APP, "TaskId": task})
    advance(server, 10)
    for action in ("DescribeCloudSliceTask", "ModifyCloudSliceTask", "DeleteCloudSliceTask"):
        assert error_of(server, action, {"SdkAppId": APP, "TaskId": task}) == "ResourceNotFound"


def mix(water_mark_id):
    return {
        "SdkAppId": APP, "RoomId": 6001, "OutputParams": {"StreamId": "mix_6001"},
        "EncodeParams": {"AudioSampleRate": 48000, "AudioBitrate": 64, "AudioChannels": 2, "VideoWidth": 640,
                         "VideoHeight": 360, "VideoBitrate": 800, "VideoFramerate": 15, "VideoGop": 2},
        "LayoutParams": {"Template": 0, "WaterMarkParams": {"WaterMarkId": water_mark_id, "WaterMarkWidth": 60,
                                                            "WaterMarkHeight": 40, "LocationX": 10, "LocationY": 20}},
    }


def test_a_picture_is_created_listed_modified_used_as_a_watermark_and_deleted(server):
    picture = call(server, "CreatePicture", {"SdkAppId": APP, "Content": JPEG, "Suffix": "jpg", "Height": 40,
                                             "Width": 60, "XPosition": 10, "YPosition": 20}).PictureId
    assert picture == 10001
    listed = call(server, "DescribePicture", {"SdkAppId": APP})
    assert listed.Total == 1
    assert [(p.PictureId, p.Width, p.Height, p.XPosition, p.YPosition, p.SdkAppId) for p in listed.PictureInfo] == \
        [(picture, 60, 40, 10, 20, APP)]
    call(server, "ModifyPicture", {"SdkAppId": APP, "PictureId": picture, "Width": 80})
    listed = call(server, "DescribePicture", {"SdkAppId": APP, "PictureId": picture, "PageNo": 1, "PageSize": 10})
    assert listed.PictureInfo[0].Width == 80 and listed.PictureInfo[0].Height == 40

    room(server, "join", "teacher")
    call(server, "StartMCUMixTranscode", mix(picture))
    assert error_of(server, "StartMCUMixTranscode", mix(picture + 1)) == "InvalidParameter"
    call(server, "StopMCUMixTranscode", {"SdkAppId": APP, "RoomId": 6001})

    call(server, "DeletePicture", {"SdkAppId": APP, "PictureId": picture})
    assert call(server, "DescribePicture", {"SdkAppId": APP}).Total == 0
    assert shown(server)["pictures"] == []


def test_picture_errors(server):
    assert error_of(server, "CreatePicture", {"SdkAppId": APP, "Content": JPEG, "Suffix": "png", "Height": 1,
                                              "Width": 1, "XPosition": 0, "YPosition": 0}) == \
        "InvalidParameter.CheckSuffixFailed"
    assert error_of(server, "CreatePicture", {"SdkAppId": APP, "Content": JPEG[:200], "Suffix": "jpg", "Height": 1,
                                              "Width": 1, "XPosition": 0, "YPosition": 0}) == \
        "InvalidParameter.CheckContentFailed"
    assert error_of(server, "DescribePicture", {"SdkAppId": APP, "PageNo": 0}) == "InvalidParameter"
    assert error_of(server, "ModifyPicture", {"SdkAppId": APP, "PictureId": 5, "Width": 1}) == "InvalidParameter"
    assert error_of(server, "DeletePicture", {"SdkAppId": APP, "PictureId": 5}) == "InvalidParameter.PictureNotFound"
