//! Usage follows the tasks, over a real socket on a frozen virtual clock: a recording started
//! through the API in an app with no history bills exactly the seconds it worked — not its
//! idle time, not past its end — in the buckets and at the tiers the usage rules give, across
//! a UTC+8 midnight too; the users made through the control plane count in `DescribeTrtcUsage`
//! and the recorder robot does not.

use crate::common::{GENERATED_NOW, Tc3, advance, config, control, start};
use serde_json::{Value, json};
use trtc_mock::Running;

/// An app of the fixtures with no rooms: everything in it is made by the test.
const APP: u64 = 1_400_000_777;
/// 2025-11-25 00:00 UTC+8.
const NOW: u64 = GENERATED_NOW as u64;
const DAY: u64 = 86_400;

async fn empty_app() -> Running {
    let server = start(config()).await;
    control(&server, "fixtures", json!({"Apps": [{"SdkAppId": APP, "Rooms": []}]})).await;
    server
}

async fn join(server: &Running, user: &str, audio: bool, video: bool) {
    control(
        server,
        "rooms/join",
        json!({"sdk_app_id": APP, "room_id": 501, "user_id": user, "audio": audio, "video": video}),
    )
    .await;
}

async fn publish(server: &Running, user: &str, audio: bool, video: bool) {
    control(
        server,
        "rooms/publish",
        json!({"sdk_app_id": APP, "room_id": 501, "user_id": user, "audio": audio, "video": video}),
    )
    .await;
}

async fn leave(server: &Running, user: &str) {
    control(server, "rooms/leave", json!({"sdk_app_id": APP, "room_id": 501, "user_id": user})).await;
}

async fn call(server: &Running, action: &str, body: Value) -> Value {
    Tc3::post(action, body).send(&server.url()).await.ok().clone()
}

async fn record(server: &Running, params: Value) -> String {
    let mut body = json!({
        "SdkAppId": APP, "RoomId": "501", "UserId": "recorder", "UserSig": "sig",
        "StorageParams": {"CloudStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "b-125",
                                           "AccessKey": "ak", "SecretKey": "sk"}}
    });
    body.as_object_mut().unwrap().extend(params.as_object().unwrap().clone());
    call(server, "CreateCloudRecording", body).await["TaskId"].as_str().unwrap().to_owned()
}

async fn status(server: &Running, task: &str) -> String {
    let reply = Tc3::post("DescribeCloudRecording", json!({"SdkAppId": APP, "TaskId": task})).send(&server.url()).await;
    match reply.code() {
        None => reply.ok()["Status"].as_str().unwrap().to_owned(),
        Some(code) => code.to_owned(),
    }
}

/// The rows of a `TrtcUsage` answer as (bucket start, values).
async fn usage(server: &Running, action: &str, days: (&str, &str), extra: Value) -> Vec<(u64, Vec<f64>)> {
    let mut body = json!({"SdkAppId": APP, "StartTime": days.0, "EndTime": days.1});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let answer = call(server, action, body).await;
    answer["UsageList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let values = row["UsageValue"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            (row["TimeStampKey"].as_u64().unwrap(), values)
        })
        .collect()
}

/// The rows that are not all zeros.
fn nonzero(rows: Vec<(u64, Vec<f64>)>) -> Vec<(u64, Vec<f64>)> {
    rows.into_iter().filter(|(_, v)| v.iter().any(|x| *x != 0.0)).collect()
}

/// `Audio, SD, HD, FullHD, 2K, 4K` minutes.
fn tiers(audio: f64, sd: f64) -> Vec<f64> {
    vec![audio, sd, 0.0, 0.0, 0.0, 0.0]
}

#[tokio::test]
async fn a_recording_bills_the_minutes_it_worked_and_not_its_idle_time() {
    let server = empty_app().await;
    let t0 = NOW + 3600; // 01:00 UTC+8, on a five-minute boundary
    advance(&server, 3600).await;
    join(&server, "host", false, false).await;
    let task = record(&server, json!({"RecordParams": {"RecordMode": 1, "MaxIdleTime": 300}})).await;
    assert_eq!(status(&server, &task).await, "Idle");
    advance(&server, 120).await; // idle: nothing published
    publish(&server, "host", true, true).await; // 640×360 camera: SD
    assert_eq!(status(&server, &task).await, "InProgress");
    advance(&server, 600).await;
    publish(&server, "host", false, false).await;
    advance(&server, 60).await; // idle again
    publish(&server, "host", true, false).await; // audio only
    advance(&server, 90).await;
    leave(&server, "host").await; // t0 + 870: idle until MaxIdleTime, exits at t0 + 1170
    advance(&server, 29).await;
    // Read while the task still runs (idle): what it worked so far, nothing for the idle time.
    let early = nonzero(
        usage(&server, "DescribeRecordingUsage", ("2025-11-25", "2025-11-25"), json!({"MixType": "single"})).await,
    );
    advance(&server, 1000).await;
    assert_eq!(status(&server, &task).await, "ResourceNotFound", "the task ended");

    // Single-stream recording, five-minute rows: the camera [t0+120, t0+720) in SD, the audio
    // [t0+780, t0+870); nothing before the first stream, between the two, after the anchor left.
    let expected = vec![(t0, tiers(0.0, 3.0)), (t0 + 300, tiers(0.0, 5.0)), (t0 + 600, tiers(1.5, 2.0))];
    let single =
        usage(&server, "DescribeRecordingUsage", ("2025-11-25", "2025-11-25"), json!({"MixType": "single"})).await;
    assert_eq!(single.len(), 19, "a row per five minutes of the day, up to the one now is in (01:30)");
    assert_eq!(nonzero(single), expected);
    assert_eq!(early, expected, "reading earlier, before the task ended, shows the same");
    let multi =
        usage(&server, "DescribeRecordingUsage", ("2025-11-25", "2025-11-25"), json!({"MixType": "multi"})).await;
    assert!(nonzero(multi).is_empty(), "a single-stream recording bills no mixed recording");
    // A daily row: the same seconds, rounded once.
    let daily =
        usage(&server, "DescribeRecordingUsage", ("2025-11-25", "2025-11-26"), json!({"MixType": "single"})).await;
    assert_eq!(daily, vec![(NOW, tiers(1.5, 10.0))], "the next day has not begun");
    // Nothing else bills: no mixing, no relay.
    assert!(
        nonzero(usage(&server, "DescribeMixTranscodingUsage", ("2025-11-25", "2025-11-25"), json!({})).await)
            .is_empty()
    );
    assert!(nonzero(usage(&server, "DescribeRelayUsage", ("2025-11-25", "2025-11-25"), json!({})).await).is_empty());

    // The legacy per-file figures agree: the camera file in SD, the audio file.
    let legacy = call(
        &server,
        "DescribeRecordStatistic",
        json!({"SdkAppId": APP, "StartTime": "2025-11-25", "EndTime": "2025-11-26"}),
    )
    .await;
    let usages = &legacy["SdkAppIdUsages"][0]["Usages"];
    assert_eq!(
        usages,
        &json!([{"TimeKey": "2025-11-25", "Class1VideoTime": 600, "Class2VideoTime": 0, "Class3VideoTime": 0, "AudioTime": 90}])
    );

    // The anchor made through the control plane is billed for its stay [t0, t0+870) (alone:
    // audio); the recorder robot, in the room until t0+1170, is not billed as a user.
    let trtc = usage(&server, "DescribeTrtcUsage", ("2025-11-25", "2025-11-25"), json!({})).await;
    assert_eq!(nonzero(trtc), vec![(t0, tiers(5.0, 0.0)), (t0 + 300, tiers(5.0, 0.0)), (t0 + 600, tiers(4.5, 0.0))]);
    let rooms = call(
        &server,
        "DescribeTrtcRoomUsage",
        json!({"SdkAppid": APP, "StartTime": "2025-11-25 00:00", "EndTime": "2025-11-26 00:00"}),
    )
    .await;
    assert_eq!(rooms["Data"], "RoomId,Audio,SD,hd,FullHD,2K,4K\n501,870,0,0,0,0,0\n");
}

#[tokio::test]
async fn a_mixed_recording_across_midnight_bills_each_utc8_day_its_part() {
    let server = empty_app().await;
    advance(&server, DAY - 150).await; // 2025-11-25 23:57:30 UTC+8
    join(&server, "host", true, true).await;
    join(&server, "guest", false, false).await; // an anchor who never publishes
    let task = record(
        &server,
        json!({"RecordParams": {"RecordMode": 2, "MaxIdleTime": 60},
               "MixTranscodeParams": {"VideoParams": {"Width": 1280, "Height": 720, "Fps": 15, "BitRate": 550000, "Gop": 10}}}),
    )
    .await;
    assert_eq!(status(&server, &task).await, "InProgress");
    advance(&server, 400).await; // 00:04:10 of 2025-11-26
    leave(&server, "host").await;
    advance(&server, 30).await;
    // The guest, an anchor, keeps the task from idling out; it is idle and bills nothing.
    assert_eq!(status(&server, &task).await, "Idle");
    advance(&server, 600).await;

    // Mixed recording of one SD input: 150 s on the 25th, 250 s on the 26th (UTC+8).
    let days =
        usage(&server, "DescribeRecordingUsage", ("2025-11-25", "2025-11-26"), json!({"MixType": "multi"})).await;
    assert_eq!(days, vec![(NOW, tiers(0.0, 2.5)), (NOW + DAY, tiers(0.0, 4.17))]);
    let last_rows = nonzero(
        usage(&server, "DescribeRecordingUsage", ("2025-11-25", "2025-11-25"), json!({"MixType": "multi"})).await,
    );
    assert_eq!(last_rows, vec![(NOW + DAY - 300, tiers(0.0, 2.5))], "23:55 holds 23:57:30 to midnight");
    let first_rows = nonzero(
        usage(&server, "DescribeRecordingUsage", ("2025-11-26", "2025-11-26"), json!({"MixType": "multi"})).await,
    );
    assert_eq!(first_rows, vec![(NOW + DAY, tiers(0.0, 4.17))], "00:00 to 00:04:10");
    let single =
        usage(&server, "DescribeRecordingUsage", ("2025-11-25", "2025-11-26"), json!({"MixType": "single"})).await;
    assert!(nonzero(single).is_empty());
    // The legacy file figures: one mixed file at its 1280×720 output, HD.
    let legacy = call(
        &server,
        "DescribeRecordStatistic",
        json!({"SdkAppId": APP, "StartTime": "2025-11-25", "EndTime": "2025-11-26"}),
    )
    .await;
    let hd: Vec<u64> = legacy["SdkAppIdUsages"][0]["Usages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["Class2VideoTime"].as_u64().unwrap())
        .collect();
    assert_eq!(hd, vec![150, 250]);
    // Without SdkAppId, the account's aggregate (every fixture app) holds the same figures.
    let total = call(
        &server,
        "DescribeRecordingUsage",
        json!({"StartTime": "2025-11-25", "EndTime": "2025-11-26", "MixType": "multi"}),
    )
    .await;
    assert_eq!(total["UsageList"][1]["UsageValue"], json!([0.0, 4.17, 0.0, 0.0, 0.0, 0.0]));
}

#[tokio::test]
async fn a_recording_bills_only_the_streams_it_takes() {
    let server = empty_app().await;
    advance(&server, 3600).await;
    join(&server, "a", true, true).await;
    join(&server, "b", true, true).await;
    // Audio only, and not b's: a's audio alone.
    let task = record(
        &server,
        json!({"RecordParams": {"RecordMode": 1, "StreamType": 1,
                                "SubscribeStreamUserIds": {"UnSubscribeAudioUserIds": ["b"]}}}),
    )
    .await;
    advance(&server, 300).await;
    Tc3::post("DeleteCloudRecording", json!({"SdkAppId": APP, "TaskId": task})).send(&server.url()).await.ok();
    advance(&server, 300).await;
    let single =
        usage(&server, "DescribeRecordingUsage", ("2025-11-25", "2025-11-25"), json!({"MixType": "single"})).await;
    assert_eq!(nonzero(single), vec![(NOW + 3600, tiers(5.0, 0.0))], "stopped after 300 s");
    // Both users are billed, each receiving the other's SD camera, for 600 s each.
    let trtc = usage(&server, "DescribeTrtcUsage", ("2025-11-25", "2025-11-25"), json!({})).await;
    assert_eq!(nonzero(trtc), vec![(NOW + 3600, tiers(0.0, 10.0)), (NOW + 3900, tiers(0.0, 10.0))]);
}
