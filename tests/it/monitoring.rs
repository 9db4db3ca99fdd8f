//! DescribeRoomInfo and DescribeUserInfo over a real socket: the documentation example from
//! fixtures, the generated history, paging and window rules, and determinism.

use crate::common;
use crate::common::{GENERATED_NOW, Tc3, V1, assert_code, config, start};
use serde_json::{Value, json};
use trtc_mock::{Account, Config, Running};

const APP: u64 = 1_400_000_001;
const NOW: u64 = GENERATED_NOW as u64;

async fn call(server: &Running, action: &str, body: Value) -> common::Reply {
    Tc3::post(action, body).send(&server.url()).await
}

async fn rooms(server: &Running, body: Value) -> Value {
    call(server, "DescribeRoomInfo", body).await.ok().clone()
}

async fn all_rooms(server: &Running, start: u64, end: u64) -> Vec<Value> {
    let mut out = Vec::new();
    for page in 0.. {
        let r = rooms(
            server,
            json!({"SdkAppId": APP, "StartTime": start, "EndTime": end, "PageNumber": page, "PageSize": 100}),
        )
        .await;
        let list = r["RoomList"].as_array().unwrap().clone();
        if list.is_empty() {
            assert_eq!(out.len() as i64, r["Total"].as_i64().unwrap());
            return out;
        }
        out.extend(list);
    }
    unreachable!()
}

fn seed_config() -> Config {
    Config {
        fixtures: vec!["fixtures/describe-user-info-example.json".into()],
        start_time: Some(1_590_066_000),
        ..config()
    }
}

#[tokio::test]
async fn the_documentation_example_answers_with_its_data() {
    let server = start(seed_config()).await;
    let request = json!({
        "StartTime": 1590065777,
        "CommId": "1400188366_218695_1590065777",
        "UserIds": ["user1_54816741", "user2_2107025"],
        "SdkAppId": 1400188366,
        "EndTime": 1590065877
    });
    let reply = call(&server, "DescribeUserInfo", request).await;
    let users = &reply.ok()["UserList"];
    assert_eq!(
        users,
        &json!([
            {"RoomStr": "218695", "UserId": "user1_54816741", "JoinTs": 1590065777, "LeaveTs": 1590067658,
             "DeviceType": "", "SdkVersion": "4.3.14", "ClientIp": "10.4.1.13", "Finished": true},
            {"RoomStr": "218695", "UserId": "user2_2107025", "JoinTs": 1590065700, "LeaveTs": 1590067693,
             "DeviceType": "", "SdkVersion": "4.3.14", "ClientIp": "10.4.1.13", "Finished": true}
        ])
    );
    assert_eq!(reply.ok()["Total"], 2);

    let listed = rooms(&server, json!({"SdkAppId": 1400188366, "StartTime": 1590060000, "EndTime": 1590066000})).await;
    assert_eq!(
        listed["RoomList"],
        json!([{"CommId": "1400188366_218695_1590065777", "RoomString": "218695", "CreateTime": 1590065777,
                "DestroyTime": 1590067693, "IsFinished": true, "UserId": "user1_54816741"}])
    );
    // Fixtures replace the generated history of their SdkAppId: nothing before the call.
    let before = rooms(&server, json!({"SdkAppId": 1400188366, "StartTime": 1590000000, "EndTime": 1590060000})).await;
    assert_eq!(before["Total"], 0);
}

#[tokio::test]
async fn every_listed_room_is_found_by_its_comm_id_with_consistent_times() {
    let server = start(config()).await;
    let listed = all_rooms(&server, NOW - 86_400, NOW).await;
    assert!(listed.len() > 24, "every hour has rooms: {}", listed.len());
    for room in &listed {
        let create = room["CreateTime"].as_u64().unwrap();
        let destroy = room["DestroyTime"].as_u64().unwrap();
        assert!(create <= destroy && destroy <= NOW);
        let comm_id = room["CommId"].as_str().unwrap();
        assert!(comm_id.starts_with(&format!("{APP}_")) && comm_id.ends_with(&format!("_{create}")));
        if room["IsFinished"] == false {
            assert_eq!(destroy, NOW, "an open room shows now as its DestroyTime");
        }
        let start = create.max(NOW - 14 * 86_400);
        let end = destroy.max(start + 1).min(start + 4 * 3600);
        let reply = call(
            &server,
            "DescribeUserInfo",
            json!({"SdkAppId": APP, "CommId": comm_id, "StartTime": start, "EndTime": end, "PageNumber": 0, "PageSize": 100}),
        )
        .await;
        let users = reply.ok()["UserList"].as_array().unwrap();
        assert!(!users.is_empty(), "{comm_id} has users");
        assert!(users.iter().any(|u| u["UserId"] == room["UserId"]), "the creator is among the users");
        for user in users {
            assert_eq!(user["RoomStr"], room["RoomString"]);
            let join = user["JoinTs"].as_u64().unwrap();
            let leave = user["LeaveTs"].as_u64().unwrap();
            assert!(create <= join && join <= leave && leave <= destroy, "{user} in {room}");
            if user["Finished"] == false {
                assert_eq!(leave, NOW, "a user still in the room shows now as LeaveTs");
            }
        }
    }
    assert!(listed.iter().any(|r| r["IsFinished"] == false), "rooms are still open at now");
    assert!(
        listed.iter().any(|r| !r["RoomString"].as_str().unwrap().bytes().all(|b| b.is_ascii_digit())),
        "string rooms too"
    );
}

#[tokio::test]
async fn paging() {
    let server = start(config()).await;
    let window = |extra: Value| {
        let mut body = json!({"SdkAppId": APP, "StartTime": NOW - 86_400, "EndTime": NOW});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let all = all_rooms(&server, NOW - 86_400, NOW).await;
    let first = rooms(&server, window(json!({}))).await;
    assert_eq!(first["RoomList"].as_array().unwrap().len(), 10, "10 rooms when paging is omitted");
    assert_eq!(first["RoomList"].as_array().unwrap()[..], all[..10]);
    let only_size = rooms(&server, window(json!({"PageSize": 50}))).await;
    assert_eq!(only_size["RoomList"].as_array().unwrap().len(), 10, "either half missing: default page");
    let page2 = rooms(&server, window(json!({"PageNumber": 2, "PageSize": 7}))).await;
    assert_eq!(page2["RoomList"].as_array().unwrap()[..], all[14..21]);
    let past = rooms(&server, window(json!({"PageNumber": 1000, "PageSize": 100}))).await;
    assert_eq!(past["RoomList"], json!([]));
    assert_eq!(past["Total"].as_u64().unwrap(), all.len() as u64);
    let max = rooms(&server, window(json!({"PageNumber": 0, "PageSize": 100}))).await;
    assert_eq!(max["RoomList"].as_array().unwrap().len(), all.len().min(100));
    let reply = call(&server, "DescribeRoomInfo", window(json!({"PageNumber": 0, "PageSize": 101}))).await;
    assert_code(&reply, "InvalidParameter.PageSizeOversize");
    assert_eq!(reply.message(), "The value of `PageSize` exceeds 100.");
    assert_code(
        &call(&server, "DescribeRoomInfo", window(json!({"PageNumber": 0, "PageSize": 0}))).await,
        "InvalidParameter.PageSize",
    );

    // DescribeUserInfo: 6 per page by default, on a room with more than 6 users.
    let mut found = false;
    for room in &all {
        let comm_id = room["CommId"].as_str().unwrap();
        let create = room["CreateTime"].as_u64().unwrap();
        let body = json!({"SdkAppId": APP, "CommId": comm_id, "StartTime": create, "EndTime": create + 4 * 3600 - 1});
        let reply = call(&server, "DescribeUserInfo", body).await;
        let total = reply.ok()["Total"].as_u64().unwrap();
        if total > 6 {
            assert_eq!(reply.ok()["UserList"].as_array().unwrap().len(), 6);
            found = true;
            break;
        }
    }
    assert!(found, "some room has more than 6 users");
    let (comm_id, create) = (&all[0]["CommId"], all[0]["CreateTime"].as_u64().unwrap());
    let body = json!({"SdkAppId": APP, "CommId": comm_id, "StartTime": create, "EndTime": create + 60, "PageNumber": 0, "PageSize": 101});
    assert_code(&call(&server, "DescribeUserInfo", body).await, "InvalidParameter.PageSizeOversize");
}

#[tokio::test]
async fn window_rules() {
    let server = start(config()).await;
    let room = |start: u64, end: u64| json!({"SdkAppId": APP, "StartTime": start, "EndTime": end});
    let user = |start: u64, end: u64| json!({"SdkAppId": APP, "CommId": format!("{APP}_1_{start}"), "StartTime": start, "EndTime": end});
    let fourteen_days = 14 * 86_400;

    rooms(&server, room(NOW - 86_400, NOW)).await;
    assert_code(
        &call(&server, "DescribeRoomInfo", room(NOW - 86_401, NOW)).await,
        "InvalidParameter.QueryScaleOversize",
    );
    call(&server, "DescribeUserInfo", user(NOW - 4 * 3600, NOW)).await.ok();
    assert_code(
        &call(&server, "DescribeUserInfo", user(NOW - 4 * 3600 - 1, NOW)).await,
        "InvalidParameter.QueryScaleOversize",
    );

    rooms(&server, room(NOW - fourteen_days, NOW - fourteen_days + 60)).await;
    let reply = call(&server, "DescribeRoomInfo", room(NOW - fourteen_days - 1, NOW - fourteen_days + 60)).await;
    assert_code(&reply, "InvalidParameter.StartTimeOversize");
    assert_code(
        &call(&server, "DescribeUserInfo", user(NOW - fourteen_days - 1, NOW - fourteen_days)).await,
        "InvalidParameter.StartTimeOversize",
    );

    assert_code(&call(&server, "DescribeRoomInfo", room(NOW, NOW)).await, "InvalidParameter.StartTs");
    assert_code(&call(&server, "DescribeUserInfo", user(NOW, NOW - 1)).await, "InvalidParameter.StartTs");
    assert_code(&call(&server, "DescribeRoomInfo", room(0, NOW)).await, "MissingParameter.StartTs");
    assert_code(&call(&server, "DescribeRoomInfo", room(NOW, 0)).await, "MissingParameter.EndTs");
    // Windows in the future are empty, not errors.
    assert_eq!(rooms(&server, room(NOW + 3600, NOW + 7200)).await["Total"], 0);
}

#[tokio::test]
async fn app_and_call_identity() {
    let mut cfg = config();
    cfg.accounts = vec![Account { sdk_app_ids: Some(vec![APP]), ..Account::new(common::ID, common::KEY) }];
    let server = start(cfg).await;
    let body =
        |app: u64, comm_id: &str| json!({"SdkAppId": app, "CommId": comm_id, "StartTime": NOW - 60, "EndTime": NOW});

    assert_code(
        &call(&server, "DescribeRoomInfo", json!({"SdkAppId": 0, "StartTime": NOW - 60, "EndTime": NOW})).await,
        "MissingParameter.SdkAppId",
    );
    let reply =
        call(&server, "DescribeRoomInfo", json!({"SdkAppId": APP + 1, "StartTime": NOW - 60, "EndTime": NOW})).await;
    assert_code(&reply, "InvalidParameter.SdkAppId");
    assert_code(&call(&server, "DescribeUserInfo", body(APP, "")).await, "MissingParameter.CommId");
    assert_code(&call(&server, "DescribeUserInfo", body(APP, "not-a-comm-id")).await, "InvalidParameterValue");
    assert_code(
        &call(&server, "DescribeUserInfo", body(APP, "1400000009_5_1763999000")).await,
        "InvalidParameter.SdkAppId",
    );
    // A well-formed CommId of no call: an empty list.
    let none = call(&server, "DescribeUserInfo", body(APP, &format!("{APP}_5_1763999000"))).await;
    assert_eq!(none.ok()["Total"], 0);
    assert_eq!(none.ok()["UserList"], json!([]));

    let mut ids = body(APP, &format!("{APP}_5_1763999000"));
    ids["UserIds"] = json!([]);
    assert_code(&call(&server, "DescribeUserInfo", ids.clone()).await, "InvalidParameterValue");
    ids["UserIds"] = json!((0..101).map(|i| format!("u{i}")).collect::<Vec<_>>());
    assert_code(&call(&server, "DescribeUserInfo", ids.clone()).await, "InvalidParameterValue");
    ids["UserIds"] = json!((0..100).map(|i| format!("u{i}")).collect::<Vec<_>>());
    call(&server, "DescribeUserInfo", ids).await.ok();
}

#[tokio::test]
async fn filters_by_room_and_user() {
    let server = start(config()).await;
    let all = all_rooms(&server, NOW - 86_400, NOW).await;
    let target = &all[all.len() / 2];
    let filtered = rooms(
        &server,
        json!({"SdkAppId": APP, "StartTime": NOW - 86_400, "EndTime": NOW, "RoomId": target["RoomString"]}),
    )
    .await;
    let list = filtered["RoomList"].as_array().unwrap();
    assert!(list.contains(target));
    assert!(list.iter().all(|r| r["RoomString"] == target["RoomString"]));

    let create = target["CreateTime"].as_u64().unwrap();
    let body = json!({"SdkAppId": APP, "CommId": target["CommId"], "StartTime": create, "EndTime": create + 4 * 3600,
                      "UserIds": [target["UserId"], "nobody"]});
    let users = call(&server, "DescribeUserInfo", body).await.ok()["UserList"].clone();
    assert!(!users.as_array().unwrap().is_empty());
    assert!(users.as_array().unwrap().iter().all(|u| u["UserId"] == target["UserId"]));
}

#[tokio::test]
async fn same_seed_same_bytes_other_seed_other_data() {
    let a = start(config()).await;
    let b = start(config()).await;
    let c = start(Config { seed: 99, ..config() }).await;
    let body = json!({"SdkAppId": APP, "StartTime": NOW - 86_400, "EndTime": NOW, "PageNumber": 0, "PageSize": 100});
    let ra = call(&a, "DescribeRoomInfo", body.clone()).await;
    let rb = call(&b, "DescribeRoomInfo", body.clone()).await;
    let rc = call(&c, "DescribeRoomInfo", body).await;
    assert_eq!(ra.without_request_id(), rb.without_request_id());
    assert_ne!(ra.without_request_id(), rc.without_request_id());

    let room = &ra.ok()["RoomList"][3];
    let create = room["CreateTime"].as_u64().unwrap();
    let users = json!({"SdkAppId": APP, "CommId": room["CommId"], "StartTime": create, "EndTime": create + 3600});
    assert_eq!(
        call(&a, "DescribeUserInfo", users.clone()).await.without_request_id(),
        call(&b, "DescribeUserInfo", users).await.without_request_id()
    );
}

#[tokio::test]
async fn v1_flat_parameters_reach_the_same_data() {
    let server = start(seed_config()).await;
    let business = [
        ("SdkAppId", "1400188366"),
        ("CommId", "1400188366_218695_1590065777"),
        ("StartTime", "1590065777"),
        ("EndTime", "1590065877"),
        ("UserIds.0", "user2_2107025"),
        ("PageNumber", "0"),
        ("PageSize", "1"),
    ];
    let reply = V1::new("GET", "DescribeUserInfo", &business).send(&server.url()).await;
    assert_eq!(reply.ok()["Total"], 1);
    assert_eq!(reply.ok()["UserList"][0]["UserId"], "user2_2107025");
}
