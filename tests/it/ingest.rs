//! Stream ingest over a real socket, on the virtual clock: the robot enters the room as an
//! anchor sending the source's streams (which users and other tasks see), the task plays its
//! file out (RepeatNum, SeekSecond, Tempo, MaxDuration of a loop), a live stream plays until
//! stopped, Update switches the source and pauses, Stop, dismissal and removal end it, and
//! every documented code of the four actions.

use crate::common::{GENERATED_NOW, Tc3, advance, assert_code, call, client, config, room_users, start};
use serde_json::{Value, json};
use trtc_mock::Running;

const APP: u64 = 1_400_000_001;
const NOW: u64 = GENERATED_NOW as u64;
const FILE: &str = "https://media.example/lesson.mp4";

fn start_body(room: &str, extra: Value) -> Value {
    let mut body = json!({
        "SdkAppId": APP, "RoomId": room, "RoomIdType": 1, "UserId": "ingest_1", "UserSig": "sig", "StreamUrl": FILE,
    });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

async fn start_ingest(server: &Running, room: &str, extra: Value) -> String {
    call(server, "StartStreamIngest", start_body(room, extra)).await.ok()["TaskId"].as_str().unwrap().to_owned()
}

async fn status(server: &Running, task: &str) -> String {
    let reply = call(server, "DescribeStreamIngest", json!({"SdkAppId": APP, "TaskId": task})).await;
    reply.ok()["Status"].as_str().unwrap().to_owned()
}

async fn users(server: &Running, room: Value) -> Vec<Value> {
    room_users(server, APP, &room).await
}

async fn sending(server: &Running, room: Value, user: &str) -> Option<Value> {
    users(server, room).await.into_iter().find(|u| u["user_id"] == user).map(|u| u["publishing"].clone())
}

#[tokio::test]
async fn the_robot_plays_a_file_into_the_room_repeat_num_times_then_leaves() {
    let server = start(config()).await;
    let task = start_ingest(&server, "6001", json!({"RepeatNum": 2, "SeekSecond": 100, "Volume": 150})).await;
    assert_eq!(task.len(), 116, "{task}");
    assert!(task.ends_with('.') && task[..115].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-'));
    assert_eq!(status(&server, &task).await, "InProgress");
    // The robot made the room and is in it as an anchor sending audio and video.
    let robot = users(&server, json!(6001)).await.into_iter().find(|u| u["user_id"] == "ingest_1").unwrap();
    assert_eq!((robot["role"].clone(), robot["task_id"].clone()), (json!("anchor"), json!(task)));
    assert_eq!(robot["publishing"], json!(["audio", "video"]));
    assert_eq!(robot["video"], json!({"width": 1280, "height": 720}));

    // A recording of the room takes the robot's streams like anyone's.
    let recording = call(
        &server,
        "CreateCloudRecording",
        json!({"SdkAppId": APP, "RoomId": "6001", "UserId": "rec", "UserSig": "s", "RecordParams": {"RecordMode": 1},
               "StorageParams": {"CloudStorage": {"Vendor": 0, "Region": "r", "Bucket": "b", "AccessKey": "a", "SecretKey": "k"}}}),
    )
    .await;
    let recording = recording.ok()["TaskId"].as_str().unwrap().to_owned();
    let described = call(&server, "DescribeCloudRecording", json!({"SdkAppId": APP, "TaskId": recording})).await;
    assert_eq!(described.ok()["Status"], "InProgress");
    let owners: Vec<&Value> =
        described.ok()["StorageFileList"].as_array().unwrap().iter().map(|f| &f["UserId"]).collect();
    assert_eq!(owners, vec!["ingest_1", "ingest_1"]);

    // Two plays of a 600 s file from second 100: 1100 s.
    advance(&server, 1099).await;
    assert_eq!(status(&server, &task).await, "InProgress");
    advance(&server, 1).await;
    assert_eq!(status(&server, &task).await, "NotExist");
    assert_eq!(sending(&server, json!(6001), "ingest_1").await, None, "the robot left");
    assert_code(
        &call(&server, "StopStreamIngest", json!({"SdkAppId": APP, "TaskId": task})).await,
        "FailedOperation.TaskFinished",
    );
    assert_code(
        &call(&server, "UpdateStreamIngest", json!({"SdkAppId": APP, "TaskId": task, "Volume": 10})).await,
        "FailedOperation.TaskNotExist",
    );
    // With the robot gone and nobody else there, the recording idles out 30 s later.
    advance(&server, 30).await;
    let described = call(&server, "DescribeCloudRecording", json!({"SdkAppId": APP, "TaskId": recording})).await;
    assert_eq!(described.ok()["Status"], "Exited");

    // The control plane keeps the whole story.
    let escaped: String = task.bytes().map(|b| format!("%{b:02X}")).collect();
    let shown: Value = client()
        .get(format!("{}/_mock/tasks?sdk_app_id={APP}&task_id={escaped}", server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let shown = &shown["tasks"][0];
    assert_eq!(shown["family"], "stream_ingest");
    assert_eq!(shown["robot"], json!({"user_id": "ingest_1", "role": "anchor"}));
    assert_eq!(
        shown["history"],
        json!([{"at": NOW, "state": "working"}, {"at": NOW + 1100, "state": "exiting"}, {"at": NOW + 1100, "state": "gone"}])
    );
    assert_eq!(shown["ended"], json!({"at": NOW + 1100, "reason": "max_duration"}));
    assert_eq!(shown["params"]["Volume"], 150);
    assert!(shown["params"].get("UserSig").is_none(), "the signature is not kept");
}

#[tokio::test]
async fn tempo_loops_and_live_streams_decide_how_long_it_plays() {
    let server = start(config()).await;
    let fast = start_ingest(&server, "6101", json!({"Tempo": 2.0, "UserId": "fast"})).await;
    let looped = start_ingest(&server, "6101", json!({"RepeatNum": -1, "MaxDuration": 20, "UserId": "loop"})).await;
    let endless = start_ingest(&server, "6101", json!({"RepeatNum": -1, "UserId": "endless"})).await;
    let live =
        start_ingest(&server, "6101", json!({"StreamUrl": "rtmp://live.example/app/stream", "UserId": "live"})).await;
    // MaxDuration without a loop changes nothing: one play.
    let once = start_ingest(&server, "6101", json!({"MaxDuration": 1, "UserId": "once"})).await;
    advance(&server, 300).await;
    assert_eq!(status(&server, &fast).await, "NotExist", "600 s at double speed");
    assert_eq!(status(&server, &once).await, "InProgress");
    advance(&server, 20 * 60 - 300 - 1).await;
    assert_eq!(status(&server, &looped).await, "InProgress");
    advance(&server, 1).await;
    assert_eq!(status(&server, &looped).await, "NotExist", "MaxDuration minutes of looping");
    assert_eq!(status(&server, &once).await, "NotExist");
    advance(&server, 86_400 * 3).await;
    assert_eq!(status(&server, &endless).await, "InProgress");
    assert_eq!(status(&server, &live).await, "InProgress");
    // An audio file sends audio alone.
    start_ingest(&server, "6101", json!({"StreamUrl": "https://media.example/song.mp3", "UserId": "song"})).await;
    assert_eq!(sending(&server, json!(6101), "song").await, Some(json!(["audio"])));
}

#[tokio::test]
async fn update_switches_the_source_and_pauses_and_stop_dismissal_and_removal_end_it() {
    let server = start(config()).await;
    let task = start_ingest(&server, "radio", json!({"RoomIdType": 0})).await;
    advance(&server, 100).await;
    // Paused: the robot sends nothing, the task runs, playback holds.
    let paused = call(&server, "UpdateStreamIngest", json!({"SdkAppId": APP, "TaskId": task, "IsPause": true})).await;
    assert_eq!(paused.ok()["Status"], "InProgress");
    assert_eq!(sending(&server, json!("radio"), "ingest_1").await, Some(json!([])));
    advance(&server, 1000).await;
    assert_eq!(status(&server, &task).await, "InProgress");
    call(&server, "UpdateStreamIngest", json!({"SdkAppId": APP, "TaskId": task, "IsPause": false})).await.ok();
    assert_eq!(sending(&server, json!("radio"), "ingest_1").await, Some(json!(["audio", "video"])));
    // 500 s of the file were left when it paused.
    advance(&server, 499).await;
    assert_eq!(status(&server, &task).await, "InProgress");
    // A new source: an audio file, played in full from now.
    call(
        &server,
        "UpdateStreamIngest",
        json!({"SdkAppId": APP, "TaskId": task, "StreamUrl": "https://media.example/talk.m4a"}),
    )
    .await
    .ok();
    assert_eq!(sending(&server, json!("radio"), "ingest_1").await, Some(json!(["audio"])));
    advance(&server, 599).await;
    assert_eq!(status(&server, &task).await, "InProgress");
    // Stop: the robot leaves at once; racing stops get one success.
    let body = json!({"SdkAppId": APP, "TaskId": task});
    let url = server.url();
    let handles: Vec<_> = (0..5)
        .map(|_| {
            let (url, body) = (url.clone(), body.clone());
            tokio::spawn(async move { Tc3::post("StopStreamIngest", body).send(&url).await })
        })
        .collect();
    let mut codes = Vec::new();
    for h in handles {
        codes.push(h.await.unwrap().code().map(str::to_owned));
    }
    assert_eq!(codes.iter().filter(|c| c.is_none()).count(), 1, "{codes:?}");
    assert!(codes.iter().flatten().all(|c| c == "FailedOperation.TaskFinished"), "{codes:?}");
    assert_eq!(status(&server, &task).await, "NotExist");

    // A pause longer than IdleTimeout ends the task.
    let idle = start_ingest(&server, "radio", json!({"RoomIdType": 0, "UserId": "idle", "IdleTimeout": 30})).await;
    call(&server, "UpdateStreamIngest", json!({"SdkAppId": APP, "TaskId": idle, "IsPause": true})).await.ok();
    advance(&server, 30).await;
    assert_eq!(status(&server, &idle).await, "NotExist");

    // Dismissing the room ends it; so does removing its robot.
    let dismissed = start_ingest(&server, "radio", json!({"RoomIdType": 0, "UserId": "d"})).await;
    call(&server, "DismissRoomByStrRoomId", json!({"SdkAppId": APP, "RoomId": "radio"})).await.ok();
    assert_eq!(status(&server, &dismissed).await, "NotExist");
    let removed = start_ingest(&server, "6201", json!({})).await;
    call(&server, "RemoveUser", json!({"SdkAppId": APP, "RoomId": 6201, "UserIds": ["ingest_1"]})).await.ok();
    assert_eq!(status(&server, &removed).await, "NotExist");
    // The same robot may then start again in that room.
    let again = start_ingest(&server, "6201", json!({})).await;
    assert_eq!(status(&server, &again).await, "InProgress");
}

#[tokio::test]
async fn a_second_robot_of_the_same_id_and_the_concurrency_limit_are_refused() {
    let mut cfg = config();
    cfg.task_limits = trtc_mock::world::tasks::Limits::parse("stream_ingest=2").unwrap();
    let server = start(cfg).await;
    let first = start_ingest(&server, "7001", json!({})).await;
    assert_code(&call(&server, "StartStreamIngest", start_body("7001", json!({}))).await, "FailedOperation.TaskExist");
    // The same robot id in another room, or the same room id as a string room, is another robot.
    start_ingest(&server, "7001", json!({"RoomIdType": 0})).await;
    assert_code(
        &call(&server, "StartStreamIngest", start_body("7002", json!({}))).await,
        "FailedOperation.RestrictedConcurrency",
    );
    call(&server, "StopStreamIngest", json!({"SdkAppId": APP, "TaskId": first})).await.ok();
    start_ingest(&server, "7002", json!({})).await;
}

#[tokio::test]
async fn every_documented_code() {
    let server = start(config()).await;
    let cases = [
        (json!({"SdkAppId": 0}), "MissingParameter.SdkAppId"),
        (json!({"RoomId": ""}), "MissingParameter.RoomId"),
        (json!({"RoomId": "abc"}), "InvalidParameter.RoomId"),
        (json!({"RoomId": "0"}), "InvalidParameter.RoomId"),
        (json!({"RoomId": "4294967296"}), "InvalidParameter.RoomId"),
        (json!({"RoomId": "a/b", "RoomIdType": 0}), "InvalidParameter.StrRoomId"),
        (json!({"RoomId": "x".repeat(65), "RoomIdType": 0}), "InvalidParameter.StrRoomId"),
        (json!({"RoomIdType": 2}), "InvalidParameter.RoomId"),
        (json!({"UserId": ""}), "MissingParameter"),
        (json!({"UserSig": ""}), "InvalidParameter.UserSig"),
        (json!({"StreamUrl": ""}), "InvalidParameter.StreamUrl"),
        (json!({"StreamUrl": "ftp://a.b/x.mp4"}), "InvalidParameter.StreamUrl"),
        (json!({"StreamUrl": "https://"}), "InvalidParameter.StreamUrl"),
        (json!({"StreamUrl": "https://a.b/x y.mp4"}), "InvalidParameter.StreamUrl"),
        (json!({"StreamUrl": format!("https://a.b/{}.mp4", "x".repeat(2048))}), "InvalidParameter.StreamUrl"),
        (json!({"RepeatNum": 0}), "InvalidParameterValue"),
        (json!({"RepeatNum": -2}), "InvalidParameterValue"),
        (json!({"RepeatNum": 1001}), "InvalidParameterValue"),
        (json!({"MaxDuration": 0}), "InvalidParameterValue"),
        (json!({"MaxDuration": 10081}), "InvalidParameterValue"),
        (json!({"SeekSecond": -1}), "InvalidParameterValue"),
        (json!({"Volume": 201}), "InvalidParameterValue"),
        (json!({"Tempo": 0.6}), "InvalidParameterValue"),
        (json!({"Tempo": 2.25}), "InvalidParameterValue"),
        (json!({"IdleTimeout": 601}), "InvalidParameterValue"),
        (json!({"VideoEncodeParams": {"Width": 1921}}), "InvalidParameterValue"),
        (json!({"VideoEncodeParams": {"Height": 1081}}), "InvalidParameterValue"),
        (json!({"VideoEncodeParams": {"Fps": 0}}), "InvalidParameterValue"),
        (json!({"VideoEncodeParams": {"BitRate": 10001}}), "InvalidParameterValue"),
        (json!({"VideoEncodeParams": {"Gop": 3}}), "InvalidParameterValue"),
        (json!({"AudioEncodeParams": {"SampleRate": 16000}}), "InvalidParameterValue"),
        (json!({"AudioEncodeParams": {"Channel": 3}}), "InvalidParameterValue"),
        (json!({"AudioEncodeParams": {"BitRate": 7}}), "InvalidParameterValue"),
        (json!({"AudioEncodeParams": {"Volume": 301}}), "InvalidParameterValue"),
    ];
    for (extra, code) in cases {
        let reply = call(&server, "StartStreamIngest", start_body("8001", extra.clone())).await;
        assert_eq!(reply.code(), Some(code), "{extra}: {}", reply.message());
    }
    // The deprecated SourceUrl: one address, used when StreamUrl is absent.
    let mut body = start_body("8001", json!({"SourceUrl": ["https://a.b/1.mp4", "https://a.b/2.mp4"]}));
    body.as_object_mut().unwrap().remove("StreamUrl");
    assert_code(&call(&server, "StartStreamIngest", body.clone()).await, "InvalidParameter.StreamUrl");
    body["SourceUrl"] = json!(["https://a.b/song.mp3"]);
    let task = call(&server, "StartStreamIngest", body).await.ok()["TaskId"].as_str().unwrap().to_owned();
    assert_eq!(sending(&server, json!(8001), "ingest_1").await, Some(json!(["audio"])));
    // Valid encoding parameters set the robot's resolution.
    start_ingest(&server, "8002", json!({"VideoEncodeParams": {"Width": 1920, "Height": 1080, "Fps": 30, "BitRate": 3000, "Gop": 2}, "AudioEncodeParams": {"SampleRate": 44100, "Channel": 2, "BitRate": 128}})).await;
    let robot = users(&server, json!(8002)).await.into_iter().find(|u| u["user_id"] == "ingest_1").unwrap();
    assert_eq!(robot["video"], json!({"width": 1920, "height": 1080}));

    let unknown = format!("{}.", "A".repeat(115));
    // Describe.
    let describe = |body: Value| call(&server, "DescribeStreamIngest", body);
    assert_code(&describe(json!({"SdkAppId": 0, "TaskId": task})).await, "MissingParameter.SdkAppId");
    assert_code(&describe(json!({"SdkAppId": APP, "TaskId": ""})).await, "MissingParameter.TaskId");
    assert_code(&describe(json!({"SdkAppId": APP, "TaskId": "-abc."})).await, "InvalidParameter.TaskId");
    assert_eq!(describe(json!({"SdkAppId": APP, "TaskId": unknown})).await.ok()["Status"], "NotExist");
    assert_eq!(describe(json!({"SdkAppId": 1_400_000_002u64, "TaskId": task})).await.ok()["Status"], "NotExist");
    // Update.
    let update = |extra: Value| {
        let mut body = json!({"SdkAppId": APP, "TaskId": task});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        call(&server, "UpdateStreamIngest", body)
    };
    assert_code(&update(json!({"SdkAppId": 0})).await, "MissingParameter.SdkAppId");
    assert_code(&update(json!({"TaskId": ""})).await, "MissingParameter.TaskId");
    assert_code(&update(json!({"TaskId": "nope"})).await, "InvalidParameter.TaskId");
    assert_code(&update(json!({"TaskId": unknown})).await, "FailedOperation.TaskNotExist");
    assert_code(&update(json!({"StreamUrl": "file:///etc/passwd"})).await, "InvalidParameter.StreamUrl");
    assert_code(&update(json!({"Volume": 201})).await, "InvalidParameterValue");
    assert_code(&update(json!({"Tempo": 3.0})).await, "InvalidParameterValue");
    assert_eq!(update(json!({"Volume": 0, "Tempo": 1.5, "EnableProgress": true})).await.ok()["Status"], "InProgress");
    // Stop.
    let stop = |body: Value| call(&server, "StopStreamIngest", body);
    assert_code(&stop(json!({"SdkAppId": 0, "TaskId": task})).await, "InvalidParameter.SdkAppId");
    assert_code(&stop(json!({"SdkAppId": APP, "TaskId": ""})).await, "InvalidParameter.TaskId");
    assert_code(&stop(json!({"SdkAppId": APP, "TaskId": unknown})).await, "InvalidParameter.TaskId");
    let stopped = stop(json!({"SdkAppId": APP, "TaskId": task})).await;
    assert_eq!(stopped.ok().as_object().unwrap().keys().collect::<Vec<_>>(), vec!["RequestId"]);
    assert_code(&stop(json!({"SdkAppId": APP, "TaskId": task})).await, "FailedOperation.TaskFinished");
}

#[tokio::test]
async fn an_app_the_account_may_not_use_is_refused() {
    let mut cfg = config();
    cfg.accounts[0].sdk_app_ids = Some(vec![APP]);
    let server = start(cfg).await;
    let other = 1_400_000_002u64;
    assert_code(
        &call(&server, "StartStreamIngest", start_body("1", json!({"SdkAppId": other}))).await,
        "InvalidParameter.SdkAppId",
    );
    let task = start_ingest(&server, "1", json!({})).await;
    assert_code(
        &call(&server, "DescribeStreamIngest", json!({"SdkAppId": other, "TaskId": task})).await,
        "AuthFailure.UnauthorizedOperation",
    );
    assert_code(
        &call(&server, "UpdateStreamIngest", json!({"SdkAppId": other, "TaskId": task})).await,
        "AuthFailure.UnauthorizedOperation",
    );
    assert_code(
        &call(&server, "StopStreamIngest", json!({"SdkAppId": other, "TaskId": task})).await,
        "InvalidParameter.SdkAppId",
    );
}
