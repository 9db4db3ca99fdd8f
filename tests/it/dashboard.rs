//! The dashboard figures over a real socket, cross-checked against the listings of the
//! monitoring actions: real-time presence and DescribeScaleInfo's days against DescribeRoomInfo +
//! DescribeUserInfo, market days against DescribeScaleInfo, freeze against DescribeUnusualEvent;
//! the documented grids, every reachable error code, determinism.

use crate::common;
use std::collections::HashSet;

use crate::common::{GENERATED_NOW, Tc3, assert_code, config, start};
use serde_json::{Value, json};
use trtc_mock::{Account, Config, Running};

const APP: u64 = 1_400_000_001;
const NOW: u64 = GENERATED_NOW as u64;
const DAY: u64 = 86_400;

async fn call(server: &Running, action: &str, body: Value) -> common::Reply {
    Tc3::post(action, body).send(&server.url()).await
}

/// One room as DescribeRoomInfo lists it, with the stays DescribeUserInfo lists for it.
struct Listed {
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

// ---- helpers for the dashboards ----------------------------------------------------------------

const HOUR: u64 = 3600;

/// The one series of a dashboard answer, after checking the documented envelope.
fn series(reply: &common::Reply, columns: &[&str]) -> Vec<Value> {
    let data = &reply.ok()["Data"];
    assert_eq!(data["StatementID"], 0, "{}", reply.raw);
    assert_eq!(data["Total"], 1);
    let series = data["Series"].as_array().unwrap();
    assert_eq!(series.len(), 1);
    assert_eq!(series[0]["Columns"], json!(columns));
    series[0]["Values"].as_array().unwrap().clone()
}

/// `RowValue` of each row, checked to be as wide as the columns.
fn rows(reply: &common::Reply, columns: &[&str]) -> Vec<Vec<i64>> {
    series(reply, columns)
        .iter()
        .map(|row| {
            let values: Vec<i64> = row["RowValue"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
            assert_eq!(values.len(), columns.len(), "{row}");
            values
        })
        .collect()
}

const REAL_TIME_SCALE: &[&str] = &["time", "userCount", "roomCount"];
const REAL_TIME_QUALITY: &[&str] = &["time", "videoFreezeRate", "audioFreezeRate"];
const MARKET_SCALE: &[&str] = &["time", "peakCurrentUsers", "peakCurrentChannels", "userCount", "roomCount"];
const MARKET_QUALITY: &[&str] =
    &["time", "videoFreezeRate", "audioFreezeRate", "networkDelay", "joinSuccessRate", "joinSuccessIn5sRate"];

fn real_time(start: u64, end: u64) -> Value {
    json!({"SdkAppId": APP.to_string(), "StartTime": start, "EndTime": end})
}

fn market(start: &str, end: &str, period: &str) -> Value {
    json!({"SdkAppId": APP.to_string(), "StartTime": start, "EndTime": end, "Period": period})
}

/// `YYYY-MM-DD` in UTC+8 of a Unix time (days only; from the civil-date algorithm).
fn date(t: u64) -> String {
    let days = (t + 8 * HOUR) / DAY;
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Who the listings say was present at `t`: (room, user) pairs and rooms with someone in them.
fn present_by_users(listed: &[Listed], t: u64) -> (u64, u64) {
    let (mut users, mut rooms) = (0, 0);
    for l in listed {
        let here: HashSet<&str> = l
            .users
            .iter()
            .filter(|u| {
                let (join, leave) = (Listed::u(u, "JoinTs"), Listed::u(u, "LeaveTs"));
                join <= t && (t < leave || u["Finished"] == false)
            })
            .map(|u| u["UserId"].as_str().unwrap())
            .collect();
        users += here.len() as u64;
        rooms += u64::from(!here.is_empty());
    }
    (users, rooms)
}

/// Rooms alive at `t` by DescribeRoomInfo's times alone: created, not yet destroyed.
fn present_by_rooms(listed: &[Listed], t: u64) -> u64 {
    listed
        .iter()
        .filter(|l| {
            let (create, destroy) = (Listed::u(&l.room, "CreateTime"), Listed::u(&l.room, "DestroyTime"));
            create <= t && (t < destroy || l.room["IsFinished"] == false)
        })
        .count() as u64
}

// ---- real time -----------------------------------------------------------------------------------

#[tokio::test]
async fn real_time_scale_is_who_the_listings_show_present() {
    let server = start(config()).await;
    let (from, to) = (NOW - HOUR + 3, NOW);
    let points = rows(&call(&server, "DescribeTRTCRealTimeScaleData", real_time(from, to)).await, REAL_TIME_SCALE);
    let times: Vec<u64> = points.iter().map(|r| r[0] as u64).collect();
    assert_eq!(times, (NOW - HOUR + 10..=NOW).step_by(10).collect::<Vec<_>>(), "multiples of 10 in (start, end]");
    let listed = listing(&server, from, to).await;
    let mut busy = 0;
    for row in points.iter().step_by(7).chain(points.last()) {
        let t = row[0] as u64;
        let (users, rooms) = present_by_users(&listed, t);
        assert_eq!((row[1] as u64, row[2] as u64), (users, rooms), "at {t}");
        assert_eq!(present_by_rooms(&listed, t), rooms, "rooms live from creation to destruction, at {t}");
        busy += u64::from(users > rooms && rooms > 1);
    }
    assert!(busy > 0, "some instants have several rooms and more users than rooms");
    assert!(listed.iter().any(|l| l.room["IsFinished"] == false), "the last point counts the rooms open now");

    // One room: the same counts restricted to it.
    let room = listed.iter().max_by_key(|l| l.users.len()).unwrap();
    let mut body = real_time(from, to);
    body["RoomId"] = room.room["RoomString"].clone();
    let points = rows(&call(&server, "DescribeTRTCRealTimeScaleData", body).await, REAL_TIME_SCALE);
    let same: Vec<Listed> = listed
        .iter()
        .filter(|l| l.room["RoomString"] == room.room["RoomString"])
        .map(|l| Listed { room: l.room.clone(), users: l.users.clone() })
        .collect();
    for row in &points {
        assert_eq!((row[1] as u64, row[2] as u64), present_by_users(&same, row[0] as u64), "at {}", row[0]);
    }
    assert!(points.iter().any(|r| r[1] > 1));
}

#[tokio::test]
async fn real_time_quality_stutter_is_reported_as_lag() {
    let server = start(config()).await;
    let reply = call(&server, "DescribeTRTCRealTimeQualityData", real_time(NOW - 3 * HOUR, NOW)).await;
    let points = rows(&reply, REAL_TIME_QUALITY);
    assert_eq!(points.len(), 3 * 360);
    assert!(points.iter().all(|r| (0..=100).contains(&r[1]) && (0..=100).contains(&r[2])));
    let frozen: Vec<&Vec<i64>> = points.iter().filter(|r| r[1] > 0 || r[2] > 0).collect();
    assert!(!frozen.is_empty() && frozen.len() < points.len() / 2, "{} of {}", frozen.len(), points.len());
    // A second of stutter in the 10 s before a point is a lag in its minute for
    // DescribeUnusualEvent: video lag is experience 4, audio lag 5.
    let mut checked = 0;
    for row in frozen.iter().step_by(3) {
        let t = row[0] as u64;
        let first_minute = (t - 10) / 60 * 60;
        let body = json!({"SdkAppId": APP, "StartTime": first_minute, "EndTime": t - 1});
        let reply = call(&server, "DescribeUnusualEvent", body).await;
        let events = reply.ok()["AbnormalExperienceList"].as_array().unwrap();
        for (column, experience) in [(1, 4), (2, 5)] {
            if row[column] == 0 {
                continue;
            }
            let found = events.iter().any(|e| e["ExperienceId"] == experience);
            assert!(found || events.len() == 20, "{row:?}: no experience {experience} in {events:?}");
            checked += usize::from(found);
        }
    }
    assert!(checked > 5, "{checked}");
}

#[tokio::test]
async fn real_time_points_follow_the_documented_grid_up_to_now() {
    // The documentation example: StartTime 1695711343, EndTime 1695711643 → 30 points from
    // 1695711350 to 1695711640.
    let server = start(Config { start_time: Some(1_695_711_700), ..config() }).await;
    for action in ["DescribeTRTCRealTimeScaleData", "DescribeTRTCRealTimeQualityData"] {
        let columns = if action.contains("Scale") { REAL_TIME_SCALE } else { REAL_TIME_QUALITY };
        let reply = call(&server, action, real_time(1_695_711_343, 1_695_711_643)).await;
        let times: Vec<i64> = rows(&reply, columns).iter().map(|r| r[0]).collect();
        assert_eq!(times, (1_695_711_350..=1_695_711_640).step_by(10).collect::<Vec<i64>>(), "{action}");
        for value in series(&reply, columns) {
            assert_eq!(value["RowValueFloat"], json!([]), "{action}");
        }
        // Points after now are not there yet; a window that starts later is empty.
        let reply = call(&server, action, real_time(1_695_711_600, 1_695_711_800)).await;
        assert_eq!(rows(&reply, columns).last().unwrap()[0], 1_695_711_700, "{action}");
        let reply = call(&server, action, real_time(1_695_711_700, 1_695_711_800)).await;
        assert!(rows(&reply, columns).is_empty(), "{action}");
    }
}

// ---- market ----------------------------------------------------------------------------------------

#[tokio::test]
async fn market_days_are_the_daily_figures_and_their_hours_add_up() {
    let server = start(config()).await;
    let (first, today) = (NOW - 14 * DAY, NOW);
    let days = rows(
        &call(&server, "DescribeTRTCMarketScaleData", market(&date(first), &date(today), "d")).await,
        MARKET_SCALE,
    );
    let times: Vec<u64> = days.iter().map(|r| r[0] as u64).collect();
    assert_eq!(times, (first..=today).step_by(DAY as usize).collect::<Vec<_>>(), "each day at 00:00 UTC+8, today too");
    let reply = call(&server, "DescribeScaleInfo", json!({"SdkAppId": APP, "StartTime": first, "EndTime": NOW})).await;
    let mut scale_info = reply.ok()["ScaleList"].as_array().unwrap().clone();
    scale_info.reverse();
    assert_eq!(scale_info.len(), 14, "DescribeScaleInfo never has today");
    for (day, info) in days.iter().zip(&scale_info) {
        assert_eq!(day[0] as u64, Listed::u(info, "Time"));
        assert_eq!(day[3] as u64, Listed::u(info, "UserNumber"), "userCount of {}", day[0]);
        assert_eq!(day[4] as u64, Listed::u(info, "RoomNumbers"), "roomCount of {}", day[0]);
    }
    // Today has begun (now is its first second): the rooms and users open now.
    let today_row = days.last().unwrap();
    let open = listing(&server, NOW - 1, NOW).await;
    let (users, rooms) = present_by_users(&open, NOW);
    assert_eq!(today_row[1..], [users as i64, rooms as i64, users as i64, rooms as i64]);

    // By hour: a day's peaks are its hours' highest, and no hour counts more than its day.
    for day in &days[days.len() - 3..days.len() - 1] {
        let d = date(day[0] as u64);
        let hours = rows(&call(&server, "DescribeTRTCMarketScaleData", market(&d, &d, "h")).await, MARKET_SCALE);
        let times: Vec<i64> = hours.iter().map(|r| r[0]).collect();
        assert_eq!(times, (day[0]..day[0] + DAY as i64).step_by(HOUR as usize).collect::<Vec<_>>());
        assert_eq!(hours.iter().map(|h| h[1]).max().unwrap(), day[1], "peak users of {d}");
        assert_eq!(hours.iter().map(|h| h[2]).max().unwrap(), day[2], "peak rooms of {d}");
        for hour in &hours {
            assert!(hour[3] <= day[3] && hour[4] <= day[4]);
            assert!(hour[1] <= hour[3] && hour[2] <= hour[4] && hour[4] >= 1, "{hour:?}");
        }
    }

    // The last hours against the real-time points inside them.
    let last = date(NOW - 1);
    let hours = rows(&call(&server, "DescribeTRTCMarketScaleData", market(&last, &last, "h")).await, MARKET_SCALE);
    let points = rows(
        &call(&server, "DescribeTRTCRealTimeScaleData", real_time(NOW - 12 * HOUR, NOW - 1)).await,
        REAL_TIME_SCALE,
    );
    for hour in &hours[12..] {
        let inside = points.iter().filter(|p| (hour[0]..hour[0] + HOUR as i64).contains(&p[0]));
        let (users, rooms) = inside.fold((0, 0), |(u, r), p| (p[1].max(u), p[2].max(r)));
        assert!(users <= hour[1] && rooms <= hour[2] && users > 0, "{hour:?}");
    }
}

#[tokio::test]
async fn market_quality_is_in_percent_and_its_floats_round_to_it() {
    let server = start(config()).await;
    let (from, to) = (date(NOW - 7 * DAY), date(NOW - DAY));
    let reply = call(&server, "DescribeTRTCMarketQualityData", market(&from, &to, "d")).await;
    let days = rows(&reply, MARKET_QUALITY);
    assert_eq!(days.len(), 7);
    for value in series(&reply, MARKET_QUALITY) {
        assert_eq!(value["RowValueFloat"], json!([]));
    }
    for day in &days {
        assert!(day[1..].iter().all(|v| (0..=100).contains(v)), "{day:?}");
        assert!(day[4] >= 90 && day[5] <= day[4], "most joins succeed, and most of those fast: {day:?}");
        assert!(day[1] < 10 && day[2] < 10, "freezes are rare over a day: {day:?}");
    }
    let mut body = market(&from, &to, "h");
    body["IsFloat"] = json!(true);
    let reply = call(&server, "DescribeTRTCMarketQualityData", body).await;
    let values = series(&reply, MARKET_QUALITY);
    assert_eq!(values.len(), 7 * 24);
    let mut stutter = 0.0;
    for value in &values {
        let ints: Vec<i64> = value["RowValue"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
        let floats: Vec<f64> = value["RowValueFloat"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(floats.len(), 6);
        assert_eq!(floats[0], ints[0] as f64);
        for (f, i) in floats[1..].iter().zip(&ints[1..]) {
            assert!((f - *i as f64).abs() <= 0.505 && ((f * 100.0).round() - f * 100.0).abs() < 1e-6, "{value}");
        }
        stutter += floats[1] + floats[2];
    }
    assert!(stutter > 0.0);
}

#[tokio::test]
async fn market_periods_follow_the_documented_grid_up_to_now() {
    // The documentation example: 2023-09-20 to 2023-09-23 by day → 1695139200 … 1695398400.
    let server = start(Config { start_time: Some(1_695_711_700), ..config() }).await;
    for (action, columns) in
        [("DescribeTRTCMarketScaleData", MARKET_SCALE), ("DescribeTRTCMarketQualityData", MARKET_QUALITY)]
    {
        let reply = call(&server, action, market("2023-09-20", "2023-09-23", "d")).await;
        let times: Vec<i64> = rows(&reply, columns).iter().map(|r| r[0]).collect();
        assert_eq!(times, vec![1_695_139_200, 1_695_225_600, 1_695_312_000, 1_695_398_400], "{action}");
        // Today (2023-09-26, from 1695657600) is partial; tomorrow has not begun.
        let reply = call(&server, action, market("2023-09-26", "2023-09-27", "h")).await;
        let times: Vec<i64> = rows(&reply, columns).iter().map(|r| r[0]).collect();
        assert_eq!(times, (1_695_657_600..=1_695_711_600).step_by(3600).collect::<Vec<i64>>(), "{action}");
        assert!(rows(&call(&server, action, market("2023-09-27", "2023-09-28", "d")).await, columns).is_empty());
    }
}

// ---- errors ------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_reachable_documented_error() {
    let mut cfg = config();
    cfg.accounts = vec![Account { sdk_app_ids: Some(vec![APP]), ..Account::new(common::ID, common::KEY) }];
    let server = start(cfg).await;
    let with = |mut body: Value, name: &str, value: Value| {
        body[name] = value;
        body
    };
    let rt = real_time(NOW - 600, NOW);
    for (action, missing, malformed, not_allowed) in [
        (
            "DescribeTRTCRealTimeQualityData",
            "MissingParameter.SdkAppId",
            "InvalidParameter.InvalidSdkAppId",
            "InvalidParameter.InvalidSdkAppId",
        ),
        ("DescribeTRTCRealTimeScaleData", "MissingParameter", "InvalidParameterValue", "InvalidParameter"),
    ] {
        call(&server, action, rt.clone()).await.ok();
        assert_code(&call(&server, action, with(rt.clone(), "SdkAppId", json!(""))).await, missing);
        for bad in ["14OO000001", "0", "-1", " 1400000001", "99999999999999999999999"] {
            assert_code(&call(&server, action, with(rt.clone(), "SdkAppId", json!(bad))).await, malformed);
        }
        assert_code(&call(&server, action, with(rt.clone(), "SdkAppId", json!("1400000002"))).await, not_allowed);
        // Order, look-back (12 h, inclusive), window (12 h).
        assert_code(&call(&server, action, real_time(NOW, NOW)).await, "InvalidParameter");
        assert_code(&call(&server, action, real_time(NOW, NOW - 10)).await, "InvalidParameter");
        call(&server, action, real_time(NOW - 12 * HOUR, NOW)).await.ok();
        let reply = call(&server, action, real_time(NOW - 12 * HOUR - 1, NOW)).await;
        assert_code(&reply, "InvalidParameter");
        assert!(reply.message().contains("12 hours"), "{}", reply.message());
        assert_code(&call(&server, action, real_time(NOW - HOUR, NOW + 11 * HOUR + 1)).await, "InvalidParameter");
        assert_code(&call(&server, action, with(rt.clone(), "StartTime", json!(-5))).await, "InvalidParameter");
    }

    let today = date(NOW);
    let oldest = date(NOW - 60 * DAY);
    let m = market(&today, &today, "d");
    for action in ["DescribeTRTCMarketScaleData", "DescribeTRTCMarketQualityData"] {
        call(&server, action, m.clone()).await.ok();
        call(&server, action, market(&oldest, &today, "h")).await.ok();
        assert_code(&call(&server, action, with(m.clone(), "SdkAppId", json!(""))).await, "MissingParameter.SdkAppId");
        assert_code(&call(&server, action, with(m.clone(), "SdkAppId", json!("app"))).await, "InvalidParameterValue");
        assert_code(&call(&server, action, with(m.clone(), "SdkAppId", json!("1400000002"))).await, "InvalidParameter");
        for bad in ["2025-11-31", "2025/11/25", "2025-11-25 00:00:00", "25-11-25", ""] {
            let reply = call(&server, action, with(m.clone(), "StartTime", json!(bad))).await;
            assert_code(&reply, "InvalidParameterValue");
            assert!(reply.message().contains("`StartTime`"), "{}", reply.message());
            assert_code(&call(&server, action, with(m.clone(), "EndTime", json!(bad))).await, "InvalidParameterValue");
        }
        for bad in ["D", "day", "m", ""] {
            assert_code(&call(&server, action, with(m.clone(), "Period", json!(bad))).await, "InvalidParameterValue");
        }
        assert_code(&call(&server, action, market(&today, &date(NOW - DAY), "d")).await, "InvalidParameter");
        let reply = call(&server, action, market(&date(NOW - 61 * DAY), &today, "d")).await;
        assert_code(&reply, "InvalidParameter.QueryScaleOversize");
        assert!(reply.message().contains(&oldest), "{}", reply.message());
    }
}

#[tokio::test]
async fn same_seed_same_bytes() {
    let a = start(config()).await;
    let b = start(config()).await;
    let c = start(Config { seed: 99, ..config() }).await;
    let mut quality = market(&date(NOW - 3 * DAY), &date(NOW), "h");
    quality["IsFloat"] = json!(true);
    for (action, body) in [
        ("DescribeTRTCRealTimeScaleData", real_time(NOW - 2 * HOUR, NOW)),
        ("DescribeTRTCRealTimeQualityData", real_time(NOW - 2 * HOUR, NOW)),
        ("DescribeTRTCMarketScaleData", market(&date(NOW - 3 * DAY), &date(NOW), "h")),
        ("DescribeTRTCMarketQualityData", quality),
    ] {
        let ra = call(&a, action, body.clone()).await;
        let rb = call(&b, action, body.clone()).await;
        let rc = call(&c, action, body).await;
        assert_eq!(ra.without_request_id(), rb.without_request_id(), "{action}");
        assert_ne!(ra.without_request_id(), rc.without_request_id(), "{action}: another seed, another history");
    }
}
