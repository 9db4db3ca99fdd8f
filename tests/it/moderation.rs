//! Moderation over a real socket, on the virtual clock: cloud moderation's lifecycle as the
//! users it subscribes to join, publish and leave (Idle, InProgress, Exited, then gone), Modify
//! replacing its lists, its limits (25 anchors, concurrency, ResourceExpiredHour) at and past
//! the boundary; live-stream moderation's life and its one-task-per-stream rule; the synchronous
//! audio verdict, its decoding checks and its markers; every documented code of each action.

use crate::common;
use crate::common::{GENERATED_NOW, Tc3, advance, assert_code, config, control, inspect, room_users, start};
use base64::Engine;
use serde_json::{Value, json};
use trtc_mock::Running;

const APP: u64 = 1_400_000_001;
const NOW: u64 = GENERATED_NOW as u64;

/// A call in a region the action is served in.
async fn call(server: &Running, action: &str, body: Value) -> common::Reply {
    request(action, body).send(&server.url()).await
}

fn request(action: &str, body: Value) -> Tc3 {
    let mut request = Tc3::post(action, body);
    if let Some(regions) = &trtc_mock::catalog::get().action(action).unwrap().regions {
        request.region = Some(regions[0].to_owned());
    }
    request
}

/// The test config with its account limited to APP, so that another SdkAppId is foreign.
fn restricted() -> trtc_mock::Config {
    trtc_mock::Config {
        accounts: vec![trtc_mock::Account {
            sdk_app_ids: Some(vec![APP]),
            ..trtc_mock::Account::new(common::ID, common::KEY)
        }],
        ..config()
    }
}

async fn join(server: &Running, room: Value, user: &str, extra: Value) {
    let mut body = json!({"sdk_app_id": APP, "room_id": room, "user_id": user});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    control(server, "rooms/join", body).await;
}

async fn publish(server: &Running, room: Value, user: &str, audio: bool, video: bool) {
    control(
        server,
        "rooms/publish",
        json!({"sdk_app_id": APP, "room_id": room, "user_id": user, "audio": audio, "video": video}),
    )
    .await;
}

async fn leave(server: &Running, room: Value, user: &str) {
    control(server, "rooms/leave", json!({"sdk_app_id": APP, "room_id": room, "user_id": user})).await;
}

fn create(room: &str, extra: Value) -> Value {
    let mut body = json!({
        "SdkAppId": APP, "RoomId": room, "UserId": "moderator_1", "UserSig": "sig",
        "ModerationParams": {"ModerationType": 1, "MaxIdleTime": 30},
        "ModerationStorageParams": {"CloudModerationStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "b-125", "AccessKey": "ak", "SecretKey": "sk"}}
    });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

async fn start_moderation(server: &Running, room: &str, extra: Value) -> String {
    let reply = call(server, "CreateCloudModeration", create(room, extra)).await;
    reply.ok()["TaskId"].as_str().unwrap().to_owned()
}

async fn describe(server: &Running, task: &str) -> common::Reply {
    call(server, "DescribeCloudModeration", json!({"SdkAppId": APP, "TaskId": task})).await
}

async fn status(server: &Running, task: &str) -> String {
    let reply = describe(server, task).await;
    match reply.code() {
        None => reply.ok()["Status"].as_str().unwrap().to_owned(),
        Some(code) => code.to_owned(),
    }
}

// ---- cloud moderation -------------------------------------------------------------------------

#[tokio::test]
async fn a_moderation_task_follows_the_users_who_join_publish_and_leave() {
    let server = start(config()).await;
    join(&server, json!(3001), "host", json!({"audio": false, "video": false})).await;
    let task = start_moderation(&server, "3001", json!({})).await;
    assert!(task.starts_with('-') && task.ends_with('.'), "{task}");
    assert_eq!(status(&server, &task).await, "Idle", "nobody publishes yet");
    let users = room_users(&server, APP, &json!(3001)).await;
    assert!(users.iter().any(|u| u["user_id"] == "moderator_1" && u["role"] == "audience" && u["task_id"] == task));

    // Audio moderation: a video stream alone is nothing to moderate.
    advance(&server, 20).await;
    publish(&server, json!(3001), "host", false, true).await;
    advance(&server, 9).await;
    assert_eq!(status(&server, &task).await, "Idle");
    publish(&server, json!(3001), "host", true, true).await;
    assert_eq!(status(&server, &task).await, "InProgress", "29 s idle: the audio arrived in time");
    advance(&server, 100).await;
    assert_eq!(status(&server, &task).await, "InProgress");

    // The anchor leaves: MaxIdleTime (30 s) later the task exits, Exited for 10 s, then gone.
    leave(&server, json!(3001), "host").await;
    advance(&server, 29).await;
    assert_eq!(status(&server, &task).await, "Idle");
    advance(&server, 1).await;
    assert_eq!(status(&server, &task).await, "Exited");
    assert_code(
        &call(&server, "DeleteCloudModeration", json!({"SdkAppId": APP, "TaskId": task})).await,
        "ResourceNotFound.ResourceNotFound",
    );
    advance(&server, 10).await;
    assert_eq!(status(&server, &task).await, "ResourceNotFound");
    assert_code(
        &call(&server, "DeleteCloudModeration", json!({"SdkAppId": APP, "TaskId": task})).await,
        "ResourceNotFound",
    );
    assert_code(
        &call(&server, "ModifyCloudModeration", json!({"SdkAppId": APP, "TaskId": task})).await,
        "ResourceNotFound",
    );

    // The control plane keeps the whole story, and what the task billed.
    let shown = inspect(&server, &format!("tasks?sdk_app_id={APP}&family=cloud_moderation")).await;
    let shown = &shown["tasks"][0];
    assert_eq!(
        shown["history"],
        json!([
            {"at": NOW, "state": "idle"},
            {"at": NOW + 29, "state": "working"},
            {"at": NOW + 129, "state": "idle"},
            {"at": NOW + 159, "state": "exiting"},
            {"at": NOW + 169, "state": "gone"},
        ])
    );
    assert_eq!(shown["ended"], json!({"at": NOW + 159, "reason": "idle_timeout"}));
    assert_eq!(shown["services"], json!([{"service": "moderation", "audio": true, "picture_interval": null}]));
    // The robot left with its task.
    assert!(room_users(&server, APP, &json!(3001)).await.is_empty());
}

#[tokio::test]
async fn modify_replaces_the_lists_and_delete_ends_the_task() {
    let server = start(config()).await;
    join(&server, json!("show"), "a", json!({})).await;
    join(&server, json!("show"), "b", json!({})).await;
    let task = start_moderation(
        &server,
        "show",
        json!({"RoomIdType": 0, "ModerationParams": {"ModerationType": 3, "SliceVideo": 10,
            "SubscribeStreamUserIds": {"SubscribeAudioUserIds": ["a"], "SubscribeVideoUserIds": ["a"], "UnSubscribeVideoUserIds": ["b"]}}}),
    )
    .await;
    let described = describe(&server, &task).await;
    assert_eq!(described.ok()["Status"], "InProgress");
    assert_eq!(
        described.ok()["SubscribeStreamUserIds"],
        json!({"SubscribeAudioUserIds": ["a"], "UnSubscribeAudioUserIds": [], "SubscribeVideoUserIds": ["a"], "UnSubscribeVideoUserIds": ["b"]})
    );
    // In full: the lists left out are cleared; a list naming someone absent leaves it idle.
    advance(&server, 5).await;
    call(
        &server,
        "ModifyCloudModeration",
        json!({"SdkAppId": APP, "TaskId": task, "SubscribeStreamUserIds": {"SubscribeAudioUserIds": ["nobody"], "SubscribeVideoUserIds": ["nobody"]}}),
    )
    .await
    .ok();
    let described = describe(&server, &task).await;
    assert_eq!(described.ok()["Status"], "Idle");
    assert_eq!(
        described.ok()["SubscribeStreamUserIds"],
        json!({"SubscribeAudioUserIds": ["nobody"], "UnSubscribeAudioUserIds": [], "SubscribeVideoUserIds": ["nobody"], "UnSubscribeVideoUserIds": []})
    );
    // A pattern takes them back.
    advance(&server, 5).await;
    call(
        &server,
        "ModifyCloudModeration",
        json!({"SdkAppId": APP, "TaskId": task, "SubscribeStreamUserIds": {"SubscribeVideoUserIds": ["b.*$"]}}),
    )
    .await
    .ok();
    assert_eq!(status(&server, &task).await, "InProgress");
    let shown = inspect(&server, &format!("tasks?sdk_app_id={APP}&family=cloud_moderation")).await;
    assert_eq!(
        shown["tasks"][0]["services"],
        json!([{"service": "moderation", "audio": true, "picture_interval": 10}])
    );
    assert_eq!(
        shown["tasks"][0]["params"]["ModerationParams"]["SubscribeStreamUserIds"]["SubscribeVideoUserIds"],
        json!(["b.*$"])
    );

    // Racing deletes: one succeeds, the others find it ended.
    let url = server.url();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let request = request("DeleteCloudModeration", json!({"SdkAppId": APP, "TaskId": task}));
            let url = url.clone();
            tokio::spawn(async move { request.send(&url).await })
        })
        .collect();
    let mut codes = Vec::new();
    for h in handles {
        codes.push(h.await.unwrap().code().map(str::to_owned));
    }
    assert_eq!(codes.iter().filter(|c| c.is_none()).count(), 1, "{codes:?}");
    assert!(codes.iter().flatten().all(|c| c == "ResourceNotFound.ResourceNotFound"), "{codes:?}");
    assert_eq!(status(&server, &task).await, "Exited");

    // A dismissed room ends a task at once.
    let second = start_moderation(&server, "show", json!({"RoomIdType": 0, "UserId": "moderator_2"})).await;
    call(&server, "DismissRoomByStrRoomId", json!({"SdkAppId": APP, "RoomId": "show"})).await.ok();
    assert_eq!(status(&server, &second).await, "Exited");
}

#[tokio::test]
async fn at_most_25_anchors_and_the_documented_ranges() {
    let server = start(config()).await;
    let users = |n: usize| (0..n).map(|i| format!("u{i}")).collect::<Vec<_>>();
    let with = |params: Value| {
        let mut p = json!({"ModerationType": 1});
        p.as_object_mut().unwrap().extend(params.as_object().unwrap().clone());
        json!({"ModerationParams": p})
    };
    start_moderation(&server, "1", with(json!({"SubscribeStreamUserIds": {"SubscribeAudioUserIds": users(25)}}))).await;
    let over = call(
        &server,
        "CreateCloudModeration",
        create("1", with(json!({"SubscribeStreamUserIds": {"SubscribeVideoUserIds": users(26)}}))),
    )
    .await;
    assert_code(&over, "InvalidParameter.OutOfRange");
    assert!(over.message().contains("SubscribeVideoUserIds"), "{}", over.message());
    let task = start_moderation(&server, "1", json!({"UserId": "m2"})).await;
    assert_code(
        &call(
            &server,
            "ModifyCloudModeration",
            json!({"SdkAppId": APP, "TaskId": task, "SubscribeStreamUserIds": {"SubscribeAudioUserIds": users(26)}}),
        )
        .await,
        "InvalidParameter.OutOfRange",
    );
    // Each range at its ends, and one past.
    for (name, low, high) in
        [("MaxIdleTime", 5, 1800), ("SliceAudio", 15, 60), ("SliceVideo", 1, 60), ("ModerationType", 1, 3)]
    {
        for (value, ok) in [(low, true), (high, true), (low - 1, false), (high + 1, false)] {
            let reply = call(
                &server,
                "CreateCloudModeration",
                create("1", json!({"UserId": format!("r_{name}_{value}"), "ModerationParams": {name: value}})),
            )
            .await;
            if ok {
                reply.ok();
            } else {
                assert_code(&reply, "InvalidParameter.OutOfRange");
            }
        }
    }
    for (hours, ok) in [(6, true), (72, true), (5, false), (73, false)] {
        let reply =
            call(&server, "CreateCloudModeration", create("1", json!({"UserId": "h", "ResourceExpiredHour": hours})))
                .await;
        assert_eq!(reply.code().is_none(), ok, "{hours}: {}", reply.raw);
    }
}

#[tokio::test]
async fn the_task_id_expires_after_resource_expired_hour_and_tasks_are_limited() {
    let mut cfg = config();
    cfg.task_limits = trtc_mock::world::tasks::Limits::parse("cloud_moderation=2").unwrap();
    let server = start(cfg).await;
    join(&server, json!(5), "a", json!({})).await;
    let first = start_moderation(&server, "5", json!({"ResourceExpiredHour": 6, "UserId": "m1"})).await;
    let second = start_moderation(&server, "5", json!({"UserId": "m2"})).await;
    assert_code(
        &call(&server, "CreateCloudModeration", create("5", json!({"UserId": "m3"}))).await,
        "FailedOperation.RestrictedConcurrency",
    );
    advance(&server, 6 * 3600 - 1).await;
    assert_eq!(status(&server, &first).await, "InProgress");
    advance(&server, 1).await;
    assert_eq!(status(&server, &first).await, "ResourceNotFound", "the TaskId no longer answers");
    // The task itself goes on: a third still does not fit, until one ends.
    assert_code(
        &call(&server, "CreateCloudModeration", create("5", json!({"UserId": "m3"}))).await,
        "FailedOperation.RestrictedConcurrency",
    );
    // The default ResourceExpiredHour is 24.
    advance(&server, 18 * 3600 - 1).await;
    assert_eq!(status(&server, &second).await, "InProgress");
    advance(&server, 1).await;
    assert_eq!(status(&server, &second).await, "ResourceNotFound");
    // Removing the robot of the first ends it: room for a third.
    call(&server, "RemoveUser", json!({"SdkAppId": APP, "RoomId": 5, "UserIds": ["m1"]})).await.ok();
    start_moderation(&server, "5", json!({"UserId": "m3"})).await;

    // The defaults: 500 of each moderation family.
    let limits = trtc_mock::world::tasks::Limits::default();
    assert!(limits.describe().contains("cloud_moderation=500,live_stream_moderation=500"), "{}", limits.describe());
}

#[tokio::test]
async fn cloud_moderation_codes() {
    let server = start(restricted()).await;
    let cos = json!({"Vendor": 0, "Region": "r", "Bucket": "b", "AccessKey": "a", "SecretKey": "s"});
    let with = |k: &str, v: Value| {
        let mut c = cos.clone();
        c[k] = v;
        json!({"ModerationStorageParams": {"CloudModerationStorage": c}})
    };
    let cases = [
        (json!({"SdkAppId": 0}), "MissingParameter.SdkAppId"),
        (json!({"SdkAppId": 1_400_000_999u64}), "InvalidParameter.SdkAppId"),
        (json!({"RoomId": ""}), "MissingParameter.RoomId"),
        (json!({"RoomId": "abc"}), "InvalidParameter.OutOfRange"),
        (json!({"RoomId": "abc", "RoomIdType": 2}), "InvalidParameter.OutOfRange"),
        (json!({"UserId": ""}), "MissingParameter.UserId"),
        (json!({"UserSig": ""}), "MissingParameter.UserSig"),
        (json!({"ModerationParams": {"SaveModerationFile": 3}}), "InvalidParameter.OutOfRange"),
        (json!({"ModerationParams": {"CallbackAllResults": 2}}), "InvalidParameter.OutOfRange"),
        (json!({"ModerationStorageParams": {}}), "MissingParameter.SliceStorageParams"),
        (with("Bucket", json!("")), "MissingParameter.Bucket"),
        (with("Region", json!("")), "MissingParameter.Region"),
        (with("AccessKey", json!("")), "MissingParameter.AccessKey"),
        (with("SecretKey", json!("")), "MissingParameter.SecretKey"),
        (with("Vendor", json!(3)), "InvalidParameter.OutOfRange"),
        (with("FileNamePrefix", json!(["a/b"])), "InvalidParameter.OutOfRange"),
    ];
    for (extra, code) in cases {
        assert_code(&call(&server, "CreateCloudModeration", create("1", extra.clone())).await, code);
    }
    // Vendor 2 (Aliyun OSS) and no storage at all (optional in the CN edition) are accepted.
    call(&server, "CreateCloudModeration", create("1", with("Vendor", json!(2)))).await.ok();
    let mut bare = create("1", json!({"UserId": "bare"}));
    bare.as_object_mut().unwrap().remove("ModerationStorageParams");
    call(&server, "CreateCloudModeration", bare).await.ok();

    for action in ["DescribeCloudModeration", "ModifyCloudModeration", "DeleteCloudModeration"] {
        assert_code(&call(&server, action, json!({"SdkAppId": APP, "TaskId": ""})).await, "MissingParameter.TaskId");
        assert_code(&call(&server, action, json!({"SdkAppId": 0, "TaskId": "t"})).await, "MissingParameter.SdkAppId");
        assert_code(&call(&server, action, json!({"SdkAppId": APP, "TaskId": "-nope."})).await, "ResourceNotFound");
        let foreign = if action == "ModifyCloudModeration" {
            "AuthFailure.UnauthorizedOperation"
        } else {
            "InvalidParameter.SdkAppId"
        };
        assert_code(&call(&server, action, json!({"SdkAppId": 1_400_000_999u64, "TaskId": "t"})).await, foreign);
    }
    // Another family's TaskId is not a moderation task.
    let recording = call(
        &server,
        "CreateCloudRecording",
        json!({"SdkAppId": APP, "RoomId": "1", "UserId": "rec", "UserSig": "s", "RecordParams": {"RecordMode": 1},
            "StorageParams": {"CloudStorage": cos}}),
    )
    .await;
    let other = recording.ok()["TaskId"].as_str().unwrap();
    assert_code(&describe(&server, other).await, "ResourceNotFound");
}

/// The codes of each action's list that stand for the backend or the account, not the
/// request: what `/_mock/faults` answers for them.
#[tokio::test]
async fn backend_codes_come_through_faults() {
    let server = start(config()).await;
    let actions = [
        ("CreateCloudModeration", create("1", json!({}))),
        ("DescribeCloudModeration", json!({"SdkAppId": APP, "TaskId": "t"})),
        ("ModifyCloudModeration", json!({"SdkAppId": APP, "TaskId": "t"})),
        ("DeleteCloudModeration", json!({"SdkAppId": APP, "TaskId": "t"})),
        ("CreateLiveStreamModeration", live(json!({}))),
        ("DescribeLiveStreamModeration", json!({"SdkAppId": APP, "TaskId": "t"})),
        ("DeleteLiveStreamModeration", json!({"SdkAppId": APP, "TaskId": "t"})),
    ];
    for (action, body) in actions {
        let codes: Vec<String> =
            trtc_mock::catalog::get().action(action).unwrap().error_codes.iter().map(|c| (*c).to_owned()).collect();
        for code in codes.iter().filter(|c| {
            c.starts_with("AuthFailure")
                || c.contains("Internal")
                || c.contains("UnsupportMethod")
                || *c == "UnsupportedOperation"
                || *c == "FailedOperation"
                || c.starts_with("MissingParameter.Slice")
                || *c == "MissingParameter.Vendor"
                || (action.starts_with("Create") && *c == "MissingParameter.TaskId")
                || (!action.starts_with("Create")
                    && (*c == "MissingParameter.RoomId" || *c == "MissingParameter.UserId"))
        }) {
            control(&server, "faults", json!({"action": action, "error": {"code": code}, "count": 1})).await;
            assert_code(&call(&server, action, body.clone()).await, code);
        }
    }
}

// ---- live-stream moderation -------------------------------------------------------------------

fn live(extra: Value) -> Value {
    let mut body = json!({
        "SdkAppId": APP, "Input": {"Url": "rtmp://live.example.com/app/stream", "Format": "rtmp"},
        "LiveModerationParams": {"ModerationType": 3}, "DataId": "order-42",
        "SourceInfo": {"RoomId": "8", "RoomIdType": 1, "UserId": "anchor"}
    });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

async fn live_status(server: &Running, task: &str) -> String {
    let reply = call(server, "DescribeLiveStreamModeration", json!({"SdkAppId": APP, "TaskId": task})).await;
    match reply.code() {
        None => reply.ok()["Status"].as_str().unwrap().to_owned(),
        Some(code) => code.to_owned(),
    }
}

#[tokio::test]
async fn a_live_stream_is_moderated_until_deleted_or_its_life_ends() {
    let server = start(config()).await;
    let reply = call(&server, "CreateLiveStreamModeration", live(json!({}))).await;
    let task = reply.ok()["TaskId"].as_str().unwrap().to_owned();
    assert_eq!(task.len(), 116);
    assert!(task.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'), "{task}");
    assert_eq!(live_status(&server, &task).await, "InProgress");
    // One task per stream.
    let again = call(&server, "CreateLiveStreamModeration", live(json!({"DataId": "other"}))).await;
    assert_code(&again, "FailedOperation");
    assert!(again.message().contains("rtmp://live.example.com/app/stream"), "{}", again.message());
    // DataId and SourceInfo are kept as given; no room is joined.
    let shown = inspect(&server, &format!("tasks?sdk_app_id={APP}&family=live_stream_moderation")).await;
    let shown = &shown["tasks"][0];
    assert_eq!(shown["params"]["DataId"], "order-42");
    assert_eq!(shown["params"]["SourceInfo"]["UserId"], "anchor");
    assert_eq!(shown["room"], Value::Null);
    assert_eq!(shown["robot"], Value::Null);

    // The default life is 48 h.
    advance(&server, 48 * 3600 - 1).await;
    assert_eq!(live_status(&server, &task).await, "InProgress");
    advance(&server, 1).await;
    assert_eq!(live_status(&server, &task).await, "Exited");
    assert_code(
        &call(&server, "DeleteLiveStreamModeration", json!({"SdkAppId": APP, "TaskId": task})).await,
        "ResourceNotFound.ResourceNotFound",
    );
    advance(&server, 10).await;
    assert_eq!(live_status(&server, &task).await, "ResourceNotFound");
    // The stream is free again.
    let next = call(&server, "CreateLiveStreamModeration", live(json!({"ResourceExpiredHour": 1}))).await;
    let next = next.ok()["TaskId"].as_str().unwrap().to_owned();
    advance(&server, 100).await;
    call(&server, "DeleteLiveStreamModeration", json!({"SdkAppId": APP, "TaskId": next})).await.ok();
    assert_eq!(live_status(&server, &next).await, "Exited");
    advance(&server, 10).await;
    assert_code(
        &call(&server, "DeleteLiveStreamModeration", json!({"SdkAppId": APP, "TaskId": next})).await,
        "ResourceNotFound",
    );
    // An Agora channel is a stream too.
    let agora = json!({"Input": {"AgoraParam": {"AppId": "agora-app", "Channel": "ch1", "ChannelProfile": 1}}});
    call(&server, "CreateLiveStreamModeration", live(agora.clone())).await.ok();
    assert_code(&call(&server, "CreateLiveStreamModeration", live(agora)).await, "FailedOperation");
}

#[tokio::test]
async fn live_stream_moderation_limits_and_codes() {
    let mut cfg = restricted();
    cfg.task_limits = trtc_mock::world::tasks::Limits::parse("live_stream_moderation=1").unwrap();
    let server = start(cfg).await;
    let url = |n: usize| json!({"Input": {"Url": format!("rtmp://live.example.com/app/{}", "s".repeat(n))}});
    let with = |params: Value| json!({"LiveModerationParams": params});
    let cases = [
        (json!({"SdkAppId": 0}), "MissingParameter.SdkAppId"),
        (json!({"SdkAppId": 1_400_000_999u64}), "InvalidParameter.SdkAppId"),
        (json!({"Input": {}}), "InvalidParameter.OutOfRange"),
        (json!({"Input": {"Url": "ftp://x/y"}}), "InvalidParameter.OutOfRange"),
        (json!({"Input": {"Url": "rtmp://x/y", "Format": "hls"}}), "InvalidParameter.OutOfRange"),
        (json!({"Input": {"AgoraParam": {"AppId": "a"}}}), "InvalidParameter.OutOfRange"),
        (url(2048 - 28), "InvalidParameter.OutOfRange"),
        (json!({"DataId": "d".repeat(61)}), "InvalidParameter.OutOfRange"),
        (json!({"SourceInfo": {"RoomIdType": 2}}), "InvalidParameter.OutOfRange"),
        (json!({"ResourceExpiredHour": 0}), "InvalidParameter.OutOfRange"),
        (json!({"ResourceExpiredHour": 73}), "InvalidParameter.OutOfRange"),
        (with(json!({"ModerationType": 4})), "InvalidParameter.OutOfRange"),
        (with(json!({"MaxIdleTime": 29})), "InvalidParameter.OutOfRange"),
        (with(json!({"MaxIdleTime": 1801})), "InvalidParameter.OutOfRange"),
        (with(json!({"SliceVideo": 0})), "InvalidParameter.OutOfRange"),
        (with(json!({"SliceVideo": 61})), "InvalidParameter.OutOfRange"),
        (with(json!({"SliceAudio": 4})), "InvalidParameter.OutOfRange"),
        (with(json!({"SliceAudio": 61})), "InvalidParameter.OutOfRange"),
        (with(json!({"SaveModerationFile": 3})), "InvalidParameter.OutOfRange"),
        (with(json!({"CallbackAllResults": 2})), "InvalidParameter.OutOfRange"),
        (
            json!({"LiveModerationStorageParams": {"CloudModerationStorage": {"Vendor": 3, "Region": "r", "Bucket": "b", "AccessKey": "a", "SecretKey": "s"}}}),
            "InvalidParameter.OutOfRange",
        ),
    ];
    for (extra, code) in cases {
        let reply = call(&server, "CreateLiveStreamModeration", live(extra.clone())).await;
        assert_code(&reply, code);
    }
    // At the boundaries: a URL of 2047 characters, a DataId of 60, the extreme ranges.
    let boundary = json!({
        "Input": {"Url": format!("rtmp://live.example.com/app/{}", "s".repeat(2047 - 28))},
        "DataId": "d".repeat(60), "ResourceExpiredHour": 72,
        "LiveModerationParams": {"ModerationType": 1, "MaxIdleTime": 1800, "SliceVideo": 60, "SliceAudio": 5}
    });
    assert_eq!(boundary["Input"]["Url"].as_str().unwrap().len(), 2047);
    let task = call(&server, "CreateLiveStreamModeration", live(boundary)).await.ok()["TaskId"].clone();
    // The limit, configured to 1.
    assert_code(
        &call(&server, "CreateLiveStreamModeration", live(url(1))).await,
        "FailedOperation.RestrictedConcurrency",
    );
    call(&server, "DeleteLiveStreamModeration", json!({"SdkAppId": APP, "TaskId": task})).await.ok();
    call(&server, "CreateLiveStreamModeration", live(url(1))).await.ok();

    for action in ["DescribeLiveStreamModeration", "DeleteLiveStreamModeration"] {
        assert_code(&call(&server, action, json!({"SdkAppId": APP, "TaskId": ""})).await, "MissingParameter.TaskId");
        assert_code(&call(&server, action, json!({"SdkAppId": APP, "TaskId": "nope"})).await, "ResourceNotFound");
        assert_code(
            &call(&server, action, json!({"SdkAppId": 1_400_000_999u64, "TaskId": "t"})).await,
            "AuthFailure.UnauthorizedOperation",
        );
    }
}

// ---- synchronous audio moderation -------------------------------------------------------------

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A WAV file of `seconds` of a tone, 16-bit PCM.
fn wav(seconds: u32, rate: u32, channels: u16, bits: u16) -> Vec<u8> {
    let spec =
        hound::WavSpec { channels, sample_rate: rate, bits_per_sample: bits, sample_format: hound::SampleFormat::Int };
    let mut out = std::io::Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut out, spec).unwrap();
    for i in 0..seconds * rate * u32::from(channels) {
        let v = ((i % 100) as i32 - 50) * 100;
        if bits == 16 {
            writer.write_sample(v as i16).unwrap();
        } else {
            writer.write_sample(v).unwrap();
        }
    }
    writer.finalize().unwrap();
    out.into_inner()
}

/// An MP3 of `frames` silent MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz, mono: 1152 samples,
/// 417 bytes each).
fn mp3(frames: usize) -> Vec<u8> {
    let mut frame = vec![0u8; 417];
    frame[..4].copy_from_slice(&[0xFF, 0xFB, 0x90, 0xC0]);
    frame.repeat(frames)
}

fn m4a() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/clip.m4a")).unwrap()
}

async fn moderate(server: &Running, body: Value) -> common::Reply {
    call(server, "CreateAudioModerationSync", body).await
}

#[tokio::test]
async fn each_format_decodes_and_the_verdict_follows_the_content() {
    let server = start(config()).await;
    // The expected duration, give or take the codec's frame (AAC adds its priming and padding).
    for (format, bytes, millis, slack) in [
        ("wav", wav(3, 16_000, 1, 16), 3000, 0),
        ("wav", wav(2, 48_000, 2, 16), 2000, 0),
        ("mp3", mp3(100), 100 * 1152 * 1000 / 44_100, 30),
        ("m4a", m4a(), 2000, 150),
    ] {
        let body = json!({"Sdkappid": APP, "DataId": "d-1@x#2", "FileName": "clip_1", "FileFormat": format, "FileContent": b64(&bytes)});
        let first = moderate(&server, body.clone()).await;
        let out = first.ok().clone();
        let duration = out["Duration"].as_i64().unwrap();
        assert!((duration - millis).abs() <= slack, "{format}: {duration} ms, expected about {millis}");
        assert_eq!(out["DataId"], "d-1@x#2");
        assert_eq!(out["FileName"], "clip_1");
        assert_eq!(out["MediaType"], 1);
        assert!((80..=100).contains(&out["Rate"].as_i64().unwrap()), "{out}");
        assert!(trtc_mock::actions::audio_moderation::LABELS.contains(&out["Label"].as_str().unwrap()));
        assert_eq!(out["CheckDetail"].as_array().unwrap().is_empty(), out["Label"] == "Normal");
        // The same content: the same verdict, TaskId included.
        assert_eq!(moderate(&server, body).await.without_request_id(), first.without_request_id());
    }
    // A second server with the same seed says the same.
    let other = start(config()).await;
    let body = json!({"FileFormat": "mp3", "FileContent": b64(&mp3(10))});
    assert_eq!(
        moderate(&server, body.clone()).await.without_request_id(),
        moderate(&other, body).await.without_request_id()
    );
    // Different content: verdicts of every kind, most of them a pass.
    let mut suggests = [0usize; 3];
    for frames in 1..=120 {
        let out = moderate(&server, json!({"FileFormat": "mp3", "FileContent": b64(&mp3(frames))})).await;
        suggests[out.ok()["Suggest"].as_i64().unwrap() as usize] += 1;
    }
    assert!(suggests[0] > 70 && suggests[1] > 0 && suggests[2] > 0, "{suggests:?}");
    // A URL is not fetched: its verdict follows the address, its duration is unknown.
    let url = moderate(&server, json!({"FileUrl": "https://media.example/a.mp3"})).await;
    assert_eq!(url.ok()["Audio"], "https://media.example/a.mp3");
    assert_eq!(url.ok()["Duration"], 0);
}

#[tokio::test]
async fn a_marker_chooses_each_verdict() {
    let server = start(config()).await;
    let content = b64(&wav(1, 16_000, 1, 16));
    for label in trtc_mock::actions::audio_moderation::LABELS {
        for (marker, suggest) in [("", if label == "Normal" { 0 } else { 2 }), ("_suggest-1", 1), ("_suggest-0", 0)] {
            let name = format!("clip_label-{label}{marker}");
            let out = moderate(&server, json!({"FileFormat": "wav", "FileName": name, "FileContent": content})).await;
            let out = out.ok();
            assert_eq!(out["Label"], label, "{name}");
            assert_eq!(out["Suggest"], suggest, "{name}");
            let detail = out["CheckDetail"].as_array().unwrap();
            if label == "Normal" {
                assert!(detail.is_empty());
            } else {
                assert_eq!(detail[0]["Label"], label);
                assert_eq!(detail[0]["Suggest"], suggest);
                assert_eq!(detail[0]["Score"], out["Rate"]);
                assert_eq!(detail[0]["AudioSegments"], json!({"StartTime": 0.0, "FinishTime": 1.0}));
            }
        }
    }
    // In the DataId too.
    let out = moderate(&server, json!({"FileFormat": "wav", "DataId": "u7_label-Abuse", "FileContent": content})).await;
    assert_eq!(out.ok()["Label"], "Abuse");
}

#[tokio::test]
async fn audio_moderation_codes() {
    let server = start(restricted()).await;
    let good = b64(&wav(1, 16_000, 1, 16));
    let cases = [
        (json!({}), "MissingParameter"),
        (json!({"FileContent": good}), "MissingParameter"),
        (json!({"FileFormat": "wav", "FileContent": good, "FileUrl": "https://a.example/b.wav"}), "InvalidParameter"),
        (json!({"FileFormat": "ogg", "FileContent": good}), "InvalidParameterValue"),
        (json!({"FileFormat": "WAV", "FileContent": good}), "InvalidParameterValue"),
        (json!({"FileFormat": "wav", "FileContent": "not base64!"}), "InvalidParameterValue"),
        (json!({"FileFormat": "wav", "FileContent": good, "FileName": "a.wav"}), "InvalidParameterValue"),
        (json!({"FileFormat": "wav", "FileContent": good, "FileName": "f".repeat(65)}), "InvalidParameterValue"),
        (json!({"FileFormat": "wav", "FileContent": good, "DataId": "d d"}), "InvalidParameterValue"),
        (json!({"FileFormat": "wav", "FileContent": good, "DataId": "d".repeat(65)}), "InvalidParameterValue"),
        (json!({"FileUrl": "ftp://a.example/b.wav"}), "InvalidParameterValue"),
        (json!({"FileUrl": "https://"}), "InvalidParameterValue"),
        (json!({"Sdkappid": -1, "FileUrl": "https://a.example/b.wav"}), "InvalidParameterValue"),
        (
            json!({"Sdkappid": 1_400_000_999u64, "FileUrl": "https://a.example/b.wav"}),
            "AuthFailure.UnauthorizedOperation",
        ),
        // Content that is not what FileFormat says.
        (json!({"FileFormat": "mp3", "FileContent": good}), "InvalidParameter"),
        (json!({"FileFormat": "m4a", "FileContent": b64(&mp3(20))}), "InvalidParameter"),
        (json!({"FileFormat": "wav", "FileContent": b64(&m4a())}), "InvalidParameter"),
        (json!({"FileFormat": "mp3", "FileContent": b64(&[7u8; 4000])}), "InvalidParameter"),
        // WAV: 16-bit PCM, 16–48 kHz, mono or stereo, every announced sample present.
        (json!({"FileFormat": "wav", "FileContent": b64(&wav(1, 8_000, 1, 16))}), "InvalidParameter"),
        (json!({"FileFormat": "wav", "FileContent": b64(&wav(1, 16_000, 1, 32))}), "InvalidParameter"),
        (json!({"FileFormat": "wav", "FileContent": b64(&wav(1, 16_000, 3, 16))}), "InvalidParameter"),
        (json!({"FileFormat": "wav", "FileContent": b64(&wav(1, 16_000, 1, 16)[..20_000])}), "InvalidParameter"),
    ];
    for (body, code) in cases {
        let reply = moderate(&server, body.clone()).await;
        assert_code(&reply, code);
    }
    // 60 s is the most; 61 s is too long, whatever the format.
    moderate(&server, json!({"FileFormat": "wav", "FileContent": b64(&wav(60, 16_000, 1, 16))})).await.ok();
    let too_long = moderate(&server, json!({"FileFormat": "wav", "FileContent": b64(&wav(61, 16_000, 1, 16))})).await;
    assert_code(&too_long, "InvalidParameter");
    assert!(too_long.message().contains("60 s"), "{}", too_long.message());
    let frames_60s = 60 * 44_100 / 1152;
    moderate(&server, json!({"FileFormat": "mp3", "FileContent": b64(&mp3(frames_60s))})).await.ok();
    assert_code(
        &moderate(&server, json!({"FileFormat": "mp3", "FileContent": b64(&mp3(frames_60s + 40))})).await,
        "InvalidParameter",
    );
    // 5 MB is the most: 30 s of 48 kHz stereo is 5.5 MB.
    let big = wav(30, 48_000, 2, 16);
    assert!(big.len() > 5 * 1024 * 1024);
    let too_big = moderate(&server, json!({"FileFormat": "wav", "FileContent": b64(&big)})).await;
    assert_code(&too_big, "InvalidParameter");
    assert!(too_big.message().contains("5 MB"), "{}", too_big.message());
}

/// A moderation task bills what it took while it worked, and only that: in an app with no
/// history, 10 minutes of one anchor's audio and video are 10 audio minutes and a picture every
/// `SliceVideo` seconds; the idle minute before the anchor published and the time after Delete
/// bill nothing. Live-stream moderation joins no room and bills nothing here.
#[tokio::test]
async fn moderation_usage_follows_the_task() {
    const EMPTY: u64 = 1_400_000_777;
    let server = start(config()).await;
    control(&server, "fixtures", json!({"Apps": [{"SdkAppId": EMPTY, "Rooms": []}]})).await;
    let room = json!({"sdk_app_id": EMPTY, "room_id": 601});
    let with = |extra: Value| {
        let mut body = room.clone();
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    control(&server, "rooms/join", with(json!({"user_id": "host", "audio": false, "video": false}))).await;
    let mut body =
        create("601", json!({"ModerationParams": {"ModerationType": 3, "SliceVideo": 10, "MaxIdleTime": 120}}));
    body["SdkAppId"] = json!(EMPTY);
    let task = call(&server, "CreateCloudModeration", body).await.ok()["TaskId"].as_str().unwrap().to_owned();
    advance(&server, 60).await;
    control(&server, "rooms/publish", with(json!({"user_id": "host", "audio": true, "video": true}))).await;
    advance(&server, 600).await;
    call(&server, "DeleteCloudModeration", json!({"SdkAppId": EMPTY, "TaskId": task})).await.ok();
    advance(&server, 600).await;
    let usage = |kind: &str| json!({"StartTime": "2025-11-25 00:00:00", "EndTime": "2025-11-26 00:00:00", "Type": kind, "Business": 0, "SdkAppId": EMPTY});
    let audio = call(&server, "DescribeTRTCSegmentModerationUsage", usage("audio")).await;
    assert_eq!(audio.ok()["TotalUsage"], json!([10]), "{}", audio.raw);
    let pictures = call(&server, "DescribeTRTCSegmentModerationUsage", usage("picture")).await;
    assert_eq!(pictures.ok()["TotalUsage"], json!([60]), "{}", pictures.raw);
    let sliced = call(&server, "DescribeTRTCSegmentModerationUsage", json!({"StartTime": "2025-11-25 00:00:00", "EndTime": "2025-11-26 00:00:00", "Type": "picture", "Business": 1, "SdkAppId": EMPTY})).await;
    assert_eq!(sliced.ok()["TotalUsage"], json!([0]));
}
