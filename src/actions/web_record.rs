//! Web record: StartWebRecord records a web page (it joins no TRTC room) into cloud storage
//! until StopWebRecord or `MaxDurationLimit` seconds after its start. A `RecordId` names the
//! recording: a second start with the RecordId of a running one is `FailedOperation.TaskExist`.
//! DescribeWebRecord finds a running recording by TaskId or by SdkAppId and RecordId and
//! answers `Status` 1 (recording); a recording that ended, or never was, is
//! `FailedOperation.TaskNotExist`. Stop and Describe by TaskId name no SdkAppId: the TaskId
//! is looked up among the apps the caller may use.

use serde::{Deserialize, Serialize};

use super::Ctx;
use super::generated::task_id_of;
use super::recording::StorageParams;
use super::tasks::{out_of_range, params};
use crate::error::{ApiError, ApiResult};
use crate::world::live::Streams;
use crate::world::model::Services;
use crate::world::running::{NewTask, StartRefusal, TaskView};
use crate::world::tasks::{Family, Idle, Rules, State, Subscription};

const VALUE: &str = "InvalidParameterValue";
/// The TaskId's length: 126 characters of `[A-Za-z0-9+-]` and `..`.
const TASK_ID_LEN: usize = 128;
/// Longest RecordId: fewer than 32 bytes.
const MAX_RECORD_ID: usize = 31;
const MAX_CDN_URLS: usize = 10;

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WebRecordVideoParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_media_file_duration: Option<i64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublishCdnParam {
    pub publish_cdn_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_tencent_cdn: Option<u64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EmulateMobileParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_device_type: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screen_orientation: Option<u64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StartWebRecordInput {
    pub record_url: String,
    pub storage_params: StorageParams,
    pub sdk_app_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_duration_limit: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_record_video_params: Option<WebRecordVideoParams>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publish_cdn_params: Option<Vec<PublishCdnParam>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready_timeout: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emulate_mobile_params: Option<EmulateMobileParams>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskIdOutput {
    pub task_id: String,
}

fn invalid(name: &str, value: &str, allowed: &str) -> ApiError {
    out_of_range(VALUE, name, value, allowed)
}

fn within(name: &str, value: Option<u64>, low: u64, high: u64) -> ApiResult<()> {
    match value {
        Some(v) if !(low..=high).contains(&v) => Err(invalid(name, &v.to_string(), &format!("{low} to {high}"))),
        _ => Ok(()),
    }
}

fn missing(name: &str) -> ApiError {
    ApiError::business_with("MissingParameter", format!("`{name}` is missing."), format!("缺少参数 {name}。"))
}

/// A URL of one of `schemes` with a host, without white space.
fn url_ok(url: &str, schemes: &[&str]) -> bool {
    url.split_once("://").is_some_and(|(scheme, rest)| {
        schemes.contains(&scheme.to_ascii_lowercase().as_str())
            && rest.split(['/', '?', '#']).next().is_some_and(|host| !host.is_empty())
    }) && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Tencent storage only: COS (vendor 0) or VOD, one of them.
fn check_storage(storage: &StorageParams) -> ApiResult<()> {
    match (&storage.cloud_storage, &storage.cloud_vod) {
        (None, None) => Err(missing("StorageParams.CloudStorage")),
        (Some(_), Some(_)) => Err(ApiError::business_with(
            VALUE,
            "`StorageParams` takes either `CloudStorage` or `CloudVod`, not both.",
            "StorageParams 中 CloudStorage 与 CloudVod 只能选一个。",
        )),
        (Some(cos), None) => {
            if cos.vendor != 0 {
                return Err(invalid(
                    "CloudStorage.Vendor",
                    &cos.vendor.to_string(),
                    "0 (Tencent Cloud COS; web recording stores in no third-party storage)",
                ));
            }
            for (name, value) in [
                ("CloudStorage.Region", &cos.region),
                ("CloudStorage.Bucket", &cos.bucket),
                ("CloudStorage.AccessKey", &cos.access_key),
                ("CloudStorage.SecretKey", &cos.secret_key),
            ] {
                if value.is_empty() {
                    return Err(missing(name));
                }
            }
            if let Some(bad) = cos
                .file_name_prefix
                .iter()
                .flatten()
                .find(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
            {
                return Err(invalid("CloudStorage.FileNamePrefix", &format!("{bad:?}"), "[A-Za-z0-9_-]+"));
            }
            Ok(())
        }
        (None, Some(_)) => Ok(()),
    }
}

fn check_start(ctx: &Ctx<'_>, input: &StartWebRecordInput) -> ApiResult<u64> {
    let app = u64::try_from(input.sdk_app_id).ok().filter(|a| *a > 0 && ctx.account.allows(*a)).ok_or_else(|| {
        ApiError::business_with(
            "FailedOperation.SdkAppIdNotUnderAppId",
            format!("No resource belonging to SdkAppId {} under this account.", input.sdk_app_id),
            format!("当前账号下没有 SdkAppId {} 的资源。", input.sdk_app_id),
        )
    })?;
    if input.record_url.is_empty() {
        return Err(missing("RecordUrl"));
    }
    if !url_ok(&input.record_url, &["http", "https"]) {
        return Err(invalid("RecordUrl", &format!("{:?}", input.record_url), "an http or https URL"));
    }
    check_storage(&input.storage_params)?;
    within("MaxDurationLimit", input.max_duration_limit, 1800, 86_400)?;
    if let Some(v) = &input.web_record_video_params {
        within("WebRecordVideoParams.Width", v.width, 0, 1920)?;
        within("WebRecordVideoParams.Height", v.height, 0, 1080)?;
        if let Some(format) = v.format.as_deref().filter(|f| !["hls", "mp4"].contains(f)) {
            return Err(invalid("WebRecordVideoParams.Format", &format!("{format:?}"), "hls, mp4"));
        }
        if let Some(minutes) = v.max_media_file_duration.filter(|m| !(1..=1440).contains(m)) {
            return Err(invalid("WebRecordVideoParams.MaxMediaFileDuration", &minutes.to_string(), "1 to 1440"));
        }
    }
    if let Some(id) = input.record_id.as_deref().filter(|id| id.len() > MAX_RECORD_ID) {
        return Err(invalid("RecordId", &format!("{} bytes", id.len()), "fewer than 32 bytes"));
    }
    if let Some(cdn) = &input.publish_cdn_params {
        if cdn.len() > MAX_CDN_URLS {
            return Err(invalid("PublishCdnParams", &format!("{} addresses", cdn.len()), "at most 10"));
        }
        for p in cdn {
            if !url_ok(&p.publish_cdn_url, &["rtmp"]) {
                return Err(invalid("PublishCdnUrl", &format!("{:?}", p.publish_cdn_url), "an rtmp:// URL"));
            }
            within("IsTencentCdn", p.is_tencent_cdn, 0, 1)?;
        }
    }
    within("ReadyTimeout", input.ready_timeout, 0, 60)?;
    if let Some(m) = &input.emulate_mobile_params {
        within("MobileDeviceType", m.mobile_device_type, 0, 1)?;
        within("ScreenOrientation", m.screen_orientation, 0, 1)?;
    }
    Ok(app)
}

/// The running recording of `app` named `record_id`.
fn by_record_id(ctx: &Ctx<'_>, app: u64, record_id: &str) -> Option<TaskView> {
    ctx.world
        .tasks(app, Some(Family::WebRecord), ctx.now)
        .into_iter()
        .find(|v| v.running() && v.task.dedupe.as_deref() == Some(record_id))
}

/// Starts recording a web page.
pub fn start_web_record(ctx: &Ctx<'_>, input: StartWebRecordInput) -> ApiResult<TaskIdOutput> {
    let app = check_start(ctx, &input)?;
    let record_id = input.record_id.clone().filter(|id| !id.is_empty());
    let new = NewTask {
        family: Family::WebRecord,
        room: None,
        robot: None,
        rules: Rules {
            idle: Idle::Never,
            max_idle: None,
            max_duration: Some(input.max_duration_limit.unwrap_or(86_400)),
            handle_secs: None,
            exit_grace: 0,
        },
        subscription: Subscription::default(),
        streams: Streams::NONE,
        params: params(&input),
        dedupe: record_id.clone(),
        limit: ctx.world.limits.get(Family::WebRecord),
        services: Services::default(),
    };
    let now = ctx.now;
    let task_id =
        ctx.world.start_task(app, new, now, |hash| task_id_of("StartWebRecord", now, hash)).map_err(|refusal| {
            match refusal {
                StartRefusal::Duplicate => {
                    let rid = record_id.as_deref().unwrap_or_default();
                    let running = by_record_id(ctx, app, rid).map(|v| v.task.id).unwrap_or_default();
                    ApiError::business_with(
                        "FailedOperation.TaskExist",
                        format!(
                            "Task already exists: the recording with RecordId {rid:?} is running as TaskId {running}."
                        ),
                        format!("任务已存在：RecordId 为 {rid} 的录制正在进行，TaskId 为 {running}。"),
                    )
                }
                StartRefusal::Concurrency => ApiError::business_with(
                    "ResourceInsufficient.RequestRejection",
                    format!(
                        "Insufficient resources: SdkAppId {app} runs the {} web recordings it may at once.",
                        ctx.world.limits.get(Family::WebRecord)
                    ),
                    format!("资源不足：SdkAppId {app} 的并发页面录制已达上限。"),
                ),
            }
        })?;
    Ok(TaskIdOutput { task_id })
}

// ---- Describe, Stop ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeWebRecordInput {
    pub task_id: Option<String>,
    pub sdk_app_id: Option<i64>,
    pub record_id: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeWebRecordOutput {
    pub status: i64,
    pub task_id: String,
    pub record_id: String,
}

fn well_formed(id: &str) -> bool {
    id.len() == TASK_ID_LEN
        && id.ends_with("..")
        && id[..TASK_ID_LEN - 2].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-')
}

fn bad_task_id(id: &str) -> ApiError {
    ApiError::business_with(
        "InvalidParameter.TaskId",
        format!("TaskId parameter error: {id:?} is not a web recording TaskId."),
        format!("TaskId 参数错误：{id:?} 不是页面录制任务的 TaskId。"),
    )
}

fn not_exist(what: &str) -> ApiError {
    ApiError::business_with(
        "FailedOperation.TaskNotExist",
        format!("The run does not exist or is stopped: no web recording {what} is running."),
        format!("任务不存在或已结束：页面录制 {what} 未在进行。"),
    )
}

/// The running recording `task_id` of an app the caller may use (`app`, when named).
fn by_task_id(ctx: &Ctx<'_>, task_id: &str, app: Option<u64>) -> ApiResult<(u64, TaskView)> {
    if task_id.is_empty() || !well_formed(task_id) {
        return Err(bad_task_id(task_id));
    }
    ctx.world
        .find_task(task_id, ctx.now, |a| ctx.account.allows(a) && app.is_none_or(|named| named == a))
        .filter(|(_, v)| v.task.family == Family::WebRecord && v.running() && v.state(ctx.now) != State::Gone)
        .ok_or_else(|| not_exist(task_id))
}

pub fn describe_web_record(ctx: &Ctx<'_>, input: DescribeWebRecordInput) -> ApiResult<DescribeWebRecordOutput> {
    let app = input.sdk_app_id.filter(|a| *a != 0);
    let view = match (input.task_id.as_deref().filter(|t| !t.is_empty()), input.record_id.as_deref()) {
        (Some(task_id), _) => {
            // A named SdkAppId that is no app (negative) matches no recording.
            let named = app.map(|a| u64::try_from(a).unwrap_or(0));
            by_task_id(ctx, task_id, named)?.1
        }
        (None, Some(record_id)) if !record_id.is_empty() => {
            let Some(app) = app else {
                return Err(ApiError::business_with(
                    "InvalidParameter.TaskId",
                    "TaskId parameter error: a lookup by `RecordId` needs the `SdkAppId` it was started with.",
                    "TaskId 参数错误：按 RecordId 查询时需要传入发起录制时的 SdkAppId。",
                ));
            };
            u64::try_from(app)
                .ok()
                .filter(|a| ctx.account.allows(*a))
                .and_then(|a| by_record_id(ctx, a, record_id))
                .ok_or_else(|| not_exist(&format!("with RecordId {record_id:?}")))?
        }
        _ => {
            return Err(ApiError::business_with(
                "InvalidParameter.TaskId",
                "TaskId parameter error: give the `TaskId`, or the `SdkAppId` and `RecordId`, of the recording.",
                "TaskId 参数错误：请传入录制任务的 TaskId，或 SdkAppId 与 RecordId。",
            ));
        }
    };
    Ok(DescribeWebRecordOutput {
        status: 1,
        task_id: view.task.id.clone(),
        record_id: view.task.dedupe.clone().unwrap_or_default(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StopWebRecordInput {
    pub task_id: String,
}

#[derive(Debug, Serialize)]
pub struct Empty {}

/// Stops a recording (its files go on uploading).
pub fn stop_web_record(ctx: &Ctx<'_>, input: StopWebRecordInput) -> ApiResult<Empty> {
    let (app, _) = by_task_id(ctx, &input.task_id, None)?;
    ctx.world.stop_task(app, &input.task_id, ctx.now).map_err(|_| not_exist(&input.task_id))?;
    Ok(Empty {})
}
