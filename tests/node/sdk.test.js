"use strict";
// Conformance suite: the official, unmodified tencentcloud-sdk-nodejs against trtc-mock.
//
//   cd tests/node && npm ci && TRTC_MOCK_BIN=$PWD/../../target/debug/trtc-mock node --test
//
// TRTC_MOCK_BIN defaults to target/debug/trtc-mock of the repository (build it with
// `cargo build`); a relative path is taken from the current directory, else from the
// repository root. Every request goes through the SDK's product client
// (trtc.v20190722.Client) or its CommonClient, signed as an application would sign it, and
// every answer is checked against the emulator's catalogue (spec/trtc-2019-07-22.json).

const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { describe, test, before, after } = require("node:test");

const { REPO_ROOT, SECRET_ID, SECRET_KEY, UUID, startServer, stopServers, control } = require("./harness");

const tencentcloud = require("tencentcloud-sdk-nodejs");
const { CommonClient } = require("tencentcloud-sdk-nodejs/tencentcloud/common");

const TrtcClient = tencentcloud.trtc.v20190722.Client;

const CATALOGUE = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "spec", "trtc-2019-07-22.json"), "utf8"));
const FIXTURE_FILE = path.join(REPO_ROOT, "fixtures", "describe-user-info-example.json");

const NOW = 1764000000;
const APP = 1400000001;
const HOUR = 3600;

// The documentation example of DescribeUserInfo, served from the fixture file.
const DOC_NOW = 1590066000;
const DOC_REQUEST = {
  StartTime: 1590065777,
  CommId: "1400188366_218695_1590065777",
  UserIds: ["user1_54816741", "user2_2107025"],
  SdkAppId: 1400188366,
  EndTime: 1590065877,
};
const DOC_USERS = [
  { RoomStr: "218695", UserId: "user1_54816741", JoinTs: 1590065777, LeaveTs: 1590067658, DeviceType: "",
    SdkVersion: "4.3.14", ClientIp: "10.4.1.13", Finished: true },
  { RoomStr: "218695", UserId: "user2_2107025", JoinTs: 1590065700, LeaveTs: 1590067693, DeviceType: "",
    SdkVersion: "4.3.14", ClientIp: "10.4.1.13", Finished: true },
];

// ---------------------------------------------------------------------------- catalogue

const ACTIONS = CATALOGUE.actions;
const OBJECTS = CATALOGUE.objects;

const inEdition = (member, edition) => member.editions.includes(edition) && !member.disabled;
const isRequired = (member, edition) =>
  member.required || (member.required_editions || []).includes(edition);

function scalarValue(member, edition) {
  const { name, type } = member;
  if (name.toLowerCase() === "sdkappid") return type === "string" ? String(APP) : APP;
  if (name === "StartTime" || name === "EndTime") {
    const start = name === "StartTime";
    if (type === "uint64" || type === "int64") return start ? NOW - 1800 : NOW;
    if (type === "date") return start ? "2025-11-23" : "2025-11-24";
    return start ? "2025-11-23 00:00:00" : "2025-11-23 12:00:00";
  }
  if (name === "CommId") return `${APP}_1_${NOW - 1800}`;
  switch (type) {
    case "uint64": case "int64": return 1;
    case "float": return 1.5;
    case "bool": return false;
    case "object": return minimalObject(member.object, edition);
    default: return "x";
  }
}

/** Every required member of the object, recursively. An object without required members
 * gets its first member, so that the v1 signature's flattening (Name.Member=value) sends it. */
function minimalObject(objectName, edition) {
  const members = OBJECTS[objectName].members.filter((member) => inEdition(member, edition));
  let chosen = members.filter((member) => isRequired(member, edition));
  if (chosen.length === 0) chosen = members.slice(0, 1);
  const result = {};
  for (const member of chosen) {
    const value = scalarValue(member, edition);
    result[member.name] = member.list ? [value] : value;
  }
  return result;
}

// Required members whose format or enumeration the action checks beyond the catalogue's types
// (the usage family's dates, MixType, AuType, Type).
const USAGE_DATES = { StartTime: "2025-11-23", EndTime: "2025-11-24", MixType: "single" };
const CHECKED_VALUES = {
  DescribeTrtcUsage: USAGE_DATES,
  DescribeRecordingUsage: USAGE_DATES,
  DescribeMixTranscodingUsage: USAGE_DATES,
  DescribeRelayUsage: USAGE_DATES,
  DescribeTrtcRoomUsage: { StartTime: "2025-11-23 00:00", EndTime: "2025-11-23 12:00" },
  DescribeTRTCAIRecognitionUsage: { AuType: ["conversation"] },
  DescribeTRTCSegmentModerationUsage: { Type: "audio" },
};

function minimalRequest(action, edition = "cn") {
  const request = minimalObject(ACTIONS[action].input, edition);
  for (const [name, value] of Object.entries(CHECKED_VALUES[action] || {})) {
    if (name in request) request[name] = value;
  }
  return request;
}

function regionOf(action) {
  const { regions } = ACTIONS[action];
  return regions ? regions[0] : "ap-guangzhou";
}

const JSON_TYPES = {
  string: (v) => typeof v === "string",
  date: (v) => typeof v === "string",
  datetime: (v) => typeof v === "string",
  uint64: (v) => Number.isInteger(v) && v >= 0,
  int64: (v) => Number.isInteger(v),
  float: (v) => typeof v === "number" && Number.isFinite(v),
  bool: (v) => typeof v === "boolean",
  object: (v) => v !== null && typeof v === "object" && !Array.isArray(v),
};

/** Every non-nullable member of the catalogue object (for `edition`) is present: the
 * required ones, and the optional ones too, since the emulator answers with every member;
 * every member present is a catalogue member of that type; recursively into nested objects. */
function assertConforms(objectName, value, edition, where = objectName) {
  assert.ok(JSON_TYPES.object(value), `${where}: expected an object, got ${JSON.stringify(value)}`);
  const members = new Map(OBJECTS[objectName].members.map((member) => [member.name, member]));
  for (const [name, member] of members) {
    if (inEdition(member, edition) && !member.nullable) {
      assert.ok(value[name] !== undefined && value[name] !== null, `${where}.${name} is missing: ${JSON.stringify(value)}`);
    }
  }
  for (const [name, item] of Object.entries(value)) {
    const member = members.get(name);
    assert.ok(member, `${where}.${name} is not a member of ${objectName} in the catalogue`);
    if (item === null) {
      assert.ok(member.nullable, `${where}.${name} is null but not nullable`);
      continue;
    }
    const items = member.list ? item : [item];
    if (member.list) assert.ok(Array.isArray(item), `${where}.${name} = ${JSON.stringify(item)}: expected a list`);
    items.forEach((element, index) => {
      const here = member.list ? `${where}.${name}[${index}]` : `${where}.${name}`;
      assert.ok(JSON_TYPES[member.type](element), `${here} = ${JSON.stringify(element)}: expected ${member.type}`);
      if (member.type === "object") assertConforms(member.object, element, edition, here);
    });
  }
}

function assertResponse(action, response, edition = "cn") {
  assertConforms(ACTIONS[action].output, response, edition, `${action}Response`);
  assert.match(response.RequestId, UUID);
}

// ---------------------------------------------------------------------------- clients

function profile(server, extra = {}) {
  return { ...extra, httpProfile: { endpoint: server.address, protocol: "http://", reqTimeout: 10, ...(extra.httpProfile || {}) } };
}

function trtcClient(server, region, { secretKey = SECRET_KEY, ...extra } = {}) {
  return new TrtcClient({ credential: { secretId: SECRET_ID, secretKey }, region, profile: profile(server, extra) });
}

/** Calls `action` through the product client's own method with `params` (default: the
 * catalogue's minimal request) in the action's region, and checks the answer. */
async function call(server, action, params = minimalRequest(action), { region = regionOf(action), ...options } = {}) {
  const client = trtcClient(server, region, options);
  assert.equal(typeof client[action], "function", `the SDK has no method ${action}`);
  const response = await client[action](params);
  assertResponse(action, response);
  return response;
}

// ---------------------------------------------------------------------------- tests

describe("tencentcloud-sdk-nodejs against trtc-mock", () => {
  let gen;
  let doc;
  const checked = new Set();

  before(async () => {
    [gen, doc] = await Promise.all([
      startServer("--now", String(NOW), "--freeze", "--rate-limit", "off"),
      startServer("--fixtures", FIXTURE_FILE, "--now", String(DOC_NOW), "--freeze", "--rate-limit", "off"),
    ]);
  });

  after(stopServers);

  test("DescribeUserInfo: the documentation example (two users)", async () => {
    const response = await call(doc, "DescribeUserInfo", DOC_REQUEST);
    assert.equal(response.Total, 2);
    const users = [...response.UserList].sort((a, b) => a.UserId.localeCompare(b.UserId));
    assert.deepEqual(users, DOC_USERS);
    checked.add("DescribeUserInfo");
  });

  test("DescribeRoomInfo: the generated rooms of the last hour", async () => {
    const response = await call(gen, "DescribeRoomInfo", { SdkAppId: APP, StartTime: NOW - HOUR, EndTime: NOW, PageNumber: 0, PageSize: 100 });
    assert.ok(response.Total > 0 && response.RoomList.length === response.Total, JSON.stringify(response));
    for (const room of response.RoomList) {
      assert.match(room.CommId, new RegExp(`^${APP}_\\d+_${room.CreateTime}$`));
      assert.ok(room.CreateTime <= NOW && room.DestroyTime >= NOW - HOUR, JSON.stringify(room));
    }
    checked.add("DescribeRoomInfo");
  });

  const GENERATED = [
    "DismissRoom", "RemoveUser",
  ];
  /** Puts user "x" in numeric room 1 and string room "x" (the rooms of the minimal requests),
   * so that the room-control actions find someone to act on. */
  async function occupyRooms(server) {
    for (const room of [1, "x"]) {
      await control(server, "rooms/join", { sdk_app_id: APP, room_id: room, user_id: "x" });
    }
  }

  for (const action of GENERATED) {
    test(`${action} (${regionOf(action)})`, async () => {
      await occupyRooms(gen);
      await call(gen, action);
      checked.add(action);
    });
  }

  test("StartPublishCdnStream, StopPublishCdnStream: a relay robot enters the room and leaves", async () => {
    await occupyRooms(gen);
    const started = await call(gen, "StartPublishCdnStream", {
      SdkAppId: APP, RoomId: "1", RoomIdType: 0, AgentParams: { UserId: "relay_node", UserSig: "sig" },
      WithTranscoding: 1, AudioParams: { AudioEncode: { SampleRate: 48000, Channel: 2, BitRate: 64 } },
      PublishCdnParams: [{ PublishCdnUrl: "rtmp://push.example.com/live/node", IsTencentCdn: 1 }],
    });
    const stopped = await call(gen, "StopPublishCdnStream", { SdkAppId: APP, TaskId: started.TaskId });
    assert.equal(stopped.TaskId, started.TaskId);
    await assert.rejects(call(gen, "StopPublishCdnStream", { SdkAppId: APP, TaskId: started.TaskId }),
      (error) => error.code === "ResourceNotFound");
    checked.add("StartPublishCdnStream");
    checked.add("StopPublishCdnStream");
  });
  const WEB_RECORD = {
    RecordUrl: "https://page.example/", SdkAppId: APP,
    StorageParams: { CloudStorage: { Vendor: 0, Region: "ap-guangzhou", Bucket: "b", AccessKey: "a", SecretKey: "s" } },
  };

  test("StartWebRecord is served in the regions of both editions' pages", async () => {
    // CN page: ap-beijing, ap-guangzhou, ap-shanghai; intl page: ap-singapore.
    assert.deepEqual(ACTIONS.StartWebRecord.regions, ["ap-beijing", "ap-guangzhou", "ap-shanghai", "ap-singapore"]);
    const started = await call(gen, "StartWebRecord", WEB_RECORD, { region: "ap-guangzhou" });
    const described = await call(gen, "DescribeWebRecord", { TaskId: started.TaskId });
    assert.equal(described.Status, 1);
    await call(gen, "StopWebRecord", { TaskId: started.TaskId });
    await assert.rejects(call(gen, "StartWebRecord", WEB_RECORD, { region: "ap-tokyo" }),
      (error) => error.code === "UnsupportedRegion");
    checked.add("StartWebRecord");
  });

  test("StartStreamIngest: the robot plays into the room until stopped", async () => {
    const started = await call(gen, "StartStreamIngest", {
      SdkAppId: APP, RoomId: "9001", RoomIdType: 1, UserId: "node_ingest", UserSig: "s", StreamUrl: "rtmp://live.example/app/s",
    });
    const describe = { SdkAppId: APP, TaskId: started.TaskId };
    assert.equal((await call(gen, "DescribeStreamIngest", describe)).Status, "InProgress");
    assert.equal((await call(gen, "UpdateStreamIngest", { ...describe, Volume: 50 })).Status, "InProgress");
    await call(gen, "StopStreamIngest", describe);
    assert.equal((await call(gen, "DescribeStreamIngest", describe)).Status, "NotExist");
    checked.add("StartStreamIngest");
  });

  test("TextToSpeechSSE: an event stream of chunks that make up the audio", async () => {
    // 你好，欢迎。: five CJK characters of 250 ms each, 16-bit mono PCM at 16 kHz.
    const request = {
      SdkAppId: APP, Text: "你好，欢迎。", Voice: { VoiceId: "v-female-R2s4N9qJ" },
      AudioFormat: { Format: "pcm", SampleRate: 16000 },
    };
    const stream = await trtcClient(gen, regionOf("TextToSpeechSSE")).TextToSpeechSSE(request);
    assert.equal(typeof stream[Symbol.asyncIterator], "function", `expected an SSE stream, got ${JSON.stringify(stream)}`);
    const chunks = [];
    for await (const message of stream) chunks.push(JSON.parse(message.data));
    assert.ok(chunks.length > 1, `${chunks.length} chunks`);
    chunks.forEach((chunk, seq) => {
      assert.equal(chunk.Type, "chunk");
      assert.equal(chunk.Seq, seq);
      assert.equal(chunk.IsEnd, seq === chunks.length - 1);
      assert.ok(typeof chunk.Audio === "string" && chunk.Audio.length > 0);
      assert.match(chunk.RequestId, UUID);
    });
    const audio = Buffer.concat(chunks.map((chunk) => Buffer.from(chunk.Audio, "base64")));
    assert.equal(audio.length, 1500 * 16 * 2, "1.5 s of 16-bit samples at 16 kHz");
    let peak = 0;
    for (let i = 0; i < audio.length; i += 2) peak = Math.max(peak, Math.abs(audio.readInt16LE(i)));
    assert.ok(peak > 1000, `the audio is not silence (peak ${peak})`);
    await assert.rejects(trtcClient(gen, regionOf("TextToSpeechSSE")).TextToSpeechSSE({ ...request, Voice: { VoiceId: "v-female-unknown" } }),
      (error) => error.code === "InvalidParameter.VoiceId");
    checked.add("TextToSpeechSSE");
  });

  test("SetUserBlocked (intl only) through the SDK's CommonClient", async () => {
    const client = new CommonClient("trtc.tencentcloudapi.com", "2019-07-22", {
      credential: { secretId: SECRET_ID, secretKey: SECRET_KEY },
      region: "ap-singapore",
      profile: profile(gen),
    });
    assert.deepEqual(ACTIONS.SetUserBlocked.editions, ["intl"]);
    await occupyRooms(gen);
    const params = minimalRequest("SetUserBlocked", "intl");
    assert.deepEqual(Object.keys(params).sort(), ["IsMute", "RoomId", "SdkAppId", "UserId"]);
    const response = await client.request("SetUserBlocked", params);
    assertResponse("SetUserBlocked", response, "intl");
    checked.add("SetUserBlocked");
  });

  test("wrong SecretKey: AuthFailure.SignatureFailure", async () => {
    await assert.rejects(call(gen, "DismissRoom", undefined, { secretKey: "wrong-secret" }), (error) => {
      assert.equal(error.code, "AuthFailure.SignatureFailure", String(error));
      assert.match(error.requestId, UUID);
      return true;
    });
  });

  for (const reqMethod of ["POST", "GET"]) {
    test(`signMethod HmacSHA256 (${reqMethod}): nested parameters sent flattened`, async () => {
      const options = { signMethod: "HmacSHA256", httpProfile: { reqMethod } };
      // A numeric room (RoomIdType defaults to 1 for recordings).
      await call(gen, "CreateCloudRecording", { ...minimalRequest("CreateCloudRecording"), RoomId: "1" }, options);
      await call(doc, "DescribeUserInfo", DOC_REQUEST, options);
    });
  }

  test("TC3 with GET", async () => {
    await call(gen, "StartAIConversation", {
      SdkAppId: APP, RoomId: "x", RoomIdType: 1, AgentConfig: { UserId: "bot_get", UserSig: "s", TargetUserId: "x" },
      LLMConfig: JSON.stringify({ LLMType: "openai", Model: "m", APIKey: "k", APIUrl: "https://llm.example/v1" }),
      TTSConfig: JSON.stringify({ TTSType: "flow", VoiceId: "v" }),
    }, { httpProfile: { reqMethod: "GET" } });
  });

  test("at least 10 actions were checked", (t) => {
    t.diagnostic(`node SDK: ${checked.size} actions checked: ${[...checked].sort().join(", ")}`);
    assert.ok(checked.size >= 10, `only ${checked.size}: ${[...checked].join(", ")}`);
  });
});
