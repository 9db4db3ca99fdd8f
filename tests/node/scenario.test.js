"use strict";
// A class, end to end, through the official, unmodified tencentcloud-sdk-nodejs (the product
// client, and its CommonClient for the intl-only SetUserBlocked): the same scenario as
// tests/python/test_scenario.py. Users join through the control plane; the backend records the
// class and relays it to a CDN, kicks a student, blocks another; the class ends and the tasks exit
// MaxIdleTime after the last anchor left; the room is dismissed with the audience in it; then the
// backend sees the tasks gone with the documented codes, and the call record and the usage show
// what happened. Frozen clock, a fixture app without rooms.
//
//   cd tests/node && npm ci && TRTC_MOCK_BIN=$PWD/../../target/debug/trtc-mock node --test

const assert = require("node:assert/strict");
const { describe, test, before, after } = require("node:test");

const { SECRET_ID, SECRET_KEY, UUID, startServer, stopServers, control } = require("./harness");
const tencentcloud = require("tencentcloud-sdk-nodejs");
const { CommonClient } = require("tencentcloud-sdk-nodejs/tencentcloud/common");

const T0 = 1764000000; // 2025-11-25 00:00 UTC+8
const APP = 1400000777;
const ROOM = 501;
const STORAGE = { CloudStorage: { Vendor: 0, Region: "ap-guangzhou", Bucket: "class-1250000000", AccessKey: "ak",
  SecretKey: "sk", FileNamePrefix: ["class", "501"] } };

/** The README's rounding: seconds / 60, half up, two decimals. */
const minutes = (seconds) => Math.floor((seconds * 10 + 3) / 6) / 100;

describe("a class through tencentcloud-sdk-nodejs", () => {
  let server;
  let trtc;
  let common;
  let now = T0;

  before(async () => {
    server = await startServer("--now", String(T0), "--freeze", "--rate-limit", "off");
    await control(server, "fixtures", { Apps: [{ SdkAppId: APP, Rooms: [] }] });
    const profile = { httpProfile: { endpoint: server.address, protocol: "http://", reqTimeout: 30 } };
    const credential = { secretId: SECRET_ID, secretKey: SECRET_KEY };
    trtc = new tencentcloud.trtc.v20190722.Client({ credential, region: "ap-guangzhou", profile });
    common = new CommonClient("trtc.tencentcloudapi.com", "2019-07-22", { credential, region: "ap-singapore", profile });
  });
  after(stopServers);

  const advanceTo = async (at) => {
    assert.ok(at >= now);
    await control(server, "clock", { advance: at - now });
    now = at;
  };
  const join = (user, { role = "anchor", audio = true, video = false } = {}) =>
    control(server, "rooms/join", { sdk_app_id: APP, room_id: ROOM, user_id: user, role, audio, video });
  const leave = (user) => control(server, "rooms/leave", { sdk_app_id: APP, room_id: ROOM, user_id: user });
  const ok = async (promise) => {
    const response = await promise;
    assert.match(response.RequestId, UUID);
    return response;
  };
  const codeOf = async (promise) => {
    try {
      await promise;
    } catch (error) {
      assert.match(error.requestId, UUID, String(error));
      return error.code;
    }
    assert.fail("the call succeeded");
  };
  const taskOf = async (taskId) => {
    const { tasks } = await control(server, `tasks?sdk_app_id=${APP}&task_id=${encodeURIComponent(taskId)}`);
    assert.equal(tasks.length, 1);
    return tasks[0];
  };
  const roomNow = async () => (await control(server, `rooms?sdk_app_id=${APP}`)).rooms.find((r) => r.room_id === ROOM);

  test("from the first join to the bill", async () => {
    assert.equal(await codeOf(trtc.DismissRoom({ SdkAppId: APP, RoomId: ROOM })), "FailedOperation.RoomNotExist");
    assert.equal(await codeOf(trtc.DescribeCloudRecording({ SdkAppId: APP, TaskId: "nonexistent" })), "ResourceNotFound");

    // 1. The class starts.
    await join("teacher", { video: true });
    for (const student of ["s1", "s2", "s3"]) await join(student);
    await join("parent", { role: "audience", audio: false });

    // 2. Recording and a relay to a CDN outside Tencent's start; the backend polls the recording.
    await advanceTo(T0 + 10);
    const { TaskId: recording } = await ok(trtc.CreateCloudRecording({
      SdkAppId: APP, RoomId: String(ROOM), RoomIdType: 1, UserId: "recorder", UserSig: "sig",
      RecordParams: { RecordMode: 1, MaxIdleTime: 30 }, StorageParams: STORAGE,
    }));
    const described = await ok(trtc.DescribeCloudRecording({ SdkAppId: APP, TaskId: recording }));
    assert.equal(described.Status, "InProgress");
    assert.deepEqual([...new Set(described.StorageFileList.map((f) => f.UserId))].sort(), ["s1", "s2", "s3", "teacher"]);
    assert.ok(described.StorageFileList.every((f) => f.BeginTimeStamp === (T0 + 10) * 1000));
    assert.ok((await roomNow()).users.some((u) => u.user_id === "recorder" && u.task_id === recording));
    const { TaskId: relay } = await ok(trtc.StartPublishCdnStream({
      SdkAppId: APP, RoomId: String(ROOM), RoomIdType: 0, WithTranscoding: 1,
      AgentParams: { UserId: "relay_agent", UserSig: "sig", MaxIdleTime: 30 },
      AudioParams: { AudioEncode: { SampleRate: 48000, Channel: 2, BitRate: 64 } },
      VideoParams: { VideoEncode: { Width: 1280, Height: 720, Fps: 15, BitRate: 1500, Gop: 2 } },
      PublishCdnParams: [{ PublishCdnUrl: "rtmp://push.example.com/live/class501", IsTencentCdn: 0 }],
    }));
    assert.equal((await taskOf(relay)).state, "working");

    // 3. A student is kicked, another is muted.
    await advanceTo(T0 + 600);
    await ok(trtc.RemoveUser({ SdkAppId: APP, RoomId: ROOM, UserIds: ["s1"] }));
    const blocked = await common.request("SetUserBlocked", { SdkAppId: APP, RoomId: ROOM, UserId: "s2", IsMute: 1 });
    assert.match(blocked.RequestId, UUID);
    assert.equal(await codeOf(common.request("SetUserBlocked", { SdkAppId: APP, RoomId: ROOM, UserId: "s1", IsMute: 1 })),
      "FailedOperation.UserNotExist");
    const users = Object.fromEntries((await roomNow()).users.map((u) => [u.user_id, u]));
    assert.ok(!("s1" in users));
    assert.deepEqual([users.s2.publishing, users.s2.blocked], [[], ["audio", "video", "sub_stream"]]);

    // 4. The class ends; the parent is still watching.
    await advanceTo(T0 + 1800);
    for (const user of ["teacher", "s2", "s3"]) await leave(user);

    // 5. MaxIdleTime later the recording exits, shows Exited for a while, then is gone.
    await advanceTo(T0 + 1829);
    assert.equal((await ok(trtc.DescribeCloudRecording({ SdkAppId: APP, TaskId: recording }))).Status, "Idle");
    await advanceTo(T0 + 1830);
    assert.equal((await ok(trtc.DescribeCloudRecording({ SdkAppId: APP, TaskId: recording }))).Status, "Exited");
    await advanceTo(T0 + 1840);
    assert.equal(await codeOf(trtc.DescribeCloudRecording({ SdkAppId: APP, TaskId: recording })), "ResourceNotFound");
    assert.equal(await codeOf(trtc.DeleteCloudRecording({ SdkAppId: APP, TaskId: recording })), "ResourceNotFound");
    assert.deepEqual((await taskOf(relay)).ended, { at: T0 + 1830, reason: "idle_timeout" });
    assert.equal(await codeOf(trtc.UpdatePublishCdnStream({ SdkAppId: APP, TaskId: relay, SequenceNumber: 1, WithTranscoding: 1 })),
      "FailedOperation.TaskFinished");
    assert.equal(await codeOf(trtc.StopPublishCdnStream({ SdkAppId: APP, TaskId: relay })), "ResourceNotFound");

    // 6. The room is dismissed with the parent in it; a second dismissal finds no room.
    await advanceTo(T0 + 1900);
    await ok(trtc.DismissRoom({ SdkAppId: APP, RoomId: ROOM }));
    assert.equal(await codeOf(trtc.DismissRoom({ SdkAppId: APP, RoomId: ROOM })), "FailedOperation.RoomNotExist");

    // 7. The call record.
    const rooms = await ok(trtc.DescribeRoomInfo({ SdkAppId: APP, StartTime: T0 - 60, EndTime: T0 + 3600 }));
    assert.deepEqual(rooms.RoomList.map((r) => [r.RoomString, r.CreateTime, r.DestroyTime]), [[String(ROOM), T0, T0 + 1900]]);
    const stays = await ok(trtc.DescribeUserInfo({ SdkAppId: APP, CommId: rooms.RoomList[0].CommId, StartTime: T0 - 60,
      EndTime: T0 + 3600, PageNumber: 0, PageSize: 100 }));
    const byUser = Object.fromEntries(stays.UserList.map((u) => [u.UserId, [u.JoinTs, u.LeaveTs, u.Finished]]));
    assert.deepEqual(byUser.teacher, [T0, T0 + 1800, true]);
    assert.deepEqual(byUser.s1, [T0, T0 + 600, true], "kicked by RemoveUser");
    assert.deepEqual(byUser.s3, [T0, T0 + 1800, true]);
    assert.deepEqual(byUser.parent, [T0, T0 + 1900, true], "dismissed with the room");

    // 8. The bill, in daily rows: the recording bills what it recorded while it worked; the viewers their
    // subscriptions, the recorder robot not among them.
    const days = { SdkAppId: APP, StartTime: "2025-11-24", EndTime: "2025-11-25" };
    const recordingUsage = await ok(trtc.DescribeRecordingUsage({ ...days, MixType: "single" }));
    assert.deepEqual(recordingUsage.UsageList.map((u) => [u.TimeKey, u.UsageValue]), [
      ["2025-11-24 00:00:00", [0, 0, 0, 0, 0, 0]],
      ["2025-11-25 00:00:00", [minutes(590 + 590 + 1790), minutes(1790), 0, 0, 0, 0]],
    ]);
    const trtcUsage = await ok(trtc.DescribeTrtcUsage(days));
    const relayUsage = await ok(trtc.DescribeRelayUsage(days));
    assert.deepEqual(relayUsage.UsageList.map((u) => u.UsageValue), [[0], [1.564]]);
    const mixing = await ok(trtc.DescribeMixTranscodingUsage(days));
    assert.equal(mixing.UsageKey[3], "FullHDH264");
    assert.deepEqual(mixing.UsageList[1].UsageValue, [0, 0, 0, minutes(1790), 0, 0, 0, 0, 0, 0, 0]);
    const legacy = (await ok(trtc.DescribeTrtcMcuTranscodeTime(days))).Usages[0].SdkAppIdTranscodeTimeUsages[1];
    assert.deepEqual(legacy, { TimeKey: "2025-11-25", AudioTime: 0, VideoTimeSd: 0, VideoTimeHd: 1790, VideoTimeFhd: 0, Flux: 1.564 });
    assert.deepEqual(trtcUsage.UsageList[1].UsageValue, [minutes(1800 + 100), minutes(600 + 1800 + 1800 + 1800), 0, 0, 0, 0]);
  });
});
