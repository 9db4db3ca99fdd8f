//! Call-quality monitoring: the history of rooms (calls) and of the users in them.
//!
//! Rules shared by the family: times are Unix seconds on the virtual clock; StartTime must be
//! before EndTime and at most 14 days back; each action has its own longest window and paging
//! default, and when either PageNumber or PageSize is omitted the first page of the default
//! size is returned.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::world::{Room, Session, parse_comm_id};

/// How far back monitoring data can be queried.
pub const LOOK_BACK_SECS: u64 = 14 * 86_400;
pub const MAX_PAGE_SIZE: u64 = 100;
pub const MAX_USER_IDS: usize = 100;

/// Checks the SdkAppId against the calling account.
fn check_app(ctx: &Ctx<'_>, sdk_app_id: u64) -> ApiResult<()> {
    if sdk_app_id == 0 {
        return Err(ApiError::business("MissingParameter.SdkAppId"));
    }
    if !ctx.account.allows(sdk_app_id) {
        return Err(ApiError::business("InvalidParameter.SdkAppId"));
    }
    Ok(())
}

/// Checks a query window against the family's rules.
fn check_window(ctx: &Ctx<'_>, start: u64, end: u64, max_secs: u64) -> ApiResult<()> {
    if start == 0 {
        return Err(ApiError::business("MissingParameter.StartTs"));
    }
    if end == 0 {
        return Err(ApiError::business("MissingParameter.EndTs"));
    }
    if start >= end {
        return Err(ApiError::business_with(
            "InvalidParameter.StartTs",
            "Invalid `StartTs`: StartTime must be earlier than EndTime.",
            "StartTs 参数错误：StartTime 必须早于 EndTime。",
        ));
    }
    if end - start > max_secs {
        return Err(ApiError::business("InvalidParameter.QueryScaleOversize"));
    }
    if start < ctx.now.saturating_sub(LOOK_BACK_SECS) {
        return Err(ApiError::business("InvalidParameter.StartTimeOversize"));
    }
    Ok(())
}

/// Resolves (PageNumber, PageSize): both given, or the first page of `default_size`.
fn page(number: Option<u64>, size: Option<u64>, default_size: u64) -> ApiResult<(u64, u64)> {
    match size {
        Some(0) => return Err(ApiError::business("InvalidParameter.PageSize")),
        Some(s) if s > MAX_PAGE_SIZE => return Err(ApiError::business("InvalidParameter.PageSizeOversize")),
        _ => {}
    }
    Ok(match (number, size) {
        (Some(n), Some(s)) => (n, s),
        _ => (0, default_size),
    })
}

fn slice<T>(items: Vec<T>, (number, size): (u64, u64)) -> Vec<T> {
    let skip = usize::try_from(number.saturating_mul(size)).unwrap_or(usize::MAX);
    let take = usize::try_from(size).unwrap_or(usize::MAX);
    items.into_iter().skip(skip).take(take).collect()
}

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
    pub total: i64,
    pub room_list: Vec<RoomState>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoomState {
    pub comm_id: String,
    pub room_string: String,
    pub create_time: u64,
    pub destroy_time: u64,
    pub is_finished: bool,
    pub user_id: String,
}

impl RoomState {
    fn of(room: &Room, now: u64) -> Self {
        Self {
            comm_id: room.comm_id.clone(),
            room_string: room.room_string.clone(),
            create_time: room.create_time,
            // An open room shows the time it was last seen, that is now.
            destroy_time: room.end_or(now),
            is_finished: room.is_finished(now),
            user_id: room.creator.clone(),
        }
    }
}

/// Rooms of an app active in a window of up to 24 hours; 10 per page by default.
pub fn describe_room_info(ctx: &Ctx<'_>, input: DescribeRoomInfoInput) -> ApiResult<DescribeRoomInfoOutput> {
    check_app(ctx, input.sdk_app_id)?;
    check_window(ctx, input.start_time, input.end_time, 24 * 3600)?;
    let paging = page(input.page_number, input.page_size, 10)?;
    let mut rooms = ctx.world.rooms(input.sdk_app_id, input.start_time, input.end_time, ctx.now);
    if let Some(room_id) = input.room_id.as_deref().filter(|r| !r.is_empty()) {
        rooms.retain(|r| r.room_string == room_id);
    }
    Ok(DescribeRoomInfoOutput {
        total: i64::try_from(rooms.len()).unwrap_or(i64::MAX),
        room_list: slice(rooms, paging).iter().map(|r| RoomState::of(r, ctx.now)).collect(),
    })
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
    pub user_list: Vec<UserInformation>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserInformation {
    pub room_str: String,
    pub user_id: String,
    pub join_ts: u64,
    pub leave_ts: u64,
    pub device_type: String,
    pub sdk_version: String,
    pub client_ip: String,
    pub finished: bool,
}

impl UserInformation {
    fn of(room: &Room, session: &Session, now: u64) -> Self {
        Self {
            room_str: room.room_string.clone(),
            user_id: session.user_id.clone(),
            join_ts: session.join_ts,
            // A user still in the room shows the current time.
            leave_ts: room.leave_or(session, now),
            device_type: session.device_type.clone(),
            sdk_version: session.sdk_version.clone(),
            client_ip: session.client_ip.clone(),
            finished: room.session_finished(session, now),
        }
    }
}

/// Checks a CommId and that it belongs to the SdkAppId of the request.
fn check_comm_id(comm_id: &str, sdk_app_id: u64) -> ApiResult<()> {
    if comm_id.is_empty() {
        return Err(ApiError::business("MissingParameter.CommId"));
    }
    let Some((app, _, _)) = parse_comm_id(comm_id) else {
        return Err(ApiError::invalid_parameter_value("CommId", comm_id));
    };
    if app != sdk_app_id {
        return Err(ApiError::business_with(
            "InvalidParameter.SdkAppId",
            format!("`SdkAppId` is incorrect: CommId {comm_id} belongs to SdkAppId {app}."),
            format!("SdkAppId 参数错误：CommId {comm_id} 属于 SdkAppId {app}。"),
        ));
    }
    Ok(())
}

/// The users of one call in a window of up to 4 hours; 6 per page by default.
pub fn describe_user_info(ctx: &Ctx<'_>, input: DescribeUserInfoInput) -> ApiResult<DescribeUserInfoOutput> {
    check_app(ctx, input.sdk_app_id)?;
    check_comm_id(&input.comm_id, input.sdk_app_id)?;
    check_window(ctx, input.start_time, input.end_time, 4 * 3600)?;
    if let Some(ids) = &input.user_ids
        && (ids.is_empty() || ids.len() > MAX_USER_IDS)
    {
        return Err(ApiError::business_with(
            "InvalidParameterValue",
            format!("The length of parameter `UserIds` must be between 1 and {MAX_USER_IDS}, got {}.", ids.len()),
            format!("参数取值错误：`UserIds` 的长度应在 1 到 {MAX_USER_IDS} 之间，实际为 {}。", ids.len()),
        ));
    }
    let paging = page(input.page_number, input.page_size, 6)?;
    let Some(room) = ctx.world.call(input.sdk_app_id, &input.comm_id, ctx.now) else {
        return Ok(DescribeUserInfoOutput { total: 0, user_list: Vec::new() });
    };
    let wanted: Option<HashSet<&str>> = input.user_ids.as_ref().map(|ids| ids.iter().map(String::as_str).collect());
    let sessions: Vec<&Session> = room
        .sessions_at(ctx.now)
        .filter(|s| room.session_overlaps(s, input.start_time, input.end_time, ctx.now))
        .filter(|s| wanted.as_ref().is_none_or(|w| w.contains(s.user_id.as_str())))
        .collect();
    Ok(DescribeUserInfoOutput {
        total: sessions.len() as u64,
        user_list: slice(sessions, paging).into_iter().map(|s| UserInformation::of(&room, s, ctx.now)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_defaults_apply_when_either_half_is_missing() {
        assert_eq!(page(None, None, 6), Ok((0, 6)));
        assert_eq!(page(Some(3), None, 6), Ok((0, 6)));
        assert_eq!(page(None, Some(50), 10), Ok((0, 10)));
        assert_eq!(page(Some(2), Some(50), 10), Ok((2, 50)));
        assert_eq!(page(Some(0), Some(0), 6).unwrap_err().code(), "InvalidParameter.PageSize");
        assert_eq!(page(Some(0), Some(101), 6).unwrap_err().code(), "InvalidParameter.PageSizeOversize");
        assert_eq!(page(Some(0), Some(100), 6), Ok((0, 100)));
    }

    #[test]
    fn slicing_past_the_end_is_empty() {
        assert_eq!(slice(vec![1, 2, 3], (1, 2)), vec![3]);
        assert!(slice(vec![1, 2, 3], (u64::MAX, u64::MAX)).is_empty());
    }
}
