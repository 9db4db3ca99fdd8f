//! What the AI families (conversation and transcription bots) share: their TaskIds
//! (`v2_YYYYMMDD_…`), the Idle / Preparing / InProgress / Stopped states, the JSON-string configs,
//! and finding a bot by TaskId (among the apps the caller may use: Stop, Update and Control name
//! no SdkAppId) or by SdkAppId and SessionId.

use serde_json::{Map, Value};

use super::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::pure::civil;
use crate::pure::hash::fnv1a;
use crate::world::conversation::{PREPARING_SECS, first_working};
use crate::world::running::TaskView;
use crate::world::tasks::{Family, State};

/// Seconds a bot that ended shows as Stopped (cleaning up) before it is gone.
pub const EXIT_GRACE: u64 = 5;
/// Default MaxIdleTime of both bots.
pub const DEFAULT_MAX_IDLE: u64 = 60;

/// Whether `id` has the shape of an AI TaskId: `v2_`, a date `YYYYMMDD`, `_`, then letters,
/// digits and underscores.
pub fn well_formed(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("v2_") else { return false };
    let (day, tail) = rest.split_at_checked(8).unwrap_or(("", ""));
    id.len() <= 128
        && day.bytes().all(|b| b.is_ascii_digit())
        && day.len() == 8
        && tail
            .strip_prefix('_')
            .is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

pub fn bad_task_id(id: &str) -> ApiError {
    ApiError::business_with(
        "InvalidParameter.TaskId",
        format!("TaskId parameter error: {id:?} is not a TaskId of this service."),
        format!("TaskId 参数错误：{id:?} 不是本服务的 TaskId。"),
    )
}

pub fn not_exist(what: &str) -> ApiError {
    ApiError::business_with(
        "FailedOperation.TaskNotExist",
        format!("The run does not exist or is stopped: task {what} does not exist or has ended."),
        format!("任务不存在或已结束：任务 {what} 不存在或已结束。"),
    )
}

/// The Status the AI families answer: Idle until someone the bot listens to is in the room,
/// Preparing for [`PREPARING_SECS`], then InProgress until it ends (whoever comes and goes),
/// Stopped while it cleans up.
pub fn status(view: &TaskView, now: u64) -> &'static str {
    match view.state(now) {
        State::Exiting | State::Gone => "Stopped",
        _ => match first_working(view) {
            None => "Idle",
            Some(t) if now < t.saturating_add(PREPARING_SECS) => "Preparing",
            Some(_) => "InProgress",
        },
    }
}

/// `StartTime`: the start in UTC+8 with microseconds, as the examples show
/// (`2025-04-24 16:15:48.076648`); the fraction is the TaskId's, so it is stable.
pub fn start_time(view: &TaskView) -> String {
    let micros = fnv1a(&view.task.id) % 1_000_000;
    format!("{}.{micros:06}", civil::local_datetime(i64::try_from(view.task.created_at).unwrap_or(i64::MAX)))
}

/// A running (or cleaning-up) bot of `family` by TaskId, among the apps the caller may use
/// (`app`, when named): malformed ids are `InvalidParameter.TaskId` (`malformed`, for the
/// actions that have that code), unknown and ended ones `FailedOperation.TaskNotExist`.
pub fn by_task_id(
    ctx: &Ctx<'_>,
    family: Family,
    task_id: &str,
    app: Option<u64>,
    malformed: bool,
) -> ApiResult<(u64, TaskView)> {
    if !well_formed(task_id) {
        return Err(if malformed { bad_task_id(task_id) } else { not_exist(&format!("{task_id:?}")) });
    }
    ctx.world
        .find_task(task_id, ctx.now, |a| ctx.account.allows(a) && app.is_none_or(|named| named == a))
        .filter(|(_, v)| v.task.family == family && v.state(ctx.now) != State::Gone)
        .ok_or_else(|| not_exist(task_id))
}

/// The latest bot of `family` of `app` started with `session_id`, unless gone.
pub fn by_session_id(ctx: &Ctx<'_>, family: Family, app: u64, session_id: &str) -> ApiResult<TaskView> {
    if !ctx.account.allows(app) {
        return Err(not_exist(&format!("with SessionId {session_id:?} of SdkAppId {app}")));
    }
    ctx.world
        .tasks(app, Some(family), ctx.now)
        .into_iter()
        .rev()
        .find(|v| v.task.params.first().is_some_and(|(_, p)| p["SessionId"].as_str() == Some(session_id)))
        .filter(|v| v.state(ctx.now) != State::Gone)
        .ok_or_else(|| not_exist(&format!("with SessionId {session_id:?}")))
}

/// A parameter the service needs that is absent or empty.
pub fn missing(name: &str) -> ApiError {
    ApiError::business_with(
        "MissingParameter",
        format!("Missing parameter: `{name}` is required."),
        format!("缺少参数：{name} 为必填项。"),
    )
}

/// A parameter whose value the service does not take.
pub fn invalid(name: &str, why: &str) -> ApiError {
    ApiError::business_with(
        "InvalidParameter",
        format!("Parameter error: `{name}` {why}."),
        format!("参数错误：{name} 取值无效（{why}）。"),
    )
}

/// `value` within `low..=high` when given.
pub fn within(name: &str, value: Option<u64>, low: u64, high: u64) -> ApiResult<()> {
    match value {
        Some(v) if !(low..=high).contains(&v) => Err(invalid(name, &format!("is {v}, outside {low} to {high}"))),
        _ => Ok(()),
    }
}

/// A config passed as a JSON string (`LLMConfig`, `TTSConfig`): a JSON object whose `required`
/// members are non-empty strings.
pub fn json_config(name: &str, text: &str, required: &[&str]) -> ApiResult<Map<String, Value>> {
    if text.trim().is_empty() {
        return Err(missing(name));
    }
    let Ok(Value::Object(config)) = serde_json::from_str::<Value>(text) else {
        return Err(invalid(name, "is not a JSON object in a string"));
    };
    for member in required {
        match config.get(*member) {
            None | Some(Value::Null) => return Err(missing(&format!("{name}.{member}"))),
            Some(Value::String(s)) if s.is_empty() => return Err(missing(&format!("{name}.{member}"))),
            Some(Value::String(_)) => {}
            Some(_) => return Err(invalid(&format!("{name}.{member}"), "is not a string")),
        }
    }
    Ok(config)
}

/// A number member of a config within `low..=high` when present.
pub fn config_number(config: &Map<String, Value>, name: &str, member: &str, low: f64, high: f64) -> ApiResult<()> {
    match config.get(member) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Number(n)) if n.as_f64().is_some_and(|v| (low..=high).contains(&v)) => Ok(()),
        Some(other) => Err(invalid(&format!("{name}.{member}"), &format!("is {other}, outside {low} to {high}"))),
    }
}

/// The voiceprint part of a bot's config, checked for its shape (Mode 0 or 1, one id when 1);
/// the start checks that the id is registered.
pub fn check_voice_print(mode: Option<u64>, ids: Option<&[String]>) -> ApiResult<()> {
    match mode.unwrap_or(0) {
        0 => Ok(()),
        1 => match ids {
            Some([id]) if !id.is_empty() => Ok(()),
            Some(list) if list.len() > 1 => Err(invalid("VoicePrint.IdList", "holds more than the one id supported")),
            _ => Err(missing("VoicePrint.IdList")),
        },
        other => Err(invalid("VoicePrint.Mode", &format!("is {other}, not 0 or 1"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_ids_of_the_ai_families() {
        assert!(well_formed("v2_20250424_n3cHsk5k_x"));
        assert!(!well_formed("v2_2025042_n3cHsk5k"));
        assert!(!well_formed("v2_20250424_"));
        assert!(!well_formed("v2_20250424_a-b"));
        assert!(!well_formed("-abc."));
    }

    #[test]
    fn json_configs() {
        let ok = json_config("LLMConfig", r#"{"LLMType":"openai","Model":"m"}"#, &["LLMType", "Model"]);
        assert!(ok.is_ok());
        assert_eq!(json_config("LLMConfig", "{", &[]).unwrap_err().code(), "InvalidParameter");
        assert_eq!(json_config("LLMConfig", "[1]", &[]).unwrap_err().code(), "InvalidParameter");
        assert_eq!(json_config("LLMConfig", r#"{"Model":""}"#, &["Model"]).unwrap_err().code(), "MissingParameter");
        assert_eq!(json_config("LLMConfig", "", &["Model"]).unwrap_err().code(), "MissingParameter");
    }
}
