//! Cloud recording over a real socket, on the virtual clock: the lifecycle (Idle, InProgress,
//! Exited, then gone), its endings (Delete, idle exit, dismissal, removal of the robot, a
//! second robot of the same id), the files it lists, Modify, expiry, the limits and codes; many
//! clients starting and stopping tasks of several families on one room at once.

use crate::common;
use crate::common::{GENERATED_NOW, Tc3, advance, assert_code, call, client, config, control, room_users, start};
use serde_json::{Value, json};
use trtc_mock::{Config, Running};

const APP: u64 = 1_400_000_001;
const NOW: u64 = GENERATED_NOW as u64;

async fn join(server: &Running, room: Value, user: &str, extra: Value) {
    let mut body = json!({"sdk_app_id": APP, "room_id": room, "user_id": user});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    control(server, "rooms/join", body).await;
}

fn create(room: Value, extra: Value) -> Value {
    let mut body = json!({
        "SdkAppId": APP, "RoomId": room, "UserId": "recorder_1", "UserSig": "sig",
        "RecordParams": {"RecordMode": 1, "MaxIdleTime": 30},
        "StorageParams": {"CloudStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "b-125", "AccessKey": "ak", "SecretKey": "sk", "FileNamePrefix": ["class"]}}
    });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

async fn start_recording(server: &Running, room: Value, extra: Value) -> String {
    let reply = call(server, "CreateCloudRecording", create(room, extra)).await;
    reply.ok()["TaskId"].as_str().unwrap().to_owned()
}

async fn describe(server: &Running, task: &str) -> common::Reply {
    call(server, "DescribeCloudRecording", json!({"SdkAppId": APP, "TaskId": task})).await
}

async fn status(server: &Running, task: &str) -> String {
    let reply = describe(server, task).await;
    match reply.code() {
        None => reply.ok()["Status"].as_str().unwrap().to_owned(),
        Some(code) => code.to_owned(),
    }
}

#[tokio::test]
async fn a_recording_waits_for_a_stream_records_it_and_exits_after_max_idle_time() {
    let server = start(config()).await;
    join(&server, json!(3001), "host", json!({"audio": false, "video": false})).await;
    let task = start_recording(&server, json!("3001"), json!({})).await;
    assert!(task.starts_with('-') && task.ends_with('.'), "{task}");
    assert_eq!(status(&server, &task).await, "Idle", "an anchor in the room, nothing published yet");
    advance(&server, 60).await;
    assert_eq!(status(&server, &task).await, "Idle", "an anchor keeps the task from idling out");
    control(
        &server,
        "rooms/publish",
        json!({"sdk_app_id": APP, "room_id": 3001, "user_id": "host", "audio": true, "video": true}),
    )
    .await;
    let described = describe(&server, &task).await;
    assert_eq!(described.ok()["Status"], "InProgress");
    let files = described.ok()["StorageFileList"].as_array().unwrap().clone();
    let names: Vec<&str> = files.iter().map(|f| f["FileName"].as_str().unwrap()).collect();
    let user = "aG9zdA..";
    assert_eq!(
        names,
        vec![
            format!("{APP}_3001__UserId_s_{user}__UserId_e_main_audio.m3u8"),
            format!("{APP}_3001__UserId_s_{user}__UserId_e_main_video.m3u8"),
        ]
    );
    assert!(files.iter().all(|f| f["UserId"] == "host" && f["BeginTimeStamp"] == (NOW + 60) * 1000));

    // The robot is in the room, as an audience member.
    let users = room_users(&server, APP, &json!(3001)).await;
    assert!(users.iter().any(|u| u["user_id"] == "recorder_1" && u["role"] == "audience"));

    // The anchor leaves: 30 s later the recording exits, shows Exited for a while, then is gone.
    advance(&server, 100).await;
    control(&server, "rooms/leave", json!({"sdk_app_id": APP, "room_id": 3001, "user_id": "host"})).await;
    advance(&server, 29).await;
    assert_eq!(status(&server, &task).await, "Idle");
    advance(&server, 1).await;
    assert_eq!(status(&server, &task).await, "Exited");
    advance(&server, 10).await;
    assert_eq!(status(&server, &task).await, "ResourceNotFound");
    assert_code(
        &call(&server, "DeleteCloudRecording", json!({"SdkAppId": APP, "TaskId": task})).await,
        "ResourceNotFound",
    );

    // The recorder left the room when its task ended; the room, empty, ended with it.
    let users = call(
        &server,
        "DescribeRoomInfo",
        json!({"SdkAppId": APP, "StartTime": NOW, "EndTime": NOW + 300, "RoomId": "3001"}),
    )
    .await;
    let listed = users.ok()["RoomList"][0].clone();
    assert_eq!(listed["DestroyTime"], NOW + 190);
}

#[tokio::test]
async fn delete_dismissal_and_removal_end_a_recording_and_racing_deletes_get_one_answer_each() {
    let server = start(config()).await;
    join(&server, json!("r1"), "a", json!({})).await;
    let task = start_recording(&server, json!("r1"), json!({"RoomIdType": 0})).await;
    let body = json!({"SdkAppId": APP, "TaskId": task});
    let url = server.url();
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let (url, body) = (url.clone(), body.clone());
            tokio::spawn(async move { Tc3::post("DeleteCloudRecording", body).send(&url).await })
        })
        .collect();
    let mut codes = Vec::new();
    for h in handles {
        codes.push(h.await.unwrap().code().map(str::to_owned));
    }
    assert_eq!(codes.iter().filter(|c| c.is_none()).count(), 1, "{codes:?}");
    assert!(codes.iter().flatten().all(|c| c == "ResourceNotFound"));
    assert_eq!(status(&server, &task).await, "Exited");

    // Dismissing the room ends the recording at once.
    let second = start_recording(&server, json!("r1"), json!({"RoomIdType": 0, "UserId": "recorder_2"})).await;
    call(&server, "DismissRoomByStrRoomId", json!({"SdkAppId": APP, "RoomId": "r1"})).await.ok();
    assert_eq!(status(&server, &second).await, "Exited");

    // Removing the robot ends it too; so does a second robot of the same id.
    join(&server, json!(77), "b", json!({})).await;
    let third = start_recording(&server, json!("77"), json!({})).await;
    call(&server, "RemoveUser", json!({"SdkAppId": APP, "RoomId": 77, "UserIds": ["recorder_1"]})).await.ok();
    assert_eq!(status(&server, &third).await, "Exited");
    let fourth = start_recording(&server, json!("77"), json!({})).await;
    advance(&server, 5).await;
    let fifth = start_recording(&server, json!("77"), json!({})).await;
    assert_eq!(status(&server, &fourth).await, "Exited", "the same robot id interrupts the earlier task");
    assert_eq!(status(&server, &fifth).await, "InProgress");
}

#[tokio::test]
async fn mixed_recording_and_subscriptions_decide_the_files() {
    let server = start(config()).await;
    join(&server, json!("lesson"), "t", json!({})).await;
    join(&server, json!("lesson"), "s", json!({})).await;
    let mixed = start_recording(
        &server,
        json!("lesson"),
        json!({"RoomIdType": 0, "RecordParams": {"RecordMode": 2, "StreamType": 1}, "UserId": "mix"}),
    )
    .await;
    let files = describe(&server, &mixed).await.ok()["StorageFileList"].clone();
    assert_eq!(
        files,
        json!([{"UserId": "", "FileName": format!("{APP}_bGVzc29u.m3u8"), "TrackType": "audio", "BeginTimeStamp": NOW * 1000}])
    );

    let only_t = start_recording(
        &server,
        json!("lesson"),
        json!({"RoomIdType": 0, "UserId": "single", "RecordParams": {"RecordMode": 1, "SubscribeStreamUserIds": {"SubscribeAudioUserIds": ["t"], "SubscribeVideoUserIds": ["t"]}}}),
    )
    .await;
    let users: Vec<Value> = describe(&server, &only_t).await.ok()["StorageFileList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["UserId"].clone())
        .collect();
    assert_eq!(users, vec![json!("t"), json!("t")]);
    // Modify replaces the lists: from now on only s.
    advance(&server, 10).await;
    call(&server, "ModifyCloudRecording", json!({"SdkAppId": APP, "TaskId": only_t, "SubscribeStreamUserIds": {"SubscribeAudioUserIds": ["s"], "SubscribeVideoUserIds": ["s"]}})).await.ok();
    let files = describe(&server, &only_t).await.ok()["StorageFileList"].as_array().unwrap().clone();
    let s_files: Vec<&Value> = files.iter().filter(|f| f["UserId"] == "s").collect();
    assert_eq!(s_files.len(), 2);
    assert!(s_files.iter().all(|f| f["BeginTimeStamp"] == (NOW + 10) * 1000));

    // VOD storage lists nothing: its files come by callback.
    let vod = start_recording(
        &server,
        json!("lesson"),
        json!({"RoomIdType": 0, "UserId": "vod", "StorageParams": {"CloudVod": {"TencentVod": {}}}}),
    )
    .await;
    assert_eq!(describe(&server, &vod).await.ok()["StorageFileList"], json!([]));
}

#[tokio::test]
async fn a_recording_of_an_empty_room_makes_it_and_idles_out() {
    let server = start(config()).await;
    let task =
        start_recording(&server, json!("999"), json!({"RecordParams": {"RecordMode": 1, "MaxIdleTime": 5}})).await;
    assert_eq!(status(&server, &task).await, "Idle");
    advance(&server, 5).await;
    assert_eq!(status(&server, &task).await, "Exited");
}

#[tokio::test]
async fn the_task_id_expires_after_resource_expired_hour_and_tasks_are_limited() {
    let mut cfg = config();
    cfg.task_limits = trtc_mock::world::tasks::Limits::parse("cloud_recording=2").unwrap();
    let server = start(cfg).await;
    join(&server, json!(5), "a", json!({})).await;
    let first = start_recording(&server, json!("5"), json!({"ResourceExpiredHour": 6, "UserId": "r1"})).await;
    start_recording(&server, json!("5"), json!({"UserId": "r2"})).await;
    assert_code(
        &call(&server, "CreateCloudRecording", create(json!("5"), json!({"UserId": "r3"}))).await,
        "FailedOperation.RestrictedConcurrency",
    );
    advance(&server, 6 * 3600 - 1).await;
    assert_eq!(status(&server, &first).await, "InProgress");
    advance(&server, 1).await;
    assert_eq!(status(&server, &first).await, "ResourceNotFound", "the TaskId no longer answers");
    // The recording itself goes on: a third still does not fit.
    assert_code(
        &call(&server, "CreateCloudRecording", create(json!("5"), json!({"UserId": "r3"}))).await,
        "FailedOperation.RestrictedConcurrency",
    );
}

#[tokio::test]
async fn create_codes() {
    let server = start(Config { ..config() }).await;
    let storage = |cos: Value| json!({"CloudStorage": cos});
    let cos = json!({"Vendor": 0, "Region": "r", "Bucket": "b", "AccessKey": "a", "SecretKey": "s"});
    let with = |k: &str, v: Value| {
        let mut c = cos.clone();
        c[k] = v;
        json!({"StorageParams": storage(c)})
    };
    let cases = [
        (json!({"SdkAppId": 0}), "MissingParameter.SdkAppId"),
        (json!({"RoomId": ""}), "MissingParameter.RoomId"),
        (json!({"RoomId": "abc"}), "InvalidParameter.OutOfRange"),
        (json!({"RoomId": "abc", "RoomIdType": 2}), "InvalidParameter.OutOfRange"),
        (json!({"UserId": ""}), "MissingParameter.UserId"),
        (json!({"UserSig": ""}), "MissingParameter.UserSig"),
        (json!({"RecordParams": {"RecordMode": 3}}), "InvalidParameter.OutOfRange"),
        (json!({"RecordParams": {"RecordMode": 1, "MaxIdleTime": 4}}), "InvalidParameter.OutOfRange"),
        (json!({"RecordParams": {"RecordMode": 1, "StreamType": 3}}), "InvalidParameter.OutOfRange"),
        (
            json!({"RecordParams": {"RecordMode": 1, "SubscribeStreamUserIds": {"SubscribeAudioUserIds": (0..33).map(|i| format!("u{i}")).collect::<Vec<_>>()}}}),
            "InvalidParameter.OutOfRange",
        ),
        (json!({"StorageParams": {}}), "MissingParameter.CloudStorage"),
        (
            json!({"StorageParams": {"CloudStorage": cos.clone(), "CloudVod": {"TencentVod": {}}}}),
            "InvalidParameter.OutOfRange",
        ),
        (with("Bucket", json!("")), "MissingParameter.Bucket"),
        (with("Region", json!("")), "MissingParameter.Region"),
        (with("AccessKey", json!("")), "MissingParameter.AccessKey"),
        (with("SecretKey", json!("")), "MissingParameter.SecretKey"),
        (with("Vendor", json!(7)), "InvalidParameter.OutOfRange"),
        (with("FileNamePrefix", json!(["a/b"])), "InvalidParameter.OutOfRange"),
        (json!({"ResourceExpiredHour": 5}), "InvalidParameter.OutOfRange"),
        (
            json!({"MixTranscodeParams": {"VideoParams": {"Width": 1920, "Height": 1920, "Fps": 15, "BitRate": 550000, "Gop": 10}}}),
            "InvalidParameter.OutOfRange",
        ),
    ];
    for (extra, code) in cases {
        assert_code(&call(&server, "CreateCloudRecording", create(json!("1"), extra.clone())).await, code);
    }
    assert_code(&describe(&server, "").await, "MissingParameter.TaskId");
    assert_code(&describe(&server, "-nonexistent.").await, "ResourceNotFound");
    assert_code(
        &call(&server, "ModifyCloudRecording", json!({"SdkAppId": APP, "TaskId": "-nonexistent."})).await,
        "ResourceNotFound",
    );
}

/// `/_mock/tasks` keeps a task's whole story, past the point Describe stops answering, and
/// `/_mock/rooms` shows which tasks work on a room.
#[tokio::test]
async fn the_control_plane_shows_a_task_s_history_and_the_tasks_in_a_room() {
    let server = start(config()).await;
    join(&server, json!(4001), "host", json!({"audio": false, "video": false})).await;
    let task = start_recording(&server, json!("4001"), json!({})).await;
    let rooms: Value = client()
        .get(format!("{}/_mock/rooms?sdk_app_id={APP}", server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let room = rooms["rooms"].as_array().unwrap().iter().find(|r| r["room_id"] == 4001).unwrap().clone();
    assert_eq!(room["tasks"], json!([{"task_id": task, "family": "cloud_recording", "state": "idle"}]));
    let robot = room["users"].as_array().unwrap().iter().find(|u| u["user_id"] == "recorder_1").unwrap().clone();
    assert_eq!(robot["task_id"], task.as_str());

    advance(&server, 20).await;
    control(
        &server,
        "rooms/publish",
        json!({"sdk_app_id": APP, "room_id": 4001, "user_id": "host", "audio": true, "video": false}),
    )
    .await;
    advance(&server, 40).await;
    call(&server, "DeleteCloudRecording", json!({"SdkAppId": APP, "TaskId": task})).await.ok();
    advance(&server, 60).await;
    assert_eq!(status(&server, &task).await, "ResourceNotFound", "Describe has forgotten it");

    let get = |query: String| {
        let url = format!("{}/_mock/tasks?{query}", server.url());
        async move { client().get(url).send().await.unwrap() }
    };
    // TaskIds hold characters a query must escape.
    let escaped: String = task.bytes().map(|b| format!("%{b:02X}")).collect();
    let tasks: Value = get(format!("sdk_app_id={APP}&family=cloud_recording")).await.json().await.unwrap();
    let shown = tasks["tasks"].as_array().unwrap();
    assert_eq!(shown.len(), 1);
    let shown = &shown[0];
    assert_eq!(shown["task_id"], task.as_str());
    assert_eq!(shown["state"], "gone");
    assert_eq!(
        shown["history"],
        json!([
            {"at": NOW, "state": "idle"},
            {"at": NOW + 20, "state": "working"},
            {"at": NOW + 60, "state": "exiting"},
            {"at": NOW + 70, "state": "gone"},
        ])
    );
    assert_eq!(shown["ended"], json!({"at": NOW + 60, "reason": "stopped"}));
    assert_eq!(shown["room"], json!({"room_id": 4001, "comm_id": room["comm_id"]}));
    assert_eq!(shown["robot"], json!({"user_id": "recorder_1", "role": "audience"}));
    assert_eq!(shown["services"], json!([{"service": "single_recording"}]));
    assert_eq!(shown["params"]["RecordParams"]["MaxIdleTime"], 30);
    let user = "aG9zdA..";
    assert_eq!(
        shown["files"],
        json!([{
            "user_id": "host", "track_type": "audio", "begin_time_stamp": (NOW + 20) * 1000,
            "file_name": format!("{APP}_4001__UserId_s_{user}__UserId_e_main_audio.m3u8"),
            "url": format!("https://media.trtc-mock.test/cos/b-125/class/{APP}_4001__UserId_s_{user}__UserId_e_main_audio.m3u8"),
        }])
    );

    // Filters: by id, by another family; refusals for what is not a family or an app.
    let one: Value = get(format!("sdk_app_id={APP}&task_id={escaped}")).await.json().await.unwrap();
    assert_eq!(one["tasks"].as_array().unwrap().len(), 1);
    let none: Value = get(format!("sdk_app_id={APP}&family=publish_cdn")).await.json().await.unwrap();
    assert_eq!(none["tasks"], json!([]));
    let other_app: Value = get("sdk_app_id=1400000002".to_owned()).await.json().await.unwrap();
    assert_eq!(other_app["tasks"], json!([]));
    assert_eq!(get(format!("sdk_app_id={APP}&family=nope")).await.status(), 400);
    assert_eq!(get("family=cloud_recording".to_owned()).await.status(), 400);

    // A reset of the app forgets its tasks.
    control(&server, "reset", json!({"sdk_app_id": APP})).await;
    let after: Value = get(format!("sdk_app_id={APP}")).await.json().await.unwrap();
    assert_eq!(after["tasks"], json!([]));
}

/// Many clients at once on one room: starts of recordings (some over the limit), relays and
/// ingests, then their stops, each raced by a second stop of the same task.
#[tokio::test]
async fn many_parallel_starts_and_stops_on_one_room_keep_every_task_and_limit() {
    let mut cfg = config();
    cfg.task_limits = trtc_mock::world::tasks::Limits::parse("cloud_recording=8").unwrap();
    let server = start(cfg).await;
    join(&server, json!(9090), "host", json!({})).await;
    let url = server.url();
    let spawn_call = |action: &'static str, body: Value| {
        let url = url.clone();
        tokio::spawn(async move { Tc3::post(action, body).send(&url).await })
    };
    let mut starts = Vec::new();
    for i in 0..12 {
        starts.push((
            "cloud_recording",
            spawn_call("CreateCloudRecording", create(json!("9090"), json!({"UserId": format!("rec_{i}")}))),
        ));
    }
    for i in 0..4 {
        let relay = json!({
            "SdkAppId": APP, "RoomId": "9090", "RoomIdType": 0, "WithTranscoding": 1,
            "AgentParams": {"UserId": format!("relay_{i}"), "UserSig": "s"},
            "AudioParams": {"AudioEncode": {"SampleRate": 48000, "Channel": 2, "BitRate": 64}},
            "PublishCdnParams": [{"PublishCdnUrl": format!("rtmp://push.example.com/live/{i}"), "IsTencentCdn": 1}]
        });
        starts.push(("publish_cdn", spawn_call("StartPublishCdnStream", relay)));
    }
    for i in 0..4 {
        let ingest = json!({
            "SdkAppId": APP, "RoomId": "9090", "RoomIdType": 1, "UserId": format!("ingest_{i}"), "UserSig": "s",
            "StreamUrl": "rtmp://live.example.com/app/stream"
        });
        starts.push(("stream_ingest", spawn_call("StartStreamIngest", ingest)));
    }
    let mut started: Vec<(&str, String)> = Vec::new();
    let mut refused = Vec::new();
    for (family, handle) in starts {
        let reply = handle.await.unwrap();
        match reply.code() {
            None => started.push((family, reply.ok()["TaskId"].as_str().unwrap().to_owned())),
            Some(code) => refused.push((family, code.to_owned())),
        }
    }
    assert_eq!(refused, vec![("cloud_recording", "FailedOperation.RestrictedConcurrency".to_owned()); 4]);
    assert_eq!(started.len(), 16);
    let ids: std::collections::BTreeSet<&str> = started.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(ids.len(), 16, "every TaskId is unique");

    // Every robot is in the room, each with its task.
    let users = room_users(&server, APP, &json!(9090)).await;
    let robots: std::collections::BTreeSet<&str> = users.iter().filter_map(|u| u["task_id"].as_str()).collect();
    assert_eq!(robots, ids);

    // Two stops race for each task: one succeeds, the other gets the family's documented code.
    let stop = |family: &str, task: &str| match family {
        "cloud_recording" => ("DeleteCloudRecording", json!({"SdkAppId": APP, "TaskId": task})),
        "publish_cdn" => ("StopPublishCdnStream", json!({"SdkAppId": APP, "TaskId": task})),
        _ => ("StopStreamIngest", json!({"SdkAppId": APP, "TaskId": task})),
    };
    let mut stops = Vec::new();
    for (family, task) in &started {
        for _ in 0..2 {
            let (action, body) = stop(family, task);
            stops.push((*family, spawn_call(action, body)));
        }
    }
    let mut outcomes: std::collections::BTreeMap<&str, Vec<Option<String>>> = Default::default();
    for (family, handle) in stops {
        outcomes.entry(family).or_default().push(handle.await.unwrap().code().map(str::to_owned));
    }
    for (family, codes) in &outcomes {
        let successes = codes.iter().filter(|c| c.is_none()).count();
        assert_eq!(successes * 2, codes.len(), "{family}: one success per task: {codes:?}");
        let expected = if *family == "stream_ingest" { "FailedOperation.TaskFinished" } else { "ResourceNotFound" };
        assert!(codes.iter().flatten().all(|c| c == expected), "{family}: {codes:?}");
    }
    // The robots left with their tasks; only the host is still in the room.
    let users = room_users(&server, APP, &json!(9090)).await;
    let users: Vec<&str> = users.iter().map(|u| u["user_id"].as_str().unwrap()).collect();
    assert_eq!(users, vec!["host"]);
}
