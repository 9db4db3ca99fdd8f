//! Cloud slicing: CreateCloudSliceTask sends a slicer robot into the room, which cuts every
//! published audio stream it takes into `SliceAudio`-second ogg files and takes a picture of
//! every video stream it takes each `SliceVideo` seconds. Like cloud recording, the task is Idle
//! until a stream it takes arrives, InProgress while one does, and ends on DeleteCloudSliceTask,
//! MaxIdleTime after the last anchor left, when the room is dismissed or its robot removed;
//! Describe, Modify and Delete answer while it runs (Exited for a few seconds as it ends) and
//! within ResourceExpiredHour of its start, then `ResourceNotFound`.
//!
//! DescribeCloudSliceTask answers only TaskId and Status; the files slicing made so far are on
//! the control plane (`GET /_mock/tasks`), named as the API documents them under
//! `FileNamePrefix`: `{taskId}/{userId}/audios/{sdkappid}_{roomId}_{userid}_{UTC}.ogg` and
//! `{taskId}/{userId}/images/{sdkappid}_{roomId}_{userid}_{UTC}.png` (`.jpg` for
//! SliceImageType 1), the UTC time of the slice's start as `YYYYMMDDhhmmss`.

use serde::{Deserialize, Serialize};

use super::Ctx;
use super::recording::{SubscribeStreamUserIds, TaskIdOutput};
use super::tasks::{CloudStorage, TaskInput, check_cloud_storage, start};
use super::tasks::{
    RoomIdTypes, answering_task, check_app, idle_in_progress_exited, one_of, params, ranged, required, room_key,
    start_refused, task_not_found, task_refused,
};
use crate::error::{ApiError, ApiResult};
use crate::pure::usersig::privilege;
use crate::world::live::Streams;
use crate::world::model::{Segmenting, Services};
use crate::world::running::{NewTask, TaskView};
use crate::world::tasks::{Family, Idle, Robot, Rules};

const OUT: &str = "InvalidParameter.OutOfRange";
/// Seconds a task that ended still answers `Exited`.
const EXIT_GRACE: u64 = 10;

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SliceParams {
    pub slice_type: Option<u64>,
    pub max_idle_time: Option<u64>,
    pub slice_audio: Option<u64>,
    pub slice_video: Option<u64>,
    pub subscribe_stream_user_ids: Option<SubscribeStreamUserIds>,
    pub slice_image_type: Option<u64>,
    pub slice_callback_url: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SliceStorageParams {
    pub cloud_slice_storage: Option<CloudStorage>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateCloudSliceTaskInput {
    pub sdk_app_id: u64,
    pub room_id: String,
    pub user_id: String,
    #[serde(skip_serializing)]
    pub user_sig: String,
    pub slice_params: SliceParams,
    pub slice_storage_params: SliceStorageParams,
    pub room_id_type: Option<u64>,
    pub resource_expired_hour: Option<u64>,
    #[serde(skip_serializing)]
    pub private_map_key: Option<String>,
}

fn check_storage(storage: &SliceStorageParams) -> ApiResult<()> {
    let Some(s) = &storage.cloud_slice_storage else {
        return Err(ApiError::business("MissingParameter.SliceStorageParams"));
    };
    check_cloud_storage(s, "CloudSliceStorage", &[0, 1, 2])
}

/// Starts slicing a room.
pub fn create_cloud_slice_task(ctx: &Ctx<'_>, input: CreateCloudSliceTaskInput) -> ApiResult<TaskIdOutput> {
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
    let receive = privilege::RECEIVE_AUDIO | privilege::RECEIVE_VIDEO;
    let pmk = input.private_map_key.as_deref();
    super::tasks::check_private_map_key(ctx, input.sdk_app_id, &input.user_id, &key, pmk, receive)?;
    let p = &input.slice_params;
    let slice_type = p.slice_type.ok_or_else(|| ApiError::business("MissingParameter.SliceType"))?;
    one_of(OUT, "SliceType", slice_type, &[1, 2, 3])?;
    let max_idle = ranged(OUT, "MaxIdleTime", p.max_idle_time, 30, 5, 86_400)?;
    let audio = ranged(OUT, "SliceAudio", p.slice_audio, 15, 15, 60)?;
    let video = ranged(OUT, "SliceVideo", p.slice_video, 5, 5, 60)?;
    ranged(OUT, "SliceImageType", p.slice_image_type, 0, 0, 1)?;
    let subscription = p.subscribe_stream_user_ids.as_ref().map(|s| s.check()).transpose()?.unwrap_or_default();
    check_storage(&input.slice_storage_params)?;
    let hours = ranged(OUT, "ResourceExpiredHour", input.resource_expired_hour, 72, 6, 720)?;
    let (slices_audio, slices_video) = (slice_type != 2, slice_type != 1);
    let mut params = params(&input);
    // Keep the ranges' defaults with the task, so that the files follow them.
    params["SliceParams"]["SliceAudio"] = audio.into();
    params["SliceParams"]["SliceVideo"] = video.into();
    let new = NewTask {
        family: Family::CloudSlice,
        room: Some(key),
        robot: Some(Robot::listener(input.user_id.clone())),
        rules: Rules {
            idle: Idle::NoAnchor,
            max_idle: Some(max_idle),
            max_duration: None,
            handle_secs: Some(hours * 3600),
            exit_grace: EXIT_GRACE,
        },
        subscription,
        streams: Streams { audio: slices_audio, video: slices_video, sub_stream: slices_video },
        params,
        dedupe: None,
        limit: ctx.world.limits.get(Family::CloudSlice),
        services: Services {
            slicing: Some(Segmenting {
                audio: slices_audio,
                picture_interval: slices_video.then(|| u32::try_from(video).unwrap_or(5)),
            }),
            ..Services::default()
        },
    };
    let task_id =
        start(ctx, input.sdk_app_id, new, "CreateCloudSliceTask").map_err(|r| start_refused(r, "FailedOperation"))?;
    Ok(TaskIdOutput { task_id })
}

// ---- Describe, Modify, Delete -----------------------------------------------------------------

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeCloudSliceTaskOutput {
    pub task_id: String,
    pub status: &'static str,
}

fn not_found(task_id: &str) -> ApiError {
    task_not_found(task_id, ("slicing", "切片"))
}

/// A task the caller may still ask about; `foreign` is the action's code for an SdkAppId the
/// account may not use.
fn answering(ctx: &Ctx<'_>, sdk_app_id: u64, task_id: &str, foreign: &'static str) -> ApiResult<TaskView> {
    check_app(ctx, sdk_app_id, foreign)?;
    answering_task(ctx, sdk_app_id, task_id, Family::CloudSlice, || not_found(task_id))
}

pub fn describe_cloud_slice_task(ctx: &Ctx<'_>, input: TaskInput) -> ApiResult<DescribeCloudSliceTaskOutput> {
    let view = answering(ctx, input.sdk_app_id, &input.task_id, "InvalidParameter.SdkAppId")?;
    Ok(DescribeCloudSliceTaskOutput { task_id: input.task_id, status: idle_in_progress_exited(view.state(ctx.now)) })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModifyCloudSliceTaskInput {
    pub sdk_app_id: u64,
    pub task_id: String,
    pub subscribe_stream_user_ids: Option<SubscribeStreamUserIds>,
}

/// Replaces the subscription lists in full.
pub fn modify_cloud_slice_task(ctx: &Ctx<'_>, input: ModifyCloudSliceTaskInput) -> ApiResult<TaskIdOutput> {
    answering(ctx, input.sdk_app_id, &input.task_id, "AuthFailure.UnauthorizedOperation")?;
    let subscription = input.subscribe_stream_user_ids.as_ref().map(|s| s.check()).transpose()?;
    let now = ctx.now;
    ctx.world
        .update_task(input.sdk_app_id, &input.task_id, now, |task, _| {
            if let Some(subscription) = subscription {
                task.subscriptions.push((now, subscription));
            }
            true
        })
        .map_err(|r| task_refused(r, not_found(&input.task_id), None))?;
    Ok(TaskIdOutput { task_id: input.task_id })
}

/// Stops slicing now.
pub fn delete_cloud_slice_task(ctx: &Ctx<'_>, input: TaskInput) -> ApiResult<TaskIdOutput> {
    answering(ctx, input.sdk_app_id, &input.task_id, "InvalidParameter.SdkAppId")?;
    ctx.world
        .stop_task(input.sdk_app_id, &input.task_id, ctx.now)
        .map_err(|r| task_refused(r, not_found(&input.task_id), None))?;
    Ok(TaskIdOutput { task_id: input.task_id })
}
