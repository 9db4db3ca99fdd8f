//! The usage and billing family over a real socket: the worked example of
//! `fixtures/usage-example.json` figure by figure, windows and buckets, every error code the
//! handlers answer (each one listed for its action or common to API 3.0), the aggregate over an
//! account's apps, determinism, and the reconciliations a billing dashboard makes: room rows
//! against app totals, and app totals against the stays `DescribeUserInfo` lists.

use crate::common;
use std::collections::HashSet;

use crate::common::{GENERATED_NOW, Reply, Tc3, assert_code, config, start};
use serde_json::{Value, json};
use trtc_mock::{Account, Config, Running};

/// A generated app.
const APP: u64 = 1_400_000_001;
/// The app of `fixtures/usage-example.json`.
const FIX: u64 = 1_400_000_042;
const NOW: u64 = GENERATED_NOW as u64; // 2025-11-25 00:00 UTC+8
const DAY: u64 = 86_400;
/// 2025-11-24 00:00 UTC+8, the day of the worked example.
const D0: u64 = NOW - DAY;

/// The codes every action may answer besides its own list.
const COMMON: &[&str] = &["InvalidParameter", "InvalidParameterValue", "MissingParameter", "UnknownParameter"];

fn fixture_config() -> Config {
    Config { fixtures: vec!["fixtures/usage-example.json".into()], ..config() }
}

fn restricted(apps: &[u64]) -> Config {
    Config {
        accounts: vec![Account { sdk_app_ids: Some(apps.to_vec()), ..Account::new(common::ID, common::KEY) }],
        ..config()
    }
}

async fn call(server: &Running, action: &str, body: Value) -> Reply {
    Tc3::post(action, body).send(&server.url()).await
}

async fn ok(server: &Running, action: &str, body: Value) -> Value {
    call(server, action, body).await.ok().clone()
}

fn spec() -> Value {
    serde_json::from_str(&std::fs::read_to_string("spec/trtc-2019-07-22.json").unwrap()).unwrap()
}

/// The call fails with `code`, which the action lists or every action may answer.
async fn expect(server: &Running, action: &str, body: Value, code: &str) {
    let reply = call(server, action, body).await;
    assert_code(&reply, code);
    let listed = spec()["actions"][action]["error_codes"].as_array().unwrap().iter().any(|c| c == code);
    assert!(listed || COMMON.contains(&code), "{action} answered {code}, which it does not list");
}

/// Minutes as the README says: seconds / 60 rounded half up to two decimals.
fn minutes(seconds: u64) -> f64 {
    ((seconds * 10 + 3) / 6) as f64 / 100.0
}

fn values(row: &Value) -> Vec<f64> {
    row["UsageValue"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
}

/// The rows of a CSV text (quoted fields with doubled quotes).
fn csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for line in text.lines() {
        let (mut fields, mut field, mut quoted, mut chars) =
            (Vec::new(), String::new(), false, line.chars().peekable());
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                ('"', _) => quoted = !quoted,
                (',', false) => fields.push(std::mem::take(&mut field)),
                _ => field.push(c),
            }
        }
        fields.push(field);
        rows.push(fields);
    }
    rows
}

/// The seconds per key of `DescribeTrtcRoomUsage` over `[start, end)` (`YYYY-MM-DD HH:MM`), and
/// its rows.
async fn room_usage(server: &Running, app: u64, start: &str, end: &str) -> ([u64; 6], Vec<Vec<String>>) {
    let data = ok(server, "DescribeTrtcRoomUsage", json!({"SdkAppid": app, "StartTime": start, "EndTime": end})).await;
    let rows = csv(data["Data"].as_str().unwrap());
    assert_eq!(rows[0], ["RoomId", "Audio", "SD", "hd", "FullHD", "2K", "4K"], "the documented header");
    let mut sums = [0u64; 6];
    for row in &rows[1..] {
        assert_eq!(row.len(), 7, "{row:?}");
        for (sum, cell) in sums.iter_mut().zip(&row[1..]) {
            *sum += cell.parse::<u64>().unwrap();
        }
    }
    (sums, rows[1..].to_vec())
}

// ---- the worked example -----------------------------------------------------------------------

#[tokio::test]
async fn the_worked_example_gives_the_figures_of_the_fixture_readme() {
    let server = start(fixture_config()).await;
    let days = |extra: Value| {
        let mut body = json!({"StartTime": "2025-11-23", "EndTime": "2025-11-24", "SdkAppId": FIX});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let trtc = ok(&server, "DescribeTrtcUsage", days(json!({}))).await;
    assert_eq!(trtc["UsageKey"], json!(["Audio", "SD", "HD", "FullHD", "2K", "4K"]));
    assert_eq!(
        trtc["UsageList"],
        json!([
            {"TimeKey": "2025-11-23 00:00:00", "TimeStampKey": D0 - DAY, "UsageValue": [10.0, 0.0, 0.0, 0.0, 0.0, 0.0]},
            {"TimeKey": "2025-11-24 00:00:00", "TimeStampKey": D0, "UsageValue": [115.0, 25.0, 45.0, 43.0, 0.0, 55.0]}
        ])
    );
    let day = |body: &Value| values(&body["UsageList"][1]);
    assert_eq!(
        day(&ok(&server, "DescribeRecordingUsage", days(json!({"MixType": "single"}))).await),
        [0.0, 0.0, 0.0, 90.0, 0.0, 0.0]
    );
    assert_eq!(
        day(&ok(&server, "DescribeRecordingUsage", days(json!({"MixType": "multi"}))).await),
        [0.0, 25.0, 30.0, 0.0, 0.0, 0.0]
    );
    let mixing = ok(&server, "DescribeMixTranscodingUsage", days(json!({}))).await;
    assert_eq!(
        mixing["UsageKey"],
        json!([
            "Audio",
            "SDH264",
            "HDH264",
            "FullHDH264",
            "2KH264",
            "4KH264",
            "SDH265",
            "HDH265",
            "FullHDH265",
            "2KH265",
            "4KH265"
        ])
    );
    assert_eq!(day(&mixing), [0.0, 0.0, 5.0, 25.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    let relay = ok(&server, "DescribeRelayUsage", days(json!({}))).await;
    assert_eq!(relay["UsageKey"], json!(["Bandwidth"]));
    assert_eq!((values(&relay["UsageList"][0]), day(&relay)), (vec![0.0], vec![1.2]));

    let rooms = ok(
        &server,
        "DescribeTrtcRoomUsage",
        json!({"SdkAppid": FIX, "StartTime": "2025-11-24 00:00", "EndTime": "2025-11-25 00:00"}),
    )
    .await;
    assert_eq!(
        rooms["Data"],
        "RoomId,Audio,SD,hd,FullHD,2K,4K\n1003,1200,0,0,0,0,0\n1001,300,1500,1500,0,0,0\n\"Math class, 3B\",3600,0,0,2580,0,3300\nnight-owls,1800,0,1200,0,0,0\n"
    );

    let mcu = ok(&server, "DescribeTrtcMcuTranscodeTime", days(json!({}))).await;
    assert_eq!(
        mcu["Usages"],
        json!([{"SdkAppIdTranscodeTimeUsages": [
            {"TimeKey": "2025-11-23", "AudioTime": 0, "VideoTimeSd": 0, "VideoTimeHd": 0, "VideoTimeFhd": 0, "Flux": 0.0},
            {"TimeKey": "2025-11-24", "AudioTime": 0, "VideoTimeSd": 0, "VideoTimeHd": 1800, "VideoTimeFhd": 0, "Flux": 1.2}
        ], "TotalNum": 2, "SdkAppId": FIX.to_string()}])
    );
    let records = ok(&server, "DescribeRecordStatistic", days(json!({}))).await;
    assert_eq!(
        records["SdkAppIdUsages"][0]["Usages"][1],
        json!({"TimeKey": "2025-11-24", "Class1VideoTime": 0, "Class2VideoTime": 1800, "Class3VideoTime": 5400, "AudioTime": 0})
    );

    let times = |extra: Value| {
        let mut body = json!({"StartTime": "2025-11-23 00:00:00", "EndTime": "2025-11-25 00:00:00"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let ai = ok(
        &server,
        "DescribeTRTCAIRecognitionUsage",
        times(json!({"AuType": ["tts", "conversation", "asr", "translation", "tts"], "SdkAppId": FIX.to_string()})),
    )
    .await;
    assert_eq!(ai["UsageKey"], json!(["TTS", "Conversation", "ASR", "Translation"]), "the order asked, once each");
    assert_eq!(
        ai["UsageList"],
        json!([{"TimeKey": "2025-11-23 00:00:00", "UsageValue": [10.0, 10.0, 0.0, 0.0]},
               {"TimeKey": "2025-11-24 00:00:00", "UsageValue": [20.0, 20.0, 60.0, 60.0]}])
    );
    assert_eq!(ai["TotalUsage"], json!([30.0, 30.0, 60.0, 60.0]));
    let acc = ok(&server, "DescribeTRTCDedicatedCloudAccUsage", times(json!({"SdkAppId": FIX}))).await;
    assert_eq!(
        (acc["UsageKey"].clone(), day(&acc), acc["TotalUsage"].clone()),
        (json!(["Time"]), vec![20.0], json!([30]))
    );
    let audio = ok(&server, "DescribeTRTCSegmentModerationUsage", times(json!({"Type": "audio", "Business": 0}))).await;
    assert_eq!(
        (audio["UsageKey"].clone(), day(&audio), audio["TotalUsage"].clone()),
        (json!(["Audio"]), vec![60.0], json!([60]))
    );
    let pictures =
        ok(&server, "DescribeTRTCSegmentModerationUsage", times(json!({"Type": "picture", "Business": 0}))).await;
    assert_eq!(
        (pictures["UsageKey"].clone(), day(&pictures), pictures["TotalUsage"].clone()),
        (json!(["Picture"]), vec![540.0], json!([540]))
    );
    let sliced =
        ok(&server, "DescribeTRTCSegmentModerationUsage", times(json!({"Type": "picture", "Business": 1}))).await;
    assert_eq!(sliced["TotalUsage"], json!([0]), "nothing was sliced");

    // Without SdkAppId the unrestricted account adds up its fixture apps: here the one.
    let all = ok(&server, "DescribeTrtcUsage", json!({"StartTime": "2025-11-23", "EndTime": "2025-11-24"})).await;
    assert_eq!(all["UsageList"], trtc["UsageList"]);
    let total =
        ok(&server, "DescribeRecordStatistic", json!({"StartTime": "2025-11-23", "EndTime": "2025-11-24"})).await;
    assert_eq!(total["SdkAppIdUsages"][0]["SdkAppId"], "total");
    assert_eq!(total["SdkAppIdUsages"][0]["Usages"], records["SdkAppIdUsages"][0]["Usages"]);
}

#[tokio::test]
async fn one_day_is_cut_every_five_minutes() {
    let server = start(fixture_config()).await;
    let body = json!({"StartTime": "2025-11-24", "EndTime": "2025-11-24", "SdkAppId": FIX});
    let rows = ok(&server, "DescribeTrtcUsage", body.clone()).await["UsageList"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 288);
    for (i, row) in rows.iter().enumerate() {
        let start = D0 + 300 * i as u64;
        assert_eq!(row["TimeStampKey"], start);
        assert_eq!(row["TimeKey"], format!("2025-11-24 {:02}:{:02}:00", i / 12, i % 12 * 5));
    }
    // 10:00 alice alone; 10:05 alice receives bob (SD), bob receives alice (HD).
    assert_eq!(values(&rows[120]), [5.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(values(&rows[121]), [0.0, 5.0, 5.0, 0.0, 0.0, 0.0]);
    for key in 0..6 {
        let sum: f64 = rows.iter().map(|r| values(r)[key]).sum();
        assert!((sum - [115.0, 25.0, 45.0, 43.0, 0.0, 55.0][key]).abs() < 1e-9, "key {key}: {sum}");
    }
    let relay = ok(&server, "DescribeRelayUsage", body.clone()).await["UsageList"].as_array().unwrap().clone();
    let busy: Vec<usize> = (0..288).filter(|&i| values(&relay[i]) != [0.0]).collect();
    assert_eq!(busy, (120..126).collect::<Vec<_>>(), "the relay runs 10:00–10:30");
    assert!(busy.iter().all(|&i| values(&relay[i]) == [1.2]));
    let legacy = ok(&server, "DescribeTrtcMcuTranscodeTime", body).await;
    let legacy_rows = legacy["Usages"][0]["SdkAppIdTranscodeTimeUsages"].as_array().unwrap();
    assert_eq!((legacy_rows.len(), legacy["Usages"][0]["TotalNum"].as_u64()), (288, Some(288)));
    assert_eq!(legacy_rows[120]["TimeKey"], "2025-11-24 10:00:00");
    assert_eq!(legacy_rows[120]["VideoTimeHd"], 300);

    let times = json!({"StartTime": "2025-11-24 10:02:00", "EndTime": "2025-11-24 10:31:00", "Type": "picture", "Business": 0, "SdkAppId": FIX});
    let partial = ok(&server, "DescribeTRTCSegmentModerationUsage", times).await;
    let keys: Vec<&str> =
        partial["UsageList"].as_array().unwrap().iter().map(|r| r["TimeKey"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "2025-11-24 10:00:00",
            "2025-11-24 10:05:00",
            "2025-11-24 10:10:00",
            "2025-11-24 10:15:00",
            "2025-11-24 10:20:00",
            "2025-11-24 10:25:00",
            "2025-11-24 10:30:00"
        ]
    );
}

#[tokio::test]
async fn rows_not_yet_begun_are_left_out() {
    let server = start(Config { start_time: Some(GENERATED_NOW + 3600 + 10), ..fixture_config() }).await;
    let today =
        ok(&server, "DescribeTrtcUsage", json!({"StartTime": "2025-11-25", "EndTime": "2025-11-25", "SdkAppId": APP}))
            .await;
    let rows = today["UsageList"].as_array().unwrap();
    assert_eq!(rows.len(), 13, "00:00 to 01:00 have begun");
    assert!(values(&rows[0]).iter().sum::<f64>() > 0.0, "the generated history has rooms after midnight");
    let days =
        ok(&server, "DescribeTrtcUsage", json!({"StartTime": "2025-11-24", "EndTime": "2025-11-30", "SdkAppId": APP}))
            .await;
    assert_eq!(days["UsageList"].as_array().unwrap().len(), 2);
    let future =
        ok(&server, "DescribeTrtcUsage", json!({"StartTime": "2025-12-01", "EndTime": "2025-12-02", "SdkAppId": APP}))
            .await;
    assert_eq!(future["UsageList"], json!([]));
    let ai = ok(
        &server,
        "DescribeTRTCAIRecognitionUsage",
        json!({"StartTime": "2025-12-01 00:00:00", "EndTime": "2025-12-02 00:00:00", "AuType": ["asr"]}),
    )
    .await;
    assert_eq!((ai["UsageList"].clone(), ai["TotalUsage"].clone()), (json!([]), json!([0.0])));
    let legacy =
        ok(&server, "DescribeRecordStatistic", json!({"StartTime": "2025-12-01", "EndTime": "2025-12-02"})).await;
    assert_eq!(legacy["SdkAppIdUsages"][0]["Usages"], json!([]));
    // Past days with nothing in them are there, with zeros.
    let empty =
        ok(&server, "DescribeTrtcUsage", json!({"StartTime": "2025-11-01", "EndTime": "2025-11-02", "SdkAppId": FIX}))
            .await;
    assert_eq!(empty["UsageList"][1]["UsageValue"], json!([0.0, 0.0, 0.0, 0.0, 0.0, 0.0]));
}

// ---- reconciliation ---------------------------------------------------------------------------

#[tokio::test]
async fn room_rows_add_up_to_the_app_figures() {
    let server = start(fixture_config()).await;
    for app in [FIX, APP] {
        let (seconds, rooms) = room_usage(&server, app, "2025-11-24 00:00", "2025-11-25 00:00").await;
        let ids: HashSet<&String> = rooms.iter().map(|r| &r[0]).collect();
        assert_eq!(ids.len(), rooms.len(), "one row per room id");
        let daily = ok(
            &server,
            "DescribeTrtcUsage",
            json!({"StartTime": "2025-11-23", "EndTime": "2025-11-24", "SdkAppId": app}),
        )
        .await;
        let expected: Vec<f64> = seconds.iter().map(|s| minutes(*s)).collect();
        assert_eq!(values(&daily["UsageList"][1]), expected, "app {app}: rooms × 60 = the day");
        if app == APP {
            assert!(rooms.len() > 24 && seconds[1..].iter().sum::<u64>() > 0, "{rooms:?}");
        }

        // Six hours against the five-minute rows of that day: each row is rounded on its own.
        let (part, _) = room_usage(&server, app, "2025-11-24 10:00", "2025-11-24 16:00").await;
        let fine = ok(
            &server,
            "DescribeTrtcUsage",
            json!({"StartTime": "2025-11-24", "EndTime": "2025-11-24", "SdkAppId": app}),
        )
        .await;
        let rows = &fine["UsageList"].as_array().unwrap()[120..192];
        for (key, seconds) in part.iter().enumerate() {
            let shown: f64 = rows.iter().map(|r| values(r)[key]).sum();
            assert!(
                (shown - *seconds as f64 / 60.0).abs() <= 0.005 * 72.0,
                "app {app} key {key}: {shown} vs {seconds} s"
            );
        }
    }
}

/// Every stay of the app's rooms that overlaps `[from, to)`, as `DescribeRoomInfo` and
/// `DescribeUserInfo` list them: (room string, user, join, leave).
async fn stays(server: &Running, app: u64, from: u64, to: u64) -> Vec<(String, String, u64, u64)> {
    let mut rooms = Vec::new();
    for page in 0.. {
        let listed = ok(
            server,
            "DescribeRoomInfo",
            json!({"SdkAppId": app, "StartTime": from, "EndTime": to - 1, "PageNumber": page, "PageSize": 100}),
        )
        .await;
        let list = listed["RoomList"].as_array().unwrap().clone();
        if list.is_empty() {
            break;
        }
        rooms.extend(list);
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for room in &rooms {
        let (create, destroy) = (room["CreateTime"].as_u64().unwrap(), room["DestroyTime"].as_u64().unwrap());
        let mut start = create.max(NOW - 14 * DAY);
        while start <= destroy {
            let end = (start + 4 * 3600).min(destroy.max(start + 1));
            for page in 0.. {
                let body = json!({"SdkAppId": app, "CommId": room["CommId"], "StartTime": start, "EndTime": end, "PageNumber": page, "PageSize": 100});
                let users = ok(server, "DescribeUserInfo", body).await["UserList"].as_array().unwrap().clone();
                if users.is_empty() {
                    break;
                }
                for u in users {
                    let stay = (room["CommId"].to_string(), u["UserId"].to_string(), u["JoinTs"].as_u64().unwrap());
                    if seen.insert(stay) {
                        let room_id = room["RoomString"].as_str().unwrap().to_owned();
                        out.push((
                            room_id,
                            u["UserId"].as_str().unwrap().to_owned(),
                            u["JoinTs"].as_u64().unwrap(),
                            u["LeaveTs"].as_u64().unwrap(),
                        ));
                    }
                }
            }
            start = end + 1;
        }
    }
    out
}

#[tokio::test]
async fn the_minutes_are_the_stays_the_monitoring_actions_list() {
    let server = start(fixture_config()).await;
    for app in [FIX, APP] {
        let stays = stays(&server, app, D0, NOW).await;
        let seconds: u64 = stays.iter().map(|(_, _, join, leave)| leave.min(&NOW).saturating_sub(*join.max(&D0))).sum();
        if app == FIX {
            assert_eq!((stays.len(), seconds), (9, 16_980), "{stays:?}");
        }
        let daily = ok(
            &server,
            "DescribeTrtcUsage",
            json!({"StartTime": "2025-11-23", "EndTime": "2025-11-24", "SdkAppId": app}),
        )
        .await;
        let billed: f64 = values(&daily["UsageList"][1]).iter().sum();
        assert!(
            (billed - seconds as f64 / 60.0).abs() <= 6.0 * 0.005 + 1e-9,
            "app {app}: {billed} min billed, {seconds} s stayed"
        );
        let (rooms, _) = room_usage(&server, app, "2025-11-24 00:00", "2025-11-25 00:00").await;
        assert_eq!(rooms.iter().sum::<u64>(), seconds, "app {app}: the room rows are the stays, to the second");
    }
}

#[tokio::test]
async fn the_aggregate_adds_up_the_accounts_apps() {
    let server = start(restricted(&[APP, APP + 1])).await;
    let mut per_app = Vec::new();
    for app in [APP, APP + 1] {
        per_app.push(room_usage(&server, app, "2025-11-24 00:00", "2025-11-25 00:00").await.0);
    }
    let all = ok(&server, "DescribeTrtcUsage", json!({"StartTime": "2025-11-23", "EndTime": "2025-11-24"})).await;
    let expected: Vec<f64> = (0..6).map(|k| minutes(per_app[0][k] + per_app[1][k])).collect();
    assert_eq!(values(&all["UsageList"][1]), expected);
    let relay = |app: Option<u64>| {
        let mut body = json!({"StartTime": "2025-11-20", "EndTime": "2025-11-24"});
        if let Some(app) = app {
            body["SdkAppId"] = json!(app);
        }
        let server = &server;
        async move {
            ok(server, "DescribeRelayUsage", body).await["UsageList"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| values(r)[0])
                .collect::<Vec<f64>>()
        }
    };
    let (a, b, both) = (relay(Some(APP)).await, relay(Some(APP + 1)).await, relay(None).await);
    for i in 0..5 {
        assert!(both[i] >= a[i].max(b[i]) && both[i] <= a[i] + b[i] + 1e-9, "day {i}: {} {} {}", a[i], b[i], both[i]);
    }
    let legacy =
        ok(&server, "DescribeTrtcMcuTranscodeTime", json!({"StartTime": "2025-11-24", "EndTime": "2025-11-24"})).await;
    assert_eq!(legacy["Usages"][0]["SdkAppId"], "total");

    // An account without a list and without fixtures knows no app: zeros, rows present.
    let open = start(config()).await;
    let none = ok(&open, "DescribeTrtcUsage", json!({"StartTime": "2025-11-23", "EndTime": "2025-11-24"})).await;
    assert_eq!(none["UsageList"].as_array().unwrap().len(), 2);
    assert!(none["UsageList"].as_array().unwrap().iter().all(|r| values(r).iter().all(|v| *v == 0.0)));
}

#[tokio::test]
async fn same_seed_same_bytes_other_seed_other_figures() {
    let a = start(config()).await;
    let b = start(config()).await;
    let c = start(Config { seed: 99, ..config() }).await;
    let requests = [
        ("DescribeTrtcUsage", json!({"StartTime": "2025-11-24", "EndTime": "2025-11-24", "SdkAppId": APP})),
        (
            "DescribeRecordingUsage",
            json!({"StartTime": "2025-11-10", "EndTime": "2025-11-24", "SdkAppId": APP, "MixType": "multi"}),
        ),
        ("DescribeMixTranscodingUsage", json!({"StartTime": "2025-11-10", "EndTime": "2025-11-24", "SdkAppId": APP})),
        ("DescribeRelayUsage", json!({"StartTime": "2025-11-10", "EndTime": "2025-11-24", "SdkAppId": APP})),
        (
            "DescribeTrtcRoomUsage",
            json!({"StartTime": "2025-11-24 08:00", "EndTime": "2025-11-24 20:00", "SdkAppid": APP}),
        ),
        ("DescribeTrtcMcuTranscodeTime", json!({"StartTime": "2025-11-20", "EndTime": "2025-11-24", "SdkAppId": APP})),
        ("DescribeRecordStatistic", json!({"StartTime": "2025-11-20", "EndTime": "2025-11-24", "SdkAppId": APP})),
        (
            "DescribeTRTCAIRecognitionUsage",
            json!({"StartTime": "2025-11-01 00:00:00", "EndTime": "2025-11-25 00:00:00", "AuType": ["conversation", "asr"], "SdkAppId": APP.to_string()}),
        ),
        (
            "DescribeTRTCDedicatedCloudAccUsage",
            json!({"StartTime": "2025-11-01 00:00:00", "EndTime": "2025-11-25 00:00:00", "SdkAppId": APP}),
        ),
        (
            "DescribeTRTCSegmentModerationUsage",
            json!({"StartTime": "2025-11-20 00:00:00", "EndTime": "2025-11-25 00:00:00", "Type": "picture", "Business": 0, "SdkAppId": APP}),
        ),
    ];
    for (action, body) in requests {
        let ra = call(&a, action, body.clone()).await;
        let rb = call(&b, action, body.clone()).await;
        let rc = call(&c, action, body).await;
        ra.ok();
        assert_eq!(ra.without_request_id(), rb.without_request_id(), "{action}");
        assert_ne!(ra.without_request_id(), rc.without_request_id(), "{action}: another seed, other figures");
    }
}

// ---- errors -----------------------------------------------------------------------------------

#[tokio::test]
async fn every_error_is_a_code_the_action_lists() {
    let server = start(restricted(&[APP])).await;
    let other = APP + 1;
    for action in ["DescribeTrtcUsage", "DescribeRecordingUsage", "DescribeMixTranscodingUsage", "DescribeRelayUsage"] {
        let body = |start: &str, end: &str, app: u64| json!({"StartTime": start, "EndTime": end, "SdkAppId": app, "MixType": "single"});
        let strip = |mut body: Value| {
            if action != "DescribeRecordingUsage" {
                body.as_object_mut().unwrap().remove("MixType");
            }
            body
        };
        ok(&server, action, strip(body("2025-11-01", "2025-12-01", APP))).await;
        expect(&server, action, strip(body("2025-11-01", "2025-12-02", APP)), "InvalidParameter.QueryScaleOversize")
            .await;
        expect(&server, action, strip(body("2025-11-01", "2025-11-02", other)), "InvalidParameter.SdkAppId").await;
        expect(&server, action, strip(body("2025-11-01", "2025-11-02", 0)), "InvalidParameter.SdkAppId").await;
        // The documentation's example, with its dates swapped: refused.
        expect(&server, action, strip(body("2022-01-02", "2022-01-01", APP)), "InvalidParameter").await;
        for (start, end) in [
            ("2025-11-1", "2025-11-02"),
            ("2025-11-01", "2025-11-02 00:00:00"),
            ("2025-02-29", "2025-03-01"),
            ("", "2025-11-02"),
        ] {
            expect(&server, action, strip(body(start, end, APP)), "InvalidParameter").await;
        }
    }
    let recording = json!({"StartTime": "2025-11-01", "EndTime": "2025-11-02", "MixType": "mixed"});
    expect(&server, "DescribeRecordingUsage", recording, "InvalidParameterValue").await;

    let room = |app: u64, start: &str, end: &str| json!({"SdkAppid": app, "StartTime": start, "EndTime": end});
    ok(&server, "DescribeTrtcRoomUsage", room(APP, "2025-11-23 08:30", "2025-11-24 08:30")).await;
    expect(&server, "DescribeTrtcRoomUsage", room(APP, "2025-11-23 08:30", "2025-11-24 08:31"), "InvalidParameter")
        .await;
    expect(&server, "DescribeTrtcRoomUsage", room(APP, "2025-11-24 08:30", "2025-11-24 08:30"), "InvalidParameter")
        .await;
    expect(&server, "DescribeTrtcRoomUsage", room(APP, "2025-11-24", "2025-11-25"), "InvalidParameter").await;
    expect(
        &server,
        "DescribeTrtcRoomUsage",
        room(APP, "2025-11-24 08:30:00", "2025-11-24 09:30:00"),
        "InvalidParameter",
    )
    .await;
    expect(
        &server,
        "DescribeTrtcRoomUsage",
        room(other, "2025-11-24 08:30", "2025-11-24 09:30"),
        "FailedOperation.SdkAppIdNotExist",
    )
    .await;
    expect(
        &server,
        "DescribeTrtcRoomUsage",
        room(0, "2025-11-24 08:30", "2025-11-24 09:30"),
        "FailedOperation.SdkAppIdNotExist",
    )
    .await;

    for action in ["DescribeTrtcMcuTranscodeTime", "DescribeRecordStatistic"] {
        let body = |start: &str, end: &str| json!({"StartTime": start, "EndTime": end, "SdkAppId": APP});
        ok(&server, action, body("2025-11-01", "2025-12-01")).await;
        expect(&server, action, body("2025-11-01", "2025-12-02"), "InvalidParameter").await;
        expect(&server, action, body("2025-11-02", "2025-11-01"), "InvalidParameter").await;
        expect(&server, action, body("2025/11/01", "2025-11-02"), "InvalidParameter").await;
        expect(
            &server,
            action,
            json!({"StartTime": "2025-11-01", "EndTime": "2025-11-02", "SdkAppId": other}),
            "InvalidParameter.SdkAppId",
        )
        .await;
    }

    let times = |start: &str, end: &str| json!({"StartTime": start, "EndTime": end});
    let with = |mut body: Value, extra: Value| {
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let cn_only = [
        ("DescribeTRTCAIRecognitionUsage", json!({"AuType": ["conversation"]})),
        ("DescribeTRTCDedicatedCloudAccUsage", json!({})),
        ("DescribeTRTCSegmentModerationUsage", json!({"Type": "audio", "Business": 1})),
    ];
    for (action, extra) in cn_only {
        let app = if action == "DescribeTRTCAIRecognitionUsage" { json!(other.to_string()) } else { json!(other) };
        ok(&server, action, with(times("2025-11-01 00:00:00", "2025-12-02 00:00:00"), extra.clone())).await;
        expect(
            &server,
            action,
            with(times("2025-11-01 00:00:00", "2025-12-02 00:00:01"), extra.clone()),
            "InvalidParameter.QueryScaleOversize",
        )
        .await;
        expect(
            &server,
            action,
            with(times("2025-11-02 00:00:00", "2025-11-02 00:00:00"), extra.clone()),
            "InvalidParameter",
        )
        .await;
        expect(&server, action, with(times("2025-11-02", "2025-11-03"), extra.clone()), "InvalidParameter").await;
        let foreign = with(with(times("2025-11-01 00:00:00", "2025-11-02 00:00:00"), extra), json!({"SdkAppId": app}));
        expect(&server, action, foreign, "InvalidParameter").await;
    }
    let ai = |au: Value, app: Value| json!({"StartTime": "2025-11-01 00:00:00", "EndTime": "2025-11-02 00:00:00", "AuType": au, "SdkAppId": app});
    expect(&server, "DescribeTRTCAIRecognitionUsage", ai(json!([]), json!("")), "InvalidParameter").await;
    expect(&server, "DescribeTRTCAIRecognitionUsage", ai(json!(["speech"]), json!("")), "InvalidParameterValue").await;
    expect(&server, "DescribeTRTCAIRecognitionUsage", ai(json!(["asr"]), json!("14000x")), "InvalidParameterValue")
        .await;
    ok(&server, "DescribeTRTCAIRecognitionUsage", ai(json!(["asr"]), json!(""))).await;
    let segment = |kind: &str, business: u64| json!({"StartTime": "2025-11-01 00:00:00", "EndTime": "2025-11-02 00:00:00", "Type": kind, "Business": business});
    expect(&server, "DescribeTRTCSegmentModerationUsage", segment("video", 0), "InvalidParameterValue").await;
    expect(&server, "DescribeTRTCSegmentModerationUsage", segment("audio", 2), "InvalidParameterValue").await;
}
