//! AI conversation, AI transcription and cloud transcription over a real socket, on the virtual
//! clock: lifecycles (Idle, Preparing, InProgress, Stopped, then gone; Idle, InProgress,
//! Exited for cloud transcription), the idle exits and the ten-hour rule, dedupe, lookups by
//! SessionId, the conversation QueryAIMessageList answers, and each action's codes.

use crate::common;
use crate::common::{GENERATED_NOW, Reply, advance, assert_code, call, control, inspect, room_users, start};
use base64::Engine;
use serde_json::{Value, json};
use trtc_mock::{Config, Running};

const APP: u64 = 1_400_000_001;
const NOW: u64 = GENERATED_NOW as u64;
const LLM: &str = r#"{"LLMType":"openai","Model":"gpt-4o","APIKey":"sk-secret","APIUrl":"https://api.openai.com/v1/chat/completions","Streaming":true,"History":5}"#;
const TTS: &str = r#"{"TTSType":"flow","VoiceId":"v-female","Speed":1.0}"#;

/// The test account may use two apps: a third is someone else's.
fn config() -> Config {
    let mut config = common::config();
    config.accounts[0].sdk_app_ids = Some(vec![APP, 1_400_000_002]);
    config
}

async fn join(server: &Running, room: Value, user: &str) {
    control(server, "rooms/join", json!({"sdk_app_id": APP, "room_id": room, "user_id": user, "audio": true})).await;
}

async fn leave(server: &Running, room: Value, user: &str) {
    control(server, "rooms/leave", json!({"sdk_app_id": APP, "room_id": room, "user_id": user})).await;
}

fn conversation(room: &str, extra: Value) -> Value {
    let mut body = json!({
        "SdkAppId": APP, "RoomId": room,
        "AgentConfig": {"UserId": "bot_1", "UserSig": "sig", "TargetUserId": "alice", "MaxIdleTime": 30,
            "WelcomeMessage": "Hello, I am your assistant."},
        "LLMConfig": LLM, "TTSConfig": TTS
    });
    merge(&mut body, extra);
    body
}

fn merge(into: &mut Value, extra: Value) {
    for (k, v) in extra.as_object().unwrap() {
        match (into.get_mut(k), v) {
            (Some(existing @ Value::Object(_)), Value::Object(_)) => merge(existing, v.clone()),
            _ => {
                into[k.as_str()] = v.clone();
            }
        }
    }
}

async fn start_bot(server: &Running, body: Value) -> String {
    let reply = call(server, "StartAIConversation", body).await;
    reply.ok()["TaskId"].as_str().unwrap().to_owned()
}

async fn describe(server: &Running, action: &str, body: Value) -> Reply {
    call(server, action, body).await
}

async fn status(server: &Running, action: &str, task: &str) -> String {
    let body = if action == "DescribeCloudTranscription" {
        json!({"SdkAppId": APP, "TaskId": task})
    } else {
        json!({"TaskId": task})
    };
    let reply = describe(server, action, body).await;
    match reply.code() {
        None => reply.ok()["Status"].as_str().unwrap().to_owned(),
        Some(code) => code.to_owned(),
    }
}

async fn messages(server: &Running, task: &str) -> Vec<(String, String)> {
    let reply = call(server, "QueryAIMessageList", json!({"SdkAppId": APP, "TaskId": task})).await;
    let list = reply.ok()["MessageList"].as_array().unwrap().clone();
    assert_eq!(reply.ok()["Total"], list.len());
    list.iter().map(|m| (m["Role"].as_str().unwrap().to_owned(), m["Content"].as_str().unwrap().to_owned())).collect()
}

#[tokio::test]
async fn a_bot_waits_for_its_user_prepares_talks_and_exits_after_max_idle_time() {
    let server = start(config()).await;
    let task = start_bot(&server, conversation("701", json!({"SessionId": "s-1"}))).await;
    assert!(task.starts_with("v2_20251125_"), "{task}");
    assert_eq!(status(&server, "DescribeAIConversation", &task).await, "Idle", "alice is not in the room");
    assert!(messages(&server, &task).await.is_empty());
    // The bot is in the room as an anchor.
    let users = room_users(&server, APP, &json!(701)).await;
    assert!(users.iter().any(|u| u["user_id"] == "bot_1" && u["role"] == "anchor"), "{users:?}");

    advance(&server, 10).await;
    join(&server, json!(701), "alice").await;
    assert_eq!(status(&server, "DescribeAIConversation", &task).await, "Preparing");
    assert!(messages(&server, &task).await.is_empty(), "the welcome comes once the bot is ready");
    advance(&server, 2).await;
    assert_eq!(status(&server, "DescribeAIConversation", &task).await, "InProgress");
    assert_eq!(messages(&server, &task).await, vec![("assistant".into(), "Hello, I am your assistant.".into())]);

    let reply = call(&server, "DescribeAIConversation", json!({"SdkAppId": APP, "SessionId": "s-1"})).await;
    assert_eq!(reply.ok()["TaskId"], task.as_str());
    assert_eq!(reply.ok()["SessionId"], "s-1");
    assert_eq!(reply.ok()["StartTime"].as_str().unwrap()[..19], *"2025-11-25 00:00:00");

    // Alice leaves: the bot runs on for MaxIdleTime (30 s), then cleans up and is gone.
    leave(&server, json!(701), "alice").await;
    advance(&server, 29).await;
    assert_eq!(status(&server, "DescribeAIConversation", &task).await, "InProgress");
    advance(&server, 1).await;
    assert_eq!(status(&server, "DescribeAIConversation", &task).await, "Stopped");
    assert!(room_users(&server, APP, &json!(701)).await.is_empty(), "the bot left with its task");
    advance(&server, 5).await;
    assert_eq!(status(&server, "DescribeAIConversation", &task).await, "FailedOperation.TaskNotExist");
    assert_code(&call(&server, "StopAIConversation", json!({"TaskId": task})).await, "FailedOperation.TaskNotExist");
    assert_code(
        &call(&server, "QueryAIMessageList", json!({"SdkAppId": APP, "TaskId": task})).await,
        "ResourceNotFound",
    );
    // The SessionId is free again.
    start_bot(&server, conversation("701", json!({"SessionId": "s-1"}))).await;
}

#[tokio::test]
async fn control_and_update_change_the_conversation() {
    let server = start(config()).await;
    join(&server, json!(702), "alice").await;
    let task = start_bot(&server, conversation("702", json!({}))).await;
    advance(&server, 2).await;
    let push = json!({"TaskId": task, "Command": "ServerPushText", "ServerPushText": {"Text": "Class starts now."}});
    call(&server, "ControlAIConversation", push).await.ok();
    let invoke = json!({"TaskId": task, "Command": "InvokeLLM", "InvokeLLM": {"Content": "What is TRTC?"}});
    call(&server, "ControlAIConversation", invoke.clone()).await.ok();
    let data = json!({"TaskId": task, "Command": "TransparentData", "TransparentData": {"Data": "{\"k\":1}"}});
    call(&server, "ControlAIConversation", data).await.ok();
    let now = messages(&server, &task).await;
    assert_eq!(
        now,
        vec![
            ("assistant".into(), "Hello, I am your assistant.".into()),
            ("assistant".into(), "Class starts now.".into()),
            ("user".into(), "What is TRTC?".into()),
        ],
        "the reply takes a second; transparent data is not part of the conversation"
    );
    advance(&server, 1).await;
    let later = messages(&server, &task).await;
    assert_eq!(later.len(), 4);
    assert_eq!(later[3].0, "assistant");
    assert!(later[3].1.contains("What is TRTC?") && later[3].1.contains("gpt-4o"), "{}", later[3].1);
    // The same seed and clock answer the same words.
    let again = start(config()).await;
    join(&again, json!(702), "alice").await;
    let twin = start_bot(&again, conversation("702", json!({}))).await;
    assert_eq!(twin, task, "TaskIds follow the seed");

    // A new LLM: the next answers come from it; the API key is not kept.
    let update =
        json!({"TaskId": task, "LLMConfig": LLM.replace("gpt-4o", "hunyuan-turbo"), "WelcomeMessage": "Hi again"});
    call(&server, "UpdateAIConversation", update).await.ok();
    call(&server, "ControlAIConversation", invoke).await.ok();
    advance(&server, 1).await;
    let after = messages(&server, &task).await;
    assert!(after[5].1.contains("hunyuan-turbo"), "{}", after[5].1);
    assert!(after[3].1.contains("gpt-4o"), "earlier answers stand: {}", after[3].1);
    let tasks = inspect(&server, &format!("tasks?sdk_app_id={APP}&family=ai_conversation")).await;
    assert!(!tasks.to_string().contains("sk-secret"), "{tasks}");

    // StopAfterPlay: the bot ends once it said the text (16 characters, 4 s).
    let push = json!({"TaskId": task, "Command": "ServerPushText",
        "ServerPushText": {"Text": "Goodbye, see you", "StopAfterPlay": true}});
    call(&server, "ControlAIConversation", push).await.ok();
    advance(&server, 3).await;
    assert_eq!(status(&server, "DescribeAIConversation", &task).await, "InProgress");
    advance(&server, 1).await;
    assert_eq!(status(&server, "DescribeAIConversation", &task).await, "Stopped");
    assert_code(
        &call(&server, "UpdateAIConversation", json!({"TaskId": task, "WelcomeMessage": "x"})).await,
        "FailedOperation.TaskNotExist",
    );
}

#[tokio::test]
async fn a_welcome_message_changed_before_the_user_came_is_the_one_said() {
    let server = start(config()).await;
    let task = start_bot(&server, conversation("703", json!({}))).await;
    call(&server, "UpdateAIConversation", json!({"TaskId": task, "WelcomeMessage": "Welcome back!"})).await.ok();
    join(&server, json!(703), "alice").await;
    advance(&server, 2).await;
    assert_eq!(messages(&server, &task).await, vec![("assistant".into(), "Welcome back!".into())]);
    // Stop: Stopped for a moment, then gone.
    call(&server, "StopAIConversation", json!({"TaskId": task})).await.ok();
    assert_eq!(status(&server, "DescribeAIConversation", &task).await, "Stopped");
    assert_code(&call(&server, "StopAIConversation", json!({"TaskId": task})).await, "FailedOperation.TaskNotExist");
    advance(&server, 5).await;
    assert_eq!(status(&server, "DescribeAIConversation", &task).await, "FailedOperation.TaskNotExist");
}

#[tokio::test]
async fn ai_conversation_codes() {
    let server = start(config()).await;
    let task = start_bot(&server, conversation("704", json!({"SessionId": "dup"}))).await;
    let reply = call(&server, "StartAIConversation", conversation("705", json!({"SessionId": "dup"}))).await;
    assert_code(&reply, "FailedOperation.TaskExist");
    // Another app may use the same SessionId.
    let mut other = conversation("705", json!({"SessionId": "dup"}));
    other["SdkAppId"] = json!(1_400_000_002u64);
    call(&server, "StartAIConversation", other).await.ok();

    for (extra, code) in [
        (json!({"LLMConfig": "{not json"}), "InvalidParameter"),
        (json!({"LLMConfig": "[]"}), "InvalidParameter"),
        (json!({"LLMConfig": r#"{"LLMType":"openai","Model":"m","APIKey":"k"}"#}), "MissingParameter"),
        (
            json!({"LLMConfig": r#"{"LLMType":"openai","Model":"","APIKey":"k","APIUrl":"https://x"}"#}),
            "MissingParameter",
        ),
        (
            json!({"LLMConfig": r#"{"LLMType":"openai","Model":"m","APIKey":"k","APIUrl":"https://x","History":51}"#}),
            "InvalidParameter",
        ),
        (json!({"LLMConfig": ""}), "MissingParameter"),
        (json!({"TTSConfig": "{"}), "InvalidParameter"),
        (json!({"TTSConfig": r#"{"VoiceId":"v"}"#}), "MissingParameter"),
        (json!({"TTSConfig": r#"{"TTSType":"flow","Speed":3}"#}), "InvalidParameter"),
        (json!({"AgentConfig": {"UserSig": ""}}), "InvalidParameter.UserSig"),
        (json!({"AgentConfig": {"TargetUserId": ""}}), "MissingParameter"),
        (json!({"AgentConfig": {"TargetUserId": "bot_1"}}), "InvalidParameter"),
        (json!({"AgentConfig": {"InterruptMode": 2}}), "InvalidParameter"),
        (json!({"AgentConfig": {"VoicePrint": {"Mode": 1}}}), "MissingParameter"),
        (json!({"AgentConfig": {"VoicePrint": {"Mode": 2}}}), "InvalidParameter"),
        (json!({"STTConfig": {"VadSilenceTime": 100}}), "InvalidParameter"),
        (json!({"STTConfig": {"HotWordList": "TRTC|12"}}), "InvalidParameter"),
        (json!({"RoomIdType": 0, "RoomId": "abc"}), "InvalidParameter"),
        (json!({"RoomIdType": 2}), "InvalidParameter"),
        (json!({"SdkAppId": 1_300_000_000u64}), "AuthFailure.UnauthorizedOperation"),
    ] {
        let reply = call(&server, "StartAIConversation", conversation("706", extra.clone())).await;
        assert_code(&reply, code);
        assert!(!reply.message().is_empty(), "{extra}");
    }
    // A voiceprint must be one the account registered.
    let vp = json!({"AgentConfig": {"UserId": "bot_vp", "VoicePrint": {"Mode": 1, "IdList": ["vp-1"]}}});
    let refused = call(&server, "StartAIConversation", conversation("707", vp)).await;
    assert_code(&refused, "InvalidParameter");
    assert!(refused.message().contains("vp-1"), "{}", refused.raw);
    let audio = base64::engine::general_purpose::STANDARD.encode(common::wav(1_000, 16_000, 1, true));
    let registered = call(
        &server,
        "RegisterVoicePrint",
        json!({
            "Audio": audio, "ReqTimestamp": 1_764_000_000_000u64, "AudioFormat": 0, "AudioName": "alice"
        }),
    )
    .await;
    let id = registered.ok()["VoicePrintId"].as_str().unwrap().to_owned();
    let vp = json!({"AgentConfig": {"UserId": "bot_vp", "VoicePrint": {"Mode": 1, "IdList": [id]}}});
    call(&server, "StartAIConversation", conversation("707", vp)).await.ok();
    // A string room: RoomIdType 1.
    call(&server, "StartAIConversation", conversation("room-a", json!({"RoomIdType": 1}))).await.ok();
    assert!(room_users(&server, APP, &json!("room-a")).await.iter().any(|u| u["user_id"] == "bot_1"));

    let unknown = "v2_20251125_unknownTaskId";
    for action in ["DescribeAIConversation", "StopAIConversation", "UpdateAIConversation"] {
        assert_code(&call(&server, action, json!({"TaskId": unknown})).await, "FailedOperation.TaskNotExist");
    }
    let control = json!({"TaskId": unknown, "Command": "InvokeLLM", "InvokeLLM": {"Content": "x"}});
    assert_code(&call(&server, "ControlAIConversation", control).await, "FailedOperation.TaskNotExist");
    for action in ["DescribeAIConversation", "StopAIConversation"] {
        assert_code(&call(&server, action, json!({"TaskId": "nope"})).await, "InvalidParameter.TaskId");
    }
    assert_code(&call(&server, "DescribeAIConversation", json!({})).await, "InvalidParameter.TaskId");
    assert_code(&call(&server, "DescribeAIConversation", json!({"SessionId": "dup"})).await, "InvalidParameter.TaskId");
    assert_code(
        &call(&server, "DescribeAIConversation", json!({"SdkAppId": APP, "SessionId": "none"})).await,
        "FailedOperation.TaskNotExist",
    );
    assert_code(
        &call(&server, "DescribeAIConversation", json!({"SdkAppId": 1_400_000_002u64, "TaskId": task})).await,
        "FailedOperation.TaskNotExist",
    );
    let bad = json!({"TaskId": "x", "Command": "InvokeLLM", "InvokeLLM": {"Content": "x"}});
    assert_code(&call(&server, "ControlAIConversation", bad).await, "InvalidParameter.TaskId");
    for (body, code) in [
        (json!({"Command": "Dance"}), "InvalidParameter"),
        (json!({"Command": "ServerPushText"}), "MissingParameter"),
        (json!({"Command": "ServerPushText", "ServerPushText": {"Text": "x", "Priority": 1}}), "InvalidParameter"),
        (json!({"Command": "ServerPushText", "ServerPushText": {"Text": "x", "MetaInfo": "nope"}}), "InvalidParameter"),
        (json!({"Command": "InvokeLLM", "InvokeLLM": {"Content": ""}}), "MissingParameter"),
        (json!({"Command": "TransparentData", "TransparentData": {"Data": ""}}), "MissingParameter"),
    ] {
        let mut body = body;
        body["TaskId"] = json!(task);
        assert_code(&call(&server, "ControlAIConversation", body).await, code);
    }
    assert_code(
        &call(&server, "UpdateAIConversation", json!({"TaskId": task, "LLMConfig": "{"})).await,
        "InvalidParameter",
    );
    assert_code(&call(&server, "UpdateAIConversation", json!({"TaskId": "x"})).await, "FailedOperation.TaskNotExist");
    for (body, code) in [
        (json!({"SdkAppId": 0, "TaskId": task}), "MissingParameter.SdkAppId"),
        (json!({"SdkAppId": APP, "TaskId": ""}), "MissingParameter.TaskId"),
        (json!({"SdkAppId": 1_300_000_000u64, "TaskId": task}), "AuthFailure.UnauthorizedOperation"),
        (json!({"SdkAppId": APP, "TaskId": unknown}), "ResourceNotFound"),
    ] {
        assert_code(&call(&server, "QueryAIMessageList", body).await, code);
    }
}

#[tokio::test]
async fn the_concurrency_limit_refuses_with_request_rejection() {
    let mut config = config();
    config.task_limits = trtc_mock::world::tasks::Limits::parse("ai_conversation=1,ai_transcription=1").unwrap();
    let server = start(config).await;
    start_bot(&server, conversation("710", json!({}))).await;
    let reply = call(&server, "StartAIConversation", conversation("711", json!({}))).await;
    assert_code(&reply, "ResourceInsufficient.RequestRejection");
    call(&server, "StartAITranscription", transcription("712", json!({}))).await.ok();
    let reply = call(&server, "StartAITranscription", transcription("713", json!({}))).await;
    assert_code(&reply, "ResourceInsufficient.RequestRejection");
}

fn transcription(room: &str, extra: Value) -> Value {
    let mut body = json!({
        "SdkAppId": APP, "RoomId": room,
        "TranscriptionParams": {"UserId": "asr_1", "UserSig": "sig", "MaxIdleTime": 20}
    });
    merge(&mut body, extra);
    body
}

#[tokio::test]
async fn a_transcription_listens_to_the_room_or_one_user_and_idles_out() {
    let server = start(config()).await;
    let reply = call(&server, "StartAITranscription", transcription("801", json!({"SessionId": "t-1"}))).await;
    let task = reply.ok()["TaskId"].as_str().unwrap().to_owned();
    assert!(task.starts_with("v2_"), "{task}");
    assert_eq!(status(&server, "DescribeAITranscription", &task).await, "Idle");
    join(&server, json!(801), "bob").await;
    assert_eq!(status(&server, "DescribeAITranscription", &task).await, "Preparing");
    advance(&server, 2).await;
    assert_eq!(status(&server, "DescribeAITranscription", &task).await, "InProgress");
    // Describe with an empty TaskId: by SdkAppId and SessionId.
    let reply =
        call(&server, "DescribeAITranscription", json!({"TaskId": "", "SdkAppId": APP, "SessionId": "t-1"})).await;
    assert_eq!(reply.ok()["TaskId"], task.as_str());
    assert!(reply.ok()["StartTime"].as_str().unwrap().starts_with("2025-11-25 00:00:00."));

    // Dedupe: the same robot in the same room, or the same SessionId.
    assert_code(
        &call(&server, "StartAITranscription", transcription("801", json!({}))).await,
        "FailedOperation.TaskExist",
    );
    let same_session = transcription("802", json!({"SessionId": "t-1", "TranscriptionParams": {"UserId": "asr_2"}}));
    assert_code(&call(&server, "StartAITranscription", same_session).await, "FailedOperation.TaskExist");
    // The same robot id in the string room "801" is another room.
    call(&server, "StartAITranscription", transcription("801", json!({"RoomIdType": 1}))).await.ok();

    // Mode 1 listens to carol only: bob in the room does not keep it.
    let single = transcription(
        "801",
        json!({"TranscriptionParams": {"UserId": "asr_3", "TranscriptionMode": 1, "TargetUserId": "carol"}}),
    );
    let single = call(&server, "StartAITranscription", single).await.ok()["TaskId"].as_str().unwrap().to_owned();
    assert_eq!(status(&server, "DescribeAITranscription", &single).await, "Idle");
    advance(&server, 20).await;
    assert_eq!(status(&server, "DescribeAITranscription", &single).await, "Stopped", "carol never came");
    assert_eq!(status(&server, "DescribeAITranscription", &task).await, "InProgress");

    leave(&server, json!(801), "bob").await;
    advance(&server, 20).await;
    assert_eq!(status(&server, "DescribeAITranscription", &task).await, "Stopped");
    advance(&server, 5).await;
    assert_code(
        &call(&server, "DescribeAITranscription", json!({"TaskId": task})).await,
        "FailedOperation.TaskNotExist",
    );
    // Free again: the robot may be sent back.
    call(&server, "StartAITranscription", transcription("801", json!({}))).await.ok();
}

#[tokio::test]
async fn whole_room_transcriptions_sharing_a_room_keep_each_other_for_ten_hours() {
    let server = start(config()).await;
    join(&server, json!(820), "bob").await;
    let a = call(&server, "StartAITranscription", transcription("820", json!({}))).await;
    let a = a.ok()["TaskId"].as_str().unwrap().to_owned();
    let b = transcription("820", json!({"TranscriptionParams": {"UserId": "asr_b"}}));
    let b = call(&server, "StartAITranscription", b).await.ok()["TaskId"].as_str().unwrap().to_owned();
    // A mode-1 robot is no fellow: it idles out as usual.
    let c = transcription(
        "820",
        json!({"TranscriptionParams": {"UserId": "asr_c", "TranscriptionMode": 1, "TargetUserId": "bob"}}),
    );
    let c = call(&server, "StartAITranscription", c).await.ok()["TaskId"].as_str().unwrap().to_owned();
    advance(&server, 5).await;
    leave(&server, json!(820), "bob").await;
    advance(&server, 20).await;
    assert_eq!(status(&server, "DescribeAITranscription", &c).await, "Stopped");
    assert_eq!(status(&server, "DescribeAITranscription", &a).await, "InProgress");
    assert_eq!(status(&server, "DescribeAITranscription", &b).await, "InProgress");
    advance(&server, 10 * 3600 - 21).await;
    assert_eq!(status(&server, "DescribeAITranscription", &a).await, "InProgress");
    advance(&server, 1).await;
    assert_eq!(status(&server, "DescribeAITranscription", &a).await, "Stopped");
    assert_eq!(status(&server, "DescribeAITranscription", &b).await, "Stopped");

    // Stopping one of two: the other idles out MaxIdleTime after its user left, at once here.
    join(&server, json!(821), "dan").await;
    let a = call(&server, "StartAITranscription", transcription("821", json!({}))).await;
    let a = a.ok()["TaskId"].as_str().unwrap().to_owned();
    let b = transcription("821", json!({"TranscriptionParams": {"UserId": "asr_b"}}));
    let b = call(&server, "StartAITranscription", b).await.ok()["TaskId"].as_str().unwrap().to_owned();
    leave(&server, json!(821), "dan").await;
    advance(&server, 100).await;
    call(&server, "StopAITranscription", json!({"TaskId": a})).await.ok();
    assert_eq!(status(&server, "DescribeAITranscription", &b).await, "Stopped");
}

#[tokio::test]
async fn ai_transcription_codes() {
    let server = start(config()).await;
    for (extra, code) in [
        (json!({"TranscriptionParams": {"UserSig": ""}}), "InvalidParameter.UserSig"),
        (json!({"TranscriptionParams": {"UserId": ""}}), "MissingParameter"),
        (json!({"TranscriptionParams": {"TranscriptionMode": 1}}), "MissingParameter"),
        (json!({"TranscriptionParams": {"TranscriptionMode": 2}}), "InvalidParameter"),
        (json!({"TranscriptionParams": {"IMAdminUserId": "admin"}}), "MissingParameter"),
        (json!({"RecognizeConfig": {"VadLevel": 4}}), "InvalidParameter"),
        (json!({"TranslationConfig": {"TargetLanguages": []}}), "MissingParameter"),
        (json!({"TranslationConfig": {"TargetLanguages": ["en"], "Mode": 2}}), "MissingParameter"),
        (json!({"SdkAppId": 1_300_000_000u64}), "FailedOperation.SdkAppIdNotUnderAppId"),
        (json!({"RoomId": "x y"}), "InvalidParameter"),
    ] {
        assert_code(&call(&server, "StartAITranscription", transcription("830", extra)).await, code);
    }
    for action in ["DescribeAITranscription", "StopAITranscription"] {
        assert_code(&call(&server, action, json!({"TaskId": "bad"})).await, "InvalidParameter.TaskId");
        assert_code(
            &call(&server, action, json!({"TaskId": "v2_20251125_unknown"})).await,
            "FailedOperation.TaskNotExist",
        );
    }
    assert_code(&call(&server, "DescribeAITranscription", json!({"TaskId": ""})).await, "InvalidParameter.TaskId");
}

fn cloud(room: &str, extra: Value) -> Value {
    let mut body = json!({
        "SdkAppId": APP, "RoomId": room, "RoomIdType": 0,
        "TranscriptionParam": {"UserId": "ct_1", "UserSig": "sig", "MaxIdleTime": 10},
        "AsrParam": {"Lang": "bigmodel-zh"},
        "TranslationParam": {"TargetLang": ["en", "ja"]},
        "TTSParam": [{"Model": "flow_02_turbo", "Language": "en", "TargetUser": {"UserId": "erin"},
            "TTSRobotUser": {"UserId": "tts_1"}, "Voice": {"VoiceId": "v1"}}]
    });
    merge(&mut body, extra);
    body
}

#[tokio::test]
async fn a_cloud_transcription_transcribes_published_audio_and_exits() {
    let server = start(config()).await;
    join(&server, json!(901), "erin").await;
    let task = call(&server, "CreateCloudTranscription", cloud("901", json!({}))).await;
    let task = task.ok()["TaskId"].as_str().unwrap().to_owned();
    assert!(task.starts_with('-') && task.ends_with('.'), "{task}");
    let reply = call(&server, "DescribeCloudTranscription", json!({"SdkAppId": APP, "TaskId": task})).await;
    assert_eq!(reply.ok()["Status"], "InProgress");
    assert_eq!(reply.ok()["StartTime"], NOW * 1000, "milliseconds");
    leave(&server, json!(901), "erin").await;
    assert_eq!(status(&server, "DescribeCloudTranscription", &task).await, "Idle");
    advance(&server, 10).await;
    assert_eq!(status(&server, "DescribeCloudTranscription", &task).await, "Exited");
    advance(&server, 10).await;
    assert_eq!(status(&server, "DescribeCloudTranscription", &task).await, "ResourceNotFound");

    // A string room, then Delete.
    let task = call(&server, "CreateCloudTranscription", cloud("room-b", json!({"RoomIdType": 1}))).await;
    let task = task.ok()["TaskId"].as_str().unwrap().to_owned();
    assert!(room_users(&server, APP, &json!("room-b")).await.iter().any(|u| u["user_id"] == "ct_1"));
    let deleted = call(&server, "DeleteCloudTranscription", json!({"SdkAppId": APP, "TaskId": task})).await;
    assert_eq!(deleted.ok()["TaskId"], task.as_str());
    assert_eq!(status(&server, "DescribeCloudTranscription", &task).await, "Exited");
    assert_code(
        &call(&server, "DeleteCloudTranscription", json!({"SdkAppId": APP, "TaskId": task})).await,
        "ResourceNotFound",
    );
}

#[tokio::test]
async fn cloud_transcription_codes() {
    let server = start(config()).await;
    for (extra, code) in [
        (json!({"TranslationParam": {"TargetLang": ["en", "xx"]}}), "InvalidParameter.OutOfRange"),
        (json!({"TranslationParam": {"TargetLang": ["ja"]}}), "InvalidParameter.OutOfRange"),
        (json!({"TTSParam": [{"Model": "flow_01_turbo"}]}), "InvalidParameter.OutOfRange"),
        (json!({"TranscriptionParam": {"SubscribeList": [{"UserId": "frank"}]}}), "InvalidParameter.OutOfRange"),
        (json!({"TranscriptionParam": {"MaxIdleTime": 4}}), "InvalidParameter.OutOfRange"),
        (json!({"TranscriptionParam": {"UserId": ""}}), "MissingParameter.UserId"),
        (json!({"TranscriptionParam": {"UserSig": ""}}), "MissingParameter.UserSig"),
        (json!({"AsrParam": {"Lang": ""}}), "MissingParameter.ASRLang"),
        (json!({"AsrParam": {"VadLevel": 2}}), "InvalidParameter.OutOfRange"),
        (json!({"AsrParam": {"AlternativeLanguage": ["a", "b", "c", "d", "e"]}}), "InvalidParameter.OutOfRange"),
        (json!({"RoomId": ""}), "MissingParameter.RoomId"),
        (json!({"RoomId": "abc"}), "InvalidParameter.OutOfRange"),
        (json!({"SdkAppId": 0}), "MissingParameter.SdkAppId"),
        (json!({"SdkAppId": 1_300_000_000u64}), "InvalidParameter.SdkAppId"),
    ] {
        let mut body = cloud("910", json!({}));
        if let Some(tts) = extra.get("TTSParam") {
            let mut first = body["TTSParam"][0].clone();
            merge(&mut first, tts[0].clone());
            body["TTSParam"] = json!([first]);
        } else {
            merge(&mut body, extra.clone());
        }
        assert_code(&call(&server, "CreateCloudTranscription", body).await, code);
    }
    for action in ["DescribeCloudTranscription", "DeleteCloudTranscription"] {
        for (body, code) in [
            (json!({"SdkAppId": APP, "TaskId": ""}), "MissingParameter.TaskId"),
            (json!({"SdkAppId": 0, "TaskId": "t"}), "MissingParameter.SdkAppId"),
            (json!({"SdkAppId": 1_300_000_000u64, "TaskId": "t"}), "InvalidParameter.SdkAppId"),
            (json!({"SdkAppId": APP, "TaskId": "-unknown."}), "ResourceNotFound"),
        ] {
            assert_code(&call(&server, action, body).await, code);
        }
    }
}

#[tokio::test]
async fn the_bots_bill_ai_minutes_while_they_work_and_cloud_transcription_bills_nothing() {
    let server = start(config()).await;
    let app = 1_400_000_002u64;
    control(&server, "fixtures", json!({"Apps": [{"SdkAppId": app, "Rooms": []}]})).await;
    control(&server, "rooms/join", json!({"sdk_app_id": app, "room_id": 950, "user_id": "alice", "audio": true})).await;
    let mut bot = conversation("950", json!({}));
    bot["SdkAppId"] = json!(app);
    let bot = call(&server, "StartAIConversation", bot).await.ok()["TaskId"].as_str().unwrap().to_owned();
    let mut asr = transcription(
        "950",
        json!({"TranslationConfig": {"TargetLanguages": ["en"]},
            "TranscriptionParams": {"TranscriptionMode": 1, "TargetUserId": "alice"}}),
    );
    asr["SdkAppId"] = json!(app);
    let asr = call(&server, "StartAITranscription", asr).await.ok()["TaskId"].as_str().unwrap().to_owned();
    let mut ct = cloud("950", json!({"TranslationParam": {"TargetLang": ["en"]}, "TTSParam": []}));
    ct["SdkAppId"] = json!(app);
    call(&server, "CreateCloudTranscription", ct).await.ok();
    advance(&server, 600).await;
    call(&server, "StopAIConversation", json!({"TaskId": bot})).await.ok();
    call(&server, "StopAITranscription", json!({"TaskId": asr})).await.ok();
    advance(&server, 600).await;
    let usage = call(
        &server,
        "DescribeTRTCAIRecognitionUsage",
        json!({"StartTime": "2025-11-25 00:00:00", "EndTime": "2025-11-25 12:00:00",
            "AuType": ["conversation", "tts", "asr", "translation"], "SdkAppId": app.to_string()}),
    )
    .await;
    assert_eq!(usage.ok()["TotalUsage"], json!([10.0, 10.0, 10.0, 10.0]), "{}", usage.ok());
}
