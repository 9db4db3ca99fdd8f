//! The invariants of the one call-record world, over many seeds and densities: what one action
//! says agrees with what the others say. The handlers are called in-process (the same code the
//! gateway dispatches to) so that many worlds can be checked quickly; the socket tests check
//! the same rules over HTTP for a few.

use proptest::prelude::*;
use serde_json::{Value, json};
use trtc_mock::actions::{Ctx, Output, handler};
use trtc_mock::config::Config;
use trtc_mock::world::Density;
use trtc_mock::{Account, App};

const APP: u64 = 1_400_000_001;
const NOW: u64 = 1_764_000_000;
const DAY: u64 = 86_400;

struct World {
    app: App,
    account: Account,
}

impl World {
    fn new(seed: u64, density: Density) -> Self {
        let config = Config { seed, density, start_time: Some(NOW as i64), freeze: true, ..Config::default() };
        Self { app: App::new(config).unwrap(), account: Account::new("AKID", "key") }
    }

    fn call(&self, action: &str, input: Value) -> Value {
        let ctx = Ctx::new(&self.app.world, &self.account, NOW);
        match handler(action).expect(action)(&ctx, input.clone()) {
            Ok(Output::Json(bytes)) => serde_json::from_slice(&bytes).unwrap(),
            other => panic!("{action} {input}: {other:?}"),
        }
    }

    /// Every room of the window, all pages.
    fn rooms(&self, start: u64, end: u64) -> Vec<Value> {
        let mut out = Vec::new();
        for page in 0.. {
            let r = self.call(
                "DescribeRoomInfo",
                json!({"SdkAppId": APP, "StartTime": start, "EndTime": end, "PageNumber": page, "PageSize": 100}),
            );
            let list = r["RoomList"].as_array().unwrap().clone();
            if list.is_empty() {
                assert_eq!(out.len() as u64, r["Total"].as_u64().unwrap());
                return out;
            }
            out.extend(list);
        }
        unreachable!()
    }

    /// Every stay of a call that overlaps `[start, end]`, through 4-hour windows and all pages.
    fn users(&self, comm_id: &str, start: u64, end: u64) -> Vec<Value> {
        let mut out: Vec<Value> = Vec::new();
        let mut from = start;
        while from <= end {
            let to = (from + 4 * 3600 - 1).min(end).max(from + 1);
            for page in 0.. {
                let r = self.call(
                    "DescribeUserInfo",
                    json!({"SdkAppId": APP, "CommId": comm_id, "StartTime": from, "EndTime": to, "PageNumber": page, "PageSize": 100}),
                );
                let list = r["UserList"].as_array().unwrap().clone();
                if list.is_empty() {
                    break;
                }
                for user in list {
                    if !out.iter().any(|u| u["UserId"] == user["UserId"] && u["JoinTs"] == user["JoinTs"]) {
                        out.push(user);
                    }
                }
            }
            from = to + 1;
        }
        // A stay listed by a window that reaches past `end` may not overlap `[start, end]`.
        out.retain(|u| u["JoinTs"].as_u64().unwrap() <= end && u["LeaveTs"].as_u64().unwrap() >= start);
        out
    }
}

fn density() -> impl Strategy<Value = Density> {
    (1u32..=12, 1u32..=30, 0.0f64..=0.5, 0.0f64..=8.0).prop_map(
        |(rooms_per_hour, max_users_per_room, long_call_share, incidents_per_hour)| Density {
            rooms_per_hour,
            max_users_per_room,
            long_call_share,
            incidents_per_hour,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// No user leaves before joining, no call ends before its last user leaves, and every
    /// user DescribeUserInfo lists has quality data and an entry and exit in the same call.
    #[test]
    fn users_have_consistent_stays_quality_and_events(seed in any::<u64>(), density in density(), hour in 1u64..13) {
        let world = World::new(seed, density);
        let (start, end) = (NOW - hour * 3600, NOW - hour * 3600 + 3599);
        for room in world.rooms(start, end) {
            let comm_id = room["CommId"].as_str().unwrap();
            let (create, destroy) = (room["CreateTime"].as_u64().unwrap(), room["DestroyTime"].as_u64().unwrap());
            prop_assert!(create <= destroy);
            let users = world.users(comm_id, create, destroy);
            prop_assert!(!users.is_empty(), "a room has users");
            let finished = room["IsFinished"].as_bool().unwrap();
            for user in &users {
                let (join, leave) = (user["JoinTs"].as_u64().unwrap(), user["LeaveTs"].as_u64().unwrap());
                prop_assert!(join <= leave, "{user}");
                prop_assert!(leave <= destroy, "no call ends before its last user leaves: {user} {room}");
                if finished {
                    prop_assert!(user["Finished"].as_bool().unwrap());
                }
            }
            if finished {
                let last = users.iter().map(|u| u["LeaveTs"].as_u64().unwrap()).max().unwrap();
                prop_assert_eq!(last, destroy);
            }
            // Quality and events of the first three users, over their first hour.
            for user in users.iter().take(3) {
                let id = user["UserId"].as_str().unwrap();
                let (join, leave) = (user["JoinTs"].as_u64().unwrap(), user["LeaveTs"].as_u64().unwrap());
                let window_end = leave.min(join + 3599).max(join + 1);
                let detail = world.call("DescribeCallDetailInfo", json!({
                    "SdkAppId": APP, "CommId": comm_id, "StartTime": join, "EndTime": window_end,
                    "UserIds": [id], "DataType": ["rtt", "bigvBlock"]}));
                let data = detail["Data"].as_array().unwrap();
                let rtt = data.iter().find(|d| d["UserId"] == id && d["DataType"] == "rtt" && d["PeerId"] == "").unwrap();
                prop_assert_eq!(rtt["Content"].as_array().unwrap().len() as u64, (window_end.min(leave) - join) / 2);
                let events = world.call("DescribeUserEvent", json!({
                    "SdkAppId": APP, "CommId": comm_id, "StartTime": create, "EndTime": destroy.max(create + 1),
                    "UserId": id, "RoomId": room["RoomString"]}));
                let own = events["Data"].as_array().unwrap().iter().find(|g| g["PeerId"] == id).cloned().unwrap();
                let ids: Vec<u64> = own["Content"].as_array().unwrap().iter().map(|e| e["EventId"].as_u64().unwrap()).collect();
                prop_assert!(ids.contains(&5003) || ids.contains(&32788), "an entry: {ids:?}");
                if user["Finished"].as_bool().unwrap() {
                    prop_assert!(ids.contains(&5008) || ids.contains(&32789), "an exit: {ids:?}");
                }
            }
        }
    }

    /// DescribeScaleInfo's daily figures are what DescribeRoomInfo and DescribeUserInfo list
    /// for that day.
    #[test]
    fn daily_scale_adds_up_the_listings(seed in any::<u64>(), density in density(), back in 1u64..4) {
        let world = World::new(seed, Density { rooms_per_hour: density.rooms_per_hour.min(3), ..density });
        // 00:00 in UTC+8 of the virtual now's day.
        let today = (NOW + 8 * 3600) / DAY * DAY - 8 * 3600;
        let day = today - back * DAY;
        let scale = world.call("DescribeScaleInfo", json!({"SdkAppId": APP, "StartTime": day, "EndTime": day + 1}));
        let row = &scale["ScaleList"][0];
        prop_assert_eq!(row["Time"].as_u64().unwrap(), day);
        let rooms = world.rooms(day, day + DAY - 1);
        prop_assert_eq!(row["RoomNumbers"].as_u64().unwrap(), rooms.len() as u64);
        let (mut entries, mut users) = (0u64, 0u64);
        for room in &rooms {
            let listed = world.users(room["CommId"].as_str().unwrap(), day.max(room["CreateTime"].as_u64().unwrap()), (day + DAY - 1).min(room["DestroyTime"].as_u64().unwrap()));
            entries += listed.len() as u64;
            let mut distinct: Vec<&Value> = listed.iter().map(|u| &u["UserId"]).collect();
            distinct.sort_by_key(|v| v.as_str().unwrap().to_owned());
            distinct.dedup();
            users += distinct.len() as u64;
        }
        prop_assert_eq!(row["UserCount"].as_u64().unwrap(), entries);
        prop_assert_eq!(row["UserNumber"].as_u64().unwrap(), users);
    }

    /// The real-time user and room counts are those present at each instant, as the listings
    /// show them: a stay is present from its join until its leave (exclusive), a room while
    /// anyone is in it.
    #[test]
    fn real_time_counts_are_who_is_present(seed in any::<u64>(), density in density(), back in 1u64..11) {
        let world = World::new(seed, Density { rooms_per_hour: density.rooms_per_hour.min(6), ..density });
        let end = NOW - back * 3600;
        let reply = world.call("DescribeTRTCRealTimeScaleData", json!({"SdkAppId": APP.to_string(), "StartTime": end - 60, "EndTime": end}));
        let series = &reply["Data"]["Series"][0];
        prop_assert_eq!(&series["Columns"], &json!(["time", "userCount", "roomCount"]));
        let rooms = world.rooms(end - 61, end + 1);
        for row in series["Values"].as_array().unwrap() {
            let row = row["RowValue"].as_array().unwrap();
            let t = row[0].as_u64().unwrap();
            let (mut users, mut present_rooms) = (0u64, 0u64);
            for room in &rooms {
                let listed = world.users(room["CommId"].as_str().unwrap(), t.saturating_sub(1), t + 1);
                let mut here: Vec<&str> = listed
                    .iter()
                    .filter(|u| u["JoinTs"].as_u64().unwrap() <= t && t < u["LeaveTs"].as_u64().unwrap())
                    .map(|u| u["UserId"].as_str().unwrap())
                    .collect();
                here.sort_unstable();
                here.dedup();
                users += here.len() as u64;
                present_rooms += u64::from(!here.is_empty());
            }
            prop_assert_eq!(row[1].as_u64().unwrap(), users, "users at {}", t);
            prop_assert_eq!(row[2].as_u64().unwrap(), present_rooms, "rooms at {}", t);
        }
    }

    /// The market scale figures by day are DescribeScaleInfo's.
    #[test]
    fn market_scale_days_are_the_daily_figures(seed in any::<u64>(), density in density()) {
        let world = World::new(seed, Density { rooms_per_hour: density.rooms_per_hour.min(4), ..density });
        let market = world.call("DescribeTRTCMarketScaleData", json!({"SdkAppId": APP.to_string(), "StartTime": "2025-11-21", "EndTime": "2025-11-24", "Period": "d"}));
        let series = &market["Data"]["Series"][0];
        prop_assert_eq!(&series["Columns"], &json!(["time", "peakCurrentUsers", "peakCurrentChannels", "userCount", "roomCount"]));
        let scale = world.call("DescribeScaleInfo", json!({"SdkAppId": APP, "StartTime": NOW - 4 * DAY, "EndTime": NOW}));
        let days = scale["ScaleList"].as_array().unwrap();
        let rows = series["Values"].as_array().unwrap();
        prop_assert_eq!(rows.len(), 4);
        for row in rows {
            let row = row["RowValue"].as_array().unwrap();
            let day = days.iter().find(|d| d["Time"] == row[0]).unwrap();
            prop_assert_eq!(&row[3], &day["UserNumber"]);
            prop_assert_eq!(&row[4], &day["RoomNumbers"]);
            // At no instant are more users or rooms present than the day had.
            prop_assert!(row[1].as_u64().unwrap() <= row[3].as_u64().unwrap());
            prop_assert!(row[2].as_u64().unwrap() <= row[4].as_u64().unwrap());
        }
    }

    /// Usage minutes are the users' stay time: the tiers of DescribeTrtcUsage add up to the
    /// seconds of the stays DescribeUserInfo lists, within its rounding (two decimals per
    /// figure), and DescribeTrtcRoomUsage's seconds add up to them exactly.
    #[test]
    fn usage_is_the_users_time_in_rooms(seed in any::<u64>(), density in density(), back in 1u64..4) {
        let world = World::new(seed, Density { rooms_per_hour: density.rooms_per_hour.min(3), ..density });
        let day = NOW - back * DAY;
        let mut seconds = 0u64;
        for room in world.rooms(day, day + DAY - 1) {
            let (create, destroy) = (room["CreateTime"].as_u64().unwrap(), room["DestroyTime"].as_u64().unwrap());
            for user in world.users(room["CommId"].as_str().unwrap(), day.max(create), (day + DAY - 1).min(destroy)) {
                let (join, leave) = (user["JoinTs"].as_u64().unwrap(), user["LeaveTs"].as_u64().unwrap());
                seconds += leave.min(day + DAY).saturating_sub(join.max(day));
            }
        }
        let date = |t: u64| trtc_mock::pure::civil::local_date(t as i64);
        let usage = world.call("DescribeTrtcUsage", json!({"SdkAppId": APP, "StartTime": date(day), "EndTime": date(day)}));
        let rows = usage["UsageList"].as_array().unwrap();
        prop_assert_eq!(rows.len(), 288, "five-minute rows of one day");
        let (mut minutes, mut figures) = (0.0f64, 0u32);
        for row in rows {
            for value in row["UsageValue"].as_array().unwrap() {
                minutes += value.as_f64().unwrap();
                figures += 1;
            }
        }
        prop_assert!((minutes - seconds as f64 / 60.0).abs() <= 0.005 * f64::from(figures), "{} min against {} s", minutes, seconds);
        let rooms = world.call("DescribeTrtcRoomUsage", json!({"SdkAppid": APP, "StartTime": format!("{} 00:00", date(day)), "EndTime": format!("{} 00:00", date(day + DAY))}));
        let csv = rooms["Data"].as_str().unwrap();
        let mut lines = csv.lines();
        prop_assert_eq!(lines.next(), Some("RoomId,Audio,SD,hd,FullHD,2K,4K"));
        // Room ids may hold commas (quoted): the six figures are the last six fields.
        let csv_seconds: u64 = lines
            .map(|line| line.rsplitn(7, ',').take(6).map(|f| f.parse::<u64>().unwrap()).sum::<u64>())
            .sum();
        prop_assert_eq!(csv_seconds, seconds);
    }
}
