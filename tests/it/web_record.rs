//! Web recording over a real socket, on the virtual clock: a recording runs without a room
//! until StopWebRecord or MaxDurationLimit; RecordId names it (a second start while it runs is
//! FailedOperation.TaskExist, Describe finds it by RecordId); the concurrency limit and every
//! documented code.

use crate::common::{GENERATED_NOW, advance, assert_code, call, client, config, start};
use serde_json::{Value, json};
use trtc_mock::Running;

const APP: u64 = 1_400_000_001;
const NOW: u64 = GENERATED_NOW as u64;

fn start_body(extra: Value) -> Value {
    let mut body = json!({
        "RecordUrl": "https://class.example/board?id=1", "SdkAppId": APP,
        "StorageParams": {"CloudStorage": {"Vendor": 0, "Region": "ap-guangzhou", "Bucket": "b-125", "AccessKey": "ak", "SecretKey": "sk"}},
    });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

async fn start_recording(server: &Running, extra: Value) -> String {
    call(server, "StartWebRecord", start_body(extra)).await.ok()["TaskId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_recording_runs_until_stopped_and_its_record_id_names_it() {
    let server = start(config()).await;
    let task = start_recording(&server, json!({"RecordId": "board-1"})).await;
    assert_eq!(task.len(), 128, "{task}");
    assert!(task.ends_with("..") && task[..126].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-'));
    let by_task = call(&server, "DescribeWebRecord", json!({"TaskId": task})).await;
    assert_eq!(by_task.ok()["Status"], 1);
    assert_eq!(by_task.ok()["RecordId"], "board-1");
    let by_record = call(&server, "DescribeWebRecord", json!({"SdkAppId": APP, "RecordId": "board-1"})).await;
    assert_eq!((by_record.ok()["Status"].clone(), by_record.ok()["TaskId"].clone()), (json!(1), json!(task)));

    // A second start with the RecordId is refused, naming the running task.
    let again = call(&server, "StartWebRecord", start_body(json!({"RecordId": "board-1"}))).await;
    assert_code(&again, "FailedOperation.TaskExist");
    assert!(again.message().contains(&task), "{}", again.message());
    // Another RecordId, or none, is another recording.
    start_recording(&server, json!({"RecordId": "board-2"})).await;
    start_recording(&server, json!({})).await;

    // It joins no room.
    let rooms: Value = client()
        .get(format!("{}/_mock/rooms?sdk_app_id={APP}", server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(rooms["rooms"].as_array().unwrap().iter().all(|r| r["tasks"] == json!([])), "{rooms}");

    advance(&server, 3600).await;
    let stopped = call(&server, "StopWebRecord", json!({"TaskId": task})).await;
    assert_eq!(stopped.ok().as_object().unwrap().keys().collect::<Vec<_>>(), vec!["RequestId"]);
    assert_code(&call(&server, "DescribeWebRecord", json!({"TaskId": task})).await, "FailedOperation.TaskNotExist");
    assert_code(
        &call(&server, "DescribeWebRecord", json!({"SdkAppId": APP, "RecordId": "board-1"})).await,
        "FailedOperation.TaskNotExist",
    );
    assert_code(&call(&server, "StopWebRecord", json!({"TaskId": task})).await, "FailedOperation.TaskNotExist");
    // Once stopped, the RecordId is free again.
    let next = start_recording(&server, json!({"RecordId": "board-1"})).await;
    assert_ne!(next, task);

    let tasks: Value = client()
        .get(format!("{}/_mock/tasks?sdk_app_id={APP}&family=web_record", server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = &tasks["tasks"][0];
    assert_eq!(first["task_id"], task.as_str());
    assert_eq!((first["room"].clone(), first["robot"].clone()), (Value::Null, Value::Null));
    assert_eq!(first["ended"], json!({"at": NOW + 3600, "reason": "stopped"}));
    assert_eq!(first["params"]["RecordUrl"], "https://class.example/board?id=1");
    assert!(first["params"]["StorageParams"]["CloudStorage"].get("SecretKey").is_none(), "keys are not kept");
}

#[tokio::test]
async fn max_duration_limit_ends_it_and_the_concurrency_limit_refuses_more() {
    let mut cfg = config();
    cfg.task_limits = trtc_mock::world::tasks::Limits::parse("web_record=2").unwrap();
    let server = start(cfg).await;
    let short = start_recording(&server, json!({"MaxDurationLimit": 1800})).await;
    let long = start_recording(&server, json!({})).await;
    assert_code(&call(&server, "StartWebRecord", start_body(json!({}))).await, "ResourceInsufficient.RequestRejection");
    advance(&server, 1799).await;
    assert_eq!(call(&server, "DescribeWebRecord", json!({"TaskId": short})).await.ok()["Status"], 1);
    advance(&server, 1).await;
    assert_code(&call(&server, "DescribeWebRecord", json!({"TaskId": short})).await, "FailedOperation.TaskNotExist");
    start_recording(&server, json!({})).await;
    // The default limit is 24 hours.
    advance(&server, 86_400 - 1800 - 1).await;
    assert_eq!(call(&server, "DescribeWebRecord", json!({"TaskId": long})).await.ok()["Status"], 1);
    advance(&server, 1).await;
    assert_code(&call(&server, "DescribeWebRecord", json!({"TaskId": long})).await, "FailedOperation.TaskNotExist");
}

#[tokio::test]
async fn every_documented_code() {
    let mut cfg = config();
    cfg.accounts[0].sdk_app_ids = Some(vec![APP]);
    let server = start(cfg).await;
    let cos = json!({"Vendor": 0, "Region": "r", "Bucket": "b", "AccessKey": "a", "SecretKey": "s"});
    let with = |k: &str, v: Value| {
        let mut c = cos.clone();
        c[k] = v;
        json!({"StorageParams": {"CloudStorage": c}})
    };
    let cases = [
        (json!({"SdkAppId": 0}), "FailedOperation.SdkAppIdNotUnderAppId"),
        (json!({"SdkAppId": -1}), "FailedOperation.SdkAppIdNotUnderAppId"),
        (json!({"SdkAppId": 1_400_000_002u64}), "FailedOperation.SdkAppIdNotUnderAppId"),
        (json!({"RecordUrl": ""}), "MissingParameter"),
        (json!({"RecordUrl": "ftp://a.b/"}), "InvalidParameterValue"),
        (json!({"RecordUrl": "https://"}), "InvalidParameterValue"),
        (json!({"StorageParams": {}}), "MissingParameter"),
        (
            json!({"StorageParams": {"CloudStorage": cos.clone(), "CloudVod": {"TencentVod": {}}}}),
            "InvalidParameterValue",
        ),
        (with("Vendor", json!(1)), "InvalidParameterValue"),
        (with("Bucket", json!("")), "MissingParameter"),
        (with("Region", json!("")), "MissingParameter"),
        (with("AccessKey", json!("")), "MissingParameter"),
        (with("SecretKey", json!("")), "MissingParameter"),
        (with("FileNamePrefix", json!(["a/b"])), "InvalidParameterValue"),
        (json!({"MaxDurationLimit": 1799}), "InvalidParameterValue"),
        (json!({"MaxDurationLimit": 86_401}), "InvalidParameterValue"),
        (json!({"WebRecordVideoParams": {"Width": 1921}}), "InvalidParameterValue"),
        (json!({"WebRecordVideoParams": {"Height": 1081}}), "InvalidParameterValue"),
        (json!({"WebRecordVideoParams": {"Format": "flv"}}), "InvalidParameterValue"),
        (json!({"WebRecordVideoParams": {"MaxMediaFileDuration": 0}}), "InvalidParameterValue"),
        (json!({"WebRecordVideoParams": {"MaxMediaFileDuration": 1441}}), "InvalidParameterValue"),
        (json!({"RecordId": "x".repeat(32)}), "InvalidParameterValue"),
        (
            json!({"PublishCdnParams": (0..11).map(|i| json!({"PublishCdnUrl": format!("rtmp://cdn.example/live/{i}")})).collect::<Vec<_>>()}),
            "InvalidParameterValue",
        ),
        (json!({"PublishCdnParams": [{"PublishCdnUrl": "https://cdn.example/live"}]}), "InvalidParameterValue"),
        (
            json!({"PublishCdnParams": [{"PublishCdnUrl": "rtmp://cdn.example/live", "IsTencentCdn": 2}]}),
            "InvalidParameterValue",
        ),
        (json!({"ReadyTimeout": 61}), "InvalidParameterValue"),
        (json!({"EmulateMobileParams": {"MobileDeviceType": 2}}), "InvalidParameterValue"),
        (json!({"EmulateMobileParams": {"ScreenOrientation": 2}}), "InvalidParameterValue"),
    ];
    for (extra, code) in cases {
        let reply = call(&server, "StartWebRecord", start_body(extra.clone())).await;
        assert_eq!(reply.code(), Some(code), "{extra}: {}", reply.message());
    }
    // Everything at its documented edges starts.
    let task = start_recording(
        &server,
        json!({"MaxDurationLimit": 86_400, "RecordId": "x".repeat(31), "ReadyTimeout": 60,
               "WebRecordVideoParams": {"Width": 1920, "Height": 1080, "Format": "mp4", "MaxMediaFileDuration": 1440},
               "PublishCdnParams": [{"PublishCdnUrl": "rtmp://cdn.example/live/a", "IsTencentCdn": 1}],
               "EmulateMobileParams": {"MobileDeviceType": 1, "ScreenOrientation": 1},
               "StorageParams": {"CloudVod": {"TencentVod": {"MediaType": 1}}}}),
    )
    .await;

    let unknown = format!("{}..", "A".repeat(126));
    let describe = |body: Value| call(&server, "DescribeWebRecord", body);
    assert_code(&describe(json!({})).await, "InvalidParameter.TaskId");
    assert_code(&describe(json!({"RecordId": "r"})).await, "InvalidParameter.TaskId");
    assert_code(&describe(json!({"TaskId": "abc"})).await, "InvalidParameter.TaskId");
    assert_code(&describe(json!({"TaskId": unknown})).await, "FailedOperation.TaskNotExist");
    assert_code(&describe(json!({"TaskId": task, "SdkAppId": 1_400_000_002u64})).await, "FailedOperation.TaskNotExist");
    assert_code(&describe(json!({"SdkAppId": APP, "RecordId": "nope"})).await, "FailedOperation.TaskNotExist");
    assert_code(
        &describe(json!({"SdkAppId": 1_400_000_002u64, "RecordId": "x".repeat(31)})).await,
        "FailedOperation.TaskNotExist",
    );
    assert_eq!(describe(json!({"TaskId": task, "SdkAppId": APP})).await.ok()["Status"], 1);
    let stop = |body: Value| call(&server, "StopWebRecord", body);
    assert_code(&stop(json!({"TaskId": ""})).await, "InvalidParameter.TaskId");
    assert_code(&stop(json!({"TaskId": "-abc."})).await, "InvalidParameter.TaskId");
    assert_code(&stop(json!({"TaskId": unknown})).await, "FailedOperation.TaskNotExist");
    stop(json!({"TaskId": task})).await.ok();
}
