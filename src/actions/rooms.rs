//! Room control: dismiss a room, remove users, block what a user sends — on the rooms in use at
//! the virtual now (generated rooms in progress, fixture rooms, rooms made at run time). What
//! they do becomes history: a removed user's stay ends, a dismissed room's lifetime ends.
//!
//! Numeric rooms (`RoomId` uint64) and string rooms (`RoomId` / `StrRoomId` string) are
//! separate namespaces, as on TRTC.

use serde::{Deserialize, Serialize};

use super::Ctx;
use super::rules;
use crate::error::{ApiError, ApiResult};
use crate::world::live::{Mute, Refusal};
use crate::world::model::ExitReason;
use crate::world::{Change, RoomKey};

/// At most this many users per RemoveUser call.
pub const MAX_REMOVED: usize = 10;

#[derive(Debug, Serialize)]
pub struct Empty {}

fn check_app(ctx: &Ctx<'_>, sdk_app_id: u64) -> ApiResult<()> {
    rules::app(ctx, sdk_app_id, "MissingParameter.SdkAppId", "UnauthorizedOperation.SdkAppId")
}

/// A numeric room id: 0 is missing, beyond 4294967295 is not a room.
fn numeric_room(id: u64) -> ApiResult<RoomKey> {
    if id == 0 {
        return Err(ApiError::business("MissingParameter.RoomId"));
    }
    RoomKey::checked_numeric(id).map_err(|reason| {
        ApiError::business_with("InvalidParameterValue.RoomId", format!("{reason}."), format!("房间号无效：{reason}。"))
    })
}

/// A string room id; `invalid` is the action's code for one TRTC does not allow.
fn string_room(id: &str, invalid: &'static str) -> ApiResult<RoomKey> {
    if id.is_empty() {
        return Err(ApiError::business("MissingParameter.RoomId"));
    }
    RoomKey::checked_string(id)
        .map_err(|reason| ApiError::business_with(invalid, format!("{reason}."), format!("房间号无效：{reason}。")))
}

fn room_not_exist(key: &RoomKey) -> ApiError {
    ApiError::business_with(
        "FailedOperation.RoomNotExist",
        format!("The room {} does not exist (nobody is in it).", key.id),
        format!("房间 {} 不存在（房间内没有用户）。", key.id),
    )
}

fn change(ctx: &Ctx<'_>, sdk_app_id: u64, key: &RoomKey, change: Change) -> ApiResult<Empty> {
    match ctx.world.change(sdk_app_id, key, change, ctx.now) {
        Ok(()) => Ok(Empty {}),
        Err(Refusal::RoomNotExist) => Err(room_not_exist(key)),
        Err(Refusal::UserNotExist) => Err(ApiError::business_with(
            "FailedOperation.UserNotExist",
            format!("The user is not in room {}.", key.id),
            format!("用户不在房间 {} 中。", key.id),
        )),
    }
}

// ---- DismissRoom, DismissRoomByStrRoomId -----------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DismissRoomInput {
    pub sdk_app_id: u64,
    pub room_id: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DismissRoomByStrRoomIdInput {
    pub sdk_app_id: u64,
    pub room_id: String,
}

/// Everyone in the room leaves now and the room ends.
pub fn dismiss_room(ctx: &Ctx<'_>, input: DismissRoomInput) -> ApiResult<Empty> {
    check_app(ctx, input.sdk_app_id)?;
    let key = numeric_room(input.room_id)?;
    change(ctx, input.sdk_app_id, &key, Change::Dismiss)
}

pub fn dismiss_room_by_str_room_id(ctx: &Ctx<'_>, input: DismissRoomByStrRoomIdInput) -> ApiResult<Empty> {
    check_app(ctx, input.sdk_app_id)?;
    let key = string_room(&input.room_id, "InvalidParameterValue.RoomId")?;
    change(ctx, input.sdk_app_id, &key, Change::Dismiss)
}

// ---- RemoveUser, RemoveUserByStrRoomId -------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RemoveUserInput {
    pub sdk_app_id: u64,
    pub room_id: u64,
    pub user_ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RemoveUserByStrRoomIdInput {
    pub sdk_app_id: u64,
    pub room_id: String,
    pub user_ids: Vec<String>,
}

fn check_user_ids(ids: &[String]) -> ApiResult<()> {
    if ids.is_empty() {
        return Err(ApiError::business("MissingParameter.UserIds"));
    }
    if ids.len() > MAX_REMOVED {
        return Err(ApiError::business_with(
            "InvalidParameter.UserIds",
            format!("At most {MAX_REMOVED} users can be removed at once, got {}.", ids.len()),
            format!("一次最多移出 {MAX_REMOVED} 个用户，实际为 {}。", ids.len()),
        ));
    }
    if let Some(bad) = ids.iter().find(|id| id.is_empty() || id.len() > 32) {
        return Err(ApiError::business_with(
            "InvalidParameter.UserIds",
            format!("`UserIds` holds {bad:?}, which is not a user id (1 to 32 bytes)."),
            format!("UserIds 中的 {bad:?} 不是有效的用户 ID（1 到 32 字节）。"),
        ));
    }
    Ok(())
}

/// The users in the room leave now (those who are not in it are ignored); the room must be in use.
fn remove(ctx: &Ctx<'_>, sdk_app_id: u64, key: &RoomKey, user_ids: &[String]) -> ApiResult<Empty> {
    let room = ctx.world.room_in_use(sdk_app_id, key, ctx.now).ok_or_else(|| room_not_exist(key))?;
    for user_id in user_ids {
        let present = room.sessions_at(ctx.now).any(|s| &s.user_id == user_id && room.leave_at(s, ctx.now).is_none());
        if present {
            let leave = Change::Leave { user_id: user_id.clone(), reason: ExitReason::Kicked };
            change(ctx, sdk_app_id, key, leave)?;
        }
    }
    Ok(Empty {})
}

pub fn remove_user(ctx: &Ctx<'_>, input: RemoveUserInput) -> ApiResult<Empty> {
    check_app(ctx, input.sdk_app_id)?;
    let key = numeric_room(input.room_id)?;
    check_user_ids(&input.user_ids)?;
    remove(ctx, input.sdk_app_id, &key, &input.user_ids)
}

pub fn remove_user_by_str_room_id(ctx: &Ctx<'_>, input: RemoveUserByStrRoomIdInput) -> ApiResult<Empty> {
    check_app(ctx, input.sdk_app_id)?;
    let key = string_room(&input.room_id, "InvalidParameterValue.RoomId")?;
    check_user_ids(&input.user_ids)?;
    remove(ctx, input.sdk_app_id, &key, &input.user_ids)
}

// ---- SetUserBlocked, SetUserBlockedByStrRoomId -----------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SetUserBlockedInput {
    pub sdk_app_id: u64,
    pub room_id: u64,
    pub user_id: String,
    pub is_mute: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SetUserBlockedByStrRoomIdInput {
    pub sdk_app_id: u64,
    pub str_room_id: String,
    pub user_id: String,
    pub is_mute: u64,
}

fn block(ctx: &Ctx<'_>, sdk_app_id: u64, key: &RoomKey, user_id: &str, is_mute: u64) -> ApiResult<Empty> {
    if user_id.is_empty() || user_id.len() > 32 {
        return Err(ApiError::business_with(
            "InvalidParameter.UserId",
            format!("`UserId` {user_id:?} is not a user id (1 to 32 bytes)."),
            format!("UserId {user_id:?} 不是有效的用户 ID（1 到 32 字节）。"),
        ));
    }
    let mute = Mute::from_is_mute(is_mute).ok_or_else(|| {
        ApiError::business_with(
            "InvalidParameter",
            format!("`IsMute` must be 0 (allow), 1 (block audio and video), 2 (audio) or 3 (video), got {is_mute}."),
            format!("IsMute 取值应为 0、1、2 或 3，实际为 {is_mute}。"),
        )
    })?;
    change(ctx, sdk_app_id, key, Change::Block { user_id: user_id.to_owned(), mute })
}

/// Blocks or allows again what a user in the room sends (the user stays in the room).
pub fn set_user_blocked(ctx: &Ctx<'_>, input: SetUserBlockedInput) -> ApiResult<Empty> {
    check_app(ctx, input.sdk_app_id)?;
    let key = numeric_room(input.room_id)?;
    block(ctx, input.sdk_app_id, &key, &input.user_id, input.is_mute)
}

pub fn set_user_blocked_by_str_room_id(ctx: &Ctx<'_>, input: SetUserBlockedByStrRoomIdInput) -> ApiResult<Empty> {
    check_app(ctx, input.sdk_app_id)?;
    if input.user_id.is_empty() {
        return Err(ApiError::business("MissingParameter.UserId"));
    }
    let key = string_room(&input.str_room_id, "InvalidParameter.RoomId")?;
    block(ctx, input.sdk_app_id, &key, &input.user_id, input.is_mute)
}
