//! Every action of the API definition over a real socket, driven by the definition itself: a
//! new action in the catalogue is covered without new test code.
//!
//! For each action: a minimal valid request succeeds (typed per the output definition); dropping
//! any required member, at any depth, gives `MissingParameter` naming its path; an extra member
//! gives `UnknownParameter`; a value of the wrong type, anywhere, gives `InvalidParameter`
//! naming its path.

use crate::common;
use crate::common::{GENERATED_NOW, Tc3, V1, config, start};
use serde_json::{Map, Value, json};

const NOW: i64 = GENERATED_NOW;

fn spec() -> Value {
    serde_json::from_str(&std::fs::read_to_string("spec/trtc-2019-07-22.json").unwrap()).unwrap()
}

fn object<'s>(spec: &'s Value, name: &str) -> &'s Vec<Value> {
    spec["objects"][name]["members"].as_array().unwrap()
}

/// A plausible value for a required member: the monitoring actions check their windows, the
/// rest only types.
fn example(spec: &Value, member: &Value) -> Value {
    let name = member["name"].as_str().unwrap();
    let ty = member["type"].as_str().unwrap();
    let one = match ty {
        "object" => minimal(spec, member["object"].as_str().unwrap()),
        "uint64" | "int64" => match name {
            "SdkAppId" | "SdkAppid" | "Sdkappid" => json!(1_400_000_001u64),
            "StartTime" => json!(NOW - 1800),
            "EndTime" => json!(NOW),
            _ => json!(1),
        },
        "float" => json!(1.0),
        "bool" => json!(false),
        "date" => json!(if name == "EndTime" { "2025-11-24" } else { "2025-11-23" }),
        _ => match name {
            "SdkAppId" => json!("1400000001"),
            "CommId" => json!(format!("1400000001_1_{}", NOW - 1800)),
            "StartTime" => json!("2025-11-23 00:00:00"),
            "EndTime" => json!("2025-11-23 12:00:00"),
            // The dashboards' granularity: by day or by hour.
            "Period" => json!("d"),
            _ => json!("x"),
        },
    };
    if member["list"] == true { json!([one]) } else { one }
}

/// Puts user "x" in numeric room 1 and string room "x" (the rooms of the minimal requests), so
/// that the room-control actions find someone to act on.
async fn occupy_rooms(url: &str) {
    for room in [json!(1), json!("x")] {
        let body = json!({"sdk_app_id": 1_400_000_001u64, "room_id": room, "user_id": "x"});
        let response = common::client().post(format!("{url}/_mock/rooms/join")).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 200);
    }
}

/// The request with only the required members, recursively.
fn minimal(spec: &Value, name: &str) -> Value {
    let mut map = Map::new();
    for member in object(spec, name) {
        if member["required"] == true {
            map.insert(member["name"].as_str().unwrap().to_owned(), example(spec, member));
        }
    }
    Value::Object(map)
}

/// The values of required members whose format or enumeration an action checks beyond the
/// definition's types (the usage family's dates, `MixType`, `AuType`, `Type`).
fn checked_values(action: &str) -> Value {
    match action {
        "DescribeTrtcUsage" | "DescribeRecordingUsage" | "DescribeMixTranscodingUsage" | "DescribeRelayUsage" => {
            json!({"StartTime": "2025-11-23", "EndTime": "2025-11-24", "MixType": "single"})
        }
        "DescribeTrtcRoomUsage" => json!({"StartTime": "2025-11-23 00:00", "EndTime": "2025-11-23 12:00"}),
        "DescribeTRTCAIRecognitionUsage" => json!({"AuType": ["conversation"]}),
        "DescribeTRTCSegmentModerationUsage" => json!({"Type": "audio"}),
        _ => json!({}),
    }
}

/// The minimal request of `action`, with the values it checks.
fn minimal_request(spec: &Value, action: &str) -> Value {
    let mut body = minimal(spec, spec["actions"][action]["input"].as_str().unwrap());
    let map = body.as_object_mut().unwrap();
    for (name, value) in checked_values(action).as_object().unwrap() {
        if let Some(slot) = map.get_mut(name) {
            *slot = value.clone();
        }
    }
    body
}

/// Dotted paths of every value in `value` (objects by key, arrays by index), leaves and inner
/// nodes alike, with the value there.
fn paths(value: &Value, prefix: &str, out: &mut Vec<(String, Value)>) {
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(items) => items.iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect(),
        _ => return,
    };
    for (key, child) in children {
        let path = if prefix.is_empty() { key } else { format!("{prefix}.{key}") };
        out.push((path.clone(), child.clone()));
        paths(child, &path, out);
    }
}

fn without(value: &Value, path: &str) -> Value {
    let mut copy = value.clone();
    let (parent, last) = path.rsplit_once('.').map_or(("", path), |(p, l)| (p, l));
    let target =
        if parent.is_empty() { Some(&mut copy) } else { copy.pointer_mut(&format!("/{}", parent.replace('.', "/"))) };
    if let Some(Value::Object(map)) = target {
        map.remove(last);
    }
    copy
}

fn replaced(value: &Value, path: &str, with: Value) -> Value {
    let mut copy = value.clone();
    *copy.pointer_mut(&format!("/{}", path.replace('.', "/"))).unwrap() = with;
    copy
}

/// A value of another JSON type than `value`'s.
fn wrong_type(value: &Value) -> Value {
    match value {
        Value::String(_) => json!(12),
        _ => json!("wrong"),
    }
}

fn request(spec: &Value, action: &str, body: Value) -> Tc3 {
    let mut request = Tc3::post(action, body);
    request.region = Some(
        spec["actions"][action]["regions"]
            .as_array()
            .and_then(|r| r.first())
            .and_then(Value::as_str)
            .unwrap_or("ap-guangzhou")
            .to_owned(),
    );
    request
}

/// Whether `path` names a required member (not an array element) of `action`'s input.
fn required_at(spec: &Value, action: &str, path: &str) -> bool {
    let segments: Vec<&str> = path.split('.').collect();
    let mut object_name = spec["actions"][action]["input"].as_str().unwrap().to_owned();
    let mut i = 0;
    loop {
        let Some(member) = object(spec, &object_name).iter().find(|m| m["name"] == segments[i]) else {
            return false;
        };
        if i + 1 == segments.len() {
            return member["required"] == true;
        }
        if member["list"] == true {
            i += 1; // the element's index
            if i + 1 == segments.len() {
                return false;
            }
        }
        match member["object"].as_str() {
            Some(inner) => object_name = inner.to_owned(),
            None => return false,
        }
        i += 1;
    }
}

#[tokio::test]
async fn every_action_validates_and_answers_from_the_catalogue() {
    let spec = spec();
    let server = start(config()).await;
    let url = server.url();
    let actions: Vec<String> = spec["actions"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(actions.len(), 89);
    let mut checked = 0;
    for action in &actions {
        let body = minimal_request(&spec, action);
        occupy_rooms(&url).await;

        // TextToSpeechSSE answers an event stream, checked in its own test.
        if action != "TextToSpeechSSE" {
            let reply = request(&spec, action, body.clone()).send(&url).await;
            if spec["actions"][action]["status"] == "deprecated" {
                assert_eq!(reply.code(), Some("UnsupportedOperation"), "{action}: {}", reply.raw);
            } else if let Some(code) = reply.code().filter(|_| trtc_mock::actions::handler(action).is_some()) {
                // A stateful action may refuse a minimal request (no such task): with one of its
                // documented codes. Its answers are checked in its family's own tests.
                let documented = spec["actions"][action]["error_codes"].as_array().unwrap();
                let common = trtc_mock::error::COMMON_CODES;
                assert!(documented.iter().any(|c| c == code) || common.contains(&code), "{action}: {}", reply.raw);
            } else {
                let out = reply.ok();
                for member in object(&spec, spec["actions"][action]["output"].as_str().unwrap()) {
                    let name = member["name"].as_str().unwrap();
                    let value = &out[name];
                    assert!(!value.is_null() || member["nullable"] == true, "{action}.{name} is null: {}", reply.raw);
                }
            }
        }

        let mut extra = body.clone();
        extra.as_object_mut().unwrap().insert("NotAParameter".into(), json!(1));
        let reply = request(&spec, action, extra).send(&url).await;
        assert_eq!(reply.code(), Some("UnknownParameter"), "{action}: {}", reply.raw);
        assert_eq!(reply.message(), "The parameter `NotAParameter` is not recognized.");

        let mut all = Vec::new();
        paths(&body, "", &mut all);
        for (path, value) in &all {
            if required_at(&spec, action, path) {
                let reply = request(&spec, action, without(&body, path)).send(&url).await;
                assert_eq!(reply.code(), Some("MissingParameter"), "{action} without {path}: {}", reply.raw);
                assert_eq!(reply.message(), format!("The request is missing a required parameter `{path}`."));
            }
            let reply = request(&spec, action, replaced(&body, path, wrong_type(value))).send(&url).await;
            assert_eq!(reply.code(), Some("InvalidParameter"), "{action} with a wrong {path}: {}", reply.raw);
            assert_eq!(reply.message(), format!("The value type of parameter `{path}` is not valid."));
            checked += 1;
        }
    }
    assert!(checked > 200, "{checked} members checked");
}

#[tokio::test]
async fn flat_parameters_of_nested_objects_are_rebuilt_by_type() {
    let server = start(config()).await;
    let business = [
        ("SdkAppId", "1400000001"),
        ("RoomId", "1"),
        ("UserId", "recorder"),
        ("UserSig", "sig"),
        ("RecordParams.RecordMode", "1"),
        ("RecordParams.SubscribeStreamUserIds.SubscribeAudioUserIds.0", "a"),
        ("StorageParams.CloudStorage.Vendor", "0"),
        ("StorageParams.CloudStorage.Region", "ap-guangzhou"),
        ("StorageParams.CloudStorage.Bucket", "b"),
        ("StorageParams.CloudStorage.AccessKey", "k"),
        ("StorageParams.CloudStorage.SecretKey", "s"),
    ];
    let reply = V1::new("POST", "CreateCloudRecording", &business).send(&server.url()).await;
    assert!(reply.ok()["TaskId"].as_str().unwrap().starts_with('-'));
    let mut missing = business.to_vec();
    missing.retain(|(k, _)| *k != "RecordParams.RecordMode");
    let reply = V1::new("POST", "CreateCloudRecording", &missing).send(&server.url()).await;
    assert_eq!(reply.message(), "The request is missing a required parameter `RecordParams.RecordMode`.");
    let mut wrong = business.to_vec();
    wrong.push(("RecordParams.MaxIdleTime", "soon"));
    let reply = V1::new("GET", "CreateCloudRecording", &wrong).send(&server.url()).await;
    assert_eq!(reply.message(), "The value type of parameter `RecordParams.MaxIdleTime` is not valid.");
    let ingest = json!({"SdkAppId": 1, "RoomId": "1", "RoomIdType": 1, "UserId": "i", "UserSig": "s", "StreamUrl": "https://a.b/v.mp4"});
    let started = Tc3::post("StartStreamIngest", ingest).send(&server.url()).await;
    let task = started.ok()["TaskId"].as_str().unwrap().to_owned();
    let reply = V1::new("POST", "UpdateStreamIngest", &[("SdkAppId", "1"), ("TaskId", &task), ("IsPause", "True")])
        .send(&server.url())
        .await;
    reply.ok();
    let reply = V1::new("POST", "UpdateStreamIngest", &[("SdkAppId", "1"), ("TaskId", &task), ("IsPause", "yes")])
        .send(&server.url())
        .await;
    assert_eq!(reply.message(), "The value type of parameter `IsPause` is not valid.");
}

#[tokio::test]
async fn task_ids_are_deterministic_for_the_seed_and_clock() {
    let a = start(config()).await;
    let b = start(config()).await;
    let start_bot = |url: String| async move {
        let reply = Tc3::post(
            "StartAIConversation",
            json!({"SdkAppId": 1400000001u64, "RoomId": "r", "RoomIdType": 1,
            "AgentConfig": {"UserId": "bot", "UserSig": "s", "TargetUserId": "u"},
            "LLMConfig": r#"{"LLMType":"openai","Model":"m","APIKey":"k","APIUrl":"https://llm.example/v1"}"#,
            "TTSConfig": r#"{"TTSType":"flow","VoiceId":"v"}"#}),
        )
        .send(&url)
        .await;
        reply.ok()["TaskId"].as_str().unwrap().to_owned()
    };
    let task = start_bot(a.url()).await;
    assert!(task.starts_with("v2_20251125_"), "{task}");
    assert_eq!(task, start_bot(b.url()).await, "same seed and clock, same TaskId");
}

#[tokio::test]
async fn streamed_speech_is_server_sent_events() {
    let server = start(config()).await;
    let mut request = Tc3::post(
        "TextToSpeechSSE",
        json!({"Text": "hello there, speech", "Voice": {"VoiceId": "v-female-R2s4N9qJ"}, "SdkAppId": 1400000001u64}),
    );
    request.region = Some("ap-beijing".into());
    let response = request.send_raw(&server.url()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let request_id = response.headers()["x-tc-requestid"].to_str().unwrap().to_owned();
    let text = response.text().await.unwrap();
    let events: Vec<Value> = text
        .split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| serde_json::from_str(e.strip_prefix("data: ").unwrap()).unwrap())
        .collect();
    assert!(events.len() > 1, "{} events", events.len());
    assert!(events.iter().all(|e| e["Type"] == "chunk" && e["RequestId"] == request_id.as_str()));
    assert_eq!(events.last().unwrap()["IsEnd"], true);
}

#[tokio::test]
async fn unimplemented_error_mode_leaves_every_handled_action_alone() {
    // Every action has a handler now: `--unimplemented error` only matters for an action the
    // definition gains before its handler exists.
    let server = start(trtc_mock::Config { unimplemented: trtc_mock::config::Unimplemented::Error, ..config() }).await;
    let reply = Tc3::post("DescribeCloudTranscription", json!({"SdkAppId": 1400000001u64, "TaskId": "t"}))
        .send(&server.url())
        .await;
    assert_eq!(reply.code(), Some("ResourceNotFound"), "{}", reply.raw);
    let semantic =
        Tc3::post("DescribeRoomInfo", json!({"SdkAppId": 1400000001u64, "StartTime": NOW - 60, "EndTime": NOW}))
            .send(&server.url())
            .await;
    semantic.ok();
}

#[test]
fn the_readme_coverage_table_is_the_codes() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme.find("<!-- actions:start -->\n").expect("README has the actions table")
        + "<!-- actions:start -->\n".len();
    let end = readme.find("<!-- actions:end -->").unwrap();
    assert_eq!(
        &readme[start..end],
        trtc_mock::gateway::dispatch::coverage_table(),
        "README's action table differs from the code: paste `trtc-mock actions` between the markers"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_trtc-mock")).arg("actions").output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), trtc_mock::gateway::dispatch::coverage_table());
}
