//! Cloud recording: CreateCloudRecording sends a recorder robot into the room; the task is Idle
//! until an anchor's stream it takes arrives, InProgress while one does, and ends on
//! DeleteCloudRecording, MaxIdleTime after the last anchor left, when the room is dismissed or
//! its robot removed. Describe, Modify and Delete answer while it runs (Exited for a few seconds
//! as it ends) and within ResourceExpiredHour of its start; then `ResourceNotFound`.
//!
//! DescribeCloudRecording lists the index files (m3u8) recorded so far, named as TRTC names them
//! in cloud storage: single-stream `<SdkAppId>_<RoomId>__UserId_s_<UserId>__UserId_e_<main|aux>_<audio|video>.m3u8`
//! (string room ids and user ids in base64 with `/`→`-`, `=`→`.`), mixed `<SdkAppId>_<RoomId>.m3u8`;
//! nothing for VOD storage, whose files arrive by callback.

use serde::{Deserialize, Serialize};

use super::Ctx;
use super::tasks::{CloudStorage, check_cloud_storage, start};
use super::tasks::{
    RoomIdTypes, answering_task, check_app, check_private_map_key, check_user_sig, idle_in_progress_exited, one_of,
    params, ranged, required, room_key, start_refused, task_not_found, task_refused,
};
use crate::error::{ApiError, ApiResult};
use crate::pure::usersig::privilege;
use crate::world::live::Streams;
use crate::world::model::{Resolution, Services};
use crate::world::running::{NewTask, TaskView};
use crate::world::task_files::{self, Storage};
use crate::world::tasks::{Family, Idle, Robot, Rules, Subscription};

const OUT: &str = "InvalidParameter.OutOfRange";
/// Most users in one subscribe or unsubscribe list.
const MAX_LISTED_USERS: usize = 32;
/// Seconds a recording that ended still answers `Exited`.
const EXIT_GRACE: u64 = 10;

#[derive(Debug, Deserialize, Serialize, Default, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct SubscribeStreamUserIds {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscribe_audio_user_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub un_subscribe_audio_user_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscribe_video_user_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub un_subscribe_video_user_ids: Option<Vec<String>>,
}

impl SubscribeStreamUserIds {
    pub fn check(&self) -> ApiResult<Subscription> {
        for (name, list) in [
            ("SubscribeAudioUserIds", &self.subscribe_audio_user_ids),
            ("UnSubscribeAudioUserIds", &self.un_subscribe_audio_user_ids),
            ("SubscribeVideoUserIds", &self.subscribe_video_user_ids),
            ("UnSubscribeVideoUserIds", &self.un_subscribe_video_user_ids),
        ] {
            if let Some(list) = list
                && list.len() > MAX_LISTED_USERS
            {
                return Err(super::tasks::out_of_range(OUT, name, &format!("{} users", list.len()), "at most 32"));
            }
        }
        Ok(Subscription {
            audio_allow: self.subscribe_audio_user_ids.clone(),
            audio_deny: self.un_subscribe_audio_user_ids.clone().unwrap_or_default(),
            video_allow: self.subscribe_video_user_ids.clone(),
            video_deny: self.un_subscribe_video_user_ids.clone().unwrap_or_default(),
        })
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecordParams {
    pub record_mode: u64,
    pub max_idle_time: Option<u64>,
    pub stream_type: Option<u64>,
    pub subscribe_stream_user_ids: Option<SubscribeStreamUserIds>,
    pub output_format: Option<u64>,
    pub av_merge: Option<u64>,
    pub max_media_file_duration: Option<u64>,
    pub media_id: Option<u64>,
    pub fill_type: Option<u64>,
    pub subscribe_ability: Option<u64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StorageParams {
    pub cloud_storage: Option<CloudStorage>,
    pub cloud_vod: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VideoParams {
    pub width: u64,
    pub height: u64,
    pub fps: u64,
    pub bit_rate: u64,
    pub gop: u64,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AudioParams {
    pub sample_rate: u64,
    pub channel: u64,
    pub bit_rate: u64,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MixTranscodeParams {
    pub video_params: Option<VideoParams>,
    pub audio_params: Option<AudioParams>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateCloudRecordingInput {
    pub sdk_app_id: u64,
    pub room_id: String,
    pub user_id: String,
    #[serde(skip_serializing)]
    pub user_sig: String,
    pub record_params: RecordParams,
    pub storage_params: StorageParams,
    pub room_id_type: Option<u64>,
    pub mix_transcode_params: Option<MixTranscodeParams>,
    pub mix_layout_params: Option<serde_json::Value>,
    pub resource_expired_hour: Option<u64>,
    #[serde(skip_serializing)]
    pub private_map_key: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskIdOutput {
    pub task_id: String,
}

fn check_storage(storage: &StorageParams) -> ApiResult<()> {
    match (&storage.cloud_storage, &storage.cloud_vod) {
        (None, None) => Err(ApiError::business("MissingParameter.CloudStorage")),
        (Some(_), Some(_)) => Err(ApiError::business_with(
            OUT,
            "`StorageParams` takes either `CloudStorage` or `CloudVod`, not both.",
            "StorageParams 中 CloudStorage 与 CloudVod 只能选一个。",
        )),
        (Some(cos), None) => check_cloud_storage(cos, "CloudStorage", &[0, 1]),
        (None, Some(_)) => Ok(()),
    }
}

fn check_mix(mix: &MixTranscodeParams) -> ApiResult<()> {
    if let Some(v) = &mix.video_params {
        ranged(OUT, "VideoParams.Width", Some(v.width), 360, 1, 1920)?;
        ranged(OUT, "VideoParams.Height", Some(v.height), 640, 1, 1920)?;
        if v.width * v.height > 1920 * 1080 {
            return Err(super::tasks::out_of_range(
                OUT,
                "VideoParams",
                &format!("{}x{}", v.width, v.height),
                "at most 1920x1080 pixels",
            ));
        }
        ranged(OUT, "VideoParams.Fps", Some(v.fps), 15, 1, 60)?;
        ranged(OUT, "VideoParams.BitRate", Some(v.bit_rate), 550_000, 64_000, 8_192_000)?;
        ranged(OUT, "VideoParams.Gop", Some(v.gop), 10, 1, 60)?;
    }
    if let Some(a) = &mix.audio_params {
        one_of(OUT, "AudioParams.SampleRate", a.sample_rate, &[1, 2, 3])?;
        one_of(OUT, "AudioParams.Channel", a.channel, &[1, 2])?;
        ranged(OUT, "AudioParams.BitRate", Some(a.bit_rate), 64_000, 32_000, 128_000)?;
    }
    Ok(())
}

/// Starts recording a room.
pub fn create_cloud_recording(ctx: &Ctx<'_>, input: CreateCloudRecordingInput) -> ApiResult<TaskIdOutput> {
    check_app(ctx, input.sdk_app_id, "InvalidParameter.SdkAppId")?;
    check_user_sig(ctx, input.sdk_app_id, &input.user_id, &input.user_sig)?;
    let key = room_key(
        &input.room_id,
        input.room_id_type.unwrap_or(1),
        RoomIdTypes::ZeroIsString,
        "MissingParameter.RoomId",
        OUT,
    )?;
    required(&input.user_id, "MissingParameter.UserId")?;
    required(&input.user_sig, "MissingParameter.UserSig")?;
    let receive = privilege::RECEIVE_AUDIO | privilege::RECEIVE_VIDEO;
    check_private_map_key(ctx, input.sdk_app_id, &input.user_id, &key, input.private_map_key.as_deref(), receive)?;
    let p = &input.record_params;
    one_of(OUT, "RecordMode", p.record_mode, &[1, 2])?;
    let max_idle = ranged(OUT, "MaxIdleTime", p.max_idle_time, 30, 5, 86_400)?;
    let stream_type = ranged(OUT, "StreamType", p.stream_type, 0, 0, 2)?;
    ranged(OUT, "OutputFormat", p.output_format, 0, 0, 4)?;
    ranged(OUT, "AvMerge", p.av_merge, 0, 0, 1)?;
    ranged(OUT, "MaxMediaFileDuration", p.max_media_file_duration, 1440, 1, 1440)?;
    let media = ranged(OUT, "MediaId", p.media_id, 0, 0, 2)?;
    ranged(OUT, "FillType", p.fill_type, 0, 0, 1)?;
    ranged(OUT, "SubscribeAbility", p.subscribe_ability, 0, 0, 1)?;
    let subscription = p.subscribe_stream_user_ids.clone().unwrap_or_default().check()?;
    check_storage(&input.storage_params)?;
    if let Some(mix) = &input.mix_transcode_params {
        check_mix(mix)?;
    }
    let hours = ranged(OUT, "ResourceExpiredHour", input.resource_expired_hour, 72, 6, 720)?;
    let streams = Streams {
        audio: stream_type != 2,
        video: stream_type != 1 && media != 2,
        sub_stream: stream_type != 1 && media != 1,
    };
    let new = NewTask {
        family: Family::CloudRecording,
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
        streams,
        params: params(&input),
        dedupe: None,
        limit: ctx.world.limits.get(Family::CloudRecording),
        services: if p.record_mode == 1 {
            Services { single_recording: true, ..Services::default() }
        } else {
            let video = input.mix_transcode_params.as_ref().and_then(|m| m.video_params.as_ref());
            let output = video.map_or(Resolution::new(360, 640), |v| {
                Resolution::new(u32::try_from(v.width).unwrap_or(360), u32::try_from(v.height).unwrap_or(640))
            });
            Services { mixed_recording: Some(output), ..Services::default() }
        },
    };
    let task_id =
        start(ctx, input.sdk_app_id, new, "CreateCloudRecording").map_err(|r| start_refused(r, "FailedOperation"))?;
    Ok(TaskIdOutput { task_id })
}

// ---- Describe ---------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskInput {
    pub sdk_app_id: u64,
    pub task_id: String,
    pub recorder_key: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeCloudRecordingOutput {
    pub task_id: String,
    pub status: &'static str,
    pub storage_file_list: Vec<StorageFile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorder_key: Option<String>,
}

#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct StorageFile {
    pub user_id: String,
    pub file_name: String,
    pub track_type: &'static str,
    pub begin_time_stamp: u64,
}

fn not_found(task_id: &str) -> ApiError {
    task_not_found(task_id, ("recording", "录制"))
}

/// A task the caller may still ask about; `foreign` is the action's code for an SdkAppId the
/// account may not use.
fn answering(ctx: &Ctx<'_>, sdk_app_id: u64, task_id: &str, foreign: &'static str) -> ApiResult<TaskView> {
    check_app(ctx, sdk_app_id, foreign)?;
    answering_task(ctx, sdk_app_id, task_id, Family::CloudRecording, || not_found(task_id))
}

pub fn describe_cloud_recording(ctx: &Ctx<'_>, input: TaskInput) -> ApiResult<DescribeCloudRecordingOutput> {
    let view = answering(ctx, input.sdk_app_id, &input.task_id, "InvalidParameter.SdkAppId")?;
    Ok(DescribeCloudRecordingOutput {
        task_id: input.task_id,
        status: idle_in_progress_exited(view.state(ctx.now)),
        storage_file_list: files(&view, ctx.now),
        recorder_key: input.recorder_key,
    })
}

/// The index files a recording has made by `now` in cloud storage (none for VOD, whose files
/// arrive by callback).
pub fn files(view: &TaskView, now: u64) -> Vec<StorageFile> {
    if task_files::recording_storage(view, now) == Storage::Vod {
        return Vec::new();
    }
    task_files::recording_files(view, now)
        .into_iter()
        .map(|f| StorageFile {
            user_id: f.user_id,
            file_name: f.file_name,
            track_type: f.track_type,
            begin_time_stamp: f.begin.saturating_mul(1000),
        })
        .collect()
}

// ---- Modify, Delete ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModifyCloudRecordingInput {
    pub sdk_app_id: u64,
    pub task_id: String,
    pub mix_layout_params: Option<serde_json::Value>,
    pub subscribe_stream_user_ids: Option<SubscribeStreamUserIds>,
}

/// Replaces the subscription lists and the layout (a full overwrite, not a merge).
pub fn modify_cloud_recording(ctx: &Ctx<'_>, input: ModifyCloudRecordingInput) -> ApiResult<TaskIdOutput> {
    answering(ctx, input.sdk_app_id, &input.task_id, "AuthFailure.UnauthorizedOperation")?;
    let subscription = input.subscribe_stream_user_ids.clone().unwrap_or_default().check()?;
    let now = ctx.now;
    ctx.world
        .update_task(input.sdk_app_id, &input.task_id, now, |task, _| {
            if input.subscribe_stream_user_ids.is_some() {
                task.subscriptions.push((now, subscription));
            }
            if let Some(layout) = &input.mix_layout_params {
                task.params.push((now, serde_json::json!({"MixLayoutParams": layout})));
            }
            true
        })
        .map_err(|r| task_refused(r, not_found(&input.task_id), None))?;
    Ok(TaskIdOutput { task_id: input.task_id })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteCloudRecordingInput {
    pub sdk_app_id: u64,
    pub task_id: String,
}

/// Stops a recording now (its files go on uploading; their callbacks say when).
pub fn delete_cloud_recording(ctx: &Ctx<'_>, input: DeleteCloudRecordingInput) -> ApiResult<TaskIdOutput> {
    answering(ctx, input.sdk_app_id, &input.task_id, "InvalidParameter.SdkAppId")?;
    ctx.world
        .stop_task(input.sdk_app_id, &input.task_id, ctx.now)
        .map_err(|r| task_refused(r, not_found(&input.task_id), None))?;
    Ok(TaskIdOutput { task_id: input.task_id })
}
