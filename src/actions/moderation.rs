//! Cloud moderation: CreateCloudModeration sends a moderation robot into the room; it cuts the
//! audio (`SliceAudio` s) and grabs video frames (every `SliceVideo` s) of the anchors it
//! subscribes to and hands them to the moderation supplier. The task is Idle until a stream it
//! takes is published, InProgress while one is, and ends on DeleteCloudModeration, `MaxIdleTime`
//! after nothing it takes is published, when the room is dismissed or its robot removed.
//! Describe, Modify and Delete answer while it runs (Exited for a few seconds as it ends) and
//! within `ResourceExpiredHour` of its start; then `ResourceNotFound`.
//!
//! The family shares its error codes with cloud slicing (`MissingParameter.SliceStorageParams`
//! is the code of a storage block without its storage).

use serde::{Deserialize, Serialize};

use super::Ctx;
use super::recording::SubscribeStreamUserIds;
use super::tasks::{CloudStorage, TaskInput, check_cloud_storage, start};
use super::tasks::{
    RoomIdTypes, answering_task, check_app, idle_in_progress_exited, one_of, out_of_range, params, ranged, required,
    room_key, start_refused, task_not_found, task_refused,
};
use crate::error::{ApiError, ApiResult};
use crate::world::live::Streams;
use crate::world::model::{Segmenting, Services};
use crate::world::running::{NewTask, TaskView};
use crate::world::tasks::{Family, Idle, Robot, Rules, Subscription};

const OUT: &str = "InvalidParameter.OutOfRange";
/// Most anchors one task subscribes to (the moderation guide: 25, audio-only anchors included).
pub const MAX_SUBSCRIBED: usize = 25;
/// Most users in one unsubscribe list (as for every `SubscribeStreamUserIds`).
const MAX_UNSUBSCRIBED: usize = 32;
/// Seconds a task that ended still answers `Exited`.
const EXIT_GRACE: u64 = 10;

/// The subscription a task's lists make: at most 25 anchors subscribed per kind, 32 left out.
fn subscription(lists: &SubscribeStreamUserIds) -> ApiResult<Subscription> {
    for (name, list, max) in [
        ("SubscribeAudioUserIds", &lists.subscribe_audio_user_ids, MAX_SUBSCRIBED),
        ("UnSubscribeAudioUserIds", &lists.un_subscribe_audio_user_ids, MAX_UNSUBSCRIBED),
        ("SubscribeVideoUserIds", &lists.subscribe_video_user_ids, MAX_SUBSCRIBED),
        ("UnSubscribeVideoUserIds", &lists.un_subscribe_video_user_ids, MAX_UNSUBSCRIBED),
    ] {
        let list = list.as_deref().unwrap_or_default();
        if list.len() > max {
            return Err(out_of_range(OUT, name, &format!("{} users", list.len()), &format!("at most {max}")));
        }
        if list.iter().any(String::is_empty) {
            return Err(out_of_range(OUT, name, "an empty user id", "user ids or `prefix.*$` patterns"));
        }
    }
    Ok(Subscription {
        audio_allow: lists.subscribe_audio_user_ids.clone(),
        audio_deny: lists.un_subscribe_audio_user_ids.clone().unwrap_or_default(),
        video_allow: lists.subscribe_video_user_ids.clone(),
        video_deny: lists.un_subscribe_video_user_ids.clone().unwrap_or_default(),
    })
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModerationSupplierParam {
    #[serde(rename = "AppID")]
    pub app_id: Option<String>,
    #[serde(skip_serializing)]
    pub secret_id: Option<String>,
    #[serde(skip_serializing)]
    pub secret_key: Option<String>,
    pub audio_biz_type: Option<String>,
    pub image_biz_type: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModerationParams {
    pub moderation_type: Option<u64>,
    pub max_idle_time: Option<u64>,
    pub slice_audio: Option<u64>,
    pub slice_video: Option<u64>,
    pub moderation_supplier: Option<String>,
    pub moderation_supplier_param: Option<ModerationSupplierParam>,
    pub save_moderation_file: Option<u64>,
    pub callback_all_results: Option<u64>,
    pub subscribe_stream_user_ids: Option<SubscribeStreamUserIds>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModerationStorageParams {
    pub cloud_moderation_storage: Option<CloudStorage>,
}

/// A storage block: COS (0), AWS S3 (1) or Aliyun OSS (2), with its bucket and keys; `missing`
/// is the code of a block without its storage.
pub fn check_storage(storage: Option<&CloudStorage>, missing: ApiError) -> ApiResult<()> {
    let Some(cos) = storage else { return Err(missing) };
    check_cloud_storage(cos, "CloudModerationStorage", &[0, 1, 2])
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateCloudModerationInput {
    pub sdk_app_id: u64,
    pub room_id: String,
    pub user_id: String,
    #[serde(skip_serializing)]
    pub user_sig: String,
    pub moderation_params: ModerationParams,
    pub moderation_storage_params: Option<ModerationStorageParams>,
    pub room_id_type: Option<u64>,
    pub resource_expired_hour: Option<u64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskIdOutput {
    pub task_id: String,
}

/// What a ModerationType takes: audio slices (1), video frames (2) or both (3).
pub fn segmenting(moderation_type: u64, slice_video: u64) -> (Streams, Segmenting) {
    let audio = moderation_type != 2;
    let video = moderation_type != 1;
    let interval = u32::try_from(slice_video).unwrap_or(u32::MAX);
    (Streams { audio, video, sub_stream: video }, Segmenting { audio, picture_interval: video.then_some(interval) })
}

/// Starts moderating a room.
pub fn create_cloud_moderation(ctx: &Ctx<'_>, input: CreateCloudModerationInput) -> ApiResult<TaskIdOutput> {
    check_app(ctx, input.sdk_app_id, "InvalidParameter.SdkAppId")?;
    let key = room_key(
        &input.room_id,
        input.room_id_type.unwrap_or(1),
        RoomIdTypes::ZeroIsString,
        "MissingParameter.RoomId",
        OUT,
    )?;
    required(&input.user_id, "MissingParameter.UserId")?;
    required(&input.user_sig, "MissingParameter.UserSig")?;
    super::tasks::check_user_sig(ctx, input.sdk_app_id, &input.user_id, &input.user_sig)?;
    let p = &input.moderation_params;
    let kind = one_of(OUT, "ModerationType", p.moderation_type.unwrap_or(1), &[1, 2, 3])?;
    let max_idle = ranged(OUT, "MaxIdleTime", p.max_idle_time, 30, 5, 1800)?;
    ranged(OUT, "SliceAudio", p.slice_audio, 15, 15, 60)?;
    let slice_video = ranged(OUT, "SliceVideo", p.slice_video, 5, 1, 60)?;
    ranged(OUT, "SaveModerationFile", p.save_moderation_file, 0, 0, 2)?;
    ranged(OUT, "CallbackAllResults", p.callback_all_results, 0, 0, 1)?;
    if let Some(supplier) = &p.moderation_supplier
        && supplier.is_empty()
    {
        return Err(out_of_range(OUT, "ModerationSupplier", "\"\"", "a supplier, e.g. trtc"));
    }
    let subscription =
        subscription(p.subscribe_stream_user_ids.as_ref().unwrap_or(&SubscribeStreamUserIds::default()))?;
    if let Some(storage) = &input.moderation_storage_params {
        check_storage(
            storage.cloud_moderation_storage.as_ref(),
            ApiError::business_with(
                "MissingParameter.SliceStorageParams",
                "`ModerationStorageParams` needs `CloudModerationStorage`.",
                "ModerationStorageParams 缺少 CloudModerationStorage。",
            ),
        )?;
    }
    let hours = ranged(OUT, "ResourceExpiredHour", input.resource_expired_hour, 24, 6, 72)?;
    let (streams, segments) = segmenting(kind, slice_video);
    let new = NewTask {
        family: Family::CloudModeration,
        room: Some(key),
        robot: Some(Robot::listener(input.user_id.clone())),
        rules: Rules {
            // "No user (anchor) publishing in the room for MaxIdleTime": what the task takes.
            idle: Idle::NothingPublished,
            max_idle: Some(max_idle),
            max_duration: None,
            handle_secs: Some(hours * 3600),
            exit_grace: EXIT_GRACE,
        },
        subscription,
        streams,
        params: params(&input),
        dedupe: None,
        limit: ctx.world.limits.get(Family::CloudModeration),
        services: Services { moderation: Some(segments), ..Services::default() },
    };
    let task_id =
        start(ctx, input.sdk_app_id, new, "CreateCloudModeration").map_err(|r| start_refused(r, "FailedOperation"))?;
    Ok(TaskIdOutput { task_id })
}

// ---- Describe, Modify, Delete -----------------------------------------------------------------

/// The four lists, each `[]` when not given.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct SubscribeModerationUserIds {
    pub subscribe_audio_user_ids: Vec<String>,
    pub un_subscribe_audio_user_ids: Vec<String>,
    pub subscribe_video_user_ids: Vec<String>,
    pub un_subscribe_video_user_ids: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeCloudModerationOutput {
    pub task_id: String,
    pub status: &'static str,
    pub subscribe_stream_user_ids: SubscribeModerationUserIds,
}

fn not_found(task_id: &str) -> ApiError {
    task_not_found(task_id, ("moderation", "审核"))
}

/// A task the caller may still ask about; `foreign` is the action's code for an SdkAppId the
/// account may not use.
fn answering(ctx: &Ctx<'_>, sdk_app_id: u64, task_id: &str, foreign: &'static str) -> ApiResult<TaskView> {
    check_app(ctx, sdk_app_id, foreign)?;
    answering_task(ctx, sdk_app_id, task_id, Family::CloudModeration, || not_found(task_id))
}

pub fn describe_cloud_moderation(ctx: &Ctx<'_>, input: TaskInput) -> ApiResult<DescribeCloudModerationOutput> {
    let view = answering(ctx, input.sdk_app_id, &input.task_id, "InvalidParameter.SdkAppId")?;
    Ok(DescribeCloudModerationOutput {
        task_id: input.task_id,
        status: idle_in_progress_exited(view.state(ctx.now)),
        subscribe_stream_user_ids: listed(view.task.subscription_at(ctx.now)),
    })
}

fn listed(lists: &Subscription) -> SubscribeModerationUserIds {
    SubscribeModerationUserIds {
        subscribe_audio_user_ids: lists.audio_allow.clone().unwrap_or_default(),
        un_subscribe_audio_user_ids: lists.audio_deny.clone(),
        subscribe_video_user_ids: lists.video_allow.clone().unwrap_or_default(),
        un_subscribe_video_user_ids: lists.video_deny.clone(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModifyCloudModerationInput {
    pub sdk_app_id: u64,
    pub task_id: String,
    pub subscribe_stream_user_ids: Option<SubscribeStreamUserIds>,
}

/// Replaces the subscription lists in full (a list left out is cleared), from now on.
pub fn modify_cloud_moderation(ctx: &Ctx<'_>, input: ModifyCloudModerationInput) -> ApiResult<TaskIdOutput> {
    // Modify's list has no `InvalidParameter.SdkAppId`: a foreign app is unauthorized.
    answering(ctx, input.sdk_app_id, &input.task_id, "AuthFailure.UnauthorizedOperation")?;
    let subscription = subscription(&input.subscribe_stream_user_ids.unwrap_or_default())?;
    // Every list written out, so that the parameters in force show the replacement too.
    let shown = params(&listed(&subscription));
    let now = ctx.now;
    ctx.world
        .update_task(input.sdk_app_id, &input.task_id, now, |task, _| {
            task.subscriptions.push((now, subscription));
            task.params.push((now, serde_json::json!({"ModerationParams": {"SubscribeStreamUserIds": shown}})));
            true
        })
        .map_err(|r| task_refused(r, not_found(&input.task_id), None))?;
    Ok(TaskIdOutput { task_id: input.task_id })
}

/// Stops a moderation task now (its robot leaves the room); one that already ended (still
/// `Exited`) is `ResourceNotFound.ResourceNotFound`.
pub fn delete_cloud_moderation(ctx: &Ctx<'_>, input: TaskInput) -> ApiResult<TaskIdOutput> {
    answering(ctx, input.sdk_app_id, &input.task_id, "InvalidParameter.SdkAppId")?;
    ctx.world
        .stop_task(input.sdk_app_id, &input.task_id, ctx.now)
        .map_err(|r| task_refused(r, not_found(&input.task_id), Some(super::live_moderation::ended(&input.task_id))))?;
    Ok(TaskIdOutput { task_id: input.task_id })
}
