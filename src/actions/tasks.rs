//! What the task families share: room ids by `RoomIdType` (whose encoding differs by family),
//! ranges, TaskIds, and how a family names its states.

use serde_json::Value;

use super::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::world::RoomKey;
use crate::world::running::{NewTask, StartRefusal, TaskRefusal, TaskView};
pub use crate::world::tasks::idle_in_progress_exited;
use crate::world::tasks::{Family, State};

/// How a family encodes `RoomIdType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomIdTypes {
    /// 0 string, 1 numeric (recording, moderation, slicing, stream ingest).
    ZeroIsString,
    /// 0 numeric, 1 string (relay, cloud transcription, AI).
    ZeroIsNumeric,
}

/// The room a task names: `room_id` read as `room_id_type` says; `invalid` is the family's code
/// for a room id that is not one.
pub fn room_key(
    room_id: &str,
    room_id_type: u64,
    types: RoomIdTypes,
    missing: &'static str,
    invalid: &'static str,
) -> ApiResult<RoomKey> {
    if room_id.is_empty() {
        return Err(ApiError::business(missing));
    }
    let numeric = match (types, room_id_type) {
        (RoomIdTypes::ZeroIsString, 0) | (RoomIdTypes::ZeroIsNumeric, 1) => false,
        (RoomIdTypes::ZeroIsString, 1) | (RoomIdTypes::ZeroIsNumeric, 0) => true,
        (_, other) => return Err(out_of_range(invalid, "RoomIdType", &other.to_string(), "0 or 1")),
    };
    let checked = if numeric {
        room_id
            .parse::<u64>()
            .map_err(|_| format!("RoomId {room_id:?} is not a number, as RoomIdType {room_id_type} says it is"))
            .and_then(RoomKey::checked_numeric)
    } else {
        RoomKey::checked_string(room_id)
    };
    checked.map_err(|reason| ApiError::business_with(invalid, format!("{reason}."), format!("房间号无效：{reason}。")))
}

/// A value outside what the parameter takes.
pub fn out_of_range(code: &'static str, name: &str, value: &str, allowed: &str) -> ApiError {
    ApiError::business_with(
        code,
        format!("`{name}` is {value}, outside what it takes ({allowed})."),
        format!("参数 {name} 的取值 {value} 超出范围（{allowed}）。"),
    )
}

/// `value` (or `default` when absent) within `low..=high`.
pub fn ranged(code: &'static str, name: &str, value: Option<u64>, default: u64, low: u64, high: u64) -> ApiResult<u64> {
    let v = value.unwrap_or(default);
    if (low..=high).contains(&v) {
        Ok(v)
    } else {
        Err(out_of_range(code, name, &v.to_string(), &format!("{low} to {high}")))
    }
}

/// One of `allowed`.
pub fn one_of(code: &'static str, name: &str, value: u64, allowed: &[u64]) -> ApiResult<u64> {
    if allowed.contains(&value) {
        Ok(value)
    } else {
        let list: Vec<String> = allowed.iter().map(u64::to_string).collect();
        Err(out_of_range(code, name, &value.to_string(), &list.join(", ")))
    }
}

/// A non-empty string member; `missing` when empty.
pub fn required<'a>(value: &'a str, missing: &'static str) -> ApiResult<&'a str> {
    if value.is_empty() { Err(ApiError::business(missing)) } else { Ok(value) }
}

/// The request as the task keeps it (what Describe and the control plane show).
pub fn params<T: serde::Serialize>(input: &T) -> Value {
    serde_json::to_value(input).unwrap_or(Value::Null)
}

/// The error of a start the task store refused; `duplicate` is the family's code for a second
/// task of the same key.
pub fn start_refused(refusal: StartRefusal, duplicate: &'static str) -> ApiError {
    match refusal {
        StartRefusal::Duplicate => ApiError::business(duplicate),
        StartRefusal::Concurrency => ApiError::business("FailedOperation.RestrictedConcurrency"),
    }
}

/// The error of a task the store could not change: `not_found` for unknown, expired or ended
/// tasks, `ended` when the family has its own code for an ended one.
pub fn task_refused(refusal: TaskRefusal, not_found: ApiError, ended: Option<ApiError>) -> ApiError {
    match (refusal, ended) {
        (TaskRefusal::Ended, Some(ended)) => ended,
        _ => not_found,
    }
}

/// The checks of the SdkAppId every task action makes.
pub fn check_app(ctx: &Ctx<'_>, sdk_app_id: u64, invalid: &'static str) -> ApiResult<()> {
    super::rules::app(ctx, sdk_app_id, "MissingParameter.SdkAppId", invalid)
}

/// Verifies a robot's UserSig when the app has an SDK secret key (`--usersig-key`, the apps file
/// or `PUT /_mock/apps/{id}/usersig-key`); without one nothing is checked, as before keys
/// existed. A refusal is `InvalidParameter.UserSig` and the request journal says why.
pub fn check_user_sig(ctx: &Ctx<'_>, sdk_app_id: u64, user_id: &str, user_sig: &str) -> ApiResult<()> {
    let Some(key) = ctx.world.usersig_keys.get(sdk_app_id) else {
        return Ok(());
    };
    crate::pure::usersig::verify(user_sig, &key, sdk_app_id, user_id, ctx.now).map(drop).map_err(|refusal| {
        // The journal says why; the client gets the service's one message.
        let _ = ctx.note.set(format!("UserSig: {}", refusal.reason()));
        ApiError::business("InvalidParameter.UserSig")
    })
}

/// Verifies a robot's `PrivateMapKey`, when one is given and the app has an SDK secret key:
/// it must grant the robot entry to the room and one of the privileges in `any_of` (receiving,
/// for a robot that records or slices; sending, for one that brings a stream in). A refusal is
/// `InvalidParameter` (no code of its own is documented) and the request journal says why.
pub fn check_private_map_key(
    ctx: &Ctx<'_>,
    sdk_app_id: u64,
    user_id: &str,
    room: &RoomKey,
    private_map_key: Option<&str>,
    any_of: u32,
) -> ApiResult<()> {
    let (Some(key), Some(given)) = (ctx.world.usersig_keys.get(sdk_app_id), private_map_key.filter(|k| !k.is_empty()))
    else {
        return Ok(());
    };
    let room = (room.numeric, room.id.as_str());
    crate::pure::usersig::verify_private_map_key(given, &key, sdk_app_id, user_id, room, ctx.now, any_of)
        .map(drop)
        .map_err(|reason| {
            let _ = ctx.note.set(format!("PrivateMapKey: {reason}"));
            ApiError::business_with(
                "InvalidParameter",
                "PrivateMapKey is invalid: expired, or not for this user, room or SdkAppId.",
                "PrivateMapKey 无效：已过期，或与用户、房间、SdkAppId 不匹配。",
            )
        })
}

/// A bucket of cloud storage (recording's `CloudStorage`, slicing's `CloudSliceStorage`,
/// moderation's `CloudModerationStorage`): vendor, region, bucket, keys (never kept with the
/// task) and the path prefix.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CloudStorage {
    pub vendor: u64,
    pub region: String,
    pub bucket: String,
    #[serde(skip_serializing)]
    pub access_key: String,
    #[serde(skip_serializing)]
    pub secret_key: String,
    pub file_name_prefix: Option<Vec<String>>,
}

/// Checks a storage block named `block` whose vendor must be one of `vendors`: the bucket and
/// keys are required, and each `FileNamePrefix` part is `[A-Za-z0-9_-]+`.
pub fn check_cloud_storage(storage: &CloudStorage, block: &str, vendors: &[u64]) -> ApiResult<()> {
    const OUT: &str = "InvalidParameter.OutOfRange";
    one_of(OUT, &format!("{block}.Vendor"), storage.vendor, vendors)?;
    required(&storage.region, "MissingParameter.Region")?;
    required(&storage.bucket, "MissingParameter.Bucket")?;
    required(&storage.access_key, "MissingParameter.AccessKey")?;
    required(&storage.secret_key, "MissingParameter.SecretKey")?;
    if let Some(bad) = storage
        .file_name_prefix
        .iter()
        .flatten()
        .find(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    {
        return Err(out_of_range(OUT, "FileNamePrefix", &format!("{bad:?}"), "[A-Za-z0-9_-]+"));
    }
    Ok(())
}

/// The input of the actions that name a task of an app (Describe, Modify, Delete…).
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskInput {
    pub sdk_app_id: u64,
    pub task_id: String,
}

/// Starts `new` for `sdk_app_id` now, with a TaskId shaped as `action`'s.
pub fn start(ctx: &Ctx<'_>, sdk_app_id: u64, new: NewTask, action: &'static str) -> Result<String, StartRefusal> {
    let now = ctx.now;
    ctx.world.start_task(sdk_app_id, new, now, |hash| super::generated::task_id_of(action, now, hash))
}

/// `ResourceNotFound` for a task of the family `what` names (in English and Chinese).
pub fn task_not_found(task_id: &str, what: (&str, &str)) -> ApiError {
    ApiError::business_with(
        "ResourceNotFound",
        format!("The {} task {task_id} does not exist, has ended, or its TaskId has expired.", what.0),
        format!("{}任务 {task_id} 不存在、已结束或 TaskId 已过期。", what.1),
    )
}

/// A task of `family` the caller may still ask about: its TaskId still answers and it is not
/// gone; otherwise `not_found`.
pub fn answering_task(
    ctx: &Ctx<'_>,
    sdk_app_id: u64,
    task_id: &str,
    family: Family,
    not_found: impl FnOnce() -> ApiError,
) -> ApiResult<TaskView> {
    required(task_id, "MissingParameter.TaskId")?;
    ctx.world
        .task(sdk_app_id, task_id, ctx.now)
        .filter(|v| v.task.family == family && v.answers && v.state(ctx.now) != State::Gone)
        .ok_or_else(not_found)
}
