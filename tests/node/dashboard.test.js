"use strict";
// The monitoring dashboard through the official, unmodified tencentcloud-sdk-nodejs:
// DescribeTRTCRealTimeScaleData, DescribeTRTCRealTimeQualityData, DescribeTRTCMarketScaleData
// and DescribeTRTCMarketQualityData through the product client (trtc.v20190722.Client), each
// answer checked against the catalogue (spec/trtc-2019-07-22.json) and against the other actions
// a dashboard would show beside it.
//
//   cd tests/node && npm ci && TRTC_MOCK_BIN=$PWD/../../target/debug/trtc-mock node --test

const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { describe, test, before, after } = require("node:test");

const { REPO_ROOT, UUID, startServer, stopServers } = require("./harness");

const tencentcloud = require("tencentcloud-sdk-nodejs");

const TrtcClient = tencentcloud.trtc.v20190722.Client;
const CATALOGUE = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "spec", "trtc-2019-07-22.json"), "utf8"));

const NOW = 1764000000; // 2025-11-25 00:00:00 in UTC+8
const APP = 1400000001;
const HOUR = 3600;
const DAY = 24 * HOUR;

const COLUMNS = {
  DescribeTRTCRealTimeScaleData: ["time", "userCount", "roomCount"],
  DescribeTRTCRealTimeQualityData: ["time", "videoFreezeRate", "audioFreezeRate"],
  DescribeTRTCMarketScaleData: ["time", "peakCurrentUsers", "peakCurrentChannels", "userCount", "roomCount"],
  DescribeTRTCMarketQualityData: ["time", "videoFreezeRate", "audioFreezeRate", "networkDelay", "joinSuccessRate",
    "joinSuccessIn5sRate"],
};

// ---------------------------------------------------------------------------- checking answers

/** Every non-nullable member of the catalogue object is present, every member present is one
 * of its members, of its type; recursively. */
function assertConforms(objectName, value, where = objectName) {
  const members = new Map(CATALOGUE.objects[objectName].members.map((member) => [member.name, member]));
  for (const [name, member] of members) {
    if (!member.nullable) assert.ok(value[name] !== undefined && value[name] !== null, `${where}.${name} is missing`);
  }
  for (const [name, item] of Object.entries(value)) {
    const member = members.get(name);
    assert.ok(member, `${where}.${name} is not in the catalogue`);
    assert.ok(item !== null, `${where}.${name} is null`);
    const items = member.list ? item : [item];
    if (member.list) assert.ok(Array.isArray(item), `${where}.${name}: expected a list`);
    for (const element of items) {
      if (member.type === "object") assertConforms(member.object, element, `${where}.${name}`);
      else if (member.type === "string") assert.equal(typeof element, "string", `${where}.${name}`);
      else if (member.type === "int64") assert.ok(Number.isInteger(element), `${where}.${name} = ${element}`);
      else if (member.type === "float") assert.ok(Number.isFinite(element), `${where}.${name} = ${element}`);
    }
  }
}

/** Calls `action` through the product client and returns its rows, after checking the answer. */
async function rows(client, action, params) {
  const response = await client[action](params);
  assertConforms(CATALOGUE.actions[action].output, response, `${action}Response`);
  assert.match(response.RequestId, UUID);
  assert.equal(response.Data.StatementID, 0);
  assert.equal(response.Data.Total, 1);
  assert.equal(response.Data.Series.length, 1);
  const [series] = response.Data.Series;
  assert.deepEqual(series.Columns, COLUMNS[action]);
  for (const value of series.Values) assert.equal(value.RowValue.length, series.Columns.length);
  return series.Values;
}

const day = (t) => new Date((t + 8 * HOUR) * 1000).toISOString().slice(0, 10); // YYYY-MM-DD in UTC+8
const realTime = (start, end, extra = {}) => ({ SdkAppId: String(APP), StartTime: start, EndTime: end, ...extra });
const market = (start, end, Period, extra = {}) => ({ SdkAppId: String(APP), StartTime: start, EndTime: end, Period, ...extra });

// ---------------------------------------------------------------------------- tests

describe("the dashboard through tencentcloud-sdk-nodejs", () => {
  let server;
  let client;

  before(async () => {
    server = await startServer("--now", String(NOW), "--freeze", "--rate-limit", "off");
    client = new TrtcClient({
      credential: { secretId: "AKIDmock", secretKey: "mock-secret" },
      region: "ap-guangzhou",
      profile: { httpProfile: { endpoint: server.address, protocol: "http://", reqTimeout: 30 } },
    });
  });

  after(stopServers);

  test("DescribeTRTCRealTimeScaleData: online now is the rooms and users still in them", async () => {
    const values = await rows(client, "DescribeTRTCRealTimeScaleData", realTime(NOW - HOUR + 5, NOW));
    assert.deepEqual(values.map((v) => v.RowValue[0]), Array.from({ length: 360 }, (_, i) => NOW - HOUR + 10 + 10 * i));
    assert.ok(values.every((v) => v.RowValueFloat.length === 0 && v.RowValue[1] >= v.RowValue[2]));
    const rooms = await client.DescribeRoomInfo({ SdkAppId: APP, StartTime: NOW - 60, EndTime: NOW, PageNumber: 0, PageSize: 100 });
    const open = rooms.RoomList.filter((room) => !room.IsFinished);
    let users = 0;
    for (const room of open) {
      const listed = await client.DescribeUserInfo({ SdkAppId: APP, CommId: room.CommId, StartTime: NOW - 60,
        EndTime: NOW, PageNumber: 0, PageSize: 100 });
      users += new Set(listed.UserList.filter((user) => !user.Finished).map((user) => user.UserId)).size;
    }
    assert.ok(open.length > 0);
    assert.deepEqual(values.at(-1).RowValue, [NOW, users, open.length]);
  });

  test("DescribeTRTCRealTimeQualityData: freeze rates in percent every 10 s", async () => {
    const values = await rows(client, "DescribeTRTCRealTimeQualityData", realTime(NOW - 2 * HOUR, NOW));
    assert.equal(values.length, 720);
    assert.ok(values.every((v) => v.RowValue.slice(1).every((rate) => rate >= 0 && rate <= 100)));
    const frozen = values.filter((v) => v.RowValue[1] > 0 || v.RowValue[2] > 0);
    assert.ok(frozen.length > 0 && frozen.length < values.length / 2, `${frozen.length}`);
    const [t] = frozen[0].RowValue;
    const events = await client.DescribeUnusualEvent({ SdkAppId: APP, StartTime: Math.floor((t - 10) / 60) * 60, EndTime: t - 1 });
    assert.ok(events.AbnormalExperienceList.some((e) => e.ExperienceId === 4 || e.ExperienceId === 5), JSON.stringify(events));
  });

  test("DescribeTRTCMarketScaleData: each day is DescribeScaleInfo's", async () => {
    const values = await rows(client, "DescribeTRTCMarketScaleData", market(day(NOW - 7 * DAY), day(NOW - DAY), "d"));
    const scale = await client.DescribeScaleInfo({ SdkAppId: APP, StartTime: NOW - 7 * DAY, EndTime: NOW });
    const byDay = new Map(scale.ScaleList.map((s) => [s.Time, s]));
    assert.equal(values.length, 7);
    for (const { RowValue: [t, peakUsers, peakRooms, users, rooms] } of values) {
      assert.deepEqual([users, rooms], [byDay.get(t).UserNumber, byDay.get(t).RoomNumbers], `${t}`);
      assert.ok(peakUsers <= users && peakRooms <= rooms);
    }
  });

  test("DescribeTRTCMarketQualityData: hours, with decimals on request", async () => {
    const yesterday = day(NOW - DAY);
    const values = await rows(client, "DescribeTRTCMarketQualityData", market(yesterday, yesterday, "h", { IsFloat: true }));
    assert.deepEqual(values.map((v) => v.RowValue[0]), Array.from({ length: 24 }, (_, i) => NOW - DAY + HOUR * i));
    for (const { RowValue: ints, RowValueFloat: floats } of values) {
      assert.equal(floats.length, 6);
      floats.slice(1).forEach((exact, i) => assert.ok(Math.abs(exact - ints[i + 1]) <= 0.505, `${floats} ${ints}`));
      assert.ok(ints[5] <= ints[4], `${ints}`);
    }
  });

  test("errors keep their documented codes", async () => {
    const code = (action, params) => client[action](params).then(
      () => assert.fail(`${action} succeeded`),
      (error) => { assert.match(error.requestId, UUID); return error.code; });
    assert.equal(await code("DescribeTRTCRealTimeQualityData", realTime(NOW - 60, NOW, { SdkAppId: "abc" })),
      "InvalidParameter.InvalidSdkAppId");
    assert.equal(await code("DescribeTRTCRealTimeScaleData", realTime(NOW - 13 * HOUR, NOW - 12 * HOUR)), "InvalidParameter");
    assert.equal(await code("DescribeTRTCMarketScaleData", market(day(NOW - 61 * DAY), day(NOW), "d")),
      "InvalidParameter.QueryScaleOversize");
    assert.equal(await code("DescribeTRTCMarketQualityData", market(day(NOW), day(NOW), "week")), "InvalidParameterValue");
  });
});
