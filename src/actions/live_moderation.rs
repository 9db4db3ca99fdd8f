//! Live-stream moderation (CN): CreateLiveStreamModeration pulls one external live stream
//! (`Input.Url`, or an Agora channel through `Input.AgoraParam`) and moderates it. It joins no
//! TRTC room: the emulator fetches nothing, so the stream counts as live from the start and the
//! task is InProgress until DeleteLiveStreamModeration or the end of its life,
//! `ResourceExpiredHour` (1–72 h, default 48: "the longest life of one task"). Then Exited for a
//! few seconds, then `ResourceNotFound`. One running task per stream; `DataId` and `SourceInfo`
//! are kept as given (the callbacks would echo them; `/_mock/tasks` shows them).

use serde::{Deserialize, Serialize};

use super::Ctx;
use super::moderation::check_storage;
use super::tasks::CloudStorage;
use super::tasks::{TaskInput, start};
use super::tasks::{answering_task, idle_in_progress_exited, one_of, out_of_range, params, ranged, task_refused};
use crate::error::{ApiError, ApiResult};
use crate::world::model::Services;
use crate::world::running::{NewTask, StartRefusal, TaskView};
use crate::world::tasks::{Family, Idle, Rules, Subscription};

const OUT: &str = "InvalidParameter.OutOfRange";
/// A stream URL is shorter than this many characters.
pub const MAX_URL_CHARS: usize = 2048;
/// Most characters of a `DataId`.
pub const MAX_DATA_ID_CHARS: usize = 60;
/// Seconds a task that ended still answers `Exited`.
const EXIT_GRACE: u64 = 10;

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AgoraParam {
    pub app_id: Option<String>,
    pub channel: Option<String>,
    pub channel_profile: Option<u64>,
    #[serde(skip_serializing)]
    pub token: Option<String>,
    pub uid: Option<u64>,
    pub trusted_user_id_list: Option<Vec<u64>>,
    pub untrusted_user_id_list: Option<Vec<u64>>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Input {
    pub url: Option<String>,
    pub format: Option<String>,
    pub agora_param: Option<AgoraParam>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LiveModerationParams {
    pub moderation_type: Option<u64>,
    pub max_idle_time: Option<u64>,
    pub slice_video: Option<u64>,
    pub slice_audio: Option<u64>,
    pub save_moderation_file: Option<u64>,
    pub callback_all_results: Option<u64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SourceInfo {
    pub room_id: Option<String>,
    pub room_id_type: Option<u64>,
    pub user_id: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LiveModerationStorageParams {
    pub cloud_moderation_storage: Option<CloudStorage>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateLiveStreamModerationInput {
    pub sdk_app_id: u64,
    pub input: Input,
    pub live_moderation_params: LiveModerationParams,
    pub data_id: Option<String>,
    pub source_info: Option<SourceInfo>,
    pub live_moderation_storage_params: Option<LiveModerationStorageParams>,
    pub resource_expired_hour: Option<u64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskIdOutput {
    pub task_id: String,
}

/// The stream a task pulls, as the key no second running task may share: the URL, or the
/// Agora app and channel.
fn stream_key(input: &Input) -> ApiResult<String> {
    if let Some(format) = &input.format
        && format != "rtmp"
    {
        return Err(out_of_range(OUT, "Input.Format", &format!("{format:?}"), "rtmp"));
    }
    match (input.url.as_deref().filter(|u| !u.is_empty()), &input.agora_param) {
        (Some(url), _) => {
            let chars = url.chars().count();
            if chars >= MAX_URL_CHARS {
                return Err(out_of_range(OUT, "Input.Url", &format!("{chars} characters long"), "under 2048"));
            }
            let lower = url.to_ascii_lowercase();
            let host = ["rtmp://", "rtmps://", "http://", "https://"]
                .iter()
                .find_map(|scheme| lower.strip_prefix(scheme))
                .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
            if host.is_none_or(str::is_empty) || url.chars().any(char::is_whitespace) {
                return Err(out_of_range(OUT, "Input.Url", &format!("{url:?}"), "an rtmp(s):// or http(s):// address"));
            }
            Ok(url.to_owned())
        }
        (None, Some(agora)) => {
            let app = agora.app_id.as_deref().unwrap_or_default();
            let channel = agora.channel.as_deref().unwrap_or_default();
            if app.is_empty() || channel.is_empty() {
                return Err(out_of_range(OUT, "Input.AgoraParam", "without AppId or Channel", "both given"));
            }
            ranged(OUT, "AgoraParam.ChannelProfile", agora.channel_profile, 0, 0, 1)?;
            Ok(format!("agora:{app}/{channel}"))
        }
        (None, None) => Err(out_of_range(OUT, "Input", "without Url or AgoraParam", "a stream Url or an AgoraParam")),
    }
}

/// Starts moderating a live stream.
pub fn create_live_stream_moderation(ctx: &Ctx<'_>, input: CreateLiveStreamModerationInput) -> ApiResult<TaskIdOutput> {
    super::tasks::check_app(ctx, input.sdk_app_id, "InvalidParameter.SdkAppId")?;
    let stream = stream_key(&input.input)?;
    let p = &input.live_moderation_params;
    let kind = one_of(OUT, "ModerationType", p.moderation_type.unwrap_or(3), &[1, 2, 3])?;
    ranged(OUT, "MaxIdleTime", p.max_idle_time, 30, 30, 1800)?;
    let slice_video = ranged(OUT, "SliceVideo", p.slice_video, 5, 1, 60)?;
    ranged(OUT, "SliceAudio", p.slice_audio, 15, 5, 60)?;
    ranged(OUT, "SaveModerationFile", p.save_moderation_file, 1, 0, 2)?;
    ranged(OUT, "CallbackAllResults", p.callback_all_results, 0, 0, 1)?;
    if let Some(data_id) = &input.data_id {
        let chars = data_id.chars().count();
        if chars > MAX_DATA_ID_CHARS {
            return Err(out_of_range(OUT, "DataId", &format!("{chars} characters long"), "at most 60 characters"));
        }
    }
    if let Some(source) = &input.source_info {
        ranged(OUT, "SourceInfo.RoomIdType", source.room_id_type, 0, 0, 1)?;
    }
    if let Some(storage) = &input.live_moderation_storage_params {
        check_storage(
            storage.cloud_moderation_storage.as_ref(),
            ApiError::missing_parameter("LiveModerationStorageParams.CloudModerationStorage"),
        )?;
    }
    let hours = ranged(OUT, "ResourceExpiredHour", input.resource_expired_hour, 48, 1, 72)?;
    let (streams, _) = super::moderation::segmenting(kind, slice_video);
    let new = NewTask {
        family: Family::LiveStreamModeration,
        room: None,
        robot: None,
        rules: Rules {
            // The external stream is taken as live all along: nothing here can go idle.
            idle: Idle::Never,
            max_idle: None,
            max_duration: Some(hours * 3600),
            handle_secs: None,
            exit_grace: EXIT_GRACE,
        },
        subscription: Subscription::default(),
        streams,
        params: params(&input),
        dedupe: Some(stream.clone()),
        limit: ctx.world.limits.get(Family::LiveStreamModeration),
        // No TRTC room: it bills nothing the usage actions count.
        services: Services::default(),
    };
    let task_id = start(ctx, input.sdk_app_id, new, "CreateLiveStreamModeration").map_err(|refusal| match refusal {
        StartRefusal::Duplicate => ApiError::business_with(
            "FailedOperation",
            format!("A moderation task is already running for the stream {stream:?}."),
            format!("该直播流 {stream:?} 已有运行中的审核任务。"),
        ),
        StartRefusal::Concurrency => ApiError::business("FailedOperation.RestrictedConcurrency"),
    })?;
    Ok(TaskIdOutput { task_id })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeLiveStreamModerationOutput {
    pub task_id: String,
    pub status: &'static str,
}

fn not_found(task_id: &str) -> ApiError {
    ApiError::business_with(
        "ResourceNotFound",
        format!("The live stream moderation task {task_id} does not exist or has ended."),
        format!("直播流审核任务 {task_id} 不存在或已结束。"),
    )
}

/// A live moderation task the caller may still ask about. Neither action lists an SdkAppId
/// code: 0 is a missing parameter, another account's app unauthorized.
fn answering(ctx: &Ctx<'_>, sdk_app_id: u64, task_id: &str) -> ApiResult<TaskView> {
    super::rules::app(ctx, sdk_app_id, "MissingParameter", "AuthFailure.UnauthorizedOperation")?;
    answering_task(ctx, sdk_app_id, task_id, Family::LiveStreamModeration, || not_found(task_id))
}

pub fn describe_live_stream_moderation(
    ctx: &Ctx<'_>,
    input: TaskInput,
) -> ApiResult<DescribeLiveStreamModerationOutput> {
    let view = answering(ctx, input.sdk_app_id, &input.task_id)?;
    Ok(DescribeLiveStreamModerationOutput {
        task_id: input.task_id,
        status: idle_in_progress_exited(view.state(ctx.now)),
    })
}

/// Stops a live moderation task now; one that already ended (still `Exited`) is
/// `ResourceNotFound.ResourceNotFound`.
pub fn delete_live_stream_moderation(ctx: &Ctx<'_>, input: TaskInput) -> ApiResult<TaskIdOutput> {
    answering(ctx, input.sdk_app_id, &input.task_id)?;
    ctx.world
        .stop_task(input.sdk_app_id, &input.task_id, ctx.now)
        .map_err(|r| task_refused(r, not_found(&input.task_id), Some(ended(&input.task_id))))?;
    Ok(TaskIdOutput { task_id: input.task_id })
}

/// The code of a Delete of a task that has already ended.
pub fn ended(task_id: &str) -> ApiError {
    ApiError::business_with(
        "ResourceNotFound.ResourceNotFound",
        format!("The moderation task {task_id} has already ended."),
        format!("审核任务 {task_id} 已结束。"),
    )
}
