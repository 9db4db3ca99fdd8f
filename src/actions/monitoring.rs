//! Call-quality monitoring: rooms (calls), the users in them, their quality metrics, events and
//! abnormal experiences, and the daily scale — all read from the one history of the world.
//!
//! Rules shared by the family: times are Unix seconds on the virtual clock; StartTime must be
//! before EndTime and at most 14 days back; each action has its own longest window and paging
//! default, and when either PageNumber or PageSize is omitted the first page of the default
//! size is returned.

use std::collections::HashSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::rules::{self, MAX_PAGE_SIZE, MONITORING, WindowCodes};
use super::{Ctx, WriteJson};
use crate::error::{ApiError, ApiResult};
use crate::pure::json_out;
use crate::world::generator::MAX_TIME;
use crate::world::quality::{self, Metric};
use crate::world::scale::{self, Grid};
use crate::world::{Generator, Room, Session, parse_comm_id, timeline};

/// How far back monitoring data can be queried.
pub const LOOK_BACK_SECS: u64 = 14 * 86_400;
pub const MAX_USER_IDS: usize = 100;
/// With `DataType`, at most this many users per page and per `UserIds`.
pub const MAX_METRIC_USERS: u64 = 6;

const HOUR: u64 = 3600;

// ---- DescribeRoomInfo -------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeRoomInfoInput {
    pub sdk_app_id: u64,
    pub start_time: u64,
    pub end_time: u64,
    pub room_id: Option<String>,
    pub page_number: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeRoomInfoOutput {
    pub total: u64,
    pub room_list: RoomList,
}

/// The rooms of a page as `RoomList`: each written as a [`RoomState`] borrowing from the room,
/// so that no string is copied on the way out.
#[derive(Debug)]
pub struct RoomList {
    pub rooms: Vec<Arc<Room>>,
    pub now: u64,
}

impl Serialize for RoomList {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.rooms.iter().map(|room| RoomState::of(room, self.now)))
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoomState<'a> {
    pub comm_id: &'a str,
    pub room_string: &'a str,
    pub create_time: u64,
    pub destroy_time: u64,
    pub is_finished: bool,
    pub user_id: &'a str,
}

impl WriteJson for DescribeRoomInfoOutput {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"Total\":");
        json_out::u64_to(out, self.total);
        out.extend_from_slice(b",\"RoomList\":[");
        for (i, room) in self.room_list.rooms.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            RoomState::of(room, self.room_list.now).write_json(out);
        }
        out.extend_from_slice(b"]}");
    }
}

impl WriteJson for RoomState<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"CommId\":\"");
        json_out::str_body(out, self.comm_id);
        out.extend_from_slice(b"\",\"RoomString\":\"");
        json_out::str_body(out, self.room_string);
        out.extend_from_slice(b"\",\"CreateTime\":");
        json_out::u64_to(out, self.create_time);
        out.extend_from_slice(b",\"DestroyTime\":");
        json_out::u64_to(out, self.destroy_time);
        out.extend_from_slice(b",\"IsFinished\":");
        json_out::bool_to(out, self.is_finished);
        out.extend_from_slice(b",\"UserId\":\"");
        json_out::str_body(out, self.user_id);
        out.extend_from_slice(b"\"}");
    }
}

impl<'a> RoomState<'a> {
    fn of(room: &'a Room, now: u64) -> Self {
        Self {
            comm_id: &room.comm_id,
            room_string: &room.room_string,
            create_time: room.create_time,
            // An open room shows the time it was last seen, that is now.
            destroy_time: room.end_or(now),
            is_finished: room.is_finished(now),
            user_id: &room.creator,
        }
    }
}

fn check_app(ctx: &Ctx<'_>, sdk_app_id: u64) -> ApiResult<()> {
    rules::app(ctx, sdk_app_id, "MissingParameter.SdkAppId", "InvalidParameter.SdkAppId")
}

/// Rooms of an app active in a window of up to 24 hours; 10 per page by default.
pub fn describe_room_info(ctx: &Ctx<'_>, input: DescribeRoomInfoInput) -> ApiResult<DescribeRoomInfoOutput> {
    check_app(ctx, input.sdk_app_id)?;
    let window = (input.start_time, input.end_time);
    rules::window(ctx, window, Some(24 * HOUR), LOOK_BACK_SECS, &MONITORING)?;
    let (skip, take) = rules::page(input.page_number, input.page_size, 10, MAX_PAGE_SIZE)?;
    let room_id = input.room_id.as_deref().filter(|r| !r.is_empty());
    let page = ctx.world.rooms(input.sdk_app_id, window, ctx.now, room_id, skip, take);
    Ok(DescribeRoomInfoOutput { total: page.total, room_list: RoomList { rooms: page.rooms, now: ctx.now } })
}

// ---- DescribeUserInfo -------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeUserInfoInput {
    pub comm_id: String,
    pub start_time: u64,
    pub end_time: u64,
    pub sdk_app_id: u64,
    pub user_ids: Option<Vec<String>>,
    pub page_number: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeUserInfoOutput {
    pub total: u64,
    pub user_list: UserList,
}

/// The stays of a page as `UserList`: indices into the call's sessions, each written as a
/// [`UserInformation`] borrowing from the call, so that no string is copied on the way out.
#[derive(Debug)]
pub struct UserList {
    pub room: Option<Arc<Room>>,
    pub stays: Vec<usize>,
    pub now: u64,
}

impl UserList {
    fn empty(now: u64) -> Self {
        Self { room: None, stays: Vec::new(), now }
    }
}

impl Serialize for UserList {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let users = self
            .room
            .iter()
            .flat_map(|room| self.stays.iter().map(move |&i| UserInformation::of(room, &room.sessions[i], self.now)));
        serializer.collect_seq(users)
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserInformation<'a> {
    pub room_str: &'a str,
    pub user_id: &'a str,
    pub join_ts: u64,
    pub leave_ts: u64,
    pub device_type: &'a str,
    pub sdk_version: &'a str,
    pub client_ip: &'a str,
    pub finished: bool,
}

impl WriteJson for DescribeUserInfoOutput {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"Total\":");
        json_out::u64_to(out, self.total);
        out.extend_from_slice(b",\"UserList\":[");
        if let Some(room) = &self.user_list.room {
            for (i, &stay) in self.user_list.stays.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                UserInformation::of(room, &room.sessions[stay], self.user_list.now).write_json(out);
            }
        }
        out.extend_from_slice(b"]}");
    }
}

impl WriteJson for UserInformation<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"RoomStr\":\"");
        json_out::str_body(out, self.room_str);
        out.extend_from_slice(b"\",\"UserId\":\"");
        json_out::str_body(out, self.user_id);
        out.extend_from_slice(b"\",\"JoinTs\":");
        json_out::u64_to(out, self.join_ts);
        out.extend_from_slice(b",\"LeaveTs\":");
        json_out::u64_to(out, self.leave_ts);
        out.extend_from_slice(b",\"DeviceType\":\"");
        json_out::str_body(out, self.device_type);
        out.extend_from_slice(b"\",\"SdkVersion\":\"");
        json_out::str_body(out, self.sdk_version);
        out.extend_from_slice(b"\",\"ClientIp\":\"");
        json_out::str_body(out, self.client_ip);
        out.extend_from_slice(b"\",\"Finished\":");
        json_out::bool_to(out, self.finished);
        out.push(b'}');
    }
}

impl<'a> UserInformation<'a> {
    fn of(room: &'a Room, session: &'a Session, now: u64) -> Self {
        Self {
            room_str: &room.room_string,
            user_id: &session.user_id,
            join_ts: session.join_ts,
            // A user still in the room shows the current time.
            leave_ts: room.leave_or(session, now),
            device_type: &session.device_type,
            sdk_version: &session.sdk_version,
            client_ip: &session.client_ip,
            finished: room.session_finished(session, now),
        }
    }
}

/// Checks a CommId and that it belongs to the SdkAppId of the request; `mismatch` is the
/// action's code for a CommId of another SdkAppId.
fn check_comm_id(comm_id: &str, sdk_app_id: u64, mismatch: &'static str) -> ApiResult<()> {
    if comm_id.is_empty() {
        return Err(ApiError::business("MissingParameter.CommId"));
    }
    // A creation time past the end of history (9999-12-31) is no time a call can have.
    let Some((app, _, _)) = parse_comm_id(comm_id).filter(|(_, _, created)| *created <= MAX_TIME) else {
        return Err(ApiError::invalid_parameter_value("CommId", comm_id));
    };
    if app != sdk_app_id {
        return Err(ApiError::business_with(
            mismatch,
            format!("`SdkAppId` is incorrect: CommId {comm_id} belongs to SdkAppId {app}."),
            format!("SdkAppId 参数错误：CommId {comm_id} 属于 SdkAppId {app}。"),
        ));
    }
    Ok(())
}

/// `UserIds` of 1 to `max` ids; `code` is the action's code for too many.
fn check_user_ids(ids: Option<&Vec<String>>, max: usize, code: &'static str) -> ApiResult<()> {
    let Some(ids) = ids else { return Ok(()) };
    if ids.is_empty() || ids.len() > max {
        return Err(ApiError::business_with(
            code,
            format!("The length of parameter `UserIds` must be between 1 and {max}, got {}.", ids.len()),
            format!("参数取值错误：`UserIds` 的长度应在 1 到 {max} 之间，实际为 {}。", ids.len()),
        ));
    }
    Ok(())
}

/// The stays of a call that overlap the window, optionally only of `user_ids`, in order of
/// arrival, as indices into its sessions.
fn stays(room: &Room, window: (u64, u64), user_ids: Option<&Vec<String>>, now: u64) -> Vec<usize> {
    // A few ids are looked up in the list itself; a set pays off only for long lists.
    let wanted: Option<HashSet<&str>> =
        user_ids.filter(|ids| ids.len() > 8).map(|ids| ids.iter().map(String::as_str).collect());
    let asked = |user: &str| match (&wanted, user_ids) {
        (Some(set), _) => set.contains(user),
        (None, Some(ids)) => ids.iter().any(|id| id == user),
        (None, None) => true,
    };
    room.sessions_at_indexed(now)
        .filter(|(_, s)| room.session_overlaps(s, window.0, window.1, now))
        .filter(|(_, s)| asked(&s.user_id))
        .map(|(i, _)| i)
        .collect()
}

/// The users of one call in a window of up to 4 hours; 6 per page by default.
pub fn describe_user_info(ctx: &Ctx<'_>, input: DescribeUserInfoInput) -> ApiResult<DescribeUserInfoOutput> {
    check_app(ctx, input.sdk_app_id)?;
    check_comm_id(&input.comm_id, input.sdk_app_id, "InvalidParameter.SdkAppId")?;
    let window = (input.start_time, input.end_time);
    rules::window(ctx, window, Some(4 * HOUR), LOOK_BACK_SECS, &MONITORING)?;
    check_user_ids(input.user_ids.as_ref(), MAX_USER_IDS, "InvalidParameterValue")?;
    let paging = rules::page(input.page_number, input.page_size, 6, MAX_PAGE_SIZE)?;
    let Some(room) = ctx.world.call(input.sdk_app_id, &input.comm_id, ctx.now) else {
        return Ok(DescribeUserInfoOutput { total: 0, user_list: UserList::empty(ctx.now) });
    };
    let stays = stays(&room, window, input.user_ids.as_ref(), ctx.now);
    let total = stays.len() as u64;
    let stays = rules::slice(stays, paging);
    Ok(DescribeUserInfoOutput { total, user_list: UserList { room: Some(room), stays, now: ctx.now } })
}

// ---- DescribeCallDetailInfo -------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeCallDetailInfoInput {
    pub comm_id: String,
    pub start_time: u64,
    pub end_time: u64,
    pub sdk_app_id: u64,
    pub user_ids: Option<Vec<String>>,
    pub data_type: Option<Vec<String>>,
    pub page_number: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeCallDetailInfoOutput {
    pub total: u64,
    pub user_list: UserList,
    /// `null` when metrics were asked for a window over one hour, as the CN documentation says.
    pub data: Option<Vec<QualityData>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QualityData {
    pub content: Vec<TimeValue>,
    pub user_id: String,
    pub peer_id: String,
    pub data_type: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TimeValue {
    pub time: u64,
    pub value: f64,
}

/// The metrics a `DataType` list names (`"all"`: every one), in the order asked, once each.
fn metrics(names: &[String]) -> ApiResult<Vec<Metric>> {
    let mut out: Vec<Metric> = Vec::new();
    let mut add = |metric: Metric| {
        if !out.contains(&metric) {
            out.push(metric);
        }
    };
    for name in names {
        if name == "all" {
            Metric::ALL.into_iter().for_each(&mut add);
            continue;
        }
        match Metric::parse(name) {
            Some(metric) => add(metric),
            None => {
                return Err(ApiError::business_with(
                    "InvalidParameter",
                    format!("`DataType` {name:?} is not a metric of this action (or `all`)."),
                    format!("参数错误：DataType {name:?} 不是本接口的指标（或 all）。"),
                ));
            }
        }
    }
    Ok(out)
}

/// The users of one call and, for the users of the page, their quality metrics every 2 s:
/// a window of up to 4 hours, of up to 1 hour with metrics (beyond it `Data` is null).
pub fn describe_call_detail_info(
    ctx: &Ctx<'_>,
    input: DescribeCallDetailInfoInput,
) -> ApiResult<DescribeCallDetailInfoOutput> {
    check_app(ctx, input.sdk_app_id)?;
    check_comm_id(&input.comm_id, input.sdk_app_id, "InvalidParameter.SdkAppId")?;
    let window = (input.start_time, input.end_time);
    rules::window(ctx, window, Some(4 * HOUR), LOOK_BACK_SECS, &MONITORING)?;
    let metrics = metrics(input.data_type.as_deref().unwrap_or_default())?;
    let with_metrics = !metrics.is_empty();
    let (max_users, max_page) = if with_metrics { (6, MAX_METRIC_USERS) } else { (MAX_USER_IDS, MAX_PAGE_SIZE) };
    check_user_ids(input.user_ids.as_ref(), max_users, "InvalidParameter.UserIdsMorethanSix")?;
    let paging = rules::page(input.page_number, input.page_size, 6, max_page)?;
    let Some(room) = ctx.world.call(input.sdk_app_id, &input.comm_id, ctx.now) else {
        return Ok(DescribeCallDetailInfoOutput {
            total: 0,
            user_list: UserList::empty(ctx.now),
            data: Some(Vec::new()),
        });
    };
    let stays = stays(&room, window, input.user_ids.as_ref(), ctx.now);
    let total = stays.len() as u64;
    let page = rules::slice(stays, paging);
    let data = if with_metrics && window.1 - window.0 > HOUR {
        None
    } else {
        let mut users: Vec<&str> = Vec::new();
        for stay in page.iter().map(|&i| &room.sessions[i]) {
            if !users.contains(&stay.user_id.as_str()) {
                users.push(&stay.user_id);
            }
        }
        let data = users
            .into_iter()
            .flat_map(|user| {
                quality::series(&room, user, &metrics, window, ctx.now).into_iter().map(move |series| QualityData {
                    content: series.points.into_iter().map(|(time, value)| TimeValue { time, value }).collect(),
                    user_id: user.to_owned(),
                    peer_id: series.peer.unwrap_or_default(),
                    data_type: series.metric.name().to_owned(),
                })
            })
            .collect();
        Some(data)
    };
    Ok(DescribeCallDetailInfoOutput {
        total,
        user_list: UserList { room: Some(room), stays: page, now: ctx.now },
        data,
    })
}

// ---- DescribeUserEvent ------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeUserEventInput {
    pub comm_id: String,
    pub start_time: u64,
    pub end_time: u64,
    pub user_id: String,
    pub room_id: String,
    pub sdk_app_id: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeUserEventOutput {
    pub data: Vec<EventList>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventList {
    pub content: Vec<EventMessage>,
    pub peer_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventMessage {
    pub r#type: u64,
    pub time: u64,
    pub event_id: u64,
    pub param_one: i64,
    pub param_two: i64,
}

/// The codes of DescribeUserEvent, whose list differs from its siblings'.
const USER_EVENT: WindowCodes = WindowCodes {
    missing_start: "MissingParameter.StartTs",
    missing_end: "MissingParameter.EndTs",
    order: "InvalidParameter.StartTs",
    too_long: "InvalidParameter.EndTs",
    too_old: "InvalidParameter.StartTsOversize",
};

/// The events one user reported in one call, grouped by the user they concern; an end time
/// after the room's end counts as the room's end, and no match is an empty list.
pub fn describe_user_event(ctx: &Ctx<'_>, input: DescribeUserEventInput) -> ApiResult<DescribeUserEventOutput> {
    rules::app(ctx, input.sdk_app_id, "MissingParameter.AppId", "InvalidParameter")?;
    check_comm_id(&input.comm_id, input.sdk_app_id, "InvalidParameter")?;
    if input.user_id.is_empty() {
        return Err(ApiError::business("MissingParameter.UserId"));
    }
    if input.room_id.is_empty() {
        return Err(ApiError::business("MissingParameter.RoomId"));
    }
    rules::window(ctx, (input.start_time, input.end_time), None, LOOK_BACK_SECS, &USER_EVENT)?;
    let empty = || DescribeUserEventOutput { data: Vec::new() };
    let Some(room) = ctx.world.call(input.sdk_app_id, &input.comm_id, ctx.now) else { return Ok(empty()) };
    if room.room_string != input.room_id {
        return Ok(empty());
    }
    let end = input.end_time.min(room.end_or(ctx.now));
    let (from_ms, to_ms) = (input.start_time.saturating_mul(1000), end.saturating_mul(1000).saturating_add(999));
    let groups = timeline::user_events(&room, &input.user_id, from_ms, to_ms, ctx.now);
    Ok(DescribeUserEventOutput {
        data: groups
            .into_iter()
            .map(|(peer_id, events)| EventList {
                content: events
                    .into_iter()
                    .map(|e| EventMessage {
                        r#type: e.stream_type,
                        time: e.time_ms,
                        event_id: e.event_id,
                        param_one: e.param_one,
                        param_two: e.param_two,
                    })
                    .collect(),
                peer_id,
            })
            .collect(),
    })
}

// ---- DescribeUnusualEvent ---------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeUnusualEventInput {
    pub sdk_app_id: u64,
    pub start_time: u64,
    pub end_time: u64,
    pub room_id: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeUnusualEventOutput {
    pub total: u64,
    pub abnormal_experience_list: Vec<AbnormalExperience>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AbnormalExperience {
    pub user_id: String,
    pub experience_id: u64,
    pub room_id: String,
    pub abnormal_event_list: Vec<AbnormalEvent>,
    pub event_time: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AbnormalEvent {
    pub abnormal_event_id: u64,
    pub peer_id: String,
}

/// At most this many abnormal experiences per answer.
pub const MAX_ABNORMAL: usize = 20;

const UNUSUAL: WindowCodes = WindowCodes { too_old: "InvalidParameter.StartTimeExpire", ..MONITORING };

/// Up to 20 abnormal experiences of an app (or one room) in a window of up to an hour, the
/// earliest first.
pub fn describe_unusual_event(
    ctx: &Ctx<'_>,
    input: DescribeUnusualEventInput,
) -> ApiResult<DescribeUnusualEventOutput> {
    check_app(ctx, input.sdk_app_id)?;
    let window = (input.start_time, input.end_time);
    rules::window(ctx, window, Some(HOUR), LOOK_BACK_SECS, &UNUSUAL)?;
    let room_id = input.room_id.as_deref().filter(|r| !r.is_empty());
    let mut found = Vec::new();
    ctx.world.for_each_room(input.sdk_app_id, window, ctx.now, |room| {
        if room_id.is_none_or(|id| room.room_string == id) {
            found.extend(
                timeline::abnormal(room, window.0, window.1, ctx.now)
                    .into_iter()
                    .map(|a| (room.room_string.clone(), a)),
            );
        }
    });
    found.sort_by(|(ra, a), (rb, b)| {
        (a.time, ra, &a.user_id, a.experience_id).cmp(&(b.time, rb, &b.user_id, b.experience_id))
    });
    found.truncate(MAX_ABNORMAL);
    Ok(DescribeUnusualEventOutput {
        total: found.len() as u64,
        abnormal_experience_list: found
            .into_iter()
            .map(|(room_id, a)| AbnormalExperience {
                user_id: a.user_id,
                experience_id: a.experience_id,
                room_id,
                abnormal_event_list: a
                    .causes
                    .into_iter()
                    .map(|(abnormal_event_id, peer_id)| AbnormalEvent { abnormal_event_id, peer_id })
                    .collect(),
                event_time: a.time,
            })
            .collect(),
    })
}

// ---- DescribeScaleInfo ------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeScaleInfoInput {
    pub sdk_app_id: u64,
    pub start_time: u64,
    pub end_time: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeScaleInfoOutput {
    pub total: u64,
    pub scale_list: Vec<ScaleInfomation>,
}

/// (sic: the API's own spelling)
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScaleInfomation {
    pub time: u64,
    pub user_number: u64,
    pub user_count: u64,
    pub room_numbers: u64,
}

const SCALE: WindowCodes = WindowCodes {
    missing_start: "MissingParameter.StartTs",
    missing_end: "MissingParameter.EndTs",
    order: "InvalidParameter.StartTs",
    too_long: "InvalidParameter.EndTs",
    too_old: "InvalidParameter.StartTsOversize",
};

const DAY: u64 = 86_400;

/// Rooms and users per UTC+8 day, newest first: the days from StartTime's to the last one
/// that begins before EndTime, never today (its figures are not final until it ends). The
/// figures are [`scale::over_periods`]'s, which the market dashboard shares: rooms active
/// that day, entries (stays overlapping the day), users (each user counted once per room).
pub fn describe_scale_info(ctx: &Ctx<'_>, input: DescribeScaleInfoInput) -> ApiResult<DescribeScaleInfoOutput> {
    rules::app(ctx, input.sdk_app_id, "MissingParameter.SdkAppId", "InvalidParameter.SdkAppId")?;
    let window = (input.start_time, input.end_time.min(MAX_TIME));
    rules::window(ctx, window, None, LOOK_BACK_SECS, &SCALE)?;
    let first = Generator::day_of(window.0);
    let last = window.1.min(Generator::day_of(ctx.now));
    let days = Grid::new(first, DAY, usize::try_from(last.saturating_sub(first).div_ceil(DAY)).unwrap_or(0));
    let scale_list: Vec<ScaleInfomation> = scale::over_periods(ctx.world, input.sdk_app_id, days, ctx.now)
        .into_iter()
        .enumerate()
        .rev()
        .map(|(i, day)| ScaleInfomation {
            time: days.period(i).0,
            user_number: day.users,
            user_count: day.entries,
            room_numbers: day.rooms,
        })
        .collect();
    Ok(DescribeScaleInfoOutput { total: scale_list.len() as u64, scale_list })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_lists_expand_all_and_refuse_unknown_names() {
        assert_eq!(metrics(&["all".into()]).unwrap().len(), 17);
        assert_eq!(metrics(&["rtt".into(), "rtt".into(), "aBit".into()]).unwrap(), vec![Metric::Rtt, Metric::ABit]);
        assert_eq!(metrics(&["fps".into()]).unwrap_err().code(), "InvalidParameter");
        assert!(metrics(&[]).unwrap().is_empty());
    }

    /// Generated rooms of a day, and one whose names need escaping.
    fn rooms() -> Vec<Arc<Room>> {
        let generator = Generator::new(7, crate::world::generator::Density::default());
        let (_, skeletons) = generator.page(1_400_000_001, 1_590_000_000, 1_590_086_400, 1_590_050_000, 0, 100);
        let mut rooms: Vec<Arc<Room>> = skeletons.iter().map(|s| generator.room(s)).collect();
        let mut odd = (*rooms[0]).clone();
        odd.room_string = "a\"b\\c\n\u{1}é".to_owned();
        odd.creator = "\t😀".to_owned();
        odd.sessions[0].user_id = "q\"".to_owned();
        odd.sessions[0].client_ip = "\u{1f}".to_owned();
        rooms.push(Arc::new(odd));
        rooms
    }

    #[test]
    fn room_info_writes_serde_json_s_bytes() {
        let rooms = rooms();
        assert!(rooms.len() > 20);
        for (now, take) in [(1_590_050_000, rooms.len()), (1_590_010_000, 3), (0, 0)] {
            let output = DescribeRoomInfoOutput {
                total: 12_345,
                room_list: RoomList { rooms: rooms.iter().rev().take(take).cloned().collect(), now },
            };
            let mut out = Vec::new();
            output.write_json(&mut out);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&output).unwrap());
        }
    }

    #[test]
    fn user_info_writes_serde_json_s_bytes() {
        for room in rooms().into_iter().rev().take(5) {
            for now in [room.create_time, room.create_time + 600, u64::MAX] {
                let output = DescribeUserInfoOutput {
                    total: room.sessions.len() as u64,
                    user_list: UserList {
                        stays: (0..room.sessions.len()).collect(),
                        room: Some(Arc::clone(&room)),
                        now,
                    },
                };
                let mut out = Vec::new();
                output.write_json(&mut out);
                assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&output).unwrap());
            }
        }
        let empty = DescribeUserInfoOutput { total: 0, user_list: UserList::empty(5) };
        let mut out = Vec::new();
        empty.write_json(&mut out);
        assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&empty).unwrap());
    }
}
