//! Cloud slicing over a real socket, on the virtual clock: the lifecycle (Idle, InProgress,
//! Exited, then gone), the files slicing makes at its intervals under the documented names,
//! Modify replacing the subscription lists, the 25-anchor cap, the ranges, expiry and
//! concurrency limits at and past their boundaries, the regions and every code an action
//! answers.

use crate::common;
use crate::common::{GENERATED_NOW, Tc3, advance, assert_code, call, config, control, inspect, room_users, start};
use serde_json::{Value, json};
use trtc_mock::world::tasks::{Family, Limits};
use trtc_mock::{Account, Config, Running};

const APP: u64 = 1_400_000_001;
const NOW: u64 = GENERATED_NOW as u64;
/// `NOW` as the file names write it (UTC).
const STAMP: &str = "20251124160000";

async fn join(server: &Running, room: Value, user: &str, audio: bool, video: bool) {
    control(
        server,
        "rooms/join",
        json!({"sdk_app_id": APP, "room_id": room, "user_id": user, "audio": audio, "video": video}),
    )
    .await;
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

fn create(room: &str, slice: Value, extra: Value) -> Value {
    let mut body = json!({
        "SdkAppId": APP, "RoomId": room, "UserId": "slicer_1", "UserSig": "sig",
        "SliceParams": slice,
        "SliceStorageParams": {"CloudSliceStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "b-125",
            "AccessKey": "ak", "SecretKey": "sk", "FileNamePrefix": ["p1", "p2"]}}
    });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

async fn start_slicing(server: &Running, room: &str, slice: Value, extra: Value) -> String {
    let reply = call(server, "CreateCloudSliceTask", create(room, slice, extra)).await;
    reply.ok()["TaskId"].as_str().unwrap().to_owned()
}

async fn status(server: &Running, task: &str) -> String {
    let reply = call(server, "DescribeCloudSliceTask", json!({"SdkAppId": APP, "TaskId": task})).await;
    match reply.code() {
        None => {
            assert_eq!(reply.ok()["TaskId"], task);
            reply.ok()["Status"].as_str().unwrap().to_owned()
        }
        Some(code) => code.to_owned(),
    }
}

/// The task's files as the control plane lists them.
async fn files(server: &Running, task: &str) -> Vec<Value> {
    let tasks = inspect(server, &format!("tasks?sdk_app_id={APP}&family=cloud_slice&task_id={}", query(task))).await;
    tasks["tasks"][0]["files"].as_array().unwrap_or_else(|| panic!("{tasks}")).clone()
}

/// A TaskId in a query string (its `+` would read as a space).
fn query(task: &str) -> String {
    task.replace('+', "%2B")
}

fn count(files: &[Value], user: &str, kind: &str) -> usize {
    files.iter().filter(|f| f["user_id"] == user && f["kind"] == kind).count()
}

#[tokio::test]
async fn a_slicing_task_follows_the_room_and_cuts_files_at_its_intervals() {
    let server = start(config()).await;
    join(&server, json!(4001), "host", false, false).await;
    let task = start_slicing(&server, "4001", json!({"SliceType": 3}), json!({})).await;
    assert!(task.starts_with('-') && task.ends_with('.'), "{task}");
    assert_eq!(status(&server, &task).await, "Idle", "an anchor in the room, nothing published yet");
    let users = room_users(&server, APP, &json!(4001)).await;
    assert!(users.iter().any(|u| u["user_id"] == "slicer_1" && u["role"] == "audience"), "{users:?}");
    assert!(files(&server, &task).await.is_empty());

    publish(&server, json!(4001), "host", true, true).await;
    assert_eq!(status(&server, &task).await, "InProgress");
    // At once: the first picture; no audio slice is complete yet.
    let made = files(&server, &task).await;
    assert_eq!((count(&made, "host", "audio"), count(&made, "host", "image")), (0, 1));
    let first = &made[0];
    assert_eq!(first["path"], format!("{task}/host/images/{APP}_4001_host_{STAMP}.png"));
    assert_eq!(
        first["url"],
        format!("https://media.trtc-mock.test/cos/b-125/p1/p2/{task}/host/images/{APP}_4001_host_{STAMP}.png")
    );
    assert_eq!(first["begin_time"], NOW);

    // 31 s on: audio slices of 15 s (default) at +0 and +15; pictures every 5 s (default), +0…+30.
    advance(&server, 31).await;
    let made = files(&server, &task).await;
    assert_eq!((count(&made, "host", "audio"), count(&made, "host", "image")), (2, 7));
    assert!(made.iter().any(|f| f["path"] == format!("{task}/host/audios/{APP}_4001_host_20251124160015.ogg")));

    // The anchor leaves at +40: the last audio slice is cut short and kept; pictures stop.
    advance(&server, 9).await;
    leave(&server, json!(4001), "host").await;
    let made = files(&server, &task).await;
    assert_eq!((count(&made, "host", "audio"), count(&made, "host", "image")), (3, 8));
    advance(&server, 29).await;
    assert_eq!(status(&server, &task).await, "Idle");
    advance(&server, 1).await;
    assert_eq!(status(&server, &task).await, "Exited");
    advance(&server, 10).await;
    assert_eq!(status(&server, &task).await, "ResourceNotFound");
    for action in ["ModifyCloudSliceTask", "DeleteCloudSliceTask"] {
        assert_code(&call(&server, action, json!({"SdkAppId": APP, "TaskId": task})).await, "ResourceNotFound");
    }
    // The control plane still shows what it made, and why it ended.
    let made = files(&server, &task).await;
    assert_eq!(made.len(), 11);
    let shown = inspect(&server, &format!("tasks?sdk_app_id={APP}&task_id={}", query(&task))).await;
    assert_eq!(shown["tasks"][0]["ended"], json!({"at": NOW + 70, "reason": "idle_timeout"}));
    assert_eq!(shown["tasks"][0]["services"], json!([{"service": "slicing", "audio": true, "picture_interval": 5}]));
    assert!(room_users(&server, APP, &json!(4001)).await.is_empty(), "the slicer left with its task");
}

#[tokio::test]
async fn slice_type_intervals_image_type_and_delete_shape_the_files() {
    let server = start(config()).await;
    join(&server, json!("s1"), "a", true, true).await;
    // Audio only, 20 s slices.
    let audio = start_slicing(
        &server,
        "s1",
        json!({"SliceType": 1, "SliceAudio": 20}),
        json!({"RoomIdType": 0, "UserId": "slicer_a"}),
    )
    .await;
    // Pictures only, every 12 s, as jpg.
    let video = start_slicing(
        &server,
        "s1",
        json!({"SliceType": 2, "SliceVideo": 12, "SliceImageType": 1}),
        json!({"RoomIdType": 0, "UserId": "slicer_v"}),
    )
    .await;
    advance(&server, 60).await;
    let made = files(&server, &audio).await;
    assert_eq!((count(&made, "a", "audio"), count(&made, "a", "image")), (3, 0));
    let made = files(&server, &video).await;
    assert_eq!((count(&made, "a", "audio"), count(&made, "a", "image")), (0, 6), "+0, +12 … +60");
    assert!(made.iter().all(|f| f["path"].as_str().unwrap().ends_with(".jpg")));
    assert!(made[0]["path"].as_str().unwrap().contains(&format!("/a/images/{APP}_s1_a_{STAMP}.jpg")));
    // Delete at +70: the running audio slice (+60…+70) is cut short and kept.
    advance(&server, 10).await;
    let deleted = call(&server, "DeleteCloudSliceTask", json!({"SdkAppId": APP, "TaskId": audio})).await;
    assert_eq!(deleted.ok()["TaskId"], audio);
    assert_eq!(status(&server, &audio).await, "Exited");
    advance(&server, 100).await;
    assert_eq!(count(&files(&server, &audio).await, "a", "audio"), 4);
    assert_eq!(status(&server, &audio).await, "ResourceNotFound");
    assert_eq!(status(&server, &video).await, "InProgress");
}

#[tokio::test]
async fn modify_replaces_the_subscription_lists_in_full() {
    let server = start(config()).await;
    join(&server, json!(4002), "a", true, false).await;
    join(&server, json!(4002), "b", true, false).await;
    let task = start_slicing(
        &server,
        "4002",
        json!({"SliceType": 1, "SubscribeStreamUserIds": {"UnSubscribeAudioUserIds": ["a"]}}),
        json!({}),
    )
    .await;
    advance(&server, 20).await;
    // Now only a: the deny list of a goes with the old lists.
    let modified = call(
        &server,
        "ModifyCloudSliceTask",
        json!({"SdkAppId": APP, "TaskId": task, "SubscribeStreamUserIds": {"SubscribeAudioUserIds": ["a"]}}),
    )
    .await;
    assert_eq!(modified.ok()["TaskId"], task);
    advance(&server, 40).await;
    let made = files(&server, &task).await;
    // b: the slices begun before the change (+0, +15); a: those begun after it (+30, +45).
    assert_eq!((count(&made, "a", "audio"), count(&made, "b", "audio")), (2, 2));
    let params = inspect(&server, &format!("tasks?sdk_app_id={APP}&task_id={}", query(&task))).await;
    assert_eq!(params["tasks"][0]["family"], "cloud_slice");
    // Too long a list is refused.
    let many: Vec<String> = (0..33).map(|i| format!("u{i}")).collect();
    let refused = call(
        &server,
        "ModifyCloudSliceTask",
        json!({"SdkAppId": APP, "TaskId": task, "SubscribeStreamUserIds": {"SubscribeAudioUserIds": many}}),
    )
    .await;
    assert_code(&refused, "InvalidParameter.OutOfRange");
}

#[tokio::test]
async fn one_task_slices_at_most_25_anchors() {
    let server = start(config()).await;
    for i in 0..26 {
        join(&server, json!(4003), &format!("u{i:02}"), true, false).await;
    }
    let task = start_slicing(&server, "4003", json!({"SliceType": 1}), json!({})).await;
    advance(&server, 15).await;
    let made = files(&server, &task).await;
    let mut users: Vec<&str> = made.iter().map(|f| f["user_id"].as_str().unwrap()).collect();
    users.dedup();
    assert_eq!(users.len(), 25, "{users:?}");
    assert!(!users.contains(&"u25"));
}

#[tokio::test]
async fn ranges_are_enforced_at_and_past_each_boundary() {
    let server = start(config()).await;
    join(&server, json!(4004), "host", false, false).await;
    let cases: [(&str, u64, bool); 16] = [
        ("SliceType", 0, false),
        ("SliceType", 4, false),
        ("MaxIdleTime", 4, false),
        ("MaxIdleTime", 5, true),
        ("MaxIdleTime", 86_400, true),
        ("MaxIdleTime", 86_401, false),
        ("SliceAudio", 14, false),
        ("SliceAudio", 15, true),
        ("SliceAudio", 60, true),
        ("SliceAudio", 61, false),
        ("SliceVideo", 4, false),
        ("SliceVideo", 5, true),
        ("SliceVideo", 60, true),
        ("SliceVideo", 61, false),
        ("SliceImageType", 1, true),
        ("SliceImageType", 2, false),
    ];
    for (i, (name, value, ok)) in cases.into_iter().enumerate() {
        let mut slice = json!({"SliceType": 3});
        slice[name] = json!(value);
        let reply =
            call(&server, "CreateCloudSliceTask", create("4004", slice, json!({"UserId": format!("s{i}")}))).await;
        if ok {
            assert!(reply.code().is_none(), "{name}={value}: {}", reply.raw);
        } else {
            assert_code(&reply, "InvalidParameter.OutOfRange");
            assert!(reply.message().contains(name), "{}", reply.raw);
        }
    }
    for (hours, ok) in [(5, false), (6, true), (720, true), (721, false)] {
        let reply = call(
            &server,
            "CreateCloudSliceTask",
            create(
                "4004",
                json!({"SliceType": 1}),
                json!({"UserId": format!("h{hours}"), "ResourceExpiredHour": hours}),
            ),
        )
        .await;
        assert_eq!(reply.code().is_none(), ok, "ResourceExpiredHour={hours}: {}", reply.raw);
        if !ok {
            assert_code(&reply, "InvalidParameter.OutOfRange");
        }
    }
}

#[tokio::test]
async fn the_handle_expires_after_resource_expired_hour_while_the_task_runs_on() {
    let server = start(config()).await;
    // An anchor who never publishes keeps the task from idling out.
    join(&server, json!(4005), "host", false, false).await;
    let default = start_slicing(&server, "4005", json!({"SliceType": 1}), json!({"UserId": "d"})).await;
    let six =
        start_slicing(&server, "4005", json!({"SliceType": 1}), json!({"UserId": "s", "ResourceExpiredHour": 6})).await;
    advance(&server, 6 * 3600 - 1).await;
    assert_eq!(status(&server, &six).await, "Idle");
    advance(&server, 1).await;
    assert_eq!(status(&server, &six).await, "ResourceNotFound");
    advance(&server, 66 * 3600 - 1).await;
    assert_eq!(status(&server, &default).await, "Idle", "72 hours by default");
    advance(&server, 1).await;
    assert_eq!(status(&server, &default).await, "ResourceNotFound");
    // The robots are still in the room: the tasks go on.
    let users = room_users(&server, APP, &json!(4005)).await;
    assert!(users.iter().any(|u| u["user_id"] == "d") && users.iter().any(|u| u["user_id"] == "s"));
}

#[tokio::test]
async fn concurrency_is_limited_per_app_by_task_limits() {
    assert_eq!(Limits::default().get(Family::CloudSlice), 500, "documented default");
    let mut cfg: Config = config();
    cfg.task_limits = Limits::parse("cloud_slice=2").unwrap();
    let server = start(cfg).await;
    join(&server, json!(4006), "host", false, false).await;
    let first = start_slicing(&server, "4006", json!({"SliceType": 1}), json!({"UserId": "a"})).await;
    start_slicing(&server, "4006", json!({"SliceType": 1}), json!({"UserId": "b"})).await;
    let third =
        call(&server, "CreateCloudSliceTask", create("4006", json!({"SliceType": 1}), json!({"UserId": "c"}))).await;
    assert_code(&third, "FailedOperation.RestrictedConcurrency");
    // Another app is not counted; a recording is another family.
    let mut other = create("4006", json!({"SliceType": 1}), json!({"UserId": "c"}));
    other["SdkAppId"] = json!(APP + 1);
    assert!(call(&server, "CreateCloudSliceTask", other).await.code().is_none());
    call(&server, "DeleteCloudSliceTask", json!({"SdkAppId": APP, "TaskId": first})).await.ok();
    let again =
        call(&server, "CreateCloudSliceTask", create("4006", json!({"SliceType": 1}), json!({"UserId": "c"}))).await;
    assert!(again.code().is_none(), "{}", again.raw);
}

#[tokio::test]
async fn regions_are_guangzhou_singapore_and_frankfurt() {
    let server = start(config()).await;
    join(&server, json!(4007), "host", false, false).await;
    for (i, (region, ok)) in
        [("ap-guangzhou", true), ("ap-singapore", true), ("eu-frankfurt", true), ("ap-beijing", false)]
            .into_iter()
            .enumerate()
    {
        let mut request = Tc3::post(
            "CreateCloudSliceTask",
            create("4007", json!({"SliceType": 1}), json!({"UserId": format!("r{i}")})),
        );
        request.region = Some(region.to_owned());
        let reply = request.send(&server.url()).await;
        if ok {
            assert!(reply.code().is_none(), "{region}: {}", reply.raw);
        } else {
            assert_code(&reply, "UnsupportedRegion");
        }
    }
}

#[tokio::test]
async fn every_documented_code_of_the_slicing_actions() {
    let mut cfg = config();
    cfg.accounts = vec![Account { sdk_app_ids: Some(vec![APP]), ..Account::new(common::ID, common::KEY) }];
    let server = start(cfg).await;
    join(&server, json!(4008), "host", false, false).await;
    let slice = json!({"SliceType": 1});
    let storage = |member: &str, value: Value| {
        let mut body = create("4008", json!({"SliceType": 1}), json!({}));
        body["SliceStorageParams"]["CloudSliceStorage"][member] = value;
        body
    };
    let cases: Vec<(Value, &str)> = vec![
        (create("4008", slice.clone(), json!({"SdkAppId": 0})), "MissingParameter.SdkAppId"),
        (create("4008", slice.clone(), json!({"SdkAppId": APP + 1})), "InvalidParameter.SdkAppId"),
        (create("", slice.clone(), json!({})), "MissingParameter.RoomId"),
        (create("x", slice.clone(), json!({})), "InvalidParameter.OutOfRange"),
        (create("4008", slice.clone(), json!({"RoomIdType": 2})), "InvalidParameter.OutOfRange"),
        (create("4008", slice.clone(), json!({"UserId": ""})), "MissingParameter.UserId"),
        (create("4008", slice.clone(), json!({"UserSig": ""})), "MissingParameter.UserSig"),
        (create("4008", json!({}), json!({})), "MissingParameter.SliceType"),
        (create("4008", slice.clone(), json!({"SliceStorageParams": {}})), "MissingParameter.SliceStorageParams"),
        (storage("Region", json!("")), "MissingParameter.Region"),
        (storage("Bucket", json!("")), "MissingParameter.Bucket"),
        (storage("AccessKey", json!("")), "MissingParameter.AccessKey"),
        (storage("SecretKey", json!("")), "MissingParameter.SecretKey"),
        (storage("Vendor", json!(3)), "InvalidParameter.OutOfRange"),
        (storage("FileNamePrefix", json!(["a/b"])), "InvalidParameter.OutOfRange"),
    ];
    for (body, code) in cases {
        let reply = call(&server, "CreateCloudSliceTask", body.clone()).await;
        assert_code(&reply, code);
        assert!(!reply.message().is_empty());
    }
    // Members the schema requires are the gateway's: MissingParameter naming them.
    let mut body = create("4008", slice.clone(), json!({}));
    body.as_object_mut().unwrap().remove("SliceParams");
    let reply = call(&server, "CreateCloudSliceTask", body).await;
    assert_code(&reply, "MissingParameter");
    assert!(reply.message().contains("SliceParams"), "{}", reply.raw);

    let task = start_slicing(&server, "4008", slice.clone(), json!({})).await;
    for action in ["DescribeCloudSliceTask", "ModifyCloudSliceTask", "DeleteCloudSliceTask"] {
        assert_code(&call(&server, action, json!({"SdkAppId": 0, "TaskId": task})).await, "MissingParameter.SdkAppId");
        assert_code(&call(&server, action, json!({"SdkAppId": APP, "TaskId": ""})).await, "MissingParameter.TaskId");
        assert_code(&call(&server, action, json!({"SdkAppId": APP, "TaskId": "-nope."})).await, "ResourceNotFound");
        let foreign = call(&server, action, json!({"SdkAppId": APP + 1, "TaskId": task})).await;
        let expected = if action == "ModifyCloudSliceTask" {
            "AuthFailure.UnauthorizedOperation"
        } else {
            "InvalidParameter.SdkAppId"
        };
        assert_code(&foreign, expected);
    }
    // A recording's TaskId is not a slicing task.
    let recording = call(
        &server,
        "CreateCloudRecording",
        json!({"SdkAppId": APP, "RoomId": "4008", "UserId": "rec", "UserSig": "s", "RecordParams": {"RecordMode": 1},
            "StorageParams": {"CloudStorage": {"Vendor": 0, "Region": "r", "Bucket": "b", "AccessKey": "a", "SecretKey": "k"}}}),
    )
    .await;
    let recording = recording.ok()["TaskId"].as_str().unwrap().to_owned();
    assert_code(
        &call(&server, "DescribeCloudSliceTask", json!({"SdkAppId": APP, "TaskId": recording})).await,
        "ResourceNotFound",
    );
    assert_eq!(status(&server, &task).await, "Idle");
}
