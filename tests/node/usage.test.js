"use strict";
// The usage and billing family through the official, unmodified tencentcloud-sdk-nodejs
// product client (trtc.v20190722.Client, TC3): the four 5-per-second usage actions and
// DescribeTrtcRoomUsage on the worked example of fixtures/usage-example.json (figures worked out
// in fixtures/README.md) and on the generated history, where a room's rows must add up to the
// app's figures.
//
//   cd tests/node && npm ci && TRTC_MOCK_BIN=$PWD/../../target/debug/trtc-mock node --test

const assert = require("node:assert/strict");
const path = require("node:path");
const { describe, test, before, after } = require("node:test");

const { REPO_ROOT, SECRET_ID, SECRET_KEY, UUID, startServer, stopServers } = require("./harness");

const tencentcloud = require("tencentcloud-sdk-nodejs");

const TrtcClient = tencentcloud.trtc.v20190722.Client;

const USAGE_FIXTURE = path.join(REPO_ROOT, "fixtures", "usage-example.json");
const NOW = 1764000000; // 2025-11-25 00:00 UTC+8
const D0 = NOW - 86400; // 2025-11-24 00:00 UTC+8
const APP = 1400000001; // generated history
const FIX = 1400000042; // fixtures/usage-example.json
const HEADER = "RoomId,Audio,SD,hd,FullHD,2K,4K";

function client(server) {
  return new TrtcClient({
    credential: { secretId: SECRET_ID, secretKey: SECRET_KEY },
    region: "ap-guangzhou",
    profile: { httpProfile: { endpoint: server.address, protocol: "http://", reqTimeout: 30 } },
  });
}

/** The rows of a `TrtcUsage` answer, checked for their shape: TimeKey, TimeStampKey, as many values as keys. */
function rows(response, keys) {
  assert.match(response.RequestId, UUID);
  assert.deepEqual(response.UsageKey, keys);
  for (const row of response.UsageList) {
    assert.deepEqual(Object.keys(row).sort(), ["TimeKey", "TimeStampKey", "UsageValue"]);
    assert.equal(row.UsageValue.length, keys.length);
    assert.ok(Number.isInteger(row.TimeStampKey));
  }
  return response.UsageList;
}

/** DescribeTrtcRoomUsage's CSV as [room id, seconds per key] rows (quoted fields allowed). */
function parseCsv(text) {
  const lines = text.split("\n").filter((line) => line.length > 0);
  assert.equal(lines[0], HEADER);
  return lines.slice(1).map((line) => {
    const fields = [];
    let field = "";
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c === '"' && quoted && line[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = !quoted;
      else if (c === "," && !quoted) { fields.push(field); field = ""; }
      else field += c;
    }
    fields.push(field);
    return [fields[0], fields.slice(1).map(Number)];
  });
}

const minutes = (seconds) => Math.floor((seconds * 10 + 3) / 6) / 100;
const TIERS = ["Audio", "SD", "HD", "FullHD", "2K", "4K"];
const DAYS = { StartTime: "2025-11-23", EndTime: "2025-11-24" };

describe("the usage family through tencentcloud-sdk-nodejs", () => {
  let fixture;
  let generated;
  const called = new Set();

  before(async () => {
    [fixture, generated] = await Promise.all([
      startServer("--fixtures", USAGE_FIXTURE, "--now", String(NOW), "--freeze", "--rate-limit", "off"),
      startServer("--now", String(NOW), "--freeze", "--rate-limit", "off"),
    ]);
  });

  after(stopServers);

  test("DescribeTrtcUsage: the worked example's minutes by tier", async () => {
    const list = rows(await client(fixture).DescribeTrtcUsage({ ...DAYS, SdkAppId: FIX }), TIERS);
    assert.deepEqual(list.map((r) => [r.TimeKey, r.TimeStampKey]), [["2025-11-23 00:00:00", D0 - 86400], ["2025-11-24 00:00:00", D0]]);
    assert.deepEqual(list[1].UsageValue, [115, 25, 45, 43, 0, 55]);
    const day = rows(await client(fixture).DescribeTrtcUsage({ StartTime: "2025-11-24", EndTime: "2025-11-24", SdkAppId: FIX }), TIERS);
    assert.equal(day.length, 288, "one day: a row per five minutes");
    assert.deepEqual(day[121], { TimeKey: "2025-11-24 10:05:00", TimeStampKey: D0 + 121 * 300, UsageValue: [0, 5, 5, 0, 0, 0] });
    called.add("DescribeTrtcUsage");
  });

  test("DescribeRecordingUsage: single and mixed recording", async () => {
    const single = rows(await client(fixture).DescribeRecordingUsage({ ...DAYS, SdkAppId: FIX, MixType: "single" }), TIERS);
    assert.deepEqual(single[1].UsageValue, [0, 0, 0, 90, 0, 0]);
    const multi = rows(await client(fixture).DescribeRecordingUsage({ ...DAYS, SdkAppId: FIX, MixType: "multi" }), TIERS);
    assert.deepEqual(multi[1].UsageValue, [0, 25, 30, 0, 0, 0]);
    called.add("DescribeRecordingUsage");
  });

  test("DescribeMixTranscodingUsage: input tiers by output codec", async () => {
    const keys = ["Audio", "SDH264", "HDH264", "FullHDH264", "2KH264", "4KH264", "SDH265", "HDH265", "FullHDH265", "2KH265", "4KH265"];
    const list = rows(await client(fixture).DescribeMixTranscodingUsage({ ...DAYS, SdkAppId: FIX }), keys);
    assert.deepEqual(list[1].UsageValue, [0, 0, 5, 25, 0, 0, 0, 0, 0, 0, 0]);
    called.add("DescribeMixTranscodingUsage");
  });

  test("DescribeRelayUsage: the peak bandwidth, a day's the largest of its five-minute peaks", async () => {
    const days = rows(await client(generated).DescribeRelayUsage({ StartTime: "2025-11-23", EndTime: "2025-11-24", SdkAppId: APP }), ["Bandwidth"]);
    const fine = rows(await client(generated).DescribeRelayUsage({ StartTime: "2025-11-24", EndTime: "2025-11-24", SdkAppId: APP }), ["Bandwidth"]);
    assert.equal(days[1].UsageValue[0], Math.max(...fine.map((r) => r.UsageValue[0])));
    assert.ok(days[1].UsageValue[0] > 0);
    const example = rows(await client(fixture).DescribeRelayUsage({ ...DAYS, SdkAppId: FIX }), ["Bandwidth"]);
    assert.deepEqual(example.map((r) => r.UsageValue), [[0], [1.2]]);
    called.add("DescribeRelayUsage");
  });

  test("DescribeTrtcRoomUsage: the worked example's CSV, and room rows that add up to the app's day", async () => {
    const example = await client(fixture).DescribeTrtcRoomUsage({ SdkAppid: FIX, StartTime: "2025-11-24 00:00", EndTime: "2025-11-25 00:00" });
    assert.match(example.RequestId, UUID);
    assert.deepEqual(parseCsv(example.Data), [
      ["1003", [1200, 0, 0, 0, 0, 0]],
      ["1001", [300, 1500, 1500, 0, 0, 0]],
      ["Math class, 3B", [3600, 0, 0, 2580, 0, 3300]],
      ["night-owls", [1800, 0, 1200, 0, 0, 0]],
    ]);
    const generatedRooms = await client(generated).DescribeTrtcRoomUsage({ SdkAppid: APP, StartTime: "2025-11-24 00:00", EndTime: "2025-11-25 00:00" });
    const parsed = parseCsv(generatedRooms.Data);
    assert.ok(parsed.length > 24, `${parsed.length} rooms`);
    const seconds = TIERS.map((_, key) => parsed.reduce((sum, [, cells]) => sum + cells[key], 0));
    const day = rows(await client(generated).DescribeTrtcUsage({ ...DAYS, SdkAppId: APP }), TIERS);
    assert.deepEqual(day[1].UsageValue, seconds.map(minutes));
    called.add("DescribeTrtcRoomUsage");
  });

  test("the documentation example's swapped dates: InvalidParameter", async () => {
    await assert.rejects(client(fixture).DescribeTrtcUsage({ EndTime: "2022-01-01", StartTime: "2022-01-02", SdkAppId: FIX }), (error) => {
      assert.equal(error.code, "InvalidParameter", String(error));
      assert.match(error.requestId, UUID);
      return true;
    });
    await assert.rejects(client(fixture).DescribeRelayUsage({ StartTime: "2025-10-01", EndTime: "2025-11-01" }),
      (error) => error.code === "InvalidParameter.QueryScaleOversize");
  });

  test("every action of the file was called", () => {
    assert.deepEqual([...called].sort(), ["DescribeMixTranscodingUsage", "DescribeRecordingUsage", "DescribeRelayUsage", "DescribeTrtcRoomUsage", "DescribeTrtcUsage"]);
  });
});
