//! The dashboard figures over a real socket, cross-checked against the listings of the
//! monitoring actions: DescribeScaleInfo's days against DescribeRoomInfo + DescribeUserInfo.

mod common;

use std::collections::HashSet;

use common::{GENERATED_NOW, Tc3, config, start};
use serde_json::{Value, json};
use trtc_mock::Running;

const APP: u64 = 1_400_000_001;
const NOW: u64 = GENERATED_NOW as u64;
const DAY: u64 = 86_400;

async fn call(server: &Running, action: &str, body: Value) -> common::Reply {
    Tc3::post(action, body).send(&server.url()).await
}

/// One room as DescribeRoomInfo lists it, with the stays DescribeUserInfo lists for it.
struct Listed {
    #[allow(dead_code)] // read by the real-time cross-checks
    room: Value,
    users: Vec<Value>,
}

impl Listed {
    fn u(value: &Value, name: &str) -> u64 {
        value[name].as_u64().unwrap()
    }
}

/// Every room of `[start, end]` (at most 24 h) with its stays overlapping the window, both
/// inclusive, read through the listings only.
async fn listing(server: &Running, start: u64, end: u64) -> Vec<Listed> {
    let mut rooms = Vec::new();
    for page in 0.. {
        let body = json!({"SdkAppId": APP, "StartTime": start, "EndTime": end, "PageNumber": page, "PageSize": 100});
        let reply = call(server, "DescribeRoomInfo", body).await;
        let list = reply.ok()["RoomList"].as_array().unwrap().clone();
        if list.is_empty() {
            break;
        }
        rooms.extend(list);
    }
    let mut out = Vec::new();
    for room in rooms {
        // The room's part of the window: at most 4 h, since no room lives longer.
        let from = Listed::u(&room, "CreateTime").max(start);
        let to = Listed::u(&room, "DestroyTime").min(end);
        // DescribeUserInfo wants StartTime < EndTime; one second more changes nothing here, as
        // nobody joins a room after it ends or leaves it before it begins.
        let (from, to) = if from < to {
            (from, to)
        } else if to < end {
            (from, to + 1)
        } else {
            (from - 1, to)
        };
        let body = json!({"SdkAppId": APP, "CommId": room["CommId"], "StartTime": from, "EndTime": to,
                          "PageNumber": 0, "PageSize": 100});
        let reply = call(server, "DescribeUserInfo", body).await;
        let users = reply.ok()["UserList"].as_array().unwrap().clone();
        assert!((users.len() as u64) == Listed::u(reply.ok(), "Total"), "one page holds every stay");
        assert!(users.iter().all(|u| u["RoomStr"] == room["RoomString"]));
        out.push(Listed { room, users });
    }
    out
}

/// A UTC+8 day's figures the slow way: rooms, entries, users once per room.
fn day_by_listing(listed: &[Listed]) -> (u64, u64, u64) {
    let rooms = listed.len() as u64;
    let entries = listed.iter().map(|l| l.users.len() as u64).sum();
    let users = listed
        .iter()
        .map(|l| l.users.iter().map(|u| u["UserId"].as_str().unwrap()).collect::<HashSet<_>>().len() as u64)
        .sum();
    (rooms, entries, users)
}

#[tokio::test]
async fn scale_info_days_are_the_listings_counted() {
    let server = start(config()).await;
    let reply =
        call(&server, "DescribeScaleInfo", json!({"SdkAppId": APP, "StartTime": NOW - 3 * DAY, "EndTime": NOW})).await;
    let list = reply.ok()["ScaleList"].as_array().unwrap().clone();
    let times: Vec<u64> = list.iter().map(|d| Listed::u(d, "Time")).collect();
    assert_eq!(times, vec![NOW - DAY, NOW - 2 * DAY, NOW - 3 * DAY], "newest first, never today");
    assert_eq!(reply.ok()["Total"], 3);
    for day in &list[..2] {
        let start = Listed::u(day, "Time");
        let (rooms, entries, users) = day_by_listing(&listing(&server, start, start + DAY - 1).await);
        assert!(rooms > 24 && entries > users && users > rooms, "{day}");
        assert_eq!(Listed::u(day, "RoomNumbers"), rooms, "{day}");
        assert_eq!(Listed::u(day, "UserCount"), entries, "{day}");
        assert_eq!(Listed::u(day, "UserNumber"), users, "{day}");
    }
}
