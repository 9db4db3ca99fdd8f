"use strict";
// An AI conversation through the official, unmodified tencentcloud-sdk-nodejs (the product
// client, and its CommonClient for the intl-only QueryAIMessageList): a user joins through the
// control plane, a bot starts, greets her, answers a pushed text and a question, is updated to
// another LLM, stops, and is gone. Frozen clock, a fixture app without rooms.
//
//   cd tests/node && npm ci && TRTC_MOCK_BIN=$PWD/../../target/debug/trtc-mock node --test

const assert = require("node:assert/strict");
const { describe, test, before, after } = require("node:test");

const { SECRET_ID, SECRET_KEY, UUID, startServer, stopServers, control } = require("./harness");
const tencentcloud = require("tencentcloud-sdk-nodejs");
const { CommonClient } = require("tencentcloud-sdk-nodejs/tencentcloud/common");

const T0 = 1764000000; // 2025-11-25 00:00 UTC+8
const APP = 1400000778;
const ROOM = 601;
const llm = (model) => JSON.stringify({ LLMType: "openai", Model: model, APIKey: "sk-test",
  APIUrl: "https://api.openai.com/v1/chat/completions", Streaming: true });

describe("an AI conversation through tencentcloud-sdk-nodejs", () => {
  let server;
  let trtc;
  let common;

  before(async () => {
    server = await startServer("--now", String(T0), "--freeze", "--rate-limit", "off");
    await control(server, "fixtures", { Apps: [{ SdkAppId: APP, Rooms: [] }] });
    const profile = { httpProfile: { endpoint: server.address, protocol: "http://", reqTimeout: 30 } };
    const credential = { secretId: SECRET_ID, secretKey: SECRET_KEY };
    trtc = new tencentcloud.trtc.v20190722.Client({ credential, region: "ap-guangzhou", profile });
    common = new CommonClient("trtc.tencentcloudapi.com", "2019-07-22", { credential, region: "ap-singapore", profile });
  });
  after(stopServers);

  const advance = (seconds) => control(server, "clock", { advance: seconds });
  const messages = async (TaskId) => {
    const response = await common.request("QueryAIMessageList", { SdkAppId: APP, TaskId });
    assert.match(response.RequestId, UUID);
    assert.equal(response.Total, response.MessageList.length);
    return response.MessageList.map((m) => [m.Role, m.Content]);
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

  test("a bot greets, answers, changes its LLM and stops", async () => {
    await control(server, "rooms/join", { sdk_app_id: APP, room_id: ROOM, user_id: "alice", audio: true });
    const { TaskId } = await trtc.StartAIConversation({
      SdkAppId: APP, RoomId: String(ROOM), SessionId: "node-1",
      AgentConfig: { UserId: "bot_node", UserSig: "sig", TargetUserId: "alice", WelcomeMessage: "Hello from the bot" },
      LLMConfig: llm("gpt-4o"), TTSConfig: JSON.stringify({ TTSType: "flow", VoiceId: "v1" }),
    });
    assert.match(TaskId, /^v2_20251125_\w+$/);
    assert.equal((await trtc.DescribeAIConversation({ TaskId })).Status, "Preparing");
    await advance(2);
    const described = await trtc.DescribeAIConversation({ SdkAppId: APP, SessionId: "node-1" });
    assert.deepEqual([described.TaskId, described.Status], [TaskId, "InProgress"]);
    assert.deepEqual(await messages(TaskId), [["assistant", "Hello from the bot"]]);

    await trtc.ControlAIConversation({ TaskId, Command: "ServerPushText", ServerPushText: { Text: "A pushed line." } });
    await trtc.ControlAIConversation({ TaskId, Command: "InvokeLLM", InvokeLLM: { Content: "Hi?" } });
    await advance(1);
    const said = await messages(TaskId);
    assert.deepEqual(said.slice(0, 3), [["assistant", "Hello from the bot"], ["assistant", "A pushed line."], ["user", "Hi?"]]);
    assert.ok(said[3][0] === "assistant" && said[3][1].includes("gpt-4o"), JSON.stringify(said));

    await trtc.UpdateAIConversation({ TaskId, LLMConfig: llm("hunyuan-turbo") });
    await trtc.ControlAIConversation({ TaskId, Command: "InvokeLLM", InvokeLLM: { Content: "Again?" } });
    await advance(1);
    assert.ok((await messages(TaskId))[5][1].includes("hunyuan-turbo"));

    assert.equal(await codeOf(trtc.StartAIConversation({
      SdkAppId: APP, RoomId: String(ROOM), SessionId: "node-1",
      AgentConfig: { UserId: "bot_two", UserSig: "sig", TargetUserId: "alice" },
      LLMConfig: llm("m"), TTSConfig: JSON.stringify({ TTSType: "flow" }),
    })), "FailedOperation.TaskExist");
    await trtc.StopAIConversation({ TaskId });
    assert.equal((await trtc.DescribeAIConversation({ TaskId })).Status, "Stopped");
    await advance(5);
    assert.equal(await codeOf(trtc.DescribeAIConversation({ TaskId })), "FailedOperation.TaskNotExist");
  });
});
