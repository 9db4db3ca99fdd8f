//! Live rooms over a real socket: users joining, publishing and leaving through the control
//! plane; DismissRoom, RemoveUser and SetUserBlocked on them, their errors, and what they leave
//! in the history the monitoring actions read.

use crate::common;
use crate::common::{GENERATED_NOW, Tc3, advance, assert_code, call, client, config, start};
use serde_json::{Value, json};
use trtc_mock::{Account, Running};

const APP: u64 = 1_400_000_001;
const NOW: u64 = GENERATED_NOW as u64;

async fn control(server: &Running, method: &str, path: &str, body: Value) -> (u16, Value) {
    let url = format!("{}/_mock/{path}", server.url());
    let request = match method {
        "GET" => client().get(url),
        _ => client().post(url).json(&body),
    };
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn join(server: &Running, room: Value, user: &str, extra: Value) -> Value {
    let mut body = json!({"sdk_app_id": APP, "room_id": room, "user_id": user});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let (status, reply) = control(server, "POST", "rooms/join", body).await;
    assert_eq!(status, 200, "{reply}");
    reply
}

async fn now_of(server: &Running) -> u64 {
    control(server, "GET", "clock", Value::Null).await.1["now"].as_u64().unwrap()
}

#[tokio::test]
async fn a_class_made_through_the_control_plane_is_history_for_the_monitoring_actions() {
    let server = start(config()).await;
    let created =
        join(&server, json!("math-3b"), "teacher", json!({"video": true, "width": 1280, "height": 720})).await;
    let comm_id = created["room"]["comm_id"].as_str().unwrap().to_owned();
    assert!(comm_id.starts_with(&format!("{APP}_")) && comm_id.ends_with(&format!("_{NOW}")), "{comm_id}");
    advance(&server, 30).await;
    join(&server, json!("math-3b"), "student1", json!({"role": "audience"})).await;
    join(&server, json!("math-3b"), "student2", json!({"role": "audience"})).await;
    advance(&server, 600).await;

    // The student is kicked.
    let kicked = call(
        &server,
        "RemoveUserByStrRoomId",
        json!({"SdkAppId": APP, "RoomId": "math-3b", "UserIds": ["student1", "nobody"]}),
    )
    .await;
    kicked.ok();
    let (_, rooms) = control(&server, "GET", "rooms?sdk_app_id=1400000001", Value::Null).await;
    let class = rooms["rooms"].as_array().unwrap().iter().find(|r| r["room_id"] == "math-3b").unwrap().clone();
    let present: Vec<&str> =
        class["users"].as_array().unwrap().iter().map(|u| u["user_id"].as_str().unwrap()).collect();
    assert_eq!(present.len(), 2);
    assert!(!present.contains(&"student1"));
    advance(&server, 300).await;

    // The room is dismissed: everyone leaves now, and it is no longer in use.
    call(&server, "DismissRoomByStrRoomId", json!({"SdkAppId": APP, "RoomId": "math-3b"})).await.ok();
    assert_code(
        &call(&server, "DismissRoomByStrRoomId", json!({"SdkAppId": APP, "RoomId": "math-3b"})).await,
        "FailedOperation.RoomNotExist",
    );
    advance(&server, 60).await;
    let dismissed = NOW + 930;

    let listed = call(
        &server,
        "DescribeRoomInfo",
        json!({"SdkAppId": APP, "StartTime": NOW - 60, "EndTime": NOW + 2000, "RoomId": "math-3b"}),
    )
    .await;
    let room = &listed.ok()["RoomList"][0];
    assert_eq!(room["CommId"], comm_id.as_str());
    assert_eq!(room["DestroyTime"], dismissed);
    assert_eq!(room["IsFinished"], true);
    assert_eq!(room["UserId"], "teacher");

    let users = call(
        &server,
        "DescribeUserInfo",
        json!({"SdkAppId": APP, "CommId": comm_id, "StartTime": NOW, "EndTime": NOW + 3600}),
    )
    .await;
    let users = users.ok()["UserList"].as_array().unwrap().clone();
    let stay = |id: &str| users.iter().find(|u| u["UserId"] == id).unwrap().clone();
    assert_eq!((stay("teacher")["JoinTs"].as_u64(), stay("teacher")["LeaveTs"].as_u64()), (Some(NOW), Some(dismissed)));
    assert_eq!(stay("student1")["LeaveTs"], NOW + 630, "removed at 630 s");
    assert_eq!(stay("student2")["LeaveTs"], dismissed);
    assert!(users.iter().all(|u| u["Finished"] == true));

    // The teacher's own events end with an exit for being removed.
    let events = call(&server, "DescribeUserEvent", json!({"SdkAppId": APP, "CommId": comm_id, "StartTime": NOW, "EndTime": NOW + 3600, "UserId": "student1", "RoomId": "math-3b"})).await;
    let own = events.ok()["Data"][0]["Content"].as_array().unwrap().clone();
    let exit = own.iter().find(|e| e["EventId"] == 7001).unwrap();
    assert_eq!(exit["ParamOne"], 2, "exited: kicked out");
    assert_eq!(exit["Time"].as_u64().unwrap() / 1000, NOW + 630);

    // The teacher's video shows in the students' quality data at the teacher's resolution.
    let detail = call(&server, "DescribeCallDetailInfo", json!({"SdkAppId": APP, "CommId": comm_id, "StartTime": NOW + 30, "EndTime": NOW + 90, "UserIds": ["student2"], "DataType": ["bigvWidth"]})).await;
    let from_teacher =
        detail.ok()["Data"].as_array().unwrap().iter().find(|d| d["PeerId"] == "teacher").unwrap().clone();
    assert!(from_teacher["Content"].as_array().unwrap().iter().all(|p| p["Value"] == 1280.0));
}

#[tokio::test]
async fn blocking_stops_what_a_user_sends_and_it_shows() {
    let server = start(config()).await;
    join(&server, json!(4242), "host", json!({})).await;
    join(&server, json!(4242), "guest", json!({})).await;
    advance(&server, 10).await;
    call(&server, "SetUserBlocked", json!({"SdkAppId": APP, "RoomId": 4242, "UserId": "guest", "IsMute": 3}))
        .await
        .ok();
    let (_, rooms) = control(&server, "GET", "rooms?sdk_app_id=1400000001", Value::Null).await;
    let room = rooms["rooms"].as_array().unwrap().iter().find(|r| r["room_id"] == 4242).unwrap().clone();
    let guest = room["users"].as_array().unwrap().iter().find(|u| u["user_id"] == "guest").unwrap().clone();
    assert_eq!(guest["publishing"], json!(["audio"]), "video blocked");
    assert_eq!(guest["blocked"], json!(["video", "sub_stream"]), "IsMute 3 blocks the videos");
    advance(&server, 10).await;
    call(&server, "SetUserBlocked", json!({"SdkAppId": APP, "RoomId": 4242, "UserId": "guest", "IsMute": 0}))
        .await
        .ok();
    let (_, rooms) = control(&server, "GET", "rooms?sdk_app_id=1400000001", Value::Null).await;
    let room = rooms["rooms"].as_array().unwrap().iter().find(|r| r["room_id"] == 4242).unwrap().clone();
    let guest = room["users"].as_array().unwrap().iter().find(|u| u["user_id"] == "guest").unwrap().clone();
    assert_eq!((&guest["publishing"], &guest["blocked"]), (&json!(["audio", "video"]), &json!([])), "IsMute 0");
    advance(&server, 10).await;
    let comm_id = room["comm_id"].as_str().unwrap();
    let events = call(&server, "DescribeUserEvent", json!({"SdkAppId": APP, "CommId": comm_id, "StartTime": NOW, "EndTime": NOW + 60, "UserId": "guest", "RoomId": "4242"})).await;
    let own = events.ok()["Data"][0]["Content"].as_array().unwrap().clone();
    let upstream: Vec<(i64, u64)> = own
        .iter()
        .filter(|e| e["EventId"] == 4006)
        .map(|e| (e["ParamOne"].as_i64().unwrap(), e["Time"].as_u64().unwrap() / 1000))
        .collect();
    assert_eq!(upstream, vec![(0, NOW), (1, NOW + 10), (0, NOW + 20)], "video on, blocked, allowed again");
    assert_code(
        &call(&server, "SetUserBlocked", json!({"SdkAppId": APP, "RoomId": 4242, "UserId": "stranger", "IsMute": 1}))
            .await,
        "FailedOperation.UserNotExist",
    );
    assert_code(
        &call(
            &server,
            "SetUserBlockedByStrRoomId",
            json!({"SdkAppId": APP, "StrRoomId": "4242", "UserId": "guest", "IsMute": 1}),
        )
        .await,
        "FailedOperation.RoomNotExist",
    );
    assert_code(
        &call(&server, "SetUserBlocked", json!({"SdkAppId": APP, "RoomId": 4242, "UserId": "guest", "IsMute": 4}))
            .await,
        "InvalidParameter",
    );
}

#[tokio::test]
async fn room_control_codes() {
    let mut cfg = config();
    cfg.accounts = vec![Account { sdk_app_ids: Some(vec![APP]), ..Account::new(common::ID, common::KEY) }];
    let server = start(cfg).await;
    join(&server, json!(7), "u", json!({})).await;
    let eleven: Vec<String> = (0..11).map(|i| format!("u{i}")).collect();
    let cases = [
        ("DismissRoom", json!({"SdkAppId": 0, "RoomId": 7}), "MissingParameter.SdkAppId"),
        ("DismissRoom", json!({"SdkAppId": APP + 1, "RoomId": 7}), "UnauthorizedOperation.SdkAppId"),
        ("DismissRoom", json!({"SdkAppId": APP, "RoomId": 0}), "MissingParameter.RoomId"),
        ("DismissRoom", json!({"SdkAppId": APP, "RoomId": 4_294_967_296u64}), "InvalidParameterValue.RoomId"),
        ("DismissRoom", json!({"SdkAppId": APP, "RoomId": 8}), "FailedOperation.RoomNotExist"),
        ("DismissRoomByStrRoomId", json!({"SdkAppId": APP, "RoomId": ""}), "MissingParameter.RoomId"),
        ("DismissRoomByStrRoomId", json!({"SdkAppId": APP, "RoomId": "a/b"}), "InvalidParameterValue.RoomId"),
        ("DismissRoomByStrRoomId", json!({"SdkAppId": APP, "RoomId": "7"}), "FailedOperation.RoomNotExist"),
        ("RemoveUser", json!({"SdkAppId": APP, "RoomId": 7, "UserIds": []}), "MissingParameter.UserIds"),
        ("RemoveUser", json!({"SdkAppId": APP, "RoomId": 7, "UserIds": eleven}), "InvalidParameter.UserIds"),
        ("RemoveUser", json!({"SdkAppId": APP, "RoomId": 9, "UserIds": ["u"]}), "FailedOperation.RoomNotExist"),
        (
            "RemoveUserByStrRoomId",
            json!({"SdkAppId": APP, "RoomId": "nope", "UserIds": ["u"]}),
            "FailedOperation.RoomNotExist",
        ),
        (
            "SetUserBlockedByStrRoomId",
            json!({"SdkAppId": APP, "StrRoomId": "r", "UserId": "", "IsMute": 1}),
            "MissingParameter.UserId",
        ),
        (
            "SetUserBlockedByStrRoomId",
            json!({"SdkAppId": APP, "StrRoomId": "a/b", "UserId": "u", "IsMute": 1}),
            "InvalidParameter.RoomId",
        ),
        ("SetUserBlocked", json!({"SdkAppId": APP, "RoomId": 7, "UserId": "", "IsMute": 1}), "InvalidParameter.UserId"),
    ];
    for (action, body, code) in cases {
        assert_code(&call(&server, action, body).await, code);
    }
    // Removing someone who is not there is not an error; the room must be in use.
    call(&server, "RemoveUser", json!({"SdkAppId": APP, "RoomId": 7, "UserIds": ["nobody"]})).await.ok();
    call(&server, "DismissRoom", json!({"SdkAppId": APP, "RoomId": 7})).await.ok();
}

#[tokio::test]
async fn generated_rooms_in_progress_are_live_rooms() {
    let server = start(config()).await;
    let (_, rooms) = control(&server, "GET", "rooms?sdk_app_id=1400000001", Value::Null).await;
    let room = rooms["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["origin"] == "generated" && r["users"].as_array().unwrap().len() >= 2)
        .cloned()
        .expect("a generated room with two users in progress");
    let comm_id = room["comm_id"].as_str().unwrap().to_owned();
    let user = room["users"][0]["user_id"].as_str().unwrap().to_owned();
    let (action, key) = match &room["room_id"] {
        Value::Number(n) => ("RemoveUser", json!(n)),
        other => ("RemoveUserByStrRoomId", other.clone()),
    };
    call(&server, action, json!({"SdkAppId": APP, "RoomId": key, "UserIds": [user]})).await.ok();
    let users = call(&server, "DescribeUserInfo", json!({"SdkAppId": APP, "CommId": comm_id, "StartTime": NOW - 3600, "EndTime": NOW, "UserIds": [user], "PageNumber": 0, "PageSize": 100})).await;
    let stays = users.ok()["UserList"].as_array().unwrap().clone();
    assert!(stays.iter().any(|s| s["LeaveTs"] == NOW && s["Finished"] == true), "{stays:?}");

    let dismiss = if room["room_id"].is_number() { "DismissRoom" } else { "DismissRoomByStrRoomId" };
    call(&server, dismiss, json!({"SdkAppId": APP, "RoomId": room["room_id"]})).await.ok();
    advance(&server, 3600).await;
    let listed = call(
        &server,
        "DescribeRoomInfo",
        json!({"SdkAppId": APP, "StartTime": NOW - 7200, "EndTime": NOW + 3600, "PageNumber": 0, "PageSize": 100}),
    )
    .await;
    let found =
        listed.ok()["RoomList"].as_array().unwrap().iter().find(|r| r["CommId"] == comm_id.as_str()).cloned().unwrap();
    assert_eq!(found["DestroyTime"], NOW, "the generated room ends at its dismissal");
    // Rooms created after the dismissal are still listed after it, and no window starting
    // after the dismissal lists the room.
    let later = call(
        &server,
        "DescribeRoomInfo",
        json!({"SdkAppId": APP, "StartTime": NOW + 1, "EndTime": NOW + 3600, "PageNumber": 0, "PageSize": 100}),
    )
    .await;
    assert!(later.ok()["RoomList"].as_array().unwrap().iter().all(|r| r["CommId"] != comm_id.as_str()));
    // Moving the clock back hides the change again.
    let (status, _) = control(&server, "POST", "clock", json!({"set": NOW - 1})).await;
    assert_eq!(status, 200);
    let before = call(
        &server,
        "DescribeUserInfo",
        json!({"SdkAppId": APP, "CommId": comm_id, "StartTime": NOW - 3600, "EndTime": NOW - 1, "UserIds": [user]}),
    )
    .await;
    assert!(
        before.ok()["UserList"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["Finished"] == false || s["LeaveTs"].as_u64().unwrap() < NOW - 1)
    );
}

#[tokio::test]
async fn made_rooms_are_listed_in_creation_order_with_the_generated_ones() {
    let server = start(config()).await;
    advance(&server, 1800).await;
    join(&server, json!("late-room"), "u1", json!({})).await;
    let now = now_of(&server).await;
    let mut all = Vec::new();
    for page in 0.. {
        let reply = call(
            &server,
            "DescribeRoomInfo",
            json!({"SdkAppId": APP, "StartTime": now - 7200, "EndTime": now, "PageNumber": page, "PageSize": 3}),
        )
        .await;
        let list = reply.ok()["RoomList"].as_array().unwrap().clone();
        if list.is_empty() {
            assert_eq!(all.len() as u64, reply.ok()["Total"].as_u64().unwrap());
            break;
        }
        all.extend(list);
    }
    let times: Vec<u64> = all.iter().map(|r| r["CreateTime"].as_u64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "creation order: {times:?}");
    assert_eq!(all.iter().filter(|r| r["RoomString"] == "late-room").count(), 1);
    let total =
        call(&server, "DescribeRoomInfo", json!({"SdkAppId": APP, "StartTime": now - 7200, "EndTime": now})).await;
    assert_eq!(total.ok()["Total"].as_u64().unwrap() as usize, all.len());
}

#[tokio::test]
async fn racing_dismissals_give_one_success_and_one_documented_error() {
    let server = start(config()).await;
    for round in 0..10u64 {
        join(&server, json!(1000 + round), "u", json!({})).await;
        let body = json!({"SdkAppId": APP, "RoomId": 1000 + round});
        let url = server.url();
        let requests: Vec<_> = (0..8)
            .map(|_| {
                let (url, body) = (url.clone(), body.clone());
                async move { Tc3::post("DismissRoom", body).send(&url).await }
            })
            .collect();
        let replies = join_all(requests).await;
        let ok = replies.iter().filter(|r| r.code().is_none()).count();
        assert_eq!(ok, 1, "exactly one dismissal succeeds");
        assert!(
            replies.iter().filter(|r| r.code().is_some()).all(|r| r.code() == Some("FailedOperation.RoomNotExist"))
        );
    }
}

/// Runs the futures concurrently, each on its own task.
async fn join_all<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test]
async fn the_control_plane_refuses_what_trtc_would_not_allow() {
    let server = start(config()).await;
    let cases = [
        (json!({"sdk_app_id": APP, "room_id": 0, "user_id": "u"}), 400),
        (json!({"sdk_app_id": APP, "room_id": "a/b", "user_id": "u"}), 400),
        (json!({"sdk_app_id": APP, "room_id": true, "user_id": "u"}), 400),
        (json!({"sdk_app_id": APP, "room_id": 1, "user_id": ""}), 400),
        (json!({"sdk_app_id": APP, "room_id": 1, "user_id": "u", "role": "host"}), 400),
        (json!({"sdk_app_id": 0, "room_id": 1, "user_id": "u"}), 400),
        (json!({"sdk_app_id": APP, "room_id": 1, "user_id": "u", "surprise": 1}), 400),
    ];
    for (body, status) in cases {
        let (got, reply) = control(&server, "POST", "rooms/join", body.clone()).await;
        assert_eq!(got, status, "{body}: {reply}");
        assert!(reply["error"].is_string());
    }
    let (status, _) =
        control(&server, "POST", "rooms/leave", json!({"sdk_app_id": APP, "room_id": 1, "user_id": "u"})).await;
    assert_eq!(status, 404);
    join(&server, json!(1), "aud", json!({"role": "audience"})).await;
    let (status, _) = control(
        &server,
        "POST",
        "rooms/publish",
        json!({"sdk_app_id": APP, "room_id": 1, "user_id": "aud", "audio": true}),
    )
    .await;
    assert_eq!(status, 409, "the audience publishes nothing");
    let (status, _) = control(&server, "GET", "rooms", Value::Null).await;
    assert_eq!(status, 400);
}
