//! DescribeCallDetailInfo, DescribeUserEvent, DescribeUnusualEvent and DescribeScaleInfo over a
//! real socket: their rules and error codes, agreement with DescribeRoomInfo/DescribeUserInfo,
//! and the extended fixture format.

use crate::common;
use crate::common::{GENERATED_NOW, Tc3, assert_code, config, start};
use serde_json::{Value, json};
use trtc_mock::{Account, Config, Running};

const APP: u64 = 1_400_000_001;
const NOW: u64 = GENERATED_NOW as u64;
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;

async fn call(server: &Running, action: &str, body: Value) -> common::Reply {
    Tc3::post(action, body).send(&server.url()).await
}

async fn ok(server: &Running, action: &str, body: Value) -> Value {
    call(server, action, body).await.ok().clone()
}

/// A finished room of the last day with at least `users` stays (and its users).
async fn busy_room(server: &Running, users: usize) -> (Value, Vec<Value>) {
    for page in 0.. {
        let rooms = ok(
            server,
            "DescribeRoomInfo",
            json!({"SdkAppId": APP, "StartTime": NOW - DAY, "EndTime": NOW - 5 * HOUR, "PageNumber": page, "PageSize": 100}),
        )
        .await;
        let list = rooms["RoomList"].as_array().unwrap().clone();
        assert!(!list.is_empty(), "no room with {users} users");
        for room in list {
            let create = room["CreateTime"].as_u64().unwrap();
            let listed = ok(
                server,
                "DescribeUserInfo",
                json!({"SdkAppId": APP, "CommId": room["CommId"], "StartTime": create, "EndTime": create + 4 * HOUR, "PageNumber": 0, "PageSize": 100}),
            )
            .await;
            let stays = listed["UserList"].as_array().unwrap().clone();
            if stays.len() >= users && room["IsFinished"] == true {
                return (room, stays);
            }
        }
    }
    unreachable!()
}

fn detail(room: &Value, start: u64, end: u64, extra: Value) -> Value {
    let mut body = json!({"SdkAppId": APP, "CommId": room["CommId"], "StartTime": start, "EndTime": end});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

#[tokio::test]
async fn call_detail_lists_the_users_and_their_metrics_every_two_seconds() {
    let server = start(config()).await;
    let (room, stays) = busy_room(&server, 3).await;
    let create = room["CreateTime"].as_u64().unwrap();

    // Without DataType: the users of DescribeUserInfo, and an empty Data list.
    let plain = ok(
        &server,
        "DescribeCallDetailInfo",
        detail(&room, create, create + 4 * HOUR, json!({"PageNumber": 0, "PageSize": 100})),
    )
    .await;
    assert_eq!(plain["UserList"].as_array().unwrap(), &stays);
    assert_eq!(plain["Total"].as_u64().unwrap(), stays.len() as u64);
    assert_eq!(plain["Data"], json!([]));

    // With every metric over the first hour: series for each user of the page, points every
    // 2 s after the join, upstream and from each peer.
    let all =
        ok(&server, "DescribeCallDetailInfo", detail(&room, create, create + HOUR, json!({"DataType": ["all"]}))).await;
    let data = all["Data"].as_array().unwrap();
    let page: Vec<&Value> = all["UserList"].as_array().unwrap().iter().collect();
    assert!(page.len() <= 6);
    for user in &page {
        let id = &user["UserId"];
        // A user who came back has a point every 2 s of each stay.
        let joins: Vec<u64> =
            stays.iter().filter(|s| &s["UserId"] == id).map(|s| s["JoinTs"].as_u64().unwrap()).collect();
        let rtt = data.iter().find(|d| &d["UserId"] == id && d["DataType"] == "rtt" && d["PeerId"] == "").unwrap();
        for point in rtt["Content"].as_array().unwrap() {
            let t = point["Time"].as_u64().unwrap();
            assert!(joins.iter().any(|j| t > *j && (t - j) % 2 == 0) && t <= create + HOUR, "{point} {joins:?}");
            assert!(point["Value"].as_f64().unwrap() > 0.0);
        }
        let kinds: std::collections::HashSet<&str> =
            data.iter().filter(|d| &d["UserId"] == id).map(|d| d["DataType"].as_str().unwrap()).collect();
        assert_eq!(kinds.len(), 17, "every metric of the CN definition");
        // Downstream series name a peer; upstream-only metrics never do.
        assert!(data.iter().filter(|d| d["DataType"] == "appCpu").all(|d| d["PeerId"] == ""));
        assert!(data.iter().filter(|d| d["DataType"] == "bigvBlock").all(|d| d["PeerId"] != ""));
    }

    // The same point has the same value whatever the window.
    let user = &page[0]["UserId"];
    let join = page[0]["JoinTs"].as_u64().unwrap();
    let narrow = ok(
        &server,
        "DescribeCallDetailInfo",
        detail(&room, join + 10, join + 20, json!({"DataType": ["appCpu"], "UserIds": [user]})),
    )
    .await;
    let wide = data.iter().find(|d| &d["UserId"] == user && d["DataType"] == "appCpu").unwrap();
    for point in narrow["Data"][0]["Content"].as_array().unwrap() {
        assert!(wide["Content"].as_array().unwrap().contains(point));
    }

    // Over an hour with DataType: the users, and Data null (the CN documentation's rule).
    let long =
        ok(&server, "DescribeCallDetailInfo", detail(&room, create, create + HOUR + 1, json!({"DataType": ["rtt"]})))
            .await;
    assert!(long["Data"].is_null());
    assert!(!long["UserList"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn call_detail_rules_and_codes() {
    let server = start(config()).await;
    let (room, _) = busy_room(&server, 2).await;
    let create = room["CreateTime"].as_u64().unwrap();
    let seven: Vec<String> = (0..7).map(|i| format!("u{i}")).collect();
    let cases = [
        (detail(&room, create, create + 4 * HOUR + 1, json!({})), "InvalidParameter.QueryScaleOversize"),
        (
            detail(&room, create, create + 60, json!({"DataType": ["rtt"], "UserIds": seven})),
            "InvalidParameter.UserIdsMorethanSix",
        ),
        (
            detail(&room, create, create + 60, json!({"DataType": ["rtt"], "PageNumber": 0, "PageSize": 7})),
            "InvalidParameter.PageSizeOversize",
        ),
        (
            detail(&room, create, create + 60, json!({"PageNumber": 0, "PageSize": 101})),
            "InvalidParameter.PageSizeOversize",
        ),
        (detail(&room, create, create + 60, json!({"PageNumber": 0, "PageSize": 0})), "InvalidParameter.PageSize"),
        (detail(&room, create, create + 60, json!({"DataType": ["fps"]})), "InvalidParameter"),
        (detail(&room, create, create, json!({})), "InvalidParameter.StartTs"),
        (detail(&room, 0, create, json!({})), "MissingParameter.StartTs"),
        (detail(&room, create, 0, json!({})), "MissingParameter.EndTs"),
        (detail(&room, NOW - 15 * DAY, NOW - 15 * DAY + 60, json!({})), "InvalidParameter.StartTimeOversize"),
        (
            json!({"SdkAppId": APP, "CommId": "", "StartTime": create, "EndTime": create + 60}),
            "MissingParameter.CommId",
        ),
        (json!({"SdkAppId": APP, "CommId": "x", "StartTime": create, "EndTime": create + 60}), "InvalidParameterValue"),
        (
            json!({"SdkAppId": 0, "CommId": room["CommId"], "StartTime": create, "EndTime": create + 60}),
            "MissingParameter.SdkAppId",
        ),
        (
            json!({"SdkAppId": APP + 1, "CommId": room["CommId"], "StartTime": create, "EndTime": create + 60}),
            "InvalidParameter.SdkAppId",
        ),
    ];
    for (body, code) in cases {
        assert_code(&call(&server, "DescribeCallDetailInfo", body).await, code);
    }
    // Six users with DataType, a hundred without: both accepted.
    let six: Vec<String> = (0..6).map(|i| format!("u{i}")).collect();
    ok(
        &server,
        "DescribeCallDetailInfo",
        detail(&room, create, create + 60, json!({"DataType": ["rtt"], "UserIds": six})),
    )
    .await;
    let hundred: Vec<String> = (0..100).map(|i| format!("u{i}")).collect();
    ok(&server, "DescribeCallDetailInfo", detail(&room, create, create + 60, json!({"UserIds": hundred}))).await;
}

#[tokio::test]
async fn user_events_are_grouped_by_peer_and_end_at_the_room_end() {
    let server = start(config()).await;
    let (room, stays) = busy_room(&server, 2).await;
    let (create, destroy) = (room["CreateTime"].as_u64().unwrap(), room["DestroyTime"].as_u64().unwrap());
    let user = &stays[0];
    let body = |start: u64, end: u64| json!({"SdkAppId": APP, "CommId": room["CommId"], "StartTime": start, "EndTime": end, "UserId": user["UserId"], "RoomId": room["RoomString"]});
    let events = ok(&server, "DescribeUserEvent", body(create, destroy)).await;
    let groups = events["Data"].as_array().unwrap();
    assert_eq!(groups[0]["PeerId"], user["UserId"], "the user's own events come first");
    let peers: Vec<&Value> = groups.iter().map(|g| &g["PeerId"]).collect();
    for peer in &peers[1..] {
        assert!(stays.iter().any(|s| &&s["UserId"] == peer), "{peer} is a user of the call");
    }
    for group in groups {
        let content = group["Content"].as_array().unwrap();
        assert!(!content.is_empty());
        for e in content {
            let t = e["Time"].as_u64().unwrap();
            assert!(t >= create * 1000 - 10_000 && t <= destroy * 1000 + 999, "milliseconds inside the call: {e}");
        }
    }
    // An end after the room's end is the room's end: the same answer.
    let later = ok(&server, "DescribeUserEvent", body(create, destroy + 3 * HOUR)).await;
    assert_eq!(later["Data"], events["Data"]);
    // Nothing matches: an empty list.
    let other_room = json!({"SdkAppId": APP, "CommId": room["CommId"], "StartTime": create, "EndTime": destroy, "UserId": user["UserId"], "RoomId": "no-such-room"});
    assert_eq!(ok(&server, "DescribeUserEvent", other_room).await["Data"], json!([]));
    let nobody = json!({"SdkAppId": APP, "CommId": room["CommId"], "StartTime": create, "EndTime": destroy, "UserId": "nobody", "RoomId": room["RoomString"]});
    assert_eq!(ok(&server, "DescribeUserEvent", nobody).await["Data"], json!([]));

    let with = |k: &str, v: Value| {
        let mut b = body(create, destroy);
        b[k] = v;
        b
    };
    for (b, code) in [
        (with("UserId", json!("")), "MissingParameter.UserId"),
        (with("RoomId", json!("")), "MissingParameter.RoomId"),
        (with("CommId", json!("")), "MissingParameter.CommId"),
        (with("SdkAppId", json!(0)), "MissingParameter.AppId"),
        (with("StartTime", json!(0)), "MissingParameter.StartTs"),
        (with("EndTime", json!(0)), "MissingParameter.EndTs"),
        (with("EndTime", json!(create)), "InvalidParameter.StartTs"),
        (body(NOW - 15 * DAY, NOW - 15 * DAY + 60), "InvalidParameter.StartTsOversize"),
    ] {
        assert_code(&call(&server, "DescribeUserEvent", b).await, code);
    }
}

#[tokio::test]
async fn unusual_events_are_at_most_twenty_in_an_hour() {
    let server = start(Config {
        density: trtc_mock::world::Density { incidents_per_hour: 20.0, rooms_per_hour: 10, ..Default::default() },
        ..config()
    })
    .await;
    let reply = ok(
        &server,
        "DescribeUnusualEvent",
        json!({"SdkAppId": APP, "StartTime": NOW - 2 * HOUR, "EndTime": NOW - HOUR}),
    )
    .await;
    let list = reply["AbnormalExperienceList"].as_array().unwrap();
    assert_eq!(reply["Total"].as_u64().unwrap(), list.len() as u64);
    assert_eq!(list.len(), 20, "a busy hour has more than 20, and 20 are returned");
    for e in list {
        let t = e["EventTime"].as_u64().unwrap();
        assert!((NOW - 2 * HOUR..=NOW - HOUR).contains(&t) && t % 60 == 0);
        assert!([1, 4, 5].contains(&e["ExperienceId"].as_u64().unwrap()));
        assert!(!e["AbnormalEventList"].as_array().unwrap().is_empty());
    }
    // One room only.
    let room = list[0]["RoomId"].clone();
    let one = ok(
        &server,
        "DescribeUnusualEvent",
        json!({"SdkAppId": APP, "StartTime": NOW - 2 * HOUR, "EndTime": NOW - HOUR, "RoomId": room}),
    )
    .await;
    assert!(one["AbnormalExperienceList"].as_array().unwrap().iter().all(|e| e["RoomId"] == room));

    for (body, code) in [
        (
            json!({"SdkAppId": APP, "StartTime": NOW - 2 * HOUR, "EndTime": NOW - HOUR + 1}),
            "InvalidParameter.QueryScaleOversize",
        ),
        (
            json!({"SdkAppId": APP, "StartTime": NOW - 15 * DAY, "EndTime": NOW - 15 * DAY + 60}),
            "InvalidParameter.StartTimeExpire",
        ),
        (json!({"SdkAppId": APP, "StartTime": 0, "EndTime": NOW}), "MissingParameter.StartTs"),
        (json!({"SdkAppId": 0, "StartTime": NOW - 60, "EndTime": NOW}), "MissingParameter.SdkAppId"),
    ] {
        assert_code(&call(&server, "DescribeUnusualEvent", body).await, code);
    }
}

#[tokio::test]
async fn scale_info_is_daily_in_beijing_time_never_today_newest_first() {
    let server = start(config()).await;
    // NOW is 00:00 of a day in UTC+8.
    let reply = ok(
        &server,
        "DescribeScaleInfo",
        json!({"SdkAppId": APP, "StartTime": NOW - 3 * DAY + 5, "EndTime": NOW + 5 * HOUR}),
    )
    .await;
    let list = reply["ScaleList"].as_array().unwrap();
    let times: Vec<u64> = list.iter().map(|d| d["Time"].as_u64().unwrap()).collect();
    assert_eq!(times, vec![NOW - DAY, NOW - 2 * DAY, NOW - 3 * DAY], "today is left out");
    assert_eq!(reply["Total"], 3);
    for day in list {
        let (rooms, users, entries) = (
            day["RoomNumbers"].as_u64().unwrap(),
            day["UserNumber"].as_u64().unwrap(),
            day["UserCount"].as_u64().unwrap(),
        );
        assert!(rooms > 0 && users >= rooms && entries >= users, "{day}");
    }
    // A day is returned once the end passes its 00:00.
    let one = ok(
        &server,
        "DescribeScaleInfo",
        json!({"SdkAppId": APP, "StartTime": NOW - 2 * DAY, "EndTime": NOW - 2 * DAY + 1}),
    )
    .await;
    assert_eq!(one["ScaleList"].as_array().unwrap().len(), 1);
    for (body, code) in [
        (json!({"SdkAppId": APP, "StartTime": NOW - 15 * DAY, "EndTime": NOW}), "InvalidParameter.StartTsOversize"),
        (json!({"SdkAppId": APP, "StartTime": 0, "EndTime": NOW}), "MissingParameter.StartTs"),
        (json!({"SdkAppId": APP, "StartTime": NOW, "EndTime": 0}), "MissingParameter.EndTs"),
        (json!({"SdkAppId": APP, "StartTime": NOW, "EndTime": NOW - 1}), "InvalidParameter.StartTs"),
        (json!({"SdkAppId": 0, "StartTime": NOW - DAY, "EndTime": NOW}), "MissingParameter.SdkAppId"),
    ] {
        assert_code(&call(&server, "DescribeScaleInfo", body).await, code);
    }
}

#[tokio::test]
async fn another_account_s_app_is_refused_everywhere() {
    let mut cfg = config();
    cfg.accounts = vec![Account { sdk_app_ids: Some(vec![APP]), ..Account::new(common::ID, common::KEY) }];
    let server = start(cfg).await;
    let other = APP + 1;
    let cases = [
        (
            "DescribeScaleInfo",
            json!({"SdkAppId": other, "StartTime": NOW - DAY, "EndTime": NOW}),
            "InvalidParameter.SdkAppId",
        ),
        (
            "DescribeUnusualEvent",
            json!({"SdkAppId": other, "StartTime": NOW - 60, "EndTime": NOW}),
            "InvalidParameter.SdkAppId",
        ),
        (
            "DescribeUserEvent",
            json!({"SdkAppId": other, "CommId": format!("{other}_1_{NOW}"), "StartTime": NOW - 60, "EndTime": NOW, "UserId": "u", "RoomId": "1"}),
            "InvalidParameter",
        ),
    ];
    for (action, body, code) in cases {
        assert_code(&call(&server, action, body).await, code);
    }
}

#[tokio::test]
async fn fixtures_write_out_quality_events_and_experiences_and_the_rest_is_derived() {
    let server = start(Config {
        fixtures: vec!["fixtures/call-detail-example.json".into()],
        start_time: Some(1_590_066_000),
        ..config()
    })
    .await;
    let app = 1_400_188_366u64;
    let comm_id = "1400188366_218695_1590065777";
    // The documentation example's request and answer.
    let reply = ok(
        &server,
        "DescribeCallDetailInfo",
        json!({"DataType": ["bigvCapFps"], "CommId": comm_id, "EndTime": 1590065789, "SdkAppId": app, "StartTime": 1590065777}),
    )
    .await;
    assert_eq!(
        reply["UserList"],
        json!([{"RoomStr": "218695", "UserId": "1716", "JoinTs": 1590065777, "LeaveTs": 1590067658, "DeviceType": "", "SdkVersion": "4.3.14", "ClientIp": "10.4.1.13", "Finished": true}])
    );
    let content = &reply["Data"][0]["Content"];
    assert_eq!(
        content,
        &json!([{"Time": 1590065779, "Value": 0.0}, {"Time": 1590065781, "Value": 0.0}, {"Time": 1590065783, "Value": 0.0},
                {"Time": 1590065785, "Value": 0.0}, {"Time": 1590065787, "Value": 0.0}, {"Time": 1590065789, "Value": 0.0}])
    );
    // Past the written samples the series is derived: the camera is on from 1590065790.
    let later = ok(
        &server,
        "DescribeCallDetailInfo",
        json!({"DataType": ["bigvCapFps", "bigvWidth"], "CommId": comm_id, "EndTime": 1590065900, "SdkAppId": app, "StartTime": 1590065850}),
    )
    .await;
    assert!(later["Data"][0]["Content"].as_array().unwrap().iter().all(|p| p["Value"].as_f64().unwrap() >= 4.0));
    assert!(later["Data"][1]["Content"].as_array().unwrap().iter().all(|p| p["Value"] == 1280.0));
    // The written incident shows in the derived metrics: the device is overloaded.
    let cpu = ok(
        &server,
        "DescribeCallDetailInfo",
        json!({"DataType": ["appCpu"], "CommId": comm_id, "StartTime": 1590066000, "EndTime": 1590066029, "SdkAppId": app}),
    )
    .await;
    assert!(cpu["Data"][0]["Content"].as_array().unwrap().iter().all(|p| p["Value"].as_f64().unwrap() >= 70.0));
    // The written abnormal experience replaces the derived ones of that user.
    let unusual =
        ok(&server, "DescribeUnusualEvent", json!({"SdkAppId": app, "StartTime": 1590065777, "EndTime": 1590066777}))
            .await;
    assert_eq!(
        unusual["AbnormalExperienceList"],
        json!([{"UserId": "1716", "ExperienceId": 4, "RoomId": "218695", "AbnormalEventList": [{"AbnormalEventId": 2002, "PeerId": ""}], "EventTime": 1590066000}])
    );
    // Events are derived from the written publishing: camera on (4001) at 1590065790.
    let events = ok(
        &server,
        "DescribeUserEvent",
        json!({"SdkAppId": app, "CommId": comm_id, "StartTime": 1590065777, "EndTime": 1590067658, "UserId": "1716", "RoomId": "218695"}),
    )
    .await;
    let own = events["Data"][0]["Content"].as_array().unwrap();
    let camera = own.iter().find(|e| e["EventId"] == 4001).unwrap();
    assert_eq!(camera["Time"].as_u64().unwrap() / 1000, 1590065790);
    assert!(own.iter().any(|e| e["EventId"] == 4003 && e["ParamOne"] == 1280 && e["ParamTwo"] == 720));
}
